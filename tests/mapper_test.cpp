// SPDX-License-Identifier: Apache-2.0
// Network mapper (docs/networks.md): loading and validation of network files, shape inference against
// hand-derived shapes, im2col lowering against a direct convolution computed here, the host layers on
// hand-computed values, and end-to-end runs through the RTL (networks/mlp.yaml and a small network with every
// layer type on configs/test/r2c2b8.yaml), including the mismatch report.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "golden/npy.h"
#include "mapper/lower.h"
#include "mapper/network.h"
#include "mapper/run.h"
#include "host/plan.h"
#include "sim/runner.h"
#include "verify/random_gemm.h"
#include "sim/model_cache.h"

namespace fs = std::filesystem;
using namespace bfp::mapper;
using bfp::Config;

namespace {

std::string src(const std::string& rel) { return (fs::path(BFP_SOURCE_DIR) / rel).string(); }

Config load_cfg(const std::string& rel) {
  Config c = bfp::load_config(src(rel));
  c.source_path = rel;
  return c;
}

Network parse(const std::string& text) { return parse_network(text, "n.yaml"); }

// The text of the NetError that parsing `text` throws ("" if none).
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const NetError& e) {
    return e.what();
  }
  return "";
}

const Layer& layer(const Network& n, const std::string& name) { return n.layers.at(size_t(n.find(name))); }

// ---- loading and shape inference -------------------------------------------------------------------------

TEST(NetworkLoad, LenetShapesAndMacs) {
  const Network n = load_network(src("networks/lenet.yaml"));
  EXPECT_EQ(n.name, "lenet");
  ASSERT_EQ(n.layers.size(), 8u);
  // 28x28x1 -conv5 pad2-> 28x28x6 -pool2-> 14x14x6 -conv5-> 10x10x16 -pool2-> 5x5x16 -> 400 -> 120 -> 84 -> 10
  const std::vector<std::string> want = {"28x28x6", "14x14x6", "10x10x16", "5x5x16", "400", "120", "84", "10"};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(n.layers[i].out.str(), want[i]) << n.layers[i].name;
  EXPECT_EQ(layer(n, "conv1").macs(), 28 * 28 * 6 * 25);
  EXPECT_EQ(layer(n, "conv2").macs(), 10 * 10 * 16 * 5 * 5 * 6);
  EXPECT_EQ(layer(n, "fc1").macs(), 400 * 120);
  EXPECT_EQ(n.macs(), 117600 + 240000 + 48000 + 10080 + 840);
  EXPECT_EQ(n.input_init, InitKind::Uniform);
  EXPECT_TRUE(layer(n, "flat").out.flat);
}

TEST(NetworkLoad, MlpShapes) {
  const Network n = load_network(src("networks/mlp.yaml"));
  ASSERT_EQ(n.layers.size(), 3u);
  EXPECT_TRUE(n.input.flat);
  EXPECT_EQ(n.input.c, 64);
  EXPECT_EQ(n.layers[0].out.str(), "48");
  EXPECT_EQ(n.layers[2].out.str(), "10");
  EXPECT_FALSE(n.layers[2].relu);
  EXPECT_TRUE(n.layers[0].relu);
}

const char* kAllTypes = R"(name: all
seed: 7
input: {shape: [9, 7, 5]}
layers:
  - {name: c1, type: conv2d, filters: 6, kernel: 3, padding: same, relu: true}
  - {name: dw, type: conv2d, filters: 6, kernel: 3, stride: [2, 1], padding: 1, groups: 6}
  - {name: c2, type: conv2d, filters: 6, kernel: 1, input: c1, stride: [2, 1], relu: true}
  - {name: sum, type: add, inputs: [dw, c2], relu: true}
  - {name: cat, type: concat, inputs: [sum, c2]}
  - {name: g, type: conv2d, filters: 4, kernel: [3, 2], stride: [1, 2], padding: [1, 0], groups: 2, prune: 5}
  - {name: mp, type: maxpool, kernel: 3, stride: 2, padding: 1}
  - {name: gap, type: avgpool, global: true, input: cat}
  - {type: flatten}
  - {name: fc, type: fc, units: 7}
  - {name: pix, type: fc, units: 3, input: c1}
)";

TEST(NetworkLoad, ShapeInferenceHandDerived) {
  const Network n = parse(kAllTypes);
  // c1: 3x3 same, stride 1: 9x7x6.  dw: (9+2-3)/2+1 = 5, (7+2-3)/1+1 = 7.  c2: 1x1 stride [2,1]: 5x7x6.
  EXPECT_EQ(layer(n, "c1").out.str(), "9x7x6");
  EXPECT_EQ(layer(n, "dw").out.str(), "5x7x6");
  EXPECT_EQ(layer(n, "c2").out.str(), "5x7x6");
  EXPECT_EQ(layer(n, "sum").out.str(), "5x7x6");
  EXPECT_EQ(layer(n, "cat").out.str(), "5x7x12");
  // g: kernel [3,2], stride [1,2], padding [1,0] on 5x7: (5+2-3)/1+1 = 5, (7-2)/2+1 = 3; groups 2 of 6 channels
  EXPECT_EQ(layer(n, "g").out.str(), "5x3x4");
  EXPECT_EQ(layer(n, "g").macs(), 5 * 3 * 4 * 3 * 2 * 6);
  // mp: 3/2 pad 1 on 5x3: (5+2-3)/2+1 = 3, (3+2-3)/2+1 = 2
  EXPECT_EQ(layer(n, "mp").out.str(), "3x2x4");
  EXPECT_EQ(layer(n, "gap").out.str(), "1x1x12");
  EXPECT_EQ(layer(n, "gap").kh, 5);
  EXPECT_EQ(layer(n, "gap").kw, 7);
  EXPECT_EQ(n.layers[8].name, "flatten_9");  // default name: type and position
  EXPECT_EQ(n.layers[8].out.str(), "12");
  EXPECT_EQ(layer(n, "fc").out.str(), "7");
  EXPECT_EQ(layer(n, "pix").out.str(), "9x7x3");  // fc on every pixel of c1
  EXPECT_EQ(layer(n, "pix").macs(), 63 * 6 * 3);
  EXPECT_EQ(layer(n, "dw").macs(), 5 * 7 * 6 * 9);
  EXPECT_EQ(layer(n, "mp").sh, 2);
  EXPECT_EQ(layer(n, "c2").inputs, std::vector<int>{0});
  EXPECT_EQ(layer(n, "c1").inputs, std::vector<int>{-1});
  EXPECT_EQ(layer(n, "cat").inputs, (std::vector<int>{3, 2}));
  // the GEMMs: one per group, K = kh*kw*C_in/groups, N = filters/groups
  const auto ops = gemm_ops(layer(n, "g"));
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[1].m, 15);
  EXPECT_EQ(ops[1].k, 3 * 2 * 6);
  EXPECT_EQ(ops[1].n, 2);
  EXPECT_EQ(ops[1].n0, 2);
  EXPECT_EQ(gemm_ops(layer(n, "dw")).size(), 6u);
  EXPECT_TRUE(gemm_ops(layer(n, "mp")).empty());
}

TEST(NetworkLoad, PoolStrideDefaultsToKernelAndSamePaddingWithStride) {
  const Network n = parse(R"(name: p
input: {shape: [10, 9, 2]}
layers:
  - {type: maxpool, kernel: [2, 3]}
  - {type: conv2d, filters: 1, kernel: 3, stride: 2, padding: same, input: input}
)");
  EXPECT_EQ(n.layers[0].out.str(), "5x3x2");  // stride [2, 3]
  EXPECT_EQ(n.layers[1].out.str(), "5x5x1");  // ceil(10/2), ceil(9/2)
}

struct BadCase {
  const char* yaml;
  const char* expect;  // substring of the message (location, layer, field)
};

TEST(NetworkLoad, ValidationErrorsNameFileLayerAndField) {
  const std::string head = "name: x\ninput: {shape: [8, 8, 3]}\nlayers:\n";
  const std::vector<BadCase> cases = {
      {"  - {name: c1, type: conv2d, filters: 4, kernel: 9}",
       "n.yaml:4:50: layer 'c1' (#1, conv2d): field 'kernel': kernel [9, 9] is larger than the padded input 8x8"},
      {"  - {name: c1, type: conv2d, filters: 4, kernel: 3, groups: 2}",
       "n.yaml:4:61: layer 'c1' (#1, conv2d): field 'groups': the 3 input channels"},
      {"  - {name: c1, type: conv2d, filters: 4, kernal: 3}", "n.yaml:4:42: layer 'c1' (#1, conv2d): field 'kernal': unknown field"},
      {"  - {name: c1, type: conv2d, filters: 4}", "layer 'c1' (#1, conv2d): field 'kernel': missing"},
      {"  - {name: c1, type: conv2d, filters: \"4\", kernel: 3}", "field 'filters': expected an integer"},
      {"  - {name: c1, type: conv2d, filters: 0, kernel: 3}", "field 'filters': must be in 1..65535; got 0"},
      {"  - {name: c1, type: conv2d, filters: 4, kernel: 3}\n  - {name: a, type: add, inputs: [c1, input]}",
       "n.yaml:5:34: layer 'a' (#2, add): field 'inputs': shapes differ: layer 'c1' (6x6x4) and the network input (8x8x3)"},
      {"  - {name: c1, type: conv2d, filters: 4, kernel: 3, input: c2}\n  - {name: c2, type: flatten}",
       "layer 'c1' (#1, conv2d): field 'input': 'c2' is a later layer (#2)"},
      {"  - {name: c1, type: flatten, input: nope}", "field 'input': no layer called 'nope'"},
      {"  - {name: c1, type: conv}", "n.yaml:4:22: layer #1: field 'type': expected one of"},
      {"  - {name: c1, type: flatten}\n  - {name: c1, type: flatten}", "n.yaml:5:12: layer #2: field 'name': duplicate layer name 'c1'"},
      {"  - {name: input, type: flatten}", "'input' is reserved"},
      {"  - {type: conv2d, filters: 4, kernel: 3, dilation: 256}", "layer 'conv2d_1' (#1, conv2d): field 'dilation': must be in 1..255"},
      {"  - {type: maxpool, global: true, kernel: 2}", "field 'kernel': not allowed with global: true"},
      {"  - {type: maxpool, kernel: 2, padding: 2}", "field 'padding': padding [2, 2] is too large"},
      {"  - {type: conv2d, filters: 4, kernel: 2, padding: same}", "field 'padding': 'same' needs an odd kernel"},
      {"  - {type: conv2d, filters: 6, kernel: 3, groups: 3, relu: yes}", "field 'relu': expected true or false"},
      {"  - {type: conv2d, filters: 4, kernel: 3, groups: 3}", "field 'filters': 4 filters are not divisible by 3 groups"},
      {"  - {type: flatten}\n  - {type: conv2d, filters: 4, kernel: 1}",
       "layer 'conv2d_2' (#2, conv2d): field 'input': conv2d needs an H x W x C input; layer 'flatten_1' (192) is a vector"},
      {"  - {type: add, inputs: [input]}", "field 'inputs': expected a sequence of exactly two layer names"},
      {"  - {type: maxpool, kernel: 2}\n  - {type: concat, inputs: [maxpool_1, input]}", "field 'inputs': spatial sizes differ"},
      {"  - type: fc\n    units: 3\n    units: 4", "n.yaml:6:5: layer 'fc_1' (#1, fc): field 'units': duplicate field (first given at line 5)"},
      {"  - {filters: 3}", "layer #1: missing field 'type'"},
      {"  - [fc, 3]", "layer #1: expected a mapping"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(head + c.yaml + "\n");
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "yaml:\n" << c.yaml << "\nmessage: " << msg;
  }
  // top level
  EXPECT_NE(error_of("name: x\nlayers:\n  - {type: flatten}\n").find("field 'input': missing"), std::string::npos);
  EXPECT_NE(error_of("name: x\ninput: {shape: [8, 8]}\nlayers:\n  - {type: flatten}\n")
                .find("n.yaml:2:16: field 'input.shape': expected [H, W, C] or [F]"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\ninput: {shape: [8]}\nlayers: []\n").find("field 'layers': expected a non-empty"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\ninput: {shape: [8]}\nseed: -1\nlayers: [{type: flatten}]\n").find("field 'seed'"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\ninput: {shape: [8]}\nextra: 1\nlayers: [{type: flatten}]\n").find("field 'extra': unknown"),
            std::string::npos);
  EXPECT_NE(error_of("name: x\ninput: {shape: [8], init: gauss}\nlayers: [{type: flatten}]\n").find("field 'input.init'"),
            std::string::npos);
  EXPECT_NE(error_of("name: [x\n").find("YAML syntax error"), std::string::npos);
  // a missing file names the path
  try {
    load_network("/nonexistent/net.yaml");
    ADD_FAILURE() << "no error";
  } catch (const NetError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/net.yaml: cannot open"), std::string::npos);
  }
}

// ---- initializers ----------------------------------------------------------------------------------------

TEST(Initializers, WeightsDependOnSeedAndNameOnly) {
  const Network a = parse("name: a\ninput: {shape: [16]}\nlayers:\n  - {name: f, type: fc, units: 4}\n");
  const Network b = parse(
      "name: b\ninput: {shape: [16]}\nlayers:\n  - {name: g, type: fc, units: 16}\n  - {name: f, type: fc, units: 4}\n");
  EXPECT_EQ(layer_weights(layer(a, "f"), 3), layer_weights(layer(b, "f"), 3));
  EXPECT_NE(layer_weights(layer(a, "f"), 3), layer_weights(layer(a, "f"), 4));
  EXPECT_EQ(input_values(a, 9), input_values(b, 9));
  EXPECT_NE(input_values(a, 9), input_values(a, 10));
  const Eigen::MatrixXf w = layer_weights(layer(b, "g"), 1);
  EXPECT_EQ(w.rows(), 16);
  EXPECT_EQ(w.cols(), 16);
}

// Weights and input from .npy files: the seeded values written in the documented file layouts (fc [out, in],
// conv2d OIHW, input [1, H, W, C]) load back to the same W^T and input, so the network computes the same.
TEST(Initializers, NpyFilesGiveTheSameNetworkAsTheSeededValues) {
  const fs::path dir = fs::temp_directory_path() / ("mapper_test_npy_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string body = R"(input: {shape: [6, 5, 4]}
layers:
  - {name: c, type: conv2d, filters: 6, kernel: [3, 2], padding: 1, groups: 2, relu: true}
  - {type: flatten}
  - {name: f, type: fc, units: 3}
)";
  const Network seeded = parse("name: s\nseed: 4\n" + body);
  const Layer& c = layer(seeded, "c");
  const Eigen::MatrixXf wc = layer_weights(c, 4), wf = layer_weights(layer(seeded, "f"), 4);
  // OIHW: element [f][ci][ky][kx] is W^T row f, column (ky*kw + kx)*Cg + ci (Cg = 2)
  std::vector<float> oihw(size_t(wc.size()));
  for (int f = 0; f < 6; ++f)
    for (int ci = 0; ci < 2; ++ci)
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 2; ++kx) oihw[size_t(((f * 2 + ci) * 3 + ky) * 2 + kx)] = wc(f, (ky * 2 + kx) * 2 + ci);
  bfp::npy::write((dir / "c.npy").string(), {6, 2, 3, 2}, oihw);
  bfp::npy::write_matrix((dir / "f.npy").string(), wf);  // [out, in]
  const Eigen::MatrixXf x = input_values(seeded, 4);     // pixels x channels = NHWC
  std::vector<double> xin(size_t(x.size()));
  for (int p = 0; p < x.rows(); ++p)
    for (int ch = 0; ch < 4; ++ch) xin[size_t(p * 4 + ch)] = x(p, ch);
  bfp::npy::write((dir / "x.npy").string(), {1, 6, 5, 4}, xin);  // float64 is accepted too
  std::string text = "name: files\nseed: 99\n" + body;
  text.replace(text.find("input: {shape: [6, 5, 4]}"), 25, "input: {shape: [6, 5, 4], file: x.npy}");
  text.replace(text.find("relu: true}"), 11, "relu: true, weights: c.npy}");
  text.replace(text.find("units: 3}"), 9, "units: 3, weights: f.npy}");
  const Network files = parse_network(text, (dir / "net.yaml").string());  // paths relative to the file
  EXPECT_EQ(layer_weights(layer(files, "c"), 99), wc);
  EXPECT_EQ(layer_weights(layer(files, "f"), 99), wf);
  EXPECT_EQ(input_values(files, 99), x);
  EXPECT_EQ(files.input_path, (dir / "x.npy").string());
  const Config cfg = load_cfg("configs/test/r2c2b8.yaml");
  RunOptions o;
  o.seed = 4;
  o.seed_set = true;
  EXPECT_TRUE(run_network(files, cfg, nullptr, o).output.q == run_network(seeded, cfg, nullptr, o).output.q);

  // errors name the file, the layer and the field
  auto err = [&](const std::string& t) {
    try {
      parse_network(t, (dir / "net.yaml").string());
    } catch (const NetError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string bad = text;
  bad.replace(bad.find("weights: c.npy"), 14, "weights: f.npy");
  EXPECT_NE(err(bad).find("layer 'c' (#1, conv2d): field 'weights': " + (dir / "f.npy").string() +
                          " has shape [3, 216], expected [6, 2, 3, 2]"),
            std::string::npos)
      << err(bad);
  bad = text;
  bad.replace(bad.find("weights: c.npy"), 14, "weights: nope.npy");
  EXPECT_NE(err(bad).find("field 'weights': "), std::string::npos) << err(bad);
  bfp::npy::write((dir / "i8.npy").string(), {3, 60}, std::vector<int8_t>(180, 1));
  bad = text;
  bad.replace(bad.find("weights: f.npy"), 14, "weights: i8.npy");
  EXPECT_NE(err(bad).find("layer 'f' (#3, fc): field 'weights': " + (dir / "i8.npy").string() +
                          ": expected float32 or float64"),
            std::string::npos)
      << err(bad);
  std::vector<float> nan(180, 1.0f);
  nan[7] = std::nanf("");
  bfp::npy::write((dir / "nan.npy").string(), {3, 60}, nan);
  bad = text;
  bad.replace(bad.find("weights: f.npy"), 14, "weights: nan.npy");
  EXPECT_NE(err(bad).find("element 7 is NaN"), std::string::npos) << err(bad);
  Network n2 = seeded;
  try {
    set_input_file(n2, (dir / "f.npy").string());
    ADD_FAILURE() << "no error";
  } catch (const NetError& e) {
    EXPECT_NE(std::string(e.what()).find("has shape [3, 216], the network input is [6, 5, 4]"), std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

// ---- im2col against a direct convolution ------------------------------------------------------------------

// Direct convolution in double, written independently of the mapper: out[yo][xo][f] = sum over ky, kx, c of
// x[yo*sh-ph+ky][xo*sw-pw+kx][g*Cg + c] * filter_f[ky][kx][c], g = f / (filters/groups), zero outside the
// input. filter_f[ky][kx][c] is element (ky*kw + kx)*Cg + c of row f of the weights (docs/networks.md).
Eigen::MatrixXd direct_conv(const Eigen::MatrixXd& x, const Layer& l, const Eigen::MatrixXd& w) {
  const int H = l.in.h, W = l.in.w, C = l.in.c, cg = C / l.groups, ng = l.filters / l.groups;
  const int Ho = (H + 2 * l.ph - l.kh) / l.sh + 1, Wo = (W + 2 * l.pw - l.kw) / l.sw + 1;
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(Ho * Wo, l.filters);
  for (int yo = 0; yo < Ho; ++yo)
    for (int xo = 0; xo < Wo; ++xo)
      for (int f = 0; f < l.filters; ++f) {
        const int g = f / ng;
        double s = 0;
        for (int ky = 0; ky < l.kh; ++ky)
          for (int kx = 0; kx < l.kw; ++kx) {
            const int yi = yo * l.sh - l.ph + ky, xi = xo * l.sw - l.pw + kx;
            if (yi < 0 || yi >= H || xi < 0 || xi >= W) continue;
            for (int c = 0; c < cg; ++c) s += x(yi * W + xi, g * cg + c) * w(f, (ky * l.kw + kx) * cg + c);
          }
        out(yo * Wo + xo, f) = s;
      }
  return out;
}

// The lowered layer: per group, im2col(x) * W_g^T, placed at the group's channels.
Eigen::MatrixXd lowered_conv(const Eigen::MatrixXd& x, const Layer& l, const Eigen::MatrixXd& w) {
  Eigen::MatrixXd out(l.out.pixels(), l.out.c);
  for (const GemmOp& op : gemm_ops(l)) {
    const Eigen::MatrixXd a = im2col(x, l, op.group);
    EXPECT_EQ(a.rows(), op.m);
    EXPECT_EQ(a.cols(), op.k);
    out.middleCols(op.n0, op.n) = a * w.middleRows(op.n0, op.n).transpose();
  }
  return out;
}

const char* kConvs = R"(name: convs
input: {shape: [11, 9, 16]}
layers:
  - {name: plain, type: conv2d, filters: 5, kernel: 3}
  - {name: strided, type: conv2d, filters: 7, kernel: [3, 5], stride: [2, 3], padding: [2, 1], input: input}
  - {name: grouped, type: conv2d, filters: 8, kernel: 2, stride: 1, padding: 1, groups: 4, input: input}
  - {name: depthwise, type: conv2d, filters: 16, kernel: 3, stride: 2, padding: 1, groups: 16, input: input}
  - {name: multiplier, type: conv2d, filters: 32, kernel: 1, groups: 16, input: input}
  - {name: whole, type: conv2d, filters: 3, kernel: [11, 9], input: input}
)";

TEST(Im2col, MatchesDirectConvolution) {
  const Network n = parse(kConvs);
  const Eigen::MatrixXd x = input_values(n, 5).cast<double>();
  for (const Layer& l : n.layers) {
    const Eigen::MatrixXd w = layer_weights(l, 5).cast<double>();
    const Eigen::MatrixXd want = direct_conv(x, l, w);
    const Eigen::MatrixXd got = lowered_conv(x, l, w);
    ASSERT_EQ(got.rows(), want.rows()) << l.name;
    ASSERT_EQ(got.cols(), want.cols()) << l.name;
    EXPECT_LE((got - want).cwiseAbs().maxCoeff(), 1e-12 * (1 + want.cwiseAbs().maxCoeff())) << l.name;
  }
}

// On the values the hardware sees: the input as the BFP8 tensor it is between layers, im2col, MX quantization
// of A and of W^T, dequantized exactly. With C_in (here Cg = 16 for plain/strided/whole) a multiple of B,
// re-blocking is lossless, so A * W^T equals the direct convolution of the dequantized input with the
// dequantized filters; the golden GEMM's requantized output is that within BFP8 rounding.
TEST(Im2col, QuantizedOperandsMatchDirectConvolutionOnDequantizedValues) {
  const Network n = parse(kConvs);
  const bfp::golden::AccParams ap{32, 4};
  for (int B : {8, 16}) {
    const Tensor in = make_tensor(n.input, input_values(n, 11), B, "input");
    const Eigen::MatrixXd xq = bfp::golden::dequantize(in.q);
    for (const Layer& l : n.layers) {
      const int cg = l.in.c / l.groups;
      const Eigen::MatrixXf w = layer_weights(l, 11);
      Eigen::MatrixXd wq(w.rows(), w.cols());  // dequantized W^T, group by group as the GEMMs see it
      Eigen::MatrixXd lowered(l.out.pixels(), l.out.c), golden_out(l.out.pixels(), l.out.c);
      for (const GemmOp& op : gemm_ops(l)) {
        const auto qw = bfp::golden::quantize_rows(w.middleRows(op.n0, op.n), B, bfp::golden::Rounding::Away, "W");
        wq.middleRows(op.n0, op.n) = bfp::golden::dequantize(qw);
        const Eigen::MatrixXf a = gemm_a_values(tensor_values(in), l, op);
        const auto qa = bfp::golden::quantize_rows(a, B, bfp::golden::Rounding::Away, "A");
        const Eigen::MatrixXd aq = bfp::golden::dequantize(qa);
        if (cg % B == 0) {
          EXPECT_EQ(aq, a.cast<double>()) << l.name << " B=" << B << ": re-blocking must be lossless";
        }
        lowered.middleCols(op.n0, op.n) = aq * bfp::golden::dequantize(qw).transpose();
        const auto acc = bfp::golden::gemm_accumulate(qa, qw, ap);
        golden_out.middleCols(op.n0, op.n) = bfp::golden::dequantize(bfp::golden::requantize(acc, B, ap, false));
      }
      const Eigen::MatrixXd direct = direct_conv(xq, l, wq);
      if (cg % B == 0) {
        EXPECT_LE((lowered - direct).cwiseAbs().maxCoeff(), 1e-12 * (1 + direct.cwiseAbs().maxCoeff()))
            << l.name << " B=" << B;
      }
      // BFP8 output: every element within one unit of its block's last place (2^-6 of the block maximum),
      // plus the accumulator's alignment error; 2% relative RMS is loose but catches any layout error.
      EXPECT_LT(bfp::golden::compare(golden_out, direct).rel_rms, 0.02) << l.name << " B=" << B;
    }
  }
}

// ---- tensors and host layers -------------------------------------------------------------------------------

TEST(Tensors, ValuesRoundTripExactlyAndConcatCopiesAlignedBlocks) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> nd(0, 1);
  Eigen::MatrixXf v(5, 24);
  for (int i = 0; i < v.size(); ++i) v.data()[i] = std::ldexp(nd(rng), int(i % 60) - 30);
  const Tensor t = make_tensor(Shape{1, 5, 24, false}, v, 8, "t");
  const Tensor u = make_tensor(t.shape, tensor_values(t), 8, "u");
  EXPECT_EQ(u.q.codes, t.q.codes);  // values of a requantized block reproduce it
  // aligned: block copy, exponents kept
  const Tensor s = make_tensor(Shape{1, 5, 3, false}, v.leftCols(3), 8, "s");
  const auto cat = concat_columns({&t.q, &s.q}, "cat");
  EXPECT_EQ(cat.cols, 27);
  EXPECT_EQ(cat.codes.leftCols(24), t.q.codes);
  EXPECT_EQ(cat.exps.leftCols(3), t.q.exps);
  EXPECT_EQ(cat.codes.middleCols(24, 8), s.q.codes);
  // not aligned: re-quantized from the values
  const auto cat2 = concat_columns({&s.q, &t.q}, "cat2");
  Eigen::MatrixXf both(5, 27);
  both << tensor_values(s), tensor_values(t);
  EXPECT_TRUE(cat2 == bfp::golden::quantize_rows(both, 8, bfp::golden::Rounding::Away, "x"));
}

TEST(HostLayers, PoolAddFlattenOnHandComputedValues) {
  const Network n = parse(R"(name: h
input: {shape: [3, 4, 2]}
layers:
  - {name: mp, type: maxpool, kernel: 2, stride: 2, padding: 1}
  - {name: ap, type: avgpool, kernel: 2, stride: 2, padding: 1, input: input}
  - {name: gap, type: avgpool, global: true, input: input}
  - {name: sum, type: add, inputs: [input, input], relu: true}
  - {name: fl, type: flatten, input: input}
)");
  // x(y, x, c) = (c ? -1 : 1) * (4y + x + 1): small integers, exactly representable in BFP8 with B = 4
  Eigen::MatrixXf x(12, 2);
  for (int y = 0; y < 3; ++y)
    for (int xx = 0; xx < 4; ++xx) {
      x(y * 4 + xx, 0) = float(4 * y + xx + 1);
      x(y * 4 + xx, 1) = -float(4 * y + xx + 1);
    }
  const Tensor in = make_tensor(n.input, x, 4, "in");
  ASSERT_EQ(tensor_values(in), x);
  auto run = [&](const std::string& name) { return tensor_values(run_host_layer(layer(n, name), {&in, &in}, 4)); };
  // maxpool 2/2 pad 1 on 3x4: output 2x3; window (0,0) covers only x(0,0) = 1
  const Eigen::MatrixXf mp = run("mp");
  ASSERT_EQ(layer(n, "mp").out.str(), "2x3x2");
  EXPECT_EQ(mp(0, 0), 1.0f);       // (0,0): {1}
  EXPECT_EQ(mp(1, 0), 3.0f);       // (0,1): {2, 3}
  EXPECT_EQ(mp(2, 0), 4.0f);       // (0,2): {4}
  EXPECT_EQ(mp(3, 0), 9.0f);       // (1,0): {5, 9}
  EXPECT_EQ(mp(4, 0), 11.0f);      // (1,1): {6, 7, 10, 11}
  EXPECT_EQ(mp(4, 1), -6.0f);      // channel 1: max of negatives
  // avgpool with padding counted: (1,1) = (6+7+10+11)/4 = 8.5; (0,0) = 1/4
  const Eigen::MatrixXf ap = run("ap");
  EXPECT_EQ(ap(4, 0), 8.5f);
  EXPECT_EQ(ap(0, 0), 0.25f);
  EXPECT_EQ(ap(2, 1), -1.0f);      // (0,2): {-4} / 4
  // global average: mean of 1..12 = 6.5
  const Eigen::MatrixXf gap = run("gap");
  EXPECT_EQ(gap(0, 0), 6.5f);
  EXPECT_EQ(gap(0, 1), -6.5f);
  // add + relu
  const Eigen::MatrixXf sum = run("sum");
  EXPECT_EQ(sum(5, 0), 12.0f);
  EXPECT_EQ(sum(5, 1), 0.0f);
  // flatten: pixel by pixel, channels innermost
  const Eigen::MatrixXf fl = run("fl");
  ASSERT_EQ(fl.cols(), 24);
  EXPECT_EQ(fl(0, 2), 2.0f);
  EXPECT_EQ(fl(0, 3), -2.0f);
  EXPECT_EQ(fl(0, 23), -12.0f);
}

// ---- end to end through the RTL ----------------------------------------------------------------------------

TEST(RunNetwork, MlpBitExactOnR2C2B8) {
  const Config cfg = load_cfg("configs/test/r2c2b8.yaml");
  const Network n = load_network(src("networks/mlp.yaml"));
  RunOptions o;
  const NetReport r = run_network(n, cfg, bfp::sim::load_model(cfg), o);
  EXPECT_TRUE(r.rtl);
  EXPECT_TRUE(r.bit_exact);
  ASSERT_EQ(r.layers.size(), 3u);
  for (const auto& l : r.layers) {
    EXPECT_TRUE(l.checked) << l.name;
    EXPECT_TRUE(l.bit_exact) << l.name << ": " << l.mismatch;
    EXPECT_EQ(l.where, "rtl");
    EXPECT_GT(l.cycles, 0u);
    EXPECT_GT(l.read_bytes, 0u);
    EXPECT_LE(l.util, 0.5 + 1e-9) << "M = 1 uses one of the two PE rows";
  }
  EXPECT_EQ(r.macs, 64 * 48 + 48 * 32 + 32 * 10);
  // useful MACs (a != 0 and w != 0): fc2 and fc3 read ReLU outputs, so some of their products are zero
  uint64_t useful = 0;
  for (const auto& l : r.layers) {
    EXPECT_GT(l.useful_macs, 0u) << l.name;
    EXPECT_LE(l.useful_macs, uint64_t(l.macs)) << l.name;
    if (l.name != "fc1") {
      EXPECT_LT(l.useful_macs, uint64_t(l.macs)) << l.name;
    }
    useful += l.useful_macs;
  }
  EXPECT_EQ(r.useful_macs, useful);
  EXPECT_EQ(r.output.shape.str(), "10");
  // the golden-only run gives the same output, and it is close to the FP64 network
  const NetReport g = run_network(n, cfg, nullptr, o);
  EXPECT_FALSE(g.rtl);
  EXPECT_TRUE(g.output.q == r.output.q);
  EXPECT_LT(r.error.rel_rms, 0.05);
}

TEST(RunNetwork, EveryLayerTypeWithBackpressure) {
  const Config cfg = load_cfg("configs/test/r2c2b8.yaml");
  const Network n = parse(kAllTypes);
  RunOptions o;
  o.stall = 0.2;
  o.latency = 3;
  const NetReport r = run_network(n, cfg, bfp::sim::load_model(cfg), o);
  EXPECT_TRUE(r.bit_exact);
  for (const auto& l : r.layers) {
    EXPECT_TRUE(l.bit_exact) << l.name << ": " << l.mismatch;
    EXPECT_EQ(l.checked, l.where == "rtl") << l.name;
    EXPECT_EQ(l.where, (l.type == "fc" || l.type == "conv2d") ? "rtl" : "host") << l.name;
  }
  EXPECT_EQ(r.layers[1].gemms, 6);  // depthwise: one GEMM per channel
  EXPECT_EQ(r.output.shape.str(), "9x7x3");
}

TEST(RunNetwork, MismatchNamesLayerTileCoordinatesAndBits) {
  const Config cfg = load_cfg("configs/test/r2c2b8.yaml");
  const Network n = parse(kAllTypes);
  RunOptions o;
  o.corrupt_layer = "g";  // expected output of group 1 of 'g' (5x3x4, GEMM 15 x 36 x 2), C[7][1] off by one
  o.corrupt_row = 7;
  o.corrupt_col = 1;
  const NetReport r = run_network(n, cfg, bfp::sim::load_model(cfg), o);
  EXPECT_FALSE(r.bit_exact);
  EXPECT_EQ(r.mismatching_layers, 1);
  const LayerReport& g = r.layers.at(5);
  ASSERT_EQ(g.name, "g");
  EXPECT_FALSE(g.bit_exact);
  // C[7][1] of group 1: pixel 7 of a 5x3 output is (y=2, x=1), channel 2 + 1 = 3; tile rows 6..7 (R = 2),
  // columns 0..1 (C = 2)
  EXPECT_NE(g.mismatch.find("layer 'g' (#6, conv2d) group 1 GEMM 15x36x2"), std::string::npos) << g.mismatch;
  EXPECT_NE(g.mismatch.find("tile rows 6..7 x columns 0..1, C[7][1] = output (y=2, x=1, c=3)"), std::string::npos)
      << g.mismatch;
  EXPECT_NE(g.mismatch.find("code expected"), std::string::npos);
  EXPECT_NE(g.mismatch.find("exponent expected"), std::string::npos);
  for (const auto& l : r.layers)
    if (l.name != "g") {
      EXPECT_TRUE(l.bit_exact) << l.name;
    }
}

// Every shipped network, bit-exact on a dense config and, with compressed operands and backpressure, on a
// sparse one (about 3 s).
TEST(RunNetwork, ShippedNetworksBitExact) {
  for (const char* net : {"mlp", "lenet", "resnet_block", "hardnet_block"}) {
    const Network n = load_network(src(std::string("networks/") + net + ".yaml"));
    for (const char* c : {"configs/test/r2c2b8.yaml", "configs/test/r4c8b16.yaml"}) {
      const Config cfg = load_cfg(c);
      RunOptions o;
      if (cfg.sparse()) {
        o.sparse = true;
        o.stall = 0.2;
      }
      const NetReport r = run_network(n, cfg, bfp::sim::load_model(cfg), o);
      EXPECT_TRUE(r.bit_exact) << net << " on " << c;
      for (const auto& l : r.layers) {
        EXPECT_TRUE(l.bit_exact) << net << " on " << c << ": " << l.mismatch;
      }
      EXPECT_LT(r.error.rel_rms, 0.05) << net << " on " << c;
    }
  }
}

TEST(RunNetwork, CliExitCodes) {
  const std::string exe = std::string(BFP_BINARY_DIR) + "/bfpgen";
  if (!fs::exists(exe)) GTEST_SKIP() << exe << " not built";
  const std::string cfg = src("configs/test/r2c2b8.yaml");
  auto rc_of = [](const std::string& cmd) {
    const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
    EXPECT_TRUE(WIFEXITED(rc)) << cmd;
    return WEXITSTATUS(rc);
  };
  EXPECT_EQ(rc_of(exe + " run --config " + cfg + " --net " + src("networks/mlp.yaml") + " --quiet"), 0);
  EXPECT_EQ(rc_of(exe + " run --config " + cfg + " --net " + src("networks/mlp.yaml") + " --json --seed 3"), 0);
  const fs::path bad = fs::temp_directory_path() / ("mapper_test_bad_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(bad) << "name: bad\ninput: {shape: [4]}\nlayers:\n  - {type: conv2d, filters: 2, kernel: 1}\n";
  EXPECT_EQ(rc_of(exe + " run --config " + cfg + " --net " + bad.string()), 1);
  fs::remove(bad);
}

TEST(LayerIo, WrongExpectedOutputIsReportedAtItsElement) {
  const Config cfg = load_cfg("configs/test/r2c2b8.yaml");
  std::mt19937_64 rng(1);
  std::normal_distribution<float> nd(0, 1);
  Eigen::MatrixXf a(5, 19), w(3, 19);
  for (int i = 0; i < a.size(); ++i) a.data()[i] = nd(rng);
  for (int i = 0; i < w.size(); ++i) w.data()[i] = nd(rng);
  const auto qa = bfp::golden::quantize_rows(a, 8, bfp::golden::Rounding::Away, "A");
  const auto qw = bfp::golden::quantize_rows(w, 8, bfp::golden::Rounding::Away, "W");
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  auto gc = bfp::golden::requantize(bfp::golden::gemm_accumulate(qa, qw, ap), 8, ap, false);
  const auto plan = bfp::host::plan_gemm(cfg, {5, 19, 3});
  const auto drv = bfp::sim::make_driver(bfp::sim::load_model(cfg), plan.layout.bytes, 1, {});
  const auto ok = bfp::sim::run_gemm(*drv, plan, qa, qw, gc);
  EXPECT_TRUE(ok.bit_exact) << ok.first_mismatch;
  EXPECT_TRUE(ok.out_rtl == gc);
  gc.exps(3, 0) ^= 1;  // second GEMM on the same driver, no reset
  const auto bad = bfp::sim::run_gemm(*drv, plan, qa, qw, gc);
  EXPECT_FALSE(bad.bit_exact);
  EXPECT_EQ(bad.mismatch_row, 3);
  EXPECT_EQ(bad.mismatch_col, 0);
  EXPECT_EQ(bad.exp_mismatches, 1u);
  EXPECT_EQ(bad.code_mismatches, 0u);
}

// The per-layer figures use the definitions of bfpgen gemm / docs/sparsity-bench.md: on a dense config (cycles
// do not depend on the data) a layer's cycles, bytes and utilization equal those of the same GEMM run alone.
TEST(RunNetwork, LayerFiguresEqualTheSameGemmAlone) {
  const Config cfg = load_cfg("configs/test/r8c8b32.yaml");
  auto model = bfp::sim::load_model(cfg);
  const Network n = load_network(src("networks/lenet.yaml"));
  const NetReport r = run_network(n, cfg, model, RunOptions{});
  ASSERT_TRUE(r.bit_exact);
  for (const char* name : {"conv1", "conv2", "fc1"}) {
    const Layer& l = layer(n, name);
    const auto ops = gemm_ops(l);
    ASSERT_EQ(ops.size(), 1u);
    bfp::verify::GemmSpec s;
    s.m = ops[0].m;
    s.k = ops[0].k;
    s.n = ops[0].n;
    const bfp::verify::GemmResult g = bfp::verify::run_gemm(model, s);
    ASSERT_TRUE(g.bit_exact);
    const LayerReport& lr = r.layers.at(size_t(l.index));
    EXPECT_EQ(lr.cycles, g.cycles.total) << name;
    EXPECT_EQ(lr.read_bytes, g.read_bytes) << name;
    EXPECT_EQ(lr.write_bytes, g.write_bytes) << name;
    EXPECT_EQ(uint64_t(lr.macs), g.macs) << name;
    EXPECT_DOUBLE_EQ(lr.util, g.mac_util) << name;
    EXPECT_EQ(lr.breakdown.compute_busy, g.cycles.compute_busy) << name;
  }
}

// On-device chaining: the second GEMM reads the first one's C where the RTL wrote it. Passing the host's idea of
// A that differs from what is in memory must give a mismatch, so the RTL really reads the resident data.
TEST(LayerIo, ChainedGemmReadsThePreviousOutputInPlace) {
  const Config cfg = load_cfg("configs/test/r2c2b8.yaml");
  std::mt19937_64 rng(2);
  std::normal_distribution<float> nd(0, 1);
  Eigen::MatrixXf a(5, 19), w1(13, 19), w2(6, 13);
  for (auto* m : {&a, &w1, &w2})
    for (int i = 0; i < m->size(); ++i) m->data()[i] = nd(rng);
  const auto q = [](const Eigen::MatrixXf& x, const char* n) {
    return bfp::golden::quantize_rows(x, 8, bfp::golden::Rounding::Away, n);
  };
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const auto qa = q(a, "A"), qw1 = q(w1, "W1"), qw2 = q(w2, "W2");
  const auto c1 = bfp::golden::requantize(bfp::golden::gemm_accumulate(qa, qw1, ap), 8, ap, true);
  const auto c2 = bfp::golden::requantize(bfp::golden::gemm_accumulate(c1, qw2, ap), 8, ap, false);
  const auto l1 = bfp::host::layout_gemm(cfg, 5, 19, 13);
  bfp::host::GemmLayout l2;
  ASSERT_TRUE(bfp::host::chained_layout(cfg, l1, 5, 13, 6, &l2));
  EXPECT_EQ(l2.a_codes, l1.c_codes);
  EXPECT_EQ(l2.a_exps, l1.c_exps);
  EXPECT_TRUE(l2.w_codes >= l1.c_exps + 5 * l1.c_exp_stride || l2.c_exps + 5 * l2.c_exp_stride <= l1.c_codes);
  const auto drv = bfp::sim::make_driver(bfp::sim::load_model(cfg), 2 * l2.bytes, 1, {0.2, 4, 1.0});
  bfp::host::PlanOptions o1;
  o1.relu = true;
  ASSERT_TRUE(bfp::sim::run_gemm(*drv, bfp::host::plan_gemm(cfg, {5, 19, 13}, o1), qa, qw1, c1).bit_exact);
  bfp::host::PlanOptions o2;
  o2.layout = &l2;
  o2.a_resident = true;
  const auto p2 = bfp::host::plan_gemm(cfg, {5, 13, 6}, o2);
  const auto g = bfp::sim::run_gemm(*drv, p2, c1, qw2, c2);
  EXPECT_TRUE(g.bit_exact) << g.first_mismatch;
  // memory still holds C1; claim another A: the expected output no longer matches what the RTL computes
  auto other = c1;
  other.codes(2, 3) = static_cast<int8_t>(other.codes(2, 3) == 100 ? 50 : 100);
  const auto c2x = bfp::golden::requantize(bfp::golden::gemm_accumulate(other, qw2, ap), 8, ap, false);
  ASSERT_FALSE(c2x == c2);
  EXPECT_FALSE(bfp::sim::run_gemm(*drv, p2, other, qw2, c2x).bit_exact);
  // several K chunks with padded exponent chunks: the strides differ, no in-place read
  const Config tiny = bfp::parse_config(
      "name: t\narray: {rows: 2, cols: 2}\nblock_size: 8\naccumulator: {width: 24, guard_bits: 2}\n"
      "pipeline: {operand_regs: 1}\nbuffers: {act_depth: 16, wgt_depth: 16, acc_cols: 16}\n"
      "memory: {data_width: 64, addr_width: 20}\n",
      "t");
  const auto t1 = bfp::host::layout_gemm(tiny, 3, 8, 40);
  bfp::host::GemmLayout t2;
  EXPECT_FALSE(bfp::host::chained_layout(tiny, t1, 3, 40, 4, &t2));
}

TEST(RunNetwork, ChainedLayersMatchHostWrittenOnes) {
  const Config cfg = load_cfg("configs/test/r4c4b16.yaml");
  const Network n = load_network(src("networks/lenet.yaml"));
  RunOptions on, off;
  off.chain = false;
  on.stall = off.stall = 0.2;
  auto model = bfp::sim::load_model(cfg);
  const NetReport a = run_network(n, cfg, model, on);
  const NetReport b = run_network(n, cfg, model, off);
  ASSERT_TRUE(a.bit_exact);
  ASSERT_TRUE(b.bit_exact);
  EXPECT_EQ(a.layers_in_place, 2);  // fc2 and fc3 read fc1's and fc2's outputs; fc1 reads flatten (host)
  EXPECT_EQ(b.layers_in_place, 0);
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const auto& x = a.layers[i];
    EXPECT_EQ(x.a_in_place, x.name == "fc2" || x.name == "fc3") << x.name;
    EXPECT_EQ(x.read_bytes, b.layers[i].read_bytes) << x.name;  // same strides, same beats
    if (x.a_in_place) {
      EXPECT_LT(x.host_bytes, b.layers[i].host_bytes) << x.name;
    }
  }
  EXPECT_TRUE(a.output.q == b.output.q);
}

}  // namespace
