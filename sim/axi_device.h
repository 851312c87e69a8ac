// SPDX-License-Identifier: Apache-2.0
// The AXI Device (docs/loadable.md "Devices"): the freestanding C driver (driver/bfp_driver.h) runs a replay
// against bfp_axi_top only through its AXI4-Lite registers, as firmware on an SoC would; its HAL is the AXI4-Lite
// bus-functional master and the AXI4 slave memory of sim::AxiSystem (sim/axi_system.h).
#pragma once
#include <memory>

#include "config/config.h"
#include "sim/axi_system.h"
#include "sim/device.h"

namespace bfp::sim {

struct AxiDeviceOptions {
  AxiSystemOptions system;  ///< memory timing, random stalls on all five AXI4 channels and the AXI4-Lite master
  bool use_irq = true;      ///< the driver waits for irq_o (hal.wait_irq); false: it polls STATUS.BUSY
  /// Cycles without any AXI4 beat, burst or response (and no interrupt) after which a wait gives up (as the
  /// direct driver's idle limit: one COMPUTE over a full buffer is far shorter).
  uint64_t max_idle_cycles = 200000;
};

/// A Device on bfp_axi_top of `cfg` (the AXI model variant, built into the model cache on first use) with
/// `memory_bytes` of AXI memory. bfp_init checks the register map's ID, version and CFG_HASH against `cfg`.
/// Throws DeviceError when the driver refuses the device.
std::unique_ptr<Device> make_axi_device(const Config& cfg, uint64_t memory_bytes, const AxiDeviceOptions& opt = {},
                                        std::ostream* log = nullptr);

/// The CFG_HASH register value of `cfg`: the first 8 hex digits of Config::hash() (docs/registers.md).
uint32_t config_hash32(const Config& cfg);

}  // namespace bfp::sim
