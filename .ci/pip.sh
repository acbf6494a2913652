#!/usr/bin/env bash
# Installs the pinned PyPI packages the tests use as ground truth into
# venvs over Debian's /usr/bin/python3 that also see Debian's python3-torch
# and python3-numpy:
#   build/venv     tests/requirements.txt: tiktoken (GPT-2 ids, OpenAI's Rust
#                  core; reads ../shared/gpt2/r50k_base.tiktoken, nothing is
#                  downloaded at run time) and tokenizers (Hugging Face)
#   build/venv-hf  tests/requirements-hf.txt: transformers, safetensors and
#                  the tokenizers version transformers needs (weight interop)
# Idempotent: a venv whose pins are installed is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
mkvenv() { # venv requirements python-import-check
  local venv=$1 req=$2 check=$3
  local stamp=$venv/.req-$(sha1sum "$req" | cut -c1-12)
  if [ -f "$stamp" ] && "$venv/bin/python" -c "$check" 2>/dev/null; then
    echo "pip.sh: $venv up to date ($req)"
    return 0
  fi
  rm -rf "$venv"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-input -r "$req"
  touch "$stamp"
  "$venv/bin/python" -c "$check; print('pip.sh: $venv ready ($req)')"
}
mkvenv build/venv tests/requirements.txt "import tiktoken, tokenizers"
mkvenv build/venv-hf tests/requirements-hf.txt "import transformers, safetensors, tokenizers"
