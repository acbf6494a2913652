# tokenizer tests (issue 3). GPT-2 ground truth is PyPI tiktoken (pinned in
# tests/requirements.txt, installed into build/venv by .ci/pip.sh); GPT-2 files
# and corpora come from ../shared.
BPE_SHARED  ?= ../shared
BPE_RANKS    = $(BPE_SHARED)/gpt2/r50k_base.tiktoken
BPE_ENCJSON  = $(BPE_SHARED)/gpt2/encoder.json
BPE_VOCAB    = $(BPE_SHARED)/gpt2/vocab.bpe
BPE_CORPUS   = $(BPE_SHARED)/corpora/english_mix.txt
BPE_VENV_PY  = build/venv/bin/python
BPE_TK       = TT_GPT2_RANKS=$(BPE_RANKS) $(BPE_VENV_PY) tests/bpe/tiktoken_ids.py
BPE_HAVE_TK  = $(BPE_VENV_PY) -c 'import tiktoken' 2>/dev/null
BPE_DEPS     = tinytrain.h tests/bpe/bpe_util.h

TESTS += test-bpe-unit test-bpe-gpt2-cases test-bpe-gpt2-corpus
.PHONY: test-bpe-unit test-bpe-gpt2-cases test-bpe-gpt2-corpus

$(BUILD)/test_bpe_unit: tests/bpe/test_bpe_unit.c $(BPE_DEPS) | $(BUILD)
	$(CC) $(CFLAGS_T) -Itests/bpe -o $@ $< $(LDLIBS)
$(BUILD)/test_gpt2_cases: tests/bpe/test_gpt2_cases.c $(BPE_DEPS) | $(BUILD)
	$(CC) $(CFLAGS_T) -Itests/bpe -o $@ $< $(LDLIBS)
$(BUILD)/test_gpt2_corpus: tests/bpe/test_gpt2_corpus.c $(BPE_DEPS) | $(BUILD)
	$(CC) $(CFLAGS_T) -Itests/bpe -o $@ $< $(LDLIBS)

test-bpe-unit: $(BUILD)/test_bpe_unit
	$(BUILD)/test_bpe_unit

test-bpe-gpt2-cases: $(BUILD)/test_gpt2_cases
	@if [ ! -f $(BPE_RANKS) ]; then echo "SKIP: $(BPE_RANKS) not found"; exit 0; fi; \
	if ! $(BPE_HAVE_TK); then echo "SKIP: tiktoken not installed in build/venv (run .ci/pip.sh)"; exit 0; fi; \
	set -e; $(PYTHON) tests/bpe/make_cases.py $(BUILD)/gpt2_cases.bin; \
	$(BPE_TK) cases $(BUILD)/gpt2_cases.bin $(BUILD)/gpt2_cases_tk.bin; \
	$(BUILD)/test_gpt2_cases $(BPE_RANKS) $(BPE_ENCJSON) $(BPE_VOCAB) $(BUILD)/gpt2_cases.bin $(BUILD)/gpt2_cases_tk.bin

test-bpe-gpt2-corpus: $(BUILD)/test_gpt2_corpus
	@if [ ! -f $(BPE_RANKS) ] || [ ! -f $(BPE_CORPUS) ]; then echo "SKIP: $(BPE_RANKS) or $(BPE_CORPUS) not found"; exit 0; fi; \
	if ! $(BPE_HAVE_TK); then echo "SKIP: tiktoken not installed in build/venv (run .ci/pip.sh)"; exit 0; fi; \
	set -e; $(BPE_TK) file $(BPE_CORPUS) $(BUILD)/english_mix_tk.u32; \
	$(BUILD)/test_gpt2_corpus $(BPE_RANKS) $(BPE_CORPUS) $(BUILD)/english_mix_tk.u32

# examples/tokenize.c and bench/bench_tokenizer.c build; the CLI trains,
# saves, loads, encodes and decodes back to the same bytes; --gpt2 prints
# tiktoken's ids
TESTS += test-bpe-tokenize-cli
.PHONY: test-bpe-tokenize-cli
$(BUILD)/tokenize: examples/tokenize.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -o $@ $< $(LDLIBS)
$(BUILD)/bench_tokenizer: bench/bench_tokenizer.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -o $@ $< $(LDLIBS)
test-bpe-tokenize-cli: $(BUILD)/tokenize $(BUILD)/bench_tokenizer
	@set -e; d=$(BUILD)/bpe_cli; mkdir -p $$d; \
	$(BUILD)/tokenize --train tests/bpe/test_bpe_unit.c src/tt_bpe.c --vocab 1000 --threads 2 --save $$d/tok.ttbp 2>$$d/train.log; \
	$(BUILD)/tokenize --load $$d/tok.ttbp --encode src/tt_bpe.c --stats > $$d/ids.txt; \
	$(BUILD)/tokenize --load $$d/tok.ttbp --decode-file $$d/ids.txt > $$d/back.c; \
	cmp src/tt_bpe.c $$d/back.c; echo "tokenize CLI: train/save/load/encode/decode round trip ok"; \
	if [ -f $(BPE_RANKS) ] && $(BPE_HAVE_TK); then \
	  $(BUILD)/tokenize --gpt2 $(BPE_RANKS) --encode tests/bpe/make_cases.py > $$d/gpt2_ours.txt; \
	  $(BPE_TK) text tests/bpe/make_cases.py > $$d/gpt2_tk.txt; \
	  cmp $$d/gpt2_ours.txt $$d/gpt2_tk.txt; echo "tokenize --gpt2 --encode: same ids as tiktoken"; \
	else echo "SKIP: tokenize --gpt2 check (no ../shared/gpt2 or no tiktoken in build/venv: run .ci/pip.sh)"; fi
