// SPDX-License-Identifier: Apache-2.0
// Network description loading (docs/networks.md): a fixed schema walked by hand, so that unknown, duplicate
// and missing keys, wrong types and bad values all give one error naming the file, line, column, layer and
// field. Shape inference (infer_shapes) runs on the result and reports in the same form.
#include "mapper/network.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "config/text_check.h"
#include "config/yaml_load.h"
#include "mapper/network_files.h"

namespace bfp::mapper {

const char* type_name(LayerType t) {
  switch (t) {
    case LayerType::Fc: return "fc";
    case LayerType::Conv2d: return "conv2d";
    case LayerType::MaxPool: return "maxpool";
    case LayerType::AvgPool: return "avgpool";
    case LayerType::Add: return "add";
    case LayerType::Concat: return "concat";
    case LayerType::Flatten: return "flatten";
    case LayerType::Clip: return "clip";
    case LayerType::Softmax: return "softmax";
  }
  return "?";
}

const char* init_name(InitKind k) { return k == InitKind::Normal ? "normal" : "uniform"; }

std::string Shape::str() const {
  if (flat) return std::to_string(c);
  return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
}

int64_t Layer::macs() const {
  switch (type) {
    case LayerType::Fc: return int64_t(in.rows()) * in.c * units;
    case LayerType::Conv2d: return int64_t(out.rows()) * out.c * kh * kw * (in.c / groups);
    default: return 0;
  }
}

int Network::find(const std::string& n) const {
  if (n == "input") return -1;
  for (const Layer& l : layers)
    if (l.name == n) return l.index;
  throw std::out_of_range("network '" + name + "' has no layer '" + n + "'");
}

const Shape& Network::shape_of(int index) const { return index < 0 ? input : layers.at(size_t(index)).out; }

std::string Network::name_of(int index) const { return index < 0 ? "input" : layers.at(size_t(index)).name; }

int64_t Network::macs() const {
  int64_t s = 0;
  for (const Layer& l : layers) s += l.macs();
  return s;
}

namespace {

constexpr int kMaxDim = 65535;                // H, W, C, units, filters
constexpr int64_t kMaxElements = 1 << 26;     // elements of one tensor
constexpr int kMaxKernel = 255;
constexpr int kMaxBatch = 4096;
constexpr int64_t kMaxGemmElements = int64_t{1} << 28;  // of one GEMM's A (im2col) before quantization

const std::vector<std::string> kRootKeys = {"name", "seed", "input", "layers", "expected_output"};
const std::vector<std::string> kInputKeys = {"shape", "batch", "init", "file"};
const std::vector<LayerType> kTypes = {LayerType::Fc,     LayerType::Conv2d,  LayerType::MaxPool,
                                       LayerType::AvgPool, LayerType::Add,    LayerType::Concat,
                                       LayerType::Flatten, LayerType::Clip,   LayerType::Softmax};

std::string type_list() {
  std::string s;
  for (LayerType t : kTypes) s += (s.empty() ? "" : ", ") + std::string(type_name(t));
  return s;
}

// Keys a layer of each type accepts (besides name and type).
const std::map<LayerType, std::vector<std::string>>& layer_keys() {
  static const std::map<LayerType, std::vector<std::string>> k = {
      {LayerType::Fc, {"input", "units", "relu", "prune", "weights", "bias"}},
      {LayerType::Conv2d,
       {"input", "filters", "kernel", "stride", "padding", "groups", "dilation", "relu", "prune", "weights", "bias"}},
      {LayerType::MaxPool, {"input", "kernel", "stride", "padding", "global"}},
      {LayerType::AvgPool, {"input", "kernel", "stride", "padding", "global", "count_include_pad"}},
      {LayerType::Add, {"inputs", "relu"}},
      {LayerType::Concat, {"inputs"}},
      {LayerType::Flatten, {"input"}},
      {LayerType::Clip, {"input", "min", "max"}},
      {LayerType::Softmax, {"input"}},
  };
  return k;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Sequence: return n.size() ? "a sequence of " + std::to_string(n.size()) : "an empty sequence";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return (n.Tag() == "!" ? "the quoted string '" : "'") + printable(n.Scalar()) + "'";
    default: return "an undefined value";
  }
}

bool is_plain_string(const YAML::Node& n) {
  return n.IsScalar() && (n.Tag() == "?" || n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str");
}

}  // namespace

std::string layer_context(const Layer& l) {
  return "layer '" + l.name + "' (#" + std::to_string(l.index + 1) + ", " + type_name(l.type) + ")";
}

namespace {

class Parser {
 public:
  explicit Parser(std::string origin) : origin_(std::move(origin)) {}

  Network parse(const std::string& text) {
    std::vector<YAML::Node> docs;
    try {
      docs = load_all_documents(text);
    } catch (const YAML::Exception& e) {
      throw NetError(loc(e.mark) + ": YAML syntax error: " + e.msg);
    }
    if (docs.empty() || docs[0].IsNull())
      throw NetError(loc(YAML::Mark()) + ": the network file is empty; expected a mapping with keys " +
                     join(kRootKeys));
    if (docs.size() > 1)
      throw NetError(loc(docs[1].Mark()) + ": expected a single YAML document, found " + std::to_string(docs.size()));
    const YAML::Node root = docs[0];
    if (!root.IsMap())
      throw NetError(loc(root.Mark()) + ": the network must be a mapping with keys " + join(kRootKeys) + "; got " +
                     describe(root));
    check_scalar_lengths(root);
    auto top = entries(root, kRootKeys, "", {"name", "input", "layers"});

    Network net;
    net.source_path = origin_;
    {
      const Entry& e = top.at("name");
      net.name = name_value(e, "field 'name'");
    }
    if (top.count("seed")) {
      const Entry& e = top.at("seed");
      net.seed = u64_value(e, "field 'seed'");
    }
    {
      const Entry& e = top.at("input");
      if (!e.value.IsMap())
        fail(mark_of(e), "field 'input'",
             "expected a mapping with keys " + join(kInputKeys) + "; got " + describe(e.value));
      auto in = entries(e.value, kInputKeys, "input.", {"shape"});
      const Entry& s = in.at("shape");
      const std::string ctx = "field 'input.shape'";
      if (!s.value.IsSequence() || (s.value.size() != 1 && s.value.size() != 3))
        fail(mark_of(s), ctx, "expected [H, W, C] or [F] (a vector of F features); got " + describe(s.value));
      std::vector<int> d;
      for (const auto& x : s.value) d.push_back(int_value(x, x.Mark(), ctx, 1, kMaxDim));
      if (d.size() == 1)
        net.input = Shape{1, 1, d[0], true};
      else
        net.input = Shape{d[0], d[1], d[2], false};
      if (in.count("batch")) {
        const Entry& b = in.at("batch");
        net.input.n = int(int_value(b.value, mark_of(b), "field 'input.batch'", 1, kMaxBatch));
        if (net.input.elements() > kMaxElements)
          fail(mark_of(b), "field 'input.batch'",
               "a batch of " + std::to_string(net.input.n) + " inputs of " + net.input.str() + " has " +
                   std::to_string(net.input.elements()) + " elements, more than " + std::to_string(kMaxElements) +
                   " (2^26, the limit per tensor, batch included)");
      }
      if (net.input.elements() > kMaxElements)
        fail(mark_of(s), ctx, "the input has " + std::to_string(net.input.elements()) + " elements, more than " +
                                  std::to_string(kMaxElements));
      net.input_where = loc(mark_of(s));
      if (in.count("init")) {
        const Entry& i = in.at("init");
        const std::string v = i.value.IsScalar() ? i.value.Scalar() : "";
        if (v == "normal") net.input_init = InitKind::Normal;
        else if (v == "uniform") net.input_init = InitKind::Uniform;
        else fail(mark_of(i), "field 'input.init'", "expected normal or uniform; got " + describe(i.value));
      }
      if (in.count("file")) {
        const Entry& fe = in.at("file");
        if (!is_plain_string(fe.value) || fe.value.Scalar().empty())
          fail(mark_of(fe), "field 'input.file'", "expected the path of a .npy file; got " + describe(fe.value));
        input_file = resolve(fe.value.Scalar());
        input_file_where = loc(mark_of(fe)) + ": field 'input.file'";
        if (in.count("init"))
          fail(mark_of(in.at("init")), "field 'input.init'", "not allowed together with input.file");
      }
    }
    const Entry& le = top.at("layers");
    if (!le.value.IsSequence() || le.value.size() == 0)
      fail(mark_of(le), "field 'layers'", "expected a non-empty sequence of layers; got " + describe(le.value));

    // First pass: type and name of every layer (references may only point backwards, but messages about a
    // bad reference are better when every name is known).
    std::vector<YAML::Node> nodes(le.value.begin(), le.value.end());
    std::set<std::string> names;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const YAML::Node& n = nodes[i];
      const std::string ctx = "layer #" + std::to_string(i + 1);
      if (!n.IsMap()) fail(n.Mark(), ctx, "expected a mapping with at least 'type'; got " + describe(n));
      Layer l;
      l.index = int(i);
      l.where = loc(n.Mark());
      YAML::Node type_key, type_value, name_value_node, name_key;
      bool has_type = false, has_name = false;  // (a default-constructed YAML::Node is a defined null)
      for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string k = it->first.IsScalar() ? it->first.Scalar() : "";
        if (k == "type" && !has_type) type_key = it->first, type_value = it->second, has_type = true;
        if (k == "name" && !has_name) name_key = it->first, name_value_node = it->second, has_name = true;
      }
      if (!has_type) fail(n.Mark(), ctx, "missing field 'type' (one of " + type_list() + ")");
      const std::string t = type_value.IsScalar() ? type_value.Scalar() : "";
      bool known = false;
      for (LayerType lt : kTypes)
        if (t == type_name(lt)) l.type = lt, known = true;
      const YAML::Mark tm = type_value.Mark().is_null() ? type_key.Mark() : type_value.Mark();
      if (!known) fail(tm, ctx + ": field 'type'", "expected one of " + type_list() + "; got " + describe(type_value));
      if (has_name) {
        l.name = name_value(Entry{name_key, name_value_node}, ctx + ": field 'name'");
        if (l.name == "input")
          fail(mark_of({name_key, name_value_node}), ctx + ": field 'name'",
               "'input' is reserved for the network input");
      } else {
        l.name = std::string(type_name(l.type)) + "_" + std::to_string(i + 1);
      }
      if (!names.insert(l.name).second)
        fail(has_name ? mark_of({name_key, name_value_node}) : n.Mark(), ctx + ": field 'name'",
             "duplicate layer name '" + l.name + "'");
      net.layers.push_back(l);
    }

    // Second pass: fields.
    for (size_t i = 0; i < nodes.size(); ++i) parse_layer(net, net.layers[i], nodes[i]);
    infer_shapes(net);
    if (!input_file.empty()) load_input(net, input_file, input_file_where);
    for (Layer& l : net.layers) {
      if (!l.weights_path.empty()) load_weights(net, l);
      if (l.bias_kind == Layer::Bias::File) load_bias(net, l);
    }
    if (top.count("expected_output")) {
      const Entry& e = top.at("expected_output");
      if (!is_plain_string(e.value) || e.value.Scalar().empty())
        fail(mark_of(e), "field 'expected_output'", "expected the path of a .npy file; got " + describe(e.value));
      load_expected(net, resolve(e.value.Scalar()), loc(mark_of(e)) + ": field 'expected_output'");
    }
    return net;
  }

 private:
  struct Entry {
    YAML::Node key;
    YAML::Node value;
  };
  std::string origin_;
  std::string input_file, input_file_where;

  // A path in the network file: relative to the file's directory.
  std::string resolve(const std::string& p) const {
    const std::filesystem::path fp(p);
    if (fp.is_absolute()) return p;
    return (std::filesystem::path(origin_).parent_path() / fp).lexically_normal().string();
  }

  std::string loc(const YAML::Mark& m) const {
    const int line = m.is_null() ? 1 : m.line + 1;
    const int col = m.is_null() ? 1 : m.column + 1;
    return origin_ + ":" + std::to_string(line) + ":" + std::to_string(col);
  }
  static YAML::Mark mark_of(const Entry& e) {
    if (e.value.IsNull() || e.value.Mark().is_null()) return e.key.Mark();
    return e.value.Mark();
  }
  [[noreturn]] void fail(const YAML::Mark& m, const std::string& ctx, const std::string& msg) const {
    throw NetError(loc(m) + ": " + ctx + ": " + msg);
  }

  // Every key and value at most kMaxScalarChars long; the first longer one fails naming its key. An explicit
  // stack, not recursion: the depth is the file's nesting.
  void check_scalar_lengths(const YAML::Node& root) const {
    std::vector<std::pair<YAML::Node, std::string>> todo = {{root, ""}};
    while (!todo.empty()) {
      const YAML::Node n = todo.back().first;
      const std::string key = todo.back().second;
      todo.pop_back();
      if (n.IsScalar() && n.Scalar().size() > kMaxScalarChars)
        fail(n.Mark(), key.empty() ? "a value" : "field '" + key + "'",
             "the " + std::string(key.empty() ? "value" : "value or key") + " is " + std::to_string(n.Scalar().size()) +
                 " characters long, more than " + std::to_string(kMaxScalarChars) + ": '" + printable(n.Scalar(), 40) +
                 "'");
      if (n.IsSequence())
        for (const auto& x : n) todo.emplace_back(x, key);
      if (n.IsMap())
        for (auto it = n.begin(); it != n.end(); ++it) {
          const std::string k = it->first.IsScalar() ? printable(it->first.Scalar(), 40) : key;
          todo.emplace_back(it->first, k);
          todo.emplace_back(it->second, k);
        }
    }
  }

  // The entries of a mapping by key; unknown and duplicate keys fail, as do missing required ones.
  std::map<std::string, Entry> entries(const YAML::Node& map, const std::vector<std::string>& allowed,
                                       const std::string& prefix, const std::vector<std::string>& required,
                                       const std::string& ctx = "") {
    std::map<std::string, Entry> out;
    auto where = [&](const std::string& k) { return (ctx.empty() ? "" : ctx + ": ") + "field '" + prefix + k + "'"; };
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!is_plain_string(it->first))
        fail(it->first.Mark(), where("?"), "keys must be plain names; got " + describe(it->first));
      const std::string k = it->first.Scalar();
      bool ok = false;
      for (const auto& a : allowed) ok = ok || a == k;
      if (!ok)
        fail(it->first.Mark(), where(printable(k)), "unknown field (allowed: " + join(allowed) + ")");
      if (out.count(k))
        fail(it->first.Mark(), where(k),
             "duplicate field (first given at line " + std::to_string(out.at(k).key.Mark().line + 1) + ")");
      out[k] = Entry{it->first, it->second};
    }
    for (const auto& r : required)
      if (!out.count(r)) fail(map.Mark(), where(r), "missing (required)");
    return out;
  }

  // [A-Za-z_][A-Za-z0-9_.-]* (a loop, not std::regex: see config/text_check.h)
  static bool is_name(const std::string& s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    for (char c : s)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
    return true;
  }

  // [+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?
  static bool is_number(const std::string& s) {
    size_t i = 0;
    const auto digits = [&] {
      const size_t from = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      return i - from;
    };
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t mantissa = digits();
    if (i < s.size() && s[i] == '.') {
      ++i;
      mantissa += digits();
    }
    if (mantissa == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      if (digits() == 0) return false;
    }
    return i == s.size();
  }

  std::string name_value(const Entry& e, const std::string& ctx) const {
    if (!is_plain_string(e.value) || !is_name(e.value.Scalar()))
      fail(mark_of(e), ctx, "expected a name of letters, digits, '_', '.' and '-' starting with a letter or '_'; got " +
                                describe(e.value));
    return e.value.Scalar();
  }

  long long int_value(const YAML::Node& n, const YAML::Mark& m, const std::string& ctx, long long lo,
                      long long hi) const {
    if (!n.IsScalar() || n.Tag() != "?" || !is_decimal(n.Scalar(), /*allow_sign=*/true))
      fail(m, ctx, "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + "; got " + describe(n));
    errno = 0;
    const long long v = std::strtoll(n.Scalar().c_str(), nullptr, 10);
    if (errno == ERANGE || v < lo || v > hi)
      fail(m, ctx, "must be in " + std::to_string(lo) + ".." + std::to_string(hi) + "; got " + printable(n.Scalar()));
    return v;
  }

  uint64_t u64_value(const Entry& e, const std::string& ctx) const {
    if (!e.value.IsScalar() || e.value.Tag() != "?" || !is_decimal(e.value.Scalar(), /*allow_sign=*/false))
      fail(mark_of(e), ctx, "expected an unsigned integer; got " + describe(e.value));
    errno = 0;
    const unsigned long long v = std::strtoull(e.value.Scalar().c_str(), nullptr, 10);
    if (errno == ERANGE) fail(mark_of(e), ctx, "does not fit 64 bits: " + printable(e.value.Scalar()));
    return v;
  }

  // A finite number (an integer or a decimal/exponent float, not quoted).
  double float_value(const Entry& e, const std::string& ctx) const {
    if (!e.value.IsScalar() || e.value.Tag() != "?" || !is_number(e.value.Scalar()))
      fail(mark_of(e), ctx, "expected a number; got " + describe(e.value));
    const double v = std::strtod(e.value.Scalar().c_str(), nullptr);
    if (!std::isfinite(v) || std::fabs(v) > double(std::numeric_limits<float>::max()))
      fail(mark_of(e), ctx, "must be a finite FP32 number; got " + printable(e.value.Scalar()));
    return v;
  }

  bool bool_value(const Entry& e, const std::string& ctx) const {
    if (e.value.IsScalar() && e.value.Tag() == "?") {
      if (e.value.Scalar() == "true") return true;
      if (e.value.Scalar() == "false") return false;
    }
    fail(mark_of(e), ctx, "expected true or false; got " + describe(e.value));
  }

  // An integer or a [vertical, horizontal] pair.
  std::pair<int, int> pair_value(const Entry& e, const std::string& ctx, int lo, int hi) const {
    if (e.value.IsSequence()) {
      if (e.value.size() != 2)
        fail(mark_of(e), ctx, "expected an integer or a pair [vertical, horizontal]; got a sequence of " +
                                  std::to_string(e.value.size()));
      return {int(int_value(e.value[0], e.value[0].Mark(), ctx, lo, hi)),
              int(int_value(e.value[1], e.value[1].Mark(), ctx, lo, hi))};
    }
    const int v = int(int_value(e.value, mark_of(e), ctx, lo, hi));
    return {v, v};
  }

  int reference(const Network& net, const Layer& l, const YAML::Node& n, const YAML::Mark& m,
                const std::string& ctx) const {
    if (!is_plain_string(n)) fail(m, ctx, "expected the name of an earlier layer or 'input'; got " + describe(n));
    const std::string r = n.Scalar();
    if (r == "input") return -1;
    for (const Layer& o : net.layers) {
      if (o.name != r) continue;
      if (o.index >= l.index)
        fail(m, ctx, "'" + printable(r) + "' is " + (o.index == l.index ? "this layer" : "a later layer (#" + std::to_string(o.index + 1) + ")") +
                         "; a layer can only use the network input and earlier layers");
      return o.index;
    }
    fail(m, ctx, "no layer called '" + printable(r) + "' (use 'input' for the network input)");
  }

  void parse_layer(Network& net, Layer& l, const YAML::Node& node) {
    const std::string lctx = layer_context(l);
    std::vector<std::string> allowed = {"name", "type"};
    for (const auto& k : layer_keys().at(l.type)) allowed.push_back(k);
    std::vector<std::string> required;
    switch (l.type) {
      case LayerType::Fc: required = {"units"}; break;
      case LayerType::Conv2d: required = {"filters", "kernel"}; break;
      case LayerType::Add:
      case LayerType::Concat: required = {"inputs"}; break;
      default: break;
    }
    auto f = entries(node, allowed, "", required, lctx);
    for (const auto& [k, e] : f) l.field_where[k] = loc(mark_of(e));
    auto ctx = [&](const std::string& k) { return lctx + ": field '" + k + "'"; };

    if (f.count("input")) {
      const Entry& e = f.at("input");
      l.inputs = {reference(net, l, e.value, mark_of(e), ctx("input"))};
    } else if (l.type != LayerType::Add && l.type != LayerType::Concat) {
      l.inputs = {l.index - 1};  // the previous layer (or the network input for the first layer)
    }
    if (f.count("inputs")) {
      const Entry& e = f.at("inputs");
      const size_t want_min = 2, want_max = l.type == LayerType::Add ? 2 : 64;
      if (!e.value.IsSequence() || e.value.size() < want_min || e.value.size() > want_max)
        fail(mark_of(e), ctx("inputs"),
             l.type == LayerType::Add ? "expected a sequence of exactly two layer names; got " + describe(e.value)
                                      : "expected a sequence of 2..64 layer names; got " + describe(e.value));
      for (const auto& x : e.value) l.inputs.push_back(reference(net, l, x, x.Mark(), ctx("inputs")));
    }
    if (f.count("units")) l.units = int(int_value(f.at("units").value, mark_of(f.at("units")), ctx("units"), 1, kMaxDim));
    if (f.count("filters"))
      l.filters = int(int_value(f.at("filters").value, mark_of(f.at("filters")), ctx("filters"), 1, kMaxDim));
    if (f.count("relu")) l.relu = bool_value(f.at("relu"), ctx("relu"));
    if (f.count("prune")) l.prune = int(int_value(f.at("prune").value, mark_of(f.at("prune")), ctx("prune"), 0, 127));
    if (f.count("groups")) l.groups = int(int_value(f.at("groups").value, mark_of(f.at("groups")), ctx("groups"), 1, kMaxDim));
    if (f.count("dilation")) std::tie(l.dh, l.dw) = pair_value(f.at("dilation"), ctx("dilation"), 1, kMaxKernel);
    if (f.count("bias")) {
      const Entry& e = f.at("bias");
      if (!is_plain_string(e.value) || e.value.Scalar().empty())
        fail(mark_of(e), ctx("bias"), "expected 'random' or the path of a .npy file; got " + describe(e.value));
      if (e.value.Scalar() == "random" && e.value.Tag() == "?") {
        l.bias_kind = Layer::Bias::Random;
      } else {
        l.bias_kind = Layer::Bias::File;
        l.bias_path = resolve(e.value.Scalar());
      }
    }
    if (f.count("count_include_pad")) l.count_include_pad = bool_value(f.at("count_include_pad"), ctx("count_include_pad"));
    if (l.type == LayerType::Clip) {
      if (!f.count("min") && !f.count("max"))
        fail(node.Mark(), ctx("min"), "a clip layer needs min, max or both");
      if (f.count("min")) l.has_min = true, l.clip_min = float_value(f.at("min"), ctx("min"));
      if (f.count("max")) l.has_max = true, l.clip_max = float_value(f.at("max"), ctx("max"));
      if (l.has_min && l.has_max && l.clip_min > l.clip_max)
        fail(mark_of(f.at("max")), ctx("max"), "max (" + f.at("max").value.Scalar() + ") is below min (" +
                                                   f.at("min").value.Scalar() + ")");
    }
    if (f.count("weights")) {
      const Entry& e = f.at("weights");
      if (!is_plain_string(e.value) || e.value.Scalar().empty())
        fail(mark_of(e), ctx("weights"), "expected the path of a .npy file; got " + describe(e.value));
      l.weights_path = resolve(e.value.Scalar());
    }
    if (f.count("global")) l.global = bool_value(f.at("global"), ctx("global"));
    const bool pool = l.type == LayerType::MaxPool || l.type == LayerType::AvgPool;
    if (pool && l.global) {
      for (const char* k : {"kernel", "stride", "padding"})
        if (f.count(k)) fail(mark_of(f.at(k)), ctx(k), "not allowed with global: true (the window is the whole input)");
    } else if (pool && !f.count("kernel")) {
      fail(node.Mark(), ctx("kernel"), "missing (required unless global: true)");
    }
    if (f.count("kernel")) std::tie(l.kh, l.kw) = pair_value(f.at("kernel"), ctx("kernel"), 1, kMaxKernel);
    if (f.count("stride"))
      std::tie(l.sh, l.sw) = pair_value(f.at("stride"), ctx("stride"), 1, kMaxKernel);
    else if (pool)
      l.sh = l.kh, l.sw = l.kw;  // pools default to non-overlapping windows
    if (f.count("padding")) {
      const Entry& e = f.at("padding");
      if (e.value.IsScalar() && e.value.Scalar() == "same") {
        if (l.eff_kh() % 2 == 0 || l.eff_kw() % 2 == 0)
          fail(mark_of(e), ctx("padding"),
               "'same' needs an odd kernel (with dilation: an odd (k - 1) * d + 1); give the padding as numbers");
        l.ph = (l.eff_kh() - 1) / 2;
        l.pw = (l.eff_kw() - 1) / 2;
      } else if (e.value.IsSequence() && e.value.size() == 4) {
        int p[4];
        for (size_t i = 0; i < 4; ++i) p[i] = int(int_value(e.value[i], e.value[i].Mark(), ctx("padding"), 0, kMaxKernel));
        l.ph = p[0], l.pw = p[1];
        if (p[2] != p[0]) l.pb = p[2];  // -1 (symmetric) otherwise
        if (p[3] != p[1]) l.pr = p[3];
      } else {
        if (e.value.IsSequence() && e.value.size() != 2)
          fail(mark_of(e), ctx("padding"),
               "expected an integer, [vertical, horizontal], [top, left, bottom, right] or same; got a sequence of " +
                   std::to_string(e.value.size()));
        std::tie(l.ph, l.pw) = pair_value(e, ctx("padding"), 0, kMaxKernel);
      }
    }
  }
};

}  // namespace

[[noreturn]] void layer_fail(const Network& net, const Layer& l, const std::string& field, const std::string& msg) {
  std::string at;
  if (auto it = l.field_where.find(field); it != l.field_where.end()) at = it->second;
  if (at.empty()) at = l.where;
  if (at.empty()) at = net.source_path.empty() ? "network '" + net.name + "'" : net.source_path;
  throw NetError(at + ": " + layer_context(l) + ": field '" + field + "': " + msg);
}

namespace {

// "layer 'x' (12x12x6)" / "the network input (28x28x1)".
std::string producer(const Network& net, int i) {
  return (i < 0 ? std::string("the network input") : "layer '" + net.layers[size_t(i)].name + "'") + " (" +
         net.shape_of(i).str() + ")";
}

int out_dim(int in, int k, int s, int p0, int p1) { return (in + p0 + p1 - k) / s + 1; }

std::string pads_text(const Layer& l) {
  if (l.pad_b() == l.ph && l.pad_r() == l.pw) return "[" + std::to_string(l.ph) + ", " + std::to_string(l.pw) + "]";
  return "[" + std::to_string(l.ph) + ", " + std::to_string(l.pw) + ", " + std::to_string(l.pad_b()) + ", " +
         std::to_string(l.pad_r()) + "]";
}

}  // namespace

void infer_shapes(Network& net) {
  const Shape& s0 = net.input;
  if (s0.h < 1 || s0.w < 1 || s0.c < 1 || s0.h > kMaxDim || s0.w > kMaxDim || s0.c > kMaxDim || s0.n < 1 ||
      s0.n > kMaxBatch || s0.elements() > kMaxElements)
    throw NetError((net.input_where.empty() ? "network '" + net.name + "'" : net.input_where) +
                   ": field 'input.shape': dimensions must be in 1.." + std::to_string(kMaxDim) + ", the batch in 1.." +
                   std::to_string(kMaxBatch) + " and the input at most " + std::to_string(kMaxElements) +
                   " elements (batch included); got " + std::to_string(s0.n) + " x " + s0.str());
  if (s0.flat && (s0.h != 1 || s0.w != 1))
    throw NetError("network '" + net.name + "': a vector input must be 1 x 1 x F");
  for (size_t i = 0; i < net.layers.size(); ++i) {
    Layer& l = net.layers[i];
    l.index = int(i);
    const bool multi = l.type == LayerType::Add || l.type == LayerType::Concat;
    const std::string in_field = multi ? "inputs" : "input";
    if (l.inputs.empty() || (!multi && l.inputs.size() != 1))
      layer_fail(net, l, in_field, multi ? "needs at least two inputs" : "needs exactly one input");
    for (int p : l.inputs)
      if (p < -1 || p >= int(i)) layer_fail(net, l, in_field, "can only use the network input and earlier layers");
    l.in = net.shape_of(l.inputs[0]);
    const Shape& in = l.in;
    const bool pool = l.type == LayerType::MaxPool || l.type == LayerType::AvgPool;
    if ((l.type == LayerType::Conv2d || pool) && in.flat)
      layer_fail(net, l, "input",
                 std::string(type_name(l.type)) + " needs an H x W x C input; " + producer(net, l.inputs[0]) +
                     " is a vector");
    Shape out;
    switch (l.type) {
      case LayerType::Fc:
        if (l.units < 1) layer_fail(net, l, "units", "must be >= 1");
        out = Shape{in.h, in.w, l.units, in.flat, in.n};
        break;
      case LayerType::Conv2d:
      case LayerType::MaxPool:
      case LayerType::AvgPool: {
        if (l.type == LayerType::Conv2d) {
          if (l.filters < 1) layer_fail(net, l, "filters", "must be >= 1");
          if (l.groups < 1) layer_fail(net, l, "groups", "must be >= 1");
          if (in.c % l.groups != 0)
            layer_fail(net, l, "groups",
                       "the " + std::to_string(in.c) + " input channels of " + producer(net, l.inputs[0]) +
                           " are not divisible by " + std::to_string(l.groups) + " groups");
          if (l.filters % l.groups != 0)
            layer_fail(net, l, "filters",
                       std::to_string(l.filters) + " filters are not divisible by " + std::to_string(l.groups) +
                           " groups");
        } else {
          l.groups = 1;
          l.dh = l.dw = 1;
          if (l.global) l.kh = in.h, l.kw = in.w, l.sh = 1, l.sw = 1, l.ph = 0, l.pw = 0, l.pb = l.pr = -1;
        }
        if (l.kh < 1 || l.kw < 1) layer_fail(net, l, "kernel", "must be >= 1");
        if (l.sh < 1 || l.sw < 1) layer_fail(net, l, "stride", "must be >= 1");
        if (l.dh < 1 || l.dw < 1) layer_fail(net, l, "dilation", "must be >= 1");
        if (l.ph < 0 || l.pw < 0 || l.pad_b() < 0 || l.pad_r() < 0) layer_fail(net, l, "padding", "must be >= 0");
        const int ekh = l.eff_kh(), ekw = l.eff_kw();
        // A window must always contain an input element: padding on each side below the (dilated) kernel size
        // (pools: at most half of it, as in PyTorch).
        const int pmax_v = std::max(l.ph, l.pad_b()), pmax_h = std::max(l.pw, l.pad_r());
        const bool pad_bad = pool ? (2 * pmax_v > l.kh || 2 * pmax_h > l.kw) : (pmax_v >= ekh || pmax_h >= ekw);
        const std::string kernel_text = "[" + std::to_string(l.kh) + ", " + std::to_string(l.kw) + "]" +
                                        (l.dh > 1 || l.dw > 1 ? " (dilated: [" + std::to_string(ekh) + ", " +
                                                                    std::to_string(ekw) + "])"
                                                              : "");
        if (pad_bad)
          layer_fail(net, l, "padding",
                     "padding " + pads_text(l) + " is too large for kernel " + kernel_text + " (" +
                         (pool ? "at most half the kernel on each side" : "must be smaller than the kernel on each side") +
                         ")");
        const int hp = in.h + l.ph + l.pad_b(), wp = in.w + l.pw + l.pad_r();
        if (hp < ekh || wp < ekw)
          layer_fail(net, l, "kernel",
                     "kernel " + kernel_text + " is larger than the padded input " + std::to_string(hp) + "x" +
                         std::to_string(wp) + " (" + producer(net, l.inputs[0]) + ", padding " + pads_text(l) + ")");
        out = Shape{out_dim(in.h, ekh, l.sh, l.ph, l.pad_b()), out_dim(in.w, ekw, l.sw, l.pw, l.pad_r()),
                    l.type == LayerType::Conv2d ? l.filters : in.c, false, in.n};
        if (l.type == LayerType::Conv2d) {
          const int64_t a_elems = int64_t(out.rows()) * l.kh * l.kw * (in.c / l.groups);
          if (a_elems > kMaxGemmElements)
            layer_fail(net, l, "kernel",
                       "the im2col operand of each group is " + std::to_string(out.rows()) + " x " +
                           std::to_string(int64_t(l.kh) * l.kw * (in.c / l.groups)) + " = " + std::to_string(a_elems) +
                           " elements (batch " + std::to_string(in.n) + " included), more than " +
                           std::to_string(kMaxGemmElements) + " (2^28)");
        }
        break;
      }
      case LayerType::Clip:
      case LayerType::Softmax:
        out = in;
        break;
      case LayerType::Add: {
        if (l.inputs.size() != 2) layer_fail(net, l, "inputs", "add takes exactly two inputs");
        const Shape& b = net.shape_of(l.inputs[1]);
        if (!in.same_dims(b))
          layer_fail(net, l, "inputs",
                     "shapes differ: " + producer(net, l.inputs[0]) + " and " + producer(net, l.inputs[1]));
        out = in;
        break;
      }
      case LayerType::Concat: {
        out = in;
        out.c = 0;
        for (int p : l.inputs) {
          const Shape& s = net.shape_of(p);
          if (s.h != in.h || s.w != in.w)
            layer_fail(net, l, "inputs",
                       "spatial sizes differ: " + producer(net, l.inputs[0]) + " and " + producer(net, p) +
                           " (concatenation is along channels)");
          out.c += s.c;
          out.flat = out.flat && s.flat;
        }
        if (out.c > kMaxDim) layer_fail(net, l, "inputs", "more than " + std::to_string(kMaxDim) + " channels");
        break;
      }
      case LayerType::Flatten:
        if (in.image_elements() > kMaxDim)
          layer_fail(net, l, "input",
                     "flattening " + producer(net, l.inputs[0]) + " gives " + std::to_string(in.image_elements()) +
                         " features, more than " + std::to_string(kMaxDim));
        out = Shape{1, 1, int(in.image_elements()), true, in.n};  // one row per image
        break;
    }
    if (out.elements() > kMaxElements)
      layer_fail(net, l, "type",
                 "the output " + out.str() + (out.n > 1 ? " x batch " + std::to_string(out.n) : "") + " has " +
                     std::to_string(out.elements()) + " elements, more than " + std::to_string(kMaxElements) +
                     " (2^26, the limit per tensor, batch included)");
    l.out = out;
  }
}

Network parse_network(const std::string& text, const std::string& origin) {
  if (text.size() > kMaxNetworkFileBytes)
    throw NetError(origin + ": the network description is " + std::to_string(text.size()) +
                   " bytes, more than the limit of " + std::to_string(kMaxNetworkFileBytes) +
                   " (weights belong in .npy files, docs/networks.md)");
  return Parser(origin).parse(text);
}

Network load_network(const std::string& path) {
  std::string text;
  bool opened = false;
  const std::string err = read_file_bounded(path, kMaxNetworkFileBytes, text, &opened);
  if (!err.empty()) throw NetError(path + (opened ? ": cannot read network file: " : ": cannot open network file: ") + err);
  return parse_network(text, path);
}

}  // namespace bfp::mapper
