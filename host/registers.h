// SPDX-License-Identifier: Apache-2.0
// The register table of the AXI4-Lite control slave of bfp_axi_top (docs/registers.md, the issue-14 contract): the
// one place that says which 32-bit registers exist at which byte offset, their access, their bit fields and the
// error codes of STATUS.ERROR.
//
// Derived from it (gen/emit_regs.cpp), so that hardware, driver and docs cannot disagree:
//   - the SystemVerilog package bfp_regs_pkg.sv that `bfpgen generate` emits; the hand-written register block
//     rtl/bfp_axil_regs.sv decodes addresses only through its REG_*, CTRL_*, STATUS_*, ERR_*, CNT_* names;
//   - the C header bfp_regs.h (C89, only <stdint.h>) that `bfpgen generate` writes beside the RTL, of which
//     driver/bfp_regs.h is a checked-in copy (tests/regs_test.cpp checks that the two are equal);
//   - docs/registers.md, whose tables tests/regs_test.cpp checks against this file.
// Header-only, like host/command_format.h: gen reads it without linking bfp_host.
#pragma once
#include <cstdint>

namespace bfp::regs {

constexpr uint32_t kIdValue = 0x42465031u;  ///< ID register: "BFP1"
constexpr uint32_t kVersion = 1;            ///< VERSION register: register map version
constexpr int kAddrBits = 12;               ///< AXI4-Lite address bits (4 KiB window)
constexpr int kCmdWords = 8;                ///< CMD_DATA writes per command

enum class Access { RO, RW, RW1C, WO };
constexpr const char* access_name(Access a) {
  return a == Access::RO ? "RO" : a == Access::RW ? "RW" : a == Access::RW1C ? "RW1C" : "WO";
}

/// One 32-bit register. The 64-bit counters are two registers each, NAME_LO and NAME_HI (kCounters).
struct Register {
  const char* name;  ///< C: BFP_REG_<NAME>, SystemVerilog: bfp_regs_pkg::REG_<NAME>
  uint32_t offset;   ///< byte offset in the 4 KiB window, a multiple of 4
  Access access;
  const char* doc;   ///< one line (docs/registers.md's "meaning" column)
};

constexpr int kNumPlainRegisters = 10;
constexpr Register kPlainRegisters[kNumPlainRegisters] = {
    {"ID", 0x000, Access::RO, "0x42465031 (\"BFP1\")"},
    {"VERSION", 0x004, Access::RO, "register map version, 1"},
    {"CFG_HASH", 0x008, Access::RO, "first 8 hex digits of Config::hash() as a uint32"},
    {"CAPS", 0x00C, Access::RO, "BEAT bytes, command FIFO depth, rows R, cols C (fields below)"},
    {"CTRL", 0x010, Access::RW, "DONE_IRQ_EN, ERR_IRQ_EN; CLEAR_COUNTERS and CLEAR_ERROR are write-1 pulses (read 0)"},
    {"STATUS", 0x014, Access::RO, "BUSY, FIFO_FULL, FIFO_EMPTY, WORDS, FIFO_LEVEL, ERROR (fields below)"},
    {"IRQ_STATUS", 0x018, Access::RW1C, "DONE, ERROR; irq_o = (DONE & DONE_IRQ_EN) | (ERROR & ERR_IRQ_EN)"},
    {"DOORBELL", 0x01C, Access::WO, "any write arms DONE: DONE is set on the first cycle after it in which BUSY=0"},
    {"CMD_DATA", 0x020, Access::WO, "command word FIFO: the 8th write of a command queues it"},
    {"ERR_ADDR", 0x024, Access::RO, "low 32 bits of the AXI address of the first failing burst (0 if none)"},
};

/// One 64-bit counter: NAME_LO at `offset`, NAME_HI at offset + 4. Reading NAME_LO snapshots NAME_HI, so that
/// LO then HI gives one consistent 64-bit value. Counter i sits at kCounterBase + 8 i.
struct Counter {
  const char* name;
  uint32_t offset;
  const char* doc;
};
constexpr uint32_t kCounterBase = 0x040;
constexpr int kNumCounters = 8;
constexpr Counter kCounters[kNumCounters] = {
    {"CYCLES", 0x040, "cycles since reset or CLEAR_COUNTERS"},
    {"LOAD_BUSY", 0x048, "cycles the load engine was busy"},
    {"COMPUTE_BUSY", 0x050, "cycles the compute engine was busy"},
    {"STORE_BUSY", 0x058, "cycles the store engine was busy"},
    {"MACS", 0x060, "multiply-accumulates issued by the array (dense: R*C per element issued)"},
    {"RD_BYTES", 0x068, "bytes read over AXI (R beats x BEAT)"},
    {"WR_BYTES", 0x070, "bytes written over AXI (W beats x BEAT)"},
    {"COMMANDS", 0x078, "commands the core accepted"},
};

/// A bit field of a register: bits [lsb + width - 1 : lsb]. One-bit fields become masks (C: BFP_<REG>_<NAME>,
/// SystemVerilog: <REG>_<NAME> = bit index); wider ones field macros (C: BFP_<REG>_<NAME>(v), SystemVerilog:
/// <REG>_<NAME>_LSB and _W).
struct BitField {
  const char* reg;
  const char* name;
  int lsb;
  int width;
  const char* doc;
};
constexpr int kNumBitFields = 16;
constexpr BitField kBitFields[kNumBitFields] = {
    {"CAPS", "BEAT", 0, 8, "bytes per memory beat (MemWidth/8)"},
    {"CAPS", "FIFO_DEPTH", 8, 8, "command FIFO depth (commands)"},
    {"CAPS", "ROWS", 16, 8, "PE rows R"},
    {"CAPS", "COLS", 24, 8, "PE columns C"},
    {"CTRL", "DONE_IRQ_EN", 0, 1, "irq_o follows IRQ_STATUS.DONE"},
    {"CTRL", "ERR_IRQ_EN", 1, 1, "irq_o follows IRQ_STATUS.ERROR"},
    {"CTRL", "CLEAR_COUNTERS", 2, 1, "write 1: every counter to 0 (reads 0)"},
    {"CTRL", "CLEAR_ERROR", 3, 1, "write 1: STATUS.ERROR and ERR_ADDR to 0 (reads 0)"},
    {"STATUS", "BUSY", 0, 1, "FIFO non-empty, or core busy, or AXI transactions outstanding"},
    {"STATUS", "FIFO_FULL", 1, 1, "the command FIFO holds FIFO_DEPTH commands"},
    {"STATUS", "FIFO_EMPTY", 2, 1, "the command FIFO is empty"},
    {"STATUS", "WORDS", 8, 4, "CMD_DATA words of the partial command (0..7)"},
    {"STATUS", "FIFO_LEVEL", 16, 8, "whole commands queued"},
    {"STATUS", "ERROR", 24, 8, "error code (ERR_*), sticky until CLEAR_ERROR; the first error wins"},
    {"IRQ", "DONE", 0, 1, "IRQ_STATUS: set when an armed DOORBELL sees BUSY=0"},
    {"IRQ", "ERROR", 1, 1, "IRQ_STATUS: set when an error is latched"},
};

/// STATUS.ERROR codes (C: BFP_ERR_<NAME>, SystemVerilog: ERR_<NAME>).
struct ErrorCode {
  const char* name;
  int value;
  const char* doc;
};
constexpr int kNumErrors = 7;
constexpr ErrorCode kErrors[kNumErrors] = {
    {"NONE", 0, "no error"},
    {"RD_SLVERR", 1, "an AXI read burst answered SLVERR (ERR_ADDR: its address)"},
    {"RD_DECERR", 2, "an AXI read burst answered DECERR (ERR_ADDR: its address)"},
    {"WR_SLVERR", 3, "an AXI write burst answered SLVERR (ERR_ADDR: its address)"},
    {"WR_DECERR", 4, "an AXI write burst answered DECERR (ERR_ADDR: its address)"},
    {"CMD_OVERFLOW", 5, "a command was queued into a full command FIFO and dropped"},
    {"BAD_REG", 6, "an AXI4-Lite access to an unmapped offset (answered SLVERR)"},
};

}  // namespace bfp::regs
