// SPDX-License-Identifier: Apache-2.0
// AXI4-Lite protocol checker (docs/assertions.md) on the control slave ports of bfp_axi_top: the host's requests
// and the slave's responses alike. Valid/ready rules per channel are bfp_chk_handshake's (u_aw, u_w, u_b, u_ar,
// u_r); on top of them:
//   AXIL_B_EARLY   a B response only after as many AW and W transfers as B responses so far (plus this one)
//   AXIL_R_EARLY   an R response only for an accepted AR
// Only under `ifdef BFP_ASSERT, like bfp_chk_handshake.
module bfp_chk_axil (
  input logic        clk_i,      /// clock
  input logic        rst_ni,     /// active-low synchronous reset
  input logic        awvalid_i,  /// AW channel
  input logic        awready_i,  /// AW channel
  input logic [11:0] awaddr_i,   /// AW channel
  input logic [2:0]  awprot_i,   /// AW channel
  input logic        wvalid_i,   /// W channel
  input logic        wready_i,   /// W channel
  input logic [31:0] wdata_i,    /// W channel
  input logic [3:0]  wstrb_i,    /// W channel
  input logic        bvalid_i,   /// B channel
  input logic        bready_i,   /// B channel
  input logic [1:0]  bresp_i,    /// B channel
  input logic        arvalid_i,  /// AR channel
  input logic        arready_i,  /// AR channel
  input logic [11:0] araddr_i,   /// AR channel
  input logic [2:0]  arprot_i,   /// AR channel
  input logic        rvalid_i,   /// R channel
  input logic        rready_i,   /// R channel
  input logic [31:0] rdata_i,    /// R channel
  input logic [1:0]  rresp_i     /// R channel
);
`ifdef BFP_ASSERT
  bfp_chk_handshake #(.Width(15)) u_aw (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(awvalid_i), .ready_i(awready_i), .data_i({awaddr_i, awprot_i}));
  bfp_chk_handshake #(.Width(36)) u_w (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(wvalid_i), .ready_i(wready_i), .data_i({wdata_i, wstrb_i}));
  bfp_chk_handshake #(.Width(2)) u_b (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(bvalid_i), .ready_i(bready_i), .data_i(bresp_i));
  bfp_chk_handshake #(.Width(15)) u_ar (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(arvalid_i), .ready_i(arready_i), .data_i({araddr_i, arprot_i}));
  bfp_chk_handshake #(.Width(34)) u_r (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(rvalid_i), .ready_i(rready_i), .data_i({rdata_i, rresp_i}));

  logic [31:0] aw_q, w_q, b_q, ar_q, r_q;  // transfers so far per channel
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      aw_q <= '0;
      w_q  <= '0;
      b_q  <= '0;
      ar_q <= '0;
      r_q  <= '0;
    end else begin
      aw_q <= aw_q + 32'(awvalid_i && awready_i);
      w_q  <= w_q + 32'(wvalid_i && wready_i);
      b_q  <= b_q + 32'(bvalid_i && bready_i);
      ar_q <= ar_q + 32'(arvalid_i && arready_i);
      r_q  <= r_q + 32'(rvalid_i && rready_i);
      // a response may come in the cycle after its request: compare with the counts before this cycle
      if (bvalid_i) assert (b_q < aw_q && b_q < w_q) else $error("AXIL_B_EARLY: a B response without its AW and W");
      if (rvalid_i) assert (r_q < ar_q) else $error("AXIL_R_EARLY: an R response without its AR");
    end
  end
`else
  logic unused_ports;
  assign unused_ports = ^{clk_i, rst_ni, awvalid_i, awready_i, awaddr_i, awprot_i, wvalid_i, wready_i, wdata_i,
                          wstrb_i, bvalid_i, bready_i, bresp_i, arvalid_i, arready_i, araddr_i, arprot_i, rvalid_i,
                          rready_i, rdata_i, rresp_i};
`endif
endmodule
// bfp-group: verification
