// SPDX-License-Identifier: Apache-2.0
// The layers that run on the host in training, on values (docs/training.md section 6): im2col over a batch,
// max pooling and flatten forward and backward. A batch of activations is a matrix with one row per pixel of
// every image (image b's pixel p at row b * pixels + p) and one column per channel; a vector layer has one row
// per image. Templates so that the FP32 reference loop and the gradient check (double) share them.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "mapper/lower.h"
#include "mapper/network.h"

namespace bfp::train {

template <typename S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;

/// im2col of a batch for conv2d layer `l` (groups 1): mapper::im2col of every image, stacked; rows
/// b * out.pixels() + y_o * W_out + x_o, columns (ky * kw + kx) * C_in + c, zero in the padding (the order of the
/// layer's W^T).
template <typename S>
Mat<S> im2col_batch(const mapper::Layer& l, const Mat<S>& x, int batch) {
  const int64_t pin = l.in.pixels(), pout = l.out.pixels();
  if (x.rows() != batch * pin || x.cols() != l.in.c)
    throw std::invalid_argument("im2col: input of layer '" + l.name + "' has the wrong shape");
  Mat<S> a(batch * pout, int64_t(l.kh) * l.kw * l.in.c);
  for (int b = 0; b < batch; ++b) a.middleRows(b * pout, pout) = mapper::im2col(Mat<S>(x.middleRows(b * pin, pin)), l, 0);
  return a;
}

/// Max pooling of a batch (no padding): the maximum over each window; `argmax` (when given) receives, for
/// every output element (row-major, row * C + c), the input row of the first maximum in (ky, kx) order.
template <typename S>
Mat<S> maxpool_forward(const mapper::Layer& l, const Mat<S>& x, int batch, std::vector<int64_t>* argmax) {
  const mapper::Shape& in = l.in;
  const int64_t pin = in.pixels(), pout = l.out.pixels();
  const int c = in.c;
  Mat<S> y(batch * pout, c);
  if (argmax) argmax->assign(size_t(batch * pout * c), 0);
  for (int b = 0; b < batch; ++b)
    for (int yo = 0; yo < l.out.h; ++yo)
      for (int xo = 0; xo < l.out.w; ++xo) {
        const int64_t row = b * pout + int64_t(yo) * l.out.w + xo;
        for (int ch = 0; ch < c; ++ch) {
          S best = -std::numeric_limits<S>::infinity();
          int64_t src = -1;
          for (int ky = 0; ky < l.kh; ++ky)
            for (int kx = 0; kx < l.kw; ++kx) {
              const int yi = yo * l.sh + ky, xi = xo * l.sw + kx;
              if (yi >= in.h || xi >= in.w) continue;
              const int64_t r = b * pin + int64_t(yi) * in.w + xi;
              if (x(r, ch) > best) best = x(r, ch), src = r;
            }
          y(row, ch) = best;
          if (argmax) (*argmax)[size_t(row * c + ch)] = src;
        }
      }
  return y;
}

/// The error of a max pooling's input: each output error goes to its window's first maximum (argmax from
/// maxpool_forward); overlapping windows add up.
template <typename S>
Mat<S> maxpool_backward(const mapper::Layer& l, const Mat<S>& dy, int batch, const std::vector<int64_t>& argmax) {
  const int c = l.in.c;
  Mat<S> dx = Mat<S>::Zero(batch * l.in.pixels(), c);
  for (int64_t row = 0; row < dy.rows(); ++row)
    for (int ch = 0; ch < c; ++ch) dx(argmax[size_t(row * c + ch)], ch) += dy(row, ch);
  return dx;
}

/// Flatten: (batch * pixels) x C -> batch x (pixels * C), pixel by pixel, channels innermost.
template <typename S>
Mat<S> flatten_forward(const Mat<S>& x, int batch) {
  const int64_t pixels = x.rows() / batch, c = x.cols();
  Mat<S> y(batch, pixels * c);
  for (int b = 0; b < batch; ++b)
    for (int64_t p = 0; p < pixels; ++p) y.block(b, p * c, 1, c) = x.row(b * pixels + p);
  return y;
}

/// Inverse of flatten_forward for `channels` channels.
template <typename S>
Mat<S> flatten_backward(const Mat<S>& dy, int batch, int channels) {
  const int64_t pixels = dy.cols() / channels;
  Mat<S> dx(batch * pixels, channels);
  for (int b = 0; b < batch; ++b)
    for (int64_t p = 0; p < pixels; ++p) dx.row(b * pixels + p) = dy.block(b, p * channels, 1, channels);
  return dx;
}

/// The network input of a batch of flattened images (batch x H*W): as is for a vector input, one row per
/// pixel and one channel for an image input.
template <typename S>
Mat<S> input_batch(const mapper::Network& net, const Mat<S>& images) {
  if (net.input.flat || net.input.pixels() == 1) return images;
  const int64_t batch = images.rows(), pixels = images.cols();
  Mat<S> x(batch * pixels, 1);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t p = 0; p < pixels; ++p) x(b * pixels + p, 0) = images(b, p);
  return x;
}

}  // namespace bfp::train
