#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ctest mutate_bite (docs/mutation.md): the mutant-schema mechanism can fail. Builds the schema of two known
# mutants of rtl/ (by signature; `verify/mutate/mutate.py list rtl/*.sv` prints them) into one model of
# configs/test/r2c2b8.yaml, compiled at -O1 ($BFP_MODEL_OPT; cached after the first run), and runs a short
# deterministic fuzz: mutant 0 (the original design) must pass, both mutants must fail.
#   1 (366e6a8da815) bfp_core.sv op_o: STORE reported as 0 -- changes no result; killed by the driver's op_o check
#   2 (70641a1dd70f) bfp_mul.sv: the product a_i * b_i -> a_i + b_i (the PE's multiplier)
# Usage: bite_test.sh SOURCE_DIR BFPGEN OUT_DIR
set -euo pipefail
src=$1 bfpgen=$2 out=$3
rm -rf "$out/rtl"
mkdir -p "$out"
python3 "$src/verify/mutate/mutate.py" schema --out "$out/rtl" --pick 366e6a8da815 --pick 70641a1dd70f "$src"/rtl/*.sv
export BFP_RTL_SOURCE_DIR=$out/rtl BFP_MODEL_OPT=${BFP_MODEL_OPT:--O1}
fuzz=("$bfpgen" fuzz --config "$src/configs/test/r2c2b8.yaml" --seed 1 --count 6 --quiet)
status=0
if ! BFP_MUTANT=0 "${fuzz[@]}" > "$out/mutant0.log" 2>&1; then
  echo "mutate_bite: FAIL: mutant 0 (the original design) fails the fuzz: the schema changed the design"; cat "$out/mutant0.log"
  status=1
fi
for m in 1 2; do
  if BFP_MUTANT=$m "${fuzz[@]}" > "$out/mutant$m.log" 2>&1; then
    echo "mutate_bite: FAIL: mutant $m ($(sed -n "$((m + 1))p" "$out/rtl/mutants.tsv" | cut -f2-6)) survived the fuzz"
    status=1
  else
    echo "mutate_bite: mutant $m killed: $(grep -m1 -o 'driver: .*\|first: .*' "$out/mutant$m.log" | cut -c1-160)"
  fi
done
[[ $status == 0 ]] && echo "mutate_bite: ok (mutant 0 passes, mutants 1 and 2 are killed)"
exit $status
