# The two commands of the README:
#   make run   - install what is missing, build, generate RTL from configs/default.yaml, run the default workload
#   make test  - install what is missing, build, run the whole test suite through CTest
BUILD ?= build
CONFIG ?= configs/default.yaml
JOBS ?= $(shell nproc)

.PHONY: all deps build run test bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bfpgen generate $(CONFIG) -o out/default
	$(BUILD)/bfpgen gemm --config $(CONFIG) --m 64 --k 256 --n 64 --seed 1

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE long

bench: build
	$(BUILD)/bfpgen bench --config $(CONFIG)

clean:
	rm -rf $(BUILD) out
