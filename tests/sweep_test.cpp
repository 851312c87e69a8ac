// SPDX-License-Identifier: Apache-2.0
// bfpgen sweep's library part (report/sweep.h): the grid, the configs of its points (Config::with, so an illegal
// combination names its key) and a sweep whose every point fails before any flow runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/config.h"
#include "report/sweep.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bfp::report::SweepOptions;
using bfp::report::SweepPoint;

namespace {
const fs::path kSource = BFP_SOURCE_DIR;
bfp::Config base() { return bfp::load_config((kSource / "configs/test/r2c2b8.yaml").string()); }
}  // namespace

TEST(Sweep, DefaultAndFullGrids) {
  SweepOptions o;
  const auto points = bfp::report::sweep_points(o);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(bfp::report::sweep_point_name("r2c2b8", points[0]), "r2c2b8-sweep-r2c2b8-none");
  EXPECT_EQ(bfp::report::sweep_point_name("r2c2b8", points[3]), "r2c2b8-sweep-r2c2b16-both");
  o.full = true;
  EXPECT_EQ(bfp::report::sweep_points(o).size(), 12u);
  o.arrays = {"2x3"};
  o.blocks = {"8"};
  o.knobs = {"activations"};
  const auto one = bfp::report::sweep_points(o);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].rows, 2);
  EXPECT_EQ(one[0].cols, 3);
  o.arrays = {"2by2"};
  EXPECT_THROW(bfp::report::sweep_points(o), std::runtime_error);
  o.arrays = {"2x2"};
  o.blocks = {"eight"};
  EXPECT_THROW(bfp::report::sweep_points(o), std::runtime_error);
}

TEST(Sweep, VariantReplacesThePointKeysAndWidensTheAccumulator) {
  const bfp::Config b = base();
  const bfp::Config v = bfp::report::sweep_variant(b, SweepPoint{4, 4, 16, "both"});
  EXPECT_EQ(v.name, "r2c2b8-sweep-r4c4b16-both");
  EXPECT_EQ(v.rows, 4);
  EXPECT_EQ(v.cols, 4);
  EXPECT_EQ(v.block, 16);
  EXPECT_EQ(v.sparsity, bfp::Sparsity::Both);
  EXPECT_EQ(v.acc_width, v.min_acc_width());  // 24 was the minimum for B = 8
  bfp::Config rest = v;
  rest.name = b.name;
  rest.rows = b.rows;
  rest.cols = b.cols;
  rest.block = b.block;
  rest.sparsity = b.sparsity;
  rest.acc_width = b.acc_width;
  EXPECT_EQ(rest, b);
  // a point that needs no wider accumulator keeps the base's width
  EXPECT_EQ(bfp::report::sweep_variant(b, SweepPoint{2, 2, 8, "none"}).acc_width, b.acc_width);
}

// A base with compressed-weight-load lanes (the default config with 4) keeps them at the points that allow them
// (sparsity both, whole blocks per beat, rows and columns multiples of the lanes) and loads weights dense at the
// others, instead of failing those points.
TEST(Sweep, WeightLoadLanesKeptWhereThePointAllowsThem) {
  const bfp::Config b =
      bfp::load_config((kSource / "configs/default.yaml").string()).with("buffers.wgt_load_lanes", "4");
  EXPECT_EQ(bfp::report::sweep_variant(b, SweepPoint{8, 16, 16, "both"}).wgt_load_lanes, 4);
  EXPECT_EQ(bfp::report::sweep_variant(b, SweepPoint{4, 8, 8, "both"}).wgt_load_lanes, 4);
  EXPECT_EQ(bfp::report::sweep_variant(b, SweepPoint{8, 16, 16, "none"}).wgt_load_lanes, 0);
  EXPECT_EQ(bfp::report::sweep_variant(b, SweepPoint{8, 16, 16, "activations"}).wgt_load_lanes, 0);
  EXPECT_EQ(bfp::report::sweep_variant(b, SweepPoint{2, 2, 16, "both"}).wgt_load_lanes, 0);
}

TEST(Sweep, IllegalCombinationNamesTheKey) {
  try {
    bfp::report::sweep_variant(base(), SweepPoint{3, 3, 8, "none"});
    FAIL() << "no error";
  } catch (const bfp::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'buffers.acc_cols': accumulator buffer columns must be a positive "
                                         "multiple of 24"),
              std::string::npos)
        << e.what();
  }
}

TEST(Sweep, FailedPointsAreRowsAndTheSweepFails) {
  bfp::test::TempDir tmp("bfpgen_sweep_test");
  SweepOptions o;
  o.base = (kSource / "configs/test/r2c2b8.yaml").string();
  o.arrays = {"3x3"};  // acc_cols 16 is no multiple of lcm(8, 3): fails before any flow runs
  o.blocks = {"8"};
  o.knobs = {"none", "weights"};
  o.out = (tmp / "out").string();
  std::ostringstream progress;
  EXPECT_FALSE(bfp::report::run_sweep(o, progress));
  EXPECT_NE(progress.str().find("[2/2] r2c2b8-sweep-r3c3b8-weights: failed: "), std::string::npos) << progress.str();
  std::ifstream in(tmp / "out" / "sweep.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  ASSERT_EQ(j["points"].size(), 2u);
  for (const auto& p : j["points"]) EXPECT_EQ(p["status"].get<std::string>().rfind("failed: ", 0), 0u);
  EXPECT_NE(j["points"][1]["status"].get<std::string>().find("key 'sparsity'"), std::string::npos);
  EXPECT_TRUE(fs::is_regular_file(tmp / "out" / "sweep.md"));
  EXPECT_TRUE(fs::is_regular_file(tmp / "out" / "sweep_tops_per_w.svg"));
  EXPECT_TRUE(fs::is_empty(tmp / "out" / "configs"));  // no config is written for an illegal point
}
