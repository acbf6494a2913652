# core tests owned by tests/core/ (model, optimizer, build matrix)
CORE_T   = tests/core
CORE_DEP = tinytrain.h $(CORE_T)/tt_test.h
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -g
# -O1 keeps the sanitizer builds quick to compile and run
SANFLAGS = -std=c99 -pedantic -Wall -Wextra -Werror -O1 -march=native -I. $(SAN)
SANENV   = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

TESTS += test-core-torch test-core-dropin test-core-errors test-core-determinism test-core-sanitize test-core-sanitize-units test-core-configs
.PHONY: test-core-torch test-core-dropin test-core-errors test-core-determinism test-core-sanitize test-core-sanitize-units test-core-configs

# one implementation object shared by the core test programs (compiling the
# header is the slow part); the programs are built with -DTT_TEST_SPLIT
$(BUILD)/core_impl.o: $(CORE_T)/cfg_impl.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -c $< -o $@
$(BUILD)/core_%: $(CORE_T)/%.c $(BUILD)/core_impl.o $(CORE_DEP) | $(BUILD)
	$(CC) $(CFLAGS_T) -DTT_TEST_SPLIT $< $(BUILD)/core_impl.o -o $@ $(LDLIBS)

# PyTorch agreement: three shapes (a: V=67 padded, T<n_ctx, B=3; b: V=130,
# T=n_ctx; c: V=64 unpadded) at GPT-2 init and with random O(1) weights
# (nonzero biases/LayerNorm, GELU inputs ~N(0,1)); default kernels, and
# scalar kernels with 2 threads
# and cfg.precision = TT_PRECISION_BF16 (flag b): against the exact bf16
# emulation and, loosely, PyTorch's CPU bf16 autocast
CORE_DUMPS = a:0:1: a:1:2: b:0:2: c:0:1: a:0:1:r b:1:2:r c:0:3:r a:0:1:b a:0:2:rb b:1:2:rb c:0:1:rb
test-core-torch: $(BUILD)/core_torch_dump $(CORE_T)/torch_check.py
	rm -f $(BUILD)/core_torch_*.bin
	for d in $(CORE_DUMPS); do set -- $$(echo $$d | tr ':' ' '); \
	  $(BUILD)/core_torch_dump $(BUILD)/core_torch_$$(echo $$d | tr -d ':').bin "$$@" || exit 1; done
	$(PYTHON) $(CORE_T)/torch_check.py $(BUILD)/core_torch_*.bin

# drop-in: tinytrain.h and one program alone in an empty directory
test-core-dropin: tinytrain.h $(CORE_T)/dropin.c | $(BUILD)
	d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	cp tinytrain.h $(CORE_T)/dropin.c "$$d"/ && cd "$$d" && \
	gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 dropin.c -o dropin_gcc -lm -lpthread && ./dropin_gcc && \
	clang -std=c99 -Wall -Wextra -Werror -pedantic -O2 dropin.c -o dropin_clang -lm -lpthread && ./dropin_clang && \
	cp dropin.c dropin.cpp && \
	g++ -std=c++11 -Wall -Wextra -Werror -O2 dropin.cpp -o dropin_gxx -lm -lpthread && ./dropin_gxx && \
	ls | sort | tr '\n' ' ' && echo

# failing allocator (model, and every other creating API), bad arguments,
# NaN handling; then both again under valgrind
test-core-errors: $(BUILD)/core_test_errors $(BUILD)/core_test_failalloc
	$(BUILD)/core_test_errors
	$(BUILD)/core_test_failalloc
	@if command -v valgrind >/dev/null; then \
	  for t in core_test_errors core_test_failalloc; do \
	    valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
	      $(BUILD)/$$t > /dev/null || exit 1; done; echo "valgrind: clean"; \
	else echo "SKIP: valgrind not installed (apt-get install valgrind): ran without it"; fi

test-core-determinism: $(BUILD)/core_test_determinism
	$(BUILD)/core_test_determinism

# ASan + UBSan over the core C tests (not the python part)
$(BUILD)/san_impl.o: $(CORE_T)/cfg_impl.c tinytrain.h | $(BUILD)
	$(CC) $(SANFLAGS) -c $< -o $@
$(BUILD)/san_%: $(CORE_T)/%.c $(BUILD)/san_impl.o $(CORE_DEP) | $(BUILD)
	$(CC) $(SANFLAGS) -DTT_TEST_SPLIT -DCFG_SPLIT $< $(BUILD)/san_impl.o -o $@ $(LDLIBS)
test-core-sanitize: $(BUILD)/san_test_errors $(BUILD)/san_test_failalloc $(BUILD)/san_test_determinism $(BUILD)/san_torch_dump $(BUILD)/san_cfg_prog $(BUILD)/san_dropin
	$(SANENV) $(BUILD)/san_test_errors
	$(SANENV) $(BUILD)/san_test_failalloc
	$(SANENV) $(BUILD)/san_test_determinism
	$(SANENV) $(BUILD)/san_torch_dump $(BUILD)/san_torch_a.bin a 0 3
	$(SANENV) $(BUILD)/san_torch_dump $(BUILD)/san_torch_b.bin b 1 1 r
	$(SANENV) $(BUILD)/san_cfg_prog
	$(SANENV) $(BUILD)/san_dropin

# ASan + UBSan over the other owners' unit tests that are self-contained
# programs without arguments (white-box: each compiles the implementation)
SAN_UNITS = $(wildcard tests/unit/test_*.c tests/kernels/test_*.c tests/data/test_*.c tests/bpe/test_bpe_unit.c)
test-core-sanitize-units: tinytrain.h $(CORE_T)/sanitize_units.sh | $(BUILD)
	CC=$(CC) $(CORE_T)/sanitize_units.sh $(BUILD) $(SAN_UNITS)

test-core-configs: tinytrain.h tools/check_configs.sh | $(BUILD)
	tools/check_configs.sh $(BUILD)
