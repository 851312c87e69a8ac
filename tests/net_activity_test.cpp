// SPDX-License-Identifier: Apache-2.0
// Net-level activity of the power report (report/liberty.h, report/netlist.h, report/net_activity.h; docs/ppa.md
// "Net-level activity"): Liberty functions as truth tables, the Yosys-style netlist flattened into bit nets, the
// zero-delay simulation of the netlist from a VCD's traced registers against sequences worked out in the test; and
// the property the method exists for: a cell's rate does not depend on the module boundary it lies behind.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <filesystem>
#include <sstream>
#include <vector>

#include "report/liberty.h"
#include "report/net_activity.h"
#include "report/netlist.h"
#include "report/power.h"
#include "report/toggles.h"
#include "support/temp_dir.h"

using namespace bfp::report;

namespace {

struct TempDir : bfp::test::TempDir {
  TempDir() : bfp::test::TempDir("bfpgen_net_activity_test") {}
};

// A library in osu018's style: functions with juxtaposition for "and", an ff cell, a tri-state buffer.
const char* kLib = R"LIB(library (tiny) {
  /* a comment */
  time_unit : "1ns" ;
  cell (AND2) { area : 1 ;
    pin(A) { direction : input ; capacitance : 0.01 ; }
    pin(B) { direction : input ; }
    pin(Y) { direction : output ; function : "(A B)" ; }
  }
  cell (INV) { pin(A) { direction : input ; } pin(Y) { direction : output ; function : "(!A)" ; } }
  cell (XOR2) { pin(A) { direction : input ; } pin(B) { direction : input ; }
    pin(Y) { direction : output ; function : "(A^B)" ; } }
  cell (AOI21) { pin(A) { direction : input ; } pin(B) { direction : input ; } pin(C) { direction : input ; }
    pin(Y) { direction : output ; function : "(!((A B)+C))" ; } }
  cell (FA) { pin(A) { direction : input ; } pin(B) { direction : input ; } pin(C) { direction : input ; }
    pin(YC) { direction : output ; function : "(((A B)+(B C))+(C A))" ; }
    pin(YS) { direction : output ; function : "((A^B)^C)" ; } }
  cell (DFF) { ff (IQ, IQN) { next_state : "D" ; clocked_on : "CLK" ; }
    pin(CLK) { direction : input ; clock : true ; } pin(D) { direction : input ; }
    pin(Q) { direction : output ; function : "IQ" ; } }
  cell (TBUF) { pin(A) { direction : input ; } pin(EN) { direction : input ; }
    pin(Y) { direction : output ; function : "A" ; three_state : "(!EN)" ; } }
}
)LIB";

CellLibrary tiny_lib(const TempDir& d) {
  d.write("tiny.lib", kLib);
  CellLibrary lib;
  read_liberty((d.path() / "tiny.lib").string(), lib);
  return lib;
}

}  // namespace

TEST(Liberty, FunctionsBecomeTruthTables) {
  TempDir d;
  const CellLibrary lib = tiny_lib(d);
  ASSERT_EQ(lib.size(), 7u);
  EXPECT_EQ(lib.at("AND2").outputs.at(0).table, 0b1000u);  // bit i = output for inputs i (bit 0 = A)
  EXPECT_EQ(lib.at("INV").outputs.at(0).table, 0b01u);
  EXPECT_EQ(lib.at("XOR2").outputs.at(0).table, 0b0110u);
  // AOI21: !((A B) + C) over vectors CBA = 000..111: 1 1 1 0 0 0 0 0
  EXPECT_EQ(lib.at("AOI21").outputs.at(0).table, 0b00000111u);
  const LibertyCell& fa = lib.at("FA");
  ASSERT_EQ(fa.outputs.size(), 2u);
  EXPECT_EQ(fa.outputs[0].table, 0b11101000u);  // majority
  EXPECT_EQ(fa.outputs[1].table, 0b10010110u);  // parity
  EXPECT_TRUE(lib.at("DFF").sequential);
  EXPECT_FALSE(lib.at("DFF").outputs.at(0).combinational);
  EXPECT_FALSE(lib.at("TBUF").outputs.at(0).combinational);  // tri-state: not a function of its inputs alone
  EXPECT_TRUE(lib.at("AND2").outputs.at(0).combinational);
  // the other spellings of Liberty's operators
  const std::vector<std::string> ab = {"A", "B"};
  for (uint32_t v = 0; v < 4; ++v) {
    const bool a = v & 1, b = v & 2;
    EXPECT_EQ(eval_liberty_function("A & B'", ab, v, "t"), a && !b);
    EXPECT_EQ(eval_liberty_function("A*B | !A", ab, v, "t"), (a && b) || !a);
    EXPECT_EQ(eval_liberty_function("(A+B)^1", ab, v, "t"), !(a || b));
  }
  EXPECT_THROW(eval_liberty_function("(A C)", ab, 0, "t"), std::runtime_error);  // C is no input
  EXPECT_THROW(eval_liberty_function("(A B", ab, 0, "t"), std::runtime_error);
  try {
    d.write("bad.lib", "library (x) {\n cell (A) {\n pin(Y) { direction output ; }\n }\n}\n");
    CellLibrary l;
    read_liberty((d.path() / "bad.lib").string(), l);
    FAIL() << "a missing ':' was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.lib:3"), std::string::npos) << e.what();
  }
}

TEST(Liberty, Osu018CellsWhenInstalled) {
  const std::string path = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no osu018 library (scripts/install-deps.sh)";
  CellLibrary lib;
  read_liberty(path, lib);
  EXPECT_EQ(lib.at("NAND2X1").outputs.at(0).table, 0b0111u);
  EXPECT_EQ(lib.at("OAI21X1").outputs.at(0).table, 0b00011111u);  // !((A+B) C): 0 only for C and (A or B)
  EXPECT_EQ(lib.at("FAX1").outputs.size(), 2u);
  EXPECT_TRUE(lib.at("DFFPOSX1").sequential);
  EXPECT_TRUE(lib.at("LATCH").sequential);
  EXPECT_EQ(lib.at("MUX2X1").inputs.size(), 3u);
}

TEST(Netlist, FlattensHierarchyIntoBitNets) {
  TempDir d;
  d.write("n.v", R"(/* Generated by Yosys 0.23 */
module \$paramod$1\sub (a_i, y_o);
  input [1:0] a_i;
  output y_o;
  wire n;
  AND2 _1_ (.A(a_i[0]), .B(a_i[1]), .Y(n));
  INV \g.u_inv  (.A(n), .Y(y_o));
endmodule
module top(clk_i, d_i, q_o);
  input clk_i;
  input [3:0] d_i;
  output [0:1] q_o;
  wire [3:0] r_q;
  wire [1:0] s;
  wire _7_;
  DFF _2_ (.CLK(clk_i), .D(d_i[3]), .Q(r_q[3]));
  \$paramod$1\sub  \gen_x[0].u_sub  (.a_i({ r_q[3], 1'b1 }), .y_o(s[0]));
  \$paramod$1\sub  u_sub2 (.a_i(r_q[1:0]), .y_o(_7_));
  assign s[1] = _7_;
  assign q_o = s;
endmodule
)");
  const FlatNetlist nl = read_flat_netlist((d.path() / "n.v").string(), "top");
  ASSERT_EQ(nl.cells.size(), 5u);
  std::map<std::string, const FlatCell*> c;
  for (const FlatCell& fc : nl.cells) c[fc.path] = &fc;
  ASSERT_TRUE(c.count("gen_x[0].u_sub/_1_"));
  ASSERT_TRUE(c.count("gen_x[0].u_sub/g.u_inv"));
  ASSERT_TRUE(c.count("u_sub2/_1_"));
  auto pin = [&](const std::string& cell, const std::string& p) {
    for (const auto& [n, net] : c.at(cell)->pins)
      if (n == p) return net;
    return -1;
  };
  // the port connection is one net: the flop's Q, r_q[3] in the top and a_i[1] in the sub
  EXPECT_EQ(pin("_2_", "Q"), nl.names.at("r_q[3]"));
  EXPECT_EQ(pin("gen_x[0].u_sub/_1_", "B"), nl.names.at("r_q[3]"));
  EXPECT_EQ(nl.names.at("gen_x[0].u_sub.a_i[1]"), nl.names.at("r_q[3]"));
  EXPECT_EQ(pin("gen_x[0].u_sub/_1_", "A"), FlatNetlist::kConst1);  // { r_q[3], 1'b1 }: the constant is the LSB
  EXPECT_EQ(pin("u_sub2/_1_", "A"), nl.names.at("r_q[0]"));
  // assigns alias: s[1] = _7_ = u_sub2's output; q_o is [0:1], so q_o[1] is s's LSB
  EXPECT_EQ(pin("u_sub2/g.u_inv", "Y"), nl.names.at("s[1]"));
  EXPECT_EQ(nl.names.at("q_o[1]"), nl.names.at("s[0]"));
  EXPECT_EQ(nl.names.at("q_o[0]"), nl.names.at("s[1]"));
  EXPECT_EQ(nl.names.count("_7_"), 0u);  // Yosys' internal names are not names
  EXPECT_EQ(nl.names.at("gen_x[0].u_sub.y_o"), nl.names.at("s[0]"));  // a 1-bit wire without a range
  EXPECT_EQ(nl.top_inputs.size(), 5u);
  EXPECT_EQ(pin("_2_", "CLK"), nl.names.at("clk_i"));
}

TEST(Netlist, RefusesWhatItCannotRead) {
  TempDir d;
  auto fails = [&](const std::string& body, const std::string& what) {
    d.write("e.v", "module top(a);\n  input [1:0] a;\n" + body + "endmodule\n");
    try {
      read_flat_netlist((d.path() / "e.v").string(), "top");
      ADD_FAILURE() << "accepted: " << body;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  fails("  INV _1_ (.A(b), .Y(a[0]));\n", "e.v:3: unknown wire 'b'");
  fails("  INV _1_ (a[0], a[1]);\n", "only named port connections");
  fails("  assign a = 3'b000;\n", "assign of 3 bits to 2");
  fails("  INV _1_ (.A(a[2]), .Y(a[0]));\n", "out of the range");
  fails("  wire x\n", "e.v:4");
  d.write("e.v", "module top(a);\n input a;\nendmodule\n");
  EXPECT_THROW(read_flat_netlist((d.path() / "e.v").string(), "other"), std::runtime_error);
  EXPECT_THROW(read_flat_netlist((d.path() / "missing.v").string(), "top"), std::runtime_error);
}

namespace {

// The same logic twice: flip-flops q_a, q_b feed an AND and an XOR (n = q_a & q_b, y = n ^ q_b) in the top module,
// or inside a submodule whose ports are the flops' outputs.
const char* kFlat = R"(module top(clk_i, a_i, b_i, y_o);
  input clk_i; input a_i; input b_i; output y_o;
  wire q_a; wire q_b; wire n;
  DFF ra (.CLK(clk_i), .D(a_i), .Q(q_a));
  DFF rb (.CLK(clk_i), .D(b_i), .Q(q_b));
  AND2 g1 (.A(q_a), .B(q_b), .Y(n));
  XOR2 g2 (.A(n), .B(q_b), .Y(y_o));
endmodule
)";
const char* kHier = R"(module \$paramod$9\logic_blk (x_i, z_i, y_o);
  input x_i; input z_i; output y_o;
  wire n;
  AND2 g1 (.A(x_i), .B(z_i), .Y(n));
  XOR2 g2 (.A(n), .B(z_i), .Y(y_o));
endmodule
module top(clk_i, a_i, b_i, y_o);
  input clk_i; input a_i; input b_i; output y_o;
  wire q_a; wire q_b;
  DFF ra (.CLK(clk_i), .D(a_i), .Q(q_a));
  DFF rb (.CLK(clk_i), .D(b_i), .Q(q_b));
  \$paramod$9\logic_blk  u_blk (.x_i(q_a), .z_i(q_b), .y_o(y_o));
endmodule
)";

// A Verilator-style VCD (a root scope wrapping the top module, which holds the signals) of `qa` and `qb`, one
// value per cycle: values change at the rising edge at 10 c + 5. `extra` adds declarations to the top scope and
// `body_extra(c)` changes in cycle c.
std::string vcd(const std::vector<int>& qa, const std::vector<int>& qb, const std::string& extra = "",
                const std::function<std::string(size_t)>& body_extra = {}) {
  std::ostringstream o;
  o << "$timescale 1ns $end\n$scope module top $end\n$var wire 1 ! clk_i $end\n"
       "$scope module top $end\n$var wire 1 ! clk_i $end\n$var wire 1 a q_a $end\n$var wire 1 b q_b $end\n"
    << extra << "$upscope $end\n$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n0!\nxa\nxb\n$end\n";
  for (size_t c = 0; c < qa.size(); ++c) {
    o << "#" << 10 * c + 5 << "\n1!\n" << qa[c] << "a\n" << qb[c] << "b\n";
    if (body_extra) o << body_extra(c);
    o << "#" << 10 * c + 10 << "\n0!\n";
  }
  return o.str();
}

uint64_t changes(const std::vector<int>& v) {
  uint64_t n = 0;
  for (size_t i = 1; i < v.size(); ++i) n += v[i] != v[i - 1];
  return n;
}

const std::vector<int> kQa = {0, 1, 1, 0, 1, 0, 0, 1, 1, 1};
const std::vector<int> kQb = {1, 1, 0, 0, 1, 1, 1, 1, 0, 1};

}  // namespace

TEST(NetActivity, SimulatesTheLogicFromTheTracedRegisters) {
  TempDir d;
  const CellLibrary lib = tiny_lib(d);
  d.write("flat.v", kFlat);
  std::istringstream in(vcd(kQa, kQb));
  const NetActivity a = simulate_activity(in, read_flat_netlist((d.path() / "flat.v").string(), "top"), lib, ".clk_i");
  ASSERT_EQ(a.cycles, kQa.size());
  std::vector<int> n, y;
  for (size_t c = 0; c < kQa.size(); ++c) {
    n.push_back(kQa[c] & kQb[c]);
    y.push_back(n.back() ^ kQb[c]);
  }
  EXPECT_EQ(a.cell_toggles.at("ra").first, changes(kQa));
  EXPECT_EQ(a.cell_toggles.at("rb").first, changes(kQb));
  EXPECT_EQ(a.cell_toggles.at("g1").first, changes(n));
  EXPECT_EQ(a.cell_toggles.at("g2").first, changes(y));
  EXPECT_EQ(a.cell_toggles.at("g2").second, 1u);
  bool found = false;
  EXPECT_DOUBLE_EQ(a.rate("g1", found), static_cast<double>(changes(n)) / kQa.size());
  EXPECT_TRUE(found);
  a.rate("nothing", found);
  EXPECT_FALSE(found);
  EXPECT_EQ(a.flops, 2u);
  EXPECT_EQ(a.flops_traced, 2u);
  EXPECT_EQ(a.nets_traced, 2u);    // q_a, q_b (a_i, b_i are inputs without a trace: unknown)
  EXPECT_EQ(a.nets_computed, 2u);  // n, y_o
  EXPECT_EQ(a.nets_clock, 1u);
  EXPECT_EQ(a.nets_unknown, 2u);
  // more than 64 cycles: the words join without a change counted at the seam, nor at the first sample
  std::vector<int> la, lb;
  for (int c = 0; c < 200; ++c) {
    la.push_back((c * 7 / 3) % 2);
    lb.push_back(c % 64 == 63 || c % 64 == 0 ? 1 : 0);
  }
  std::istringstream in2(vcd(la, lb));
  const NetActivity b = simulate_activity(in2, read_flat_netlist((d.path() / "flat.v").string(), "top"), lib, ".clk_i");
  EXPECT_EQ(b.cycles, 200u);
  EXPECT_EQ(b.cell_toggles.at("ra").first, changes(la));
  EXPECT_EQ(b.cell_toggles.at("rb").first, changes(lb));
}

TEST(NetActivity, RatesDoNotDependOnModuleBoundaries) {
  TempDir d;
  const CellLibrary lib = tiny_lib(d);
  d.write("flat.v", kFlat);
  d.write("hier.v", kHier);
  std::istringstream in1(vcd(kQa, kQb)), in2(vcd(kQa, kQb));
  const NetActivity flat = simulate_activity(in1, read_flat_netlist((d.path() / "flat.v").string(), "top"), lib);
  const NetActivity hier = simulate_activity(in2, read_flat_netlist((d.path() / "hier.v").string(), "top"), lib);
  EXPECT_EQ(hier.cell_toggles.at("u_blk/g1"), flat.cell_toggles.at("g1"));
  EXPECT_EQ(hier.cell_toggles.at("u_blk/g2"), flat.cell_toggles.at("g2"));
  EXPECT_EQ(hier.cell_toggles.at("ra"), flat.cell_toggles.at("ra"));
  // and so the same power per cell, where one rate per instance charges the gates the flops' mean rate in the
  // flat netlist: P1 - P0 = 1 W per cell, P0 = 0
  std::unordered_map<std::string, double> rate;
  for (const auto& [leaf, tk] : flat.cell_toggles) rate[leaf] = static_cast<double>(tk.first) / flat.cycles;
  NetlistPower np;
  np.instances[""] = {"top", 4, 0.0, 4.0, 0.0, {}, {}};
  np.instances[""].leaf_dynamic_w = {{"ra", 1.0}, {"rb", 1.0}, {"g1", 1.0}, {"g2", 1.0}};
  ToggleMap t;
  t[""] = {2, changes(kQa) + changes(kQb)};  // the two traced bits
  const WeightedPower per_inst = weight_power(np, t, kQa.size());
  const WeightedPower per_net = weight_power(np, t, kQa.size(), {}, &rate);
  double by_hand = 0;
  for (const auto& [leaf, r] : rate) by_hand += r;
  EXPECT_NEAR(per_net.total_w, by_hand, 1e-12);
  const double inst_rate = static_cast<double>(changes(kQa) + changes(kQb)) / (2.0 * kQa.size());
  EXPECT_NEAR(per_inst.total_w, 4 * inst_rate, 1e-12);
  EXPECT_GT(std::abs(per_net.total_w - per_inst.total_w), 0.01);
  EXPECT_NEAR(per_net.rate_by_instance.at("(top)"), by_hand / 4, 1e-12);  // the effective rate
  // a leaf without a rate of its own keeps the instance's
  const std::unordered_map<std::string, double> partial = {{"ra", 0.5}};
  EXPECT_NEAR(weight_power(np, t, kQa.size(), {}, &partial).total_w, 0.5 + 3 * inst_rate, 1e-12);
}

TEST(NetActivity, TracedNamesOfOneNetVoteAndTheLogicIsChecked) {
  TempDir d;
  const CellLibrary lib = tiny_lib(d);
  // q_b also carries a wide bus's name (bus[40], 64+ bits: one vote) and a port's (u.p_i, 1 bit: two votes);
  // the bus is a cycle early, the port agrees
  d.write("v.v", R"(module top(clk_i, a_i, b_i, y_o);
  input clk_i; input a_i; input b_i; output y_o;
  wire q_a; wire q_b; wire n; wire [99:0] bus; wire p_i;
  DFF ra (.CLK(clk_i), .D(a_i), .Q(q_a));
  DFF rb (.CLK(clk_i), .D(b_i), .Q(q_b));
  AND2 g1 (.A(q_a), .B(q_b), .Y(n));
  XOR2 g2 (.A(n), .B(q_b), .Y(y_o));
  assign bus[40] = q_b;
  assign p_i = q_b;
endmodule
)");
  const FlatNetlist nl = read_flat_netlist((d.path() / "v.v").string(), "top");
  auto bits100 = [](int b) { std::string s(100, '0'); s[99 - 40] = b ? '1' : '0'; return s; };
  const std::string extra = "$var wire 100 c bus [99:0] $end\n$var wire 1 p p_i $end\n$var wire 1 y y_o $end\n";
  std::vector<int> y;
  for (size_t c = 0; c < kQa.size(); ++c) y.push_back((kQa[c] & kQb[c]) ^ kQb[c]);
  std::istringstream in(vcd(kQa, kQb, extra, [&](size_t c) {
    const int early = kQb[std::min(c + 1, kQb.size() - 1)];
    // y_o traced wrong in cycle 3 only
    return "b" + bits100(early) + " c\n" + std::to_string(kQb[c]) + "p\n" + std::to_string(c == 3 ? !y[c] : y[c]) + "y\n";
  }));
  const NetActivity a = simulate_activity(in, nl, lib);
  EXPECT_EQ(a.cell_toggles.at("rb").first, changes(kQb));  // the port and the register outvote the bus
  uint64_t disagree = 0;
  for (size_t c = 0; c < kQb.size(); ++c) disagree += kQb[std::min(c + 1, kQb.size() - 1)] != kQb[c];
  EXPECT_EQ(a.trace_conflicts, disagree);
  EXPECT_GT(disagree, 0u);
  EXPECT_EQ(a.nets_checked, 1u);  // y_o: computed, and traced
  EXPECT_EQ(a.check_bits, kQa.size());
  EXPECT_EQ(a.check_mismatches, 1u);
  ASSERT_EQ(a.worst_mismatches.size(), 1u);
  EXPECT_EQ(a.worst_mismatches[0].first, "y_o");
  EXPECT_EQ(a.worst_mismatches[0].second, 1u);
}

TEST(NetActivity, ClocksLoopsUntracedFlopsAndTheirConesKeepTheInstanceRate) {
  TempDir d;
  const CellLibrary lib = tiny_lib(d);
  // g1 gates the clock (its output is a clock net); g2 and g3 form a loop; rb's Q is not traced
  d.write("c.v", R"(module top(clk_i, a_i, y_o);
  input clk_i; input a_i; output y_o;
  wire q_c; wire gclk; wire l1; wire l2; wire q_a;
  AND2 g1 (.A(clk_i), .B(a_i), .Y(gclk));
  DFF ra (.CLK(clk_i), .D(a_i), .Q(q_a));
  DFF rb (.CLK(gclk), .D(a_i), .Q(q_c));
  XOR2 g2 (.A(q_c), .B(l2), .Y(l1));
  INV g3 (.A(l1), .Y(l2));
  INV g4 (.A(q_c), .Y(y_o));
endmodule
)");
  std::istringstream in(vcd(kQa, kQb));  // q_b is traced, but the netlist has no q_b: rb's q_c is untraced
  const FlatNetlist nl = read_flat_netlist((d.path() / "c.v").string(), "top");
  const NetActivity a = simulate_activity(in, nl, lib);
  EXPECT_EQ(a.cell_toggles.count("g1"), 0u);  // drives a clock
  EXPECT_EQ(a.cell_toggles.count("g2"), 0u);  // in a loop
  EXPECT_EQ(a.cell_toggles.count("g3"), 0u);
  EXPECT_EQ(a.cell_toggles.count("rb"), 0u);  // untraced Q
  EXPECT_EQ(a.cell_toggles.at("ra").first, changes(kQa));
  EXPECT_EQ(a.flops, 2u);
  EXPECT_EQ(a.flops_traced, 1u);
  EXPECT_EQ(a.nets_clock, 2u);      // clk_i, gclk
  EXPECT_EQ(a.nets_unknown, 4u);    // q_c, l1, l2, a_i
  // what an unknown net feeds is tainted, not computed from a value held at 0
  EXPECT_EQ(a.cell_toggles.count("g4"), 0u);
  EXPECT_EQ(a.nets_tainted, 1u);    // y_o
  // the report names where the taint comes from: q_c's cone holds y_o; the others taint no computed net
  ASSERT_EQ(a.worst_unknown.size(), 4u);
  EXPECT_EQ(a.worst_unknown[0], std::make_pair(std::string("q_c"), uint64_t{1}));
  for (size_t i = 1; i < a.worst_unknown.size(); ++i) EXPECT_EQ(a.worst_unknown[i].second, 0u) << a.worst_unknown[i].first;
}

TEST(NetActivity, BadVcdAndCellFilesAreRefused) {
  TempDir d;
  const CellLibrary lib = tiny_lib(d);
  d.write("flat.v", kFlat);
  const FlatNetlist nl = read_flat_netlist((d.path() / "flat.v").string(), "top");
  auto refuses = [&](const std::string& text, const std::string& what) {
    std::istringstream in(text);
    try {
      simulate_activity(in, nl, lib);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  refuses("$scope module top $end\n$var wire 1 a q_a $end\n$upscope $end\n$enddefinitions $end\n#0\n0a\n", "no clock 'clk_i'");
  const std::string head = "$scope module top $end\n$var wire 1 ! clk_i $end\n$var wire 1 a q_a $end\n$upscope $end\n$enddefinitions $end\n";
  refuses(head + "#0\n0!\n0q\n", "VCD line 8: value change of undeclared identifier 'q'");
  refuses(head + "#0\n0!\n#5\n1!\n2a\n", "VCD line 10: unexpected '2a'");
  refuses(head + "#5\n0!\n#3\n1!\n", "goes back in time");
  refuses("$scope module top $end\n$var wire 1 ! clk_i $end\n$var wire 2 a q_a [3:0] $end\n$upscope $end\n"
          "$enddefinitions $end\n", "does not match its width");
  refuses("$scope module top $end\n", "no $enddefinitions");
  // the cells file
  std::istringstream in(vcd(kQa, kQb));
  const NetActivity a = simulate_activity(in, nl, lib);
  const std::string f = (d.path() / "cells.tsv").string();
  write_cell_activity(f, a);
  const NetActivity b = read_cell_activity(f);
  EXPECT_EQ(b.cycles, a.cycles);
  EXPECT_EQ(b.cell_toggles, a.cell_toggles);
  EXPECT_EQ(b.nets_computed, a.nets_computed);
  EXPECT_EQ(b.worst_mismatches, a.worst_mismatches);
  EXPECT_EQ(b.worst_unknown, a.worst_unknown);
  for (const std::string& bad : {std::string("no header\n"), std::string("# {\"cycles\": 10}\n"),
                                std::string("# ") + R"({"cycles":10,"nets":1,"nets_traced":1,"nets_computed":0,"nets_unknown":0,"nets_tainted":0,"nets_clock":0,"flops":1,"flops_traced":1,"nets_checked":0,"check_bits":0,"check_mismatches":0,"trace_conflicts":0,"worst_mismatches":[]})" + "\nra\t11\t1\n",
                                std::string("# ") + R"({"cycles":10,"nets":1,"nets_traced":1,"nets_computed":0,"nets_unknown":0,"nets_tainted":0,"nets_clock":0,"flops":1,"flops_traced":1,"nets_checked":0,"check_bits":0,"check_mismatches":0,"trace_conflicts":0,"worst_mismatches":[]})" + "\nra\t3\n"}) {
    d.write("cells.tsv", bad);
    EXPECT_THROW(read_cell_activity(f), std::runtime_error) << bad;
  }
}
