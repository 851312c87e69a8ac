// SPDX-License-Identifier: Apache-2.0
// The packed loader's meta cursor holds a beat (rtl/bfp_dma_packed.sv, x_clear; docs/sparse-format.md "The RTL
// loader for packed tiles"): the beat at the response port is not taken while an exponent or level-2 word that
// ended in the beat before is still waiting, because its bytes would then fall out of the three-beat funnel.
// Rows whose metadata has more words than the row has beats make the meta cursor the busiest walker (it leaves
// one word a cycle and is the only walker behind the beats), and words that straddle a beat then need the hold:
// without it the beat is taken, the word's first beat leaves the funnel, and the word is cut out of the wrong
// bytes. These GEMMs put such tiles through the RTL and compare C bit for bit with the golden model on the same
// operands; they check data, not cycles (the packed loader's timing may change).
// Bite (docs/formal.md "Every property bites", how it was shown): x_clear = 1'b1 in a copy of rtl/ run through
// BFP_RTL_SOURCE_DIR makes every case below fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "golden/sparse_packed.h"
#include "host/command.h"
#include "host/command_format.h"
#include "host/plan.h"
#include "sim/model_cache.h"
#include "sim/runner.h"
#include "support/rtl_configs.h"
#include "support/seed.h"
#include "support/sparse_matrices.h"

namespace {

using bfp::golden::BfpMatrix;

// configs/test/r4c4b16.yaml: R = 4 rows a tile, B = 16, BEAT = 16 bytes (128-bit memory); K = 256: KB = 16,
// off_exp = 4 + ceil(16/8) = 6. A packed row of nnzb blocks and nnz codes: 6 + nnzb (exponents) + 2 * nnzb
// (level-2 masks) + nnz bytes; its meta words: ceil(nnzb / 16) exponent + ceil(2 nnzb / 16) level-2 words.
constexpr int kBeat = 16, kB = 16, kK = 256, kKB = kK / kB, kRows = 4;
constexpr int kOffExp = 4 + (kKB + 7) / 8;

struct Shape {
  int nnzb, nnz;
};

/// Row r of m: nnzb non-empty blocks (drawn from the KB blocks) holding nnz non-zero codes in all (one in each
/// block first), random codes and exponents from g.
void put_row(BfpMatrix& m, int r, Shape s, std::mt19937_64& g) {
  ASSERT_TRUE(s.nnzb <= kKB && s.nnzb <= s.nnz && s.nnz <= s.nnzb * kB) << "not a row: " << s.nnzb << ", " << s.nnz;
  std::vector<int> blocks(kKB);
  for (int b = 0; b < kKB; ++b) blocks[b] = b;
  std::shuffle(blocks.begin(), blocks.end(), g);
  blocks.resize(s.nnzb);
  std::uniform_int_distribution<int> ex(100, 140), el(0, kB - 1);
  for (int b = 0; b < kKB; ++b) m.exps(r, b) = static_cast<uint8_t>(ex(g));
  int placed = 0;
  for (int i = 0; placed < s.nnz; i = (i + 1) % s.nnzb) {
    const int b = blocks[i];
    int t = el(g);
    while (m.codes(r, b * kB + t) != 0) t = (t + 1) % kB;  // nnz <= B * nnzb: a free element exists
    m.codes(r, b * kB + t) = static_cast<int8_t>(bfp::test::nonzero_code(g));
    ++placed;
  }
}

/// What makes a tile need the hold, from the golden encoder's bytes (docs/sparse-format.md "Packed tiles": beat 0
/// holds u16 tile_len and the rows' u16 offsets): rows whose meta words outnumber their length in beats, and
/// metadata words (the used bytes of one word of a row's exponent or level-2 segment) that straddle a beat.
struct TileFacts {
  int meta_bound_rows = 0, straddling_words = 0;
};
TileFacts facts(const std::vector<uint8_t>& tile, int rows) {
  auto u16 = [&](size_t at) { return int(tile[at] | tile[at + 1] << 8); };
  TileFacts f;
  for (int i = 0; i < rows; ++i) {
    const int off = u16(2 + 2 * i), end = (i + 1 < rows) ? u16(2 + 2 * (i + 1)) : u16(0);
    const int nnzb = u16(off + bfp::fmt::kRowNnzbLsb / 8);
    const int e = off + kOffExp, l2 = e + nnzb, cd = l2 + nnzb * kB / 8;
    int words = 0;
    for (auto [lo, hi] : {std::pair{e, l2}, std::pair{l2, cd}})
      for (int w = lo; w < hi; w += kBeat, ++words) {
        const int last = std::min(w + kBeat, hi) - 1;
        if (w / kBeat != last / kBeat) ++f.straddling_words;
      }
    if (words * kBeat > end - off) ++f.meta_bound_rows;  // more meta words than the row's bytes fill beats
  }
  return f;
}

/// C = A W on the RTL with A loaded as packed tiles (LOAD_ACT SPARSE `packed`), compared bit for bit with the
/// golden model, at each memory timing; returns the tiles' facts summed.
TileFacts run_packed(const std::vector<Shape>& rows, uint64_t seed) {
  const bfp::Config cfg = bfp::test::load("configs/test/r4c4b16.yaml");
  EXPECT_EQ(cfg.rows, kRows);
  EXPECT_EQ(cfg.block, kB);
  EXPECT_EQ(cfg.mem_width / 8, kBeat);
  std::mt19937_64 g(seed);
  const int m = int(rows.size()), n = 2 * cfg.cols;
  BfpMatrix a = bfp::test::zero_matrix(m, kK, kB);
  for (int r = 0; r < m; ++r) put_row(a, r, rows[r], g);
  BfpMatrix wt = bfp::test::zero_matrix(n, kK, kB);
  std::uniform_int_distribution<int> ex(110, 130);
  for (int j = 0; j < n; ++j) {
    for (int c = 0; c < kK; ++c) wt.codes(j, c) = static_cast<int8_t>(bfp::test::nonzero_code(g));
    for (int b = 0; b < kKB; ++b) wt.exps(j, b) = static_cast<uint8_t>(ex(g));
  }
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const BfpMatrix expected = bfp::golden::requantize(bfp::golden::gemm_accumulate(a, wt, ap), kB, ap, false);

  // the tiles as the host writes them (one per M tile of R rows)
  TileFacts sum;
  for (int t = 0; t < m; t += kRows) {
    BfpMatrix tile_rows = bfp::test::zero_matrix(std::min(kRows, m - t), kK, kB);
    tile_rows.codes = a.codes.middleRows(t, tile_rows.rows);
    tile_rows.exps = a.exps.middleRows(t, tile_rows.rows);
    const TileFacts f = facts(bfp::golden::encode_packed(tile_rows, kBeat, kRows), tile_rows.rows);
    sum.meta_bound_rows += f.meta_bound_rows;
    sum.straddling_words += f.straddling_words;
  }

  bfp::host::PlanOptions po;
  po.sparse_a = bfp::host::Compress::Yes;
  po.pack_a = true;
  const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {m, kK, n}, po);
  bool packed = false;
  for (const bfp::host::Command& c : plan.commands) packed = packed || (c.op == bfp::host::Opcode::LoadAct && c.packed);
  EXPECT_TRUE(packed) << "the plan does not load packed tiles";
  const auto model = bfp::test::model_for(cfg);
  // beats one a cycle (the walkers fall behind them), with short and long latency; then with backpressure
  const bfp::sim::MemTiming timings[] = {{0.0, 1, 1.0}, {0.0, 4, 1.0}, {0.2, 3, 1.0}};
  for (const bfp::sim::MemTiming& tm : timings) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", latency " + std::to_string(tm.latency) + ", stall " +
                 std::to_string(tm.stall));
    auto drv = bfp::sim::make_driver(model, plan.layout.bytes, seed, tm);
    const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, plan, a, wt, expected);
    EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
  }
  return sum;
}

// nnzb = 9, nnz = 9: 42 bytes (2.6 beats) and three meta words a row (exponents 9 bytes, masks 18: two words),
// two main-port words (header, codes): the meta cursor is the busiest walker. Two tiles of four such rows.
TEST(PackedMetaRtl, MetaBoundRowsWithStraddlingWordsBitExact) {
  const TileFacts f = run_packed(std::vector<Shape>(8, Shape{9, 9}), bfp::test::seed_for(11));
  // the precondition, by hand: every row is meta-bound (3 * 16 > 42); a tile's rows start at 10, 52, 94, 136
  // (header 2 + 2 * 4), exponents at +6 (9 bytes), masks at +15 (words of 16 and 2 bytes): exponents [16, 25)
  // [58, 67) [100, 109) [142, 151) straddle in rows 1 and 3, the first mask word [25, 41) [67, 83) [109, 125)
  // [151, 167) in every row, the second (2 bytes at 41, 83, 125, 167) in none: 6 a tile
  EXPECT_EQ(f.meta_bound_rows, 8);
  EXPECT_EQ(f.straddling_words, 12);
}

// Mixed rows: meta-bound rows (nnzb 9..11, few codes) between rows with many codes (the main cursor's) and an
// empty row, so the meta cursor falls behind and catches up again within a tile.
TEST(PackedMetaRtl, MixedRowsBitExact) {
  const std::vector<Shape> rows = {{10, 10}, {9, 12}, {2, 30}, {11, 11}, {0, 0}, {9, 9}, {10, 11}, {1, 1},
                                   {9, 9},   {12, 12}, {9, 10}, {3, 30}};
  const TileFacts f = run_packed(rows, bfp::test::seed_for(12));
  // meta-bound (meta words * 16 > 6 + 3 nnzb + nnz bytes): {10,10} 48 > 46, {9,12} 48 > 45, {9,9} 48 > 42 (twice),
  // {10,11} 48 > 47, {9,10} 48 > 43, {1,1} 32 > 10; not {2,30}, {11,11} (50), {0,0}, {12,12} (54), {3,30}
  EXPECT_EQ(f.meta_bound_rows, 7);
  EXPECT_GT(f.straddling_words, 0);
}

// Random shapes around the meta-bound range, a fresh seed each run unless BFP_SEED is set (the repro line).
TEST(PackedMetaRtl, RandomMetaHeavyTilesBitExact) {
  const uint64_t seed = bfp::test::seed_for(std::random_device{}());
  const std::string repro = bfp::test::repro("packed_meta_rtl_test", seed);
  std::cout << repro << "\n";
  SCOPED_TRACE(repro);
  std::mt19937_64 g(seed);
  std::uniform_int_distribution<int> nb(6, 13);
  std::vector<Shape> rows;
  for (int i = 0; i < 12; ++i) {
    const int nnzb = nb(g);
    rows.push_back({nnzb, std::uniform_int_distribution<int>(nnzb, nnzb + 4)(g)});
  }
  run_packed(rows, seed);
}

}  // namespace
