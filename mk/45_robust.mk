# issue 10 "nothing lost on any input": adversarial API suite, killed and
# concurrent training runs, full disks, bad CLI input (tests/robust/)
ROBUST_T = tests/robust
TESTS += test-robust-api test-robust-cli test-robust-kill
.PHONY: test-robust-api test-robust-cli test-robust-kill

$(BUILD)/robust_test: $(ROBUST_T)/test_robust.c $(BUILD)/core_impl.o $(CORE_DEP) | $(BUILD)
	$(CC) $(CFLAGS_T) -DTT_TEST_SPLIT $< $(BUILD)/core_impl.o -o $@ $(LDLIBS)

$(BUILD)/san_robust_test: $(ROBUST_T)/test_robust.c $(BUILD)/san_impl.o $(CORE_DEP) | $(BUILD)
	$(CC) $(SANFLAGS) -DTT_TEST_SPLIT $< $(BUILD)/san_impl.o -o $@ $(LDLIBS)

# every optimizer number, call orders, NULLs, NaN model, token writer, full
# disk (io callback, RLIMIT_FSIZE, /dev/full) for every kind of save; then
# again under ASan + UBSan
test-robust-api: $(BUILD)/robust_test $(BUILD)/san_robust_test
	$(BUILD)/robust_test
	$(SANENV) $(BUILD)/san_robust_test

# examples/train.c: bad flags and input, existing checkpoints, the output
# lock, unwritable paths, a full disk during a save; train and
# examples/tokenize.c on a 100 MB single line, binary files, invalid UTF-8
test-robust-cli: $(BUILD)/train $(BUILD)/tokenize $(BUILD)/robust_test $(ROBUST_T)/cli.sh
	bash $(ROBUST_T)/cli.sh $(BUILD)/train $(BUILD)/robust_test $(BUILD)/robust-cli $(BUILD)/tokenize

# SIGKILL at random moments (also during checkpoint saves), then --resume:
# same parameters CRC as an uninterrupted run
# run: KILL_TRIALS trials of 3 kills each (2 at random moments, 1 while a
# checkpoint.ttck.tmp exists)
KILL_TRIALS ?= 20
test-robust-kill: $(BUILD)/train $(BUILD)/robust_test $(ROBUST_T)/kill_resume.sh
	KILL_TRIALS=$(KILL_TRIALS) bash $(ROBUST_T)/kill_resume.sh $(BUILD)/train $(BUILD)/robust_test $(BUILD)/robust-kill

# ThreadSanitizer (clang -fsanitize=thread, libclang-rt) over the threaded
# paths: tests/robust/tsan_threads.c (training steps at 1-4 threads,
# generation at 3, tokenizer training and parallel encoding of 2.2 MB with
# the pool), the gradient checks at 2 threads (test_grad) and generation at
# 2 threads (test_generate). test_determinism and test_bpe_unit cover the
# same paths but take minutes under TSan: make test-tsan TSAN_ALL=1 adds them
TSAN_CC    ?= clang
TSAN_FLAGS  = -std=c99 -g -O1 $(WARN) $(ARCH) -I. -fsanitize=thread
TSAN_ENV    = TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
TSAN_PROGS  = tsan_threads tsan_grad tsan_generate $(if $(TSAN_ALL),tsan_determinism tsan_bpe_unit)
TESTS += test-tsan
.PHONY: test-tsan
$(BUILD)/tsan_impl.o: $(CORE_T)/cfg_impl.c tinytrain.h | $(BUILD)
	$(TSAN_CC) $(TSAN_FLAGS) -c $< -o $@
$(BUILD)/tsan_determinism: $(CORE_T)/test_determinism.c $(BUILD)/tsan_impl.o $(CORE_DEP) | $(BUILD)
	$(TSAN_CC) $(TSAN_FLAGS) -DTT_TEST_SPLIT $< $(BUILD)/tsan_impl.o -o $@ $(LDLIBS)
$(BUILD)/tsan_threads: $(ROBUST_T)/tsan_threads.c tinytrain.h | $(BUILD)
	$(TSAN_CC) $(TSAN_FLAGS) $< -o $@ $(LDLIBS)
$(BUILD)/tsan_grad: tests/unit/test_grad.c tinytrain.h | $(BUILD)
	$(TSAN_CC) $(TSAN_FLAGS) $< -o $@ $(LDLIBS)
$(BUILD)/tsan_bpe_unit: tests/bpe/test_bpe_unit.c tests/bpe/bpe_util.h tinytrain.h | $(BUILD)
	$(TSAN_CC) $(TSAN_FLAGS) -Itests/bpe $< -o $@ $(LDLIBS)
$(BUILD)/tsan_generate: tests/data/test_generate.c tinytrain.h | $(BUILD)
	$(TSAN_CC) $(TSAN_FLAGS) $< -o $@ $(LDLIBS)
TSAN_HAVE = printf 'int main(void) { return 0; }\n' | $(TSAN_CC) -x c -fsanitize=thread -o $(BUILD)/have_tsan - 2>/dev/null
test-tsan: | $(BUILD)
	@if ! $(TSAN_HAVE); then echo "SKIP: $(TSAN_CC) has no -fsanitize=thread (clang with libclang-rt-14-dev)"; exit 0; fi; \
	$(MAKE) --no-print-directory $(addprefix $(BUILD)/,$(TSAN_PROGS)) >$(BUILD)/tsan_build.log 2>&1 || \
	  { tail -n 30 $(BUILD)/tsan_build.log; exit 1; }; \
	for p in $(TSAN_PROGS); do \
	  $(TSAN_ENV) $(BUILD)/$$p >$(BUILD)/$$p.log 2>&1 || { echo "$$p: FAIL"; tail -n 60 $(BUILD)/$$p.log; exit 1; }; \
	  echo "$$p: no data race ($$(tail -n 1 $(BUILD)/$$p.log))"; done
