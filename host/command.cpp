// SPDX-License-Identifier: Apache-2.0
// Command encoding, decoding and checking (host/command.h), driven by the table of host/command_format.h.
#include "host/command.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace bfp::host {

const char* opcode_name(Opcode op) {
  switch (op) {
    case Opcode::None: return "IDLE";
    case Opcode::LoadAct: return "LOAD_ACT";
    case Opcode::LoadWgt: return "LOAD_WGT";
    case Opcode::Compute: return "COMPUTE";
    case Opcode::Drain: return "DRAIN";
    case Opcode::Store: return "STORE";
    case Opcode::LoadBias: return "LOAD_BIAS";
  }
  return "UNKNOWN";
}

namespace {

constexpr bool same(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}
// The enum and flag constants of command.h are defined by position in the table; these pin the positions.
static_assert(same(fmt::kOpcodes[0].name, "LOAD_ACT") && same(fmt::kOpcodes[1].name, "LOAD_WGT") &&
                  same(fmt::kOpcodes[2].name, "COMPUTE") && same(fmt::kOpcodes[3].name, "DRAIN") &&
                  same(fmt::kOpcodes[4].name, "STORE") && same(fmt::kOpcodes[5].name, "LOAD_BIAS"),
              "host/command.h's Opcode follows the order of fmt::kOpcodes");
static_assert(same(fmt::kFlagDefs[0].name, "CLEAR") && same(fmt::kFlagDefs[1].name, "RELU") &&
                  same(fmt::kFlagDefs[2].name, "ACT_BUF") && same(fmt::kFlagDefs[3].name, "SPARSE") &&
                  same(fmt::kFlagDefs[4].name, "FIRST") && same(fmt::kFlagDefs[5].name, "LAST") &&
                  same(fmt::kFlagDefs[6].name, "WAIT") && same(fmt::kFlagDefs[7].name, "BIAS"),
              "host/command.h's kFlag* follow the order of fmt::kFlagDefs");

using Words = std::array<uint32_t, fmt::kCommandWords>;

uint32_t field_mask(const fmt::Field& f) { return f.width == 32 ? ~0u : ((1u << f.width) - 1u); }

void put(Words& w, fmt::FieldId id, uint32_t v) {
  const fmt::Field& f = fmt::kFields[id];
  w[static_cast<size_t>(f.lsb / 32)] |= (v & field_mask(f)) << (f.lsb % 32);
}

uint32_t get(const Words& w, fmt::FieldId id) {
  const fmt::Field& f = fmt::kFields[id];
  return (w[static_cast<size_t>(f.lsb / 32)] >> (f.lsb % 32)) & field_mask(f);
}

}  // namespace

Words Command::encode() const {
  Words w{};
  put(w, fmt::kOpcode, static_cast<uint32_t>(op));
  put(w, fmt::kFlags, flags);
  put(w, fmt::kRows, rows);
  put(w, fmt::kCodeAddr, code_addr);
  put(w, fmt::kExpAddr, exp_addr);
  put(w, fmt::kCodeStride, code_stride);
  put(w, fmt::kExpStride, exp_stride);
  put(w, fmt::kCount, count);
  put(w, fmt::kColOffset, col_offset);
  put(w, fmt::kValidCols, valid_cols);
  put(w, fmt::kPrune, prune);
  put(w, fmt::kWgtBuf, wgt_buf);
  put(w, fmt::kAccNext, acc_next);
  put(w, fmt::kPacked, packed);
  put(w, fmt::kRowBlocks, row_blocks);
  return w;
}

Command Command::decode(const Words& w) {
  Command c;
  c.op = static_cast<Opcode>(get(w, fmt::kOpcode));
  c.flags = static_cast<uint8_t>(get(w, fmt::kFlags));
  c.rows = static_cast<uint16_t>(get(w, fmt::kRows));
  c.code_addr = get(w, fmt::kCodeAddr);
  c.exp_addr = get(w, fmt::kExpAddr);
  c.code_stride = get(w, fmt::kCodeStride);
  c.exp_stride = get(w, fmt::kExpStride);
  c.count = static_cast<uint16_t>(get(w, fmt::kCount));
  c.col_offset = static_cast<uint16_t>(get(w, fmt::kColOffset));
  c.valid_cols = static_cast<uint16_t>(get(w, fmt::kValidCols));
  c.prune = static_cast<uint8_t>(get(w, fmt::kPrune));
  c.wgt_buf = static_cast<uint8_t>(get(w, fmt::kWgtBuf));
  c.acc_next = static_cast<uint8_t>(get(w, fmt::kAccNext));
  c.packed = static_cast<uint8_t>(get(w, fmt::kPacked));
  c.row_blocks = static_cast<uint16_t>(get(w, fmt::kRowBlocks));
  return c;
}

std::string Command::str() const {
  std::ostringstream os;
  os << opcode_name(op);
  switch (op) {
    case Opcode::LoadAct:
    case Opcode::LoadWgt:
    case Opcode::LoadBias:
    case Opcode::Store:
      os << " rows=" << rows << " count=" << count << std::hex << " code=0x" << code_addr << "+r*0x" << code_stride
         << " exp=0x" << exp_addr << "+r*0x" << exp_stride << std::dec;
      if (op == Opcode::Store) {
        os << " valid_cols=" << valid_cols << ((flags & kFlagRelu) ? " RELU" : "") << ((flags & kFlagBias) ? " BIAS" : "");
        if (prune) os << " prune=" << int(prune);
        if (flags & kFlagSparse)
          os << " row_blocks=" << row_blocks << ((flags & kFlagFirst) ? " FIRST" : "") << ((flags & kFlagLast) ? " LAST" : "");
      }
      break;
    case Opcode::Compute: os << " count=" << count << ((flags & kFlagClear) ? " CLEAR" : ""); break;
    case Opcode::Drain: os << " col_offset=" << col_offset << (acc_next ? " ACC_NEXT" : ""); break;
    default: break;
  }
  if (op == Opcode::LoadAct || op == Opcode::Compute) os << " half=" << ((flags & kFlagActBuf) ? 1 : 0);
  if (wgt_buf) os << " wgt_buf=" << int(wgt_buf);
  if (op == Opcode::LoadAct && (flags & kFlagSparse)) os << " SPARSE";
  if (op == Opcode::LoadWgt && (flags & kFlagSparse)) os << " SPARSE col_offset=" << col_offset;
  if (packed) os << " PACKED";
  if (flags & kFlagWait) os << " WAIT";
  return os.str();
}

bool wgt_buf_halves(const Config& cfg) {
  const int half = cfg.wgt_depth / 2, beat = cfg.beat_bytes(), b = cfg.block;
  if (cfg.wgt_depth % 2 || half % beat || half % b) return false;
  const int exps = cfg.wgt_depth / b;  // exponent bytes of a bank
  return exps <= beat || (exps / 2) % beat == 0;
}

int wgt_load_lanes(const Config& cfg) { return cfg.sparsity == Sparsity::Both ? cfg.wgt_load_lanes : 0; }

bool can_load_w_compressed(const Config& cfg, int count, std::string* why) {
  auto no = [&](const std::string& w) {
    if (why) *why = w;
    return false;
  };
  if (why) why->clear();
  if (wgt_load_lanes(cfg) == 0)
    return no("compressed weight loads need buffers.wgt_load_lanes > 0 (config '" + cfg.name + "')");
  const int beat = cfg.beat_bytes();
  if (count < 1 || (count * cfg.block) % beat != 0)
    return no("compressed weight loads need whole memory words per column (count*B a multiple of " +
              std::to_string(beat) + ")");
  if (fmt::kRowL1Offset + (count + 7) / 8 + count > beat)
    return no("compressed weight loads need every exponent of a column in its first beat (off_exp + count <= " +
              std::to_string(beat) + ")");
  return true;
}

void check_command(const Command& c, const Config& cfg) {
  const uint32_t beat = static_cast<uint32_t>(cfg.beat_bytes());
  const int b = cfg.block;
  auto fail = [&](const std::string& why) { throw std::invalid_argument("command " + c.str() + ": " + why); };
  auto aligned = [&](uint32_t v, uint32_t a, const char* name) {
    if (v % a) fail(std::string(name) + " is not a multiple of " + std::to_string(a) + " bytes");
  };
  if (c.wgt_buf) {
    if (c.op != Opcode::LoadWgt && c.op != Opcode::Compute) fail("wgt_buf is only defined for LOAD_WGT and COMPUTE");
    if (!wgt_buf_halves(cfg))
      fail("wgt_buf needs a weight buffer that splits into halves (WgtDepth/2 a multiple of the beat and of B)");
    if (c.count * b > cfg.wgt_depth / 2)
      fail("count*B must be at most WgtDepth/2 = " + std::to_string(cfg.wgt_depth / 2) + " elements with wgt_buf");
  }
  if (c.acc_next) {
    if (c.op != Opcode::Drain) fail("acc_next is only defined for DRAIN");
    if (!cfg.sparse()) fail("acc_next needs a config with sparsity (two accumulator buffers)");
  }
  if (c.packed) {
    // one packed tile (docs/sparse-format.md "Packed tiles"): its header (tile_len, n row offsets) in beat 0
    if (c.op != Opcode::LoadAct || !(c.flags & kFlagSparse)) fail("packed is only defined for LOAD_ACT SPARSE");
    if (2u + 2u * c.rows > beat) fail("a packed tile's header (2 + 2 * rows bytes) exceeds one beat");
  }
  switch (c.op) {
    case Opcode::LoadAct:
    case Opcode::LoadWgt: {
      const bool act = c.op == Opcode::LoadAct;
      const int banks = act ? cfg.rows : cfg.cols;
      const int depth = act ? cfg.act_depth : cfg.wgt_depth;
      if (c.rows < 1 || c.rows > banks) fail("rows must be 1.." + std::to_string(banks));
      if (c.count < 1 || c.count * b > depth) fail("count*B must be 1.." + std::to_string(depth) + " elements");
      aligned(c.code_addr, beat, "code_addr");
      aligned(c.code_stride, beat, "code_stride");
      if (act && (c.flags & kFlagSparse)) {
        // row streams (docs/sparse-format.md): header and level-1 mask in the first beat
        if (!cfg.sparse()) fail("SPARSE loads need a config with sparsity");
        if (fmt::kRowL1Offset + (c.count + 7) / 8 > static_cast<int>(beat)) fail("header and level-1 mask exceed one beat");
        break;
      }
      if (!act && (c.flags & kFlagSparse) && wgt_load_lanes(cfg) > 0) {  // without lanes the RTL ignores SPARSE
        // W^T columns as row streams, column col_offset + r (rtl/bfp_wgt_sparse.sv)
        std::string why;
        if (!can_load_w_compressed(cfg, c.count, &why)) fail(why);
        const int lanes = wgt_load_lanes(cfg);
        if (c.rows > cfg.rows) fail("a compressed LOAD_WGT reads at most R = " + std::to_string(cfg.rows) + " columns");
        if (c.col_offset % lanes || c.col_offset + c.rows > cfg.cols)
          fail("col_offset must be a multiple of " + std::to_string(lanes) + " with col_offset + rows <= C");
        break;
      }
      aligned(c.exp_addr, beat, "exp_addr");
      aligned(c.exp_stride, beat, "exp_stride");
      break;
    }
    case Opcode::Compute: {
      const int depth = std::min(cfg.act_depth, cfg.wgt_depth);
      if (c.count < 1 || c.count * b > depth) fail("count*B must be 1.." + std::to_string(depth) + " elements");
      break;
    }
    case Opcode::Drain:
      if (c.col_offset % cfg.cols || c.col_offset + cfg.cols > cfg.acc_cols)
        fail("col_offset must be a multiple of C with col_offset + C <= AccCols");
      break;
    case Opcode::LoadBias:
      // one row of `count` blocks at any byte address (the bias buffer realigns it); Config::bias builds the buffer
      if (!cfg.bias) fail("LOAD_BIAS needs a config with bias: true");
      if (c.rows != 1) fail("rows must be 1");
      if (c.count < 1 || c.count * b > cfg.acc_cols) fail("count*B must be 1.." + std::to_string(cfg.acc_cols));
      break;
    case Opcode::Store:
      if ((c.flags & kFlagBias) && !cfg.bias) fail("STORE BIAS needs a config with bias: true");
      if (c.rows < 1 || c.rows > cfg.rows) fail("rows must be 1.." + std::to_string(cfg.rows));
      if (c.count < 1 || c.count * b > cfg.acc_cols) fail("count*B must be 1.." + std::to_string(cfg.acc_cols));
      if (c.valid_cols > c.count * b) fail("valid_cols exceeds count*B");
      if (c.flags & kFlagSparse) {
        if (!cfg.sparse()) fail("compressed STOREs need a config with sparsity");
        if (c.row_blocks < c.count) fail("row_blocks is smaller than count");
        aligned(c.code_addr, beat, "code_addr");
        aligned(c.code_stride, beat, "code_stride");
        break;
      }
      // a block's codes must not straddle a beat; exponents are single bytes (docs/harness.md)
      aligned(c.code_addr, std::min<uint32_t>(beat, static_cast<uint32_t>(b)), "code_addr");
      aligned(c.code_stride, beat, "code_stride");
      aligned(c.exp_stride, beat, "exp_stride");
      break;
    default: fail("unknown opcode"); break;
  }
}

}  // namespace bfp::host
