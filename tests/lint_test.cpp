// SPDX-License-Identifier: Apache-2.0
// Lint of the generated RTL for configs/default.yaml and every configs/test/*.yaml: each config is generated into
// a temporary directory, then Verilator (-Wall, no warnings allowed), Icarus Verilog and Yosys (hierarchy + proc)
// must accept it; Verilator and Icarus also with the assertions (+define+BFP_ASSERT, docs/assertions.md), which
// Yosys never sees; the smallest config also goes through a full Yosys synthesis. These are the tools the flows
// use (docs/toolflow), so a construct one of them rejects fails here first.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "gen/emit.h"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;

/// configs/default.yaml and configs/test/*.yaml, sorted.
std::vector<std::string> lint_configs() {
  std::vector<std::string> out{(kSource / "configs/default.yaml").string()};
  std::vector<std::string> tests;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kSource / "configs/test", ec))
    if (e.path().extension() == ".yaml") tests.push_back(e.path().string());
  std::sort(tests.begin(), tests.end());
  out.insert(out.end(), tests.begin(), tests.end());
  // power.clock_gating (docs/config.md): "PATH@VALUE" is the config with the key set, a dense and a sparse config
  // with gate (clock gates: latches and derived clocks) and enable
  for (const char* v : {"configs/test/r2c2b8.yaml@gate", "configs/test/r2c2b8.yaml@enable",
                        "configs/test/r4c8b16.yaml@gate"})
    out.push_back((kSource / v).string());
  return out;
}

/// The config of a lint_configs() entry: the file, with power.clock_gating set after an '@'.
bfp::Config lint_config(const std::string& entry) {
  const size_t at = entry.rfind('@');
  if (at == std::string::npos) return bfp::load_config(entry);
  return bfp::load_config(entry.substr(0, at)).with("power.clock_gating", entry.substr(at + 1));
}

/// Test name from a config path: its stem with anything but letters and digits replaced by '_' ("_gate" for
/// "PATH@gate").
std::string config_label(const std::string& entry) {
  const size_t at = entry.rfind('@');
  const std::string path = entry.substr(0, at);
  std::string s = fs::path(path).stem().string() + (at == std::string::npos ? "" : "_" + entry.substr(at + 1));
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

struct RunResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

/// Runs `cmd` through the shell in directory `dir`.
RunResult run_in(const fs::path& dir, const std::string& cmd) {
  RunResult r;
  const std::string full = "cd '" + dir.string() + "' && " + cmd + " 2>&1";
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool have_tool(const char* tool) {
  return std::system(("command -v " + std::string(tool) + " >/dev/null 2>&1").c_str()) == 0;
}

/// A generated design in a fresh temporary directory, removed at scope exit.
class GeneratedRtl {
 public:
  explicit GeneratedRtl(const std::string& config_path) : cfg_(lint_config(config_path)) {
    std::string tmpl = (fs::temp_directory_path() / "bfpgen_lint_test.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
    dir_ = root_ / cfg_.name;
    bfp::generate(cfg_, dir_.string());
    std::ifstream in(dir_ / "bfp_top.f");
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) files_.push_back(line);
  }
  ~GeneratedRtl() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  GeneratedRtl(const GeneratedRtl&) = delete;
  GeneratedRtl& operator=(const GeneratedRtl&) = delete;

  const bfp::Config& config() const { return cfg_; }
  const fs::path& dir() const { return dir_; }
  /// The files of bfp_top.f, space-separated (relative to dir()).
  std::string file_args() const {
    std::string s;
    for (const auto& f : files_) s += (s.empty() ? "" : " ") + f;
    return s;
  }

 private:
  bfp::Config cfg_;
  fs::path root_, dir_;
  std::vector<std::string> files_;
};

}  // namespace

class Lint : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { rtl_ = std::make_unique<GeneratedRtl>(GetParam()); }
  std::unique_ptr<GeneratedRtl> rtl_;
};

TEST_P(Lint, VerilatorWallClean) {
  ASSERT_TRUE(have_tool("verilator")) << "verilator not found in PATH";
  // -Werror-USERERROR: a failed parameter check ($error) is an error even where warnings are not
  const auto r =
      run_in(rtl_->dir(), "verilator --lint-only -Wall -Werror-USERERROR -f bfp_top.f --top-module bfp_top");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("%Warning"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("%Error"), std::string::npos) << r.output;
}

// The same with the assertions compiled in, as the verilated test models build it (docs/assertions.md).
TEST_P(Lint, VerilatorWallCleanWithAssertions) {
  ASSERT_TRUE(have_tool("verilator")) << "verilator not found in PATH";
  const auto r = run_in(rtl_->dir(), "verilator --lint-only -Wall -Werror-USERERROR --assert +define+BFP_ASSERT "
                                     "-f bfp_top.f --top-module bfp_top");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("%Warning"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("%Error"), std::string::npos) << r.output;
}

TEST_P(Lint, IcarusElaborates) {
  ASSERT_TRUE(have_tool("iverilog")) << "iverilog not found in PATH";
  const auto r = run_in(rtl_->dir(), "iverilog -g2012 -s bfp_top -o /dev/null " + rtl_->file_args());
  EXPECT_EQ(r.status, 0) << r.output;
}

// Icarus has no concurrent assertions; the checkers are immediate assertions it elaborates too.
TEST_P(Lint, IcarusElaboratesWithAssertions) {
  ASSERT_TRUE(have_tool("iverilog")) << "iverilog not found in PATH";
  const auto r = run_in(rtl_->dir(), "iverilog -g2012 -DBFP_ASSERT -s bfp_top -o /dev/null " + rtl_->file_args());
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST_P(Lint, YosysHierarchyAndProc) {
  ASSERT_TRUE(have_tool("yosys")) << "yosys not found in PATH";
  const auto r = run_in(rtl_->dir(), "yosys -q -p \"read_verilog -sv " + rtl_->file_args() +
                                         "; hierarchy -check -top bfp_top; proc\"");
  EXPECT_EQ(r.status, 0) << r.output;
}

// The AXI top (docs/architecture.md "AXI top"), from bfp_axi_top.f: the same files with bfp_axi_top.sv last.
TEST_P(Lint, AxiTopVerilatorWallClean) {
  ASSERT_TRUE(have_tool("verilator")) << "verilator not found in PATH";
  for (const char* extra : {"", "--assert +define+BFP_ASSERT "}) {
    SCOPED_TRACE(extra);
    const auto r = run_in(rtl_->dir(), std::string("verilator --lint-only -Wall -Werror-USERERROR ") + extra +
                                           "-f bfp_axi_top.f --top-module bfp_axi_top");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output.find("%Warning"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("%Error"), std::string::npos) << r.output;
  }
}

TEST_P(Lint, AxiTopIcarusElaborates) {
  ASSERT_TRUE(have_tool("iverilog")) << "iverilog not found in PATH";
  for (const char* extra : {"", "-DBFP_ASSERT "}) {
    SCOPED_TRACE(extra);
    const auto r = run_in(rtl_->dir(), std::string("iverilog -g2012 ") + extra + "-s bfp_axi_top -o /dev/null " +
                                           rtl_->file_args() + " bfp_axi_top.sv");
    EXPECT_EQ(r.status, 0) << r.output;
  }
}

// hierarchy checks the whole AXI top (bfp_core included); proc runs on the AXI modules only, as YosysHierarchyAndProc
// above already processes bfp_core with the same parameters (the slow part on the large configs).
TEST_P(Lint, AxiTopYosysHierarchyAndProc) {
  ASSERT_TRUE(have_tool("yosys")) << "yosys not found in PATH";
  const auto r = run_in(rtl_->dir(), "yosys -q -p \"read_verilog -sv " + rtl_->file_args() +
                                         " bfp_axi_top.sv; hierarchy -check -top bfp_axi_top; proc bfp_axi_top "
                                         "*bfp_axi_rd* *bfp_axi_wr* *bfp_axil_regs*; check -assert bfp_axi_top\"");
  EXPECT_EQ(r.status, 0) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Configs, Lint, ::testing::ValuesIn(lint_configs()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return config_label(info.param);
                         });

// Source scans of the RTL: `match(code)` is called with every line of every .sv file in `dir` (its comment cut
// off) and returns whether the line breaks the rule; the lines that do, as "file:line: text".
namespace {

template <class Match>
std::vector<std::string> scan_sv(const fs::path& dir, int* files, Match match) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".sv") continue;
    ++*files;
    std::ifstream in(entry.path());
    std::string line;
    for (int no = 1; std::getline(in, line); ++no)
      if (match(line.substr(0, line.find("//"))))
        found.push_back(entry.path().filename().string() + ":" + std::to_string(no) + ": " + line);
  }
  return found;
}

}  // namespace

// Yosys 0.23 sizes an unbased unsized '1 that is an operand of ?: as one bit and zero-extends it (docs/formal.md,
// "Found by the proofs": every sparsity: activations netlist decoded only element 0 of a block), while Verilator
// and Icarus fill the context width. Write all ones out ({W{1'b1}}) in conditional operands.
namespace {

std::vector<std::string> unsized_ones_in_conditionals(const fs::path& dir, int* files) {
  return scan_sv(dir, files, [](const std::string& code) {
    for (size_t at = code.find("'1"); at != std::string::npos; at = code.find("'1", at + 1)) {
      const bool unsized = at == 0 || !std::isalnum(static_cast<unsigned char>(code[at - 1]));
      const bool conditional = code.find('?') != std::string::npos ||
                               code.find_first_not_of(" \t") == code.find(':');  // a continued `: '1`
      if (unsized && conditional) return true;
    }
    return false;
  });
}

}  // namespace

TEST(RtlSource, NoUnsizedAllOnesAsAConditionalOperand) {
  int files = 0;
  for (const std::string& f : unsized_ones_in_conditionals(kSource / "rtl", &files)) ADD_FAILURE() << f;
  EXPECT_GT(files, 10) << "no RTL sources found under " << (kSource / "rtl");
  // the check bites: the line this rule comes from, and its two-line form, are found; sized ones are not
  const fs::path dir = fs::temp_directory_path() / ("bfp-lint-ones-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "bad.sv") << "assign m = (U != 0) ? w[i +: B] : '1;\n"
                                   "assign n = (U != 0) ? w[i +: B]\n"
                                   "                    : '1;\n"
                                   "assign o = c ? '0 : {B{1'b1}};  // '1 in a comment\n"
                                   "always_comb x = '1;\n";
  int bad_files = 0;
  const auto bad = unsized_ones_in_conditionals(dir, &bad_files);
  fs::remove_all(dir);
  ASSERT_EQ(bad.size(), 2u) << "expected lines 1 and 3 of the sample";
  EXPECT_EQ(bad[0].rfind("bad.sv:1:", 0), 0u) << bad[0];
  EXPECT_EQ(bad[1].rfind("bad.sv:3:", 0), 0u) << bad[1];
}

// Yosys 0.23 reads a prefix operator before a sized cast as part of the cast's size: `~Rows'(1)` is a cast to
// size ~Rows (docs/ppa.md "Net-level activity": it dropped the PE array's lock-step flags from every ASIC netlist
// with lock-steps, 2026-12-07; earlier `-(W+1)'(x)` and `~32'(x)`, docs/ppa.md "Figures before 2026-12-02"), while
// Verilator and Icarus read the operator as applied to the cast. Cast first, into a signal, or avoid the cast.
namespace {

std::vector<std::string> prefix_before_cast(const fs::path& dir, int* files) {
  return scan_sv(dir, files, [](const std::string& code) {
    for (size_t q = code.find("'("); q != std::string::npos; q = code.find("'(", q + 1)) {
      size_t b = q;  // the size before '(: a name, a number or a parenthesized expression
      if (b > 0 && code[b - 1] == ')') {
        int depth = 0;
        while (b > 0) {
          --b;
          if (code[b] == ')') ++depth;
          else if (code[b] == '(' && --depth == 0) break;
        }
      } else {
        while (b > 0 && (std::isalnum(static_cast<unsigned char>(code[b - 1])) || code[b - 1] == '_')) --b;
      }
      size_t o = b;
      while (o > 0 && code[o - 1] == ' ') --o;
      if (o == 0 || std::string("~-!").find(code[o - 1]) == std::string::npos) continue;
      // unary when nothing that ends an operand comes before the operator
      size_t p = o - 1;
      while (p > 0 && code[p - 1] == ' ') --p;
      const char prev = p > 0 ? code[p - 1] : '(';
      const bool operand_before = std::isalnum(static_cast<unsigned char>(prev)) || prev == '_' || prev == ')' ||
                                  prev == ']' || prev == '\'';
      if (!operand_before) return true;
    }
    return false;
  });
}

}  // namespace

TEST(RtlSource, NoPrefixOperatorBeforeASizedCast) {
  int files = 0;
  for (const std::string& f : prefix_before_cast(kSource / "rtl", &files)) ADD_FAILURE() << f;
  EXPECT_GT(files, 10) << "no RTL sources found under " << (kSource / "rtl");
  for (const std::string& f : prefix_before_cast(kSource / "rtl/tech", &files)) ADD_FAILURE() << f;
  // the check bites: the three lines Yosys misread are found; binary operators and a cast first are not
  const fs::path dir = fs::temp_directory_path() / ("bfp-lint-cast-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "bad.sv") << "assign l = (P != 0) ? (w & ~Rows'(1)) : Rows'(0);\n"
                                   "assign m = -(W+1)'(x);\n"
                                   "assign n = {~32'(x), y};\n"
                                   "assign o = a - 7'(pop) + b;\n"
                                   "assign p = c[3] - BW'(1);\n"
                                   "assign q = 32'(x) & ~(y);  // ~N'(1) in a comment\n";
  int bad_files = 0;
  const auto bad = prefix_before_cast(dir, &bad_files);
  fs::remove_all(dir);
  ASSERT_EQ(bad.size(), 3u) << "expected lines 1 to 3 of the sample";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bad[i].rfind("bad.sv:" + std::to_string(i + 1) + ":", 0), 0u) << bad[i];
}

// The PE array's lock-step flags must survive Yosys: with them gone the ASIC netlist's locked units load their
// own operands instead of reading group 0's and row 0's (the bug above). Yosys elaborates bfp_pe_array with both
// lock-steps and checks that both flag ports still drive logic.
TEST(Synthesis, PeArrayLockStepFlagsSurviveYosys) {
  ASSERT_TRUE(have_tool("yosys")) << "yosys not found in PATH";
  GeneratedRtl rtl((kSource / "configs/default_gate.yaml").string());
  std::string files;
  for (const char* f : {"bfp_pkg.sv", "bfp_acc_align.sv", "bfp_add.sv", "bfp_mul.sv", "bfp_mul_pair.sv", "bfp_icg.sv",
                        "bfp_pe.sv", "bfp_pe_array.sv"})
    files += std::string(" ") + f;
  const auto r = run_in(rtl.dir(), "yosys -q -p \"read_verilog -sv" + files +
                                       "; hierarchy -top bfp_pe_array -chparam Rows 2 -chparam Cols 4 -chparam BlockSize 4"
                                       " -chparam AccWidth 24 -chparam GuardBits 3 -chparam PerRow 1 -chparam Groups 2"
                                       " -chparam ClockGating 1; proc; opt -fast; write_verilog -noattr array.v\"");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(rtl.dir() / "array.v");
  std::stringstream v;
  v << in.rdbuf();
  // a used port bit appears as name[bit] in an expression; an unused one only in its declarations
  EXPECT_NE(v.str().find("act_grp0_i[1]"), std::string::npos) << "act_grp0_i unused in Yosys' netlist";
  EXPECT_NE(v.str().find("wgt_row0_i[1]"), std::string::npos) << "wgt_row0_i unused in Yosys' netlist";
}

// The $shiftx cells (part-selects with a variable index, which Yosys maps as log shifters) of the design that
// `script` reads and elaborates in `dir`, after proc, narrowed by the select terms `filter`: the text of Yosys'
// `select -list`, with no "$shiftx" in it when there are none. A failed Yosys run fails the calling test.
static std::string shiftx_cells(const fs::path& dir, const std::string& script, const std::string& filter = "") {
  fs::remove(dir / "shiftx.txt");
  const auto r = run_in(dir, "yosys -q -p \"" + script + "; proc; tee -q -o shiftx.txt select -list t:\\$shiftx" +
                                 (filter.empty() ? "" : " " + filter) + "\"");
  EXPECT_EQ(r.status, 0) << r.output;
  std::ifstream in(dir / "shiftx.txt");
  EXPECT_TRUE(in) << "yosys wrote no shiftx.txt";
  std::stringstream cells;
  cells << in.rdbuf();
  return cells.str();
}

// The operand buffers' read multiplexers are one-hot AND-ORs (rtl/bfp_byte_sel.sv, docs/ppa.md "Byte selects as
// one-hot AND-OR"): a part-select with a variable index, `word[8*sel +: 8]`, is a $shiftx to Yosys, mapped as a log
// shifter that toggles several times more per read. A change back to the part-select computes the same bytes, so
// no simulation notices it; this does.
TEST(Synthesis, WeightBankReadsWithoutShifters) {
  ASSERT_TRUE(have_tool("yosys")) << "yosys not found in PATH";
  GeneratedRtl rtl((kSource / "configs/default_gate.yaml").string());
  // the exponents in a memory (module defaults: 32 exponents, 8-byte beat) and in flip-flops (8 exponents)
  for (const char* depth : {"1024", "256"}) {
    SCOPED_TRACE(std::string("WgtDepth ") + depth);
    const std::string cells = shiftx_cells(rtl.dir(), std::string("read_verilog -sv bfp_pkg.sv bfp_icg.sv bfp_sram.sv "
                                                                   "bfp_sram_hold.sv bfp_byte_sel.sv bfp_wgt_bank.sv; "
                                                                   "hierarchy -top bfp_wgt_bank -chparam WgtDepth ") + depth);
    EXPECT_EQ(cells.find("$shiftx"), std::string::npos) << "shifters in the weight bank:\n" << cells;
  }
  // the activation reads use the same select (their modules are too large to elaborate alone here)
  for (const char* f : {"rtl/bfp_operands_sparse.sv", "rtl/bfp_operands_dense.sv"}) {
    std::ifstream in(kSource / f);
    std::stringstream s;
    s << in.rdbuf();
    EXPECT_NE(s.str().find("bfp_byte_sel #(.Bytes(Beat)) u_act_sel"), std::string::npos) << f;
    EXPECT_EQ(std::regex_search(s.str(), std::regex(R"(\[8\s*\*\s*\w*sel\w*\s*\+:)")), false) << f;
  }
}

// The row sequencers read a block's base and exponent by its ordinal through one-hot AND-ORs
// (rtl/bfp_onehot_sel.sv, docs/ppa.md "Row sequencer selects as one-hot AND-OR"), not part-selects by ord_q. The
// only $shiftx left in bfp_row_seq select BlockSize-bit masks (the level-2 scatter on writes, the walkers' masks
// by nb); a base (9 bits here) or exponent (8 bits) read written back as a part-select adds one of another width.
TEST(Synthesis, RowSequencerOrdinalReadsWithoutShifters) {
  ASSERT_TRUE(have_tool("yosys")) << "yosys not found in PATH";
  GeneratedRtl rtl((kSource / "configs/default_gate.yaml").string());
  const std::string cells = shiftx_cells(rtl.dir(), "read_verilog -sv bfp_pkg.sv bfp_icg.sv bfp_popcount.sv "
                                                    "bfp_prefix_sum.sv bfp_onehot_sel.sv bfp_row_seq.sv; hierarchy -top bfp_row_seq "
                                                    "-chparam BlockSize 16 -chparam NumBlocks 32 -chparam MemWidth 256 -chparam Groups 2",
                                         "r:Y_WIDTH!=16 %i");
  EXPECT_EQ(cells.find("$shiftx"), std::string::npos) << "ordinal reads as shifters:\n" << cells;
}

TEST(Synthesis, SmallestConfigFullYosysSynth) {
  ASSERT_TRUE(have_tool("yosys")) << "yosys not found in PATH";
  // Smallest = fewest MACs, then smallest block.
  std::string smallest;
  long best = -1;
  for (const auto& path : lint_configs()) {
    const bfp::Config c = lint_config(path);
    const long size = static_cast<long>(c.rows) * c.cols * 1000 + c.block;
    if (best < 0 || size < best) best = size, smallest = path;
  }
  ASSERT_FALSE(smallest.empty());
  SCOPED_TRACE(smallest);
  GeneratedRtl rtl(smallest);
  const auto r = run_in(rtl.dir(), "yosys -q -p \"read_verilog -sv " + rtl.file_args() +
                                       "; synth -top bfp_top; tee -o synth_stat.txt stat\"");
  EXPECT_EQ(r.status, 0) << r.output;
  // The design must not have been optimized away.
  std::ifstream in(rtl.dir() / "synth_stat.txt");
  std::stringstream stat;
  stat << in.rdbuf();
  EXPECT_NE(stat.str().find("$_DFF"), std::string::npos) << "no flip-flops left after synthesis:\n" << stat.str();
}
