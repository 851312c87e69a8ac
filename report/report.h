// SPDX-License-Identifier: Apache-2.0
// The PPA report of `bfpgen report` and `bfpgen sweep`: figures from the ASIC flow (asic.json), the
// per-instance power (scripts/ppa/power.sh) and activity runs (scripts/ppa/activity.sh), JSON + Markdown + SVG.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "liberty.h"
#include "net_activity.h"
#include "netlist.h"
#include "power.h"
#include "toggles.h"

namespace bfp::report {

/// Cited constants (docs/ppa.md, "Constants").
struct Constants {
  // M. Horowitz, "Computing's Energy Problem (and what we can do about it)", ISSCC 2014, 45 nm, 0.9 V
  static constexpr double kHorowitzMult8Pj = 0.2;
  static constexpr double kHorowitzAdd8Pj = 0.03;
  static constexpr double kHorowitzAdd32Pj = 0.1;
  static constexpr double kDram64bitLowPj = 1300;   // 1.3-2.6 nJ per 64-bit DRAM access
  static constexpr double kDram64bitHighPj = 2600;
  static constexpr double kSram64bit8kbPj = 10;     // 64-bit read of an 8 KB SRAM
};

/// One activity run (a directory written by scripts/ppa/activity.sh).
struct Run {
  double act_sparsity = 0;  // requested
  double wgt_sparsity = 0;  // requested (GEMM runs; 0 for networks and training steps)
  std::string dir;
  nlohmann::json gemm;      // bfpgen gemm --json, or the same figures summed from bfpgen run --json
  CoverageToggles cov;
  uint64_t cycles = 0;      // simulated clock cycles (coverage.dat.cycles)
  ToggleMap vcd_toggles;    // the run's VCD's per-scope toggles (activity_toggles.json), when it has one
  bool has_vcd = false;     // power is weighted with vcd_toggles, else with cov.scopes
  std::string cells_file;   // the cells' rates simulated from the VCD (activity_cells.tsv), when it has one
};

/// Loads RUN_DIR/gemm.json (or run.json of a network: see network_as_gemm; or train.json of a training step:
/// training_step_as_gemm), coverage.dat and coverage.dat.cycles, and the toggle summary of the run's VCD
/// (activity_toggles.json, summarize_activity_vcd) when there is one: GEMM runs have it, network and training
/// runs (no whole-run VCD) take their toggles from coverage.dat. Throws naming the file, also when the VCD's
/// clock edges and the coverage run's cycles differ (the two would not be one run).
Run load_run(const std::string& dir, double act_sparsity);

/// The figures the report takes from `bfpgen gemm --json`, summed over the RTL layers of `bfpgen run --json`:
/// macs, useful_macs, memory read/write bytes, cycles.total, bit_exact, the workload name, and as "achieved
/// activation sparsity" the zero fraction of all RTL layers' A operands weighted by their MACs.
nlohmann::json network_as_gemm(const nlohmann::json& run);

/// The flattened netlist and its cells' functions, for the net-level power of runs with per-bit activity.
struct NetLevel {
  FlatNetlist netlist;
  CellLibrary lib;
};

/// Reads asic_dir/asic_netlist.v (top bfp_top) and the Liberty files its power.tcl reads (scripts/ppa/power.sh).
NetLevel read_net_level(const std::string& asic_dir);

/// Builds the report JSON. `asic_dir` holds asic.json and the power files; `nodes_nm` the scaled nodes. Runs
/// with a cells_file are costed per leaf cell at its simulated rate (simulate_activity), the others per
/// instance.
nlohmann::json build_report(const std::string& asic_dir, const NetlistPower& np, const std::vector<Run>& runs,
                            const std::vector<double>& nodes_nm = {45, 40, 28});

/// Whether some run of `rep` has no weight zeros, i.e. a point of the activation-sparsity plots.
bool has_activation_sparsity_points(const nlohmann::json& rep);
std::string render_markdown(const nlohmann::json& rep);

/// Writes area_breakdown.svg, tops_per_w_vs_sparsity.svg and effective_tops_vs_sparsity.svg into `dir`;
/// returns the file names.
std::vector<std::string> write_plots(const nlohmann::json& rep, const std::string& dir);

/// Minimal SVG charts (no dependencies).
struct Series {
  std::string name;
  std::vector<double> x, y;
};
std::string svg_bars(const std::string& title, const std::vector<std::pair<std::string, double>>& bars,
                     const std::string& unit);
std::string svg_lines(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                      const std::vector<Series>& series);

}  // namespace bfp::report
