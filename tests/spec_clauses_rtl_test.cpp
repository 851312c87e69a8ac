// SPDX-License-Identifier: Apache-2.0
// Two clauses of docs/arithmetic.md that no other test pinned down (issue 15, "Spec gaps"):
//
// - 4a: a block whose codes pruning (sparsity scaling) zeroes entirely gets exponent code 0, not the exponent
//   that requantization chose. Checked on the golden model and on the RTL's output itself, each against the
//   spec (not against each other), on blocks whose unpruned exponent is not 0 (else the check could not fail).
// - 1 and 4b: "the hardware accepts -128 in memory and treats it as the integer -128", for operands and for the
//   bias. The quantizers never produce -128, so these operands are written as codes into memory directly (the
//   runner stores the given BFP8 matrices); the golden accumulation is first checked against an exact integer
//   dot product computed here, then the RTL against the golden model.
#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <string>

#include "config/config.h"
#include "golden/bfp.h"
#include "golden/sparse.h"
#include "host/plan.h"
#include "sim/model_cache.h"
#include "sim/runner.h"
#include "support/rtl_configs.h"

namespace {

using bfp::golden::AccMatrix;
using bfp::golden::AccParams;
using bfp::golden::BfpMatrix;

/// `rows` x `cols` codes blocked by `block`, from `pick(rng)`; every exponent drawn from [lo, hi].
template <class Pick>
BfpMatrix codes_matrix(int rows, int cols, int block, std::mt19937_64& rng, Pick pick, int lo = 120, int hi = 134) {
  BfpMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.block = block;
  const int kb = (cols + block - 1) / block;
  m.codes = bfp::golden::CodeMatrix::Zero(rows, int64_t(kb) * block);
  m.exps = bfp::golden::ExpMatrix::Zero(rows, kb);
  std::uniform_int_distribution<int> e(lo, hi);
  for (int i = 0; i < rows; ++i) {
    for (int c = 0; c < cols; ++c) m.codes(i, c) = static_cast<int8_t>(pick(rng));
    for (int b = 0; b < kb; ++b) m.exps(i, b) = static_cast<uint8_t>(e(rng));
  }
  return m;
}

/// A (m x k) and W^T (n x k) of random codes in [-127, 127] drawn from `seed`, and the golden output C (no ReLU,
/// no prune): the operands of the dispatch-rule tests below, whose point is the command stream, not the values.
struct CodesGemm {
  BfpMatrix a, wt, expected;
};
CodesGemm random_codes_gemm(const bfp::Config& cfg, int m, int k, int n, uint64_t seed) {
  const AccParams ap{cfg.acc_width, cfg.guard_bits};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> code(-127, 127);
  CodesGemm g;
  g.a = codes_matrix(m, k, cfg.block, rng, code);
  g.wt = codes_matrix(n, k, cfg.block, rng, code);
  g.expected = bfp::golden::requantize(bfp::golden::gemm_accumulate(g.a, g.wt, ap), cfg.block, ap, false);
  return g;
}

// ---- 4a: pruned blocks ---------------------------------------------------------------------------------------

TEST(SpecClauses, GoldenPrunedAllZeroBlockGetsExponentZero) {
  const AccParams ap{32, 4};
  const int B = 8;
  AccMatrix acc;
  acc.m.setZero(1, 2 * B);
  acc.e.setZero(1, 2 * B);
  // block 0: values 1..8 at exponent sum 266 + F (units of 1): X = floor(log2 8) = 3, codes round(v * 2^3)
  // = 8..64, all below T = 100; block 1: one value 100 * 2^3 -> code 100 survives T = 100
  for (int j = 0; j < B; ++j) acc.m(0, j) = j + 1, acc.e(0, j) = 266 + ap.guard_bits;
  acc.m(0, B) = 800, acc.e(0, B) = 266 + ap.guard_bits;
  const BfpMatrix plain = bfp::golden::requantize(acc, B, ap, false);
  ASSERT_EQ(plain.exps(0, 0), 127 + 3);
  ASSERT_EQ(plain.codes(0, 7), 64);
  const BfpMatrix pruned = bfp::golden::requantize_pruned(acc, B, ap, false, 100);
  for (int j = 0; j < B; ++j) EXPECT_EQ(pruned.codes(0, j), 0);
  EXPECT_EQ(pruned.exps(0, 0), 0) << "a block pruned to all zeros gets exponent code 0 (docs/arithmetic.md 4a)";
  EXPECT_EQ(pruned.exps(0, 1), plain.exps(0, 1)) << "a block with a surviving code keeps its exponent";
  EXPECT_EQ(pruned.codes(0, B), plain.codes(0, B));
}

class SpecClausesRtl : public ::testing::TestWithParam<std::string> {};

TEST_P(SpecClausesRtl, PrunedAllZeroBlocksGetExponentZero) {
  const bfp::Config cfg = bfp::test::load(GetParam());
  const int B = cfg.block;
  const AccParams ap{cfg.acc_width, cfg.guard_bits};
  const uint64_t seed = 7001;
  SCOPED_TRACE("config " + GetParam() + ", seed " + std::to_string(seed) +
               " (rerun: build/tests/spec_clauses_rtl_test --gtest_filter='*PrunedAllZero*')");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> code(-127, 127);
  const int m = cfg.rows + 1, k = 2 * B, n = 3 * B;
  const BfpMatrix a = codes_matrix(m, k, B, rng, code);
  const BfpMatrix wt = codes_matrix(n, k, B, rng, code);
  const AccMatrix acc = bfp::golden::gemm_accumulate(a, wt, ap);
  const BfpMatrix plain = bfp::golden::requantize(acc, B, ap, false);
  const auto model = bfp::test::model_for(cfg);
  for (int t : {100, 128}) {  // blocks whose largest code is below 100 / every block (|c| <= 127)
    bfp::host::PlanOptions po;
    po.prune = t;
    const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {m, k, n}, po);
    auto drv = bfp::sim::make_driver(model, plan.layout.bytes, seed, {});
    const BfpMatrix expected = bfp::golden::requantize_pruned(acc, B, ap, false, t);
    const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, plan, a, wt, expected);
    int whole = 0;
    for (int i = 0; i < m; ++i)
      for (int b = 0; b < plain.kblocks(); ++b) {
        bool all_pruned = true, any_small = false;
        for (int j = 0; j < B; ++j) {
          const int c = plain.codes(i, b * B + j);
          all_pruned = all_pruned && std::abs(c) < t;
          any_small = any_small || (c != 0 && std::abs(c) < t);
        }
        if (!all_pruned || !any_small || plain.exps(i, b) == 0) continue;  // only blocks the rule changes
        ++whole;
        for (int j = 0; j < B; ++j) EXPECT_EQ(int(r.out_rtl.codes(i, b * B + j)), 0) << "T " << t << " row " << i;
        EXPECT_EQ(int(r.out_rtl.exps(i, b)), 0)
            << "T " << t << ": row " << i << " block " << b << " was pruned to zeros; its unpruned exponent code "
            << int(plain.exps(i, b)) << " must become 0 (docs/arithmetic.md 4a)";
      }
    EXPECT_GT(whole, 0) << "T " << t << ": no block was pruned whole; the check did not run";
    EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
  }
}

// ---- 1 and 4b: -128 in memory ----------------------------------------------------------------------------------

TEST_P(SpecClausesRtl, MinusOneTwentyEightInMemoryIsTheInteger) {
  const bfp::Config cfg = bfp::test::load(GetParam());
  const int B = cfg.block;
  const AccParams ap{cfg.acc_width, cfg.guard_bits};
  const uint64_t seed = 7002;
  SCOPED_TRACE("config " + GetParam() + ", seed " + std::to_string(seed) +
               " (rerun: build/tests/spec_clauses_rtl_test --gtest_filter='*MinusOneTwentyEight*')");
  std::mt19937_64 rng(seed);
  // mostly -128, with the other extremes and some zeros (zero skipping on sparse configs)
  std::uniform_int_distribution<int> pick(0, 9);
  const auto code = [&pick](std::mt19937_64& g) {
    switch (pick(g)) {
      case 0: return 0;
      case 1: return 127;
      case 2: return -127;
      case 3: return 1;
      default: return -128;
    }
  };
  const int m = cfg.rows + 1, n = cfg.cols + B, k = B;  // one K block: the accumulator is the exact product
  const BfpMatrix a = codes_matrix(m, k, B, rng, code);
  const BfpMatrix wt = codes_matrix(n, k, B, rng, code);
  AccMatrix acc = bfp::golden::gemm_accumulate(a, wt, ap);
  // the golden model against the clause itself: m = sum a*w * 2^F with -128 as the integer -128
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      int64_t p = 0;
      for (int t = 0; t < k; ++t) p += int64_t(a.codes(i, t)) * int64_t(wt.codes(j, t));
      ASSERT_EQ(acc.m(i, j), p * (int64_t(1) << ap.guard_bits)) << "golden accumulator (" << i << ", " << j << ")";
      if (p) {
        ASSERT_EQ(acc.e(i, j), int(a.exps(i, 0)) + int(wt.exps(j, 0)));
      }
    }
  int minus128 = 0;
  for (int i = 0; i < m; ++i)
    for (int t = 0; t < k; ++t) minus128 += a.codes(i, t) == -128;
  ASSERT_GT(minus128, 0);
  const auto model = bfp::test::model_for(cfg);
  {
    bfp::host::PlanOptions po;
    po.relu = false;
    const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {m, k, n}, po);
    auto drv = bfp::sim::make_driver(model, plan.layout.bytes, seed, {});
    const bfp::sim::GemmRun r =
        bfp::sim::run_gemm(*drv, plan, a, wt, bfp::golden::requantize(acc, B, ap, false));
    EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
  }
  if (cfg.sparse()) {  // the same operands as compressed row streams, where the plan allows them
    bfp::host::PlanOptions po;
    po.sparse_a = bfp::host::Compress::IfApplicable;
    po.sparse_c = bfp::host::Compress::IfApplicable;
    const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {m, k, n}, po);
    auto drv = bfp::sim::make_driver(model, plan.layout.bytes, seed, {});
    const bfp::sim::GemmRun r =
        bfp::sim::run_gemm(*drv, plan, a, wt, bfp::golden::requantize(acc, B, ap, false));
    EXPECT_TRUE(r.bit_exact) << "compressed A " << plan.sparse_a() << ", C " << plan.sparse_c() << ": "
                             << r.first_mismatch;
  }
  if (cfg.bias) {  // 4b: a bias code -128 is the integer -128
    const BfpMatrix bias = codes_matrix(1, n, B, rng, code, 125, 131);
    AccMatrix with_bias = acc;
    bfp::golden::add_bias(with_bias, bias, ap);
    bfp::host::PlanOptions po;
    po.bias = true;
    const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {m, k, n}, po);
    auto drv = bfp::sim::make_driver(model, plan.layout.bytes, seed, {});
    const bfp::sim::GemmRun r =
        bfp::sim::run_gemm(*drv, plan, a, wt, bfp::golden::requantize(with_bias, B, ap, false), &bias);
    EXPECT_TRUE(r.bit_exact) << "with bias: " << r.first_mismatch;
  }
}

// docs/arithmetic.md, aligned accumulation: a zero accumulator takes the product's exponent, whatever exponent it
// had. Block 0 and block 1 cancel exactly (acc = 0 at exponent sum 260), block 2 is a small product at exponent sum
// 240: aligned to 260 instead, it would lose all its bits (mutation testing, docs/mutation.md: `acc_m_i == '0` ->
// `acc_m_i == '1` in rtl/bfp_acc_align.sv survived the fuzz, which almost never cancels to exactly zero).
TEST_P(SpecClausesRtl, ZeroAccumulatorTakesTheProductExponent) {
  const bfp::Config cfg = bfp::test::load(GetParam());
  const int B = cfg.block;
  const AccParams ap{cfg.acc_width, cfg.guard_bits};
  SCOPED_TRACE("config " + GetParam() + " (rerun: build/tests/spec_clauses_rtl_test --gtest_filter='*ZeroAccumulator*')");
  const int m = cfg.rows, n = cfg.cols, k = 3 * B;
  std::mt19937_64 rng(0);
  const auto zero = [](std::mt19937_64&) { return 0; };
  BfpMatrix a = codes_matrix(m, k, B, rng, zero), wt = codes_matrix(n, k, B, rng, zero);
  for (int i = 0; i < m; ++i) {
    a.codes(i, 0) = 64, a.codes(i, B) = 64, a.codes(i, 2 * B) = 3;
    a.exps(i, 0) = 130, a.exps(i, 1) = 130, a.exps(i, 2) = 120;
  }
  for (int j = 0; j < n; ++j) {
    wt.codes(j, 0) = 64, wt.codes(j, B) = -64, wt.codes(j, 2 * B) = 5;
    wt.exps(j, 0) = 130, wt.exps(j, 1) = 130, wt.exps(j, 2) = 120;
  }
  const BfpMatrix expected = bfp::golden::requantize(bfp::golden::gemm_accumulate(a, wt, ap), B, ap, false);
  ASSERT_NE(expected.codes(0, 0), 0) << "the golden result must keep the last product, or the test cannot fail";
  const auto model = bfp::test::model_for(cfg);
  const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {m, k, n}, {});
  auto drv = bfp::sim::make_driver(model, plan.layout.bytes, 1, {});
  const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, plan, a, wt, expected);
  EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
}

// docs/architecture.md, dispatch rules: a LOAD_ACT into the activation half a COMPUTE is reading waits for it. The
// host alternates the halves, so its streams never meet this rule (mutation testing, docs/mutation.md: reading
// another flag bit in its place survived). With every LOAD_ACT's and COMPUTE's half
// forced to 0, each LOAD_ACT of the next M tile meets the COMPUTE still reading half 0, and the GEMM must stay
// bit-exact (and the same with every half forced to 1).
TEST_P(SpecClausesRtl, LoadActWaitsForTheComputeReadingItsHalf) {
  const bfp::Config cfg = bfp::test::load(GetParam());
  const int B = cfg.block;
  const uint64_t seed = 7005;
  SCOPED_TRACE("config " + GetParam() + ", seed " + std::to_string(seed) +
               " (rerun: build/tests/spec_clauses_rtl_test --gtest_filter='*LoadActWaits*')");
  const int m = 4 * cfg.rows, k = 2 * B, n = cfg.cols;
  const auto [a, wt, expected] = random_codes_gemm(cfg, m, k, n, seed);
  const auto model = bfp::test::model_for(cfg);
  const bfp::host::GemmPlan planned = bfp::host::plan_gemm(cfg, {m, k, n}, {});
  for (int half : {0, 1}) {  // both: the rule must compare the half, not some other flag
    bfp::host::GemmPlan plan = planned;
    int changed = 0;
    for (auto& c : plan.commands) {
      if (c.op != bfp::host::Opcode::LoadAct && c.op != bfp::host::Opcode::Compute) continue;
      changed += ((c.flags & bfp::host::kFlagActBuf) != 0) != (half == 1);
      c.flags = static_cast<uint8_t>((c.flags & ~bfp::host::kFlagActBuf) | (half ? bfp::host::kFlagActBuf : 0));
    }
    ASSERT_GT(changed, 0) << "the plan already used only half " << half << ": forcing it changes nothing";
    auto drv = bfp::sim::make_driver(model, plan.layout.bytes, seed, {});
    const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, plan, a, wt, expected);
    EXPECT_TRUE(r.bit_exact) << "every LOAD_ACT and COMPUTE on half " << half << ": " << r.first_mismatch;
  }
}

// docs/architecture.md, COMPUTE: a reset leaves every accumulator at (0, 0), the state CLEAR gives. A GEMM runs, then
// five times: the model is reset and the next GEMM's first COMPUTE comes without CLEAR; each result must be exact,
// with nothing of the GEMM before (nor of the operand registers it left behind) in it. Five rounds because one
// stale element does not change every rounded result.
TEST_P(SpecClausesRtl, ResetLeavesTheAccumulatorsAtZero) {
  const bfp::Config cfg = bfp::test::load(GetParam());
  const uint64_t seed = 7005;
  SCOPED_TRACE("config " + GetParam() + ", seed " + std::to_string(seed) +
               " (rerun: build/tests/spec_clauses_rtl_test --gtest_filter='*ResetLeavesTheAccumulators*')");
  const int m = cfg.rows, k = 2 * cfg.block, n = cfg.cols;  // one tile: one COMPUTE per K chunk
  const auto model = bfp::test::model_for(cfg);
  for (int round = 0; round < 6; ++round) {
    const auto [a, wt, expected] = random_codes_gemm(cfg, m, k, n, seed + round);
    bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {m, k, n}, {});
    int cleared = 0;
    if (round >= 1)
      for (auto& c : plan.commands)
        if (c.op == bfp::host::Opcode::Compute && (c.flags & bfp::host::kFlagClear) && cleared++ == 0)
          c.flags &= static_cast<uint8_t>(~bfp::host::kFlagClear);
    ASSERT_EQ(cleared, round ? 1 : 0) << "the plan has no COMPUTE with CLEAR: the case tests nothing";
    auto drv = bfp::sim::make_driver(model, plan.layout.bytes, seed, {});  // resets the model
    const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, plan, a, wt, expected);
    EXPECT_TRUE(r.bit_exact) << (round ? "first COMPUTE without CLEAR after a reset: " : "") << r.first_mismatch;
  }
}

// docs/architecture.md, command flags: WAIT makes a command start only when every engine is idle. The host's compiler
// never sets it (only `bfpgen gemm --wait` does), so no test ran it before this one (mutation testing, docs/mutation.md, found that reading another flag bit in its
// place went unnoticed). With WAIT on every command no two engines may be busy in the same cycle; without it the
// same GEMM overlaps loads with computes (the check can see overlap), and both runs are bit-exact.
TEST_P(SpecClausesRtl, WaitFlagSerializesTheEngines) {
  const bfp::Config cfg = bfp::test::load(GetParam());
  const int B = cfg.block;
  const uint64_t seed = 7004;
  SCOPED_TRACE("config " + GetParam() + ", seed " + std::to_string(seed) +
               " (rerun: build/tests/spec_clauses_rtl_test --gtest_filter='*WaitFlag*')");
  const int m = 3 * cfg.rows + 1, k = 3 * B, n = 2 * cfg.cols + 1;
  const auto [a, wt, expected] = random_codes_gemm(cfg, m, k, n, seed);
  const auto model = bfp::test::model_for(cfg);
  const bfp::host::GemmPlan plan = bfp::host::plan_gemm(cfg, {m, k, n}, {});
  uint64_t overlap[2] = {0, 0};
  for (int wait : {0, 1}) {
    auto drv = bfp::sim::make_driver(model, plan.layout.bytes, seed, {});
    if (wait) drv->set_extra_flags(bfp::host::kFlagWait);
    const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, plan, a, wt, expected);
    EXPECT_TRUE(r.bit_exact) << (wait ? "with" : "without") << " WAIT: " << r.first_mismatch;
    const bfp::sim::CycleStats& st = drv->stats();
    // cycles with two or more engines busy: the per-engine busy counts minus the cycles with any engine busy
    overlap[wait] = st.overlap();
  }
  EXPECT_GT(overlap[0], 0u) << "without WAIT the engines never overlapped: the check below cannot fail";
  EXPECT_EQ(overlap[1], 0u) << "with WAIT on every command, two engines were busy in the same cycle";
}

// docs/architecture.md, dispatch rules: a LOAD_ACT waits for a COMPUTE only when that COMPUTE reads the half it
// writes. In the host's streams each LOAD_ACT into the other half dispatches in its first cycle, so a rule that
// compared the wrong half only after a wait went unseen (mutation testing, docs/mutation.md: `comp_half_q` loaded
// every cycle instead of at the COMPUTE's start survived; it makes a LOAD_ACT that waited for the load engine wait
// for the COMPUTE too). Here every LOAD_ACT that follows a COMPUTE is sent twice (the same rows into the same
// half: the data do not change), so the second copy waits for the load engine while the COMPUTE runs on the other
// half. Both loads fit in the COMPUTE (K = 8 blocks), so the stream must take no more cycles than without the
// copies (a few cycles of slack for the extra dispatches); the mutant adds a whole load per copy.
TEST_P(SpecClausesRtl, QueuedLoadActOverlapsTheComputeOnTheOtherHalf) {
  const bfp::Config cfg = bfp::test::load(GetParam());
  const int B = cfg.block;
  const uint64_t seed = 7007;
  SCOPED_TRACE("config " + GetParam() + ", seed " + std::to_string(seed) +
               " (rerun: build/tests/spec_clauses_rtl_test --gtest_filter='*QueuedLoadAct*')");
  const int m = 3 * cfg.rows, k = 8 * B, n = cfg.cols;
  const auto [a, wt, expected] = random_codes_gemm(cfg, m, k, n, seed);
  const auto model = bfp::test::model_for(cfg);
  bfp::host::PlanOptions o;
  o.schedule = bfp::host::Schedule::Weight;
  const bfp::host::GemmPlan planned = bfp::host::plan_gemm(cfg, {m, k, n}, o);
  bfp::host::GemmPlan twice = planned;
  int copies = 0;
  for (size_t i = 1; i < twice.commands.size(); ++i) {
    if (twice.commands[i].op != bfp::host::Opcode::LoadAct || twice.commands[i - 1].op != bfp::host::Opcode::Compute)
      continue;
    twice.commands.insert(twice.commands.begin() + static_cast<std::ptrdiff_t>(i + 1), twice.commands[i]);
    ++copies;
    ++i;
  }
  ASSERT_GE(copies, 1) << "no LOAD_ACT follows a COMPUTE in this plan: the test cannot fail";
  uint64_t total[2] = {0, 0};
  for (int dup : {0, 1}) {
    auto drv = bfp::sim::make_driver(model, planned.layout.bytes, seed, {});
    const bfp::sim::GemmRun r = bfp::sim::run_gemm(*drv, dup ? twice : planned, a, wt, expected);
    EXPECT_TRUE(r.bit_exact) << (dup ? "with" : "without") << " the copies: " << r.first_mismatch;
    total[dup] = drv->stats().total;
  }
  std::cout << "cycles without the copies " << total[0] << ", with " << copies << " copies " << total[1] << "\n";
  EXPECT_LE(total[1], total[0] + 4 * uint64_t(copies)) << "a LOAD_ACT queued behind another load waited for the "
                                                          "COMPUTE on the other half";
}

INSTANTIATE_TEST_SUITE_P(Configs, SpecClausesRtl,
                         ::testing::Values("configs/test/r2c2b8.yaml", "configs/test/r4c8b16.yaml"),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string s = i.param.substr(i.param.rfind('/') + 1);
                           return s.substr(0, s.find('.'));
                         });

}  // namespace
