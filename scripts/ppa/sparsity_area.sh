#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Area cost of the sparsity knob: the same config with sparsity none / activations / both, each synthesized
# with the Yosys generic flow (`synth -top bfp_top; stat`, hierarchical) with every bfp_sram a black box (the ASIC
# flow's rtl/tech/bfp_sram_asic.sv with MinDepth 1: a black box instantiated inside bfp_sram, because Yosys
# 0.23 drops a black box whose outputs feed an unpacked array directly, as the activation banks do), so logic is
# counted in generic cells and the buffers in SRAM bits. Writes out/ppa/sparsity/<name>_<variant>/ (RTL,
# yosys_generic.log, yosys_generic_stat.txt, generic.json) and the table out/ppa/sparsity_area.md.
#
#   scripts/ppa/sparsity_area.sh [CONFIG]           default configs/default.yaml
#
# Environment: ROWS, COLS: override the array size (a smaller same-shape variant when the full one is too
# slow to synthesize; the table says so); SPARSITY_VARIANTS: the variants to synthesize, in order (default
# "none activations both"; the table's ratios are against the first), e.g. "both" alone to measure one RTL
# change on a large config; BFPGEN, PPA_OUT.
source "$(dirname "$0")/lib.sh"
config=${1:-$ROOT/configs/default.yaml}
ppa_need yosys python3
variants=(${SPARSITY_VARIANTS:-none activations both})
[[ ${#variants[@]} -gt 0 ]] || ppa_die "SPARSITY_VARIANTS is empty (expected some of: none activations both)"
for v in "${variants[@]}"; do
  case $v in none | activations | both) ;; *) ppa_die "SPARSITY_VARIANTS: unknown variant '$v' (expected none, activations or both)" ;; esac
done
ppa_init "$config"  # base RTL and manifest: out/ppa/<name>/rtl
base_name=$NAME
base_manifest=$OUT/rtl/manifest.json
root_out=${PPA_OUT:-$ROOT/out/ppa}
overrides=()
[[ -n ${ROWS:-} ]] && overrides+=("array.rows=$ROWS")
[[ -n ${COLS:-} ]] && overrides+=("array.cols=$COLS")
mkdir -p "$root_out/sparsity"
rows_file=$root_out/sparsity/rows.jsonl
: >"$rows_file"
t_all=$SECONDS
for v in "${variants[@]}"; do
  cfg=$root_out/sparsity/${base_name}_$v.yaml
  $PPA_PY config-variant "$base_manifest" "${base_name}_$v" "sparsity=$v" "${overrides[@]}" >"$cfg"
  PPA_OUT=$root_out/sparsity ppa_init "$cfg"
  rtl=()
  for f in "${RTL_FILES[@]}"; do [[ $(basename "$f") == bfp_sram.sv ]] || rtl+=("$f"); done
  cat >"$OUT/generic.ys" <<EOS
read_verilog -sv ${rtl[*]} $ROOT/rtl/tech/bfp_sram_asic.sv
chparam -set MinDepth 1 bfp_sram
hierarchy -check -top bfp_top
synth -top bfp_top
tee -o $OUT/yosys_generic_stat.txt stat
write_json $OUT/generic.json
EOS
  t0=$SECONDS
  ppa_run yosys_generic.log yosys -q -l "$OUT/yosys_generic.log" "$OUT/generic.ys" ||
    ppa_die "yosys failed, see $OUT/yosys_generic.log"
  $PPA_PY sparsity-row "$OUT" "$v" "$((SECONDS - t0))" >>"$rows_file"
done
shape=$(python3 -c "import json; c=json.load(open('$OUT/rtl/manifest.json'))['config']; print(f\"{c['array']['rows']}x{c['array']['cols']}\")")
note="Config '$base_name' ($config) with the array at $shape"
[[ ${#overrides[@]} -gt 0 ]] && note+=" (REDUCED from the config's size: ${overrides[*]}; block size, buffers and memory port unchanged)"
note+=". Yosys 0.23 generic synthesis (\`synth -top bfp_top\`, hierarchical), bfp_sram black-boxed; generic cells"
note+=" are Yosys internal gates (\$_AND_, \$_DFF_P_, ...) summed over all module instances, SRAM excluded; SRAM bits"
note+=" = sum of Width x Depth over the bfp_sram instances. Logs: out/ppa/sparsity/<config>_<variant>/yosys_generic.log."
note+=" Total runtime $((SECONDS - t_all)) s."
$PPA_PY sparsity-table "$rows_file" "$root_out/sparsity_area.md" "$note"
