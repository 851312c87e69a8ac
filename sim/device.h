// SPDX-License-Identifier: Apache-2.0
// The accelerator as a replay sees it (docs/loadable.md "Devices"): one accelerator and its memory, reached
// through memory writes/reads, a command stream and counters. `bfpgen replay` runs a loadable on any Device: the
// direct-port one here (sim/direct_device.h: sim::Driver on bfp_top's command and memory ports) or one behind the
// AXI4-Lite registers and the C driver.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace bfp::sim {

/// The counters of the register map (docs/registers.md CYCLES .. COMMANDS), since the device was made.
struct DeviceCounters {
  uint64_t cycles = 0;
  uint64_t load_busy = 0, compute_busy = 0, store_busy = 0;  ///< cycles each engine was busy (they overlap)
  uint64_t macs = 0;      ///< multiply-accumulates issued by the array (R*C per element issued)
  uint64_t rd_bytes = 0;  ///< bytes read from memory (beats x BEAT)
  uint64_t wr_bytes = 0;  ///< bytes written to memory (beats x BEAT)
  uint64_t commands = 0;  ///< commands the core accepted
  DeviceCounters operator-(const DeviceCounters& o) const {
    return {cycles - o.cycles, load_busy - o.load_busy, compute_busy - o.compute_busy, store_busy - o.store_busy,
            macs - o.macs,     rd_bytes - o.rd_bytes,   wr_bytes - o.wr_bytes,         commands - o.commands};
  }
};

/// Thrown by a Device when it reports an error (bus error, timeout, rejected command); the message says which.
class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Device {  // one accelerator + its memory, as the replay sees it
  virtual ~Device() = default;
  virtual uint64_t memory_bytes() const = 0;
  virtual void write_mem(uint64_t addr, const uint8_t* src, uint64_t n) = 0;
  virtual void read_mem(uint64_t addr, uint8_t* dst, uint64_t n) = 0;
  /// Issues all commands (8 words each, docs/architecture.md "Command format"), waits until idle; throws on
  /// error/timeout.
  virtual void run_commands(const std::vector<std::array<uint32_t, 8>>& cmds) = 0;
  /// cycles, busy per engine, macs, bytes read/written, commands (as the registers)
  virtual DeviceCounters counters() = 0;
};

}  // namespace bfp::sim
