// SPDX-License-Identifier: Apache-2.0
// The operator handlers of the ONNX importer (docs/import.md has the table of what each accepts and refuses).
#include <cmath>
#include <limits>

#include "import/convert_internal.h"

namespace bfp::onnx_import {

namespace {

std::string dims_text(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

// A constant of shape [n] (after any leading 1s, e.g. [1, n]) for per-feature values.
bool is_vector_of(const FloatTensor& t, int64_t n) {
  if (t.dims.empty() || t.dims.back() != n) return false;
  for (size_t i = 0; i + 1 < t.dims.size(); ++i)
    if (t.dims[i] != 1) return false;
  return true;
}

// A constant that broadcasts over [C, H, W] per channel: [C, 1, 1] (with any leading 1s).
bool is_channel_vector(const FloatTensor& t, int64_t c) {
  const size_t r = t.dims.size();
  if (r < 3 || t.dims[r - 3] != c || t.dims[r - 2] != 1 || t.dims[r - 1] != 1) return false;
  for (size_t i = 0; i + 3 < r; ++i)
    if (t.dims[i] != 1) return false;
  return true;
}

const Value& spatial_input(Converter& c) {
  const Value& x = c.act(0, "input X");
  if (x.shape.flat) c.fail("input '" + c.node().input(0) + "' is a vector " + x.shape.str() + "; " +
                           c.node().op_type() + " needs an [N, C, H, W] tensor");
  return x;
}

// An fc layer from weights [units][K] in ONNX order; the columns of a flattened C x H x W input are put in the
// IR's (h, w, c) order.
void add_fc(Converter& c, const Value& a, int units, std::vector<float> w, std::vector<float> bias) {
  if (units < 1 || units > 65535) c.fail(std::to_string(units) + " output features are outside 1..65535");
  const int k = a.shape.c;
  if (a.shape.permuted()) {
    const int C = a.shape.fc, H = a.shape.fh, W = a.shape.fw;
    std::vector<float> p(w.size());
    for (int o = 0; o < units; ++o)
      for (int ch = 0; ch < C; ++ch)
        for (int y = 0; y < H; ++y)
          for (int x = 0; x < W; ++x)
            p[size_t(o) * k + size_t((y * W + x) * C + ch)] = w[size_t(o) * k + size_t((ch * H + y) * W + x)];
    w = std::move(p);
  }
  OutLayer l;
  l.type = "fc";
  l.units = units;
  l.weight_shape = {size_t(units), size_t(k)};
  l.weights = std::move(w);
  l.bias = std::move(bias);
  l.macs = int64_t(units) * k;
  OnnxShape out;
  out.flat = true;
  out.c = units;
  c.add_layer(std::move(l), {&a}, out);
}

const Value& vector_input(Converter& c, const char* what) {
  const Value& a = c.act(0, "input A");
  if (!a.shape.flat)
    c.fail("input '" + c.node().input(0) + "' is " + a.shape.str() + " per image; " + what +
           " needs [N, K] (flatten or reshape it first)");
  return a;
}

// A vector input passed on, or a spatial one flattened (Flatten, Reshape to [N, -1]).
void flatten_to_vector(Converter& c, const Value& x) {
  if (x.shape.flat) {
    c.set_output(c.alias_of(0));
    c.note_dropped("already a vector");
    return;
  }
  OnnxShape out;
  out.flat = true;
  const int64_t n = x.shape.elements();
  if (n > 65535) c.fail("flattening " + x.shape.str() + " gives " + std::to_string(n) + " features, more than 65535");
  out.c = int(n);
  if (x.shape.h * x.shape.w > 1) out.fc = x.shape.c, out.fh = x.shape.h, out.fw = x.shape.w;
  OutLayer l;
  l.type = "flatten";
  c.add_layer(std::move(l), {&x}, out);
}

void add_clip_layer(Converter& c, const Value& x, bool has_min, double lo, bool has_max, double hi) {
  OutLayer l;
  l.type = "clip";
  l.has_min = has_min, l.min = lo;
  l.has_max = has_max, l.max = hi;
  c.add_layer(std::move(l), {&x}, x.shape);
}

void pool(Converter& c, const char* type) {
  const Value& x = spatial_input(c);
  if (c.attr_int("ceil_mode", 0) != 0) c.fail("ceil_mode 1 is not supported (only 0, floor; export with ceil_mode=False)");
  OutLayer l;
  l.type = type;
  if (l.type == "maxpool") {
    for (int64_t d : c.attr_ints("dilations", {1, 1}))
      if (d != 1) c.fail("dilations other than 1 are not supported for MaxPool");
    if (c.attr_int("storage_order", 0) != 0) c.fail("storage_order 1 is not supported");
    c.outputs_unused_from(1);
  } else {
    l.count_include_pad = c.attr_int("count_include_pad", 0) != 0;
  }
  const Window w = c.window(x.shape, 0, 0);
  l.kh = w.kh, l.kw = w.kw, l.sh = w.sh, l.sw = w.sw;
  l.pad_t = w.pt, l.pad_l = w.pl, l.pad_b = w.pb, l.pad_r = w.pr;
  OnnxShape out = x.shape;
  out.h = w.oh, out.w = w.ow;
  c.add_layer(std::move(l), {&x}, out);
}

}  // namespace

void op_conv(Converter& c) {
  const Value& x = spatial_input(c);
  const FloatTensor& w = c.constant(1, "weight W");
  if (w.dims.size() != 4)
    c.fail("weight W has shape " + dims_text(w.dims) + "; only 2-D convolutions (W [O, C/group, kh, kw]) are supported");
  const int64_t group = c.attr_int("group", 1);
  const int64_t o = w.dims[0], cg = w.dims[1];
  if (group < 1 || group > x.shape.c) c.fail("group " + std::to_string(group) + " is outside 1..C (" + std::to_string(x.shape.c) + ")");
  if (cg * group != x.shape.c)
    c.fail("weight W " + dims_text(w.dims) + " has " + std::to_string(cg) + " input channels per group, the input " +
           x.shape.str() + " has " + std::to_string(x.shape.c) + " channels in " + std::to_string(group) +
           " group(s) (expected " + std::to_string(x.shape.c / group) + ")");
  if (o < 1 || o > 65535 || o % group != 0)
    c.fail(std::to_string(o) + " output channels: must be in 1..65535 and divisible by group " + std::to_string(group));
  if (w.dims[2] < 1 || w.dims[2] > 255 || w.dims[3] < 1 || w.dims[3] > 255)
    c.fail("kernel " + std::to_string(w.dims[2]) + "x" + std::to_string(w.dims[3]) + " is outside 1..255");
  const Window win = c.window(x.shape, int(w.dims[2]), int(w.dims[3]));
  OutLayer l;
  l.type = "conv2d";
  l.filters = int(o);
  l.groups = int(group);
  l.kh = win.kh, l.kw = win.kw, l.sh = win.sh, l.sw = win.sw, l.dh = win.dh, l.dw = win.dw;
  l.pad_t = win.pt, l.pad_l = win.pl, l.pad_b = win.pb, l.pad_r = win.pr;
  l.weight_shape = {size_t(o), size_t(cg), size_t(win.kh), size_t(win.kw)};
  l.weights = w.values;  // OIHW is the IR's layout as it is
  if (c.has_input(2)) {
    const FloatTensor& b = c.constant(2, "bias B");
    if (b.dims.size() != 1 || b.dims[0] != o)
      c.fail("bias B has shape " + dims_text(b.dims) + ", expected [" + std::to_string(o) + "] (one per output channel)");
    l.bias = b.values;
  }
  l.macs = int64_t(win.oh) * win.ow * o * win.kh * win.kw * cg;
  OnnxShape out;
  out.c = int(o), out.h = win.oh, out.w = win.ow;
  c.add_layer(std::move(l), {&x}, out);
}

void op_gemm(Converter& c) {
  const Value& a = vector_input(c, "Gemm");
  if (c.attr_int("transA", 0) != 0) c.fail("transA = 1 is not supported (the activation must be [N, K])");
  if (c.attr_float("alpha", 1.0f) != 1.0f) c.fail("alpha other than 1 is not supported");
  if (c.has_input(2) && c.attr_float("beta", 1.0f) != 1.0f) c.fail("beta other than 1 is not supported");
  const FloatTensor& b = c.constant(1, "weight B");
  if (b.dims.size() != 2) c.fail("weight B has shape " + dims_text(b.dims) + ", expected a matrix");
  const bool tb = c.attr_int("transB", 0) != 0;
  const int64_t units = tb ? b.dims[0] : b.dims[1], k = tb ? b.dims[1] : b.dims[0];
  if (k != a.shape.c)
    c.fail("weight B " + dims_text(b.dims) + (tb ? " (transB = 1: [units, K])" : " ([K, units])") + " has K = " +
           std::to_string(k) + ", the input has " + std::to_string(a.shape.c) + " features");
  std::vector<float> w(b.values.size());
  for (int64_t o = 0; o < units; ++o)
    for (int64_t i = 0; i < k; ++i) w[size_t(o * k + i)] = tb ? b.values[size_t(o * k + i)] : b.values[size_t(i * units + o)];
  std::vector<float> bias;
  if (c.has_input(2)) {
    const FloatTensor& t = c.constant(2, "bias C");
    if (!is_vector_of(t, units) || t.dims.size() > 2)
      c.fail("bias C has shape " + dims_text(t.dims) + ", expected [" + std::to_string(units) + "] or [1, " +
             std::to_string(units) + "]");
    bias = t.values;
  }
  add_fc(c, a, int(units), std::move(w), std::move(bias));
}

void op_matmul(Converter& c) {
  const Value& a = vector_input(c, "MatMul");
  const FloatTensor& b = c.constant(1, "right operand B");
  if (b.dims.size() != 2) c.fail("right operand B has shape " + dims_text(b.dims) + ", expected a matrix [K, units]");
  const int64_t k = b.dims[0], units = b.dims[1];
  if (k != a.shape.c)
    c.fail("right operand B " + dims_text(b.dims) + " has K = " + std::to_string(k) + ", the input has " +
           std::to_string(a.shape.c) + " features");
  std::vector<float> w(b.values.size());
  for (int64_t o = 0; o < units; ++o)
    for (int64_t i = 0; i < k; ++i) w[size_t(o * k + i)] = b.values[size_t(i * units + o)];
  add_fc(c, a, int(units), std::move(w), {});
}

void op_add(Converter& c) {
  const Value& a = c.input(0);
  const Value& b = c.input(1);
  if (a.is_const && b.is_const) c.fail("both operands are constants");
  if (!a.is_const && !b.is_const) {
    const OnnxShape &s = a.shape, &t = b.shape;
    if (s.flat != t.flat || s.c != t.c || s.h != t.h || s.w != t.w || s.fc != t.fc || s.fh != t.fh || s.fw != t.fw)
      c.fail("the operands' shapes differ: " + s.str() + " and " + t.str() + " (no broadcasting between activations)");
    OutLayer l;
    l.type = "add";
    c.add_layer(std::move(l), {&a, &b}, s);
    return;
  }
  const int xi = a.is_const ? 1 : 0;
  const Value& x = c.input(xi);
  const FloatTensor& k = c.constant(1 - xi, "constant operand");
  OutLayer* l = c.fusable(xi, false);
  if (!l)
    c.fail("adds a constant to '" + c.node().input(xi) +
           "', which is not the output of a Conv/Gemm/MatMul used only by this Add; a constant Add is supported only "
           "as the bias of such a layer");
  const int ch = x.shape.c;
  const bool fits = x.shape.flat ? is_vector_of(k, ch) : is_channel_vector(k, ch);
  if (!fits)
    c.fail("constant operand has shape " + dims_text(k.dims) + "; as the bias of " + l->type + " '" + l->name +
           "' it must be " + (x.shape.flat ? "[" + std::to_string(ch) + "]" : "[" + std::to_string(ch) + ", 1, 1]") +
           " (one value per output channel)");
  if (l->bias.empty()) l->bias.assign(size_t(ch), 0.0f);
  for (int i = 0; i < ch; ++i) l->bias[size_t(i)] = float(double(l->bias[size_t(i)]) + double(k.values[size_t(i)]));
  c.note_fused(*l, "bias", false);
  c.set_output(c.alias_of(xi));
}

void op_relu(Converter& c) {
  const Value& x = c.act(0, "input X");
  if (OutLayer* l = c.fusable(0, true)) {
    l->relu = true;
    c.note_fused(*l, "relu: true", true);
    c.set_output(c.alias_of(0));
    return;
  }
  add_clip_layer(c, x, true, 0.0, false, 0.0);
}

void op_clip(Converter& c) {
  const Value& x = c.act(0, "input X");
  const double lowest = std::numeric_limits<float>::lowest(), highest = std::numeric_limits<float>::max();
  double lo = lowest, hi = highest;
  auto scalar = [&](int i, const char* role) {
    const FloatTensor& t = c.constant(i, role);
    if (t.values.size() != 1) c.fail(std::string(role) + " must be a scalar; it has shape " + dims_text(t.dims));
    return double(t.values[0]);
  };
  if (c.opset() < 11) {
    lo = c.attr_float("min", float(lowest));
    hi = c.attr_float("max", float(highest));
  } else {
    if (c.has_input(1)) lo = scalar(1, "min");
    if (c.has_input(2)) hi = scalar(2, "max");
  }
  const bool has_lo = lo > lowest, has_hi = hi < highest;
  if (has_lo && has_hi && lo > hi) c.fail("min " + std::to_string(lo) + " is larger than max " + std::to_string(hi));
  if (!has_lo && !has_hi) {
    c.set_output(c.alias_of(0));
    c.note_dropped("Clip without bounds");
    return;
  }
  if (has_lo && lo == 0.0) {
    if (OutLayer* l = c.fusable(0, true)) {
      l->relu = true;
      c.note_fused(*l, has_hi ? "relu: true; the max is a clip layer" : "relu: true", true);
      if (has_hi)
        add_clip_layer(c, x, false, 0.0, true, hi);
      else
        c.set_output(c.alias_of(0));
      return;
    }
  }
  add_clip_layer(c, x, has_lo, lo, has_hi, hi);
}

void op_maxpool(Converter& c) { pool(c, "maxpool"); }
void op_averagepool(Converter& c) { pool(c, "avgpool"); }

void op_global_averagepool(Converter& c) {
  const Value& x = spatial_input(c);
  OutLayer l;
  l.type = "avgpool";
  l.global = true;
  OnnxShape out = x.shape;
  out.h = out.w = 1;
  c.add_layer(std::move(l), {&x}, out);
}

void op_concat(Converter& c) {
  const Value& first = c.act(0, "input 0");
  const int rank = first.shape.flat ? 2 : 4;
  int64_t axis = c.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis != 1)
    c.fail("axis " + std::to_string(c.attr_int("axis", 1)) + " (of a rank-" + std::to_string(rank) +
           " tensor) is not supported; only axis 1, the channels");
  std::vector<const Value*> ins;
  OnnxShape out = first.shape;
  out.c = 0;
  for (int i = 0; i < c.node().input_size(); ++i) {
    const Value& v = c.act(i, "input " + std::to_string(i));
    if (v.shape.flat != first.shape.flat || v.shape.h != first.shape.h || v.shape.w != first.shape.w)
      c.fail("input " + std::to_string(i) + " " + v.shape.str() + " does not match input 0 " + first.shape.str() +
             " outside the channels");
    if (v.shape.permuted())
      c.fail("input " + std::to_string(i) + " is a flattened C x H x W tensor; concatenating those is not supported");
    out.c += v.shape.c;
    ins.push_back(&v);
  }
  if (out.c > 65535) c.fail(std::to_string(out.c) + " channels, more than 65535");
  if (ins.size() < 2 || ins.size() > 64) c.fail("needs 2..64 inputs");
  OutLayer l;
  l.type = "concat";
  c.add_layer(std::move(l), ins, out);
}

void op_flatten(Converter& c) {
  const Value& x = c.act(0, "input X");
  const int rank = x.shape.flat ? 2 : 4;
  int64_t axis = c.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis != 1) c.fail("axis " + std::to_string(c.attr_int("axis", 1)) + " is not supported; only axis 1 ([N, C*H*W])");
  flatten_to_vector(c, x);
}

void op_reshape(Converter& c) {
  const Value& x = c.act(0, "input data");
  const std::vector<int64_t>& s = c.int_constant(1, "shape");
  const bool allowzero = c.attr_int("allowzero", 0) != 0;
  const int64_t n = c.batch(), f = x.shape.elements();
  if (s.size() != 2)
    c.fail("target shape " + dims_text(s) + " is not supported; only [N, -1] or [N, F] (one vector per image)");
  int64_t d0 = s[0], d1 = s[1];
  if (d0 == 0 && !allowzero) d0 = n;
  if (d1 == 0 && !allowzero) d1 = x.shape.c;
  if (d0 == -1 && d1 > 0 && (n * f) % d1 == 0) d0 = n * f / d1;
  if (d1 == -1 && d0 > 0 && (n * f) % d0 == 0) d1 = n * f / d0;
  if (d0 != n || d1 != f)
    c.fail("target shape " + dims_text(s) + " of the input [" + std::to_string(n) + ", " +
           x.shape.str().substr(1) + " is not [N, features] = [" + std::to_string(n) + ", " + std::to_string(f) +
           "]; only reshapes to a vector per image are supported");
  flatten_to_vector(c, x);
}

void op_batchnorm(Converter& c) {
  const Value& x = c.act(0, "input X");
  const int ch = x.shape.c;
  const char* roles[] = {"", "scale", "B", "input_mean", "input_var"};
  std::vector<const FloatTensor*> p(5, nullptr);
  for (int i = 1; i <= 4; ++i) {
    p[size_t(i)] = &c.constant(i, roles[i]);
    if (p[size_t(i)]->dims.size() != 1 || p[size_t(i)]->dims[0] != ch)
      c.fail(std::string(roles[i]) + " has shape " + dims_text(p[size_t(i)]->dims) + ", expected [" + std::to_string(ch) +
             "] (one per channel)");
  }
  if (c.attr_int("training_mode", 0) != 0) c.fail("training_mode = 1 is not supported (export in eval mode)");
  c.outputs_unused_from(1);
  const double eps = c.attr_float("epsilon", 1e-5f);
  OutLayer* l = c.fusable(0, false);
  if (!l)
    c.fail("BatchNormalization is folded into the Conv/Gemm/MatMul before it, and '" + c.node().input(0) +
           "' is not the output of such a layer used only by this node (a standalone BatchNormalization is not supported)");
  // w' = w * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps): in double, rounded once to FP32.
  const size_t per_row = l->weights.size() / size_t(ch);
  if (l->bias.empty()) l->bias.assign(size_t(ch), 0.0f);
  for (int o = 0; o < ch; ++o) {
    const double var = double(p[4]->values[size_t(o)]);
    if (var + eps <= 0) c.fail("input_var[" + std::to_string(o) + "] + epsilon is not positive");
    const double s = double(p[1]->values[size_t(o)]) / std::sqrt(var + eps);
    for (size_t j = 0; j < per_row; ++j) {
      float& w = l->weights[size_t(o) * per_row + j];
      w = float(double(w) * s);
    }
    float& b = l->bias[size_t(o)];
    b = float((double(b) - double(p[3]->values[size_t(o)])) * s + double(p[2]->values[size_t(o)]));
  }
  c.note_folded(*l);
  c.set_output(c.alias_of(0));
}

void op_identity(Converter& c) {
  // PyTorch's TrainingMode.PRESERVE export routes BatchNorm's parameters through Identity nodes: a constant
  // stays a constant under another name.
  if (c.input(0).is_const) {
    Value v = c.input(0);
    c.set_output(v);
    c.note_dropped("Identity");
    return;
  }
  c.act(0, "input");
  c.set_output(c.alias_of(0));
  c.note_dropped("Identity");
}

void op_dropout(Converter& c) {
  c.act(0, "input data");
  c.outputs_unused_from(1);
  if (c.has_input(2)) {
    const FloatTensor& t = c.constant(2, "training_mode");
    if (t.values.size() != 1 || t.values[0] != 0) c.fail("training_mode must be false (export in eval mode)");
  }
  c.set_output(c.alias_of(0));
  c.note_dropped("Dropout (inference: the identity)");
}

void op_softmax(Converter& c) {
  const Value& x = c.act(0, "input");
  const int rank = x.shape.flat ? 2 : 4;
  int64_t axis = c.attr_int("axis", c.opset() < 13 ? 1 : -1);
  if (axis < 0) axis += rank;
  bool ok = false;
  if (x.shape.flat) ok = axis == 1;
  else if (c.opset() >= 13) ok = axis == 1;
  else ok = axis == 1 && x.shape.h * x.shape.w == 1;  // before opset 13, axis 1 means over C*H*W
  if (!ok)
    c.fail("axis " + std::to_string(c.attr_int("axis", c.opset() < 13 ? 1 : -1)) + " on " + x.shape.str() +
           " is not supported; only over the channels (axis 1) or a vector's features");
  OutLayer l;
  l.type = "softmax";
  c.add_layer(std::move(l), {&x}, x.shape);
}

void op_constant(Converter& c) {
  Value v;
  v.is_const = true;
  const std::string what = "value";
  if (const auto* a = c.attr("value")) {
    try {
      v.k = float_tensor(a->t(), "Constant value");
      if (a->t().data_type() == onnx::TensorProto::INT64 || a->t().data_type() == onnx::TensorProto::INT32)
        v.ints = int_tensor(a->t(), "Constant value"), v.is_int = true;
    } catch (const ImportError& e) {
      c.fail(e.what());
    }
  } else if (const auto* f = c.attr("value_float")) {
    v.k.values = {f->f()};
  } else if (const auto* fs = c.attr("value_floats")) {
    v.k.values.assign(fs->floats().begin(), fs->floats().end());
    v.k.dims = {int64_t(v.k.values.size())};
  } else if (const auto* i = c.attr("value_int")) {
    v.ints = {i->i()}, v.is_int = true, v.k.values = {float(i->i())};
  } else if (const auto* is = c.attr("value_ints")) {
    v.ints.assign(is->ints().begin(), is->ints().end());
    v.is_int = true;
    v.k.dims = {int64_t(v.ints.size())};
    for (int64_t x : v.ints) v.k.values.push_back(float(x));
  } else {
    c.fail("only the attributes value, value_float(s) and value_int(s) are supported");
  }
  c.set_output(v);
}

}  // namespace bfp::onnx_import
