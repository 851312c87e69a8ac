// SPDX-License-Identifier: Apache-2.0
// Activity-weighted power of the mapped netlist (docs/ppa.md, "Power from measured activity").
#pragma once
#include <cstdint>
#include <map>
#include <string>
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
};

struct NetlistPower {
  std::map<std::string, InstancePower> instances;  // dotted instance path ("" = top) -> own cells
  std::map<std::string, std::string> sram_macros;  // dotted bfp_sram instance path -> macro cell name
  std::map<std::string, std::string> module_groups;  // module -> group (read_module_groups of the netlist's RTL)
};

/// Reads power_inst_a0.txt, power_inst_a1.txt and power_hier.txt of scripts/ppa/power.sh from `dir`.
/// Throws std::runtime_error naming the file on a missing file or a malformed line.
NetlistPower read_netlist_power(const std::string& dir);

struct WeightedPower {
  double leakage_w = 0;
  double clock_w = 0;        // activity-independent part besides leakage: clock-pin internal power of the FFs
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
};

/// P = sum over netlist instances of P0 + r x (P1 - P0), r = the toggle rate of the RTL scopes mapped onto the
/// instance: every RTL scope goes to the netlist instance with the longest path that is a prefix of it at a
/// '.' boundary (generate blocks without an instance belong to their enclosing instance). Per-group figures
/// use np.module_groups (modules without a group count as "other").
WeightedPower weight_power(const NetlistPower& np, const ToggleMap& toggles, uint64_t cycles);

}  // namespace bfp::report
