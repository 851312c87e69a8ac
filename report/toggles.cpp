// SPDX-License-Identifier: Apache-2.0
#include "toggles.h"
#include "vcd_tokens.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace bfp::report {
namespace {

[[noreturn]] void fail(uint64_t line, const std::string& what) { VcdTokens::fail_at(line, what); }

struct VcdVar {
  std::vector<size_t> scopes;  // indexes into the scope list of its data names (aliases; clock nets left out)
  bool declared = false;
  int width = 1;
  std::string value;           // current value, MSB first, width chars; empty before the first value
  bool is_clock = false;        // the clock whose rising edges are counted
};

// Right-aligns a VCD vector value to `width` bits (VCD left-extends with 0, or with x/z when the MSB is x/z).
std::string extend(const std::string& v, int width) {
  if (static_cast<int>(v.size()) >= width) return v.substr(v.size() - width);
  const char pad = (v.empty() || v[0] == '1') ? '0' : (v[0] == 'x' || v[0] == 'z' ? v[0] : '0');
  return std::string(width - v.size(), pad) + v;
}

bool known(char c) { return c == '0' || c == '1'; }

}  // namespace

bool is_clock_net(const std::string& name) {
  const std::string base = name.substr(0, name.find('['));
  size_t b = 0;
  while (b <= base.size()) {
    size_t e = base.find('_', b);
    if (e == std::string::npos) e = base.size();
    const std::string word = base.substr(b, e - b);
    if (word == "clk" || word == "gclk") return true;
    b = e + 1;
  }
  return false;
}

VcdToggles count_vcd(std::istream& in, const std::string& clock) {
  VcdToggles res;
  std::vector<std::string> scope_stack;
  std::vector<std::string> scope_names;  // index -> dotted path without the top
  std::map<std::string, size_t> scope_index;  // dotted path -> index
  std::map<std::string, VcdVar> vars;    // id code -> var
  std::string tok;
  bool in_defs = true;
  bool dumpvars = false;

  VcdTokens tk(in);
  auto next = [&](std::string& t) { return tk.next(t); };
  auto skip_to_end = [&]() { tk.skip_to_end(); };
  auto change = [&](const std::string& id, const std::string& raw) {
    auto it = vars.find(id);
    if (it == vars.end()) fail(tk.token_line(), "value change of undeclared identifier '" + id + "'");
    VcdVar& v = it->second;
    std::string nv = extend(raw, v.width);
    for (char& ch : nv) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (ch != '0' && ch != '1' && ch != 'x' && ch != 'z') fail(tk.token_line(), "bad value '" + raw + "'");
    }
    if (!v.value.empty() && !dumpvars) {
      uint64_t n = 0;
      for (int i = 0; i < v.width; ++i)
        if (known(v.value[i]) && known(nv[i]) && v.value[i] != nv[i]) ++n;
      for (size_t s : v.scopes) res.scopes[scope_names[s]].toggles += n;
      if (v.is_clock && v.value.back() == '0' && nv.back() == '1') ++res.clock_edges;
    }
    v.value = std::move(nv);
  };

  while (next(tok)) {
    if (in_defs) {
      if (tk.scope_command(tok, scope_stack)) {
        if (scope_stack.size() == 1 && res.root.empty()) res.root = scope_stack[0];
      } else if (tok == "$var") {
        std::string id, ref;
        int width = 0;
        tk.var_decl(id, ref, width);
        if (scope_stack.empty()) fail(tk.token_line(), "$var outside a $scope");
        std::string path;
        for (size_t i = 1; i < scope_stack.size(); ++i) path += (path.empty() ? "" : ".") + scope_stack[i];
        // a model's VCD has tens of thousands of variables in thousands of scopes: index the scopes by path
        auto [slot, added] = scope_index.emplace(path, scope_names.size());
        if (added) scope_names.push_back(path);
        const size_t si = slot->second;
        VcdVar& v = vars[id];
        if (v.declared && v.width != width) fail(tk.token_line(), "alias '" + id + "' with a different width");
        v.declared = true;
        v.width = width;
        std::string base = ref.substr(0, ref.find('['));
        // each name of an alias by its own name: a clock wired into a port named as data counts there
        if (is_clock_net(base)) {
          res.clock_net_bits += static_cast<uint64_t>(width);
        } else {
          v.scopes.push_back(si);
          res.scopes[path].bits += static_cast<uint64_t>(width);
        }
        std::string full = scope_stack[0] + (path.empty() ? "" : "." + path) + "." + base;
        if (!clock.empty() && (clock == full || clock == base || (clock[0] == '.' && path.empty() && clock.substr(1) == base)))
          v.is_clock = true;
      } else if (tok == "$enddefinitions") {
        skip_to_end();
        in_defs = false;
      } else if (tok[0] == '$') {
        skip_to_end();  // $date, $version, $timescale, $comment
      } else {
        fail(tk.token_line(), "unexpected '" + tok + "' in the header");
      }
      continue;
    }
    const char c = tok[0];
    if (c == '#') {
      try {
        res.end_time = std::stoull(tok.substr(1));
      } catch (...) {
        fail(tk.token_line(), "bad timestamp '" + tok + "'");
      }
    } else if (c == '$') {
      if (tok == "$dumpvars" || tok == "$dumpall") dumpvars = true;
      else if (tok == "$end") dumpvars = false;
      else if (tok == "$comment") skip_to_end();
      // $dumpon/$dumpoff: ignored
    } else if (c == 'b' || c == 'B') {
      std::string id;
      if (!next(id)) fail(tk.token_line(), "vector value without identifier");
      change(id, tok.substr(1));
    } else if (c == 'r' || c == 'R') {
      std::string id;
      next(id);  // real values carry no bits
    } else if (c == '0' || c == '1' || c == 'x' || c == 'X' || c == 'z' || c == 'Z') {
      if (tok.size() < 2) fail(tk.token_line(), "scalar value without identifier");
      change(tok.substr(1), tok.substr(0, 1));
    } else {
      fail(tk.token_line(), "unexpected '" + tok + "'");
    }
  }
  if (in_defs) fail(tk.line(), "no $enddefinitions");
  return res;
}

namespace {

// Coverage records: C '<\001key\002value>...' count
std::map<std::string, std::string> cov_fields(const std::string& rec) {
  std::map<std::string, std::string> f;
  size_t i = 0;
  while ((i = rec.find('\001', i)) != std::string::npos) {
    const size_t k = i + 1;
    const size_t v = rec.find('\002', k);
    if (v == std::string::npos) break;
    size_t e = rec.find('\001', v + 1);
    f[rec.substr(k, v - k)] = rec.substr(v + 1, (e == std::string::npos ? rec.size() : e) - v - 1);
    i = v + 1;
  }
  return f;
}

std::string strip_top(const std::string& h) {
  // "bfp_top.bfp_top.u_core.x" -> "u_core.x"; "bfp_top.bfp_top" -> ""
  size_t a = h.find('.');
  if (a == std::string::npos) return "";
  size_t b = h.find('.', a + 1);
  return b == std::string::npos ? "" : h.substr(b + 1);
}

std::string source_line(const std::string& file, int lineno, std::map<std::string, std::vector<std::string>>& cache) {
  auto it = cache.find(file);
  if (it == cache.end()) {
    std::vector<std::string> lines;
    std::ifstream f(file);
    for (std::string l; std::getline(f, l);) lines.push_back(l);
    it = cache.emplace(file, std::move(lines)).first;
  }
  return lineno >= 1 && lineno <= static_cast<int>(it->second.size()) ? it->second[lineno - 1] : "";
}

}  // namespace

CoverageToggles parse_coverage(std::istream& in) {
  CoverageToggles res;
  std::map<std::string, std::vector<std::string>> files;
  std::string l;
  uint64_t n = 0;
  while (std::getline(in, l)) {
    ++n;
    if (l.empty() || l[0] == '#') continue;
    const size_t q1 = l.find('\'');
    const size_t q2 = l.rfind('\'');
    if (l.rfind("C ", 0) != 0 || q1 == std::string::npos || q2 <= q1)
      throw std::runtime_error("coverage line " + std::to_string(n) + ": not a 'C' record");
    uint64_t count = 0;
    try {
      count = std::stoull(l.substr(q2 + 1));
    } catch (...) {
      throw std::runtime_error("coverage line " + std::to_string(n) + ": no count");
    }
    auto f = cov_fields(l.substr(q1 + 1, q2 - q1 - 1));
    const std::string& page = f["page"];
    const std::string scope = strip_top(f["h"]);
    if (f["h"].find('*') != std::string::npos)
      throw std::runtime_error("coverage line " + std::to_string(n) +
                               ": merged hierarchy '" + f["h"] + "' (write the coverage per instance)");
    if (page.rfind("v_toggle/", 0) == 0) {
      if (!is_clock_net(f["o"])) {
        ScopeToggles& s = res.scopes[scope];
        s.bits += 1;
        s.toggles += count;
      }
      if (page.rfind("v_toggle/bfp_icg", 0) == 0 && f["o"] == "gclk_o") {
        const uint64_t open = (count + 1) / 2;
        res.gates[scope] += open;
        // a gated bfp_sram (rtl/bfp_sram.sv gen_gated): its gates' open cycles are its writes and reads
        for (const char* g : {".gen_gated.u_icg_w", ".gen_gated.u_icg_r"}) {
          const std::string suffix = g;
          if (scope.size() > suffix.size() && scope.compare(scope.size() - suffix.size(), suffix.size(), suffix) == 0) {
            SramAccesses& a = res.srams[scope.substr(0, scope.size() - suffix.size())];
            (suffix.back() == 'w' ? a.writes : a.reads) += open;
          }
        }
      }
    } else if (page.rfind("v_branch/bfp_sram", 0) == 0 && f["o"] == "if") {
      const std::string src = source_line(f["f"], std::atoi(f["l"].c_str()), files);
      if (src.find("we_i") != std::string::npos) res.srams[scope].writes += count;
      else if (src.find("re_i") != std::string::npos) res.srams[scope].reads += count;
    }
  }
  return res;
}

bool summarize_activity_vcd(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path vcd = fs::path(dir) / "activity.vcd";
  if (!fs::exists(vcd)) return false;
  const fs::path cycles_file = fs::path(dir) / "coverage.dat.cycles";
  uint64_t cycles = 0;
  {
    std::ifstream c(cycles_file);
    if (!(c >> cycles) || cycles == 0) throw std::runtime_error("no cycle count in " + cycles_file.string());
  }
  VcdToggles v;
  {
    std::ifstream in(vcd);
    if (!in) throw std::runtime_error("cannot read " + vcd.string());
    try {
      v = count_vcd(in, kVcdClock);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(vcd.string() + ": " + e.what());
    }
  }
  // the shim's first dump is at a low clock: each of its cycles is one rising edge of clk_i
  if (v.clock_edges != cycles)
    throw std::runtime_error(vcd.string() + ": " + std::to_string(v.clock_edges) + " rising edges of clk_i, " +
                             std::to_string(cycles) + " cycles in " + cycles_file.string() + ": not the same run");
  // Verilator's traces wrap the top module in a root scope of the same name holding copies of its ports
  const bool wrapped = v.scopes.count(v.root) > 0;
  std::map<std::string, ScopeToggles> scopes;
  for (const auto& [path, t] : v.scopes) {
    std::string p = path;
    if (wrapped) {
      if (path.empty()) continue;  // the wrapper's own copies of the top's ports
      if (path == v.root) p = "";
      else if (path.rfind(v.root + ".", 0) == 0) p = path.substr(v.root.size() + 1);
      else throw std::runtime_error(vcd.string() + ": scope '" + v.root + "." + path + "' beside the top module '" +
                                    v.root + "' in the wrapper: not a path of the design");
    }
    scopes[p].bits += t.bits;
    scopes[p].toggles += t.toggles;
  }
  nlohmann::json j;
  j["source"] = "vcd";
  j["method"] = kToggleMethod;
  j["clock_edges"] = v.clock_edges;
  j["clock_net_bits"] = v.clock_net_bits;
  nlohmann::json sc = nlohmann::json::object();
  for (const auto& [p, t] : scopes) sc[p] = {t.bits, t.toggles};
  j["scopes"] = sc;
  const fs::path out = fs::path(dir) / "activity_toggles.json";
  {
    std::ofstream o(out);
    o << j.dump() << "\n";
    o.close();
    if (!o) throw std::runtime_error("cannot write " + out.string());
  }
  fs::remove(vcd);
  return true;
}

ToggleMap read_activity_toggles(const std::string& file, uint64_t& clock_edges) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  ToggleMap m;
  try {
    if (j.is_discarded() || j.at("source") != "vcd") throw std::runtime_error("not an activity toggle summary");
    if (!j.contains("method") || j.at("method") != kToggleMethod)
      throw std::runtime_error("a summary of another toggle method (not " + std::string(kToggleMethod) +
                               "): run the activity again (without --reuse-runs)");
    clock_edges = j.at("clock_edges").get<uint64_t>();
    for (const auto& [path, bt] : j.at("scopes").items()) {
      if (!bt.is_array() || bt.size() != 2) throw std::runtime_error("scope '" + path + "': expected [bits, toggles]");
      m[path] = {bt[0].get<uint64_t>(), bt[1].get<uint64_t>()};
    }
  } catch (const std::exception& e) {  // a missing key or a wrong type (nlohmann), or a check above
    throw std::runtime_error(file + ": " + e.what());
  }
  return m;
}

}  // namespace bfp::report
