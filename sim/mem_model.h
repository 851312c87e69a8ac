// SPDX-License-Identifier: Apache-2.0
// Byte-addressed external memory behind the bfp_top memory ports: in-order read responses after a
// configurable latency, a bandwidth limit, a posted write port with byte strobes, and optional random
// backpressure on every handshake (docs/harness.md).
#pragma once
#include <cstdint>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/model_abi.h"

namespace bfp::sim {

/// Thrown for accesses outside the memory or misaligned beats; the message names the address.
class MemError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MemConfig {
  uint64_t size_bytes = 1 << 20;  ///< memory size
  int beat_bytes = 8;             ///< MemWidth / 8
  int latency = 4;                ///< cycles from an accepted read request to its response (>= 1)
  double bandwidth = 1.0;         ///< read beats per cycle, in (0, 1]
  double stall = 0.0;             ///< probability that rd_req_tready / wr_tready drop or a ready
                                  ///< response is held back, each cycle and independently
  uint64_t seed = 1;              ///< seed of the stall generator
};

struct MemStats {
  uint64_t read_beats = 0;
  uint64_t write_beats = 0;
  uint64_t write_strobe_bytes = 0;  ///< bytes written with their strobe bit set
  uint64_t max_outstanding = 0;
};

/// An address range [lo, hi) whose beats are counted separately (sim/runner.cpp: the A, W and C of each GEMM).
struct MemRegion {
  std::string name;
  uint64_t lo = 0, hi = 0;
  uint64_t read_beats = 0;   ///< accepted read requests with an address in [lo, hi)
  uint64_t write_beats = 0;  ///< accepted writes with an address in [lo, hi)
};

class MemModel {
 public:
  explicit MemModel(const MemConfig& cfg);

  const MemConfig& config() const { return cfg_; }
  uint64_t size() const { return mem_.size(); }

  // Host access (outside simulation).
  void write(uint64_t addr, const void* src, uint64_t n);
  void read(uint64_t addr, void* dst, uint64_t n) const;
  uint8_t* data() { return mem_.data(); }
  void fill(uint8_t v);

  /// Drives this cycle's memory-side inputs (rd_req_tready, rd_rsp_tvalid/tdata, wr_tready).
  void drive(bfp_model_inputs& in);
  /// Applies the handshakes of the cycle: `in` as driven, `out` as sampled before the edge.
  void commit(const bfp_model_inputs& in, const bfp_model_outputs& out);

  /// Read requests accepted but not yet answered.
  size_t outstanding() const { return pending_.size(); }
  const MemStats& stats() const { return stats_; }
  /// Counts beats in [lo, hi) separately from now on (regions may overlap; each counts its own).
  void add_region(const std::string& name, uint64_t lo, uint64_t hi) { regions_.push_back({name, lo, hi, 0, 0}); }
  const std::vector<MemRegion>& regions() const { return regions_; }
  /// Forgets every region (the runner sets the regions of each GEMM it runs).
  void clear_regions() { regions_.clear(); }

 private:
  struct Pending {
    uint64_t ready_cycle;  // first cycle the response may be presented
    uint64_t addr;
  };
  void check(uint64_t addr, uint64_t n, const char* what) const;

  MemConfig cfg_;
  std::vector<uint8_t> mem_;
  std::deque<Pending> pending_;
  std::mt19937_64 rng_;
  std::bernoulli_distribution stall_;
  uint64_t cycle_ = 0;
  double credit_ = 0;  // bandwidth token bucket
  bool rsp_valid_ = false;  // rd_rsp_tvalid presented and not yet accepted (must stay up)
  MemStats stats_;
  std::vector<MemRegion> regions_;
};

}  // namespace bfp::sim
