// SPDX-License-Identifier: Apache-2.0
// Row balancing on the RTL (docs/architecture.md "Row balancing"): a hand-built A whose even rows are dense and
// whose odd rows hold one non-zero per block. In natural order each 8-row tile mixes both kinds and every
// COMPUTE lasts as long as a dense row; balanced, one tile holds the dense rows and the other the sparse ones.
// The compute engine's busy cycles must fall by exactly the hand-computed difference, and both runs must be
// bit-exact with C in logical row order. The same for column regrouping (last test).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "golden/sparse.h"
#include "host/plan.h"
#include "host/row_order.h"
#include "sim/runner.h"
#include "support/rtl_configs.h"
#include "verify/random_gemm.h"

namespace {

using bfp::golden::BfpMatrix;

// A rows x k BFP matrix with every block exponent `exp` and code(r, c) at element (r, c).
template <class Code>
BfpMatrix filled(int rows, int k, int block, int exp, Code code) {
  BfpMatrix q;
  q.rows = rows;
  q.cols = k;
  q.block = block;
  q.codes = bfp::golden::CodeMatrix::Zero(rows, k);
  q.exps = bfp::golden::ExpMatrix::Constant(rows, k / block, exp);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < k; ++c) q.codes(r, c) = int8_t(code(r, c));
  return q;
}

// A M x K: even rows every code non-zero, odd rows one non-zero code per block (element b % B of block b).
BfpMatrix alternating_rows(int m, int k, int block) {
  return filled(m, k, block, 127, [block](int r, int c) {
    return (r % 2 == 0 || c % block == (c / block) % block) ? 1 + (r * 7 + c * 3) % 100 : 0;
  });
}

// W^T N x K, every code non-zero (a zero of the pattern becomes 1).
BfpMatrix dense_wt(int n, int k, int block) {
  return filled(n, k, block, 120, [](int r, int c) {
    const int v = -60 + (r * 11 + c * 5) % 121 + ((r + c) % 121 == 60 ? 1 : 0);
    return v == 0 ? 1 : v;
  });
}

// The runner (verify::run_gemm_stored) on a fresh driver of `model`, no bias; *layout receives the orders it
// chose and the operands as stored.
bfp::sim::GemmRun run_stored(const std::shared_ptr<bfp::sim::Model>& model, const bfp::host::GemmPlan& plan,
                             const BfpMatrix& qa, const BfpMatrix& qw, const BfpMatrix& gc, bool balance, bool regroup,
                             bfp::verify::StoredLayout* layout) {
  auto drv = bfp::sim::make_driver(model, plan.layout.bytes, 1, bfp::sim::MemTiming{});
  return bfp::verify::run_gemm_stored(*drv, plan, qa, qw, gc, nullptr, balance, regroup, layout);
}

TEST(RowBalance, GroupsDenseRowsIntoOneTileAndSavesTheHandComputedCycles) {
  const bfp::Config cfg = bfp::test::load("configs/default.yaml");
  const int R = cfg.rows, B = cfg.block, M = 2 * R, K = 4 * B, N = cfg.cols;
  ASSERT_EQ(R % 2, 0);
  const BfpMatrix qa = alternating_rows(M, K, B), qw = dense_wt(N, K, B);
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const BfpMatrix gc = bfp::golden::requantize_pruned(bfp::golden::gemm_accumulate(qa, qw, ap), B, ap, false, 0);

  bfp::host::PlanOptions po;
  po.sparse_a = bfp::host::Compress::Yes;
  const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {M, K, N}, po);
  const auto model = bfp::test::model_for(cfg);
  bfp::verify::StoredLayout natural_layout, balanced_layout;
  const bfp::sim::GemmRun natural = run_stored(model, plan, qa, qw, gc, false, false, &natural_layout);
  const bfp::sim::GemmRun balanced = run_stored(model, plan, qa, qw, gc, true, false, &balanced_layout);
  std::cerr << "repro: none (hand-built operands; no seed)\n";
  EXPECT_TRUE(natural.bit_exact) << natural.first_mismatch;
  EXPECT_TRUE(balanced.bit_exact) << balanced.first_mismatch;
  EXPECT_EQ(balanced.out_rtl.codes, gc.codes);
  EXPECT_EQ(balanced.out_rtl.exps, gc.exps);
  EXPECT_TRUE(natural_layout.row_order.empty());
  std::vector<int> want;  // dense (even) rows first, then the sparse (odd) ones, each in natural order
  for (int r = 0; r < M; r += 2) want.push_back(r);
  for (int r = 1; r < M; r += 2) want.push_back(r);
  EXPECT_EQ(balanced_layout.row_order, want);
  EXPECT_EQ(balanced_layout.a, bfp::host::permute_rows(qa, want));
  // Natural: both COMPUTEs last K issue cycles (a dense row in each tile). Balanced: the dense tile K, the sparse
  // tile one element per block, K / B. Same number of COMPUTEs, same fixed overhead each.
  const uint64_t saved = uint64_t(K) - uint64_t(K / B);
  EXPECT_EQ(natural.cycles.compute_busy - balanced.cycles.compute_busy, saved)
      << "natural " << natural.cycles.compute_busy << ", balanced " << balanced.cycles.compute_busy;
}

// Heavy ends (host::balanced_row_order with tiles): three tiles of rows with K, K/4 and K/B non-zeros (one kind
// per row, by r % 3), two pairs of N tiles, so one weight-tile boundary. Sorted order runs the tiles dense,
// medium, sparse; heavy ends dense, sparse, medium, so the medium tile's second COMPUTE is the one that overlaps the
// next pair's first LOAD_WGT. The tiles are the same, so the compute engine's busy cycles are equal; the run must be
// shorter (the load of the next weights is hidden behind a longer COMPUTE), and both bit-exact.
TEST(RowBalance, HeavyEndsPutTheSecondHeaviestTileBeforeTheWeightBoundary) {
  const bfp::Config cfg = bfp::test::load("configs/default.yaml");
  const int R = cfg.rows, B = cfg.block, C = cfg.cols, M = 3 * R, K = 8 * B, N = 4 * C;
  ASSERT_EQ(cfg.acc_cols, 2 * C) << "the pair schedule needs two N tiles in the accumulator buffer";
  const BfpMatrix qa = filled(M, K, B, 127, [B](int r, int c) {
    const int kind = r % 3, t = c % B;  // 0 dense, 1 four per block, 2 one per block
    const bool nz = kind == 0 || (kind == 1 && t % (B / 4) == 0) || (kind == 2 && t == (c / B) % B);
    return nz ? 1 + (r * 7 + c * 3) % 100 : 0;
  });
  const BfpMatrix qw = dense_wt(N, K, B);
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const BfpMatrix gc = bfp::golden::requantize_pruned(bfp::golden::gemm_accumulate(qa, qw, ap), B, ap, false, 0);

  bfp::host::PlanOptions po;
  po.sparse_a = bfp::host::Compress::Yes;
  po.schedule = bfp::host::Schedule::Pair;
  const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {M, K, N}, po);
  const auto model = bfp::test::model_for(cfg);
  std::cerr << "repro: none (hand-built operands; no seed)\n";

  const std::vector<int> sorted = bfp::host::balanced_row_order(qa);
  std::vector<int> want = sorted;  // tile 1 (the medium rows) last
  std::rotate(want.begin() + R, want.begin() + 2 * R, want.end());
  auto d1 = bfp::sim::make_driver(model, plan.layout.bytes, 1, bfp::sim::MemTiming{});
  const bfp::sim::GemmRun plain = bfp::sim::run_gemm(*d1, plan, bfp::host::permute_rows(qa, sorted), qw,
                                                     bfp::host::permute_rows(gc, sorted), nullptr);
  bfp::verify::StoredLayout used;
  const bfp::sim::GemmRun ends = run_stored(model, plan, qa, qw, gc, true, false, &used);
  EXPECT_EQ(used.row_order, want);
  EXPECT_TRUE(plain.bit_exact) << plain.first_mismatch;
  EXPECT_TRUE(ends.bit_exact) << ends.first_mismatch;
  EXPECT_EQ(ends.out_rtl.codes, gc.codes);
  EXPECT_EQ(ends.cycles.compute_busy, plain.cycles.compute_busy);
  EXPECT_LT(ends.cycles.total, plain.cycles.total)
      << "sorted: " << plain.cycles.total << " cycles (" << plain.cycles.load_wgt << " exposed LOAD_WGT), heavy ends: "
      << ends.cycles.total << " (" << ends.cycles.load_wgt << ")";
  std::cerr << "sorted: " << plain.cycles.total << " cycles (" << plain.cycles.load_wgt
            << " exposed LOAD_WGT), heavy ends: " << ends.cycles.total << " (" << ends.cycles.load_wgt << ")\n";
}

// Grouped boundaries (docs/architecture.md "Grouped boundaries"): eight tiles, four of rows with six non-zeros per
// block and four with one, K = 16 blocks, two pairs of N tiles (one weight-tile boundary), in the balanced order
// (heavy tiles at the ends). A weight half takes about 144 load cycles, more than one heavy COMPUTE and less than
// two. Grouped, the next pair's half-0 load overlaps the two half-1 COMPUTEs before the boundary and its half-1
// load the two half-0 COMPUTEs after it; the same COMPUTEs run (same compute-busy cycles), both runs bit-exact,
// and the grouped one is shorter. The second tile of each group drains into the other accumulator buffer
// (acc_next): were it drained into the current one, the first tile's outputs would be overwritten.
TEST(RowBalance, GroupedBoundariesHideEachWeightLoadBehindTwoComputes) {
  const bfp::Config cfg = bfp::test::load("configs/default.yaml");
  const int R = cfg.rows, B = cfg.block, C = cfg.cols, M = 8 * R, K = 16 * B, N = 4 * C;
  ASSERT_EQ(cfg.acc_cols, 2 * C) << "the pair schedule needs two N tiles in the accumulator buffer";
  const BfpMatrix qa = filled(M, K, B, 127, [R, B](int r, int c) {
    const int t = c % B;
    const bool nz = ((r / R) % 2 == 0) ? t % 3 == 0 : t == (c / B) % B;  // heavy tiles 6 per block, light 1
    return nz ? 1 + (r * 7 + c * 3) % 100 : 0;
  });
  const BfpMatrix qw = dense_wt(N, K, B);
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const BfpMatrix gc = bfp::golden::requantize_pruned(bfp::golden::gemm_accumulate(qa, qw, ap), B, ap, false, 0);
  EXPECT_TRUE(bfp::host::heavy_boundaries(qa, R)) << "the runner would group this GEMM's boundaries";

  const std::vector<int> order = bfp::host::balanced_row_order(qa, R);
  const BfpMatrix pa = bfp::host::permute_rows(qa, order), pc = bfp::host::permute_rows(gc, order);
  const auto model = bfp::test::model_for(cfg);
  std::cerr << "repro: none (hand-built operands; no seed)\n";
  auto run = [&](bool group) {
    bfp::host::PlanOptions po;
    po.sparse_a = bfp::host::Compress::Yes;
    po.schedule = bfp::host::Schedule::Pair;
    po.group_boundaries = group;
    const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {M, K, N}, po);
    EXPECT_EQ(plan.grouped_boundaries, group);
    auto drv = bfp::sim::make_driver(model, plan.layout.bytes, 1, bfp::sim::MemTiming{});
    return bfp::sim::run_gemm(*drv, plan, pa, qw, pc, nullptr);
  };
  const bfp::sim::GemmRun plain = run(false), grouped = run(true);
  EXPECT_TRUE(plain.bit_exact) << plain.first_mismatch;
  EXPECT_TRUE(grouped.bit_exact) << grouped.first_mismatch;
  EXPECT_EQ(grouped.out_rtl.codes, pc.codes);
  EXPECT_EQ(grouped.out_rtl.exps, pc.exps);
  EXPECT_EQ(grouped.cycles.compute_busy, plain.cycles.compute_busy);
  EXPECT_LT(grouped.cycles.load_wgt, plain.cycles.load_wgt);
  EXPECT_LT(grouped.cycles.total, plain.cycles.total);
  std::cerr << "ungrouped: " << plain.cycles.total << " cycles (" << plain.cycles.load_wgt
            << " exposed LOAD_WGT), grouped: " << grouped.cycles.total << " (" << grouped.cycles.load_wgt << ")\n";
}

}  // namespace

// Column regrouping (host::grouped_col_order, docs/architecture.md "Column regrouping") on the RTL: a dense A and a
// hand-built W^T whose even columns are non-zero only in the first half of K and odd columns only in the second.
// In natural order each walker group of GC consecutive columns holds both kinds, so every walker visits all K
// elements; regrouped, every group holds one kind and visits K / 2. One COMPUTE, so the compute engine's busy
// cycles must fall by exactly K / 2; both runs bit-exact with C in logical column order (the regrouped C is
// permuted in memory, so a runner that did not read it back through the permutation would fail).
TEST(ColRegroup, GroupsColumnsWithTheSameNonZerosAndSavesTheHandComputedCycles) {
  const bfp::Config cfg = bfp::test::load("configs/default.yaml");
  const int R = cfg.rows, B = cfg.block, C = cfg.cols, M = R, K = 4 * B, N = C;
  ASSERT_EQ(cfg.sparsity, bfp::Sparsity::Both);
  ASSERT_EQ(C % 8, 0) << "needs 4 walker groups of an even number of columns";
  const BfpMatrix qa = filled(M, K, B, 127, [](int r, int c) { return 1 + (r * 7 + c * 3) % 100; });
  const BfpMatrix qw = filled(N, K, B, 120, [K](int j, int k) {
    return (k < K / 2) == (j % 2 == 0) ? -60 + (j * 11 + k * 5) % 121 + ((j * 11 + k * 5) % 121 == 60 ? 1 : 0) : 0;
  });
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const BfpMatrix gc = bfp::golden::requantize_pruned(bfp::golden::gemm_accumulate(qa, qw, ap), B, ap, false, 0);

  const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {M, K, N}, bfp::host::PlanOptions{});
  const auto model = bfp::test::model_for(cfg);
  bfp::verify::StoredLayout natural_layout, regrouped_layout;
  const bfp::sim::GemmRun natural = run_stored(model, plan, qa, qw, gc, true, false, &natural_layout);
  const bfp::sim::GemmRun regrouped = run_stored(model, plan, qa, qw, gc, true, true, &regrouped_layout);
  const std::vector<int>& natural_cols = natural_layout.col_order;
  const std::vector<int>& regrouped_cols = regrouped_layout.col_order;
  std::cerr << "repro: none (hand-built operands; no seed)\n";
  EXPECT_TRUE(natural.bit_exact) << natural.first_mismatch;
  EXPECT_TRUE(regrouped.bit_exact) << regrouped.first_mismatch;
  EXPECT_EQ(regrouped.out_rtl.codes, gc.codes);
  EXPECT_EQ(regrouped.out_rtl.exps, gc.exps);
  EXPECT_TRUE(natural_cols.empty());
  ASSERT_EQ(regrouped_cols.size(), size_t(N));
  EXPECT_EQ(regrouped_layout.wt, bfp::host::permute_rows(qw, regrouped_cols));
  const int gcols = C / 4;
  for (int j = 0; j < N; ++j)
    EXPECT_EQ(regrouped_cols[size_t(j)] % 2, regrouped_cols[size_t(j / gcols * gcols)] % 2)
        << "memory column " << j << " is not of its group's kind";
  EXPECT_EQ(natural.cycles.compute_busy - regrouped.cycles.compute_busy, uint64_t(K / 2))
      << "natural " << natural.cycles.compute_busy << ", regrouped " << regrouped.cycles.compute_busy;
}
