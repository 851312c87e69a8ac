// SPDX-License-Identifier: Apache-2.0
// The host's view of one accelerator command (docs/architecture.md, "Command format"): the Command struct,
// its opcodes and flag bits, encoding to and decoding from the 256-bit command word, and the driver's
// legality check. Field positions, opcode values and flag bits all come from host/command_format.h, the
// table the RTL package bfp_pkg.sv is generated from.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "host/command_format.h"

namespace bfp::host {

enum class Opcode : uint8_t {
  None = 0,
  LoadAct = fmt::kOpcodes[0].value,
  LoadWgt = fmt::kOpcodes[1].value,
  Compute = fmt::kOpcodes[2].value,
  Drain = fmt::kOpcodes[3].value,
  Store = fmt::kOpcodes[4].value,
  LoadBias = fmt::kOpcodes[5].value,
};
/// The opcode's name as in docs/architecture.md ("LOAD_ACT"), "IDLE" for None, "UNKNOWN" otherwise.
const char* opcode_name(Opcode op);

constexpr uint8_t kFlagClear = 1u << fmt::kFlagDefs[0].bit;   ///< COMPUTE: reset the accumulators first
constexpr uint8_t kFlagRelu = 1u << fmt::kFlagDefs[1].bit;    ///< STORE: fused ReLU
constexpr uint8_t kFlagActBuf = 1u << fmt::kFlagDefs[2].bit;  ///< LOAD_ACT, COMPUTE: activation half 1 (else 0)
constexpr uint8_t kFlagSparse = 1u << fmt::kFlagDefs[3].bit;  ///< LOAD_ACT reads / STORE writes row streams
constexpr uint8_t kFlagFirst = 1u << fmt::kFlagDefs[4].bit;   ///< compressed STORE: the rows start here
constexpr uint8_t kFlagLast = 1u << fmt::kFlagDefs[5].bit;    ///< compressed STORE: the rows end here
constexpr uint8_t kFlagWait = 1u << fmt::kFlagDefs[6].bit;    ///< start only when every engine is idle
constexpr uint8_t kFlagBias = 1u << fmt::kFlagDefs[7].bit;    ///< STORE: add the bias buffer first

/// One command, field by field as in docs/architecture.md.
struct Command {
  Opcode op = Opcode::None;
  uint8_t flags = 0;
  uint16_t rows = 0;
  uint32_t code_addr = 0;
  uint32_t exp_addr = 0;
  uint32_t code_stride = 0;
  uint32_t exp_stride = 0;
  uint16_t count = 0;
  uint16_t col_offset = 0;
  uint16_t valid_cols = 0;
  uint8_t prune = 0;        ///< STORE: sparsity-scaling threshold (0 = off)
  uint16_t row_blocks = 0;  ///< compressed STORE: blocks of a whole output row
  uint8_t wgt_buf = 0;      ///< LOAD_WGT, COMPUTE: weight half 1 (0: from element 0); see wgt_buf_halves()
  uint8_t acc_next = 0;     ///< DRAIN: into the other accumulator buffer (sparse configs; docs/architecture.md)
  uint8_t packed = 0;       ///< LOAD_ACT SPARSE: one packed tile at code_addr (docs/sparse-format.md "Packed tiles")

  /// The 256-bit command as eight 32-bit words (word n = cmd_tdata_i[32n+31:32n]); every field is placed
  /// as fmt::kFields says, reserved bits are 0.
  std::array<uint32_t, fmt::kCommandWords> encode() const;
  /// Inverse of encode(); reserved bits are ignored.
  static Command decode(const std::array<uint32_t, fmt::kCommandWords>& w);
  std::string str() const;
};

/// True when this config's weight buffer can be used as two halves of WgtDepth/2 elements (the `wgt_buf`
/// field of LOAD_WGT and COMPUTE): WgtDepth/2 is a multiple of the beat and of B, and the half's exponents
/// start on a beat or share the buffer's single exponent beat (docs/architecture.md "Weight buffer halves").
/// The RTL derives the same condition (bfp_core's WgtSplit).
bool wgt_buf_halves(const Config& cfg);

/// Lanes of the compressed weight loader (LOAD_WGT SPARSE, rtl/bfp_core.sv WgtLanes): buffers.wgt_load_lanes on a
/// `sparsity: both` config (the loader checks the rest), else 0 (none).
int wgt_load_lanes(const Config& cfg);

/// True when a LOAD_WGT SPARSE of `count` blocks per column applies on `cfg` (docs/sparse-format.md, the
/// loader's rules): wgt_load_lanes > 0, whole memory words per column (count * B a multiple of the beat) and
/// every exponent in the stream's first beat (off_exp + count <= BEAT). Otherwise *why says why not.
bool can_load_w_compressed(const Config& cfg, int count, std::string* why = nullptr);

/// Throws std::invalid_argument when `c` breaks an alignment or size rule of docs/architecture.md for
/// this config (see docs/harness.md for the STORE address rule).
void check_command(const Command& c, const Config& cfg);

}  // namespace bfp::host
