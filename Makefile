# The two commands of the README, and a few more.
#   make demo   private PostgreSQL, the daemons, the sample messages through the real broker
#   make test   every test (unit, integration, format) under ASan+UBSan; ends with ctest's summary
BUILD      ?= build
TEST_BUILD ?= build-test
JOBS       ?= $(shell nproc)

.PHONY: all deps build demo test bench format clean

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	scripts/demo.sh $(BUILD)/kouan

# clang, so the libFuzzer targets build and run (briefly) beside the tests
test: deps
	cmake -S . -B $(TEST_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	      -DKN_SANITIZE=ON -DKN_FUZZ=ON >/dev/null
	cmake --build $(TEST_BUILD) -j$(JOBS)
	ctest --test-dir $(TEST_BUILD) --output-on-failure --no-tests=error

bench: build
	bench/run.sh $(BUILD)
	bench/parse.sh $(BUILD)
	$(BUILD)/bench/kn_bench_rules

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
