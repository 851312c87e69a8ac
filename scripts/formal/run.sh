#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the formal proofs of verify/formal/proofs.tsv (docs/formal.md) with Yosys 0.23 and one of two engines (the
# table's engine column): smt = yosys-smtbmc + z3 (word-level), abc = AIGER + ABC's bmc3 (bit-level SAT, yosys-abc).
#   scripts/formal/run.sh [options] [PROOF|fast|all ...]     default: all
#     --bites        instead of the proofs, run each proof on its mutant (verify/formal/bites.tsv) and require
#                    a counterexample: shows that every property can fail
#     --out DIR      work folder (default build/formal); per proof: DIR/NAME/{log.txt,model.smt2,cex.vcd}
#     --bfpgen PATH  bfpgen binary that writes bfp_pkg.sv (default build/bfpgen)
#     --engine E     run every selected proof with engine E (smt or abc) instead of the table's
#     --list         print the proofs and exit
# Prints one line per proof (PASS/FAIL, seconds, engine); exit status 1 when any proof fails (or, with --bites,
# when any mutant is NOT caught), 2 on a usage error. A failing proof prints the failed assertion and the
# counterexample trace file (VCD). The leaf RTL is read from rtl/ directly, so an edit there needs no rebuild;
# the package bfp_pkg.sv comes from `bfpgen generate` (one source of truth: host/command_format.h).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/build/formal"
bfpgen="$root/build/bfpgen"
bites=0
force_engine=""
names=()
while (($#)); do
  case "$1" in
    --bites) bites=1 ;;
    --out) out=$(realpath -m "${2:?--out needs a folder}"); shift ;;
    --bfpgen) bfpgen=$(realpath -m "${2:?--bfpgen needs a path}"); shift ;;
    --engine) force_engine="${2:?--engine needs smt or abc}"; shift
              [[ $force_engine == smt || $force_engine == abc ]] || { echo "formal: --engine smt|abc" >&2; exit 2; } ;;
    --list) awk -F'\t' '!/^#/ && NF {printf "%-22s %-5s steps=%-3s %-4s %s\n", $1, $2, $3, ($7 ? $7 : "smt"), $5}' "$root/verify/formal/proofs.tsv"; exit 0 ;;
    -h|--help) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "formal: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done
((${#names[@]})) || names=(all)
for tool in yosys yosys-smtbmc yosys-abc z3; do
  command -v "$tool" >/dev/null || { echo "formal: '$tool' not found (run scripts/install-deps.sh)" >&2; exit 2; }
done
[[ -x "$bfpgen" ]] || { echo "formal: bfpgen not found at $bfpgen (build first, or pass --bfpgen)" >&2; exit 2; }

# the proof table: name, speed (fast = part of make test), BMC steps, top module, parameters, sources, engine
declare -A speed steps top params srcs engine
order=()
while IFS=$'\t' read -r n s k t p f e; do
  [[ -z "$n" || "$n" == \#* ]] && continue
  speed[$n]=$s; steps[$n]=$k; top[$n]=$t; params[$n]=$p; srcs[$n]=$f; engine[$n]=${force_engine:-${e:-smt}}
  order+=("$n")
  [[ ${engine[$n]} == smt || ${engine[$n]} == abc ]] ||
    { echo "formal: proof '$n' has engine '${engine[$n]}' (smt or abc)" >&2; exit 2; }
done < "$root/verify/formal/proofs.tsv"
declare -A bite_file bite_sed
while IFS=$'\t' read -r n f e; do
  [[ -z "$n" || "$n" == \#* ]] && continue
  bite_file[$n]=$f; bite_sed[$n]=$e
done < "$root/verify/formal/bites.tsv"

sel=()
for n in "${names[@]}"; do
  case "$n" in
    all) sel+=("${order[@]}") ;;
    fast) for m in "${order[@]}"; do [[ ${speed[$m]} == fast ]] && sel+=("$m"); done ;;
    *) [[ -n "${top[$n]+x}" ]] || { echo "formal: unknown proof '$n' (see --list)" >&2; exit 2; }; sel+=("$n") ;;
  esac
done

mkdir -p "$out"
# bfp_pkg.sv from the generator (the package is the same for every config; r2c2b8 is the smallest)
# (a folder per run: ctest runs several proofs at once into the same --out)
pkgdir="$out/.pkg-$$"
trap 'rm -rf "$pkgdir"' EXIT
"$bfpgen" generate "$root/configs/test/r2c2b8.yaml" -o "$pkgdir" >/dev/null
pkg="$pkgdir/bfp_pkg.sv"

# The abc engine: Yosys bit-blasts the harness to AIGER (asserts -> bad states, assumes -> constraints, free
# uninitialized flip-flops -> inputs), ABC folds the constraints and runs bmc3 for STEPS frames (0..STEPS-1, as
# yosys-smtbmc -t STEPS). A counterexample is replayed by Yosys' sim into cex.vcd, and the failed assertions' source
# lines go into log.txt. With COVER=1 a second model turns every cover(c) into assert(!c) (cover2assert.v): a
# "counterexample" there is the cover reached, none is VACUOUS. Prints PASS, FAIL, ERROR or VACUOUS.
abc_flow() {  # TOP CHPARAM MODE(prove|cover) FILES...
  local t="$1" c="$2" mode="$3"; shift 3
  local keep=$([[ $mode == prove ]] && echo "chformal -cover -remove" ||
               echo "chformal -assert -remove; techmap -map $root/scripts/formal/cover2assert.v")
  echo "read_verilog -sv -formal $pkg $*; ${c:+chparam$c $t;} prep -top $t; flatten; memory_map; opt -fast;
        async2sync; chformal -assume -early; $keep; opt_clean; setundef -undriven -anyseq; opt -keepdc -fast; dffunmap;
        techmap; opt_clean; abc -g AND -fast; opt_clean"
}
abc_proof() {  # DIR TOP CHPARAM STEPS COVER FILES...
  local d="$1" t="$2" c="$3" k="$4" cov="$5"; shift 5
  yosys -q -l "$d/yosys.log" -p "$(abc_flow "$t" "$c" prove "$@"); write_rtlil $d/model.il;
        write_aiger -zinit -map $d/model.aim $d/model.aig" >/dev/null 2>&1 || { echo ERROR; return; }
  yosys-abc -c "read_aiger $d/model.aig; fold; strash; scorr; dc2; bmc3 -F $k -v; write_cex -a $d/cex.aiw" \
    > "$d/log.txt" 2>&1 || { echo ERROR; return; }
  local f
  f=$(sed -n 's/.*was asserted in frame \([0-9]*\).*/\1/p' "$d/log.txt" | head -1)
  if [[ -n "$f" ]]; then
    # replay the counterexample: the VCD and the failed assertions (file:line of the harness); scorr may drop
    # latches, so the witness for the replay comes from a BMC of the unreduced model, now only f+1 frames deep
    yosys-abc -c "read_aiger $d/model.aig; fold; strash; bmc3 -F $((f + 1)); write_cex -a $d/cex.aiw" \
      >> "$d/log.txt" 2>&1 || true
    yosys -q -l "$d/sim.log" -p "read_rtlil $d/model.il; sim -clock clk_i -r $d/cex.aiw -map $d/model.aim \
          -vcd $d/cex.vcd -n $((f + 1))" >/dev/null 2>&1 || true
    grep -o "Assert [^ ]* ([^)]*) failed" "$d/sim.log" | sed 's/^Assert \([^ ]*\) (\(.*\)) failed/## Assert failed in \2 (\1)/' \
      >> "$d/log.txt"
    grep -q "Assert failed" "$d/log.txt" || echo "## Assert failed in frame $f (replay gave no source line: $d/sim.log)" >> "$d/log.txt"
    echo FAIL; return
  fi
  grep -q "No output asserted in $k frames" "$d/log.txt" || { echo ERROR; return; }
  if ((cov)) && grep -q "cover *(" "$@"; then
    yosys -q -l "$d/yosys-cover.log" -p "$(abc_flow "$t" "$c" cover "$@"); write_aiger -zinit $d/cover.aig" \
      >/dev/null 2>&1 || { echo ERROR; return; }
    yosys-abc -c "read_aiger $d/cover.aig; fold; strash; bmc3 -F $k -v" > "$d/cover.txt" 2>&1 || { echo ERROR; return; }
    grep -q "was asserted in frame" "$d/cover.txt" || { echo VACUOUS; return; }
  fi
  echo PASS
}

fails=0
for n in "${sel[@]}"; do
  dir="$out/$n"; rm -rf "$dir"; mkdir -p "$dir"
  files=()
  for f in ${srcs[$n]}; do files+=("$root/$f"); done
  if ((bites)); then
    [[ -n "${bite_file[$n]+x}" ]] || { echo "formal: proof '$n' has no mutant in verify/formal/bites.tsv" >&2; exit 2; }
    mutant="$dir/$(basename "${bite_file[$n]}")"
    sed -e "${bite_sed[$n]}" "$root/${bite_file[$n]}" > "$mutant"
    if cmp -s "$mutant" "$root/${bite_file[$n]}"; then
      echo "formal: the mutation of '$n' (${bite_sed[$n]}) changes nothing in ${bite_file[$n]}" >&2; exit 2
    fi
    for i in "${!files[@]}"; do [[ "${files[$i]}" == "$root/${bite_file[$n]}" ]] && files[$i]=$mutant; done
  fi
  chp=""
  IFS=',' read -ra kv <<< "${params[$n]}"
  for p in "${kv[@]}"; do [[ -n "$p" && "$p" != - ]] && chp+=" -set ${p%%=*} ${p#*=}"; done
  t0=$(date +%s.%N)
  status=PASS
  if [[ ${engine[$n]} == abc ]]; then
    status=$(abc_proof "$dir" "${top[$n]}" "$chp" "${steps[$n]}" "$((!bites))" "${files[@]}")
  elif ! yosys -q -l "$dir/yosys.log" -p "read_verilog -sv -formal $pkg ${files[*]}; \
        ${chp:+chparam$chp ${top[$n]};} prep -top ${top[$n]}; flatten; opt -fast; async2sync; dffunmap; \
        write_smt2 -wires $dir/model.smt2" >/dev/null 2>&1; then
    status=ERROR
  elif ! PYTHONUNBUFFERED=1 yosys-smtbmc -s z3 --presat -t "${steps[$n]}" --dump-vcd "$dir/cex.vcd" "$dir/model.smt2" \
        > "$dir/log.txt" 2>&1; then
    status=FAIL
  elif ((!bites)) && grep -q "cover *(" "${files[@]}"; then
    # not vacuous: the harness's cover (e.g. a command completing under stalls) is reachable
    yosys-smtbmc -s z3 -c -t "${steps[$n]}" --dump-vcd "$dir/cover.vcd" "$dir/model.smt2" > "$dir/cover.txt" 2>&1 ||
      status=VACUOUS
  fi
  secs=$(echo "$(date +%s.%N) - $t0" | bc)
  what="${engine[$n]}: $([[ $bites == 1 ]] && echo "mutant ${bite_file[$n]}: ${bite_sed[$n]}" || echo "${params[$n]}")"
  if ((bites)); then
    # a caught mutant is a failed assertion with a trace; a yosys error does not count
    if [[ $status == FAIL ]] && grep -q "Assert failed" "$dir/log.txt"; then
      printf 'CAUGHT %-22s %7.1f s  %s\n' "$n" "$secs" "$what"
      grep -m1 "Assert failed" "$dir/log.txt" | sed 's/^## *[0-9:]* */         /'
      echo "         counterexample: $dir/cex.vcd"
    else
      printf 'MISSED %-22s %7.1f s  %s (%s)\n' "$n" "$secs" "$what" "$status"; fails=$((fails + 1))
    fi
  else
    printf '%-6s %-22s %7.1f s  steps=%s  %s\n' "$status" "$n" "$secs" "${steps[$n]}" "$what"
    if [[ $status != PASS ]]; then
      fails=$((fails + 1))
      if [[ $status == ERROR ]]; then tail -5 "$dir/yosys.log"
      elif [[ $status == VACUOUS ]]; then echo "         cover not reached in ${steps[$n]} steps: $dir/cover.txt"; else
        grep -E "Assert failed|failed|Status" "$dir/log.txt" | sed 's/^/         /'
        echo "         counterexample: $dir/cex.vcd (log: $dir/log.txt)"
      fi
    fi
  fi
done
exit $((fails > 0))
