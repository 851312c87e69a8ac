// SPDX-License-Identifier: Apache-2.0
// AXI4 protocol checker (docs/assertions.md) on the memory master ports of bfp_axi_top: it sees every signal of
// the five channels as an input, so it checks the master (bfp_axi_rd, bfp_axi_wr) and the memory that answers it
// alike. The valid/ready rules of each channel are bfp_chk_handshake's (u_aw, u_w, u_b, u_ar, u_r: HS_HOLD,
// HS_STABLE, HS_KNOWN); on top of them:
//   AXI_AW_BURST / AXI_AR_BURST  INCR, full-width beats (size = log2(bytes)), beat-aligned address,
//                                len + 1 <= MaxBurst, and the burst does not cross a 4 KiB boundary
//   AXI_W_EARLY                  a W beat only for an accepted AW (the master sends AW first; AXI would allow
//                                W first, this design never does it)
//   AXI_WLAST                    WLAST on the last beat of each burst and only there
//   AXI_B_EARLY                  a B response only for a burst whose AW and last W beat were accepted
//   AXI_R_UNREQUESTED            RVALID only while a read burst is outstanding (its AR accepted earlier)
//   AXI_RLAST                    RLAST on the last beat of each read burst and only there
//   AXI_CHK_DEPTH                more than 32 bursts queued in the checker (it cannot follow)
// Written like bfp_chk_handshake: immediate assertions in a clocked block, only under `ifdef BFP_ASSERT.
module bfp_chk_axi #(
  parameter int DataWidth = 64,  /// data bits
  parameter int AddrWidth = 32,  /// address bits
  parameter int IdWidth   = 4,   /// ID bits
  parameter int MaxBurst  = 16   /// longest legal burst (beats)
) (
  input logic                   clk_i,      /// clock
  input logic                   rst_ni,     /// active-low synchronous reset: no rule applies while it is low
  input logic [IdWidth-1:0]     awid_i,     /// AW channel
  input logic [AddrWidth-1:0]   awaddr_i,   /// AW channel
  input logic [7:0]             awlen_i,    /// AW channel
  input logic [2:0]             awsize_i,   /// AW channel
  input logic [1:0]             awburst_i,  /// AW channel
  input logic [3:0]             awcache_i,  /// AW channel
  input logic [2:0]             awprot_i,   /// AW channel
  input logic                   awvalid_i,  /// AW channel
  input logic                   awready_i,  /// AW channel
  input logic [DataWidth-1:0]   wdata_i,    /// W channel
  input logic [DataWidth/8-1:0] wstrb_i,    /// W channel
  input logic                   wlast_i,    /// W channel
  input logic                   wvalid_i,   /// W channel
  input logic                   wready_i,   /// W channel
  input logic [IdWidth-1:0]     bid_i,      /// B channel
  input logic [1:0]             bresp_i,    /// B channel
  input logic                   bvalid_i,   /// B channel
  input logic                   bready_i,   /// B channel
  input logic [IdWidth-1:0]     arid_i,     /// AR channel
  input logic [AddrWidth-1:0]   araddr_i,   /// AR channel
  input logic [7:0]             arlen_i,    /// AR channel
  input logic [2:0]             arsize_i,   /// AR channel
  input logic [1:0]             arburst_i,  /// AR channel
  input logic [3:0]             arcache_i,  /// AR channel
  input logic [2:0]             arprot_i,   /// AR channel
  input logic                   arvalid_i,  /// AR channel
  input logic                   arready_i,  /// AR channel
  input logic [IdWidth-1:0]     rid_i,      /// R channel
  input logic [DataWidth-1:0]   rdata_i,    /// R channel
  input logic [1:0]             rresp_i,    /// R channel
  input logic                   rlast_i,    /// R channel
  input logic                   rvalid_i,   /// R channel
  input logic                   rready_i    /// R channel
);
`ifdef BFP_ASSERT
  localparam int Beat = DataWidth / 8;
  localparam int Q = 32;  // bursts the checker follows per direction

  bfp_chk_handshake #(.Width(IdWidth + AddrWidth + 8 + 3 + 2 + 4 + 3)) u_aw (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(awvalid_i), .ready_i(awready_i),
    .data_i({awid_i, awaddr_i, awlen_i, awsize_i, awburst_i, awcache_i, awprot_i}));
  bfp_chk_handshake #(.Width(DataWidth + Beat + 1)) u_w (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(wvalid_i), .ready_i(wready_i), .data_i({wdata_i, wstrb_i, wlast_i}));
  bfp_chk_handshake #(.Width(IdWidth + 2)) u_b (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(bvalid_i), .ready_i(bready_i), .data_i({bid_i, bresp_i}));
  bfp_chk_handshake #(.Width(IdWidth + AddrWidth + 8 + 3 + 2 + 4 + 3)) u_ar (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(arvalid_i), .ready_i(arready_i),
    .data_i({arid_i, araddr_i, arlen_i, arsize_i, arburst_i, arcache_i, arprot_i}));
  bfp_chk_handshake #(.Width(IdWidth + DataWidth + 2 + 1)) u_r (
    .clk_i(clk_i), .rst_ni(rst_ni), .valid_i(rvalid_i), .ready_i(rready_i),
    .data_i({rid_i, rdata_i, rresp_i, rlast_i}));

  /// The rules every AW/AR request follows.
  function automatic logic legal_burst(input logic [AddrWidth-1:0] addr, input logic [7:0] len,
                                       input logic [2:0] size, input logic [1:0] burst);
    legal_burst = burst == 2'b01 && 32'(size) == $clog2(Beat) && 32'(addr) % 32'(Beat) == 0 &&
                  32'(len) + 1 <= 32'(MaxBurst) && 32'(addr[11:0]) + (32'(len) + 1) * 32'(Beat) <= 32'd4096;
  endfunction

  logic aw_fire, w_fire, b_fire, ar_fire, r_fire;
  assign aw_fire = awvalid_i && awready_i;
  assign w_fire  = wvalid_i && wready_i;
  assign b_fire  = bvalid_i && bready_i;
  assign ar_fire = arvalid_i && arready_i;
  assign r_fire  = rvalid_i && rready_i;

  // write side: lengths of the accepted AWs (head: the burst W is on), W beats of it, bursts done
  logic [8*Q-1:0] awq_q, arq_q;
  logic [5:0]     aw_n_q, ar_n_q;        // queued bursts (W not finished / R not finished)
  logic [7:0]     wcnt_q, rcnt_q;        // beats of the head burst seen
  logic [31:0]    wdone_q, b_q;          // bursts whose last W beat went; B responses seen
  logic [7:0]     w_len, r_len;
  assign w_len = awq_q[7:0];
  assign r_len = arq_q[7:0];

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      aw_n_q <= '0;
      ar_n_q <= '0;
      wcnt_q <= '0;
      rcnt_q <= '0;
      wdone_q <= '0;
      b_q <= '0;
    end else begin
      // AW queue: push at the tail, pop at the head when a burst's last W beat goes
      begin : aw_queue
        logic [8*Q-1:0] q;
        logic [5:0] n;
        q = awq_q;
        n = aw_n_q;
        if (w_fire && n != 0 && wlast_i) begin
          q = q >> 8;
          n = n - 1;
        end
        if (aw_fire && 32'(n) < Q) begin
          q[32'(n) * 8 +: 8] = awlen_i;
          n = n + 1;
        end
        awq_q <= q;
        aw_n_q <= n;
      end
      begin : ar_queue
        logic [8*Q-1:0] q;
        logic [5:0] n;
        q = arq_q;
        n = ar_n_q;
        if (r_fire && n != 0 && rlast_i) begin
          q = q >> 8;
          n = n - 1;
        end
        if (ar_fire && 32'(n) < Q) begin
          q[32'(n) * 8 +: 8] = arlen_i;
          n = n + 1;
        end
        arq_q <= q;
        ar_n_q <= n;
      end
      if (w_fire) wcnt_q <= wlast_i ? 8'd0 : wcnt_q + 8'd1;
      if (r_fire) rcnt_q <= rlast_i ? 8'd0 : rcnt_q + 8'd1;
      if (w_fire && wlast_i && aw_n_q != 0) wdone_q <= wdone_q + 1;
      if (b_fire) b_q <= b_q + 1;

      if (awvalid_i)
        assert (legal_burst(awaddr_i, awlen_i, awsize_i, awburst_i))
          else $error("AXI_AW_BURST: AW addr 0x%0h len %0d size %0d burst %0d (INCR, size log2(%0d), aligned, <= %0d beats, within 4 KiB)",
                      awaddr_i, awlen_i, awsize_i, awburst_i, Beat, MaxBurst);
      if (arvalid_i)
        assert (legal_burst(araddr_i, arlen_i, arsize_i, arburst_i))
          else $error("AXI_AR_BURST: AR addr 0x%0h len %0d size %0d burst %0d (INCR, size log2(%0d), aligned, <= %0d beats, within 4 KiB)",
                      araddr_i, arlen_i, arsize_i, arburst_i, Beat, MaxBurst);
      if (w_fire) begin
        assert (aw_n_q != 0) else $error("AXI_W_EARLY: a W beat without an accepted AW");
        if (aw_n_q != 0)
          assert (wlast_i == (wcnt_q == w_len))
            else $error("AXI_WLAST: WLAST %0d on beat %0d of a burst of %0d beats", wlast_i, wcnt_q, w_len + 1);
      end
      if (b_fire) assert (b_q < wdone_q) else $error("AXI_B_EARLY: a B response before its burst's AW and last W beat");
      if (rvalid_i) assert (ar_n_q != 0) else $error("AXI_R_UNREQUESTED: RVALID while no read burst is outstanding");
      if (r_fire) begin
        if (ar_n_q != 0)
          assert (rlast_i == (rcnt_q == r_len))
            else $error("AXI_RLAST: RLAST %0d on beat %0d of a burst of %0d beats", rlast_i, rcnt_q, r_len + 1);
      end
      assert (!(aw_fire && 32'(aw_n_q) >= Q) && !(ar_fire && 32'(ar_n_q) >= Q))
        else $error("AXI_CHK_DEPTH: more than %0d bursts outstanding", Q);
    end
  end
`else
  logic unused_ports;
  assign unused_ports = ^{clk_i, rst_ni, awid_i, awaddr_i, awlen_i, awsize_i, awburst_i, awcache_i, awprot_i,
                          awvalid_i, awready_i, wdata_i, wstrb_i, wlast_i, wvalid_i, wready_i, bid_i, bresp_i,
                          bvalid_i, bready_i, arid_i, araddr_i, arlen_i, arsize_i, arburst_i, arcache_i, arprot_i,
                          arvalid_i, arready_i, rid_i, rdata_i, rresp_i, rlast_i, rvalid_i, rready_i};
`endif
endmodule
// bfp-group: verification
