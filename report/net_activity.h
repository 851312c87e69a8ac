// SPDX-License-Identifier: Apache-2.0
// Net-level switching activity of the mapped netlist from the RTL run's VCD (docs/ppa.md "Net-level activity"):
// every net whose driver is not a combinational cell (flip-flop and latch outputs, the top's inputs, memory macro
// outputs) takes the traced value of the RTL signal of the same name in every cycle, and the combinational cells
// are evaluated from them, cycle by cycle, with their Liberty functions (a zero-delay gate-level simulation, 64
// cycles per machine word). A cell's rate is then the 0<->1 changes per cycle of its own output nets, so its cost
// no longer depends on which module boundary it lies behind (one rate per instance did).
#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <unordered_map>
#include <vector>

#include "liberty.h"
#include "netlist.h"

namespace bfp::report {

struct NetActivity {
  uint64_t cycles = 0;  // samples taken: rising edges of the clock
  /// leaf path (FlatCell::path) -> 0<->1 changes of its output nets over the run, and its output count; a
  /// flip-flop's outputs are its traced Q. Cells whose outputs are clocks or unknown are absent: they keep
  /// their instance's rate (weight_power).
  std::unordered_map<std::string, std::pair<uint64_t, uint32_t>> cell_toggles;
  uint64_t nets = 0;
  uint64_t nets_traced = 0;     // driven by no combinational cell, value from the trace
  uint64_t nets_computed = 0;   // outputs of combinational cells, evaluated from traced nets only
  uint64_t nets_unknown = 0;    // neither (untraced flip-flops, undriven, combinational loops): held at 0
  uint64_t nets_tainted = 0;    // combinational outputs with an unknown net in their fan-in: not used
  uint64_t nets_clock = 0;      // named as clocks (is_clock_net) or driven by logic with a clock input
  uint64_t flops = 0, flops_traced = 0;  // sequential cells, and those whose outputs are all traced
  /// Self-check: computed nets that also have a traced name; their computed and traced values must agree in
  /// every cycle unless the netlist and the RTL differ (a renamed or re-encoded register, a wrong mapping).
  uint64_t nets_checked = 0;
  uint64_t check_bits = 0, check_mismatches = 0;  // net-cycles compared, and those that differed
  /// Net-cycles whose traced names disagreed: the netlist merged signals the RTL keeps apart (the names vote;
  /// see simulate_activity).
  uint64_t trace_conflicts = 0;
  /// The checked nets that differed most often (one of each net's names, mismatching cycles), at most 10: where
  /// to look when check_mismatches is not small.
  std::vector<std::pair<std::string, uint64_t>> worst_mismatches;
  /// The unknown nets (nets_unknown) whose fan-out cones hold the most tainted nets, with those counts (one name
  /// of each net, at most 10): the untraced flip-flops and undriven nets to look at when nets_tainted is large.
  std::vector<std::pair<std::string, uint64_t>> worst_unknown;
  /// The rate of a cell: toggles / (outputs x cycles).
  double rate(const std::string& leaf, bool& found) const;
};

/// Runs the simulation over a VCD (Verilator's: a root scope wrapping the top module, as count_vcd documents; or
/// the top itself as root). `clock` is the sampling clock, a signal of the top module (kVcdClock = ".clk_i": a
/// leading '.' names it in the top). One sample per rising edge, taken after every change of that timestamp;
/// x and z read as 0. Throws std::runtime_error with the VCD line on malformed input, and when the clock is
/// missing.
NetActivity simulate_activity(std::istream& vcd, const FlatNetlist& nl, const CellLibrary& lib,
                              const std::string& clock = ".clk_i");

/// DIR/activity_cells.tsv: "# {json of the counts}" then "leaf<TAB>toggles<TAB>outputs" per cell.
void write_cell_activity(const std::string& file, const NetActivity& a);
/// Reads it back (cell_toggles and the counts). Throws naming the file and line.
NetActivity read_cell_activity(const std::string& file);

}  // namespace bfp::report
