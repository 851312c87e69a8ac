# SPDX-License-Identifier: Apache-2.0
# The two commands of the README:
#   make run   - install what is missing, build, generate RTL from configs/default.yaml, run the default network
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

# NET: the shipped network `make run` simulates (docs/networks.md); every GEMM layer is checked bit for bit
NET ?= networks/hardnet_block.yaml

run: build
	$(BUILD)/bfpgen generate $(CONFIG) -o out/default
	$(BUILD)/bfpgen run --config $(CONFIG) --net $(NET)

# JUNIT: CTest's JUnit report of `make test`, relative to $(BUILD) (build/junit.xml; README, docs/fuzz.md)
JUNIT ?= junit.xml

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE long --output-junit $(JUNIT)

bench: build
	$(BUILD)/bfpgen bench --config $(CONFIG)

clean:
	rm -rf $(BUILD) out

# ---- PPA flows (docs/ppa.md) ---------------------------------------------------------------------------------
# make fpga [CONFIG=...]   iCE40 UP5K + HX8K place-and-route and Xilinx 7-series synthesis; CONFIG defaults to
#                          configs/up5k.yaml here (not the file-wide default)
# make asic [CONFIG=...]   osu018 180 nm area per module + OpenSTA timing (default configs/default.yaml)
# make sparsity-area       area cost of the sparsity knob on CONFIG (scripts/ppa/sparsity_area.sh)
# make report [CONFIG=...] bfpgen report: power from measured activity and TOPS/W at REPORT_SPARSITY (default 0,0.9)
#                          on a REPORT_GEMM (default 64x256x64) GEMM -> out/report/<config>/
# make sweep [SWEEP_FULL=1] bfpgen sweep over array/block/sparsity variants of configs/test/r2c2b8.yaml -> out/sweep/
# Reports: out/ppa/<config>/{fpga_ice40_up5k.json, fpga_ice40_hx8k.json, fpga_xc7.json, asic.json, ppa.md}.
FPGA_CONFIG = $(if $(filter file,$(origin CONFIG)),configs/up5k.yaml,$(CONFIG))

.PHONY: fpga asic sparsity-area report sweep
REPORT_GEMM ?= 64x256x64
REPORT_SPARSITY ?= 0,0.9
CONFIG_NAME = $(basename $(notdir $(CONFIG)))

fpga: build
	bash fpga/ice40.sh $(FPGA_CONFIG) up5k hx8k
	bash fpga/xc7.sh $(FPGA_CONFIG)

asic: build
	bash scripts/ppa/asic.sh $(CONFIG)

sparsity-area: build
	bash scripts/ppa/sparsity_area.sh $(CONFIG)

report: build
	$(BUILD)/bfpgen report --config $(CONFIG) --gemm $(REPORT_GEMM) --act-sparsity $(REPORT_SPARSITY) \
	  -o out/report/$(CONFIG_NAME)

sweep: build
	$(BUILD)/bfpgen sweep $(if $(SWEEP_FULL),--full) -o out/sweep
# ---- end of PPA flows ----------------------------------------------------------------------------------------

# ---- sparsity benchmark (docs/sparsity-bench.md) -------------------------------------------------------------
# make bench-sparsity [CONFIG=...]   256x256x256 GEMM at activation/weight sparsity 0..95% (random, blocks,
#                                    clustered zeros) plus the same dense GEMM on a `sparsity: none` variant
# make bench-train [CONFIG=...] [TRAIN_NET=...]   one training step (FW, BW, WG on the RTL) after 20 golden steps
#                                    at sparsity scaling off, 16/16, 32/32, 48/48, plus off on `sparsity: none`
TRAIN_NET ?= networks/fmnist_mlp.yaml
.PHONY: bench-sparsity bench-train

bench-sparsity: build
	$(BUILD)/bfpgen bench --sparsity --config $(CONFIG)

bench-train: build
	$(BUILD)/bfpgen bench --sparsity --train --config $(CONFIG) --net $(TRAIN_NET)

# ---- system bus (docs/loadable.md "AXI overhead") ---------------------------------------------------------------
# make bench-axi   every shipped network compiled to a loadable and replayed on the direct port and through
#                  bfp_axi_top with the C driver, on configs/default.yaml and configs/test/r4c4b16.yaml: cycles of
#                  each and the overhead of the AXI path (both replays must be bit-exact)
.PHONY: bench-axi

bench-axi: build
	BFPGEN=$(BUILD)/bfpgen python3 scripts/bench_axi.py

# ---- simulation speed (docs/harness.md "Simulation speed") ------------------------------------------------------
# make bench-sim-speed   cycles/s and PE-cycles/s of the verilated model on fixed GEMMs, every shipped config
#                        (configs/default.yaml, configs/test/*.yaml), median of 3 runs
.PHONY: bench-sim-speed

bench-sim-speed: build
	$(BUILD)/bfpgen bench --sim-speed --repeat 3

# ---- training benchmark (docs/training.md) ----------------------------------------------------------------------
# make train-accuracy  FP32 and BFP8 training of networks/fmnist_mlp.yaml and fmnist_cnn.yaml on the full
#                      Fashion-MNIST at six sparsity-scaling settings, the last step of each on the RTL
#                      (about an hour on two cores); JSON per run in out/train-bench, table by scripts/train-table.py
.PHONY: train-accuracy

train-accuracy: build
	bash scripts/train-bench.sh all out/train-bench
	python3 scripts/train-table.py out/train-bench

# ---- randomized layer regression (docs/fuzz.md) -----------------------------------------------------------------
# make fuzz-long [FUZZ_SEED=S] [FUZZ_COUNT=N]   N random layer/GEMM cases on random configs of the fuzz pool,
#                                               JUnit report in out/fuzz-long.xml (make test runs a short fuzz)
FUZZ_SEED ?= 1
FUZZ_COUNT ?= 1000
.PHONY: fuzz-long

fuzz-long: build
	@mkdir -p out
	$(BUILD)/bfpgen fuzz --seed $(FUZZ_SEED) --count $(FUZZ_COUNT) --random-configs --junit out/fuzz-long.xml --quiet

# ---- ONNX models (docs/models.md) -------------------------------------------------------------------------------
# make models        regenerate the committed ONNX test models tests/data/onnx/ops/ and tests/data/onnx/models/
# make models-full   full-size 224x224 HarDNet-68, HarDNet-39DS and ResNet-18 -> $(BUILD)/models/ (not committed)
# Both need Debian's python3-torch and python3-onnx (only for regeneration; make test uses the committed files).
MODELS_PYTHON ?= /usr/bin/python3
.PHONY: models models-full

models:
	$(MODELS_PYTHON) scripts/models/export_models.py --set committed

models-full:
	$(MODELS_PYTHON) scripts/models/export_models.py --set full --out $(BUILD)/models

# ---- formal proofs (docs/formal.md) -------------------------------------------------------------------------------
# make formal [FORMAL=names]   every proof of verify/formal/proofs.tsv (Yosys 0.23 + yosys-smtbmc/z3 or ABC), each with
#                              its run time; FORMAL=fast runs the ones make test runs; work files in build/formal/
# make formal-bites            each proof on its mutant (verify/formal/bites.tsv): every one must fail
FORMAL ?= all
.PHONY: formal formal-bites

formal: build
	bash scripts/formal/run.sh --bfpgen $(BUILD)/bfpgen --out $(BUILD)/formal $(FORMAL)

formal-bites: build
	bash scripts/formal/run.sh --bites --bfpgen $(BUILD)/bfpgen --out $(BUILD)/formal-bites $(FORMAL)

# ---- parser fuzzing (docs/fuzz.md "Parser fuzzing") --------------------------------------------------------------
# make fuzz-parsers [FUZZ_RUNS=N] [FUZZ_SEED=S]   libFuzzer + ASan/UBSan harnesses of the config, network, .npy,
#                                                row-stream and ONNX parsers, built with clang in $(BUILD)/fuzz-parsers
#                                                (not the GCC build); N (10^6) executions each, table in
#                                                out/fuzz-parsers/bench.md (make test runs a short pass)
FUZZ_RUNS ?= 1000000
FUZZ_BUILD ?= $(abspath $(BUILD))/fuzz-parsers
.PHONY: fuzz-parsers

fuzz-parsers: deps
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SEED=$(FUZZ_SEED) bash scripts/fuzz_parsers.sh bench

# ---- mutation testing (docs/mutation.md) ---------------------------------------------------------------------
# make mutate [MUTATE_SEED=1] [MUTATE_COUNT=210]   MUTATE_COUNT mutants (operator, constant, bit-index, stuck-at) of
#     rtl/*.sv, drawn with MUTATE_SEED, built as ONE mutant-schema model per config and selected at run time;
#     each must fail the kill suite (a deterministic fuzz, then the RTL GoogleTest suites of r2c2b8) on one of
#     MUTATE_CONFIGS; survivors not listed in verify/mutate/equivalent.tsv lower the score -> out/mutate/results.md
MUTATE_SEED ?= 1
MUTATE_COUNT ?= 210
MUTATE_CONFIGS ?= verify/mutate/r2c2b8-both.yaml configs/test/r2c2b8.yaml verify/mutate/r2c2b8-serial.yaml
MUTATE_GTESTS = rtl_test:*/r2c2b8_* spec_clauses_rtl_test:*/r2c2b8 sparse_rtl_test:*/r2c2b8_* bias_rtl_test:*/r2c2b8 \
  assert_rtl_test:AssertRtl.MemoryDropping*:AssertRtl.IllegalCommands*:AssertRtl.LegalCommands*:AssertRtl.EngineRules*:AssertRtl.ResetDuring*@r2c2b8 \
  sparse_rtl_test:*SparseRtl.WeightSparsity/r4c8b16_both@r2c2b8
.PHONY: mutate
mutate: build
	python3 verify/mutate/mutate.py run --bfpgen $(BUILD)/bfpgen --seed $(MUTATE_SEED) --count $(MUTATE_COUNT) \
	  $(foreach c,$(MUTATE_CONFIGS),--config $(c)) $(foreach g,$(MUTATE_GTESTS),--gtest '$(BUILD)/tests/$(g)') \
	  --out out/mutate
# ---- end of mutation testing ---------------------------------------------------------------------------------
# ---- coverage (docs/coverage.md) ------------------------------------------------------------------------------
# make coverage [CONFIG=...]   Verilator line + toggle coverage and the harness's functional bins of CONFIG's RTL
#                              (default configs/default.yaml) from its RTL-suite tests, a fuzz run and the directed
#                              runs of scripts/coverage/directed.txt on the coverage model; report, lcov and HTML in
#                              out/coverage/<name>/ (scripts/coverage/run.sh; fails when a target is missed)
.PHONY: coverage

coverage: build
	BUILD=$(abspath $(BUILD)) COV_JOBS=$(JOBS) bash scripts/coverage/run.sh $(CONFIG)
