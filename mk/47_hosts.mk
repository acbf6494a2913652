# Other hosts (tests/hosts/): big-endian s390x under qemu-user, and a
# Cortex-M4F board under qemu-system-arm.

# ---- s390x (big-endian): cross-built, run under qemu-s390x ----
# test-host-s390x: unit tests at SIMD width 1 (S390X_PROGS), and tests/hosts/formats.c
# written on both hosts (the files must be byte-identical) and each host
# reading the other's files (checkpoint with tokenizer and state,
# safetensors f32/bf16, llm.c f32/bf16, TTBP, GPT-2 export, token files
# with 2- and 4-byte ids, through the loader)
S390X_CC   ?= s390x-linux-gnu-gcc
QEMU_S390X ?= qemu-s390x
# -O1 as the aarch64 build (mk/25_simd.mk)
S390X_CF    = -std=c99 -pedantic $(WARN) -O1 -DTT_SIMD_WIDTH=1 -static -I.
# make test runs the quick ones (the formats check covers every file kind);
# S390X_ALL=1 adds test_bpe_unit and test_checkpoint (~100 s more under qemu)
S390X_PROGS = test_grad test_loader $(if $(S390X_ALL),test_bpe_unit test_checkpoint)
TESTS += test-host-s390x
.PHONY: test-host-s390x
$(BUILD)/s390x_test_vec: tests/unit/test_vec.c tinytrain.h | $(BUILD)
	$(S390X_CC) $(S390X_CF) $< -o $@ $(LDLIBS)
$(BUILD)/s390x_test_grad: tests/unit/test_grad.c tinytrain.h | $(BUILD)
	$(S390X_CC) $(S390X_CF) $< -o $@ $(LDLIBS)
$(BUILD)/s390x_test_bpe_unit: tests/bpe/test_bpe_unit.c tests/bpe/bpe_util.h tinytrain.h | $(BUILD)
	$(S390X_CC) $(S390X_CF) -Itests/bpe $< -o $@ $(LDLIBS)
$(BUILD)/s390x_test_loader: tests/data/test_loader.c tinytrain.h | $(BUILD)
	$(S390X_CC) $(S390X_CF) $< -o $@ $(LDLIBS)
$(BUILD)/s390x_test_checkpoint: tests/data/test_checkpoint.c tinytrain.h | $(BUILD)
	$(S390X_CC) $(S390X_CF) $< -o $@ $(LDLIBS)
$(BUILD)/s390x_formats: tests/hosts/formats.c tinytrain.h | $(BUILD)
	$(S390X_CC) $(S390X_CF) $< -o $@ $(LDLIBS)
$(BUILD)/host_formats: tests/hosts/formats.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) $< -o $@ $(LDLIBS)

test-host-s390x:
	@if ! command -v $(S390X_CC) >/dev/null || ! command -v $(QEMU_S390X) >/dev/null; then \
	  echo "SKIP: needs $(S390X_CC) and $(QEMU_S390X) (apt-get install gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user)"; \
	  exit 0; fi; set -e; \
	$(MAKE) -s --no-print-directory $(addprefix $(BUILD)/s390x_,$(S390X_PROGS) formats) $(BUILD)/host_formats; \
	d=$(BUILD)/s390x_fmt; rm -rf $$d; mkdir -p $$d/x86 $$d/s390x; \
	echo "== formats: written on $$(uname -m) and on s390x, each read by the other"; \
	$(BUILD)/host_formats write $$d/x86; $(QEMU_S390X) $(BUILD)/s390x_formats write $$d/s390x; \
	for f in $$d/x86/*; do cmp $$f $$d/s390x/$${f##*/}; done; \
	echo "$$(ls $$d/x86 | wc -l) files byte-identical: $$(ls $$d/x86 | tr '\n' ' ')"; \
	$(QEMU_S390X) $(BUILD)/s390x_formats check $$d/x86; $(BUILD)/host_formats check $$d/s390x; \
	for p in $(S390X_PROGS); do echo "== qemu-s390x $$p"; \
	  $(QEMU_S390X) $(BUILD)/s390x_$$p > $(BUILD)/s390x_$$p.log 2>&1 || { tail -n 40 $(BUILD)/s390x_$$p.log; exit 1; }; \
	  tail -n 2 $(BUILD)/s390x_$$p.log; done; \
	rm -rf $$d

# ---- Cortex-M4F: qemu-system-arm, board mps2-an386, semihosting ----
# test-host-m4: tests/hosts/m4_train.c, built with TT_NO_MALLOC,
# TT_NO_STDIO and TT_NO_THREADS for bare metal (startup m4_start.c, linker
# script m4.ld, newlib's libm), trains V=64 C=16 L=1 T=16 inside a static
# buffer for 50 steps; it fails unless the loss falls
M4_CC   ?= arm-none-eabi-gcc
QEMU_M4 ?= qemu-system-arm
M4_CF    = -std=c99 -pedantic $(WARN) -O2 -I. -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 \
           -DTT_NO_MALLOC -DTT_NO_STDIO -DTT_NO_THREADS
TESTS += test-host-m4
.PHONY: test-host-m4
$(BUILD)/m4_train.elf: tests/hosts/m4_train.c tests/hosts/m4_start.c tests/hosts/m4.ld tinytrain.h | $(BUILD)
	$(M4_CC) $(M4_CF) -nostartfiles -T tests/hosts/m4.ld tests/hosts/m4_train.c tests/hosts/m4_start.c \
	  --specs=nosys.specs -lm -o $@
test-host-m4:
	@if ! command -v $(M4_CC) >/dev/null || ! command -v $(QEMU_M4) >/dev/null; then \
	  echo "SKIP: needs $(M4_CC) and $(QEMU_M4) (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)"; \
	  exit 0; fi; set -e; \
	$(MAKE) -s --no-print-directory $(BUILD)/m4_train.elf; \
	echo "== qemu-system-arm -M mps2-an386 (Cortex-M4F): $$($(M4_CC) --version | head -n 1)"; \
	timeout 300 $(QEMU_M4) -M mps2-an386 -nographic -monitor none -serial none \
	  -semihosting-config enable=on,target=native -kernel $(BUILD)/m4_train.elf
