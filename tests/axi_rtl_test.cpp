// SPDX-License-Identifier: Apache-2.0
// The AXI top (bfp_axi_top, docs/architecture.md "AXI top", docs/registers.md) on the verilated AXI variant of the
// model with the AXI4 slave memory model and the AXI4-Lite bus-functional master (sim/axi_system.h): GEMMs pushed
// through the registers are bit-exact against the golden model, also with random stalls on every channel and random
// latencies; the counters agree with the direct-port driver; SLVERR/DECERR, command FIFO overflow and unmapped
// offsets are reported; the doorbell raises the interrupt; injected protocol violations are caught by the RTL
// assertions (rtl/bfp_chk_axi.sv, rtl/bfp_chk_axil.sv).
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "golden/bfp.h"
#include "host/command.h"
#include "host/registers.h"
#include "sim/axi_system.h"
#include "sim/runner.h"
#include "support/rtl_configs.h"
#include "support/seed.h"
#include "verify/random_gemm.h"
#include "verify/stimulus.h"

namespace {

using bfp::Config;
using bfp::sim::AxiSystem;
using bfp::sim::AxiSystemOptions;
using bfp::sim::AxiViolation;
using bfp::test::load;
using bfp::verify::GemmSpec;
namespace regs = bfp::regs;

constexpr uint32_t kStatus = 0x014, kCmdData = 0x020, kCtrl = 0x010, kIrq = 0x018, kDoorbell = 0x01C,
                   kErrAddr = 0x024;

uint32_t reg_offset(const char* name) {
  for (const auto& r : regs::kPlainRegisters)
    if (std::string(r.name) == name) return r.offset;
  for (const auto& c : regs::kCounters) {
    if (std::string(c.name) + "_LO" == name) return c.offset;
    if (std::string(c.name) + "_HI" == name) return c.offset + 4;
  }
  throw std::logic_error(std::string("no register ") + name);
}

uint64_t counter(AxiSystem& sys, const char* name) {
  const uint32_t lo_off = reg_offset((std::string(name) + "_LO").c_str());
  const uint64_t lo = sys.reg_read(lo_off);
  const uint64_t hi = sys.reg_read(lo_off + 4);
  return hi << 32 | lo;
}

uint32_t status_error(uint32_t s) { return s >> 24; }

/// Operands and golden result of one random GEMM (as verify::run_gemm draws them, no bias).
struct Gemm {
  bfp::host::GemmPlan plan;
  bfp::golden::BfpMatrix a, wt, c;
};
Gemm make_gemm(const Config& cfg, const GemmSpec& s) {
  Gemm g;
  const int B = cfg.block;
  bfp::verify::Rng rng(s.seed);
  const Eigen::MatrixXf a = bfp::verify::draw(s.m, s.k, B, s.values, rng);
  const Eigen::MatrixXf wt = bfp::verify::draw(s.n, s.k, B, s.values, rng);
  g.a = bfp::golden::quantize_rows(a, B, bfp::golden::Rounding::Away, "A");
  g.wt = bfp::golden::quantize_rows(wt, B, bfp::golden::Rounding::Away, "W");
  const bfp::golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  g.c = bfp::golden::requantize(bfp::golden::gemm_accumulate(g.a, g.wt, ap), B, ap, s.relu);
  g.plan = bfp::verify::plan_spec(cfg, s);
  return g;
}

/// Pushes `cmds` through CMD_DATA (waiting for FIFO room by polling STATUS), rings the doorbell and waits for
/// the interrupt; returns the final STATUS.
/// `irq_out` (optional) gets IRQ_STATUS as it was before the acknowledgement.
uint32_t run_commands(AxiSystem& sys, const std::vector<bfp::host::Command>& cmds, uint64_t max_cycles = 20000000,
                      uint32_t* irq_out = nullptr) {
  const uint32_t depth = uint32_t(sys.config().axi_cmd_fifo_depth);
  sys.reg_write(kCtrl, 3);  // DONE_IRQ_EN | ERR_IRQ_EN
  for (const auto& c : cmds) {
    for (uint64_t polls = 0;; ++polls) {
      const uint32_t st = sys.reg_read(kStatus);
      if (((st >> 16) & 0xff) < depth) break;
      if (polls > max_cycles) throw std::runtime_error("command FIFO never drains");
    }
    for (uint32_t w : c.encode()) sys.reg_write(kCmdData, w);
  }
  sys.reg_write(kDoorbell, 1);
  const uint64_t start = sys.cycles();
  while (!sys.irq()) {
    if (sys.cycles() - start > max_cycles) throw std::runtime_error("no interrupt after the doorbell");
    sys.step();
  }
  const uint32_t irq = sys.reg_read(kIrq);
  if (irq_out) *irq_out = irq;
  sys.reg_write(kIrq, irq);  // acknowledge
  return sys.reg_read(kStatus);
}

struct AxiRun {
  bfp::sim::GemmRun run;
  uint32_t status = 0;
  uint64_t cycles = 0, load_busy = 0, compute_busy = 0, store_busy = 0, macs = 0, rd_bytes = 0, wr_bytes = 0,
           commands = 0;
};

AxiRun run_axi_gemm(AxiSystem& sys, const Gemm& g) {
  AxiRun r;
  sys.reg_write(kCtrl, 1u << 2);  // CLEAR_COUNTERS
  r.run = bfp::sim::run_gemm_on_memory(sys.config(), g.plan, g.a, g.wt, g.c, nullptr, sys.mem().data(),
                                       sys.mem().size(), [&] { r.status = run_commands(sys, g.plan.commands); });
  r.cycles = counter(sys, "CYCLES");
  r.load_busy = counter(sys, "LOAD_BUSY");
  r.compute_busy = counter(sys, "COMPUTE_BUSY");
  r.store_busy = counter(sys, "STORE_BUSY");
  r.macs = counter(sys, "MACS");
  r.rd_bytes = counter(sys, "RD_BYTES");
  r.wr_bytes = counter(sys, "WR_BYTES");
  r.commands = counter(sys, "COMMANDS");
  return r;
}


AxiSystemOptions options(const Gemm& g, uint64_t extra = 1 << 16) {
  AxiSystemOptions o;
  o.mem.size_bytes = g.plan.layout.bytes + extra;
  return o;
}

class AxiRtl : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { cfg_ = load(GetParam()); }
  Config cfg_;
};

TEST_P(AxiRtl, IdentityRegisters) {
  GemmSpec s;
  s.m = s.k = s.n = 8;
  const Gemm g = make_gemm(cfg_, s);
  AxiSystem sys(cfg_, options(g), &std::cerr);
  EXPECT_EQ(sys.reg_read(reg_offset("ID")), regs::kIdValue);
  EXPECT_EQ(sys.reg_read(reg_offset("VERSION")), regs::kVersion);
  EXPECT_EQ(sys.reg_read(reg_offset("CFG_HASH")), uint32_t(std::stoul(cfg_.hash().substr(0, 8), nullptr, 16)));
  const uint32_t caps = sys.reg_read(reg_offset("CAPS"));
  EXPECT_EQ(caps & 0xff, uint32_t(cfg_.beat_bytes()));
  EXPECT_EQ((caps >> 8) & 0xff, uint32_t(cfg_.axi_cmd_fifo_depth));
  EXPECT_EQ((caps >> 16) & 0xff, uint32_t(cfg_.rows));
  EXPECT_EQ((caps >> 24) & 0xff, uint32_t(cfg_.cols));
  const uint32_t st = sys.reg_read(kStatus);
  EXPECT_EQ(st & 7u, 4u) << "idle: not busy, FIFO not full, FIFO empty";
  EXPECT_EQ(status_error(st), 0u);
}

// The GEMM through the registers is bit-exact, and the counters agree with the direct-port driver's stats.
TEST_P(AxiRtl, GemmBitExactAndCountersMatchTheDirectPort) {
  GemmSpec s;
  s.m = 2 * cfg_.rows + 1;
  s.n = 2 * cfg_.cols + 3;
  s.k = 3 * cfg_.block + 5;
  s.seed = 11;
  const Gemm g = make_gemm(cfg_, s);
  AxiSystem sys(cfg_, options(g), &std::cerr);
  const AxiRun r = run_axi_gemm(sys, g);
  EXPECT_TRUE(r.run.bit_exact) << r.run.first_mismatch;
  EXPECT_EQ(status_error(r.status), 0u);
  EXPECT_EQ(r.status & 1u, 0u) << "BUSY after the interrupt";

  // the same plan on the direct port
  auto drv = bfp::sim::make_driver(bfp::test::model_for(cfg_), g.plan.layout.bytes, 1, {});
  const bfp::sim::GemmRun d = bfp::sim::run_gemm(*drv, g.plan, g.a, g.wt, g.c);
  ASSERT_TRUE(d.bit_exact) << d.first_mismatch;
  EXPECT_EQ(r.commands, d.commands);
  EXPECT_EQ(r.commands, g.plan.commands.size());
  EXPECT_EQ(r.rd_bytes, d.read_bytes);
  EXPECT_EQ(r.wr_bytes, d.write_bytes);
  if (!cfg_.sparse()) {  // dense: R*C MACs per issued element
    EXPECT_EQ(r.macs, drv->stats().compute_stream * uint64_t(cfg_.rows) * uint64_t(cfg_.cols));
  }
  EXPECT_GT(r.macs, 0u);
  // busy cycles follow memory timing; each engine is busy at least as long as on the direct port's ideal memory
  // minus nothing: both are positive and the cycles cover them
  EXPECT_GT(r.load_busy, 0u);
  EXPECT_GT(r.compute_busy, 0u);
  EXPECT_GT(r.store_busy, 0u);
  EXPECT_GE(r.cycles, std::max({r.load_busy, r.compute_busy, r.store_busy}));
  if (!cfg_.sparse()) {
    EXPECT_EQ(r.compute_busy, d.cycles.compute_busy) << "COMPUTE does not touch memory";
  }
  const auto& ms = sys.mem().stats();
  std::cerr << "AXI: " << r.cycles << " cycles (counter), direct port: " << d.cycles.total << " cycles; "
            << ms.ar_bursts << " read bursts for " << ms.r_beats << " beats, " << ms.aw_bursts << " write bursts for "
            << ms.w_beats << " beats, longest " << ms.max_burst_beats << ", reads in flight <= "
            << ms.max_read_outstanding << "\n";
  EXPECT_GT(ms.max_burst_beats, 1u) << "consecutive beats form bursts";
  EXPECT_LT(ms.ar_bursts, ms.r_beats);
}

// Random stalls on all five channels (memory and BFM), random latencies and a bandwidth limit change no result.
TEST_P(AxiRtl, RandomStallsAndLatenciesChangeNoResult) {
  const uint64_t seed = bfp::test::seed_for(20261203);
  const std::string label = GetParam().find("default") == std::string::npos ? "r2c2b8" : "default";
  std::cerr << "seed " << seed << "; rerun: BFP_SEED=" << seed
            << " build/tests/axi_rtl_test --gtest_filter='*RandomStalls*/" << label << "'\n";
  for (uint64_t i = 0; i < 2; ++i) {
    GemmSpec s;
    s.m = cfg_.rows + 3;
    s.n = cfg_.cols * 2 + 1;
    s.k = 2 * cfg_.block + 7;
    s.seed = seed + i;
    const Gemm g = make_gemm(cfg_, s);
    AxiSystemOptions o = options(g);
    o.mem.stall = 0.3;
    o.mem.latency = 1 + int((seed + i) % 20);
    o.mem.latency_jitter = 9;
    o.mem.bandwidth = 0.7;
    o.mem.seed = s.seed;
    o.bfm_stall = 0.3;
    o.bfm_seed = s.seed;
    SCOPED_TRACE("seed " + std::to_string(s.seed) + "; rerun: BFP_SEED=" + std::to_string(seed) +
                 " build/tests/axi_rtl_test --gtest_filter='*RandomStalls*'");
    AxiSystem sys(cfg_, o, &std::cerr);
    const AxiRun r = run_axi_gemm(sys, g);
    EXPECT_TRUE(r.run.bit_exact) << r.run.first_mismatch;
    EXPECT_EQ(status_error(r.status), 0u);
    EXPECT_LE(sys.mem().stats().max_burst_beats, uint64_t(cfg_.axi_max_burst));
    EXPECT_LE(sys.mem().stats().max_read_outstanding, uint64_t(cfg_.axi_max_outstanding));
  }
}

// Ordering (docs/architecture.md "AXI top"): a command with WAIT starts only when every write burst got its B
// response. With WAIT on every command and slow B responses, no read burst is ever issued while a write waits for
// its response, and the result stays bit-exact; without WAIT the same run does overlap them (the check can fail).
TEST_P(AxiRtl, WaitCommandsStartOnlyAfterEveryWriteIsAnswered) {
  GemmSpec s;
  s.m = 2 * cfg_.rows + 1;
  s.n = 2 * cfg_.cols + 1;
  s.k = 2 * cfg_.block + 3;
  s.seed = 3;
  const Gemm g = make_gemm(cfg_, s);
  for (const bool wait : {true, false}) {
    SCOPED_TRACE(wait ? "WAIT on every command" : "no WAIT");
    Gemm gw = g;
    if (wait)
      for (auto& c : gw.plan.commands) c.flags |= bfp::host::kFlagWait;
    AxiSystemOptions o = options(gw);
    o.mem.latency_jitter = 40;  // B responses (and read bursts) up to 40 cycles late
    AxiSystem sys(cfg_, o, &std::cerr);
    const AxiRun r = run_axi_gemm(sys, gw);
    EXPECT_TRUE(r.run.bit_exact) << r.run.first_mismatch;
    if (wait) EXPECT_EQ(sys.mem().stats().ar_during_writes, 0u);
    else EXPECT_GT(sys.mem().stats().ar_during_writes, 0u) << "the pipelined stream overlaps reads and writes";
  }
}

// An error window on the read side: STATUS.ERROR = RD_SLVERR / RD_DECERR with ERR_ADDR the burst's address; the
// error is sticky, the first one wins, CLEAR_ERROR clears it.
TEST_P(AxiRtl, ReadAndWriteErrorsAreReported) {
  GemmSpec s;
  s.m = cfg_.rows;
  s.n = cfg_.cols;
  s.k = cfg_.block;
  const Gemm g = make_gemm(cfg_, s);
  const auto& l = g.plan.layout;
  struct Case {
    uint64_t lo;
    uint32_t resp, code;
  } cases[] = {{l.w_codes, 2, 1}, {l.w_codes, 3, 2}, {l.c_codes, 2, 3}, {l.c_codes, 3, 4}};
  for (const Case& c : cases) {
    SCOPED_TRACE("window at 0x" + std::to_string(c.lo) + " resp " + std::to_string(c.resp));
    AxiSystemOptions o = options(g);
    o.mem.err_lo = c.lo;
    o.mem.err_hi = c.lo + 1;
    o.mem.err_resp = c.resp;
    AxiSystem sys(cfg_, o, &std::cerr);
    uint32_t st = 0, irq = 0;
    bfp::sim::run_gemm_on_memory(cfg_, g.plan, g.a, g.wt, g.c, nullptr, sys.mem().data(), sys.mem().size(),
                                 [&] { st = run_commands(sys, g.plan.commands, 20000000, &irq); });
    EXPECT_EQ(status_error(st), c.code);
    const uint32_t addr = sys.reg_read(kErrAddr);
    const uint32_t beat = uint32_t(cfg_.beat_bytes());
    EXPECT_LE(addr, c.lo);
    EXPECT_LT(c.lo - addr, uint64_t(cfg_.axi_max_burst) * beat) << "ERR_ADDR is the failing burst's start";
    EXPECT_EQ(addr % beat, 0u);
    EXPECT_EQ(irq & 2u, 2u) << "IRQ_STATUS.ERROR (the interrupt came with the error, before DONE)";
    sys.reg_write(kCtrl, 1u << 3);  // CLEAR_ERROR
    EXPECT_EQ(status_error(sys.reg_read(kStatus)), 0u);
    EXPECT_EQ(sys.reg_read(kErrAddr), 0u);
  }
}

// Beyond the memory: DECERR.
TEST_P(AxiRtl, AccessBeyondTheMemoryIsDecodeError) {
  GemmSpec s;
  s.m = cfg_.rows;
  s.n = cfg_.cols;
  s.k = cfg_.block;
  const Gemm g = make_gemm(cfg_, s);
  AxiSystem sys(cfg_, options(g), &std::cerr);
  // a LOAD_WGT from just past the end of the memory
  bfp::host::Command c = g.plan.commands.front();
  for (const auto& cmd : g.plan.commands)
    if (cmd.op == bfp::host::Opcode::LoadWgt) c = cmd;
  ASSERT_EQ(c.op, bfp::host::Opcode::LoadWgt);
  c.code_addr = uint32_t(sys.mem().size());
  c.exp_addr = uint32_t(sys.mem().size());
  c.rows = 1;
  const uint32_t st = run_commands(sys, {c});
  EXPECT_EQ(status_error(st), 2u) << "RD_DECERR";
  EXPECT_EQ(sys.reg_read(kErrAddr), uint32_t(sys.mem().size()));
}

TEST_P(AxiRtl, CommandFifoOverflowAndBadRegister) {
  GemmSpec s;
  s.m = s.k = s.n = 8;
  const Gemm g = make_gemm(cfg_, s);
  // loads from a memory that answers only after a million cycles keep the core busy while the FIFO fills
  AxiSystemOptions o = options(g);
  o.mem.latency = 1000000;
  AxiSystem sys(cfg_, o, &std::cerr);
  bfp::host::Command busy;
  busy.op = bfp::host::Opcode::LoadAct;
  busy.rows = 1;
  busy.count = 1;
  const int depth = cfg_.axi_cmd_fifo_depth;
  for (int i = 0; i < depth + 3; ++i)  // 1 executing, 1 pending in the core, depth queued, then overflow
    for (uint32_t w : busy.encode()) sys.reg_write(kCmdData, w);
  uint32_t st = sys.reg_read(kStatus);
  EXPECT_EQ(status_error(st), 5u) << "CMD_OVERFLOW";
  EXPECT_TRUE(st & 1u) << "BUSY";
  EXPECT_TRUE(st & 2u) << "FIFO_FULL";
  EXPECT_EQ((st >> 16) & 0xff, uint32_t(depth)) << "FIFO_LEVEL";
  // partial command: 3 words
  sys.reg_write(kCtrl, 1u << 3);
  for (int i = 0; i < 3; ++i) sys.reg_write(kCmdData, 0);
  EXPECT_EQ((sys.reg_read(kStatus) >> 8) & 0xf, 3u) << "STATUS.WORDS";
  // unmapped offset: read 0 with SLVERR, BAD_REG latched; a write too
  uint32_t resp = 0;
  EXPECT_EQ(sys.reg_read(0x100, &resp), 0u);
  EXPECT_EQ(resp, 2u);
  EXPECT_EQ(status_error(sys.reg_read(kStatus)), 6u) << "BAD_REG";
  sys.reg_write(kCtrl, 1u << 3);
  sys.reg_write(0xffc, 1, &resp);
  EXPECT_EQ(resp, 2u);
  EXPECT_EQ(status_error(sys.reg_read(kStatus)), 6u);
  sys.reg_write(reg_offset("ID"), 5, &resp);  // a read-only register ignores writes, OKAY
  EXPECT_EQ(resp, 0u);
  EXPECT_EQ(sys.reg_read(reg_offset("ID")), regs::kIdValue);
}

TEST_P(AxiRtl, DoorbellRaisesTheInterruptOnlyWhenEnabled) {
  GemmSpec s;
  s.m = s.k = s.n = 8;
  const Gemm g = make_gemm(cfg_, s);
  AxiSystem sys(cfg_, options(g), &std::cerr);
  sys.reg_write(kDoorbell, 1);
  for (int i = 0; i < 4; ++i) sys.step();
  EXPECT_FALSE(sys.irq()) << "DONE_IRQ_EN is 0";
  EXPECT_EQ(sys.reg_read(kIrq), 1u) << "DONE set anyway";
  sys.reg_write(kCtrl, 1);
  EXPECT_TRUE(sys.wait_irq(1));
  sys.reg_write(kIrq, 1);  // W1C
  sys.step();
  EXPECT_FALSE(sys.irq());
  EXPECT_EQ(sys.reg_read(kIrq), 0u);
}

// Counter HI snapshot: LO then HI gives one 64-bit value even while the counter runs.
TEST_P(AxiRtl, CounterLoSnapshotsHi) {
  GemmSpec s;
  s.m = s.k = s.n = 8;
  const Gemm g = make_gemm(cfg_, s);
  AxiSystem sys(cfg_, options(g), &std::cerr);
  const uint64_t a = counter(sys, "CYCLES");
  const uint64_t b = counter(sys, "CYCLES");
  EXPECT_GT(b, a);
  EXPECT_LT(b - a, 100u);
}

// The injected protocol violations of the memory model and of the BFM are caught by the assertions.
TEST_P(AxiRtl, InjectedViolationsAreCaught) {
  GemmSpec s;
  s.m = cfg_.rows;
  s.n = cfg_.cols;
  s.k = 3 * cfg_.block + 5;  // rows of several beats: bursts longer than one beat
  const Gemm g = make_gemm(cfg_, s);
  struct Case {
    AxiViolation v;
    const char* rule;
  } cases[] = {{AxiViolation::SpuriousR, "AXI_R_UNREQUESTED"},
               {AxiViolation::EarlyRlast, "AXI_RLAST"},
               {AxiViolation::EarlyB, "AXI_B_EARLY"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    AxiSystemOptions o = options(g);
    o.mem.violation = c.v;
    AxiSystem sys(cfg_, o, &std::cerr);
    ASSERT_TRUE(sys.model().assertions());
    std::string msg;
    try {
      bfp::sim::run_gemm_on_memory(cfg_, g.plan, g.a, g.wt, g.c, nullptr, sys.mem().data(), sys.mem().size(), [&] {
        run_commands(sys, g.plan.commands, 200000);
        for (int i = 0; i < 50; ++i) sys.step();  // a spurious R after the last burst
      });
    } catch (const bfp::sim::AssertionFailure& e) {
      msg = e.what();
    }
    EXPECT_NE(msg.find(c.rule), std::string::npos) << "got: " << msg;
  }
  // the AXI4-Lite master drops AWVALID before AWREADY
  AxiSystemOptions o = options(g);
  o.bfm_drop_awvalid = true;
  AxiSystem sys(cfg_, o, &std::cerr);
  std::string msg;
  try {
    sys.reg_write(kCtrl, 0);
  } catch (const bfp::sim::AssertionFailure& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("HS_HOLD"), std::string::npos) << "got: " << msg;
  EXPECT_NE(msg.find("u_chk_axil.u_aw"), std::string::npos) << "got: " << msg;
}

// The axi.* parameters at their extremes (r2c2b8 with the keys set): the smallest (one-beat bursts, one burst in
// flight, a one-command FIFO) and the largest (256-beat bursts, 16 in flight, 64 commands), with stalls; and a
// load whose row crosses a 4 KiB boundary is split there (the checker's AXI_AR_BURST would fire otherwise).
TEST(AxiRtlParameters, ExtremeAxiParametersStayBitExact) {
  const Config base = load("configs/test/r2c2b8.yaml");
  for (const auto& changes : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"name", "r2c2b8-axi-min"}, {"axi.max_burst", "1"}, {"axi.max_outstanding", "1"},
            {"axi.cmd_fifo_depth", "1"}, {"axi.id_width", "1"}},
           {{"name", "r2c2b8-axi-max"}, {"axi.max_burst", "256"}, {"axi.max_outstanding", "16"},
            {"axi.cmd_fifo_depth", "64"}, {"axi.id_width", "8"}}}) {
    const Config cfg = base.with(changes);
    SCOPED_TRACE(cfg.name);
    EXPECT_NE(cfg.hash(), base.hash());
    GemmSpec s;
    s.m = 5;
    s.n = 7;
    s.k = 3 * cfg.block + 5;
    s.seed = 5;
    const Gemm g = make_gemm(cfg, s);
    AxiSystemOptions o = options(g, 1 << 14);
    o.mem.stall = 0.2;
    o.mem.latency_jitter = 5;
    o.bfm_stall = 0.2;
    AxiSystem sys(cfg, o, &std::cerr);
    EXPECT_EQ((sys.reg_read(reg_offset("CAPS")) >> 8) & 0xff, uint32_t(cfg.axi_cmd_fifo_depth));
    const AxiRun r = run_axi_gemm(sys, g);
    EXPECT_TRUE(r.run.bit_exact) << r.run.first_mismatch;
    EXPECT_EQ(status_error(r.status), 0u);
    EXPECT_LE(sys.mem().stats().max_burst_beats, uint64_t(cfg.axi_max_burst));
    EXPECT_LE(sys.mem().stats().max_read_outstanding, uint64_t(cfg.axi_max_outstanding));
    // one row of 8 beats from 4 KiB - 2 beats: split at the boundary
    const uint64_t before = sys.mem().stats().ar_bursts;
    bfp::host::Command c;
    c.op = bfp::host::Opcode::LoadAct;
    c.rows = 1;
    c.count = uint16_t(8 * cfg.beat_bytes() / cfg.block);
    c.code_addr = uint32_t(4096 - 2 * cfg.beat_bytes());
    c.exp_addr = 0;
    EXPECT_EQ(status_error(run_commands(sys, {c})), 0u);
    const uint64_t bursts = sys.mem().stats().ar_bursts - before;
    if (cfg.axi_max_burst >= 8) {
      EXPECT_EQ(bursts, 3u) << "codes in two bursts (split at 4 KiB), exponents in one";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, AxiRtl, testing::Values("configs/test/r2c2b8.yaml", "configs/default.yaml"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.index == 0 ? std::string("r2c2b8") : std::string("default");
                         });

}  // namespace
