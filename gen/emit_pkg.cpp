// SPDX-License-Identifier: Apache-2.0
// Renders bfp_pkg.sv from the command/format table (host/command_format.h), so the RTL's opcodes, field
// slices and format constants are the host's by construction. Yosys 0.23 rejects `import bfp_pkg::*`, so
// the leaves write bfp_pkg::NAME; every name is upper case (true constants, docs/style).
#include "gen/emit_pkg.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>
#include <vector>

#include "host/command_format.h"

namespace bfp {
namespace {

std::string upper(const char* s) {
  std::string u;
  for (; *s; ++s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(*s)));
  return u;
}

/// "  localparam int NAME = value;  /// doc" with NAME padded to a common column.
class Block {
 public:
  void add(const std::string& decl, const std::string& doc) { lines_.push_back({decl, doc}); }
  std::string str() const {
    size_t w = 0;
    for (const auto& l : lines_) w = std::max(w, l.first.size());
    std::string s;
    for (const auto& l : lines_)
      s += "  " + l.first + std::string(w - l.first.size(), ' ') + "  /// " + l.second + "\n";
    return s;
  }

 private:
  std::vector<std::pair<std::string, std::string>> lines_;
};

std::string int_param(const std::string& name, long v) {
  return "localparam int " + name + " = " + std::to_string(v) + ";";
}

/// The command bits that no field uses, as a 256-bit hex literal.
std::string reserved_mask() {
  bool used[fmt::kCommandBits] = {};
  for (const fmt::Field& f : fmt::kFields)
    for (int b = f.lsb; b < f.lsb + f.width; ++b) used[b] = true;
  std::ostringstream s;
  s << fmt::kCommandBits << "'h";
  for (int nib = fmt::kCommandBits / 4 - 1; nib >= 0; --nib) {
    int v = 0;
    for (int i = 0; i < 4; ++i) v |= (used[4 * nib + i] ? 0 : 1) << i;
    s << "0123456789abcdef"[v];
    if (nib % 8 == 0 && nib) s << '_';
  }
  return s.str();
}

}  // namespace

std::string package_source() {
  std::ostringstream s;
  s << "// Command format, datapath and row-stream constants shared by every leaf module, generated from the\n"
       "// table in host/command_format.h (the C++ Command encoder uses the same table). Referred to as\n"
       "// bfp_pkg::NAME (Yosys 0.23 has no `import`).\n"
       "package bfp_pkg;\n";

  Block cmd;
  cmd.add(int_param("CMD_BITS", fmt::kCommandBits), "bits of one command (cmd_tdata_i)");
  for (const fmt::Field& f : fmt::kFields) {
    const std::string n = "CMD_" + upper(f.name);
    cmd.add(int_param(n + "_LSB", f.lsb), f.name + std::string(": ") + f.doc);
    cmd.add(int_param(n + "_W", f.width), f.name + std::string(": bits"));
  }
  cmd.add("localparam logic [" + std::to_string(fmt::kCommandBits - 1) + ":0] CMD_RESERVED = " + reserved_mask() +
              ";",
          "bits no field uses (must be 0)");
  s << "\n  // ---- command fields: cmd_tdata_i[CMD_<F>_LSB +: CMD_<F>_W] (docs/architecture.md) ----\n" << cmd.str();

  Block ops;
  const int op_w = fmt::kFields[fmt::kOpcode].width;
  for (const fmt::OpcodeDef& o : fmt::kOpcodes)
    ops.add("localparam logic [" + std::to_string(op_w - 1) + ":0] OP_" + o.name + " = " + std::to_string(op_w) +
                "'d" + std::to_string(o.value) + ";",
            o.doc);
  s << "\n  // ---- opcodes ----\n" << ops.str();

  Block flags;
  for (const fmt::FlagDef& f : fmt::kFlagDefs)
    flags.add(int_param(std::string("FLAG_") + f.name, f.bit), std::string("flags bit: ") + f.doc);
  s << "\n  // ---- bits of the flags field ----\n" << flags.str();

  Block dp;
  dp.add(int_param("EXP_W", fmt::kExpWidth), "bits of a block-product exponent sum e_a + e_w");
  dp.add(int_param("REQUANT_BIAS", fmt::kRequantBias), "requantizer: X = max_j t_j - REQUANT_BIAS - F");
  dp.add(int_param("SHIFT_BIAS", fmt::kShiftBias), "requantizer: s_j = X + SHIFT_BIAS + F - e_j");
  s << "\n  // ---- datapath (docs/arithmetic.md) ----\n" << dp.str();

  Block rs;
  rs.add(int_param("ROW_HDR_BYTES", fmt::kRowHeaderBytes), "row-stream header bytes (u16 nnzb, u16 nnz)");
  rs.add(int_param("ROW_NNZB_LSB", fmt::kRowNnzbLsb), "header word bits of nnzb (non-empty blocks)");
  rs.add(int_param("ROW_NNZB_W", fmt::kRowNnzbWidth), "bits of nnzb");
  rs.add(int_param("ROW_NNZ_LSB", fmt::kRowNnzLsb), "header word bits of nnz (non-zero codes)");
  rs.add(int_param("ROW_NNZ_W", fmt::kRowNnzWidth), "bits of nnz");
  rs.add(int_param("ROW_L1_OFFSET", fmt::kRowL1Offset), "byte offset of the level-1 mask");
  rs.add(int_param("SEG_W", 2), "bits of a segment number");
  rs.add("localparam logic [1:0] SEG_HDR = 2'd" + std::to_string(fmt::kSegHeader) + ";",
         "segment: header and level-1 mask (first beat)");
  rs.add("localparam logic [1:0] SEG_L2 = 2'd" + std::to_string(fmt::kSegL2) + ";", "segment: level-2 masks");
  rs.add("localparam logic [1:0] SEG_EXP = 2'd" + std::to_string(fmt::kSegExp) + ";", "segment: block exponents");
  rs.add("localparam logic [1:0] SEG_CODES = 2'd" + std::to_string(fmt::kSegCodes) + ";",
         "segment: packed non-zero codes");
  static_assert(fmt::kNumSegments == 4, "SEG_W = 2");
  s << "\n  // ---- compressed row stream (docs/sparse-format.md) ----\n" << rs.str();

  s << "\n"
       "  // Segment offsets of a row of kb blocks of 2^block_log elements in beat-byte beats (beat a power of\n"
       "  // two; host/command_format.h row_off_*): exponents right after the level-1 mask, level-2 masks after\n"
       "  // kb exponents (rounded up to a whole mask), codes on the next beat boundary.\n"
       "  function automatic logic [31:0] row_rup(input logic [31:0] x, input logic [31:0] beat);\n"
       "    row_rup = (x + beat - 32'd1) & ~(beat - 32'd1);\n"
       "  endfunction\n"
       "  function automatic logic [31:0] row_off_exp(input logic [31:0] kb);\n"
       "    row_off_exp = 32'd" << fmt::kRowL1Offset << " + ((kb + 32'd7) >> 3);\n"
       "  endfunction\n"
       "  function automatic logic [31:0] row_off_l2(input logic [31:0] kb, input logic [31:0] block_log);\n"
       "    row_off_l2 = row_rup(row_off_exp(kb) + kb, 32'd1 << (block_log - 32'd3));\n"
       "  endfunction\n"
       "  function automatic logic [31:0] row_off_codes(input logic [31:0] kb, input logic [31:0] block_log,\n"
       "                                                input logic [31:0] beat);\n"
       "    row_off_codes = row_rup(row_off_l2(kb, block_log) + (kb << (block_log - 32'd3)), beat);\n"
       "  endfunction\n"
       "endpackage\n";
  return s.str();
}

}  // namespace bfp
