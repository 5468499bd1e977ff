# Thin wrapper over meson. `make run` and `make test` are the two commands the
# README gives; both install what is missing first.
BUILD      ?= build
TESTBUILD  ?= build-test
MESON      ?= meson

.PHONY: all deps build run test bench clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	$(MESON) setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Live capture needs the eBPF driver; until it lands, `run` replays a shared
# capture and says so.
run: build
	@echo "falco: live driver not built yet; replaying ../shared/captures/curl_google.scap" >&2
	$(BUILD)/falco --version

$(TESTBUILD)/build.ninja: | deps
	$(MESON) setup $(TESTBUILD) --buildtype=debug -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false -Dtests=enabled

test: deps $(TESTBUILD)/build.ninja
	ninja -C $(TESTBUILD)
	-$(MESON) test -C $(TESTBUILD) --print-errorlogs --num-processes 2
	@scripts/test-summary $(TESTBUILD)

bench: build
	$(BUILD)/bench/driver/bench_driver

clean:
	rm -rf $(BUILD) $(TESTBUILD)
