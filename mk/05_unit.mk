# lead's unit tests: finite-difference gradients per op and for the whole model
TESTS += test-grad
$(BUILD)/test_grad: tests/unit/test_grad.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) $< -o $@ $(LDLIBS)
test-grad: $(BUILD)/test_grad
	$(BUILD)/test_grad

TESTS += test-vec
$(BUILD)/test_vec: tests/unit/test_vec.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) $< -o $@ $(LDLIBS)
test-vec: $(BUILD)/test_vec
	$(BUILD)/test_vec
