#!/usr/bin/env bash
# Installs npm tiktoken@1.0.22 (OpenAI's Rust core as wasm; ships its ranks,
# works offline) into build/npm, used as ground truth by tests/bpe/.
# Idempotent: returns at once when the right version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build/npm
want=1.0.22
have=$(node -e "console.log(require('./$dir/node_modules/tiktoken/package.json').version)" 2>/dev/null || true)
if [ "$have" = "$want" ]; then
  echo "npm.sh: tiktoken@$want already in $dir"
  exit 0
fi
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"tt-npm-tools","private":true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --silent "tiktoken@$want"
node -e "console.log('npm.sh: installed tiktoken ' + require('./$dir/node_modules/tiktoken/package.json').version)"
