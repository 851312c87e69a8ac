// SPDX-License-Identifier: Apache-2.0
// The graph walk of the ONNX importer: the network input, the constants, the nodes in their (checked,
// topological) order through the operator handlers of convert_ops.cpp, the graph output.
#include "import/convert.h"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <functional>
#include <regex>

#include "import/convert_internal.h"

namespace bfp::onnx_import {

namespace {

using Handler = void (*)(Converter&);

const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> h = {
      {"Add", op_add},
      {"AveragePool", op_averagepool},
      {"BatchNormalization", op_batchnorm},
      {"Clip", op_clip},
      {"Concat", op_concat},
      {"Constant", op_constant},
      {"Conv", op_conv},
      {"Dropout", op_dropout},
      {"Flatten", op_flatten},
      {"Gemm", op_gemm},
      {"GlobalAveragePool", op_global_averagepool},
      {"Identity", op_identity},
      {"MatMul", op_matmul},
      {"MaxPool", op_maxpool},
      {"Relu", op_relu},
      {"Reshape", op_reshape},
      {"Softmax", op_softmax},
  };
  return h;
}

bool default_domain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

std::string dims_text(const onnx::TensorShapeProto& s) {
  std::string t = "[";
  for (int i = 0; i < s.dim_size(); ++i) {
    const auto& d = s.dim(i);
    t += (i ? ", " : "") + (d.has_dim_value() ? std::to_string(d.dim_value()) : d.has_dim_param() ? d.dim_param() : "?");
  }
  return t + "]";
}

}  // namespace

std::string supported_ops() {
  std::string s;
  for (const auto& [op, h] : handlers()) s += (s.empty() ? "" : ", ") + op;
  return s;
}

std::string OnnxShape::str() const {
  if (flat) return "[" + std::to_string(c) + "]";
  return "[" + std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + "]";
}

Converter::Converter(const Model& m, std::string name) : model_(m) {
  out_.name = std::move(name);
  out_.sha256 = m.sha256;
  out_.producer = m.producer;
  out_.opset = m.opset;
  out_.source = m.origin;
}

void Converter::fail(const std::string& msg) const {
  throw ImportError(model_.origin + ": node " + node_text() + ", opset " + std::to_string(model_.opset) + ": " + msg);
}

std::string Converter::node_text() const {
  if (!node_) return "?";
  return node_->op_type() + " '" + node_->name() + "' (#" + std::to_string(index_) + ")";
}

bool Converter::has_input(int i) const { return i < node_->input_size() && !node_->input(i).empty(); }

const Value& Converter::input(int i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is missing");
  auto it = values_.find(node_->input(i));
  if (it == values_.end()) fail("input '" + node_->input(i) + "' is not produced by an earlier node or an initializer");
  return it->second;
}

const Value& Converter::act(int i, const std::string& role) const {
  const Value& v = input(i);
  if (v.is_const)
    fail(role + " '" + node_->input(i) + "' is a constant; it must be an activation computed from the network input");
  return v;
}

const FloatTensor& Converter::constant(int i, const std::string& role) const {
  if (!has_input(i)) fail(role + " is missing");
  auto it = values_.find(node_->input(i));
  if (it == values_.end() || !it->second.is_const)
    fail(role + " '" + node_->input(i) + "' has no initializer (it must be a constant: an initializer or a Constant node)");
  return it->second.k;
}

const std::vector<int64_t>& Converter::int_constant(int i, const std::string& role) const {
  constant(i, role);
  const Value& v = values_.at(node_->input(i));
  if (!v.is_int) fail(role + " '" + node_->input(i) + "' must hold integers (INT64)");
  return v.ints;
}

void Converter::set_output(const Value& v, int i) {
  if (i >= node_->output_size() || node_->output(i).empty()) return;
  values_[node_->output(i)] = v;
}

Value Converter::alias_of(int i) const {
  Value v = input(i);
  v.exclusive = v.exclusive && uses_.at(node_->input(i)) == 1;
  return v;
}

void Converter::outputs_unused_from(int i) const {
  for (int j = i; j < node_->output_size(); ++j)
    if (!node_->output(j).empty() && uses_.count(node_->output(j)) && uses_.at(node_->output(j)) > 0)
      fail("output " + std::to_string(j) + " ('" + node_->output(j) + "') is used; only the first output is supported");
}

std::string Converter::layer_name(const std::string& type) {
  // ONNX names such as "/features/conv1/Conv" become "features.conv1.Conv" (the YAML's name rule).
  std::string n = node_->name();
  while (!n.empty() && n[0] == '/') n.erase(0, 1);
  for (char& ch : n) {
    if (ch == '/') ch = '.';
    else if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-') ch = '_';
  }
  if (!n.empty() && !std::isalpha(static_cast<unsigned char>(n[0])) && n[0] != '_') n = "_" + n;
  if (n.empty() || n == "input") n = type + "_" + std::to_string(out_.layers.size() + 1);
  std::string u = n;
  for (int k = 2; names_.count(u); ++k) u = n + "_" + std::to_string(k);
  names_.insert(u);
  return u;
}

OutLayer& Converter::add_layer(OutLayer l, const std::vector<const Value*>& ins, const OnnxShape& out) {
  l.name = layer_name(l.type);
  l.nodes.push_back(node_text());
  for (const Value* v : ins) l.inputs.push_back(v->layer < 0 ? "input" : out_.layers[size_t(v->layer)].name);
  out_.layers.push_back(std::move(l));
  fused_onto_.push_back(false);
  Value v;
  v.layer = int(out_.layers.size()) - 1;
  v.shape = out;
  v.exclusive = true;
  set_output(v);
  return out_.layers.back();
}

OutLayer* Converter::fusable(int i, bool add_too) {
  const Value& v = input(i);
  if (v.is_const || v.layer < 0 || !v.exclusive || uses_.at(node_->input(i)) != 1) return nullptr;
  if (fused_onto_[size_t(v.layer)]) return nullptr;
  OutLayer& l = out_.layers[size_t(v.layer)];
  if (l.type == "fc" || l.type == "conv2d" || (add_too && l.type == "add")) return &l;
  return nullptr;
}

void Converter::note_fused(const OutLayer& l, const std::string& what, bool last) {
  const int idx = int(&l - out_.layers.data());
  if (last) fused_onto_[size_t(idx)] = true;
  out_.layers[size_t(idx)].nodes.push_back(node_text());
  out_.fused.push_back(node_text() + " into " + l.type + " '" + l.name + "' (" + what + ")");
}

void Converter::note_folded(const OutLayer& l) {
  out_.layers[size_t(&l - out_.layers.data())].nodes.push_back(node_text());
  out_.foldings.push_back(node_text() + " into " + l.type + " '" + l.name + "'");
}

void Converter::note_dropped(const std::string& why) { out_.dropped.push_back(node_text() + ": " + why); }

const onnx::AttributeProto* Converter::attr(const std::string& name) const {
  for (const auto& a : node_->attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t Converter::attr_int(const std::string& name, int64_t def) const {
  const auto* a = attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto::INT) fail("attribute '" + name + "' must be an integer");
  return a->i();
}

float Converter::attr_float(const std::string& name, float def) const {
  const auto* a = attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto::FLOAT) fail("attribute '" + name + "' must be a float");
  return a->f();
}

std::vector<int64_t> Converter::attr_ints(const std::string& name, const std::vector<int64_t>& def) const {
  const auto* a = attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto::INTS) fail("attribute '" + name + "' must be a list of integers");
  return {a->ints().begin(), a->ints().end()};
}

std::string Converter::attr_string(const std::string& name, const std::string& def) const {
  const auto* a = attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto::STRING) fail("attribute '" + name + "' must be a string");
  return a->s();
}

Window Converter::window(const OnnxShape& in, int kh, int kw) const {
  Window w;
  if (kh > 0) {
    w.kh = kh, w.kw = kw;
    const auto ks = attr_ints("kernel_shape", {kh, kw});
    if (ks.size() != 2 || ks[0] != kh || ks[1] != kw)
      fail("attribute kernel_shape does not match the weights' kernel " + std::to_string(kh) + "x" + std::to_string(kw));
  } else {
    const auto ks = attr_ints("kernel_shape", {});
    if (ks.size() != 2) fail("attribute kernel_shape must give 2 values (2-D pooling only)");
    for (int64_t k : ks)
      if (k < 1 || k > 255) fail("kernel size " + std::to_string(k) + " is outside 1..255");
    w.kh = int(ks[0]), w.kw = int(ks[1]);
  }
  auto two = [&](const char* n) {
    const auto v = attr_ints(n, {1, 1});
    if (v.size() != 2) fail(std::string("attribute ") + n + " must give 2 values");
    for (int64_t x : v)
      if (x < 1 || x > 255) fail(std::string("attribute ") + n + ": " + std::to_string(x) + " is outside 1..255");
    return std::pair<int, int>(int(v[0]), int(v[1]));
  };
  std::tie(w.sh, w.sw) = two("strides");
  std::tie(w.dh, w.dw) = two("dilations");
  const int eh = (w.kh - 1) * w.dh + 1, ew = (w.kw - 1) * w.dw + 1;  // effective kernel
  const std::string ap = attr_string("auto_pad", "NOTSET");
  if (ap == "NOTSET") {
    const auto p = attr_ints("pads", {0, 0, 0, 0});
    if (p.size() != 4) fail("attribute pads must give 4 values (top, left, bottom, right)");
    for (int64_t x : p)
      if (x < 0 || x > 255) fail("attribute pads: " + std::to_string(x) + " is outside 0..255");
    w.pt = int(p[0]), w.pl = int(p[1]), w.pb = int(p[2]), w.pr = int(p[3]);
  } else if (ap == "VALID") {
  } else if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
    if (attr("pads")) fail("auto_pad " + ap + " together with pads");
    // static input: the output is ceil(in / stride); the padding that needs, the odd one at the end (UPPER)
    auto split = [&](int in_dim, int s, int e, int& lo, int& hi) {
      const int out = (in_dim + s - 1) / s;
      const int total = std::max(0, (out - 1) * s + e - in_dim);
      lo = ap == "SAME_UPPER" ? total / 2 : total - total / 2;
      hi = total - lo;
    };
    split(in.h, w.sh, eh, w.pt, w.pb);
    split(in.w, w.sw, ew, w.pl, w.pr);
  } else {
    fail("auto_pad '" + ap + "' is not supported (NOTSET, VALID, SAME_UPPER, SAME_LOWER)");
  }
  const int ph = in.h + w.pt + w.pb, pw = in.w + w.pl + w.pr;
  if (ph < eh || pw < ew)
    fail("the kernel " + std::to_string(eh) + "x" + std::to_string(ew) + " is larger than the padded input " +
         std::to_string(ph) + "x" + std::to_string(pw));
  w.oh = (ph - eh) / w.sh + 1;
  w.ow = (pw - ew) / w.sw + 1;
  return w;
}

void Converter::walk_node() {
  if (!default_domain(node_->domain()))
    fail("domain '" + node_->domain() + "' is not supported (only the default ONNX domain)");
  auto it = handlers().find(node_->op_type());
  if (it == handlers().end())
    fail("operator " + node_->op_type() + " is not supported; supported: " + supported_ops());
  it->second(*this);
}

Imported Converter::run() {
  const onnx::GraphProto& g = model_.proto.graph();
  const std::string& origin = model_.origin;
  std::set<std::string> init_names;
  for (const auto& t : g.initializer()) {
    Value v;
    v.is_const = true;
    const std::string what = origin + ": initializer '" + t.name() + "'";
    v.k = float_tensor(t, what);
    if (t.data_type() == onnx::TensorProto::INT64 || t.data_type() == onnx::TensorProto::INT32)
      v.ints = int_tensor(t, what), v.is_int = true;
    values_[t.name()] = std::move(v);
    init_names.insert(t.name());
  }
  for (const auto& n : g.node())
    for (const auto& i : n.input())
      if (!i.empty()) ++uses_[i];
  for (const auto& o : g.output()) ++uses_[o.name()];

  // The network input: the graph's one input that has no initializer.
  std::vector<const onnx::ValueInfoProto*> ins;
  for (const auto& i : g.input())
    if (!init_names.count(i.name())) ins.push_back(&i);
  if (ins.size() != 1) {
    // A weight that is a graph input instead of an initializer is the usual cause: name its node.
    for (const auto* i : ins)
      for (int ni = 0; ni < g.node_size(); ++ni)
        for (int p = 1; p < g.node(ni).input_size(); ++p)
          if (g.node(ni).input(p) == i->name())
            throw ImportError(origin + ": node " + g.node(ni).op_type() + " '" + g.node(ni).name() + "' (#" +
                              std::to_string(ni) + "), opset " + std::to_string(model_.opset) + ": operand " +
                              std::to_string(p) + " '" + i->name() +
                              "' has no initializer (it is a graph input; weights must be initializers)");
    std::string names;
    for (const auto* i : ins) names += (names.empty() ? "'" : ", '") + i->name() + "'";
    throw ImportError(origin + ": the graph has " + std::to_string(ins.size()) + " inputs without an initializer" +
                      (names.empty() ? "" : " (" + names + ")") + "; exactly one, the network input, is supported");
  }
  const onnx::ValueInfoProto& in = *ins[0];
  out_.input_name = in.name();
  const std::string ictx = origin + ": graph input '" + in.name() + "'";
  if (!in.type().has_tensor_type() || in.type().tensor_type().elem_type() != onnx::TensorProto::FLOAT)
    throw ImportError(ictx + ": must be a FLOAT tensor");
  const auto& shp = in.type().tensor_type().shape();
  if (shp.dim_size() != 4 && shp.dim_size() != 2)
    throw ImportError(ictx + ": shape " + dims_text(shp) + ": expected [N, C, H, W] or [N, F]");
  std::vector<int> d;
  for (const auto& x : shp.dim()) {
    if (!x.has_dim_value())
      throw ImportError(ictx + ": shape " + dims_text(shp) +
                        ": dynamic shapes (a named or unknown dimension) are not supported; export with fixed sizes");
    if (x.dim_value() < 1 || x.dim_value() > 65535)
      throw ImportError(ictx + ": shape " + dims_text(shp) + ": every dimension must be in 1..65535");
    d.push_back(int(x.dim_value()));
  }
  out_.batch = d[0];
  if (out_.batch > 4096) throw ImportError(ictx + ": batch " + std::to_string(d[0]) + " is larger than 4096");
  Value iv;
  iv.layer = -1;
  iv.shape.flat = d.size() == 2;
  iv.shape.c = d[1];
  if (d.size() == 4) iv.shape.h = d[2], iv.shape.w = d[3];
  out_.input = iv.shape;
  values_[in.name()] = iv;

  for (int i = 0; i < g.node_size(); ++i) {
    node_ = &g.node(i);
    index_ = i;
    walk_node();
  }
  out_.nodes = g.node_size();
  node_ = nullptr;
  finish();
  return out_;
}

void Converter::finish() {
  const onnx::GraphProto& g = model_.proto.graph();
  const std::string& origin = model_.origin;
  if (g.output_size() != 1)
    throw ImportError(origin + ": the graph has " + std::to_string(g.output_size()) + " outputs; exactly one is supported");
  const std::string& o = g.output(0).name();
  auto it = values_.find(o);
  if (it == values_.end()) throw ImportError(origin + ": the graph output '" + o + "' is produced by no node");
  const Value& v = it->second;
  if (v.is_const) throw ImportError(origin + ": the graph output '" + o + "' is a constant");
  if (v.layer < 0) throw ImportError(origin + ": the graph output '" + o + "' is the network input: nothing to run");
  if (v.layer != int(out_.layers.size()) - 1)
    throw ImportError(origin + ": the graph output '" + o + "' comes from layer '" + out_.layers[size_t(v.layer)].name +
                      "', but layer '" + out_.layers.back().name +
                      "' comes after it (nodes whose results the output does not use are not supported)");
  out_.output = v.shape;
  out_.output_name = o;
  out_.macs = 0;
  for (const auto& l : out_.layers) out_.macs += l.macs * out_.batch;
}

Imported convert(const Model& m, const std::string& name) { return Converter(m, name).run(); }

}  // namespace bfp::onnx_import
