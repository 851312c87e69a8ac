// SPDX-License-Identifier: Apache-2.0
// The compressed weight loader's two halves together (docs/sparsity-bench.md "What compressed weight loads need"):
// bfp_dma_sparse reads W^T columns as row streams (docs/sparse-format.md, written by the golden encoder) from a
// memory model with latency and random stalls, and bfp_wgt_sparse's lanes turn them into the dense words of the
// weight banks. A verilated bench (-Wall) runs random loads and compares, for every column of the load, each
// dense code word and the exponent word with the golden matrix: each written exactly once, on the column's bus
// (column % lanes), at the right word, into the load's weight halves. Columns with no non-zero code, every third
// block empty, and dense columns are all drawn; rows up to R, block counts up to a weight half. Two loads out of
// three start as soon as the loader allows (bfp_dma_sparse done and bfp_wgt_sparse's next_ok_o, as bfp_core
// dispatches them), while the lanes still write the load before; the loads alternate between weight halves 01 and
// 10, so every word written names its load. The loader's assertions are compiled in (BFP_ASSERT): one firing
// fails the bench. The bench's cycles are printed (the loader's speed is a benchmark figure, not asserted here).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "gen/emit.h"
#include "golden/bfp.h"
#include "golden/sparse.h"
#include "support/run_cmd.h"
#include "support/seed.h"
#include "support/temp_dir.h"

namespace {

constexpr const char* kTop = R"(
module wx_bench #(
  parameter int MemWidth = 256, parameter int BlockSize = 16, parameter int Rows = 8, parameter int NumBlocks = 32,
  parameter int Lanes = 2, parameter int BankBits = 4, parameter int WordBits = 7, parameter int ClockGating = 0
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic                      start_i,
  input  logic [15:0]               rows_i,
  input  logic [15:0]               count_i,
  input  logic [31:0]               addr_i,
  input  logic [31:0]               stride_i,
  input  logic [BankBits-1:0]       col_offset_i,
  input  logic [1:0]                halves_i,
  output logic                      busy_o,
  output logic                      dma_busy_o,
  output logic                      next_ok_o,
  output logic                      rd_req_tvalid_o,
  input  logic                      rd_req_tready_i,
  output logic [31:0]               rd_req_addr_o,
  input  logic                      rd_rsp_tvalid_i,
  output logic                      rd_rsp_tready_o,
  input  logic [MemWidth-1:0]       rd_rsp_tdata_i,
  output logic [Lanes-1:0]          bus_we_o,
  output logic [Lanes*BankBits-1:0] bus_sel_o,
  output logic [Lanes-1:0]          bus_exp_o,
  output logic [Lanes*2-1:0]        bus_halves_o,
  output logic [Lanes*WordBits-1:0] bus_addr_o,
  output logic [Lanes*MemWidth-1:0] bus_wdata_o
);
  localparam int RowBits = (Rows > 1) ? $clog2(Rows) : 1;
  logic sp_we, sp_meta_we, dma_busy, wx_busy, req_done, pf_any;
  logic [RowBits-1:0] sp_row, sp_meta_row;
  logic [bfp_pkg::SEG_W-1:0] sp_seg, sp_meta_seg;
  logic [15:0] sp_word, sp_meta_word;
  logic [MemWidth-1:0] sp_wdata, sp_meta_wdata;
  logic [31:0] pf_lim;
  logic [1:0] wr_halves;
  logic [Rows-1:0] row_ok;
  bfp_dma_sparse #(.MemWidth(MemWidth), .AddrWidth(32), .BlockSize(BlockSize), .Rows(Rows)) u_dma (
    .clk_i(clk_i), .rst_ni(rst_ni), .start_i(start_i), .packed_i(1'b0), .rows_i(rows_i), .count_i(count_i),
    .addr_i(addr_i), .stride_i(stride_i), .pre_i(4'd0), .row_ok_i(row_ok), .pf_lim_o(pf_lim), .pf_any_o(pf_any),
    .req_done_o(req_done), .busy_o(dma_busy), .rd_req_tvalid_o(rd_req_tvalid_o), .rd_req_tready_i(rd_req_tready_i),
    .rd_req_addr_o(rd_req_addr_o), .rd_rsp_tvalid_i(rd_rsp_tvalid_i), .rd_rsp_tready_o(rd_rsp_tready_o),
    .rd_rsp_tdata_i(rd_rsp_tdata_i), .we_o(sp_we), .row_o(sp_row), .seg_o(sp_seg), .word_o(sp_word),
    .wdata_o(sp_wdata), .meta_we_o(sp_meta_we), .meta_row_o(sp_meta_row), .meta_seg_o(sp_meta_seg),
    .meta_word_o(sp_meta_word), .meta_wdata_o(sp_meta_wdata));
  bfp_wgt_sparse #(.MemWidth(MemWidth), .BlockSize(BlockSize), .NumBlocks(NumBlocks), .Rows(Rows), .Lanes(Lanes),
                   .BankBits(BankBits), .WordBits(WordBits), .ClockGating(ClockGating)) u_wx (
    .clk_i(clk_i), .rst_ni(rst_ni), .start_i(start_i), .rows_i(rows_i), .count_i(count_i),
    .col_offset_i(col_offset_i), .halves_i(halves_i), .sp_we_i(sp_we), .sp_row_i(sp_row), .sp_seg_i(sp_seg), .sp_wdata_i(sp_wdata),
    .sp_meta_we_i(sp_meta_we), .sp_meta_row_i(sp_meta_row), .sp_meta_seg_i(sp_meta_seg),
    .sp_meta_wdata_i(sp_meta_wdata), .row_ok_o(row_ok), .busy_o(wx_busy), .next_ok_o(next_ok_o),
    .wr_halves_o(wr_halves), .bus_we_o(bus_we_o), .bus_sel_o(bus_sel_o), .bus_exp_o(bus_exp_o),
    .bus_halves_o(bus_halves_o), .bus_addr_o(bus_addr_o), .bus_wdata_o(bus_wdata_o));
  assign busy_o = dma_busy || wx_busy;
  assign dma_busy_o = dma_busy;
  logic unused;
  assign unused = ^{sp_word, sp_meta_word, pf_lim, pf_any, req_done};
  // the halves the loader says it may write cover every word written (bfp_core's COMPUTE rule relies on it)
  always_ff @(posedge clk_i)
    if (rst_ni)
      for (int l = 0; l < Lanes; l++)
        if (bus_we_o[l] && (bus_halves_o[l*2 +: 2] & ~wr_halves) != 2'b00) begin
          $display("halves %b written outside wr_halves_o %b", bus_halves_o[l*2 +: 2], wr_halves);
          $stop;
        end
endmodule
)";

// The bench reads loads.txt: per load "rows count addr stride col_offset" and the expected bytes of each column
// (count*B codes, then count exponents) from expect.bin, the memory image from mem.bin.
constexpr const char* kMain = R"(
#include "Vwx_bench.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <vector>
static Vwx_bench m;
static uint64_t cyc = 0;
template <class T> static uint8_t get(const T& p, int byte) { return uint8_t(p >> (8 * byte)); }
template <std::size_t N> static uint8_t get(const VlWide<N>& p, int byte) { return uint8_t(p[byte / 4] >> (8 * (byte % 4))); }
template <class T> static void put(T& p, const uint8_t* b) {
  p = 0;
  for (int i = 0; i < BEAT; ++i) p |= T(b[i]) << (8 * i);
}
template <std::size_t N> static void put(VlWide<N>& p, const uint8_t* b) {
  for (int i = 0; i < BEAT / 4; ++i) p[i] = b[4*i] | b[4*i+1] << 8 | b[4*i+2] << 16 | uint32_t(b[4*i+3]) << 24;
}
template <class T> static uint8_t lane_byte(const T& p, int lane, int byte) { return uint8_t(p >> (8 * (lane * BEAT + byte))); }
template <std::size_t N> static uint8_t lane_byte(const VlWide<N>& p, int lane, int byte) {
  const int b = lane * BEAT + byte;
  return uint8_t(p[b / 4] >> (8 * (b % 4)));
}
int main(int argc, char** argv) {
  const unsigned long long seed = argc > 1 ? strtoull(argv[1], nullptr, 0) : 1;
  std::mt19937_64 rng(seed);
  std::ifstream fm("mem.bin", std::ios::binary), fe("expect.bin", std::ios::binary), fl("loads.txt");
  std::vector<uint8_t> mem((std::istreambuf_iterator<char>(fm)), {}), ex((std::istreambuf_iterator<char>(fe)), {});
  size_t epos = 0;
  long bad = 0, loads = 0, words = 0;
  uint64_t busy_cycles = 0;
  m.rst_ni = 0;
  for (int i = 0; i < 3; ++i) { m.clk_i = 0; m.eval(); m.clk_i = 1; m.eval(); }
  m.rst_ni = 1;
  struct Load {
    int rows, count, latency, stall, overlap;
    unsigned addr, stride, off;
    std::map<long, std::vector<uint8_t>> got;  // key: (col * 2 + exp) * 4096 + word
    std::map<long, int> times;
  };
  std::vector<Load> ls;
  {
    Load l{};
    while (fl >> l.rows >> l.count >> l.addr >> l.stride >> l.off >> l.latency >> l.stall >> l.overlap) ls.push_back(l);
  }
  std::deque<std::pair<uint64_t, unsigned>> inflight;
  size_t next = 0;  // the load to start next
  long overlapped = 0;
  const uint64_t t0 = cyc;
  while (next < ls.size() || m.busy_o) {
    // start the next load when the loader is idle, or (overlap) as soon as bfp_core would dispatch it
    m.start_i = 0;
    if (next < ls.size() && (!m.busy_o || (ls[next].overlap && !m.dma_busy_o && m.next_ok_o))) {
      const Load& l = ls[next];
      overlapped += m.busy_o;
      m.start_i = 1; m.rows_i = l.rows; m.count_i = l.count; m.addr_i = l.addr; m.stride_i = l.stride;
      m.col_offset_i = l.off; m.halves_i = next % 2 ? 2 : 1;
      ++next;
    }
    const Load& cur = ls[next == 0 ? 0 : next - 1];
    // drive the memory model's outputs for this cycle
    const bool stall_req = cur.stall && rng() % 4 == 0, stall_rsp = cur.stall && rng() % 4 == 0;
    m.rd_req_tready_i = !stall_req;
    const bool have = !inflight.empty() && inflight.front().first <= cyc && !stall_rsp;
    m.rd_rsp_tvalid_i = have;
    if (have) put(m.rd_rsp_tdata_i, &mem[inflight.front().second]);
    m.clk_i = 0; m.eval();
    const bool req = m.rd_req_tvalid_o && m.rd_req_tready_i, rsp = have && m.rd_rsp_tready_o;
    const unsigned raddr = m.rd_req_addr_o;
    for (int l = 0; l < LANES; ++l)
      if ((m.bus_we_o >> l) & 1) {
        const int sel = int((m.bus_sel_o >> (l * BANKBITS)) & ((1 << BANKBITS) - 1));
        const int e = (m.bus_exp_o >> l) & 1;
        const int h = int((m.bus_halves_o >> (2 * l)) & 3);
        const long a = long((m.bus_addr_o >> (l * WORDBITS)) & ((1u << WORDBITS) - 1));
        // the word belongs to the latest load started with its halves (01: even loads, 10: odd ones)
        long n = long(next) - 1;
        if (n >= 0 && (n % 2 ? 2 : 1) != h) --n;
        if (n < 0 || (h != 1 && h != 2)) { if (bad++ < 5) printf("cycle %llu: a word with halves %d\n", (unsigned long long)cyc, h); continue; }
        if (sel % LANES != l && bad++ < 5) printf("load %ld: column %d written on bus %d\n", n + 1, sel, l);
        const long key = (long(sel) * 2 + e) * 4096 + a;
        ls[size_t(n)].times[key]++;
        std::vector<uint8_t>& w = ls[size_t(n)].got[key];
        w.resize(BEAT);
        for (int i = 0; i < BEAT; ++i) w[size_t(i)] = lane_byte(m.bus_wdata_o, l, i);
      }
    m.clk_i = 1; m.eval();
    ++cyc;
    if (rsp) inflight.pop_front();
    if (req) {
      if (raddr + BEAT > mem.size() || raddr % BEAT) { printf("read of %u out of the image\n", raddr); return 2; }
      inflight.emplace_back(cyc + uint64_t(cur.latency), raddr);
    }
    if (cyc - t0 > 2000000) { printf("hang at load %zu\n", next); return 2; }
  }
  busy_cycles = cyc - t0;
  if (!inflight.empty() && bad++ < 5) printf("%zu reads unanswered\n", inflight.size());
  for (Load& l : ls) {
    ++loads;
    const int rows = l.rows, count = l.count, off = int(l.off);
    const int words_per_col = count * BLK / BEAT;
    for (int r = 0; r < rows; ++r) {
      const int col = off + r;
      const uint8_t* codes = &ex[epos];
      const uint8_t* exps = &ex[epos + size_t(count) * BLK];
      epos += size_t(count) * BLK + size_t(count);
      for (int w = 0; w <= words_per_col; ++w) {
        const bool e = w == words_per_col;
        const long key = (long(col) * 2 + e) * 4096 + (e ? 0 : w);
        ++words;
        if (l.times[key] != 1) { if (bad++ < 5) printf("load %ld column %d %s word %d written %d times\n", loads, col, e ? "exponent" : "code", e ? 0 : w, l.times[key]); continue; }
        const std::vector<uint8_t>& g = l.got[key];
        for (int i = 0; i < (e ? count : BEAT); ++i) {
          const uint8_t want = e ? exps[i] : codes[w * BEAT + i];
          if (g[size_t(i)] != want) {
            if (bad++ < 5) printf("load %ld column %d %s word %d byte %d: %d, expected %d\n", loads, col, e ? "exponent" : "code", e ? 0 : w, i, g[size_t(i)], want);
            break;
          }
        }
      }
    }
    if (l.got.size() != size_t(rows * (words_per_col + 1)) && bad++ < 5) printf("load %ld: %zu words written, %d expected\n", loads, l.got.size(), rows * (words_per_col + 1));
  }
  printf("overlapped starts %ld\n", overlapped);
  printf("seed %llu loads %ld words %ld mismatches %ld busy cycles %llu\n", seed, loads, words, bad, (unsigned long long)busy_cycles);
  return bad != 0 || loads == 0;
}
)";

struct WxCase {
  const char* name;
  const char* config;  // a config with sparsity: both (its B, beat, R, weight depth)
  int lanes;
  int gating = 0;      // ClockGating: 1 gate (the lanes' and the loader's clock gates), 2 enable
};

class WgtSparseLoad : public ::testing::TestWithParam<WxCase> {};

TEST_P(WgtSparseLoad, DenseWordsAndExponentsEqualTheGoldenColumns) {
  if (!bfp::test::have_tool("verilator")) GTEST_SKIP() << "verilator not found";
  const WxCase& c = GetParam();
  const uint64_t seed = bfp::test::seed_for(0x3f1e0000ull + uint64_t(c.lanes) + 0x100ull * uint64_t(c.gating));
  std::printf("seed %llu  %s\n", static_cast<unsigned long long>(seed), bfp::test::repro("wgt_sparse_rtl_test", seed).c_str());
  const bfp::Config cfg = bfp::load_config(std::string(BFP_SOURCE_DIR) + "/" + c.config);
  const int B = cfg.block, beat = cfg.beat_bytes(), R = cfg.rows, nb = cfg.wgt_depth / cfg.block;
  bfp::test::TempDir tmp("bfp_wgt_sparse");
  bfp::generate(cfg, (tmp / "gen").string());
  std::mt19937_64 rng(seed);
  auto uni = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  std::vector<uint8_t> mem, expect;
  std::string loads;
  // the loads: a half of the buffer at most, and every exponent in beat 0 (the host's rule)
  int max_kb = nb / 2;
  while (4 + (max_kb + 7) / 8 + max_kb > beat) --max_kb;
  const int bpw = beat / B;
  for (int n = 0; n < 60; ++n) {
    const int rows = 1 + int(rng() % uint64_t(R));
    const int count = (1 + int(rng() % uint64_t(max_kb / bpw))) * bpw;
    const int off = int(rng() % uint64_t(cfg.cols / c.lanes - (rows + c.lanes - 1) / c.lanes + 1)) * c.lanes;
    bfp::golden::BfpMatrix q;
    q.rows = rows;
    q.cols = count * B;
    q.block = B;
    q.codes = bfp::golden::CodeMatrix::Zero(rows, count * B);
    q.exps = bfp::golden::ExpMatrix::Zero(rows, count);
    for (int r = 0; r < rows; ++r) {
      const int kind = int(rng() % 5);  // 0: empty column, 1: dense, 2: every third block empty, else random
      const double dens = kind == 0 ? 0 : kind == 1 ? 1 : uni() * (rng() % 2 ? 0.2 : 1.0);
      for (int k = 0; k < count * B; ++k)
        if (uni() < dens && !(kind == 2 && (k / B) % 3 == 0)) q.codes(r, k) = int8_t(uint8_t(1 + rng() % 255));
      for (int b = 0; b < count; ++b) q.exps(r, b) = uint8_t(rng() % 256);
    }
    const auto lay = bfp::golden::row_stream_layout(count, B, beat);
    const size_t stride = lay.min_row_stride + size_t(beat) * (rng() % 2);
    const size_t addr = mem.size();
    const std::vector<uint8_t> s = bfp::golden::encode_rows(q, beat, stride);
    mem.insert(mem.end(), s.begin(), s.end());
    for (int r = 0; r < rows; ++r) {
      for (int k = 0; k < count * B; ++k) expect.push_back(uint8_t(q.codes(r, k)));
      for (int b = 0; b < count; ++b) {
        bool any = false;
        for (int t = 0; t < B; ++t) any |= q.codes(r, b * B + t) != 0;
        expect.push_back(any ? q.exps(r, b) : 0);  // an empty block's exponent is 0 (docs/sparse-format.md)
      }
    }
    loads += std::to_string(rows) + " " + std::to_string(count) + " " + std::to_string(addr) + " " +
             std::to_string(stride) + " " + std::to_string(off) + " " + std::to_string(1 + rng() % 8) + " " +
             std::to_string(n % 3 == 0 ? 0 : 1) + " " + std::to_string(n % 3 == 2 ? 0 : 1) + "\n";
  }
  mem.resize(mem.size() + size_t(beat), 0);
  std::ofstream(tmp / "mem.bin", std::ios::binary).write(reinterpret_cast<const char*>(mem.data()), std::streamsize(mem.size()));
  std::ofstream(tmp / "expect.bin", std::ios::binary).write(reinterpret_cast<const char*>(expect.data()), std::streamsize(expect.size()));
  std::ofstream(tmp / "loads.txt") << loads;
  std::ofstream(tmp / "wx_bench.sv") << kTop;
  std::ofstream(tmp / "main.cpp") << kMain;
  int bank_bits = 1;
  while ((1 << bank_bits) < cfg.cols) ++bank_bits;
  const int word_bits = 7;
  const std::string src = std::string(BFP_SOURCE_DIR) + "/rtl/";
  std::string files = "gen/bfp_pkg.sv";
  for (const char* f : {"bfp_chk_handshake", "bfp_icg", "bfp_walk_step", "bfp_dma_packed", "bfp_dma_sparse",
                        "bfp_popcount", "bfp_prefix_sum", "bfp_wgt_expand", "bfp_wgt_sparse"})
    files += " '" + src + f + ".sv'";
  const std::string defs = "-DBEAT=" + std::to_string(beat) + " -DBLK=" + std::to_string(B) +
                           " -DLANES=" + std::to_string(c.lanes) + " -DBANKBITS=" + std::to_string(bank_bits) +
                           " -DWORDBITS=" + std::to_string(word_bits);
  const auto b = bfp::test::run_cmd(
      "cd '" + tmp.path().string() + "' && verilator -Wall -Wno-UNUSEDPARAM --cc --exe --build -j 2 --top-module wx_bench" +
      " --assert +define+BFP_ASSERT" +  // the loader's own assertions (WX_*, DMA_SP_*) fail the bench
      " -GMemWidth=" + std::to_string(8 * beat) + " -GBlockSize=" + std::to_string(B) + " -GRows=" + std::to_string(R) +
      " -GNumBlocks=" + std::to_string(nb) + " -GLanes=" + std::to_string(c.lanes) + " -GBankBits=" +
      std::to_string(bank_bits) + " -GWordBits=" + std::to_string(word_bits) + " -GClockGating=" + std::to_string(c.gating) +
      " -CFLAGS '" + defs + "' " + files +
      " wx_bench.sv main.cpp -o vbench 2>&1");
  ASSERT_EQ(b.status, 0) << b.output;
  EXPECT_EQ(b.output.find("%Warning"), std::string::npos) << b.output;
  const auto r = bfp::test::run_cmd("cd '" + tmp.path().string() + "' && ./obj_dir/vbench " + std::to_string(seed) + " 2>&1");
  std::printf("%s", r.output.c_str());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("loads 60 "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("overlapped starts 0\n"), std::string::npos) << r.output;  // the tail overlap ran
  EXPECT_NE(r.output.find("mismatches 0 "), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Configs, WgtSparseLoad,
                         ::testing::Values(WxCase{"default_2lanes", "configs/default.yaml", 2},
                                           WxCase{"default_4lanes", "configs/default.yaml", 4},
                                           WxCase{"default_1lane", "configs/default.yaml", 1},
                                           WxCase{"default_4lanes_gate", "configs/default.yaml", 4, 1},
                                           WxCase{"r4c8b16_2lanes", "configs/test/r4c8b16.yaml", 2}),
                         [](const ::testing::TestParamInfo<WxCase>& i) { return std::string(i.param.name); });

}  // namespace
