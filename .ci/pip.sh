#!/usr/bin/env bash
# Installs the pinned PyPI packages the tests use as ground truth into
# build/venv (a venv over Debian's /usr/bin/python3 that also sees Debian's
# python3-torch and python3-numpy): tiktoken (GPT-2 ids, OpenAI's Rust core;
# reads ../shared/gpt2/r50k_base.tiktoken, nothing is downloaded at run time)
# and tokenizers (Hugging Face). Idempotent: returns at once when the pinned
# versions are there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build/venv
req=tests/requirements.txt
stamp=$venv/.req-$(sha1sum "$req" | cut -c1-12)
if [ -f "$stamp" ] && "$venv/bin/python" -c "import tiktoken, tokenizers" 2>/dev/null; then
  echo "pip.sh: $venv up to date ($req)"
  exit 0
fi
rm -rf "$venv"
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check --no-input -r "$req"
touch "$stamp"
"$venv/bin/python" -c "import tiktoken, tokenizers; print('pip.sh: tiktoken', tiktoken.__version__, 'tokenizers', tokenizers.__version__)"
