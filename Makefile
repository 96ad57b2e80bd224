# Newcomer entry points. `make demo` and `make test` install missing Debian packages,
# configure and build (Release, -j2) and then run.
BUILD_DIR ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

# ccache: hash paths relative to the checkout so a fresh clone elsewhere (CI) reuses the
# cache, and accept precompiled headers (CMake includes them with -include).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: deps configure build demo test fuzz fuzz-check clean
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 15

deps:
	@bash scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The three tiny Cognate models trained side by side by the coordinator (configs/demo.yaml);
# REST on http://127.0.0.1:8080/api/v1/jobs while it runs. Each run gets its own state dir.
# At the end each model is asked the original project's three test prompts.
demo: build
	@state=runs/demo-$$(date +%Y%m%d-%H%M%S); \
	$(BUILD_DIR)/bin/cogcoord run configs/demo.yaml --state-dir $$state && \
	scripts/ask-demo-models $(BUILD_DIR) $$state

test: build
	@# One intra-op thread per test process: with ctest -j2 on 2 cores, OpenMP teams of 2
	@# would spin against each other and run several times slower.
	@cd $(BUILD_DIR) && OMP_NUM_THREADS=1 ctest --output-on-failure -j $(JOBS) --timeout 900
	@$(MAKE) --no-print-directory fuzz-check

# libFuzzer targets (clang + AddressSanitizer) in $(FUZZ_DIR); fuzz-check runs each for
# FUZZ_SECONDS on its seed corpus (tests/fuzz/corpus), as CI does after the test suite.
fuzz: deps
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DCOG_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target cog_fuzz

fuzz-check: fuzz
	@bash tests/fuzz/run_fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
