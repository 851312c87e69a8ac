// STORE engine: for each row r < rows and output block b < count it reads one block of accumulators,
// requantizes it (bfp_requant, optional ReLU) and writes the B codes and the exponent byte to memory
// with byte strobes, so blocks narrower than a memory beat need no read-modify-write.
module bfp_store #(
  parameter int Rows      = 8,
  parameter int BlockSize = 32,
  parameter int AccWidth  = 32,
  parameter int GuardBits = 4,
  parameter int AccCols   = 32,
  parameter int MemWidth  = 64,
  parameter int AddrWidth = 32,
  parameter int RowBits   = (Rows > 1) ? $clog2(Rows) : 1,                               /// derived
  parameter int BlkBits   = (AccCols / BlockSize > 1) ? $clog2(AccCols / BlockSize) : 1  /// derived
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic                          start_i,      /// pulse: begin with the fields below
  input  logic [15:0]                   rows_i,
  input  logic [15:0]                   count_i,      /// blocks per row
  input  logic [15:0]                   valid_cols_i, /// columns >= this count as zero
  input  logic                          relu_i,
  input  logic [31:0]                   code_addr_i,
  input  logic [31:0]                   exp_addr_i,
  input  logic [31:0]                   code_stride_i,
  input  logic [31:0]                   exp_stride_i,
  output logic                          busy_o,       /// a store is in progress
  // accumulator buffer read port
  output logic [RowBits-1:0]            acc_row_o,
  output logic [BlkBits-1:0]            acc_block_o,
  input  logic [BlockSize*AccWidth-1:0] acc_m_i,
  input  logic [BlockSize*9-1:0]        acc_e_i,
  // memory write port
  output logic                          wr_tvalid_o,
  input  logic                          wr_tready_i,
  output logic [AddrWidth-1:0]          wr_addr_o,
  output logic [MemWidth-1:0]           wr_tdata_o,
  output logic [MemWidth/8-1:0]         wr_tstrb_o
);
  localparam int Beat      = MemWidth / 8;
  localparam int BeatLog   = $clog2(Beat);
  localparam int BlockLog  = $clog2(BlockSize);
  localparam int CodeBeats = (BlockSize >= Beat) ? BlockSize / Beat : 1;
  localparam int CodeBits  = (BlockSize >= Beat) ? MemWidth : BlockSize * 8;

  typedef enum logic [2:0] {SIdle, SRead, SWait, SCode, SExp} state_e;
  state_e state_q;

  logic [15:0] rows_q, count_q, valid_cols_q, row_q, blk_q;
  logic        relu_q;
  logic [31:0] code_base_q, exp_base_q, code_stride_q, exp_stride_q;
  logic [15:0] beat_q;

  // requantizer
  logic                   rq_valid, rq_valid_o;
  logic [BlockSize-1:0]   lane_en;
  logic [BlockSize*8-1:0] rq_codes, codes_q;
  logic [7:0]             rq_exp, exp_q;

  for (genvar j = 0; j < BlockSize; j++) begin : gen_lane
    logic [31:0] col;
    assign col = (32'(blk_q) << BlockLog) + 32'(j);
    assign lane_en[j] = col < {16'd0, valid_cols_q};
  end

  assign rq_valid = (state_q == SRead);

  bfp_requant #(
    .BlockSize(BlockSize),
    .AccWidth (AccWidth),
    .GuardBits(GuardBits)
  ) u_requant (
    .clk_i    (clk_i),
    .rst_ni   (rst_ni),
    .valid_i  (rq_valid),
    .relu_i   (relu_q),
    .lane_en_i(lane_en),
    .acc_m_i  (acc_m_i),
    .acc_e_i  (acc_e_i),
    .valid_o  (rq_valid_o),
    .codes_o  (rq_codes),
    .exp_o    (rq_exp)
  );

  assign acc_row_o   = RowBits'(row_q);
  assign acc_block_o = BlkBits'(blk_q);

  // write address and data
  logic [31:0] code_byte, exp_byte, wr_addr;
  logic [31:0] code_off, exp_off;
  logic [MemWidth-1:0]   code_data, exp_data;
  logic [MemWidth/8-1:0] code_strb, exp_strb;
  logic [CodeBits-1:0]   code_chunk;

  assign code_byte = code_base_q + (32'(blk_q) << BlockLog) + (32'(beat_q) << BeatLog);
  assign exp_byte  = exp_base_q + 32'(blk_q);
  assign code_off  = (BlockSize >= Beat) ? 32'd0 : 32'(code_byte[BeatLog-1:0]);
  assign exp_off   = 32'(exp_byte[BeatLog-1:0]);
  assign code_chunk = codes_q[beat_q[BlockLog-1:0]*CodeBits +: CodeBits];
  assign code_data = MemWidth'(code_chunk) << (code_off * 8);
  assign code_strb = (MemWidth/8)'({(CodeBits/8){1'b1}}) << code_off;
  assign exp_data  = MemWidth'(exp_q) << (exp_off * 8);
  assign exp_strb  = (MemWidth/8)'(1) << exp_off;
  assign wr_addr   = (state_q == SExp) ? exp_byte : code_byte;

  assign busy_o      = (state_q != SIdle);
  assign wr_tvalid_o = (state_q == SCode) || (state_q == SExp);
  assign wr_addr_o   = AddrWidth'({wr_addr[31:BeatLog], BeatLog'(0)});
  assign wr_tdata_o  = (state_q == SExp) ? exp_data : code_data;
  assign wr_tstrb_o  = (state_q == SExp) ? exp_strb : code_strb;

  logic wr_fire;
  assign wr_fire = wr_tvalid_o && wr_tready_i;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q <= SIdle;
    end else begin
      unique case (state_q)
        SIdle: if (start_i) begin
          rows_q        <= rows_i;
          count_q       <= count_i;
          valid_cols_q  <= valid_cols_i;
          relu_q        <= relu_i;
          code_base_q   <= code_addr_i;
          exp_base_q    <= exp_addr_i;
          code_stride_q <= code_stride_i;
          exp_stride_q  <= exp_stride_i;
          row_q         <= '0;
          blk_q         <= '0;
          beat_q        <= '0;
          if (rows_i != 16'd0 && count_i != 16'd0) state_q <= SRead;
        end
        SRead: state_q <= SWait;
        SWait: if (rq_valid_o) begin
          codes_q <= rq_codes;
          exp_q   <= rq_exp;
          state_q <= SCode;
        end
        SCode: if (wr_fire) begin
          if (beat_q + 16'd1 == 16'(CodeBeats)) begin
            beat_q  <= '0;
            state_q <= SExp;
          end else beat_q <= beat_q + 16'd1;
        end
        SExp: if (wr_fire) begin
          state_q <= SRead;
          if (blk_q + 16'd1 == count_q) begin
            blk_q       <= '0;
            row_q       <= row_q + 16'd1;
            code_base_q <= code_base_q + code_stride_q;
            exp_base_q  <= exp_base_q + exp_stride_q;
            if (row_q + 16'd1 == rows_q) state_q <= SIdle;
          end else blk_q <= blk_q + 16'd1;
        end
        default: state_q <= SIdle;
      endcase
    end
  end

  logic unused_bits;
  assign unused_bits = ^{wr_addr[BeatLog-1:0], code_byte, exp_byte};
endmodule
