# kernels: packed SGEMM tests (tests/kernels/) and `make bench-gemm`
# test-kern-gemm         this machine's build (AVX2 6x16 here, AVX-512 6x64 where -march=native has it)
# test-kern-gemm-scalar  TT_SIMD_WIDTH=1 (tt__gemm = threaded scalar reference)
# test-kern-gemm-avx512  TT_SIMD_WIDTH=16 built with explicit AVX-512 flags (gcc, clang, g++);
#                        runs natively where the CPU has AVX-512, else (AVX2+FMA CPU) the same
#                        test built on SIMDe's AVX-512 emulation runs (mk/25_simd.mk)
KERN_T = tests/kernels
AVX512_FLAGS = -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma
TESTS += test-kern-gemm test-kern-gemm-scalar test-kern-gemm-avx512
.PHONY: test-kern-gemm test-kern-gemm-scalar test-kern-gemm-avx512 bench-gemm

$(BUILD)/kern_test_gemm: $(KERN_T)/test_gemm.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) $< -o $@ $(LDLIBS)
$(BUILD)/kern_test_gemm_scalar: $(KERN_T)/test_gemm.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -DTT_SIMD_WIDTH=1 $< -o $@ $(LDLIBS)
$(BUILD)/kern_test_gemm_avx512: $(KERN_T)/test_gemm.c tinytrain.h | $(BUILD)
	$(CC) $(CSTD) $(WARN) $(OPT) $(AVX512_FLAGS) -DTT_SIMD_WIDTH=16 -I. $< -o $@ $(LDLIBS)

test-kern-gemm: $(BUILD)/kern_test_gemm
	$(BUILD)/kern_test_gemm
test-kern-gemm-scalar: $(BUILD)/kern_test_gemm_scalar
	$(BUILD)/kern_test_gemm_scalar
test-kern-gemm-avx512: $(BUILD)/kern_test_gemm_avx512
	clang $(CSTD) $(WARN) $(OPT) $(AVX512_FLAGS) -DTT_SIMD_WIDTH=16 -I. -c $(KERN_T)/test_gemm.c -o $(BUILD)/kern_test_gemm_avx512_clang.o
	cp $(KERN_T)/test_gemm.c $(BUILD)/kern_test_gemm_avx512.cpp
	$(CXX) -std=c++11 $(WARN) $(OPT) $(AVX512_FLAGS) -DTT_SIMD_WIDTH=16 -I. -c $(BUILD)/kern_test_gemm_avx512.cpp -o $(BUILD)/kern_test_gemm_avx512_cxx.o
	@mode="$(SIMD16_MODE)"; case "$$mode" in \
	  native) $(BUILD)/kern_test_gemm_avx512;; \
	  simde) echo "no AVX-512 on this CPU: the AVX-512 build runs on SIMDe (tests/simd/simde_avx512.h)"; \
	         $(MAKE) -s --no-print-directory $(BUILD)/simd16_test_gemm && $(BUILD)/simd16_test_gemm;; \
	  *) echo "SKIP: AVX-512 build compiled only, not run ($$mode)";; esac

# GEMM GFLOP/s vs OpenBLAS (benchmark only, not a test); ARGS="--config G --reps 7 --threads 2"
$(BUILD)/bench_gemm: bench/bench_gemm.c bench/bench_peak.h tinytrain.h | $(BUILD)
	$(CC) $(CSTD) $(WARN) -O2 $(ARCH) -I. $< -o $@ -lopenblas $(LDLIBS)
bench-gemm: $(BUILD)/bench_gemm
	$(BUILD)/bench_gemm $(ARGS)
