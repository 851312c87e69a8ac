// SPDX-License-Identifier: Apache-2.0
// Host-side command driver: owns a model instance and the external memory, feeds the command stream
// (docs/architecture.md, "Command format"), clocks the model and attributes every cycle to the opcode
// that op_o reports; every cycle it checks op_o against engines_busy_o and the load commands it sent (a wrong
// status encoding changes no result, so nothing else would see it).
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "config/config.h"
#include "host/command.h"
#include "sim/mem_model.h"
#include "sim/model_cache.h"

namespace bfp::sim {

// The driver speaks the host's command format (host/command.h).
using host::Command;
using host::Opcode;

/// Thrown when the simulation makes no progress or exceeds its cycle budget.
class SimTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where the cycles went. Every cycle is attributed to exactly one of total's parts, by the most
/// downstream busy engine (engines_busy_o sampled before each rising edge): compute, else store, else
/// load (split by op_o into activations / weights), else a command pending in the core (DRAIN and the
/// dispatch of a command), else idle (the host had no command ready). The *_busy counters are the
/// engines' own busy cycles, which overlap.
struct CycleStats {
  uint64_t total = 0;
  uint64_t compute = 0;               ///< compute engine busy
  uint64_t store = 0;                 ///< store busy, compute idle
  uint64_t load_act = 0, load_wgt = 0;  ///< only the load engine busy
  uint64_t dispatch = 0;              ///< no engine busy, a command in the core (DRAIN, hand-over)
  uint64_t idle = 0;                  ///< core empty (host had nothing queued, or cmd_tvalid stalled)
  uint64_t load_busy = 0, compute_busy = 0, store_busy = 0;  ///< per engine, overlapping
  uint64_t compute_stream = 0;  ///< sum of count*B over COMPUTE commands: cycles an element issues
  uint64_t commands = 0;        ///< commands accepted
  std::array<uint64_t, 16> by_opcode{};  ///< commands accepted per opcode (0..15)
  // handshakes held (functional coverage of backpressure, docs/coverage.md): cycles in which
  uint64_t cmd_held = 0;     ///< cmd_tvalid high, cmd_tready low (the core holds a command back)
  uint64_t cmd_gap = 0;      ///< a command was queued but the host kept cmd_tvalid low (DriverOptions::cmd_stall)
  uint64_t rd_req_held = 0;  ///< rd_req_tvalid high, rd_req_tready low (memory holds a read request)
  uint64_t rd_rsp_held = 0;  ///< rd_rsp_tvalid high, rd_rsp_tready low (the core holds a read response)
  uint64_t wr_held = 0;      ///< wr_tvalid high, wr_tready low (memory holds a write)
  uint64_t load() const { return load_act + load_wgt; }
  /// COMPUTE cycles in which no element issued: pipeline fill/drain of the array.
  uint64_t compute_overhead() const { return compute > compute_stream ? compute - compute_stream : 0; }
  /// Engine cycles beyond one per busy cycle: 0 exactly when no two engines were ever busy in the same cycle.
  uint64_t overlap() const { return load_busy + compute_busy + store_busy - (compute + store + load()); }
  CycleStats& operator+=(const CycleStats& o);
};

struct DriverOptions {
  double cmd_stall = 0.0;        ///< probability of holding cmd_tvalid low for a cycle before a command
  uint64_t seed = 1;             ///< seed of the command stall generator
  uint64_t max_idle = 200000;    ///< cycles without any progress before run() throws SimTimeout
  uint64_t max_cycles = 0;       ///< total budget of one run() (0: unlimited)
  /// When set: one line per cycle with a handshake or a change of busy/op to this stream ("" = off).
  /// Defaults to stderr when the environment variable BFP_TRACE is set.
  std::ostream* trace = nullptr;
};

class Driver {
 public:
  Driver(std::shared_ptr<Model> model, const MemConfig& mem, const DriverOptions& opt = {});

  const Config& config() const { return model_->config(); }
  MemModel& mem() { return mem_; }
  Model& model() { return *model_; }

  /// Resets the model (rst_ni low for a few cycles, not counted in the stats).
  void reset();
  /// Queues a command (checked with check_command unless `check` is false: tests send illegal ones).
  void issue(const Command& c, bool check = true);
  /// Flags ORed into every command issued from now on (tests: kFlagWait serializes the engines).
  void set_extra_flags(uint8_t flags) { extra_flags_ = flags; }
  /// Clocks until every queued command was accepted and busy_o is low.
  void run();
  /// Statistics since construction (or clear_stats()).
  const CycleStats& stats() const { return stats_; }
  void clear_stats() { stats_ = {}; }
  size_t queued() const { return queue_.size(); }

 private:
  std::shared_ptr<Model> model_;
  MemModel mem_;
  DriverOptions opt_;
  std::deque<Command> queue_;
  std::mt19937_64 rng_;
  std::bernoulli_distribution stall_;
  bool cmd_valid_ = false;  // cmd_tvalid raised for queue_.front() and not yet accepted
  uint64_t cycle_ = 0;      // cycles since construction (trace only)
  CycleStats stats_;
  // op_o check (check_op): the load commands accepted and not yet started, oldest first, and the opcode op_o
  // reported when the running load started (0: load engine idle)
  std::deque<Opcode> loads_;
  uint32_t load_op_ = 0;
  void check_op(const bfp_model_outputs& out, bool load_started);
  uint8_t extra_flags_ = 0;  // set_extra_flags
};

}  // namespace bfp::sim
