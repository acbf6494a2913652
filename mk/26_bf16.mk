# bf16 GEMM inputs (issue 13, the GEMM layer): tests/kernels/test_gemm_bf16.c
# test-kern-gemm-bf16
#     this machine's build (AVX2 here: bf16 operands widened to fp32 while
#     packing, the reference's bits) and TT_SIMD_WIDTH=1 (the threaded scalar
#     reference), run; the fp32 -> bf16 rounding against PyTorch's
#     (tests/kernels/bf16_torch_check.py); compiled only: clang, g++, and the AVX-512 build with
#     AVX512_BF16 under gcc, clang and g++ (without it: test-kern-gemm-avx512
#     compiles the same code).
# test-simd16-bf16
#     the width-16 build run with AVX512_BF16 (the 6x64 vdpbf16ps kernel,
#     which the test must name as the one it runs): natively where the CPU
#     has avx512_bf16, else on SIMDe (tests/simd/simde_avx512.h emulates
#     AVX512_BF16 too); and without it (-DTT_SIMDE_NO_BF16 on SIMDe): bf16
#     operands widened to fp32 at width 16.
BF16_T     = $(KERN_T)/test_gemm_bf16.c
BF16_FLAGS = $(AVX512_FLAGS) -mavx512bf16
TESTS += test-kern-gemm-bf16 test-simd16-bf16 test-bf16-model
.PHONY: test-kern-gemm-bf16 test-simd16-bf16

$(BUILD)/kern_test_gemm_bf16: $(BF16_T) tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) $< -o $@ $(LDLIBS)
$(BUILD)/kern_test_gemm_bf16_scalar: $(BF16_T) tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -DTT_SIMD_WIDTH=1 $< -o $@ $(LDLIBS)

test-kern-gemm-bf16: $(BUILD)/kern_test_gemm_bf16 $(BUILD)/kern_test_gemm_bf16_scalar
	$(BUILD)/kern_test_gemm_bf16
	$(BUILD)/kern_test_gemm_bf16 --dump $(BUILD)/kern_bf16_conv.bin
	$(PYTHON) $(KERN_T)/bf16_torch_check.py $(BUILD)/kern_bf16_conv.bin
	$(BUILD)/kern_test_gemm_bf16_scalar
	clang $(CSTD) $(WARN) $(OPT) $(ARCH) -I. -c $(BF16_T) -o $(BUILD)/kern_test_gemm_bf16_clang.o
	$(CXX) -std=c++11 -x c++ $(WARN) $(OPT) $(ARCH) -I. -c $(BF16_T) -o $(BUILD)/kern_test_gemm_bf16_cxx.o
	@set -e; for c in "$(CC) $(CSTD)" "clang $(CSTD)" "$(CXX) -std=c++11 -x c++"; do \
	  $$c $(WARN) $(OPT) $(BF16_FLAGS) -DTT_SIMD_WIDTH=16 -I. -c $(BF16_T) -o $(BUILD)/kern_test_gemm_bf16_w16.o; \
	done; echo "compiled at width 16 with AVX512_BF16 by gcc, clang, g++ ($(BF16_FLAGS))"

test-simd16-bf16:
	@$(SIMD8_GATE); set -e; mode="$(SIMD16_MODE)"; \
	if [ "$$mode" = native ] && grep -qw avx512_bf16 /proc/cpuinfo; then f="$(BF16_FLAGS)"; how=native; \
	elif echo '#include <simde/x86/avx512.h>' | $(CC) -mavx2 -mfma -E -x c - >/dev/null 2>&1; then \
	  f="$(SIMD16_EMU)"; how="SIMDe (AVX512_BF16 emulated)"; \
	else echo "SKIP: no AVX512_BF16 here and SIMDe is not installed (apt-get install libsimde-dev)"; exit 0; fi; \
	echo "width 16 with AVX512_BF16, $$how"; \
	$(CC) $(SIMD_CF) -DTT_SIMD_WIDTH=16 $$f $(BF16_T) -o $(BUILD)/simd16_test_gemm_bf16 $(LDLIBS); \
	$(BUILD)/simd16_test_gemm_bf16 > $(BUILD)/simd16_test_gemm_bf16.txt || { cat $(BUILD)/simd16_test_gemm_bf16.txt; exit 1; }; \
	cat $(BUILD)/simd16_test_gemm_bf16.txt; \
	grep -q '^bf16 kernel: 6x64 AVX512_BF16 vdpbf16ps$$' $(BUILD)/simd16_test_gemm_bf16.txt || \
	  { echo "FAIL: the AVX512_BF16 build does not run the vdpbf16ps kernel"; exit 1; }; \
	case "$$mode" in skip*) echo "SKIP: width 16 without AVX512_BF16 not run: $$mode"; exit 0;; esac; \
	echo "width 16 without AVX512_BF16, $$mode"; \
	$(CC) $(SIMD16_CF) -DTT_SIMDE_NO_BF16 $(BF16_T) -o $(BUILD)/simd16_test_gemm_bf16_nobf16 $(LDLIBS); \
	$(BUILD)/simd16_test_gemm_bf16_nobf16 > $(BUILD)/simd16_test_gemm_bf16_nobf16.txt || \
	  { cat $(BUILD)/simd16_test_gemm_bf16_nobf16.txt; exit 1; }; \
	cat $(BUILD)/simd16_test_gemm_bf16_nobf16.txt; \
	grep -q '^bf16 kernel: bf16 operands widened to fp32' $(BUILD)/simd16_test_gemm_bf16_nobf16.txt || \
	  { echo "FAIL: the width-16 build without AVX512_BF16 does not widen to fp32"; exit 1; }

# cfg.precision = TT_PRECISION_BF16 in the model: losses near fp32, threads
# bitwise, the bf16 weight copy refreshed on writes and loads
$(BUILD)/test_bf16_model: tests/unit/test_bf16_model.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) $< -o $@ $(LDLIBS)
.PHONY: test-bf16-model
test-bf16-model: $(BUILD)/test_bf16_model
	$(BUILD)/test_bf16_model

# make bf16-s300 (not a test: ~16 CPU-minutes): config S (V 10000, C 256, L 2,
# T 256, B 16) trained 300 steps on english_mix with build/train in fp32
# and in bf16 (same tokenizer, data order and init); the last validation
# losses must agree within 2 %. BF16_S300_THREADS (default 2).
BF16_S300_THREADS ?= 2
BF16_S300_FLAGS = --corpus $(BPE_CORPUS) --max-mb 26 --vocab 10000 --layers 2 --d-model 256 --heads 4 --ctx 256 \
                  --batch 16 --steps 300 --eval-every 50 --sample-tokens 0 --ckpt-every 0 --overwrite \
                  --threads $(BF16_S300_THREADS)
.PHONY: bf16-s300
bf16-s300: $(BUILD)/train
	@set -e; d=$(BUILD)/bf16_s300; mkdir -p $$d; \
	for p in fp32 bf16; do \
	  echo "S, 300 steps, $$p ..."; \
	  $(BUILD)/train $(BF16_S300_FLAGS) --precision $$p --out $$d/$$p > $$d/$$p.log 2>&1 || { tail -5 $$d/$$p.log; exit 1; }; \
	  grep '^final:' $$d/$$p.log; \
	done; \
	a=$$(tail -n 1 $$d/fp32/log.csv | cut -d, -f3); b=$$(tail -n 1 $$d/bf16/log.csv | cut -d, -f3); \
	awk -v a="$$a" -v b="$$b" 'BEGIN { r = (b - a) / a; printf "last validation loss: fp32 %s, bf16 %s (%+.3f %%)\n", a, b, 100 * r; \
	  if (r < -0.02 || r > 0.02 || a == "" || b == "") { print "FAIL: bf16 not within 2 % of fp32"; exit 1 } }'
