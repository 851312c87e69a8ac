// SPDX-License-Identifier: Apache-2.0
#include "sim/func_cov.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace bfp::sim::funccov {

namespace fs = std::filesystem;
using host::Opcode;

namespace {

// The flags each opcode reads (host/command_format.h's flag docs); other flag bits of a command are ignored by
// the RTL, so they are not bins.
struct OpFlags {
  Opcode op;
  std::vector<int> flags;  // indices into fmt::kFlagDefs
};
// flag indices: 0 CLEAR, 1 RELU, 2 ACT_BUF, 3 SPARSE, 4 FIRST, 5 LAST, 6 WAIT, 7 BIAS
const std::vector<OpFlags>& op_flags() {
  static const std::vector<OpFlags> t = {
      {Opcode::LoadAct, {2, 3, 6}}, {Opcode::LoadWgt, {6}},          {Opcode::Compute, {0, 2, 6}},
      {Opcode::Drain, {6}},         {Opcode::Store, {1, 3, 4, 5, 6, 7}}, {Opcode::LoadBias, {6}},
  };
  return t;
}

const char* const kPatterns[] = {"dense", "scattered", "zero_blocks", "all_zero"};

struct State {
  std::mutex mu;
  bool dir_set = false;
  std::string dir;
  std::map<std::string, std::map<std::string, uint64_t>> counts;  // by config hash
};
State& state() {
  static State* s = new State;  // never destroyed: drivers may count during static destruction
  return *s;
}

std::string dir_locked(State& s) {
  if (!s.dir_set) {
    const char* d = std::getenv("BFP_COV_DIR");
    s.dir = d ? d : "";
    s.dir_set = true;
  }
  return s.dir;
}

}  // namespace

std::vector<Bin> bins(const Config& cfg) {
  std::vector<Bin> v;
  const std::string no_sparse = "sparsity: none: no compressed row streams in this RTL";
  const std::string no_bias = "bias: false: no bias buffer in this RTL";
  for (const OpFlags& of : op_flags()) {
    const std::string op = host::opcode_name(of.op);
    const bool bias_op = of.op == Opcode::LoadBias;
    v.push_back({"cmd." + op, bias_op && !cfg.bias ? no_bias : ""});
    for (int f : of.flags) {
      const std::string flag = bfp::fmt::kFlagDefs[f].name;
      std::string na;
      if (bias_op && !cfg.bias) na = no_bias;
      if ((flag == "SPARSE" || flag == "FIRST" || flag == "LAST") && !cfg.sparse()) na = no_sparse;
      if (flag == "SPARSE" && of.op == Opcode::LoadAct && cfg.sparsity == Sparsity::None) na = no_sparse;
      if (flag == "BIAS" && !cfg.bias) na = no_bias;
      v.push_back({"cmd." + op + "+" + flag, na});
    }
  }
  v.push_back({"schedule.output", ""});
  v.push_back({"schedule.weight", ""});
  const std::string mode = cfg.sparsity_name();
  for (const char* t : {"a", "w"})
    for (const char* p : kPatterns) v.push_back({"sparsity." + mode + "." + t + "." + p, ""});
  v.push_back({"sparsity." + mode + ".a_compressed", cfg.sparse() ? "" : no_sparse});
  v.push_back({"sparsity." + mode + ".c_compressed", cfg.sparse() ? "" : no_sparse});
  for (const char* t : {"tile.m_full", "tile.m_edge", "tile.n_full", "tile.n_edge", "tile.k_full", "tile.k_edge",
                        "tile.n_block_edge", "tile.multi_m", "tile.multi_n", "tile.k_chunks"})
    v.push_back({t, ""});
  v.push_back({"acc.saturate_pos", ""});
  v.push_back({"acc.saturate_neg", ""});
  for (const char* t : {"relu.off", "relu.on", "prune.off", "prune.on"}) v.push_back({t, ""});
  v.push_back({"bias.off", ""});
  v.push_back({"bias.on", cfg.bias ? "" : no_bias});
  for (const char* t : {"backpressure.cmd_held", "backpressure.cmd_gap", "backpressure.rd_req_held",
                        "backpressure.rd_rsp_held", "backpressure.wr_held"})
    v.push_back({t, ""});
  return v;
}

std::vector<std::string> command_bins(const host::Command& c) {
  std::vector<std::string> hit;
  for (const OpFlags& of : op_flags()) {
    if (of.op != c.op) continue;
    const std::string op = host::opcode_name(of.op);
    hit.push_back("cmd." + op);
    for (int f : of.flags)
      if (c.flags & (1u << bfp::fmt::kFlagDefs[f].bit)) hit.push_back("cmd." + op + "+" + bfp::fmt::kFlagDefs[f].name);
  }
  return hit;
}

std::vector<std::string> handshake_bins(const Handshakes& h) {
  std::vector<std::string> hit;
  if (h.cmd_held) hit.push_back("backpressure.cmd_held");
  if (h.cmd_gap) hit.push_back("backpressure.cmd_gap");
  if (h.rd_req_held) hit.push_back("backpressure.rd_req_held");
  if (h.rd_rsp_held) hit.push_back("backpressure.rd_rsp_held");
  if (h.wr_held) hit.push_back("backpressure.wr_held");
  return hit;
}

std::string zero_pattern(const golden::BfpMatrix& m) {
  const int B = m.block, kb = (m.cols + B - 1) / B;
  uint64_t zeros = 0, zero_blocks = 0;
  for (int r = 0; r < m.rows; ++r)
    for (int b = 0; b < kb; ++b) {
      const int n = std::min(B, m.cols - b * B);
      int z = 0;
      for (int j = 0; j < n; ++j) z += m.codes(r, b * B + j) == 0;
      zeros += z;
      zero_blocks += z == n;
    }
  if (zeros == 0) return "dense";
  if (zero_blocks == uint64_t(m.rows) * kb) return "all_zero";
  return zero_blocks ? "zero_blocks" : "scattered";
}

namespace {
// Whether an accumulation of the spec (docs/arithmetic.md section 3; golden::acc_add) clamps, in each direction.
void saturation(const Config& cfg, const golden::BfpMatrix& a, const golden::BfpMatrix& wt, bool& pos, bool& neg) {
  using i128 = __int128;
  const int W = cfg.acc_width, F = cfg.guard_bits, B = a.block, kb = (a.cols + B - 1) / B;
  const i128 lo = -(i128(1) << (W - 1)), hi = (i128(1) << (W - 1)) - 1;
  auto asr = [](i128 v, int s) { return v >= 0 ? (v >> s) : ~((~v) >> s); };
  for (int r = 0; r < a.rows && !(pos && neg); ++r)
    for (int n = 0; n < wt.rows; ++n) {
      i128 m = 0;
      int e = 0;
      for (int b = 0; b < kb; ++b) {
        int64_t p = 0;
        for (int j = 0; j < B; ++j) p += int64_t(a.codes(r, b * B + j)) * wt.codes(n, b * B + j);
        if (p == 0) continue;
        const int pe = int(a.exps(r, b)) + int(wt.exps(n, b));
        const int E = m == 0 ? pe : std::max(e, pe);
        const i128 t1 = m == 0 ? 0 : asr(m, std::min(E - e, W - 1));
        const i128 t2 = asr(i128(p) * (i128(1) << F), std::min(E - pe, W - 1));
        const i128 s = t1 + t2;
        if (s > hi) pos = true;
        if (s < lo) neg = true;
        m = std::clamp(s, lo, hi);
        e = E;
      }
    }
}
}  // namespace

std::vector<std::string> gemm_bins(const Config& cfg, const host::GemmPlan& p, const golden::BfpMatrix& a,
                                   const golden::BfpMatrix& wt) {
  std::vector<std::string> hit;
  // pair is weight-stationary too (two N tiles at a time): it counts as schedule.weight
  const bool weight_order = p.schedule == host::Schedule::Weight || p.schedule == host::Schedule::Pair;
  hit.push_back(weight_order ? "schedule.weight" : "schedule.output");
  const std::string mode = std::string("sparsity.") + cfg.sparsity_name() + ".";
  hit.push_back(mode + "a." + zero_pattern(a));
  hit.push_back(mode + "w." + zero_pattern(wt));
  if (p.sparse_a()) hit.push_back(mode + "a_compressed");
  if (p.sparse_c()) hit.push_back(mode + "c_compressed");
  const int M = p.shape.m, N = p.shape.n, K = p.shape.k;
  hit.push_back(M % cfg.rows ? "tile.m_edge" : "tile.m_full");
  hit.push_back(N % cfg.cols ? "tile.n_edge" : "tile.n_full");
  hit.push_back(K % cfg.block ? "tile.k_edge" : "tile.k_full");
  if (N % cfg.block) hit.push_back("tile.n_block_edge");
  if (M > cfg.rows) hit.push_back("tile.multi_m");
  if (N > cfg.cols) hit.push_back("tile.multi_n");
  if (p.layout.chunks > 1) hit.push_back("tile.k_chunks");
  bool pos = false, neg = false;
  saturation(cfg, a, wt, pos, neg);
  if (pos) hit.push_back("acc.saturate_pos");
  if (neg) hit.push_back("acc.saturate_neg");
  hit.push_back(p.relu ? "relu.on" : "relu.off");
  hit.push_back(p.prune ? "prune.on" : "prune.off");
  hit.push_back(p.bias ? "bias.on" : "bias.off");
  return hit;
}

bool enabled() {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  return !dir_locked(s).empty();
}

const std::string& dir() {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  dir_locked(s);
  return s.dir;
}

void set_dir(const std::string& d) {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  s.dir = d;
  s.dir_set = true;
}

std::string config_dir(const Config& cfg) { return dir() + "/" + cfg.name + "-" + cfg.hash().substr(0, 12); }

void record(const Config& cfg, const std::vector<std::string>& hit) {
  if (!enabled()) return;
  const std::vector<Bin> all = bins(cfg);
  const std::string sub = config_dir(cfg);
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  auto& c = s.counts[cfg.hash()];
  for (const auto& h : hit) {
    if (std::none_of(all.begin(), all.end(), [&](const Bin& b) { return b.name == h; }))
      throw std::logic_error("functional coverage: bin '" + h + "' is not a bin of config '" + cfg.name + "'");
    ++c[h];
  }
  std::error_code ec;
  fs::create_directories(sub, ec);
  const std::string path = sub + "/bins-" + std::to_string(::getpid()) + ".tsv";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << "# bfp functional coverage: config " << cfg.name << " " << cfg.hash() << "\n";
    for (const Bin& b : all) {
      const auto it = c.find(b.name);
      f << b.name << "\t" << (it == c.end() ? 0 : it->second) << "\t"
        << (b.na_reason.empty() ? "counted" : "n/a: " + b.na_reason) << "\n";
    }
    if (!f) return;  // best effort: a full disk must not fail a simulation
  }
  fs::rename(tmp, path, ec);
}

std::map<std::string, uint64_t> counts(const Config& cfg) {
  State& s = state();
  std::lock_guard<std::mutex> g(s.mu);
  const auto it = s.counts.find(cfg.hash());
  return it == s.counts.end() ? std::map<std::string, uint64_t>{} : it->second;
}

}  // namespace bfp::sim::funccov
