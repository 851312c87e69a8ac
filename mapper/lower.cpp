// SPDX-License-Identifier: Apache-2.0
#include "mapper/lower.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

namespace bfp::mapper {

Eigen::MatrixXf tensor_values(const Tensor& t) { return golden::dequantize(t.q).cast<float>(); }

Tensor make_tensor(const Shape& s, const Eigen::MatrixXf& values, int block, const std::string& name) {
  if (values.rows() != s.rows() || values.cols() != s.c)
    throw std::invalid_argument("tensor '" + name + "': values are " + std::to_string(values.rows()) + " x " +
                                std::to_string(values.cols()) + ", shape " + s.str() + " (batch " +
                                std::to_string(s.n) + ") needs " + std::to_string(s.rows()) + " x " +
                                std::to_string(s.c));
  Tensor t;
  t.shape = s;
  t.q = golden::quantize_rows(values, block, golden::Rounding::Away, name);
  return t;
}

double zero_fraction(const golden::BfpMatrix& m) {
  if (m.rows == 0 || m.cols == 0) return 0.0;
  int64_t zeros = 0;
  for (int r = 0; r < m.rows; ++r)
    for (int c = 0; c < m.cols; ++c) zeros += m.codes(r, c) == 0;
  return double(zeros) / (double(m.rows) * double(m.cols));
}

golden::BfpMatrix concat_columns(const std::vector<const golden::BfpMatrix*>& parts, const std::string& name) {
  if (parts.empty()) throw std::invalid_argument("concat_columns: nothing to concatenate");
  const int rows = parts[0]->rows, B = parts[0]->block;
  bool aligned = true;
  int cols = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i]->rows != rows || parts[i]->block != B)
      throw std::invalid_argument("concat_columns: parts of '" + name + "' differ in rows or block size");
    if (i + 1 < parts.size() && parts[i]->cols % B != 0) aligned = false;
    cols += parts[i]->cols;
  }
  if (aligned) {  // block copy: exact, exponents kept
    golden::BfpMatrix m;
    m.rows = rows;
    m.cols = cols;
    m.block = B;
    m.codes = golden::CodeMatrix::Zero(rows, int64_t(m.kblocks()) * B);
    m.exps = golden::ExpMatrix::Zero(rows, m.kblocks());
    int c0 = 0;
    for (const auto* p : parts) {
      m.codes.block(0, c0, rows, p->codes.cols()) = p->codes;
      m.exps.block(0, c0 / B, rows, p->exps.cols()) = p->exps;
      c0 += p->cols;
    }
    return m;
  }
  Eigen::MatrixXf v(rows, cols);
  int c0 = 0;
  for (const auto* p : parts) {
    v.block(0, c0, rows, p->cols) = golden::dequantize(*p).cast<float>();
    c0 += p->cols;
  }
  return golden::quantize_rows(v, B, golden::Rounding::Away, name);
}

uint64_t derive_seed(uint64_t net_seed, const std::string& what) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char ch : what) h = (h ^ ch) * 1099511628211ull;
  uint64_t z = net_seed ^ h;  // splitmix64
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Eigen::MatrixXf input_values(const Network& net, uint64_t seed) {
  std::mt19937_64 rng(derive_seed(seed, "input"));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  Eigen::MatrixXf x(net.input.rows(), net.input.c);
  if (net.input_data) {
    if (net.input_data->size() != size_t(x.size()))
      throw std::logic_error("network input data does not match the input shape " + net.input.str());
    for (int p = 0; p < x.rows(); ++p)
      for (int c = 0; c < x.cols(); ++c) x(p, c) = (*net.input_data)[size_t(p) * size_t(x.cols()) + size_t(c)];
    return x;
  }
  for (int p = 0; p < x.rows(); ++p)
    for (int c = 0; c < x.cols(); ++c) x(p, c) = net.input_init == InitKind::Normal ? normal(rng) : uniform(rng);
  return x;
}

Eigen::MatrixXf layer_weights(const Layer& l, uint64_t seed) {
  int rows = 0, k = 0;
  if (l.type == LayerType::Fc) {
    rows = l.units;
    k = l.in.c;
  } else if (l.type == LayerType::Conv2d) {
    rows = l.filters;
    k = l.kh * l.kw * (l.in.c / l.groups);
  } else {
    throw std::invalid_argument(layer_at(l) + "layer '" + l.name + "' (" + type_name(l.type) + ") has no weights");
  }
  if (l.weights) {
    if (l.weights->size() != size_t(rows) * size_t(k))
      throw std::logic_error(layer_at(l) + "layer '" + l.name + "': weights from " + l.weights_path + " do not match its shape");
    Eigen::MatrixXf w(rows, k);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < k; ++c) w(r, c) = (*l.weights)[size_t(r) * size_t(k) + size_t(c)];
    return w;
  }
  std::mt19937_64 rng(derive_seed(seed, "weights:" + l.name));
  std::normal_distribution<float> normal(0.0f, std::sqrt(2.0f / float(k)));
  Eigen::MatrixXf w(rows, k);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < k; ++c) w(r, c) = normal(rng);
  return w;
}

Eigen::VectorXf layer_bias(const Layer& l, uint64_t seed) {
  if (!l.is_gemm() || l.bias_kind == Layer::Bias::None) return Eigen::VectorXf();
  const int outs = l.type == LayerType::Fc ? l.units : l.filters;
  Eigen::VectorXf b(outs);
  if (l.bias_kind == Layer::Bias::File) {
    if (!l.bias || l.bias->size() != size_t(outs))
      throw std::logic_error(layer_at(l) + "layer '" + l.name + "': bias from " + l.bias_path + " does not match its shape");
    for (int i = 0; i < outs; ++i) b(i) = (*l.bias)[size_t(i)];
    return b;
  }
  std::mt19937_64 rng(derive_seed(seed, "bias:" + l.name));
  std::normal_distribution<float> normal(0.0f, 0.1f);
  for (int i = 0; i < outs; ++i) b(i) = normal(rng);
  return b;
}

golden::BfpMatrix gemm_bias(const Eigen::VectorXf& bias, const GemmOp& op, int block, const std::string& name) {
  const Eigen::MatrixXf row = bias.segment(op.n0, op.n).transpose();
  return golden::quantize_rows(row, block, golden::Rounding::Away, name);
}

std::vector<GemmOp> gemm_ops(const Layer& l) {
  std::vector<GemmOp> ops;
  if (l.type == LayerType::Fc) {
    ops.push_back(GemmOp{0, l.in.rows(), l.in.c, l.units, 0});
  } else if (l.type == LayerType::Conv2d) {
    const int ng = l.filters / l.groups, k = l.kh * l.kw * (l.in.c / l.groups);
    for (int g = 0; g < l.groups; ++g) ops.push_back(GemmOp{g, l.out.rows(), k, ng, g * ng});
  }
  return ops;
}

namespace {

template <typename Mat>
Mat im2col_t(const Mat& x, const Layer& l, int group) {
  const Shape& in = l.in;
  if (x.rows() != in.rows() || x.cols() != in.c)
    throw std::invalid_argument(layer_at(l) + "im2col: input of layer '" + l.name + "' is " + std::to_string(x.rows()) + " x " +
                                std::to_string(x.cols()) + ", expected " + std::to_string(in.rows()) + " x " +
                                std::to_string(in.c));
  if (l.type != LayerType::Conv2d || group < 0 || group >= l.groups)
    throw std::invalid_argument(layer_at(l) + "im2col: layer '" + l.name + "' is not a conv2d with group " + std::to_string(group));
  const int cg = in.c / l.groups, c0 = group * cg;
  const int ho = l.out.h, wo = l.out.w;
  Mat a = Mat::Zero(int64_t(l.out.rows()), int64_t(l.kh) * l.kw * cg);
  for (int n = 0; n < in.n; ++n) {
    const int64_t in0 = int64_t(n) * in.pixels(), out0 = int64_t(n) * l.out.pixels();  // image n's first rows
    for (int yo = 0; yo < ho; ++yo)
      for (int xo = 0; xo < wo; ++xo)
        for (int ky = 0; ky < l.kh; ++ky) {
          const int y = yo * l.sh - l.ph + ky * l.dh;
          if (y < 0 || y >= in.h) continue;
          for (int kx = 0; kx < l.kw; ++kx) {
            const int xi = xo * l.sw - l.pw + kx * l.dw;
            if (xi < 0 || xi >= in.w) continue;
            a.block(out0 + int64_t(yo) * wo + xo, int64_t(ky * l.kw + kx) * cg, 1, cg) =
                x.block(in0 + int64_t(y) * in.w + xi, c0, 1, cg);
          }
        }
  }
  return a;
}

}  // namespace

Eigen::MatrixXf im2col(const Eigen::MatrixXf& x, const Layer& l, int group) { return im2col_t(x, l, group); }
Eigen::MatrixXd im2col(const Eigen::MatrixXd& x, const Layer& l, int group) { return im2col_t(x, l, group); }

Eigen::MatrixXf gemm_a_values(const Eigen::MatrixXf& x, const Layer& l, const GemmOp& op) {
  if (l.type == LayerType::Fc) return x;
  return im2col(x, l, op.group);
}

Tensor gemm_layer_output(const Layer& l, const std::vector<golden::BfpMatrix>& outputs) {
  Tensor t;
  t.shape = l.out;
  if (outputs.size() == 1) {
    t.q = outputs[0];
  } else {
    std::vector<const golden::BfpMatrix*> parts;
    for (const auto& o : outputs) parts.push_back(&o);
    t.q = concat_columns(parts, l.name);
  }
  if (t.q.rows != l.out.rows() || t.q.cols != l.out.c)
    throw std::logic_error(layer_at(l) + "layer '" + l.name + "': GEMM outputs do not form a " + l.out.str() + " tensor");
  return t;
}

Eigen::MatrixXd host_layer_values(const Layer& l, const std::vector<const Eigen::MatrixXd*>& inputs) {
  if (inputs.empty()) throw std::invalid_argument(layer_at(l) + "layer '" + l.name + "': no inputs");
  const Shape& in = l.in;
  const Eigen::MatrixXd& x = *inputs[0];
  if (x.rows() != in.rows() || x.cols() != in.c)
    throw std::invalid_argument(layer_at(l) + "layer '" + l.name + "': input values do not match its input shape " + in.str() +
                                " (batch " + std::to_string(in.n) + ")");
  switch (l.type) {
    case LayerType::MaxPool:
    case LayerType::AvgPool: {
      const bool mx = l.type == LayerType::MaxPool;
      Eigen::MatrixXd y(l.out.rows(), l.out.c);
      for (int n = 0; n < in.n; ++n) {
        const int64_t in0 = int64_t(n) * in.pixels(), out0 = int64_t(n) * l.out.pixels();
        for (int yo = 0; yo < l.out.h; ++yo)
          for (int xo = 0; xo < l.out.w; ++xo)
            for (int c = 0; c < in.c; ++c) {
              double acc = mx ? -std::numeric_limits<double>::infinity() : 0.0;
              int count = 0;  // window elements inside the input
              for (int ky = 0; ky < l.kh; ++ky) {
                const int yi = yo * l.sh - l.ph + ky;
                if (yi < 0 || yi >= in.h) continue;  // padding: ignored by max, zero for the average
                for (int kx = 0; kx < l.kw; ++kx) {
                  const int xi = xo * l.sw - l.pw + kx;
                  if (xi < 0 || xi >= in.w) continue;
                  const double v = x(in0 + int64_t(yi) * in.w + xi, c);
                  acc = mx ? std::max(acc, v) : acc + v;
                  ++count;
                }
              }
              // count_include_pad: the padding counts (PyTorch's default; a window never reaches past the
              // padding, so that is kh * kw); otherwise only the input elements do (ONNX's default)
              if (!mx) acc /= l.count_include_pad ? double(l.kh) * double(l.kw) : double(count);
              y(out0 + int64_t(yo) * l.out.w + xo, c) = acc;
            }
      }
      return y;
    }
    case LayerType::Clip: {
      Eigen::MatrixXd y = x;
      if (l.has_min) y = y.cwiseMax(l.clip_min);
      if (l.has_max) y = y.cwiseMin(l.clip_max);
      return y;
    }
    case LayerType::Softmax: {  // per row: the channels of one pixel, or the features of one vector
      Eigen::MatrixXd y(x.rows(), x.cols());
      for (int64_t r = 0; r < x.rows(); ++r) {
        const double m = x.row(r).maxCoeff();  // exp(x - max) <= 1: no overflow
        y.row(r) = (x.row(r).array() - m).exp().matrix();
        y.row(r) /= y.row(r).sum();  // >= 1 (the maximum's term)
      }
      return y;
    }
    case LayerType::Add: {
      Eigen::MatrixXd s = x + *inputs.at(1);
      if (l.relu) s = s.cwiseMax(0.0);
      return s;
    }
    case LayerType::Concat: {
      Eigen::MatrixXd y(x.rows(), l.out.c);
      int c0 = 0;
      for (const auto* p : inputs) {
        y.block(0, c0, y.rows(), p->cols()) = *p;
        c0 += int(p->cols());
      }
      return y;
    }
    case LayerType::Flatten: {
      Eigen::MatrixXd v(in.n, in.image_elements());  // one row per image
      for (int n = 0; n < in.n; ++n)
        for (int p = 0; p < in.pixels(); ++p)
          v.block(n, int64_t(p) * in.c, 1, in.c) = x.row(int64_t(n) * in.pixels() + p);
      return v;
    }
    default:
      throw std::invalid_argument(layer_at(l) + "layer '" + l.name + "' (" + type_name(l.type) + ") is not a host layer");
  }
}

Tensor run_host_layer(const Layer& l, const std::vector<const Tensor*>& inputs, int block) {
  if (inputs.empty()) throw std::invalid_argument(layer_at(l) + "layer '" + l.name + "': no inputs");
  if (l.type == LayerType::Concat) {  // block copy when the parts are block-aligned
    std::vector<const golden::BfpMatrix*> parts;
    for (const Tensor* t : inputs) parts.push_back(&t->q);
    Tensor t;
    t.shape = l.out;
    t.q = concat_columns(parts, l.name);
    return t;
  }
  std::vector<Eigen::MatrixXd> vals;
  vals.reserve(inputs.size());
  for (const Tensor* t : inputs) vals.push_back(golden::dequantize(t->q));
  std::vector<const Eigen::MatrixXd*> ptrs;
  for (const auto& v : vals) ptrs.push_back(&v);
  return make_tensor(l.out, host_layer_values(l, ptrs).cast<float>(), block, l.name);
}

}  // namespace bfp::mapper
