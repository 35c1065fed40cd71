# Convenience wrapper: setup, build, run and test. CMake does the building.
#   make run    set up, build, analyze Llama-2-7b on an A100 80GB
#   make test   set up, build normal and sanitizer trees, run all tests
#   make bench  set up, build, measure analyses per second
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

FUZZ_SECONDS ?= 60
FUZZ_TARGETS = fuzz_expr fuzz_fold fuzz_moddb fuzz_config fuzz_arch fuzz_weights fuzz_repr fuzz_http

.PHONY: all setup build build-asan run test bench fuzz clean

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

# Runs every libFuzzer target for FUZZ_SECONDS, from the committed seeds
# (fuzz/corpus/TARGET) into a working corpus under build-fuzz/.
fuzz:
	./scripts/setup.sh fuzz
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLR_FUZZ=ON >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus-$$t; \
	  ./build-fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    build-fuzz/corpus-$$t fuzz/corpus/$${t#fuzz_} || exit 1; \
	done

clean:
	rm -rf build build-asan build-bench build-fuzz
