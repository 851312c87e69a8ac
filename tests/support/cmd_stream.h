// SPDX-License-Identifier: Apache-2.0
// Hand-written command streams on a verilated model (tests/wgt_buf_rtl_test.cpp, tests/store_overlap_rtl_test.cpp):
// a memory with A (R rows of K), two different W^T (C rows of K each) and optionally a bias row, the LOAD and
// COMPUTE commands over them, and a run that returns the cycle statistics and the output region. K fits a weight
// half (so the wgt_buf halves are usable). Each test adds its own DRAIN / STORE commands.
#pragma once
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "config/config.h"
#include "host/command.h"
#include "sim/driver.h"
#include "rtl_configs.h"

namespace bfp::test {

/// How CmdStream::fill draws the operands (each test keeps the data its expectations were derived on).
struct StreamFill {
  int zero_one_in = 0;   ///< a code is 0 with probability 1/zero_one_in (0: never; no draw then)
  int exp_lo = 120;      ///< operand exponents exp_lo .. exp_lo + exp_span - 1 (near the bias: products neither
  int exp_span = 16;     ///< vanish nor saturate everywhere)
  bool bias_row = false; ///< also a bias row (acc_cols codes at kBias, exponents at kBias + 0x400)
};

struct CmdStream {
  Config cfg;
  StreamFill style;
  int kb = 0, k = 0;
  uint32_t row_bytes = 0, exp_bytes = 0;
  static constexpr uint32_t kA = 0x1000, kW1 = 0x10000, kW2 = 0x20000, kOut = 0x30000, kBias = 0x3c000,
                            kMem = 0x40000, kOutBytes = 0x8000;

  explicit CmdStream(const Config& c, StreamFill s = {}) : cfg(c), style(s) {
    k = std::min(cfg.act_depth, cfg.wgt_depth / 2);  // K fits a weight half: the halves are usable
    kb = k / cfg.block;
    const uint32_t beat = uint32_t(cfg.beat_bytes());
    row_bytes = (uint32_t(k) + beat - 1) / beat * beat;
    exp_bytes = (uint32_t(kb) + beat - 1) / beat * beat;
  }
  /// Random codes (-127..127, never -128) and exponents (StreamFill); the bias row likewise.
  void fill(sim::MemModel& mem, uint64_t seed) const {
    std::mt19937 rng(static_cast<uint32_t>(seed));
    for (uint32_t base : {kA, kW1, kW2}) {
      const int rows = base == kA ? cfg.rows : cfg.cols;
      for (int r = 0; r < rows; ++r) {
        std::vector<uint8_t> codes(row_bytes, 0), exps(exp_bytes, 0);
        for (int i = 0; i < k; ++i)
          codes[size_t(i)] = style.zero_one_in > 0 && rng() % uint32_t(style.zero_one_in) == 0
                                 ? 0
                                 : uint8_t(rng() % 255 + 129);
        for (int i = 0; i < kb; ++i) exps[size_t(i)] = uint8_t(uint32_t(style.exp_lo) + rng() % uint32_t(style.exp_span));
        mem.write(base + uint32_t(r) * row_bytes, codes.data(), row_bytes);
        mem.write(base + 0x8000 + uint32_t(r) * exp_bytes, exps.data(), exp_bytes);
      }
    }
    if (!style.bias_row) return;
    std::vector<uint8_t> bc(size_t(cfg.acc_cols)), be(size_t(cfg.beat_bytes()), 0);
    for (auto& b : bc) b = uint8_t(rng() % 255 + 129);
    for (int i = 0; i < cfg.acc_cols / cfg.block; ++i) be[size_t(i)] = uint8_t(124 + rng() % 8);
    mem.write(kBias, bc.data(), bc.size());
    mem.write(kBias + 0x400, be.data(), be.size());
  }
  /// LOAD_ACT (R rows of A) or LOAD_WGT (C rows of W^T at base) into weight half wgt_buf.
  host::Command load(host::Opcode op, uint32_t base, int wgt_buf) const {
    host::Command c;
    c.op = op;
    c.rows = uint16_t(op == host::Opcode::LoadAct ? cfg.rows : cfg.cols);
    c.count = uint16_t(kb);
    c.code_addr = base;
    c.exp_addr = base + 0x8000;
    c.code_stride = row_bytes;
    c.exp_stride = exp_bytes;
    c.wgt_buf = uint8_t(wgt_buf);
    return c;
  }
  host::Command la() const { return load(host::Opcode::LoadAct, kA, 0); }
  host::Command lw(uint32_t w, int half) const { return load(host::Opcode::LoadWgt, w, half); }
  host::Command compute(int half, bool clear) const {
    host::Command c;
    c.op = host::Opcode::Compute;
    c.flags = clear ? host::kFlagClear : 0;
    c.count = uint16_t(kb);
    c.wgt_buf = uint8_t(half);
    return c;
  }
  struct Run {
    sim::CycleStats st;
    std::vector<uint8_t> out;  ///< the output region (kOutBytes from kOut)
  };
  /// Runs cmds on the config's model (fill seed 7); wait: WAIT on every command (nothing overlaps); stall: the
  /// memory's stall probability.
  Run run(const std::vector<host::Command>& cmds, bool wait = false, double stall = 0.0) const {
    sim::MemConfig mc;
    mc.beat_bytes = cfg.beat_bytes();
    mc.size_bytes = kMem;
    mc.stall = stall;
    sim::Driver drv(model_for(cfg), mc);
    fill(drv.mem(), 7);
    if (wait) drv.set_extra_flags(host::kFlagWait);
    for (const host::Command& c : cmds) drv.issue(c);
    drv.run();
    Run r{drv.stats(), std::vector<uint8_t>(kOutBytes)};
    drv.mem().read(kOut, r.out.data(), r.out.size());
    return r;
  }
};

}  // namespace bfp::test
