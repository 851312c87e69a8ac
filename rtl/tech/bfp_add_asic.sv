// SPDX-License-Identifier: Apache-2.0
// ASIC-flow replacement of rtl/bfp_add.sv (scripts/ppa/asic.sh reads it instead of the generated bfp_add.sv):
// the same sum as a Kogge-Stone parallel-prefix network, log2(Width) levels of generate/propagate pairs. Yosys
// 0.23 and abc map a `+` to a ripple carry whatever the delay target (33 bits at osu018: 4.40 ns against 3.01 ns
// for this network, measured on a registered adder alone, docs/ppa.md "Clock: the aligned add"), and this adder
// closes the PE's accumulator loop. One continuous assignment per node (flat vectors, constant slices).
module bfp_add #(
  parameter int Width = 33  /// bits of the operands and of the sum
) (
  input  logic [Width-1:0] a_i,   /// operand
  input  logic [Width-1:0] b_i,   /// operand
  output logic [Width-1:0] sum_o  /// a_i + b_i modulo 2^Width
);
  localparam int Levels = (Width > 1) ? $clog2(Width) : 0;
  // level l (0..Levels) at [l*Width +: Width]: bit i's group generate / propagate over bits i-2^l+1 .. i
  logic [(Levels+1)*Width-1:0] g /*verilator split_var*/, p /*verilator split_var*/;
  assign g[Width-1:0] = a_i & b_i;
  assign p[Width-1:0] = a_i ^ b_i;
  for (genvar l = 0; l < Levels; l++) begin : gen_level
    for (genvar i = 0; i < Width; i++) begin : gen_bit
      if (i >= (1 << l)) begin : gen_node
        assign g[(l+1)*Width + i] = g[l*Width + i] | (p[l*Width + i] & g[l*Width + i - (1 << l)]);
        assign p[(l+1)*Width + i] = p[l*Width + i] & p[l*Width + i - (1 << l)];
      end else begin : gen_pass
        assign g[(l+1)*Width + i] = g[l*Width + i];
        assign p[(l+1)*Width + i] = p[l*Width + i];
      end
    end
  end
  // bit i: its own propagate XOR the carry out of bits 0..i-1 (the group generate of bit i-1 at the last level)
  if (Width > 1) begin : gen_sum
    assign sum_o = p[Width-1:0] ^ {g[Levels*Width +: Width-1], 1'b0};
  end else begin : gen_sum1
    assign sum_o = p[0];
  end
endmodule
