// SPDX-License-Identifier: Apache-2.0
#include "sim/mem_model.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace bfp::sim {

namespace {
std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}
}  // namespace

MemModel::MemModel(const MemConfig& cfg)
    : cfg_(cfg), mem_(cfg.size_bytes, 0), rng_(cfg.seed), stall_(std::clamp(cfg.stall, 0.0, 1.0)) {
  if (cfg_.beat_bytes <= 0 || cfg_.beat_bytes > 4 * BFP_MODEL_DATA_WORDS || (cfg_.beat_bytes & (cfg_.beat_bytes - 1)))
    throw MemError("memory: beat of " + std::to_string(cfg_.beat_bytes) + " bytes is not a power of two <= 64");
  if (cfg_.latency < 1) throw MemError("memory: latency must be >= 1 cycle");
  if (!(cfg_.bandwidth > 0.0 && cfg_.bandwidth <= 1.0)) throw MemError("memory: bandwidth must be in (0, 1] beats/cycle");
  if (!(cfg_.stall >= 0.0 && cfg_.stall < 1.0))  // written so that NaN fails too
    throw MemError("memory: stall probability must be in [0, 1)");
}

void MemModel::check(uint64_t addr, uint64_t n, const char* what) const {
  if (addr > mem_.size() || n > mem_.size() - addr)
    throw MemError(std::string("memory: ") + what + " of " + std::to_string(n) + " bytes at address " + hex(addr) +
                   " is outside the " + std::to_string(mem_.size()) + "-byte memory");
}

void MemModel::write(uint64_t addr, const void* src, uint64_t n) {
  check(addr, n, "host write");
  if (n) std::memcpy(mem_.data() + addr, src, n);
}

void MemModel::read(uint64_t addr, void* dst, uint64_t n) const {
  check(addr, n, "host read");
  if (n) std::memcpy(dst, mem_.data() + addr, n);
}

void MemModel::fill(uint8_t v) { std::fill(mem_.begin(), mem_.end(), v); }

void MemModel::drive(bfp_model_inputs& in) {
  // bandwidth: one token per accepted request, cfg.bandwidth tokens per cycle, at most one banked
  credit_ = std::min(credit_ + cfg_.bandwidth, 1.0);
  const bool stall_on = cfg_.stall > 0.0;
  in.rd_req_tready = (credit_ >= 1.0 - 1e-9 && !(stall_on && stall_(rng_))) ? 1 : 0;
  in.wr_tready = !(stall_on && stall_(rng_)) ? 1 : 0;
  // a response, once presented, stays valid until accepted (AXI-Stream rule)
  if (!rsp_valid_ && !pending_.empty() && pending_.front().ready_cycle <= cycle_ && !(stall_on && stall_(rng_)))
    rsp_valid_ = true;
  in.rd_rsp_tvalid = rsp_valid_ ? 1 : 0;
  std::memset(in.rd_rsp_tdata, 0, sizeof(in.rd_rsp_tdata));
  if (rsp_valid_) std::memcpy(in.rd_rsp_tdata, mem_.data() + pending_.front().addr, cfg_.beat_bytes);
}

void MemModel::commit(const bfp_model_inputs& in, const bfp_model_outputs& out) {
  const uint64_t beat = static_cast<uint64_t>(cfg_.beat_bytes);
  if (in.rd_rsp_tvalid && out.rd_rsp_tready) {
    pending_.pop_front();
    rsp_valid_ = false;
  }
  if (in.rd_req_tready && out.rd_req_tvalid) {
    const uint64_t a = out.rd_req_addr;
    if (a % beat) throw MemError("memory: read request address " + hex(a) + " is not beat-aligned");
    check(a, beat, "read request");
    pending_.push_back({cycle_ + static_cast<uint64_t>(cfg_.latency), a});
    credit_ -= 1.0;
    ++stats_.read_beats;
    for (MemRegion& r : regions_)
      if (a >= r.lo && a < r.hi) ++r.read_beats;
    stats_.max_outstanding = std::max<uint64_t>(stats_.max_outstanding, pending_.size());
  }
  if (in.wr_tready && out.wr_tvalid) {
    const uint64_t a = out.wr_addr;
    if (a % beat) throw MemError("memory: write address " + hex(a) + " is not beat-aligned");
    check(a, beat, "write");
    for (uint64_t b = 0; b < beat; ++b) {
      if ((out.wr_tstrb[b / 32] >> (b % 32)) & 1u) {
        mem_[a + b] = static_cast<uint8_t>(out.wr_tdata[b / 4] >> (8 * (b % 4)));
        ++stats_.write_strobe_bytes;
      }
    }
    ++stats_.write_beats;
    for (MemRegion& r : regions_)
      if (a >= r.lo && a < r.hi) ++r.write_beats;
  }
  ++cycle_;
}

}  // namespace bfp::sim
