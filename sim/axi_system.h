// SPDX-License-Identifier: Apache-2.0
// Simulation of the system-bus top bfp_axi_top (docs/architecture.md "AXI top", docs/registers.md): the verilated
// AXI variant of a config's model, an AXI4 slave memory model on its master port and an AXI4-Lite bus-functional
// master on its control port, packaged as one class, sim::AxiSystem. This is what a C driver (driver/bfp_driver.h)
// runs against: reg_read/reg_write are its HAL's register accesses, mem_write/mem_read its memcpy into DRAM.
//
//   bfp::sim::AxiSystem sys(cfg, {});           // builds/loads the AXI model (cached), resets it
//   sys.reg_write(BFP_REG_CMD_DATA, word);      // clocks the model until the AXI4-Lite write completes
//   uint32_t status = sys.reg_read(BFP_REG_STATUS);
//   while (!sys.irq()) sys.step();              // one clock cycle
//   sys.mem_read(addr, dst, n);                 // backdoor, takes no cycles
//
// Randomness (stalls, latencies) comes from seeds in the options, so a run is reproducible from its seed.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "sim/axi_model_abi.h"
#include "sim/model_cache.h"

namespace bfp::sim {

class AxiLibrary;  // a dlopened AXI-variant libbfp_model.so (axi_system.cpp)

/// One instance of a verilated bfp_axi_top (sim/axi_model_abi.h). Not thread-safe.
class AxiModel {
 public:
  /// Builds (or finds in the model cache, sim::build_axi_model) and loads the AXI model of `cfg`; checks that it
  /// was compiled for exactly `cfg`. Throws ModelError.
  explicit AxiModel(const Config& cfg, std::ostream* log = nullptr);
  ~AxiModel();
  AxiModel(const AxiModel&) = delete;
  AxiModel& operator=(const AxiModel&) = delete;
  /// One clock cycle; returns the outputs sampled before the rising edge. Throws AssertionFailure when an RTL
  /// assertion (docs/assertions.md) failed in this cycle.
  const bfp_axi_model_outputs& cycle(const bfp_axi_model_inputs& in);
  bool assertions() const;
  uint64_t cycles() const { return cycles_; }
  const Config& config() const { return cfg_; }

 private:
  std::shared_ptr<const AxiLibrary> lib_;
  Config cfg_;
  bfp_axi_model* inst_ = nullptr;
  bfp_axi_model_outputs out_{};
  uint64_t cycles_ = 0;
  uint32_t assert_failures_ = 0;
};

/// Protocol violations the memory model commits once, on purpose (tests of the AXI checker, docs/assertions.md).
enum class AxiViolation {
  None,
  SpuriousR,   ///< presents an R beat while no read burst is outstanding (AXI_R_UNREQUESTED)
  EarlyRlast,  ///< RLAST on the first beat of the first burst longer than one beat (AXI_RLAST)
  EarlyB,      ///< a B response before the first write burst's last W beat (AXI_B_EARLY)
  DropRvalid,  ///< drops RVALID once while RREADY is low (HS_HOLD of u_chk_axi.u_r); needs a stalled RREADY
};

struct AxiMemConfig {
  uint64_t size_bytes = 1 << 20;  ///< memory size; an access beyond it answers DECERR
  int beat_bytes = 8;             ///< MemWidth / 8
  int latency = 4;                ///< cycles from an accepted AR to the first R beat (>= 1)
  int latency_jitter = 0;         ///< plus a random 0..jitter cycles per burst
  double bandwidth = 1.0;         ///< R beats per cycle, in (0, 1]
  double stall = 0.0;             ///< probability per cycle that AWREADY, WREADY, ARREADY drop and that a ready
                                  ///< R beat or B response is held back (all five channels, independently)
  uint64_t seed = 1;              ///< seed of the stall and latency generators
  uint64_t err_lo = 0, err_hi = 0;  ///< bursts touching [err_lo, err_hi) answer err_resp (test window)
  uint32_t err_resp = 2;          ///< 2 SLVERR, 3 DECERR
  AxiViolation violation = AxiViolation::None;
};

struct AxiMemStats {
  uint64_t ar_bursts = 0, aw_bursts = 0, r_beats = 0, w_beats = 0;
  uint64_t max_read_outstanding = 0;  ///< read bursts accepted and not finished, at most
  uint64_t max_burst_beats = 0;       ///< longest burst seen (either direction)
  /// AR bursts accepted while a write burst was accepted and not yet answered on B (with WAIT on every command
  /// there must be none: docs/architecture.md "AXI top", ordering)
  uint64_t ar_during_writes = 0;
};

/// Byte-addressed AXI4 slave memory: INCR bursts, WSTRB, in-order responses after a latency, a bandwidth limit,
/// random stalls on every channel, SLVERR/DECERR for an error window and out-of-range addresses.
class AxiMem {
 public:
  explicit AxiMem(const AxiMemConfig& cfg);
  const AxiMemConfig& config() const { return cfg_; }
  uint8_t* data() { return mem_.data(); }
  uint64_t size() const { return mem_.size(); }
  /// Drives the memory-side inputs of this cycle (readies of AW/W/AR, R beat, B response).
  void drive(bfp_axi_model_inputs& in);
  /// Applies the handshakes of the cycle (`in` as driven, `out` as sampled before the edge).
  void commit(const bfp_axi_model_inputs& in, const bfp_axi_model_outputs& out);
  const AxiMemStats& stats() const { return stats_; }
  /// True when no burst is queued or in flight.
  bool idle() const { return reads_.empty() && writes_.empty() && bresps_.empty() && wbeats_.empty(); }

 private:
  struct Burst {
    uint64_t addr;
    uint32_t len;       // beats - 1
    uint64_t ready;     // first cycle a response may go
    uint32_t beat = 0;  // beats done
    uint32_t resp = 0;  // worst response so far
  };
  uint32_t resp_for(uint64_t addr) const;
  bool stall() { return cfg_.stall > 0 && stall_(rng_); }

  AxiMemConfig cfg_;
  std::vector<uint8_t> mem_;
  std::mt19937_64 rng_;
  std::bernoulli_distribution stall_;
  std::deque<Burst> reads_;    // accepted AR, oldest first
  std::deque<Burst> writes_;   // accepted AW whose W beats are not all in
  std::deque<Burst> bresps_;   // bursts waiting for their B response
  struct WBeat {
    std::vector<uint8_t> data;  // beat_bytes bytes
    std::vector<bool> strb;
    bool last;
  };
  std::deque<WBeat> wbeats_;   // accepted W beats whose AW has not come yet (AXI allows W before AW)
  void apply_w(const WBeat& w);
  uint64_t cycle_ = 0;
  double credit_ = 0;
  bool r_valid_ = false, b_valid_ = false;  // presented, waiting for the handshake
  bfp_axi_model_inputs last_{};             // what was presented (held while valid)
  bool last_rready_ = true;
  bool violated_ = false;
  bool fake_r_ = false, fake_b_ = false;    // the presented R beat / B response is the injected violation
  AxiMemStats stats_;
};

struct AxiSystemOptions {
  AxiMemConfig mem;             ///< size_bytes and beat_bytes are set from the config when 0 / left at default
  double bfm_stall = 0.0;       ///< probability per cycle that the AXI4-Lite master holds a request or a ready back
  uint64_t bfm_seed = 1;        ///< seed of those stalls
  uint64_t max_reg_cycles = 10000;  ///< a register access that takes longer throws SimTimeout-like ModelError
  /// Test-only: the AXI4-Lite master raises AWVALID without WVALID for one cycle and then drops it (HS_HOLD of
  /// u_chk_axil.u_aw) on its first write.
  bool bfm_drop_awvalid = false;
  /// The AXI4-Lite master posts its writes, as a CPU's store buffer does: reg_write returns once AW and W are
  /// taken and the B response is collected in a later cycle (a read or a write asking for its response first
  /// collects every outstanding B). false: every write waits for its B.
  bool posted_writes = true;
};

/// bfp_axi_top + AXI4 slave memory + AXI4-Lite bus-functional master.
class AxiSystem {
 public:
  /// Loads the AXI model of `cfg` (building it into the model cache on first use) and resets it.
  AxiSystem(const Config& cfg, const AxiSystemOptions& opt, std::ostream* log = nullptr);
  const Config& config() const { return model_.config(); }

  /// rst_ni low for `cycles` cycles; the memory keeps its content.
  void reset(int cycles = 4);
  /// One clock cycle with the AXI4-Lite master idle (the memory answers the master port).
  void step();
  /// The interrupt output as of the last cycle.
  bool irq() const { return out_.irq != 0; }
  /// Clocks (step()) until irq_o is 1 or `max_cycles` cycles passed; returns whether it rose (the C driver HAL's
  /// wait_irq). Returns at once when it is already 1.
  bool wait_irq(uint64_t max_cycles);
  /// An AXI4-Lite read of `offset`: clocks until the R response; `resp` (optional) gets RRESP.
  uint32_t reg_read(uint32_t offset, uint32_t* resp = nullptr);
  /// An AXI4-Lite write: clocks until the B response; `resp` (optional) gets BRESP.
  void reg_write(uint32_t offset, uint32_t value, uint32_t* resp = nullptr);
  /// Backdoor memory access (no cycles); throws std::out_of_range outside the memory.
  void mem_write(uint64_t addr, const void* src, uint64_t n);
  void mem_read(uint64_t addr, void* dst, uint64_t n) const;
  AxiMem& mem() { return mem_; }
  AxiModel& model() { return model_; }
  uint64_t cycles() const { return model_.cycles(); }

 private:
  void cycle();  // one cycle with in_ as set by the caller
  AxiModel model_;
  AxiMem mem_;
  AxiSystemOptions opt_;
  std::mt19937_64 rng_;
  std::bernoulli_distribution stall_;
  bfp_axi_model_inputs in_{};
  bfp_axi_model_outputs out_{};
  bool dropped_awvalid_ = false;
  uint64_t b_pending_ = 0;  // posted writes whose B response has not been taken yet
  void collect_b();         // clocks until b_pending_ is 0
};

}  // namespace bfp::sim
