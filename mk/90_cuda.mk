# CUDA backend beside the header (issue 12): examples/cuda/, tests/cuda/
# make cuda          builds with nvcc the backend object, the op test, the
#                    model test and the CUDA builds of train and bench_train
# make train-cuda    build/cuda/train and build/cuda/bench_train only
#                    (--backend cuda[:N], --tf32)
# test-cuda-build    (in make test) when nvcc exists: compiles and links all
#                    of them, runs train --help, then the op test (every op
#                    against CPU references) and the model test (20 steps
#                    against the CPU path), which run where `nvidia-smi`
#                    succeeds and print SKIP elsewhere; without nvcc it
#                    prints SKIP and passes
# test-cuda-emu      (in make test, no nvcc or GPU needed) the same op test
#                    with tt_cuda.cu compiled for the CPU by $(CXX) against the
#                    CUDA/cuBLAS emulation in tests/cuda/emu/: checks the
#                    kernels' logic, indexing and barrier use
# tests/cuda/gpu_check.sh  the one command to run on a machine with a GPU
# NVCC_ARCH: sm_80 (A100) and sm_90 (H100/H200) code plus compute_90 PTX for
# newer GPUs (JIT-compiled by the driver at first use)
ifeq ($(origin NVCC),undefined)
NVCC := $(shell command -v nvcc 2>/dev/null || { test -x /usr/local/cuda/bin/nvcc && echo /usr/local/cuda/bin/nvcc; })
endif
NVCC_ARCH  ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
              -gencode arch=compute_90,code=compute_90
NVCC_FLAGS ?= -O2 -std=c++14 $(NVCC_ARCH) -Xcompiler -Wall,-Wextra -Werror all-warnings
CUDA_LIBDIR = $(patsubst %/bin/nvcc,%,$(NVCC))/lib64
TESTS += test-cuda-build test-cuda-emu
.PHONY: cuda test-cuda-build test-cuda-emu

$(BUILD)/cuda:
	mkdir -p $(BUILD)/cuda
$(BUILD)/cuda/tt_cuda.o: examples/cuda/tt_cuda.cu examples/cuda/tt_cuda.h tinytrain.h | $(BUILD)/cuda
	$(NVCC) $(NVCC_FLAGS) -I. -c $< -o $@
$(BUILD)/cuda/test_cuda_ops.o: tests/cuda/test_cuda_ops.c examples/cuda/tt_cuda.h tinytrain.h | $(BUILD)/cuda
	$(CC) $(CFLAGS_T) -Iexamples/cuda -c $< -o $@
# nvcc links the CUDA runtime statically; cuBLAS is a shared library found
# through the rpath
$(BUILD)/cuda/test_cuda_ops: $(BUILD)/cuda/test_cuda_ops.o $(BUILD)/cuda/tt_cuda.o
	$(NVCC) $(NVCC_ARCH) $^ -o $@ -lcublas -Xlinker -rpath,$(CUDA_LIBDIR) $(LDLIBS)
$(BUILD)/cuda/test_cuda_model.o: tests/cuda/test_cuda_model.c examples/cuda/tt_cuda.h tinytrain.h | $(BUILD)/cuda
	$(CC) $(CFLAGS_T) -Iexamples/cuda -c $< -o $@
$(BUILD)/cuda/test_cuda_model: $(BUILD)/cuda/test_cuda_model.o $(BUILD)/cuda/tt_cuda.o
	$(NVCC) $(NVCC_ARCH) $^ -o $@ -lcublas -Xlinker -rpath,$(CUDA_LIBDIR) $(LDLIBS)
# examples/train.c and bench/bench_train.c with -DTT_WITH_CUDA: --backend cuda
$(BUILD)/cuda/train.o: examples/train.c examples/cuda/tt_cuda.h tinytrain.h | $(BUILD)/cuda
	$(CC) -std=c99 $(OPT) $(ARCH) -Wall -Wextra -Werror -DTT_WITH_CUDA -Iexamples/cuda -I. -c $< -o $@
$(BUILD)/cuda/train: $(BUILD)/cuda/train.o $(BUILD)/cuda/tt_cuda.o
	$(NVCC) $(NVCC_ARCH) $^ -o $@ -lcublas -Xlinker -rpath,$(CUDA_LIBDIR) $(LDLIBS)
$(BUILD)/cuda/bench_train.o: bench/bench_train.c bench/bench_peak.h examples/cuda/tt_cuda.h tinytrain.h | $(BUILD)/cuda
	$(CC) -std=c99 -Wall -Wextra -Werror -O2 $(ARCH) -D_POSIX_C_SOURCE=200809L -DTT_WITH_CUDA -Iexamples/cuda -I. \
	  -c $< -o $@
$(BUILD)/cuda/bench_train: $(BUILD)/cuda/bench_train.o $(BUILD)/cuda/tt_cuda.o
	$(NVCC) $(NVCC_ARCH) $^ -o $@ -lcublas -Xlinker -rpath,$(CUDA_LIBDIR) $(LDLIBS)
CUDA_BINS = $(addprefix $(BUILD)/cuda/,test_cuda_ops test_cuda_model train bench_train)

.PHONY: train-cuda
cuda:
	@if [ -z "$(NVCC)" ]; then echo "no nvcc (install the CUDA toolkit or set NVCC=)"; exit 1; fi
	$(MAKE) --no-print-directory $(CUDA_BINS)
train-cuda:
	@if [ -z "$(NVCC)" ]; then echo "no nvcc (install the CUDA toolkit or set NVCC=)"; exit 1; fi
	$(MAKE) --no-print-directory $(BUILD)/cuda/train $(BUILD)/cuda/bench_train

test-cuda-build:
	@if [ -z "$(NVCC)" ]; then echo "SKIP: no nvcc (CUDA toolkit not installed): CUDA backend not compiled"; exit 0; fi; \
	$(MAKE) --no-print-directory $(CUDA_BINS) && $(BUILD)/cuda/train --help > /dev/null && \
	$(BUILD)/cuda/test_cuda_ops && $(BUILD)/cuda/test_cuda_model

CUDA_EMU_H = tests/cuda/emu/cuda_runtime.h tests/cuda/emu/cublas_v2.h
$(BUILD)/cuda/tt_cuda_emu.o: examples/cuda/tt_cuda.cu examples/cuda/tt_cuda.h tinytrain.h $(CUDA_EMU_H) | $(BUILD)/cuda
	$(CXX) -x c++ -std=c++17 -O1 -Wall -Wextra -Werror -Wno-unused-parameter -Itests/cuda/emu -I. -c $< -o $@
$(BUILD)/cuda/test_cuda_ops_emu: tests/cuda/test_cuda_ops.c $(BUILD)/cuda/tt_cuda_emu.o | $(BUILD)/cuda
	$(CC) $(CFLAGS_T) -DTT_CUDA_TEST_EMULATED -Iexamples/cuda $^ -o $@ -lstdc++ $(LDLIBS)
test-cuda-emu: $(BUILD)/cuda/test_cuda_ops_emu
	$(BUILD)/cuda/test_cuda_ops_emu

# test-cuda-model-emu (in make test, no GPU): the model trained through the
# emulated CUDA backend against the CPU path (tests/cuda/test_cuda_model.c)
TESTS += test-cuda-model-emu
.PHONY: test-cuda-model-emu
$(BUILD)/cuda/test_cuda_model_emu: tests/cuda/test_cuda_model.c $(BUILD)/cuda/tt_cuda_emu.o | $(BUILD)/cuda
	$(CC) $(CFLAGS_T) -DTT_CUDA_TEST_EMULATED -Iexamples/cuda $^ -o $@ -lstdc++ $(LDLIBS)
test-cuda-model-emu: $(BUILD)/cuda/test_cuda_model_emu
	$(BUILD)/cuda/test_cuda_model_emu
