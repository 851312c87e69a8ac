# SPDX-License-Identifier: Apache-2.0
# Shared part of the PPA flows (fpga/ice40.sh, fpga/xc7.sh, scripts/ppa/asic.sh); source it.
# ppa_init CONFIG generates the RTL of CONFIG into $OUT/rtl (OUT = ${PPA_OUT:-out/ppa}/<config name>, or
#   <config name>.<top> for another top) and sets ROOT, OUT, NAME, HASH, MEM_WIDTH, ADDR_WIDTH, TOP,
#   RTL_FILES (array, absolute paths in the order of the top's filelist <top>.f), PPA_PY.
# Environment: BFPGEN (default build/bfpgen), PPA_OUT (default out/ppa), PPA_TOP (the top module: bfp_top, the
#   default, or bfp_axi_top, the AXI4/AXI4-Lite top of docs/architecture.md).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PPA_PY="python3 $ROOT/scripts/ppa/ppa.py"

ppa_die() { echo "$(basename "$0"): error: $*" >&2; exit 1; }

ppa_need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || ppa_die "'$t' not found (bash scripts/install-deps.sh installs it)"
  done
}

# The standalone measurements (scripts/ppa/*_toggles.sh): the work folder W is $1 when given (created, kept), else a
# temporary one removed at exit; LIB and CELLS are the osu018 Liberty and Verilog cell models.
ppa_standalone() {
  LIB=/usr/share/qflow/tech/osu018/osu018_stdcells.lib
  CELLS=/usr/share/qflow/tech/osu018/osu018_stdcells.v
  [[ -f $LIB && -f $CELLS ]] || ppa_die "needs qflow-tech-osu018 (bash scripts/install-deps.sh installs it)"
  if [[ $# -ge 1 ]]; then
    W=$1
    mkdir -p "$W"
  else
    W=$(mktemp -d)
    trap 'rm -rf "$W"' EXIT
  fi
}

# Runs "$@" with its stdout+stderr in log file $1 (relative to $OUT); prints the wall time.
ppa_run() {
  local log=$1; shift
  local t0=$SECONDS rc=0
  "$@" >"$OUT/$log" 2>&1 || rc=$?
  echo "  $(basename "$1") -> $log ($((SECONDS - t0)) s, exit $rc)"
  return $rc
}

ppa_init() {
  local config=$1
  [[ -f $config ]] || ppa_die "no config file '$config'"
  local bfpgen=${BFPGEN:-$ROOT/build/bfpgen}
  [[ -x $bfpgen ]] || ppa_die "$bfpgen not found: build first (make build)"
  local tmp
  tmp=$(mktemp -d)
  "$bfpgen" generate "$config" -o "$tmp/rtl" >/dev/null || { rm -rf "$tmp"; ppa_die "bfpgen generate failed"; }
  eval "$($PPA_PY manifest "$tmp/rtl/manifest.json")"
  TOP=${PPA_TOP:-bfp_top}
  [[ $TOP =~ ^bfp_(axi_)?top$ ]] || ppa_die "PPA_TOP must be bfp_top or bfp_axi_top, not '$TOP'"
  export PPA_TOP=$TOP
  OUT=${PPA_OUT:-$ROOT/out/ppa}/$NAME
  [[ $TOP == bfp_top ]] || OUT=$OUT.$TOP
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  # Same config, same bytes: keep an identical rtl/ (another flow may be reading it), replace a stale one.
  if [[ -f $OUT/rtl/manifest.json ]] && cmp -s "$OUT/rtl/manifest.json" "$tmp/rtl/manifest.json"; then
    rm -rf "$tmp"
  else
    rm -rf "$OUT/rtl.old"
    [[ -d $OUT/rtl ]] && mv "$OUT/rtl" "$OUT/rtl.old"
    mv "$tmp/rtl" "$OUT/rtl"
    rm -rf "$OUT/rtl.old" "$tmp"
  fi
  RTL_FILES=()
  local f
  while read -r f; do [[ -n $f ]] && RTL_FILES+=("$OUT/rtl/$f"); done <"$OUT/rtl/$TOP.f"
  echo "$(basename "$0"): config '$NAME' (${HASH:0:16}), top $TOP -> $OUT"
}
