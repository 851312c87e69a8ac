// SPDX-License-Identifier: Apache-2.0
// STORE overlap (issue 11, docs/architecture.md "STORE timing"): the store engine accepts the next STORE once the
// one before has read its last block, so the next STORE's reads overlap the previous one's tail (requantizer,
// prune stage, slots, writer). Hand-written command streams on configs/default.yaml (B = 16, 32-byte beats,
// two accumulator buffers, bias):
//
// - timing by hand: two back-to-back STOREs of 8 rows x 2 blocks; the second starts 7 cycles earlier than when
//   a STORE had to wait for the whole of the one before (the derivation is at the test);
// - the knob pipeline.store_overlap: with false the same two STOREs take the cycles of the engine before the
//   overlap (the second starts in cycle 24, not 17), and random GEMMs on three configs are bit-exact both ways and
//   write the same bits;
// - fields of two back-to-back STOREs kept apart: pairs that differ in every per-STORE field (ReLU, BIAS, prune,
//   valid_cols, dense / compressed, FIRST / LAST, rows, count, addresses, strides) give, bit for bit, what the
//   same stream gives with WAIT on every command (nothing overlaps there: the behaviour before the overlap), and
//   the overlap did happen (fewer cycles); under backpressure on the write port as well.
//
// The models are built with BFP_ASSERT: the STORE_OVERLAP_* and CORE_HAZARD_STORE checks run in every case.
// Bites (rtl/ copies run through BFP_RTL_SOURCE_DIR, branch `stail`): the prune stage using the newest STORE's
// threshold instead of its block's tag fails FieldsOfOverlappingStoresStayApart in 4 of 6 pairs (both stalls:
// "the overlap changed what the STOREs wrote"); accepting a STORE while a BIAS block is still in the bias
// registers fails both tests on CORE_HAZARD_STORE; a writer that starts the new STORE at once fails both on
// STORE_OVERLAP_ORDER. Bites of branch `stail2` (the same way, models built with BFP_MODEL_OPT=-O1): bfp_store
// ignoring StoreOverlap (overlap with the key false) fails BackToBackStoresStartSevenCyclesEarlier's false case in
// both pairs (17 cycles longer instead of 24, store busy 40 / 42 instead of 46 / 48); the prune threshold selected by
// the read side's tag instead of the block's (with the per-tag registers) fails FieldsOfOverlappingStoresStayApart
// in 4 of 6 pairs at both stalls; a writer that does not take the pending STORE in the cycle it finishes fails it
// on STORE_OVERLAP_PENDING; a pending STORE taken as if empty fails it on STORE_OVERLAP_IDLE; a tag delay line
// one stage longer than the requantizer (RqLat 5) fails it on STORE_OVERLAP_TAG.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/command.h"
#include "sim/driver.h"
#include "support/bit_exact_run.h"
#include "support/cmd_stream.h"
#include "support/rtl_configs.h"
#include "support/seed.h"

using bfp::Config;
using bfp::host::Command;
using bfp::host::Opcode;
using bfp::test::load;
using bfp::test::model_for;
namespace fl = bfp::host;

namespace {

// The hand-written streams (tests/support/cmd_stream.h; a third of the codes 0, so that pruning and compressed
// rows have something to do, exponents 118..129, a bias row) and their DRAINs and STOREs.
struct Stream : bfp::test::CmdStream {
  explicit Stream(const Config& c) : CmdStream(c, bfp::test::StreamFill{3, 118, 12, true}) {}
  Command drain(int col_offset, bool next) const {
    Command d;
    d.op = Opcode::Drain;
    d.col_offset = uint16_t(col_offset);
    d.acc_next = next ? 1 : 0;
    return d;
  }
  // Both accumulator buffers hold different results over all AccCols columns: buffer 0 = [A W1 | A W2], buffer 1
  // (DRAIN acc_next) = [A W2 | A W1]; the bias row is loaded. The first STORE after this reads buffer 0, the
  // second buffer 1.
  std::vector<Command> prelude() const {
    Command lb;
    lb.op = Opcode::LoadBias;
    lb.rows = 1;
    lb.count = uint16_t(cfg.acc_cols / cfg.block);
    lb.code_addr = kBias;
    lb.exp_addr = kBias + 0x400;
    const int c = cfg.cols;
    return {load(Opcode::LoadAct, kA, 0), load(Opcode::LoadWgt, kW1, 0), load(Opcode::LoadWgt, kW2, 1), lb,
            compute(0, true), drain(0, false), compute(1, true), drain(c, false),
            compute(1, true), drain(0, true),  compute(0, true), drain(c, true)};
  }
  // a dense STORE of rows x count blocks at out (codes; exponents at out + 0x800)
  Command dense(int rows, int count, uint32_t out, uint8_t flags = 0, uint8_t prune = 0, int valid_cols = -1) const {
    Command s;
    s.op = Opcode::Store;
    s.flags = flags;
    s.rows = uint16_t(rows);
    s.count = uint16_t(count);
    s.valid_cols = uint16_t(valid_cols < 0 ? count * cfg.block : valid_cols);
    s.prune = prune;
    s.code_addr = out;
    s.exp_addr = out + 0x800;
    s.code_stride = uint32_t(cfg.beat_bytes()) * 2;
    s.exp_stride = uint32_t(cfg.beat_bytes());
    return s;
  }
  // a compressed STORE appending count blocks to the row streams at out (rows of row_blocks blocks, 256 bytes apart)
  Command sparse(int rows, int count, int row_blocks, uint32_t out, uint8_t flags, uint8_t prune = 0) const {
    Command s = dense(rows, count, out, uint8_t(flags | fl::kFlagSparse), prune);
    s.row_blocks = uint16_t(row_blocks);
    s.code_stride = 256;
    return s;
  }
};

std::vector<Command> cat(std::vector<Command> a, const std::vector<Command>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Two back-to-back STOREs of 8 rows x 2 blocks (16 blocks each) after the prelude, the second to another place.
// By hand (cycle 0 = the first STORE's first busy cycle; docs/architecture.md "STORE timing"): the first STORE
// reads one block per cycle in cycles 0 .. 15 (6 slots hold a block from its read to its write, Lr + 2 = 6
// cycles, and the writer frees one per cycle from cycle 6 on), writes them in 6 .. 21 and its last exponent beat
// in 22: 23 cycles. Its reads are done in cycle 16 (ready_o), so the second STORE, waiting in the command register,
// dispatches then: its cycle 0 is cycle 17 (before: the cycle after the first STORE's last, 23 + 1 = 24); its
// first block is ready in 17 + 6 = 23, after the first STORE's last write (22), and it ends 22 cycles after its
// cycle 0, in cycle 39. So the run with both STOREs is 17 cycles longer than with the first alone (24 before):
// N = 24 - 17 = 7 cycles earlier = 23 - 16, the tail. The store engine is busy in cycles 0 .. 39: 40 cycles
// (23 + 23 = 46 before). With BIAS on the first STORE its last block enters the requantizer two cycles after its
// read (bfp_bias_buf's two registers) and the engine accepts the next STORE only then: the first STORE is 25
// cycles (blocks ready at t + 8), the second starts in cycle 16 + 2 + 1 = 19 (before 26) and ends 22 (non-BIAS)
// cycles later, in 41: 41 - 24 = 17 cycles longer than the first alone; again 7 earlier.
// With pipeline.store_overlap: false the engine is the one before the overlap: the second STORE dispatches in the
// cycle after the first one's last (24, 26 with BIAS), 24 cycles after the first alone ends, and the engine is busy
// 23 + 23 (25 + 23) cycles.
TEST(StoreOverlapRtl, BackToBackStoresStartSevenCyclesEarlier) {
 for (const bool overlap : {true, false}) {
  SCOPED_TRACE(overlap ? "pipeline.store_overlap: true" : "pipeline.store_overlap: false");
  const Stream s(load("configs/default.yaml").with("pipeline.store_overlap", overlap ? "true" : "false"));
  ASSERT_EQ(s.cfg.block, 16);
  ASSERT_EQ(s.cfg.beat_bytes(), 32);
  ASSERT_EQ(s.cfg.rows, 8);
  ASSERT_EQ(s.cfg.acc_cols, 32);
  ASSERT_TRUE(s.cfg.sparse() && s.cfg.bias) << "6 slots without BIAS (8 with), two accumulator buffers";
  struct Case {
    const char* what;
    uint8_t first_flags;
    uint64_t first_busy, longer;  // the first STORE's busy cycles; how much longer the run with both is
  };
  const uint64_t longer = overlap ? 17 : 24;
  const Case cases[] = {{"dense, dense", 0, 23, longer}, {"dense BIAS, dense", fl::kFlagBias, 25, longer}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const Command st1 = s.dense(8, 2, Stream::kOut, c.first_flags), st2 = s.dense(8, 2, Stream::kOut + 0x1000);
    const auto one = s.run(cat(s.prelude(), {st1}));
    const auto two = s.run(cat(s.prelude(), {st1, st2}));
    const auto ser = s.run(cat(s.prelude(), {st1, st2}), /*wait=*/true);
    EXPECT_EQ(two.out, ser.out) << "overlapped STOREs must write what serialized ones write";
    EXPECT_NE(std::vector<uint8_t>(two.out.begin(), two.out.begin() + 0x1000),
              std::vector<uint8_t>(two.out.begin() + 0x1000, two.out.begin() + 0x2000))
        << "the two STOREs read different buffers: their outputs must differ for the case to bite";
    std::cout << c.what << ": one STORE " << one.st.total << " cycles (store busy " << one.st.store_busy
              << "), two " << two.st.total << " (store busy " << two.st.store_busy << ")\n";
    EXPECT_EQ(one.st.store_busy, c.first_busy);
    EXPECT_EQ(two.st.total - one.st.total, c.longer) << "the second STORE starts 7 cycles earlier than before";
    EXPECT_EQ(two.st.store_busy, overlap ? c.longer + c.first_busy : c.first_busy + 23)
        << "busy from the first STORE's start to the second's end";
  }
 }
}

// Pairs of back-to-back STOREs whose every per-STORE field differs, each after the prelude: fast (the second
// STORE overlaps the first one's tail) equals serialized (WAIT on every command) bit for bit, and the fast run is
// shorter than the one where the later STOREs wait for the STORE before them (the overlap happened). Each pair also ends with a third STORE, so that a STORE accepted while another
// is pending is covered.
TEST(StoreOverlapRtl, FieldsOfOverlappingStoresStayApart) {
  const Stream s(load("configs/default.yaml"));
  const uint32_t o = Stream::kOut;
  using F = uint8_t;
  const F relu = fl::kFlagRelu, bias = fl::kFlagBias, first = fl::kFlagFirst, last = fl::kFlagLast;
  struct Pair {
    const char* what;
    std::vector<Command> stores;
  };
  const std::vector<Pair> pairs = {
      {"dense ReLU -> dense prune 40, 20 valid columns, 5 rows",
       {s.dense(8, 2, o, relu), s.dense(5, 2, o + 0x1000, 0, 40, 20), s.dense(8, 1, o + 0x2000)}},
      {"dense BIAS ReLU -> compressed FIRST|LAST prune 10",
       {s.dense(8, 2, o, F(bias | relu)), s.sparse(8, 2, 2, o + 0x1000, F(first | last), 10), s.dense(8, 2, o + 0x3000)}},
      {"compressed FIRST|LAST -> dense BIAS, 3 rows of 1 block",
       {s.sparse(8, 2, 2, o, F(first | last)), s.dense(3, 1, o + 0x2000, bias), s.sparse(8, 2, 2, o + 0x3000, F(first | last))}},
      {"compressed FIRST (1 of 3 blocks) -> compressed (2 more) LAST, the same rows",
       {s.sparse(8, 1, 3, o, first, 0), s.sparse(8, 2, 3, o, last, 20), s.dense(8, 2, o + 0x3000, relu)}},
      {"compressed FIRST|LAST -> compressed FIRST|LAST of other rows (FIRST must not reset the first's rows early)",
       {s.sparse(8, 2, 2, o, F(first | last), 5), s.sparse(6, 1, 1, o + 0x2000, F(first | last)),
        s.sparse(8, 2, 2, o + 0x4000, F(first | last | relu))}},
      {"compressed FIRST ReLU -> compressed LAST BIAS (same rows), then dense",
       {s.sparse(8, 2, 4, o, F(first | relu)), s.sparse(8, 2, 4, o, F(last | bias)), s.dense(2, 2, o + 0x4000)}},
  };
  for (double stall : {0.0, 0.3}) {
    for (const Pair& p : pairs) {
      SCOPED_TRACE(std::string(p.what) + ", write stall " + std::to_string(stall));
      const auto cmds = cat(s.prelude(), p.stores);
      const auto fast = s.run(cmds, false, stall), ser = s.run(cmds, true, stall);
      EXPECT_EQ(fast.out, ser.out) << "the overlap changed what the STOREs wrote";
      // the same stream with WAIT on the second and third STORE only (each waits for the whole STORE before
      // it): everything else overlaps as before, so the difference is the STOREs' overlap
      std::vector<Command> waited = cmds;
      for (size_t i = waited.size() - 2; i < waited.size(); ++i) waited[i].flags |= fl::kFlagWait;
      const auto nolap = s.run(waited, false, stall);
      EXPECT_EQ(nolap.out, ser.out);
      EXPECT_LT(fast.st.total, nolap.st.total) << "the STOREs did not overlap: the case tests nothing";
    }
  }
}

// Random GEMMs (tests/support/bit_exact_run.h: a little over two tiles, backpressure, a warm-up GEMM; dense, and
// sparse with compressed A) are bit-exact with the overlap on and off, write the same bits both ways, and the
// overlap never costs cycles when both runs see the same memory: without backpressure. With backpressure they do
// not: the memory model's one generator draws two stalls a cycle and a third only in a cycle where a response is
// due, for the whole driver (warm-up included), so two runs whose timing differs (already in the warm-up GEMM,
// which the overlap shortens) get different stall patterns from the same seed, and either may be faster by a few
// cycles (seed 31 on r4c8b16 sparse with the packed loader of c2ee709: 360 with the overlap, 359 without;
// docs/harness.md, "Comparing cycle counts of two designs"). The default config combines two blocks into a
// 32-byte beat; r2c2b8 (dense: one accumulator buffer, so a DRAIN waits for the STORE's reads) and r4c8b16
// (sparse) write a block a beat.
TEST(StoreOverlapRtl, GemmsBitExactWithTheOverlapOnAndOff) {
  for (const char* f : {"configs/default.yaml", "configs/test/r2c2b8.yaml", "configs/test/r4c8b16.yaml"}) {
    const Config on = load(f), off = on.with("pipeline.store_overlap", "false");
    ASSERT_TRUE(on.store_overlap);
    for (const bool sparse : {false, true}) {
      if (sparse && !on.sparse()) continue;
      const uint64_t seed = bfp::test::seed_for(31);
      const auto spec = bfp::test::knob_gemm_spec(on, seed, sparse);
      const std::string what = std::string(f) + (sparse ? " sparse" : " dense") + " seed=" + std::to_string(seed) +
                               " (" + bfp::test::repro("store_overlap_rtl_test", seed) + ")";
      const auto r_on = bfp::test::run_bit_exact(on, spec, "store_overlap: true " + what);
      const auto r_off = bfp::test::run_bit_exact(off, spec, "store_overlap: false " + what);
      EXPECT_TRUE(r_on.out_rtl == r_off.out_rtl) << what;
      // the cycle claim on the same GEMM without backpressure (same memory timing in both runs, see above)
      auto calm = spec;
      calm.stall = 0;
      const auto c_on = bfp::test::run_bit_exact(on, calm, "store_overlap: true, no stall " + what);
      const auto c_off = bfp::test::run_bit_exact(off, calm, "store_overlap: false, no stall " + what);
      EXPECT_LE(c_on.cycles.total, c_off.cycles.total) << "without backpressure " << what;
      std::cout << what << ": " << r_on.cycles.total << " cycles with the overlap, " << r_off.cycles.total
                << " without (stall " << spec.stall << "); " << c_on.cycles.total << " and " << c_off.cycles.total
                << " without backpressure\n";
    }
  }
}

}  // namespace
