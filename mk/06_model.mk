# model structure: src files compile alone; the profiling API
TESTS += test-src-alone test-profile test-backend
.PHONY: test-src-alone test-profile test-backend

# files that do not compile alone yet (still read another file's private
# types); remove a name once its file compiles alone
SRC_ALONE_PENDING ?=
test-src-alone: tools/check_src_alone.sh
	tools/check_src_alone.sh $(SRC_ALONE_PENDING)

# with _POSIX_C_SOURCE (the built-in CLOCK_MONOTONIC) and strict C99 (none)
$(BUILD)/test_profile: tests/unit/test_profile.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -D_POSIX_C_SOURCE=200809L $< -o $@ $(LDLIBS)
$(BUILD)/test_profile_noclock: tests/unit/test_profile.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) $< -o $@ $(LDLIBS)
test-profile: $(BUILD)/test_profile $(BUILD)/test_profile_noclock
	$(BUILD)/test_profile
	$(BUILD)/test_profile_noclock

# the op table: a recording backend over the CPU table (counts, pointer
# ownership, bitwise equality with the plain CPU model, failing entries)
$(BUILD)/test_backend: tests/unit/test_backend.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) $< -o $@ $(LDLIBS)
test-backend: $(BUILD)/test_backend
	$(BUILD)/test_backend
