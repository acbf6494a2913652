# make bench: whole training step, tinytrain vs PyTorch on S, M, G (not a test).
# BENCH_THREADS (default: all cores), BENCH_ROUNDS (3), BENCH_CONFIGS ("S M G")
.PHONY: bench bench-train
BENCH_THREADS ?= $(shell nproc)
BENCH_ROUNDS ?= 3
BENCH_CONFIGS ?= S M G
$(BUILD)/bench_train: bench/bench_train.c bench/bench_peak.h tinytrain.h | $(BUILD)
	$(CC) -std=c99 -Wall -Wextra -Werror -O2 $(ARCH) -D_POSIX_C_SOURCE=200809L -I. $< -o $@ $(LDLIBS)
bench-train: $(BUILD)/bench_train
bench: $(BUILD)/bench_train
	bash bench/setup_torch.sh
	bench/run_bench.sh $(BENCH_THREADS) $(BENCH_ROUNDS) "$(BENCH_CONFIGS)"
