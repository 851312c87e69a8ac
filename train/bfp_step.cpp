// SPDX-License-Identifier: Apache-2.0
// The BFP8 training step of docs/training.md; section numbers below refer to that page.
#include "train/bfp_step.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "golden/reblock.h"
#include "golden/sparse.h"
#include "train/host_ops.h"

namespace bfp::train {

using golden::BfpMatrix;
using mapper::Layer;
using mapper::LayerType;

const char* pass_name(Pass p) {
  switch (p) {
    case Pass::Fw: return "FW";
    case Pass::Bw: return "BW";
    case Pass::Wg: return "WG";
  }
  return "?";
}

std::string GemmJob::name(const TrainNet& tn) const {
  return tn.layer(layer).name + " " + pass_name(pass) + " " + std::to_string(a.rows) + "x" + std::to_string(a.cols) +
         "*" + std::to_string(wt.cols) + "x" + std::to_string(wt.rows);
}

ZeroCount count_zeros(const BfpMatrix& m) {
  ZeroCount z;
  z.elements = int64_t(m.rows) * m.cols;
  for (int r = 0; r < m.rows; ++r)
    for (int c = 0; c < m.cols; ++c) z.zeros += m.codes(r, c) == 0;
  return z;
}

BfpMatrix run_golden(const GemmJob& j, const Arith& ar) {
  return golden::requantize_pruned(golden::gemm_accumulate(j.a, j.wt, ar.acc), ar.block, ar.acc, j.relu, j.prune);
}

LossResult softmax_cross_entropy(const Eigen::MatrixXf& logits, const std::vector<uint8_t>& labels) {
  LossResult r;
  const int64_t n = logits.rows();
  r.dlogits.resize(n, logits.cols());
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    Eigen::Index best = 0;
    const float mx = logits.row(i).maxCoeff(&best);
    r.correct += best == Eigen::Index(labels[size_t(i)]);
    Eigen::RowVectorXf e = (logits.row(i).array() - mx).exp().matrix();
    const float s = e.sum();
    const float p_label = e(labels[size_t(i)]) / s;
    total += -double(std::log(std::max(p_label, 1e-30f)));
    r.dlogits.row(i) = e / s;
    r.dlogits(i, labels[size_t(i)]) -= 1.0f;
  }
  r.dlogits /= float(n);
  r.loss = n ? total / double(n) : 0.0;
  return r;
}

void relu_mask(BfpMatrix& err, const BfpMatrix& out) {
  if (err.rows != out.rows || err.cols != out.cols || err.block != out.block)
    throw std::logic_error("relu_mask: the error and the stored output differ in shape");
  for (int r = 0; r < err.rows; ++r)
    for (int b = 0; b < err.kblocks(); ++b) {
      bool any = false;
      for (int t = 0; t < err.block; ++t) {
        const int c = b * err.block + t;
        if (c >= err.cols) break;
        if (out.codes(r, c) <= 0) err.codes(r, c) = 0;
        any = any || err.codes(r, c) != 0;
      }
      if (!any) err.exps(r, b) = 0;  // the canonical empty block (docs/arithmetic.md 4.3)
    }
}

mapper::Layer conv_bw_layer(const Layer& l) {
  Layer b = l;
  b.name = l.name + " (BW)";
  b.in = l.out;
  b.out = l.in;
  b.sh = b.sw = 1;
  b.ph = l.kh - 1 - l.ph;
  b.pw = l.kw - 1 - l.pw;
  b.relu = false;
  return b;
}

Eigen::MatrixXf conv_bw_weights(const Layer& l, const Eigen::MatrixXf& wt) {
  const int f_n = l.filters, c_n = l.in.c;
  Eigen::MatrixXf w(c_n, int64_t(l.kh) * l.kw * f_n);
  for (int c = 0; c < c_n; ++c)
    for (int ky = 0; ky < l.kh; ++ky)
      for (int kx = 0; kx < l.kw; ++kx)
        for (int f = 0; f < f_n; ++f)
          w(c, int64_t(ky * l.kw + kx) * f_n + f) = wt(f, int64_t((l.kh - 1 - ky) * l.kw + (l.kw - 1 - kx)) * c_n + c);
  return w;
}

namespace {

/// Quantizes along rows (section 2 quantizer, rounding away), naming the tensor in a NaN/Inf error.
BfpMatrix quantize(const Eigen::MatrixXf& v, const Arith& ar, const Layer& l, const std::string& what) {
  try {
    return golden::quantize_rows(v, ar.block, golden::Rounding::Away, layer_ref(l) + " " + what);
  } catch (const golden::InputError& e) {
    throw TrainError(std::string("training diverged or got a bad value: ") + e.what());
  }
}

Eigen::MatrixXf values(const BfpMatrix& m) { return golden::dequantize(m).cast<float>(); }  // exact

/// The forward pass: stored outputs of every layer, the FW A operands of the GEMM layers, pool argmaxes.
struct Forward {
  std::vector<BfpMatrix> out;  // per layer: output as stored (blocked along channels)
  std::vector<BfpMatrix> a;    // per GEMM layer: its FW A operand
  std::vector<std::vector<int64_t>> argmax;
};

Forward forward(const TrainNet& tn, const Params& p, const Eigen::MatrixXf& images, const Arith& ar, int t_act,
                std::vector<GemmJob>* jobs) {
  const int batch = int(images.rows());
  const int n = tn.size();
  Forward f;
  f.out.resize(size_t(n));
  f.a.resize(size_t(n));
  f.argmax.resize(size_t(n));
  const Eigen::MatrixXf x0 = input_batch<float>(tn.net, images);
  for (int i = 0; i < n; ++i) {
    const Layer& l = tn.layer(i);
    // the input of layer i as exact values (the first layer: the FP32 images)
    auto in_values = [&]() { return i == 0 ? x0 : values(f.out[size_t(i - 1)]); };
    switch (l.type) {
      case LayerType::Fc:
      case LayerType::Conv2d: {
        GemmJob j;
        j.layer = i;
        j.pass = Pass::Fw;
        if (l.type == LayerType::Fc)
          j.a = i == 0 ? quantize(x0, ar, l, "input") : f.out[size_t(i - 1)];  // the stored codes as they are
        else
          j.a = quantize(im2col_batch<float>(l, in_values(), batch), ar, l, "im2col input");
        j.wt = quantize(p.w[size_t(i)], ar, l, "W^T (FW)");
        j.relu = l.relu;
        j.prune = i == n - 1 ? 0 : t_act;  // the logits are not pruned
        j.c = run_golden(j, ar);
        f.out[size_t(i)] = j.c;
        f.a[size_t(i)] = j.a;
        if (jobs) jobs->push_back(std::move(j));
        break;
      }
      case LayerType::MaxPool:
        f.out[size_t(i)] = quantize(maxpool_forward<float>(l, in_values(), batch, &f.argmax[size_t(i)]), ar, l, "output");
        break;
      case LayerType::Flatten:
        f.out[size_t(i)] = quantize(flatten_forward<float>(in_values(), batch), ar, l, "output");
        break;
      default:
        throw std::logic_error("bfp_step: layer type not checked by make_train_net");
    }
  }
  return f;
}

}  // namespace

Eigen::MatrixXd bfp_logits(const TrainNet& tn, const Params& p, const Eigen::MatrixXf& images, const Arith& ar,
                           int t_act) {
  Forward f = forward(tn, p, images, ar, t_act, nullptr);
  return golden::dequantize(f.out.back());
}

BfpStep bfp_step(const TrainNet& tn, const Params& p, const Eigen::MatrixXf& images,
                 const std::vector<uint8_t>& labels, const Arith& ar, const Knobs& k, bool keep_jobs) {
  const int batch = int(images.rows());
  if (batch < 1 || size_t(batch) != labels.size())
    throw std::invalid_argument("bfp_step: " + std::to_string(batch) + " images but " +
                                std::to_string(labels.size()) + " labels");
  BfpStep s;
  s.grad.resize(size_t(tn.size()));
  std::vector<GemmJob> jobs;
  Forward f = forward(tn, p, images, ar, k.t_act, &jobs);

  // Section 4: the loss on the host, in FP32 from the exact logits.
  const LossResult loss = softmax_cross_entropy(values(f.out.back()), labels);
  s.loss = loss.loss;
  s.correct = loss.correct;
  if (!std::isfinite(s.loss))
    throw TrainError("training diverged: the loss is " + std::to_string(s.loss) + " at " + layer_ref(tn.layer(tn.size() - 1)));
  const int first_gemm = tn.gemm_layers.front();
  BfpMatrix err = quantize(loss.dlogits, ar, tn.layer(tn.size() - 1), "error of the logits");
  for (int i = tn.size() - 1; i >= first_gemm; --i) {
    const Layer& l = tn.layer(i);
    if (!l.is_gemm()) {  // host layers: on the exact values, then quantized along the channels
      const Eigen::MatrixXf dy = values(err);
      const Eigen::MatrixXf dx = l.type == LayerType::MaxPool ? maxpool_backward<float>(l, dy, batch, f.argmax[size_t(i)])
                                                              : flatten_backward<float>(dy, batch, l.in.c);
      err = quantize(dx, ar, l, "error of the input");
      continue;
    }
    if (l.relu) relu_mask(err, f.out[size_t(i)]);
    LayerSparsity sp;
    sp.layer = i;
    sp.act = count_zeros(f.out[size_t(i)]);
    sp.err = count_zeros(err);
    // WG (section 3): dW = A^T dY with both operands re-blocked along the batch (rows of A and dY).
    GemmJob wg;
    wg.layer = i;
    wg.pass = Pass::Wg;
    const auto t0 = std::chrono::steady_clock::now();
    wg.a = golden::reblock_transposed(f.a[size_t(i)], ar.block);
    wg.wt = golden::reblock_transposed(err, ar.block);
    s.reblock_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    wg.c = run_golden(wg, ar);
    s.reblock_bytes += 2 * (wg.a.codes.size() + wg.a.exps.size() + wg.wt.codes.size() + wg.wt.exps.size());
    s.grad[size_t(i)] = values(wg.c).transpose();  // C is K x N = (W^T)^T
    // BW: dX = dY W (W^T of the layer's weights transposed back); not needed below the first GEMM layer.
    if (i > first_gemm) {
      GemmJob bw;
      bw.layer = i;
      bw.pass = Pass::Bw;
      bw.prune = k.t_err;
      if (l.type == LayerType::Fc) {
        bw.a = err;
        bw.wt = quantize(p.w[size_t(i)].transpose(), ar, l, "W (BW)");
      } else {
        bw.a = quantize(im2col_batch<float>(conv_bw_layer(l), values(err), batch), ar, l, "im2col error (BW)");
        bw.wt = quantize(conv_bw_weights(l, p.w[size_t(i)]), ar, l, "flipped kernel (BW)");
      }
      bw.c = run_golden(bw, ar);
      sp.bw_out = count_zeros(bw.c);
      err = bw.c;
      if (keep_jobs) jobs.push_back(std::move(bw));
    }
    if (keep_jobs) jobs.push_back(std::move(wg));
    s.sparsity.push_back(sp);
  }
  std::reverse(s.sparsity.begin(), s.sparsity.end());  // first layer first
  if (keep_jobs) s.jobs = std::move(jobs);
  return s;
}

}  // namespace bfp::train
