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
# lock, unwritable paths, a full disk during a save
test-robust-cli: $(BUILD)/train $(BUILD)/robust_test $(ROBUST_T)/cli.sh
	bash $(ROBUST_T)/cli.sh $(BUILD)/train $(BUILD)/robust_test $(BUILD)/robust-cli

# SIGKILL at random moments (also during checkpoint saves), then --resume:
# same parameters CRC as an uninterrupted run
test-robust-kill: $(BUILD)/train $(BUILD)/robust_test $(ROBUST_T)/kill_resume.sh
	bash $(ROBUST_T)/kill_resume.sh $(BUILD)/train $(BUILD)/robust_test $(BUILD)/robust-kill
