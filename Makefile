# tinytrain.h -- `make demo` trains a tokenizer and a GPT and prints a sample;
# `make test` runs every test (see tests/); `make bench` compares with PyTorch.
CC      ?= cc
CXX     ?= c++
# best flags for this machine; override with ARCH= (e.g. ARCH=-mavx2\ -mfma)
ARCH    ?= -march=native
OPT     ?= -O2
WARN     = -Wall -Wextra -Werror
CSTD     = -std=c99 -pedantic
CFLAGS_T = $(CSTD) $(WARN) $(OPT) $(ARCH) -I.
LDLIBS   = -lm -lpthread
BUILD   ?= build
PYTHON  ?= /usr/bin/python3

# fragments in mk/ append test targets to TESTS (phony, each runs one test)
TESTS :=
.PHONY: all test demo bench clean header check-header

all: tinytrain.h

header tinytrain.h: $(wildcard src/*) tools/amalgamate.sh LICENSE
	tools/amalgamate.sh tinytrain.h

$(BUILD):
	mkdir -p $(BUILD)

include $(sort $(wildcard mk/*.mk))

test: tinytrain.h $(BUILD)
	@bash tools/run_tests.sh $(TESTS)

clean:
	rm -rf $(BUILD)
