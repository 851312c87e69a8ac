#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# iCE40 flow: generate the RTL of CONFIG, wrap it in the FPGA shell (rtl/fpga/bfp_fpga_shell.sv), synthesize with
# Yosys synth_ice40 and place and route with nextpnr-ice40 on each DEVICE (up5k: SG48 package, with -dsp;
# hx8k: CT256, no DSP blocks). Writes into out/ppa/<config>/: yosys_ice40_<dev>.log, nextpnr_ice40_<dev>.log,
# nextpnr_ice40_<dev>_report.json, ice40_<dev>.asc/.bin when it fits, fpga_ice40_<dev>.json and ppa.md.
#
#   fpga/ice40.sh CONFIG [DEVICE...]        DEVICE: up5k, hx8k (default: both)
#
# Environment: FREQ_MHZ (clock constraint, default 48: above what these designs reach, so nextpnr keeps
# optimizing and the report gives the achieved Fmax), ICE40_SYNTH_OPTS (default "-abc9 -no-rw-check"),
# ICE40_BREAKDOWN (devices that also get a hierarchical synthesis for the per-module table; default up5k),
# ICE40_SEEDS (nextpnr seeds tried in turn while placement alone fails; default "default 3"), BFPGEN, PPA_OUT.
# A design that does not fit is not an error of the flow: the JSON says "fits": false and names the resource.
source "$(dirname "$0")/../scripts/ppa/lib.sh"
[[ $# -ge 1 ]] || { sed -n "2,12p" "$0"; exit 2; }
config=$1; shift
devices=("$@"); [[ ${#devices[@]} -gt 0 ]] || devices=(up5k hx8k)
FREQ_MHZ=${FREQ_MHZ:-48}
# -abc9: timing-driven LUT mapping (fewer LUTs here); -no-rw-check: no bypass logic for a read and a write of
# the same bfp_sram word in one cycle, which the command dispatcher never issues (docs/ppa.md).
SYNTH_OPTS=${ICE40_SYNTH_OPTS:--abc9 -no-rw-check}
ppa_need yosys nextpnr-ice40 icepack python3
ppa_init "$config"
shell_sv=$ROOT/rtl/fpga/bfp_fpga_shell.sv

for dev in "${devices[@]}"; do
  case $dev in
    up5k) pnr_dev=(--up5k --package sg48); dsp=-dsp; pcf=$ROOT/constraints/ice40_up5k_sg48.pcf ;;
    hx8k) pnr_dev=(--hx8k --package ct256); dsp=; pcf=$ROOT/constraints/ice40_hx8k_ct256.pcf ;;
    *) ppa_die "unknown device '$dev' (up5k, hx8k)" ;;
  esac
  rm -f "$OUT"/ice40_"$dev".{asc,bin,json} "$OUT"/nextpnr_ice40_"$dev"_report.json
  read_rtl="read_verilog -sv ${RTL_FILES[*]} $shell_sv
chparam -set MemWidth $MEM_WIDTH -set AddrWidth $ADDR_WIDTH bfp_fpga_shell"
  cat >"$OUT/ice40_$dev.ys" <<EOF
$read_rtl
synth_ice40 $dsp $SYNTH_OPTS -top bfp_fpga_shell -json $OUT/ice40_$dev.json
tee -o $OUT/yosys_ice40_${dev}_stat.txt stat
EOF
  ppa_run "yosys_ice40_$dev.log" yosys -q -l "$OUT/yosys_ice40_$dev.log" "$OUT/ice40_$dev.ys" ||
    ppa_die "yosys failed, see $OUT/yosys_ice40_$dev.log"
  if [[ " ${ICE40_BREAKDOWN:-up5k} " == *" $dev "* ]]; then
    cat >"$OUT/ice40_${dev}_hier.ys" <<EOF
$read_rtl
synth_ice40 $dsp $SYNTH_OPTS -noflatten -top bfp_fpga_shell
write_json $OUT/ice40_${dev}_hier.json
EOF
    ppa_run "yosys_ice40_${dev}_hier.log" yosys -q -l "$OUT/yosys_ice40_${dev}_hier.log" "$OUT/ice40_${dev}_hier.ys" ||
      ppa_die "yosys failed, see $OUT/yosys_ice40_${dev}_hier.log"
  else
    rm -f "$OUT/ice40_${dev}_hier.json"
  fi
  # nextpnr exits 1 when timing fails unless --timing-allow-fail, and when the design does not fit:
  # both are results, not flow errors, so the exit status is only recorded in the log.
  # Near the device's limit (up5k_1x2 uses 98% of the logic cells) the analytic placer's legalisation can fail
  # for one seed and succeed for another: one LUT more from an unrelated RTL change made nextpnr's default seed
  # fail ("Unable to find legal placement", after 466 s) and seed 3 pass (seed 2 was still legalising after
  # 5 min: docs/ppa.md "iCE40"). So only that failure is retried, with the next seed of ICE40_SEEDS; a design that
  # lacks cells, RAM or DSPs fails on every seed and is not retried. The log is the last attempt's and names its
  # seed.
  for seed in ${ICE40_SEEDS:-default 3}; do
    seed_arg=(); [[ $seed == default ]] || seed_arg=(--seed "$seed")
    ppa_run "nextpnr_ice40_$dev.log" nextpnr-ice40 "${pnr_dev[@]}" --pcf "$pcf" --freq "$FREQ_MHZ" \
      --timing-allow-fail "${seed_arg[@]}" --json "$OUT/ice40_$dev.json" --asc "$OUT/ice40_$dev.asc" \
      --report "$OUT/nextpnr_ice40_${dev}_report.json" || true
    echo "ice40.sh: nextpnr seed: $seed" >>"$OUT/nextpnr_ice40_$dev.log"
    grep -q "Unable to find legal placement" "$OUT/nextpnr_ice40_$dev.log" || break
    [[ -s $OUT/ice40_$dev.asc ]] && break
    echo "  nextpnr seed $seed: no legal placement, next seed" >&2
  done
  [[ -s $OUT/ice40_$dev.asc ]] && { icepack "$OUT/ice40_$dev.asc" "$OUT/ice40_$dev.bin" || true; }
  [[ -s $OUT/ice40_$dev.asc ]] || rm -f "$OUT/ice40_$dev.asc"
  $PPA_PY ice40 "$OUT" "$dev" "$FREQ_MHZ"
done
$PPA_PY summary "$OUT" >/dev/null
