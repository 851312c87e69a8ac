// SPDX-License-Identifier: Apache-2.0
// One byte of a word, chosen by its index: the read multiplexer of the operand buffers (a code or an exponent
// out of a memory word). Written as an AND-OR over one-hot decoded lanes rather than `word[8*sel +: 8]`, for
// energy (docs/ppa.md "Byte selects as one-hot AND-OR"): Yosys 0.23 builds the indexed part-select as a log
// shifter, in which a new select switches every stage and a new word switches the first stage for every byte.
// Here a new select switches the gates of the old and the new lane and their OR paths, a new word only the
// selected lane. Sparse walkers move the select by several elements per step and read a new word every few
// steps, so the shifter toggled in full each step. Same function: a select beyond the word cannot occur (Bytes
// is a power of two, sel_i has exactly its bits).
module bfp_byte_sel #(
  parameter int Bytes   = 32,                               /// bytes in the word, a power of two
  parameter int SelBits = $clog2(Bytes > 1 ? Bytes : 2)     /// derived: bits of the byte index
) (
  input  logic [8*Bytes-1:0] word_i,  /// the word
  input  logic [SelBits-1:0] sel_i,   /// index of the byte
  output logic [7:0]         byte_o   /// word_i[8*sel_i +: 8]
);
`ifndef __ICARUS__
  if (Bytes < 1 || (Bytes & (Bytes - 1)) != 0) begin : gen_bad_bytes
    $error("bfp_byte_sel: Bytes must be a power of two");
  end
`endif
  always_comb begin
    byte_o = '0;
    for (int i = 0; i < Bytes; i++) byte_o = byte_o | (word_i[8*i +: 8] & {8{sel_i == SelBits'(i)}});
  end
endmodule
// bfp-group: operand buffers
