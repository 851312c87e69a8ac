// SPDX-License-Identifier: Apache-2.0
// One field of a vector of fields, chosen by a one-hot select: an AND-OR, for energy (docs/ppa.md "Row
// sequencer selects as one-hot AND-OR"). Yosys 0.23 builds an indexed part-select `vec[w*idx +: w]` as a log
// shifter, in which every stage switches with a new index; here a new select switches the old and the new
// field's gates and their OR paths. The row sequencers' walkers select a block's base and exponent by its
// ordinal, decoded once per walker. A select with no bit set gives zero; with several, their OR.
module bfp_onehot_sel #(
  parameter int Fields    = 32,  /// fields in the vector
  parameter int FieldBits = 8    /// bits per field
) (
  input  logic [Fields*FieldBits-1:0] vec_i,    /// field f at [f*FieldBits +: FieldBits]
  input  logic [Fields-1:0]           sel_i,    /// one-hot: bit f selects field f
  output logic [FieldBits-1:0]        field_o   /// the selected field
);
`ifndef __ICARUS__
  if (Fields < 1 || FieldBits < 1) begin : gen_bad_params
    $error("bfp_onehot_sel: Fields and FieldBits must be >= 1");
  end
`endif
  always_comb begin
    field_o = '0;
    for (int f = 0; f < Fields; f++) field_o = field_o | (vec_i[f*FieldBits +: FieldBits] & {FieldBits{sel_i[f]}});
  end
endmodule
// bfp-group: operand buffers
