// SPDX-License-Identifier: Apache-2.0
// bfp_requant alone against the golden requantizer (docs/arithmetic.md section 4), bit-exact, for several
// (B, W, F, Lanes) including Lanes < B (pipeline.requant_lanes, the multi-cycle requantizer of small FPGAs).
// Vectors aim at every branch of the shift: random full-width mantissas, small ones, the extremes +-2^(W-1),
// exponents spread wide (shifts far below -8 and above W) and close together (left shifts, ties), ReLU,
// lanes switched off past the valid columns. The testbench is generated here and run with Icarus; it also
// checks the latency (4, or 2 * B / Lanes + 1 when Lanes < B) and that codes and exponent hold while valid_o is high,
// and with B lanes streams the vectors again back to back (one block per cycle, results in order on consecutive cycles).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gen/emit_pkg.h"
#include "golden/bfp.h"
#include "support/seed.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;

struct RunResult {
  int status = -1;
  std::string output;
};

RunResult run(const std::string& cmd) {
  RunResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool have_tool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

/// A little-endian bit vector printed as one hex word for $readmemh.
class Bits {
 public:
  explicit Bits(int width) : b_(static_cast<size_t>(width), false) {}
  void set(int lsb, int width, uint64_t v) {
    for (int i = 0; i < width; ++i) b_[static_cast<size_t>(lsb + i)] = (i < 64) && ((v >> i) & 1);
  }
  std::string hex() const {
    std::string s;
    const int digits = static_cast<int>((b_.size() + 3) / 4);
    for (int d = digits - 1; d >= 0; --d) {
      int v = 0;
      for (int i = 0; i < 4; ++i) {
        const size_t k = static_cast<size_t>(4 * d + i);
        if (k < b_.size() && b_[k]) v |= 1 << i;
      }
      s += "0123456789abcdef"[v];
    }
    return s;
  }

 private:
  std::vector<bool> b_;
};

struct Shape {
  int block, width, guard, lanes;
};

std::string shape_name(const Shape& s) {
  return "B" + std::to_string(s.block) + "_W" + std::to_string(s.width) + "_F" + std::to_string(s.guard) + "_L" +
         std::to_string(s.lanes);
}

struct TempDir : bfp::test::TempDir {
  TempDir() : bfp::test::TempDir("bfpgen_requant_test") {}
};

const char* kBench = R"(
module requant_tb;
  localparam int B = `B, W = `W, N = `N, Lat = (`L < `B) ? 2 * `B / `L + 1 : 4;
  logic clk = 0, rst_n = 0, valid = 0, relu;
  logic [B-1:0] en;
  logic [B*W-1:0] m;
  logic [B*9-1:0] e;
  logic valid_o;
  logic [B*8-1:0] codes;
  logic [7:0] ex;
  logic [B+B*W+B*9:0] vin [0:N-1];
  logic [B*8+7:0] vout [0:N-1];
  int errors = 0, got = 0;
  bfp_requant #(.BlockSize(B), .AccWidth(W), .GuardBits(`F), .Lanes(`L)) dut (
    .clk_i(clk), .rst_ni(rst_n), .valid_i(valid), .relu_i(relu), .lane_en_i(en), .acc_m_i(m), .acc_e_i(e),
    .valid_o(valid_o), .codes_o(codes), .exp_o(ex));
  always #5 clk = ~clk;
  initial begin
    $readmemh("in.hex", vin);
    $readmemh("out.hex", vout);
    @(posedge clk); @(posedge clk); rst_n <= 1;
    for (int i = 0; i < N; i++) begin
      int lat;
      @(negedge clk);
      {relu, en, m, e} = vin[i];
      valid = 1;
      @(negedge clk);
      valid = 0;
      lat = 1;
      while (!valid_o && lat < 4 * Lat) begin @(negedge clk); lat++; end
      if (lat != Lat) begin
        if (errors < 10) $display("MISMATCH vector %0d: valid_o after %0d cycles, expected %0d", i, lat, Lat);
        errors++;
      end else if ({codes, ex} !== vout[i]) begin
        if (errors < 10) $display("MISMATCH vector %0d: got codes %h exp %h, expected %h", i, codes, ex, vout[i]);
        errors++;
      end
      @(negedge clk);
      if (valid_o) begin
        $display("MISMATCH vector %0d: valid_o longer than one cycle", i);
        errors++;
      end
    end
    // B lanes: the same vectors back to back, one per cycle (the store streams blocks like this): every result
    // in order, on N consecutive cycles, the first Lat cycles after the first vector
    if (`L >= `B) begin
      fork
        begin
          for (int i = 0; i < N; i++) begin
            @(negedge clk);
            {relu, en, m, e} = vin[i];
            valid = 1;
          end
          @(negedge clk);
          valid = 0;
        end
        for (int c = 1; c <= N + 2 * Lat; c++) begin
          @(negedge clk);
          if (valid_o) begin
            if (got == 0 && c != Lat + 1) begin
              $display("MISMATCH stream: first valid_o after %0d cycles, expected %0d", c - 1, Lat);
              errors++;
            end else if (c != Lat + 1 + got) begin
              $display("MISMATCH stream: result %0d not on the next cycle", got);
              errors++;
            end else if ({codes, ex} !== vout[got]) begin
              if (errors < 10) $display("MISMATCH stream vector %0d: got %h %h, expected %h", got, codes, ex, vout[got]);
              errors++;
            end
            got++;
          end
        end
      join
      if (got != N) begin
        $display("MISMATCH stream: %0d results for %0d vectors", got, N);
        errors++;
      end
    end
    $display("DONE vectors=%0d errors=%0d", N, errors);
    $finish;
  end
endmodule
)";

/// Writes in.hex/out.hex for `n` random vectors of shape s; expected values from bfp::requantize.
void write_vectors(const Shape& s, int n, uint32_t seed, const fs::path& dir) {
  std::mt19937_64 rng(seed);
  const int B = s.block, W = s.width;
  const int64_t hi = W == 64 ? INT64_MAX : (int64_t{1} << (W - 1)) - 1, lo = -hi - 1;
  bfp::golden::AccParams ap{W, s.guard};
  std::ofstream in(dir / "in.hex"), out(dir / "out.hex");
  auto pick = [&](int64_t a, int64_t b) { return std::uniform_int_distribution<int64_t>(a, b)(rng); };
  for (int v = 0; v < n; ++v) {
    const bool relu = pick(0, 3) == 0;
    const int valid_lanes = pick(0, 4) == 0 ? static_cast<int>(pick(0, B)) : B;
    const int mode = static_cast<int>(pick(0, 5));
    const int e_base = static_cast<int>(pick(0, 508));
    const int e_spread = pick(0, 1) ? 40 : 508;
    bfp::golden::AccMatrix acc;
    acc.m.resize(1, B);
    acc.e.resize(1, B);
    Bits bin(1 + B + B * W + B * 9);
    for (int j = 0; j < B; ++j) {
      int64_t m = 0;
      switch (mode) {
        case 0: m = pick(lo, hi); break;                                        // full width
        case 1: m = pick(-300, 300); break;                                     // small: left shifts
        case 2: m = pick(0, 2) == 0 ? pick(lo, hi) : 0; break;                  // mostly zero
        case 3: m = pick(0, 1) ? lo : hi; break;                                // extremes
        case 4: m = pick(-(int64_t{1} << pick(0, W - 2)), int64_t{1} << pick(0, W - 2)); break;
        default: m = pick(-1, 1) * (int64_t{1} << pick(0, W - 2)); break;       // powers of two: ties
      }
      m = std::min(std::max(m, lo), hi);
      const int e = static_cast<int>(std::min<int64_t>(508, std::max<int64_t>(0, e_base + pick(-e_spread, e_spread))));
      // garbage in switched-off lanes: the RTL must ignore it, the golden model sees zero
      const bool on = j < valid_lanes;
      acc.m(0, j) = on ? m : 0;
      acc.e(0, j) = e;
      // layout {relu, en, m, e} of the testbench, e at the bottom
      bin.set(j * 9, 9, static_cast<uint64_t>(e));
      bin.set(B * 9 + j * W, W, static_cast<uint64_t>(m));
      bin.set(B * 9 + B * W + j, 1, on ? 1 : 0);
    }
    bin.set(B * W + B * 9 + B, 1, relu ? 1 : 0);
    // golden model on a row of valid_lanes columns would also work; a full row with zeros is the same
    const bfp::golden::BfpMatrix q = bfp::golden::requantize(acc, B, ap, relu);
    Bits bout(B * 8 + 8);
    bout.set(0, 8, q.exps(0, 0));
    for (int j = 0; j < B; ++j) bout.set(8 + 8 * j, 8, static_cast<uint8_t>(q.codes(0, j)));
    in << bin.hex() << "\n";
    out << bout.hex() << "\n";
  }
}

class RequantRtl : public ::testing::TestWithParam<Shape> {};

TEST_P(RequantRtl, MatchesGoldenBitExact) {
  if (!have_tool("iverilog") || !have_tool("vvp")) GTEST_SKIP() << "iverilog not installed";
  const Shape s = GetParam();
  const uint32_t seed = static_cast<uint32_t>(bfp::test::seed_for(20261127u));
  const int n = s.block >= 32 ? 800 : 2000;  // Icarus runs ~1000 vectors per second of a 16-lane block
  std::cout << "seed " << seed << " (repro: BFP_SEED=" << seed
            << " build/tests/requant_rtl_test --gtest_filter='*" << shape_name(s) << "*')\n";
  TempDir tmp;
  write_vectors(s, n, seed, tmp.path());
  std::ofstream(tmp.path() / "tb.sv") << kBench;
  std::ofstream(tmp.path() / "bfp_pkg.sv") << bfp::package_source();  // bfp_requant refers to bfp_pkg::
  std::ostringstream defs;
  defs << " -DB=" << s.block << " -DW=" << s.width << " -DF=" << s.guard << " -DL=" << s.lanes << " -DN=" << n;
  const std::string d = "'" + tmp.path().string() + "'";
  RunResult r = run("iverilog -g2012 -s requant_tb" + defs.str() + " -o " + d + "/tb.vvp " + d + "/bfp_pkg.sv " + d +
                    "/tb.sv '" +
                    (kSource / "rtl" / "bfp_requant.sv").string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("cd " + d + " && vvp -n tb.vvp");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("DONE vectors=" + std::to_string(n) + " errors=0"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Shapes, RequantRtl,
                         ::testing::Values(Shape{4, 21, 0, 4}, Shape{4, 21, 0, 1}, Shape{4, 21, 0, 2},
                                           Shape{8, 24, 2, 8}, Shape{8, 24, 2, 1}, Shape{8, 24, 2, 4},
                                           Shape{16, 32, 4, 16}, Shape{16, 32, 4, 4},
                                           Shape{32, 64, 16, 32}, Shape{32, 40, 16, 8}),
                         [](const ::testing::TestParamInfo<Shape>& i) { return shape_name(i.param); });

// The whole accelerator with a multi-cycle requantizer, through the Verilator harness: the shipped UP5K
// configs (requant_lanes 1, B=4, dense store) and a sparse 2x2/B=8 variant with 2 lanes (compressed store).
// Output widths that are not a multiple of B switch lanes off; --relu and --prune cover the store flags.
struct GemmCase {
  const char* name;
  const char* yaml;  // nullptr: configs/<file>
  const char* args;
  const char* file = "up5k.yaml";
};

class RequantLanesGemm : public ::testing::TestWithParam<GemmCase> {};

TEST_P(RequantLanesGemm, BitExactThroughTheHarness) {
  const GemmCase& g = GetParam();
  TempDir tmp;
  std::string cfg = (kSource / "configs" / g.file).string();
  if (g.yaml) {
    cfg = (tmp.path() / "cfg.yaml").string();
    std::ofstream(cfg) << g.yaml;
  }
  const std::string cmd = "cd '" + kSource.string() + "' && '" + (fs::path(BFP_BINARY_DIR) / "bfpgen").string() +
                          "' gemm --config '" + cfg + "' " + g.args;
  std::cout << "repro: " << cmd << "\n";
  const RunResult r = run(cmd);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("BIT-EXACT"), std::string::npos) << r.output;
}

const char* kSparseLanes2 = R"(name: r2c2b8_lanes2
array: {rows: 2, cols: 2}
block_size: 8
accumulator: {width: 24, guard_bits: 2}
pipeline: {operand_regs: 1, requant_lanes: 2}
buffers: {act_depth: 256, wgt_depth: 256, acc_cols: 16}
memory: {data_width: 64, addr_width: 20}
sparsity: both
)";

INSTANTIATE_TEST_SUITE_P(
    Configs, RequantLanesGemm,
    ::testing::Values(GemmCase{"up5k", nullptr, "--m 16 --k 64 --n 16 --seed 1"},
                      GemmCase{"up5k_relu_ragged", nullptr, "--m 5 --k 24 --n 14 --seed 2 --relu --prune 3"},
                      GemmCase{"up5k_1x2", nullptr, "--m 7 --k 40 --n 18 --seed 4 --relu", "up5k_1x2.yaml"},
                      GemmCase{"sparse_lanes2", kSparseLanes2,
                               "--m 12 --k 64 --n 20 --seed 3 --act-sparsity 0.6 --relu"}),
    [](const ::testing::TestParamInfo<GemmCase>& i) { return std::string(i.param.name); });

}  // namespace
