# The README's two set-up commands: `make demo` (main job) and `make test` (all tests).
# Each installs missing Debian packages, configures and builds.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
DATA ?= ../shared/data/alibaba-gpu-v2023

TSAN_BUILD ?= build-tsan

.PHONY: deps build demo demo-sim test test-asan test-tsan fuzz bench format format-check clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

POLICIES = random,dot-product,gpu-clustering,gpu-packing,best-fit,fgd,fgd-balanced

# The seed program against a freshly started fastgpud (scripts/demo.sh).
demo: build
	BUILD=$(BUILD) scripts/demo.sh

# The packing experiment of the FGD paper on the default trace: every policy, seeds 42-51.
demo-sim: build
	FASTGPU_DATA=$(DATA) $(BUILD)/bin/fastgpu sim pack --policy $(POLICIES) --seeds 42-51 \
	  --plot $(BUILD)/pack.svg

# The store tests run against PostgreSQL too: a throwaway server (scripts/postgres-for-tests.sh)
# is up for the duration of ctest, and stopped whatever the tests' outcome.
PG_TESTS = scripts/postgres-for-tests.sh run

test: build
	$(PG_TESTS) sh -c 'cd $(BUILD) && ctest --output-on-failure -j $(JOBS)'

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFASTGPU_SANITIZE=ON -DFASTGPU_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	$(PG_TESTS) sh -c 'cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)'

# ThreadSanitizer over the concurrent parts: `sim pack` running policies × seeds on threads,
# the vGPU ledger, budget and cost model hammered by threads, fastgpud's launch worker, the
# launches a replica kills when it steps down, and the server's completion board, HTTP thread
# pool and long-poll gate.
TSAN_VGPU_TESTS = Ledger.Threads*:ComputeBudget.*:KernelCostModel.*
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFASTGPU_TSAN=ON \
	  -DFASTGPU_BENCH=OFF
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target fastgpu fastgpu_vgpu_tests \
	  fastgpu_runtime_tests fastgpu_server_parts_tests
	$(TSAN_BUILD)/bin/fastgpu sim pack --nodes tests/data/golden_nodes.csv \
	  --pods tests/data/golden_pods.csv --policy random,best-fit,fgd,fgd-balanced --seeds 1-8 --jobs 4
	scripts/run-gtest-filter.sh $(TSAN_BUILD)/bin/fastgpu_vgpu_tests '$(TSAN_VGPU_TESTS)'
	scripts/run-gtest-filter.sh $(TSAN_BUILD)/bin/fastgpu_runtime_tests 'LaunchWorker*:UnrecordedStarts*'
	$(TSAN_BUILD)/bin/fastgpu_server_parts_tests

fuzz: deps
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DFASTGPU_FUZZ=ON -DFASTGPU_TESTS=OFF -DFASTGPU_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

bench: build
	$(BUILD)/bin/placement_bench

SOURCES = find src tests bench fuzz -name '*.h' -o -name '*.cc'

format:
	$(SOURCES) | xargs clang-format -i

format-check:
	$(SOURCES) | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
