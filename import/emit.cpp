// SPDX-License-Identifier: Apache-2.0
// Writing an imported network: YAML text, .npy files, the atomic folder swap and the summary.
#include "import/emit.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "golden/npy.h"

namespace bfp::onnx_import {

namespace fs = std::filesystem;

namespace {

std::string pair_text(int a, int b) {
  return a == b ? std::to_string(a) : "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
}

std::string padding_text(const OutLayer& l) {
  if (l.pad_t == l.pad_b && l.pad_l == l.pad_r) return pair_text(l.pad_t, l.pad_l);
  return "[" + std::to_string(l.pad_t) + ", " + std::to_string(l.pad_l) + ", " + std::to_string(l.pad_b) + ", " +
         std::to_string(l.pad_r) + "]";
}

std::string num(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.9g", v);
  std::string s = b;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // a float in YAML, not an int
  return s;
}

std::string weights_dir(const Imported& n) { return n.name + ".weights"; }
std::string weight_file(const Imported& n, const OutLayer& l) { return weights_dir(n) + "/" + l.name + ".weight.npy"; }
std::string bias_file(const Imported& n, const OutLayer& l) { return weights_dir(n) + "/" + l.name + ".bias.npy"; }

std::string shape_text(const std::vector<size_t>& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

// A float32/float64 .npy in the ONNX layout, reordered into the IR's: [N, C, H, W] -> [N, H, W, C]; a vector
// [N, F] keeps its shape, with its features permuted (c, h, w) -> (h, w, c) when it is a flattened C x H x W.
std::vector<float> to_ir_layout(const std::string& path, const char* what, int batch, const OnnxShape& s,
                                std::vector<size_t>& out_shape) {
  npy::Array a;
  try {
    a = npy::read(path);
  } catch (const std::exception& e) {
    throw ImportError(std::string(what) + ": " + e.what());
  }
  std::vector<float> v;
  if (a.dtype == npy::DType::F32) {
    v = a.values<float>();
  } else if (a.dtype == npy::DType::F64) {
    for (double d : a.values<double>()) v.push_back(float(d));
  } else {
    throw ImportError(std::string(what) + ": " + path + " holds " + npy::descr(a.dtype) + "; expected float32 or float64");
  }
  const std::vector<size_t> want = s.flat ? std::vector<size_t>{size_t(batch), size_t(s.c)}
                                          : std::vector<size_t>{size_t(batch), size_t(s.c), size_t(s.h), size_t(s.w)};
  std::vector<size_t> got = a.shape;
  if (batch == 1 && got.size() + 1 == want.size()) got.insert(got.begin(), 1);  // without the batch
  if (got != want)
    throw ImportError(std::string(what) + ": " + path + " has shape " + shape_text(a.shape) + ", the model's is " +
                      shape_text(want) + (s.flat ? " (N, F)" : " (N, C, H, W, the ONNX layout)"));
  std::vector<float> r(v.size());
  if (s.flat && !s.permuted()) {
    r = v;
  } else {
    const int C = s.flat ? s.fc : s.c, H = s.flat ? s.fh : s.h, W = s.flat ? s.fw : s.w;
    for (int n = 0; n < batch; ++n)
      for (int ch = 0; ch < C; ++ch)
        for (int y = 0; y < H; ++y)
          for (int x = 0; x < W; ++x)
            r[((size_t(n) * H + y) * W + x) * C + ch] = v[((size_t(n) * C + ch) * H + y) * W + x];
  }
  out_shape = s.flat ? want : std::vector<size_t>{size_t(batch), size_t(s.h), size_t(s.w), size_t(s.c)};
  return r;
}

// A fresh folder next to `out`, removed unless released.
class Staging {
 public:
  explicit Staging(const fs::path& out) {
    fs::path parent = out.parent_path();
    if (parent.empty()) parent = ".";
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) throw ImportError(out.string() + ": cannot create the parent folder: " + ec.message());
    std::string tmpl = (parent / ("." + out.filename().string() + ".import.XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw ImportError(out.string() + ": cannot create a temporary folder next to it");
    path_ = tmpl;
    // mkdtemp makes it 0700; the renamed folder should look like any other (0777 less the umask)
    const mode_t mask = ::umask(0);
    ::umask(mask);
    fs::permissions(path_, static_cast<fs::perms>(0777 & ~mask), ec);
  }
  ~Staging() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  fs::path path_;
};

}  // namespace

std::string name_from_path(const std::string& path) {
  std::string n = fs::path(path).stem().string();
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-') ch = '_';
  if (n.empty() || (!std::isalpha(static_cast<unsigned char>(n[0])) && n[0] != '_')) n = "_" + n;
  return n;
}

std::string network_yaml(const Imported& net, bool has_input, bool has_expected) {
  std::ostringstream y;
  y << "# Imported from an ONNX model by `bfpgen import` (docs/import.md); re-import instead of editing.\n";
  y << "# source:  " << fs::path(net.source).filename().string() << "\n";
  y << "# sha256:  " << net.sha256 << "\n";
  y << "# opset:   " << net.opset << (net.producer.empty() ? "" : ", producer: " + net.producer) << "\n";
  y << "# nodes:   " << net.nodes << " ONNX nodes -> " << net.layers.size() << " layers, " << net.macs << " MACs\n";
  for (const auto& f : net.foldings) y << "# folded:  " << f << "\n";
  for (const auto& f : net.fused) y << "# fused:   " << f << "\n";
  for (const auto& f : net.dropped) y << "# dropped: " << f << "\n";
  y << "name: " << net.name << "\n";
  const OnnxShape& in = net.input;
  y << "input: {shape: "
    << (in.flat ? "[" + std::to_string(in.c) + "]"
                : "[" + std::to_string(in.h) + ", " + std::to_string(in.w) + ", " + std::to_string(in.c) + "]");
  if (net.batch != 1) y << ", batch: " << net.batch;
  if (has_input) y << ", file: " << net.name << ".input.npy";
  y << "}\n";
  if (has_expected) y << "expected_output: " << net.name << ".expected.npy\n";
  y << "layers:\n";
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const OutLayer& l = net.layers[i];
    y << "  # ";
    for (size_t k = 0; k < l.nodes.size(); ++k) y << (k ? ", " : "") << l.nodes[k];
    y << "\n  - {name: " << l.name << ", type: " << l.type;
    if (l.type == "add" || l.type == "concat") {
      y << ", inputs: [";
      for (size_t k = 0; k < l.inputs.size(); ++k) y << (k ? ", " : "") << l.inputs[k];
      y << "]";
    } else {
      const std::string prev = i == 0 ? "input" : net.layers[i - 1].name;
      if (l.inputs.at(0) != prev) y << ", input: " << l.inputs[0];
    }
    if (l.type == "fc") y << ", units: " << l.units;
    if (l.type == "conv2d") {
      y << ", filters: " << l.filters << ", kernel: " << pair_text(l.kh, l.kw);
      if (l.sh != 1 || l.sw != 1) y << ", stride: " << pair_text(l.sh, l.sw);
    }
    if (l.type == "maxpool" || l.type == "avgpool") {
      if (l.global)
        y << ", global: true";
      else
        y << ", kernel: " << pair_text(l.kh, l.kw) << ", stride: " << pair_text(l.sh, l.sw);
    }
    if (l.pad_t || l.pad_l || l.pad_b || l.pad_r) y << ", padding: " << padding_text(l);
    if (l.dh != 1 || l.dw != 1) y << ", dilation: " << pair_text(l.dh, l.dw);
    if (l.groups != 1) y << ", groups: " << l.groups;
    // without padding the divisor is kh * kw either way: only a padded window needs the key
    const bool padded = l.pad_t || l.pad_l || l.pad_b || l.pad_r;
    if (l.type == "avgpool" && padded && !l.count_include_pad) y << ", count_include_pad: false";
    if (l.has_min) y << ", min: " << num(l.min);
    if (l.has_max) y << ", max: " << num(l.max);
    if (l.relu) y << ", relu: true";
    if (!l.weights.empty()) y << ", weights: " << weight_file(net, l);
    if (!l.bias.empty()) y << ", bias: " << bias_file(net, l);
    y << "}\n";
  }
  return y.str();
}

ImportResult import_onnx(const ImportOptions& opt) {
  if (opt.out_dir.empty()) throw ImportError("no output folder given (-o DIR)");
  const fs::path out(opt.out_dir);
  std::error_code ec;
  if (fs::exists(out, ec)) {
    if (!fs::is_directory(out, ec)) throw ImportError(opt.out_dir + ": exists and is not a folder");
    if (!fs::is_empty(out, ec) && !opt.force)
      throw ImportError(opt.out_dir + ": the folder exists and is not empty (--force replaces it)");
  }
  const std::string name = opt.name.empty() ? name_from_path(opt.model) : opt.name;
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw ImportError("--name '" + name + "' is not a valid network name");
  for (char ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-')
      throw ImportError("--name '" + name + "': use letters, digits, '_', '.' and '-'");

  ImportResult r;
  r.net = convert(read_model(opt.model), name);
  const Imported& net = r.net;
  // Everything that can fail on the inputs happens before the first file is created.
  std::vector<size_t> in_shape, exp_shape;
  std::vector<float> in_values, exp_values;
  if (!opt.input_npy.empty()) in_values = to_ir_layout(opt.input_npy, "--input", net.batch, net.input, in_shape);
  if (!opt.expected_npy.empty())
    exp_values = to_ir_layout(opt.expected_npy, "--expected", net.batch, net.output, exp_shape);
  const std::string yaml = network_yaml(net, !in_values.empty() || !opt.input_npy.empty(), !opt.expected_npy.empty());

  Staging st(out);
  auto write = [&](const std::string& rel, const std::vector<size_t>& shape, const std::vector<float>& v) {
    try {
      npy::write(st.path() / rel, shape, v);
    } catch (const std::exception& e) {
      throw ImportError(std::string("cannot write ") + rel + ": " + e.what());
    }
    r.files.push_back(rel);
  };
  fs::create_directories(st.path() / weights_dir(net), ec);
  if (ec) throw ImportError(opt.out_dir + ": cannot create " + weights_dir(net) + ": " + ec.message());
  for (const OutLayer& l : net.layers) {
    if (!l.weights.empty()) write(weight_file(net, l), l.weight_shape, l.weights);
    if (!l.bias.empty()) write(bias_file(net, l), {l.bias.size()}, l.bias);
  }
  if (!opt.input_npy.empty()) write(net.name + ".input.npy", in_shape, in_values);
  if (!opt.expected_npy.empty()) write(net.name + ".expected.npy", exp_shape, exp_values);
  {
    std::ofstream f(st.path() / (net.name + ".yaml"), std::ios::binary);
    f << yaml;
    if (!f) throw ImportError(opt.out_dir + ": cannot write " + net.name + ".yaml");
    r.files.push_back(net.name + ".yaml");
  }
  if (fs::exists(out, ec)) {
    fs::remove_all(out, ec);
    if (ec) throw ImportError(opt.out_dir + ": cannot replace the folder: " + ec.message());
  }
  fs::rename(st.path(), out, ec);
  if (ec) throw ImportError(opt.out_dir + ": cannot move the imported files into place: " + ec.message());
  st.release();
  std::sort(r.files.begin(), r.files.end());
  r.yaml_path = (out / (net.name + ".yaml")).string();
  return r;
}

std::string import_summary(const ImportResult& r) {
  const Imported& n = r.net;
  std::ostringstream s;
  s << "imported " << n.source << " (opset " << n.opset << (n.producer.empty() ? "" : ", " + n.producer)
    << ") -> " << r.yaml_path << "\n";
  std::map<std::string, int> types;
  for (const auto& l : n.layers) ++types[l.type];
  s << "  " << n.nodes << " nodes -> " << n.layers.size() << " layers (";
  bool first = true;
  for (const auto& [t, k] : types) s << (first ? "" : ", ") << k << " " << t, first = false;
  s << "), input [" << n.batch << ", " << n.input.str().substr(1) << ", " << n.macs << " MACs\n";
  for (const auto& f : n.foldings) s << "  folded  " << f << "\n";
  // fusions are many and mechanical (a ReLU per conv): counted here, each listed in the YAML header
  if (!n.fused.empty())
    s << "  fused   " << n.fused.size() << " node(s) into the layer before them (Relu/Clip as relu: true, Add as bias; "
      << "listed in the YAML header)\n";
  for (const auto& f : n.dropped) s << "  dropped " << f << "\n";
  s << "  wrote " << r.files.size() << " files\n";
  return s.str();
}

}  // namespace bfp::onnx_import
