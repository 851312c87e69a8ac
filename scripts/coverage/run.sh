#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make coverage` (docs/coverage.md): Verilator line + toggle coverage and the harness's functional bins of one
# config's RTL, from the RTL suites' tests of that config, a fuzz run and the directed runs of
# scripts/coverage/directed.txt, all on the coverage variant of the model (sim/model_cache.h, coverage_variant),
# merged per config and reported as lcov/HTML.
#
#   scripts/coverage/run.sh [CONFIG]          (default configs/default.yaml)
#
# Environment: BUILD (build), COV_OUT (out/coverage), COV_JOBS (2), COV_TESTS (ctest -R regex of the tests run,
# default: the names with the config's name), COV_LABELS (ctest -L regex of the RTL suites), COV_FUZZ_SEED (1),
# COV_FUZZ_COUNT (40), COV_SKIP_RUNS=1 (only merge and report what COV_OUT/data holds).
# Writes COV_OUT/<name>/: summary.md (figures, exclusions, unhit lines, toggles and bins), summary.json, merged.dat,
# line.info + toggle.info (lcov), html/ (genhtml of line coverage), html-toggle/; logs in COV_OUT/logs/.
# Exit status 1 when a target (95% line, 90% toggle, every counted bin) is missed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
config=${1:-configs/default.yaml}
[[ -f $config ]] || { echo "coverage: error: no config file '$config'" >&2; exit 1; }
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
BUILD=${BUILD:-$ROOT/build}
bfpgen=$BUILD/bfpgen
[[ -x $bfpgen ]] || { echo "coverage: error: $bfpgen not found: build first (make build)" >&2; exit 1; }
for tool in verilator_coverage genhtml python3; do
  command -v $tool >/dev/null || { echo "coverage: error: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
out=${COV_OUT:-$ROOT/out/coverage}
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
data=$out/data

# the config's name and hash (the shim and the harness write to data/<name>-<hash12>/)
gen=$out/rtl-$(basename "$config" .yaml)
rm -rf "$gen"
"$bfpgen" generate "$config" -o "$gen" >/dev/null
read -r name hash < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["config_name"], m["config_hash"])' "$gen/manifest.json")
sub=$data/$name-${hash:0:12}

export BFP_COV_DIR=$data BFP_COV_CONFIGS=$config BFP_SOURCE_DIR=$ROOT
t0=$SECONDS
if [[ -z ${COV_SKIP_RUNS:-} ]]; then
  rm -rf "$sub"
  echo "coverage: config $name ($config), data in $sub"
  # 1. the coverage model (built once, cached like the others under <cache>/<hash>-cov)
  "$bfpgen" gemm --config "$config" --m 1 --k 1 --n 1 >"$out/logs/build-model.log" 2>&1 ||
    { echo "coverage: error: building the coverage model failed, see $out/logs/build-model.log" >&2; tail -5 "$out/logs/build-model.log" >&2; exit 1; }
  echo "  coverage model ready ($((SECONDS - t0)) s)"
  # 2. the RTL suites' tests of this config
  labels=${COV_LABELS:-^(rtl|sparse_rtl|bias_rtl|spec_clauses_rtl|train_rtl|mapper_ext_rtl|robustness|mapper|trace)$}
  tests=${COV_TESTS:-$name}
  t1=$SECONDS
  rc=0
  ctest --test-dir "$BUILD" -L "$labels" -R "$tests" -LE long -j "${COV_JOBS:-2}" --timeout 3000 \
    >"$out/logs/ctest.log" 2>&1 || rc=$?
  echo "  ctest -L '$labels' -R '$tests': $(grep -E 'tests passed|tests failed' "$out/logs/ctest.log" | tail -1) ($((SECONDS - t1)) s, exit $rc)"
  # 3. a fuzz run on this config
  t1=$SECONDS
  rc=0
  "$bfpgen" fuzz --config "$config" --seed "${COV_FUZZ_SEED:-1}" --count "${COV_FUZZ_COUNT:-40}" --quiet \
    >"$out/logs/fuzz.log" 2>&1 || rc=$?
  echo "  bfpgen fuzz --config $config --seed ${COV_FUZZ_SEED:-1} --count ${COV_FUZZ_COUNT:-40}: exit $rc ($((SECONDS - t1)) s)"
  # 4. directed runs (scripts/coverage/directed.txt: one set of bfpgen gemm options per line)
  t1=$SECONDS
  n=0 bad=0
  while IFS= read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    n=$((n + 1))
    # shellcheck disable=SC2086
    "$bfpgen" gemm --config "$config" $line >>"$out/logs/directed.log" 2>&1 || { bad=$((bad + 1)); echo "FAILED: $line" >>"$out/logs/directed.log"; }
  done <"$ROOT/scripts/coverage/directed.txt"
  echo "  directed runs: $n, failed $bad ($((SECONDS - t1)) s)"
fi

# 5. merge and report
dat=$out/$name
mkdir -p "$dat"
shopt -s nullglob
files=("$sub"/rtl-*.dat)
[[ ${#files[@]} -gt 0 ]] || { echo "coverage: error: no RTL coverage files in $sub" >&2; exit 1; }
verilator_coverage --write "$dat/merged.dat" "${files[@]}" >"$out/logs/merge.log" 2>&1
rc=0
python3 "$ROOT/scripts/coverage/report.py" --dat "$dat/merged.dat" --bins "$sub" \
  --exclusions "$ROOT/scripts/coverage/exclusions.tsv" --out "$dat" --title "of config $name ($config)" || rc=$?
# lcov: the model was verilated in a scratch folder of the model cache; point the source paths at the RTL
# generated above (same files: same config, same generator)
for k in line toggle; do
  verilator_coverage --write-info "$dat/$k.info.raw" "$dat/$k.dat" >>"$out/logs/merge.log" 2>&1
  sed -E "s#^SF:(.*/)?rtl/([^/]+)\$#SF:$gen/rtl/\\2#; s#^SF:.*/(bfp_top\\.sv)\$#SF:$gen/\\1#" "$dat/$k.info.raw" >"$dat/$k.info"
  rm -f "$dat/$k.info.raw"
done
genhtml -q --title "bfpgen $name: line coverage" -o "$dat/html" "$dat/line.info" >>"$out/logs/merge.log" 2>&1 || true
genhtml -q --title "bfpgen $name: toggle coverage" -o "$dat/html-toggle" "$dat/toggle.info" >>"$out/logs/merge.log" 2>&1 || true
echo "coverage: ${#files[@]} RTL coverage files merged; report $dat/summary.md, HTML $dat/html/index.html ($((SECONDS - t0)) s in all)"
exit $rc
