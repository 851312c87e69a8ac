#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages bfpgen needs; a no-op when they are all present.
# Used by `make run`, `make test` and .ci/run. Needs root (or sudo) only when something is missing.
#   scripts/install-deps.sh           what the build and `make test` need
#   scripts/install-deps.sh --models  also python3-torch and python3-onnx, for the model scripts in
#                                     scripts/models/ (make models, make_bad_onnx.py; not needed by make test)
set -euo pipefail
pkgs=(build-essential cmake verilator yosys iverilog libeigen3-dev libyaml-cpp-dev
      libgtest-dev googletest nlohmann-json3-dev libcli11-dev libssl-dev nextpnr-ice40 fpga-icestorm opensta qflow-tech-osu018
      zlib1g-dev dataset-fashion-mnist libonnx-dev libprotobuf-dev)
pkgs+=(python3)  # scripts/junit_merge.py, which tests/shard_test.cpp runs (the JUnit merge of sharded fuzz runs)
pkgs+=(z3)  # formal proofs: yosys-smtbmc solver (docs/formal.md)
pkgs+=(clang libclang-rt-14-dev)  # parser fuzzing: libFuzzer + ASan/UBSan (scripts/fuzz_parsers.sh)
pkgs+=(lcov)  # make coverage: genhtml of the Verilator coverage (scripts/coverage/run.sh, docs/coverage.md)
pkgs+=(gcc-riscv64-unknown-elf)  # the C driver's freestanding riscv cross-compile check (driver/riscv_check.sh, docs/driver.md)
case "${1:-}" in
  "") ;;
  --models) pkgs+=(python3-torch python3-onnx python3-numpy) ;;
  *) echo "install-deps: unknown option '$1' (usage: install-deps.sh [--models])" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
echo "install-deps: installing ${missing[*]}"
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
