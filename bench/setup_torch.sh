#!/usr/bin/env bash
# Installs current PyTorch from PyPI (pinned; the wheel PyPI serves for Linux
# x86-64, with its CUDA libraries, which the CPU runs never load) into
# build/venv-torch2 for `make bench`, and Debian's python3-dev (torch.compile's
# inductor compiles C++ against Python.h) and tcmalloc/jemalloc. Not needed by
# `make test`. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build/venv-torch2
want_torch=2.15.0
want_numpy=2.4.6
pkgs="python3-dev python3-venv libgoogle-perftools4 libjemalloc2 libopenblas0-pthread libopenblas-dev"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq $missing
fi
have=$("$venv/bin/python" -c "import torch; print(torch.__version__.split('+')[0])" 2>/dev/null || true)
if [ "$have" != "$want_torch" ]; then
  [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-input "torch==$want_torch" "numpy==$want_numpy"
fi
"$venv/bin/python" -c "import torch; print('setup_torch.sh: torch', torch.__version__, 'in $venv')"
