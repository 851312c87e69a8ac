// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "mapper/run.h"
#include "tech_scaling.h"
#include "train_workload.h"

namespace bfp::report {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json_file(const std::string& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot read " + p);
  try {
    return json::parse(in);
  } catch (const std::exception& e) {
    throw std::runtime_error(p + ": " + e.what());
  }
}

double sig(double v, int digits = 4) {
  if (v == 0 || !std::isfinite(v)) return v;
  const double m = std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  return std::round(v * m) / m;
}

std::string fmt(double v, int prec = 3) {
  char b[64];
  if (std::fabs(v) >= 1e5) std::snprintf(b, sizeof b, "%.0f", v);
  else if (std::fabs(v) < 1e-3 && v != 0) std::snprintf(b, sizeof b, "%.*g", std::max(prec, 2), v);
  else std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

// The workload JSON an activity run left (scripts/ppa/activity.sh): a training step, a network or a GEMM.
std::string workload_file(const std::string& dir) {
  for (const char* f : {"/train.json", "/run.json"})
    if (fs::exists(dir + f)) return f;
  return "/gemm.json";
}

}  // namespace

json network_as_gemm(const json& run) {
  const mapper::NetReport net = run.get<mapper::NetReport>();  // the struct `bfpgen run --json` was written from
  double macs = 0, useful = 0, rd = 0, wr = 0, zeros = 0;
  for (const mapper::LayerReport& l : net.layers) {
    if (l.where != "rtl") continue;  // host layers cost no device cycles and no device energy
    const double m = double(l.macs);
    macs += m;
    useful += double(l.useful_macs);
    rd += double(l.read_bytes);
    wr += double(l.write_bytes);
    zeros += m * l.zeros_in;
  }
  json g;
  g["gemm"] = "network " + net.network;
  g["macs"] = macs;
  g["useful_macs"] = useful;
  g["memory"] = {{"read_bytes", rd}, {"write_bytes", wr}};
  g["cycles"] = {{"total", net.cycles}};
  g["bit_exact"] = net.bit_exact;
  g["sparsity"] = {{"achieved", {{"act", macs > 0 ? zeros / macs : 0.0}}}};
  return g;
}

Run load_run(const std::string& dir, double act_sparsity) {
  Run r;
  r.act_sparsity = act_sparsity;
  r.dir = dir;
  const std::string wf = workload_file(dir);
  const json w = read_json_file(dir + wf);
  r.gemm = wf == "/train.json" ? training_step_as_gemm(w) : wf == "/run.json" ? network_as_gemm(w) : w;
  {
    std::ifstream in(dir + "/coverage.dat");
    if (!in) throw std::runtime_error("cannot read " + dir + "/coverage.dat");
    r.cov = parse_coverage(in);
  }
  std::ifstream c(dir + "/coverage.dat.cycles");
  if (!(c >> r.cycles) || r.cycles == 0) throw std::runtime_error("no cycle count in " + dir + "/coverage.dat.cycles");
  const std::string tf = dir + "/activity_toggles.json";
  if (std::filesystem::exists(tf)) {
    uint64_t edges = 0;
    r.vcd_toggles = read_activity_toggles(tf, edges);
    r.has_vcd = true;
    if (std::filesystem::exists(dir + "/activity_cells.tsv")) r.cells_file = dir + "/activity_cells.tsv";
    // summarize_activity_vcd checked the VCD against this run's cycles; a summary copied from another run fails here
    if (edges != r.cycles)
      throw std::runtime_error(tf + ": " + std::to_string(edges) + " clock edges in the VCD, " +
                               std::to_string(r.cycles) + " cycles in coverage.dat.cycles: not the same run");
  }
  return r;
}

NetLevel read_net_level(const std::string& asic_dir) {
  NetLevel nl;
  const std::string tcl = asic_dir + "/power.tcl";
  std::ifstream in(tcl);
  if (!in) throw std::runtime_error("cannot read " + tcl + " (run scripts/ppa/power.sh)");
  int libs = 0;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("read_liberty ", 0) != 0) continue;
    read_liberty(l.substr(13), nl.lib);
    ++libs;
  }
  if (libs == 0) throw std::runtime_error(tcl + ": no read_liberty line");
  nl.netlist = read_flat_netlist(asic_dir + "/asic_netlist.v", "bfp_top");
  return nl;
}

json build_report(const std::string& asic_dir, const NetlistPower& np, const std::vector<Run>& runs,
                  const std::vector<double>& nodes_nm) {
  const json asic = read_json_file(asic_dir + "/asic.json");
  const double fmax_mhz = asic.at("fmax_mhz").get<double>();
  const double f_hz = fmax_mhz * 1e6;
  const double area_mm2 = asic.at("total_area_mm2").get<double>();
  const json& cfgv = asic.at("config_values");
  const int rows = cfgv.at("array").at("rows").get<int>();
  const int cols = cfgv.at("array").at("cols").get<int>();
  const double peak_tops = 2.0 * rows * cols * f_hz / 1e12;

  json rep;
  rep["generator"] = "bfpgen report (docs/ppa.md)";
  rep["config"] = asic.at("config");
  rep["config_hash"] = asic.at("config_hash");
  rep["technology"] = "osu018 180 nm, typical corner, 1.8 V (no wire load, ideal clock)";
  rep["sources"] = {
      {"asic_json", fs::absolute(asic_dir + "/asic.json").string()},
      {"power_inst_a0", fs::absolute(asic_dir + "/power_inst_a0.txt").string()},
      {"power_inst_a1", fs::absolute(asic_dir + "/power_inst_a1.txt").string()},
      {"power_hier", fs::absolute(asic_dir + "/power_hier.txt").string()},
      {"power_tcl", fs::absolute(asic_dir + "/power.tcl").string()},
      {"sta_log", fs::absolute(asic_dir + "/sta.log").string()}};
  rep["constants"] = {
      {"horowitz_mult8_pj", Constants::kHorowitzMult8Pj},
      {"horowitz_add8_pj", Constants::kHorowitzAdd8Pj},
      {"horowitz_add32_pj", Constants::kHorowitzAdd32Pj},
      {"dram_64bit_access_pj_low", Constants::kDram64bitLowPj},
      {"dram_64bit_access_pj_high", Constants::kDram64bitHighPj},
      {"dram_energy_per_byte_pj_low", Constants::kDram64bitLowPj / 8},
      {"dram_energy_per_byte_pj_high", Constants::kDram64bitHighPj / 8},
      {"sram_64bit_8kb_read_pj_45nm", Constants::kSram64bit8kbPj},
      {"source_horowitz", "M. Horowitz, 'Computing's Energy Problem (and what we can do about it)', ISSCC 2014, "
                          "Fig. 1.1.9 (45 nm, 0.9 V): 8-bit multiply 0.2 pJ, 8-bit add 0.03 pJ, 32-bit add 0.1 pJ, "
                          "64-bit SRAM read 10 pJ (8 KB), DRAM 1.3-2.6 nJ per 64-bit access"},
      {"source_scaling", "A. Stillmaker and B. Baas, 'Scaling equations for the accurate prediction of CMOS device "
                         "performance from 180 nm to 7 nm', Integration, the VLSI Journal 58 (2017) 74-81, "
                         "with its erratum"},
      {"source_sram", "scripts/ppa/sram_model.py (documented in docs/ppa.md, 'SRAM macro model')"}};
  rep["fmax_mhz"] = fmax_mhz;
  rep["clock_period_ns"] = asic.at("critical_path_ns");
  rep["area_mm2"] = area_mm2;
  json groups = json::object();
  for (auto& [g, a] : asic.at("area_by_group_um2").items()) groups[g] = a.get<double>() / 1e6;
  rep["area_by_group_mm2"] = groups;
  rep["pe_count"] = rows * cols;
  rep["peak_tops"] = peak_tops;
  rep["peak_tops_per_mm2"] = peak_tops / area_mm2;
  rep["power_method"] =
      "OpenSTA report_power per leaf cell at activity 0 and 1 (scripts/ppa/power.sh, achieved clock); per leaf cell "
      "P = P0 + r (P1 - P0). GEMM runs (power_granularity net): r = the 0<->1 changes per cycle of the cell's output "
      "nets in a zero-delay simulation of the netlist (no glitches), one sample per clock cycle: nets without a "
      "combinational driver (flip-flop outputs, inputs, macro outputs) take the traced values of the RTL signals of "
      "their names in the run's VCD, the combinational cells are evaluated with their Liberty functions; cells fed "
      "by an untraced net (tainted), clock drivers and loops, and runs without a VCD (power_granularity instance), "
      "use r = toggles / (bits x cycles) of the "
      "RTL scopes mapped onto their netlist instance (VCD, or Verilator toggle coverage, which has no signals "
      "declared in generate blocks); flip-flops behind a clock gate (power.clock_gating: gate): their P0 less "
      "leakage x the fraction of cycles their gate was open (toggles of the gate's gclk_o / 2); SRAM macros: "
      "accesses from branch coverage (gated memories: their gates' open cycles) x the model's energy per access";

  // SRAM macro energies (pJ per access) by macro cell name, from asic.json (scripts/ppa/sram_model.py)
  std::map<std::string, std::pair<double, double>> macro_e;
  for (auto& [name, m] : asic.at("sram_macros").items())
    macro_e[name] = {m.at("read_energy_pj").get<double>(), m.at("write_energy_pj").get<double>()};

  json jruns = json::array();
  for (const Run& run : runs) {
    const ToggleMap& toggles = run.has_vcd ? run.vcd_toggles : run.cov.scopes;
    NetActivity na;
    std::unordered_map<std::string, double> cell_rate;
    const bool net_level = !run.cells_file.empty();
    if (net_level) {
      na = read_cell_activity(run.cells_file);
      if (na.cycles != run.cycles)
        throw std::runtime_error(run.cells_file + ": " + std::to_string(na.cycles) + " cycles simulated, " +
                                 std::to_string(run.cycles) + " in the run: not the same run");
      for (const auto& [leaf, tk] : na.cell_toggles) {
        bool found = false;
        cell_rate[leaf] = na.rate(leaf, found);
      }
    }
    const WeightedPower wp = weight_power(np, toggles, run.cycles, run.cov.gates, net_level ? &cell_rate : nullptr);
    // the same run at one rate per instance (every report before 2026-12-07): for comparison only
    const double instance_logic_w = net_level ? weight_power(np, toggles, run.cycles, run.cov.gates).total_w : wp.total_w;
    const double t_s = run.cycles / f_hz;
    double sram_pj = 0;
    uint64_t reads = 0, writes = 0, macro_inst = 0, macro_seen = 0;
    for (const auto& [inst, macro] : np.sram_macros) {
      ++macro_inst;
      auto it = run.cov.srams.find(inst);
      if (it == run.cov.srams.end()) continue;
      ++macro_seen;
      const auto& e = macro_e.at(macro);
      sram_pj += it->second.reads * e.first + it->second.writes * e.second;
      reads += it->second.reads;
      writes += it->second.writes;
    }
    if (macro_inst != macro_seen)
      throw std::runtime_error(run.dir + ": " + std::to_string(macro_inst - macro_seen) +
                               " SRAM macro instances have no access counts in coverage.dat (netlist and RTL "
                               "instance paths differ?)");
    const json& g = run.gemm;
    const double macs = g.at("macs").get<double>();
    const double useful = g.at("useful_macs").get<double>();
    const double bytes = g.at("memory").at("read_bytes").get<double>() + g.at("memory").at("write_bytes").get<double>();
    const double logic_pj = wp.total_w * t_s * 1e12;
    const double chip_pj = logic_pj + sram_pj;
    const double chip_w = chip_pj * 1e-12 / t_s;
    const double pe_w = wp.total_by_group_w.count("PE array") ? wp.total_by_group_w.at("PE array") : 0.0;
    const double pe_dyn_w = wp.dynamic_by_group_w.count("PE array") ? wp.dynamic_by_group_w.at("PE array") : 0.0;
    const double dram_lo = bytes / 8 * Constants::kDram64bitLowPj, dram_hi = bytes / 8 * Constants::kDram64bitHighPj;
    const double eff_tops = 2 * macs / t_s / 1e12;
    const double useful_tops = 2 * useful / t_s / 1e12;
    json jr;
    jr["act_sparsity"] = run.act_sparsity;
    jr["achieved_act_sparsity"] = g.at("sparsity").at("achieved").at("act");
    jr["wgt_sparsity"] = run.wgt_sparsity;
    jr["achieved_wgt_sparsity"] = g.at("sparsity").at("achieved").value("wgt", 0.0);
    jr["workload"] = g.at("gemm");
    jr["bit_exact"] = g.at("bit_exact");
    jr["cycles"] = run.cycles;
    jr["harness_cycles"] = g.at("cycles").at("total");
    jr["time_us"] = t_s * 1e6;
    jr["macs"] = macs;
    jr["useful_macs"] = useful;
    jr["toggle_source"] = run.has_vcd ? "vcd" : "coverage";
    jr["power_granularity"] = net_level ? "net" : "instance";
    if (net_level)
      jr["net_activity"] = {{"nets", na.nets}, {"nets_traced", na.nets_traced}, {"nets_computed", na.nets_computed},
                            {"nets_unknown", na.nets_unknown}, {"nets_tainted", na.nets_tainted},
                            {"nets_clock", na.nets_clock}, {"flops", na.flops},
                            {"flops_traced", na.flops_traced}, {"cells_with_own_rate", na.cell_toggles.size()},
                            {"nets_checked", na.nets_checked}, {"check_bits", na.check_bits},
                            {"check_mismatches", na.check_mismatches}, {"trace_conflicts", na.trace_conflicts},
                            {"worst_mismatches", na.worst_mismatches}, {"worst_unknown", na.worst_unknown}};
    jr["mean_toggle_rate"] = wp.mean_toggle_rate;
    jr["toggle_rate_by_group"] = wp.rate_by_group;
    jr["instances_measured"] = wp.instances_measured;
    jr["instances_unmeasured"] = wp.unmeasured;
    jr["logic_power_mw"] = wp.total_w * 1e3;
    jr["leakage_power_mw"] = wp.leakage_w * 1e3;
    jr["clock_pin_power_mw"] = wp.clock_w * 1e3;
    jr["clock_gates"] = wp.gates;
    jr["gated_clock_pin_power_ungated_mw"] = wp.gated_clock_full_w * 1e3;
    jr["clock_gating_saved_mw"] = wp.gated_clock_saved_w * 1e3;
    jr["clock_gates_unmeasured"] = wp.gates_unmeasured;
    jr["switching_activity_power_mw"] = wp.dynamic_w * 1e3;
    json pg = json::object();
    for (const auto& [k, v] : wp.total_by_group_w) pg[k] = v * 1e3;
    jr["logic_power_by_group_mw"] = pg;
    json pm = json::object();
    for (const auto& [m, v] : wp.by_module)
      pm[m] = {{"instances", v.instances}, {"total", v.total_w * 1e3}, {"clock_pins", v.clock_w * 1e3},
               {"switching", v.dynamic_w * 1e3}, {"leakage", v.leakage_w * 1e3}};
    jr["logic_power_by_module_mw"] = pm;
    jr["sram_reads"] = reads;
    jr["sram_writes"] = writes;
    jr["sram_energy_nj"] = sram_pj / 1e3;
    jr["sram_power_mw"] = sram_pj * 1e-12 / t_s * 1e3;
    jr["logic_energy_nj"] = logic_pj / 1e3;
    jr["chip_energy_nj"] = chip_pj / 1e3;
    jr["chip_power_mw"] = chip_w * 1e3;
    jr["dram_bytes"] = bytes;
    jr["dram_energy_nj_low"] = dram_lo / 1e3;
    jr["dram_energy_nj_high"] = dram_hi / 1e3;
    jr["effective_tops"] = eff_tops;
    jr["useful_tops"] = useful_tops;
    jr["utilization"] = eff_tops / peak_tops;
    jr["tops_per_w"] = eff_tops / chip_w;
    jr["useful_tops_per_w"] = useful_tops / chip_w;
    jr["tops_per_w_with_dram_low"] = 2 * macs / ((chip_pj + dram_lo) * 1e-12) / 1e12;
    jr["tops_per_w_with_dram_high"] = 2 * macs / ((chip_pj + dram_hi) * 1e-12) / 1e12;
    jr["effective_tops_per_mm2"] = eff_tops / area_mm2;
    jr["energy_per_mac_pj"] = chip_pj / macs;
    // what one rate per netlist instance would give (the method before net-level rates): comparisons only
    jr["instance_granularity"] = {{"logic_power_mw", instance_logic_w * 1e3},
                                  {"energy_per_mac_pj", (instance_logic_w * t_s * 1e12 + sram_pj) / macs}};
    jr["energy_per_useful_mac_pj"] = useful > 0 ? chip_pj / useful : 0.0;
    jr["pe_array_energy_per_mac_pj"] = pe_w * t_s * 1e12 / macs;
    jr["pe_array_switching_energy_per_mac_pj"] = pe_dyn_w * t_s * 1e12 / macs;
    jr["energy_per_external_byte_pj"] = bytes > 0 ? chip_pj / bytes : 0.0;
    jr["files"] = {{"workload_json", fs::absolute(run.dir + workload_file(run.dir)).string()},
                   {"coverage", fs::absolute(run.dir + "/coverage.dat").string()},
                   {"cycles", fs::absolute(run.dir + "/coverage.dat.cycles").string()}};
    jruns.push_back(jr);
  }
  rep["runs"] = jruns;

  // technology scaling
  json scaled = json::array();
  for (double n : nodes_nm) {
    const ScaleFactors s = scale_from_180(n);
    json js;
    js["node_nm"] = n;
    js["factors"] = {{"vdd_v", s.vdd_v}, {"delay", sig(s.delay)}, {"energy", sig(s.energy)},
                     {"area", sig(s.area)}, {"interpolated", s.interpolated}, {"note", s.note}};
    js["fmax_mhz"] = fmax_mhz / s.delay;
    js["area_mm2"] = area_mm2 * s.area;
    js["peak_tops"] = peak_tops / s.delay;
    js["peak_tops_per_mm2"] = peak_tops / s.delay / (area_mm2 * s.area);
    json jr = json::array();
    for (const json& r : jruns) {
      const double e_mac = r["energy_per_mac_pj"].get<double>() * s.energy;
      jr.push_back({{"act_sparsity", r["act_sparsity"]},
                    {"wgt_sparsity", r["wgt_sparsity"]},
                    {"effective_tops", r["effective_tops"].get<double>() / s.delay},
                    {"tops_per_w", r["tops_per_w"].get<double>() / s.energy},
                    {"useful_tops_per_w", r["useful_tops_per_w"].get<double>() / s.energy},
                    {"effective_tops_per_mm2", r["effective_tops"].get<double>() / s.delay / (area_mm2 * s.area)},
                    {"energy_per_mac_pj", e_mac},
                    {"pe_array_energy_per_mac_pj", r["pe_array_energy_per_mac_pj"].get<double>() * s.energy}});
    }
    js["runs"] = jr;
    scaled.push_back(js);
  }
  rep["scaled"] = scaled;

  // sanity check against Horowitz at 45 nm: the PE array's energy per MAC of the dense run
  if (!jruns.empty()) {
    const ScaleFactors s45 = scale_from_180(45);
    const json& r0 = jruns[0];
    const double ref = Constants::kHorowitzMult8Pj + Constants::kHorowitzAdd8Pj;
    const double pe45 = r0["pe_array_energy_per_mac_pj"].get<double>() * s45.energy;
    const double chip45 = r0["energy_per_mac_pj"].get<double>() * s45.energy;
    const double sw45 = r0["pe_array_switching_energy_per_mac_pj"].get<double>() * s45.energy;
    rep["horowitz_check"] = {
        {"act_sparsity", r0["act_sparsity"]},
        {"reference_pj", ref},
        {"reference", "8-bit multiply 0.2 pJ + 8-bit add 0.03 pJ at 45 nm (Horowitz ISSCC 2014)"},
        {"energy_scale_180_to_45", s45.energy},
        {"pe_array_energy_per_mac_pj_45nm", pe45},
        {"chip_energy_per_mac_pj_45nm", chip45},
        {"pe_array_switching_energy_per_mac_pj_45nm", sw45},
        {"pe_array_switching_ratio", sw45 / ref},
        {"pe_array_ratio", pe45 / ref},
        {"chip_ratio", chip45 / ref},
        {"within_3x", pe45 / ref <= 3.0 && pe45 / ref >= 1.0 / 3.0}};
  }
  return rep;
}

namespace {
/// A run's column label: its activation sparsity, and its weight sparsity when the run has weight zeros.
std::string run_label(const json& r) {
  std::string s = fmt(r["act_sparsity"].get<double>(), 2);
  const double w = r.value("wgt_sparsity", 0.0);
  if (w > 0) s += " / wgt " + fmt(w, 2);
  return s;
}
}  // namespace

bool has_activation_sparsity_points(const json& rep) {
  for (const json& r : rep["runs"])
    if (r.value("wgt_sparsity", 0.0) <= 0) return true;
  return false;
}

std::string render_markdown(const json& rep) {
  std::ostringstream o;
  o << "# PPA report: config `" << rep["config"].get<std::string>() << "`\n\n";
  o << "Generated by `bfpgen report` (method: docs/ppa.md, \"Power from measured activity\"). Technology: "
    << rep["technology"].get<std::string>() << ". Every figure traces to a file listed under Sources or to a "
       "cited constant.\n\n";
  o << "## Design\n\n";
  o << "| figure | value |\n|---|---:|\n";
  o << "| area | " << fmt(rep["area_mm2"].get<double>()) << " mm^2 |\n";
  o << "| achieved clock (OpenSTA) | " << fmt(rep["fmax_mhz"].get<double>(), 1) << " MHz |\n";
  o << "| PEs | " << rep["pe_count"].get<int>() << " |\n";
  o << "| peak TOPS (2 ops/MAC) | " << fmt(rep["peak_tops"].get<double>(), 4) << " |\n";
  o << "| peak TOPS/mm^2 | " << fmt(rep["peak_tops_per_mm2"].get<double>(), 5) << " |\n\n";
  o << "![area breakdown](area_breakdown.svg)\n\n";
  o << "## Workload runs (180 nm, measured activity)\n\n";
  const json& runs = rep["runs"];
  o << "| figure |";
  for (const json& r : runs) o << " act sparsity " << run_label(r) << " |";
  o << "\n|---|";
  for (size_t i = 0; i < runs.size(); ++i) o << "---:|";
  o << "\n";
  auto row = [&](const std::string& label, const std::string& key, int prec) {
    o << "| " << label << " |";
    for (const json& r : runs) o << " " << fmt(r[key].get<double>(), prec) << " |";
    o << "\n";
  };
  row("achieved activation sparsity", "achieved_act_sparsity", 3);
  bool any_wgt = false;
  for (const json& r : runs) any_wgt = any_wgt || r.value("wgt_sparsity", 0.0) > 0;
  if (any_wgt) row("achieved weight sparsity", "achieved_wgt_sparsity", 3);
  row("cycles", "cycles", 0);
  row("MACs (dense-equivalent)", "macs", 0);
  row("useful MACs (both operands non-zero)", "useful_macs", 0);
  o << "| toggles from (vcd: every signal; coverage: none declared in generate blocks) |";
  for (const json& r : runs) o << " " << r.value("toggle_source", std::string("coverage")) << " |";
  o << "\n| rates per (net: every cell its own, from the netlist simulated with the traced registers; instance: one "
       "per netlist instance) |";
  for (const json& r : runs) o << " " << r.value("power_granularity", std::string("instance")) << " |";
  o << "\n";
  row("mean toggle rate (toggles/bit/cycle)", "mean_toggle_rate", 4);
  row("logic power (mW)", "logic_power_mw", 1);
  row("  of which leakage (mW)", "leakage_power_mw", 4);
  row("  of which clock pins, activity-independent (mW)", "clock_pin_power_mw", 1);
  if (!runs.empty() && runs[0].value("clock_gates", 0) > 0)
    row("  clock pins saved by the clock gates (mW)", "clock_gating_saved_mw", 1);
  row("  of which switching activity (mW)", "switching_activity_power_mw", 1);
  row("SRAM reads", "sram_reads", 0);
  row("SRAM writes", "sram_writes", 0);
  row("SRAM power (mW)", "sram_power_mw", 1);
  row("chip power (mW)", "chip_power_mw", 1);
  row("effective TOPS (dense-equivalent)", "effective_tops", 4);
  row("useful TOPS", "useful_tops", 4);
  row("**TOPS/W** (dense-equivalent, chip)", "tops_per_w", 4);
  row("useful TOPS/W", "useful_tops_per_w", 4);
  row("TOPS/W incl. DRAM (1.3 nJ/64 bit)", "tops_per_w_with_dram_low", 4);
  row("TOPS/W incl. DRAM (2.6 nJ/64 bit)", "tops_per_w_with_dram_high", 4);
  row("effective TOPS/mm^2", "effective_tops_per_mm2", 5);
  row("energy per MAC (pJ, chip)", "energy_per_mac_pj", 2);
  row("energy per useful MAC (pJ)", "energy_per_useful_mac_pj", 2);
  o << "| energy per MAC at one rate per instance (pJ; the method before net-level rates) |";
  for (const json& r : runs)
    o << " " << (r.contains("instance_granularity") ? fmt(r["instance_granularity"]["energy_per_mac_pj"].get<double>(), 2) : "-") << " |";
  o << "\n";
  row("PE-array energy per MAC (pJ)", "pe_array_energy_per_mac_pj", 2);
  row("  of which switching (pJ)", "pe_array_switching_energy_per_mac_pj", 2);
  row("external bytes moved", "dram_bytes", 0);
  row("chip energy per external byte (pJ/B)", "energy_per_external_byte_pj", 1);
  row("DRAM energy, low (nJ)", "dram_energy_nj_low", 1);
  row("DRAM energy, high (nJ)", "dram_energy_nj_high", 1);
  o << "\nLogic power by group (mW):\n\n| group |";
  for (const json& r : runs) o << " " << run_label(r) << " |";
  o << "\n|---|";
  for (size_t i = 0; i < runs.size(); ++i) o << "---:|";
  o << "\n";
  if (!runs.empty())
    for (auto& [g, v] : runs[0]["logic_power_by_group_mw"].items()) {
      (void)v;
      o << "| " << g << " |";
      for (const json& r : runs) o << " " << fmt(r["logic_power_by_group_mw"].value(g, 0.0), 2) << " |";
      o << "\n";
    }
  // By module, largest first in the first run: which module draws the power (clock pins / switching of the first run
  // beside the totals), as the ASIC report's area table says which one takes the area.
  if (!runs.empty() && runs[0].contains("logic_power_by_module_mw")) {
    std::vector<std::pair<double, std::string>> mods;
    for (auto& [m, v] : runs[0]["logic_power_by_module_mw"].items()) mods.emplace_back(-v["total"].get<double>(), m);
    std::sort(mods.begin(), mods.end());
    o << "\nLogic power by module (mW; every instance of the module; clock pins and switching of the first run):\n\n"
         "| module | instances |";
    for (const json& r : runs) o << " " << run_label(r) << " |";
    o << " clock pins | switching |\n|---|---:|";
    for (size_t i = 0; i < runs.size() + 2; ++i) o << "---:|";
    o << "\n";
    for (const auto& [neg, m] : mods) {
      (void)neg;
      const json& first = runs[0]["logic_power_by_module_mw"][m];
      o << "| " << m << " | " << first["instances"].get<uint64_t>() << " |";
      for (const json& r : runs) {
        const json& pm = r["logic_power_by_module_mw"];
        o << " " << fmt(pm.contains(m) ? pm[m]["total"].get<double>() : 0.0, 2) << " |";
      }
      o << " " << fmt(first["clock_pins"].get<double>(), 2) << " | " << fmt(first["switching"].get<double>(), 2) << " |\n";
    }
  }
  if (has_activation_sparsity_points(rep))
    o << "\n![TOPS/W vs sparsity](tops_per_w_vs_sparsity.svg) ![effective TOPS vs sparsity](effective_tops_vs_sparsity.svg)\n\n";
  else
    o << "\nNo sparsity plots: every run has weight zeros, and the plots' x axis is activation sparsity alone (the "
         "tables above have every run).\n\n";
  o << "## Scaled to smaller nodes (Stillmaker & Baas 2017)\n\n";
  o << "Factors multiply the 180 nm figure (delay: clock period; energy: energy per operation; area). Power at the "
       "scaled clock = energy x frequency.\n\n";
  o << "| node | VDD (V) | delay | energy | area | how |\n|---|---:|---:|---:|---:|---|\n";
  for (const json& s : rep["scaled"]) {
    const json& f = s["factors"];
    o << "| " << s["node_nm"].get<double>() << " nm | " << fmt(f["vdd_v"].get<double>(), 2) << " | "
      << fmt(f["delay"].get<double>(), 4) << " | " << fmt(f["energy"].get<double>(), 5) << " | "
      << fmt(f["area"].get<double>(), 4) << " | " << f["note"].get<std::string>() << " |\n";
  }
  o << "\n| node | clock (MHz) | area (mm^2) | peak TOPS | act sparsity | effective TOPS | TOPS/W | TOPS/mm^2 | pJ/MAC |\n"
       "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const json& r : runs)
    o << "| 180 nm (measured) | " << fmt(rep["fmax_mhz"].get<double>(), 1) << " | " << fmt(rep["area_mm2"].get<double>(), 2)
      << " | " << fmt(rep["peak_tops"].get<double>(), 4) << " | " << run_label(r) << " | "
      << fmt(r["effective_tops"].get<double>(), 4) << " | " << fmt(r["tops_per_w"].get<double>(), 3) << " | "
      << fmt(r["effective_tops_per_mm2"].get<double>(), 5) << " | " << fmt(r["energy_per_mac_pj"].get<double>(), 2) << " |\n";
  for (const json& s : rep["scaled"])
    for (const json& r : s["runs"])
      o << "| " << s["node_nm"].get<double>() << " nm | " << fmt(s["fmax_mhz"].get<double>(), 1) << " | "
        << fmt(s["area_mm2"].get<double>(), 3) << " | " << fmt(s["peak_tops"].get<double>(), 4) << " | "
        << run_label(r) << " | " << fmt(r["effective_tops"].get<double>(), 4) << " | "
        << fmt(r["tops_per_w"].get<double>(), 3) << " | " << fmt(r["effective_tops_per_mm2"].get<double>(), 4) << " | "
        << fmt(r["energy_per_mac_pj"].get<double>(), 3) << " |\n";
  if (rep.contains("horowitz_check")) {
    const json& h = rep["horowitz_check"];
    o << "\n## Sanity check: energy per 8-bit MAC at 45 nm vs Horowitz (ISSCC 2014)\n\n";
    o << "Reference: " << h["reference"].get<std::string>() << " = " << fmt(h["reference_pj"].get<double>(), 2)
      << " pJ. Ours (run at activation sparsity " << fmt(h["act_sparsity"].get<double>(), 2)
      << ", 180 nm energy x " << fmt(h["energy_scale_180_to_45"].get<double>(), 5) << "):\n\n";
    o << "- PE array only (multiplier, BFP exponent add, alignment shifter, 32-bit accumulator, pipeline "
         "registers and their clock pins): **"
      << fmt(h["pe_array_energy_per_mac_pj_45nm"].get<double>(), 3) << " pJ/MAC = "
      << fmt(h["pe_array_ratio"].get<double>(), 2) << "x** the reference ("
      << (h["within_3x"].get<bool>() ? "within 3x" : "NOT within 3x: see docs/ppa.md, \"Sanity check\"") << ")\n";
    o << "- PE array, switching part only (without the clock pins of its registers, which osu018 flip-flops "
         "charge every cycle whether or not data changes): "
      << fmt(h["pe_array_switching_energy_per_mac_pj_45nm"].get<double>(), 3) << " pJ/MAC = "
      << fmt(h["pe_array_switching_ratio"].get<double>(), 2) << "x\n";
    o << "- whole chip (buffers, SRAM, requantizer, control): " << fmt(h["chip_energy_per_mac_pj_45nm"].get<double>(), 3)
      << " pJ/MAC = " << fmt(h["chip_ratio"].get<double>(), 2) << "x\n";
  }
  o << "\n## Constants\n\n";
  const json& c = rep["constants"];
  o << "- " << c["source_horowitz"].get<std::string>() << "\n- DRAM energy per byte: "
    << fmt(c["dram_energy_per_byte_pj_low"].get<double>(), 1) << "-" << fmt(c["dram_energy_per_byte_pj_high"].get<double>(), 1)
    << " pJ/B (the 64-bit access energy / 8)\n- " << c["source_scaling"].get<std::string>() << "\n- SRAM: "
    << c["source_sram"].get<std::string>() << "\n";
  o << "\n## Sources\n\n";
  for (auto& [k, v] : rep["sources"].items()) o << "- " << k << ": `" << v.get<std::string>() << "`\n";
  for (const json& r : runs)
    for (auto& [k, v] : r["files"].items())
      o << "- run " << run_label(r) << " " << k << ": `" << v.get<std::string>() << "`\n";
  o << "\nPower method: " << rep["power_method"].get<std::string>() << ".\n";
  return o.str();
}

// ---- SVG -------------------------------------------------------------------------------------------
namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

double nice_max(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (v <= m * p) return m * p;
  return 10 * p;
}

}  // namespace

std::string svg_bars(const std::string& title, const std::vector<std::pair<std::string, double>>& bars,
                     const std::string& unit) {
  const int w = 720, left = 250, bar_h = 22, gap = 8, top = 40;
  const int h = top + static_cast<int>(bars.size()) * (bar_h + gap) + 40;
  double vmax = 0;
  for (auto& b : bars) vmax = std::max(vmax, b.second);
  vmax = nice_max(vmax);
  const double scale = (w - left - 90) / vmax;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">" << esc(title) << "</text>\n";
  int y = top;
  for (auto& [label, v] : bars) {
    o << "<text x=\"" << left - 8 << "\" y=\"" << y + 15 << "\" text-anchor=\"end\">" << esc(label) << "</text>\n";
    o << "<rect x=\"" << left << "\" y=\"" << y << "\" width=\"" << std::max(0.5, v * scale) << "\" height=\"" << bar_h
      << "\" fill=\"#4a7ab5\"/>\n";
    o << "<text x=\"" << left + v * scale + 5 << "\" y=\"" << y + 15 << "\">" << fmt(v, 3) << " " << esc(unit)
      << "</text>\n";
    y += bar_h + gap;
  }
  o << "<line x1=\"" << left << "\" y1=\"" << top - 4 << "\" x2=\"" << left << "\" y2=\"" << y << "\" stroke=\"black\"/>\n";
  o << "</svg>\n";
  return o.str();
}

std::string svg_lines(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                      const std::vector<Series>& series) {
  const int w = 640, h = 400, l = 80, r = 160, t = 40, b = 60;
  double xmax = 0, ymax = 0;
  for (const Series& s : series) {
    for (double x : s.x) xmax = std::max(xmax, x);
    for (double y : s.y) ymax = std::max(ymax, y);
  }
  xmax = xmax > 0 ? nice_max(xmax) : 1;
  ymax = nice_max(ymax);
  auto X = [&](double x) { return l + x / xmax * (w - l - r); };
  auto Y = [&](double y) { return h - b - y / ymax * (h - t - b); };
  static const char* colors[] = {"#4a7ab5", "#d9534f", "#5cb85c", "#f0ad4e", "#8e6bbf", "#555555"};
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">" << esc(title) << "</text>\n";
  o << "<line x1=\"" << l << "\" y1=\"" << h - b << "\" x2=\"" << w - r << "\" y2=\"" << h - b << "\" stroke=\"black\"/>\n";
  o << "<line x1=\"" << l << "\" y1=\"" << t << "\" x2=\"" << l << "\" y2=\"" << h - b << "\" stroke=\"black\"/>\n";
  for (int i = 0; i <= 5; ++i) {
    const double xv = xmax * i / 5, yv = ymax * i / 5;
    o << "<text x=\"" << X(xv) << "\" y=\"" << h - b + 16 << "\" text-anchor=\"middle\">" << fmt(xv, 2) << "</text>\n";
    o << "<text x=\"" << l - 6 << "\" y=\"" << Y(yv) + 4 << "\" text-anchor=\"end\">" << fmt(yv, 3) << "</text>\n";
    o << "<line x1=\"" << l << "\" y1=\"" << Y(yv) << "\" x2=\"" << w - r << "\" y2=\"" << Y(yv)
      << "\" stroke=\"#dddddd\"/>\n";
  }
  o << "<text x=\"" << (l + w - r) / 2 << "\" y=\"" << h - 18 << "\" text-anchor=\"middle\">" << esc(xlabel) << "</text>\n";
  o << "<text x=\"16\" y=\"" << (t + h - b) / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
    << (t + h - b) / 2 << ")\">" << esc(ylabel) << "</text>\n";
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    const char* c = colors[i % 6];
    o << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"2\" points=\"";
    for (size_t k = 0; k < s.x.size(); ++k) o << X(s.x[k]) << "," << Y(s.y[k]) << " ";
    o << "\"/>\n";
    for (size_t k = 0; k < s.x.size(); ++k)
      o << "<circle cx=\"" << X(s.x[k]) << "\" cy=\"" << Y(s.y[k]) << "\" r=\"3.5\" fill=\"" << c << "\"/>\n";
    o << "<rect x=\"" << w - r + 12 << "\" y=\"" << t + 18 * i << "\" width=\"12\" height=\"12\" fill=\"" << c << "\"/>\n";
    o << "<text x=\"" << w - r + 30 << "\" y=\"" << t + 18 * i + 11 << "\">" << esc(s.name) << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::vector<std::string> write_plots(const json& rep, const std::string& dir) {
  std::vector<std::string> files;
  auto put = [&](const std::string& name, const std::string& text) {
    std::ofstream f(dir + "/" + name);
    if (!f) throw std::runtime_error("cannot write " + dir + "/" + name);
    f << text;
    files.push_back(name);
  };
  std::vector<std::pair<std::string, double>> bars;
  for (auto& [g, v] : rep["area_by_group_mm2"].items()) bars.emplace_back(g, v.get<double>());
  std::sort(bars.begin(), bars.end(), [](auto& a, auto& b) { return a.second > b.second; });
  put("area_breakdown.svg", svg_bars("Area by group, config " + rep["config"].get<std::string>() + " (osu018 180 nm, " +
                                         fmt(rep["area_mm2"].get<double>(), 2) + " mm^2)",
                                     bars, "mm^2"));
  Series tw{"TOPS/W dense-eq.", {}, {}}, tu{"TOPS/W useful", {}, {}}, te{"effective TOPS", {}, {}},
      tuu{"useful TOPS", {}, {}}, tp{"peak TOPS", {}, {}};
  for (const json& r : rep["runs"]) {
    if (r.value("wgt_sparsity", 0.0) > 0) continue;  // the x axis is activation sparsity: tables only
    const double x = r["act_sparsity"].get<double>();
    tw.x.push_back(x), tw.y.push_back(r["tops_per_w"].get<double>());
    tu.x.push_back(x), tu.y.push_back(r["useful_tops_per_w"].get<double>());
    te.x.push_back(x), te.y.push_back(r["effective_tops"].get<double>());
    tuu.x.push_back(x), tuu.y.push_back(r["useful_tops"].get<double>());
    tp.x.push_back(x), tp.y.push_back(rep["peak_tops"].get<double>());
  }
  if (!has_activation_sparsity_points(rep)) {
    // every run has weight zeros: no plot (render_markdown says so), and none left from an earlier report
    for (const char* stale : {"tops_per_w_vs_sparsity.svg", "effective_tops_vs_sparsity.svg"}) {
      std::error_code ec;
      std::filesystem::remove(std::filesystem::path(dir) / stale, ec);
    }
    return files;
  }
  put("tops_per_w_vs_sparsity.svg",
      svg_lines("TOPS/W vs activation sparsity (180 nm, measured activity)", "activation sparsity", "TOPS/W", {tw, tu}));
  put("effective_tops_vs_sparsity.svg",
      svg_lines("Effective TOPS vs activation sparsity (180 nm)", "activation sparsity", "TOPS", {te, tuu, tp}));
  return files;
}

}  // namespace bfp::report
