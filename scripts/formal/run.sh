#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the formal proofs of verify/formal/proofs.tsv (docs/formal.md) with Yosys 0.23 + yosys-smtbmc + z3.
#   scripts/formal/run.sh [options] [PROOF|fast|all ...]     default: all
#     --bites        instead of the proofs, run each proof on its mutant (verify/formal/bites.tsv) and require
#                    a counterexample: shows that every property can fail
#     --out DIR      work folder (default build/formal); per proof: DIR/NAME/{log.txt,model.smt2,cex.vcd}
#     --bfpgen PATH  bfpgen binary that writes bfp_pkg.sv (default build/bfpgen)
#     --list         print the proofs and exit
# Prints one line per proof (PASS/FAIL, seconds); exit status 1 when any proof fails (or, with --bites,
# when any mutant is NOT caught), 2 on a usage error. A failing proof prints the failed assertion and the
# counterexample trace file (VCD). The leaf RTL is read from rtl/ directly, so an edit there needs no rebuild;
# the package bfp_pkg.sv comes from `bfpgen generate` (one source of truth: host/command_format.h).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/build/formal"
bfpgen="$root/build/bfpgen"
bites=0
names=()
while (($#)); do
  case "$1" in
    --bites) bites=1 ;;
    --out) out=$(realpath -m "${2:?--out needs a folder}"); shift ;;
    --bfpgen) bfpgen=$(realpath -m "${2:?--bfpgen needs a path}"); shift ;;
    --list) awk -F'\t' '!/^#/ && NF {printf "%-22s %-5s steps=%-3s %s\n", $1, $2, $3, $5}' "$root/verify/formal/proofs.tsv"; exit 0 ;;
    -h|--help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "formal: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done
((${#names[@]})) || names=(all)
for tool in yosys yosys-smtbmc z3; do
  command -v "$tool" >/dev/null || { echo "formal: '$tool' not found (run scripts/install-deps.sh)" >&2; exit 2; }
done
[[ -x "$bfpgen" ]] || { echo "formal: bfpgen not found at $bfpgen (build first, or pass --bfpgen)" >&2; exit 2; }

# the proof table: name, speed (fast = part of make test), BMC steps, top module, parameters, sources
declare -A speed steps top params srcs
order=()
while IFS=$'\t' read -r n s k t p f; do
  [[ -z "$n" || "$n" == \#* ]] && continue
  speed[$n]=$s; steps[$n]=$k; top[$n]=$t; params[$n]=$p; srcs[$n]=$f; order+=("$n")
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
  if ! yosys -q -l "$dir/yosys.log" -p "read_verilog -sv -formal $pkg ${files[*]}; \
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
  what=$([[ $bites == 1 ]] && echo "mutant ${bite_file[$n]}: ${bite_sed[$n]}" || echo "${params[$n]}")
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
