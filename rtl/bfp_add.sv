// SPDX-License-Identifier: Apache-2.0
// Width-bit adder (sum modulo 2^Width) on the accumulator loop of bfp_acc_align. This generic version is a `+`:
// FPGA flows map it onto their carry chains (iCE40 SB_CARRY, Xilinx CARRY4), Verilator and Icarus simulate it.
// The ASIC flow (scripts/ppa/asic.sh) reads rtl/tech/bfp_add_asic.sv instead, a Kogge-Stone parallel-prefix
// adder with the same ports, because Yosys and abc map a `+` to a ripple carry on a standard-cell library
// (docs/ppa.md "Clock: the aligned add"); the formal proofs add_w33, align_b8 and align_b4 cover both versions.
module bfp_add #(
  parameter int Width = 33  /// bits of the operands and of the sum
) (
  input  logic [Width-1:0] a_i,   /// operand
  input  logic [Width-1:0] b_i,   /// operand
  output logic [Width-1:0] sum_o  /// a_i + b_i modulo 2^Width
);
  assign sum_o = a_i + b_i;
endmodule
// bfp-group: PE array
