// SPDX-License-Identifier: Apache-2.0
// The pair schedule (docs/architecture.md "Tiling"): weight-stationary over two N tiles, one per weight-buffer
// half, so every M tile of A is loaded once per pair instead of once per N tile. Host side: when auto picks it,
// the command counts of the stream by hand, and the errors when it is forced where it does not apply. RTL side:
// bit-exact runs (odd and even N tile counts, partial tiles, ReLU; the shipped test configs other than the
// default have C % B != 0, where no weight-stationary order applies) whose A bytes read are exactly one compressed A
// per pair, half of what the weight-stationary order reads (the test fails if the pair schedule stops sharing
// the loaded A between its two COMPUTEs).
//
// Every RTL case prints its seed and a one-line repro (`build/bfpgen gemm ...`).
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <stdexcept>
#include <string>

#include "config/config.h"
#include "host/plan.h"
#include "support/rtl_configs.h"
#include "verify/random_gemm.h"

namespace {

using bfp::Config;
using bfp::host::Compress;
using bfp::host::Opcode;
using bfp::host::PlanOptions;
using bfp::host::Schedule;
using bfp::test::load;

std::map<Opcode, int> op_counts(const bfp::host::GemmPlan& p) {
  std::map<Opcode, int> n;
  for (const auto& c : p.commands) ++n[c.op];
  return n;
}

PlanOptions compressed_a(Schedule s = Schedule::Auto) {
  PlanOptions o;
  o.sparse_a = Compress::Yes;
  o.schedule = s;
  return o;
}

// configs/default.yaml: R = 8, C = 16, B = 16, wgt_depth 512, acc_cols 32. 256 x 256 x 256 with a compressed A:
// 16 N tiles = 8 pairs, 32 M tiles. By hand: LOAD_WGT 16, LOAD_ACT 8 * 32 = 256 (weight-stationary: 16 * 32 =
// 512), COMPUTE and DRAIN 16 * 32 = 512, STORE one per pair and M tile = 256, each of 2C = 32 columns.
TEST(PairSchedule, CommandCountsByHand) {
  const Config cfg = load("configs/default.yaml");
  const auto p = bfp::host::plan_gemm(cfg, {256, 256, 256}, compressed_a());
  ASSERT_EQ(p.schedule, Schedule::Pair) << "auto picks pair for a compressed A";
  auto n = op_counts(p);
  EXPECT_EQ(n[Opcode::LoadWgt], 16);
  EXPECT_EQ(n[Opcode::LoadAct], 256);
  EXPECT_EQ(n[Opcode::Compute], 512);
  EXPECT_EQ(n[Opcode::Drain], 512);
  EXPECT_EQ(n[Opcode::Store], 256);
  int drains_at_c = 0;
  for (const auto& c : p.commands) {
    if (c.op == Opcode::Store) EXPECT_EQ(c.valid_cols, 32);
    if (c.op == Opcode::Drain) drains_at_c += c.col_offset == 16;
    if (c.op == Opcode::Compute || c.op == Opcode::LoadWgt) EXPECT_LE(c.wgt_buf, 1);
  }
  EXPECT_EQ(drains_at_c, 256) << "the second COMPUTE of a pair drains at accumulator column C";
  const auto w = bfp::host::plan_gemm(cfg, {256, 256, 256}, compressed_a(Schedule::Weight));
  EXPECT_EQ(op_counts(w)[Opcode::LoadAct], 512);
  // an odd number of N tiles: 5 tiles = 2 pairs + one tile alone; 3 M tiles
  const auto odd = bfp::host::plan_gemm(cfg, {24, 64, 80}, compressed_a());
  ASSERT_EQ(odd.schedule, Schedule::Pair);
  n = op_counts(odd);
  EXPECT_EQ(n[Opcode::LoadAct], 3 * 3);
  EXPECT_EQ(n[Opcode::Compute], 5 * 3);
  EXPECT_EQ(n[Opcode::Store], 3 * 3);
}

TEST(PairSchedule, AutoPicksItOnlyWhereItApplies) {
  const Config cfg = load("configs/default.yaml");
  EXPECT_EQ(bfp::host::plan_gemm(cfg, {64, 64, 64}, {}).schedule, Schedule::Weight) << "dense A";
  EXPECT_EQ(bfp::host::plan_gemm(cfg, {64, 64, 16}, compressed_a()).schedule, Schedule::Weight) << "N <= C";
  EXPECT_EQ(bfp::host::plan_gemm(cfg, {64, 384, 64}, compressed_a()).schedule, Schedule::Weight)
      << "K > wgt_depth / 2: the two tiles do not fit the halves";
  PlanOptions c = compressed_a();
  c.sparse_c = Compress::Yes;
  EXPECT_EQ(bfp::host::plan_gemm(cfg, {64, 64, 64}, c).schedule, Schedule::Output) << "compressed C";
  EXPECT_EQ(bfp::host::parse_schedule("pair"), Schedule::Pair);
  EXPECT_EQ(bfp::host::to_string(Schedule::Pair), "pair");
}

TEST(PairSchedule, ForcedWhereItDoesNotApplyNamesTheConditions) {
  const Config cfg = load("configs/default.yaml");
  for (const auto& shape : {bfp::host::GemmShape{64, 64, 16}, bfp::host::GemmShape{64, 384, 64}}) {
    try {
      bfp::host::plan_gemm(cfg, shape, compressed_a(Schedule::Pair));
      ADD_FAILURE() << "pair accepted for N=" << shape.n << " K=" << shape.k;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("pair schedule"), std::string::npos) << e.what();
    }
  }
  // a config whose accumulator buffer holds only C columns
  const Config narrow = load("configs/test/r4c4b16.yaml");
  if (2 * narrow.cols > narrow.acc_cols)
    EXPECT_THROW(bfp::host::plan_gemm(narrow, {16, 32, 32}, compressed_a(Schedule::Pair)), std::invalid_argument);
}

// Grouped boundaries (docs/architecture.md "Grouped boundaries"), 256 x 256 x 256 on the default config: 8 pairs,
// 32 M tiles. Next to each of the 7 weight-tile boundaries two M tiles run both half-0 COMPUTEs first, so the
// DRAINs (col_offset, acc_next) go, by hand: pair 0: (0, 16) x 30, then 0, 0 next, 16, 16; pairs 1 to 6: 0, 0 next,
// 16, 16, (0, 16) x 26, 0, 0 next, 16, 16; pair 7: 0, 0 next, 16, 16, (0, 16) x 30. Same commands otherwise (the
// counts), every one legal; a plan without the option, or on a `sparsity: none` config, has no acc_next.
TEST(PairSchedule, GroupedBoundariesDrainSequenceByHand) {
  const Config cfg = load("configs/default.yaml");
  PlanOptions o = compressed_a();
  o.group_boundaries = true;
  const auto g = bfp::host::plan_gemm(cfg, {256, 256, 256}, o);
  const auto plain = bfp::host::plan_gemm(cfg, {256, 256, 256}, compressed_a());
  ASSERT_EQ(g.schedule, Schedule::Pair);
  EXPECT_TRUE(g.grouped_boundaries);
  EXPECT_FALSE(plain.grouped_boundaries);
  EXPECT_EQ(op_counts(g), op_counts(plain));
  using D = std::pair<int, bool>;
  const std::vector<D> group = {{0, false}, {0, true}, {16, false}, {16, false}};
  std::vector<D> want;
  auto plain_tiles = [&](int t) {
    for (int i = 0; i < t; ++i) want.insert(want.end(), {{0, false}, {16, false}});
  };
  for (int pair = 0; pair < 8; ++pair) {
    if (pair > 0) want.insert(want.end(), group.begin(), group.end());
    plain_tiles(32 - (pair > 0 ? 2 : 0) - (pair < 7 ? 2 : 0));
    if (pair < 7) want.insert(want.end(), group.begin(), group.end());
  }
  std::vector<D> got;
  for (const auto& c : g.commands) {
    EXPECT_NO_THROW(bfp::host::check_command(c, cfg)) << c.str();
    if (c.op == Opcode::Drain) got.emplace_back(c.col_offset, c.acc_next != 0);
  }
  EXPECT_EQ(got, want);
  for (const auto& c : plain.commands) EXPECT_EQ(c.acc_next, 0);
  // acc_next is refused outside DRAIN and on a config with one accumulator buffer
  bfp::host::Command bad;
  bad.op = Opcode::Compute;
  bad.count = 1;
  bad.acc_next = 1;
  EXPECT_THROW(bfp::host::check_command(bad, cfg), std::invalid_argument);
  const Config none = load("configs/test/r2c2b8.yaml");
  ASSERT_FALSE(none.sparse());
  bad.op = Opcode::Drain;
  EXPECT_THROW(bfp::host::check_command(bad, none), std::invalid_argument);
}

// RTL: bit-exact, and A read once per pair. act_read_bytes counts the compressed A rows the LOAD_ACTs moved;
// every pass over A moves the same bytes (hier_bytes_moved), so the pair schedule reads ceil(N tiles / 2) passes
// and the weight-stationary one N tiles passes.
TEST(PairSchedule, RtlBitExactAndReadsAOncePerPair) {
  struct Case {
    const char* file;
    int m, k, n;
    bool relu;
  };
  const Case cases[] = {{"configs/default.yaml", 24, 64, 80, false},
                        {"configs/default.yaml", 19, 48, 64, true},
                        {"configs/default.yaml", 8, 256, 40, true},
                        {"configs/default.yaml", 40, 128, 96, false}};
  uint64_t seed = 400;
  for (const Case& c : cases) {
    const Config cfg = load(c.file);
    bfp::verify::GemmSpec s;
    s.m = c.m;
    s.k = c.k;
    s.n = c.n;
    s.seed = ++seed;
    s.relu = c.relu;
    s.act_sparsity = 0.9;
    s.sparse_a = true;
    const int ntiles = (c.n + cfg.cols - 1) / cfg.cols;
    for (Schedule sched : {Schedule::Pair, Schedule::Weight}) {
      s.schedule = sched;
      const std::string repro = bfp::verify::repro_command(cfg, s);
      std::cout << "seed=" << s.seed << " repro: " << repro << "\n";
      SCOPED_TRACE(repro);
      const auto r = bfp::verify::run_gemm(bfp::test::model_for(cfg), s);
      EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
      EXPECT_EQ(r.schedule, sched);
      ASSERT_TRUE(r.act_compression_valid);
      const int passes = sched == Schedule::Pair ? (ntiles + 1) / 2 : ntiles;
      EXPECT_EQ(r.act_loads, passes);
      const bool packed = s.packed_a && bfp::host::can_pack_a(cfg, s.k);  // packed tiles where they apply
      EXPECT_EQ(r.act_read_bytes, uint64_t(passes) * (packed ? r.act_compression.packed_bytes_moved
                                                             : r.act_compression.hier_bytes_moved));
    }
  }
}

}  // namespace
