// SPDX-License-Identifier: Apache-2.0
// Formal reference of one aligned accumulation step, written from docs/arithmetic.md section 3 step 2
// and nothing else (not from rtl/bfp_acc_align.sv): shifts and the sum are done on 128-bit integers (wider than
// any W the config allows, up to 64, plus a carry), so no width of the RTL appears here except the result width W.
module ref_align #(
  parameter int AccWidth  = 24,  /// W
  parameter int GuardBits = 2,   /// F
  parameter int ProdWidth = 20   /// bits of the block product p
) (
  input  logic signed [AccWidth-1:0]  m_i,   /// accumulator mantissa m
  input  logic        [8:0]           e_i,   /// accumulator exponent sum e
  input  logic signed [ProdWidth-1:0] p_i,   /// block product p
  input  logic        [8:0]           pe_i,  /// block exponent sum pe
  output logic signed [AccWidth-1:0]  m_o,   /// m after the step
  output logic        [8:0]           e_o    /// e after the step
);
  logic signed [127:0] m, pm, a, b, sum;
  integer en, da, db;
  always_comb begin
    m  = 128'(m_i);                          // sign-extended
    pm = 128'(p_i) * (128'sd1 <<< GuardBits); // p * 2^F, exact
    // E' = (m == 0) ? pe : max(e, pe)
    if (m == 0) en = pe_i;
    else en = (e_i > pe_i) ? e_i : pe_i;
    da = en - e_i;
    db = en - pe_i;
    if (da > AccWidth - 1) da = AccWidth - 1;
    if (db > AccWidth - 1) db = AccWidth - 1;
    // m >>> shift (m == 0: 0 whatever the shift, including a "negative" one)
    a   = (m == 0) ? 128'sd0 : (m >>> da);
    b   = pm >>> db;
    sum = a + b;
    if (p_i == 0) begin
      m_o = m_i;
      e_o = e_i;
    end else begin
      e_o = 9'(en);
      if (sum > (128'sd1 <<< (AccWidth - 1)) - 1) m_o = AccWidth'((128'sd1 <<< (AccWidth - 1)) - 1);
      else if (sum < -(128'sd1 <<< (AccWidth - 1))) m_o = AccWidth'(-(128'sd1 <<< (AccWidth - 1)));
      else m_o = AccWidth'(sum);
    end
  end
endmodule
