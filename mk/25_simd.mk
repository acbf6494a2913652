# SIMD widths other than this machine's own (issue 13).
# test-simd16-vec, -grad, -determinism, -train
#     the AVX-512 build (TT_SIMD_WIDTH=16) RUN: natively where the CPU has
#     AVX-512 F/BW/DQ/VL, else on an AVX2+FMA CPU with SIMDe supplying the
#     512-bit intrinsics (tests/simd/simde_avx512.h, Debian libsimde-dev);
#     test_vec (the 512-bit elementwise kernels) and test_grad against the
#     scalar references, test_determinism across thread counts, and a 20-step
#     training run (two batch shapes) whose every loss and gradient norm must
#     be within SIMD16_TRAIN_TOL (relative) of the width-8 build's: the GEMMs
#     agree bitwise, the elementwise reductions fold 16 lanes instead of 8.
#     (test_gemm at width 16: test-kern-gemm-avx512.)
# test-noasm
#     the width-8 build with -DTT_NO_ASM (the intrinsics twin of the inline-asm
#     6x16 kernel): test_gemm (which must name that kernel as the one it runs),
#     test_grad, test_determinism, and the training run bitwise equal to the
#     asm build's.
# test-host-aarch64
#     cross-built for aarch64 (TT_SIMD_WIDTH=1, static) and run under
#     qemu-aarch64: test_vec, test_grad, test_bpe_unit, and a 10-step training
#     run (tests/simd/train_steps.c) at 1 and 2 threads that must be bitwise
#     equal (equality with the x86-64 TT_SIMD_WIDTH=1 build is reported, not
#     required: it rests on libm giving the same bits on both). With
#     AARCH64_FULL=1 also test_gemm and test_determinism (about 3.5 and 6
#     CPU-minutes under qemu; too slow for `make test`).
SIMD_T       = tests/simd
SIMD_OPT    ?= -O1
SIMD_CF      = -std=c99 -pedantic $(WARN) $(SIMD_OPT) -I.
SIMD_DEPS    = tinytrain.h $(SIMD_T)/simde_avx512.h
# native | simde | skip: <reason>, worked out once per make run, when needed
SIMD16_MODE  = $(eval SIMD16_MODE := $(shell $(SIMD_T)/simd16_mode.sh $(CC)))$(SIMD16_MODE)
SIMD16_EMU   = -mavx2 -mfma -Wno-psabi -include $(SIMD_T)/simde_avx512.h
SIMD16_CF    = $(SIMD_CF) -DTT_SIMD_WIDTH=16 $(if $(filter native,$(SIMD16_MODE)),$(AVX512_FLAGS),$(SIMD16_EMU))
SIMD8_CF     = $(SIMD_CF) -DTT_SIMD_WIDTH=8 -mavx2 -mfma
NOASM_CF     = $(SIMD8_CF) -DTT_NO_ASM
# a recipe's first line: SKIP (exit 0) unless the width-16 build can run here
SIMD16_GATE  = mode="$(SIMD16_MODE)"; case "$$mode" in skip*) echo "SKIP: AVX-512 build not run: $$mode"; exit 0;; esac; \
               echo "AVX-512 build (TT_SIMD_WIDTH=16), $$mode"
# likewise for the AVX2 builds (x86-64 CPU with AVX2 and FMA)
SIMD8_GATE   = case "$$(uname -m)" in x86_64|amd64) ;; *) echo "SKIP: not an x86-64 machine"; exit 0;; esac; \
               grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo || { echo "SKIP: the CPU has no AVX2+FMA"; exit 0; }
SIMD_TRAIN   = small:20:2 big:20:2
# relative; the widths' LayerNorm and softmax sums fold 8 or 16 lanes
SIMD16_TRAIN_TOL = 1e-4

TESTS += test-simd16-vec test-simd16-grad test-simd16-determinism test-simd16-train test-noasm test-host-aarch64
.PHONY: test-simd16-vec test-simd16-grad test-simd16-determinism test-simd16-train test-noasm test-host-aarch64

# ---- width 16 ----
$(BUILD)/simd16_test_gemm: tests/kernels/test_gemm.c $(SIMD_DEPS) | $(BUILD)
	$(CC) $(SIMD16_CF) $< -o $@ $(LDLIBS)
$(BUILD)/simd16_test_vec: tests/unit/test_vec.c $(SIMD_DEPS) | $(BUILD)
	$(CC) $(SIMD16_CF) $< -o $@ $(LDLIBS)
$(BUILD)/simd16_test_grad: tests/unit/test_grad.c $(SIMD_DEPS) | $(BUILD)
	$(CC) $(SIMD16_CF) $< -o $@ $(LDLIBS)
$(BUILD)/simd16_impl.o: tests/core/cfg_impl.c $(SIMD_DEPS) | $(BUILD)
	$(CC) $(SIMD16_CF) -c $< -o $@
$(BUILD)/simd16_test_determinism: tests/core/test_determinism.c tests/core/tt_test.h $(BUILD)/simd16_impl.o
	$(CC) $(SIMD16_CF) -DTT_TEST_SPLIT $< $(BUILD)/simd16_impl.o -o $@ $(LDLIBS)
$(BUILD)/simd16_train: $(SIMD_T)/train_steps.c $(BUILD)/simd16_impl.o
	$(CC) $(SIMD16_CF) -DTT_TEST_SPLIT $< $(BUILD)/simd16_impl.o -o $@ $(LDLIBS)

test-simd16-vec:
	@$(SIMD16_GATE); set -e; $(MAKE) -s --no-print-directory $(BUILD)/simd16_test_vec; $(BUILD)/simd16_test_vec
test-simd16-grad:
	@$(SIMD16_GATE); set -e; $(MAKE) -s --no-print-directory $(BUILD)/simd16_test_grad; $(BUILD)/simd16_test_grad
test-simd16-determinism:
	@$(SIMD16_GATE); set -e; $(MAKE) -s --no-print-directory $(BUILD)/simd16_test_determinism; \
	$(BUILD)/simd16_test_determinism
test-simd16-train:
	@$(SIMD16_GATE); set -e; $(SIMD8_GATE); \
	$(MAKE) -s --no-print-directory $(BUILD)/simd16_train $(BUILD)/simd8_train; \
	for r in $(SIMD_TRAIN); do set -- $$(echo $$r | tr ':' ' '); \
	  $(BUILD)/simd8_train $$1 $$2 $$3 > $(BUILD)/simd8_train_$$1.txt; \
	  $(BUILD)/simd16_train $$1 $$2 $$3 > $(BUILD)/simd16_train_$$1.txt; \
	  echo "$$1 config, $$2 steps, $$3 threads: width 16 against width 8:"; \
	  awk -v tol=$(SIMD16_TRAIN_TOL) -f $(SIMD_T)/close_runs.awk $(BUILD)/simd8_train_$$1.txt $(BUILD)/simd16_train_$$1.txt; \
	  sed -n '1p;$$p' $(BUILD)/simd16_train_$$1.txt; \
	done

# ---- width 8: the reference for the training run, and TT_NO_ASM ----
$(BUILD)/simd8_impl.o: tests/core/cfg_impl.c tinytrain.h | $(BUILD)
	$(CC) $(SIMD8_CF) -c $< -o $@
$(BUILD)/simd8_train: $(SIMD_T)/train_steps.c $(BUILD)/simd8_impl.o
	$(CC) $(SIMD8_CF) -DTT_TEST_SPLIT $< $(BUILD)/simd8_impl.o -o $@ $(LDLIBS)
$(BUILD)/noasm_impl.o: tests/core/cfg_impl.c tinytrain.h | $(BUILD)
	$(CC) $(NOASM_CF) -c $< -o $@
$(BUILD)/noasm_train: $(SIMD_T)/train_steps.c $(BUILD)/noasm_impl.o
	$(CC) $(NOASM_CF) -DTT_TEST_SPLIT $< $(BUILD)/noasm_impl.o -o $@ $(LDLIBS)
$(BUILD)/noasm_test_determinism: tests/core/test_determinism.c tests/core/tt_test.h $(BUILD)/noasm_impl.o
	$(CC) $(NOASM_CF) -DTT_TEST_SPLIT $< $(BUILD)/noasm_impl.o -o $@ $(LDLIBS)
$(BUILD)/noasm_test_gemm: tests/kernels/test_gemm.c tinytrain.h | $(BUILD)
	$(CC) $(NOASM_CF) $< -o $@ $(LDLIBS)
$(BUILD)/noasm_test_grad: tests/unit/test_grad.c tinytrain.h | $(BUILD)
	$(CC) $(NOASM_CF) $< -o $@ $(LDLIBS)

test-noasm:
	@$(SIMD8_GATE); set -e; \
	$(MAKE) -s --no-print-directory $(BUILD)/noasm_test_gemm $(BUILD)/noasm_test_grad \
	  $(BUILD)/noasm_test_determinism $(BUILD)/noasm_train $(BUILD)/simd8_train; \
	echo "width 8, -DTT_NO_ASM (intrinsics 6x16 kernel):"; \
	$(BUILD)/noasm_test_gemm > $(BUILD)/noasm_test_gemm.txt || { cat $(BUILD)/noasm_test_gemm.txt; exit 1; }; \
	cat $(BUILD)/noasm_test_gemm.txt; \
	grep -q '^micro-kernel: 6x16 AVX2 intrinsics$$' $(BUILD)/noasm_test_gemm.txt || \
	  { echo "FAIL: the TT_NO_ASM build does not run the intrinsics micro-kernel"; exit 1; }; \
	$(BUILD)/noasm_test_grad; $(BUILD)/noasm_test_determinism; \
	for r in $(SIMD_TRAIN); do set -- $$(echo $$r | tr ':' ' '); \
	  $(BUILD)/simd8_train $$1 $$2 $$3 > $(BUILD)/simd8_train_$$1.txt; \
	  $(BUILD)/noasm_train $$1 $$2 $$3 > $(BUILD)/noasm_train_$$1.txt; \
	  cmp $(BUILD)/simd8_train_$$1.txt $(BUILD)/noasm_train_$$1.txt; \
	  echo "$$1 config, $$2 steps: TT_NO_ASM and asm builds bitwise equal: $$(tail -n 1 $(BUILD)/noasm_train_$$1.txt)"; \
	done

# ---- aarch64: cross-built, run under qemu-user ----
AARCH64_CC   ?= aarch64-linux-gnu-gcc
QEMU_AARCH64 ?= qemu-aarch64
AARCH64_FULL ?= 0
# -O1: Debian gcc-aarch64-linux-gnu 12.2 has an internal compiler error in the
# loop vectorizer (-O2 and up) on tests/unit/test_grad.c (test_attention_blocked)
AARCH64_OPT  ?= -O1
AARCH64_CF    = -std=c99 -pedantic $(WARN) $(AARCH64_OPT) -DTT_SIMD_WIDTH=1 -static -I.
AARCH64_PROGS = test_vec test_grad test_bpe_unit $(if $(filter 1,$(AARCH64_FULL)),test_gemm test_determinism)
AARCH64_TRAIN = small 10
$(BUILD)/a64_test_vec: tests/unit/test_vec.c tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(AARCH64_CF) $< -o $@ $(LDLIBS)
$(BUILD)/a64_test_grad: tests/unit/test_grad.c tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(AARCH64_CF) $< -o $@ $(LDLIBS)
$(BUILD)/a64_test_gemm: tests/kernels/test_gemm.c tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(AARCH64_CF) $< -o $@ $(LDLIBS)
$(BUILD)/a64_test_bpe_unit: tests/bpe/test_bpe_unit.c tests/bpe/bpe_util.h tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(AARCH64_CF) -Itests/bpe $< -o $@ $(LDLIBS)
$(BUILD)/a64_test_determinism: tests/core/test_determinism.c tests/core/tt_test.h tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(AARCH64_CF) $< -o $@ $(LDLIBS)
$(BUILD)/a64_train: $(SIMD_T)/train_steps.c tinytrain.h | $(BUILD)
	$(AARCH64_CC) $(AARCH64_CF) $< -o $@ $(LDLIBS)
$(BUILD)/simd1_train: $(SIMD_T)/train_steps.c tinytrain.h | $(BUILD)
	$(CC) $(SIMD_CF) -DTT_SIMD_WIDTH=1 $< -o $@ $(LDLIBS)

test-host-aarch64:
	@if ! command -v $(AARCH64_CC) >/dev/null || ! command -v $(QEMU_AARCH64) >/dev/null; then \
	  echo "SKIP: needs $(AARCH64_CC) and $(QEMU_AARCH64) (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)"; \
	  exit 0; fi; set -e; \
	$(MAKE) -s --no-print-directory $(addprefix $(BUILD)/a64_,$(AARCH64_PROGS) train) $(BUILD)/simd1_train; \
	for p in $(AARCH64_PROGS); do echo "== qemu-aarch64 $$p"; $(QEMU_AARCH64) $(BUILD)/a64_$$p; done; \
	echo "== qemu-aarch64 train_steps $(AARCH64_TRAIN) at 1 and 2 threads, and the x86-64 width-1 build"; \
	$(QEMU_AARCH64) $(BUILD)/a64_train $(AARCH64_TRAIN) 1 > $(BUILD)/a64_train_1.txt; \
	$(QEMU_AARCH64) $(BUILD)/a64_train $(AARCH64_TRAIN) 2 > $(BUILD)/a64_train_2.txt; \
	$(BUILD)/simd1_train $(AARCH64_TRAIN) 2 > $(BUILD)/simd1_train.txt; \
	cmp $(BUILD)/a64_train_1.txt $(BUILD)/a64_train_2.txt; \
	echo "aarch64 at 1 and 2 threads bitwise equal:"; sed -n '1p;$$p' $(BUILD)/a64_train_1.txt; \
	if cmp -s $(BUILD)/a64_train_1.txt $(BUILD)/simd1_train.txt; then echo "and equal to the x86-64 width-1 build's"; \
	else echo "note: differs from the x86-64 width-1 build (libm or compiler contraction differ; not a failure)"; fi; \
	if [ "$(AARCH64_FULL)" != 1 ]; then echo "note: test_gemm and test_determinism not run under qemu (too slow): make test-host-aarch64 AARCH64_FULL=1"; fi
