# libFuzzer targets (tests/fuzz/): encode/decode of arbitrary bytes with
# the round-trip assertion (GPT-2 when ../shared/gpt2 is there, two small
# trained vocabularies), tokenizer training on arbitrary bytes, the three
# tokenizer loaders (TTBP, tiktoken rank file, encoder.json + vocab.bpe),
# token files and the batch loader, checkpoints, safetensors, llm.c files
# and tt_model_create_from_checkpoint. Needs clang with
# libclang-rt (-fsanitize=fuzzer); otherwise the smoke test prints SKIP.
#   make fuzz FUZZ_S=N     fuzz each target N seconds (corpora kept in build/fuzz/corpus_*)
#   make test-fuzz-smoke   each target a fixed number of runs over its seeds (part of make test)
FUZZ_CC     ?= clang
FUZZ_S      ?= 60
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  = -std=c99 -g -O1 $(WARN) -I. -Itests/bpe
FUZZ_TARGETS = encode load_ttbp load_tiktoken load_gpt2 train tokens checkpoint safetensors llmc create_model
FUZZ_DIR     = $(BUILD)/fuzz
FUZZ_BINS    = $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
FUZZ_ENV     = TT_FUZZ_GPT2_RANKS=$$( [ -f $(BPE_RANKS) ] && echo $(BPE_RANKS) )
# target:runs:max_len of the smoke test (the seeds count as runs)
FUZZ_SMOKE_RUNS = encode:800:4096 load_ttbp:12000:16384 load_tiktoken:20000:16384 load_gpt2:10000:16384 \
	train:200:1024 tokens:4000:4096 checkpoint:600:16384 safetensors:800:8192 llmc:2000:8192 create_model:1500:16384

$(FUZZ_DIR):
	mkdir -p $@

# the library once, with the sanitizers and coverage instrumentation
$(FUZZ_DIR)/tt_impl.o: tests/fuzz/tt_impl.c tinytrain.h | $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h tests/fuzz/fuzz_model.h tests/bpe/bpe_util.h $(FUZZ_DIR)/tt_impl.o
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_DIR)/tt_impl.o $(LDLIBS)

# inputs that once failed a target are kept in tests/fuzz/regress/TARGET/
# and run with the seeds
# the seeds of the model-file, token-file and training targets
$(FUZZ_DIR)/make_model_seeds: tests/fuzz/make_model_seeds.c tests/fuzz/fuzz_model.h tests/fuzz/fuzz_util.h tinytrain.h | $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DTINYTRAIN_IMPLEMENTATION -o $@ $< $(LDLIBS)

# seeds: tokenizers saved by the CLI (GPT-2 split and no split), the GPT-2
# edge cases of make_cases.py, test sources, the pieces of issue 10, and
# the first few hundred GPT-2 tokens in each loader's format; and the files
# of make_model_seeds (checkpoints, safetensors, llm.c, token files of a
# tiny model, training text)
$(FUZZ_DIR)/seeds.stamp: tests/fuzz/make_seeds.py tests/bpe/make_cases.py $(BUILD)/tokenize $(FUZZ_DIR)/make_model_seeds | $(FUZZ_DIR)
	@set -e; d=$(FUZZ_DIR); rm -rf $$d/seeds; \
	$(BUILD)/tokenize --train tests/bpe/test_bpe_unit.c --vocab 400 --save $$d/seed_split.ttbp 2>/dev/null; \
	$(BUILD)/tokenize --train tests/bpe/test_bpe_unit.c --vocab 400 --no-split --save $$d/seed_nosplit.ttbp 2>/dev/null; \
	$(PYTHON) tests/bpe/make_cases.py $$d/cases.bin; \
	$(PYTHON) tests/fuzz/make_seeds.py $$d/seeds --ttbp $$d/seed_split.ttbp $$d/seed_nosplit.ttbp \
	  --cases $$d/cases.bin --text tests/bpe/test_bpe_unit.c src/tt_bpe.c \
	  $$( [ -d $(BPE_SHARED)/gpt2 ] && echo --gpt2 $(BPE_SHARED)/gpt2 ); \
	$(FUZZ_DIR)/make_model_seeds $$d/seeds tests/bpe/test_bpe_unit.c src/tt_bpe.c; \
	touch $@

FUZZ_HAVE = printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	| $(FUZZ_CC) -x c -fsanitize=fuzzer -o $(FUZZ_DIR)/have_fuzzer - 2>/dev/null

.PHONY: fuzz test-fuzz-smoke fuzz-build
fuzz-build: $(FUZZ_BINS) $(FUZZ_DIR)/seeds.stamp

fuzz: | $(FUZZ_DIR)
	@$(FUZZ_HAVE) || { echo "fuzz: $(FUZZ_CC) has no -fsanitize=fuzzer (install clang and libclang-rt-14-dev)"; exit 1; }
	@$(MAKE) --no-print-directory fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ_DIR)/corpus_$$t; \
	  echo "fuzz_$$t: $(FUZZ_S) s"; \
	  $(FUZZ_ENV) $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_S) -max_len=16384 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus_$$t $(FUZZ_DIR)/seeds/$$t $$(ls -d tests/fuzz/regress/$$t 2>/dev/null) 2>$(FUZZ_DIR)/fuzz_$$t.log || \
	    { tail -n 30 $(FUZZ_DIR)/fuzz_$$t.log; exit 1; }; \
	  grep -E '^#[0-9]+' $(FUZZ_DIR)/fuzz_$$t.log | tail -n 1; \
	  grep -E 'stat::number_of_executed_units|stat::peak_rss' $(FUZZ_DIR)/fuzz_$$t.log; done

TESTS += test-fuzz-smoke
test-fuzz-smoke: | $(FUZZ_DIR)
	@if ! $(FUZZ_HAVE); then echo "SKIP: $(FUZZ_CC) has no -fsanitize=fuzzer (clang with libclang-rt-14-dev)"; exit 0; fi; \
	$(MAKE) --no-print-directory fuzz-build >$(FUZZ_DIR)/build.log 2>&1 || { tail -n 30 $(FUZZ_DIR)/build.log; exit 1; }; \
	set -e; for trm in $(FUZZ_SMOKE_RUNS); do t=$${trm%%:*}; rm=$${trm#*:}; r=$${rm%%:*}; m=$${rm##*:}; \
	  rm -rf $(FUZZ_DIR)/smoke_$$t; mkdir -p $(FUZZ_DIR)/smoke_$$t; \
	  $(FUZZ_ENV) $(FUZZ_DIR)/fuzz_$$t -runs=$$r -max_len=$$m -seed=1 -artifact_prefix=$(FUZZ_DIR)/ \
	    $(FUZZ_DIR)/smoke_$$t $(FUZZ_DIR)/seeds/$$t $$(ls -d tests/fuzz/regress/$$t 2>/dev/null) >$(FUZZ_DIR)/smoke_$$t.log 2>&1 || \
	    { tail -n 30 $(FUZZ_DIR)/smoke_$$t.log; exit 1; }; \
	  echo "fuzz_$$t: $$(grep -E '^Done [0-9]+ runs' $(FUZZ_DIR)/smoke_$$t.log);" \
	    "$$(grep -E '^#[0-9]+' $(FUZZ_DIR)/smoke_$$t.log | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+')"; done
