// SPDX-License-Identifier: Apache-2.0
// The pipelined STORE engine (rtl/bfp_store.sv, issue 11): its exact busy cycles, derived by hand below from the
// design, on dense, BIAS and compressed (SPARSE) STOREs and on the multi-cycle (serial) requantizer, plus
// bit-exact results under random backpressure on the write port (and every other handshake).
//
// The expected cycles come from the STORE commands of the GEMM's plan (rows x count blocks each) and, for the
// compressed STORE, from the output the RTL wrote (checked bit-exact against the golden model first). The old
// engine (5 cycles per dense block, 6 with BIAS, not overlapped) fails every exact-cycle test here.
//
// Every case prints its seed and a one-line repro (`build/bfpgen gemm ...`).
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/command.h"
#include "host/plan.h"
#include "support/bit_exact_run.h"
#include "support/rtl_configs.h"
#include "verify/random_gemm.h"

using bfp::Config;
using bfp::host::Command;
using bfp::host::Opcode;
using bfp::test::load;
using bfp::test::model_for;
using bfp::verify::GemmResult;
using bfp::verify::GemmSpec;
using bfp::verify::Schedule;

namespace {

// ---- the design's timing, by hand ---------------------------------------------------------------------------
//
// Cycle 0 is the first cycle busy_o is high (the cycle after the STORE's start). A block is read (issued to the
// requantizer) when one of the engine's Depth slots is free for it, or one frees in that cycle; the writer writes
// the oldest requantized block from its slot and frees the slot when it is done with it. A block read in cycle t
// is ready for the writer in cycle t + Lr + 2 (+1: the store's prune stage): Lr = 4 (the B-lane requantizer's
// latency, kRequantLatency), 6 with BIAS (bfp_bias_buf's two registers: the block as read, the sum), 2*B/L + 1
// (+2) for a serial requantizer of L < B lanes, which also takes one block at a time (one slot, the next read in
// the cycle the writer frees it). Slots: 5, +2 with BIAS, +1 on sparse configs (Lr + 2 on sparse configs: one
// block per cycle).
//
// Dense writer (write combining, docs/architecture.md "STORE timing"): a block takes CodeBeats = max(1, B/beat)
// cycles. With B < beat its codes merge into a code stage and only the block that completes the beat (its last
// byte at the beat's end) or ends the row writes it, so a block that does neither takes its cycle without a
// write. Exponent bytes merge into an exponent stage that the block ending the row (or the exponent beat)
// hands to a single pending exponent beat, eout; eout is written in the first cycle without a code write. A
// block that would hand over while eout still waits stalls a cycle, and that cycle writes eout. The STORE ends
// with the cycle after its last block, which writes the last eout. dense_store_cycles() steps exactly these
// rules cycle by cycle from the command's addresses; the cases below are also worked by hand.
//
// By hand on configs/default.yaml (B = 16, 32-byte beats, 6 slots): 8 rows x 1 block: every block ends its row,
// so a block goes every other cycle (the cycle between writes eout): blocks in cycles 6, 8, .., 20, the last eout
// in 21: 22 cycles. 8 rows x 2 blocks: the first block of a row only merges (eout is written then), the second
// writes the code beat and hands over the exponents: one block per cycle, cycles 6 .. 21, the last eout in 22:
// 23 cycles. (Before issue 12's pipelining, a 2-cycle requantizer and no prune stage: 19 and 20; 35 with a code
// and an exponent beat per block, 40 before issue 11.)
//
// Compressed (SPARSE), B-lane requantizer, no BIAS: per block of the row stream the writer spends
//   all-zero block:      1 cycle (its level-1 bit and block count are recorded, nothing is written),
//   n > 0 non-zeros:     2 + ceil((o + n) / beat) cycles (level-2 mask beat, exponent beat, code beats, o = the
//                        row's non-zeros so far mod beat; the bookkeeping rides on the last code beat),
// plus one level-1 byte beat after the row's 8th, 16th, ... block and after its last block of a LAST STORE, plus
// the header beat at the end of each row of a LAST STORE. The first block is ready in cycle Lr + 2 = 6 (as above); a
// slot is taken from a read to at least Lr + 2 cycles later and the sparse configs have Depth >= Lr + 2 slots, so
// reads keep one block ready for every cycle of the writer: busy = 6 + the sum of the above. With a serial
// requantizer (one slot) the next block is read in the cycle of the bookkeeping, so each block costs Lr + 1 + its
// cycles up to the bookkeeping (Lr >= 3 hides the level-1 and header beats after it), plus 1 and the beats after
// the STORE's last.
// bfp_requant's latency with B lanes (valid_o after valid_i; docs/architecture.md "STORE timing")
constexpr int kRequantLatency = 4;

struct Timing {
  int code_beats = 1;    // code beats per dense block
  bool serial = false;   // requant_lanes < B
  int serial_latency = 0;
};

Timing timing(const Config& cfg) {
  Timing t;
  t.code_beats = cfg.block >= cfg.beat_bytes() ? cfg.block / cfg.beat_bytes() : 1;
  t.serial = cfg.lanes() < cfg.block;
  t.serial_latency = 2 * cfg.block / cfg.lanes() + 1;
  return t;
}

// Busy cycles of one dense STORE, stepping the rules above cycle by cycle.
uint64_t dense_store_cycles(const Config& cfg, const Command& c) {
  const Timing t = timing(cfg);
  const bool bias = (c.flags & bfp::host::kFlagBias) != 0;
  const int beat = cfg.beat_bytes(), b = cfg.block;
  const int depth = t.serial ? 1 : kRequantLatency + 1 + (bias ? 2 : 0) + (cfg.sparse() ? 1 : 0);
  // read to slot: (the bias buffer's two registers,) the requantizer and the prune stage
  const uint64_t lr = uint64_t((t.serial ? t.serial_latency : kRequantLatency) + (bias ? 2 : 0) + 1);
  const int n = int(c.rows) * int(c.count);
  std::vector<bool> code_end(static_cast<size_t>(n)), exp_end(static_cast<size_t>(n));
  for (int r = 0; r < c.rows; ++r)
    for (int k = 0; k < c.count; ++k) {
      const bool last = k + 1 == c.count;
      const uint64_t code = uint64_t(c.code_addr) + uint64_t(r) * c.code_stride + uint64_t(k) * b;
      const uint64_t exp = uint64_t(c.exp_addr) + uint64_t(r) * c.exp_stride + uint64_t(k);
      code_end[size_t(r * c.count + k)] = b >= beat || last || (code % beat) + b == uint64_t(beat);
      exp_end[size_t(r * c.count + k)] = last || exp % beat == uint64_t(beat - 1);
    }
  std::vector<uint64_t> ready(size_t(n), UINT64_MAX);
  int next_read = 0, head = 0, beat_no = 0, cnt = 0;
  bool eout = false, inflight = false;
  uint64_t landed = 0;
  for (uint64_t cyc = 0; cyc < 1000000; ++cyc) {
    bool retire = false, code_wr = false;
    if (head < n && ready[size_t(head)] <= cyc) {
      const bool last_beat = beat_no + 1 == t.code_beats;
      if (!(exp_end[size_t(head)] && eout && last_beat)) {
        code_wr = code_end[size_t(head)];
        if (last_beat) retire = true;
        else ++beat_no;
      }
    }
    const bool exp_wr = eout && !code_wr;
    if (head == n && exp_wr) return cyc + 1;  // the last exponent beat
    if (inflight && cyc >= landed) inflight = false;
    const bool issue = next_read < n && !(t.serial && inflight) && (cnt < depth || retire);
    if (issue) {
      ready[size_t(next_read++)] = cyc + lr + 1;
      inflight = true;
      landed = cyc + lr;
    }
    cnt += (issue ? 1 : 0) - (retire ? 1 : 0);
    if (exp_wr) eout = false;
    if (retire) {
      if (exp_end[size_t(head)]) eout = true;
      beat_no = 0;
      ++head;
    }
  }
  ADD_FAILURE() << "dense_store_cycles did not finish";
  return 0;
}

std::vector<Command> stores(const Config& cfg, const GemmSpec& s) {
  std::vector<Command> out;
  for (const Command& c : bfp::verify::plan_spec(cfg, s).commands)
    if (c.op == Opcode::Store) out.push_back(c);
  return out;
}

std::string describe(const Config& cfg, const GemmSpec& s) {
  std::ostringstream os;
  os << "config=" << cfg.name << " seed=" << s.seed << " M=" << s.m << " K=" << s.k << " N=" << s.n
     << " stall=" << s.stall << " bias=" << s.bias << " sparse_c=" << s.sparse_c << " act=" << s.act_sparsity
     << "\n  repro: " << bfp::verify::repro_command(cfg, s);
  return os.str();
}

GemmResult run_exact(const Config& cfg, const GemmSpec& s) { return bfp::test::run_bit_exact(cfg, s, describe(cfg, s)); }

// The same GEMM with WAIT on every command: no STORE starts while the one before is busy, so the store engine's
// busy cycles are the sum of each STORE's, which the rules above give. Without WAIT the next STORE may start while
// the tail of the one before drains (docs/architecture.md "STORE overlap"): fewer busy cycles in all, checked by
// hand in tests/store_overlap_rtl_test.cpp; here such runs must stay bit-exact and not exceed the sum.
GemmResult run_alone(const Config& cfg, GemmSpec s) {
  s.wait = true;
  return run_exact(cfg, s);
}

GemmSpec spec(int m, int k, int n, uint64_t seed) {
  GemmSpec s;
  s.m = m;
  s.k = k;
  s.n = n;
  s.seed = seed;
  return s;
}

// ---- dense ------------------------------------------------------------------------------------------------

// One STORE of 8 rows x 1 block on configs/default.yaml (B = 16, 32-byte beats: one code beat + one exponent
// beat per block): 2*8 + 6 = 22 cycles (19 before issue 12's pipelining; the old engine: 5 per block, 40).
TEST(StoreRtl, DenseOneTileIs22Cycles) {
  const Config cfg = load("configs/default.yaml");
  GemmSpec s = spec(8, 16, 16, 11);
  const auto st = stores(cfg, s);
  ASSERT_EQ(st.size(), 1u);
  ASSERT_EQ(st[0].rows, 8);
  ASSERT_EQ(st[0].count, 1);
  const GemmResult r = run_exact(cfg, s);
  EXPECT_EQ(r.cycles.store_busy, 22u);
}

// Dense STOREs of several shapes and both schedules (rows x count = 1..8 x 1..2, partial tiles): the sum of
// dense_store_cycles over the plan's STOREs.
TEST(StoreRtl, DenseExactCycles) {
  const Config cfg = load("configs/default.yaml");
  struct Case {
    int m, k, n;
    Schedule sched;
  };
  const Case cases[] = {{8, 16, 32, Schedule::Output}, {5, 32, 48, Schedule::Output},
                        {24, 16, 64, Schedule::Weight}, {1, 16, 16, Schedule::Output},
                        {13, 48, 40, Schedule::Weight}};
  uint64_t seed = 100;
  for (const Case& c : cases) {
    GemmSpec s = spec(c.m, c.k, c.n, ++seed);
    s.schedule = c.sched;
    uint64_t expect = 0;
    for (const Command& st : stores(cfg, s)) expect += dense_store_cycles(cfg, st);
    EXPECT_EQ(run_alone(cfg, s).cycles.store_busy, expect) << describe(cfg, s);
    EXPECT_LE(run_exact(cfg, s).cycles.store_busy, expect) << describe(cfg, s);
  }
  // the 8 x 32 case by hand (header): output-stationary, one STORE of 8 rows x 2 blocks, one block per cycle
  GemmSpec s = spec(8, 16, 32, 101);
  s.schedule = Schedule::Output;
  ASSERT_EQ(stores(cfg, s).size(), 1u);
  EXPECT_EQ(dense_store_cycles(cfg, stores(cfg, s)[0]), 23u);
  EXPECT_EQ(run_exact(cfg, s).cycles.store_busy, 23u);
}

// Other write geometries: r2c2b8 (B = 8, 8-byte beats: W = 2, dense operand path) and r8c8b32 (B = 32,
// 32-byte beats), bit-exact and exact.
TEST(StoreRtl, DenseExactCyclesOtherConfigs) {
  for (const char* file : {"configs/test/r2c2b8.yaml", "configs/test/r8c8b32.yaml"}) {
    const Config cfg = load(file);
    GemmSpec s = spec(2 * cfg.rows + 1, 2 * cfg.block, 3 * cfg.block, 7);
    uint64_t expect = 0;
    for (const Command& st : stores(cfg, s)) expect += dense_store_cycles(cfg, st);
    const GemmResult r = run_exact(cfg, s);
    EXPECT_EQ(r.cycles.store_busy, expect) << file;
  }
}

// ---- BIAS -------------------------------------------------------------------------------------------------

// With BIAS: two more cycles of latency at the start (blocks ready in cycle t + 8), 8 slots: 8 x 1 is 24 (all 8
// blocks are read in cycles 0 .. 7; they go in cycles 8, 10, .., 22, the last eout in 23). (23 with one bias
// register before the clock work of issue 12.)
TEST(StoreRtl, BiasExactCycles) {
  const Config cfg = load("configs/default.yaml");
  GemmSpec one = spec(8, 16, 16, 21);
  one.bias = true;
  ASSERT_EQ(stores(cfg, one).size(), 1u);
  EXPECT_EQ(run_exact(cfg, one).cycles.store_busy, 24u);
  for (Schedule sched : {Schedule::Output, Schedule::Weight}) {
    GemmSpec s = spec(19, 32, 80, 22);
    s.bias = true;
    s.schedule = sched;
    uint64_t expect = 0;
    for (const Command& st : stores(cfg, s)) {
      ASSERT_TRUE(st.flags & bfp::host::kFlagBias);
      expect += dense_store_cycles(cfg, st);
    }
    EXPECT_EQ(run_alone(cfg, s).cycles.store_busy, expect) << describe(cfg, s);
    EXPECT_LE(run_exact(cfg, s).cycles.store_busy, expect) << describe(cfg, s);
  }
}

// ---- serial requantizer ---------------------------------------------------------------------------------------

// Serial requantizers: block k + 1 is read in the cycle block k goes, Lr + 2 cycles after block k's read (the
// requantizer, the prune stage). configs/up5k.yaml: B = 4, one lane (Lr = 9), 8-byte beats, one block per STORE
// (R = 1, AccCols = B): ready in cycle 11 (code beat, exponents handed over), eout in 12: 13 cycles per STORE.
// verify/mutate/r2c2b8-serial.yaml: B = 8, two lanes (Lr = 2*8/2 + 1 = 9), 16-byte beats, R = 2, AccCols = 24: one
// STORE of 2 rows x 3 blocks goes in cycles 11, 22, .., 66, the last eout in 67: 68 cycles; 6*13 + 2 = 80 with
// BIAS (Lr = 11: bfp_bias_buf's two registers; 74 with its one register before issue 12's clock work). (Before
// issue 12's prune stage 62 and 68; 67 and 73 with a code and an exponent beat per block; the engine before
// issue 11: 72 and 78.)
TEST(StoreRtl, SerialRequantExactCycles) {
  {
    const Config cfg = load("configs/up5k.yaml");
    GemmSpec s = spec(3, 8, 12, 31);
    const auto st = stores(cfg, s);
    uint64_t expect = 0, blocks = 0;
    for (const Command& c : st) {
      expect += dense_store_cycles(cfg, c);
      blocks += uint64_t(c.rows) * c.count;
    }
    EXPECT_EQ(expect, 13 * blocks) << "one block per STORE: 13 cycles each";
    const GemmResult r = run_exact(cfg, s);
    EXPECT_EQ(r.cycles.store_busy, expect);
  }
  const Config cfg = load("verify/mutate/r2c2b8-serial.yaml");
  for (bool bias : {false, true}) {
    GemmSpec one = spec(2, 16, 24, 32);
    one.bias = bias;
    one.schedule = Schedule::Output;
    const auto st = stores(cfg, one);
    ASSERT_EQ(st.size(), 1u);
    ASSERT_EQ(st[0].rows * st[0].count, 6);
    EXPECT_EQ(run_exact(cfg, one).cycles.store_busy, bias ? 80u : 68u);
    GemmSpec s = spec(5, 24, 56, 33);
    s.bias = bias;
    uint64_t expect = 0;
    for (const Command& c : stores(cfg, s)) expect += dense_store_cycles(cfg, c);
    EXPECT_EQ(run_exact(cfg, s).cycles.store_busy, expect) << describe(cfg, s);
  }
}

// ---- compressed ----------------------------------------------------------------------------------------------

// The compressed writer's cycles (header comment) for a plan whose rows are all stored by one M tile (M <= R):
// the STOREs cover the output rows' blocks in order, window after window.
uint64_t compressed_cycles(const Config& cfg, const GemmSpec& s, const GemmResult& r) {
  const auto st = stores(cfg, s);
  const Timing t = timing(cfg);
  const int beat = cfg.beat_bytes(), b = cfg.block;
  const int blocks = (s.n + b - 1) / b;
  uint64_t total = 0;
  std::vector<int> bdone(s.m, 0), nnz(s.m, 0);
  int blk0 = 0;
  for (const Command& c : st) {
    EXPECT_TRUE(c.flags & bfp::host::kFlagSparse) << c.str();
    EXPECT_EQ(c.rows, s.m) << c.str();
    if (c.flags & bfp::host::kFlagFirst) {
      std::fill(bdone.begin(), bdone.end(), 0);
      std::fill(nnz.begin(), nnz.end(), 0);
      blk0 = 0;
    }
    const bool last = (c.flags & bfp::host::kFlagLast) != 0;
    uint64_t after = 0;  // serial: the level-1 / header beats after the STORE's last bookkeeping
    for (int row = 0; row < c.rows; ++row) {
      for (int j = 0; j < c.count; ++j) {
        const int blk = blk0 + j;
        int n = 0;
        for (int e = 0; e < b; ++e) {
          const int col = blk * b + e;
          if (blk < blocks && col < s.n && r.out_rtl.codes(row, col) != 0) ++n;
        }
        // writer cycles up to and including the bookkeeping, and the beats after it
        uint64_t book = 1, extra = 0;
        if (n > 0) {
          book = 2 + uint64_t((nnz[row] % beat + n + beat - 1) / beat);
          nnz[row] += n;
        }
        if (bdone[row] % 8 == 7 || (j + 1 == c.count && last)) ++extra;  // level-1 byte
        ++bdone[row];
        if (j + 1 == c.count && last) ++extra;  // header
        if (!t.serial) {
          total += book + extra;
        } else {
          // one slot: the next block is read in the bookkeeping cycle, and its Lr cycles hide the beats after it
          total += uint64_t(t.serial_latency) + 1 + book;  // + 1: the prune stage
          after = extra;
        }
      }
    }
    total += t.serial ? 1 + after : uint64_t(kRequantLatency + 2);
    blk0 += c.count;
  }
  return total;
}

// Compressed C (output-stationary, one M tile): dense-ish outputs (3-4 cycles per block), mostly empty ones
// (90% pruned away), all-zero ones (1 cycle per block), rows of 16 blocks (level-1 bytes mid-row), on
// configs/default.yaml (Depth 6 slots).
TEST(StoreRtl, CompressedExactCycles) {
  const Config cfg = load("configs/default.yaml");
  struct Case {
    int m, n;
    double act;
    int prune;
  };
  const Case cases[] = {{8, 64, 0.0, 0}, {8, 256, 0.0, 0}, {6, 96, 0.0, 40}, {8, 256, 1.0, 0}, {3, 48, 0.5, 90}};
  uint64_t seed = 40;
  for (const Case& c : cases) {
    GemmSpec s = spec(c.m, 32, c.n, ++seed);
    s.sparse_c = true;
    s.schedule = Schedule::Output;
    s.act_sparsity = c.act;
    s.prune = c.prune;
    const GemmResult r = run_alone(cfg, s);
    if (!r.bit_exact) continue;
    EXPECT_EQ(r.cycles.store_busy, compressed_cycles(cfg, s, r)) << describe(cfg, s);
    EXPECT_LE(run_exact(cfg, s).cycles.store_busy, r.cycles.store_busy) << describe(cfg, s);
  }
  // a serial requantizer (one slot), two STOREs per row (AccCols 24 = 3 blocks; 9 blocks: a level-1 byte mid-row)
  const Config serial = load("verify/mutate/r2c2b8-serial.yaml");
  for (double act : {0.0, 0.6, 1.0}) {
    GemmSpec s = spec(2, 16, 72, ++seed);
    s.sparse_c = true;
    s.schedule = Schedule::Output;
    s.act_sparsity = act;
    s.prune = act == 0.6 ? 30 : 0;
    const GemmResult r = run_exact(serial, s);
    if (!r.bit_exact) continue;
    EXPECT_EQ(r.cycles.store_busy, compressed_cycles(serial, s, r)) << describe(serial, s);
  }
}

// The all-zero case by hand: 8 rows x 2 blocks, one STORE (FIRST, LAST): 6 + 8 * (2 blocks + 1 level-1 byte +
// 1 header) = 38 cycles (35 before issue 12's pipelining).
TEST(StoreRtl, CompressedAllZeroByHand) {
  const Config cfg = load("configs/default.yaml");
  GemmSpec s = spec(8, 16, 32, 51);
  s.sparse_c = true;
  s.schedule = Schedule::Output;
  s.act_sparsity = 1.0;
  const auto st = stores(cfg, s);
  ASSERT_EQ(st.size(), 1u);
  ASSERT_EQ(st[0].count, 2);
  const GemmResult r = run_exact(cfg, s);
  EXPECT_EQ(r.out_rtl.codes.cwiseAbs().maxCoeff(), 0);
  EXPECT_EQ(r.cycles.store_busy, 38u);
}

// ---- backpressure ---------------------------------------------------------------------------------------------

// Random backpressure (30% and 70% of the cycles, every handshake including wr_tready) on dense, BIAS, ReLU,
// pruned and compressed STOREs, on configs with 1..7 slots: bit-exact with and without the STOREs overlapping (and
// no RTL assertion fires: the write handshake checker, STORE_SLOTS, STORE_RQ_LOST, STORE_OVERLAP_*), and, each
// STORE alone (WAIT), never faster than without backpressure.
TEST(StoreRtl, BackpressureBitExact) {
  struct Case {
    const char* file;
    bool bias, sparse_c, relu;
    int prune;
    Schedule sched;
  };
  const Case cases[] = {
      {"configs/default.yaml", false, false, false, 0, Schedule::Weight},
      {"configs/default.yaml", true, false, true, 0, Schedule::Weight},
      {"configs/default.yaml", false, true, false, 20, Schedule::Output},
      {"configs/default.yaml", true, true, true, 0, Schedule::Output},
      {"configs/test/r2c2b8.yaml", true, false, false, 5, Schedule::Output},
      {"configs/up5k.yaml", false, false, true, 0, Schedule::Output},
      {"verify/mutate/r2c2b8-serial.yaml", true, true, false, 0, Schedule::Output},
      {"verify/mutate/r2c2b8-serial.yaml", true, false, true, 9, Schedule::Output},
  };
  uint64_t seed = 60;
  for (const Case& c : cases) {
    const Config cfg = load(c.file);
    for (double stall : {0.3, 0.7}) {
      GemmSpec s = spec(2 * cfg.rows + 3, 3 * cfg.block, 5 * cfg.block + 3, ++seed);
      s.bias = c.bias;
      s.sparse_c = c.sparse_c;
      s.relu = c.relu;
      s.prune = c.prune;
      s.schedule = c.sched;
      GemmSpec calm = s;
      calm.stall = 0.0;
      s.stall = stall;
      run_exact(cfg, s);  // overlapping STOREs under backpressure: bit-exact
      const GemmResult r = run_alone(cfg, s);
      const GemmResult r0 = run_alone(cfg, calm);
      EXPECT_GE(r.cycles.store_busy, r0.cycles.store_busy) << describe(cfg, s);
      if (!c.sparse_c) {
        uint64_t expect = 0;
        for (const Command& st : stores(cfg, calm)) expect += dense_store_cycles(cfg, st);
        EXPECT_EQ(r0.cycles.store_busy, expect) << describe(cfg, calm);
      }
    }
  }
}

}  // namespace
