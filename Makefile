# classrelay quick start: `make run` and `make test`.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
RUN_ARGS ?=

.PHONY: all deps setup build run test test-asan fuzz bench clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --werror

setup: deps $(BUILD)/build.ninja

build: setup
	ninja -C $(BUILD)

run: build
	./$(BUILD)/app/classrelay serve $(RUN_ARGS)

test: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	[ -f $(ASAN_BUILD)/build.ninja ] || meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(ASAN_BUILD)
	meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2

# libFuzzer harnesses, built with clang and ASan; run one into a scratch
# corpus (libFuzzer writes new inputs into the first directory), e.g.
#   mkdir -p /tmp/c && ./build-fuzz/tests/fuzz/fuzz-token /tmp/c tests/fuzz/corpus/token
# and commit any crash input it finds to tests/fuzz/corpus/<name>/.
fuzz: deps
	[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(FUZZ_BUILD)

# Benchmarks (docs/benchmarks.md); BENCH_ARGS e.g. "--runs 5 --sizes 50,100".
bench: build
	/usr/bin/python3 bench/control_plane.py $(BENCH_ARGS)

# Media forwarding (docs/benchmarks.md): root, for its network namespaces;
# RELAY_BENCH_ARGS e.g. "--runs 5 --sizes 50,100,200 --workers 2,1".
.PHONY: bench-relay
bench-relay: build
	/usr/bin/python3 bench/relay_bench.py --build $(BUILD) $(RELAY_BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# The cost of recording (docs/benchmarks.md, "Recorder"): root, for its
# private network namespace; RECORDING_BENCH_ARGS e.g. "--runs 3".
.PHONY: bench-recording
bench-recording: build
	unshare -n sh -c 'ip link set lo up && CLASSRELAY=$(BUILD)/app/classrelay /usr/bin/python3 bench/recording_bench.py $(RECORDING_BENCH_ARGS)'
