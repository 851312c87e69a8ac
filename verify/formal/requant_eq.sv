// SPDX-License-Identifier: Apache-2.0
// Proof (c): rtl/bfp_requant equals ref_requant for every block. All inputs are free in every cycle.
// Lanes == BlockSize (parallel): the result of the inputs of cycle t appears at t + 4 (four register stages),
// whatever valid_i does; the proof checks codes_o and exp_o in every cycle from the fifth on (BMC from reset: a
// block presented in any cycle is checked, so 5 steps cover every block). Lanes < BlockSize (serial): a block is
// presented with valid_i while the requantizer is idle and held stable until valid_o (bfp_requant's
// documented contract); valid_o must come 2*B/Lanes + 1 cycles later with the reference result.
module requant_eq #(
  parameter int BlockSize = 4,
  parameter int AccWidth  = 24,
  parameter int GuardBits = 2,
  parameter int Lanes     = BlockSize
) (
  input logic                          clk_i,
  input logic                          rst_ni,
  input logic                          valid_i,
  input logic                          relu_i,
  input logic [BlockSize-1:0]          lane_en_i,
  input logic [BlockSize*AccWidth-1:0] acc_m_i,
  input logic [BlockSize*9-1:0]        acc_e_i
);
  localparam int Lat = (Lanes >= BlockSize) ? 4 : 2 * BlockSize / Lanes + 1;

  logic                   valid_o;
  logic [BlockSize*8-1:0] codes_o, ref_codes;
  logic [7:0]             exp_o, ref_exp;

  bfp_requant #(.BlockSize(BlockSize), .AccWidth(AccWidth), .GuardBits(GuardBits), .Lanes(Lanes)) u_dut (
    .clk_i, .rst_ni, .valid_i, .relu_i, .lane_en_i, .acc_m_i, .acc_e_i, .valid_o, .codes_o, .exp_o);
  ref_requant #(.BlockSize(BlockSize), .AccWidth(AccWidth), .GuardBits(GuardBits)) u_ref (
    .relu_i, .lane_en_i, .acc_m_i, .acc_e_i, .codes_o(ref_codes), .exp_o(ref_exp));

  // reset in the first cycle, free afterwards
  logic init_q = 1'b1;
  logic [7:0] cyc_q = '0;
  always_ff @(posedge clk_i) begin
    init_q <= 1'b0;
    if (cyc_q != 8'hff) cyc_q <= cyc_q + 8'd1;
  end
  always_comb if (init_q) assume (!rst_ni);

  if (Lanes >= BlockSize) begin : gen_parallel
    logic [BlockSize*8-1:0] c1_q, c2_q, c3_q, c4_q;
    logic [7:0]             e1_q, e2_q, e3_q, e4_q;
    always_ff @(posedge clk_i) begin
      c1_q <= ref_codes; c2_q <= c1_q; c3_q <= c2_q; c4_q <= c3_q;
      e1_q <= ref_exp;   e2_q <= e1_q; e3_q <= e2_q; e4_q <= e3_q;
    end
    always_comb if (cyc_q >= 8'd4) begin
      assert (codes_o == c4_q);
      assert (exp_o == e4_q);
    end
  end else begin : gen_serial
    // one block in flight: valid_i only when idle, inputs stable while busy, no reset while busy
    logic       busy_q = 1'b0;
    logic [7:0] age_q;
    logic [BlockSize*8-1:0] c_q;
    logic [7:0]             e_q;
    logic                   relu_q;
    logic [BlockSize-1:0]   en_q;
    logic [BlockSize*AccWidth-1:0] m_q;
    logic [BlockSize*9-1:0]        ex_q;
    always_ff @(posedge clk_i) begin
      if (!rst_ni) busy_q <= 1'b0;
      else if (valid_i && !busy_q) begin
        busy_q <= 1'b1; age_q <= 8'd1;
        c_q <= ref_codes; e_q <= ref_exp;
        relu_q <= relu_i; en_q <= lane_en_i; m_q <= acc_m_i; ex_q <= acc_e_i;
      end else if (busy_q) begin
        age_q <= age_q + 8'd1;
        if (age_q == 8'(Lat)) busy_q <= 1'b0;
      end
    end
    always_comb begin
      if (busy_q) begin
        assume (rst_ni && !valid_i);
        assume (relu_i == relu_q && lane_en_i == en_q && acc_m_i == m_q && acc_e_i == ex_q);
      end
      if (!init_q && rst_ni) begin
        assert (valid_o == (busy_q && age_q == 8'(Lat)));
        if (valid_o) begin
          assert (codes_o == c_q);
          assert (exp_o == e_q);
        end
      end
    end
  end
endmodule
