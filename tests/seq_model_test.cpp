// SPDX-License-Identifier: Apache-2.0
// host::runahead_cycles, the what-if of the sequencer model (host/seq_model.h): issue cycles if each sequencer
// could run up to `depth` COMPUTEs ahead of the slowest. Expected values are worked out by hand in the comments
// (finish time of each sequencer after each COMPUTE); the lock-step and unbounded limits are checked against
// their closed forms on random work.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "host/plan.h"
#include "host/seq_model.h"

using bfp::host::runahead_cycles;
using Work = std::vector<std::vector<uint64_t>>;

TEST(RunaheadCycles, AlternatingWorkIsHiddenByOneComputeOfRunahead) {
  // two sequencers, the heavy one alternates: lock-step pays 3 per COMPUTE = 12.
  // depth 1: c0 -> (3, 1), all done at 3; c1 may start at own finish: (4, 4), done 4; c2 waits for c0 (3):
  // (7, 5), done 7; c3 waits for c1 (4): (8, 8). Each sequencer's total is 8: no depth gives less.
  const Work w{{3, 1}, {1, 3}, {3, 1}, {1, 3}};
  EXPECT_EQ(runahead_cycles(w, 0), 12u);
  EXPECT_EQ(runahead_cycles(w, 1), 8u);
  EXPECT_EQ(runahead_cycles(w, 2), 8u);
  EXPECT_EQ(runahead_cycles(w, 100), 8u);
}

TEST(RunaheadCycles, DeeperRunaheadHidesLongerRuns) {
  // sequencer 0 has work in COMPUTEs 0-1, sequencer 1 in 2-3: lock-step 20.
  // depth 1: (5, 0) done 5; (10, 0) done 10; c2 waits for c0 (5): (10, 10) done 10; c3 waits for c1 (10):
  // (10, 15) -> 15. depth 2: c2 gate 0: (10, 5); c3 waits for c0 (5): (10, 10) -> 10.
  const Work w{{5, 0}, {5, 0}, {0, 5}, {0, 5}};
  EXPECT_EQ(runahead_cycles(w, 0), 20u);
  EXPECT_EQ(runahead_cycles(w, 1), 15u);
  EXPECT_EQ(runahead_cycles(w, 2), 10u);
}

TEST(RunaheadCycles, EmptyAndSingleSequencer) {
  EXPECT_EQ(runahead_cycles(Work{}, 1), 0u);
  // one sequencer: nothing to wait for, every depth is its total
  const Work one{{2}, {7}, {0}, {4}};
  for (int d : {0, 1, 3}) EXPECT_EQ(runahead_cycles(one, d), 13u) << "depth " << d;
}

TEST(RunaheadCycles, LimitsOnRandomWork) {
  // depth 0 is the sum of the per-COMPUTE maxima; a depth >= the COMPUTE count never waits for another
  // sequencer, so it is the largest per-sequencer total; depths in between are monotone.
  const uint64_t seed = 20261204;
  std::mt19937_64 g(seed);
  for (int t = 0; t < 50; ++t) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", trial " + std::to_string(t) +
                 " (fixed seed; rerun: build/tests/seq_model_test --gtest_filter=RunaheadCycles.LimitsOnRandomWork)");
    const int C = 1 + int(g() % 20), S = 1 + int(g() % 8);
    Work w(static_cast<size_t>(C), std::vector<uint64_t>(static_cast<size_t>(S)));
    uint64_t lockstep = 0;
    std::vector<uint64_t> total(size_t(S), 0);
    for (auto& row : w) {
      for (size_t s = 0; s < row.size(); ++s) {
        row[s] = g() % 30;
        total[s] += row[s];
      }
      lockstep += *std::max_element(row.begin(), row.end());
    }
    EXPECT_EQ(runahead_cycles(w, 0), lockstep);
    EXPECT_EQ(runahead_cycles(w, C), *std::max_element(total.begin(), total.end()));
    for (int d = 0; d < C; ++d) EXPECT_LE(runahead_cycles(w, d + 1), runahead_cycles(w, d)) << "depth " << d;
  }
}

TEST(PairedCycles, APairCostsItsLargestPerSequencerSum) {
  using bfp::host::paired_cycles;
  // two sequencers; COMPUTE 1 joins 0, COMPUTE 3 joins 2: pairs (0, 1) -> max(4 + 1, 1 + 4) = 5 and
  // (2, 3) -> max(2 + 2, 0 + 1) = 4; lock-step 4 + 4 + 2 + 1 = 11
  const Work w{{4, 1}, {1, 4}, {2, 0}, {2, 1}};
  EXPECT_EQ(paired_cycles(w, {false, true, false, true}), 9u);
  EXPECT_EQ(paired_cycles(w, {false, false, false, false}), runahead_cycles(w, 0));
  // pairs only: COMPUTE 2 joins 1 as well, but 1 is already the second of a pair, so 2 and 3 stay alone
  EXPECT_EQ(paired_cycles(w, {false, true, true, false}), 5u + 2u + 2u);
  EXPECT_EQ(paired_cycles(Work{}, {}), 0u);
}

// model_sequencers joins the pair schedule's two COMPUTEs of an A tile: a dense A and a W^T whose first N tile has
// non-zeros only in walker group 0's columns and whose second only in group 1's. Lock-step, each A tile costs K
// (group 0) + K (group 1); paired, every sequencer has K in one of the two, so the pair costs K.
TEST(PairedCycles, ThePairScheduleJoinsTheTwoComputesOfAnATile) {
  const bfp::Config cfg = bfp::load_config(std::string(BFP_SOURCE_DIR) + "/configs/default.yaml");
  ASSERT_EQ(cfg.sparsity, bfp::Sparsity::Both);
  const int R = cfg.rows, C = cfg.cols, B = cfg.block, M = 2 * R, K = 2 * B, N = 2 * C;
  const int GC = C / bfp::host::wgt_skip_groups(cfg);
  ASSERT_GE(bfp::host::wgt_skip_groups(cfg), 2);
  bfp::golden::BfpMatrix qa, qw;
  qa.rows = M, qa.cols = K, qa.block = B;
  qa.codes = bfp::golden::CodeMatrix::Constant(M, K, 3);
  qa.exps = bfp::golden::ExpMatrix::Constant(M, K / B, 120);
  qw.rows = N, qw.cols = K, qw.block = B;
  qw.codes = bfp::golden::CodeMatrix::Zero(N, K);
  qw.exps = bfp::golden::ExpMatrix::Constant(N, K / B, 120);
  for (int j = 0; j < GC; ++j) qw.codes.row(j).setConstant(5);           // tile 0, group 0
  for (int j = C + GC; j < C + 2 * GC; ++j) qw.codes.row(j).setConstant(5);  // tile 1, group 1
  bfp::host::PlanOptions po;
  po.schedule = bfp::host::Schedule::Pair;
  const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {M, K, N}, po);
  const bfp::host::SeqModel sm = bfp::host::model_sequencers(cfg, plan.layout, plan.commands, qa, qw);
  ASSERT_EQ(sm.computes, 4u);
  EXPECT_EQ(sm.slowest, uint64_t(4 * K));
  EXPECT_EQ(sm.paired, uint64_t(2 * K));
}
