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
  // Level l of the tree (a generate block of its own) holds Leaves >> l sums of l + 1 bits; level 0 is the bits.
  // One continuous assignment per adder, each as wide as its sum: Verilator evaluates the adders as separate
  // small nodes (a procedural loop over one flat vector of the whole tree simulated the default config ~1.6x
  // slower), and synthesis gets the same narrow adders as before.
  localparam int Levels = $clog2(Width);
  localparam int Leaves = 1 << Levels;
  logic [Leaves-1:0] padded;
  assign padded = Leaves'(bits_i);
  for (genvar l = 0; l <= Levels; l++) begin : gen_lvl
    logic [(Leaves >> l)*(l + 1)-1:0] s;
    if (l == 0) begin : gen_bits
      assign s = padded;
    end else begin : gen_sums
      for (genvar n = 0; n < (Leaves >> l); n++) begin : gen_node
        assign s[n*(l + 1) +: l + 1] = (l + 1)'(gen_lvl[l - 1].s[2*n*l +: l]) +
                                       (l + 1)'(gen_lvl[l - 1].s[(2*n + 1)*l +: l]);
      end
    end
  end
  assign count_o = CntBits'(gen_lvl[Levels].s);
endmodule
// bfp-group: operand buffers
