// SPDX-License-Identifier: Apache-2.0
// The .npy files a network description names (docs/networks.md "Weights and inputs from files"): input,
// weights, biases, expected output; each checked against the shape the network gives it, with a message
// naming the file, the field and both shapes.
#include <cmath>
#include <limits>
#include <stdexcept>

#include "golden/npy.h"
#include "mapper/network_files.h"

namespace bfp::mapper {

namespace {

// A float32/float64 .npy array as FP32 values; throws std::runtime_error with the reason.
struct FloatArray {
  std::vector<size_t> shape;
  std::vector<float> values;
};
FloatArray read_floats(const std::string& path) {
  npy::Array a;
  try {
    a = npy::read(path);
  } catch (const npy::Error& e) {
    throw std::runtime_error(e.what());
  }
  FloatArray f;
  f.shape = a.shape;
  if (a.dtype == npy::DType::F32) {
    f.values = a.values<float>();
  } else if (a.dtype == npy::DType::F64) {
    const std::vector<double> d = a.values<double>();
    f.values.resize(d.size());
    for (size_t i = 0; i < d.size(); ++i) {
      if (std::isfinite(d[i]) && std::fabs(d[i]) > double(std::numeric_limits<float>::max()))
        throw std::runtime_error(path + ": element " + std::to_string(i) + " (" + std::to_string(d[i]) +
                                 ") is outside the FP32 range");
      f.values[i] = static_cast<float>(d[i]);
    }
  } else {
    throw std::runtime_error(path + ": expected float32 or float64 values, the file holds " + npy::descr(a.dtype));
  }
  for (size_t i = 0; i < f.values.size(); ++i)
    if (!std::isfinite(f.values[i]))
      throw std::runtime_error(path + ": element " + std::to_string(i) + " is " +
                               (std::isnan(f.values[i]) ? "NaN" : "infinite"));
  return f;
}

std::string shape_text(const std::vector<size_t>& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

// A file's shape against a tensor's: [N, H, W, C] / [N, F], the leading N optional when it is 1.
void check_batch_shape(const Shape& s, const std::vector<size_t>& shape, const std::string& path,
                       const std::string& where, const std::string& what) {
  std::vector<size_t> want = s.flat ? std::vector<size_t>{size_t(s.n), size_t(s.c)}
                                    : std::vector<size_t>{size_t(s.n), size_t(s.h), size_t(s.w), size_t(s.c)};
  std::vector<size_t> got = shape;
  if (s.n == 1 && got.size() + 1 == want.size()) got.insert(got.begin(), 1);  // no batch dimension
  if (got == want) return;
  if (s.n == 1)  // the message of batch-less networks names the shape without the batch
    throw NetError(where + ": " + path + " has shape " + shape_text(shape) + ", " + what + " is " +
                   shape_text(std::vector<size_t>(want.begin() + 1, want.end())) +
                   (s.flat ? "" : " (H, W, C; channels last)"));
  throw NetError(where + ": " + path + " has shape " + shape_text(shape) + ", " + what + " is " + shape_text(want) +
                 (s.flat ? " (N, F)" : " (N, H, W, C; channels last)"));
}

}  // namespace

void load_input(Network& net, const std::string& path, const std::string& where) {
  FloatArray f;
  try {
    f = read_floats(path);
  } catch (const std::exception& e) {
    throw NetError(where + ": " + e.what());
  }
  check_batch_shape(net.input, f.shape, path, where, "the network input");
  net.input_data = std::make_shared<const std::vector<float>>(std::move(f.values));
  net.input_path = path;
}

// The expected output of the last layer (docs/networks.md "Expected output").
void load_expected(Network& net, const std::string& path, const std::string& where) {
  FloatArray f;
  try {
    f = read_floats(path);
  } catch (const std::exception& e) {
    throw NetError(where + ": " + e.what());
  }
  check_batch_shape(net.shape_of(int(net.layers.size()) - 1), f.shape, path, where,
                    "the output of the last layer" +
                        (net.layers.empty() ? std::string() : " '" + net.layers.back().name + "'"));
  net.expected = std::make_shared<const std::vector<float>>(std::move(f.values));
  net.expected_path = path;
}

// Weights of an fc/conv2d layer from its file, converted to W^T order (docs/networks.md).
void load_weights(Network& net, Layer& l) {
  FloatArray f;
  try {
    f = read_floats(l.weights_path);
  } catch (const std::exception& e) {
    layer_fail(net, l, "weights", e.what());
  }
  const int cg = l.in.c / l.groups;
  const std::vector<size_t> want =
      l.type == LayerType::Fc ? std::vector<size_t>{size_t(l.units), size_t(l.in.c)}
                              : std::vector<size_t>{size_t(l.filters), size_t(cg), size_t(l.kh), size_t(l.kw)};
  if (f.shape != want)
    layer_fail(net, l, "weights",
               l.weights_path + " has shape " + shape_text(f.shape) + ", expected " + shape_text(want) +
                   (l.type == LayerType::Fc ? " (out features, in features)"
                                            : " (filters, input channels / groups, kernel height, kernel width)"));
  if (l.type == LayerType::Fc) {
    l.weights = std::make_shared<const std::vector<float>>(std::move(f.values));
    return;
  }
  // PyTorch OIHW [f][c][ky][kx] -> W^T row f, column (ky*kw + kx)*cg + c
  std::vector<float> w(f.values.size());
  const size_t k = size_t(l.kh) * l.kw * cg;
  for (int fi = 0; fi < l.filters; ++fi)
    for (int c = 0; c < cg; ++c)
      for (int ky = 0; ky < l.kh; ++ky)
        for (int kx = 0; kx < l.kw; ++kx)
          w[size_t(fi) * k + size_t(ky * l.kw + kx) * cg + c] =
              f.values[((size_t(fi) * cg + c) * l.kh + ky) * l.kw + kx];
  l.weights = std::make_shared<const std::vector<float>>(std::move(w));
}

// The bias of an fc/conv2d layer from its file: one value per output channel.
void load_bias(Network& net, Layer& l) {
  FloatArray f;
  try {
    f = read_floats(l.bias_path);
  } catch (const std::exception& e) {
    layer_fail(net, l, "bias", e.what());
  }
  const size_t outs = size_t(l.type == LayerType::Fc ? l.units : l.filters);
  if (f.shape != std::vector<size_t>{outs})
    layer_fail(net, l, "bias",
               l.bias_path + " has shape " + shape_text(f.shape) + ", expected [" + std::to_string(outs) + "] (" +
                   (l.type == LayerType::Fc ? "units" : "filters") + ")");
  l.bias = std::make_shared<const std::vector<float>>(std::move(f.values));
}


void set_input_file(Network& net, const std::string& path) { load_input(net, path, path); }
void set_expected_file(Network& net, const std::string& path) { load_expected(net, path, path); }

}  // namespace bfp::mapper
