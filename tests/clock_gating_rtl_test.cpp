// SPDX-License-Identifier: Apache-2.0
// power.clock_gating (docs/architecture.md "Clock gating"): the config key, the clock gate rtl/bfp_icg.sv and the
// gated memories.
//  - The key: optional, none by default (configs without it keep their hash), a bad value names the key, and
//    the value reaches bfp_core's parameter and bfp_config.h.
//  - No race on the derived clock: a small bench (written here, verilated with -Wall) clocks flip-flops through
//    bfp_icg and, next to them, the same flip-flops on clk_i with `if (en)`; their values must be equal after
//    every edge, with data and enables that change at every edge, an enable from a flip-flop and one from a
//    top-level input, and chains gated -> ungated -> gated. Two bfp_sram with ClockGating 0 and 1 run the same
//    random accesses and must read the same words.
//  - Lock-step benches (three copies with none, gate and enable, every output compared in every cycle): the PE
//    array and the accumulator buffer; the sparse operand side (row sequencers, weight masks) and the load engines.
//  - The accelerator with gate and enable runs GEMMs bit for bit against the golden model in the same cycles as
//    without gating (default config, configs/test/r2c2b8.yaml, configs/test/r4c8b16.yaml).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "gen/emit.h"
#include "support/bit_exact_run.h"
#include "support/read_file.h"
#include "support/rtl_configs.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"
#include "verify/random_gemm.h"

namespace fs = std::filesystem;
using bfp::ClockGating;
using bfp::Config;
using bfp::test::load;

TEST(ClockGatingConfig, OptionalNoneByDefaultAndHashKept) {
  const Config c = load("configs/test/r2c2b8.yaml");
  EXPECT_EQ(c.clock_gating, ClockGating::None);
  // written out as none, the config is the same config (same hash); gate and enable are other configs
  const Config none = c.with("power.clock_gating", "none");
  EXPECT_EQ(none.hash(), c.hash());
  EXPECT_EQ(c.canonical().find("power.clock_gating"), std::string::npos);
  const Config gate = c.with("power.clock_gating", "gate");
  const Config enable = c.with("power.clock_gating", "enable");
  EXPECT_EQ(gate.clock_gating, ClockGating::Gate);
  EXPECT_EQ(enable.clock_gating, ClockGating::Enable);
  EXPECT_NE(gate.hash(), c.hash());
  EXPECT_NE(enable.hash(), gate.hash());
  EXPECT_NE(gate.canonical().find("power.clock_gating=gate\n"), std::string::npos) << gate.canonical();
  // the YAML writer round-trips it
  EXPECT_EQ(bfp::parse_config(bfp::to_yaml(gate), "gate.yaml").hash(), gate.hash());
  EXPECT_EQ(bfp::to_yaml(c).find("power"), std::string::npos);
}

TEST(ClockGatingConfig, BadValuesNameTheKey) {
  const std::string base = "name: t\narray: {rows: 2, cols: 2}\nblock_size: 8\n"
                           "accumulator: {width: 24, guard_bits: 2}\npipeline: {operand_regs: 1}\n"
                           "buffers: {act_depth: 64, wgt_depth: 64, acc_cols: 16}\n"
                           "memory: {data_width: 64, addr_width: 20}\n";
  EXPECT_NO_THROW(bfp::parse_config(base, "ok.yaml"));
  for (const std::string bad : {"power: {clock_gating: gated}", "power: {clock_gating: Gate}",
                                 "power: {clock_gating: 1}", "power: {clock_gating: [gate]}",
                                 "power: {gating: gate}"}) {
    SCOPED_TRACE(bad);
    try {
      bfp::parse_config(base + bad + "\n", "bad.yaml");
      ADD_FAILURE() << "accepted";
    } catch (const bfp::ConfigError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("bad.yaml:8:"), std::string::npos) << m;
      if (bad.find("gating:") != std::string::npos && bad.find("clock_gating") == std::string::npos) {
        EXPECT_NE(m.find("key 'power.gating': unknown key"), std::string::npos) << m;
      } else {
        EXPECT_NE(m.find("key 'power.clock_gating'"), std::string::npos) << m;
        EXPECT_NE(m.find("none, gate, enable"), std::string::npos) << m;
      }
    }
  }
}

TEST(ClockGatingConfig, ReachesTheRtlParameterAndTheHeader) {
  bfp::test::TempDir tmp("bfp_gating_gen");
  const Config c = load("configs/test/r2c2b8.yaml").with("power.clock_gating", "gate");
  bfp::generate(c, (tmp / "rtl").string());
  const std::string top = bfp::test::read_file(tmp / "rtl" / "bfp_top.sv");
  EXPECT_NE(top.find(".ClockGating"), std::string::npos) << top;
  EXPECT_NE(top.find("power.clock_gating: gate"), std::string::npos) << top;
  const std::string hdr = bfp::test::read_file(tmp / "rtl" / "bfp_config.h");
  EXPECT_NE(hdr.find("kClockGating = 1"), std::string::npos) << hdr;
  EXPECT_TRUE(fs::exists(tmp / "rtl" / "bfp_icg.sv"));
}

// The bench: every output pair (gated, enable) must agree after every edge.
constexpr const char* kBench = R"(
module gate_bench (
  input  logic        clk_i,
  input  logic        en_in_i,    // enable straight from a top-level input, set while clk_i is low
  input  logic [7:0]  d_in_i,
  input  logic        we_i,
  input  logic        re_i,
  input  logic [1:0]  waddr_i,
  input  logic [1:0]  raddr_i,
  input  logic [15:0] wdata_i,
  output logic [5:0]  mismatch_o,
  output logic [1:0]  gclk_o
);
  // data and an enable that change at every rising edge: a flip-flop on a gated clock that sampled after the
  // flip-flops on clk_i had updated (a race) would take the new value
  logic [7:0] d_q = 8'd1;
  logic       en_q = 1'b0;
  always_ff @(posedge clk_i) begin
    d_q  <= d_q * 8'd5 + d_in_i;
    en_q <= d_in_i[0] ^ d_q[3];
  end
  logic g1, g2;
  bfp_icg u_g1 (.clk_i(clk_i), .en_i(en_q), .gclk_o(g1));
  bfp_icg u_g2 (.clk_i(clk_i), .en_i(en_in_i), .gclk_o(g2));
  assign gclk_o = {g2, g1};
  logic [7:0] a1 = '0, b1 = '0, a2 = '0, b2 = '0, c1 = '0, c2 = '0, e1 = '0, e2 = '0;
  always_ff @(posedge g1) a1 <= d_q;
  always_ff @(posedge clk_i) if (en_q) b1 <= d_q;
  always_ff @(posedge g2) a2 <= d_q ^ d_in_i;
  always_ff @(posedge clk_i) if (en_in_i) b2 <= d_q ^ d_in_i;
  // gated -> ungated, and gated -> gated through the other gate
  always_ff @(posedge clk_i) begin
    c1 <= a1 + a2;
    c2 <= b1 + b2;
  end
  always_ff @(posedge g2) e1 <= a1 ^ c1;
  always_ff @(posedge clk_i) if (en_in_i) e2 <= b1 ^ c2;
  // a 3-word memory with and without clock gates, same accesses
  logic [15:0] r0, r1;
  bfp_sram #(.Width(16), .Depth(3), .ClockGating(0)) u_s0 (
    .clk_i(clk_i), .we_i(we_i), .waddr_i(waddr_i), .wdata_i(wdata_i), .re_i(re_i), .raddr_i(raddr_i), .rdata_o(r0));
  bfp_sram #(.Width(16), .Depth(3), .ClockGating(1)) u_s1 (
    .clk_i(clk_i), .we_i(we_i), .waddr_i(waddr_i), .wdata_i(wdata_i), .re_i(re_i), .raddr_i(raddr_i), .rdata_o(r1));
  assign mismatch_o = {r0 != r1, e1 != e2, c1 != c2, a2 != b2, a1 != b1, 1'b0};
endmodule
)";

// Drives the bench like the model shim (sim/model/model_shim.cpp): inputs while clk_i is low, eval, rising
// edge, eval. Exits with the number of mismatching cycles (capped); prints the enabled-cycle counts.
constexpr const char* kBenchMain = R"(
#include <cstdio>
#include <random>
#include "Vgate_bench.h"
#include "verilated.h"
int main() {
  VerilatedContext ctx;
  Vgate_bench t(&ctx);
  std::mt19937 rng(7);
  int bad = 0, en1 = 0, en2 = 0, writes = 0;
  for (int cyc = 0; cyc < 20000; ++cyc) {
    t.clk_i = 0;
    t.en_in_i = rng() & 1;
    t.d_in_i = rng() & 0xff;
    t.we_i = (rng() % 4) == 0;
    t.re_i = rng() & 1;
    t.waddr_i = rng() % 3;
    t.raddr_i = rng() % 3;
    t.wdata_i = rng() & 0xffff;
    t.eval();
    if (t.mismatch_o) ++bad;
    writes += t.we_i;
    t.clk_i = 1;
    t.eval();
    en1 += t.gclk_o & 1;
    en2 += (t.gclk_o >> 1) & 1;
    if (t.mismatch_o) {
      if (bad < 5) std::printf("cycle %d: mismatch bits 0x%x\n", cyc, t.mismatch_o);
      ++bad;
    }
  }
  std::printf("enabled cycles: gate 1 %d, gate 2 %d, memory writes %d; mismatching evaluations %d\n", en1, en2,
              writes, bad);
  return bad > 100 ? 100 : bad;
}
)";

// Builds the Verilator bench `top` from `sources` (the generated leaves under rtl/, written by the caller, and the
// bench files in tmp), lint-clean under -Wall, and runs it with `args`. Returns its output; a build or run failure
// adds a failure and returns "".
std::string build_and_run_bench(const bfp::test::TempDir& tmp, const std::string& top, const std::string& sources,
                                const std::string& args) {
  // -Wno-UNUSEDPARAM: the package's constants that a few modules do not use
  const auto b = bfp::test::run_cmd("cd '" + tmp.path().string() +
                                    "' && verilator -Wall -Wno-UNUSEDPARAM --cc --exe --build -j 2 --top-module " +
                                    top + " " + sources + " main.cpp -o vbench 2>&1");
  if (b.status != 0) {
    ADD_FAILURE() << b.output;
    return "";
  }
  EXPECT_EQ(b.output.find("%Warning"), std::string::npos) << b.output;
  const auto r = bfp::test::run_cmd("'" + (tmp / "obj_dir" / "vbench").string() + "' " + args + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.output;
  return r.output;
}

TEST(ClockGatingRtl, GatedFlipFlopsSampleLikeClockEnables) {
  bfp::test::TempDir tmp("bfp_gating_bench");
  // the emitted bfp_icg.sv and bfp_sram.sv, exactly as a generated design has them
  bfp::generate(load("configs/test/r2c2b8.yaml").with("power.clock_gating", "gate"), (tmp / "rtl").string());
  tmp.write("gate_bench.sv", kBench);
  tmp.write("main.cpp", kBenchMain);
  const std::string out = build_and_run_bench(tmp, "gate_bench", "gate_bench.sv rtl/bfp_icg.sv rtl/bfp_sram.sv", "");
  ASSERT_FALSE(out.empty());
  // both gates were open in some cycles and closed in others (about half: random enables)
  int en1 = 0, en2 = 0, writes = 0, bad = -1;
  ASSERT_EQ(std::sscanf(out.substr(out.find("enabled cycles")).c_str(),
                        "enabled cycles: gate 1 %d, gate 2 %d, memory writes %d; mismatching evaluations %d", &en1,
                        &en2, &writes, &bad),
            4)
      << out;
  EXPECT_GT(en1, 5000);
  EXPECT_LT(en1, 15000);
  EXPECT_GT(en2, 5000);
  EXPECT_LT(en2, 15000);
  EXPECT_GT(writes, 2000);
  EXPECT_EQ(bad, 0);
}

// ---- the PE array and the accumulator buffer with each knob value, cycle by cycle ---------------------------

// Three copies of bfp_pe_array (per-row schedules, two column groups, two operand stages) and of bfp_acc_buf,
// with ClockGating 0 (none), 1 (gate: operand-pipe, PE-stage and accumulator-buffer slot gates) and 2 (enable),
// driven by the same random inputs: valid and last per unit, clears, flushes and resets at any time (also while a
// unit is idle), operands that change in cycles without valid, DRAINs into random slots. Every PE accumulator and every
// read of the buffer must be equal in every cycle: a gate opened a cycle late, or a register that needs a clock
// while its gate is closed, shows as a mismatch. acc_buf takes the none copy's PE outputs, so its check is of
// the buffer alone.
constexpr const char* kArrayBench = R"(
module array_bench #(
  parameter int Rows = 2, Cols = 4, B = 8, W = 24, Units = 4, Slots = 4
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   clear_i,
  input  logic                   flush_i,
  input  logic [Units-1:0]       valid_i,
  input  logic [Units-1:0]       last_i,
  input  logic [Units*8-1:0]     act_i,
  input  logic [Units*8-1:0]     act_e_i,
  input  logic [Rows*Cols*8-1:0] wgt_i,
  input  logic [Rows*Cols*8-1:0] wgt_e_i,
  input  logic [Rows-1:0]        wgt_row0_i,
  input  logic [Rows-1:0]        act_grp0_i,
  input  logic                   drain_i,
  input  logic [1:0]             drain_slot_i,
  input  logic                   rd_row_i,
  input  logic                   rd_block_i,
  output logic [3:0]             mismatch_o,
  output logic [31:0]            acc_sum_o
);
  logic [Rows*Cols*W-1:0] m0, m1, m2;
  logic [Rows*Cols*bfp_pkg::EXP_W-1:0] e0, e1, e2;
  logic [B*W-1:0] bm0, bm1, bm2;
  logic [B*bfp_pkg::EXP_W-1:0] be0, be1, be2;
  bfp_pe_array #(.Rows(Rows), .Cols(Cols), .BlockSize(B), .AccWidth(W), .GuardBits(2), .OperandRegs(2),
                 .PerRow(1), .Groups(2), .ClockGating(0)) u_a0 (
    .clk_i, .rst_ni, .clear_i, .flush_i, .valid_i, .last_i, .act_i, .act_e_i, .wgt_i, .wgt_e_i, .wgt_row0_i,
    .act_grp0_i,
    .acc_m_o(m0),
    .acc_e_o(e0));
  bfp_pe_array #(.Rows(Rows), .Cols(Cols), .BlockSize(B), .AccWidth(W), .GuardBits(2), .OperandRegs(2),
                 .PerRow(1), .Groups(2), .ClockGating(1)) u_a1 (
    .clk_i, .rst_ni, .clear_i, .flush_i, .valid_i, .last_i, .act_i, .act_e_i, .wgt_i, .wgt_e_i, .wgt_row0_i,
    .act_grp0_i,
    .acc_m_o(m1),
    .acc_e_o(e1));
  bfp_pe_array #(.Rows(Rows), .Cols(Cols), .BlockSize(B), .AccWidth(W), .GuardBits(2), .OperandRegs(2),
                 .PerRow(1), .Groups(2), .ClockGating(2)) u_a2 (
    .clk_i, .rst_ni, .clear_i, .flush_i, .valid_i, .last_i, .act_i, .act_e_i, .wgt_i, .wgt_e_i, .wgt_row0_i,
    .act_grp0_i,
    .acc_m_o(m2),
    .acc_e_o(e2));
  bfp_acc_buf #(.Rows(Rows), .Cols(Cols), .BlockSize(B), .AccWidth(W), .AccCols(Slots * Cols), .ClockGating(0)) u_b0 (
    .clk_i, .drain_i, .drain_slot_i, .pe_m_i(m0), .pe_e_i(e0), .rd_row_i, .rd_block_i, .rd_m_o(bm0), .rd_e_o(be0));
  bfp_acc_buf #(.Rows(Rows), .Cols(Cols), .BlockSize(B), .AccWidth(W), .AccCols(Slots * Cols), .ClockGating(1)) u_b1 (
    .clk_i, .drain_i, .drain_slot_i, .pe_m_i(m0), .pe_e_i(e0), .rd_row_i, .rd_block_i, .rd_m_o(bm1), .rd_e_o(be1));
  bfp_acc_buf #(.Rows(Rows), .Cols(Cols), .BlockSize(B), .AccWidth(W), .AccCols(Slots * Cols), .ClockGating(2)) u_b2 (
    .clk_i, .drain_i, .drain_slot_i, .pe_m_i(m0), .pe_e_i(e0), .rd_row_i, .rd_block_i, .rd_m_o(bm2), .rd_e_o(be2));
  assign mismatch_o = {{bm0, be0} != {bm2, be2}, {bm0, be0} != {bm1, be1}, {m0, e0} != {m2, e2}, {m0, e0} != {m1, e1}};
  // a checksum of the accumulators, so the harness can tell that they moved
  always_comb begin
    acc_sum_o = '0;
    for (int p = 0; p < Rows * Cols; p++) acc_sum_o = acc_sum_o ^ 32'(m0[p*W +: W]);
  end
endmodule
)";

// Drives the bench like the model shim: inputs while clk_i is low, eval, rising edge, eval. Exits with the
// number of mismatching evaluations (capped); prints how often the accumulators changed.
constexpr const char* kArrayMain = R"(
#include <cstdio>
#include <cstdlib>
#include <random>
#include "Varray_bench.h"
#include "verilated.h"
int main(int argc, char** argv) {
  const unsigned seed = argc > 1 ? std::strtoul(argv[1], nullptr, 0) : 1;
  VerilatedContext ctx;
  Varray_bench t(&ctx);
  std::mt19937 rng(seed);
  int bad = 0, changes = 0, drains = 0;
  unsigned last_sum = 0;
  for (int cyc = 0; cyc < 40000; ++cyc) {
    t.clk_i = 0;
    t.rst_ni = cyc >= 3 && rng() % 5000 != 0;
    t.clear_i = rng() % 97 == 0;
    t.flush_i = rng() % 11 == 0;
    const int busy = (cyc / 500) % 3;  // phases: mostly idle, half, mostly valid
    t.valid_i = 0;
    for (int u = 0; u < 4; ++u)
      if (rng() % 10 < (busy == 0 ? 1 : busy == 1 ? 5 : 9)) t.valid_i |= 1u << u;
    t.last_i = 0;
    for (int u = 0; u < 4; ++u)
      if (rng() % 4 == 0) t.last_i |= 1u << u;
    t.act_i = rng();
    t.act_e_i = rng();
    t.wgt_i = (static_cast<uint64_t>(rng()) << 32) | rng();
    t.wgt_e_i = (static_cast<uint64_t>(rng()) << 32) | rng();
    if (rng() % 200 == 0) t.wgt_row0_i = static_cast<uint8_t>(rng() & 2);  // row 1 reads row 0's weights (row lock-step) now and then
    // the groups of a row read group 0's activations (column-group lock-step) now and then
    if (rng() % 200 == 0) t.act_grp0_i = static_cast<uint8_t>(rng() & 3);
    t.drain_i = rng() % 13 == 0;
    drains += t.drain_i;
    t.drain_slot_i = rng() % 4;
    t.rd_row_i = rng() & 1;
    t.rd_block_i = rng() & 1;
    t.eval();
    if (t.mismatch_o) ++bad;
    t.clk_i = 1;
    t.eval();
    if (t.mismatch_o) {
      if (bad < 5) std::printf("seed %u cycle %d: mismatch bits 0x%x\n", seed, cyc, t.mismatch_o);
      ++bad;
    }
    if (t.acc_sum_o != last_sum) ++changes;
    last_sum = t.acc_sum_o;
  }
  std::printf("seed %u: accumulator changes %d, drains %d; mismatching evaluations %d\n", seed, changes, drains, bad);
  return bad > 100 ? 100 : bad;
}
)";

TEST(ClockGatingRtl, PeArrayAndAccBufGatedLikeNone) {
  const unsigned seed = 20261203;
  SCOPED_TRACE("seed=" + std::to_string(seed) +
               " (rerun: ctest -R PeArrayAndAccBufGatedLikeNone; the bench binary takes the seed as argument)");
  bfp::test::TempDir tmp("bfp_gating_array");
  // the emitted leaves, exactly as a generated design has them
  bfp::generate(load("configs/test/r2c2b8.yaml").with("power.clock_gating", "gate"), (tmp / "rtl").string());
  tmp.write("array_bench.sv", kArrayBench);
  tmp.write("main.cpp", kArrayMain);
  const std::string out = build_and_run_bench(tmp, "array_bench",
                                              "rtl/bfp_pkg.sv array_bench.sv rtl/bfp_icg.sv rtl/bfp_add.sv rtl/bfp_acc_align.sv "
                                              "rtl/bfp_mul.sv rtl/bfp_pe.sv rtl/bfp_pe_array.sv rtl/bfp_acc_buf.sv",
                                              std::to_string(seed));
  ASSERT_FALSE(out.empty());
  int changes = 0, drains = 0, bad = -1;
  unsigned s = 0;
  ASSERT_EQ(std::sscanf(out.substr(out.rfind("seed")).c_str(),
                        "seed %u: accumulator changes %d, drains %d; mismatching evaluations %d", &s, &changes,
                        &drains, &bad),
            4)
      << out;
  EXPECT_GT(changes, 5000) << out;  // the accumulators did work
  EXPECT_GT(drains, 2000) << out;
  EXPECT_EQ(bad, 0) << out;
}

// ---- the sequencers, the operand masks and the load engines with each knob value, cycle by cycle -------------

// Three copies each of bfp_operands_sparse (its bfp_row_seq sequencers: level-1/level-2/base-table/exponent
// metadata per half and the walkers; the per-group weight non-zero masks), bfp_dma_sparse (command fields, row
// headers, the previous beat) and bfp_dma_rd (the whole engine), with ClockGating 0 (none), 1 (gate) and 2
// (enable), driven by the same random inputs: metadata, code and weight writes, LOAD_ACT/LOAD_WGT starts,
// COMPUTE starts on random halves, resets at any time, and for the engines random commands with a memory that
// answers with random delays. Every output of every copy must equal the none copy's in every cycle: a gate that
// opens a cycle late (or not at all) loses the write it should have clocked, and shows as a mismatch. And operand
// isolation (docs/architecture.md "Operand buffer energy"), on copy 0: after an edge that did not set a unit's
// valid, its activation code and last flag are those of before the edge, and its activation exponent too unless
// valid and last are both set (not checked in the two cycles after a reset or a COMPUTE start, which may switch
// the half an activation code is read from).
constexpr const char* kSeqBench = R"(
module seq_bench #(
  parameter int Rows = 2, Cols = 4, B = 8, Depth = 128, MW = 64, Groups = 2
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  // bfp_operands_sparse
  input  logic          bank_we_i, bank_wgt_i, bank_half_i, bank_exp_i,
  input  logic [1:0]    bank_sel_i,
  input  logic [4:0]    bank_addr_i,
  input  logic [MW-1:0] bank_wdata_i,
  input  logic [1:0]    wgt_load_halves_i,
  input  logic          act_load_start_i, act_load_sparse_i, wgt_load_start_i,
  input  logic [15:0]   act_load_rows_i, act_load_count_i,
  input  logic          sp_we_i, sp_meta_we_i, sp_row_i,
  input  logic [1:0]    sp_seg_i, sp_meta_seg_i,
  input  logic [15:0]   sp_word_i, sp_meta_word_i,
  input  logic [MW-1:0] sp_wdata_i, sp_meta_wdata_i,
  input  logic          start_i, half_i,
  input  logic [1:0]    wgt_halves_i,
  // the load engines: a command and the memory port
  input  logic          sdma_start_i, rd_start_i, skew_i,
  input  logic [15:0]   rows_i, count_i,
  input  logic [31:0]   addr_i, stride_i, exp_addr_i, exp_stride_i,
  input  logic          req_ready_i, rsp_valid_i,
  input  logic [MW-1:0] rsp_data_i,
  output logic [5:0]    mismatch_o,
  output logic          valid_o,     // copy 0: some walker issues
  output logic          busy_o,      // copy 0: bfp_operands_sparse busy
  output logic          sdma_busy_o, rd_busy_o,
  output logic          iso_bad_o,   // copy 0 broke operand isolation at this edge
  output logic [7:0]    iso_chk_o,   // copy 0's units without valid at this edge (the case checked)
  output logic          ld_bad_o,    // copy 0's loaders passed the bus on while not taking it (at this edge)
  output logic [2:0]    ld_chk_o     // copy 0's loader checks at this edge
);
  localparam int OW = 1 + 2 * Rows * Groups + 16 * Rows * Groups + 16 * Rows * Cols + 2 * Rows;
  logic [OW-1:0] ops [0:2];
  for (genvar i = 0; i < 3; i++) begin : gen_ops
    logic                   busy;
    logic [Rows*Groups-1:0] valid, last;
    logic [Rows*Groups*8-1:0] act, act_e;
    logic [Rows*Cols*8-1:0] wgt, wgt_e;
    logic [Rows-1:0]        wrow0, agrp0;
    bfp_operands_sparse #(.Rows(Rows), .Cols(Cols), .BlockSize(B), .ActDepth(Depth), .WgtDepth(Depth),
                          .MemWidth(MW), .BankBits(2), .WordBits(5), .UseWgtMask(1), .Groups(Groups),
                          .WgtSplit(1), .ClockGating(i)) u_ops (
      .clk_i, .rst_ni, .bank_we_i, .bank_wgt_i, .bank_half_i, .bank_sel_i, .bank_exp_i, .bank_addr_i,
      .bank_wdata_i, .wgt_load_halves_i, .act_load_start_i, .act_load_sparse_i, .act_load_rows_i,
      .act_load_count_i, .wgt_load_start_i, .sp_we_i, .sp_row_i, .sp_seg_i, .sp_word_i, .sp_wdata_i, .sp_meta_we_i,
      .sp_meta_row_i(sp_row_i), .sp_meta_seg_i, .sp_meta_word_i, .sp_meta_wdata_i, .start_i, .half_i, .wgt_halves_i, .busy_o(busy),
      .valid_o(valid), .last_o(last), .act_o(act), .act_e_o(act_e), .wgt_o(wgt), .wgt_e_o(wgt_e), .wgt_row0_o(wrow0),
      .act_grp0_o(agrp0),
      .wbus_halves_i(wgt_load_halves_i), .wbus_we_i('0), .wbus_sel_i('0), .wbus_exp_i('0), .wbus_addr_i('0), .wbus_wdata_i('0));
    assign ops[i] = {busy, valid, last, act, act_e, wgt, wgt_e, wrow0, agrp0};
  end
  localparam int SW = 1 + 1 + 32 + 1 + 1 + 1 + 2 + 16 + MW + 1 + 1 + 2 + 16 + MW + 32 + 1 + 1;
  logic [SW-1:0] sdma [0:2];
  for (genvar i = 0; i < 3; i++) begin : gen_sdma
    logic busy, req_valid, rsp_ready, we, row, meta_we, meta_row, req_done, pf_any;
    logic [31:0] req_addr, pf_lim;
    logic [1:0] seg, meta_seg;
    logic [15:0] word, meta_word;
    logic [MW-1:0] wdata, meta_wdata;
    bfp_dma_sparse #(.MemWidth(MW), .AddrWidth(32), .BlockSize(B), .Rows(Rows), .ClockGating(i)) u_sdma (
      .clk_i, .rst_ni, .start_i(sdma_start_i), .packed_i(1'b0), .rows_i, .count_i, .addr_i, .stride_i, .pre_i(4'd0),
      .row_ok_i('1), .pf_lim_o(pf_lim), .pf_any_o(pf_any), .req_done_o(req_done), .busy_o(busy),
      .rd_req_tvalid_o(req_valid), .rd_req_tready_i(req_ready_i), .rd_req_addr_o(req_addr),
      .rd_rsp_tvalid_i(rsp_valid_i), .rd_rsp_tready_o(rsp_ready), .rd_rsp_tdata_i(rsp_data_i), .we_o(we),
      .row_o(row), .seg_o(seg), .word_o(word), .wdata_o(wdata), .meta_we_o(meta_we), .meta_row_o(meta_row), .meta_seg_o(meta_seg),
      .meta_word_o(meta_word), .meta_wdata_o(meta_wdata));
    assign sdma[i] = {busy, req_valid, req_addr, rsp_ready, we, row, seg, word, wdata, meta_we, meta_row, meta_seg, meta_word,
                      meta_wdata, pf_lim, req_done, pf_any};
  end
  localparam int RW = 1 + 1 + 32 + 1 + 1 + 2 + 1 + 5 + MW + 22 + 1 + 1;
  logic [RW-1:0] rd [0:2];
  for (genvar i = 0; i < 3; i++) begin : gen_rd
    logic busy, req_valid, rsp_ready, we, exp, req_done, pf_any;
    logic [31:0] req_addr;
    logic [21:0] pf_lim;
    logic [1:0] sel;
    logic [4:0] addr;
    logic [MW-1:0] wdata;
    bfp_dma_rd #(.MemWidth(MW), .AddrWidth(32), .BlockSize(B), .BankBits(2), .WordBits(5), .Skew(1),
                 .ClockGating(i)) u_rd (
      .clk_i, .rst_ni, .start_i(rd_start_i), .skew_i, .rows_i, .count_i, .code_addr_i(addr_i),
      .exp_addr_i, .code_stride_i(stride_i), .exp_stride_i, .pre_i(4'd0), .pf_lim_o(pf_lim), .pf_any_o(pf_any),
      .req_done_o(req_done),
      .busy_o(busy), .rd_req_tvalid_o(req_valid),
      .rd_req_tready_i(req_ready_i), .rd_req_addr_o(req_addr), .rd_rsp_tvalid_i(rsp_valid_i),
      .rd_rsp_tready_o(rsp_ready), .rd_rsp_tdata_i(rsp_data_i), .bank_we_o(we), .bank_sel_o(sel), .bank_exp_o(exp),
      .bank_addr_o(addr), .bank_wdata_o(wdata));
    assign rd[i] = {busy, req_valid, req_addr, rsp_ready, we, sel, exp, addr, wdata, pf_lim, req_done, pf_any};
  end
  assign mismatch_o = {rd[2] != rd[0], rd[1] != rd[0], sdma[2] != sdma[0], sdma[1] != sdma[0], ops[2] != ops[0],
                       ops[1] != ops[0]};
  localparam int U = Rows * Groups;
  logic [U*8-1:0] act_q, act_e_q;
  logic [U-1:0]   last_q;
  logic [2:0]     quiet_q;  // edges since a reset or a COMPUTE start, saturating
  always_ff @(posedge clk_i) begin
    act_q   <= gen_ops[0].act;
    act_e_q <= gen_ops[0].act_e;
    last_q  <= gen_ops[0].last;
    quiet_q <= (!rst_ni || start_i) ? 3'd0 : (quiet_q == 3'd7 ? quiet_q : quiet_q + 3'd1);
  end
  always_comb begin
    iso_bad_o = 1'b0;
    iso_chk_o = '0;
    if (quiet_q >= 3'd3) begin
      for (int u = 0; u < U; u++) begin
        if (!gen_ops[0].valid[u]) begin
          iso_chk_o = iso_chk_o + 8'd1;
          if (gen_ops[0].act[8*u +: 8] != act_q[8*u +: 8] || gen_ops[0].last[u] != last_q[u]) iso_bad_o = 1'b1;
        end
        if (!(gen_ops[0].valid[u] && gen_ops[0].last[u]) && gen_ops[0].act_e[8*u +: 8] != act_e_q[8*u +: 8])
          iso_bad_o = 1'b1;
      end
    end
  end
  // The loaders' operand isolation (copy 0; docs/ppa.md "The row sequencers' load-side registers and the
  // loaders' operand isolation"): the bus changes in every cycle, yet the sparse write stage's word (row, segment,
  // index, data) and its metadata word change only at an edge that loads one (we / meta_we after it), the dense
  // loader's write data only while it loads, and the packed-tile engine's view of the bus (its header bits and
  // funnels) never (packed_i is 0 here, so that engine is always idle). Checked from the second edge after a
  // reset on, with the inputs of the next cycle applied (kSeqMain).
  localparam int WW = $clog2(Rows) + 2 + 16 + MW;  // a written word with its row, segment and index
  logic [WW-1:0]    sw_q, smw_q;
  logic [MW-1:0]    rw_q;
  localparam int PW = 6 * MW + 16 + 16 * Rows;  // the three funnels and the header bits (bfp_dma_packed HdrBits)
  logic [PW-1:0]    pf_q, pf;
  logic             rd_busy_q;
  logic [1:0]       rst_ok_q;
  assign pf = {gen_sdma[0].u_sdma.u_packed.m_fun, gen_sdma[0].u_sdma.u_packed.x_fun,
               gen_sdma[0].u_sdma.u_packed.p_fun, gen_sdma[0].u_sdma.u_packed.hdr_bits};
  always_ff @(posedge clk_i) begin
    sw_q      <= {gen_sdma[0].row, gen_sdma[0].seg, gen_sdma[0].word, gen_sdma[0].wdata};
    smw_q     <= {gen_sdma[0].meta_row, gen_sdma[0].meta_seg, gen_sdma[0].meta_word, gen_sdma[0].meta_wdata};
    rw_q      <= gen_rd[0].wdata;
    pf_q      <= pf;
    rd_busy_q <= gen_rd[0].busy;
    rst_ok_q  <= {rst_ok_q[0], rst_ni};
  end
  always_comb begin
    ld_bad_o = 1'b0;
    ld_chk_o = '0;
    if (rst_ok_q == 2'b11) begin
      if (!gen_sdma[0].we) begin
        ld_chk_o = ld_chk_o + 3'd1;
        if ({gen_sdma[0].row, gen_sdma[0].seg, gen_sdma[0].word, gen_sdma[0].wdata} != sw_q) ld_bad_o = 1'b1;
      end
      if (!gen_sdma[0].meta_we) begin
        ld_chk_o = ld_chk_o + 3'd1;
        if ({gen_sdma[0].meta_row, gen_sdma[0].meta_seg, gen_sdma[0].meta_word, gen_sdma[0].meta_wdata} != smw_q)
          ld_bad_o = 1'b1;
      end
      if (!gen_rd[0].busy && !rd_busy_q) begin
        ld_chk_o = ld_chk_o + 3'd1;
        if (gen_rd[0].wdata != rw_q) ld_bad_o = 1'b1;
      end
      ld_chk_o = ld_chk_o + 3'd1;
      if (pf != pf_q) ld_bad_o = 1'b1;
    end
  end
  assign valid_o = |gen_ops[0].valid;
  assign busy_o = gen_ops[0].busy;
  assign sdma_busy_o = gen_sdma[0].busy;
  assign rd_busy_o = gen_rd[0].busy;
endmodule
)";

// Drives the bench like the model shim: inputs while clk_i is low, eval, rising edge, eval. Phases of 400 cycles:
// idle (no writes, no starts: every gate closed), loads (writes and load starts), computes (COMPUTE starts).
// Exits with the number of mismatching evaluations (capped); prints what the copies did.
constexpr const char* kSeqMain = R"(
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include "Vseq_bench.h"
#include "verilated.h"
int main(int argc, char** argv) {
  const unsigned seed = argc > 1 ? std::strtoul(argv[1], nullptr, 0) : 1;
  VerilatedContext ctx;
  Vseq_bench t(&ctx);
  std::mt19937 rng(seed);
  auto r64 = [&] { return (static_cast<uint64_t>(rng()) << 32) | rng(); };
  auto bytes = [&] {  // about a third of the bytes zero, so the masks have zeros and non-zeros
    uint64_t v = r64();
    for (int b = 0; b < 8; ++b)
      if (rng() % 3 == 0) v &= ~(0xffull << (8 * b));
    return v;
  };
  int bad = 0, valid = 0, busy = 0, sdma_busy = 0, rd_busy = 0, sdma_loads = 0, rd_loads = 0, iso_bad = 0;
  int ld_bad = 0;
  long iso_chk = 0, ld_chk = 0;
  unsigned cmd_count = 1;
  for (int cyc = 0; cyc < 60000; ++cyc) {
    const int phase = (cyc / 400) % 3;  // 0 idle, 1 loads, 2 computes
    t.clk_i = 0;
    t.rst_ni = cyc >= 3 && rng() % 8000 != 0;
    const bool ld = phase == 1;
    t.bank_we_i = ld && rng() % 4 == 0;
    t.bank_wgt_i = rng() & 1;
    t.bank_half_i = rng() & 1;
    t.bank_exp_i = rng() % 4 == 0;
    t.bank_sel_i = rng() % 4;
    t.bank_addr_i = rng() % 20;
    t.bank_wdata_i = bytes();
    t.wgt_load_halves_i = 1 + rng() % 3;
    t.act_load_start_i = ld && rng() % 60 == 0;
    t.act_load_sparse_i = rng() & 1;
    t.act_load_rows_i = rng() % 3;
    t.act_load_count_i = rng() % 17;
    t.wgt_load_start_i = ld && rng() % 60 == 0;
    t.sp_we_i = ld && rng() % 5 == 0;
    t.sp_meta_we_i = ld && rng() % 4 == 0;
    t.sp_row_i = rng() & 1;
    t.sp_seg_i = rng() % 4;
    t.sp_meta_seg_i = 1 + rng() % 2;  // SEG_L2 or SEG_EXP
    t.sp_word_i = rng() % 18;
    t.sp_meta_word_i = rng() % 3;
    t.sp_wdata_i = r64();
    t.sp_meta_wdata_i = bytes();
    t.start_i = phase == 2 && !t.busy_o && rng() % 3 == 0;
    t.half_i = rng() & 1;
    t.wgt_halves_i = 1 + rng() % 3;
    // the load engines: a command whenever the engine is idle (and not in the idle phase), random memory timing;
    // a row header (bytes 0..3 of a beat) that fits the command: nnzb <= count, nnz <= nnzb * B
    t.sdma_start_i = phase != 0 && !t.sdma_busy_o && rng() % 8 == 0;
    t.rd_start_i = phase != 0 && !t.rd_busy_o && rng() % 8 == 0;
    if (t.sdma_start_i || t.rd_start_i) cmd_count = 1 + rng() % 4;
    sdma_loads += t.sdma_start_i;
    rd_loads += t.rd_start_i;
    t.skew_i = rng() & 1;
    t.rows_i = rng() % 3;
    t.count_i = cmd_count;
    t.addr_i = rng() & ~7u;
    t.stride_i = 8 * (rng() % 64);
    t.exp_addr_i = rng();
    t.exp_stride_i = rng() % 256;
    t.req_ready_i = rng() % 3 != 0;
    t.rsp_valid_i = rng() % 3 != 0;
    const unsigned nnzb = rng() % (cmd_count + 1), nnz = nnzb ? rng() % (nnzb * 8 + 1) : 0;
    t.rsp_data_i = (r64() & ~0xffffffffull) | (static_cast<uint64_t>(nnz) << 16) | nnzb;
    t.eval();
    if (t.mismatch_o) ++bad;
    // the loader checks with this cycle's bus against the last cycle's (a combinational path from the bus shows
    // only here, before the edge: after it the inputs have not changed yet)
    if (t.ld_bad_o && ld_bad++ < 5) std::printf("seed %u cycle %d: loader isolation broken\n", seed, cyc);
    ld_chk += t.ld_chk_o;
    t.clk_i = 1;
    t.eval();
    if (t.mismatch_o) {
      if (bad < 5) std::printf("seed %u cycle %d: mismatch bits 0x%x\n", seed, cyc, t.mismatch_o);
      ++bad;
    }
    if (t.iso_bad_o && iso_bad++ < 5) std::printf("seed %u cycle %d: operand isolation broken\n", seed, cyc);
    iso_chk += t.iso_chk_o;
    valid += t.valid_o;
    busy += t.busy_o;
    sdma_busy += t.sdma_busy_o;
    rd_busy += t.rd_busy_o;
  }
  std::printf("isolation: %ld unit-cycles without valid checked, %d broken\n", iso_chk, iso_bad);
  std::printf("loader isolation: %ld checks, %d broken\n", ld_chk, ld_bad);
  std::printf("seed %u: issuing cycles %d, busy %d, sparse loads %d (busy %d), dense loads %d (busy %d); "
              "mismatching evaluations %d\n", seed, valid, busy, sdma_loads, sdma_busy, rd_loads, rd_busy, bad);
  return bad + iso_bad + ld_bad > 100 ? 100 : bad + iso_bad + ld_bad;
}
)";

TEST(ClockGatingRtl, SequencersAndLoadEnginesGatedLikeNone) {
  const unsigned seed = 20261204;
  SCOPED_TRACE("seed=" + std::to_string(seed) +
               " (rerun: ctest -R SequencersAndLoadEnginesGatedLikeNone; the bench binary takes the seed)");
  bfp::test::TempDir tmp("bfp_gating_seq");
  // the emitted leaves of a sparse config (bfp_operands_sparse, bfp_row_seq, bfp_dma_sparse are in its design)
  bfp::generate(load("configs/test/r4c8b16.yaml").with("power.clock_gating", "gate"), (tmp / "rtl").string());
  tmp.write("seq_bench.sv", kSeqBench);
  tmp.write("main.cpp", kSeqMain);
  const std::string out = build_and_run_bench(
      tmp, "seq_bench",
      "rtl/bfp_pkg.sv seq_bench.sv rtl/bfp_icg.sv rtl/bfp_sram.sv rtl/bfp_sram_hold.sv rtl/bfp_byte_sel.sv "
      "rtl/bfp_wgt_bank.sv "
      "rtl/bfp_popcount.sv rtl/bfp_prefix_sum.sv rtl/bfp_onehot_sel.sv rtl/bfp_l2_scatter.sv rtl/bfp_row_seq.sv rtl/bfp_operands_sparse.sv "
      "rtl/bfp_walk_step.sv rtl/bfp_dma_packed.sv rtl/bfp_dma_sparse.sv rtl/bfp_dma_rd.sv",
      std::to_string(seed));
  ASSERT_FALSE(out.empty());
  int valid = 0, busy = 0, sdma_loads = 0, sdma_busy = 0, rd_loads = 0, rd_busy = 0, bad = -1;
  unsigned s = 0;
  ASSERT_EQ(std::sscanf(out.substr(out.rfind("seed")).c_str(),
                        "seed %u: issuing cycles %d, busy %d, sparse loads %d (busy %d), dense loads %d (busy %d); "
                        "mismatching evaluations %d",
                        &s, &valid, &busy, &sdma_loads, &sdma_busy, &rd_loads, &rd_busy, &bad),
            8)
      << out;
  // the copies did work, and were idle in between (so the gates were closed in some cycles)
  EXPECT_GT(valid, 2000) << out;
  EXPECT_LT(busy, 50000) << out;
  EXPECT_GT(sdma_loads, 100) << out;
  EXPECT_GT(sdma_busy, 2000) << out;
  EXPECT_GT(rd_loads, 100) << out;
  EXPECT_GT(rd_busy, 2000) << out;
  EXPECT_EQ(bad, 0) << out;
  long iso_chk = -1;
  int iso_bad = -1;
  ASSERT_EQ(std::sscanf(out.substr(out.find("isolation:")).c_str(),
                        "isolation: %ld unit-cycles without valid checked, %d broken", &iso_chk, &iso_bad),
            2)
      << out;
  EXPECT_GT(iso_chk, 10000) << out;
  EXPECT_EQ(iso_bad, 0) << out;
  long ld_chk = -1;
  int ld_bad = -1;
  ASSERT_EQ(std::sscanf(out.substr(out.rfind("loader isolation:")).c_str(), "loader isolation: %ld checks, %d broken",
                        &ld_chk, &ld_bad),
            2)
      << out;
  EXPECT_GT(ld_chk, 150000) << out;  // about three checks in each of the 60,000 cycles
  EXPECT_EQ(ld_bad, 0) << out;
}

// ---- the accelerator with each knob value ----------------------------------------------------------------

namespace {

struct KnobCase {
  const char* config;
  const char* knob;
};

// for gtest's and ctest's test names (else the struct's pointer bytes, which change between builds)
void PrintTo(const KnobCase& kc, std::ostream* os) { *os << kc.config << " " << kc.knob; }

void run_knob(const KnobCase& kc, const bfp::verify::GemmSpec& s, const std::string& tag) {
  // the same GEMM without gating: the same cycles and the same output bits (gating must change nothing but
  // which flip-flops see a clock edge)
  bfp::test::expect_knob_changes_nothing(load(kc.config), "power.clock_gating", kc.knob, s,
                                         std::string(kc.config) + " " + tag);
}

// Weights loaded compressed (configs with buffers.wgt_load_lanes): the lanes' contexts, code window, masks and dense
// word (bfp_wgt_expand) and the loader's headers and row queues (bfp_wgt_sparse) do the work, with several N tiles
// so that the next load starts in the lanes' tail.
bfp::verify::GemmSpec compressed_wgt_spec(const Config& cfg, uint64_t seed) {
  bfp::verify::GemmSpec s = bfp::test::knob_gemm_spec(cfg, seed, true);
  s.k = 8 * cfg.block;
  s.n = 4 * cfg.cols + 1;
  s.wgt_sparsity = 0.9;
  s.wgt_load = bfp::verify::WgtLoad::Compressed;
  return s;
}

class ClockGatingGemm : public ::testing::TestWithParam<KnobCase> {};

}  // namespace

TEST_P(ClockGatingGemm, BitExactSameCycles) {
  const KnobCase kc = GetParam();
  const Config cfg = load(kc.config);
  run_knob(kc, bfp::test::knob_gemm_spec(cfg, 12, false), "dense");
  if (cfg.sparse()) run_knob(kc, bfp::test::knob_gemm_spec(cfg, 13, true), "sparse");
  if (cfg.wgt_load_lanes > 0)
    run_knob(kc, compressed_wgt_spec(cfg, 16),
             "compressed weights seed=16 (rerun: build/tests/clock_gating_rtl_test --gtest_filter='Knobs/ClockGatingGemm.*')");
}

INSTANTIATE_TEST_SUITE_P(Knobs, ClockGatingGemm,
                         ::testing::Values(KnobCase{"configs/default.yaml", "gate"},
                                           KnobCase{"configs/test/r2c2b8.yaml", "gate"},
                                           KnobCase{"configs/test/r2c2b8.yaml", "enable"},
                                           KnobCase{"configs/test/r4c8b16.yaml", "gate"},
                                           KnobCase{"configs/test/r4c8b16.yaml", "enable"}),
                         [](const ::testing::TestParamInfo<KnobCase>& info) {
                           std::string s = fs::path(info.param.config).stem().string() + "_" + info.param.knob;
                           return s;
                         });

// The FPGA setting of the default config: clock enables and paired multipliers (one DSP per two PEs) together, on
// a default-config model of its own; the same GEMMs as above against the plain default model.
TEST(ClockGatingGemmCombined, DefaultEnableWithPairedMultipliers) {
  const Config cfg = load("configs/default.yaml");
  const std::string rerun =
      " (rerun: build/tests/clock_gating_rtl_test --gtest_filter='ClockGatingGemmCombined.*')";
  const std::vector<std::pair<std::string, std::string>> knobs{{"power.clock_gating", "enable"},
                                                               {"pe.pair_multipliers", "true"}};
  bfp::test::expect_knobs_change_nothing(cfg, knobs, bfp::test::knob_gemm_spec(cfg, 14, false),
                                         "default dense seed=14" + rerun);
  bfp::test::expect_knobs_change_nothing(cfg, knobs, bfp::test::knob_gemm_spec(cfg, 15, true),
                                         "default sparse seed=15" + rerun);
  ASSERT_GT(cfg.wgt_load_lanes, 0);  // the compressed weight loader's clock enables (bfp_wgt_expand, bfp_wgt_sparse)
  bfp::test::expect_knobs_change_nothing(cfg, knobs, compressed_wgt_spec(cfg, 16),
                                         "default compressed weights seed=16" + rerun);
}
