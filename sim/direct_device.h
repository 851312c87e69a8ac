// SPDX-License-Identifier: Apache-2.0
// The direct-port Device: sim::Driver feeds bfp_top's command port and the memory model (sim/mem_model.h) answers
// its memory ports; counters from the driver's CycleStats and the memory model's MemStats.
#pragma once
#include <memory>

#include "sim/device.h"
#include "sim/model_cache.h"
#include "sim/runner.h"

namespace bfp::sim {

/// A Device on `model` with `memory_bytes` of memory (make_driver: stalls seeded from `seed`, `timing`).
std::unique_ptr<Device> make_direct_device(const std::shared_ptr<Model>& model, uint64_t memory_bytes, uint64_t seed,
                                           const MemTiming& timing = {});

}  // namespace bfp::sim
