// SPDX-License-Identifier: Apache-2.0
// Number of set bits of bits_i, as a balanced tree of adders (depth log2(Width)). `$countones` and a running
// sum give the same function, but Yosys 0.23 builds them as one adder chain over all bits: in the row
// sequencers that chain was the critical path of the default config (docs/ppa.md "Clock").
module bfp_popcount #(
  parameter int Width   = 16,                     /// bits counted
  parameter int CntBits = $clog2(Width + 1)       /// derived: do not override
) (
  input  logic [Width-1:0]   bits_i,   /// the bits
  output logic [CntBits-1:0] count_o   /// how many are 1
);
  // heap layout: node n (1 = root) at [n*CntBits +: CntBits], leaves Leaves..2*Leaves-1, children 2n and 2n+1
  localparam int Leaves = 1 << $clog2(Width);
  logic [Leaves-1:0]           padded;
  logic [2*Leaves*CntBits-1:0] node;
  assign padded = Leaves'(bits_i);
  always_comb begin
    node = '0;
    for (int i = 0; i < Leaves; i++) node[(Leaves + i)*CntBits +: CntBits] = CntBits'(padded[i]);
    for (int n = Leaves - 1; n >= 1; n--)
      node[n*CntBits +: CntBits] = node[2*n*CntBits +: CntBits] + node[(2*n + 1)*CntBits +: CntBits];
  end
  assign count_o = node[CntBits +: CntBits];

  logic unused;
  assign unused = ^node[0 +: CntBits];
endmodule
// bfp-group: operand buffers
