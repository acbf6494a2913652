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
