#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages bfpgen needs; a no-op when they are all present.
# Used by `make run`, `make test` and .ci/run. Needs root (or sudo) only when something is missing.
set -euo pipefail
pkgs=(build-essential cmake verilator yosys iverilog libeigen3-dev libyaml-cpp-dev
      libgtest-dev googletest nlohmann-json3-dev libcli11-dev libssl-dev nextpnr-ice40 fpga-icestorm opensta qflow-tech-osu018
      zlib1g-dev dataset-fashion-mnist)
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
