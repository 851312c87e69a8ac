#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Shows that the AXI protocol checkers and the WAIT ordering test can fail (docs/assertions.md): each case copies
# rtl/ into a scratch folder, plants one bug with sed, runs one test of build/tests/axi_rtl_test on r2c2b8 against it
# (BFP_RTL_SOURCE_DIR: the generator reads the leaves from there, the model cache keys that model apart) and expects
# the named rule in the output. Usage: scripts/axi_bites.sh [BUILD_DIR]  (default build); about 1 minute per case.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/bfp-axi-bites.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export BFP_MODEL_CACHE=${BFP_MODEL_CACHE:-$scratch/cache}
failed=0
bite() {  # name file sed-expression rule gtest-filter
  local d=$scratch/$1
  mkdir -p "$d" && cp "$root"/rtl/*.sv "$d"/
  sed -i "$3" "$d/$2"
  if cmp -s "$root/rtl/$2" "$d/$2"; then echo "BITE $1: the sed expression changed nothing"; failed=1; return; fi
  (cd "$root" && BFP_RTL_SOURCE_DIR=$d "$build/tests/axi_rtl_test" --gtest_filter="$5") > "$d.log" 2>&1
  if grep -q "$4" "$d.log"; then echo "BITE $1: $4 fired"; else echo "BITE $1: $4 NOT seen (log $d.log)"; failed=1; fi
}
q="'"
bite arsize bfp_axi_rd.sv "s/assign m_axi_arsize_o  = 3${q}(\$clog2(Beat));/assign m_axi_arsize_o  = 3${q}d0;/" \
  AXI_AR_BURST '*RandomStalls*/r2c2b8'
bite awsize bfp_axi_wr.sv "s/assign m_axi_awsize_o  = 3${q}(\$clog2(Beat));/assign m_axi_awsize_o  = 3${q}d0;/" \
  AXI_AW_BURST '*RandomStalls*/r2c2b8'
bite wlast bfp_axi_wr.sv 's/assign m_axi_wlast_o  = wcnt_q == w_len;/assign m_axi_wlast_o  = wcnt_q != w_len;/' \
  AXI_WLAST '*RandomStalls*/r2c2b8'
bite wearly bfp_axi_wr.sv 's/assign m_axi_wvalid_o = (w_q != aw_q)/assign m_axi_wvalid_o = (w_q != wp_q)/' \
  AXI_W_EARLY '*RandomStalls*/r2c2b8'
bite rearly bfp_axil_regs.sv "s/      end else if (s_axil_rready_i) begin/      end else if (1${q}b0) begin/" \
  AXIL_R_EARLY '*Identity*/r2c2b8'
bite bearly bfp_axil_regs.sv "s/      end else if (s_axil_bready_i) begin/      end else if (1${q}b0) begin/" \
  AXIL_B_EARLY '*Doorbell*/r2c2b8'
bite waitgate bfp_axil_regs.sv 's/  assign cmd_tvalid_o = !fifo_empty \&\& (!head_wait .*$/  assign cmd_tvalid_o = !fifo_empty;/' \
  ar_during_writes '*WaitCommands*/r2c2b8'
exit $failed
