// SPDX-License-Identifier: Apache-2.0
#include "net_activity.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <deque>
#include <fstream>
#include <stdexcept>

#include "toggles.h"
#include "vcd_tokens.h"

namespace bfp::report {
namespace {

[[noreturn]] void fail(uint64_t line, const std::string& what) { VcdTokens::fail_at(line, what); }

// "acc_q[31:0]" -> acc_q[31] .. acc_q[0] (MSB first, as VCD values are written); "x" (1 bit) -> x; "m[3][7:0]"
// -> m[3][7] ..; a vector without a range -> x[width-1] .. x[0]. Empty when a range does not give `width` bits.
std::vector<std::string> bit_names(const std::string& ref, int width) {
  std::vector<std::string> out;
  const size_t lb = ref.rfind('[');
  if (ref.empty() || ref.back() != ']' || lb == std::string::npos || ref.find(':', lb) == std::string::npos) {
    if (width == 1) return {ref};
    for (int i = width - 1; i >= 0; --i) out.push_back(ref + "[" + std::to_string(i) + "]");
    return out;
  }
  const std::string base = ref.substr(0, lb);
  const std::string range = ref.substr(lb + 1, ref.size() - lb - 2);
  const size_t colon = range.find(':');
  long msb = 0, lsb = 0;
  try {
    msb = std::stol(range.substr(0, colon));
    lsb = std::stol(range.substr(colon + 1));
  } catch (...) {
    return {};
  }
  if ((msb >= lsb ? msb - lsb : lsb - msb) + 1 != width) return {};
  const long step = msb >= lsb ? -1 : 1;
  for (long i = msb;; i += step) {
    out.push_back(base + "[" + std::to_string(i) + "]");
    if (i == lsb) break;
  }
  return out;
}

struct VarDecl {
  std::vector<std::string> scopes;  // scope names from the root
  std::string ref;
};

struct Var {
  int width = 1;
  std::vector<VarDecl> decls;
  std::vector<std::pair<int, int32_t>> src;  // (bit position from the MSB, net) of traced source nets
  std::vector<uint8_t> src_val;              // their current values
  std::vector<std::pair<int, int32_t>> chk;  // ... of computed nets with a traced name (self-check)
  bool is_clock = false;
  char clock_last = '?';
};

struct CombCell {
  size_t cell;
  uint32_t in_off, out_off;
  uint8_t k, nout;
};

}  // namespace

double NetActivity::rate(const std::string& leaf, bool& found) const {
  auto it = cell_toggles.find(leaf);
  found = it != cell_toggles.end() && it->second.second > 0 && cycles > 0;
  return found ? static_cast<double>(it->second.first) / (static_cast<double>(it->second.second) * static_cast<double>(cycles)) : 0.0;
}

NetActivity simulate_activity(std::istream& in, const FlatNetlist& nl, const CellLibrary& lib, const std::string& clock) {
  NetActivity res;
  const size_t N = static_cast<size_t>(nl.nets);
  res.nets = N - 3;

  // ---- the netlist: combinational drivers, topological order, clock nets --------------------------------------
  std::vector<const LibertyCell*> cell_lib(nl.cells.size(), nullptr);
  std::vector<int32_t> driver(N, -1);  // combinational cell driving the net
  std::vector<uint8_t> clocked(N, 0);
  for (const auto& [name, net] : nl.names) {
    const size_t dot = name.rfind('.');
    if (is_clock_net(dot == std::string::npos ? name : name.substr(dot + 1))) clocked[net] = 1;
  }
  auto pin_net = [&](size_t ci, const std::string& pin) {
    for (const auto& [p, n] : nl.cells[ci].pins)
      if (p == pin) return n;
    return int32_t{-1};
  };
  for (size_t ci = 0; ci < nl.cells.size(); ++ci) {
    auto it = lib.find(nl.cells[ci].type);
    if (it == lib.end()) continue;
    cell_lib[ci] = &it->second;
    if (it->second.sequential) continue;
    for (const LibertyOutput& o : it->second.outputs) {
      const int32_t n = pin_net(ci, o.name);
      if (o.combinational && n > FlatNetlist::kConstX) driver[n] = static_cast<int32_t>(ci);
    }
  }
  std::vector<CombCell> comb;
  std::vector<int32_t> ins;          // inputs of the comb cells, by in_off
  std::vector<std::pair<int32_t, uint64_t>> outs;  // (net, table) by out_off
  {
    std::vector<int> waiting(nl.cells.size(), 0);
    std::vector<std::vector<int32_t>> readers(N);
    std::deque<size_t> ready;
    for (size_t ci = 0; ci < nl.cells.size(); ++ci) {
      const LibertyCell* lc = cell_lib[ci];
      if (!lc || lc->sequential) continue;
      bool drives = false;
      for (const auto& [p, n] : nl.cells[ci].pins) drives = drives || driver[n] == static_cast<int32_t>(ci);
      if (!drives) continue;
      for (const std::string& ip : lc->inputs) {
        const int32_t n = pin_net(ci, ip);
        if (n >= 0 && driver[n] >= 0 && driver[n] != static_cast<int32_t>(ci)) {
          ++waiting[ci];
          readers[n].push_back(static_cast<int32_t>(ci));
        }
      }
      if (waiting[ci] == 0) ready.push_back(ci);
    }
    std::vector<uint8_t> done(N, 0);
    while (!ready.empty()) {
      const size_t ci = ready.front();
      ready.pop_front();
      const LibertyCell& lc = *cell_lib[ci];
      CombCell cc{ci, static_cast<uint32_t>(ins.size()), static_cast<uint32_t>(outs.size()),
                  static_cast<uint8_t>(lc.inputs.size()), 0};
      bool clk_in = false;
      for (const std::string& ip : lc.inputs) {
        const int32_t n = pin_net(ci, ip);
        ins.push_back(n < 0 ? FlatNetlist::kConstX : n);  // an unconnected input reads 0
        clk_in = clk_in || (n >= 0 && clocked[n]);
      }
      for (const LibertyOutput& o : lc.outputs) {
        const int32_t n = pin_net(ci, o.name);
        if (n < 0 || driver[n] != static_cast<int32_t>(ci)) continue;
        if (clk_in) clocked[n] = 1;  // gated or derived clocks are clock pins' business (P0), not data
        outs.emplace_back(n, o.table);
        ++cc.nout;
        done[n] = 1;
        for (int32_t r : readers[n])
          if (--waiting[static_cast<size_t>(r)] == 0) ready.push_back(static_cast<size_t>(r));
      }
      comb.push_back(cc);
    }
    for (size_t n = 3; n < N; ++n)
      if (driver[n] >= 0 && !done[n]) driver[n] = -2;  // in a combinational loop: never evaluated
  }

  // ---- the VCD header: names -> nets ----------------------------------------------------------------------------
  std::unordered_map<std::string, Var> vars;
  std::vector<std::string> scope_stack;
  VcdTokens tk(in);
  auto next = [&](std::string& t) { return tk.next(t); };
  auto skip_to_end = [&]() { tk.skip_to_end(); };
  std::string tok, root;
  bool wrapped = false;
  for (;;) {
    if (!next(tok)) fail(tk.line(), "no $enddefinitions");
    if (tk.scope_command(tok, scope_stack)) {
      if (scope_stack.size() == 1 && root.empty()) root = scope_stack[0];
      if (scope_stack.size() == 2 && scope_stack[1] == root) wrapped = true;
    } else if (tok == "$var") {
      std::string id, ref;
      int width = 0;
      tk.var_decl(id, ref, width);
      if (scope_stack.empty()) fail(tk.token_line(), "$var outside a $scope");
      Var& v = vars[id];
      if (!v.decls.empty() && v.width != width) fail(tk.token_line(), "alias '" + id + "' with a different width");
      v.width = width;
      v.decls.push_back({scope_stack, ref});
    } else if (tok == "$enddefinitions") {
      skip_to_end();
      break;
    } else if (tok[0] == '$') {
      skip_to_end();
    } else {
      fail(tk.token_line(), "unexpected '" + tok + "' in the header");
    }
  }
  // The names of one net: Yosys keeps several names on a net (a register's, the buses it is assigned into, the
  // ports it reaches), and Verilator traces each. They agree in every sample unless synthesis merged signals the
  // RTL keeps apart, i.e. the netlist is not the RTL: Yosys 0.23 dropped bfp_pe_array's lock-step flags, and its
  // PEs' act_i became the same net as their own operand registers, which the RTL holds while they read group
  // 0's. Samples where the names disagree are counted (trace_conflicts) and the report warns; the simulation goes
  // on with a vote, a name of at most 64 bits (a port, a register) weighing twice as much as a wider bus.
  std::vector<uint32_t> weight(N, 0), ones(N, 0);
  std::vector<uint8_t> traced(N, 0), checked(N, 0);
  std::vector<int32_t> sources, checks;  // traced source nets, checked computed nets
  bool have_clock = false;
  const std::string clock_name = !clock.empty() && clock[0] == '.' ? clock.substr(1) : clock;
  for (auto& [id, v] : vars) {
    for (const VarDecl& d : v.decls) {
      const size_t skip = wrapped ? 2 : 1;  // the wrapper and the top module, or the top module
      if (d.scopes.size() < skip) continue;  // the wrapper's own copies of the top's ports
      std::string path;
      for (size_t i = skip; i < d.scopes.size(); ++i) path += d.scopes[i] + ".";
      const std::string base = d.ref.substr(0, d.ref.find('['));
      if (path.empty() && base == clock_name && v.width == 1) {
        v.is_clock = true;
        have_clock = true;
      }
      if (is_clock_net(base)) continue;
      const std::vector<std::string> names = bit_names(d.ref, v.width);
      if (names.empty()) fail(tk.token_line(), "the range of '" + d.ref + "' does not match its width " + std::to_string(v.width));
      for (size_t b = 0; b < names.size(); ++b) {
        auto it = nl.names.find(path + names[b]);
        if (it == nl.names.end() && v.width == 1) it = nl.names.find(path + names[b] + "[0]");
        if (it == nl.names.end()) continue;
        const int32_t n = it->second;
        if (n <= FlatNetlist::kConstX || clocked[n]) continue;
        if (driver[n] == -1) {  // no combinational driver: the trace gives its value
          v.src.emplace_back(static_cast<int>(b), n);
          v.src_val.push_back(0);
          weight[n] += v.width <= 64 ? 2 : 1;
          if (!traced[n]) sources.push_back(n);
          traced[n] = 1;
        } else if (driver[n] >= 0) {
          v.chk.emplace_back(static_cast<int>(b), n);
          if (!checked[n]) checks.push_back(n);
          checked[n] = 1;
        }
      }
    }
  }
  if (!have_clock) throw std::runtime_error("VCD: no clock '" + clock_name + "' in the top module");
  // What an unknown net feeds is not computed from real values: a flip-flop without a traced name (Yosys
  // re-encodes FSM state registers into new, unnamed flip-flops), an undriven net or a loop would be held at 0
  // and make its whole fan-out cone wrong. Such nets are tainted, and so is every output of a cell with a tainted
  // input; tainted cells keep their instance's rate and tainted nets are not checked.
  std::vector<uint8_t> tainted(N, 0);
  for (size_t n = 3; n < N; ++n) tainted[n] = !clocked[n] && !traced[n] && driver[n] < 0;
  for (const CombCell& cc : comb) {
    bool t = false;
    for (int i = 0; i < cc.k; ++i) t = t || tainted[static_cast<size_t>(ins[cc.in_off + i])];
    if (!t) continue;
    for (int o = 0; o < cc.nout; ++o) {
      const int32_t n = outs[cc.out_off + o].first;
      if (!clocked[n]) tainted[n] = 1;
    }
  }
  checks.erase(std::remove_if(checks.begin(), checks.end(), [&](int32_t n) { return tainted[n] != 0; }), checks.end());
  // Where the taint comes from: the cone of each unknown net (the first 64; a pass over the cells each), so that
  // a report with many tainted nets names the untraced register behind them (worst_unknown).
  std::vector<std::pair<uint64_t, int32_t>> unknown_cones;
  for (size_t src = 3; src < N && unknown_cones.size() < 64; ++src) {
    if (clocked[src] || traced[src] || driver[src] >= 0) continue;
    std::vector<uint8_t> in_cone(N, 0);
    in_cone[src] = 1;
    uint64_t count = 0;
    for (const CombCell& cc : comb) {
      bool t = false;
      for (int i = 0; i < cc.k && !t; ++i) t = in_cone[static_cast<size_t>(ins[cc.in_off + i])] != 0;
      if (!t) continue;
      for (int o = 0; o < cc.nout; ++o) {
        const int32_t n = outs[cc.out_off + o].first;
        if (!clocked[n] && !in_cone[n]) {
          in_cone[n] = 1;
          ++count;
        }
      }
    }
    unknown_cones.emplace_back(count, static_cast<int32_t>(src));
  }
  res.nets_checked = checks.size();

  // ---- the simulation: 64 samples per word ---------------------------------------------------------------------
  std::vector<uint8_t> chk_val(N, 0);
  std::vector<uint64_t> w(N, 0), chk_w(N, 0);
  std::vector<uint64_t> toggles(N, 0);
  std::unordered_map<int32_t, uint64_t> mismatches;  // checked net -> cycles it differed
  std::vector<uint8_t> last(N, 0);
  w[FlatNetlist::kConst1] = ~uint64_t{0};
  int in_word = 0;
  bool first_word = true;
  auto eval_word = [&]() {
    if (in_word == 0) return;
    const uint64_t valid = in_word == 64 ? ~uint64_t{0} : (uint64_t{1} << in_word) - 1;
    uint64_t x[6];
    for (const CombCell& cc : comb) {
      for (int i = 0; i < cc.k; ++i) x[i] = w[static_cast<size_t>(ins[cc.in_off + i])];
      for (int o = 0; o < cc.nout; ++o) {
        const auto& [net, table] = outs[cc.out_off + o];
        uint64_t r = 0;
        for (uint32_t m = 0; m < (1u << cc.k); ++m) {
          if (!((table >> m) & 1u)) continue;
          uint64_t t = ~uint64_t{0};
          for (int i = 0; i < cc.k; ++i) t &= ((m >> i) & 1u) ? x[i] : ~x[i];
          r |= t;
        }
        w[static_cast<size_t>(net)] = r;
      }
    }
    for (size_t n = 3; n < N; ++n) {
      const uint64_t v = w[n] & valid;
      uint64_t ch = (v ^ ((v << 1) | last[n])) & valid;
      if (first_word) ch &= ~uint64_t{1};  // the first sample is no change
      toggles[n] += static_cast<uint64_t>(__builtin_popcountll(ch));
      last[n] = static_cast<uint8_t>((v >> (in_word - 1)) & 1u);
    }
    for (int32_t n : checks) {
      res.check_bits += static_cast<uint64_t>(in_word);
      const uint64_t mm = static_cast<uint64_t>(__builtin_popcountll((w[n] ^ chk_w[n]) & valid));
      res.check_mismatches += mm;
      mismatches[n] += mm;
      chk_w[n] = 0;
    }
    for (int32_t n : sources) w[n] = 0;
    first_word = false;
    in_word = 0;
  };
  auto sample = [&]() {
    const uint64_t bit = uint64_t{1} << in_word;
    for (int32_t n : sources) {
      if (2 * ones[n] > weight[n]) w[n] |= bit;
      if (ones[n] != 0 && ones[n] != weight[n]) ++res.trace_conflicts;
    }
    for (int32_t n : checks)
      if (chk_val[n]) chk_w[n] |= bit;
    ++res.cycles;
    if (++in_word == 64) eval_word();
  };
  bool edge = false;  // a rising clock edge in the current timestamp
  bool timed = false;
  uint64_t now = 0;
  std::string id, value;
  auto change = [&](const std::string& vid, const std::string& raw) {
    auto it = vars.find(vid);
    if (it == vars.end()) fail(tk.token_line(), "value change of undeclared identifier '" + vid + "'");
    Var& v = it->second;
    // right-aligned to the width; a shorter value is extended with 0 (or x/z when its MSB is x/z)
    auto bit = [&](int pos) -> char {  // pos from the MSB
      const int off = pos - (v.width - static_cast<int>(raw.size()));
      if (off >= 0) return static_cast<char>(std::tolower(static_cast<unsigned char>(raw[static_cast<size_t>(off)])));
      return raw.empty() || raw[0] == '1' ? '0' : static_cast<char>(std::tolower(static_cast<unsigned char>(raw[0])));
    };
    for (char c : raw)
      if (std::string("01xXzZ").find(c) == std::string::npos) fail(tk.token_line(), "bad value '" + raw + "'");
    for (size_t i = 0; i < v.src.size(); ++i) {  // a net's candidates vote (see "names of one net" above)
      const auto& [pos, n] = v.src[i];
      const uint8_t b = bit(pos) == '1';
      if (b == v.src_val[i]) continue;
      v.src_val[i] = b;
      const uint32_t wt = v.width <= 64 ? 2 : 1;
      if (b) ones[n] += wt;
      else ones[n] -= wt;
    }
    for (const auto& [pos, n] : v.chk) chk_val[n] = bit(pos) == '1';
    if (v.is_clock) {
      const char c = bit(v.width - 1);
      if (v.clock_last == '0' && c == '1') edge = true;
      v.clock_last = c;
    }
  };
  while (next(tok)) {
    const char c = tok[0];
    if (c == '#') {
      uint64_t t = 0;
      try {
        t = std::stoull(tok.substr(1));
      } catch (...) {
        fail(tk.token_line(), "bad timestamp '" + tok + "'");
      }
      if (timed && t < now) fail(tk.token_line(), "timestamp '" + tok + "' goes back in time");
      if (edge) sample();  // after every change of the edge's timestamp
      edge = false;
      timed = true;
      now = t;
    } else if (c == '$') {
      if (tok == "$comment") skip_to_end();
    } else if (c == 'b' || c == 'B') {
      if (!next(id)) fail(tk.token_line(), "vector value without identifier");
      change(id, tok.substr(1));
    } else if (c == 'r' || c == 'R') {
      next(id);
    } else if (std::string("01xXzZ").find(c) != std::string::npos) {
      if (tok.size() < 2) fail(tk.token_line(), "scalar value without identifier");
      change(tok.substr(1), tok.substr(0, 1));
    } else {
      fail(tk.token_line(), "unexpected '" + tok + "'");
    }
  }
  if (edge) sample();
  eval_word();

  {
    std::vector<std::pair<uint64_t, int32_t>> worst;
    for (const auto& [n, c] : mismatches)
      if (c > 0) worst.emplace_back(c, n);
    std::sort(worst.begin(), worst.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    if (worst.size() > 10) worst.resize(10);
    std::unordered_map<int32_t, std::string> name;  // the smallest name of each, for a stable report
    for (const auto& [c, n] : worst) name[n];
    for (const auto& [nm, n] : nl.names) {
      auto it = name.find(n);
      if (it != name.end() && (it->second.empty() || nm < it->second)) it->second = nm;
    }
    for (const auto& [c, n] : worst) res.worst_mismatches.emplace_back(name[n], c);
  }
  {
    std::sort(unknown_cones.begin(), unknown_cones.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    if (unknown_cones.size() > 10) unknown_cones.resize(10);
    std::unordered_map<int32_t, std::string> name;
    for (const auto& [c, n] : unknown_cones) name[n];
    for (const auto& [nm, n] : nl.names) {
      auto it = name.find(n);
      if (it != name.end() && (it->second.empty() || nm < it->second)) it->second = nm;
    }
    for (const auto& [c, n] : unknown_cones) res.worst_unknown.emplace_back(name[n].empty() ? "#" + std::to_string(n) : name[n], c);
  }
  // ---- counts and the cells' rates ---------------------------------------------------------------------------
  for (size_t n = 3; n < N; ++n) {
    if (clocked[n]) ++res.nets_clock;
    else if (traced[n]) ++res.nets_traced;
    else if (tainted[n] && driver[n] >= 0) ++res.nets_tainted;
    else if (driver[n] >= 0) ++res.nets_computed;
    else ++res.nets_unknown;
  }
  for (size_t ci = 0; ci < nl.cells.size(); ++ci) {
    const LibertyCell* lc = cell_lib[ci];
    if (!lc) continue;
    uint64_t t = 0;
    uint32_t known = 0, outs_n = 0, tr = 0;
    for (const LibertyOutput& o : lc->outputs) {
      const int32_t n = pin_net(ci, o.name);
      if (n < 0) continue;
      ++outs_n;
      if (n <= FlatNetlist::kConstX) {  // tied off: never changes
        ++known;
        continue;
      }
      if (clocked[n] || tainted[n] || !(traced[n] || driver[n] >= 0)) continue;
      t += toggles[n];
      ++known;
      tr += traced[n];
    }
    if (lc->sequential) {
      ++res.flops;
      if (outs_n > 0 && tr == outs_n) ++res.flops_traced;
    }
    if (known == outs_n && known > 0) res.cell_toggles.emplace(nl.cells[ci].path, std::make_pair(t, known));
  }
  return res;
}

void write_cell_activity(const std::string& file, const NetActivity& a) {
  std::ofstream o(file);
  nlohmann::json j = {{"cycles", a.cycles},          {"nets", a.nets},
                      {"nets_traced", a.nets_traced}, {"nets_computed", a.nets_computed},
                      {"nets_unknown", a.nets_unknown}, {"nets_tainted", a.nets_tainted}, {"nets_clock", a.nets_clock},
                      {"flops", a.flops},            {"flops_traced", a.flops_traced},
                      {"nets_checked", a.nets_checked}, {"check_bits", a.check_bits},
                      {"check_mismatches", a.check_mismatches}, {"trace_conflicts", a.trace_conflicts},
                      {"worst_mismatches", a.worst_mismatches}, {"worst_unknown", a.worst_unknown}};
  o << "# " << j.dump() << "\n";
  for (const auto& [leaf, tk] : a.cell_toggles) o << leaf << '\t' << tk.first << '\t' << tk.second << '\n';
  o.close();
  if (!o) throw std::runtime_error("cannot write " + file);
}

NetActivity read_cell_activity(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  NetActivity a;
  std::string l;
  if (!std::getline(in, l) || l.rfind("# ", 0) != 0) throw std::runtime_error(file + ":1: no header");
  try {
    const nlohmann::json j = nlohmann::json::parse(l.substr(2));
    a.cycles = j.at("cycles").get<uint64_t>();
    a.nets = j.at("nets").get<uint64_t>();
    a.nets_traced = j.at("nets_traced").get<uint64_t>();
    a.nets_computed = j.at("nets_computed").get<uint64_t>();
    a.nets_unknown = j.at("nets_unknown").get<uint64_t>();
    a.nets_tainted = j.at("nets_tainted").get<uint64_t>();
    a.nets_clock = j.at("nets_clock").get<uint64_t>();
    a.flops = j.at("flops").get<uint64_t>();
    a.flops_traced = j.at("flops_traced").get<uint64_t>();
    a.nets_checked = j.at("nets_checked").get<uint64_t>();
    a.check_bits = j.at("check_bits").get<uint64_t>();
    a.check_mismatches = j.at("check_mismatches").get<uint64_t>();
    a.trace_conflicts = j.at("trace_conflicts").get<uint64_t>();
    a.worst_mismatches = j.at("worst_mismatches").get<std::vector<std::pair<std::string, uint64_t>>>();
    if (j.contains("worst_unknown"))  // absent in files written before 2026-12-07
      a.worst_unknown = j.at("worst_unknown").get<std::vector<std::pair<std::string, uint64_t>>>();
  } catch (const std::exception& e) {
    throw std::runtime_error(file + ":1: bad header: " + e.what());
  }
  uint64_t n = 1;
  while (std::getline(in, l)) {
    ++n;
    const size_t t1 = l.find('\t'), t2 = t1 == std::string::npos ? t1 : l.find('\t', t1 + 1);
    if (t2 == std::string::npos) throw std::runtime_error(file + ":" + std::to_string(n) + ": expected leaf, toggles, outputs");
    try {
      size_t u1 = 0, u2 = 0;
      const std::string ts = l.substr(t1 + 1, t2 - t1 - 1), os = l.substr(t2 + 1);
      const uint64_t t = std::stoull(ts, &u1);
      const unsigned long outs = std::stoul(os, &u2);
      if (u1 != ts.size() || u2 != os.size() || outs == 0 || outs > 64 || t > a.cycles * outs) throw 0;
      a.cell_toggles[l.substr(0, t1)] = {t, static_cast<uint32_t>(outs)};
    } catch (...) {
      throw std::runtime_error(file + ":" + std::to_string(n) + ": bad counts");
    }
  }
  return a;
}

}  // namespace bfp::report
