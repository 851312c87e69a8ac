// SPDX-License-Identifier: Apache-2.0
// Imported models run (docs/import.md): the project's FP64 path on every shipped ONNX model agrees with
// PyTorch's FP32 output (NAME.expected.npy) within 1e-5 relative RMS, and running the imported YAML gives
// exactly what running the .onnx directly gives (golden model; the GEMMs' RTL runs are tests/*rtl* business).
#include <gtest/gtest.h>

#include <filesystem>

#include "config/config.h"
#include "import/emit.h"
#include "import/load_any.h"
#include "mapper/run.h"
#include "sim/model_cache.h"
#include "support/onnx_builder.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bfp::onnx_import::load_network_any;

namespace {

const fs::path kData = fs::path(BFP_SOURCE_DIR) / "tests/data/onnx";

std::vector<fs::path> models(const std::string& dir) {
  std::vector<fs::path> r;
  for (const auto& e : fs::directory_iterator(kData / dir))
    if (e.path().extension() == ".onnx") r.push_back(e.path());
  std::sort(r.begin(), r.end());
  return r;
}

std::string sibling(const fs::path& model, const char* suffix) {
  return (model.parent_path() / (model.stem().string() + suffix)).string();
}

const bfp::Config& config() {
  static const bfp::Config c = bfp::load_config((fs::path(BFP_SOURCE_DIR) / "configs/test/r4c4b16.yaml").string());
  return c;
}

bfp::mapper::NetReport golden_run(const bfp::mapper::Network& net) {
  bfp::mapper::RunOptions o;
  return bfp::mapper::run_network(net, config(), nullptr, o);
}

}  // namespace

TEST(ImportRun, Fp64PathMatchesThePyTorchOutput) {
  int n = 0;
  for (const std::string dir : {"ops", "models"}) {
    for (const fs::path& m : models(dir)) {
      SCOPED_TRACE(m.string());
      const auto loaded = load_network_any(m.string(), sibling(m, ".input.npy"), sibling(m, ".expected.npy"));
      ASSERT_TRUE(loaded.from_onnx);
      ASSERT_TRUE(loaded.net.expected);
      const auto r = golden_run(loaded.net);
      ASSERT_TRUE(r.has_expected);
      EXPECT_LE(r.fp64_vs_expected.rel_rms, 1e-5) << "max abs " << r.fp64_vs_expected.max_abs;
      EXPECT_TRUE(r.expected_ok);
      ++n;
    }
  }
  EXPECT_GE(n, 36);
}

// bfpgen run --net MODEL.onnx is the import followed by the YAML: same BFP8 output codes and exponents,
// same FP64 output.
TEST(ImportRun, ImportedYamlRunsLikeTheOnnxModel) {
  for (const char* name : {"models/small_cnn", "models/resnet18_tiny", "ops/flatten_linear", "ops/relu6"}) {
    SCOPED_TRACE(name);
    const fs::path m = kData / (std::string(name) + ".onnx");
    bfp::test::TempDir tmp;
    bfp::onnx_import::ImportOptions o;
    o.model = m.string();
    o.out_dir = (tmp / "out").string();
    o.input_npy = sibling(m, ".input.npy");
    o.expected_npy = sibling(m, ".expected.npy");
    const auto imported = bfp::onnx_import::import_onnx(o);
    const auto via_yaml = golden_run(bfp::mapper::load_network(imported.yaml_path));
    const auto direct = golden_run(load_network_any(m.string(), o.input_npy, o.expected_npy).net);
    EXPECT_TRUE(via_yaml.output.q == direct.output.q);
    EXPECT_TRUE(via_yaml.output_fp64 == direct.output_fp64);
    EXPECT_GT(via_yaml.output_fp64.size(), 0);
    EXPECT_EQ(via_yaml.fp64_vs_expected.rel_rms, direct.fp64_vs_expected.rel_rms);
  }
}

TEST(ImportRun, CliRunsAnOnnxModel) {
  const fs::path m = kData / "ops/conv_bias_bn_relu.onnx";
  const auto r = bfp::test::run_cmd(std::string(BFP_BINARY_DIR) + "/bfpgen run --golden-only --config " +
                                    (fs::path(BFP_SOURCE_DIR) / "configs/test/r4c4b16.yaml").string() + " --net " +
                                    m.string() + " --input " + sibling(m, ".input.npy") + " --expected " +
                                    sibling(m, ".expected.npy"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("folded  BatchNormalization"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(": OK"), std::string::npos) << r.output;
}

// An imported model through the RTL: batch 2, conv + ReLU, max pool, a flatten whose fc columns were permuted,
// an fc from a MatMul. Bias-free, so it runs before the RTL has a bias path; every GEMM bit-exact.
TEST(ImportRun, ImportedModelBitExactOnTheRtl) {
  bfp::test::TempDir tmp;
  bfp::test::OnnxBuilder b({2, 3, 8, 8});
  b.init("w", {8, 3, 3, 3}).init("fw", {128, 10});
  auto& conv = b.node("Conv", {"x", "w"}, {"c"}, "conv");
  bfp::test::OnnxBuilder::attr(conv, "pads", {1, 1, 1, 1});
  b.node("Relu", {"c"}, {"r"}, "relu");
  auto& pool = b.node("MaxPool", {"r"}, {"p"}, "pool");
  bfp::test::OnnxBuilder::attr(pool, "kernel_shape", {2, 2});
  bfp::test::OnnxBuilder::attr(pool, "strides", {2, 2});
  b.node("Flatten", {"p"}, {"f"}, "flat");
  b.node("MatMul", {"f", "fw"}, {"y"}, "fc");
  b.output("y", {2, 10});
  b.save((tmp / "m.onnx").string());
  const auto loaded = load_network_any((tmp / "m.onnx").string());
  ASSERT_EQ(loaded.net.batch(), 2);
  for (const char* c : {"configs/test/r2c2b8.yaml", "configs/test/r4c4b16.yaml"}) {
    SCOPED_TRACE(c);
    const bfp::Config cfg = bfp::load_config((fs::path(BFP_SOURCE_DIR) / c).string());
    const auto r = bfp::mapper::run_network(loaded.net, cfg, bfp::sim::load_model(cfg), bfp::mapper::RunOptions{});
    EXPECT_TRUE(r.rtl);
    EXPECT_TRUE(r.bit_exact);
    int rtl_layers = 0;
    for (const auto& l : r.layers) rtl_layers += l.where == "rtl" && l.checked;
    EXPECT_EQ(rtl_layers, 2);
  }
}

// The acceptance run: the imported small CNN (biases, folded BatchNorm, batch 2, residual add, concat,
// ReLU6 clip, softmax) with every GEMM bit-exact on the RTL on two configs, its FP64 path within 1e-5 of
// PyTorch's output. Needs the RTL bias path (branch bias-hw); without it the run is refused before any
// simulation and the test says so and skips.
TEST(ImportRun, SmallCnnWithBiasAndBatchNormBitExactOnTheRtl) {
  const fs::path m = kData / "models/small_cnn.onnx";
  const auto loaded = load_network_any(m.string(), sibling(m, ".input.npy"), sibling(m, ".expected.npy"));
  ASSERT_EQ(loaded.net.batch(), 2);
  for (const char* c : {"configs/test/r2c2b8.yaml", "configs/test/r4c4b16.yaml"}) {
    SCOPED_TRACE(c);
    const bfp::Config cfg = bfp::load_config((fs::path(BFP_SOURCE_DIR) / c).string());
    bfp::mapper::NetReport r;
    try {
      r = bfp::mapper::run_network(loaded.net, cfg, bfp::sim::load_model(cfg), bfp::mapper::RunOptions{});
    } catch (const std::exception& e) {
      if (std::string(e.what()).find("a GEMM bias is not supported on the RTL yet") != std::string::npos)
        GTEST_SKIP() << "this RTL has no bias path yet: " << e.what();
      throw;
    }
    EXPECT_TRUE(r.bit_exact);
    int rtl_layers = 0;
    for (const auto& l : r.layers) {
      rtl_layers += l.where == "rtl" && l.checked;
      EXPECT_TRUE(l.bit_exact) << l.name << ": " << l.mismatch;
    }
    EXPECT_EQ(rtl_layers, 7);  // 6 conv2d + 1 fc
    ASSERT_TRUE(r.has_expected);
    EXPECT_LE(r.fp64_vs_expected.rel_rms, 1e-5);
    EXPECT_EQ(r.top1_agree, 2) << "BFP8 vs FP64 top-1 over the batch";
  }
}
