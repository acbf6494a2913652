# The NEON width (TT_SIMD_WIDTH=4, AArch64 Advanced SIMD; issue 13).
# test-neon
#     cross-built for aarch64 (static, $(AARCH64_OPT) as test-host-aarch64)
#     with the default width of an AArch64 compiler (4), run under
#     qemu-aarch64: test_vec (the 128-bit elementwise kernels against the
#     scalar references, vector exp within 4 ULP), test_gemm quick (the 6x16
#     NEON micro-kernel against a plain fmaf chain, the driver against the
#     scalar GEMM on odd shapes, thread counts bitwise), test_grad (finite
#     differences), test_determinism quick (threads 1, 2, 3 and a user pool
#     bitwise), and a 20-step training run (tests/simd/train_steps.c, tiny
#     config) whose every loss and gradient norm must be within NEON_TRAIN_TOL
#     (relative) of the width-1 aarch64 build's; on an x86-64 host with
#     AVX2+FMA, `test_gemm bits` (CRC-32s of fixed products, GELU epilogue
#     included) must print the same as the width-8 build: the 6x16 NEON and
#     AVX2 kernels run the same fmaf chains; also that tinytrain.h at width 4
#     passes clang's C99 and C++11 front ends (-Werror). The full test_gemm
#     and test_determinism: make test-neon NEON_FULL=1 (minutes).
NEON_FULL     ?= 0
NEON_CF        = -std=c99 -pedantic $(WARN) $(AARCH64_OPT) -static -I.
NEON_TRAIN    ?= tiny 20
NEON_TRAIN_TOL = 1e-4
NEON_QUICK     = $(if $(filter 1,$(NEON_FULL)),,quick)

TESTS += test-neon
.PHONY: test-neon

$(BUILD)/n4_test_vec: tests/unit/test_vec.c tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(NEON_CF) $< -o $@ $(LDLIBS)
$(BUILD)/n4_test_gemm: tests/kernels/test_gemm.c tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(NEON_CF) $< -o $@ $(LDLIBS)
$(BUILD)/n4_test_grad: tests/unit/test_grad.c tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(NEON_CF) $< -o $@ $(LDLIBS)
$(BUILD)/n4_impl.o: tests/core/cfg_impl.c tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(NEON_CF) -c $< -o $@
$(BUILD)/n4_test_determinism: tests/core/test_determinism.c tests/core/tt_test.h $(BUILD)/n4_impl.o
	$(AARCH64_CC) $(NEON_CF) -DTT_TEST_SPLIT $< $(BUILD)/n4_impl.o -o $@ $(LDLIBS)
$(BUILD)/n4_train: $(SIMD_T)/train_steps.c $(BUILD)/n4_impl.o
	$(AARCH64_CC) $(NEON_CF) -DTT_TEST_SPLIT $< $(BUILD)/n4_impl.o -o $@ $(LDLIBS)
$(BUILD)/simd8_test_gemm: tests/kernels/test_gemm.c tinytrain.h | $(BUILD)
	$(CC) $(SIMD8_CF) $< -o $@ $(LDLIBS)

test-neon:
	@if ! command -v $(AARCH64_CC) >/dev/null || ! command -v $(QEMU_AARCH64) >/dev/null; then \
	  echo "SKIP: needs $(AARCH64_CC) and $(QEMU_AARCH64) (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)"; \
	  exit 0; fi; set -e; \
	$(MAKE) -s --no-print-directory $(addprefix $(BUILD)/n4_,test_vec test_gemm test_grad test_determinism train) \
	  $(BUILD)/a64_train; \
	echo '#define TINYTRAIN_IMPLEMENTATION' > $(BUILD)/n4_cc.c; echo '#include "tinytrain.h"' >> $(BUILD)/n4_cc.c; \
	if command -v clang >/dev/null; then \
	  clang --target=aarch64-linux-gnu -std=c99 -pedantic $(WARN) -I. -fsyntax-only $(BUILD)/n4_cc.c; \
	  clang++ --target=aarch64-linux-gnu -nostdinc++ -x c++ -std=c++11 $(WARN) -I. -fsyntax-only $(BUILD)/n4_cc.c; \
	  echo "clang C99 and C++11 front ends (aarch64, width 4): clean"; \
	else echo "note: no clang: the C++ check of the width-4 build not run"; fi; \
	echo "== qemu-aarch64 test_vec"; \
	$(QEMU_AARCH64) $(BUILD)/n4_test_vec > $(BUILD)/n4_test_vec.txt || { cat $(BUILD)/n4_test_vec.txt; exit 1; }; \
	cat $(BUILD)/n4_test_vec.txt; \
	grep -q '^test_vec (vector layer width 4, TT_SIMD_WIDTH 4): ok$$' $(BUILD)/n4_test_vec.txt || \
	  { echo "FAIL: the aarch64 build is not the width-4 (NEON) one"; exit 1; }; \
	echo "== qemu-aarch64 test_gemm $(NEON_QUICK)"; \
	$(QEMU_AARCH64) $(BUILD)/n4_test_gemm $(NEON_QUICK) > $(BUILD)/n4_test_gemm.txt || { cat $(BUILD)/n4_test_gemm.txt; exit 1; }; \
	cat $(BUILD)/n4_test_gemm.txt; \
	grep -q '^micro-kernel: 6x16 NEON intrinsics$$' $(BUILD)/n4_test_gemm.txt || \
	  { echo "FAIL: test_gemm did not run the NEON micro-kernel"; exit 1; }; \
	echo "== qemu-aarch64 test_grad"; $(QEMU_AARCH64) $(BUILD)/n4_test_grad; \
	echo "== qemu-aarch64 test_determinism $(NEON_QUICK)"; $(QEMU_AARCH64) $(BUILD)/n4_test_determinism $(NEON_QUICK); \
	echo "== qemu-aarch64 train_steps $(NEON_TRAIN): width 4 (2 threads) against width 1 (1 thread)"; \
	$(QEMU_AARCH64) $(BUILD)/n4_train $(NEON_TRAIN) 2 > $(BUILD)/n4_train.txt; \
	$(QEMU_AARCH64) $(BUILD)/a64_train $(NEON_TRAIN) 1 > $(BUILD)/a64_train_w1.txt; \
	awk -v tol=$(NEON_TRAIN_TOL) -f $(SIMD_T)/close_runs.awk $(BUILD)/a64_train_w1.txt $(BUILD)/n4_train.txt; \
	sed -n '1p;$$p' $(BUILD)/n4_train.txt; \
	if [ "$$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then \
	  $(MAKE) -s --no-print-directory $(BUILD)/simd8_test_gemm; \
	  $(QEMU_AARCH64) $(BUILD)/n4_test_gemm bits > $(BUILD)/n4_gemm_bits.txt; \
	  $(BUILD)/simd8_test_gemm bits > $(BUILD)/simd8_gemm_bits.txt; \
	  cmp $(BUILD)/simd8_gemm_bits.txt $(BUILD)/n4_gemm_bits.txt || { echo "FAIL: width-4 GEMM bits differ from width 8's"; \
	    diff $(BUILD)/simd8_gemm_bits.txt $(BUILD)/n4_gemm_bits.txt | head; exit 1; }; \
	  echo "GEMM bits (test_gemm bits, $$(wc -l < $(BUILD)/n4_gemm_bits.txt) products): width 4 = width 8"; \
	else echo "note: not an x86-64 AVX2+FMA host: width-4 GEMM bits not compared with width 8's"; fi
