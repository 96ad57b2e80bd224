# Newcomer entry points. `make demo` and `make test` install missing Debian packages,
# configure and build (Release, -j2) and then run.
BUILD_DIR ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

# ccache: hash paths relative to the checkout so a fresh clone elsewhere (CI) reuses the
# cache, and accept precompiled headers (CMake includes them with -include).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: deps configure build demo test clean

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

clean:
	rm -rf $(BUILD_DIR)
