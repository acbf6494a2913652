#!/usr/bin/env bash
# Generates tinytrain.h from src/ in a fixed order. Usage: tools/amalgamate.sh [out]
# TT_AMALGAMATE_LINES=1 emits #line directives pointing into src/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-tinytrain.h}

PUBLIC="tt_api.h tt_api_bpe.h tt_api_data.h tt_api_io.h"
PRIVATE="tt_config.h tt_internal.h tt_kern.h tt_vec.h
tt_kern_bf16.c tt_gemm_bf16.c
tt_util.c tt_alloc.c tt_io.c tt_hashheap.c
tt_threads.c tt_kern_w1.c tt_kern_vec.c tt_kern_w8.c tt_kern_w16.c tt_dispatch.c tt_gemm.c
tt_bpe_tables.h tt_bpe_internal.h tt_pretok.c tt_bpe.c tt_bpe_files.c tt_bpe_train.c
tt_data.c tt_ops.c tt_backend_cpu.c tt_model.c tt_adamw.c
tt_checkpoint.c tt_comm.c tt_generate.c
tt_weights_internal.h tt_safetensors.c tt_llmc.c tt_infer.c tt_bpe_export.c"

version=$(sed -n 's/^#define TT_VERSION_STRING "\(.*\)"/\1/p' src/tt_api.h)
emit() {
  local f=$1
  [ -f "src/$f" ] || { echo "amalgamate: missing src/$f" >&2; exit 1; }
  echo "/* ==== begin src/$f ==== */"
  if [ "${TT_AMALGAMATE_LINES:-0}" = 1 ]; then echo "#line 1 \"src/$f\""; fi
  sed -e 's|^\(#[[:space:]]*include[[:space:]]*"tt_[a-z0-9_]*\.h"\)|/* \1 */|' "src/$f"
  echo "/* ==== end src/$f ==== */"
}
tmp=$(mktemp)
{
  # line 1 and 2 come from tt_top.h; the version on line 1 is checked below
  cat src/tt_top.h
  for f in $PUBLIC; do emit "$f"; done
  echo
  echo "#ifdef TINYTRAIN_IMPLEMENTATION"
  echo "#ifndef TINYTRAIN_IMPLEMENTATION_DONE"
  echo "#define TINYTRAIN_IMPLEMENTATION_DONE"
  for f in $PRIVATE; do emit "$f"; done
  echo "#endif /* TINYTRAIN_IMPLEMENTATION_DONE */"
  echo "#endif /* TINYTRAIN_IMPLEMENTATION */"
  echo
  echo "/*"
  cat LICENSE
  echo "*/"
} > "$tmp"
head -1 "$tmp" | grep -q "tinytrain.h v$version " || { echo "amalgamate: line 1 of src/tt_top.h must name v$version" >&2; rm -f "$tmp"; exit 1; }
mv "$tmp" "$out"
