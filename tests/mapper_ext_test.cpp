// SPDX-License-Identifier: Apache-2.0
// Network description extensions of issue 13 (docs/networks.md): batch, dilation, asymmetric padding,
// count_include_pad, bias (file and seeded), clip, softmax and the expected output, in the golden domain:
// shapes against hand-derived values, im2col against a direct convolution written here, batch runs against
// per-image runs, host layers and the bias against independent computations, and one malformed description
// per new field. The RTL side is tests/mapper_ext_rtl_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "golden/npy.h"
#include "mapper/lower.h"
#include "mapper/network.h"
#include "mapper/run.h"
#include "support/temp_dir.h"

using namespace bfp::mapper;
namespace golden = bfp::golden;

namespace {

Network parse(const std::string& text, const std::string& origin = "n.yaml") { return parse_network(text, origin); }

std::string error_of(const std::string& text, const std::string& origin = "n.yaml") {
  try {
    parse(text, origin);
  } catch (const NetError& e) {
    return e.what();
  }
  return "";
}

const Layer& layer(const Network& n, const std::string& name) { return n.layers.at(size_t(n.find(name))); }

bfp::Config cfg_b(int block) {
  bfp::Config c;
  c.block = block;
  return c;
}

// ---- shapes -------------------------------------------------------------------------------------------------

const char* kShapes = R"(name: shapes
input: {shape: [10, 9, 4], batch: 3}
layers:
  - {name: c1, type: conv2d, filters: 5, kernel: 3, dilation: 2, padding: [1, 0, 2, 3]}
  - {name: c2, type: conv2d, filters: 4, kernel: [2, 3], stride: [2, 1], dilation: [3, 1], padding: [0, 1]}
  - {name: p1, type: avgpool, kernel: 3, stride: 2, padding: [1, 1, 0, 0], count_include_pad: false}
  - {name: f, type: flatten}
  - {name: fc, type: fc, units: 6, bias: random}
  - {name: r6, type: clip, min: 0, max: 6}
  - {name: sm, type: softmax}
)";

TEST(MapperExt, ShapesWithBatchDilationAndAsymmetricPadsHandDerived) {
  const Network n = parse(kShapes);
  EXPECT_EQ(n.batch(), 3);
  // c1: dilated kernel (3-1)*2+1 = 5; Ho = (10 + 1 + 2 - 5)/1 + 1 = 9, Wo = (9 + 0 + 3 - 5)/1 + 1 = 8
  const Layer& c1 = layer(n, "c1");
  EXPECT_EQ(c1.ph, 1);
  EXPECT_EQ(c1.pw, 0);
  EXPECT_EQ(c1.pad_b(), 2);
  EXPECT_EQ(c1.pad_r(), 3);
  EXPECT_EQ(c1.out.str(), "9x8x5");
  EXPECT_EQ(c1.out.n, 3);
  EXPECT_EQ(c1.macs(), int64_t(3) * 9 * 8 * 5 * 3 * 3 * 4);
  const auto ops = gemm_ops(c1);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].m, 3 * 9 * 8);  // one GEMM for the batch
  EXPECT_EQ(ops[0].k, 36);
  // c2: dilated kernel [4, 3]; Ho = (9 - 4)/2 + 1 = 3, Wo = (8 + 2 - 3)/1 + 1 = 8
  EXPECT_EQ(layer(n, "c2").out.str(), "3x8x4");
  // p1: Ho = (3 + 1 - 3)/2 + 1 = 1, Wo = (8 + 1 - 3)/2 + 1 = 4
  EXPECT_EQ(layer(n, "p1").out.str(), "1x4x4");
  EXPECT_FALSE(layer(n, "p1").count_include_pad);
  const Layer& f = layer(n, "f");
  EXPECT_EQ(f.out.str(), "16");
  EXPECT_EQ(f.out.rows(), 3);  // one row per image
  EXPECT_EQ(gemm_ops(layer(n, "fc"))[0].m, 3);
  EXPECT_EQ(layer(n, "fc").bias_kind, Layer::Bias::Random);
  EXPECT_EQ(layer(n, "sm").out.str(), "6");
  EXPECT_EQ(layer(n, "sm").out.n, 3);
  // same padding of a dilated kernel: (5 - 1) / 2 = 2 on each side keeps the size
  const Network s = parse("name: s\ninput: {shape: [7, 7, 2]}\nlayers:\n"
                          "  - {type: conv2d, filters: 2, kernel: 3, dilation: 2, padding: same}\n");
  EXPECT_EQ(s.layers[0].ph, 2);
  EXPECT_EQ(s.layers[0].pad_b(), 2);
  EXPECT_EQ(s.layers[0].out.str(), "7x7x2");
}

// ---- im2col with dilation, asymmetric padding and a batch vs a direct convolution --------------------------

// Written independently of the mapper from the definition: image n, output (yo, xo), filter f sums
// x[n][yo*sh - top + ky*dh][xo*sw - left + kx*dw][g*Cg + c] * w[f][(ky*kw + kx)*Cg + c] over the window, zero
// outside the input; Ho = (H + top + bottom - ((kh-1)*dh + 1))/sh + 1.
Eigen::MatrixXd direct_conv(const Eigen::MatrixXd& x, int N, int H, int W, int C, const Layer& l,
                            const Eigen::MatrixXd& w, int top, int left, int bottom, int right) {
  const int cg = C / l.groups, ng = l.filters / l.groups;
  const int Ho = (H + top + bottom - ((l.kh - 1) * l.dh + 1)) / l.sh + 1;
  const int Wo = (W + left + right - ((l.kw - 1) * l.dw + 1)) / l.sw + 1;
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(N * Ho * Wo, l.filters);
  for (int n = 0; n < N; ++n)
    for (int yo = 0; yo < Ho; ++yo)
      for (int xo = 0; xo < Wo; ++xo)
        for (int f = 0; f < l.filters; ++f) {
          double s = 0;
          for (int ky = 0; ky < l.kh; ++ky)
            for (int kx = 0; kx < l.kw; ++kx) {
              const int yi = yo * l.sh - top + ky * l.dh, xi = xo * l.sw - left + kx * l.dw;
              if (yi < 0 || yi >= H || xi < 0 || xi >= W) continue;
              for (int c = 0; c < cg; ++c)
                s += x((n * H + yi) * W + xi, (f / ng) * cg + c) * w(f, (ky * l.kw + kx) * cg + c);
            }
          out((n * Ho + yo) * Wo + xo, f) = s;
        }
  return out;
}

TEST(MapperExt, Im2colWithDilationAsymmetricPadsAndBatchMatchesDirectConvolution) {
  struct Case {
    const char* yaml;
    int top, left, bottom, right;
  };
  const std::vector<Case> cases = {
      {"{name: l, type: conv2d, filters: 5, kernel: 3, dilation: 2, padding: [1, 0, 2, 3]}", 1, 0, 2, 3},
      {"{name: l, type: conv2d, filters: 4, kernel: [2, 3], stride: [2, 1], dilation: [3, 1], padding: [0, 1]}", 0, 1, 0, 1},
      {"{name: l, type: conv2d, filters: 6, kernel: 3, stride: 2, dilation: [1, 4], padding: [2, 0, 0, 7], groups: 2}", 2, 0, 0, 7},
      {"{name: l, type: conv2d, filters: 4, kernel: 2, dilation: 5, padding: [4, 4, 0, 1], groups: 4}", 4, 4, 0, 1},
      {"{name: l, type: conv2d, filters: 3, kernel: 3, dilation: 2, padding: same}", 2, 2, 2, 2},
  };
  for (const auto& c : cases) {
    const Network n = parse(std::string("name: x\ninput: {shape: [10, 9, 4], batch: 3}\nlayers:\n  - ") + c.yaml + "\n");
    const Layer& l = n.layers[0];
    const Eigen::MatrixXd x = input_values(n, 7).cast<double>();
    const Eigen::MatrixXd w = layer_weights(l, 7).cast<double>();
    const Eigen::MatrixXd want = direct_conv(x, 3, 10, 9, 4, l, w, c.top, c.left, c.bottom, c.right);
    ASSERT_EQ(want.rows(), l.out.rows()) << c.yaml;
    Eigen::MatrixXd got(l.out.rows(), l.out.c), got_f(l.out.rows(), l.out.c);
    for (const GemmOp& op : gemm_ops(l)) {
      got.middleCols(op.n0, op.n) = im2col(x, l, op.group) * w.middleRows(op.n0, op.n).transpose();
      got_f.middleCols(op.n0, op.n) =
          im2col(Eigen::MatrixXf(x.cast<float>()), l, op.group).cast<double>() * w.middleRows(op.n0, op.n).transpose();
    }
    const double tol = 1e-12 * (1 + want.cwiseAbs().maxCoeff());
    EXPECT_LE((got - want).cwiseAbs().maxCoeff(), tol) << c.yaml;
    EXPECT_LE((got_f - want).cwiseAbs().maxCoeff(), 1e-6 * (1 + want.cwiseAbs().maxCoeff())) << c.yaml;
    // and the FP64 reference of the whole (one-layer) network is the same convolution
    EXPECT_LE((run_network_fp64(n, 7) - want).cwiseAbs().maxCoeff(), tol) << c.yaml;
  }
}

// ---- batch: every image's result equals a batch-1 run of that image ---------------------------------------

TEST(MapperExt, BatchResultsEqualPerImageRuns) {
  bfp::test::TempDir dir("mapper_ext");
  const int N = 3, H = 8, W = 7, C = 3;
  std::mt19937_64 rng(21);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> all(size_t(N) * H * W * C);
  for (float& v : all) v = nd(rng);
  bfp::npy::write((dir / "all.npy").string(), {size_t(N), size_t(H), size_t(W), size_t(C)}, all);
  const size_t per = size_t(H) * W * C;
  for (int i = 0; i < N; ++i)
    bfp::npy::write((dir / ("img" + std::to_string(i) + ".npy")).string(), {size_t(H), size_t(W), size_t(C)},
                    std::vector<float>(all.begin() + long(i * per), all.begin() + long((i + 1) * per)));
  const std::string layers =
      "layers:\n"
      "  - {name: c1, type: conv2d, filters: 8, kernel: 3, dilation: 2, padding: [2, 1, 1, 2], bias: random, relu: true}\n"
      "  - {name: p1, type: avgpool, kernel: 2, padding: [1, 0, 0, 1], count_include_pad: false}\n"
      "  - {name: c2, type: conv2d, filters: 4, kernel: 1, bias: random}\n"
      "  - {name: a, type: add, inputs: [c2, c2]}\n"
      "  - {name: m, type: maxpool, kernel: 3, stride: 2, padding: [1, 1, 0, 0]}\n"
      "  - {name: cl, type: clip, max: 0.5}\n"
      "  - {name: f, type: flatten}\n"
      "  - {name: fc, type: fc, units: 5, bias: random}\n"
      "  - {name: sm, type: softmax}\n";
  const Network batch = load_network([&] {
    dir.write("b.yaml", "name: b\ninput: {shape: [8, 7, 3], batch: 3, file: all.npy}\n" + layers);
    return (dir / "b.yaml").string();
  }());
  for (int B : {8, 16}) {
    const NetReport rb = run_network(batch, cfg_b(B), nullptr, RunOptions{});
    ASSERT_EQ(rb.output.q.rows, N);
    for (int i = 0; i < N; ++i) {
      dir.write("one.yaml", "name: b\ninput: {shape: [8, 7, 3], file: img" + std::to_string(i) + ".npy}\n" + layers);
      const NetReport r1 = run_network(load_network((dir / "one.yaml").string()), cfg_b(B), nullptr, RunOptions{});
      ASSERT_EQ(r1.output.q.rows, 1);
      EXPECT_TRUE(rb.output.q.codes.row(i) == r1.output.q.codes.row(0)) << "image " << i << " B=" << B;
      EXPECT_TRUE(rb.output.q.exps.row(i) == r1.output.q.exps.row(0)) << "image " << i << " B=" << B;
      EXPECT_EQ(rb.output_fp64.row(i), r1.output_fp64.row(0)) << "image " << i;
    }
    EXPECT_EQ(rb.top1_agree >= 0, true);
    EXPECT_EQ(rb.batch, N);
  }
}

// ---- host layers ---------------------------------------------------------------------------------------------

TEST(MapperExt, ClipSoftmaxAndCountIncludePadOnHandComputedValues) {
  // 2 images of 2x2x2: image 0 channel 0 = 1 2 / 3 4, channel 1 = -1 .. -4; image 1 = 10 x that
  const Network n = parse(R"(name: h
input: {shape: [2, 2, 2], batch: 2}
layers:
  - {name: inc, type: avgpool, kernel: 2, stride: 1, padding: [1, 1, 0, 0]}
  - {name: exc, type: avgpool, kernel: 2, stride: 1, padding: [1, 1, 0, 0], count_include_pad: false, input: input}
  - {name: lo, type: clip, min: -2.5, input: input}
  - {name: r6, type: clip, min: 0, max: 6, input: input}
  - {name: sm, type: softmax, input: input}
)");
  Eigen::MatrixXd x(8, 2);
  for (int i = 0; i < 4; ++i) {
    x(i, 0) = i + 1, x(i, 1) = -(i + 1);
    x(4 + i, 0) = 10 * (i + 1), x(4 + i, 1) = -10 * (i + 1);
  }
  auto run = [&](const char* name) { return host_layer_values(layer(n, name), {&x}); };
  // padded window at output (0,0) holds only input (0,0); (0,1): inputs (0,0),(0,1); (1,1): all four
  const Eigen::MatrixXd inc = run("inc"), exc = run("exc");
  ASSERT_EQ(inc.rows(), 8);
  EXPECT_DOUBLE_EQ(inc(0, 0), 1.0 / 4);
  EXPECT_DOUBLE_EQ(inc(1, 0), (1.0 + 2) / 4);
  EXPECT_DOUBLE_EQ(inc(3, 0), (1.0 + 2 + 3 + 4) / 4);
  EXPECT_DOUBLE_EQ(exc(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(exc(1, 0), (1.0 + 2) / 2);
  EXPECT_DOUBLE_EQ(exc(2, 1), (-1.0 - 3) / 2);
  EXPECT_DOUBLE_EQ(exc(3, 0), (1.0 + 2 + 3 + 4) / 4);
  EXPECT_DOUBLE_EQ(exc(4 + 1, 0), (10.0 + 20) / 2);  // image 1 does not see image 0
  const Eigen::MatrixXd lo = run("lo"), r6 = run("r6");
  EXPECT_DOUBLE_EQ(lo(1, 1), -2.0);
  EXPECT_DOUBLE_EQ(lo(2, 1), -2.5);
  EXPECT_DOUBLE_EQ(lo(7, 0), 40.0);  // no max
  EXPECT_DOUBLE_EQ(r6(7, 0), 6.0);
  EXPECT_DOUBLE_EQ(r6(2, 0), 3.0);
  EXPECT_DOUBLE_EQ(r6(0, 1), 0.0);
  // softmax over the 2 channels of each pixel: e^a / (e^a + e^b)
  const Eigen::MatrixXd sm = run("sm");
  for (int r = 0; r < 8; ++r) {
    const double a = x(r, 0), b = x(r, 1);
    EXPECT_NEAR(sm(r, 0), 1.0 / (1.0 + std::exp(b - a)), 1e-15);
    EXPECT_NEAR(sm(r, 0) + sm(r, 1), 1.0, 1e-15);
  }
  EXPECT_EQ(sm(7, 1), std::exp(-80.0) / (1 + std::exp(-80.0)));  // tiny, and no overflow from exp(40)
  // softmax of a vector: over the features of each image
  const Network v = parse("name: v\ninput: {shape: [3], batch: 2}\nlayers:\n  - {type: softmax}\n");
  Eigen::MatrixXd xv(2, 3);
  xv << 0, std::log(2.0), std::log(5.0), 1000, 1000, 1000;
  const Eigen::MatrixXd sv = host_layer_values(v.layers[0], {&xv});
  EXPECT_NEAR(sv(0, 0), 1.0 / 8, 1e-15);
  EXPECT_NEAR(sv(0, 1), 2.0 / 8, 1e-15);
  EXPECT_NEAR(sv(0, 2), 5.0 / 8, 1e-15);
  EXPECT_NEAR(sv(1, 2), 1.0 / 3, 1e-15);
  // through the quantized path: FP32 rounding and MX quantization along the channels
  const Tensor tin = make_tensor(v.input, xv.cast<float>(), 8, "in");
  const Tensor t = run_host_layer(v.layers[0], {&tin}, 8);
  EXPECT_EQ(t.q.rows, 2);
  EXPECT_NEAR(golden::dequantize(t.q)(0, 2), 5.0 / 8, 1.0 / 64);
}

// ---- bias ------------------------------------------------------------------------------------------------------

// The golden output of a GEMM layer with a bias against an independent computation on the dequantized operands:
// A * W^T + b in double, then compared element by element within the BFP8 output's resolution (one unit of the
// block's last place, plus the accumulator's truncation). A bias that were dropped, or added to the wrong
// column, is far outside that: the bias values are large against the products.
void check_bias_layer(const Network& n, const std::string& name, const Eigen::VectorXf& want_bias, int B) {
  const Layer& l = layer(n, name);
  const Eigen::VectorXf bias = layer_bias(l, 3);
  ASSERT_EQ(bias.size(), want_bias.size());
  EXPECT_TRUE(bias == want_bias) << name;
  RunOptions o;
  o.seed = 3;
  o.seed_set = true;
  const NetReport r = run_network(n, cfg_b(B), nullptr, o);
  const Tensor in = make_tensor(n.input, input_values(n, 3), B, "input");
  const Eigen::MatrixXf w = layer_weights(l, 3);
  Eigen::MatrixXd want(l.out.rows(), l.out.c);
  for (const GemmOp& op : gemm_ops(l)) {
    const auto qa = golden::quantize_rows(gemm_a_values(tensor_values(in), l, op), B, golden::Rounding::Away, "A");
    const auto qw = golden::quantize_rows(w.middleRows(op.n0, op.n), B, golden::Rounding::Away, "W");
    const Eigen::MatrixXf brow = bias.segment(op.n0, op.n).transpose();
    const auto qb = golden::quantize_rows(brow, B, golden::Rounding::Away, "b");
    Eigen::MatrixXd y = golden::dequantize(qa) * golden::dequantize(qw).transpose();
    y.rowwise() += golden::dequantize(qb).row(0);
    if (l.relu) y = y.cwiseMax(0.0);
    want.middleCols(op.n0, op.n) = y;
  }
  const Eigen::MatrixXd got = golden::dequantize(r.output.q);
  ASSERT_EQ(got.rows(), want.rows());
  for (int64_t i = 0; i < got.rows(); ++i)
    for (int64_t j = 0; j < got.cols(); ++j) {
      const int64_t b0 = j / B * B, bn = std::min<int64_t>(B, got.cols() - b0);
      const double blockmax = want.row(i).segment(b0, bn).cwiseAbs().maxCoeff();
      EXPECT_NEAR(got(i, j), want(i, j), blockmax / 64 + 1e-30) << name << " B=" << B << " (" << i << ", " << j << ")";
    }
  // the FP64 reference adds the unquantized bias
  const Eigen::MatrixXd x = input_values(n, 3).cast<double>();
  Eigen::MatrixXd ref(l.out.rows(), l.out.c);
  for (const GemmOp& op : gemm_ops(l))
    ref.middleCols(op.n0, op.n) = (l.type == LayerType::Fc ? x : im2col(x, l, op.group)) *
                                  w.cast<double>().middleRows(op.n0, op.n).transpose();
  ref.rowwise() += bias.cast<double>().transpose();
  if (l.relu) ref = ref.cwiseMax(0.0);
  EXPECT_LE((r.output_fp64 - ref).cwiseAbs().maxCoeff(), 1e-12 * (1 + ref.cwiseAbs().maxCoeff())) << name;
}

TEST(MapperExt, BiasFromFileAndSeededOnTheGoldenPath) {
  bfp::test::TempDir dir("mapper_ext");
  // from a file: large values of both signs so that a missing or misplaced bias shows
  std::vector<float> bf = {3.0f, -2.5f, 0.0f, 7.25f, -0.125f, 1.5f, -6.0f, 0.75f, 2.0f, -1.0f};
  bfp::npy::write((dir / "b.npy").string(), {bf.size()}, bf);
  dir.write("fc.yaml", "name: f\ninput: {shape: [12], batch: 2}\nlayers:\n  - {name: fc, type: fc, units: 10, bias: b.npy}\n");
  const Network nf = load_network((dir / "fc.yaml").string());
  EXPECT_EQ(layer(nf, "fc").bias_path, (dir / "b.npy").string());
  const Eigen::VectorXf want_f = Eigen::Map<const Eigen::VectorXf>(bf.data(), long(bf.size()));
  for (int B : {8, 16}) check_bias_layer(nf, "fc", want_f, B);
  // seeded, on a grouped conv (the bias of each GEMM is its group's slice): N(0, 0.1^2) from
  // derive_seed(seed, "bias:" + name), drawn here independently
  const Network nc = parse("name: c\ninput: {shape: [6, 5, 4], batch: 2}\nlayers:\n"
                           "  - {name: cv, type: conv2d, filters: 6, kernel: 3, padding: [1, 0, 1, 2], groups: 2, "
                           "dilation: 2, bias: random, relu: true}\n");
  std::mt19937_64 rng(derive_seed(3, "bias:cv"));
  std::normal_distribution<float> nd(0.0f, 0.1f);
  Eigen::VectorXf want_c(6);
  for (int i = 0; i < 6; ++i) want_c(i) = nd(rng);
  for (int B : {8, 16}) check_bias_layer(nc, "cv", want_c, B);
  // no bias: empty, and the output is what it was before biases existed (the no-bias path is untouched)
  EXPECT_EQ(layer_bias(parse("name: c\ninput: {shape: [4]}\nlayers:\n  - {type: fc, units: 3}\n").layers[0], 1).size(), 0);
}

// ---- expected output ---------------------------------------------------------------------------------------------

TEST(MapperExt, ExpectedOutputAgreementAndMismatchAreReported) {
  bfp::test::TempDir dir("mapper_ext");
  const std::string net = "name: e\ninput: {shape: [6, 6, 2], batch: 2}\nlayers:\n"
                          "  - {type: conv2d, filters: 4, kernel: 3, bias: random}\n  - {type: flatten}\n"
                          "  - {type: fc, units: 5}\n  - {type: softmax}\n";
  dir.write("e.yaml", net);
  Network n = load_network((dir / "e.yaml").string());
  const NetReport r0 = run_network(n, cfg_b(8), nullptr, RunOptions{});
  EXPECT_FALSE(r0.has_expected);
  ASSERT_EQ(r0.output_fp64.rows(), 2);
  // the framework's output: the FP64 path rounded to FP32 (relative error ~ 6e-8: OK)
  std::vector<float> e;
  for (int64_t i = 0; i < r0.output_fp64.rows(); ++i)
    for (int64_t j = 0; j < r0.output_fp64.cols(); ++j) e.push_back(float(r0.output_fp64(i, j)));
  bfp::npy::write((dir / "ok.npy").string(), {2, 5}, e);
  set_expected_file(n, (dir / "ok.npy").string());
  const NetReport r1 = run_network(n, cfg_b(8), nullptr, RunOptions{});
  EXPECT_TRUE(r1.has_expected);
  EXPECT_TRUE(r1.expected_ok);
  EXPECT_LT(r1.fp64_vs_expected.rel_rms, 1e-6);
  EXPECT_GE(r1.top1_agree, 0);
  EXPECT_LE(r1.top1_agree, 2);
  // one element off by 1e-3: relative RMS above 1e-5, reported as differing
  e[3] += 1e-3f;
  bfp::npy::write((dir / "bad.npy").string(), {2, 5}, e);
  dir.write("e2.yaml", net + "expected_output: bad.npy\n");
  const Network n2 = load_network((dir / "e2.yaml").string());
  const NetReport r2 = run_network(n2, cfg_b(8), nullptr, RunOptions{});
  EXPECT_TRUE(r2.has_expected);
  EXPECT_FALSE(r2.expected_ok);
  EXPECT_GT(r2.fp64_vs_expected.rel_rms, 1e-5);
  EXPECT_NEAR(r2.fp64_vs_expected.max_abs, 1e-3, 1e-6);
  // shape mismatch: an error at load, naming the file, the field and both shapes
  bfp::npy::write((dir / "shape.npy").string(), {5}, std::vector<float>(5, 0.0f));
  dir.write("e3.yaml", net + "expected_output: shape.npy\n");
  try {
    load_network((dir / "e3.yaml").string());
    ADD_FAILURE() << "no error";
  } catch (const NetError& err) {
    const std::string m = err.what();
    EXPECT_NE(m.find("e3.yaml:8:18: field 'expected_output': "), std::string::npos) << m;
    EXPECT_NE(m.find("has shape [5], the output of the last layer 'softmax_4' is [2, 5] (N, F)"), std::string::npos) << m;
  }
  // batch 1: the leading 1 may be left out, and the message names the shape without it
  dir.write("e4.yaml", "name: e\ninput: {shape: [4]}\nlayers:\n  - {type: fc, units: 5}\nexpected_output: shape.npy\n");
  EXPECT_TRUE(load_network((dir / "e4.yaml").string()).expected);
  bfp::npy::write((dir / "shape3.npy").string(), {1, 3}, std::vector<float>(3, 0.0f));
  dir.write("e5.yaml", "name: e\ninput: {shape: [4]}\nlayers:\n  - {type: fc, units: 5}\nexpected_output: shape3.npy\n");
  try {
    load_network((dir / "e5.yaml").string());
    ADD_FAILURE() << "no error";
  } catch (const NetError& err) {
    EXPECT_NE(std::string(err.what()).find("has shape [1, 3], the output of the last layer 'fc_1' is [5]"),
              std::string::npos) << err.what();
  }
  // top-1 counts images: a spatial output has none
  const NetReport rs = run_network(parse("name: s\ninput: {shape: [3, 3, 2]}\nlayers:\n  - {type: softmax}\n"),
                                   cfg_b(8), nullptr, RunOptions{});
  EXPECT_EQ(rs.top1_agree, -1);
}

// ---- malformed descriptions ------------------------------------------------------------------------------------

TEST(MapperExt, MalformedNewFieldsNameFileLineColumnLayerAndField) {
  bfp::test::TempDir dir("mapper_ext");
  bfp::npy::write((dir / "b3.npy").string(), {3}, std::vector<float>(3, 1.0f));
  bfp::npy::write((dir / "nan.npy").string(), {4}, std::vector<float>{1, NAN, 0, 0});
  bfp::npy::write((dir / "in1.npy").string(), {1, 4, 4, 2}, std::vector<float>(32, 1.0f));
  const std::string head = "name: x\ninput: {shape: [4, 4, 2]}\nlayers:\n";
  struct Bad {
    std::string yaml, expect;
  };
  const std::vector<Bad> cases = {
      {"name: x\ninput: {shape: [4, 4, 2], batch: 0}\nlayers: [{type: flatten}]\n",
       "n.yaml:2:34: field 'input.batch': must be in 1..4096; got 0"},
      {"name: x\ninput: {shape: [4, 4, 2], batch: two}\nlayers: [{type: flatten}]\n",
       "n.yaml:2:34: field 'input.batch': expected an integer"},
      {"name: x\ninput: {shape: [4096, 4096, 2], batch: 3}\nlayers: [{type: flatten}]\n",
       "n.yaml:2:40: field 'input.batch': a batch of 3 inputs of 4096x4096x2 has 100663296 elements, more than 67108864 "
       "(2^26, the limit per tensor, batch included)"},
      {"name: x\ninput: {shape: [4, 4, 2], batch: 2, file: in1.npy}\nlayers: [{type: flatten}]\n",
       "n.yaml:2:43: field 'input.file': " + (dir / "in1.npy").string() +
           " has shape [1, 4, 4, 2], the network input is [2, 4, 4, 2] (N, H, W, C; channels last)"},
      {head + "  - {name: c, type: conv2d, filters: 2, kernel: 3, dilation: 0}\n",
       "n.yaml:4:62: layer 'c' (#1, conv2d): field 'dilation': must be in 1..255; got 0"},
      {head + "  - {name: c, type: conv2d, filters: 2, kernel: 3, dilation: 2}\n",
       "n.yaml:4:49: layer 'c' (#1, conv2d): field 'kernel': kernel [3, 3] (dilated: [5, 5]) is larger than the padded "
       "input 4x4"},
      {head + "  - {name: c, type: conv2d, filters: 2, kernel: 2, dilation: 3, padding: same}\n",
       "n.yaml:4:74: layer 'c' (#1, conv2d): field 'padding': 'same' needs an odd kernel (with dilation: an odd (k - 1) * d + 1)"},
      {head + "  - {name: c, type: conv2d, filters: 2, kernel: 3, padding: [1, 1, 1]}\n",
       "n.yaml:4:61: layer 'c' (#1, conv2d): field 'padding': expected an integer, [vertical, horizontal], [top, left, "
       "bottom, right] or same; got a sequence of 3"},
      {head + "  - {name: c, type: conv2d, filters: 2, kernel: 3, padding: [0, 0, 3, 0]}\n",
       "n.yaml:4:61: layer 'c' (#1, conv2d): field 'padding': padding [0, 0, 3, 0] is too large for kernel [3, 3] "
       "(must be smaller than the kernel on each side)"},
      {head + "  - {name: p, type: maxpool, kernel: 2, padding: [0, 2, 0, 0]}\n",
       "n.yaml:4:50: layer 'p' (#1, maxpool): field 'padding': padding [0, 2, 0, 0] is too large for kernel [2, 2] "
       "(at most half the kernel on each side)"},
      {head + "  - {name: p, type: avgpool, kernel: 2, count_include_pad: 1}\n",
       "n.yaml:4:60: layer 'p' (#1, avgpool): field 'count_include_pad': expected true or false"},
      {head + "  - {name: p, type: maxpool, kernel: 2, count_include_pad: true}\n",
       "n.yaml:4:41: layer 'p' (#1, maxpool): field 'count_include_pad': unknown field"},
      {head + "  - {name: f, type: fc, units: 4, bias: b3.npy}\n",
       "n.yaml:4:41: layer 'f' (#1, fc): field 'bias': " + (dir / "b3.npy").string() +
           " has shape [3], expected [4] (units)"},
      {head + "  - {name: c, type: conv2d, filters: 4, kernel: 1, bias: nan.npy}\n",
       "n.yaml:4:58: layer 'c' (#1, conv2d): field 'bias': " + (dir / "nan.npy").string() + ": element 1 is NaN"},
      {head + "  - {name: c, type: conv2d, filters: 4, kernel: 1, bias: [1, 2]}\n",
       "n.yaml:4:58: layer 'c' (#1, conv2d): field 'bias': expected 'random' or the path of a .npy file"},
      {head + "  - {name: c, type: conv2d, filters: 4, kernel: 1, bias: missing.npy}\n",
       "n.yaml:4:58: layer 'c' (#1, conv2d): field 'bias': npy: cannot open "},
      {head + "  - {name: p, type: maxpool, kernel: 2, bias: random}\n",
       "n.yaml:4:41: layer 'p' (#1, maxpool): field 'bias': unknown field"},
      {head + "  - {name: k, type: clip}\n", "n.yaml:4:5: layer 'k' (#1, clip): field 'min': a clip layer needs min, max or both"},
      {head + "  - {name: k, type: clip, min: zero}\n", "n.yaml:4:32: layer 'k' (#1, clip): field 'min': expected a number"},
      {head + "  - {name: k, type: clip, min: \"1\"}\n", "n.yaml:4:32: layer 'k' (#1, clip): field 'min': expected a number"},
      {head + "  - {name: k, type: clip, max: 1e99}\n",
       "n.yaml:4:32: layer 'k' (#1, clip): field 'max': must be a finite FP32 number"},
      {head + "  - {name: k, type: clip, min: 6, max: 0.5}\n",
       "n.yaml:4:40: layer 'k' (#1, clip): field 'max': max (0.5) is below min (6)"},
      {head + "  - {name: s, type: softmax, axis: 1}\n", "n.yaml:4:30: layer 's' (#1, softmax): field 'axis': unknown field"},
      {head + "  - {type: flatten}\nexpected_output: [1]\n", "n.yaml:5:18: field 'expected_output': expected the path"},
      {head + "  - {type: flatten}\nexpected_output: none.npy\n", "n.yaml:5:18: field 'expected_output': "},
  };
  const std::string origin = (dir / "n.yaml").string();
  for (const auto& c : cases) {
    std::string msg = error_of(c.yaml, origin);
    const std::string prefix = dir.path().string() + "/";
    if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "yaml:\n" << c.yaml << "\nmessage: " << msg;
  }
}

}  // namespace
