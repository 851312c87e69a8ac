#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Parser fuzzing (docs/fuzz.md "Parser fuzzing"): builds the libFuzzer harnesses of tests/fuzz_parsers/ with clang
# (ASan + UBSan) in a build folder of their own, assembles each harness's seed corpus from the shipped files, and
# runs them.
#
#   scripts/fuzz_parsers.sh short   [HARNESS...]  the pass of `make test`: every seed and regression input once,
#                                                 then FUZZ_SHORT_RUNS (20000) mutations per harness, at most
#                                                 FUZZ_SHORT_TIME (20) seconds each
#   scripts/fuzz_parsers.sh bench   [HARNESS...]  `make fuzz-parsers`: FUZZ_RUNS (10^6) executions per harness;
#                                                 writes OUT/bench.md (executions, time, exec/s per harness)
#   scripts/fuzz_parsers.sh replay  HARNESS FILE...  run inputs once each (a crash file, a regression input)
#   scripts/fuzz_parsers.sh build                 only build
#
# HARNESS: config network npy rowstream packed onnx loadable (default: all). Environment: FUZZ_BUILD (build
# folder, default build/fuzz-parsers), FUZZ_OUT (logs, working corpora and crash files, default
# out/fuzz-parsers), FUZZ_SEED (libFuzzer -seed, default 1), CXX (clang++), FUZZ_SKIP_BUILD=1 (use the harnesses
# already in FUZZ_BUILD),
# FUZZ_TIMEOUT (libFuzzer -timeout: an input that runs longer is a hang; 1 s for bench, 5 s for short, because on
# a loaded 2-core machine a 0.3 s input can take over 1 s of wall time and make test must not be flaky).
# Every run uses -rss_limit_mb=2048; a crash, hang, leak, sanitizer report or oracle failure fails the script and
# leaves the input in FUZZ_OUT as <harness>-crash-*/-timeout-*/-leak-*/-oom-*. Exit status 77: clang++ with
# libFuzzer is not available (ctest counts that as skipped).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-}"
[ -n "$MODE" ] && shift
BUILD="${FUZZ_BUILD:-$ROOT/build/fuzz-parsers}"
OUT="${FUZZ_OUT:-$ROOT/out/fuzz-parsers}"
SEED="${FUZZ_SEED:-1}"
CXX="${CXX:-clang++}"
ALL=(config network npy rowstream packed onnx loadable)

usage() { sed -n '3,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

# -max_len per harness: the YAML loaders get 4 KiB (a 16 KiB name or integer still runs in < 0.4 s under ASan;
# the 50,000-character regex stack overflow of issue 15 is fixed on its own, see docs/fuzz.md), ONNX 64 KiB.
max_len() {
  case "$1" in
    config|network) echo 4096 ;;
    npy) echo 32768 ;;
    rowstream|packed) echo 8192 ;;
    onnx) echo 65536 ;;
    loadable) echo 16384 ;;
    *) echo "fuzz_parsers.sh: unknown harness '$1' (${ALL[*]})" >&2; exit 2 ;;
  esac
}

have_clang() {
  command -v "$CXX" >/dev/null 2>&1 || return 1
  local t
  t="$(mktemp -d)"
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' > "$t/t.cpp"
  local ok=0
  "$CXX" -fsanitize=fuzzer,address,undefined "$t/t.cpp" -o "$t/t" >/dev/null 2>&1 || ok=1
  rm -rf "$t"
  return $ok
}

build() {
  # FUZZ_SKIP_BUILD=1: the harnesses were built by an earlier step (the ctest fixture fuzz_parsers_build)
  if [ "${FUZZ_SKIP_BUILD:-}" = 1 ] && [ -x "$BUILD/fuzz_config" ]; then return 0; fi
  if ! have_clang; then
    echo "fuzz_parsers.sh: $CXX with -fsanitize=fuzzer is not available (Debian: apt-get install clang)" >&2
    exit 77
  fi
  # ccache if the caller set it up (as the normal build does); the flags differ, so it never mixes objects
  cmake -S "$ROOT/tests/fuzz_parsers" -B "$BUILD" -DCMAKE_CXX_COMPILER="$CXX" >/dev/null
  cmake --build "$BUILD" -j "${JOBS:-2}" >/dev/null
}

# seeds HARNESS DIR: copies the shipped files of one harness into DIR (flat, names made unique by their path).
seeds() {
  local h="$1" dir="$2" limit f
  limit="$(max_len "$h")"
  rm -rf "$dir"
  mkdir -p "$dir"
  (
    cd "$ROOT"
    case "$h" in
      config) ls configs/*.yaml configs/test/*.yaml tests/fuzz_parsers/seeds/config/* 2>/dev/null ;;
      network) ls networks/*.yaml tests/fuzz_parsers/seeds/network/* 2>/dev/null ;;
      npy) find tests/data -name '*.npy' -not -path 'tests/data/fuzz-corpus/*' | sort ;;
      onnx) find tests/data/onnx -name '*.onnx' | sort ;;
      rowstream|packed) ;;
      loadable) ls tests/fuzz_parsers/seeds/loadable/* ;;
    esac
  ) | while read -r f; do
    # a seed longer than -max_len would be cut (and then be malformed): leave it out
    if [ "$(stat -c %s "$ROOT/$f")" -le "$limit" ]; then cp "$ROOT/$f" "$dir/${f//\//_}"; fi
  done
  if [ "$h" = rowstream ]; then "$BUILD/bfp_fuzz_rowstream_seeds" "$dir" 64 1; fi
  if [ "$h" = packed ]; then "$BUILD/bfp_fuzz_packed_seeds" "$dir" 64 1; fi
}

# run HARNESS RUNS MAXTIME: fuzzes one harness from a fresh working corpus over its seeds and its committed
# regression corpus (tests/data/fuzz-corpus/HARNESS/, run first, as every corpus input is); prints libFuzzer's log
# to OUT/HARNESS.log and its last lines.
run() {
  local h="$1" runs="$2" maxtime="$3" timeout="$4"
  local work="$OUT/work/$h" sd="$OUT/seeds/$h" reg="$ROOT/tests/data/fuzz-corpus/$h"
  seeds "$h" "$sd"
  rm -rf "$work" "$OUT/tmp/$h"
  mkdir -p "$work" "$reg" "$OUT/tmp/$h"
  local cmd=("$BUILD/fuzz_$h" -seed="$SEED" -runs="$runs" -max_total_time="$maxtime" -timeout="$timeout" -rss_limit_mb=2048
             -max_len="$(max_len "$h")" -print_final_stats=1 -artifact_prefix="$OUT/$h-" "$work" "$sd" "$reg")
  echo "== $h: $(ls "$sd" | wc -l) seeds, $(ls "$reg" | wc -l) regression inputs"
  echo "   rerun: FUZZ_SEED=$SEED scripts/fuzz_parsers.sh ${MODE} $h   (libFuzzer: ${cmd[*]})"
  local rc=0
  (cd "$OUT" && TMPDIR="$OUT/tmp/$h" "${cmd[@]}") > "$OUT/$h.log" 2>&1 || rc=$?
  grep -E '^(#[0-9]+.*(INITED|DONE)|Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$OUT/$h.log" |
    sed 's/^/   /'
  if [ $rc -ne 0 ]; then
    echo "   FAILED (libFuzzer exit $rc): the report is in $OUT/$h.log; the input in $OUT/$h-*" >&2
    grep -E 'ERROR|ORACLE|SUMMARY|runtime error|what\(\)' "$OUT/$h.log" | head -5 | sed 's/^/   /' >&2
  fi
  return $rc
}

harnesses() { if [ $# -gt 0 ]; then printf '%s\n' "$@"; else printf '%s\n' "${ALL[@]}"; fi; }

case "$MODE" in
  build)
    build
    ;;
  short)
    build
    mkdir -p "$OUT"
    fails=0
    for h in $(harnesses "$@"); do
      run "$h" "${FUZZ_SHORT_RUNS:-20000}" "${FUZZ_SHORT_TIME:-20}" "${FUZZ_TIMEOUT:-5}" || fails=$((fails + 1))
    done
    [ $fails -eq 0 ] || { echo "fuzz_parsers.sh: $fails harness(es) failed" >&2; exit 1; }
    ;;
  bench)
    build
    mkdir -p "$OUT"
    runs="${FUZZ_RUNS:-1000000}"
    table="$OUT/bench.md"
    {
      echo "Parser fuzzing benchmark: $runs executions per harness, -seed=$SEED -timeout=${FUZZ_TIMEOUT:-1}"
      echo "commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo ' (modified)'), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
      echo
      echo "| harness | executions | time (s) | exec/s | corpus | peak RSS (MB) | result |"
      echo "|---|---|---|---|---|---|---|"
    } > "$table"
    fails=0
    for h in $(harnesses "$@"); do
      t0=$(date +%s.%N)
      rc=0
      run "$h" "$runs" 0 "${FUZZ_TIMEOUT:-1}" || rc=$?
      t1=$(date +%s.%N)
      n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$h.log" | tail -1)
      rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$OUT/$h.log" | tail -1)
      corp=$(grep -oE 'corp: [0-9]+/[0-9]+[bKM]b?' "$OUT/$h.log" | tail -1 | cut -d' ' -f2)
      secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
      result=$([ $rc -eq 0 ] && echo "no finding" || echo "FAILED, see $h.log")
      printf '| %s | %s | %.0f | %.0f | %s | %s | %s |\n' "$h" "${n:-0}" "$secs" \
        "$(awk -v n="${n:-0}" -v s="$secs" 'BEGIN { print n / s }')" "${corp:-?}" "${rss:-?}" "$result" >> "$table"
      [ $rc -eq 0 ] || fails=$((fails + 1))
    done
    echo
    cat "$table"
    [ $fails -eq 0 ] || exit 1
    ;;
  replay)
    [ $# -ge 2 ] || usage
    h="$1"
    shift
    build
    "$BUILD/fuzz_$h" -timeout=1 -rss_limit_mb=2048 "$@"
    ;;
  *)
    usage
    ;;
esac
