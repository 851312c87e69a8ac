// SPDX-License-Identifier: Apache-2.0
// The packed-tile loader (LOAD_ACT SPARSE with `packed`, rtl/bfp_dma_packed.sv; docs/sparse-format.md "The RTL
// loader for packed tiles"):
//  - beats: one LOAD_ACT of one packed tile reads rup(tile_len) bytes, hand-computed below from
//    docs/sparse-format.md and equal to golden::packed_stats;
//  - cycles: the load's busy cycles, hand-derived below from the loader's schedule (kLoadStart), for a beat-bound
//    tile (90%-like rows: one beat a cycle), a word-bound one (one word a cycle on each port) and empty rows;
//  - data: random GEMMs with a packed A run bit-exact against the golden model (seed and rerun line printed), on
//    every sparse config where packed tiles apply, with memory backpressure and latency, and with --row-streams;
//  - assertions: a tile that breaks rule 5, 6 or 7 trips DMA_PK_OFF0, DMA_PK_ROW_LEN or DMA_PK_TILE_LEN.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/sparse_packed.h"
#include "host/command.h"
#include "host/layout.h"
#include "sim/direct_device.h"
#include "sim/driver.h"
#include "sim/model_cache.h"
#include "support/loadable_support.h"
#include "support/rtl_configs.h"
#include "support/sparse_matrices.h"
#include "verify/random_gemm.h"

namespace {

using bfp::golden::BfpMatrix;
using bfp::host::Command;
using bfp::host::Opcode;

// configs/default.yaml: R = 8, B = 16, BEAT = 32; K = 256: KB = 16, ceil(KB/8) = 2. A packed row with nnzb
// non-empty blocks and nnz codes is 4 + 2 + 3 * nnzb + nnz bytes; a tile of 8 rows has an 18-byte header.
constexpr int kRows = 8, kB = 16, kKB = 16, kBeat = 32;

BfpMatrix zero_rows() { return bfp::test::zero_matrix(kRows, kKB * kB, kB); }

using bfp::test::fill_row;

// Busy cycles of one packed LOAD_ACT around its beats and words (make_direct_device: memory latency 4, a beat a
// cycle; the tile of 8 rows at K = 256 has nbmin = ceil((2 + 8 * (2 + 6)) / 32) = 3 beats requested at once).
// Cycle 0 is the dispatch cycle (not busy): the core's load prefetch (rtl/bfp_core.sv, docs/architecture.md "Load
// prefetch") already requests beat 0 there, since the load engine is idle; cycles 1 and 2 (the first busy ones)
// request beats 1 and 2 (the engine starts with pre = 1). Beat 0 is at the port in cycle 0 + 4 = 4, where the
// engine reads the tile header (not taking the beat) and requests beat 3 (tile_len is at the port); beat 3 arrives
// in cycle 4 + 4 = 8, in time, so beat k can be taken in cycle 5 + k. The words cut out of a beat leave in the
// cycle it is taken (or later: one beat of slack per walker), and the write stage of bfp_dma_sparse adds one cycle
// after the last word. So a load whose walkers keep up with the beats is busy nb + 5 cycles (the last words leave
// with beat nb - 1 in cycle 4 + nb), and a load bound by its words is busy 4 + W + 1 cycles if W words on the
// busier port leave one a cycle from cycle 5 on. (Without the prefetch beat 0 was requested in cycle 1: 5, nb + 6.)
constexpr uint64_t kLoadStart = 4;  // cycles before the first beat can be taken

Command load_cmd(bool packed, uint32_t stride) {
  Command c;
  c.op = Opcode::LoadAct;
  c.flags = bfp::host::kFlagSparse;
  c.rows = kRows;
  c.count = kKB;
  c.code_addr = 0;
  c.code_stride = packed ? 0 : stride;
  c.packed = packed ? 1 : 0;
  return c;
}

struct Load {
  uint64_t busy, rd_bytes;
};

Load run_loads(const std::shared_ptr<bfp::sim::Model>& model, const std::vector<uint8_t>& bytes,
               const std::vector<Command>& cs) {
  auto dev = bfp::sim::make_direct_device(model, 1 << 16, 1);
  dev->write_mem(0, bytes.data(), bytes.size());
  const auto before = dev->counters();
  std::vector<std::array<uint32_t, 8>> words;
  for (const Command& c : cs) words.push_back(c.encode());
  dev->run_commands(words);
  const auto d = dev->counters() - before;
  return {d.load_busy, d.rd_bytes};
}
Load run_load(const std::shared_ptr<bfp::sim::Model>& model, const std::vector<uint8_t>& bytes, const Command& c) {
  return run_loads(model, bytes, {c});
}

class PackedRtl : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    cfg_ = new bfp::Config(bfp::test::load("configs/default.yaml"));
    model_ = new std::shared_ptr<bfp::sim::Model>(bfp::test::model_for(*cfg_));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete cfg_;
  }
  // The packed load of m and the same rows as row streams: bytes and busy cycles of each.
  static std::pair<Load, Load> both(const BfpMatrix& m) {
    const Load p = run_load(*model_, bfp::golden::encode_packed(m, kBeat, kRows), load_cmd(true, 0));
    const size_t stride = bfp::golden::row_stream_layout(kKB, kB, kBeat).min_row_stride;
    const Load r = run_load(*model_, bfp::golden::encode_rows(m, kBeat), load_cmd(false, uint32_t(stride)));
    std::cout << "packed: " << p.rd_bytes << " bytes, " << p.busy << " busy cycles; row streams: " << r.rd_bytes
              << " bytes, " << r.busy << " busy cycles\n";
    return {p, r};
  }
  static bfp::Config* cfg_;
  static std::shared_ptr<bfp::sim::Model>* model_;
};
bfp::Config* PackedRtl::cfg_ = nullptr;
std::shared_ptr<bfp::sim::Model>* PackedRtl::model_ = nullptr;

TEST_F(PackedRtl, BeatsOfOneTileAsHandComputed) {
  // 8 rows of nnzb = 5, nnz = 5: 6 + 15 + 5 = 26 bytes each; tile_len = 18 + 8 * 26 = 226, rup = 256: 8 beats
  // (row streams: 2 beats a row, 16).
  BfpMatrix m = zero_rows();
  for (int r = 0; r < kRows; ++r) fill_row(m, r, 5, 5);
  const auto [p, r] = both(m);
  EXPECT_EQ(p.rd_bytes, 8u * kBeat);
  EXPECT_EQ(p.rd_bytes, bfp::golden::packed_stats(m, kBeat, kRows).bytes_moved);
  EXPECT_EQ(r.rd_bytes, 16u * kBeat);
  // cycles: bound by its words. Row r starts at 18 + 26r; the main port carries its header word and one code word
  // (16 words), the meta port one exponent and one level-2 word (16 words); each word's beat (<= r) is in by
  // cycle 5 + 2r, when its turn comes: header and exponent word r leave in cycle 5 + 2r (the parser reads row r's
  // header by then; the first exponent word of a row can leave in that very cycle), code and level-2 word r in
  // 6 + 2r (level-2 after its row's header word): cycles 5 .. 20 on both ports, + 1 write stage.
  EXPECT_EQ(p.busy, kLoadStart + 16 + 1);
}

TEST_F(PackedRtl, BeatsAndCyclesOfRowsAsAt90PercentRandom) {
  // nnzb = 13, nnz = 26 (K = 256 at 90% random zeros): 6 + 39 + 26 = 71 bytes a row; tile_len = 18 + 568 = 586,
  // rup = 608: 19 beats; row streams: meta [0, 22 + 26 = 48): 2 beats, one code beat: 3 a row, 24 in all
  // (docs/sparse-format.md "Bytes moved").
  // Cycles: beat-bound, 19 + 5 = 24 (kLoadStart). Row r starts at o = 18 + 71r; its items end at o + 3 (the
  // parser's header read), o + 5 (header word), o + 18 (exponent word), o + 44 (level-2 word), o + 70 (code
  // word). The main port's items come in pairs (code word r, header word r + 1: 6 bytes apart) at least two beats
  // from the next pair; the meta port's (exponent 26 bytes before level-2, level-2 45 before the next row's
  // exponent word) are at most two in a beat with none in the next: beats 1 1 3 4 5 6 7 8 10 10 12 13 14 15 16 17;
  // the parser reads one header a beat. So no walker is more than one beat behind, no beat is held, and the last
  // words (code word 7 in beat 18; level-2 word 7 in beat 17, after header word 7 which shares beat 16 with code
  // word 6) leave with beat 18. The row streams take 29 cycles (3 beats a row).
  BfpMatrix m = zero_rows();
  for (int r = 0; r < kRows; ++r) fill_row(m, r, 13, 26);
  const auto [p, r] = both(m);
  EXPECT_EQ(p.rd_bytes, 19u * kBeat);
  EXPECT_EQ(p.rd_bytes, bfp::golden::packed_stats(m, kBeat, kRows).bytes_moved);
  EXPECT_EQ(r.rd_bytes, 24u * kBeat);
  EXPECT_EQ(p.busy, 19 + kLoadStart + 1);
  EXPECT_LT(p.busy, r.busy);
}

// Two packed LOAD_ACTs back to back (half 0, then half 1, nothing between: only the load engine holds the second):
// the load prefetch (rtl/bfp_core.sv, docs/architecture.md "Load prefetch") requests the second tile's first beats
// while the first load finishes, so the second one finds its beat 0 at the port in its first busy cycle.
TEST_F(PackedRtl, BackToBackLoadsHideTheSecondOnesRoundTrip) {
  BfpMatrix m = zero_rows();
  for (int r = 0; r < kRows; ++r) fill_row(m, r, 13, 26);  // 19 beats, beat-bound (the test above)
  const std::vector<uint8_t> tile = bfp::golden::encode_packed(m, kBeat, kRows);
  Command first = load_cmd(true, 0), second = load_cmd(true, 0);
  second.flags |= bfp::host::kFlagActBuf;
  const Load one = run_load(*model_, tile, first);
  const Load two = run_loads(*model_, tile, {first, second});
  std::cout << "one load: " << one.busy << " busy cycles; two back to back: " << two.busy << "\n";
  EXPECT_EQ(two.rd_bytes, 2u * 19u * kBeat);
  // Cycle 0 = the first load's dispatch (kLoadStart above): the first load requests beat 0 in cycle 0, beats 1 and
  // 2 in cycles 1 and 2, beat 3 in cycle 4 (with its tile header) and beat k in cycle k + 1 on, beat 18 in cycle
  // 19; it takes beat k in cycle 5 + k, beat 18 in cycle 23, and writes in cycle 24: busy 1 .. 24, nb + 5 = 24.
  EXPECT_EQ(one.busy, 19 + kLoadStart + 1);
  // The second LOAD_ACT waits in the pending register from cycle 1. From cycle 20 the first load has no request
  // left, so the prefetch requests the second tile's beats 0, 1, 2 (its nbmin = 3, below PfMax = 8) in cycles 20,
  // 21, 22; they reach the port in cycles 24, 25, 26 and wait there (the first engine takes exactly its 19). The
  // second load dispatches in cycle 25 (the first cycle the load engine is not busy) and its engine starts in
  // cycle 26 with pre = 3: it reads the tile header from beat 0 in cycle 26 and requests beat 3 then (at the port
  // in cycle 30), takes beat k in cycle 27 + k (beat 3 in cycle 30: in time; beats 4.. requested one a cycle from
  // cycle 27), beat 18 in cycle 45, and writes in cycle 46: busy 26 .. 46, 21 = nb + 2 cycles. Its first beat is
  // taken in its 2nd busy cycle, 4 earlier than without the prefetch (6th: nb + 6 = 25; 50 for the pair).
  EXPECT_EQ(two.busy, 24u + (19u + 2u));
}

TEST_F(PackedRtl, BeatsOfMixedRowsDenseRowAndEmptyRow) {
  // row 0 dense: 6 + 48 + 256 = 310; row 1 empty: 6; rows 2..7 (nnzb = r, nnz = 3r): 6 + 6r = 18 .. 48, 198 in
  // all. tile_len = 18 + 310 + 6 + 198 = 532, rup = 544: 17 beats (row streams: 25, tests/sparse_load_rtl_test).
  BfpMatrix m = zero_rows();
  fill_row(m, 0, 16, 256);
  for (int r = 2; r < kRows; ++r) fill_row(m, r, r, 3 * r);
  const auto [p, r] = both(m);
  EXPECT_EQ(p.rd_bytes, 17u * kBeat);
  EXPECT_EQ(p.rd_bytes, bfp::golden::packed_stats(m, kBeat, kRows).bytes_moved);
  EXPECT_EQ(r.rd_bytes, 25u * kBeat);
}

TEST_F(PackedRtl, BeatsOfAllEmptyRowsAndOfFewerRows) {
  // 8 empty rows: 6 bytes each, tile_len = 18 + 48 = 66: 3 beats (row streams: 8, one header beat a row)
  BfpMatrix m = zero_rows();
  auto [p, r] = both(m);
  EXPECT_EQ(p.rd_bytes, 3u * kBeat);
  EXPECT_EQ(r.rd_bytes, 8u * kBeat);
  // cycles: 8 header words (main port), row r's ending in beat (18 + 6r + 5) / 32 = 0 0 1 1 1 1 1 2: word-bound,
  // one a cycle in cycles 5 .. 12 (beat 2, the last, is taken in cycle 12 with header word 7), + 1 write stage
  EXPECT_EQ(p.busy, kLoadStart + 8 + 1);
  // 3 rows (the last M tile of a GEMM): header 2 + 6 = 8, rows nnzb = 1, nnz = 1: 10 bytes; tile_len 38: 2 beats
  BfpMatrix s = zero_rows();
  s.rows = 3;
  s.codes = bfp::golden::CodeMatrix::Zero(3, kKB * kB);
  s.exps = bfp::golden::ExpMatrix::Zero(3, kKB);
  for (int i = 0; i < 3; ++i) fill_row(s, i, 1, 1);
  Command c = load_cmd(true, 0);
  c.rows = 3;
  const Load q = run_load(*model_, bfp::golden::encode_packed(s, kBeat, kRows), c);
  EXPECT_EQ(q.rd_bytes, 2u * kBeat);
  EXPECT_EQ(q.rd_bytes, bfp::golden::packed_stats(s, kBeat, kRows).bytes_moved);
}

// A corrupt tile (the host would never write it) trips the rule's assertion in the loader.
TEST_F(PackedRtl, CorruptTilesTripTheirAssertion) {
  ASSERT_TRUE((*model_)->assertions());
  BfpMatrix m = zero_rows();
  for (int r = 0; r < kRows; ++r) fill_row(m, r, 1 + r, 2 + 2 * r);
  const std::vector<uint8_t> good = bfp::golden::encode_packed(m, kBeat, kRows);
  auto put16 = [](std::vector<uint8_t>& b, size_t at, int delta) {
    const int v = b[at] | b[at + 1] << 8;
    b[at] = uint8_t((v + delta) & 0xff);
    b[at + 1] = uint8_t(((v + delta) >> 8) & 0xff);
  };
  struct Case {
    const char* rule;
    size_t at;  // the u16 that is off by one
  };
  const Case cases[] = {{"DMA_PK_OFF0", 2}, {"DMA_PK_ROW_LEN", 4}, {"DMA_PK_TILE_LEN", 0}};
  for (const Case& k : cases) {
    SCOPED_TRACE(k.rule);
    std::vector<uint8_t> bad = good;
    put16(bad, k.at, +1);
    auto dev = bfp::sim::make_direct_device(*model_, 1 << 16, 1);
    dev->write_mem(0, bad.data(), bad.size());
    try {
      dev->run_commands({load_cmd(true, 0).encode()});
      ADD_FAILURE() << "no assertion failed";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("RTL assertion failed"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(k.rule), std::string::npos) << e.what();
    }
  }
  // the good tile trips nothing
  auto dev = bfp::sim::make_direct_device(*model_, 1 << 16, 1);
  dev->write_mem(0, good.data(), good.size());
  EXPECT_NO_THROW(dev->run_commands({load_cmd(true, 0).encode()}));
}

// ---- bit-exact GEMMs with a packed A -----------------------------------------------------------------------

bool plan_packs(const bfp::Config& cfg, const bfp::verify::GemmSpec& s) {
  for (const Command& c : bfp::verify::plan_spec(cfg, s).commands)
    if (c.op == Opcode::LoadAct && c.packed) return true;
  return false;
}

void run_seeds(const std::string& config, int m, int k, int n, std::vector<uint64_t> seeds) {
  const bfp::Config cfg = bfp::test::load(config);
  auto model = bfp::test::model_for(cfg);
  seeds.push_back(std::random_device{}());  // one fresh seed per run, printed for the rerun
  const double sparsities[] = {0.9, 0.5, 0.97};
  for (size_t i = 0; i < seeds.size(); ++i) {
    bfp::verify::GemmSpec s;
    s.m = m;
    s.k = k;
    s.n = n;
    s.seed = seeds[i];
    s.sparse_a = true;
    s.act_sparsity = sparsities[i % 3];
    s.wgt_sparsity = (i % 2) ? 0.5 : 0.0;
    s.sparsity_pattern = static_cast<bfp::verify::SparsityPattern>(i % 3);
    s.stall = (i % 2) ? 0.3 : 0.0;  // backpressure on every handshake
    s.latency = 1 + int(i % 3) * 4;
    const std::string rerun = bfp::verify::repro_command(cfg, s);
    SCOPED_TRACE("seed=" + std::to_string(s.seed) + " rerun: " + rerun);
    std::cout << "rerun: " << rerun << "\n";
    ASSERT_TRUE(plan_packs(cfg, s)) << "the plan does not load packed tiles";
    const auto r = bfp::verify::run_gemm(model, s);
    EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
    // the A traffic is the packed tiles' beats (once per load of A)
    ASSERT_TRUE(r.act_compression_valid);
    EXPECT_EQ(r.act_read_bytes, r.act_compression.packed_bytes_moved * uint64_t(r.act_loads));
  }
}

TEST(PackedGemmRtl, DefaultConfigBitExact) { run_seeds("configs/default.yaml", 70, 256, 48, {1, 2, 3}); }
TEST(PackedGemmRtl, R4C8B16BitExact) { run_seeds("configs/test/r4c8b16.yaml", 30, 96, 24, {1, 2, 3}); }
TEST(PackedGemmRtl, R4C4B16BitExact) { run_seeds("configs/test/r4c4b16.yaml", 30, 200, 12, {4, 5}); }

TEST(PackedGemmRtl, RowStreamsStillBitExact) {
  // --row-streams: the old path, LOAD_ACT SPARSE without `packed`, on the same config
  const bfp::Config cfg = bfp::test::load("configs/default.yaml");
  bfp::verify::GemmSpec s;
  s.m = 40;
  s.k = 256;
  s.n = 32;
  s.seed = 7;
  s.sparse_a = true;
  s.packed_a = false;
  s.act_sparsity = 0.9;
  EXPECT_FALSE(plan_packs(cfg, s));
  const auto r = bfp::verify::run_gemm(bfp::test::model_for(cfg), s);
  EXPECT_TRUE(r.bit_exact) << r.first_mismatch << "\nrerun: " << bfp::verify::repro_command(cfg, s);
  EXPECT_EQ(r.act_read_bytes, r.act_compression.hier_bytes_moved * uint64_t(r.act_loads));
}

TEST(PackedGemmRtl, FallsBackToRowStreamsWhenTheTileHeaderExceedsABeat) {
  // R = 8 on a 128-bit memory: 2 + 2R = 18 > 16 bytes; the runner loads row streams (host only: no model)
  bfp::Config cfg = bfp::test::load("configs/default.yaml");
  cfg.mem_width = 128;
  std::string why;
  EXPECT_FALSE(bfp::host::can_pack_a(cfg, 256, &why));
  EXPECT_NE(why.find("2 + 2R"), std::string::npos) << why;
  bfp::verify::GemmSpec s;
  s.m = 16;
  s.k = 256;
  s.n = 16;
  s.sparse_a = true;
  EXPECT_FALSE(plan_packs(cfg, s));
  cfg.mem_width = 256;
  EXPECT_TRUE(bfp::host::can_pack_a(cfg, 256));
  EXPECT_TRUE(plan_packs(cfg, s));
}

}  // namespace
