read_liberty /usr/share/qflow/tech/osu018/osu018_stdcells.lib
read_verilog net.v
link_design bfp_dma_packed
create_clock -name clk -period 6.67 [get_ports clk_i]
set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk_i]]
set_output_delay 0 -clock clk [all_outputs]
set_driving_cell -lib_cell BUFX4 -pin Y [all_inputs]
set_load 0.02 [all_outputs]
report_checks -path_delay max -digits 2 -fields {net}
report_checks -path_delay max -format end -slack_max 0 -group_count 100000 -endpoint_count 1 -digits 2
exit
