// SPDX-License-Identifier: Apache-2.0
// AXI4 read master bridge of bfp_axi_top (docs/architecture.md "AXI top"): turns the core's beat-addressed read
// requests (one beat each, responses in request order) into AXI4 INCR bursts. Consecutive beat addresses are
// coalesced into one burst of up to MaxBurst beats that never crosses a 4 KiB boundary; a burst is closed as soon
// as the request stream pauses for a cycle or jumps, so a core waiting for data never waits for a burst to fill.
// Closed bursts wait in a ring of MaxOutstanding descriptors: the AR channel sends them in order, and a
// descriptor is freed by the last R beat of its burst, so at most MaxOutstanding bursts are in flight. One ID
// (0): AXI returns the bursts in order, and the R beats go straight to the core. A beat answered SLVERR or
// DECERR is still handed to the core (so the command completes) and reported on err_o with its burst's address.
module bfp_axi_rd #(
  parameter int MemWidth       = 64,  /// data bits per beat (power of two, >= 64)
  parameter int AddrWidth      = 32,  /// byte-address bits, 16..32
  parameter int IdWidth        = 4,   /// AXI ID bits
  parameter int MaxBurst       = 16,  /// longest burst in beats (power of two, 1..256)
  parameter int MaxOutstanding = 4    /// bursts in flight, 1..16
) (
  input  logic                 clk_i,            /// clock
  input  logic                 rst_ni,           /// active-low synchronous reset
  // core side (the memory read port of bfp_core)
  input  logic                 rd_req_tvalid_i,  /// read request valid
  output logic                 rd_req_tready_o,  /// read request accepted
  input  logic [AddrWidth-1:0] rd_req_addr_i,    /// beat-aligned byte address
  output logic                 rd_rsp_tvalid_o,  /// read data valid (in request order)
  input  logic                 rd_rsp_tready_i,  /// read data accepted
  output logic [MemWidth-1:0]  rd_rsp_tdata_o,   /// one beat
  // AXI4 AR channel
  output logic [IdWidth-1:0]   m_axi_arid_o,     /// read ID (always 0)
  output logic [AddrWidth-1:0] m_axi_araddr_o,   /// burst start address (beat-aligned)
  output logic [7:0]           m_axi_arlen_o,    /// beats - 1
  output logic [2:0]           m_axi_arsize_o,   /// log2(bytes per beat)
  output logic [1:0]           m_axi_arburst_o,  /// INCR
  output logic [3:0]           m_axi_arcache_o,  /// normal non-cacheable bufferable
  output logic [2:0]           m_axi_arprot_o,   /// unprivileged, secure, data
  output logic                 m_axi_arvalid_o,  /// address valid
  input  logic                 m_axi_arready_i,  /// address accepted
  // AXI4 R channel
  input  logic [IdWidth-1:0]   m_axi_rid_i,      /// read ID (one ID is used: ignored)
  input  logic [MemWidth-1:0]  m_axi_rdata_i,    /// read data
  input  logic [1:0]           m_axi_rresp_i,    /// OKAY, EXOKAY, SLVERR, DECERR
  input  logic                 m_axi_rlast_i,    /// last beat of the burst
  input  logic                 m_axi_rvalid_i,   /// read data valid
  output logic                 m_axi_rready_o,   /// read data accepted
  // status
  output logic                 idle_o,           /// no burst open, queued or in flight
  output logic                 beat_o,           /// an R beat was accepted this cycle
  output logic                 err_o,            /// an R beat with SLVERR/DECERR was accepted this cycle
  output logic [1:0]           err_resp_o,       /// its RRESP
  output logic [AddrWidth-1:0] err_addr_o        /// the start address of its burst
);
`ifndef __ICARUS__
  if (MemWidth < 64 || MemWidth > 1024 || (MemWidth & (MemWidth - 1)) != 0) begin : gen_bad_width
    $error("bfp_axi_rd: MemWidth must be a power of two in 64..1024");
  end
  if (MaxBurst < 1 || MaxBurst > 256 || (MaxBurst & (MaxBurst - 1)) != 0) begin : gen_bad_burst
    $error("bfp_axi_rd: MaxBurst must be a power of two in 1..256");
  end
  if (MaxOutstanding < 1 || MaxOutstanding > 16 || IdWidth < 1 || IdWidth > 8 || AddrWidth < 16)
  begin : gen_bad_params
    $error("bfp_axi_rd: MaxOutstanding must be in 1..16, IdWidth in 1..8, AddrWidth >= 16");
  end
`endif
  localparam int Beat = MemWidth / 8;
  localparam int PtrW = (MaxOutstanding > 1) ? $clog2(MaxOutstanding) : 1;  // ring index bits (derived)
  localparam int Depth = 1 << PtrW;                                         // ring entries (derived)

  // ---- coalescing the request stream into bursts ------------------------------------------------------------
  logic                 open_q;  // a burst is being collected
  logic [AddrWidth-1:0] base_q;  // its first address
  logic [7:0]           len_q;   // its beats - 1
  logic [AddrWidth-1:0] next_addr;
  logic                 contig, room, close, req_fire;

  // descriptor ring: written when a burst closes, read by AR (ar_q) and freed by its last R beat (r_q)
  // unpacked arrays: Yosys infers memories (an indexed part-select of a flat vector became a barrel shifter)
  logic [AddrWidth-1:0] ring_addr_q [Depth];
  logic [7:0]           ring_len_q  [Depth];
  logic [PtrW:0]              wp_q, ar_q, r_q;
  logic [PtrW:0]              used;

  assign next_addr = base_q + AddrWidth'((32'(len_q) + 32'd1) * 32'(Beat));
  // extend: the next beat of the open burst, which is not full and does not start a new 4 KiB page
  assign contig = open_q && (32'(len_q) + 32'd1 < 32'(MaxBurst)) && (next_addr[11:0] != 12'd0) &&
                  (rd_req_addr_i == next_addr);
  assign used = wp_q - r_q;
  assign room = 32'(used) < 32'(MaxOutstanding);
  // a burst closes when the stream does not extend it this cycle (pause, jump or full) and a descriptor is free
  assign close = open_q && !(rd_req_tvalid_i && contig) && room;
  assign rd_req_tready_o = !open_q || contig || room;
  assign req_fire = rd_req_tvalid_i && rd_req_tready_o;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      open_q <= 1'b0;
      base_q <= '0;
      len_q  <= '0;
    end else if (req_fire) begin
      open_q <= 1'b1;
      if (contig) begin
        len_q <= len_q + 8'd1;
      end else begin
        base_q <= rd_req_addr_i;
        len_q  <= '0;
      end
    end else if (close) begin
      open_q <= 1'b0;
    end
  end

  // ---- AR: the ring in order --------------------------------------------------------------------------------
  logic ar_fire, r_fire, r_last_fire;
  assign m_axi_arvalid_o = ar_q != wp_q;
  assign m_axi_araddr_o  = ring_addr_q[ar_q[PtrW-1:0]];
  assign m_axi_arlen_o   = ring_len_q[ar_q[PtrW-1:0]];
  assign m_axi_arid_o    = '0;
  assign m_axi_arsize_o  = 3'($clog2(Beat));
  assign m_axi_arburst_o = 2'b01;
  assign m_axi_arcache_o = 4'b0011;
  assign m_axi_arprot_o  = 3'b000;
  assign ar_fire = m_axi_arvalid_o && m_axi_arready_i;

  // ---- R: straight to the core --------------------------------------------------------------------------------
  assign rd_rsp_tvalid_o = m_axi_rvalid_i;
  assign rd_rsp_tdata_o  = m_axi_rdata_i;
  assign m_axi_rready_o  = rd_rsp_tready_i;
  assign r_fire          = m_axi_rvalid_i && m_axi_rready_o;
  assign r_last_fire     = r_fire && m_axi_rlast_i;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      wp_q <= '0;
      ar_q <= '0;
      r_q  <= '0;
    end else begin
      if (close) begin
        ring_addr_q[wp_q[PtrW-1:0]] <= base_q;
        ring_len_q[wp_q[PtrW-1:0]]  <= len_q;
        wp_q <= wp_q + 1'b1;
      end
      if (ar_fire) ar_q <= ar_q + 1'b1;
      if (r_last_fire) r_q <= r_q + 1'b1;
    end
  end

  assign idle_o     = !open_q && wp_q == r_q;
  assign beat_o     = r_fire;
  assign err_o      = r_fire && m_axi_rresp_i[1];
  assign err_resp_o = m_axi_rresp_i;
  assign err_addr_o = ring_addr_q[r_q[PtrW-1:0]];

  logic unused_rid;
  assign unused_rid = ^m_axi_rid_i;
endmodule
// bfp-group: system bus
