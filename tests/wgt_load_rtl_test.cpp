// SPDX-License-Identifier: Apache-2.0
// Compressed weight loads on the whole accelerator (buffers.wgt_load_lanes, docs/architecture.md "Compressed weight
// loads"): LOAD_WGT SPARSE reads W^T's columns as row streams and the lanes expand them into the weight banks.
//  - The key: optional, 0 by default (configs without it keep their hash), bad values and configs name the key.
//  - GEMMs with the weights loaded compressed are bit-exact (codes and exponents) on r4c8b16 with 1, 2 and 4
//    lanes, for 90% and 0% weight zeros, random and whole-block zeros, with backpressure and a warm-up GEMM.
//  - The loads read exactly the row streams' bytes that the format says a reader fetches (memory.wgt_read_bytes =
//    the golden hier_bytes_moved of W^T times the loads of each weight tile: one per M tile in the
//    output-stationary order these shapes get), so a loader that read dense rows or one beat too many fails.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "config/config.h"
#include "support/bit_exact_run.h"
#include "support/rtl_configs.h"
#include "support/seed.h"
#include "support/temp_dir.h"
#include "verify/bench.h"
#include "verify/random_gemm.h"

using bfp::Config;
using bfp::test::load;

// bfpgen bench --sparsity runs its `sparsity: none` and `activations` rows on variants of the config; the lanes
// need `sparsity: both`, so those variants load weights dense (a config with lanes stayed unbenchable before).
TEST(WgtLoadLanesConfig, BenchVariantsWithoutSparsityBothHaveNoLanes) {
  const Config c = load("configs/test/r4c8b16.yaml").with("buffers.wgt_load_lanes", "4");
  bfp::test::TempDir tmp("bfp_wl_variant");
  EXPECT_EQ(bfp::verify::write_sparsity_variant(c, "none", tmp.path().string()).wgt_load_lanes, 0);
  EXPECT_EQ(bfp::verify::write_sparsity_variant(c, "activations", tmp.path().string()).wgt_load_lanes, 0);
  EXPECT_EQ(bfp::verify::write_sparsity_variant(c, "both", tmp.path().string()).wgt_load_lanes, 4);
}

TEST(WgtLoadLanesConfig, OptionalZeroByDefaultAndHashKept) {
  const Config c = load("configs/test/r4c8b16.yaml");
  EXPECT_EQ(c.wgt_load_lanes, 0);
  EXPECT_EQ(c.with("buffers.wgt_load_lanes", "0").hash(), c.hash());
  EXPECT_EQ(c.canonical().find("wgt_load_lanes"), std::string::npos);
  const Config on = c.with("buffers.wgt_load_lanes", "2");
  EXPECT_EQ(on.wgt_load_lanes, 2);
  EXPECT_NE(on.hash(), c.hash());
  EXPECT_NE(on.canonical().find("buffers.wgt_load_lanes=2\n"), std::string::npos) << on.canonical();
  EXPECT_EQ(bfp::parse_config(bfp::to_yaml(on), "on.yaml").hash(), on.hash());
}

TEST(WgtLoadLanesConfig, BadValuesAndConfigsNameTheKey) {
  const Config c = load("configs/test/r4c8b16.yaml");
  for (const char* bad : {"3", "8", "-1"}) {
    SCOPED_TRACE(bad);
    try {
      c.with("buffers.wgt_load_lanes", bad);
      ADD_FAILURE() << "accepted";
    } catch (const bfp::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("buffers.wgt_load_lanes"), std::string::npos) << e.what();
    }
  }
  // lanes need sparsity: both
  try {
    c.with({{"sparsity", "activations"}, {"buffers.wgt_load_lanes", "2"}});
    ADD_FAILURE() << "accepted with sparsity: activations";
  } catch (const bfp::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("buffers.wgt_load_lanes"), std::string::npos) << e.what();
  }
  // ... and array.rows a multiple of the lanes (r4c8b16 has 4 rows)
  try {
    c.with({{"array.rows", "2"}, {"buffers.wgt_load_lanes", "4"}});
    ADD_FAILURE() << "accepted 4 lanes on 2 rows";
  } catch (const bfp::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("buffers.wgt_load_lanes"), std::string::npos) << e.what();
  }
}

namespace {

// A GEMM of `s` on `cfg` (which has `lanes` weight-load lanes) with 90% activation zeros loaded compressed, run
// bit-exact with the seed and both one-line reruns in any failure message.
bfp::verify::GemmResult run_with_lanes(const Config& cfg, const char* lanes, bfp::verify::GemmSpec s,
                                       uint64_t seed) {
  s.seed = seed;
  s.act_sparsity = 0.9;
  s.sparse_a = true;
  return bfp::test::run_bit_exact(
      cfg, s, std::string("seed ") + std::to_string(seed) + ", " + bfp::test::repro("wgt_load_rtl_test", seed) +
                  "; as a command: build/bfpgen gemm with buffers.wgt_load_lanes: " + lanes + " and " +
                  bfp::verify::repro_command(cfg, s));
}

struct LoadCase {
  const char* name;
  const char* lanes;
  double wgt_sparsity;
  bfp::verify::SparsityPattern pattern;
};

void PrintTo(const LoadCase& c, std::ostream* os) { *os << c.name; }

class WgtLoadGemm : public ::testing::TestWithParam<LoadCase> {};

}  // namespace

TEST_P(WgtLoadGemm, BitExactAndReadsExactlyTheStreams) {
  const LoadCase& lc = GetParam();
  const Config cfg = load("configs/test/r4c8b16.yaml").with("buffers.wgt_load_lanes", lc.lanes);
  const uint64_t seed = bfp::test::seed_for(0x77a1);
  bfp::verify::GemmSpec s;
  // K = 128 (8 blocks: every exponent of a column in its first 16-byte beat), two M and N tiles and a bit
  s.m = 2 * cfg.rows + 1;
  s.k = 128;
  s.n = 2 * cfg.cols + 3;
  s.wgt_sparsity = lc.wgt_sparsity;
  s.sparsity_pattern = lc.pattern;
  s.wgt_load = bfp::verify::WgtLoad::Compressed;
  s.stall = 0.1;
  s.warmup = 1;
  const bfp::verify::GemmResult r = run_with_lanes(cfg, lc.lanes, s, seed);
  EXPECT_TRUE(r.sparse_w);
  ASSERT_TRUE(r.act_compression_valid);
  // the output-stationary order loads every weight tile once per M tile, the weight-stationary ones once
  const uint64_t loads = r.schedule == bfp::host::Schedule::Output ? uint64_t((s.m + cfg.rows - 1) / cfg.rows) : 1;
  EXPECT_EQ(r.wgt_read_bytes, loads * r.wgt_compression.hier_bytes_moved) << "schedule " << to_string(r.schedule);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WgtLoadGemm,
    ::testing::Values(LoadCase{"lanes2_w90_random", "2", 0.9, bfp::verify::SparsityPattern::Random},
                      LoadCase{"lanes4_w90_random", "4", 0.9, bfp::verify::SparsityPattern::Random},
                      LoadCase{"lanes1_w90_blocks", "1", 0.9, bfp::verify::SparsityPattern::Blocks},
                      LoadCase{"lanes2_w0", "2", 0.0, bfp::verify::SparsityPattern::Random}),
    [](const ::testing::TestParamInfo<LoadCase>& i) { return std::string(i.param.name); });

// The next sparse load starts while the lanes still write the last columns of a LOAD_WGT SPARSE (bfp_core's
// load_free, docs/architecture.md "Compressed weight loads"): with four lanes and several N tiles, each weight
// boundary loads both halves back to back, so a LOAD_WGT at col_offset 0 clears one half's masks in a cycle in
// which the lanes write the other half. Bit-exact only if both happen (a mask write lost in that cycle gave 201
// wrong codes at seed 1), and each lane word goes to its own load's halves.
TEST(WgtLoadTail, NextLoadInTheLanesTailIsBitExact) {
  const Config cfg = load("configs/test/r4c8b16.yaml").with("buffers.wgt_load_lanes", "4");
  const uint64_t seed = bfp::test::seed_for(0x77a2);
  bfp::verify::GemmSpec s;
  s.m = 64;
  s.k = 128;
  s.n = 64;
  s.wgt_sparsity = 0.9;
  s.wgt_load = bfp::verify::WgtLoad::Compressed;
  const bfp::verify::GemmResult r = run_with_lanes(cfg, "4", s, seed);
  EXPECT_TRUE(r.sparse_w);
}

// bfpgen gemm's default (WgtLoad::Auto) loads W compressed only where the streams move at most half the dense
// rows' bytes: with moderately sparse weights the lanes, fed column by column, are slower than the dense beats
// (docs/architecture.md "Compressed weight loads", measured crossover between 49% and 57%). A weight matrix at
// 50% zeros (streams well above half) loads dense, one at 90% compressed; both bit-exact.
TEST(WgtLoadAuto, CompressedOnlyWhereTheStreamsMoveAtMostHalfTheBytes) {
  const Config cfg = load("configs/test/r4c8b16.yaml").with("buffers.wgt_load_lanes", "4");
  const uint64_t seed = bfp::test::seed_for(0x77a3);
  for (const double ws : {0.5, 0.9}) {
    bfp::verify::GemmSpec s;
    s.m = 9;
    s.k = 128;
    s.n = 19;
    s.wgt_sparsity = ws;
    const bfp::verify::GemmResult r = run_with_lanes(cfg, "4", s, seed);
    ASSERT_TRUE(r.act_compression_valid);
    const uint64_t moved = r.wgt_compression.hier_bytes_moved, dense = r.wgt_compression.dense_bytes;
    std::printf("weight sparsity %.1f: streams %llu of %llu dense bytes, loaded %s\n", ws,
                static_cast<unsigned long long>(moved), static_cast<unsigned long long>(dense),
                r.sparse_w ? "compressed" : "dense");
    if (ws < 0.7) {
      EXPECT_LT(moved, dense);      // fewer bytes: the old rule would have compressed it
      EXPECT_GT(2 * moved, dense);  // but more than half
      EXPECT_FALSE(r.sparse_w);
    } else {
      EXPECT_LE(2 * moved, dense);
      EXPECT_TRUE(r.sparse_w);
    }
  }
}
