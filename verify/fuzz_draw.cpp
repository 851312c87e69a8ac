// SPDX-License-Identifier: Apache-2.0
// Drawing the cases of `bfpgen fuzz` (docs/fuzz.md): networks from templates, raw GEMM specs, the config pool.
#include "verify/fuzz.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <sstream>
#include <stdexcept>

#include "mapper/lower.h"
#include "mapper/run.h"
#include "verify/fuzz_internal.h"

namespace bfp::verify {

using namespace mapper;  // networks, lowering and run_network
using namespace detail;  // the case stream's helpers and the layer YAML (verify/fuzz_internal.h)

namespace {

// ---- values ------------------------------------------------------------------------------------------

// Value distributions of the network input and weights (the raw-GEMM cases use sim::ValueKind).
enum class Dist { Normal, Uniform, WideExp, ZeroBlocks, Tiny, Huge, AllMax, Mixed };
const char* dist_name(Dist d) {
  switch (d) {
    case Dist::Normal: return "normal";
    case Dist::Uniform: return "uniform";
    case Dist::WideExp: return "wide-exp";
    case Dist::ZeroBlocks: return "zero-blocks";
    case Dist::Tiny: return "tiny";
    case Dist::Huge: return "huge";
    case Dist::AllMax: return "all-max";
    case Dist::Mixed: return "mixed";
  }
  return "?";
}

// rows x cols values blocked along the columns; `scale` multiplies every value (He scaling of weights).
// Mixed picks a distribution per block; `no_huge` keeps Huge out of it (a residual add of two saturated
// outputs would overflow FP32).
Eigen::MatrixXf draw_values(int rows, int cols, int block, Dist d, float scale, bool no_huge, Rng& rng) {
  Eigen::MatrixXf x(rows, cols);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  const int kb = (cols + block - 1) / block;
  for (int r = 0; r < rows; ++r) {
    for (int b = 0; b < kb; ++b) {
      Dist k = d;
      if (k == Dist::Mixed) k = static_cast<Dist>(uni(rng, 0, no_huge ? 4 : 6));
      if (k == Dist::Huge && no_huge) k = Dist::Normal;
      int e = 0;
      bool zero_block = false;
      const float sign = chance(rng, 0.5) ? 1.0f : -1.0f;
      switch (k) {
        case Dist::WideExp: e = uni(rng, -40, 40); break;
        case Dist::ZeroBlocks: zero_block = chance(rng, 0.3); break;
        case Dist::Tiny: e = -120; break;
        case Dist::Huge: e = 100; break;
        default: break;
      }
      for (int t = 0; t < block && b * block + t < cols; ++t) {
        float v;
        if (k == Dist::AllMax) v = sign * (127.0f / 64.0f);
        else if (zero_block || (k == Dist::ZeroBlocks && chance(rng, 0.1))) v = 0.0f;
        else if (k == Dist::Uniform) v = u01(rng);
        else v = std::ldexp(normal(rng), e);
        x(r, b * block + t) = (k == Dist::Tiny || k == Dist::Huge || k == Dist::AllMax) ? v : v * scale;
      }
    }
  }
  return x;
}

struct DrawnSparsity {
  double p = 0.0;
  SparsityPattern pattern = SparsityPattern::Random;
  std::string str() const {
    if (p <= 0.0) return "dense";
    std::ostringstream os;
    os << p * 100 << "% " << to_string(pattern);
    return os.str();
  }
};

DrawnSparsity draw_sparsity(Rng& r) {
  DrawnSparsity s;
  s.p = pick<double>(r, {0.0, 0.0, 0.0, 0.3, 0.5, 0.75, 0.9, 0.99, 1.0});
  s.pattern = pick<SparsityPattern>(
      r, {SparsityPattern::Random, SparsityPattern::Blocks, SparsityPattern::Clustered});
  return s;
}

// ---- network cases -------------------------------------------------------------------------------------

int draw_prune(Rng& r) { return chance(r, 0.75) ? 0 : pick<int>(r, {1, 2, 8, 64, 100, 127, uni(r, 1, 127)}); }

// A convolution of `in`; `same` = odd kernel with (k-1)/2 padding (output H, W = ceil(in / stride)).
Conv draw_conv(Rng& r, const Dims& in, int max_filters, bool same, int stride) {
  Conv c;
  c.relu = chance(r, 0.5);
  c.prune = draw_prune(r);
  const int g = uni(r, 0, 99);
  if (g < 15) {  // depthwise (channel multiplier 1 or 2)
    c.groups = in.c;
    c.filters = in.c * (chance(r, 0.7) ? 1 : 2);
  } else if (g < 35) {  // grouped
    std::vector<int> divs;
    for (int d = 2; d <= in.c; ++d)
      if (in.c % d == 0) divs.push_back(d);
    c.groups = divs.empty() ? 1 : pick(r, divs);
    c.filters = c.groups * uni(r, 1, std::max(1, max_filters / c.groups));
  } else {
    c.filters = uni(r, 1, max_filters);
  }
  if (same) {
    c.kh = pick<int>(r, {1, 3, 3, 5});
    c.kw = chance(r, 0.8) ? c.kh : pick<int>(r, {1, 3, 5});
    c.ph = (c.kh - 1) / 2;
    c.pw = (c.kw - 1) / 2;
    c.sh = c.sw = stride;
    return c;
  }
  c.kh = pick<int>(r, {1, 1, 2, 3, 3, 4, 5});
  c.kw = chance(r, 0.75) ? c.kh : pick<int>(r, {1, 2, 3, 5});
  c.ph = chance(r, 0.5) ? 0 : uni(r, 0, c.kh - 1);
  c.pw = chance(r, 0.7) ? std::min(c.ph, c.kw - 1) : uni(r, 0, c.kw - 1);
  // the kernel must fit the padded input (padding stays smaller than the kernel: H >= 1)
  c.kh = std::min(c.kh, in.h + 2 * c.ph);
  c.kw = std::min(c.kw, in.w + 2 * c.pw);
  c.sh = pick<int>(r, {1, 1, 1, 2, 2, 3});
  c.sw = chance(r, 0.8) ? c.sh : pick<int>(r, {1, 2, 3});
  return c;
}

Pool draw_pool(Rng& r, const Dims& in, bool allow_global) {
  Pool p;
  p.max = chance(r, 0.5);
  p.global = allow_global && chance(r, 0.3);
  p.k = std::min(pick<int>(r, {2, 2, 3}), std::min(in.h, in.w) + 0);
  p.k = std::max(p.k, 1);
  p.p = p.k >= 2 && chance(r, 0.3) ? uni(r, 0, p.k / 2) : 0;
  p.s = pick<int>(r, {1, 2, 2, 3});
  return p;
}

// Draws a network of one of the templates; `shrink` (0, 1, ...) makes everything smaller on a retry.
std::string draw_network_yaml(Rng& r, const Config& cfg, int index, int shrink, std::string* what) {
  const int B = cfg.block;
  const int maxd = std::max(2, 16 >> shrink), maxc = std::max(2, 64 >> shrink), maxf = std::max(2, 48 >> shrink);
  Dims in;
  in.h = chance(r, 0.1) ? uni(r, 1, maxd + 6) : uni(r, 1, maxd);
  in.w = chance(r, 0.7) ? in.h : uni(r, 1, maxd);
  in.c = chance(r, 0.3) ? B * uni(r, 1, std::max(1, maxc / B)) : uni(r, 1, maxc);
  const int tmpl = uni(r, 0, 7);
  std::ostringstream ly;
  std::ostringstream w;
  auto dims = [](const Dims& d) {
    return d.flat ? std::to_string(d.c) : std::to_string(d.h) + "x" + std::to_string(d.w) + "x" + std::to_string(d.c);
  };
  switch (tmpl) {
    case 0: {  // fc on a vector, maybe two
      in = {1, 1, chance(r, 0.3) ? B * uni(r, 1, 8) : uni(r, 1, 160 >> shrink), true};
      const int u = uni(r, 1, 70 >> shrink);
      ly << fc_yaml("fc1", u, chance(r, 0.5), draw_prune(r));
      w << "fc " << in.c << "->" << u;
      if (chance(r, 0.5)) {
        const int u2 = uni(r, 1, 40);
        ly << fc_yaml("fc2", u2, chance(r, 0.5), draw_prune(r));
        w << "->" << u2;
      }
      break;
    }
    case 1: {  // fc per pixel (1x1 convolution as fc)
      const int u = uni(r, 1, maxf);
      ly << fc_yaml("fc1", u, chance(r, 0.5), draw_prune(r));
      w << "pixel-fc " << dims(in) << "->" << u;
      break;
    }
    case 2: {  // one convolution
      const Conv c = draw_conv(r, in, maxf, false, 1);
      ly << c.yaml("conv1", "");
      w << "conv " << dims(in) << " f" << c.filters << " k" << c.kh << "x" << c.kw << " s" << c.sh << "," << c.sw
        << " p" << c.ph << "," << c.pw << " g" << c.groups << " -> " << dims(c.out(in));
      break;
    }
    case 3: {  // pool, then convolution
      const Pool p = draw_pool(r, in, false);
      const Dims pd = p.out(in);
      const Conv c = draw_conv(r, pd, maxf, false, 1);
      ly << p.yaml("pool1") << c.yaml("conv1", "");
      w << (p.max ? "maxpool" : "avgpool") << " " << p.k << "/" << p.s << " p" << p.p << " + conv " << dims(pd) << " f"
        << c.filters << " k" << c.kh << "x" << c.kw << " s" << c.sh << " g" << c.groups;
      break;
    }
    case 4: {  // convolution, pool, flatten, fc
      const Conv c = draw_conv(r, in, maxf, false, 1);
      const Dims cd = c.out(in);
      const Pool p = draw_pool(r, cd, true);
      const int u = uni(r, 1, 24);
      ly << c.yaml("conv1", "") << p.yaml("pool1") << "  - {name: flat, type: flatten}\n"
         << fc_yaml("fc1", u, chance(r, 0.3), draw_prune(r));
      w << "conv " << dims(in) << " f" << c.filters << " k" << c.kh << " s" << c.sh << " g" << c.groups << " + "
        << (p.global ? "global " : "") << (p.max ? "maxpool" : "avgpool") << " + flatten + fc " << u;
      break;
    }
    case 5: {  // residual: two branches with the same output shape, add (+ ReLU)
      const int s = pick<int>(r, {1, 1, 2});
      Conv a = draw_conv(r, in, maxf, true, s);
      Conv b = draw_conv(r, in, maxf, true, s);
      if (chance(r, 0.5)) b.kh = b.kw = 1, b.ph = b.pw = 0;
      b.filters = a.filters;
      if (b.groups != 1 && (b.filters % b.groups || in.c % b.groups)) b.groups = 1;
      if (a.groups != 1 && (a.filters % a.groups || in.c % a.groups)) a.groups = 1;
      const bool relu = chance(r, 0.6);
      ly << a.yaml("ca", "input") << b.yaml("cb", "input") << "  - {name: sum, type: add, inputs: [ca, cb]"
         << (relu ? ", relu: true" : "") << "}\n";
      w << "residual " << dims(in) << " s" << s << " f" << a.filters << " k" << a.kh << "+k" << b.kh << " g" << a.groups
        << "," << b.groups << (relu ? " add+relu" : " add");
      break;
    }
    case 6: {  // concatenation of branches (re-blocking when widths are not multiples of B), then a convolution
      Conv a = draw_conv(r, in, maxf / 2 + 1, true, 1);
      Conv b = draw_conv(r, in, maxf / 2 + 1, true, 1);
      const bool with_input = chance(r, 0.4);
      ly << a.yaml("ca", "input") << b.yaml("cb", "input") << "  - {name: cat, type: concat, inputs: [ca, "
         << (with_input ? "input, " : "") << "cb]}\n";
      const Dims cd{in.h, in.w, a.filters + b.filters + (with_input ? in.c : 0), false};
      const Conv c = draw_conv(r, cd, maxf, false, 1);
      ly << c.yaml("cc", "");
      w << "concat " << dims(in) << " [" << a.filters << (with_input ? "+" + std::to_string(in.c) : "") << "+"
        << b.filters << "] + conv f" << c.filters << " k" << c.kh << " g" << c.groups;
      break;
    }
    default: {  // two convolutions in a chain
      const Conv a = draw_conv(r, in, maxf, false, 1);
      const Dims ad = a.out(in);
      const Conv b = draw_conv(r, ad, maxf, false, 1);
      ly << a.yaml("c1", "") << b.yaml("c2", "");
      w << "chain " << dims(in) << " f" << a.filters << " k" << a.kh << " s" << a.sh << " g" << a.groups << " -> "
        << dims(ad) << " f" << b.filters << " k" << b.kh << " s" << b.sh << " g" << b.groups;
      break;
    }
  }
  *what = w.str();
  std::ostringstream os;
  os << "name: fuzz-" << index << "\ninput:\n  shape: ";
  if (in.flat) os << "[" << in.c << "]\n";
  else os << "[" << in.h << ", " << in.w << ", " << in.c << "]\n";
  os << "layers:\n" << ly.str();
  return os.str();
}

// Largest memory a network's GEMMs need and its MACs; throws std::invalid_argument when a GEMM does not fit.
uint64_t network_bytes(const Network& net, const Config& cfg) {
  uint64_t bytes = 0;
  for (const Layer& l : net.layers)
    for (const GemmOp& op : gemm_ops(l)) bytes = std::max(bytes, host::layout_gemm(cfg, op.m, op.k, op.n).bytes);
  return bytes;
}

void draw_network_case(Rng& r, FuzzCase& c) {
  const Config& cfg = c.cfg;
  const int B = cfg.block;
  const int64_t mac_cap = 1500000;
  std::string what;
  for (int attempt = 0;; ++attempt) {
    const int shrink = std::min(attempt / 3, 4);
    c.network_yaml = draw_network_yaml(r, cfg, c.index, shrink, &what);
    try {
      c.net = parse_network(c.network_yaml, "fuzz case " + std::to_string(c.index));
      const uint64_t bytes = network_bytes(c.net, cfg);
      const uint64_t limit = std::min<uint64_t>(host::kMaxSimMemoryBytes, uint64_t{1} << std::min(cfg.addr_width, 40));
      if (c.net.macs() <= mac_cap && bytes <= limit / 2) break;
    } catch (const std::exception&) {
      // a combination the format rejects (e.g. a kernel larger than a pooled input): draw again
    }
    if (attempt > 60) throw std::logic_error("fuzz: no valid network drawn for case " + std::to_string(c.index));
  }
  const bool has_add = c.network_yaml.find("type: add") != std::string::npos;
  // input values and sparsity
  const Dist in_d = pick<Dist>(r, {Dist::Normal, Dist::Normal, Dist::Uniform, Dist::WideExp, Dist::ZeroBlocks,
                                   Dist::Tiny, Dist::Huge, Dist::AllMax, Dist::Mixed});
  const DrawnSparsity in_s = draw_sparsity(r);
  const Shape& s = c.net.input;
  Eigen::MatrixXf x = draw_values(s.pixels(), s.c, B, in_d, 1.0f, has_add, r);
  if (in_s.p > 0) sparsify(x, B, in_s.p, in_s.pattern, r);
  auto flat = [](const Eigen::MatrixXf& m) {
    auto v = std::make_shared<std::vector<float>>(size_t(m.size()));
    for (int i = 0; i < m.rows(); ++i)
      for (int j = 0; j < m.cols(); ++j) (*v)[size_t(i) * size_t(m.cols()) + size_t(j)] = m(i, j);
    return v;
  };
  c.net.input_data = flat(x);
  c.net.input_path = "(fuzz)";
  // weights of every GEMM layer
  const Dist w_d = pick<Dist>(r, {Dist::Normal, Dist::Normal, Dist::WideExp, Dist::ZeroBlocks, Dist::AllMax, Dist::Mixed});
  const DrawnSparsity w_s = draw_sparsity(r);
  for (Layer& l : c.net.layers) {
    if (!l.is_gemm()) continue;
    const int rows = l.type == LayerType::Fc ? l.units : l.filters;
    const int k = l.type == LayerType::Fc ? l.in.c : l.kh * l.kw * (l.in.c / l.groups);
    Eigen::MatrixXf wt = draw_values(rows, k, B, w_d, std::sqrt(2.0f / float(k)), true, r);
    if (w_s.p > 0) sparsify(wt, B, w_s.p, w_s.pattern, r);
    l.weights = flat(wt);
    l.weights_path = "(fuzz)";
  }
  const DrawnMemory mem = draw_memory(r);
  c.stall = mem.stall;
  c.latency = mem.latency;
  c.bandwidth = mem.bandwidth;
  c.schedule = pick<Schedule>(r, {Schedule::Auto, Schedule::Auto, Schedule::Output});
  c.sparse = cfg.sparse() && chance(r, 0.5);
  std::ostringstream os;
  os << what << " | in " << dist_name(in_d) << " " << in_s.str() << ", w " << dist_name(w_d) << " " << w_s.str()
     << " | stall " << c.stall << " lat " << c.latency << " bw " << c.bandwidth << " " << to_string(c.schedule)
     << (c.sparse ? " sparse" : "");
  c.summary = os.str();
}

// ---- raw GEMM cases --------------------------------------------------------------------------------------

void draw_gemm_case(Rng& r, FuzzCase& c) {
  const Config& cfg = c.cfg;
  GemmSpec& s = c.gemm;
  s.seed = r();
  const int chunk = std::min(cfg.act_depth, cfg.wgt_depth);
  s.m = chance(r, 0.7) ? uni(r, 1, 3 * cfg.rows + 2) : uni(r, 1, 40);
  s.k = chance(r, 0.7) ? uni(r, 1, std::min(chunk, 5 * cfg.block + 3)) : uni(r, 1, 2 * chunk + cfg.block + 3);
  s.n = chance(r, 0.7) ? uni(r, 1, 3 * cfg.cols + 1) : uni(r, 1, 2 * cfg.acc_cols + cfg.cols + 1);
  // keep the simulated work bounded on the small arrays
  while (int64_t(s.m) * s.k * s.n > 300000) s.k = std::max(1, s.k / 2);
  s.values = pick(r, all_value_kinds());
  s.relu = chance(r, 0.5);
  const DrawnMemory mem = draw_memory(r);
  s.stall = mem.stall;
  s.latency = mem.latency;
  s.bandwidth = mem.bandwidth;
  s.schedule = pick<Schedule>(r, {Schedule::Auto, Schedule::Output, Schedule::Weight});
  s.warmup = chance(r, 0.2) ? 1 : 0;
  s.prune = chance(r, 0.7) ? 0 : pick<int>(r, {1, 8, 64, 127, 128, 255, uni(r, 1, 255)});
  const DrawnSparsity a = draw_sparsity(r), w = draw_sparsity(r);
  s.act_sparsity = a.p;
  s.wgt_sparsity = w.p;
  s.sparsity_pattern = a.p > 0 ? a.pattern : w.pattern;
  s.mask = chance(r, 0.85) ? MaskMode::None : pick<MaskMode>(r, {MaskMode::OnePerBlock, MaskMode::Disjoint});
  const bool want_sparse_c = cfg.sparse() && chance(r, 0.4);
  const bool want_sparse_a = cfg.sparse() && chance(r, 0.6);
  // resolve the combinations the harness does not run (weight-stationary where it does not apply,
  // compressed operands where the format or the schedule excludes them)
  auto ok = [&](const GemmSpec& t) {
    try {
      check_gemm_spec(cfg, t);
      return true;
    } catch (const std::invalid_argument&) {
      return false;
    }
  };
  if (!ok(s)) s.schedule = Schedule::Auto;
  if (want_sparse_c) {
    GemmSpec t = s;
    t.sparse_c = true;
    t.schedule = Schedule::Output;
    if (ok(t)) s = t;
  }
  if (want_sparse_a) {
    GemmSpec t = s;
    t.sparse_a = true;
    if (ok(t)) s = t;
  }
  check_gemm_spec(cfg, s);  // a spec the fuzzer cannot fix is a bug of the fuzzer: the case errors
  std::ostringstream os;
  os << "gemm " << s.m << "x" << s.k << "x" << s.n << " " << to_string(s.values) << (s.relu ? " relu" : "")
     << " act " << a.str() << " wgt " << w.str();
  if (s.mask != MaskMode::None) os << " mask " << to_string(s.mask);
  if (s.prune) os << " prune " << s.prune;
  if (s.warmup) os << " warmup";
  os << " | stall " << s.stall << " lat " << s.latency << " bw " << s.bandwidth << " " << to_string(s.schedule)
     << (s.sparse_a ? " sparse-A" : "") << (s.sparse_c ? " sparse-C" : "");
  c.summary = os.str();
}

// Derived pool configs (YAML kept here so that a repro needs nothing but the seed and the case).
const char* kDerivedPool[] = {
    // odd array (3 x 5), tiny buffers (many K chunks), narrow memory, both sparsity modes
    "name: fz-r3c5b8\narray: {rows: 3, cols: 5}\nblock_size: 8\naccumulator: {width: 24, guard_bits: 2}\n"
    "pipeline: {operand_regs: 2}\nbuffers: {act_depth: 64, wgt_depth: 32, acc_cols: 40}\n"
    "memory: {data_width: 64, addr_width: 24}\nsparsity: both\n",
    // block size 4 (dense only), 2 x 4 array, 512-bit memory beats wider than a block row
    "name: fz-r2c4b4\narray: {rows: 2, cols: 4}\nblock_size: 4\naccumulator: {width: 23, guard_bits: 1}\n"
    "pipeline: {operand_regs: 3}\nbuffers: {act_depth: 128, wgt_depth: 192, acc_cols: 12}\n"
    "memory: {data_width: 512, addr_width: 22}\nsparsity: none\n",
};

}  // namespace

std::vector<Config> fuzz_config_pool(const std::string& source_dir) {
  std::vector<Config> pool;
  for (const char* rel : {"configs/default.yaml", "configs/test/r2c2b8.yaml", "configs/test/r4c4b16.yaml",
                          "configs/test/r4c8b16.yaml", "configs/test/r8c8b32.yaml"}) {
    Config c = load_config((std::filesystem::path(source_dir) / rel).string());
    c.source_path = rel;
    pool.push_back(c);
  }
  for (const char* text : kDerivedPool) {
    Config c = parse_config(text, "fuzz pool");
    c.source_path = "(fuzz pool " + c.name + ")";
    pool.push_back(c);
  }
  return pool;
}

std::string FuzzKinds::str() const {
  std::string s;
  for (const auto& [on, name] : {std::pair{net, "net"}, std::pair{gemm, "gemm"}, std::pair{train, "train"}})
    if (on) s += (s.empty() ? "" : ",") + std::string(name);
  return s;
}

FuzzKinds parse_fuzz_kinds(const std::string& list) {
  FuzzKinds k{false, false, false};
  std::istringstream is(list);
  std::string w;
  while (std::getline(is, w, ',')) {
    if (w == "net") k.net = true;
    else if (w == "gemm") k.gemm = true;
    else if (w == "train") k.train = true;
    else
      throw std::invalid_argument("--kinds: unknown kind '" + w + "' in '" + list +
                                  "' (a comma-separated list of net, gemm, train)");
  }
  if (!k.net && !k.gemm && !k.train) throw std::invalid_argument("--kinds: no kind given (net, gemm, train)");
  return k;
}

FuzzCase draw_fuzz_case(uint64_t seed, int index, const Config* cfg, const std::vector<Config>* pool,
                        const FuzzKinds& kinds) {
  if (!cfg && (!pool || pool->empty())) throw std::invalid_argument("fuzz: no config and no config pool");
  Rng r(derive_seed(seed, "fuzz-case:" + std::to_string(index)));
  FuzzCase c;
  c.seed = seed;
  c.index = index;
  c.cfg = cfg ? *cfg : (*pool)[size_t(uni(r, 0, int(pool->size()) - 1))];
  // The kind draw is the one of the fuzzer before "train" existed (u < 0.7: net, else gemm); train takes the
  // tops of both shares, [0.6, 0.7) and [0.9, 1), so that every other case keeps its old draws exactly, and
  // --kinds net,gemm turns those train cases back into their old net or gemm case: the old fuzzer, case by case.
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(r);
  const std::string old_kind = u < 0.7 ? "net" : "gemm";
  const bool train_share = (u >= 0.6 && u < 0.7) || u >= 0.9;
  auto allowed = [&](const std::string& k) { return k == "net" ? kinds.net : k == "gemm" ? kinds.gemm : kinds.train; };
  if (train_share && allowed("train")) c.kind = "train";
  else if (allowed(old_kind)) c.kind = old_kind;
  else {  // the drawn kind is left out: one more draw among the allowed ones, in proportion to their shares
    const double net = kinds.net ? 0.6 : 0.0, gemm = kinds.gemm ? 0.2 : 0.0, train = kinds.train ? 0.2 : 0.0;
    const double v = std::uniform_real_distribution<double>(0.0, net + gemm + train)(r);
    c.kind = v < net ? "net" : v < net + gemm ? "gemm" : "train";
    if (!allowed(c.kind)) c.kind = kinds.train ? "train" : kinds.gemm ? "gemm" : "net";  // v at the upper bound
  }
  if (c.kind == "net") draw_network_case(r, c);
  else if (c.kind == "gemm") draw_gemm_case(r, c);
  else draw_train_case(r, c);
  return c;
}

}  // namespace bfp::verify
