// SPDX-License-Identifier: Apache-2.0
// Weight buffer halves (issue 11, docs/architecture.md "Weight buffer halves"): when K fits half the weight
// buffer, LOAD_WGT and COMPUTE name a half (the wgt_buf field), a LOAD_WGT into one half overlaps a COMPUTE that
// reads the other, and each waits for the other only on the same half.
//
// - the host side: which configs split, the field's checks, its encoding;
// - hand-written command streams on one dense config and two sparse ones (one of each exponent layout: whole
//   exponent words per half, or byte lanes of the single exponent word), compared by engine-busy cycles:
//   a LOAD_WGT into the other half is hidden entirely inside the COMPUTE (total unchanged, its busy cycles all
//   overlap), into the same half it waits (no overlap, total grows by its busy cycles);
// - hazards, bit for bit: a LOAD_WGT into the half a running COMPUTE reads (new weights) leaves the result
//   equal to the run without it, and a COMPUTE on a half waits for the LOAD_WGT into it (equal to the same
//   stream with WAIT on every command, where nothing overlaps);
// - GEMMs through the runner with K <= WgtDepth/2 (halves used) and K > WgtDepth/2 (not used), dense and
//   sparse, bit-exact; the repro line is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/command.h"
#include "sim/driver.h"
#include "support/cmd_stream.h"
#include "support/rtl_configs.h"
#include "verify/random_gemm.h"

using bfp::Config;
using bfp::host::Command;
using bfp::host::Opcode;
using bfp::test::load;
using bfp::test::model_for;

namespace {

// ---- host side ---------------------------------------------------------------------------------------------

TEST(WgtBufHost, ConfigsThatSplit) {
  // default: 512/2 = 256 elements, 32 exponents in one 32-byte word (lanes); r4c8b16: exponents 16 per half,
  // one 16-byte word each; r8c8b32: 8 per half, one 8-byte word each; r4c4b16: 16 exponents in one word (lanes)
  for (const char* f : {"configs/default.yaml", "configs/test/r2c2b8.yaml", "configs/test/r4c4b16.yaml",
                        "configs/test/r4c8b16.yaml", "configs/test/r8c8b32.yaml"})
    EXPECT_TRUE(bfp::host::wgt_buf_halves(load(f))) << f;
  const Config c = load("configs/test/r2c2b8.yaml");  // beat 8, B 8
  EXPECT_FALSE(bfp::host::wgt_buf_halves(c.with("buffers.wgt_depth", "264")));  // half 132: not on a beat
  // 48 exponents over two 32-byte words: half 1's 24 exponents start inside word 0
  EXPECT_FALSE(bfp::host::wgt_buf_halves(load("configs/default.yaml").with("buffers.wgt_depth", "768")));
}

TEST(WgtBufHost, FieldChecksAndEncoding) {
  const Config cfg = load("configs/test/r2c2b8.yaml");  // WgtDepth 256, B 8: a half holds 16 blocks
  Command c;
  c.op = Opcode::LoadWgt;
  c.rows = 1;
  c.count = 16;
  c.wgt_buf = 1;
  EXPECT_NO_THROW(bfp::host::check_command(c, cfg));
  EXPECT_EQ(c.encode()[6], 1u << 24);  // word 6 bit 24 = command bit 216
  EXPECT_EQ(Command::decode(c.encode()).wgt_buf, 1);
  EXPECT_NE(c.str().find("wgt_buf=1"), std::string::npos) << c.str();
  c.count = 17;
  EXPECT_THROW(bfp::host::check_command(c, cfg), std::invalid_argument);  // beyond half 1
  c.op = Opcode::Compute;
  EXPECT_THROW(bfp::host::check_command(c, cfg), std::invalid_argument);
  c.count = 16;
  EXPECT_NO_THROW(bfp::host::check_command(c, cfg));
  for (Opcode op : {Opcode::LoadAct, Opcode::Drain, Opcode::Store}) {
    Command o = c;
    o.op = op;
    o.rows = 1;
    o.count = 1;
    try {
      bfp::host::check_command(o, cfg);
      ADD_FAILURE() << "wgt_buf accepted on " << o.str();
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("wgt_buf is only defined for LOAD_WGT and COMPUTE"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(bfp::host::check_command(c, cfg.with("buffers.wgt_depth", "264")), std::invalid_argument);
}

// ---- hand-written command streams --------------------------------------------------------------------------

// The hand-written streams (tests/support/cmd_stream.h; codes never 0, exponents 120..135) and their DRAIN + STORE.
struct Stream : bfp::test::CmdStream {
  explicit Stream(const Config& c) : CmdStream(c) {}
  std::vector<Command> drain_store() const {
    Command d;
    d.op = Opcode::Drain;
    Command s;
    s.op = Opcode::Store;
    s.rows = uint16_t(cfg.rows);
    s.count = uint16_t((cfg.cols + cfg.block - 1) / cfg.block);
    s.valid_cols = uint16_t(cfg.cols);
    s.code_addr = kOut;
    s.exp_addr = kOut + 0x4000;
    s.code_stride = uint32_t(cfg.beat_bytes()) * 8;
    s.exp_stride = uint32_t(cfg.beat_bytes());
    return {d, s};
  }
};

const char* const kHandConfigs[] = {"configs/test/r2c2b8.yaml", "configs/test/r4c4b16.yaml",
                                    "configs/test/r4c8b16.yaml"};

// A LOAD_WGT into the other half (wgt_buf 1 while the COMPUTE reads half 0) runs entirely inside the COMPUTE:
// the total equals the stream without it and all its load-busy cycles overlap. Into the same half it waits
// for the COMPUTE: no new overlap, and the total grows by at least its busy cycles.
TEST(WgtBufRtl, LoadWgtIntoTheOtherHalfOverlapsCompute) {
  for (const char* f : kHandConfigs) {
    const Stream s(load(f));
    SCOPED_TRACE(std::string(f) + " K=" + std::to_string(s.k));
    const auto base = s.run({s.la(), s.lw(Stream::kW1, 0), s.compute(0, true)});
    const auto other = s.run({s.la(), s.lw(Stream::kW1, 0), s.compute(0, true), s.lw(Stream::kW2, 1)});
    const auto same = s.run({s.la(), s.lw(Stream::kW1, 0), s.compute(0, true), s.lw(Stream::kW2, 0)});
    const uint64_t t_lw = other.st.load_busy - base.st.load_busy;  // the second LOAD_WGT's busy cycles
    std::cout << f << ": COMPUTE " << base.st.compute_busy << " cycles, LOAD_WGT " << t_lw << " cycles; totals "
              << base.st.total << " (without it), " << other.st.total << " (other half), " << same.st.total
              << " (same half); overlap " << base.st.overlap() << " / " << other.st.overlap() << " / "
              << same.st.overlap() << "\n";
    // by hand: C rows of ceil(K/BEAT) code beats and ceil(K/B/BEAT) exponent beats, one per cycle, plus the
    // memory's read latency (4) for the first response. With the load prefetch (docs/architecture.md "Load
    // prefetch": sparse configs; a dense LOAD_WGT may have row 0's code beats but one, 8 at most, requested by
    // the core while it waits in the pending register) the round trip shrinks: here (other half) the LOAD_WGT
    // enters the pending register as the COMPUTE dispatches and dispatches in the next cycle, in which the core
    // sends its first request, so one cycle less; into the same half it waits for the COMPUTE's walkers and its
    // first min(pf, 4) beats are already at the port when it starts.
    const uint64_t beat = uint64_t(s.cfg.beat_bytes());
    const uint64_t code_beats = (uint64_t(s.k) + beat - 1) / beat;
    const uint64_t beats = uint64_t(s.cfg.cols) * (code_beats + (uint64_t(s.kb) + beat - 1) / beat);
    const uint64_t pf = s.cfg.sparsity == bfp::Sparsity::None ? 0 : std::min<uint64_t>(8, code_beats - 1);
    EXPECT_EQ(t_lw, beats + 4 - std::min<uint64_t>(pf, 1));
    const uint64_t t_same = beats + 4 - std::min<uint64_t>(pf, 4);
    ASSERT_LT(t_lw + 2, base.st.compute_busy) << "the case needs a LOAD_WGT shorter than the COMPUTE";
    EXPECT_EQ(other.st.total, base.st.total) << "the LOAD_WGT into the other half is hidden";
    EXPECT_EQ(other.st.overlap(), base.st.overlap() + t_lw) << "every cycle of it overlaps the COMPUTE";
    EXPECT_EQ(other.st.load_wgt, base.st.load_wgt) << "no exposed LOAD_WGT cycle added";
    EXPECT_EQ(same.st.load_busy - base.st.load_busy, t_same) << "its busy cycles, prefetched beats at the port";
    EXPECT_EQ(same.st.overlap(), base.st.overlap()) << "into the half COMPUTE reads: it waits";
    // It waits for the walkers, not the pipeline behind them (docs/architecture.md "COMPUTE timing": the last
    // operand read is registered in the cycle the last element issues): base's last PipeDepth - 2 =
    // OperandRegs + 2 cycles are that pipeline's tail, which the LOAD_WGT overlaps, plus one dispatch cycle.
    EXPECT_EQ(same.st.total, base.st.total - uint64_t(s.cfg.operand_regs + 2) + t_same + 1)
        << "after the COMPUTE's walkers: its busy cycles plus one dispatch cycle";
  }
}

// Hazards, bit for bit. (1) A LOAD_WGT of other weights into the half a running COMPUTE reads must wait: the
// stored result equals the one without that load. (2) A COMPUTE on the half a LOAD_WGT writes waits for it,
// and accumulating over both halves gives what the fully serialized stream (WAIT on every command) gives.
TEST(WgtBufRtl, HazardsKeepResultsBitExact) {
  for (const char* f : kHandConfigs) {
    const Stream s(load(f));
    SCOPED_TRACE(f);
    const auto ds = s.drain_store();
    for (int h = 0; h < 2; ++h) {
      SCOPED_TRACE("half " + std::to_string(h));
      const auto ref = s.run({s.la(), s.lw(Stream::kW1, h), s.compute(h, true), ds[0], ds[1]});
      const auto haz = s.run({s.la(), s.lw(Stream::kW1, h), s.compute(h, true), s.lw(Stream::kW2, h), ds[0], ds[1]});
      const auto w2 = s.run({s.la(), s.lw(Stream::kW2, h), s.compute(h, true), ds[0], ds[1]});
      EXPECT_NE(ref.out, w2.out) << "W1 and W2 must give different results for the case to bite";
      EXPECT_EQ(haz.out, ref.out) << "a LOAD_WGT changed the weights under a running COMPUTE";
    }
    const std::vector<Command> both = {s.la(),          s.lw(Stream::kW1, 0), s.compute(0, true), s.lw(Stream::kW2, 1),
                                       s.compute(1, false), ds[0],                ds[1]};
    const auto fast = s.run(both), serial = s.run(both, /*wait=*/true);
    EXPECT_EQ(fast.out, serial.out) << "COMPUTE on half 1 did not see the LOAD_WGT into it";
    EXPECT_GT(fast.st.overlap(), 0u);
    EXPECT_EQ(serial.st.overlap(), 0u);
    const auto only_w1 = s.run({s.la(), s.lw(Stream::kW1, 0), s.compute(0, true), ds[0], ds[1]});
    EXPECT_NE(fast.out, only_w1.out) << "the second COMPUTE must change the result";
  }
}

// DRAIN acc_next (docs/architecture.md "Grouped boundaries") writes the other accumulator buffer, the one the
// STORE issued before it still reads: it must wait for that STORE. Stream: COMPUTE (W1) and DRAIN into buffer 0,
// a one-block COMPUTE on W2, STORE 1 (reads buffer 0; the write port stalls 97% of the cycles, so with more
// blocks than result slots its reads outlast the COMPUTE), DRAIN acc_next (buffer 0 again), a one-block COMPUTE on W1 and DRAIN into buffer 1, STORE 2
// (buffer 1), STORE 3 (buffer 0: the acc_next copy). Were the DRAIN not held back, STORE 1 would read W2's
// results for its later rows. Equal bit for bit to the stream with WAIT on every command; the three outputs
// differ from each other.
TEST(WgtBufRtl, DrainIntoTheOtherAccumulatorBufferWaitsForTheStoreReadingIt) {
  // R rows of one block each: more blocks than the STORE engine's result slots, so its reads wait for the writes
  for (const char* f : {"configs/default.yaml"}) {  // the shipped sparse configs of 8 rows
    const Stream s(load(f));
    SCOPED_TRACE(f);
    ASSERT_TRUE(s.cfg.sparse()) << "two accumulator buffers";
    ASSERT_GT(s.cfg.rows, 7);
    auto short_compute = [&](int half) {
      Command c = s.compute(half, true);
      c.count = 1;
      return c;
    };
    auto store_to = [&](uint32_t out) {
      Command st = s.drain_store()[1];
      st.code_addr = out;
      st.exp_addr = out + 0x4000;
      return st;
    };
    Command drain = s.drain_store()[0], next = drain;
    next.acc_next = 1;
    const uint32_t o1 = Stream::kOut, o2 = Stream::kOut + 0x1000, o3 = Stream::kOut + 0x2000;
    const std::vector<Command> cmds = {s.la(),          s.lw(Stream::kW1, 0), s.lw(Stream::kW2, 1), s.compute(0, true),
                                       drain,           short_compute(1),     store_to(o1),         next,
                                       short_compute(0), drain,               store_to(o2),         store_to(o3)};
    const auto fast = s.run(cmds, false, 0.97), serial = s.run(cmds, true, 0.97);
    EXPECT_EQ(fast.out, serial.out) << "the acc_next DRAIN overwrote the buffer a STORE was reading";
    EXPECT_GT(fast.st.overlap(), 0u);
    const auto part = [&](uint32_t o) {
      return std::vector<uint8_t>(serial.out.begin() + (o - Stream::kOut), serial.out.begin() + (o - Stream::kOut) + 0x800);
    };
    EXPECT_NE(part(o1), part(o3)) << "W1 over K and W2 over one block must differ for the case to bite";
    EXPECT_NE(part(o2), part(o3));
  }
}

// The hazard rule is also a BFP_ASSERT check in bfp_core (CORE_HAZARD_WGT, per half) and in both operand
// modules (OPD_WGT_CONFLICT, OPS_WGT_CONFLICT): the source says so (the streams above would trip them).
TEST(WgtBufRtl, HazardAssertionsNameTheHalves) {
  auto read = [](const std::string& rel) {
    std::ifstream in(std::string(BFP_SOURCE_DIR) + "/" + rel);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string core = read("rtl/bfp_core.sv");
  EXPECT_NE(core.find("assert (!(load_busy && load_wgt_q && comp_busy && (load_wgt_halves_q & comp_wgt_halves_q) != 2'b00))"),
            std::string::npos);
  EXPECT_NE(core.find("CORE_HAZARD_WGT"), std::string::npos);
  EXPECT_NE(read("rtl/bfp_operands_dense.sv").find("OPD_WGT_CONFLICT"), std::string::npos);
  EXPECT_NE(read("rtl/bfp_operands_sparse.sv").find("OPS_WGT_CONFLICT"), std::string::npos);
}

// ---- GEMMs -------------------------------------------------------------------------------------------------

struct GemmCase {
  const char* config;
  int m, k, n;
  double act, wgt;
};

// K <= WgtDepth/2 (halves: commands carry wgt_buf 1) and K > WgtDepth/2 (none does), dense and sparse, both
// schedules; bit-exact. The dense output-stationary case also shows the overlap: its exposed LOAD_WGT cycles
// drop to a small fraction of the COMPUTE cycles (before the halves they were about equal).
TEST(WgtBufRtl, GemmsBitExactWithAndWithoutHalves) {
  const GemmCase cases[] = {
      {"configs/test/r8c8b32.yaml", 32, 256, 64, 0, 0},      // dense, output-stationary, K = WgtDepth/2
      {"configs/test/r8c8b32.yaml", 32, 512, 64, 0, 0},      // K = WgtDepth: one buffer
      {"configs/test/r2c2b8.yaml", 12, 96, 10, 0, 0},        // dense, ragged M/N
      {"configs/test/r2c2b8.yaml", 12, 200, 10, 0, 0},       // K > WgtDepth/2
      {"configs/test/r4c4b16.yaml", 20, 128, 24, 0.7, 0},    // activations, lanes of one exponent word
      {"configs/test/r4c4b16.yaml", 20, 256, 24, 0.7, 0},    // K = WgtDepth
      {"configs/test/r4c8b16.yaml", 16, 256, 40, 0.6, 0.8},  // both, K = WgtDepth/2 = ActDepth
      {"configs/default.yaml", 32, 256, 64, 0.9, 0.9},       // both, weight-stationary, K = WgtDepth/2
      {"configs/default.yaml", 32, 256, 64, 0, 0},           // dense operands on the sparse config
      {"configs/default.yaml", 24, 384, 48, 0.8, 0.8},       // K > WgtDepth/2
  };
  for (const GemmCase& gc : cases) {
    const Config cfg = load(gc.config);
    bfp::verify::GemmSpec s;
    s.m = gc.m;
    s.k = gc.k;
    s.n = gc.n;
    s.seed = 11;
    s.act_sparsity = gc.act;
    s.wgt_sparsity = gc.wgt;
    s.sparse_a = bfp::verify::default_sparse_a(cfg, s);
    const std::string repro = bfp::verify::repro_command(cfg, s);
    SCOPED_TRACE("repro: " + repro);
    std::cout << repro << "\n";
    const bool halves = gc.k <= cfg.wgt_depth / 2;
    const auto plan = bfp::verify::plan_spec(cfg, s);
    int with_buf = 0;
    for (const Command& c : plan.commands) with_buf += c.wgt_buf != 0;
    EXPECT_EQ(with_buf > 0, halves);
    const auto r = bfp::verify::run_gemm(model_for(cfg), s);  // one model per config and process
    EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
    std::cout << "  " << bfp::host::to_string(r.schedule) << ": " << r.cycles.total << " cycles, exposed LOAD_WGT "
              << r.cycles.load_wgt << ", compute busy " << r.cycles.compute_busy << "\n";
    if (halves && cfg.sparsity == bfp::Sparsity::None) {
      EXPECT_LT(r.cycles.load_wgt * 10, r.cycles.compute_busy) << "the LOAD_WGTs should hide behind the COMPUTEs";
    }
  }
}

}  // namespace
