# weight interop (issue 14): safetensors and llm.c files, inference-only
# models, GPT-2 tokenizer export. test-weights needs nothing but the C
# compiler; test-weights-hf checks against PyPI safetensors / transformers /
# tokenizers in build/venv-hf (tests/requirements-hf.txt, made by .ci/pip.sh).
WEIGHTS_VENV_PY = build/venv-hf/bin/python
WEIGHTS_CORPUS ?= $(firstword $(wildcard ../shared/corpora/english_mix.txt ../shared/corpora/moby_dick.txt))

TESTS += test-weights test-weights-nomalloc test-weights-hf
.PHONY: test-weights test-weights-nomalloc test-weights-hf

$(BUILD)/test_weights: tests/weights/test_weights.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -o $@ $< $(LDLIBS)
$(BUILD)/weights_tool: tests/weights/weights_tool.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -o $@ $< $(LDLIBS)

test-weights: $(BUILD)/test_weights
	$(BUILD)/test_weights

# generation from a safetensors file in a build without malloc or stdio
test-weights-nomalloc: tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -DTT_NO_MALLOC -DTT_NO_STDIO tests/weights/test_nomalloc.c -o $(BUILD)/test_weights_nomalloc $(LDLIBS)
	$(CXX) -x c++ -std=c++11 $(WARN) $(OPT) $(ARCH) -I. -DTT_NO_MALLOC -DTT_NO_STDIO tests/weights/test_nomalloc.c -o $(BUILD)/test_weights_nomalloc_cpp $(LDLIBS)
	$(BUILD)/test_weights_nomalloc
	$(BUILD)/test_weights_nomalloc_cpp

test-weights-hf: $(BUILD)/weights_tool
	@if ! $(WEIGHTS_VENV_PY) -c 'import transformers, safetensors, tokenizers' 2>/dev/null; then \
	  echo "SKIP: transformers/safetensors not installed in build/venv-hf (run .ci/pip.sh)"; exit 0; fi; \
	corpus="$(WEIGHTS_CORPUS)"; if [ -z "$$corpus" ]; then \
	  cat README.md src/*.c > $(BUILD)/weights_corpus.txt; corpus=$(BUILD)/weights_corpus.txt; fi; \
	rm -rf $(BUILD)/weights-hf; \
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(WEIGHTS_VENV_PY) tests/weights/hf_check.py $(BUILD)/weights_tool $(BUILD)/weights-hf $$corpus

# examples: train a tiny model, then examples/generate.c samples, exports
# (HF directory + llm.c .bin) and scores the same perplexity from all three
# files; examples/train.c --init starts from the exported weights (its first
# loss is below a fresh start's)
TESTS += test-weights-examples
.PHONY: test-weights-examples
WX_CORPUS = $(firstword $(wildcard ../shared/corpora/moby_dick.txt) src)
WX_FLAGS = --corpus $(WX_CORPUS) --max-mb 0.2 --vocab 400 --layers 2 --d-model 64 --heads 4 --ctx 64 --batch 4 \
           --eval-every 10 --sample-tokens 0 --threads 2
$(BUILD)/generate: examples/generate.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) -o $@ $< $(LDLIBS)
test-weights-examples: $(BUILD)/generate $(BUILD)/train
	rm -rf $(BUILD)/wx $(BUILD)/wx2 && mkdir -p $(BUILD)/wx/hf
	$(BUILD)/train --out $(BUILD)/wx --steps 20 $(WX_FLAGS) > $(BUILD)/wx.out
	$(BUILD)/generate $(BUILD)/wx/checkpoint.ttck --tokens 20 --threads 2 | tee $(BUILD)/wx/sample.txt
	test $$(wc -c < $(BUILD)/wx/sample.txt) -gt 100
	$(BUILD)/generate $(BUILD)/wx/checkpoint.ttck --export-hf $(BUILD)/wx/hf --export-llmc $(BUILD)/wx/m.bin
	for f in checkpoint.ttck m.bin hf/model.safetensors; do \
	  $(BUILD)/generate $(BUILD)/wx/$$f --gpt2 $(BUILD)/wx/hf/vocab.json $(BUILD)/wx/hf/merges.txt --score README.md \
	    | grep '^score' | tee -a $(BUILD)/wx/scores.txt; done
	test $$(sort -u $(BUILD)/wx/scores.txt | wc -l) -eq 1 && grep -q perplexity $(BUILD)/wx/scores.txt
	$(BUILD)/train --out $(BUILD)/wx2 --steps 3 $(WX_FLAGS) --init $(BUILD)/wx/hf/model.safetensors > $(BUILD)/wx2.out
	a=$$(sed -n 2p $(BUILD)/wx/log.csv | cut -d, -f2); b=$$(sed -n 2p $(BUILD)/wx2/log.csv | cut -d, -f2); \
	  echo "first-step loss: fresh $$a, --init from the exported weights $$b"; \
	  $(PYTHON) -c "import sys; sys.exit(not float('$$b') < float('$$a') - 0.3)"
