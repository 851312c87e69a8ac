// SPDX-License-Identifier: Apache-2.0
// The logic functions of a Liberty cell library, as truth tables: what net-level activity propagation needs
// (report/net_activity.h, docs/ppa.md "Power from measured activity").
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bfp::report {

struct LibertyOutput {
  std::string name;
  /// Bit i of the table is the output for input vector i (bit j of i = inputs[j]); valid when `combinational`.
  uint64_t table = 0;
  bool combinational = false;  // a function of the cell's inputs only (not of an ff/latch state, not tri-state)
};

struct LibertyCell {
  std::vector<std::string> inputs;  // input pins in file order (at most 6 for a combinational output)
  std::vector<LibertyOutput> outputs;
  bool sequential = false;          // has an ff or latch group
};

/// Cell name -> cell. Pins of bus type or without a direction are ignored.
using CellLibrary = std::map<std::string, LibertyCell>;

/// Evaluates a Liberty boolean function ("(!((A B)+C))": space or & or * = and, + or | = or, ^ = xor, ! or a
/// trailing ' = not, 0/1 constants) for one input vector (bit j = inputs[j]). Throws std::runtime_error naming
/// `where` on a syntax error or an unknown name.
bool eval_liberty_function(const std::string& fn, const std::vector<std::string>& inputs, uint32_t vector,
                           const std::string& where);

/// Reads the cells of a Liberty file and adds them to `lib`: pins with their direction; an output with a
/// `function` of at most 6 inputs, no `three_state`, in a cell without ff/latch is combinational with its truth
/// table. Throws std::runtime_error naming the file and line on a syntax error.
void read_liberty(const std::string& path, CellLibrary& lib);

}  // namespace bfp::report
