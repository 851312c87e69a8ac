// SPDX-License-Identifier: Apache-2.0
// The command and data-format table: the one place that says where each field of the 256-bit command word
// sits, which opcodes and flag bits exist, the exponent width and requantizer biases of the RTL datapath and
// the constants of a compressed row stream (docs/architecture.md "Command format", docs/arithmetic.md,
// docs/sparse-format.md).
//
// Two things are derived from it, so that hardware and host cannot disagree: the SystemVerilog package
// bfp_pkg.sv that `bfpgen generate` emits (gen/emit_pkg.cpp; the RTL refers to bfp_pkg::NAME) and the C++
// Command encoder/decoder (host/command.cpp). The golden model keeps its own constants on purpose (it is the
// independent reference); tests/format_test.cpp checks that both agree with this table.
#pragma once
#include <cstdint>

namespace bfp::fmt {

/// Bits of one command (cmd_tdata_i); word n of the host's eight 32-bit words is bits [32n+31:32n].
constexpr int kCommandBits = 256;
constexpr int kCommandWords = kCommandBits / 32;

/// One field of the command word: bits [lsb + width - 1 : lsb].
struct Field {
  const char* name;    ///< as in docs/architecture.md (lower case); the package says CMD_<NAME>_LSB/_W
  int lsb;             ///< lowest bit in the 256-bit word
  int width;           ///< bits
  const char* doc;     ///< one line for the docs table and the package comment
};

/// Index of each field in kFields (the order of the command word).
enum FieldId : int {
  kOpcode, kFlags, kRows, kCodeAddr, kExpAddr, kCodeStride, kExpStride, kCount, kColOffset, kValidCols,
  kPrune, kWgtBuf, kAccNext, kPacked, kRowBlocks, kNumFields
};

constexpr Field kFields[kNumFields] = {
    {"opcode", 0, 8, "opcode (OP_*)"},
    {"flags", 8, 8, "flag bits (FLAG_*)"},
    {"rows", 16, 16, "rows to load/store (1..R for LOAD_ACT/STORE, 1..C for LOAD_WGT)"},
    {"code_addr", 32, 32, "byte address of the first code of row 0"},
    {"exp_addr", 64, 32, "byte address of the first exponent of row 0"},
    {"code_stride", 96, 32, "bytes between consecutive rows' codes"},
    {"exp_stride", 128, 32, "bytes between consecutive rows' exponents"},
    {"count", 160, 16, "blocks (LOAD_*, COMPUTE: K blocks; STORE: output blocks per row; LOAD_BIAS: bias blocks)"},
    {"col_offset", 176, 16, "DRAIN: accumulator-buffer column of PE column 0 (multiple of C)"},
    {"valid_cols", 192, 16, "STORE: accumulator columns that hold real outputs; the rest count as zero"},
    {"prune", 208, 8, "STORE: sparsity-scaling threshold T; codes with |c| < T become 0 (0 = off)"},
    {"wgt_buf", 216, 1, "LOAD_WGT, COMPUTE: weight half 1 (elements WgtDepth/2 on; count*B <= WgtDepth/2), else from element 0"},
    {"acc_next", 217, 1, "DRAIN: copy into the other accumulator buffer (the one the STORE after next reads; sparse configs)"},
    {"packed", 218, 1, "LOAD_ACT SPARSE: code_addr is one packed tile of `rows` rows (docs/sparse-format.md \"Packed tiles\")"},
    {"row_blocks", 224, 16, "compressed STORE: blocks of a whole output row (fixes the segment offsets)"},
};

/// One opcode.
struct OpcodeDef {
  const char* name;  ///< as in docs/architecture.md; the package says OP_<NAME>
  int value;
  const char* doc;
};

constexpr int kNumOpcodes = 6;
constexpr OpcodeDef kOpcodes[kNumOpcodes] = {
    {"LOAD_ACT", 1, "load activation rows into activation half ACT_BUF"},
    {"LOAD_WGT", 2, "load weight rows (columns of W) into the weight banks"},
    {"COMPUTE", 3, "stream count*B elements through the array"},
    {"DRAIN", 4, "copy the PE accumulators into the accumulator buffer at col_offset"},
    {"STORE", 5, "requantize accumulator-buffer rows and write them to memory"},
    {"LOAD_BIAS", 6, "load count bias blocks (one row, any byte address) into the bias buffer"},
};

/// One bit of the flags field (bit number inside `flags`, not inside the command word).
struct FlagDef {
  const char* name;  ///< the package says FLAG_<NAME>
  int bit;
  const char* doc;
};

constexpr int kNumFlags = 8;
constexpr FlagDef kFlagDefs[kNumFlags] = {
    {"CLEAR", 0, "COMPUTE: reset the accumulators first"},
    {"RELU", 1, "STORE: fused ReLU"},
    {"ACT_BUF", 2, "LOAD_ACT, COMPUTE: activation half 1 (else half 0)"},
    {"SPARSE", 3, "LOAD_ACT reads / STORE writes compressed row streams"},
    {"FIRST", 4, "compressed STORE: the rows start with this command"},
    {"LAST", 5, "compressed STORE: the rows end with this command"},
    {"WAIT", 6, "start only when every engine is idle"},
    {"BIAS", 7, "STORE: add the bias buffer (column c to accumulator-buffer column c) before requantizing"},
};

// ---- datapath constants (docs/arithmetic.md) ----------------------------------------------------------
/// Bits of a block-product exponent sum e_a + e_w as the PE array carries it (biased, 0..508).
constexpr int kExpWidth = 9;
/// Requantizer: block exponent X = max_j t_j - kRequantBias - F (t_j: leading-one position plus exponent sum).
constexpr int kRequantBias = 266;
/// Requantizer: per-lane shift s_j = X + kShiftBias + F - e_j.
constexpr int kShiftBias = 260;

// ---- compressed row stream (docs/sparse-format.md) ----------------------------------------------------
/// Header: u16 nnzb (non-empty blocks) at byte 0, u16 nnz (non-zero codes) at byte 2.
constexpr int kRowHeaderBytes = 4;
constexpr int kRowNnzbLsb = 0, kRowNnzbWidth = 16;  ///< bits of the header's first 32-bit word
constexpr int kRowNnzLsb = 16, kRowNnzWidth = 16;
/// The level-1 mask (one bit per block) starts right after the header.
constexpr int kRowL1Offset = kRowHeaderBytes;
/// Segments of a row stream in memory order, as numbered on bfp_dma_sparse's seg_o.
/// (The loader delivers the level-2 masks and exponents realigned to words of the segment, numbered the same.)
enum RowSegment : int { kSegHeader = 0, kSegL2 = 1, kSegExp = 2, kSegCodes = 3, kNumSegments = 4 };

constexpr uint64_t round_up(uint64_t x, uint64_t beat) { return (x + beat - 1) / beat * beat; }
/// Byte offsets of the segments of a row of `kb` blocks of `block` elements: header and level-1 mask, then the
/// exponents right after the level-1 mask, then the level-2 masks right after the room of kb exponents (rounded
/// up to a whole mask, so that no mask straddles a beat), then the codes on the next beat boundary.
constexpr uint64_t row_off_exp(uint64_t kb) { return kRowL1Offset + (kb + 7) / 8; }
constexpr uint64_t row_off_l2(uint64_t kb, uint64_t block) { return round_up(row_off_exp(kb) + kb, block / 8); }
constexpr uint64_t row_off_codes(uint64_t kb, uint64_t block, uint64_t beat) {
  return round_up(row_off_l2(kb, block) + kb * block / 8, beat);
}

// ---- consistency of the table itself ------------------------------------------------------------------
constexpr bool fields_well_formed() {
  int next = 0;
  for (int i = 0; i < kNumFields; ++i) {
    const Field& f = kFields[i];
    // in order, no overlap, inside the word, never straddling a 32-bit host word
    if (f.lsb < next || f.width < 1 || f.width > 32 || f.lsb + f.width > kCommandBits) return false;
    if (f.lsb / 32 != (f.lsb + f.width - 1) / 32) return false;
    next = f.lsb + f.width;
  }
  return true;
}
static_assert(fields_well_formed(), "command fields overlap, leave the word or straddle a 32-bit word");
static_assert(kFields[kOpcode].width == 8 && kFields[kFlags].width == 8, "Command stores opcode/flags as uint8_t");
constexpr bool flags_well_formed() {
  for (int i = 0; i < kNumFlags; ++i)
    if (kFlagDefs[i].bit < 0 || kFlagDefs[i].bit >= kFields[kFlags].width) return false;
  return true;
}
static_assert(flags_well_formed(), "a flag bit lies outside the flags field");

}  // namespace bfp::fmt
