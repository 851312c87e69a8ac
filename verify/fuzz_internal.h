// SPDX-License-Identifier: Apache-2.0
// What the drawing code of `bfpgen fuzz` shares between its files (fuzz_draw.cpp: networks and raw GEMMs,
// fuzz_train.cpp: training steps): the case random stream's helpers and the YAML of the layers it draws.
// Not part of the fuzzer's interface (verify/fuzz.h).
#pragma once
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "verify/fuzz.h"

namespace bfp::verify::detail {

using Rng = std::mt19937_64;

inline int uni(Rng& r, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); }
inline bool chance(Rng& r, double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(r) < p; }
template <class T>
T pick(Rng& r, const std::vector<T>& v) {
  return v[size_t(uni(r, 0, int(v.size()) - 1))];
}

struct Dims {
  int h = 1, w = 1, c = 1;
  bool flat = false;
};

inline std::string pair(int a, int b) {
  return a == b ? std::to_string(a) : "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
}

struct Conv {
  int filters = 1, kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, groups = 1;
  bool relu = false;
  int prune = 0;
  Dims out(const Dims& in) const {
    return {(in.h + 2 * ph - kh) / sh + 1, (in.w + 2 * pw - kw) / sw + 1, filters, false};
  }
  std::string yaml(const std::string& name, const std::string& input) const {
    std::ostringstream os;
    os << "  - {name: " << name << ", type: conv2d, filters: " << filters << ", kernel: " << pair(kh, kw);
    if (sh != 1 || sw != 1) os << ", stride: " << pair(sh, sw);
    if (ph || pw) os << ", padding: " << pair(ph, pw);
    if (groups != 1) os << ", groups: " << groups;
    if (relu) os << ", relu: true";
    if (prune) os << ", prune: " << prune;
    if (!input.empty()) os << ", input: " << input;
    os << "}\n";
    return os.str();
  }
};

struct Pool {
  bool max = true, global = false;
  int k = 2, s = 2, p = 0;
  Dims out(const Dims& in) const {
    if (global) return {1, 1, in.c, false};
    return {(in.h + 2 * p - k) / s + 1, (in.w + 2 * p - k) / s + 1, in.c, false};
  }
  std::string yaml(const std::string& name) const {
    std::ostringstream os;
    os << "  - {name: " << name << ", type: " << (max ? "maxpool" : "avgpool");
    if (global) {
      os << ", global: true}\n";
      return os.str();
    }
    os << ", kernel: " << k << ", stride: " << s;
    if (p) os << ", padding: " << p;
    os << "}\n";
    return os.str();
  }
};

inline std::string fc_yaml(const std::string& name, int units, bool relu, int prune, const std::string& input = "") {
  std::ostringstream os;
  os << "  - {name: " << name << ", type: fc, units: " << units;
  if (relu) os << ", relu: true";
  if (prune) os << ", prune: " << prune;
  if (!input.empty()) os << ", input: " << input;
  os << "}\n";
  return os.str();
}

/// Memory options drawn the same way for every kind (stall, read latency, bandwidth in beats per cycle).
struct DrawnMemory {
  double stall = 0.0, bandwidth = 1.0;
  int latency = 4;
};
inline DrawnMemory draw_memory(Rng& r) {
  DrawnMemory m;
  m.stall = pick<double>(r, {0.0, 0.0, 0.1, 0.3, 0.5});
  m.latency = pick<int>(r, {1, 2, 4, 4, 9, 17});
  m.bandwidth = pick<double>(r, {1.0, 1.0, 1.0, 0.5, 0.25});
  return m;
}

/// Draws the rest of a "train" case after its config and kind (verify/fuzz_train.cpp, docs/fuzz.md).
void draw_train_case(Rng& r, FuzzCase& c);
/// Runs a "train" case: bfp_step with its GEMMs kept, every GEMM on the RTL, compared bit for bit.
void run_train_case(const FuzzCase& c, const std::shared_ptr<sim::Model>& model, FuzzResult& res);

}  // namespace bfp::verify::detail
