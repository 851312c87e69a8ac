// SPDX-License-Identifier: Apache-2.0
// The operand-buffer energy rules of docs/architecture.md "Operand buffer energy", each on its module alone with
// Icarus (the whole-accelerator GEMM tests show they change no result; these show the mechanisms work):
// - bfp_sram_hold skips a read of the word it holds: a hand-counted access sequence issues exactly the reads
//   the rule allows, and on random traffic every requested read returns what a plain memory returns.
// - bfp_pe_array's operand isolation: a PE's operand inputs change only in a cycle its valid is set, and then
//   they are the operands presented OperandRegs + 1 cycles earlier (the broadcast stages and the PEs' own).
// - bfp_operands_sparse (branch oppow): a row's dense write stage takes only weight beats and its own activation
//   beats, and its sequencer's metadata write data is zero except in a cycle the sequencer writes metadata.
// - bfp_wgt_bank: an exponent memory (exponents deeper than one beat) skips a read of the word it holds.
// - bfp_operands_sparse's lock-steps: on a half loaded dense only row 0's weight banks are read, where every group's
//   weight mask is the same only group 0's activation memory, and every unit's operands are still those of its walk.
// Random stimulus comes from Icarus's $urandom with the printed seed (BFP_SEED reruns it). Memory reads are counted
// at bfp_sram's ports (kCountingSram below), not through an instance path, so a design that reads every time fails
// on its count wherever its memory sits.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gen/emit_pkg.h"
#include "support/run_cmd.h"
#include "support/seed.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using bfp::test::have_tool;
using bfp::test::run_cmd;
using bfp::test::RunResult;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;

// Stands in for rtl/bfp_sram.sv in the benches that count memory reads: the real memory (its text, renamed
// bfp_sram_real) behind the same ports, and a counter of the reads it performs, for the memory of the bench's
// depth `BENCH_TOP.CountDepth`, in `BENCH_TOP.reads`. So a bench counts what reaches a memory's read port, not a
// signal of one design's hierarchy.
const char* kCountingSram = R"(
module bfp_sram #(
  parameter int Width = 64,
  parameter int Depth = 16,
  parameter int ClockGating = 0,
  parameter int AddrBits = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic                clk_i,
  input  logic                we_i,
  input  logic [AddrBits-1:0] waddr_i,
  input  logic [Width-1:0]    wdata_i,
  input  logic                re_i,
  input  logic [AddrBits-1:0] raddr_i,
  output logic [Width-1:0]    rdata_o
);
  bfp_sram_real #(.Width(Width), .Depth(Depth), .ClockGating(ClockGating)) u_real (
    .clk_i(clk_i), .we_i(we_i), .waddr_i(waddr_i), .wdata_i(wdata_i), .re_i(re_i), .raddr_i(raddr_i),
    .rdata_o(rdata_o));
  always @(posedge clk_i) if (re_i && Depth == `BENCH_TOP.CountDepth) `BENCH_TOP.reads = `BENCH_TOP.reads + 1;
`ifdef COUNT_DEPTH2
  // a bench that defines COUNT_DEPTH2 counts the reads of the memories of that depth too, in BENCH_TOP.reads2
  always @(posedge clk_i) if (re_i && Depth == `COUNT_DEPTH2) `BENCH_TOP.reads2 = `BENCH_TOP.reads2 + 1;
`endif
endmodule
)";

// The fields of a bench's result line "DONE name=value ...".
using Fields = std::map<std::string, long>;

// The benches of this file, each compiled with Icarus and run once per test (skipped without Icarus). The base
// seed and a repro line are printed before any bench runs.
class IcarusBench : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_tool("iverilog") || !have_tool("vvp")) GTEST_SKIP() << "iverilog not installed";
    seed_ = static_cast<uint32_t>(bfp::test::seed_for(20261203u));
    std::cout << "seed " << seed_ << " (" << bfp::test::repro("energy_rtl_test", seed_) << ")\n";
  }

  // Compiles `bench` (top module `top`, with `define CG cg when cg >= 0) with the package and the named rtl/
  // files, runs it and parses its DONE line into *out, which must hold every name of `want`. With a file named
  // "bfp_sram.sv" and count_reads, that file is the real memory renamed and kCountingSram is compiled in front
  // of the bench's users (see there).
  void run(const std::string& bench, const std::string& top, const std::vector<std::string>& rtl, int cg,
           const std::vector<std::string>& want, Fields* out, bool count_reads = false) {
    bfp::test::TempDir tmp("bfpgen_energy_test");
    std::string text = "`define SEED " + std::to_string(seed_) + "\n`define BENCH_TOP " + top + "\n";
    if (cg >= 0) text += "`define CG " + std::to_string(cg) + "\n";
    std::ofstream(tmp.path() / "tb.sv") << text << bench;
    std::ofstream(tmp.path() / "bfp_pkg.sv") << bfp::package_source();
    std::string files = "'" + (tmp.path() / "bfp_pkg.sv").string() + "' '" + (tmp.path() / "tb.sv").string() + "'";
    for (const std::string& f : rtl) {
      if (count_reads && f == "bfp_sram.sv") {
        std::ifstream in(kSource / "rtl" / f);
        std::stringstream real;
        real << in.rdbuf();
        std::string src = real.str();
        const std::string decl = "module bfp_sram #(";
        const size_t at = src.find(decl);
        ASSERT_NE(at, std::string::npos) << "rtl/bfp_sram.sv: no '" << decl << "'";
        src.replace(at, decl.size(), "module bfp_sram_real #(");
        std::ofstream(tmp.path() / "bfp_sram_real.sv") << src;
        std::ofstream(tmp.path() / "bfp_sram_count.sv") << kCountingSram;
        files += " '" + (tmp.path() / "bfp_sram_real.sv").string() + "' '" +
                 (tmp.path() / "bfp_sram_count.sv").string() + "'";
        continue;
      }
      files += " '" + (kSource / "rtl" / f).string() + "'";
    }
    const std::string vvp = "'" + (tmp.path() / "tb.vvp").string() + "'";
    RunResult r = run_cmd("iverilog -g2012 -s " + top + " -o " + vvp + " " + files);
    ASSERT_EQ(r.status, 0) << r.output;
    r = run_cmd("vvp -n " + vvp);
    ASSERT_EQ(r.status, 0) << r.output;
    output_ = r.output;
    const size_t at = r.output.find("DONE ");
    ASSERT_NE(at, std::string::npos) << r.output;
    std::istringstream line(r.output.substr(at + 5, r.output.find('\n', at) - at - 5));
    out->clear();
    for (std::string field; line >> field;) {
      const size_t eq = field.find('=');
      ASSERT_NE(eq, std::string::npos) << "DONE field without '=': " << field;
      (*out)[field.substr(0, eq)] = std::strtol(field.c_str() + eq + 1, nullptr, 10);
    }
    for (const std::string& w : want) ASSERT_EQ(out->count(w), 1u) << "no " << w << " in: " << r.output;
  }

  uint32_t seed_ = 0;
  std::string output_;  // what the last bench printed, for failure messages
};

class SramHold : public IcarusBench {};
class OperandIsolation : public IcarusBench {};

// bfp_sram_hold, 16-bit words, 8 words. Part 1 (hand-counted): write every word, then read requests
// 0 x5, 1 x5, 0 x2 (3 reads: the address changes twice), a read request of word 0 in the cycle word 5 is written
// (held word, no read, but the write drops it), 0 x2 (1 read), so 4 reads for 15 requests. Part 2 (random): a
// read address that mostly stays and a write in 1 of 10 cycles, every requested read checked against a reference
// memory.
const char* kHoldBench = R"(
module hold_tb;
  localparam int W = 16, D = 8;
  localparam int CountDepth = D;  // kCountingSram counts this memory's reads into `reads`
  logic clk = 1'b0, rst_n = 1'b0, we = 1'b0, re = 1'b0;
  logic [2:0] waddr = '0, raddr = '0;
  logic [W-1:0] wdata = '0, rdata;
  bfp_sram_hold #(.Width(W), .Depth(D)) dut (.clk_i(clk), .rst_ni(rst_n), .we_i(we), .waddr_i(waddr),
                                               .wdata_i(wdata), .re_i(re), .raddr_i(raddr), .rdata_o(rdata));
  logic [W-1:0] ref_mem [0:D-1];
  logic [W-1:0] ref_q;
  logic         ref_v = 1'b0;
  integer reads = 0, requests = 0, errors = 0, checked = 0, i, ra, seed = `SEED, part1_reads;
  always #5 clk = ~clk;
  always @(posedge clk) begin
    if (re) ref_q <= ref_mem[raddr];
    if (we) ref_mem[waddr] <= wdata;
    ref_v <= re;
    if (re) requests = requests + 1;
  end
  always @(negedge clk) if (ref_v) begin
    checked = checked + 1;
    if (rdata !== ref_q) begin
      errors = errors + 1;
      if (errors < 5) $display("MISMATCH t=%0t rdata=%h expected=%h", $time, rdata, ref_q);
    end
  end
  task automatic cyc(input logic w, input int wa, input logic r, input int ra);
    @(negedge clk);
    we = w; waddr = 3'(wa); wdata = 16'($urandom(seed)); re = r; raddr = 3'(ra);
  endtask
  initial begin
    repeat (2) @(negedge clk);
    rst_n = 1'b1;
    for (i = 0; i < D; i++) cyc(1, i, 0, 0);
    for (i = 0; i < 5; i++) cyc(0, 0, 1, 0);
    for (i = 0; i < 5; i++) cyc(0, 0, 1, 1);
    for (i = 0; i < 2; i++) cyc(0, 0, 1, 0);
    cyc(1, 5, 1, 0);
    for (i = 0; i < 2; i++) cyc(0, 0, 1, 0);
    cyc(0, 0, 0, 0);
    @(negedge clk);
    part1_reads = reads;
    $display("PART1 reads=%0d requests=%0d", reads, requests);
    // a walker's pattern: the read address mostly stays, sometimes moves; a write now and then
    ra = 0;
    for (i = 0; i < 4000; i++) begin
      if (($urandom(seed) % 8) == 0) ra = $urandom(seed) % D;
      cyc(($urandom(seed) % 10) == 0, $urandom(seed) % D, ($urandom(seed) % 4) != 0, ra);
    end
    cyc(0, 0, 0, 0);
    @(negedge clk);
    $display("DONE reads=%0d requests=%0d checked=%0d errors=%0d", reads - part1_reads, requests - 15, checked,
             errors);
    $finish;
  end
endmodule
)";

TEST_F(SramHold, SkipsReadsOfTheHeldWordAndReturnsTheSameData) {
  Fields d;
  ASSERT_NO_FATAL_FAILURE(run(kHoldBench, "hold_tb", {"bfp_sram.sv", "bfp_sram_hold.sv"}, -1,
                              {"reads", "requests", "checked", "errors"}, &d, true));
  EXPECT_NE(output_.find("PART1 reads=4 requests=15"), std::string::npos) << output_;
  EXPECT_EQ(d["errors"], 0) << output_;
  EXPECT_GT(d["checked"], 2500);
  // the address moves in 1 of 8 cycles, a write comes in 1 of 10: most requests find their word held
  EXPECT_LT(d["reads"], d["requests"] / 2) << output_;
  EXPECT_GT(d["reads"], 0);
}

// bfp_pe_array with per-row schedules (2 rows x 4 columns, 2 column groups, 2 operand register stages, so S = 3
// register stages up to the PEs): random operands every cycle, each unit's valid in about 1 cycle of 3. For every
// PE: when its codes differ from the cycle before, its valid must be set, and when its exponents do, its valid
// and last (the PE reads the block exponents only with the last element); when its valid is set, the codes are
// its unit's presented S cycles earlier, and with valid and last the exponents are too. `held` counts PE-cycles
// with no valid in which a design without isolation would have changed the inputs (the operands presented S
// cycles earlier differ from the held ones), `held_e` PE-cycles with valid but not last in which the exponents
// would have changed, so the test sees that it exercised both cases.
// Row lock-step (wgt_row0_i): in every other stretch of 500 cycles row 1 walks like row 0 (the same valid and last
// per group) with its flag set; there its PEs must read row 0's weights (presented S cycles earlier)
// and its own weight registers must not load (`own_locked` counts the cycles they did; `own_free` those they did
// in the stretches without the flag). Column-group lock-step (act_grp0_i): in two stretches of four, one with the
// row lock and one without, both rows' group 1 walks like their group 0 with the flags set; there the PEs of
// group 1 must read group 0's activation code and exponent, and group 1's own activation registers must not load
// (`act_locked`, `act_free` as for the weights). A flag changes only after S + 2 cycles without valid,
// as at a COMPUTE start, and the toggle checks skip those cycles (the PEs' operand source changes there).
const char* kIsolationBench = R"(
module iso_tb;
  localparam int R = 2, C = 4, G = 2, OR = 2, S = OR + 1, B = 8, W = 24, F = 2, U = R * G, GC = C / G;
  logic clk = 1'b0, rst_n = 1'b0;
  logic [U-1:0] valid = '0, last = '0;
  logic [U*8-1:0] act = '0, act_e = '0;
  logic [R*C*8-1:0] wgt = '0, wgt_e = '0;
  logic [R-1:0] wlock = '0, alock = '0;
  logic [R*C*24-1:0] acc_m;
  logic [R*C*bfp_pkg::EXP_W-1:0] acc_e;
  bfp_pe_array #(.Rows(R), .Cols(C), .BlockSize(B), .AccWidth(W), .GuardBits(F), .OperandRegs(OR), .PerRow(1),
                 .Groups(G), .ClockGating(`CG)) dut (.clk_i(clk), .rst_ni(rst_n), .clear_i(1'b0), .flush_i(1'b0),
                                  .valid_i(valid), .last_i(last), .act_i(act), .act_e_i(act_e), .wgt_i(wgt), .wgt_e_i(wgt_e),
                                  .wgt_row0_i(wlock), .act_grp0_i(alock), .acc_m_o(acc_m), .acc_e_o(acc_e));
  // what was presented 1..S cycles ago
  logic [U-1:0] dv [0:S-1];
  logic [U*8-1:0] da [0:S-1], dae [0:S-1];
  logic [R*C*8-1:0] dw [0:S-1], dwe [0:S-1];
  logic [R-1:0] dl [0:S-1], dal [0:S-1];
  integer errors = 0, held = 0, held_e = 0, issued = 0, s, i, seed = `SEED, quiet = 0, own_locked = 0, own_free = 0;
  integer act_locked = 0, act_free = 0;
  logic [S*R*C*8-1:0] own_prev;
  logic [S*R*16-1:0] act_prev;
  always #5 clk = ~clk;
  always @(posedge clk) begin
    dv[0] <= valid; da[0] <= act; dae[0] <= act_e; dw[0] <= wgt; dwe[0] <= wgt_e; dl[0] <= wlock; dal[0] <= alock;
    for (s = 1; s < S; s++) begin
      dv[s] <= dv[s-1]; da[s] <= da[s-1]; dae[s] <= dae[s-1]; dw[s] <= dw[s-1]; dwe[s] <= dwe[s-1];
      dl[s] <= dl[s-1]; dal[s] <= dal[s-1];
    end
  end
  // group 1's own activation code and exponent registers (both rows, every stage): loads with and without the flag
  always @(negedge clk) if (rst_n) begin
    logic [S*R*16-1:0] act_now;
    act_now = '0;
    for (int st = 0; st < S; st++)
      for (int rr = 0; rr < R; rr++) begin
        act_now[(st*R + rr)*16 +: 8]     = dut.act_pipe_q[st*U*8 + (rr*G + 1)*8 +: 8];
        act_now[(st*R + rr)*16 + 8 +: 8] = dut.act_e_pipe_q[st*U*8 + (rr*G + 1)*8 +: 8];
      end
    if (act_now !== act_prev) begin
      if (alock[0] && dal[S-1][0] && quiet == 0) act_locked = act_locked + 1;
      else if (!alock[0]) act_free = act_free + 1;
    end
    act_prev = act_now;
  end
  // row 1's own weight registers (every stage): loads in cycles with and without the flag
  always @(negedge clk) if (rst_n) begin
    logic [S*R*C*8-1:0] own_now;
    own_now = '0;
    for (int st = 0; st < S; st++)
      for (int cc = 0; cc < C; cc++)
        own_now[(st*R*C + C + cc)*8 +: 8] = dut.wgt_pipe_q[st*R*C*8 + (C + cc)*8 +: 8];
    if (own_now !== own_prev) begin
      if (wlock[1] && dl[S-1][1] && quiet == 0) own_locked = own_locked + 1;
      else if (!wlock[1]) own_free = own_free + 1;
    end
    own_prev = own_now;
  end
  for (genvar r = 0; r < R; r++) begin : chk_row
    for (genvar c = 0; c < C; c++) begin : chk_col
      localparam int Un = r * G + c / GC, E = r * C + c;
      logic [15:0] prev, prev_e;
      logic        started = 1'b0;
      wire  [15:0] now = {dut.gen_row[r].gen_col[c].u_pe.act_i, dut.gen_row[r].gen_col[c].u_pe.wgt_i};
      wire  [15:0] now_e = {dut.gen_row[r].gen_col[c].u_pe.act_e_i, dut.gen_row[r].gen_col[c].u_pe.wgt_e_i};
      wire         lk = dl[S-1][r];  // the PE reads row 0's weights (its operands came with the flag)
      wire         alk = dal[S-1][r];  // the PE reads group 0's activations
      wire  [15:0] want = {da[S-1][8*(alk ? r * G : Un) +: 8], dw[S-1][8*(lk ? c : E) +: 8]};
      wire  [15:0] want_e = {dae[S-1][8*(alk ? r * G : Un) +: 8], dwe[S-1][8*(lk ? c : E) +: 8]};
      wire         v = dut.gen_row[r].gen_col[c].u_pe.valid_i, l = dut.gen_row[r].gen_col[c].u_pe.last_i;
      always @(negedge clk) if (rst_n) begin
        if (v) begin
          issued = issued + 1;
          if (now !== want || (l && now_e !== want_e)) begin
            errors = errors + 1;
            if (errors < 5) $display("WRONG OPERANDS pe(%0d,%0d) t=%0t got %h %h want %h %h", r, c, $time, now, now_e,
                                     want, want_e);
          end
        end
        if (started && quiet == 0 && !v && now !== prev) begin
          errors = errors + 1;
          if (errors < 5) $display("TOGGLE WITHOUT VALID pe(%0d,%0d) t=%0t %h -> %h", r, c, $time, prev, now);
        end
        if (started && quiet == 0 && !(v && l) && now_e !== prev_e) begin
          errors = errors + 1;
          if (errors < 5) $display("EXPONENT TOGGLE WITHOUT LAST pe(%0d,%0d) t=%0t %h -> %h", r, c, $time, prev_e, now_e);
        end
        if (started && !v && want !== prev) held = held + 1;  // without isolation the codes would be `want`
        if (started && v && !l && want_e !== prev_e) held_e = held_e + 1;
        prev = now;
        prev_e = now_e;
        started = 1'b1;
      end
    end
  end
  initial begin
    repeat (3) @(negedge clk);
    rst_n = 1'b1;
    for (i = 0; i < 3000; i++) begin
      @(negedge clk);
      if (quiet > 0) quiet = quiet - 1;
      if (i % 500 == 499) begin
        // a flag change: no valid for S + 2 cycles around it (as between two COMPUTEs)
        valid = '0;
        repeat (S + 1) @(negedge clk);
        wlock[1] = ((i / 500) % 2) == 0;
        alock = {R{((i / 500) % 4) >= 2}};
        quiet = S + 3;
      end else begin
        for (s = 0; s < U; s++) valid[s] = ($urandom(seed) % 3) == 0;
        last = U'($urandom(seed));
        for (s = 0; s < R; s++)
          if (alock[s]) begin  // the groups of row s walk like its group 0
            valid[s*G +: G] = {G{valid[s*G]}};
            last[s*G +: G]  = {G{last[s*G]}};
          end
        if (wlock[1]) begin  // row 1 walks like row 0
          valid[G +: G] = valid[0 +: G];
          last[G +: G]  = last[0 +: G];
        end
      end
      act = $urandom(seed);
      act_e = $urandom(seed);
      wgt = {$urandom(seed), $urandom(seed)};
      wgt_e = {$urandom(seed), $urandom(seed)};
    end
    repeat (S + 1) @(negedge clk);
    $display("DONE issued=%0d held=%0d held_e=%0d own_locked=%0d own_free=%0d act_locked=%0d act_free=%0d errors=%0d",
             issued, held, held_e, own_locked, own_free, act_locked, act_free, errors);
    $finish;
  end
endmodule
)";

TEST_F(OperandIsolation, PeInputsChangeOnlyWithValid) {
  for (int cg : {0, 1, 2}) {
    SCOPED_TRACE("ClockGating " + std::to_string(cg));
    Fields d;
    ASSERT_NO_FATAL_FAILURE(run(kIsolationBench, "iso_tb",
                                {"bfp_icg.sv", "bfp_add.sv", "bfp_acc_align.sv", "bfp_mul.sv", "bfp_pe.sv",
                                 "bfp_pe_array.sv"},
                                cg,
                                {"issued", "held", "held_e", "own_locked", "own_free", "act_locked", "act_free",
                                 "errors"},
                                &d));
    EXPECT_EQ(d["errors"], 0) << output_;
    EXPECT_GT(d["issued"], 3000);  // 8 PEs x 3000 cycles x ~1/3
    EXPECT_GT(d["held"], 3000);
    EXPECT_GT(d["held_e"], 1000);  // valid without last: about half the issued PE-cycles
    // row 1's own weight registers: never loaded while it reads row 0's, loaded in most valid cycles otherwise
    EXPECT_EQ(d["own_locked"], 0) << output_;
    EXPECT_GT(d["own_free"], 500) << output_;
    // group 1's own activation registers: never loaded while the groups read group 0's, loaded otherwise
    EXPECT_EQ(d["act_locked"], 0) << output_;
    EXPECT_GT(d["act_free"], 500) << output_;
  }
}

// bfp_operands_sparse, 2 rows x 4 columns, 2 column groups, B = 8, 64-bit beats, with clock gating CG (0 none,
// 1 gate): random dense load beats on the bank port (weight and activation, codes and exponents, any row or
// column, random data on the read-data bus also in cycles without a beat) and now and then a weight-load start;
// the walkers stay idle. Per row, checked every cycle:
// - the write stage (w_we, w_wdata) loads exactly the weight beats and this row's activation beats, with their
//   data; `skipped` counts other rows' activation beats it did not take (the case the rule is about);
// - the sequencer's metadata write data (u_seq.wdata_i) is zero unless the sequencer writes a level-2 or
//   exponent word this cycle, and then it is the beat; `quiet` counts cycles in which the bus changed and the
//   data stayed zero.
const char* kOpsIsoBench = R"(
module ops_iso_tb;
  localparam int R = 2, C = 4, G = 2, B = 8, AD = 32, WD = 64, MW = 64, BB = 2, WB = 3;
  logic clk = 1'b0, rst_n = 1'b0;
  logic bank_we = 1'b0, bank_wgt = 1'b0, bank_half = 1'b0, bank_exp = 1'b0, wgt_start = 1'b0;
  logic [BB-1:0] bank_sel = '0;
  logic [WB-1:0] bank_addr = '0;
  logic [MW-1:0] bank_wdata = '0;
  logic [R*G-1:0] valid, last;
  logic [R*G*8-1:0] act, act_e;
  logic [R*C*8-1:0] wgt, wgt_e;
  logic busy;
  bfp_operands_sparse #(.Rows(R), .Cols(C), .BlockSize(B), .ActDepth(AD), .WgtDepth(WD), .MemWidth(MW),
                        .BankBits(BB), .WordBits(WB), .UseWgtMask(1), .Groups(G), .WgtSplit(0),
                        .ClockGating(`CG)) dut (
    .clk_i(clk), .rst_ni(rst_n), .bank_we_i(bank_we), .bank_wgt_i(bank_wgt), .bank_half_i(bank_half),
    .bank_sel_i(bank_sel), .bank_exp_i(bank_exp), .bank_addr_i(bank_addr), .bank_wdata_i(bank_wdata),
    .wgt_load_halves_i(2'b11), .act_load_start_i(1'b0), .act_load_sparse_i(1'b0), .act_load_rows_i(16'd0),
    .act_load_count_i(16'd0), .wgt_load_start_i(wgt_start), .sp_we_i(1'b0), .sp_row_i(1'b0),
    .sp_seg_i('0), .sp_word_i(16'd0), .sp_wdata_i('0), .sp_meta_we_i(1'b0), .sp_meta_row_i(1'b0),
    .sp_meta_seg_i('0), .sp_meta_word_i(16'd0), .sp_meta_wdata_i('0), .start_i(1'b0), .half_i(1'b0),
    .wgt_halves_i(2'b01), .busy_o(busy), .valid_o(valid), .last_o(last), .act_o(act), .act_e_o(act_e),
    .wgt_o(wgt), .wgt_e_o(wgt_e), .wbus_halves_i(2'b11), .wbus_we_i(1'b0), .wbus_sel_i('0), .wbus_exp_i(1'b0), .wbus_addr_i('0),
    .wbus_wdata_i('0));
  integer errors = 0, skipped = 0, taken = 0, quiet = 0, metaw = 0, i, seed = `SEED;
  logic [MW-1:0] prev_bus = '0;
  always #5 clk = ~clk;
  for (genvar r = 0; r < R; r++) begin : chk_row
    logic          take_q = 1'b0;
    logic [MW-1:0] data_q, ws_prev;
    always @(posedge clk) begin
      take_q <= bank_we && (bank_wgt || bank_sel == BB'(r));
      data_q <= bank_wdata;
      if (bank_we && !bank_wgt && bank_sel != BB'(r)) skipped = skipped + 1;
    end
    always @(negedge clk) if (rst_n) begin
      // the write stage: loaded exactly when a beat for this row came one cycle earlier, with its data
      if (dut.gen_row[r].w_we !== take_q || (take_q && dut.gen_row[r].w_wdata !== data_q) ||
          (!take_q && dut.gen_row[r].w_wdata !== ws_prev)) begin
        errors = errors + 1;
        if (errors < 5) $display("WRITE STAGE row %0d t=%0t w_we=%b want %b", r, $time, dut.gen_row[r].w_we, take_q);
      end
      if (take_q) taken = taken + 1;
      ws_prev = dut.gen_row[r].w_wdata;
      // the sequencer's metadata write data
      if (dut.gen_row[r].u_seq.l2_we_i || dut.gen_row[r].u_seq.exp_we_i) begin
        metaw = metaw + 1;
        if (dut.gen_row[r].u_seq.wdata_i !== bank_wdata) begin
          errors = errors + 1;
          if (errors < 5) $display("META DATA row %0d t=%0t", r, $time);
        end
      end else begin
        if (dut.gen_row[r].u_seq.wdata_i !== '0) begin
          errors = errors + 1;
          if (errors < 5) $display("META DATA NOT ISOLATED row %0d t=%0t %h", r, $time, dut.gen_row[r].u_seq.wdata_i);
        end else if (bus_q !== prev_bus) quiet = quiet + 1;
      end
    end
  end
  logic [MW-1:0] bus_q = '0;  // the bus in the cycle before (sampled at the edge, no race with the checks)
  always @(posedge clk) prev_bus <= bus_q;
  always @(posedge clk) bus_q <= bank_wdata;
  initial begin
    repeat (3) @(negedge clk);
    rst_n = 1'b1;
    repeat (2) @(negedge clk);
    for (i = 0; i < 4000; i++) begin
      @(negedge clk);
      #1;
      bank_we   = ($urandom(seed) % 2) == 0;
      bank_wgt  = ($urandom(seed) % 2) == 0;
      bank_exp  = ($urandom(seed) % 4) == 0;
      bank_half = $urandom(seed);
      bank_sel  = bank_wgt ? BB'($urandom(seed) % C) : BB'($urandom(seed) % R);
      bank_addr = bank_exp ? WB'(0) : WB'($urandom(seed) % (bank_wgt ? 8 : 4));
      bank_wdata = {$urandom(seed), $urandom(seed)};
      wgt_start = ($urandom(seed) % 50) == 0;
      if (wgt_start) bank_we = 1'b0;
    end
    @(negedge clk);
    #1 bank_we = 1'b0;
    repeat (2) @(negedge clk);
    $display("DONE taken=%0d skipped=%0d metaw=%0d quiet=%0d errors=%0d", taken, skipped, metaw, quiet, errors);
    $finish;
  end
endmodule
)";

// bfp_wgt_bank with exponents deeper than one beat (64-bit beats, 256 elements, B = 8: 32 exponents in 4 words, a
// memory): every exponent word written, then 3000 cycles of reads at an exponent address that mostly stays (a
// walker's pattern) and a write in 1 of 20 cycles. Every requested exponent byte is checked against a reference
// memory the cycle after; the reads that reach the exponent memory must be fewer than half the requests.
const char* kExpHoldBench = R"(
module exp_hold_tb;
  localparam int MW = 64, WD = 256, B = 8, EW = 4;
  localparam int CountDepth = EW;  // kCountingSram counts the exponent memory's reads (the code memory has 32 words)
  logic clk = 1'b0, rst_n = 1'b0, we = 1'b0, exp_w = 1'b0, re = 1'b0;
  logic [2:0] addr = '0;
  logic [MW-1:0] wdata = '0;
  logic [1:0] eaddr = '0;
  logic [2:0] esel = '0, esel_q;
  logic [4:0] craddr = '0;
  logic [7:0] code, expo;
  logic [MW-1:0] unused_word;
  bfp_wgt_bank #(.MemWidth(MW), .WgtDepth(WD), .BlockSize(B), .BankBits(2), .WordBits(5), .Bank(1), .Split(0),
                 .ExpShared(0), .ClockGating(`CG)) dut (
    .clk_i(clk), .rst_ni(rst_n), .bank_we_i(we), .bank_wgt_i(1'b1), .bank_sel_i(2'd1), .bank_exp_i(exp_w),
    .bank_addr_i(5'(addr)), .bank_wdata_i(wdata), .wr_halves_i(2'b11), .rd_half_i(1'b0), .re_i(re),
    .code_raddr_i(craddr), .exp_raddr_i(eaddr), .code_sel_i(3'd0), .exp_sel_i(esel_q), .code_o(code),
    .exp_o(expo), .exp_word_i('0), .exp_word_o(unused_word));
  logic [MW-1:0] ref_mem [0:EW-1];
  logic [MW-1:0] ref_q;
  logic ref_v = 1'b0;
  integer reads = 0, requests = 0, errors = 0, checked = 0, i, ea = 0, seed = `SEED;
  always #5 clk = ~clk;
  always @(posedge clk) begin
    if (re) ref_q <= ref_mem[eaddr];
    if (we && exp_w) ref_mem[addr[1:0]] <= wdata;
    ref_v <= re;
    esel_q <= esel;
    if (re) requests = requests + 1;
  end
  always @(negedge clk) if (ref_v) begin
    checked = checked + 1;
    if (expo !== ref_q[8*esel_q +: 8]) begin
      errors = errors + 1;
      if (errors < 5) $display("MISMATCH t=%0t exp=%h expected=%h", $time, expo, ref_q[8*esel_q +: 8]);
    end
  end
  initial begin
    repeat (2) @(negedge clk);
    rst_n = 1'b1;
    for (i = 0; i < EW; i++) begin
      @(negedge clk);
      we = 1'b1; exp_w = 1'b1; addr = 3'(i); wdata = {$urandom(seed), $urandom(seed)};
    end
    for (i = 0; i < 3000; i++) begin
      @(negedge clk);
      if (($urandom(seed) % 16) == 0) ea = $urandom(seed) % EW;
      we = ($urandom(seed) % 20) == 0; exp_w = ($urandom(seed) % 2) == 0;
      addr = exp_w ? 3'($urandom(seed) % EW) : 3'($urandom(seed) % 8);
      wdata = {$urandom(seed), $urandom(seed)};
      re = ($urandom(seed) % 4) != 0; eaddr = 2'(ea); esel = $urandom(seed); craddr = $urandom(seed);
    end
    @(negedge clk);
    we = 1'b0; re = 1'b0;
    repeat (2) @(negedge clk);
    $display("DONE reads=%0d requests=%0d checked=%0d errors=%0d", reads, requests, checked, errors);
    $finish;
  end
endmodule
)";

// bfp_operands_sparse's two lock-steps (4 rows, 4 columns in 2 groups, B = 8, 32 activation and 64 weight elements,
// 64-bit beats). Half 0 is loaded dense for rows 0..2 (row 3 empty), half 1 compressed (random level-1 and level-2
// masks per row, through the sparse loader's ports). Weights W1 without zero codes, then W2 with ~30% zeros; each
// followed by a COMPUTE on half 0 and one on half 1:
// - dense half: every row walks alike, so only row 0's weight banks may be read (row lock-step);
// - W1: every group's weight mask is the same, so a row's groups walk alike and only group 0's activation memory
//   may be read (column-group lock-step); with W2 the groups' masks differ and every group reads its own.
// kCountingSram counts the reads of the 8-word weight code memories (reads) and of the 4-word activation code
// memories (reads2). The bench computes what each COMPUTE must read (the distinct words of the walks of the rows
// and groups that read) and prints it beside the count. Every element a unit issues is checked against the walk the
// format defines (ascending k where the activation and one of the group's weights are non-zero) with the weight
// codes and exponents of that k and the activation code of its packed index, so a row or group that takes another's
// operands where the walks differ fails, and one that reads where it need not shows in the counts.
const char* kLockBench = R"(
`define COUNT_DEPTH2 4
module lock_tb;
  localparam int R = 4, C = 4, G = 2, GC = C / G, B = 8, AD = 32, WD = 64, MW = 64, BB = 2, WB = 3, NB = AD / B;
  localparam int CountDepth = WD / (MW / 8);  // kCountingSram: the weight code memories (reads2: activation codes)
  logic clk = 1'b0, rst_n = 1'b0;
  logic bank_we = 1'b0, bank_wgt = 1'b0, bank_half = 1'b0, bank_exp = 1'b0, wgt_start = 1'b0;
  logic [BB-1:0] bank_sel = '0;
  logic [WB-1:0] bank_addr = '0;
  logic [MW-1:0] bank_wdata = '0;
  logic act_start = 1'b0, act_sparse = 1'b0;
  logic [15:0] act_rows = '0, act_count = '0;
  logic sp_we = 1'b0, sp_meta_we = 1'b0;
  logic [1:0] sp_row = '0, sp_meta_row = '0;
  logic [bfp_pkg::SEG_W-1:0] sp_seg = '0, sp_meta_seg = '0;
  logic [15:0] sp_word = '0, sp_meta_word = '0;
  logic [MW-1:0] sp_wdata = '0, sp_meta_wdata = '0;
  logic start = 1'b0, half = 1'b0;
  logic [R*G-1:0] valid, last;
  logic [R*G*8-1:0] act, act_e;
  logic [R*C*8-1:0] wgt, wgt_e;
  logic busy;
  logic [R-1:0] wrow0, agrp0;
  bfp_operands_sparse #(.Rows(R), .Cols(C), .BlockSize(B), .ActDepth(AD), .WgtDepth(WD), .MemWidth(MW),
                        .BankBits(BB), .WordBits(WB), .UseWgtMask(1), .Groups(G), .WgtSplit(0),
                        .ClockGating(`CG)) dut (
    .clk_i(clk), .rst_ni(rst_n), .bank_we_i(bank_we), .bank_wgt_i(bank_wgt), .bank_half_i(bank_half),
    .bank_sel_i(bank_sel), .bank_exp_i(bank_exp), .bank_addr_i(bank_addr), .bank_wdata_i(bank_wdata),
    .wgt_load_halves_i(2'b11), .act_load_start_i(act_start), .act_load_sparse_i(act_sparse),
    .act_load_rows_i(act_rows), .act_load_count_i(act_count), .wgt_load_start_i(wgt_start), .sp_we_i(sp_we),
    .sp_row_i(sp_row), .sp_seg_i(sp_seg), .sp_word_i(sp_word), .sp_wdata_i(sp_wdata), .sp_meta_we_i(sp_meta_we),
    .sp_meta_row_i(sp_meta_row), .sp_meta_seg_i(sp_meta_seg), .sp_meta_word_i(sp_meta_word),
    .sp_meta_wdata_i(sp_meta_wdata), .start_i(start), .half_i(half), .wgt_halves_i(2'b01), .busy_o(busy),
    .valid_o(valid), .last_o(last), .act_o(act), .act_e_o(act_e), .wgt_o(wgt), .wgt_e_o(wgt_e),
    .wgt_row0_o(wrow0), .act_grp0_o(agrp0), .wbus_halves_i(2'b11), .wbus_we_i(1'b0), .wbus_sel_i('0),
    .wbus_exp_i(1'b0), .wbus_addr_i('0), .wbus_wdata_i('0));
  integer reads = 0, reads2 = 0, errors = 0, checked = 0, seed = `SEED, i, r, c, b, k, g, n, w, ph;
  logic [7:0] wcode [0:C-1][0:WD-1];
  logic [7:0] wexp [0:C-1][0:WD/B-1];
  logic       anz [0:1][0:R-1][0:AD-1];    // each half's activation non-zero elements
  logic [7:0] acode [0:1][0:R-1][0:AD-1];  // each half's activation codes by packed index
  integer     next_k [0:R-1][0:G-1];       // the next element each walker must issue (AD: none left)
  logic       wh;                          // the half walked
  always #5 clk = ~clk;
  // the next k >= from in the walk of row rr, group gg on half hh (AD when none)
  function automatic integer walk_from(input integer hh, input integer rr, input integer gg, input integer from);
    integer kk, cc;
    walk_from = AD;
    for (kk = AD - 1; kk >= from; kk--) begin
      for (cc = gg * GC; cc < (gg + 1) * GC; cc++)
        if (anz[hh][rr][kk] && wcode[cc][kk] != 8'd0) walk_from = kk;
    end
  endfunction
  // the packed index of element kk of row rr on half hh (its non-zero elements below it)
  function automatic integer packed_idx(input integer hh, input integer rr, input integer kk);
    integer jj;
    packed_idx = 0;
    for (jj = 0; jj < kk; jj++) if (anz[hh][rr][jj]) packed_idx = packed_idx + 1;
  endfunction
  // the words a walk visits: of the weight memories (element / 8) or the activation memory (packed index / 8)
  function automatic integer walk_words(input integer hh, input integer rr, input integer gg, input logic by_packed);
    integer kk, last_w, ww;
    walk_words = 0;
    last_w = -1;
    for (kk = walk_from(hh, rr, gg, 0); kk < AD; kk = walk_from(hh, rr, gg, kk + 1)) begin
      ww = (by_packed ? packed_idx(hh, rr, kk) : kk) / 8;
      if (ww != last_w) walk_words = walk_words + 1;
      last_w = ww;
    end
  endfunction
  always @(negedge clk) if (rst_n) begin
    for (int rr = 0; rr < R; rr++)
      for (int gg = 0; gg < G; gg++)
        if (valid[rr*G + gg]) begin
          if (next_k[rr][gg] >= AD) begin
            errors = errors + 1;
            if (errors < 5) $display("EXTRA ELEMENT row %0d group %0d t=%0t", rr, gg, $time);
          end else begin
            checked = checked + 1;
            if (act[8*(rr*G + gg) +: 8] !== acode[wh][rr][packed_idx(wh, rr, next_k[rr][gg])]) begin
              errors = errors + 1;
              if (errors < 5) $display("ACTIVATION row %0d group %0d k %0d t=%0t: %h, want %h", rr, gg,
                                       next_k[rr][gg], $time, act[8*(rr*G + gg) +: 8],
                                       acode[wh][rr][packed_idx(wh, rr, next_k[rr][gg])]);
            end
            for (int cc = gg * GC; cc < (gg + 1) * GC; cc++) begin
              checked = checked + 1;
              if (wgt[8*(rr*C + cc) +: 8] !== wcode[cc][next_k[rr][gg]] ||
                  wgt_e[8*(rr*C + cc) +: 8] !== wexp[cc][next_k[rr][gg] / B]) begin
                errors = errors + 1;
                if (errors < 5)
                  $display("WEIGHT row %0d col %0d k %0d t=%0t: %h/%h, want %h/%h", rr, cc, next_k[rr][gg], $time,
                           wgt[8*(rr*C + cc) +: 8], wgt_e[8*(rr*C + cc) +: 8], wcode[cc][next_k[rr][gg]],
                           wexp[cc][next_k[rr][gg] / B]);
              end
            end
            next_k[rr][gg] = walk_from(wh, rr, gg, next_k[rr][gg] + 1);
          end
        end
  end
  // One COMPUTE on half h; rows_lock: only row 0 may read weights; grp_lock: only group 0 may read activations.
  // Prints the reads counted and the reads the walks need under those rules.
  integer got_w [0:3], want_w [0:3], got_a [0:3], want_a [0:3];  // per COMPUTE (ph)
  // the read registers of groups 1 .. G-1: cycles in which they load (their gate's or clock enable's condition)
  integer own_en [0:3];
  logic   in_c = 1'b0;  // a COMPUTE of the phase ph runs
  for (genvar rr = 0; rr < R; rr++) begin : own_row
    for (genvar gg = 1; gg < G; gg++) begin : own_grp
      wire en;
      if (`CG == 1) begin : e_gate
        assign en = dut.gen_row[rr].gen_grp[gg].gen_cg_rd.u_icg.en_i;
      end else begin : e_enable
        assign en = dut.gen_row[rr].gen_grp[gg].take_rd;
      end
      always @(posedge clk) if (in_c && en) own_en[ph] = own_en[ph] + 1;
    end
  end
  task automatic compute(input logic h, input logic rows_lock, input logic grp_lock);
    integer r0, a0;
    wh = h;
    want_w[ph] = 0;
    want_a[ph] = 0;
    own_en[ph] = 0;
    for (int rr = 0; rr < R; rr++)
      for (int gg = 0; gg < G; gg++) begin
        next_k[rr][gg] = walk_from(h, rr, gg, 0);
        if (!rows_lock || rr == 0) want_w[ph] = want_w[ph] + GC * walk_words(h, rr, grp_lock ? 0 : gg, 1'b0);
        if (!grp_lock || gg == 0) want_a[ph] = want_a[ph] + walk_words(h, rr, gg, 1'b1);
      end
    @(negedge clk);
    r0 = reads;
    a0 = reads2;
    start = 1'b1; half = h; in_c = 1'b1;
    @(negedge clk);
    start = 1'b0;
    // the flags the PE array reads (bfp_pe_array wgt_row0_i, act_grp0_i): row lock for the rows the dense load
    // filled (rows 1 and 2; row 3 empty, row 0 reads for all), group lock on every row
    if (wrow0 !== (rows_lock ? 4'b0110 : 4'b0000) || agrp0 !== {R{grp_lock}}) begin
      errors = errors + 1;
      $display("LOCK FLAGS half %0d: rows %b groups %b", h, wrow0, agrp0);
    end
    @(negedge clk);
    while (busy) @(negedge clk);
    repeat (4) @(negedge clk);
    in_c = 1'b0;
    for (int rr = 0; rr < R; rr++)
      for (int gg = 0; gg < G; gg++)
        if (next_k[rr][gg] < AD) begin
          errors = errors + 1;
          $display("MISSING ELEMENT row %0d group %0d k %0d", rr, gg, next_k[rr][gg]);
        end
    got_w[ph] = reads - r0;
    got_a[ph] = reads2 - a0;
    ph = ph + 1;
  endtask
  task automatic load_weights(input integer zero_in_10);
    for (c = 0; c < C; c++) begin
      for (k = 0; k < WD; k++)
        wcode[c][k] = (($urandom(seed) % 10) < zero_in_10) ? 8'd0 : 8'($urandom(seed) % 255 + 1);
      for (b = 0; b < WD / B; b++) wexp[c][b] = $urandom(seed);
    end
    wgt_start = 1'b1;
    @(negedge clk);
    wgt_start = 1'b0;
    for (c = 0; c < C; c++) begin
      for (w = 0; w <= WD / 8; w++) begin
        bank_we = 1'b1; bank_wgt = 1'b1; bank_sel = BB'(c); bank_exp = (w == WD / 8);
        bank_addr = bank_exp ? '0 : WB'(w);
        for (i = 0; i < 8; i++) bank_wdata[8*i +: 8] = bank_exp ? wexp[c][i] : wcode[c][8*w + i];
        @(negedge clk);
      end
    end
    bank_we = 1'b0;
    repeat (3) @(negedge clk);
  endtask
  logic [NB-1:0] l1;
  logic [B-1:0]  l2 [0:NB-1];
  logic [MW-1:0] word;
  integer nz;
  initial begin
    repeat (3) @(negedge clk);
    rst_n = 1'b1;
    repeat (3) @(negedge clk);
    // dense LOAD_ACT into half 0: rows 0..2, every block; row 3 empty
    act_start = 1'b1; act_sparse = 1'b0; act_rows = 16'd3; act_count = 16'(NB); bank_half = 1'b0;
    @(negedge clk);
    act_start = 1'b0;
    for (r = 0; r < R; r++) for (k = 0; k < AD; k++) anz[0][r][k] = (r < 3);
    for (r = 0; r < 3; r++)
      for (w = 0; w <= AD / 8; w++) begin
        bank_we = 1'b1; bank_wgt = 1'b0; bank_sel = BB'(r); bank_exp = (w == AD / 8);
        bank_addr = bank_exp ? '0 : WB'(w); bank_wdata = {$urandom(seed), $urandom(seed)};
        if (!bank_exp) for (i = 0; i < 8; i++) acode[0][r][8*w + i] = bank_wdata[8*i +: 8];
        @(negedge clk);
      end
    bank_we = 1'b0;
    // compressed LOAD_ACT into half 1: per row a random level-1 mask and random non-empty level-2 masks
    act_start = 1'b1; act_sparse = 1'b1; act_rows = 16'(R); act_count = 16'(NB); bank_half = 1'b1;
    @(negedge clk);
    act_start = 1'b0;
    for (r = 0; r < R; r++) begin
      l1 = NB'($urandom(seed)) | NB'(1);
      nz = 0;
      for (b = 0; b < NB; b++) begin
        l2[b] = l1[b] ? (B'($urandom(seed)) | B'(1) << ($urandom(seed) % B)) : '0;
        for (i = 0; i < B; i++) anz[1][r][b*B + i] = l2[b][i];
        nz = nz + $countones(l2[b]);
      end
      sp_we = 1'b1; sp_row = 2'(r); sp_seg = bfp_pkg::SEG_HDR; sp_word = '0; sp_wdata = '0;
      sp_wdata[8*bfp_pkg::ROW_L1_OFFSET +: NB] = l1;
      @(negedge clk);
      sp_we = 1'b0;
      // the level-2 masks of the non-empty blocks, packed in block order; then the exponents
      word = '0; n = 0;
      for (b = 0; b < NB; b++) if (l1[b]) begin word[B*n +: B] = l2[b]; n = n + 1; end
      sp_meta_we = 1'b1; sp_meta_row = 2'(r); sp_meta_seg = bfp_pkg::SEG_L2; sp_meta_word = '0; sp_meta_wdata = word;
      @(negedge clk);
      sp_meta_seg = bfp_pkg::SEG_EXP; sp_meta_wdata = {$urandom(seed), $urandom(seed)};
      @(negedge clk);
      sp_meta_we = 1'b0;
      for (w = 0; w < (nz + 7) / 8; w++) begin
        sp_we = 1'b1; sp_seg = bfp_pkg::SEG_CODES; sp_word = 16'(w); sp_wdata = {$urandom(seed), $urandom(seed)};
        for (i = 0; i < 8; i++) if (8*w + i < AD) acode[1][r][8*w + i] = sp_wdata[8*i +: 8];
        @(negedge clk);
      end
      sp_we = 1'b0;
    end
    repeat (3) @(negedge clk);
    ph = 0;
    load_weights(0);   // W1: no zero codes, every group's mask is all ones
    compute(1'b0, 1'b1, 1'b1);
    compute(1'b1, 1'b0, 1'b1);
    load_weights(3);   // W2: ~30% zero codes, the groups' masks differ
    compute(1'b0, 1'b1, 1'b0);
    compute(1'b1, 1'b0, 1'b0);
    $write("DONE");
    for (ph = 0; ph < 4; ph++)
      $write(" w%0d=%0d want_w%0d=%0d a%0d=%0d want_a%0d=%0d own%0d=%0d", ph, got_w[ph], ph, want_w[ph], ph,
             got_a[ph], ph, want_a[ph], ph, own_en[ph]);
    $display(" checked=%0d errors=%0d", checked, errors);
    $finish;
  end
endmodule
)";

TEST_F(OperandIsolation, SparseWriteStageAndMetadataDataOnlyForTheirRow) {
  for (int cg : {0, 1}) {
    SCOPED_TRACE("ClockGating " + std::to_string(cg));
    Fields d;
    ASSERT_NO_FATAL_FAILURE(run(kOpsIsoBench, "ops_iso_tb",
                                {"bfp_icg.sv", "bfp_sram.sv", "bfp_sram_hold.sv", "bfp_byte_sel.sv", "bfp_popcount.sv",
                                 "bfp_prefix_sum.sv", "bfp_onehot_sel.sv", "bfp_l2_scatter.sv", "bfp_row_seq.sv", "bfp_wgt_bank.sv", "bfp_operands_sparse.sv"},
                                cg, {"taken", "skipped", "metaw", "quiet", "errors"}, &d));
    EXPECT_EQ(d["errors"], 0) << output_;
    // 4000 cycles, a beat in 1 of 2: ~1000 weight beats (both rows take them), ~500 activation beats per row
    EXPECT_GT(d["taken"], 2000) << output_;
    EXPECT_GT(d["skipped"], 500) << output_;
    EXPECT_GT(d["metaw"], 50) << output_;    // dense activation exponent beats (1 in 16 cycles), one row each
    EXPECT_GT(d["quiet"], 5000) << output_;  // both rows, most cycles
  }
}

TEST_F(SramHold, LockStepsReadOnlyRowZeroWeightsAndGroupZeroActivations) {
  for (int cg : {0, 1, 2}) {
    SCOPED_TRACE("ClockGating " + std::to_string(cg));
    Fields d;
    std::vector<std::string> want = {"checked", "errors"};
    for (int ph = 0; ph < 4; ++ph)
      for (const char* f : {"w", "want_w", "a", "want_a", "own"}) want.push_back(f + std::to_string(ph));
    ASSERT_NO_FATAL_FAILURE(run(kLockBench, "lock_tb",
                                {"bfp_icg.sv", "bfp_sram.sv", "bfp_sram_hold.sv", "bfp_byte_sel.sv", "bfp_popcount.sv",
                                 "bfp_prefix_sum.sv", "bfp_onehot_sel.sv", "bfp_l2_scatter.sv", "bfp_row_seq.sv", "bfp_wgt_bank.sv", "bfp_operands_sparse.sv"},
                                cg, want, &d, true));
    EXPECT_EQ(d["errors"], 0) << output_;
    EXPECT_GT(d["checked"], 1000) << output_;
    // COMPUTEs 0 (dense half, W1: both lock-steps), 1 (compressed half, W1: groups), 2 (dense half, W2: rows):
    // exactly the reads of the rows and groups that may read (before the lock-steps COMPUTE 0 read 48 weight and
    // 24 activation words, not 16 and 12)
    for (int ph = 0; ph < 3; ++ph) {
      const std::string p = std::to_string(ph);
      EXPECT_EQ(d["w" + p], d["want_w" + p]) << "COMPUTE " << ph << "\n" << output_;
      EXPECT_EQ(d["a" + p], d["want_a" + p]) << "COMPUTE " << ph << "\n" << output_;
    }
    EXPECT_EQ(d["want_w0"], 16) << output_;  // row 0's four banks, four words each
    EXPECT_EQ(d["want_a0"], 12) << output_;  // three rows' group 0, four words each
    // the read registers of group 1 load only where the groups walk on their own (COMPUTEs 2 and 3)
    EXPECT_EQ(d["own0"], 0) << output_;
    EXPECT_EQ(d["own1"], 0) << output_;
    EXPECT_GT(d["own2"], 0) << output_;
    EXPECT_GT(d["own3"], 0) << output_;
    // COMPUTE 3 (compressed half, W2: no lock-step): every row and group reads its own; a memory's first word may
    // still be held from COMPUTE 1 (no write in between), one read less each at most
    EXPECT_EQ(d["w3"], d["want_w3"]) << output_;
    EXPECT_LE(d["a3"], d["want_a3"]) << output_;
    EXPECT_GE(d["a3"], d["want_a3"] - 8) << output_;
  }
}

TEST_F(SramHold, WeightExponentMemorySkipsReadsOfTheHeldWord) {
  for (int cg : {0, 1}) {
    SCOPED_TRACE("ClockGating " + std::to_string(cg));
    Fields d;
    ASSERT_NO_FATAL_FAILURE(run(kExpHoldBench, "exp_hold_tb",
                                {"bfp_icg.sv", "bfp_sram.sv", "bfp_sram_hold.sv", "bfp_byte_sel.sv",
                                 "bfp_wgt_bank.sv"},
                                cg,
                                {"reads", "requests", "checked", "errors"}, &d, true));
    EXPECT_EQ(d["errors"], 0) << output_;
    EXPECT_GT(d["checked"], 2000) << output_;
    // the address moves in 1 of 16 cycles, a write into the memory comes in 1 of 40: most requests find the word
    EXPECT_LT(d["reads"], d["requests"] / 2) << output_;
    EXPECT_GT(d["reads"], 0) << output_;
  }
}

}  // namespace
