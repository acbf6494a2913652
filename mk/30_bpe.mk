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
	p=biggreenglowinthedarkhouseuponthehillandalittleoldladyridingonaHoovervacuum; \
	printf '%s\n' $$p > $$d/long1.txt; printf 'hello%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13 > $$d/long2.txt; \
	printf 'https://www.example.com/articles/%s?utm_source=newsletter&utm_medium=email&x=12' $$p > $$d/long3.txt; \
	for f in long1 long2 long3; do \
	  $(BUILD)/tokenize --load $$d/tok.ttbp --encode $$d/$$f.txt > $$d/$$f.ids; \
	  $(BUILD)/tokenize --load $$d/tok.ttbp --decode-file $$d/$$f.ids | cmp - $$d/$$f.txt; \
	done; echo "tokenize CLI: long pieces round-trip (trained)"; \
	if [ -f $(BPE_RANKS) ] && $(BPE_HAVE_TK); then \
	  for f in make_cases long1 long2 long3; do \
	    src=$$d/$$f.txt; [ $$f = make_cases ] && src=tests/bpe/make_cases.py; \
	    $(BUILD)/tokenize --gpt2 $(BPE_RANKS) --encode $$src > $$d/gpt2_ours_$$f.txt; \
	    $(BPE_TK) text $$src > $$d/gpt2_tk_$$f.txt; \
	    cmp $$d/gpt2_ours_$$f.txt $$d/gpt2_tk_$$f.txt; \
	    $(BUILD)/tokenize --gpt2 $(BPE_RANKS) --decode-file $$d/gpt2_ours_$$f.txt | cmp - $$src; \
	  done; echo "tokenize --gpt2 --encode: same ids as tiktoken, decode gives the bytes back (incl. the pieces of issue 10)"; \
	else echo "SKIP: tokenize --gpt2 check (no ../shared/gpt2 or no tiktoken in build/venv: run .ci/pip.sh)"; fi

# long pieces (> 64 bytes take the heap merge path): seeded generated cases
# of 65 to 100,000 bytes (make_long_pieces.py) against tiktoken, for GPT-2
# and for a 16,000-token vocabulary trained on moby_dick.txt; every id equal
# and every encoding decodes back to the same bytes
BPE_MOBY      = $(BPE_SHARED)/corpora/moby_dick.txt
BPE_LONG_SEED ?= 10
TESTS += test-bpe-long
.PHONY: test-bpe-long
$(BUILD)/test_bpe_long: tests/bpe/test_bpe_long.c $(BPE_DEPS) | $(BUILD)
	$(CC) $(CFLAGS_T) -Itests/bpe -o $@ $< $(LDLIBS)
test-bpe-long: $(BUILD)/test_bpe_long $(BUILD)/tokenize
	@if [ ! -f $(BPE_RANKS) ] || [ ! -f $(BPE_MOBY) ]; then echo "SKIP: $(BPE_RANKS) or $(BPE_MOBY) not found"; exit 0; fi; \
	if ! $(BPE_HAVE_TK); then echo "SKIP: tiktoken not installed in build/venv (run .ci/pip.sh)"; exit 0; fi; \
	set -e; d=$(BUILD)/bpe_long; mkdir -p $$d; \
	$(BUILD)/tokenize --train $(BPE_MOBY) --vocab 16000 --save $$d/trained16k.ttbp 2>$$d/train.log; \
	TT_GPT2_RANKS=$(BPE_RANKS) $(BPE_VENV_PY) tests/bpe/make_long_pieces.py $(BPE_LONG_SEED) $$d $$d/trained16k.ttbp; \
	$(BUILD)/test_bpe_long $(BPE_RANKS) $(BPE_ENCJSON) $(BPE_VOCAB) $$d/gpt2_cases.bin $$d/gpt2_ref.bin \
	  $$d/trained16k.ttbp $$d/trained_cases.bin $$d/trained_ref.bin
