# core tests (issue: training core)
TESTS += test-header
test-header: | $(BUILD)
	tools/amalgamate.sh $(BUILD)/tinytrain.regen.h
	cmp -s $(BUILD)/tinytrain.regen.h tinytrain.h || { echo "tinytrain.h is stale: run tools/amalgamate.sh"; exit 1; }
	echo "tinytrain.h matches src/"
