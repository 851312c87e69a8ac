// SPDX-License-Identifier: Apache-2.0
// The ONNX importer per operator (docs/import.md): the YAML's layers and fields are what the ONNX model says,
// the weights are the initializers (conv OIHW as they are, fc columns permuted after a flatten, BatchNorm
// folded; both recomputed here from the initializers), input/expected are converted NCHW -> NHWC, and the
// output is deterministic. Models: tests/data/onnx/ops/ (scripts/models/export_models.py) and graphs built here.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "config/sha256.h"
#include "golden/npy.h"
#include "import/emit.h"
#include "support/onnx_builder.h"
#include "support/read_file.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bfp::test::OnnxBuilder;

namespace {

const fs::path kOps = fs::path(BFP_SOURCE_DIR) / "tests/data/onnx/ops";

struct Imported {
  std::unique_ptr<bfp::test::TempDir> dir;
  bfp::onnx_import::ImportResult result;
  YAML::Node yaml;
  std::string text;
  fs::path path(const std::string& rel) const { return dir->path() / "out" / rel; }
  YAML::Node layer(size_t i) const { return yaml["layers"][i]; }
  std::vector<float> npy(const std::string& rel) const { return bfp::npy::read(path(rel).string()).values<float>(); }
  std::vector<size_t> npy_shape(const std::string& rel) const { return bfp::npy::read(path(rel).string()).shape; }
};

Imported import_model(const fs::path& model, bool with_io = false) {
  Imported r;
  r.dir = std::make_unique<bfp::test::TempDir>("bfp_import");
  bfp::onnx_import::ImportOptions o;
  o.model = model.string();
  o.out_dir = (r.dir->path() / "out").string();
  if (with_io) {
    const std::string stem = (model.parent_path() / model.stem()).string();
    o.input_npy = stem + ".input.npy";
    o.expected_npy = stem + ".expected.npy";
  }
  r.result = bfp::onnx_import::import_onnx(o);
  r.text = bfp::test::read_file(r.result.yaml_path);
  r.yaml = YAML::Load(r.text);
  return r;
}
Imported import_op(const std::string& name, bool with_io = false) { return import_model(kOps / (name + ".onnx"), with_io); }

// A YAML value as text: scalars as they are, sequences as "[a, b]".
std::string text(const YAML::Node& n) {
  if (!n) return "<missing>";
  if (n.IsScalar()) return n.Scalar();
  std::string s = "[";
  for (size_t i = 0; i < n.size(); ++i) s += (i ? ", " : "") + text(n[i]);
  return s + "]";
}

std::string types(const YAML::Node& y) {
  std::string s;
  for (const auto& l : y["layers"]) s += (s.empty() ? "" : " ") + l["type"].Scalar();
  return s;
}

// The ONNX model's initializers, decoded here (independently of the importer).
std::map<std::string, std::vector<float>> initializers(const fs::path& model) {
  onnx::ModelProto m;
  const std::string bytes = bfp::test::read_file(model);
  EXPECT_TRUE(m.ParseFromString(bytes));
  std::map<std::string, std::vector<float>> r;
  for (const auto& t : m.graph().initializer()) {
    if (t.data_type() != onnx::TensorProto::FLOAT) continue;
    std::vector<float> v;
    if (t.has_raw_data()) {
      v.resize(t.raw_data().size() / 4);
      std::memcpy(v.data(), t.raw_data().data(), v.size() * 4);
    } else {
      v.assign(t.float_data().begin(), t.float_data().end());
    }
    r[t.name()] = v;
  }
  return r;
}

float bn_epsilon(const fs::path& model) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(bfp::test::read_file(model)));
  for (const auto& n : m.graph().node())
    if (n.op_type() == "BatchNormalization")
      for (const auto& a : n.attribute())
        if (a.name() == "epsilon") return a.f();
  return 1e-5f;
}

std::vector<float> transpose(const std::vector<float>& b, size_t rows, size_t cols) {
  std::vector<float> t(b.size());
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) t[j * rows + i] = b[i * cols + j];
  return t;
}

}  // namespace

// Layer types and the fields of every layer, per operator model.
TEST(Import, PerOperatorLayersAndFields) {
  struct Case {
    std::string model, types;
    std::vector<std::tuple<int, std::string, std::string>> fields;  // layer, key, value ("<missing>": absent)
  };
  const std::vector<Case> cases = {
      {"conv", "conv2d", {{0, "filters", "4"}, {0, "kernel", "3"}, {0, "padding", "1"}, {0, "stride", "<missing>"}}},
      {"conv_nobias", "conv2d", {{0, "bias", "<missing>"}}},
      {"conv_groups", "conv2d", {{0, "groups", "2"}, {0, "filters", "6"}}},
      {"conv_depthwise", "conv2d", {{0, "groups", "4"}, {0, "filters", "4"}, {0, "bias", "<missing>"}}},
      {"conv_stride2", "conv2d", {{0, "stride", "2"}, {0, "padding", "1"}}},
      {"conv_asym_pads", "conv2d", {{0, "padding", "[0, 1, 2, 1]"}}},
      {"conv_asym_pads_stride2", "conv2d", {{0, "padding", "[0, 0, 1, 1]"}, {0, "stride", "2"}}},
      {"conv_dilation2", "conv2d", {{0, "dilation", "2"}, {0, "padding", "2"}, {0, "kernel", "3"}}},
      {"conv_rect", "conv2d", {{0, "kernel", "[3, 1]"}, {0, "stride", "[2, 1]"}, {0, "padding", "[1, 0]"}}},
      {"linear", "fc", {{0, "units", "5"}}},
      {"linear_nobias", "fc", {{0, "units", "5"}, {0, "bias", "<missing>"}}},
      {"gemm_transb0", "fc", {{0, "units", "5"}}},
      {"matmul_add", "fc", {{0, "units", "5"}}},
      {"residual_add", "conv2d conv2d add", {{0, "relu", "true"}, {1, "relu", "<missing>"}, {2, "inputs", "[c2.Conv, input]"}}},
      {"relu_after_add", "conv2d add", {{1, "relu", "true"}, {0, "relu", "<missing>"}}},
      {"relu6", "conv2d clip", {{0, "relu", "true"}, {1, "max", "6.0"}, {1, "min", "<missing>"}}},
      {"clamp_min", "conv2d clip", {{0, "relu", "<missing>"}, {1, "min", "-0.25"}, {1, "max", "<missing>"}}},
      {"maxpool", "conv2d maxpool", {{1, "kernel", "3"}, {1, "stride", "2"}, {1, "padding", "1"}}},
      {"maxpool_k2", "conv2d maxpool", {{1, "kernel", "2"}, {1, "stride", "2"}, {1, "padding", "<missing>"}}},
      {"avgpool_exclude_pad", "conv2d avgpool", {{1, "kernel", "3"}, {1, "stride", "2"}, {1, "padding", "1"}, {1, "count_include_pad", "false"}}},
      {"avgpool_include_pad", "conv2d avgpool", {{1, "padding", "1"}, {1, "count_include_pad", "<missing>"}}},
      {"avgpool_k2", "conv2d avgpool", {{1, "kernel", "2"}, {1, "stride", "2"}, {1, "count_include_pad", "<missing>"}}},
      {"gap", "conv2d avgpool", {{1, "global", "true"}, {1, "kernel", "<missing>"}}},
      {"concat", "conv2d concat conv2d", {{1, "inputs", "[c1.Conv, input]"}, {2, "kernel", "1"}, {2, "filters", "4"}}},
      {"flatten_linear", "conv2d flatten fc", {{2, "units", "5"}}},
      {"reshape_linear", "conv2d flatten fc", {{2, "units", "5"}}},
      {"conv_bn", "conv2d", {{0, "relu", "<missing>"}}},
      {"conv_bias_bn_relu", "conv2d", {{0, "relu", "true"}}},
      {"linear_bn", "fc", {{0, "units", "6"}}},
      {"dropout_identity", "fc fc", {{1, "input", "<missing>"}}},
      {"softmax", "fc softmax", {}},
      {"softmax_channels", "conv2d softmax", {}},
  };
  std::set<std::string> covered;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.model);
    const Imported r = import_op(c.model);
    covered.insert(c.model);
    EXPECT_EQ(types(r.yaml), c.types);
    EXPECT_EQ(text(r.yaml["input"]["batch"]), "2");
    for (const auto& [i, k, v] : c.fields) EXPECT_EQ(text(r.layer(size_t(i))[k]), v) << "layer " << i << " field " << k;
    for (const auto& l : r.yaml["layers"]) {
      for (const char* f : {"weights", "bias"}) {
        if (l[f]) {
          EXPECT_TRUE(fs::exists(r.path(l[f].Scalar()))) << l[f].Scalar();
        }
      }
      if (l["type"].Scalar() == "fc" || l["type"].Scalar() == "conv2d") {
        EXPECT_TRUE(l["weights"]);
      }
    }
  }
  // every shipped per-operator model is in the table
  for (const auto& e : fs::directory_iterator(kOps)) {
    if (e.path().extension() == ".onnx") {
      EXPECT_TRUE(covered.count(e.path().stem().string())) << e.path();
    }
  }
}

TEST(Import, InputShapeAndBatch) {
  const Imported r = import_op("conv_rect");
  EXPECT_EQ(text(r.yaml["input"]["shape"]), "[8, 6, 3]");  // ONNX [2, 3, 8, 6] -> [H, W, C], batch 2
  EXPECT_EQ(text(r.yaml["input"]["batch"]), "2");
  EXPECT_EQ(text(import_op("linear").yaml["input"]["shape"]), "[12]");
}

TEST(Import, ConvAndGemmWeightsAreTheInitializers) {
  {
    const Imported r = import_op("conv");
    auto init = initializers(kOps / "conv.onnx");
    const auto l = r.layer(0);
    ASSERT_EQ(init["weight"].size(), 108u);
    EXPECT_EQ(r.npy(l["weights"].Scalar()), init["weight"]);  // OIHW as it is
    EXPECT_EQ(r.npy_shape(l["weights"].Scalar()), (std::vector<size_t>{4, 3, 3, 3}));
    EXPECT_EQ(r.npy(l["bias"].Scalar()), init["bias"]);
  }
  {
    const Imported r = import_op("linear");  // Gemm transB = 1: B is [units, K] already
    auto init = initializers(kOps / "linear.onnx");
    ASSERT_EQ(init["weight"].size(), 60u);
    EXPECT_EQ(r.npy(r.layer(0)["weights"].Scalar()), init["weight"]);
    EXPECT_EQ(r.npy(r.layer(0)["bias"].Scalar()), init["bias"]);
  }
  for (const char* m : {"gemm_transb0", "linear_nobias", "matmul_add"}) {  // B is [K, units]
    SCOPED_TRACE(m);
    const Imported r = import_op(m);
    auto init = initializers(kOps / (std::string(m) + ".onnx"));
    std::vector<float> b, c;
    for (const auto& [k, v] : init) {
      if (v.size() == 60) b = v;  // [12, 5]
      if (v.size() == 5) c = v;
    }
    ASSERT_EQ(b.size(), 60u);
    EXPECT_EQ(r.npy(r.layer(0)["weights"].Scalar()), transpose(b, 12, 5));
    EXPECT_EQ(r.npy_shape(r.layer(0)["weights"].Scalar()), (std::vector<size_t>{5, 12}));
    if (std::string(m) != "linear_nobias") {
      EXPECT_EQ(r.npy(r.layer(0)["bias"].Scalar()), c);
    }
  }
}

// PyTorch flattens NCHW as (c, h, w); the IR's flatten is (h, w, c): the fc columns follow.
TEST(Import, FcAfterFlattenHasItsColumnsPermuted) {
  for (const char* m : {"flatten_linear", "reshape_linear"}) {
    SCOPED_TRACE(m);
    const Imported r = import_op(m);
    const std::vector<float> w = initializers(kOps / (std::string(m) + ".onnx"))["fc.weight"];
    ASSERT_EQ(w.size(), 5u * 48);
    const int C = 4, H = 4, W = 3;  // the conv output: [2, 3, 8, 6] -> 3x3 stride 2 pad 1 -> [4, 4, 3]
    const std::vector<float> got = r.npy(r.layer(2)["weights"].Scalar());
    ASSERT_EQ(got.size(), w.size());
    int moved = 0;
    for (int o = 0; o < 5; ++o)
      for (int c = 0; c < C; ++c)
        for (int y = 0; y < H; ++y)
          for (int x = 0; x < W; ++x) {
            const int ir = (y * W + x) * C + c, onnx = (c * H + y) * W + x;
            EXPECT_EQ(got[size_t(o * 48 + ir)], w[size_t(o * 48 + onnx)]);
            moved += ir != onnx;
          }
    EXPECT_GT(moved, 0);
  }
}

// w' = w * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps), in double, rounded to FP32.
TEST(Import, BatchNormIsFoldedIntoTheLayerBeforeIt) {
  struct Case {
    const char* model;
    const char* w;
    const char* b;  // "" = no bias before the BN
    size_t rows;
  };
  for (const Case& c : {Case{"conv_bn", "conv.weight", "", 4}, Case{"conv_bias_bn_relu", "conv.weight", "conv.bias", 4},
                        Case{"linear_bn", "fc.weight", "fc.bias", 6}}) {
    SCOPED_TRACE(c.model);
    const fs::path p = kOps / (std::string(c.model) + ".onnx");
    auto init = initializers(p);
    const double eps = bn_epsilon(p);
    const std::vector<float>& w = init[c.w];
    const std::vector<float>& g = init["bn.weight"];
    const std::vector<float>& be = init["bn.bias"];
    const std::vector<float>& mu = init["bn.running_mean"];
    const std::vector<float>& var = init["bn.running_var"];
    ASSERT_EQ(g.size(), c.rows);
    std::vector<float> want_w(w.size()), want_b(c.rows);
    const size_t per = w.size() / c.rows;
    for (size_t o = 0; o < c.rows; ++o) {
      const double s = double(g[o]) / std::sqrt(double(var[o]) + eps);
      for (size_t j = 0; j < per; ++j) want_w[o * per + j] = float(double(w[o * per + j]) * s);
      const double b = *c.b ? double(init[c.b][o]) : 0.0;
      want_b[o] = float((b - double(mu[o])) * s + double(be[o]));
    }
    const Imported r = import_op(c.model);
    EXPECT_EQ(r.npy(r.layer(0)["weights"].Scalar()), want_w);
    EXPECT_EQ(r.npy(r.layer(0)["bias"].Scalar()), want_b);
    EXPECT_NE(r.text.find("# folded:  BatchNormalization"), std::string::npos);
    EXPECT_EQ(r.result.net.foldings.size(), 1u);
  }
}

TEST(Import, InputAndExpectedAreConvertedToNhwc) {
  const Imported r = import_op("conv", true);
  EXPECT_EQ(r.yaml["input"]["file"].Scalar(), "conv.input.npy");
  EXPECT_EQ(r.yaml["expected_output"].Scalar(), "conv.expected.npy");
  const auto in = bfp::npy::read((kOps / "conv.input.npy").string()).values<float>();
  const auto ex = bfp::npy::read((kOps / "conv.expected.npy").string()).values<float>();
  EXPECT_EQ(r.npy_shape("conv.input.npy"), (std::vector<size_t>{2, 8, 8, 3}));
  EXPECT_EQ(r.npy_shape("conv.expected.npy"), (std::vector<size_t>{2, 8, 8, 4}));
  const auto gi = r.npy("conv.input.npy"), ge = r.npy("conv.expected.npy");
  for (int n = 0; n < 2; ++n)
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) {
        for (int c = 0; c < 3; ++c) EXPECT_EQ(gi[size_t(((n * 8 + y) * 8 + x) * 3 + c)], in[size_t(((n * 3 + c) * 8 + y) * 8 + x)]);
        for (int c = 0; c < 4; ++c) EXPECT_EQ(ge[size_t(((n * 8 + y) * 8 + x) * 4 + c)], ex[size_t(((n * 4 + c) * 8 + y) * 8 + x)]);
      }
  // a vector output stays [N, F]
  const Imported v = import_op("softmax", true);
  EXPECT_EQ(v.npy_shape("softmax.expected.npy"), (std::vector<size_t>{2, 5}));
  EXPECT_EQ(v.npy("softmax.expected.npy"), bfp::npy::read((kOps / "softmax.expected.npy").string()).values<float>());
}

TEST(Import, SameModelSameBytesAndTheHeaderNamesTheSource) {
  const Imported a = import_op("conv_bias_bn_relu", true), b = import_op("conv_bias_bn_relu", true);
  ASSERT_EQ(a.result.files, b.result.files);
  for (const auto& f : a.result.files)
    EXPECT_EQ(bfp::test::read_file(a.path(f)), bfp::test::read_file(b.path(f))) << f;
  const std::string sha = bfp::sha256_hex(bfp::test::read_file(kOps / "conv_bias_bn_relu.onnx"));
  EXPECT_NE(a.text.find("# source:  conv_bias_bn_relu.onnx\n# sha256:  " + sha + "\n# opset:   13, producer: pytorch"),
            std::string::npos)
      << a.text;
  EXPECT_NE(a.text.find("# fused:   Relu"), std::string::npos);
}

TEST(Import, DroppedNodesAreReported) {
  const Imported r = import_op("dropout_identity");
  ASSERT_EQ(r.result.net.dropped.size(), 2u);
  EXPECT_NE(r.text.find("# dropped: Dropout"), std::string::npos);
  EXPECT_NE(r.text.find("# dropped: Identity"), std::string::npos);
}

TEST(Import, CliPrintsTheSummary) {
  bfp::test::TempDir tmp;
  const auto r = bfp::test::run_cmd(std::string(BFP_BINARY_DIR) + "/bfpgen import " + (kOps / "conv_bn.onnx").string() +
                                    " -o " + (tmp / "o").string() + " --name mynet");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("2 nodes -> 1 layers (1 conv2d), input [2, 3, 8, 8], 13824 MACs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("folded  BatchNormalization"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(tmp / "o/mynet.yaml"));
  EXPECT_TRUE(fs::exists(tmp / "o/mynet.weights/conv.Conv.weight.npy"));
}

// Fusion rules on graphs built here: a ReLU/bias/BN only fuses into a layer whose output nothing else reads.
TEST(Import, FusionOnlyWhenTheLayerOutputHasNoOtherReader) {
  bfp::test::TempDir tmp;
  auto yaml_of = [&](OnnxBuilder& b) {
    b.save((tmp / "m.onnx").string());
    bfp::onnx_import::ImportOptions o;
    o.model = (tmp / "m.onnx").string();
    o.out_dir = (tmp / "o").string();
    o.force = true;
    return YAML::LoadFile(bfp::onnx_import::import_onnx(o).yaml_path);
  };
  {  // conv -> Identity -> Relu, and the conv output also feeds the Add: the Relu must stay a layer
    OnnxBuilder b({1, 3, 4, 4});
    b.init("w", {3, 3, 1, 1});
    b.node("Conv", {"x", "w"}, {"c"}, "conv");
    b.node("Identity", {"c"}, {"i"}, "id");
    b.node("Relu", {"i"}, {"r"}, "relu");
    b.node("Add", {"r", "c"}, {"y"}, "add");
    b.output("y", {1, 3, 4, 4});
    const YAML::Node y = yaml_of(b);
    EXPECT_EQ(types(y), "conv2d clip add");
    EXPECT_FALSE(y["layers"][0]["relu"]);
    EXPECT_EQ(text(y["layers"][1]["min"]), "0.0");
  }
  {  // the same chain without the second reader fuses
    OnnxBuilder b({1, 3, 4, 4});
    b.init("w", {3, 3, 1, 1});
    b.node("Conv", {"x", "w"}, {"c"}, "conv");
    b.node("Identity", {"c"}, {"i"}, "id");
    b.node("Relu", {"i"}, {"y"}, "relu");
    b.output("y", {1, 3, 4, 4});
    const YAML::Node y = yaml_of(b);
    EXPECT_EQ(types(y), "conv2d");
    EXPECT_EQ(text(y["layers"][0]["relu"]), "true");
  }
  {  // Clip(0, 6) with attributes (opset 9) after a conv: relu fused + clip max 6
    OnnxBuilder b({1, 3, 4, 4}, 9);
    b.init("w", {3, 3, 1, 1});
    b.node("Conv", {"x", "w"}, {"c"}, "conv");
    auto& n = b.node("Clip", {"c"}, {"y"}, "relu6");
    OnnxBuilder::attr(n, "min", 0.0f);
    OnnxBuilder::attr(n, "max", 6.0f);
    b.output("y", {1, 3, 4, 4});
    const YAML::Node y = yaml_of(b);
    EXPECT_EQ(types(y), "conv2d clip");
    EXPECT_EQ(text(y["layers"][0]["relu"]), "true");
    EXPECT_EQ(text(y["layers"][1]["max"]), "6.0");
  }
}

TEST(Import, AutoPadSameBecomesStaticPadding) {
  bfp::test::TempDir tmp;
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER"}) {
    OnnxBuilder b({1, 3, 8, 8});
    b.init("w", {4, 3, 3, 3});
    auto& n = b.node("Conv", {"x", "w"}, {"y"}, "conv");
    OnnxBuilder::attr(n, "strides", {2, 2});
    OnnxBuilder::attr(n, "auto_pad", std::string(mode));
    b.output("y", {1, 4, 4, 4});
    b.save((tmp / "m.onnx").string());
    bfp::onnx_import::ImportOptions o;
    o.model = (tmp / "m.onnx").string();
    o.out_dir = (tmp / mode).string();
    const YAML::Node y = YAML::LoadFile(bfp::onnx_import::import_onnx(o).yaml_path);
    // 8 / 2 = 4 outputs need (4 - 1) * 2 + 3 - 8 = 1 padding row/column: at the end (UPPER) or start (LOWER)
    EXPECT_EQ(text(y["layers"][0]["padding"]), std::string(mode) == "SAME_UPPER" ? "[0, 0, 1, 1]" : "[1, 1, 0, 0]");
  }
}

// A flattened C x H x W graph output: the expected vector is permuted into the IR's (h, w, c) order.
TEST(Import, FlattenedOutputGetsItsExpectedPermuted) {
  bfp::test::TempDir tmp;
  OnnxBuilder b({1, 2, 2, 3});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Flatten", {"r"}, {"y"}, "flat");
  b.output("y", {1, 12});
  b.save((tmp / "m.onnx").string());
  std::vector<float> e(12);
  for (int i = 0; i < 12; ++i) e[size_t(i)] = float(i);  // (c, h, w) order: value = (c*2 + y)*3 + x
  bfp::npy::write((tmp / "e.npy").string(), {1, 12}, e);
  bfp::onnx_import::ImportOptions o;
  o.model = (tmp / "m.onnx").string();
  o.out_dir = (tmp / "o").string();
  o.expected_npy = (tmp / "e.npy").string();
  const auto r = bfp::onnx_import::import_onnx(o);
  const auto got = bfp::npy::read((tmp / "o/m.expected.npy").string()).values<float>();
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 0; c < 2; ++c) EXPECT_EQ(got[size_t((y * 3 + x) * 2 + c)], float((c * 2 + y) * 3 + x));
  EXPECT_EQ(types(YAML::LoadFile(r.yaml_path)), "clip flatten");
}

// PyTorch's TrainingMode.PRESERVE export (the way to keep BatchNormalization nodes) passes weights and BN
// parameters through Identity nodes: the import must see through them and fold exactly as with plain
// initializers.
TEST(Import, IdentityOfAConstantIsThatConstant) {
  bfp::test::TempDir tmp;
  auto import_yaml = [&](bool via_identity, const std::string& dir) {
    OnnxBuilder b({1, 3, 4, 4});
    const std::vector<std::string> params = {"w", "g", "be", "mu", "var"};
    b.init("w", {2, 3, 1, 1});
    b.init("g", {2}, {1.5f, 0.75f}).init("be", {2}, {0.25f, -0.5f});
    b.init("mu", {2}, {0.125f, -1.0f}).init("var", {2}, {2.0f, 0.5f});
    std::vector<std::string> in;
    for (const std::string& p : params) {
      if (via_identity) b.node("Identity", {p}, {p + "_id"}, "id_" + p);
      in.push_back(via_identity ? p + "_id" : p);
    }
    b.node("Conv", {"x", in[0]}, {"c"}, "conv");
    b.node("BatchNormalization", {"c", in[1], in[2], in[3], in[4]}, {"y"}, "bn");
    b.output("y", {1, 2, 4, 4});
    b.save((tmp / (dir + ".onnx")).string());
    bfp::onnx_import::ImportOptions o;
    o.model = (tmp / (dir + ".onnx")).string();
    o.out_dir = (tmp / dir).string();
    const auto r = bfp::onnx_import::import_onnx(o);
    const YAML::Node y = YAML::LoadFile(r.yaml_path);
    const fs::path base = fs::path(r.yaml_path).parent_path();
    return std::make_pair(types(y), std::make_pair(bfp::test::read_file(base / y["layers"][0]["weights"].Scalar()),
                                                   bfp::test::read_file(base / y["layers"][0]["bias"].Scalar())));
  };
  const auto plain = import_yaml(false, "plain");
  const auto via = import_yaml(true, "via");
  EXPECT_EQ(plain.first, "conv2d");
  EXPECT_EQ(via.first, "conv2d");
  EXPECT_EQ(via.second, plain.second);  // same folded weights and bias, byte for byte
}
