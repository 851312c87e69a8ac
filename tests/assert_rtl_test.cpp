// SPDX-License-Identifier: Apache-2.0
// The RTL assertions (docs/assertions.md) bite: every one of these tests breaks a rule on purpose and checks
// that the run fails with a message naming the instance and the rule.
//  - the checker alone: bfp_chk_handshake in a small SystemVerilog testbench (verilator --binary --assert),
//    driven with a legal stream (passes) and with a stream that drops valid / changes the payload (fails);
//  - in the design, on the ordinary test model of configs/test/r2c2b8.yaml: a memory that drops a read
//    response before ready, and commands that break the command rules, make Model::cycle throw
//    sim::AssertionFailure; the model is reset and computes a GEMM bit-exact afterwards;
//  - in the design, a broken engine: the model variant built with BFP_ASSERT_BITE_DMA_RD_HOLD (bfp_dma_rd drops
//    its read request before ready) makes `bfpgen gemm` fail naming u_dma.u_chk_req and HS_HOLD, while the same
//    GEMM passes on the ordinary model. The variant is built once into <build>/model-cache-bite (sim/model's
//    BFP_MODEL_DEFINES, passed by a cmake wrapper through the model cache's BFP_CMAKE).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "host/command.h"
#include "sim/driver.h"
#include "sim/model_cache.h"
#include "support/rtl_configs.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"
#include "verify/random_gemm.h"

namespace fs = std::filesystem;
using bfp::host::Command;
using bfp::host::Opcode;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;
const fs::path kBinary = BFP_BINARY_DIR;
const char* kSmall = "configs/test/r2c2b8.yaml";

bfp::verify::GemmSpec small_gemm(const bfp::Config& cfg) {
  bfp::verify::GemmSpec s;
  s.m = cfg.rows;
  s.n = cfg.cols;
  s.k = 2 * cfg.block;
  s.seed = 15;
  s.stall = 0.5;  // backpressure on every handshake, so that valid waits for ready
  return s;
}

// A LOAD_ACT of one row and one block with FLAGS, exponents at byte 64, both strides STRIDE.
Command one_row_load_act(uint8_t flags, uint32_t stride) {
  Command c;
  c.op = Opcode::LoadAct;
  c.flags = flags;
  c.rows = 1;
  c.count = 1;
  c.exp_addr = 64;
  c.code_stride = stride;
  c.exp_stride = stride;
  return c;
}

// Model inputs out of reset that present the legal command C (checked against CFG) on the command port.
bfp_model_inputs legal_command_inputs(const Command& c, const bfp::Config& cfg) {
  EXPECT_NO_THROW(bfp::host::check_command(c, cfg));
  const auto words = c.encode();
  bfp_model_inputs in{};
  in.rst_n = 1;
  std::memcpy(in.cmd_tdata, words.data(), sizeof(in.cmd_tdata));
  return in;
}

}  // namespace

TEST(AssertRtl, TestModelsHaveTheAssertionsCompiledIn) {
  auto model = bfp::test::model_for(bfp::test::load(kSmall));
  EXPECT_TRUE(model->assertions()) << "sim/model/CMakeLists.txt builds the test models with BFP_MODEL_ASSERT=ON";
}

// The checker leaf alone: a legal stream passes; dropping valid or changing the payload before ready fails.
TEST(AssertRtl, HandshakeCheckerFiresOnABrokenStream) {
  ASSERT_TRUE(bfp::test::have_tool("verilator"));
  bfp::test::TempDir dir("bfpgen_assert_rtl_test");
  std::ofstream(dir / "tb.sv") << R"(// testbench of bfp_chk_handshake: +mode=ok|hold|stable
module tb;
  logic clk = 0, rst_n = 0, valid = 0, ready = 0;
  logic [7:0] data = 0;
  string mode;
  bfp_chk_handshake #(.Width(8)) u_dut (.clk_i(clk), .rst_ni(rst_n), .valid_i(valid), .ready_i(ready), .data_i(data));
  always #5 clk = !clk;
  task automatic step(input logic v, input logic r, input logic [7:0] d);
    valid = v; ready = r; data = d;
    @(posedge clk); #1;
  endtask
  initial begin
    if (!$value$plusargs("mode=%s", mode)) mode = "ok";
    @(posedge clk); #1 rst_n = 1;
    step(1, 0, 8'h11);  // valid waits for ready
    step(1, 0, 8'h11);
    if (mode == "hold") step(0, 0, 8'h11);          // HS_HOLD: valid dropped before ready
    else if (mode == "stable") step(1, 0, 8'h22);   // HS_STABLE: payload changed while waiting
    else step(1, 1, 8'h11);                         // the transfer
    step(1, 1, 8'h33);  // a transfer in one cycle, then idle
    step(0, 0, 8'h44);
    step(0, 1, 8'h55);
    $display("TB DONE %s", mode);
    $finish;
  end
endmodule
)";
  const std::string build = "cd '" + dir.path().string() + "' && verilator --binary --assert +define+BFP_ASSERT -Wno-fatal " +
                            "--top-module tb -o tb tb.sv '" + (kSource / "rtl/bfp_chk_handshake.sv").string() +
                            "' > build.log 2>&1";
  ASSERT_EQ(std::system(build.c_str()), 0) << "testbench build failed, see " << (dir / "build.log");
  const auto run = [&](const std::string& mode) { return bfp::test::run_cmd("'" + (dir / "obj_dir/tb").string() + "' +mode=" + mode); };
  const auto ok = run("ok");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("TB DONE ok"), std::string::npos) << ok.output;
  EXPECT_EQ(ok.output.find("Assertion failed"), std::string::npos) << ok.output;
  for (const auto& [mode, rule] : {std::pair{"hold", "HS_HOLD"}, std::pair{"stable", "HS_STABLE"}}) {
    const auto r = run(mode);
    EXPECT_NE(r.status, 0) << mode << ": the run must fail\n" << r.output;
    EXPECT_NE(r.output.find(std::string("Assertion failed in TOP.tb.u_dut: ") + rule), std::string::npos)
        << mode << ":\n" << r.output;
    EXPECT_EQ(r.output.find("TB DONE"), std::string::npos) << mode << ": the run went on\n" << r.output;
  }
}

// In the design, ordinary test model: the memory side breaks the read-response stream rule.
TEST(AssertRtl, MemoryDroppingAResponseBeforeReadyFailsTheRun) {
  const bfp::Config cfg = bfp::test::load(kSmall);
  auto model = bfp::test::model_for(cfg);
  ASSERT_TRUE(model->assertions());
  model->reset();
  bfp_model_inputs in{};
  in.rst_n = 1;
  in.rd_rsp_tvalid = 1;  // an idle core does not take responses (rd_rsp_tready low) ...
  in.rd_rsp_tdata[0] = 0x1234;
  EXPECT_EQ(model->cycle(in).rd_rsp_tready, 0u);
  in.rd_rsp_tvalid = 0;  // ... and the memory takes the response back: HS_HOLD on the core's u_chk_rd_rsp
  try {
    model->cycle(in);
    FAIL() << "no assertion failed";
  } catch (const bfp::sim::AssertionFailure& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("RTL assertion failed in cycle"), std::string::npos) << what;
    EXPECT_NE(what.find("bfp_chk_handshake.sv"), std::string::npos) << what;
    EXPECT_NE(what.find("u_core.u_chk_rd_rsp: HS_HOLD"), std::string::npos) << what;
  }
  // reset, then a GEMM runs bit-exact on the same instance (no assertion on a legal run)
  const auto r = bfp::verify::run_gemm(model, small_gemm(cfg));
  EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
}

// In the design: illegal commands (each refused by host::check_command, sent unchecked) fail at dispatch.
TEST(AssertRtl, IllegalCommandsFailAtDispatch) {
  const bfp::Config cfg = bfp::test::load(kSmall);  // R = C = 2, B = 8, depths 256, AccCols 16, 8-byte beats
  auto model = bfp::test::model_for(cfg);
  struct Case {
    const char* rule;
    Command c;
    const char* where = "u_core";  // the instance whose rule must be among those reported
  };
  std::vector<Case> cases;
  Command c;
  c.op = Opcode::Drain;
  c.col_offset = 1;  // not a multiple of C
  cases.push_back({"CMD_DRAIN_OFFSET", c});
  c = Command{};
  c.op = Opcode::Store;
  c.rows = 3;  // > R
  c.count = 1;
  cases.push_back({"CMD_STORE_ROWS", c});
  c = Command{};
  c.op = Opcode::LoadWgt;
  c.rows = 1;
  c.count = 33;  // 33 * 8 > 256
  cases.push_back({"CMD_LOAD_COUNT", c});
  c = Command{};
  c.op = Opcode::LoadAct;
  c.rows = 1;
  c.count = 1;
  c.code_addr = 4;  // not beat-aligned
  cases.push_back({"CMD_LOAD_ALIGN", c});
  c = Command{};
  c.op = Opcode::LoadAct;
  c.flags = bfp::host::kFlagSparse;  // a compressed load on a `sparsity: none` config
  c.rows = 1;
  c.count = 1;
  cases.push_back({"CMD_SPARSE_LOAD", c});
  c = Command{};
  c.op = Opcode::Drain;
  c.acc_next = 1;  // the other accumulator buffer, which a `sparsity: none` config does not have
  cases.push_back({"CMD_ACC_NEXT", c});
  c = Command{};
  c.op = Opcode::Compute;
  c.count = 33;  // 33 * 8 > 256: the core's CMD_COMPUTE_COUNT and the operand buffers' own OPD_COUNT both fire
  cases.push_back({"OPD_COUNT", c, "u_core.gen_dense.u_operands"});
  for (const Case& k : cases) {
    SCOPED_TRACE(k.rule);
    EXPECT_THROW(bfp::host::check_command(k.c, cfg), std::invalid_argument);  // the host would refuse it
    bfp::sim::MemConfig mc;
    mc.beat_bytes = cfg.beat_bytes();
    mc.size_bytes = 4096;
    bfp::sim::Driver drv(model, mc);  // resets the model
    drv.issue(k.c, /*check=*/false);
    try {
      drv.run();
      ADD_FAILURE() << "no assertion failed";
    } catch (const bfp::sim::AssertionFailure& e) {
      EXPECT_NE(std::string(e.what()).find(std::string(k.where) + ": " + k.rule), std::string::npos) << e.what();
    }
  }
}

// In the design: commands that host::check_command accepts, at the edges of the rules, trip no assertion (an
// assertion stricter than the documented rules would fail real streams), and a LOAD_BIAS overlaps a plain STORE
// (docs/architecture.md: it waits only for a STORE BIAS, which reads the bias buffer).
TEST(AssertRtl, LegalCommandsAtTheEdgesOfTheRulesPass) {
  const bfp::Config cfg = bfp::test::load(kSmall);  // R = C = 2, B = 8, depths 256, AccCols 16, bias, dense
  ASSERT_TRUE(cfg.bias);
  auto model = bfp::test::model_for(cfg);
  {
    SCOPED_TRACE("reserved command bits while cmd_tvalid is low (the payload is not looked at)");
    model->reset();
    bfp_model_inputs in{};
    in.rst_n = 1;
    in.cmd_tdata[6] = 0xFC000000u;  // bits 218..223 are reserved
    EXPECT_NO_THROW(for (int i = 0; i < 4; ++i) model->cycle(in));
  }
  bfp::sim::MemConfig mc;
  mc.beat_bytes = cfg.beat_bytes();
  mc.size_bytes = 1 << 16;
  auto run = [&](const std::vector<Command>& cmds) {
    bfp::sim::Driver drv(model, mc);  // resets the model
    for (const Command& c : cmds) drv.issue(c);  // checked: every one is legal
    drv.run();
    return drv.stats();
  };
  Command drain;
  drain.op = Opcode::Drain;
  drain.count = 33;  // DRAIN ignores count: it is not a COMPUTE
  EXPECT_NO_THROW(run({drain})) << "DRAIN with a count beyond the buffers";
  Command wgt;
  wgt.op = Opcode::LoadWgt;
  wgt.flags = bfp::host::kFlagSparse;  // ignored by LOAD_WGT
  wgt.rows = 1;
  wgt.count = 1;
  EXPECT_NO_THROW(run({wgt})) << "LOAD_WGT with the SPARSE flag";
  Command bias;
  bias.op = Opcode::LoadBias;
  bias.rows = 1;
  bias.count = 2;
  bias.exp_addr = 64;
  Command store;
  store.op = Opcode::Store;
  store.rows = cfg.rows;
  store.count = 2;
  store.valid_cols = 16;
  store.code_addr = 1024;
  store.exp_addr = 2048;
  store.code_stride = 64;
  store.exp_stride = 64;
  EXPECT_NO_THROW(run({bias, store})) << "a plain STORE while a LOAD_BIAS runs";
  bfp::sim::CycleStats st{};
  EXPECT_NO_THROW(st = run({store, bias})) << "a LOAD_BIAS while a plain STORE runs";
  EXPECT_GT(st.overlap(), 0u)
      << "the LOAD_BIAS waited for a plain STORE";
}

// In the design: an engine's own rules fire beside the core's. A read response while a LOAD_ACT waits for its
// first request is CORE_RD_UNREQUESTED at the core and DMA_RD_RSP_AHEAD in bfp_dma_rd, in the same cycle.
TEST(AssertRtl, EngineRulesFireBesideTheCoreRules) {
  const bfp::Config cfg = bfp::test::load(kSmall);
  auto model = bfp::test::model_for(cfg);
  model->reset();
  bfp_model_inputs in = legal_command_inputs(one_row_load_act(0, 8), cfg);  // rd_req_tready stays low: it waits
  std::string what;
  for (int t = 0; t < 12 && what.empty(); ++t) {
    in.cmd_tvalid = t == 0;
    in.rd_rsp_tvalid = t == 4;  // a response beat before any request was accepted
    try {
      model->cycle(in);
    } catch (const bfp::sim::AssertionFailure& e) {
      what = e.what();
    }
  }
  ASSERT_FALSE(what.empty()) << "no assertion failed";
  EXPECT_NE(what.find("u_core: CORE_RD_UNREQUESTED"), std::string::npos) << what;
  EXPECT_NE(what.find("(and 1 more in this cycle: "), std::string::npos) << "a second check did not fire: " << what;
  EXPECT_NE(what.find("DMA_RD_RSP_AHEAD"), std::string::npos) << "DMA_RD_RSP_AHEAD did not fire: " << what;
}

// In the design: a reset in the middle of a compressed load (read requests accepted, never answered) leaves no
// state behind that a later legal run trips over (the sparse DMA's outstanding-request count is reset too).
TEST(AssertRtl, ResetDuringACompressedLoadLeavesNoFalseFailure) {
  const bfp::Config cfg = bfp::test::load("configs/test/r4c8b16.yaml");  // sparsity: both
  ASSERT_TRUE(cfg.sparse());
  auto model = bfp::test::model_for(cfg);
  model->reset();
  bfp_model_inputs in = legal_command_inputs(one_row_load_act(bfp::host::kFlagSparse, 64), cfg);
  in.rd_req_tready = 1;  // requests are accepted and never answered
  int requests = 0;
  for (int t = 0; t < 12; ++t) {
    in.cmd_tvalid = t == 0;
    requests += model->cycle(in).rd_req_tvalid;
  }
  ASSERT_GT(requests, 0) << "the load never asked for its row stream: the case tests nothing";
  bfp::verify::GemmSpec s = small_gemm(cfg);
  s.act_sparsity = 0.5;
  s.sparse_a = true;  // the same engine again, after the reset run_gemm does
  bfp::verify::GemmResult r;
  EXPECT_NO_THROW(r = bfp::verify::run_gemm(model, s));
  EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
}

// In the design: the load engines and the store take a registered copy of rst_ni (docs/architecture.md, the port
// table: they leave reset one cycle after it; rst_ni must stay low for at least two cycles). Each engine is
// caught with a request or write beat waiting for a memory that is not ready, reset for the minimum two cycles,
// and given a command in the very first cycle out of reset: in that cycle it must drive nothing left from before
// (an engine still in its old state would), and it must be out of reset when the command is dispatched (the
// cycle after it is accepted), or it misses the start and the command does nothing. Bites (tried once):
// bfp_dma_rd's copy made two flip-flops late fails here (the engine misses even its first command); a one-cycle
// reset fails with RST_PULSE (and, without the assertion, a review probe saw the stale request in that cycle).
TEST(AssertRtl, TwoCycleResetLeavesNoStaleRequestAndACommandAtOnceReachesEachEngine) {
  const bfp::Config cfg = bfp::test::load("configs/test/r4c8b16.yaml");  // sparsity: both
  ASSERT_TRUE(cfg.sparse());
  auto model = bfp::test::model_for(cfg);
  Command store;
  store.op = Opcode::Store;
  store.rows = 1;
  store.count = 1;
  store.valid_cols = uint16_t(cfg.cols);
  store.code_addr = 1024;
  store.exp_addr = 2048;
  store.code_stride = 64;
  store.exp_stride = 64;
  struct Case {
    const char* what;
    Command c;
    bool reads;  // a load: read requests; the store: write beats
  };
  const Case cases[] = {{"dense LOAD_ACT (bfp_dma_rd)", one_row_load_act(0, 64), true},
                        {"compressed LOAD_ACT (bfp_dma_sparse)", one_row_load_act(bfp::host::kFlagSparse, 64), true},
                        {"STORE (bfp_store)", store, false}};
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    model->reset();
    // the engine's own command, its memory not ready: a request (or write beat) waits with valid high
    bfp_model_inputs in = legal_command_inputs(k.c, cfg);
    bool waiting = false;
    for (int t = 0; t < 16; ++t) {
      in.cmd_tvalid = t == 0;
      const bfp_model_outputs o = model->cycle(in);
      waiting = (k.reads ? o.rd_req_tvalid : o.wr_tvalid) != 0;
    }
    ASSERT_TRUE(waiting) << "nothing was waiting for the memory: the case tests nothing";
    model->reset(2);  // the minimum (RST_PULSE)
    in = legal_command_inputs(k.c, cfg);
    in.rd_req_tready = 1;
    in.wr_tready = 1;
    in.cmd_tvalid = 1;
    const bfp_model_outputs first = model->cycle(in);
    EXPECT_EQ(first.cmd_tready, 1u) << "the command is accepted in the first cycle out of reset";
    EXPECT_EQ(first.rd_req_tvalid, 0u) << "a read request left from before the reset";
    EXPECT_EQ(first.wr_tvalid, 0u) << "a write beat left from before the reset";
    in.cmd_tvalid = 0;
    int moved = 0;
    for (int t = 0; t < 40; ++t) {
      const bfp_model_outputs o = model->cycle(in);
      moved += k.reads ? o.rd_req_tvalid : o.wr_tvalid;
    }
    EXPECT_GT(moved, 0) << "the engine never moved: it missed the command's start (still in reset?)";
  }
  // and the instance still runs a GEMM bit-exact (run_gemm resets it as usual)
  bfp::verify::GemmSpec s = small_gemm(cfg);
  bfp::verify::GemmResult r;
  EXPECT_NO_THROW(r = bfp::verify::run_gemm(model, s));
  EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
}

// In the design: a reset pulse of one cycle is RST_PULSE in the first cycle out of it (the engines would still be
// in their old state there, the test above); two cycles are not.
TEST(AssertRtl, OneCycleResetPulseFails) {
  const bfp::Config cfg = bfp::test::load(kSmall);
  auto model = bfp::test::model_for(cfg);
  for (const int low : {2, 1}) {
    SCOPED_TRACE(low);
    model->reset();
    bfp_model_inputs in{};
    in.rst_n = 1;
    for (int t = 0; t < 4; ++t) model->cycle(in);
    model->reset(low);
    std::string what;
    try {
      for (int t = 0; t < 4; ++t) model->cycle(in);
    } catch (const bfp::sim::AssertionFailure& e) {
      what = e.what();
    }
    if (low >= 2) {
      EXPECT_TRUE(what.empty()) << what;
    } else {
      EXPECT_NE(what.find("u_core: RST_PULSE: rst_ni was low for one cycle only"), std::string::npos) << what;
    }
  }
}

// In the design: the operand side (bfp_operands_sparse: each row's walkers, read holds and dense write stage) takes
// a registered copy of rst_ni per row too (docs/architecture.md, the port table). A reset of two cycles (the
// minimum, RST_PULSE) while a COMPUTE issues, then a COMPUTE(CLEAR) in the very first cycle out of reset: the walkers must be out of reset when
// it dispatches (it then issues all its elements: the compute engine is busy as long as for the same COMPUTE after
// an ordinary reset), and the walkers still running in the cycle the reset begins must not show as issuing (the
// core's check that a CLEAR does not start right after an issued element would fire). Shown to fail both ways:
// the copy two flip-flops late (busy 1 cycle instead of 2B + 1), busy_o not masked by the copy (the CLEAR check).
TEST(AssertRtl, TwoCycleResetInAComputeThenAComputeAtOnceIssuesInFull) {
  const bfp::Config cfg = bfp::test::load("configs/test/r4c8b16.yaml");  // sparsity: both (weight masks)
  ASSERT_TRUE(cfg.sparse());
  auto model = bfp::test::model_for(cfg);
  const int blocks = 2;
  bfp::sim::MemConfig mc;
  mc.beat_bytes = cfg.beat_bytes();
  mc.size_bytes = 1u << 16;
  bfp::sim::Driver drv(model, mc);  // resets the model
  drv.mem().fill(0x11);             // every code non-zero: every element of the loaded blocks issues
  auto load = [&](Opcode op, int rows) {
    Command c;
    c.op = op;
    c.rows = uint16_t(rows);
    c.count = uint16_t(blocks);
    c.exp_addr = 0x8000;
    c.code_stride = 0x400;
    c.exp_stride = 0x400;
    return c;
  };
  drv.issue(load(Opcode::LoadWgt, cfg.cols));
  drv.issue(load(Opcode::LoadAct, cfg.rows));  // dense: the metadata say every element is there
  drv.run();
  Command comp;
  comp.op = Opcode::Compute;
  comp.flags = bfp::host::kFlagClear;
  comp.count = uint16_t(blocks);
  // cycles the compute engine is busy for COMP presented from the current cycle on (the operands and metadata
  // survive a reset: they have none)
  auto comp_busy = [&]() {
    bfp_model_inputs in = legal_command_inputs(comp, cfg);
    in.cmd_tvalid = 1;
    int busy = 0;
    for (int t = 0; t < 80; ++t) {
      const bfp_model_outputs& o = model->cycle(in);
      if (o.cmd_tready) in.cmd_tvalid = 0;
      busy += (o.engines_busy >> 1) & 1u;
    }
    return busy;
  };
  model->reset();
  int ref = 0;
  EXPECT_NO_THROW(ref = comp_busy());
  EXPECT_EQ(ref, blocks * cfg.block + 1) << "every element issues, one per cycle, then the cycle without one";
  // the same COMPUTE in flight, then one cycle of reset in the middle of its issue and the COMPUTE at once
  bfp_model_inputs in = legal_command_inputs(comp, cfg);
  in.cmd_tvalid = 1;
  int issued = 0;
  for (int t = 0; t < 8; ++t) {
    const bfp_model_outputs& o = model->cycle(in);
    if (o.cmd_tready) in.cmd_tvalid = 0;
    issued += (o.engines_busy >> 1) & 1u;
  }
  ASSERT_GT(issued, 2) << "the first COMPUTE was not issuing when the reset came: the case tests nothing";
  model->reset(2);
  int after = 0;
  EXPECT_NO_THROW(after = comp_busy()) << "an assertion fired (the walkers seen issuing in the reset's cycle?)";
  EXPECT_EQ(after, ref) << "the COMPUTE right after a two-cycle reset did not issue in full (walkers in reset?)";
  // and the instance still runs a GEMM bit-exact (run_gemm resets it as usual)
  bfp::verify::GemmSpec s = small_gemm(cfg);
  bfp::verify::GemmResult r;
  EXPECT_NO_THROW(r = bfp::verify::run_gemm(model, s));
  EXPECT_TRUE(r.bit_exact) << r.first_mismatch;
}

// In the design: a broken engine (bfp_dma_rd drops its read request before ready) fails the GEMM.
TEST(AssertRtl, BrokenEngineHandshakeFailsTheGemm) {
  const std::string gemm = "'" + (kBinary / "bfpgen").string() + "' gemm --config '" + (kSource / kSmall).string() +
                           "' --m 2 --n 2 --k 16 --seed 15 --stall 0.5";
  // control: the ordinary model passes
  const auto good = bfp::test::run_cmd(gemm);
  ASSERT_EQ(good.status, 0) << good.output;
  ASSERT_NE(good.output.find("BIT-EXACT"), std::string::npos) << good.output;
  // the bite variant, in a model cache of its own (the cache does not key the defines apart)
  const fs::path cache = kBinary / "model-cache-bite";
  fs::create_directories(cache);
  const fs::path wrapper = cache / "cmake-bite.sh";
  std::ofstream(wrapper) << "#!/bin/sh\n# configure calls get the bite define (tests/assert_rtl_test.cpp)\n"
                            "case \"$1\" in --build|--install|-E|-P) exec cmake \"$@\" ;; esac\n"
                            "exec cmake \"$@\" -DBFP_MODEL_DEFINES=BFP_ASSERT_BITE_DMA_RD_HOLD\n";
  fs::permissions(wrapper, fs::perms::owner_all, fs::perm_options::add);
  const auto bad = bfp::test::run_cmd("BFP_MODEL_CACHE='" + cache.string() + "' BFP_CMAKE='" + wrapper.string() + "' " +
                                      gemm);
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_NE(bad.output.find("bfpgen gemm: error: RTL assertion failed in cycle"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("u_core.u_dma.u_chk_req: HS_HOLD: valid dropped before ready"), std::string::npos)
      << bad.output;
}
