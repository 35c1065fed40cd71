# Convenience wrapper: setup, build, run and test. CMake does the building.
#   make run    set up, build, analyze Llama-2-7b on an A100 80GB
#   make test   set up, build normal and sanitizer trees, run all tests
#   make bench  set up, build, measure analyses per second
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all setup build build-asan run test bench clean

all: build

setup:
	./scripts/setup.sh

build: setup
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j $(JOBS)

build-asan: setup
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLR_SANITIZE=ON >/dev/null
	cmake --build build-asan -j $(JOBS)

run: build
	./build/llmroof analyze meta-llama/Llama-2-7b-hf --hardware a100-80gb

test: build build-asan
	@echo "== tests (release build) =="
	ctest --test-dir build --output-on-failure -j $(JOBS)
	@echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer build) =="
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-asan --output-on-failure -j $(JOBS)

bench: setup
	./bench/run.sh

clean:
	rm -rf build build-asan build-bench
