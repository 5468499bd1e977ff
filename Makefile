# Thin wrapper over meson. `make run` and `make test` are the two commands the
# README gives; both install what is missing first.
BUILD      ?= build
TESTBUILD  ?= build-test
FUZZBUILD  ?= build-fuzz
MESON      ?= meson

.PHONY: all deps build run test bench clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	$(MESON) setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Live capture (root, BTF) with the repository's falco.yaml and the default
# rules in rules/ (falco.yaml's rules_files); while rules/ holds no rules,
# the small ruleset of tests/integration/rules/ is used. The container plugin
# is loaded from the build tree (the installed copy lives in the plugins dir).
RUN_RULES = $(if $(wildcard rules/*.yaml),,-r tests/integration/rules/minimal_rules.yaml)
run: build
	$(BUILD)/core/falco -c falco.yaml $(RUN_RULES) \
		--plugin $(BUILD)/plugins/container/libcontainer.so $(ARGS)

$(TESTBUILD)/build.ninja: | deps
	$(MESON) setup $(TESTBUILD) --buildtype=debug -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false -Dtests=enabled

# libFuzzer targets: clang, a separate build dir, only the fuzz targets built.
$(FUZZBUILD)/build.ninja: | deps
	CC=clang $(MESON) setup $(FUZZBUILD) --buildtype=debug -Dfuzz=true -Dtests=disabled \
		-Db_sanitize=address,undefined -Db_lundef=false

test: deps $(TESTBUILD)/build.ninja $(FUZZBUILD)/build.ninja
	ninja -C $(TESTBUILD)
	ninja -C $(FUZZBUILD) tests/fuzz/fuzz_capture
	ninja -C $(FUZZBUILD) tests/fuzz/fuzz_filter tests/fuzz/fuzz_fields
	-$(MESON) test -C $(TESTBUILD) --print-errorlogs --num-processes 2
	-$(MESON) test -C $(FUZZBUILD) --no-rebuild --print-errorlogs --suite fuzz
	@scripts/test-summary $(TESTBUILD) $(FUZZBUILD)

# Benchmarks: optimised build; every bench/<name>_bench prints its figures.
bench: build
	for b in $(BUILD)/bench/*_bench $(BUILD)/bench/*/*_bench; do echo "== $$b"; $$b || exit 1; done

clean:
	rm -rf $(BUILD) $(TESTBUILD) $(FUZZBUILD)
