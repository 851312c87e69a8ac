// SPDX-License-Identifier: Apache-2.0
#include "train/ref_step.h"

#include <cmath>

namespace bfp::train {

using mapper::Layer;
using mapper::LayerType;

namespace {

template <typename S>
struct Activations {
  std::vector<Mat<S>> in;   // input of every layer (conv: its im2col)
  std::vector<Mat<S>> out;  // output of every layer (after ReLU)
  std::vector<std::vector<int64_t>> argmax;
};

template <typename S>
Activations<S> forward(const TrainNet& tn, const std::vector<Mat<S>>& w, const Mat<S>& images) {
  const int batch = int(images.rows()), n = tn.size();
  Activations<S> a;
  a.in.resize(size_t(n));
  a.out.resize(size_t(n));
  a.argmax.resize(size_t(n));
  Mat<S> x = input_batch<S>(tn.net, images);
  for (int i = 0; i < n; ++i) {
    const Layer& l = tn.layer(i);
    Mat<S> y;
    switch (l.type) {
      case LayerType::Fc:
        a.in[size_t(i)] = x;
        y = x * w[size_t(i)].transpose();
        break;
      case LayerType::Conv2d:
        a.in[size_t(i)] = im2col_batch<S>(l, x, batch);
        y = a.in[size_t(i)] * w[size_t(i)].transpose();
        break;
      case LayerType::MaxPool:
        y = maxpool_forward<S>(l, x, batch, &a.argmax[size_t(i)]);
        break;
      case LayerType::Flatten:
        y = flatten_forward<S>(x, batch);
        break;
      default:
        throw std::logic_error("ref_step: layer type not checked by make_train_net");
    }
    if (l.relu) y = y.cwiseMax(S(0));
    a.out[size_t(i)] = y;
    x = std::move(y);
  }
  return a;
}

/// col2im: the error of a conv layer's input from the error of its im2col matrix (sums the overlaps).
template <typename S>
Mat<S> col2im(const Layer& l, const Mat<S>& dcols, int batch) {
  const mapper::Shape& in = l.in;
  const int64_t pin = in.pixels(), pout = l.out.pixels();
  const int c = in.c;
  Mat<S> dx = Mat<S>::Zero(batch * pin, c);
  for (int b = 0; b < batch; ++b)
    for (int yo = 0; yo < l.out.h; ++yo)
      for (int xo = 0; xo < l.out.w; ++xo)
        for (int ky = 0; ky < l.kh; ++ky)
          for (int kx = 0; kx < l.kw; ++kx) {
            const int y = yo * l.sh - l.ph + ky, xi = xo * l.sw - l.pw + kx;
            if (y < 0 || y >= in.h || xi < 0 || xi >= in.w) continue;
            dx.block(b * pin + int64_t(y) * in.w + xi, 0, 1, c) +=
                dcols.block(b * pout + int64_t(yo) * l.out.w + xo, int64_t(ky * l.kw + kx) * c, 1, c);
          }
  return dx;
}

}  // namespace

template <typename S>
Mat<S> ref_logits(const TrainNet& tn, const std::vector<Mat<S>>& w, const Mat<S>& images) {
  return forward<S>(tn, w, images).out.back();
}

template <typename S>
RefStep<S> ref_step(const TrainNet& tn, const std::vector<Mat<S>>& w, const Mat<S>& images,
                    const std::vector<uint8_t>& labels) {
  const int batch = int(images.rows()), n = tn.size();
  Activations<S> a = forward<S>(tn, w, images);
  RefStep<S> r;
  r.grad.resize(size_t(n));
  // softmax cross-entropy, mean over the batch
  const Mat<S>& z = a.out.back();
  Mat<S> err(z.rows(), z.cols());
  S total = 0;
  for (int64_t i = 0; i < z.rows(); ++i) {
    Eigen::Index best = 0;
    const S mx = z.row(i).maxCoeff(&best);
    r.correct += best == Eigen::Index(labels[size_t(i)]);
    Eigen::Matrix<S, 1, Eigen::Dynamic> e = (z.row(i).array() - mx).exp().matrix();
    const S sum = e.sum();
    total += -std::log(std::max(e(labels[size_t(i)]) / sum, S(1e-30)));
    err.row(i) = e / sum;
    err(i, labels[size_t(i)]) -= S(1);
  }
  err /= S(batch);
  r.loss = total / S(batch);
  for (int i = n - 1; i >= 0; --i) {
    const Layer& l = tn.layer(i);
    if (l.relu) err = err.cwiseProduct((a.out[size_t(i)].array() > S(0)).matrix().template cast<S>());
    switch (l.type) {
      case LayerType::Fc:
        r.grad[size_t(i)] = err.transpose() * a.in[size_t(i)];
        if (i > 0) err = err * w[size_t(i)];
        break;
      case LayerType::Conv2d:
        r.grad[size_t(i)] = err.transpose() * a.in[size_t(i)];
        if (i > 0) err = col2im<S>(l, Mat<S>(err * w[size_t(i)]), batch);
        break;
      case LayerType::MaxPool:
        err = maxpool_backward<S>(l, err, batch, a.argmax[size_t(i)]);
        break;
      case LayerType::Flatten:
        err = flatten_backward<S>(err, batch, l.in.c);
        break;
      default:
        throw std::logic_error("ref_step: layer type not checked by make_train_net");
    }
  }
  return r;
}

template RefStep<float> ref_step(const TrainNet&, const std::vector<Mat<float>>&, const Mat<float>&,
                                 const std::vector<uint8_t>&);
template RefStep<double> ref_step(const TrainNet&, const std::vector<Mat<double>>&, const Mat<double>&,
                                  const std::vector<uint8_t>&);
template Mat<float> ref_logits(const TrainNet&, const std::vector<Mat<float>>&, const Mat<float>&);
template Mat<double> ref_logits(const TrainNet&, const std::vector<Mat<double>>&, const Mat<double>&);

}  // namespace bfp::train
