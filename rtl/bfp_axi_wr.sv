// SPDX-License-Identifier: Apache-2.0
// AXI4 write master bridge of bfp_axi_top (docs/architecture.md "AXI top"): turns the core's posted beat writes
// (address, data, byte strobes) into AXI4 INCR bursts with WSTRB. Consecutive beat addresses are coalesced into
// bursts of up to MaxBurst beats that never cross a 4 KiB boundary; a burst is closed when the write stream pauses
// for a cycle or jumps. The beats wait in a data FIFO of MaxBurst entries (an open burst never holds more, so the
// FIFO cannot deadlock) and the closed bursts in a ring of MaxOutstanding descriptors read by three pointers: AW
// sends them in order, W sends a burst's beats only after its AW was accepted (WLAST on its last beat), and B
// frees it. idle_o is low from the first beat until the last burst got its B response, which is what keeps
// STATUS.BUSY high and a WAIT command back until the memory has every write (docs/registers.md). A B response
// SLVERR/DECERR is reported on err_o with its burst's address.
module bfp_axi_wr #(
  parameter int MemWidth       = 64,  /// data bits per beat (power of two, >= 64)
  parameter int AddrWidth      = 32,  /// byte-address bits, 16..32
  parameter int IdWidth        = 4,   /// AXI ID bits
  parameter int MaxBurst       = 16,  /// longest burst in beats (power of two, 1..256)
  parameter int MaxOutstanding = 4    /// bursts awaiting B, 1..16
) (
  input  logic                  clk_i,            /// clock
  input  logic                  rst_ni,           /// active-low synchronous reset
  // core side (the memory write port of bfp_core)
  input  logic                  wr_tvalid_i,      /// write valid
  output logic                  wr_tready_o,      /// write accepted
  input  logic [AddrWidth-1:0]  wr_addr_i,        /// beat-aligned byte address
  input  logic [MemWidth-1:0]   wr_tdata_i,       /// beat data
  input  logic [MemWidth/8-1:0] wr_tstrb_i,       /// byte enables
  // AXI4 AW channel
  output logic [IdWidth-1:0]    m_axi_awid_o,     /// write ID (always 0)
  output logic [AddrWidth-1:0]  m_axi_awaddr_o,   /// burst start address (beat-aligned)
  output logic [7:0]            m_axi_awlen_o,    /// beats - 1
  output logic [2:0]            m_axi_awsize_o,   /// log2(bytes per beat)
  output logic [1:0]            m_axi_awburst_o,  /// INCR
  output logic [3:0]            m_axi_awcache_o,  /// normal non-cacheable bufferable
  output logic [2:0]            m_axi_awprot_o,   /// unprivileged, secure, data
  output logic                  m_axi_awvalid_o,  /// address valid
  input  logic                  m_axi_awready_i,  /// address accepted
  // AXI4 W channel
  output logic [MemWidth-1:0]   m_axi_wdata_o,    /// write data
  output logic [MemWidth/8-1:0] m_axi_wstrb_o,    /// byte strobes
  output logic                  m_axi_wlast_o,    /// last beat of the burst
  output logic                  m_axi_wvalid_o,   /// write data valid
  input  logic                  m_axi_wready_i,   /// write data accepted
  // AXI4 B channel
  input  logic [IdWidth-1:0]    m_axi_bid_i,      /// response ID (one ID is used: ignored)
  input  logic [1:0]            m_axi_bresp_i,    /// OKAY, EXOKAY, SLVERR, DECERR
  input  logic                  m_axi_bvalid_i,   /// response valid
  output logic                  m_axi_bready_o,   /// response accepted (always)
  // status
  output logic                  idle_o,           /// no beat buffered, no burst awaiting its B response
  output logic                  beat_o,           /// a W beat was accepted this cycle
  output logic                  err_o,            /// a B response SLVERR/DECERR was accepted this cycle
  output logic [1:0]            err_resp_o,       /// its BRESP
  output logic [AddrWidth-1:0]  err_addr_o        /// the start address of its burst
);
`ifndef __ICARUS__
  if (MemWidth < 64 || MemWidth > 1024 || (MemWidth & (MemWidth - 1)) != 0) begin : gen_bad_width
    $error("bfp_axi_wr: MemWidth must be a power of two in 64..1024");
  end
  if (MaxBurst < 1 || MaxBurst > 256 || (MaxBurst & (MaxBurst - 1)) != 0) begin : gen_bad_burst
    $error("bfp_axi_wr: MaxBurst must be a power of two in 1..256");
  end
  if (MaxOutstanding < 1 || MaxOutstanding > 16 || IdWidth < 1 || IdWidth > 8 || AddrWidth < 16)
  begin : gen_bad_params
    $error("bfp_axi_wr: MaxOutstanding must be in 1..16, IdWidth in 1..8, AddrWidth >= 16");
  end
`endif
  localparam int Beat  = MemWidth / 8;
  localparam int Ent   = MemWidth + Beat;                                     // FIFO entry: {strobes, data}
  localparam int DPtrW = (MaxBurst > 1) ? $clog2(MaxBurst) : 1;             // data FIFO index bits (derived)
  localparam int DDepth = 1 << DPtrW;                                        // data FIFO entries (derived)
  localparam int PtrW = (MaxOutstanding > 1) ? $clog2(MaxOutstanding) : 1;  // ring index bits (derived)
  localparam int Depth = 1 << PtrW;                                         // ring entries (derived)

  // ---- coalescing --------------------------------------------------------------------------------------------
  logic                 open_q;
  logic [AddrWidth-1:0] base_q;
  logic [7:0]           len_q;
  logic [AddrWidth-1:0] next_addr;
  logic                 contig, room, close, wr_fire, dfull;

  // unpacked arrays: Yosys infers memories (an indexed part-select of a flat vector became a barrel shifter)
  logic [Ent-1:0]        data_q [DDepth];
  logic [DPtrW:0]        dwp_q, drp_q, dused;
  logic [AddrWidth-1:0]  ring_addr_q [Depth];
  logic [7:0]            ring_len_q  [Depth];
  logic [PtrW:0]              wp_q, aw_q, w_q, b_q, used;  // close, AW sent, W burst done, B received
  logic [7:0]                 wcnt_q;                      // beats of burst w_q sent

  assign next_addr = base_q + AddrWidth'((32'(len_q) + 32'd1) * 32'(Beat));
  assign contig = open_q && (32'(len_q) + 32'd1 < 32'(MaxBurst)) && (next_addr[11:0] != 12'd0) &&
                  (wr_addr_i == next_addr);
  assign used  = wp_q - b_q;
  assign room  = 32'(used) < 32'(MaxOutstanding);
  assign dused = dwp_q - drp_q;
  assign dfull = 32'(dused) >= 32'(MaxBurst);
  assign close = open_q && !(wr_tvalid_i && contig) && room;
  assign wr_tready_o = !dfull && (!open_q || contig || room);
  assign wr_fire = wr_tvalid_i && wr_tready_o;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      open_q <= 1'b0;
      base_q <= '0;
      len_q  <= '0;
    end else if (wr_fire) begin
      open_q <= 1'b1;
      if (contig) begin
        len_q <= len_q + 8'd1;
      end else begin
        base_q <= wr_addr_i;
        len_q  <= '0;
      end
    end else if (close) begin
      open_q <= 1'b0;
    end
  end

  // ---- AW, W, B -------------------------------------------------------------------------------------------
  logic aw_fire, w_fire, b_fire;
  logic [7:0] w_len;
  assign m_axi_awvalid_o = aw_q != wp_q;
  assign m_axi_awaddr_o  = ring_addr_q[aw_q[PtrW-1:0]];
  assign m_axi_awlen_o   = ring_len_q[aw_q[PtrW-1:0]];
  assign m_axi_awid_o    = '0;
  assign m_axi_awsize_o  = 3'($clog2(Beat));
  assign m_axi_awburst_o = 2'b01;
  assign m_axi_awcache_o = 4'b0011;
  assign m_axi_awprot_o  = 3'b000;
  assign aw_fire = m_axi_awvalid_o && m_axi_awready_i;

  // beats of burst w_q go once its AW was accepted (w_q behind aw_q); they are in the FIFO since it closed
  assign w_len          = ring_len_q[w_q[PtrW-1:0]];
  assign m_axi_wvalid_o = (w_q != aw_q) && (dused != '0);
  logic [Ent-1:0] w_head;
  assign w_head         = data_q[drp_q[DPtrW-1:0]];
  assign m_axi_wdata_o  = w_head[MemWidth-1:0];
  assign m_axi_wstrb_o  = w_head[MemWidth +: Beat];
  assign m_axi_wlast_o  = wcnt_q == w_len;
  assign w_fire = m_axi_wvalid_o && m_axi_wready_i;

  assign m_axi_bready_o = 1'b1;
  assign b_fire = m_axi_bvalid_i;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      dwp_q  <= '0;
      drp_q  <= '0;
      wp_q   <= '0;
      aw_q   <= '0;
      w_q    <= '0;
      b_q    <= '0;
      wcnt_q <= '0;
    end else begin
      if (wr_fire) begin
        data_q[dwp_q[DPtrW-1:0]] <= {wr_tstrb_i, wr_tdata_i};
        dwp_q <= dwp_q + 1'b1;
      end
      if (close) begin
        ring_addr_q[wp_q[PtrW-1:0]] <= base_q;
        ring_len_q[wp_q[PtrW-1:0]]  <= len_q;
        wp_q <= wp_q + 1'b1;
      end
      if (aw_fire) aw_q <= aw_q + 1'b1;
      if (w_fire) begin
        drp_q <= drp_q + 1'b1;
        if (m_axi_wlast_o) begin
          wcnt_q <= '0;
          w_q    <= w_q + 1'b1;
        end else begin
          wcnt_q <= wcnt_q + 8'd1;
        end
      end
      if (b_fire) b_q <= b_q + 1'b1;
    end
  end

  assign idle_o     = !open_q && wp_q == b_q && dused == '0;
  assign beat_o     = w_fire;
  assign err_o      = b_fire && m_axi_bresp_i[1];
  assign err_resp_o = m_axi_bresp_i;
  assign err_addr_o = ring_addr_q[b_q[PtrW-1:0]];

  logic unused_bid;
  assign unused_bid = ^m_axi_bid_i;
endmodule
// bfp-group: system bus
