// SPDX-License-Identifier: Apache-2.0
// STORE -> LOAD of the same bytes (docs/architecture.md: the hazard table's `WAIT` row, "Load prefetch"). The core
// dispatches a LOAD while a STORE before it still writes, and prefetches a pending LOAD's first beats before it
// dispatches, except for a LOAD with `WAIT` (rtl/bfp_core.sv, pf_load). So a LOAD that reads what an earlier STORE
// of the same program wrote must carry `WAIT`:
//  - HazardRtl: GEMM 1 stores C1, GEMM 2 reads C1 in place as its A (host::chained_layout, as a network's next
//    layer does), both in ONE program (no wait for idle between them). With `WAIT` on GEMM 2's first LOAD_ACT, C2
//    equals the golden model of C1 (as stored, read back) times W2, bit for bit; without it the LOAD reads C1's
//    bytes before the STORE has written them (the host poisons C's area first) and C2 is wrong: the hazard is
//    real, so the `WAIT` is what makes the first case right. The config and shapes are chosen so that the
//    prefetch would read bytes the last STORE writes: r4c4b16 (sparse: the prefetch exists), M = 4 (one M tile)
//    and N1 = 32 = acc_cols (one STORE writes all of C1), K2 = 32 (row 0 of A2 is two 16-byte beats: the prefetch
//    may read the first, pf_lim_o = 1).
//  - HostOrder: the host's own rule. host/ never sets `WAIT` (it is a test and driver option, sim::Driver::
//    set_extra_flags); it never needs to, because no plan (host::plan_gemm) loads bytes that a STORE of the same
//    plan writes, and a GEMM that reads an earlier one's C (mapper/run.cpp, in place) is a separate program started
//    after the device is idle (sim::run_gemm / Device::run_commands return only then). The test checks the first
//    part on the footprints of every command (docs/architecture.md "Command format") over configs, schedules,
//    compressed A/C, packed tiles, bias and chained layouts, and that the checker finds the overlap in a program
//    that puts a chained GEMM right behind its producer (the case HazardRtl runs).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/bfp.h"
#include "host/command.h"
#include "host/layout.h"
#include "host/plan.h"
#include "sim/driver.h"
#include "sim/model_cache.h"
#include "sim/runner.h"
#include "support/rtl_configs.h"
#include "support/sparse_matrices.h"

namespace {

using bfp::golden::BfpMatrix;
using bfp::host::Command;
using bfp::host::GemmLayout;
using bfp::host::GemmPlan;
using bfp::host::Opcode;

// ---- byte footprints of commands (docs/architecture.md "Command format") --------------------------------------
struct Span {
  uint64_t lo, hi;  // [lo, hi)
};
uint64_t rup(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }
/// Bytes a command reads (loads) or writes (STORE); COMPUTE and DRAIN touch no memory.
std::vector<Span> footprint(const Command& c, const bfp::Config& cfg, const GemmLayout& l) {
  const uint64_t B = uint64_t(cfg.block), beat = uint64_t(cfg.beat_bytes());
  std::vector<Span> s;
  const bool sparse = c.flags & bfp::host::kFlagSparse;
  switch (c.op) {
    case Opcode::LoadAct:
    case Opcode::LoadWgt:
      if (c.op == Opcode::LoadAct && sparse && c.packed) {
        s.push_back({c.code_addr, c.code_addr + uint64_t(l.a_tile_pitch)});  // reads rup(tile_len) <= the pitch
      } else if (c.op == Opcode::LoadAct && sparse) {
        for (uint64_t r = 0; r < c.rows; ++r)  // a row stream within its stride
          s.push_back({c.code_addr + r * c.code_stride, c.code_addr + (r + 1) * c.code_stride});
      } else {
        for (uint64_t r = 0; r < c.rows; ++r) {
          s.push_back({c.code_addr + r * c.code_stride, c.code_addr + r * c.code_stride + rup(c.count * B, beat)});
          s.push_back({c.exp_addr + r * c.exp_stride, c.exp_addr + r * c.exp_stride + rup(c.count, beat)});
        }
      }
      break;
    case Opcode::LoadBias:
      s.push_back({c.code_addr, c.code_addr + c.count * B});
      s.push_back({c.exp_addr, c.exp_addr + c.count});
      break;
    case Opcode::Store:
      for (uint64_t r = 0; r < c.rows; ++r) {
        if (sparse) {  // a compressed output row: its stream within the stride
          s.push_back({c.code_addr + r * c.code_stride, c.code_addr + (r + 1) * c.code_stride});
        } else {
          s.push_back({c.code_addr + r * c.code_stride, c.code_addr + r * c.code_stride + c.count * B});
          s.push_back({c.exp_addr + r * c.exp_stride, c.exp_addr + r * c.exp_stride + c.count});
        }
      }
      break;
    default:
      break;
  }
  return s;
}
bool is_load(Opcode op) { return op == Opcode::LoadAct || op == Opcode::LoadWgt || op == Opcode::LoadBias; }

/// The loads of `cmds` (in program order) that read a byte a STORE before them writes, without `WAIT`:
/// "command i reads [lo, hi) of STORE j". `layouts[i]` is the layout command i was planned with.
std::vector<std::string> unordered_reads(const std::vector<Command>& cmds, const std::vector<const GemmLayout*>& layouts,
                                         const bfp::Config& cfg) {
  std::vector<std::string> out;
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (!is_load(cmds[i].op) || (cmds[i].flags & bfp::host::kFlagWait)) continue;
    for (size_t j = 0; j < i; ++j) {
      if (cmds[j].op != Opcode::Store) continue;
      for (const Span& rd : footprint(cmds[i], cfg, *layouts[i]))
        for (const Span& wr : footprint(cmds[j], cfg, *layouts[j]))
          if (rd.lo < wr.hi && wr.lo < rd.hi && out.size() < 5)
            out.push_back("command " + std::to_string(i) + " (" + cmds[i].str() + ") reads [" + std::to_string(rd.lo) +
                          ", " + std::to_string(rd.hi) + ") which STORE " + std::to_string(j) + " writes");
    }
  }
  return out;
}
std::vector<std::string> unordered_reads(const GemmPlan& p, const bfp::Config& cfg) {
  return unordered_reads(p.commands, std::vector<const GemmLayout*>(p.commands.size(), &p.layout), cfg);
}

/// C of `p` as the RTL left it in memory (dense C).
BfpMatrix read_c(bfp::sim::Driver& drv, const GemmPlan& p, int block) {
  const GemmLayout& l = p.layout;
  const int m = p.shape.m, n = p.shape.n, kb = (n + block - 1) / block;
  BfpMatrix c = bfp::test::zero_matrix(m, n, block);
  for (int r = 0; r < m; ++r) {
    drv.mem().read(l.c_codes + uint64_t(r) * l.c_code_stride, c.codes.row(r).data(), uint64_t(kb) * block);
    drv.mem().read(l.c_exps + uint64_t(r) * l.c_exp_stride, c.exps.row(r).data(), uint64_t(kb));
  }
  return c;
}

BfpMatrix random_codes(int rows, int cols, int block, std::mt19937_64& g) {
  BfpMatrix m = bfp::test::zero_matrix(rows, cols, block);
  std::uniform_int_distribution<int> ex(118, 130);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) m.codes(r, c) = static_cast<int8_t>(bfp::test::nonzero_code(g));
    for (int b = 0; b < m.kblocks(); ++b) m.exps(r, b) = static_cast<uint8_t>(ex(g));
  }
  return m;
}

/// GEMM 1 (A1 W1 -> C1, output-stationary) and GEMM 2 (C1 read in place as A2, times W2 -> C2), planned apart.
struct Chain {
  bfp::Config cfg;
  GemmPlan p1, p2;
  GemmLayout l2;
  BfpMatrix a1, w1, w2, c1_golden;
};
Chain make_chain(const std::string& config, int m, int k1, int n1, int n2, uint64_t seed) {
  Chain ch{bfp::test::load(config), {}, {}, {}, {}, {}, {}, {}};
  const bfp::Config& cfg = ch.cfg;
  bfp::host::PlanOptions po1;
  po1.schedule = bfp::host::Schedule::Output;
  ch.p1 = bfp::host::plan_gemm(cfg, {m, k1, n1}, po1);
  EXPECT_TRUE(bfp::host::chained_layout(cfg, ch.p1.layout, m, n1, n2, &ch.l2));
  // chained_layout puts W2 and C2 where GEMM 1's A1 and W1 are when they fit there (the runner's GEMMs run one
  // after the other); in one program GEMM 1 still reads them, so here W2 and C2 move above GEMM 1's bytes
  const uint64_t shift = rup(ch.p1.layout.bytes, 256);
  for (uint32_t* a : {&ch.l2.w_codes, &ch.l2.w_exps, &ch.l2.c_codes, &ch.l2.c_exps}) *a = uint32_t(*a + shift);
  ch.l2.bytes += shift;
  bfp::host::PlanOptions po2;
  po2.layout = &ch.l2;
  po2.a_resident = true;
  ch.p2 = bfp::host::plan_gemm(cfg, {m, n1, n2}, po2);
  std::mt19937_64 g(seed);
  ch.a1 = random_codes(m, k1, cfg.block, g);
  ch.w1 = random_codes(n1, k1, cfg.block, g);
  ch.w2 = random_codes(n2, n1, cfg.block, g);
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  ch.c1_golden = bfp::golden::requantize(bfp::golden::gemm_accumulate(ch.a1, ch.w1, ap), cfg.block, ap, false);
  return ch;
}

/// Runs GEMM 1 and GEMM 2 as one program (`wait`: WAIT on GEMM 2's first LOAD_ACT, the first command that reads
/// C1); returns C1 and C2 as the RTL stored them.
std::pair<BfpMatrix, BfpMatrix> run_chain(const Chain& ch, bool wait, const bfp::sim::MemTiming& tm) {
  const bfp::Config& cfg = ch.cfg;
  auto model = bfp::test::model_for(cfg);
  auto drv = bfp::sim::make_driver(model, std::max(ch.p1.layout.bytes, ch.l2.bytes), 1, tm);
  auto write = [&](bfp::sim::StageKind, uint64_t addr, const uint8_t* src, uint64_t n) { drv->mem().write(addr, src, n); };
  bfp::sim::stage_gemm(cfg, ch.p1, ch.a1, ch.w1, nullptr, write);  // A1, W1, C1's area poisoned
  bfp::sim::stage_gemm(cfg, ch.p2, ch.c1_golden, ch.w2, nullptr, write);  // W2, C2's area (A2 in place: not written)
  for (const Command& c : ch.p1.commands) drv->issue(c);
  bool first = true;
  for (Command c : ch.p2.commands) {
    if (wait && first && c.op == Opcode::LoadAct) {
      c.flags |= bfp::host::kFlagWait;
      first = false;
    }
    drv->issue(c);
  }
  drv->run();
  return {read_c(*drv, ch.p1, cfg.block), read_c(*drv, ch.p2, cfg.block)};
}

bool same(const BfpMatrix& x, const BfpMatrix& y) { return x.codes == y.codes && x.exps == y.exps; }

TEST(HazardRtl, StoreThenLoadOfTheSameBytesWithAndWithoutWait) {
  const Chain ch = make_chain("configs/test/r4c4b16.yaml", 4, 32, 32, 8, 21);
  const bfp::Config& cfg = ch.cfg;
  ASSERT_TRUE(cfg.sparse());  // the core's prefetch exists only on sparse configs
  // the shapes do what the header says: one STORE writes all of C1; GEMM 2's LOAD_ACTs read C1's bytes
  int stores = 0;
  for (const Command& c : ch.p1.commands) stores += c.op == Opcode::Store;
  EXPECT_EQ(stores, 1);
  EXPECT_EQ(ch.l2.a_codes, ch.p1.layout.c_codes);
  std::vector<Command> both = ch.p1.commands;
  both.insert(both.end(), ch.p2.commands.begin(), ch.p2.commands.end());
  std::vector<const GemmLayout*> ls(ch.p1.commands.size(), &ch.p1.layout);
  ls.insert(ls.end(), ch.p2.commands.size(), &ch.p2.layout);
  EXPECT_FALSE(unordered_reads(both, ls, cfg).empty()) << "GEMM 2 should read C1's bytes";
  EXPECT_TRUE(unordered_reads(ch.p1, cfg).empty());
  EXPECT_TRUE(unordered_reads(ch.p2, cfg).empty());
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const bfp::sim::MemTiming timings[] = {{0.0, 1, 1.0}, {0.0, 4, 1.0}, {0.3, 2, 1.0}};
  for (const bfp::sim::MemTiming& tm : timings) {
    SCOPED_TRACE("latency " + std::to_string(tm.latency) + ", stall " + std::to_string(tm.stall));
    // (a) with WAIT: C2 is the golden model of the C1 that was stored (and C1 is GEMM 1's golden output)
    const auto [c1, c2] = run_chain(ch, true, tm);
    EXPECT_TRUE(same(c1, ch.c1_golden)) << "C1 as stored differs from the golden model";
    const BfpMatrix want = bfp::golden::requantize(bfp::golden::gemm_accumulate(c1, ch.w2, ap), cfg.block, ap, false);
    EXPECT_TRUE(same(c2, want)) << "with WAIT, C2 is not the golden model of the stored C1";
    // without WAIT the LOAD_ACT runs ahead of the STORE: it reads the poisoned bytes, so C2 differs (the hazard
    // the WAIT above closes; if this ever passes, the case above no longer shows that WAIT is what orders them)
    const auto [d1, d2] = run_chain(ch, false, tm);
    EXPECT_TRUE(same(d1, ch.c1_golden));
    EXPECT_FALSE(same(d2, want)) << "without WAIT, GEMM 2 still read the stored C1";
  }
}

// ---- the host's rule: no plan loads what its own STOREs write ----------------------------------------------------

TEST(HostOrder, NoPlanLoadsBytesItsOwnStoresWrite) {
  struct Case {
    const char* config;
    int m, k, n;
    bfp::host::Compress sparse_a, sparse_c;
    bool pack, bias;
    bfp::host::Schedule schedule;
  };
  using bfp::host::Compress;
  using bfp::host::Schedule;
  const Case cases[] = {
      {"configs/default.yaml", 70, 256, 48, Compress::No, Compress::No, false, false, Schedule::Auto},
      {"configs/default.yaml", 70, 256, 48, Compress::No, Compress::No, false, false, Schedule::Output},
      {"configs/default.yaml", 70, 256, 96, Compress::No, Compress::No, false, false, Schedule::Pair},
      {"configs/default.yaml", 33, 1024, 40, Compress::No, Compress::No, false, false, Schedule::Output},  // K chunks
      {"configs/default.yaml", 70, 256, 48, Compress::Yes, Compress::No, true, false, Schedule::Auto},
      {"configs/default.yaml", 70, 256, 48, Compress::Yes, Compress::No, false, false, Schedule::Auto},
      {"configs/default.yaml", 70, 256, 48, Compress::Yes, Compress::Yes, true, false, Schedule::Output},
      {"configs/test/r4c4b16.yaml", 30, 200, 12, Compress::Yes, Compress::No, true, false, Schedule::Auto},
      {"configs/test/r4c8b16.yaml", 30, 96, 24, Compress::No, Compress::Yes, false, false, Schedule::Output},
      {"configs/test/r2c2b8.yaml", 9, 40, 11, Compress::No, Compress::No, false, true, Schedule::Auto},
  };
  for (const Case& k : cases) {
    const bfp::Config cfg = bfp::test::load(k.config);
    bfp::host::PlanOptions po;
    po.sparse_a = k.sparse_a;
    po.sparse_c = k.sparse_c;
    po.pack_a = k.pack;
    po.bias = k.bias && cfg.bias;
    po.schedule = k.schedule;
    const GemmPlan p = bfp::host::plan_gemm(cfg, {k.m, k.k, k.n}, po);
    SCOPED_TRACE(std::string(k.config) + " " + std::to_string(k.m) + "x" + std::to_string(k.k) + "x" +
                 std::to_string(k.n) + " schedule " + bfp::host::to_string(p.schedule));
    int stores = 0, loads = 0;
    for (const Command& c : p.commands) {
      stores += c.op == Opcode::Store;
      loads += is_load(c.op);
      EXPECT_FALSE(c.flags & bfp::host::kFlagWait) << c.str();  // the host sets no WAIT (see the header)
    }
    ASSERT_GT(stores, 0);
    ASSERT_GT(loads, 0);
    const auto bad = unordered_reads(p, cfg);
    EXPECT_TRUE(bad.empty()) << bad.front();
    // a chained GEMM on this one's C (dense C only): also no overlap inside it, while it does read C's bytes
    GemmLayout l2;
    if (!p.layout.sparse_c && bfp::host::chained_layout(cfg, p.layout, k.m, k.n, 16, &l2)) {
      bfp::host::PlanOptions po2;
      po2.layout = &l2;
      po2.a_resident = true;
      const GemmPlan p2 = bfp::host::plan_gemm(cfg, {k.m, k.n, 16}, po2);
      const auto bad2 = unordered_reads(p2, cfg);
      EXPECT_TRUE(bad2.empty()) << bad2.front();
      std::vector<Command> both = p.commands;
      both.insert(both.end(), p2.commands.begin(), p2.commands.end());
      std::vector<const GemmLayout*> ls(p.commands.size(), &p.layout);
      ls.insert(ls.end(), p2.commands.size(), &p2.layout);
      EXPECT_FALSE(unordered_reads(both, ls, cfg).empty()) << "the checker misses a chained GEMM's reads of C";
    }
  }
}

}  // namespace
