# `make demo`: build examples/train.c with the best flags for this machine and
# run it. STEPS=N, CORPUS="files or directories", DEMO_FLAGS="--any --flags",
# DEMO_OUT=dir (default build/demo). Without CORPUS: a sample of whole *.h
# files across /usr/include drawn with --seed, up to --max-mb (8 MB).
STEPS      ?=
CORPUS     ?=
DEMO_FLAGS ?=
DEMO_OUT   ?= $(BUILD)/demo

$(BUILD)/train: examples/train.c tinytrain.h | $(BUILD)
	$(CC) -std=c99 $(OPT) $(ARCH) -Wall -Wextra -I. examples/train.c -o $@ $(LDLIBS)

# `make demo` again starts a new run in build/demo (--overwrite: that directory
# is the make target's own output); DEMO_FLAGS=--resume continues instead.
# build/train itself never replaces a checkpoint unless told to.
demo: $(BUILD)/train
	$(strip $(BUILD)/train --out $(DEMO_OUT) $(if $(STEPS),--steps $(STEPS)) $(addprefix --corpus ,$(CORPUS)) \
	  $(if $(findstring --resume,$(DEMO_FLAGS)),,--overwrite) $(DEMO_FLAGS))

# CI: a short demo on a small corpus (Moby-Dick when the shared corpora are
# there, else this repository's sources): CSV with falling loss, SVG is XML,
# and stop at step 15 + --resume ends with the same parameters as no stop.
DEMO_TEST_CORPUS ?= $(firstword $(wildcard ../shared/corpora/moby_dick.txt) src)
DEMO_TEST_FLAGS = --max-mb 0.3 --vocab 512 --layers 2 --d-model 64 --heads 4 --ctx 64 --batch 8 \
                  --eval-every 10 --sample-tokens 30 --threads 2
TESTS += test-demo
test-demo: tinytrain.h | $(BUILD)
	rm -rf $(BUILD)/demo-test $(BUILD)/demo-test-r
	$(MAKE) --no-print-directory demo STEPS=30 CORPUS="$(DEMO_TEST_CORPUS)" DEMO_OUT=$(BUILD)/demo-test \
	  DEMO_FLAGS="$(DEMO_TEST_FLAGS)" > $(BUILD)/demo-test.out
	cat $(BUILD)/demo-test.out
	$(PYTHON) tests/data/check_demo.py $(BUILD)/demo-test/log.csv $(BUILD)/demo-test/loss.svg 30
	$(BUILD)/train --out $(BUILD)/demo-test-r --steps 30 --corpus $(DEMO_TEST_CORPUS) $(DEMO_TEST_FLAGS) --stop-at 15 > /dev/null
	$(BUILD)/train --out $(BUILD)/demo-test-r --steps 30 --corpus $(DEMO_TEST_CORPUS) $(DEMO_TEST_FLAGS) --resume > $(BUILD)/demo-test-r.out
	a=$$(grep -o 'CRC32: [0-9a-f]*' $(BUILD)/demo-test.out); b=$$(grep -o 'CRC32: [0-9a-f]*' $(BUILD)/demo-test-r.out); \
	  echo "resume check: uninterrupted $$a, stopped at 15 + resumed $$b"; [ -n "$$a" ] && [ "$$a" = "$$b" ]
	$(PYTHON) -c "import sys; c=lambda p: [l.split(',')[:5] for l in open(p)]; \
	  same = c('$(BUILD)/demo-test/log.csv') == c('$(BUILD)/demo-test-r/log.csv'); \
	  print('resume check: CSV step/loss/val/lr/grad_norm columns identical:', same); sys.exit(not same)"

# the default corpus: the same --seed gives the same sample (same token
# file), another seed another sample
DEMO_CORPUS_FLAGS = --max-mb 0.2 --vocab 256 --layers 1 --d-model 16 --heads 1 --ctx 16 --batch 1 --steps 1 \
                    --sample-tokens 0 --threads 1 --overwrite
TESTS += test-demo-corpus
test-demo-corpus: $(BUILD)/train
	@if [ -z "$$(find /usr/include -name '*.h' -print -quit 2>/dev/null)" ]; then echo "SKIP: no /usr/include/**/*.h"; exit 0; fi; \
	set -e; d=$(BUILD)/demo-corpus; rm -rf $$d; \
	for r in a:1 b:1 c:2; do $(BUILD)/train --out $$d/$${r%:*} --seed $${r#*:} $(DEMO_CORPUS_FLAGS) > $$d.$${r%:*}.out; done; \
	grep '^corpus:' $$d.a.out $$d.c.out; \
	cmp $$d/a/tokens.tok $$d/b/tokens.tok; ! cmp -s $$d/a/tokens.tok $$d/c/tokens.tok; \
	echo "default corpus: seed 1 twice gives the same sample, seed 2 another"
