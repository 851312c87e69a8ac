// SPDX-License-Identifier: Apache-2.0
// Every refusal of the ONNX importer (docs/import.md "Errors"): the message names the problem (and the node),
// and nothing is written: no output folder and no staging folder next to it. The bad models come from
// scripts/models/make_bad_onnx.py (tests/data/onnx/bad/); corrupt files and a few graphs are made here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "import/emit.h"
#include "support/onnx_builder.h"
#include "support/read_file.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bfp::onnx_import::ImportError;
using bfp::onnx_import::ImportOptions;
using bfp::test::OnnxBuilder;

namespace {

const fs::path kData = fs::path(BFP_SOURCE_DIR) / "tests/data/onnx";

// Imports `model` into a fresh folder and returns the error message ("" if it succeeded). Checks that the
// folder (and any staging folder beside it) does not exist afterwards.
std::string import_error(const fs::path& model, const std::string& input = "", const std::string& expected = "") {
  bfp::test::TempDir tmp("bfp_import_err");
  ImportOptions o;
  o.model = model.string();
  o.out_dir = (tmp.path() / "out").string();
  o.input_npy = input;
  o.expected_npy = expected;
  std::string msg;
  try {
    bfp::onnx_import::import_onnx(o);
  } catch (const ImportError& e) {
    msg = e.what();
  }
  if (!msg.empty()) {
    EXPECT_FALSE(fs::exists(tmp.path() / "out")) << "an error left the output folder behind: " << msg;
    EXPECT_TRUE(fs::is_empty(tmp.path())) << "an error left files next to the output folder: " << msg;
  }
  return msg;
}

std::string bad(const std::string& name) { return import_error(kData / "bad" / (name + ".onnx")); }

}  // namespace

TEST(ImportErrors, UnsupportedOperatorNamesNodeOpsetAndTheSupportedList) {
  for (const char* n : {"unsupported_leakyrelu", "unsupported_sigmoid"}) {
    const std::string m = bad(n);
    SCOPED_TRACE(m);
    EXPECT_NE(m.find(std::string(n) == "unsupported_leakyrelu" ? "node LeakyRelu 'act' (#1), opset 13: operator LeakyRelu is not supported"
                                                               : "node Sigmoid 'gate' (#1), opset 13: operator Sigmoid is not supported"),
              std::string::npos);
    EXPECT_NE(m.find("supported: Add, AveragePool, BatchNormalization, Clip, Concat"), std::string::npos);
  }
}

TEST(ImportErrors, DynamicInputShape) {
  const std::string m = bad("dynamic_input");
  EXPECT_NE(m.find("graph input 'x': shape [N, 3, 8, 8]: dynamic shapes"), std::string::npos) << m;
}

TEST(ImportErrors, WeightWithoutInitializer) {
  const std::string m = bad("missing_weight");
  EXPECT_NE(m.find("node Conv 'conv' (#0), opset 13: operand 1 'w' has no initializer"), std::string::npos) << m;
}

TEST(ImportErrors, MismatchedShapes) {
  std::string m = bad("bias_mismatch");
  EXPECT_NE(m.find("node Conv 'conv' (#0), opset 13: bias B has shape [5], expected [4]"), std::string::npos) << m;
  m = bad("channels_mismatch");
  EXPECT_NE(m.find("node Conv 'conv' (#0)"), std::string::npos) << m;
  EXPECT_NE(m.find("2 input channels per group, the input [3, 8, 8] has 3 channels"), std::string::npos) << m;
}

TEST(ImportErrors, AbsurdDeclaredSizeRefusedBeforeAllocating) {
  const std::string m = bad("absurd_dims");
  EXPECT_NE(m.find("initializer 'w': declared dims [4, 3, 524288, 524288] hold more than 268435456 elements"),
            std::string::npos)
      << m;
}

TEST(ImportErrors, DeclaredDimsMustMatchTheStoredData) {
  bfp::test::TempDir tmp;
  OnnxBuilder b({1, 3, 4, 4});
  b.init("w", {2, 3, 1, 1});
  b.g()->mutable_initializer(0)->set_dims(0, 3);  // declares 9 elements, stores 6
  b.node("Conv", {"x", "w"}, {"y"}, "c");
  b.output("y", {1, 2, 4, 4}).save((tmp / "m.onnx").string());
  const std::string m = import_error(tmp / "m.onnx");
  EXPECT_NE(m.find("initializer 'w': the declared dims hold 9 elements, float_data holds 6"), std::string::npos) << m;
}

TEST(ImportErrors, FileLargerThan2GiBRefusedBeforeReading) {
  bfp::test::TempDir tmp;
  std::ofstream(tmp / "big.onnx", std::ios::binary) << "x";
  std::error_code ec;
  fs::resize_file(tmp / "big.onnx", uint64_t(1) << 31, ec);  // sparse: no 2 GiB are written
  if (ec) GTEST_SKIP() << "cannot make a sparse 2 GiB file here: " << ec.message();
  const std::string m = import_error(tmp / "big.onnx");
  EXPECT_NE(m.find("the ONNX model is 2147483648 bytes, more than the 2147483647 bytes protobuf can parse"),
            std::string::npos)
      << m;
}

TEST(ImportErrors, OpsetAbove17) {
  const std::string m = bad("opset18");
  EXPECT_NE(m.find("opset 18 is not supported (opsets 7..17"), std::string::npos) << m;
}

TEST(ImportErrors, ConcatOnAxis2) {
  const std::string m = bad("concat_axis2");
  EXPECT_NE(m.find("node Concat 'cat' (#1), opset 13: axis 2 (of a rank-4 tensor) is not supported"), std::string::npos) << m;
}

// Found by fuzz_onnx: a stride of 0 made libonnx's shape inference divide by zero (SIGFPE, the whole process);
// the corpus file is that input, the other attributes are checked the same way.
TEST(ImportErrors, ZeroStrideOrDilationRefusedBeforeShapeInference) {
  const std::string m =
      import_error(fs::path(BFP_SOURCE_DIR) / "tests/data/fuzz-corpus/onnx/conv-stride-zero-fpe.onnx");
  EXPECT_NE(m.find("(Conv): attribute 'strides' holds 0; every entry must be >= 1"), std::string::npos) << m;
}

// Found by fuzz_onnx after the stride fix: a rank-2 Conv input crashed libonnx's shape inference (SIGSEGV); it
// runs in a child process now, so the import fails with the signal's name and this process lives on.
TEST(ImportErrors, CrashInsideLibonnxShapeInferenceIsAnError) {
  const std::string m =
      import_error(fs::path(BFP_SOURCE_DIR) / "tests/data/fuzz-corpus/onnx/conv-rank2-input-segv.onnx");
  EXPECT_NE(m.find("ONNX shape inference crashed on this model (Segmentation fault"), std::string::npos) << m;
}

TEST(ImportErrors, MaxPoolCeilMode) {
  const std::string m = bad("maxpool_ceil");
  EXPECT_NE(m.find("node MaxPool 'pool' (#1), opset 13: ceil_mode 1 is not supported"), std::string::npos) << m;
}

TEST(ImportErrors, ExternalData) {
  const std::string m = bad("external_data");
  EXPECT_NE(m.find("initializer 'w': tensor data stored outside the model file (external data) is not supported"),
            std::string::npos)
      << m;
}

TEST(ImportErrors, CorruptProtobufTruncatedOrFlipped) {
  const std::string good = bfp::test::read_file(kData / "ops/conv.onnx");
  bfp::test::TempDir tmp;
  int refused = 0;
  // Truncations at many points and single flipped bytes: each is refused with a message, or (a flip in a
  // float's bytes) still a valid model; never a crash.
  for (size_t cut : {size_t(1), size_t(10), good.size() / 3, good.size() / 2, good.size() - 7, good.size() - 1}) {
    std::ofstream(tmp / "t.onnx", std::ios::binary) << good.substr(0, cut);
    const std::string m = import_error(tmp / "t.onnx");
    EXPECT_FALSE(m.empty()) << "a model truncated to " << cut << " of " << good.size() << " bytes was accepted";
    refused += !m.empty();
  }
  for (size_t at = 0; at < good.size(); at += 13) {
    std::string f = good;
    f[at] = char(f[at] ^ 0xFF);
    std::ofstream(tmp / "f.onnx", std::ios::binary) << f;
    refused += !import_error(tmp / "f.onnx").empty();
  }
  EXPECT_GT(refused, 6);
  std::ofstream(tmp / "e.onnx", std::ios::binary) << "";
  EXPECT_NE(import_error(tmp / "e.onnx").find("the file is empty"), std::string::npos);
  std::ofstream(tmp / "g.onnx", std::ios::binary) << "\x0a\xff\xff\xff\xff\x0f garbage";
  EXPECT_NE(import_error(tmp / "g.onnx").find("protobuf parsing failed"), std::string::npos);
}

TEST(ImportErrors, GraphsTheConverterRefuses) {
  bfp::test::TempDir tmp;
  auto refused = [&](OnnxBuilder& b, const std::string& want) {
    b.save((tmp / "m.onnx").string());
    const std::string m = import_error(tmp / "m.onnx");
    EXPECT_NE(m.find(want), std::string::npos) << "got: " << m;
  };
  {  // a constant Add that is no bias: on the network input
    OnnxBuilder b({1, 3, 4, 4});
    b.init("k", {3, 1, 1});
    b.node("Add", {"x", "k"}, {"y"}, "add");
    b.output("y", {1, 3, 4, 4});
    refused(b, "node Add 'add' (#0), opset 13: adds a constant to 'x', which is not the output of a Conv/Gemm/MatMul");
  }
  {  // bias of the wrong broadcast shape ([C] on NCHW broadcasts along W)
    OnnxBuilder b({1, 3, 4, 4});
    b.init("w", {4, 3, 1, 1}).init("k", {4});
    b.node("Conv", {"x", "w"}, {"c"}, "conv");
    b.node("Add", {"c", "k"}, {"y"}, "add");
    b.output("y", {1, 4, 4, 4});
    refused(b, "constant operand has shape [4]; as the bias of conv2d 'conv' it must be [4, 1, 1]");
  }
  {  // a BatchNormalization that cannot be folded: its conv output is also used elsewhere
    OnnxBuilder b({1, 3, 4, 4});
    b.init("w", {3, 3, 1, 1}).init("s", {3}).init("b", {3}).init("m", {3}).init("v", {3}, {1, 2, 3});
    b.node("Conv", {"x", "w"}, {"c"}, "conv");
    b.node("BatchNormalization", {"c", "s", "b", "m", "v"}, {"n"}, "bn");
    b.node("Add", {"c", "n"}, {"y"}, "add");
    b.output("y", {1, 3, 4, 4});
    refused(b, "node BatchNormalization 'bn' (#1), opset 13: BatchNormalization is folded into the Conv/Gemm/MatMul before it");
  }
  {  // Softmax along W
    OnnxBuilder b({1, 3, 4, 4});
    OnnxBuilder::attr(b.node("Softmax", {"x"}, {"y"}, "sm"), "axis", int64_t(3));
    b.output("y", {1, 3, 4, 4});
    refused(b, "node Softmax 'sm' (#0), opset 13: axis 3 on [3, 4, 4] is not supported");
  }
  {  // Reshape that is not one vector per image
    OnnxBuilder b({2, 3, 4, 4});
    b.init_i64("s", {2, 3, -1});
    b.node("Reshape", {"x", "s"}, {"y"}, "rs");
    b.output("y", {2, 3, 16});
    refused(b, "node Reshape 'rs' (#0), opset 13: target shape [2, 3, -1] is not supported");
  }
  {  // Gemm with transA
    OnnxBuilder b({4, 3});
    b.init("w", {4, 5});
    OnnxBuilder::attr(b.node("Gemm", {"x", "w"}, {"y"}, "fc"), "transA", int64_t(1));
    b.output("y", {3, 5});
    refused(b, "node Gemm 'fc' (#0), opset 13: transA = 1 is not supported");
  }
  {  // MatMul on a 4-D activation
    OnnxBuilder b({1, 3, 4, 4});
    b.init("w", {4, 5});
    b.node("MatMul", {"x", "w"}, {"y"}, "mm");
    b.output("y", {1, 3, 4, 5});
    refused(b, "node MatMul 'mm' (#0), opset 13: input 'x' is [3, 4, 4] per image; MatMul needs [N, K]");
  }
  {  // MaxPool with dilations
    OnnxBuilder b({1, 3, 8, 8});
    auto& n = b.node("MaxPool", {"x"}, {"y"}, "mp");
    OnnxBuilder::attr(n, "kernel_shape", {2, 2});
    OnnxBuilder::attr(n, "dilations", {2, 2});
    b.output("y", {1, 3, 6, 6});
    refused(b, "node MaxPool 'mp' (#0), opset 13: dilations other than 1 are not supported");
  }
  {  // an output that is not the last layer's
    OnnxBuilder b({1, 3, 4, 4});
    b.init("w", {3, 3, 1, 1});
    b.node("Conv", {"x", "w"}, {"y"}, "c1");
    b.node("Conv", {"y", "w"}, {"z"}, "c2");
    b.output("y", {1, 3, 4, 4});
    refused(b, "the graph output 'y' comes from layer 'c1', but layer 'c2' comes after it");
  }
  {  // Flatten on axis 2
    OnnxBuilder b({1, 3, 4, 4});
    OnnxBuilder::attr(b.node("Flatten", {"x"}, {"y"}, "fl"), "axis", int64_t(2));
    b.output("y", {3, 16});
    refused(b, "node Flatten 'fl' (#0), opset 13: axis 2 is not supported");
  }
}

TEST(ImportErrors, InputAndExpectedFilesMustMatchTheModel) {
  const fs::path conv = kData / "ops/conv.onnx";
  // the expected output given as the input: [2, 4, 8, 8] against the input's [2, 3, 8, 8]
  std::string m = import_error(conv, (kData / "ops/conv.expected.npy").string());
  EXPECT_NE(m.find("--input: " + (kData / "ops/conv.expected.npy").string() +
                   " has shape [2, 4, 8, 8], the model's is [2, 3, 8, 8] (N, C, H, W, the ONNX layout)"),
            std::string::npos)
      << m;
  m = import_error(conv, "", (kData / "ops/conv.input.npy").string());
  EXPECT_NE(m.find("--expected: "), std::string::npos) << m;
  EXPECT_NE(m.find("the model's is [2, 4, 8, 8]"), std::string::npos) << m;
  m = import_error(conv, (kData / "ops/conv.onnx").string());
  EXPECT_NE(m.find("--input: "), std::string::npos) << m;
}

TEST(ImportErrors, NonEmptyOutputFolderNeedsForce) {
  bfp::test::TempDir tmp;
  fs::create_directories(tmp / "out");
  tmp.write("out/keep.txt", "x");
  ImportOptions o;
  o.model = (kData / "ops/conv.onnx").string();
  o.out_dir = (tmp / "out").string();
  try {
    bfp::onnx_import::import_onnx(o);
    ADD_FAILURE() << "imported into a non-empty folder";
  } catch (const ImportError& e) {
    EXPECT_NE(std::string(e.what()).find("the folder exists and is not empty (--force replaces it)"), std::string::npos);
  }
  EXPECT_TRUE(fs::exists(tmp / "out/keep.txt"));
  o.force = true;
  bfp::onnx_import::import_onnx(o);
  EXPECT_FALSE(fs::exists(tmp / "out/keep.txt"));
  EXPECT_TRUE(fs::exists(tmp / "out/conv.yaml"));
  // a failed import with --force leaves the old folder as it was
  o.model = (kData / "bad/unsupported_sigmoid.onnx").string();
  EXPECT_THROW(bfp::onnx_import::import_onnx(o), ImportError);
  EXPECT_TRUE(fs::exists(tmp / "out/conv.yaml"));
}

TEST(ImportErrors, CliExitsWithTheMessageAndWritesNothing) {
  bfp::test::TempDir tmp;
  const auto r = bfp::test::run_cmd(std::string(BFP_BINARY_DIR) + "/bfpgen import " +
                                    (kData / "bad/unsupported_leakyrelu.onnx").string() + " -o " + (tmp / "o").string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("bfpgen import: error: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("operator LeakyRelu is not supported"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}
