#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Switching activity of a real workload: runs `bfpgen gemm` on the coverage variant of the verilated model
# (sim/model configured with -DBFP_MODEL_COVERAGE=ON: Verilator toggle + line coverage, and the shim's coverage
# hook), so the run leaves per-bit toggle counts and per-branch execution counts (Verilator coverage.dat) and the
# exact number of simulated clock cycles.
#
#   scripts/ppa/activity.sh CONFIG RUN_DIR -- <bfpgen gemm options other than --config/--json>
#
# ACTIVITY_CMD=run runs `bfpgen run` (options: --net NET ...) instead and writes RUN_DIR/run.json;
# ACTIVITY_CMD=train runs `bfpgen train` (options: --net NET --rtl-steps S --max-steps S+1 ...: one RTL step)
# and writes RUN_DIR/train.json.
# Writes RUN_DIR/gemm.json (bfpgen gemm --json), RUN_DIR/coverage.dat, RUN_DIR/coverage.dat.cycles and
# RUN_DIR/gemm.log; a GEMM run also RUN_DIR/activity.vcd and trace.log: the same run again on a traced model
# without parameters in the VCD (its own cache, $PPA_OUT/activity-model/trace-cache). Verilator 5.006's toggle
# coverage has no points for signals declared in generate blocks, so the toggle rates come from the VCD (bfpgen
# report summarizes it into activity_toggles.json, checks its clock edges against the cycles and removes it;
# docs/ppa.md "Power"). No source file is copied or edited: bfpgen's model cache builds sim/model of this tree with
# the cmake of scripts/ppa/cmake_coverage.sh, which adds -DBFP_MODEL_COVERAGE=ON, into a cache of its own,
# $PPA_OUT/activity-model/cache, so coverage models never mix with the normal ones (first build of a config: a
# few minutes; coverage makes the simulation ~10-50x slower than the normal model).
# Environment: BFPGEN (default build/bfpgen), PPA_OUT (default out/ppa).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[[ $# -ge 3 && $3 == -- ]] || { sed -n '2,22p' "$0"; exit 2; }
config=$1 run=$2; shift 3
[[ -f $config ]] || { echo "activity.sh: error: no config file '$config'" >&2; exit 1; }
bfpgen=${BFPGEN:-$ROOT/build/bfpgen}
cmd=${ACTIVITY_CMD:-gemm}
[[ $cmd == gemm || $cmd == run || $cmd == train ]] || { echo "activity.sh: error: ACTIVITY_CMD must be gemm, run or train, not '$cmd'" >&2; exit 1; }
[[ -x $bfpgen ]] || { echo "activity.sh: error: $bfpgen not found: build first (make build)" >&2; exit 1; }
base=${PPA_OUT:-$ROOT/out/ppa}/activity-model
mkdir -p "$base/cache" "$run"
run=$(cd "$run" && pwd)
rm -f "$run/coverage.dat" "$run/coverage.dat.cycles" "$run/gemm.json" "$run/run.json" "$run/train.json" \
  "$run/activity.vcd" "$run/activity_toggles.json" "$run/trace.log"
t0=$SECONDS
rc=0
# the model cache calls cmake_coverage.sh, which calls the cmake the caller chose
BFP_REAL_CMAKE=${BFP_CMAKE:-cmake} BFP_CMAKE=$ROOT/scripts/ppa/cmake_coverage.sh \
  BFP_SOURCE_DIR=$ROOT BFP_MODEL_CACHE=$base/cache BFP_COV_OUT=$run/coverage.dat \
  "$bfpgen" "$cmd" --config "$config" --json "$@" >"$run/$cmd.json" 2>"$run/$cmd.log" || rc=$?
echo "  bfpgen $cmd (activity model) -> $run/$cmd.json ($((SECONDS - t0)) s, exit $rc)"
[[ $rc -eq 0 ]] || { echo "activity.sh: error: bfpgen $cmd failed (exit $rc), see $run/$cmd.log" >&2; tail -5 "$run/$cmd.log" >&2; exit 1; }
[[ -s $run/coverage.dat && -s $run/coverage.dat.cycles ]] || { echo "activity.sh: error: the activity model wrote no coverage (see $run/$cmd.log)" >&2; exit 1; }
[[ $cmd == gemm ]] || exit 0  # bfpgen run and train trace one layer at most: their rates stay the coverage's
t0=$SECONDS
rc=0
mkdir -p "$base/trace-cache"
BFP_REAL_CMAKE=${BFP_CMAKE:-cmake} BFP_CMAKE=$ROOT/scripts/ppa/cmake_coverage.sh BFP_ACTIVITY_TRACE=1 \
  BFP_SOURCE_DIR=$ROOT BFP_MODEL_CACHE=$base/trace-cache \
  "$bfpgen" gemm --config "$config" --vcd "$run/activity.vcd" "$@" >"$run/trace.log" 2>&1 || rc=$?
echo "  bfpgen gemm (traced model) -> $run/activity.vcd ($((SECONDS - t0)) s, exit $rc)"
[[ $rc -eq 0 ]] || { echo "activity.sh: error: the traced run failed (exit $rc), see $run/trace.log" >&2; tail -5 "$run/trace.log" >&2; exit 1; }
[[ -s $run/activity.vcd ]] || { echo "activity.sh: error: the traced run wrote no VCD (see $run/trace.log)" >&2; exit 1; }
