# data parallel training on MPI (issue 15): tests/mpi/, examples/train_mpi.c
# test-mpi-unit  library side in one process (no MPI): loader shards, ZeRO-1
#                slices and memory, exact accumulation, config errors
# test-mpi       mpirun -np 1/2/4 (loopback): ranks = single-process
#                accumulation bitwise, ZeRO-1 on = off, kill a rank, resume
# bench-mpi      (not a test) 2 ranks x 1 thread vs 1 process x 2 threads, and
#                the alpha-beta model of config G on 8-64 nodes
MPICC ?= mpicc
TESTS += test-mpi-unit test-mpi
.PHONY: test-mpi-unit test-mpi bench-mpi

$(BUILD)/test_comm: tests/mpi/test_comm.c tinytrain.h | $(BUILD)
	$(CC) $(CFLAGS_T) $< -o $@ $(LDLIBS)
test-mpi-unit: $(BUILD)/test_comm
	$(BUILD)/test_comm

$(BUILD)/train_mpi: examples/train_mpi.c tinytrain.h | $(BUILD)
	$(MPICC) $(CFLAGS_T) $< -o $@ $(LDLIBS)
test-mpi: tinytrain.h tests/mpi/run.sh | $(BUILD)
	@if ! command -v $(MPICC) >/dev/null || ! command -v mpirun >/dev/null; then \
	  echo "SKIP: no $(MPICC)/mpirun (apt-get install libopenmpi-dev openmpi-bin)"; exit 0; fi; \
	$(MAKE) --no-print-directory $(BUILD)/train_mpi && tests/mpi/run.sh $(BUILD)

bench-mpi: $(BUILD)/train_mpi bench/bench_mpi.sh
	bench/bench_mpi.sh $(BUILD)
