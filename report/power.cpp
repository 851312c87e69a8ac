// SPDX-License-Identifier: Apache-2.0
#include "power.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace bfp::report {
namespace {

std::string dotted(std::string p) {
  for (char& c : p)
    if (c == '/') c = '.';
  return p;
}

std::string parent(const std::string& p) {
  const size_t i = p.rfind('/');
  return i == std::string::npos ? "" : p.substr(0, i);
}

// "$paramod$<hash>\\bfp_pe" or "$paramod\bfp_pe\X=1" -> "bfp_pe"
std::string base_module(const std::string& ref) {
  std::string m = ref;
  const size_t i = m.find("bfp_");
  if (i == std::string::npos) return m;
  m = m.substr(i);
  const size_t j = m.find('\\');
  return j == std::string::npos ? m : m.substr(0, j);
}

std::map<std::string, std::array<double, 4>> read_inst(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path + " (run scripts/ppa/power.sh)");
  std::map<std::string, std::array<double, 4>> res;
  std::string l;
  int n = 0;
  while (std::getline(in, l)) {
    ++n;
    std::istringstream s(l);
    std::array<double, 4> v{};
    std::string name;
    if (!(s >> v[0] >> v[1] >> v[2] >> v[3] >> name)) continue;  // header lines
    res[name] = v;
  }
  if (res.empty()) throw std::runtime_error(path + ": no instance lines");
  return res;
}

}  // namespace

NetlistPower read_netlist_power(const std::string& dir) {
  NetlistPower np;
  const auto a0 = read_inst(dir + "/power_inst_a0.txt");
  const auto a1 = read_inst(dir + "/power_inst_a1.txt");
  std::map<std::string, std::string> module_of;  // slash path -> module
  {
    const std::string path = dir + "/power_hier.txt";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path + " (run scripts/ppa/power.sh)");
    std::string inst, ref;
    while (in >> inst >> ref) {
      if (ref.rfind("bfp_sram_macro", 0) == 0) {
        // .../u_code/gen_macro.u_macro -> the bfp_sram instance .../u_code
        np.sram_macros[dotted(parent(inst))] = ref;
      } else {
        module_of[inst] = base_module(ref);
      }
    }
  }
  np.instances[""].module = "bfp_top";
  for (const auto& [path, m] : module_of) np.instances[dotted(path)].module = m;
  for (const auto& [leaf, v0] : a0) {
    if (module_of.count(leaf)) continue;  // a hierarchical instance: OpenSTA reports 0 for it
    auto it1 = a1.find(leaf);
    if (it1 == a1.end()) throw std::runtime_error(dir + ": instance " + leaf + " missing from power_inst_a1.txt");
    const std::string owner = dotted(parent(leaf));
    auto it = np.instances.find(owner);
    if (it == np.instances.end()) throw std::runtime_error(dir + ": leaf " + leaf + " has no known parent instance");
    InstancePower& ip = it->second;
    ip.cells += 1;
    ip.leaf_dynamic_w.emplace_back(leaf, it1->second[3] - v0[3]);
    ip.p0_w += v0[3];
    ip.p1_w += it1->second[3];
    ip.leakage_w += v0[2];
  }
  // Clock gating (scripts/ppa/power.sh): "<leaf cell> <bfp_icg instance>" for every leaf cell whose clock pin is
  // on a gate's output net. Only the leaf's own instance's figures are split; the gate may sit anywhere.
  const std::string gated_path = dir + "/power_gated.txt";
  std::ifstream gated(gated_path);
  if (gated) {
    std::string leaf, gate;
    while (gated >> leaf >> gate) {
      auto it0 = a0.find(leaf);
      if (it0 == a0.end()) throw std::runtime_error(gated_path + ": leaf " + leaf + " has no power figures");
      auto it = np.instances.find(dotted(parent(leaf)));
      if (it == np.instances.end()) throw std::runtime_error(gated_path + ": leaf " + leaf + " has no known parent instance");
      it->second.gated_clock_w[dotted(gate)] += it0->second[3] - it0->second[2];
    }
  }
  return np;
}

WeightedPower weight_power(const NetlistPower& np, const ToggleMap& toggles, uint64_t cycles,
                           const std::map<std::string, uint64_t>& gate_open,
                           const std::unordered_map<std::string, double>* cell_rate) {
  if (cycles == 0) throw std::invalid_argument("weight_power: zero cycles");
  WeightedPower w;
  std::map<std::string, ScopeToggles> per_inst;
  ScopeToggles all;
  for (const auto& [scope, t] : toggles) {
    std::string p = scope;
    while (!np.instances.count(p)) {
      const size_t i = p.rfind('.');
      p = i == std::string::npos ? "" : p.substr(0, i);
    }
    per_inst[p].bits += t.bits;
    per_inst[p].toggles += t.toggles;
    all.bits += t.bits;
    all.toggles += t.toggles;
  }
  const double cyc = static_cast<double>(cycles);
  w.mean_toggle_rate = all.bits ? all.toggles / (static_cast<double>(all.bits) * cyc) : 0.0;
  std::map<std::string, ScopeToggles> per_group;
  std::set<std::string> gates, unmeasured_gates;  // a gate's cells may lie in two instances (its AND, the FFs)
  for (const auto& [path, ip] : np.instances) {
    if (ip.cells == 0) continue;
    double r = w.mean_toggle_rate;
    auto it = per_inst.find(path);
    if (it != per_inst.end() && it->second.bits > 0) {
      r = it->second.toggles / (static_cast<double>(it->second.bits) * cyc);
      ++w.instances_measured;
      ScopeToggles& g = per_group[module_group(np.module_groups, ip.module)];
      g.bits += it->second.bits;
      g.toggles += it->second.toggles;
    } else {
      ++w.instances_unmeasured;
      w.unmeasured.push_back(path.empty() ? "(top)" : path);
    }
    // net-level rates (net_activity): each own leaf at its own rate, those without one at the instance's
    double dynamic = r * (ip.p1_w - ip.p0_w);
    if (cell_rate) {
      dynamic = 0;
      for (const auto& [leaf, dyn] : ip.leaf_dynamic_w) {
        auto c = cell_rate->find(leaf);
        dynamic += (c == cell_rate->end() ? r : c->second) * dyn;
      }
      if (ip.p1_w > ip.p0_w) r = dynamic / (ip.p1_w - ip.p0_w);
    }
    w.rate_by_instance[path.empty() ? "(top)" : path] = r;
    // the flip-flops behind a clock gate see a clock edge only in the cycles the gate was open
    double saved = 0;
    for (const auto& [gate, clock_w] : ip.gated_clock_w) {
      double open = 1.0;
      auto g = gate_open.find(gate);
      if (g != gate_open.end()) open = std::min(1.0, g->second / cyc);
      else unmeasured_gates.insert(gate);
      gates.insert(gate);
      w.gated_clock_full_w += clock_w;
      saved += (1.0 - open) * clock_w;
    }
    w.gated_clock_saved_w += saved;
    // the instance's three parts: leakage, clock pins (less what its gates save), switching at rate r
    const double clock = ip.p0_w - ip.leakage_w - saved;
    const double p = ip.leakage_w + clock + dynamic;
    const std::string group = module_group(np.module_groups, ip.module);
    w.leakage_w += ip.leakage_w;
    w.clock_w += clock;
    w.dynamic_w += dynamic;
    w.total_w += p;
    w.total_by_group_w[group] += p;
    w.dynamic_by_group_w[group] += dynamic;
    ModulePower& mp = w.by_module[ip.module];
    mp.instances += 1;
    mp.total_w += p;
    mp.clock_w += clock;
    mp.dynamic_w += dynamic;
    mp.leakage_w += ip.leakage_w;
  }
  for (const auto& [g, t] : per_group) w.rate_by_group[g] = t.toggles / (static_cast<double>(t.bits) * cyc);
  w.gates = gates.size();
  w.gates_unmeasured.assign(unmeasured_gates.begin(), unmeasured_gates.end());
  return w;
}

}  // namespace bfp::report
