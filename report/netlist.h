// SPDX-License-Identifier: Apache-2.0
// A mapped gate-level netlist as Yosys 0.23's write_verilog prints it (the ASIC flow's asic_netlist.v), flattened
// into leaf cells and bit-level nets, so net-level switching activity can be propagated through it
// (report/net_activity.h, docs/ppa.md "Power from measured activity").
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace bfp::report {

struct FlatCell {
  std::string path;  // OpenSTA's leaf name: instance names joined by '/', e.g. "u_core/u_array/gen_row[0].u_x/_12_"
  std::string type;  // the cell's module (a library cell or a blackbox)
  /// Pin -> net. A bus pin of a blackbox gives one entry per bit ("rdata[3]"). Unconnected pins are absent.
  std::vector<std::pair<std::string, int32_t>> pins;
};

struct FlatNetlist {
  static constexpr int32_t kConst0 = 0, kConst1 = 1, kConstX = 2;  // nets 0..2 are the constants
  std::vector<FlatCell> cells;
  int32_t nets = 3;
  /// Every name of every net bit, dotted from the top without the top's name ("u_core.u_array.gen_row[0].x_q[3]";
  /// a 1-bit wire without range has no index; the top's ports are "clk_i", "cmd_tdata_i[7]").
  std::unordered_map<std::string, int32_t> names;
  std::vector<int32_t> top_inputs;  // nets of the top module's input ports
};

/// Reads `path` and flattens module `top` (the modules defined in the file are hierarchy; any other instantiated
/// module is a leaf cell). Supports the subset Yosys writes: module headers, input/output/inout/wire
/// declarations with ranges, named port connections of identifiers, bit and part selects, concatenations and
/// sized constants, and `assign` of such expressions; comments and attributes are skipped. Throws
/// std::runtime_error naming the file and line on anything else (positional connections, an unknown wire, a
/// width mismatch).
FlatNetlist read_flat_netlist(const std::string& path, const std::string& top);

}  // namespace bfp::report
