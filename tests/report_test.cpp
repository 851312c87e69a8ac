// SPDX-License-Identifier: Apache-2.0
// Unit tests of the PPA report (report/, docs/ppa.md "Power from measured activity" and "Report"): technology
// scaling against the values printed in Stillmaker & Baas 2017 (erratum), the VCD toggle counter and the
// Verilator coverage parser on hand-written files with known counts, the activity-weighted power on a synthetic
// netlist, and the keys and units of the report JSON. The end-to-end `bfpgen report` run is in
// report_long_test.cpp (label long: it builds a coverage model).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "report/pipeline.h"
#include "report/power.h"
#include "report/report.h"
#include "report/tech_scaling.h"
#include "report/toggles.h"
#include "support/read_file.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using namespace bfp::report;
using nlohmann::json;

namespace {

struct TempDir : bfp::test::TempDir {
  TempDir() : bfp::test::TempDir("bfpgen_report_test") {}
};

const NodeFit& fit(double node) {
  for (const NodeFit& f : node_fits())
    if (f.node_nm == node) return f;
  throw std::runtime_error("no node");
}

}  // namespace

// ---- technology scaling --------------------------------------------------------------------------------

TEST(TechScaling, ErratumWorkedExample) {
  // The erratum of Stillmaker & Baas 2017 (Sec. 4.2.1): EnergyFactor(32 nm HP, 0.9 V) = 0.4571,
  // EnergyFactor(65 nm, 1.3 V) = 2.604, and a 1 pJ/op design at 65 nm/1.3 V is 0.1755 pJ/op at 32 nm/0.9 V.
  EXPECT_NEAR(fit_energy(fit(32), 0.9), 0.4571, 5e-4);
  EXPECT_NEAR(fit_energy(fit(65), 1.3), 2.604, 5e-4);
  EXPECT_NEAR(fit_energy(fit(32), 0.9) / fit_energy(fit(65), 1.3) * 1.0, 0.1755, 5e-4);
}

TEST(TechScaling, PaperNodesAreExactAndAreaFromTable) {
  const ScaleFactors s = scale_from_180(45);
  EXPECT_FALSE(s.interpolated);
  EXPECT_DOUBLE_EQ(s.area, 0.053);  // the paper's area table, 180 nm -> 45 nm
  EXPECT_DOUBLE_EQ(s.vdd_v, 1.0);
  // ratios of the fitted polynomials at the nominal supplies
  EXPECT_NEAR(s.energy, fit_energy(fit(45), 1.0) / fit_energy(fit(180), 1.8), 1e-12);
  EXPECT_NEAR(s.delay, fit_delay(fit(45), 1.0) / fit_delay(fit(180), 1.8), 1e-12);
  // energy shrinks by ~55x, delay by ~6x: order of magnitude checks of the coefficients
  EXPECT_GT(1 / s.energy, 40);
  EXPECT_LT(1 / s.energy, 70);
  EXPECT_GT(1 / s.delay, 4);
  EXPECT_LT(1 / s.delay, 9);
  const ScaleFactors one = scale_from_180(180);
  EXPECT_DOUBLE_EQ(one.energy, 1.0);
  EXPECT_DOUBLE_EQ(one.delay, 1.0);
  EXPECT_DOUBLE_EQ(one.area, 1.0);
}

TEST(TechScaling, InterpolatedNodesLieBetweenNeighbours) {
  const ScaleFactors a = scale_from_180(45), b = scale_from_180(32), c = scale_from_180(20);
  const ScaleFactors s40 = scale_from_180(40), s28 = scale_from_180(28);
  EXPECT_TRUE(s40.interpolated);
  EXPECT_TRUE(s28.interpolated);
  // (the paper's delay is not monotonic in the node: HP20 at 0.9 V is slower than HP32 at 0.9 V)
  for (auto [x, mid, y] : {std::tuple{b.energy, s40.energy, a.energy}, std::tuple{b.area, s40.area, a.area},
                           std::tuple{b.delay, s40.delay, a.delay}, std::tuple{c.energy, s28.energy, b.energy},
                           std::tuple{c.delay, s28.delay, b.delay}, std::tuple{c.area, s28.area, b.area}}) {
    EXPECT_LT(std::min(x, y), mid);
    EXPECT_LT(mid, std::max(x, y));
  }
  // geometric in node size: 40 nm is log(45/40)/log(45/32) of the way from 45 to 32 nm
  const double t = std::log(45.0 / 40) / std::log(45.0 / 32);
  EXPECT_NEAR(std::log(s40.area), (1 - t) * std::log(a.area) + t * std::log(b.area), 1e-12);
  EXPECT_THROW(scale_from_180(5), std::invalid_argument);
  EXPECT_THROW(scale_from_180(250), std::invalid_argument);
}

// ---- VCD toggle counter --------------------------------------------------------------------------------

constexpr const char* kVcd = R"($date today $end
$timescale 1ns $end
$scope module top $end
$var wire 1 ! clk $end
$var wire 4 " data [3:0] $end
$scope module u_a $end
$var wire 4 " data_in [3:0] $end
$var reg 1 # q $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
0!
b0000 "
x#
$end
#5
1!
b0101 "
0#
#10
0!
b1111 "
1#
#15
1!
bz "
#20
0!
b1 "
x#
#25
1!
b0 "
)";

TEST(VcdToggles, HandWrittenFileHasKnownCounts) {
  std::istringstream in(kVcd);
  const VcdToggles t = count_vcd(in, "top.clk");
  // data: 0000->0101 (2), ->1111 (2), ->zzzz (0), ->0001 (0: from z), ->0000 (1) = 5, in both scopes (alias)
  // q: x->0 (0), 0->1 (1), 1->x (0) = 1; clk is a clock net: its 5 toggles and its bit are left out, its rising
  // edges counted
  ASSERT_EQ(t.scopes.count(""), 1u);
  ASSERT_EQ(t.scopes.count("u_a"), 1u);
  EXPECT_EQ(t.scopes.at("").bits, 4u);
  EXPECT_EQ(t.scopes.at("").toggles, 5u);
  EXPECT_EQ(t.clock_net_bits, 1u);
  EXPECT_EQ(t.scopes.at("u_a").bits, 5u);
  EXPECT_EQ(t.scopes.at("u_a").toggles, 5u + 1u);
  EXPECT_EQ(t.clock_edges, 3u);
  EXPECT_EQ(t.end_time, 25u);
}

TEST(VcdToggles, ClockNetsAreToldByTheirNames) {
  for (const char* n : {"clk", "clk_i", "gclk_o", "gclk_i[3]", "clk_mul", "stage_clk", "stage_clk_e", "unit_gclk",
                        "unused_gclk", "gclk_w"})
    EXPECT_TRUE(is_clock_net(n)) << n;
  for (const char* n : {"clock_o", "clkdiv", "blk_valid_q", "aclk_q", "clk2", "nclk_count", "", "_", "en_i[0]"})
    EXPECT_FALSE(is_clock_net(n)) << n;
  // an alias is counted under its data names only: a clock wired into a port named as data is data there
  std::istringstream in("$scope module top $end\n$var wire 1 ! clk_i $end\n$scope module u $end\n"
                        "$var wire 1 ! strobe_i $end\n$upscope $end\n$upscope $end\n$enddefinitions $end\n"
                        "#0\n0!\n#1\n1!\n#2\n0!\n");
  const VcdToggles t = count_vcd(in, "top.clk_i");
  EXPECT_EQ(t.scopes.count(""), 0u);
  EXPECT_EQ(t.scopes.at("u").bits, 1u);
  EXPECT_EQ(t.scopes.at("u").toggles, 2u);
  EXPECT_EQ(t.clock_net_bits, 1u);
  EXPECT_EQ(t.clock_edges, 1u);
}

TEST(VcdToggles, MalformedInputNamesTheLine) {
  std::istringstream in("$scope module top $end\n$var wire 1 ! a $end\n$upscope $end\n$enddefinitions $end\n#0\n0?\n");
  try {
    count_vcd(in);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 6"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("undeclared"), std::string::npos) << e.what();
  }
  std::istringstream no_defs("$scope module top $end\n");
  EXPECT_THROW(count_vcd(no_defs), std::runtime_error);
}

// ---- Verilator coverage parser -------------------------------------------------------------------------

std::string cov_rec(const std::string& file, int line, const std::string& page, const std::string& o,
                    const std::string& h, uint64_t n) {
  return "C '\001f\002" + file + "\001l\002" + std::to_string(line) + "\001page\002" + page + "\001o\002" + o +
         "\001h\002" + h + "' " + std::to_string(n) + "\n";
}

// A VCD with the top module as its root scope (the model's own traces wrap it in a root scope of the same name:
// the second case of ActivityToggles below); a generate block's signals sit in the block's scope (gen_row[0]), and
// a clock gate's gated clk_i inside is another clock.
const char* kModelVcd = R"($timescale 1ps $end
$scope module bfp_top $end
$var wire 1 ! clk_i $end
$var wire 2 " d_i [1:0] $end
$scope module u_core $end
$scope module gen_row[0] $end
$var wire 3 # w_q [2:0] $end
$scope module u_mem $end
$var wire 1 $ clk_i $end
$var wire 1 % en_i $end
$upscope $end
$upscope $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
0!
b00 "
b000 #
0$
0%
$end
#1
1!
b11 "
1$
1%
#2
0!
0$
0%
#3
1!
b111 #
#4
0!
)";

TEST(VcdToggles, ModelVcdHasTheCoveragePaths) {
  std::istringstream in(kModelVcd);
  const VcdToggles v = count_vcd(in, kVcdClock);
  EXPECT_EQ(v.clock_edges, 2u);  // the top's clk_i only, not the gated one below
  // the top module's own signals under "", submodules relative to it, as parse_coverage names them
  // clock nets (the top's clk_i: 4 changes; the gated clk_i) are left out of the toggles
  ASSERT_EQ(v.scopes.count(""), 1u);
  EXPECT_EQ(v.scopes.at("").bits, 2u);
  EXPECT_EQ(v.scopes.at("").toggles, 2u);  // d_i 2 bits once
  EXPECT_EQ(v.clock_net_bits, 2u);
  // a generate block's signal is there (Verilator 5.006's toggle coverage has no point for it)
  ASSERT_EQ(v.scopes.count("u_core.gen_row[0]"), 1u);
  EXPECT_EQ(v.scopes.at("u_core.gen_row[0]").bits, 3u);
  EXPECT_EQ(v.scopes.at("u_core.gen_row[0]").toggles, 3u);
  EXPECT_EQ(v.scopes.at("u_core.gen_row[0].u_mem").bits, 1u);
  EXPECT_EQ(v.scopes.at("u_core.gen_row[0].u_mem").toggles, 2u);  // en_i 0->1->0
}

TEST(ActivityToggles, RunTakesItsVcdSummaryAndChecksTheCycles) {
  TempDir d;
  const std::string dir = d.path().string();
  d.write("gemm.json", R"({"gemm": "test"})");
  d.write("coverage.dat", "# SystemC::Coverage-3\n" +
                              cov_rec("x.sv", 1, "v_toggle/bfp_top", "busy_o", "bfp_top.bfp_top", 7));
  d.write("coverage.dat.cycles", "2\n");
  // no VCD: the run's toggles are the coverage's
  const bfp::report::Run c = load_run(dir, 0.0);
  EXPECT_FALSE(c.has_vcd);
  EXPECT_TRUE(c.vcd_toggles.empty());
  EXPECT_FALSE(summarize_activity_vcd(dir));

  d.write("activity.vcd", kModelVcd);
  ASSERT_TRUE(summarize_activity_vcd(dir));
  EXPECT_FALSE(fs::exists(d.path() / "activity.vcd"));  // the summary replaces it
  ASSERT_TRUE(fs::exists(d.path() / "activity_toggles.json"));
  const bfp::report::Run r = load_run(dir, 0.0);
  EXPECT_TRUE(r.has_vcd);
  EXPECT_EQ(r.vcd_toggles.at("").toggles, 2u);
  EXPECT_EQ(r.vcd_toggles.at("u_core.gen_row[0].u_mem").toggles, 2u);
  EXPECT_EQ(r.vcd_toggles.at("u_core.gen_row[0]").toggles, 3u);
  EXPECT_EQ(r.cov.scopes.at("").toggles, 7u);  // SRAM accesses and gates still come from the coverage

  // load_run must refuse, with `text` in the message
  auto refused = [&](const std::string& text) {
    try {
      load_run(dir, 0.0);
      ADD_FAILURE() << "no exception, expected one naming '" << text << "'";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  // a summary of another run (its clock edges are not the coverage run's cycles)
  d.write("coverage.dat.cycles", "9\n");
  refused("not the same run");
  // ... and a VCD of another run is refused before it is summarized, and kept
  const std::string summary = bfp::test::read_file(d.path() / "activity_toggles.json");
  d.write("activity.vcd", kModelVcd);
  try {
    summarize_activity_vcd(dir);
    ADD_FAILURE() << "a VCD of 2 cycles summarized for a run of 9";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not the same run"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(d.path() / "activity.vcd"));
  EXPECT_EQ(bfp::test::read_file(d.path() / "activity_toggles.json"), summary);
  fs::remove(d.path() / "activity.vcd");
  // a damaged summary, named
  d.write("coverage.dat.cycles", "2\n");
  d.write("activity_toggles.json", R"({"source": "vcd", "method": ")" + std::string(kToggleMethod) +
                                       R"(", "clock_edges": 2, "scopes": {"": [1]}})");
  refused("activity_toggles.json");
  // a summary of another method (an older bfpgen's, clock nets counted) is refused, not mixed in
  d.write("activity_toggles.json", R"({"source": "vcd", "clock_edges": 2, "scopes": {"": [1, 0]}})");
  refused("another toggle method");
  // Verilator's wrapper around the top module, named like it (the model's traces have it): the wrapper's port
  // copies are left out and the top's name dropped, so the paths and counts are the same
  std::string wrapped = kModelVcd;
  wrapped.replace(wrapped.find("$scope module bfp_top $end"), 26,
                  "$scope module bfp_top $end\n$var wire 1 ! clk_i $end\n$var wire 2 \" d_i [1:0] $end\n"
                  "$scope module bfp_top $end");
  wrapped.replace(wrapped.find("$enddefinitions"), 0, "$upscope $end\n");
  d.write("activity.vcd", wrapped);
  ASSERT_TRUE(summarize_activity_vcd(dir));
  const bfp::report::Run w = load_run(dir, 0.0);
  EXPECT_EQ(w.vcd_toggles.size(), r.vcd_toggles.size());
  for (const auto& [path, t] : r.vcd_toggles) {
    ASSERT_EQ(w.vcd_toggles.count(path), 1u) << path;
    EXPECT_EQ(w.vcd_toggles.at(path).bits, t.bits) << path;
    EXPECT_EQ(w.vcd_toggles.at(path).toggles, t.toggles) << path;
  }

  // a scope beside the top module in Verilator's wrapper cannot be mapped onto the netlist: refused
  std::string beside = wrapped;
  const std::string top_in_wrapper = "$var wire 2 \" d_i [1:0] $end\n$scope module bfp_top $end";
  beside.replace(beside.find(top_in_wrapper), top_in_wrapper.size(),
                 "$var wire 2 \" d_i [1:0] $end\n$scope module pkg $end\n$var wire 1 & p $end\n$upscope $end\n"
                 "$scope module bfp_top $end");
  d.write("activity.vcd", beside);
  EXPECT_THROW(summarize_activity_vcd(dir), std::runtime_error);
  EXPECT_TRUE(fs::exists(d.path() / "activity.vcd"));

  // a damaged VCD names the file and leaves it in place
  d.write("activity.vcd", "$scope module TOP $end\n");
  EXPECT_THROW(summarize_activity_vcd(dir), std::runtime_error);
  EXPECT_TRUE(fs::exists(d.path() / "activity.vcd"));
}

TEST(Coverage, TogglesPerScopeAndSramAccesses) {
  TempDir d;
  d.write("bfp_sram.sv", "module bfp_sram;\n  always_ff @(posedge clk_i) begin\n    if (we_i) mem_q[waddr_i] <= wdata_i;\n"
                         "    if (re_i) rdata_o <= mem_q[raddr_i];\n  end\nendmodule\n");
  const std::string f = (d.path() / "bfp_sram.sv").string();
  std::string text = "# SystemC::Coverage-3\n";
  text += cov_rec(f, 1, "v_toggle/bfp_pe", "acc[0]", "bfp_top.bfp_top.u_core.u_pe", 10);
  text += cov_rec(f, 1, "v_toggle/bfp_pe", "acc[1]", "bfp_top.bfp_top.u_core.u_pe", 4);
  text += cov_rec(f, 1, "v_toggle/bfp_top", "busy_o", "bfp_top.bfp_top", 7);
  text += cov_rec(f, 3, "v_branch/bfp_sram__D20", "if", "bfp_top.bfp_top.u_core.u_buf", 11);
  text += cov_rec(f, 3, "v_branch/bfp_sram__D20", "else", "bfp_top.bfp_top.u_core.u_buf", 89);
  text += cov_rec(f, 4, "v_branch/bfp_sram__D20", "if", "bfp_top.bfp_top.u_core.u_buf", 42);
  text += cov_rec(f, 2, "v_line/bfp_sram__D20", "block", "bfp_top.bfp_top.u_core.u_buf", 100);
  std::istringstream in(text);
  const CoverageToggles c = parse_coverage(in);
  EXPECT_EQ(c.scopes.at("u_core.u_pe").bits, 2u);
  EXPECT_EQ(c.scopes.at("u_core.u_pe").toggles, 14u);
  EXPECT_EQ(c.scopes.at("").toggles, 7u);
  EXPECT_EQ(c.srams.at("u_core.u_buf").writes, 11u);
  EXPECT_EQ(c.srams.at("u_core.u_buf").reads, 42u);
  // clock gates: two gclk_o toggles per open cycle (one when the run ends in an open gate's high phase); a gated
  // bfp_sram's accesses are its gates' open cycles
  std::string gated = "# SystemC::Coverage-3\n";
  gated += cov_rec(f, 4, "v_toggle/bfp_icg", "gclk_o", "bfp_top.bfp_top.u_core.u_x.gen_gated.u_icg_w", 10);
  gated += cov_rec(f, 4, "v_toggle/bfp_icg", "gclk_o", "bfp_top.bfp_top.u_core.u_x.gen_gated.u_icg_r", 61);
  gated += cov_rec(f, 2, "v_toggle/bfp_icg", "clk_i", "bfp_top.bfp_top.u_core.u_x.gen_gated.u_icg_r", 200);
  gated += cov_rec(f, 3, "v_toggle/bfp_icg", "en_i", "bfp_top.bfp_top.u_core.u_x.gen_gated.u_icg_r", 9);
  gated += cov_rec(f, 4, "v_toggle/bfp_icg", "gclk_o", "bfp_top.bfp_top.u_core.u_acc.u_icg", 7);
  std::istringstream gin(gated);
  const CoverageToggles g = parse_coverage(gin);
  EXPECT_EQ(g.gates.at("u_core.u_x.gen_gated.u_icg_w"), 5u);
  EXPECT_EQ(g.gates.at("u_core.u_x.gen_gated.u_icg_r"), 31u);
  EXPECT_EQ(g.gates.at("u_core.u_acc.u_icg"), 4u);
  EXPECT_EQ(g.gates.size(), 3u);
  EXPECT_EQ(g.srams.at("u_core.u_x").writes, 5u);
  EXPECT_EQ(g.srams.at("u_core.u_x").reads, 31u);
  EXPECT_EQ(g.srams.size(), 1u);
  // clock nets (clk_i, gclk_o) are left out of the toggles: only en_i counts
  EXPECT_EQ(g.scopes.at("u_core.u_x.gen_gated.u_icg_r").bits, 1u);
  EXPECT_EQ(g.scopes.at("u_core.u_x.gen_gated.u_icg_r").toggles, 9u);
  EXPECT_EQ(g.scopes.count("u_core.u_x.gen_gated.u_icg_w"), 0u);
  // a file written without per-instance hierarchy is refused, not silently mis-mapped
  std::istringstream merged(cov_rec(f, 1, "v_toggle/bfp_pe", "a", "bfp_top.bfp_top.u_core.g[*].u_pe", 1));
  EXPECT_THROW(parse_coverage(merged), std::runtime_error);
}

// ---- activity-weighted power ---------------------------------------------------------------------------

TEST(Power, WeightsEachInstanceByItsMappedScopes) {
  NetlistPower np;
  np.instances[""] = {"bfp_top", 1, 1.0, 3.0, 0.1, {}, {}};
  np.instances["u_core.u_array"] = {"bfp_pe_array", 2, 2.0, 10.0, 0.2, {}, {}};
  np.instances["u_core.u_array.gen_row[0].u_pe"] = {"bfp_pe", 3, 1.0, 5.0, 0.0, {}, {}};
  np.instances["u_core.u_store"] = {"bfp_store", 1, 0.5, 1.5, 0.0, {}, {}};  // no RTL scope: gets the mean rate
  np.module_groups = {{"bfp_pe_array", "PE array"}, {"bfp_pe", "PE array"}};  // read_module_groups in bfpgen report
  ToggleMap t;
  t[""] = {10, 10};                                // rate 10 / (10 x 100) = 0.01
  t["u_core.u_array"] = {10, 100};                 // + generate scope below -> u_core.u_array
  t["u_core.u_array.gen_row[0]"] = {10, 100};      //   together 200 / (20 x 100) = 0.1
  t["u_core.u_array.gen_row[0].u_pe"] = {5, 250};  // 0.5
  const WeightedPower w = weight_power(np, t, 100);
  const double mean = (10 + 200 + 250) / (35.0 * 100);
  EXPECT_NEAR(w.rate_by_instance.at("(top)"), 0.01, 1e-12);
  EXPECT_NEAR(w.rate_by_instance.at("u_core.u_array"), 0.1, 1e-12);
  EXPECT_NEAR(w.rate_by_instance.at("u_core.u_array.gen_row[0].u_pe"), 0.5, 1e-12);
  EXPECT_NEAR(w.rate_by_instance.at("u_core.u_store"), mean, 1e-12);
  const double expect = (1 + 0.01 * 2) + (2 + 0.1 * 8) + (1 + 0.5 * 4) + (0.5 + mean * 1);
  EXPECT_NEAR(w.total_w, expect, 1e-12);
  EXPECT_NEAR(w.leakage_w, 0.3, 1e-12);
  EXPECT_NEAR(w.total_by_group_w.at("PE array"), 2 + 0.8 + 1 + 2, 1e-12);
  EXPECT_EQ(w.instances_unmeasured, 1u);
  EXPECT_NEAR(w.leakage_w + w.clock_w + w.dynamic_w, w.total_w, 1e-12);
  // per module: each instance's own figures under its base module, the parts adding up to the total
  ASSERT_EQ(w.by_module.size(), 4u);
  EXPECT_EQ(w.by_module.at("bfp_pe").instances, 1u);
  EXPECT_NEAR(w.by_module.at("bfp_pe").total_w, 1 + 0.5 * 4, 1e-12);
  EXPECT_NEAR(w.by_module.at("bfp_pe").dynamic_w, 0.5 * 4, 1e-12);
  EXPECT_NEAR(w.by_module.at("bfp_pe_array").clock_w, 2 - 0.2, 1e-12);
  EXPECT_NEAR(w.by_module.at("bfp_pe_array").leakage_w, 0.2, 1e-12);
  EXPECT_NEAR(w.by_module.at("bfp_store").total_w, 0.5 + mean * 1, 1e-12);
  double sum = 0;
  for (const auto& [m, mp] : w.by_module) {
    sum += mp.total_w;
    EXPECT_NEAR(mp.clock_w + mp.dynamic_w + mp.leakage_w, mp.total_w, 1e-12) << m;
  }
  EXPECT_NEAR(sum, w.total_w, 1e-12);
}

// Files in the format of scripts/ppa/power.sh (OpenSTA report_power -instances, power_hier.txt).
void write_power_files(const TempDir& d) {
  const std::string head = "   Internal  Switching    Leakage      Total\n      Power      Power      Power      Power\n"
                           "--------------------------------------------\n";
  d.write("power_inst_a0.txt", head + "1e-3 0 1e-9 1.000001e-3 u_core/_1_\n0 0 0 0 u_core\n"
                                      "2e-3 0 2e-9 2.000002e-3 u_core/u_pe/_2_\n0 0 0 0 u_core/u_buf/gen_macro.u_macro\n"
                                      "5e-4 0 0 5e-4 _3_\n");
  d.write("power_inst_a1.txt", head + "3e-3 1e-3 1e-9 4.000001e-3 u_core/_1_\n0 0 0 0 u_core\n"
                                      "4e-3 2e-3 2e-9 6.000002e-3 u_core/u_pe/_2_\n0 0 0 0 u_core/u_buf/gen_macro.u_macro\n"
                                      "5e-4 5e-4 0 1e-3 _3_\n");
  d.write("power_hier.txt", "u_core $paramod$ab\\bfp_core\nu_core/u_pe $paramod$cd\\bfp_pe\n"
                            "u_core/u_buf $paramod$ef\\bfp_sram\nu_core/u_buf/gen_macro.u_macro bfp_sram_macro_w64_d32\n");
}

// Clock gates: the clock-pin part (P0 - leakage) of the cells behind a gate is scaled by the gate's open fraction.
TEST(Power, GatedClockPinsScaleWithTheOpenFraction) {
  NetlistPower np;
  np.instances["u_buf"] = {"bfp_sram", 3, 3.0, 7.0, 0.3, {}, {}};
  np.instances["u_buf"].gated_clock_w["u_buf.gen_gated.u_icg_w"] = 2.0;  // two of its flip-flops, 1 W each
  np.instances["u_buf"].gated_clock_w["u_buf.gen_gated.u_icg_r"] = 0.5;
  ToggleMap t;
  t["u_buf"] = {10, 100};  // rate 0.1
  // open 25 of 100 cycles (write gate), the read gate without a count: taken as always open
  const WeightedPower w = weight_power(np, t, 100, {{"u_buf.gen_gated.u_icg_w", 25}});
  EXPECT_NEAR(w.gated_clock_full_w, 2.5, 1e-12);
  EXPECT_NEAR(w.gated_clock_saved_w, 0.75 * 2.0, 1e-12);
  EXPECT_NEAR(w.total_w, 3.0 - 1.5 + 0.1 * 4.0, 1e-12);
  EXPECT_NEAR(w.clock_w, 3.0 - 0.3 - 1.5, 1e-12);
  EXPECT_NEAR(w.leakage_w + w.clock_w + w.dynamic_w, w.total_w, 1e-12);
  EXPECT_NEAR(w.by_module.at("bfp_sram").clock_w, 3.0 - 0.3 - 1.5, 1e-12);  // the module's share of the saving
  EXPECT_NEAR(w.by_module.at("bfp_sram").total_w, w.total_w, 1e-12);
  EXPECT_EQ(w.gates, 2u);
  ASSERT_EQ(w.gates_unmeasured.size(), 1u);
  EXPECT_EQ(w.gates_unmeasured[0], "u_buf.gen_gated.u_icg_r");
  // a gate open every cycle saves nothing: the same power as without gates
  const WeightedPower open = weight_power(np, t, 100, {{"u_buf.gen_gated.u_icg_w", 100}, {"u_buf.gen_gated.u_icg_r", 100}});
  EXPECT_NEAR(open.total_w, 3.0 + 0.1 * 4.0, 1e-12);
  EXPECT_NEAR(open.gated_clock_saved_w, 0.0, 1e-12);
}

TEST(Power, ReadsOpenStaInstanceReports) {
  TempDir d;
  write_power_files(d);
  const NetlistPower np = read_netlist_power(d.path().string());
  EXPECT_EQ(np.instances.at("u_core").module, "bfp_core");
  EXPECT_EQ(np.instances.at("u_core.u_pe").module, "bfp_pe");
  EXPECT_NEAR(np.instances.at("u_core.u_pe").p1_w, 6.000002e-3, 1e-15);
  EXPECT_NEAR(np.instances.at("").p0_w, 5e-4, 1e-15);
  EXPECT_EQ(np.instances.at("u_core").cells, 1u);
  EXPECT_EQ(np.sram_macros.at("u_core.u_buf"), "bfp_sram_macro_w64_d32");
  EXPECT_TRUE(np.instances.at("u_core.u_pe").gated_clock_w.empty());  // no power_gated.txt: no gates
  // power_gated.txt: the leaf's clock-pin part (P0 - leakage) is booked under its gate
  d.write("power_gated.txt", "u_core/u_pe/_2_ u_core/u_pe/u_icg\n");
  const NetlistPower gated = read_netlist_power(d.path().string());
  EXPECT_NEAR(gated.instances.at("u_core.u_pe").gated_clock_w.at("u_core.u_pe.u_icg"), 2e-3, 1e-15);
  d.write("power_gated.txt", "u_core/u_pe/_9_ u_core/u_pe/u_icg\n");
  EXPECT_THROW(read_netlist_power(d.path().string()), std::runtime_error);
  std::filesystem::remove(d.path() / "power_gated.txt");
  EXPECT_THROW(read_netlist_power((d.path() / "missing").string()), std::runtime_error);
}

// ---- report JSON: keys, units, figures -----------------------------------------------------------------

TEST(ReportJson, KeysUnitsAndFigures) {
  TempDir d;
  write_power_files(d);
  json asic = {{"config", "t"}, {"config_hash", "h"}, {"fmax_mhz", 100.0}, {"critical_path_ns", 10.0},
               {"total_area_mm2", 2.0}, {"config_values", {{"array", {{"rows", 2}, {"cols", 4}}}}},
               {"area_by_group_um2", {{"PE array", 1.5e6}, {"control", 0.5e6}}},
               {"sram_macros", {{"bfp_sram_macro_w64_d32", {{"read_energy_pj", 10.0}, {"write_energy_pj", 20.0}}}}}};
  d.write("asic.json", asic.dump());
  bfp::report::Run run;
  run.act_sparsity = 0.5;
  run.dir = d.path().string();
  run.cycles = 1000;  // 10 us at 100 MHz
  run.gemm = {{"macs", 8000}, {"useful_macs", 4000}, {"memory", {{"read_bytes", 800}, {"write_bytes", 200}}},
              {"sparsity", {{"achieved", {{"act", 0.5}}}}}, {"gemm", {{"m", 1}}}, {"bit_exact", true},
              {"cycles", {{"total", 990}}}};
  run.cov.scopes[""] = {10, 5000};  // rate 0.5 everywhere (all instances get the mean)
  run.cov.srams["u_core.u_buf"] = {3, 7};  // 3 writes, 7 reads
  const json rep = build_report(d.path().string(), read_netlist_power(d.path().string()), std::vector<bfp::report::Run>{run});
  for (const char* k : {"area_mm2", "fmax_mhz", "peak_tops", "peak_tops_per_mm2", "area_by_group_mm2"})
    EXPECT_TRUE(rep.contains(k)) << k;
  const json& r = rep["runs"][0];
  for (const char* k : {"tops_per_w", "effective_tops", "useful_tops", "energy_per_mac_pj", "chip_power_mw",
                        "sram_energy_nj", "logic_power_mw", "dram_energy_nj_low", "effective_tops_per_mm2"})
    EXPECT_TRUE(r.contains(k)) << k;
  EXPECT_NEAR(rep["peak_tops"].get<double>(), 2.0 * 8 * 100e6 / 1e12, 1e-15);
  EXPECT_NEAR(rep["area_by_group_mm2"]["PE array"].get<double>(), 1.5, 1e-12);
  // logic: P0 + 0.5 (P1 - P0) per instance; sums 3.5e-3 + 1e-3 ... computed by hand:
  const double logic_w = (1.000001e-3 + 0.5 * 3e-3) + (2.000002e-3 + 0.5 * 4e-3) + (5e-4 + 0.5 * 5e-4);
  EXPECT_NEAR(r["logic_power_mw"].get<double>(), logic_w * 1e3, 1e-9);
  EXPECT_NEAR(r["sram_energy_nj"].get<double>(), (7 * 10.0 + 3 * 20.0) / 1e3, 1e-12);
  const double chip_pj = logic_w * 10e-6 * 1e12 + 130.0;
  EXPECT_NEAR(r["energy_per_mac_pj"].get<double>(), chip_pj / 8000, 1e-9);
  EXPECT_NEAR(r["effective_tops"].get<double>(), 2 * 8000 / 10e-6 / 1e12, 1e-15);
  EXPECT_NEAR(r["tops_per_w"].get<double>(), 2 * 8000 / (chip_pj * 1e-12) / 1e12, 1e-9);
  EXPECT_NEAR(r["dram_energy_nj_low"].get<double>(), 1000 / 8.0 * 1300 / 1e3, 1e-9);
  ASSERT_EQ(rep["scaled"].size(), 3u);
  EXPECT_EQ(rep["scaled"][0]["node_nm"].get<double>(), 45);
  EXPECT_NEAR(rep["scaled"][0]["runs"][0]["tops_per_w"].get<double>() * scale_from_180(45).energy,
              r["tops_per_w"].get<double>(), 1e-9);
  EXPECT_TRUE(rep.contains("horowitz_check"));
  // per module (each instance's own leaf cells): the bfp_pe instance, bfp_core's, the top's, and the bfp_sram whose only
  // leaf is its macro (0 here: the macros' energy is the SRAM figure, from their accesses)
  const json& pm = r["logic_power_by_module_mw"];
  ASSERT_EQ(pm.size(), 4u) << pm.dump();
  EXPECT_EQ(pm["bfp_sram"]["total"].get<double>(), 0.0);
  EXPECT_EQ(pm["bfp_pe"]["instances"].get<uint64_t>(), 1u);
  EXPECT_NEAR(pm["bfp_pe"]["total"].get<double>(), (2.000002e-3 + 0.5 * 4e-3) * 1e3, 1e-9);
  EXPECT_NEAR(pm["bfp_pe"]["clock_pins"].get<double>(), 2e-3 * 1e3, 1e-9);
  EXPECT_NEAR(pm["bfp_pe"]["switching"].get<double>(), 0.5 * 4e-3 * 1e3, 1e-9);
  EXPECT_NEAR(pm["bfp_core"]["total"].get<double>(), (1.000001e-3 + 0.5 * 3e-3) * 1e3, 1e-9);
  EXPECT_NEAR(pm["bfp_top"]["total"].get<double>(), (5e-4 + 0.5 * 5e-4) * 1e3, 1e-9);
  // the Markdown and the plots come out of the same JSON
  const std::string md = render_markdown(rep);
  EXPECT_NE(md.find("TOPS/W"), std::string::npos);
  // the module table, largest first: total of each run, then the first run's clock pins and switching
  const size_t pe_row = md.find("| bfp_pe | 1 | 4.00 | 2.00 | 2.00 |");
  EXPECT_NE(pe_row, std::string::npos) << md;
  EXPECT_LT(pe_row, md.find("| bfp_core | 1 | 2.50 |")) << md;
  EXPECT_LT(md.find("| bfp_core | 1 | 2.50 |"), md.find("| bfp_top | 1 | 0.75 |")) << md;
  const auto files = write_plots(rep, d.path().string());
  EXPECT_EQ(files.size(), 3u);
  for (const auto& f : files) EXPECT_GT(fs::file_size(d.path() / f), 200u) << f;
  // a run with weight zeros: its own column label and an achieved weight sparsity row; the activation-sparsity
  // plots leave it out (the x axis would put it on top of the run with the same activation sparsity)
  bfp::report::Run wrun = run;
  wrun.act_sparsity = 0.9;
  wrun.wgt_sparsity = 0.9;
  wrun.gemm["sparsity"]["achieved"]["wgt"] = 0.875;
  const json rep2 = build_report(d.path().string(), read_netlist_power(d.path().string()),
                                 std::vector<bfp::report::Run>{run, wrun});
  EXPECT_EQ(rep2["runs"][1]["wgt_sparsity"].get<double>(), 0.9);
  EXPECT_EQ(rep2["runs"][1]["achieved_wgt_sparsity"].get<double>(), 0.875);
  EXPECT_EQ(rep2["runs"][0]["achieved_wgt_sparsity"].get<double>(), 0.0);  // the run without a "wgt" figure
  EXPECT_EQ(rep2["scaled"][0]["runs"][1]["wgt_sparsity"].get<double>(), 0.9);
  const std::string md2 = render_markdown(rep2);
  EXPECT_NE(md2.find("| figure | act sparsity 0.50 | act sparsity 0.90 / wgt 0.90 |"), std::string::npos) << md2;
  EXPECT_NE(md2.find("| achieved weight sparsity | 0.000 | 0.875 |"), std::string::npos) << md2;
  EXPECT_EQ(render_markdown(rep).find("achieved weight sparsity"), std::string::npos);  // no weight zeros, no row
  // only runs with weight zeros: no activation-sparsity plot (none left over either), and the Markdown says so
  const json rep3 = build_report(d.path().string(), read_netlist_power(d.path().string()),
                                 std::vector<bfp::report::Run>{wrun});
  ASSERT_TRUE(fs::exists(d.path() / "tops_per_w_vs_sparsity.svg"));  // from the plots above
  EXPECT_EQ(write_plots(rep3, d.path().string()), std::vector<std::string>{"area_breakdown.svg"});
  EXPECT_FALSE(fs::exists(d.path() / "tops_per_w_vs_sparsity.svg"));
  EXPECT_FALSE(fs::exists(d.path() / "effective_tops_vs_sparsity.svg"));
  const std::string md3 = render_markdown(rep3);
  EXPECT_EQ(md3.find("tops_per_w_vs_sparsity.svg"), std::string::npos) << md3;
  EXPECT_NE(md3.find("No sparsity plots: every run has weight zeros"), std::string::npos) << md3;
  // a run whose coverage lacks a macro's accesses is an error, not a zero
  run.cov.srams.clear();
  EXPECT_THROW(build_report(d.path().string(), read_netlist_power(d.path().string()), std::vector<bfp::report::Run>{run}), std::runtime_error);
}

TEST(ReportOptions, ParsesShapesAndSparsities) {
  int m, k, n;
  parse_gemm_shape("64x256x32", m, k, n);
  EXPECT_EQ(m, 64);
  EXPECT_EQ(k, 256);
  EXPECT_EQ(n, 32);
  for (const char* bad : {"64x256", "0x1x1", "ax1x1", "1x1x1x1", "-1x2x3"})
    EXPECT_THROW(parse_gemm_shape(bad, m, k, n), std::invalid_argument) << bad;
  EXPECT_EQ(parse_sparsities({"0,0.9"}), (std::vector<double>{0, 0.9}));
  EXPECT_EQ(parse_sparsities({"0", "0.5"}), (std::vector<double>{0, 0.5}));
  EXPECT_THROW(parse_sparsities({"1.5"}), std::invalid_argument);
  EXPECT_THROW(parse_sparsities({"x"}), std::invalid_argument);
  // every comma separates two values; only plain decimal numbers
  for (const char* bad : {"0.9,", ",0.9", "0,,0.9", ",", ""}) {
    try {
      parse_sparsities({bad});
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("empty value in '" + std::string(bad) + "'"), std::string::npos) << e.what();
    }
  }
  for (const char* bad : {"0x1p-1", "inf", "nan", "NaN", " 0.5", "0.5 ", "1e", "--0"})
    EXPECT_THROW(parse_sparsities({bad}), std::invalid_argument) << bad;
  EXPECT_EQ(parse_sparsities({"5e-1,1E0"}), (std::vector<double>{0.5, 1}));
  const std::vector<double> zero = parse_sparsities({"-0"});
  ASSERT_EQ(zero.size(), 1u);
  EXPECT_FALSE(std::signbit(zero[0])) << "-0 names its run folder act-0";
  try {
    parse_sparsities({"0,2"}, "--wgt-sparsity");
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--wgt-sparsity: '2'"), std::string::npos) << e.what();
  }
}

// One weight sparsity per activation-sparsity run: a count that does not match fails before any step runs
// (no output directory, no ASIC flow).
TEST(ReportOptions, WeightSparsitiesMustMatchTheRuns) {
  TempDir d;
  bfp::report::ReportOptions o;
  o.config = "/nonexistent/config.yaml";  // reached only after the check
  o.act_sparsity = {0, 0.9, 0.9};
  o.wgt_sparsity = {0, 0.9};
  o.out_dir = (d.path() / "out").string();
  try {
    bfp::report::run_report(o);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--wgt-sparsity: 2 values for 3 activation sparsities"), std::string::npos)
        << e.what();
  }
  o.act_sparsity = {0.9};
  try {
    bfp::report::run_report(o);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--wgt-sparsity: 2 values for 1 activation sparsity ("), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(d.path() / "out"));
}

// Two runs with the same folder (the same sparsities, or values equal to the 6 significant digits the folder and
// the gemm command carry) are an error before any step runs; the same activation sparsity with another weight
// sparsity is another run.
TEST(ReportOptions, RunsMustDifferInTheirSparsities) {
  TempDir d;
  bfp::report::ReportOptions o;
  o.config = "/nonexistent/config.yaml";  // reached only after the checks
  o.out_dir = (d.path() / "out").string();
  for (const auto& [act, wgt, dup] :
       {std::tuple{std::vector<double>{0, 0.9, 0.9}, std::vector<double>{}, "--act-sparsity: runs 2 and 3 are the same run (runs/act0.9)"},
        std::tuple{std::vector<double>{0.5, 0.50000001}, std::vector<double>{}, "--act-sparsity: runs 1 and 2 are the same run (runs/act0.5)"},
        std::tuple{std::vector<double>{0.9, 0.9}, std::vector<double>{0.9, 0.9},
                   "--act-sparsity/--wgt-sparsity: runs 1 and 2 are the same run (runs/act0.9_wgt0.9)"},
        std::tuple{std::vector<double>{0.9, 0.9}, std::vector<double>{0, 0.9}, ""}}) {
    o.act_sparsity = act;
    o.wgt_sparsity = wgt;
    try {
      bfp::report::run_report(o);
      ADD_FAILURE() << "no error";
    } catch (const std::exception& e) {
      const std::string what = e.what();
      if (*dup) {
        EXPECT_NE(what.find(dup), std::string::npos) << what;
      } else {
        EXPECT_EQ(what.find("same run"), std::string::npos) << what;  // the config's error, after the checks
        EXPECT_NE(what.find("/nonexistent/config.yaml"), std::string::npos) << what;
      }
    }
    EXPECT_FALSE(fs::exists(d.path() / "out"));
  }
}

// A network's figures are those of its RTL layers only; the hand-made numbers make every sum distinguishable.
TEST(ReportNetwork, SumsRtlLayersOnly) {
  const nlohmann::json run = {
      {"network", {{"name", "toy"}}},
      {"cycles", 700},
      {"bit_exact", true},
      {"layers",
       {{{"where", "rtl"}, {"macs", 1000}, {"useful_macs", 400}, {"read_bytes", 64}, {"write_bytes", 32},
         {"zeros_in", 0.5}},
        {{"where", "host"}, {"macs", 0}, {"useful_macs", 0}, {"read_bytes", 0}, {"write_bytes", 0},
         {"zeros_in", 0.9}},
        {{"where", "rtl"}, {"macs", 3000}, {"useful_macs", 900}, {"read_bytes", 128}, {"write_bytes", 96},
         {"zeros_in", 0.1}}}}};
  const nlohmann::json g = bfp::report::network_as_gemm(run);
  EXPECT_EQ(g["macs"].get<double>(), 4000);
  EXPECT_EQ(g["useful_macs"].get<double>(), 1300);
  EXPECT_EQ(g["memory"]["read_bytes"].get<double>(), 192);
  EXPECT_EQ(g["memory"]["write_bytes"].get<double>(), 128);
  EXPECT_EQ(g["cycles"]["total"].get<int>(), 700);
  EXPECT_DOUBLE_EQ(g["sparsity"]["achieved"]["act"].get<double>(), (1000 * 0.5 + 3000 * 0.1) / 4000);
  EXPECT_EQ(g["gemm"], "network toy");
}
