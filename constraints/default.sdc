# SPDX-License-Identifier: Apache-2.0
# ASIC timing constraints of config 'default' (scripts/ppa/asic.sh, docs/ppa.md): a 100 MHz target clock on
# clk_i, ideal (no clock tree, skew or jitter); I/O paths get the full period (the accelerator's ports are
# registered or feed registers on both sides of a real system), inputs driven by a BUFX4, outputs load 0.02 pF.
# The achievable clock is derived from the worst setup slack (period - WNS), so the target only steers abc -D.
create_clock -name clk -period 10 [get_ports clk_i]
set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk_i]]
set_output_delay 0 -clock clk [all_outputs]
set_driving_cell -lib_cell BUFX4 -pin Y [all_inputs]
set_load 0.02 [all_outputs]
