// SPDX-License-Identifier: Apache-2.0
// Proof (b): rtl/bfp_acc_align equals ref_align for every input (m, e, p, pe), all of them free.
// Combinational, so one step of yosys-smtbmc is a complete proof.
module align_eq #(
  parameter int AccWidth  = 24,
  parameter int GuardBits = 2,
  parameter int ProdWidth = 20
) (
  input logic signed [AccWidth-1:0]  m_i,
  input logic        [8:0]           e_i,
  input logic signed [ProdWidth-1:0] p_i,
  input logic        [8:0]           pe_i
);
  logic signed [AccWidth-1:0] dut_m, ref_m;
  logic        [8:0]          dut_e, ref_e;

  bfp_acc_align #(.AccWidth(AccWidth), .GuardBits(GuardBits), .ProdWidth(ProdWidth)) u_dut (
    .acc_m_i(m_i), .acc_e_i(e_i), .prod_i(p_i), .prod_e_i(pe_i), .acc_m_o(dut_m), .acc_e_o(dut_e));
  ref_align #(.AccWidth(AccWidth), .GuardBits(GuardBits), .ProdWidth(ProdWidth)) u_ref (
    .m_i(m_i), .e_i(e_i), .p_i(p_i), .pe_i(pe_i), .m_o(ref_m), .e_o(ref_e));

  always_comb begin
    assert (dut_m == ref_m);
    assert (dut_e == ref_e);
  end
endmodule
