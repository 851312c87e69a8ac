// SPDX-License-Identifier: Apache-2.0
// The network description extensions of issue 13 through the RTL (docs/networks.md): networks/features.yaml
// (batch 2, biases, dilation, asymmetric padding, clip, count_include_pad, softmax, chained fc layers with
// biases) bit-exact on every configs/test config, dense and compressed with backpressure; and the
// expected-output report of `bfpgen run` (agreement, disagreement, shape error before any simulation).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/npy.h"
#include "mapper/network.h"
#include "mapper/run.h"
#include "sim/model_cache.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using namespace bfp::mapper;

namespace {

std::string src(const std::string& rel) { return (fs::path(BFP_SOURCE_DIR) / rel).string(); }

TEST(MapperExtRtl, FeaturesNetworkBitExactOnEveryTestConfig) {
  const Network n = load_network(src("networks/features.yaml"));
  ASSERT_EQ(n.batch(), 2);
  for (const char* c : {"configs/test/r2c2b8.yaml", "configs/test/r4c4b16.yaml", "configs/test/r4c8b16.yaml",
                        "configs/test/r8c8b32.yaml"}) {
    bfp::Config cfg = bfp::load_config(src(c));
    const auto model = bfp::sim::load_model(cfg);
    std::vector<RunOptions> runs(1);
    if (cfg.sparse()) {
      runs.emplace_back();
      runs.back().sparse = true;
      runs.back().stall = 0.3;
    }
    const NetReport golden = run_network(n, cfg, nullptr, RunOptions{});
    for (const RunOptions& o : runs) {
      const NetReport r = run_network(n, cfg, model, o);
      EXPECT_TRUE(r.bit_exact) << c << (o.sparse ? " --sparse" : "");
      int gemm_layers = 0;
      for (const auto& l : r.layers) {
        EXPECT_TRUE(l.bit_exact) << c << ": " << l.mismatch;
        if (l.where == "rtl") {
          ++gemm_layers;
          EXPECT_TRUE(l.checked) << l.name;
        }
      }
      EXPECT_EQ(gemm_layers, 5) << c;
      // fc2 (with a bias) reads fc1's C in place when its output is dense
      if (!o.sparse) {
        EXPECT_EQ(r.layers_in_place, 1) << c;
      }
      // the RTL run and the golden-only run give the same network output
      EXPECT_TRUE(r.output.q == golden.output.q) << c;
      EXPECT_EQ(r.top1_agree, 2) << c;
      EXPECT_LT(r.error.rel_rms, 0.05) << c;
    }
  }
}

TEST(MapperExtRtl, CliReportsBatchAndExpectedOutput) {
  const std::string exe = std::string(BFP_BINARY_DIR) + "/bfpgen";
  if (!fs::exists(exe)) GTEST_SKIP() << exe << " not built";
  bfp::test::TempDir dir("mapper_ext_rtl");
  const std::string cfg = src("configs/test/r2c2b8.yaml");
  const std::string net = src("networks/features.yaml");
  const NetReport r = run_network(load_network(net), bfp::load_config(cfg), nullptr, RunOptions{});
  std::vector<float> e;
  for (int64_t i = 0; i < r.output_fp64.rows(); ++i)
    for (int64_t j = 0; j < r.output_fp64.cols(); ++j) e.push_back(float(r.output_fp64(i, j)));
  bfp::npy::write((dir / "ok.npy").string(), {2, 10}, e);
  e[7] += 0.01f;
  bfp::npy::write((dir / "bad.npy").string(), {2, 10}, e);
  bfp::npy::write((dir / "shape.npy").string(), {10}, std::vector<float>(10, 0.1f));
  const std::string run = exe + " run --config " + cfg + " --net " + net + " --quiet";

  const auto ok = bfp::test::run_cmd(run + " --expected " + (dir / "ok.npy").string());
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("input 12x12x3 x batch 2"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("verdict  BIT-EXACT"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("top-1    2 of 2 image(s)"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("ok.npy: FP64 path vs it: rel RMS"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find(": OK\n"), std::string::npos) << ok.output;
  EXPECT_EQ(ok.output.find("warning"), std::string::npos) << ok.output;

  // a disagreeing expected output: reported, a warning, but the exit status is the bit-exact verdict's
  const auto bad = bfp::test::run_cmd(run + " --expected " + (dir / "bad.npy").string());
  EXPECT_EQ(bad.status, 0) << bad.output;
  EXPECT_NE(bad.output.find(": DIFFERS\n"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("warning: the FP64 path differs from"), std::string::npos) << bad.output;

  // --json carries it too
  const auto js = bfp::test::run_cmd(run + " --golden-only --json --expected " + (dir / "bad.npy").string());
  EXPECT_EQ(js.status, 0);
  EXPECT_NE(js.output.find("\"fp64_vs_expected\""), std::string::npos) << js.output;
  EXPECT_NE(js.output.find("\"top1_agreement\""), std::string::npos) << js.output;
  EXPECT_NE(js.output.find("\"batch\": 2"), std::string::npos) << js.output;

  // a shape mismatch: an error before any simulation (no table, no verdict), exit 1
  const auto shape = bfp::test::run_cmd(exe + " run --config " + cfg + " --net " + net + " --expected " +
                                        (dir / "shape.npy").string());
  EXPECT_EQ(shape.status, 1) << shape.output;
  EXPECT_NE(shape.output.find("has shape [10], the output of the last layer 'prob' is [2, 10] (N, F)"),
            std::string::npos)
      << shape.output;
  EXPECT_EQ(shape.output.find("layer 1/"), std::string::npos) << shape.output;
  EXPECT_EQ(shape.output.find("verdict"), std::string::npos) << shape.output;
}

}  // namespace
