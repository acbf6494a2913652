# token files, loader, checkpoints, generation (issue: demo).
TESTS += test-loader test-checkpoint test-generate test-readme-example
DATA_TEST_DEPS = tinytrain.h | $(BUILD)

test-loader: $(DATA_TEST_DEPS)
	$(CC) $(CFLAGS_T) tests/data/test_loader.c -o $(BUILD)/test_loader $(LDLIBS)
	$(BUILD)/test_loader

test-checkpoint: $(DATA_TEST_DEPS)
	$(CC) $(CFLAGS_T) tests/data/test_checkpoint.c -o $(BUILD)/test_checkpoint $(LDLIBS)
	$(BUILD)/test_checkpoint

test-generate: $(DATA_TEST_DEPS)
	$(CC) $(CFLAGS_T) tests/data/test_generate.c -o $(BUILD)/test_generate $(LDLIBS)
	$(BUILD)/test_generate

# the "use it in your program" example in README.md compiles and runs
test-readme-example: $(DATA_TEST_DEPS)
	$(PYTHON) tests/data/readme_example.py extract README.md $(BUILD)/readme_example.c
	$(CC) $(CFLAGS_T) $(BUILD)/readme_example.c -o $(BUILD)/readme_example $(LDLIBS)
	cd $(BUILD) && ./readme_example ../src/tt_model.c > readme_example.out && rm -f model.ttck
	cat $(BUILD)/readme_example.out
	$(PYTHON) tests/data/readme_example.py check $(BUILD)/readme_example.out
