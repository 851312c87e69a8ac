// SPDX-License-Identifier: Apache-2.0
// The packed loader's meta cursor holds a beat (rtl/bfp_dma_packed.sv, x_clear; docs/sparse-format.md "The RTL
// loader for packed tiles"): the beat at the response port is not taken while an exponent or level-2 word that
// ended in the beat before is still waiting (and the other walkers would let the beat go), because the funnels
// keep only three beats and the word's first beat would leave them: the word would be cut out of the wrong bytes.
// A mutant that never holds (x_clear = 1'b1) survived the suites before this file. These GEMMs put tiles that need
// the hold through the RTL (A loaded as packed tiles) and compare C bit for bit with the golden model on the same
// operands; they check data, not cycles (the packed loader's timing may change).
// Bite (shown with a copy of rtl/ through BFP_RTL_SOURCE_DIR, docs/formal.md "Tests of the issue-11 load
// mechanisms"): with x_clear = 1'b1 each MetaCursorHoldGemm test fails on DMA_PK_WINDOW, and with that check
// deleted too, on the bit-exact comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
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
// (level-2 masks) + nnz bytes.
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

/// C = A W on the RTL with A loaded as packed tiles (LOAD_ACT SPARSE `packed`), compared bit for bit with the
/// golden model, at each memory timing (an RTL assertion is a failure too; the next timing still runs).
void run_packed(const std::vector<Shape>& rows, uint64_t seed) {
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
    try {
      auto drv = bfp::sim::make_driver(model, plan.layout.bytes, seed, tm);
      const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, plan, a, wt, expected);
      EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

// GEMMs whose tiles need the hold. They were found by running random tile shapes (the kinds RandomTiles below
// draws) on a copy of rtl/ with the hold removed (x_clear = 1'b1, through BFP_RTL_SOURCE_DIR; 14 of 200 random
// GEMMs of one or two tiles failed there): each of these trips DMA_PK_WINDOW there, a meta word leaving three
// beats after the beat it starts in, which had already left the funnels (without the assertion it would be cut out
// of the wrong bytes). A straddling word is not needed: in the second GEMM (rows of 10, 25, 12 and 10 bytes) no
// exponent or level-2 word straddles a beat; the meta cursor (one word a cycle, each row's level-2 word only after
// the main cursor's header word of that row) falls behind while the main cursor and the parser let the beats go.
// One test each (ctest runs each in its own process: after an RTL assertion the model instance stays stopped).
const std::vector<std::vector<Shape>> kHoldGemms = {
    {{0, 0}, {10, 12}, {9, 11}, {8, 40}, {1, 3}, {2, 2}, {1, 3}, {3, 46}},
    {{1, 1}, {2, 13}, {1, 3}, {1, 1}},
    {{2, 9}, {2, 3}, {10, 12}, {9, 10}},
    {{2, 2}, {1, 14}, {12, 15}, {9, 51}},
};
// One of the GEMMs above with its values drawn from seed `dflt` (BFP_SEED replaces it), printing the repro line.
void run_hold(size_t i, uint64_t dflt) {
  const uint64_t seed = bfp::test::seed_for(dflt);
  const std::string repro = bfp::test::repro("packed_meta_rtl_test", seed);
  std::cout << repro << "\n";
  SCOPED_TRACE(repro);
  run_packed(kHoldGemms[i], seed);
}

TEST(PackedMetaRtl, MetaCursorHoldGemm0BitExact) { run_hold(0, 31); }
TEST(PackedMetaRtl, MetaCursorHoldGemm1BitExact) { run_hold(1, 32); }
TEST(PackedMetaRtl, MetaCursorHoldGemm2BitExact) { run_hold(2, 33); }
TEST(PackedMetaRtl, MetaCursorHoldGemm3BitExact) { run_hold(3, 34); }

// Random tiles of 4 or 8 rows mixing the row kinds the search above used (tiny rows, rows with 9..12 blocks and few
// codes, rows with many codes, empty rows): a fixed base seed, so the default suite runs the same tiles every time;
// BFP_SEED replaces it (the repro line; a sweep sets it).
TEST(PackedMetaRtl, RandomTilesBitExact) {
  const uint64_t base = bfp::test::seed_for(20261205);
  const std::string repro = bfp::test::repro("packed_meta_rtl_test", base);
  std::cout << repro << "\n";
  SCOPED_TRACE(repro);
  std::mt19937_64 g(base);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); };
  for (int i = 0; i < 20; ++i) {
    std::vector<Shape> rows;
    const int m = 4 * pick(1, 2);
    for (int r = 0; r < m; ++r) {
      Shape s{0, 0};
      switch (pick(0, 4)) {
        case 0: s.nnzb = pick(1, 2); s.nnz = s.nnzb + pick(0, 2); break;                     // tiny
        case 1: s.nnzb = pick(9, 12); s.nnz = s.nnzb + pick(0, 3); break;                    // many masks
        case 2: s.nnzb = pick(1, 3); s.nnz = pick(s.nnzb, kB * s.nnzb); break;               // many codes
        case 3: s.nnzb = pick(1, kKB); s.nnz = pick(s.nnzb, std::min(kB * s.nnzb, 60)); break;
        default: break;                                                                       // empty
      }
      rows.push_back(s);
    }
    run_packed(rows, base + uint64_t(i));
  }
}

}  // namespace
