// SPDX-License-Identifier: Apache-2.0
// Load engine for one packed tile of activations (LOAD_ACT with SPARSE and `packed`, docs/sparse-format.md
// "Packed tiles" and "The RTL loader for packed tiles"). Beat 0 holds the tile header (u16 tile_len, u16 row
// offsets); the engine requests the beats every tile of n rows has at once, reads the tile header when beat 0 is at
// the port and from that cycle requests the rest of the tile as one burst. The rows are back to back and start
// anywhere in a beat, so every word the row sequencers take (the header, exponent, level-2 and code words of a row)
// is cut out of the beat stream by a byte funnel over the beat at the port and the two before it, as
// bfp_dma_sparse does for the metadata of a row stream.
// Why three walkers: a row of 90%-random zeros at K = 256 is ~71 bytes, 2.2 beats, and has four words (header and
// code word on the main port, exponent and level-2 word on the meta port). With one cursor per port handing each
// row from the main to the meta cursor (header word, then exponents, then level-2, then the next header) a row
// cost ~3 cycles and the loader was bound by its words; with walkers that do not wait for each other it keeps up
// with the memory, one beat a cycle. The main cursor takes the header word (whose counts give the code words) and
// the code words; the parser reads each row's nnzb from its header (at its offset from the tile header) and queues
// the rows with blocks, at most two, with their exponent and level-2 bounds; the meta cursor takes the exponent
// and level-2 words of the oldest queued row, from the cycle after the parser queued it. No decision of a cycle
// (which words leave, whether the beat is taken) uses the counts of a row header read in that cycle: they only
// load registers, so the funnel and the adds after it are not in series with the beat compares (150 MHz at
// 180 nm, docs/ppa.md "Clock regression: the packed-tile loader").
// Each walker goes in byte order, one item a cycle, an item leaving in the cycle the beat holding its last used
// byte is at the port or later; the beat is taken unless an item that ended in the beat before would stay behind
// (one beat of slack per walker). The one wait between walkers: a level-2 word leaves after its row's header word
// (the sequencer scatters the level-2 masks by the level-1 mask that word wrote).
// Outputs are combinational: bfp_dma_sparse registers them in its write stage (one cycle later), like its own.
// Corrupt tiles cannot hang the engine: when no walker can move the beat is taken anyway, and after the last beat
// every item counts as due, so the load ends; the assertions below (rules 5-7 of docs/sparse-format.md,
// "Validity", and DMA_PK_WINDOW) report such tiles.
// Prefetch (docs/architecture.md "Load prefetch"): the beats below nbmin are requested without looking at the
// tile, so the core may request the first of them (pf_lim_o at most) while the load still waits to be dispatched
// and the last one finishes; pre_i says how many at start_i and the requests go on from there. Beat 0 can then be
// at the port in the load's first cycle instead of after a round trip.
module bfp_dma_packed #(
  parameter int MemWidth  = 64,                            /// memory beat bits (a power of two)
  parameter int AddrWidth = 32,                            /// memory byte-address bits
  parameter int BlockSize = 16,                            /// elements per BFP block B (a power of two)
  parameter int Rows      = 8,                             /// PE rows R (rows of a tile)
  parameter int ClockGating = 0,  /// power.clock_gating: 0 none, 1 gate (the whole engine), 2 enable
  parameter int RowBits   = (Rows > 1) ? $clog2(Rows) : 1  /// derived
) (
  input  logic                 clk_i,            /// clock
  input  logic                 rst_ni,           /// active-low synchronous reset
  input  logic                 start_i,          /// pulse: begin with the fields below
  input  logic [15:0]          rows_i,           /// rows of the tile n (1..R; 2 + 2n <= Beat)
  input  logic [15:0]          count_i,          /// KB: blocks per row
  input  logic [31:0]          addr_i,           /// beat-aligned byte address of the tile
  input  logic [3:0]           pre_i,            /// with start_i: first beats already requested (<= pf_lim_o)
  output logic [31:0]          pf_lim_o,         /// beats of the smallest tile of the fields above (0: rows_i = 0)
  output logic                 pf_any_o,         /// pf_lim_o != 0 (without its multiply)
  output logic                 req_done_o,       /// no further request of this load (idle, or all sent)
  output logic                 busy_o,           /// a load is in progress (the write stage adds its cycle)
  output logic                 rd_req_tvalid_o,  /// read request valid
  input  logic                 rd_req_tready_i,  /// read request accepted
  output logic [AddrWidth-1:0] rd_req_addr_o,    /// beat-aligned byte address of the read
  input  logic                 rd_rsp_tvalid_i,  /// read data valid (in request order)
  output logic                 rd_rsp_tready_o,  /// read data accepted
  input  logic [MemWidth-1:0]  rd_rsp_tdata_i,   /// one beat of read data, byte b at [8b+7:8b]
  output logic                 we_o,             /// a header or code word (combinational)
  output logic [RowBits-1:0]   row_o,            /// row of the header or code word
  output logic [bfp_pkg::SEG_W-1:0] seg_o,       /// SEG_HDR or SEG_CODES
  output logic [15:0]          word_o,           /// code word index (0 for the header)
  output logic [MemWidth-1:0]  wdata_o,          /// the word (header: bytes from the first exponent on are 0)
  output logic                 meta_we_o,        /// an exponent or level-2 word (combinational)
  output logic [RowBits-1:0]   meta_row_o,       /// its row (the meta cursor walks the rows on its own)
  output logic [bfp_pkg::SEG_W-1:0] meta_seg_o,  /// SEG_EXP or SEG_L2
  output logic [15:0]          meta_word_o,      /// word index inside the segment
  output logic [MemWidth-1:0]  meta_wdata_o      /// the word
);
  localparam int Beat     = MemWidth / 8;
  localparam int BeatLog  = $clog2(Beat);
  // the tile header as the bits of beat 0 (padded, so that rows past the beat read 0: then 2 + 2n > Beat, which
  // the core and the host refuse, DMA_PK_TILE_HDR)
  localparam int HdrBits  = 16 + 16 * Rows;
  // Byte positions inside a tile are PosW bits, not 32: the row offsets are u16, and the furthest byte a row's
  // counts can name is below 2^16 * (4 + B/8) (offset + exponent offset + nnzb exponents + nnzb level-2 masks +
  // nnz codes, each count u16), so no sum wraps even in a corrupt tile. Narrow positions shorten the adds and the
  // beat compares on the loader's longest paths (docs/ppa.md "Clock regression: the packed-tile loader").
  localparam int PosW     = $clog2(65536 * (4 + BlockSize / 8)) + 1;

  typedef enum logic [1:0] {MainHdr, MainCodes, MainDone} main_e;

  logic               active_q, thdr_q;       // loading; tile header (beat 0) read
  logic               busy_q;                 // active_q's copy for busy_o (below, after the engine's registers)
  // Operand isolation (docs/ppa.md "The row sequencers' load-side registers and the loaders' operand isolation"):
  // the read data bus carries every engine's beats and the funnels below are combinational on it; they see it
  // only while this engine loads (every use of a beat needs active_q), else zeros.
  logic [MemWidth-1:0] rsp_data;
  assign rsp_data = rd_rsp_tdata_i & {MemWidth{active_q}};
  logic [15:0]        n_q;                    // rows of the tile
  logic [31:0]        addr_q;                 // tile address
  logic [PosW-1:0]    off_exp_q;              // a row's exponents start at off_exp (4 + ceil(KB/8))
  logic [PosW-1:0]    tlen_q, nb_q;           // tile_len; beats of the tile (at least nbmin_q)
  logic [PosW-1:0]    nbmin_q;                // beats of the smallest tile of n rows: 2 + 2n + n * off_exp bytes
  logic [Rows*16-1:0] offs_q;                 // row offsets off_i (row i at [16i +: 16])
  logic [PosW-1:0]    req_b_q, c_q;           // next beat to request; beat at the response port
  // c + 1 and c - 1 (and c != 0) as registers: every beat compare below is then one compare of two registers
  // (positions against the byte where a beat starts), with no add in front of it
  logic [PosW-1:0]    cp1_q, cm1_q;
  logic               c_nz_q;
  logic [MemWidth-1:0] last_q, last2_q;       // the beats c - 1 and c - 2
  // main cursor: the header word of row mrow, then its code words [pos, end) in words of Beat bytes
  main_e              m_st_q;
  logic [15:0]        m_row_q;
  logic [PosW-1:0]    m_nxo_q, m_nxe_q;         // where row m_row + 1 starts, and its header word's end
  logic               m_last_q;                 // m_row is the tile's last row
  logic [PosW-1:0]    m_pos_q, m_end_q;
  logic [15:0]        m_k_q;
  // parser: the next row whose header it reads (nnzb: where the row's exponents and level-2 masks end)
  logic [15:0]        p_row_q;
  // its row's offset, the next row's, where its exponents start; it is the last row; a row is left to read. These
  // (and the main cursor's) are kept in registers, not muxed from the offsets by the row number each cycle: they
  // lead the beat compares of the response-ready path
  logic [PosW-1:0]    p_off_q, p_offn_q, p_e_q;
  logic               p_last_q, p_live_q;
  // what the parser read of each row: where its codes start and whether it has any (for the main cursor's lag
  // after a header word, below)
  logic [Rows*PosW-1:0] cd_tab_q;
  logic [Rows-1:0]      nz_tab_q;
  // meta queue: the parsed rows with metadata (nnzb > 0), oldest first, at most two. The oldest (the head) is
  // the one the meta cursor walks: its exponent words, then its level-2 words; the second waits with its bounds.
  logic [1:0]         q_cnt_q;
  logic               x_l2_q;
  logic [RowBits-1:0] x_row_q, q1_row_q;
  logic [PosW-1:0]    x_pos_q, x_end_q, x_l2s_q, x_l2e_q;
  logic [PosW-1:0]    q1_e_q, q1_l2_q, q1_cd_q;
  logic [15:0]        x_k_q;
  // The meta cursor walks the queue head only (registers): a row the parser reads is walked from the next cycle
  // on, so that no decision of this cycle depends on a row header's counts read in it (docs/ppa.md "Clock
  // regression: the packed-tile loader"; the bypass that let its first exponent word leave in the cycle its header
  // was read put the funnel, three adds and the beat compares in one path).

  logic [HdrBits-1:0] hdr_bits;
  if (HdrBits <= MemWidth) begin : gen_hdr_fits
    assign hdr_bits = rsp_data[HdrBits-1:0];
  end else begin : gen_hdr_pad
    assign hdr_bits = {(HdrBits - MemWidth)'(0), rsp_data};
  end

  function automatic logic [31:0] ceil_beats(input logic [31:0] bytes);
    ceil_beats = (bytes + 32'(Beat - 1)) >> BeatLog;
  endfunction
  // A word [pos, min(pos + Beat, end)) has its last used byte in beat lastb = min(ceil(pos / Beat),
  // floor((end - 1) / Beat)). It can leave once that beat is at the response port (or was: due, lastb <= c); it
  // holds the port's beat back once the beat after its last one is there (lag, lastb < c: one beat of slack, so
  // that the walkers need not agree on a beat). Both as compares of positions with the bytes where beats c - 1,
  // c and c + 1 start (cbm1, cb, cb1): lastb <= c iff pos <= cb or end <= cb1; lastb < c iff (c > 0 and
  // pos <= cbm1) or end <= cb.
  function automatic logic due(input logic [PosW-1:0] pos, input logic [PosW-1:0] seg_end,
                               input logic [PosW-1:0] cb, input logic [PosW-1:0] cb1);
    due = pos <= cb || seg_end <= cb1;
  endfunction
  function automatic logic lag(input logic [PosW-1:0] pos, input logic [PosW-1:0] seg_end, input logic c_nz,
                               input logic [PosW-1:0] cbm1, input logic [PosW-1:0] cb);
    lag = (c_nz && pos <= cbm1) || seg_end <= cb;
  endfunction
  // lag of a word whose end comes from a row header read in this cycle, bounded from its start alone: the word
  // ends in pos's beat or later, so it can lag only if pos's beat is before c (a beat may be held one cycle more
  // than needed; the header's counts stay off the response-ready path)
  function automatic logic may_lag(input logic [PosW-1:0] pos, input logic [PosW-1:0] cb);
    may_lag = pos < cb;
  endfunction
  // row i's offset from the tile header (0 past the tile's rows: never used there)
  function automatic logic [PosW-1:0] off_of(input logic [31:0] i, input logic [Rows*16-1:0] offs);
    off_of = (i < 32'(Rows)) ? PosW'(offs[16 * i +: 16]) : '0;
  endfunction

  // ---- funnels over the last three beats: a word starts in beat c, c - 1 or c - 2 (a word ending in c - 1 holds
  // the port's beat c back, so none is older) -----------------------------------------------------------------
  function automatic logic [2*MemWidth-1:0] pair(input logic [PosW-1:0] pos, input logic [PosW-1:0] c,
                                                 input logic [PosW-1:0] cm1, input logic [MemWidth-1:0] cur,
                                                 input logic [MemWidth-1:0] l1, input logic [MemWidth-1:0] l2);
    if ((pos >> BeatLog) == c) pair = {cur, cur};
    else if ((pos >> BeatLog) == cm1) pair = {cur, l1};
    else pair = {l1, l2};
  endfunction
  // the parser's row header: only its nnzb is used (32 bits: the synthesis keeps 16 of the shift)
  logic [PosW-1:0]       p_off, p_off_n;  // where rows p and p + 1 start
  logic [MemWidth-1:0]   m_word, x_word;
  logic [2*MemWidth-1:0] m_fun, x_fun, p_fun;
  logic [31:0]           p_hdr;
  // The tile header's fields as this cycle sees them: from the port in the tile-header cycle (beat 0 is then at
  // the port, not yet in the registers), from the registers after it. One signal each, so the choice is made once.
  logic [Rows*16-1:0] offs_e;    // row offsets
  logic [PosW-1:0]    tlen_e;    // tile_len
  logic [PosW-1:0]    off1_hdr;  // row 1's offset, read at the port (tile-header cycle only)
  assign offs_e   = thdr_q ? offs_q : hdr_bits[HdrBits-1:16];
  assign tlen_e   = thdr_q ? tlen_q : PosW'(hdr_bits[15:0]);
  assign off1_hdr = off_of(32'd1, hdr_bits[HdrBits-1:16]);
  always_comb begin
    p_off  = p_off_q;
    // (in the tile-header cycle the next row's offset is still at the port: the parser reads row 0 then)
    p_off_n = thdr_q ? p_offn_q : off1_hdr;
    m_fun  = pair(m_pos_q, c_q, cm1_q, rsp_data, last_q, last2_q) >> (8 * 32'(m_pos_q[BeatLog-1:0]));
    x_fun  = pair(x_pos_q, c_q, cm1_q, rsp_data, last_q, last2_q) >> (8 * 32'(x_pos_q[BeatLog-1:0]));
    p_fun  = pair(p_off, c_q, cm1_q, rsp_data, last_q, last2_q) >> (8 * 32'(p_off[BeatLog-1:0]));
    m_word = m_fun[MemWidth-1:0];
    x_word = x_fun[MemWidth-1:0];
    p_hdr  = p_fun[31:0];
  end

  // The header word of row m_row: its counts give the row's code words. A row's codes are its last bytes and the
  // row ends where the next begins (rules 6 and 7 of docs/sparse-format.md: the next row's offset, or tile_len for
  // the last row), so the codes are [row end - nnz, row end): one subtract after the funnel, and only into the
  // main cursor's registers (no compare follows it in this cycle). A row header that disagrees with the offsets
  // is reported by DMA_PK_ROW_LEN / DMA_PK_TILE_LEN (below, from the sums of its own counts).
  logic [PosW-1:0] h_nnzb, h_nnz, h_row_end, next_off;
  logic m_last_row;
  always_comb begin
    h_nnzb = PosW'(m_word[bfp_pkg::ROW_NNZB_LSB +: bfp_pkg::ROW_NNZB_W]);
    h_nnz  = PosW'(m_word[bfp_pkg::ROW_NNZ_LSB +: bfp_pkg::ROW_NNZ_W]);
    // where row m_row + 1 starts: its offset, read from the tile header
    next_off   = m_nxo_q;
    m_last_row = m_last_q;
    h_row_end  = m_last_row ? tlen_q : next_off;
  end
  // the parser's row: its metadata bounds (exponents from off_exp, level-2 masks after the nnzb exponents, and up
  // to the codes, which end the row as above)
  logic [PosW-1:0] p_nnzb, p_nnz, p_e, p_l2, p_cd;
  logic p_last_row;
  always_comb begin
    p_nnzb     = PosW'(p_hdr[bfp_pkg::ROW_NNZB_LSB +: bfp_pkg::ROW_NNZB_W]);
    p_nnz      = PosW'(p_hdr[bfp_pkg::ROW_NNZ_LSB +: bfp_pkg::ROW_NNZ_W]);
    p_last_row = p_last_q;
    p_e        = p_e_q;
    p_l2       = p_e + p_nnzb;
    p_cd       = (p_last_row ? tlen_e : p_off_n) - p_nnz;
  end
  // the main cursor's row as the parser read it (valid once the parser is past the row: m_parsed)
  logic            m_parsed, m_nz;
  logic [PosW-1:0] m_cd;
  always_comb begin
    m_parsed = p_row_q > m_row_q;
    m_cd     = '0;
    m_nz     = 1'b0;
    for (int r = 0; r < Rows; r++) begin
      if (32'(m_row_q) == 32'(r)) begin
        m_cd = cd_tab_q[r*PosW +: PosW];
        m_nz = nz_tab_q[r];
      end
    end
  end
  // the bytes where beats c - 1, c and c + 1 start
  logic [PosW-1:0] cbm1, cb, cb1;
  assign cbm1 = cm1_q << BeatLog;
  assign cb   = c_q << BeatLog;
  assign cb1  = cp1_q << BeatLog;

  // ---- which words leave this cycle ---------------------------------------------------------------------
  // Three walkers, each in byte order, none waiting for another (except a level-2 word for its row's header word):
  // the main cursor (header and code words, main port), the parser (each row's nnzb, into the meta queue) and the
  // meta cursor (the queue head's exponent and level-2 words, meta port). After the tile's last beat (drain) the
  // items still due leave from the last two beats, every one counting as due, so that a corrupt tile whose words
  // run past tile_len still ends (DMA_PK_SHORT reports it).
  logic live, drain, m_due, x_due, p_due, m_emit, x_emit, p_fire, p_push, x_pop, rsp_fire, req_fire, last_beat;
  logic x_busy, x_last, p_live, m_past;
  assign drain     = thdr_q && c_q >= nb_q;
  assign live      = active_q && thdr_q && (rd_rsp_tvalid_i || drain);
  assign m_due     = m_st_q != MainDone && (drain || due(m_pos_q, m_end_q, cb, cb1));
  assign m_emit    = live && m_due;
  assign p_live    = p_live_q;
  assign p_due     = p_live && (drain || due(p_off, p_off + PosW'(bfp_pkg::ROW_HDR_BYTES), cb, cb1));
  // The parser starts in the tile-header cycle: row 0 is at 2 + 2n (rule 5, DMA_PK_OFF0), so its header can be
  // read with the tile header. It is then a row ahead of the main cursor, which uses its record of a row to
  // decide the lag after the row's header word (m_parsed), and its first row is queued for the meta cursor by the
  // first cycle a beat is taken.
  logic hdr_cyc;
  assign hdr_cyc   = active_q && !thdr_q && rd_rsp_tvalid_i;
  assign p_fire    = (live || hdr_cyc) && p_due && q_cnt_q != 2'd2;
  assign p_push    = p_fire && p_nnzb != '0;  // a row without blocks has no metadata words
  assign x_busy    = q_cnt_q != 2'd0;
  assign x_due     = x_busy && (drain || due(x_pos_q, x_end_q, cb, cb1));
  // a level-2 word goes out after its row's header word, never with it (the sequencer's scatter reads the level-1
  // mask the header word wrote, SEQ_L2_AFTER_L1): the main cursor is past that header
  assign m_past    = m_st_q == MainDone || 32'(m_row_q) > 32'(x_row_q) ||
                     (32'(m_row_q) == 32'(x_row_q) && m_st_q != MainHdr);
  assign x_emit    = live && x_due && (!x_l2_q || m_past);
  assign x_last    = x_l2_q && x_pos_q + PosW'(Beat) >= x_end_q;
  assign x_pop     = x_emit && x_last;
  // The beat c is accepted unless an item that ended in beat c - 1 stays behind after this cycle (it would fall
  // out of the funnels' three beats): each walker's item if it does not leave, its next one if it does (later
  // items of a walker end later). Next items: the main cursor's next code word or the next row's header word, the
  // parser's next row header, the meta cursor's next word of its row or the first exponent word of the row that
  // becomes the head (the second queued row, or a row the parser adds to a queue that will hold no other). Where
  // the next item's end comes from a row header read in this cycle (after the main cursor's header word, and for a
  // row the parser adds), may_lag bounds it from its start.
  logic m_next_lag, m_lag, x_pend_lag, p_pend_lag, m_clear, x_clear, p_clear, progress;
  always_comb begin
    m_lag = m_st_q != MainDone && lag(m_pos_q, m_end_q, c_nz_q, cbm1, cb);
    // after a header word: the row's first code word, or the next row's header word (no codes). As the parser
    // read the row if it did so in an earlier cycle (the usual case when the header word leaves after its beat:
    // the parser reads a row header as soon as its beat is there); else bounded from the header word's end.
    if (m_st_q == MainHdr)
      m_next_lag = !m_parsed ? may_lag(m_end_q, cb)
                 : m_nz      ? lag(m_cd, h_row_end, c_nz_q, cbm1, cb)
                             : !m_last_row && lag(next_off, m_nxe_q, c_nz_q, cbm1, cb);
    else if (m_pos_q + PosW'(Beat) < m_end_q)
      m_next_lag = lag(m_pos_q + PosW'(Beat), m_end_q, c_nz_q, cbm1, cb);
    else
      m_next_lag = !m_last_row && lag(next_off, m_nxe_q, c_nz_q, cbm1, cb);
    if (x_busy && !x_emit)
      x_pend_lag = lag(x_pos_q, x_end_q, c_nz_q, cbm1, cb);
    else if (x_emit && !x_last)
      x_pend_lag = (x_pos_q + PosW'(Beat) < x_end_q) ? lag(x_pos_q + PosW'(Beat), x_end_q, c_nz_q, cbm1, cb)
                                                     : lag(x_l2s_q, x_l2e_q, c_nz_q, cbm1, cb);
    else if (q_cnt_q == 2'd2)
      x_pend_lag = lag(q1_e_q, q1_l2_q, c_nz_q, cbm1, cb);
    else
      x_pend_lag = p_fire && may_lag(p_e, cb);
    if (p_fire)
      p_pend_lag = !p_last_row &&
                   lag(p_off_n, p_off_n + PosW'(bfp_pkg::ROW_HDR_BYTES), c_nz_q, cbm1, cb);
    else
      p_pend_lag = p_live && lag(p_off, p_off + PosW'(bfp_pkg::ROW_HDR_BYTES), c_nz_q, cbm1, cb);
    m_clear  = m_emit ? !m_next_lag : !m_lag;
    x_clear  = !x_pend_lag;
    p_clear  = !p_pend_lag;
    progress = m_emit || x_emit || p_fire;
  end
  // In a valid tile an item that ended before the port's beat can always leave (the oldest of them: the main
  // cursor never waits, the parser waits only for the meta cursor and that only for the main cursor, both on
  // earlier items), so a beat is held only while some item leaves. A corrupt tile (a row header that disagrees
  // with the offsets) can leave items that wait for each other: the beat is then taken anyway, so that the load
  // still ends with its last beat (DMA_PK_WINDOW reports it).
  assign rd_rsp_tready_o = active_q && thdr_q && rd_rsp_tvalid_i && c_q < nb_q &&
                           ((m_clear && x_clear && p_clear) || !progress);
  assign rsp_fire  = rd_rsp_tready_o;
  assign last_beat = cp1_q >= nb_q;
  // the load ends when every walker is done after the last beat (their last items may leave with it)
  // the main cursor moves on to row m_row + 1 (after a header word without codes, or the row's last code word)
  logic m_adv;
  assign m_adv = m_emit && !m_last_row && ((m_st_q == MainHdr && h_nnz == '0) ||
                                           (m_st_q == MainCodes && m_pos_q + PosW'(Beat) >= m_end_q));
  logic m_fin, x_fin, p_fin, fin;
  always_comb begin
    m_fin = m_st_q == MainDone ||
            (m_emit && m_last_row && ((m_st_q == MainHdr && h_nnz == '0) ||
                                      (m_st_q == MainCodes && m_pos_q + PosW'(Beat) >= m_end_q)));
    p_fin = !p_live || (p_fire && p_last_row);
    x_fin = (q_cnt_q == 2'd0 || (q_cnt_q == 2'd1 && x_pop)) && !p_push;
    fin   = thdr_q && (drain || (rsp_fire && last_beat)) && m_fin && x_fin && p_fin;
  end
  // The beats every tile of n rows has (each row has at least its header and level-1 mask) are requested at once;
  // the rest of the tile as one burst from the cycle beat 0 gives tile_len. So the round trip for beat 0 is hidden
  // behind the rows of the first beats, and no beat past the tile is ever read.
  logic [PosW-1:0] tl_beats, nb_hdr;  // the tile's beats from the tile_len at the port (beat 0, before it is kept)
  assign tl_beats = (PosW'(hdr_bits[15:0]) + PosW'(Beat - 1)) >> BeatLog;
  assign nb_hdr   = (tl_beats < nbmin_q) ? nbmin_q : tl_beats;
  // (req_b < nb_hdr, with the tile_len's beats compared in bytes: no add between the port's data and the request)
  assign rd_req_tvalid_o = active_q && (req_b_q < nbmin_q ||
                                        (thdr_q ? req_b_q < nb_q
                                                : rd_rsp_tvalid_i && (req_b_q << BeatLog) < PosW'(hdr_bits[15:0])));
  assign rd_req_addr_o   = AddrWidth'(addr_q + (32'(req_b_q) << BeatLog));
  assign req_fire  = rd_req_tvalid_o && rd_req_tready_i;
  assign busy_o    = busy_q;  // (a copy of active_q: below)
  // the beats a tile of rows_i rows at count_i blocks has at least (nbmin at start_i): the core's prefetch limit
  // (the core registers it before use: bfp_core, "prefetch")
  logic [31:0] nbmin_d, off_exp_d;
  assign off_exp_d  = bfp_pkg::row_off_exp(32'(count_i));
  // (rows past R are refused, DMA_PK_ROWS and the core's CMD_LOAD_ROWS: clamped here, so the multiply is R by
  // KB-sized and the smallest tile fits PosW bits)
  logic [RowBits:0] rows_c;
  assign rows_c     = (32'(rows_i) > 32'(Rows)) ? (RowBits + 1)'(Rows) : rows_i[RowBits:0];
  assign nbmin_d    = ceil_beats(32'd2 + 32'(rows_c) * (32'd2 + off_exp_d));
  assign pf_lim_o   = (rows_i == 16'd0) ? 32'd0 : nbmin_d;
  assign pf_any_o   = rows_i != 16'd0;
  assign req_done_o = !active_q || (thdr_q && req_b_q >= nb_q);


  // Clocking (docs/architecture.md "Clock gating"): every register of the engine loads only on the reset, a start or
  // while a load runs (the branches below), and the engine is idle whenever activations load dense or as row streams
  // (about 1,300 flip-flops on the default config, the two beats before the port among them). With `gate` it is
  // clocked through one gate opened by that condition; with none and enable it runs on clk_i with those conditions,
  // as it always did.
  logic clk_eng;
  if (ClockGating == 1) begin : gen_cg_eng
    bfp_icg u_icg (.clk_i(clk_i), .en_i(!rst_ni || start_i || active_q), .gclk_o(clk_eng));
  end else begin : gen_ce_eng
    assign clk_eng = clk_i;
  end
  always_ff @(posedge clk_eng) begin
    if (!rst_ni) begin
      active_q <= 1'b0;
    end else if (start_i) begin
      active_q   <= rows_i != 16'd0;
      thdr_q     <= 1'b0;
      n_q        <= rows_i;
      addr_q     <= addr_i;
      off_exp_q  <= PosW'(off_exp_d);
      nbmin_q    <= PosW'(nbmin_d);
      req_b_q    <= PosW'(pre_i);
      c_q        <= '0;
      cp1_q      <= PosW'(1);
      cm1_q      <= '1;
      c_nz_q     <= 1'b0;
      m_st_q     <= MainDone;
      p_row_q    <= '0;
      p_live_q   <= rows_i != 16'd0;
      p_last_q   <= rows_i <= 16'd1;
      p_off_q    <= PosW'(32'd2 + 32'd2 * 32'(rows_i));
      p_e_q      <= PosW'(32'd2 + 32'd2 * 32'(rows_i) + off_exp_d);
      q_cnt_q    <= '0;
    end else if (active_q) begin
      // beat 0 is looked at twice: its tile header first (not accepted), then as the first beat of the rows
      if (!thdr_q && rd_rsp_tvalid_i) begin
        thdr_q   <= 1'b1;
        tlen_q   <= PosW'(hdr_bits[15:0]);
        // (a corrupt tile_len below the smallest tile: the beats already requested are still taken)
        nb_q     <= nb_hdr;
        offs_q   <= hdr_bits[HdrBits-1:16];
        m_st_q   <= MainHdr;
        m_row_q  <= '0;
        m_nxo_q  <= off1_hdr;
        m_nxe_q  <= off1_hdr + off_exp_q;
        m_last_q <= 32'(n_q) <= 32'd1;
        p_offn_q <= off1_hdr;  // (unless the parser reads row 0 now, below)
        m_pos_q  <= PosW'(hdr_bits[31:16]);
        m_end_q  <= PosW'(hdr_bits[31:16]) + off_exp_q;
      end
      if (req_fire) req_b_q <= req_b_q + PosW'(1);
      if (rsp_fire) begin
        last_q  <= rsp_data;
        last2_q <= last_q;
        c_q     <= cp1_q;
        cp1_q   <= cp1_q + PosW'(1);
        cm1_q   <= c_q;
        c_nz_q  <= 1'b1;
      end
      if (fin) active_q <= 1'b0;
      // parser
      if (p_fire) begin
        for (int r = 0; r < Rows; r++) begin
          if (32'(p_row_q) == 32'(r)) begin
            cd_tab_q[r*PosW +: PosW] <= p_cd;
            nz_tab_q[r]              <= p_nnz != '0;
          end
        end
        p_row_q  <= p_row_q + 16'd1;
        p_off_q  <= p_off_n;
        p_e_q    <= p_off_n + off_exp_q;
        p_offn_q <= off_of(32'(p_row_q) + 32'd2, offs_e);
        p_last_q <= 32'(p_row_q) + 32'd2 >= 32'(n_q);
        p_live_q <= !p_last_q;
      end
      // meta cursor and queue: the head's next word; a finished head leaves, and the next row (the second entry,
      // or the row the parser adds now) becomes the head
      if (p_push && q_cnt_q == 2'd0) begin  // a row the parser adds to an empty queue: walked from the next cycle
        x_row_q <= RowBits'(p_row_q);
        x_pos_q <= p_e;
        x_end_q <= p_l2;
        x_l2s_q <= p_l2;
        x_l2e_q <= p_cd;
        x_l2_q  <= 1'b0;
        x_k_q   <= '0;
      end
      if (x_emit) begin
        x_k_q   <= x_k_q + 16'd1;
        x_pos_q <= x_pos_q + PosW'(Beat);
        if (x_pos_q + PosW'(Beat) >= x_end_q) begin
          x_k_q   <= '0;
          x_l2_q  <= 1'b1;
          x_pos_q <= x_l2s_q;
          x_end_q <= x_l2e_q;
        end
      end
      if (x_pop && q_cnt_q == 2'd2) begin
        x_l2_q  <= 1'b0;
        x_k_q   <= '0;
        x_row_q <= q1_row_q;
        x_pos_q <= q1_e_q;
        x_end_q <= q1_l2_q;
        x_l2s_q <= q1_l2_q;
        x_l2e_q <= q1_cd_q;
      end
      if (p_push && q_cnt_q == 2'd1 && x_pop) begin
        x_l2_q  <= 1'b0;
        x_k_q   <= '0;
        x_row_q <= RowBits'(p_row_q);
        x_pos_q <= p_e;
        x_end_q <= p_l2;
        x_l2s_q <= p_l2;
        x_l2e_q <= p_cd;
      end
      if (p_push && q_cnt_q == 2'd1 && !x_pop) begin
        q1_row_q <= RowBits'(p_row_q);
        q1_e_q   <= p_e;
        q1_l2_q  <= p_l2;
        q1_cd_q  <= p_cd;
      end
      q_cnt_q <= q_cnt_q + 2'(p_push) - 2'(x_pop);
      // main cursor
      if (m_adv) begin
        m_nxo_q  <= off_of(32'(m_row_q) + 32'd2, offs_q);
        m_nxe_q  <= off_of(32'(m_row_q) + 32'd2, offs_q) + off_exp_q;
        m_last_q <= 32'(m_row_q) + 32'd2 >= 32'(n_q);
      end
      if (m_emit) begin
        if (m_st_q == MainHdr) begin
          // the row's code words next (none: straight on to the next row's header)
          if (h_nnz != '0) begin
            m_st_q  <= MainCodes;
            m_pos_q <= h_row_end - h_nnz;
            m_end_q <= h_row_end;
            m_k_q   <= '0;
          end else if (m_last_row) begin
            m_st_q <= MainDone;
          end else begin
            m_row_q <= m_row_q + 16'd1;
            m_pos_q <= next_off;
            m_end_q <= m_nxe_q;
          end
        end else begin  // MainCodes
          m_k_q   <= m_k_q + 16'd1;
          m_pos_q <= m_pos_q + PosW'(Beat);
          if (m_pos_q + PosW'(Beat) >= m_end_q) begin
            if (m_last_row) begin
              m_st_q <= MainDone;
            end else begin
              m_st_q  <= MainHdr;
              m_row_q <= m_row_q + 16'd1;
              m_pos_q <= next_off;
              m_end_q <= m_nxe_q;
            end
          end
        end
      end
    end
  end
  // busy_o from a copy of active_q, for the reason bfp_dma_sparse has one: the core's next-load start comes back
  // as start_i to every register here, and active_q itself sits on the buffer tree of the engine's load enables and
  // response mask. `keep`: Yosys's opt_merge would fold the two flip-flops into one.
  (* keep *) always_ff @(posedge clk_eng) begin
    if (!rst_ni)               busy_q <= 1'b0;
    else if (start_i)          busy_q <= rows_i != 16'd0;
    else if (active_q && fin)  busy_q <= 1'b0;
  end

  // header word: only the header and the level-1 mask (the exponents follow it)
  logic [MemWidth-1:0] hdr_mask;
  always_comb
    for (int b = 0; b < Beat; b++) hdr_mask[8*b +: 8] = (32'(b) < off_exp_q) ? 8'hff : 8'h00;

  assign we_o         = m_emit;
  assign row_o        = RowBits'(m_row_q);
  assign seg_o        = (m_st_q == MainHdr) ? bfp_pkg::SEG_HDR : bfp_pkg::SEG_CODES;
  assign word_o       = (m_st_q == MainHdr) ? 16'd0 : m_k_q;
  assign wdata_o      = (m_st_q == MainHdr) ? (m_word & hdr_mask) : m_word;
  assign meta_we_o    = x_emit;
  assign meta_row_o   = x_row_q;
  assign meta_seg_o   = x_l2_q ? bfp_pkg::SEG_L2 : bfp_pkg::SEG_EXP;
  assign meta_word_o  = x_k_q;
  assign meta_wdata_o = x_word;

  logic unused;
  assign unused = ^{m_fun[2*MemWidth-1:MemWidth], x_fun[2*MemWidth-1:MemWidth], p_fun[2*MemWidth-1:32], p_hdr, h_nnzb};

`ifdef BFP_ASSERT
  // ---- assertions (docs/assertions.md): rules 5-7 of a packed tile and a row header within the row ----------
  logic [15:0] a_kb_q;
  logic        a_end_q;  // the last beat was accepted in the cycle before
  // where the main cursor's row ends by its header's own counts (m_end: the header word's end, the exponents'
  // start), to check them against the offsets
  localparam int BlockLog = $clog2(BlockSize);
  logic [PosW-1:0] a_h_end;
  assign a_h_end = m_end_q + h_nnzb + (h_nnzb << (BlockLog - 3)) + h_nnz;
  function automatic logic [PosW-1:0] lastb(input logic [PosW-1:0] pos, input logic [PosW-1:0] seg_end);
    logic [PosW-1:0] e;
    e     = (pos + PosW'(Beat) < seg_end) ? pos + PosW'(Beat) : seg_end;
    lastb = (e - PosW'(1)) >> BeatLog;
  endfunction
  always_ff @(posedge clk_i) if (start_i) a_kb_q <= count_i;
  always_ff @(posedge clk_i) a_end_q <= rst_ni && active_q && fin;
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      assert (!start_i || !active_q) else $error("DMA_PK_START_BUSY: a packed load started while the last one runs");
      assert (busy_q == active_q) else $error("DMA_PK_BUSY_COPY: busy_o's copy %0b, the engine's state %0b", busy_q, active_q);
      assert (!start_i || 32'(pre_i) <= pf_lim_o)
        else $error("DMA_PK_PRE: %0d beats prefetched, the smallest tile has %0d", pre_i, pf_lim_o);
      assert (!start_i || 32'd2 + 32'd2 * 32'(rows_i) <= 32'(Beat))
        else $error("DMA_PK_TILE_HDR: a tile header of %0d rows does not fit one %0d-byte beat", rows_i, Beat);
      assert (!start_i || 32'(rows_i) <= 32'(Rows)) else $error("DMA_PK_ROWS: %0d rows exceed R = %0d", rows_i, Rows);
      // rule 5: row 0 right after the tile header
      assert (!(active_q && !thdr_q && rd_rsp_tvalid_i) || 32'(hdr_bits[31:16]) == 32'd2 + 32'd2 * 32'(n_q))
        else $error("DMA_PK_OFF0: row 0 at %0d, not after the %0d-row tile header (%0d)", hdr_bits[31:16], n_q,
                    32'd2 + 32'd2 * 32'(n_q));
      if (m_emit && m_st_q == MainHdr) begin
        assert (32'(h_nnzb) <= 32'(a_kb_q) && 32'(h_nnz) <= (32'(h_nnzb) << BlockLog) && h_nnz >= h_nnzb)
          else $error("DMA_PK_HEADER: tile row %0d header nnzb %0d, nnz %0d does not fit %0d blocks", m_row_q, h_nnzb,
                      h_nnz, a_kb_q);
        // rule 6: the bytes row i uses are off_(i+1) - off_i; rule 7: the last row ends at tile_len
        assert (m_last_row || a_h_end == next_off)
          else $error("DMA_PK_ROW_LEN: tile row %0d ends at %0d, row %0d starts at %0d", m_row_q, a_h_end,
                      32'(m_row_q) + 32'd1, next_off);
        assert (!m_last_row || a_h_end == tlen_q)
          else $error("DMA_PK_TILE_LEN: the last row (%0d) ends at %0d, tile_len is %0d", m_row_q, a_h_end, tlen_q);
      end
      // every word ends inside the tile's beats (a word due only because of the drain ran past tile_len)
      assert (!(m_emit && drain) || lastb(m_pos_q, m_end_q) < nb_q)
        else $error("DMA_PK_SHORT: tile row %0d runs past the tile's %0d beats", m_row_q, nb_q);
      assert (!(x_emit && drain) || lastb(x_pos_q, x_end_q) < nb_q)
        else $error("DMA_PK_SHORT: tile row %0d runs past the tile's %0d beats", x_row_q, nb_q);
      assert (!a_end_q || (m_st_q == MainDone && q_cnt_q == 2'd0 && !p_live))
        else $error("DMA_PK_SHORT: the load ended before row %0d was delivered", m_row_q);
      // every item leaves from the funnels' three beats (c, c - 1, c - 2): no beat was taken while an item that
      // ended before it stayed behind (in a valid tile one of them can always leave; a corrupt row can block them)
      assert (!m_emit || (32'(m_pos_q) >> BeatLog) + 32'd2 >= 32'(c_q))
        else $error("DMA_PK_WINDOW: tile row %0d: a main word from beat %0d left at beat %0d", m_row_q,
                    m_pos_q >> BeatLog, c_q);
      assert (!x_emit || (32'(x_pos_q) >> BeatLog) + 32'd2 >= 32'(c_q))
        else $error("DMA_PK_WINDOW: tile row %0d: a meta word from beat %0d left at beat %0d", x_row_q,
                    x_pos_q >> BeatLog, c_q);
      assert (!p_fire || (32'(p_off) >> BeatLog) + 32'd2 >= 32'(c_q))
        else $error("DMA_PK_WINDOW: tile row %0d: its header from beat %0d read at beat %0d", p_row_q,
                    p_off >> BeatLog, c_q);
    end
  end
`endif
endmodule
// bfp-group: load engines
