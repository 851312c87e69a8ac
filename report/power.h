// SPDX-License-Identifier: Apache-2.0
// Activity-weighted power of the mapped netlist (docs/ppa.md, "Power from measured activity").
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "module_groups.h"
#include "toggles.h"

namespace bfp::report {

/// The leaf cells that belong directly to one hierarchical instance of the netlist (not to its children).
struct InstancePower {
  std::string module;     // base module name (bfp_pe, ...); "bfp_top" for the top
  uint64_t cells = 0;
  double p0_w = 0;        // total power at activity 0 (leakage + clock-pin internal power)
  double p1_w = 0;        // total power at activity 1 (every net toggles once per cycle)
  double leakage_w = 0;
  /// Clock gating: bfp_icg instance (dotted path) -> the activity-0 power less leakage of the own leaf cells
  /// clocked through that gate (their clock-pin power when clocked every cycle, as OpenSTA reports it).
  std::map<std::string, double> gated_clock_w;
  /// The own leaf cells: OpenSTA leaf path and P1 - P0 (the activity-dependent part), for net-level rates.
  std::vector<std::pair<std::string, double>> leaf_dynamic_w;
};

struct NetlistPower {
  std::map<std::string, InstancePower> instances;  // dotted instance path ("" = top) -> own cells
  std::map<std::string, std::string> sram_macros;  // dotted bfp_sram instance path -> macro cell name
  std::map<std::string, std::string> module_groups;  // module -> group (read_module_groups of the netlist's RTL)
};

/// Reads power_inst_a0.txt, power_inst_a1.txt, power_hier.txt and (when present: netlists with clock gates)
/// power_gated.txt of scripts/ppa/power.sh from `dir`. Throws std::runtime_error naming the file on a missing
/// file or a malformed line.
NetlistPower read_netlist_power(const std::string& dir);

/// The activity-weighted power of every instance of one module (the instances' own leaf cells).
struct ModulePower {
  uint64_t instances = 0;  // instances with leaf cells
  double total_w = 0;
  double clock_w = 0;      // clock-pin part (gated flip-flops at their gates' open fraction)
  double dynamic_w = 0;    // switching part, rate x (P1 - P0)
  double leakage_w = 0;
};

struct WeightedPower {
  double leakage_w = 0;
  double clock_w = 0;        // activity-independent part besides leakage: clock-pin internal power of the FFs
                             // (gated ones at their gates' open fraction)
  double gated_clock_full_w = 0;   // clock-pin power of the gated FFs if they were clocked every cycle
  double gated_clock_saved_w = 0;  // what their gates saved of it: sum of (1 - open fraction) x that power
  uint64_t gates = 0;              // clock gates with flip-flops behind them
  std::vector<std::string> gates_unmeasured;  // ... without an open count in the coverage (counted as always open)
  double dynamic_w = 0;      // sum over instances of rate x (P1 - P0)
  double total_w = 0;
  double mean_toggle_rate = 0;           // all RTL bits: toggles / (bits x cycles)
  uint64_t instances_measured = 0;       // instances with RTL toggles mapped onto them
  uint64_t instances_unmeasured = 0;     // instances without (given the mean rate)
  std::vector<std::string> unmeasured;   // their paths
  std::map<std::string, double> total_by_group_w;
  std::map<std::string, double> dynamic_by_group_w;  // the activity-dependent part, r x (P1 - P0)
  std::map<std::string, double> rate_by_group;  // bit-weighted toggle rate per group
  std::map<std::string, double> rate_by_instance;
  /// The same split per base module (bfp_pe, bfp_row_seq, ...; every instance of it summed), so a report can say
  /// which module draws the power, as the ASIC report's area table does for area.
  std::map<std::string, ModulePower> by_module;
};

/// P = sum over netlist instances of P0 + r x (P1 - P0), r = the toggle rate of the RTL scopes mapped onto the
/// instance, or, with `cell_rate` (net_activity: leaf path -> rate), per leaf cell P0 + r_cell x (P1 - P0) and the
/// instance's r only for the leaves it lacks; rate_by_instance is then the instance's effective rate: every RTL scope goes to the netlist instance with the longest path that is a prefix of it at a
/// '.' boundary (generate blocks without an instance belong to their enclosing instance). Per-group figures
/// use np.module_groups (modules without a group count as "other").
/// Clock gates: the flip-flops behind a bfp_icg instance g get their clock-pin part (gated_clock_w) scaled by the
/// fraction of cycles g was open, gate_open[g] / cycles (CoverageToggles::gates); a gate without a count is
/// taken as always open (no saving) and listed in gates_unmeasured.
WeightedPower weight_power(const NetlistPower& np, const ToggleMap& toggles, uint64_t cycles,
                           const std::map<std::string, uint64_t>& gate_open = {},
                           const std::unordered_map<std::string, double>* cell_rate = nullptr);

}  // namespace bfp::report
