// SPDX-License-Identifier: Apache-2.0
// Switching activity per RTL scope, from a VCD file or from a Verilator coverage file (docs/ppa.md, "Power").
#pragma once
#include <cstdint>
#include <istream>
#include <map>
#include <string>

namespace bfp::report {

/// Toggle statistics of the signals declared directly in one scope (not in its sub-scopes).
struct ScopeToggles {
  uint64_t bits = 0;     // signal bits declared in the scope
  uint64_t toggles = 0;  // 0<->1 changes of those bits over the run
};

/// Scope path (dot-separated, without the top module's name) -> toggles.
using ToggleMap = std::map<std::string, ScopeToggles>;

struct VcdToggles {
  std::string root;             // the name of the root scope (dropped from the paths)
  ToggleMap scopes;
  uint64_t end_time = 0;        // last timestamp of the file
  uint64_t clock_edges = 0;     // rising edges of `clock` (0 when no clock was named or found)
  uint64_t clock_net_bits = 0;  // bits of clock nets (is_clock_net), left out of `scopes`
};

/// The rule that tells a clock net by its name (the RTL's naming convention, docs/ppa.md "Power from measured
/// activity"): a signal name (without scope and bit range) one of whose '_'-separated words is "clk" or "gclk"
/// (clk_i, gclk_o, clk_mul, stage_clk_e, unit_gclk ...). Clock nets are left out of the toggle rates: their
/// power is the clock-pin part (P0) already, and a clock bit's two toggles per cycle would raise the rate that
/// weights the instance's data switching.
bool is_clock_net(const std::string& name);

/// The method of the toggle rates, part of a summary (activity_toggles.json "method") and of the key under which
/// `bfpgen report --reuse-runs` reuses a run: a summary written by another method is refused.
/// Since the net-level power (2026-12-07) a GEMM run also keeps its cells' rates from the VCD (activity_cells.tsv).
inline constexpr const char* kToggleMethod = "vcd-bits-without-clock-nets,cells";

/// Counts per-bit 0<->1 changes in a VCD stream, per scope. The initial values ($dumpvars or the first value of
/// a signal) are not toggles; changes to or from x/z are not counted. A variable declared in several scopes
/// under one identifier code (an alias) counts in each. Clock nets (is_clock_net) are not counted. `clock` (full dotted name, e.g. "top.clk_i", a bare
/// signal name, or ".name" for a signal of the root scope) is counted in rising edges. The top scope's name is
/// dropped from the returned paths.
/// Throws std::runtime_error with the line number on malformed input.
VcdToggles count_vcd(std::istream& in, const std::string& clock = "");

/// SRAM accesses of one bfp_sram instance, from the branch coverage of its `if (we_i)` / `if (re_i)`.
struct SramAccesses {
  uint64_t writes = 0;
  uint64_t reads = 0;
};

struct CoverageToggles {
  ToggleMap scopes;                               // from the toggle points (one per signal bit)
  std::map<std::string, SramAccesses> srams;      // bfp_sram instance path -> accesses
  std::map<std::string, uint64_t> gates;          // bfp_icg instance path -> cycles its gate was open
};

/// Parses a Verilator coverage.dat written with per-instance hierarchy (forcePerInstance): toggle points
/// ("v_toggle" pages, one per bit, count = changes) summed per scope, and the taken counts of bfp_sram's
/// write and read branches (the source line, from the point's file, names we_i or re_i). The first hierarchy
/// component (the model name) and the top module's name are dropped from the paths. Clock nets (is_clock_net)
/// are not counted in `scopes`.
/// Clock gates (power.clock_gating: gate): the toggles of a bfp_icg instance's gclk_o are two per cycle its
/// gate was open (one when the run ends on an open gate's high phase), so gates[path] = (toggles + 1) / 2; a
/// gated bfp_sram has no write and read branches, its accesses are the open cycles of its gates u_icg_w and
/// u_icg_r (the instance path is the gate's without ".gen_gated.u_icg_w").
CoverageToggles parse_coverage(std::istream& in);

/// The clock of an activity run's VCD: the top module's clk_i (a leading '.' names a signal of the root scope).
inline constexpr const char* kVcdClock = ".clk_i";

/// An activity run's VCD (DIR/activity.vcd, scripts/ppa/activity.sh) summarized into DIR/activity_toggles.json
/// ({"source": "vcd", "method": kToggleMethod, "clock_edges": rising edges of kVcdClock, "clock_net_bits": N,
/// "scopes": {path: [bits, toggles]}}); the VCD (hundreds of MB on the default config) is then removed. The VCD
/// must be of the run in DIR: its clock edges must equal the cycles in DIR/coverage.dat.cycles (the shim's first
/// dump is at a low clock, so every cycle is one rising edge), else it throws and leaves the VCD in place. Paths
/// are parse_coverage's. Verilator's traces wrap the top module in a root scope of the same name with its own
/// copies of the top's ports: those copies are left out and the top's name is dropped; any other scope beside
/// the top in that wrapper is refused (it cannot be mapped onto the netlist). A VCD whose root is the top module
/// itself is taken as it is. Unlike Verilator 5.006's toggle coverage, which has no points for signals declared
/// inside a generate block (write stages, per-row copies, gate enables ...), the VCD has every signal up to the
/// trace width: these are the rates weight_power uses where a run has them (docs/ppa.md "Power from measured
/// activity"). Returns false when DIR has no activity.vcd. Throws naming the file.
bool summarize_activity_vcd(const std::string& dir);

/// Reads an activity_toggles.json; `clock_edges` gets its clock edge count. Throws naming the file, also for a
/// summary of another method (kToggleMethod).
ToggleMap read_activity_toggles(const std::string& file, uint64_t& clock_edges);

}  // namespace bfp::report
