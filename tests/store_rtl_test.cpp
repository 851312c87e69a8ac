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
// the oldest requantized block from its slot and frees the slot with its last beat. Write beats per dense block:
// W = CodeBeats + 1 (CodeBeats = max(1, B / beat bytes) code beats, then one exponent beat).
//
// Dense, B-lane requantizer (latency 2: valid_o two cycles after valid_i), no BIAS, Depth >= 2: blocks 0 and 1 are
// read in cycles 0 and 1 and land in their slots at the end of cycles 2 and 3. Block k's code beats start in
// cycle 3 + W*k and its exponent beat is in cycle 3 + W*k + CodeBeats, which frees its slot; the read of block
// k + 2 issues in that cycle and lands ready for cycle 3 + W*k + CodeBeats + 3 <= 3 + W*(k + 2) (true for
// CodeBeats >= 1), so the writer never waits: the last exponent beat is in cycle 3 + W*N - 1 and the STORE is
// busy for W*N + 3 cycles. With BIAS the block passes bfp_bias_buf's register first (latency 3; the config has
// one more slot): the same with 4 for 3, W*N + 4 (the slot of block k is needed again by block k + 3, ready in
// cycle 4 + W*k + CodeBeats + 4 <= 4 + W*(k + 3)).
//
// Dense, serial requantizer (requant_lanes L < B): one slot, and the requantizer takes one block at a time. Its
// latency is Lr = 2*B/L + 1 (+1 with BIAS): block k is read in cycle t_k, lands in cycle t_k + Lr, is written in
// cycles t_k + Lr + 1 .. t_k + Lr + W, and its exponent beat (the last of these) frees the slot and reads block
// k + 1 in that same cycle: t_{k+1} = t_k + Lr + W, t_0 = 0. The last exponent beat of N blocks is in cycle
// t_{N-1} + Lr + W = N*(Lr + W), so the STORE is busy N*(Lr + W) + 1 cycles.
//
// Compressed (SPARSE), B-lane requantizer, no BIAS: per block of the row stream the writer spends
//   all-zero block:      1 cycle (its level-1 bit and block count are recorded, nothing is written),
//   n > 0 non-zeros:     2 + ceil((o + n) / beat) cycles (level-2 mask beat, exponent beat, code beats, o = the
//                        row's non-zeros so far mod beat; the bookkeeping rides on the last code beat),
// plus one level-1 byte beat after the row's 8th, 16th, ... block and after its last block of a LAST STORE, plus
// the header beat at the end of each row of a LAST STORE. The first block is ready in cycle 3 (as above); a slot is
// taken from a read to at least 3 cycles later and the sparse configs have Depth >= 3 slots, so reads keep one
// block ready for every cycle of the writer: busy = 3 + the sum of the above. With a serial requantizer (one slot)
// the next block is read in the cycle of the bookkeeping, so each block costs Lr + its cycles up to the
// bookkeeping (Lr >= 3 hides the level-1 and header beats after it), plus 1 and the beats after the STORE's last.
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

// Busy cycles of one dense STORE.
uint64_t dense_store_cycles(const Config& cfg, const Command& c) {
  const Timing t = timing(cfg);
  const bool bias = (c.flags & bfp::host::kFlagBias) != 0;
  const uint64_t n = uint64_t(c.rows) * c.count, w = uint64_t(t.code_beats) + 1;
  if (t.serial) return n * (uint64_t(t.serial_latency + (bias ? 1 : 0)) + w) + 1;
  return w * n + (bias ? 4 : 3);
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

GemmResult run_exact(const Config& cfg, const GemmSpec& s) {
  const std::string what = describe(cfg, s);
  std::cout << what << "\n";
  SCOPED_TRACE(what);
  GemmResult r;
  try {
    r = bfp::verify::run_gemm(model_for(cfg), s);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "simulation error: " << e.what();
    return r;
  }
  EXPECT_TRUE(r.bit_exact) << r.code_mismatches << " codes and " << r.exp_mismatches << " exponents differ, "
                           << r.stray_writes << " stray bytes, " << r.stream_byte_mismatches
                           << " compressed-stream bytes; first: " << r.first_mismatch;
  EXPECT_EQ(r.stream_error, "");
  return r;
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
// beat per block): 2*8 + 3 = 19 cycles (the old engine: 5 per block, 40).
TEST(StoreRtl, DenseOneTileIs19Cycles) {
  const Config cfg = load("configs/default.yaml");
  GemmSpec s = spec(8, 16, 16, 11);
  const auto st = stores(cfg, s);
  ASSERT_EQ(st.size(), 1u);
  ASSERT_EQ(st[0].rows, 8);
  ASSERT_EQ(st[0].count, 1);
  const GemmResult r = run_exact(cfg, s);
  EXPECT_EQ(r.cycles.store_busy, 19u);
}

// Dense STOREs of several shapes and both schedules (rows x count = 1..8 x 1..2, partial tiles): the sum of
// W*N + 3 over the plan's STOREs.
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
    const GemmResult r = run_exact(cfg, s);
    EXPECT_EQ(r.cycles.store_busy, expect) << describe(cfg, s);
  }
  // the 8 x 32 case by hand: output-stationary, one STORE of 8 rows x 2 blocks: 2*16 + 3
  GemmSpec s = spec(8, 16, 32, 101);
  s.schedule = Schedule::Output;
  ASSERT_EQ(stores(cfg, s).size(), 1u);
  EXPECT_EQ(dense_store_cycles(cfg, stores(cfg, s)[0]), 35u);
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

// With BIAS: W*N + 4 per STORE (one more cycle of latency at the start, no per-block bubble): 8 x 1 is 20.
TEST(StoreRtl, BiasExactCycles) {
  const Config cfg = load("configs/default.yaml");
  GemmSpec one = spec(8, 16, 16, 21);
  one.bias = true;
  ASSERT_EQ(stores(cfg, one).size(), 1u);
  EXPECT_EQ(run_exact(cfg, one).cycles.store_busy, 20u);
  for (Schedule sched : {Schedule::Output, Schedule::Weight}) {
    GemmSpec s = spec(19, 32, 80, 22);
    s.bias = true;
    s.schedule = sched;
    uint64_t expect = 0;
    for (const Command& st : stores(cfg, s)) {
      ASSERT_TRUE(st.flags & bfp::host::kFlagBias);
      expect += dense_store_cycles(cfg, st);
    }
    const GemmResult r = run_exact(cfg, s);
    EXPECT_EQ(r.cycles.store_busy, expect) << describe(cfg, s);
  }
}

// ---- serial requantizer ---------------------------------------------------------------------------------------

// Serial requantizers. configs/up5k.yaml: B = 4, one lane (Lr = 9), 8-byte beats (W = 2), one block per STORE
// (R = 1, AccCols = B): 11 cycles per block + 1 per STORE. verify/mutate/r2c2b8-serial.yaml: B = 8, two lanes
// (Lr = 2*8/2 + 1 = 9), 16-byte beats (W = 2), R = 2, AccCols = 24: one STORE of 2 rows x 3 blocks takes
// 6*(9 + 2) + 1 = 67 cycles, 6*(10 + 2) + 1 = 73 with BIAS (the old engine: 12 and 13 per block, 72 and 78).
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
    EXPECT_EQ(expect, 11 * blocks + st.size());
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
    EXPECT_EQ(run_exact(cfg, one).cycles.store_busy, bias ? 73u : 67u);
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
          total += uint64_t(t.serial_latency) + book;
          after = extra;
        }
      }
    }
    total += t.serial ? 1 + after : 3;
    blk0 += c.count;
  }
  return total;
}

// Compressed C (output-stationary, one M tile): dense-ish outputs (3-4 cycles per block), mostly empty ones
// (90% pruned away), all-zero ones (1 cycle per block), rows of 16 blocks (level-1 bytes mid-row), on
// configs/default.yaml (Depth 4 slots).
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
    const GemmResult r = run_exact(cfg, s);
    if (!r.bit_exact) continue;
    EXPECT_EQ(r.cycles.store_busy, compressed_cycles(cfg, s, r)) << describe(cfg, s);
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

// The all-zero case by hand: 8 rows x 2 blocks, one STORE (FIRST, LAST): 3 + 8 * (2 blocks + 1 level-1 byte +
// 1 header) = 35 cycles.
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
  EXPECT_EQ(r.cycles.store_busy, 35u);
}

// ---- backpressure ---------------------------------------------------------------------------------------------

// Random backpressure (30% and 70% of the cycles, every handshake including wr_tready) on dense, BIAS, ReLU,
// pruned and compressed STOREs, on configs with 1..4 slots: bit-exact (and no RTL assertion fires: the write
// handshake checker, STORE_SLOTS, STORE_RQ_LOST), and never faster than without backpressure.
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
      const GemmResult r = run_exact(cfg, s);
      const GemmResult r0 = run_exact(cfg, calm);
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
