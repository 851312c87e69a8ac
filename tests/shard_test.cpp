// SPDX-License-Identifier: Apache-2.0
// Sharded regressions (verify/shard.h; docs/fuzz.md, "Sharding"): the strict --shard I/N parser, that the N
// shards of a run are a partition of it (the rule itself, and `bfpgen fuzz|bench|sweep --list` of every shard
// against the unsharded list), that sharded fuzz runs give the unsharded cases with the same results, repro lines
// and a JUnit report per shard, that scripts/junit_merge.py merges shard reports (failures and errors survive;
// missing, repeated or foreign shards are refused), the Slurm array script end to end without Slurm, and that
// `make test` writes the JUnit report the README names.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "report/sweep.h"
#include "support/read_file.h"
#include "support/run_cmd.h"
#include "support/temp_dir.h"
#include "verify/bench.h"
#include "verify/fuzz.h"
#include "verify/shard.h"

namespace fs = std::filesystem;
using namespace bfp;
using bfp::test::run_cmd;
using verify::parse_shard;
using verify::Shard;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;
const std::string kBfpgen = "'" + std::string(BFP_BINARY_DIR) + "/bfpgen'";
const std::string kMerge = "python3 '" + (kSource / "scripts/junit_merge.py").string() + "'";
const std::string kR2c2b8 = (kSource / "configs/test/r2c2b8.yaml").string();

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// The lines `cmd --list [--shard I/N]` prints; fails the test when the command fails.
std::vector<std::string> listed(const std::string& cmd, const std::string& shard = "") {
  const auto r = run_cmd(cmd + " --list" + (shard.empty() ? "" : " --shard " + shard));
  EXPECT_EQ(r.status, 0) << cmd << " --shard " << shard << ":\n" << r.output;
  return lines_of(r.output);
}

// Checks that the --list lines of shards 1/n..n/n are the unsharded lines, each exactly once, and that shard I
// holds exactly the lines whose number (the second word: "case 17 ...", "row 3 ...") is I-1 mod n.
void expect_partition(const std::string& cmd, int n, size_t expected_total) {
  const std::vector<std::string> whole = listed(cmd);
  ASSERT_EQ(whole.size(), expected_total) << cmd << " --list";
  std::map<std::string, int> seen;
  for (int i = 1; i <= n; ++i) {
    const std::string shard = std::to_string(i) + "/" + std::to_string(n);
    for (const std::string& l : listed(cmd, shard)) {
      ++seen[l];
      std::istringstream w(l);
      std::string word;
      long index = -1;
      w >> word >> index;
      EXPECT_EQ(index % n, i - 1) << "shard " << shard << " lists '" << l << "'";
    }
  }
  for (const std::string& l : whole) EXPECT_EQ(seen[l], 1) << "'" << l << "' in " << seen[l] << " shards of " << n;
  EXPECT_EQ(seen.size(), whole.size()) << "the shards list lines the unsharded run does not";
}

}  // namespace

// ---- the rule ---------------------------------------------------------------------------------------------

TEST(Shard, ParsesIOfN) {
  for (const auto& [text, i, n] : std::vector<std::tuple<std::string, int, int>>{
           {"1/1", 1, 1}, {"1/2", 1, 2}, {"2/2", 2, 2}, {"3/8", 3, 8}, {"07/10", 7, 10}, {"1000000/1000000", 1000000, 1000000}}) {
    const Shard s = parse_shard(text);
    EXPECT_EQ(s.index, i) << text;
    EXPECT_EQ(s.count, n) << text;
  }
  EXPECT_EQ(parse_shard("3/8").str(), "3/8");
  EXPECT_TRUE(parse_shard("1/1").whole());
  EXPECT_FALSE(parse_shard("1/2").whole());
}

TEST(Shard, RejectsAnythingElseNamingTheOption) {
  for (const char* bad : {"", "1", "0/2", "3/2", "1/0", "0/0", "/2", "1/", "-1/2", "1/-2", "+1/2", " 1/2", "1/2 ",
                                 "1 /2", "a/b", "1/2/3", "1.0/2", "0x1/2", "1/1000001", "99999999999999999999/1",
                                 "1/99999999999999999999", "1\x1b[31m/2"}) {
    try {
      parse_shard(bad);
      ADD_FAILURE() << "accepted --shard '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.rfind("--shard '", 0), 0u) << m;
      EXPECT_EQ(m.find('\x1b'), std::string::npos) << "raw control byte echoed: " << m;
    }
  }
  // the messages say what is wrong
  auto msg = [](const std::string& t) {
    try {
      parse_shard(t);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(msg("3/2").find("must be in 1..2"), std::string::npos) << msg("3/2");
  EXPECT_NE(msg("0/2").find("count from 1"), std::string::npos) << msg("0/2");
  EXPECT_NE(msg("1/0").find("number of shards N must be in 1.."), std::string::npos) << msg("1/0");
  EXPECT_NE(msg("1\x1b/2").find("\\x1b"), std::string::npos) << msg("1\x1b/2");
}

TEST(Shard, TheShardsOfARunAreAPartitionOfIt) {
  for (int n = 1; n <= 9; ++n)
    for (uint64_t total = 0; total <= 40; ++total) {
      std::vector<int> owners(total, 0);
      uint64_t smallest = total, largest = 0;
      for (int i = 1; i <= n; ++i) {
        const Shard s = parse_shard(std::to_string(i) + "/" + std::to_string(n));
        uint64_t mine = 0;
        for (uint64_t c = 0; c < total; ++c)
          if (s.selects(c)) {
            ++owners[c];
            ++mine;
          }
        EXPECT_EQ(s.size_of(total), mine) << s.str() << " of " << total;
        smallest = std::min(smallest, mine);
        largest = std::max(largest, mine);
      }
      for (uint64_t c = 0; c < total; ++c) EXPECT_EQ(owners[c], 1) << "case " << c << " of " << total << ", N " << n;
      EXPECT_LE(largest - smallest, 1u) << "unbalanced shards of " << total << " cases over " << n;
    }
  // round-robin: a case keeps its shard when the run grows
  EXPECT_TRUE(parse_shard("2/8").selects(17));
  EXPECT_TRUE(parse_shard("2/8").selects(9993));
}

// ---- the commands ------------------------------------------------------------------------------------------

TEST(ShardCli, BadShardsAreRejectedByEveryCommand) {
  const std::vector<std::string> cmds = {
      kBfpgen + " fuzz --seed 1 --count 4 --config '" + kR2c2b8 + "' --list",
      kBfpgen + " bench --config '" + kR2c2b8 + "' --sizes 8 --list",
      kBfpgen + " sweep -o /nonexistent/never-written --list"};
  for (const std::string& cmd : cmds)
    for (const char* bad : {"0/2", "3/2", "1/0", "x", "1/2/3"}) {
      const auto r = run_cmd(cmd + " --shard '" + bad + "'");
      EXPECT_NE(r.status, 0) << cmd << " --shard " << bad << " was accepted:\n" << r.output;
      EXPECT_NE(r.output.find("--shard"), std::string::npos) << r.output;
    }
  const auto c = run_cmd(kBfpgen + " fuzz --seed 1 --case 3 --config '" + kR2c2b8 + "' --shard 1/2");
  EXPECT_NE(c.status, 0) << "--case with --shard was accepted:\n" << c.output;
  const auto s = run_cmd(kBfpgen + " bench --config '" + kR2c2b8 + "' --sparsity --shard 1/2");
  EXPECT_NE(s.status, 0) << "bench --sparsity --shard was accepted:\n" << s.output;
  EXPECT_NE(s.output.find("not to --sparsity"), std::string::npos) << s.output;
}

TEST(ShardCli, FuzzShardsListThePartitionOfTheRunWithTheSameReproLines) {
  const std::string rnd = kBfpgen + " fuzz --seed 7 --count 30 --random-configs";
  expect_partition(rnd, 4, 30);
  expect_partition(kBfpgen + " fuzz --seed 5 --count 11 --config '" + kR2c2b8 + "' --kinds net,gemm", 3, 11);
  // the repro line is the unsharded one: no --shard in it, the case's own index
  const auto l = listed(rnd, "3/4");
  ASSERT_EQ(l.size(), 7u);  // cases 2, 6, ..., 26
  EXPECT_EQ(l[1].rfind("case 6 ", 0), 0u) << l[1];
  EXPECT_NE(l[1].find(" | repro: build/bfpgen fuzz --seed 7 --case 6 --random-configs"), std::string::npos) << l[1];
  EXPECT_EQ(l[1].find("--shard"), std::string::npos) << l[1];
  // more shards than cases: the extra shards are empty, not an error
  EXPECT_TRUE(listed(kBfpgen + " fuzz --seed 7 --count 3 --random-configs", "5/8").empty());
}

TEST(ShardCli, BenchAndSweepShardsListThePartitionOfTheirRows) {
  expect_partition(kBfpgen + " bench --config '" + kR2c2b8 + "' --sizes 8 16 24 32 40 --schedules output weight", 3, 10);
  const auto rows = listed(kBfpgen + " bench --config '" + kR2c2b8 + "' --sizes 8 16 --schedules output weight", "2/3");
  EXPECT_EQ(rows, (std::vector<std::string>{"row 1 8x8x8 weight"}));
  bfp::test::TempDir tmp("shard_test");
  expect_partition(kBfpgen + " sweep --full --base '" + kR2c2b8 + "' -o '" + (tmp / "never").string() + "'", 5, 12);
  EXPECT_FALSE(fs::exists(tmp / "never")) << "sweep --list wrote its output directory";
}

// ---- sharded runs ------------------------------------------------------------------------------------------

TEST(ShardRun, FuzzShardsRunTheUnshardedCasesWithTheSameResults) {
  verify::FuzzOptions o;
  o.seed = 20261202;
  o.count = 5;
  o.config_path = kR2c2b8;
  o.source_dir = BFP_SOURCE_DIR;
  o.kinds = verify::parse_fuzz_kinds("net,gemm");
  const verify::FuzzSummary whole = verify::run_fuzz(o);
  ASSERT_EQ(whole.cases.size(), 5u);
  std::map<int, const verify::FuzzCaseRecord*> sharded;
  std::vector<verify::FuzzSummary> parts;
  for (int i = 1; i <= 2; ++i) {
    verify::FuzzOptions so = o;
    so.shard = parse_shard(std::to_string(i) + "/2");
    parts.push_back(verify::run_fuzz(so));
  }
  for (const auto& p : parts)
    for (const auto& rec : p.cases) EXPECT_TRUE(sharded.emplace(rec.c.index, &rec).second) << "case " << rec.c.index;
  ASSERT_EQ(sharded.size(), whole.cases.size());
  for (const auto& rec : whole.cases) {
    const auto* s = sharded.at(rec.c.index);
    EXPECT_EQ(s->c.summary, rec.c.summary) << "case " << rec.c.index;
    EXPECT_EQ(s->r.cycles, rec.r.cycles) << "case " << rec.c.index;
    EXPECT_EQ(s->r.pass, rec.r.pass) << "case " << rec.c.index;
    EXPECT_EQ(s->repro, rec.repro) << "case " << rec.c.index;
    EXPECT_TRUE(rec.r.pass) << rec.r.message << "\n  repro: " << rec.repro;
  }
  // each shard's JUnit report: its cases only, a suite name and a property naming the shard
  std::ostringstream x;
  verify::FuzzOptions so = o;
  so.shard = parse_shard("2/2");
  verify::write_junit(x, so, parts[1]);
  const std::string xml = x.str();
  EXPECT_NE(xml.find("<testsuite name=\"bfpgen-fuzz shard 2/2\" tests=\"2\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"shard\" value=\"2/2\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"case 1: "), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"case 3: "), std::string::npos) << xml;
  EXPECT_EQ(xml.find("name=\"case 0: "), std::string::npos) << xml;
}

// The whole mechanism as a CI matrix or a Slurm array uses it: docs/ci/slurm-fuzz.sh as array tasks 1 and 2 of 2
// (Slurm's variables set by hand), then its merge step; the merged report holds the unsharded run's test cases.
TEST(ShardRun, SlurmArrayScriptShardsAndMergesLikeTheUnshardedRun) {
  bfp::test::TempDir tmp("shard_test");
  const std::string out = (tmp / "fuzz").string();
  const std::string env = "cd '" + kSource.string() + "' && BFPGEN=" + kBfpgen + " FUZZ_SEED=3 FUZZ_COUNT=5 FUZZ_OUT='" +
                          out + "' FUZZ_ARGS=\"--config " + kR2c2b8 + " --kinds gemm\" ";
  for (int i = 1; i <= 2; ++i) {
    const auto r = run_cmd(env + "SLURM_ARRAY_TASK_ID=" + std::to_string(i) +
                           " SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=2 SLURM_ARRAY_TASK_COUNT=2 bash docs/ci/slurm-fuzz.sh");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_TRUE(fs::is_regular_file(out + "/shard-" + std::to_string(i) + "-of-2.xml")) << r.output;
  }
  const auto m = run_cmd(env + "bash docs/ci/slurm-fuzz.sh merge");
  ASSERT_EQ(m.status, 0) << m.output;
  EXPECT_NE(m.output.find("5 tests, 0 failures, 0 errors"), std::string::npos) << m.output;
  const auto whole = run_cmd(kBfpgen + " fuzz --seed 3 --count 5 --config '" + kR2c2b8 + "' --kinds gemm --junit '" + out +
                             "/whole.xml' --quiet");
  ASSERT_EQ(whole.status, 0) << whole.output;
  auto case_names = [](const std::string& xml) {
    std::multiset<std::string> names;
    for (size_t p = xml.find("<testcase "); p != std::string::npos; p = xml.find("<testcase ", p + 1)) {
      const size_t a = xml.find(" name=\"", p) + 7;
      names.insert(xml.substr(a, xml.find('"', a) - a));
    }
    return names;
  };
  const auto merged = case_names(bfp::test::read_file(out + "/fuzz.xml"));
  EXPECT_EQ(merged.size(), 5u);
  EXPECT_EQ(merged, case_names(bfp::test::read_file(out + "/whole.xml")));
  // a task outside a 1..N array is refused before it runs anything
  const auto bad = run_cmd(env + "SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=3 SLURM_ARRAY_TASK_MAX=4 "
                                 "SLURM_ARRAY_TASK_COUNT=2 bash docs/ci/slurm-fuzz.sh");
  EXPECT_NE(bad.status, 0) << bad.output;
  EXPECT_NE(bad.output.find("--array=1-N"), std::string::npos) << bad.output;
}

TEST(ShardRun, SweepShardRunsOnlyItsPoints) {
  bfp::test::TempDir tmp("shard_test");
  report::SweepOptions o;
  o.base = kR2c2b8;
  o.arrays = {"3x3"};  // every point fails before any flow runs (acc_cols 16 is no multiple of lcm(8, 3))
  o.blocks = {"8"};
  o.knobs = {"none", "activations", "both"};
  o.out = (tmp / "out").string();
  o.shard = parse_shard("2/2");
  std::ostringstream progress;
  EXPECT_FALSE(report::run_sweep(o, progress));
  const nlohmann::json j = nlohmann::json::parse(bfp::test::read_file((tmp / "out" / "sweep.json").string()));
  EXPECT_EQ(j["shard"], "2/2");
  ASSERT_EQ(j["points"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["points"][0]["index"], 1);
  EXPECT_EQ(j["points"][0]["point"], "r2c2b8-sweep-r3c3b8-activations");
  EXPECT_NE(progress.str().find("[1/1 of shard 2/2] r2c2b8-sweep-r3c3b8-activations"), std::string::npos)
      << progress.str();
}

// ---- scripts/junit_merge.py --------------------------------------------------------------------------------

namespace {

// A bfpgen-style shard report: `cases` as (name, outcome) with outcome "pass", "failure" or "error".
std::string shard_xml(const std::string& shard, const std::vector<std::pair<std::string, std::string>>& cases,
                      const std::string& seed = "1") {
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"bfpgen-fuzz shard " << shard
    << "\" tests=\"" << cases.size() << "\" failures=\"0\" errors=\"0\" time=\"1.5\">\n    <properties>\n"
    << "      <property name=\"seed\" value=\"" << seed << "\"/>\n      <property name=\"count\" value=\"4\"/>\n"
    << "      <property name=\"shard\" value=\"" << shard << "\"/>\n    </properties>\n";
  for (const auto& [name, outcome] : cases) {
    x << "    <testcase classname=\"fuzz.r2c2b8\" name=\"" << name << "\" time=\"0.5\">";
    if (outcome != "pass")
      x << "<" << outcome << " message=\"C[0][1] code expected 0x4a got 0x49\">C[0][1] code expected 0x4a got 0x49\nrepro: "
        << "build/bfpgen fuzz --seed " << seed << " --case " << name.substr(5, 1) << " --random-configs</" << outcome << ">";
    x << "</testcase>\n";
  }
  x << "  </testsuite>\n</testsuites>\n";
  return x.str();
}

}  // namespace

TEST(JunitMerge, FailuresAndErrorsSurviveTheMerge) {
  bfp::test::TempDir tmp("shard_test");
  tmp.write("a.xml", shard_xml("1/2", {{"case 0: net", "pass"}, {"case 2: gemm", "pass"}}));
  tmp.write("b.xml", shard_xml("2/2", {{"case 1: net", "failure"}, {"case 3: train", "error"}}));
  const std::string merged = (tmp / "m.xml").string();
  const auto r = run_cmd(kMerge + " -o '" + merged + "' '" + (tmp / "a.xml").string() + "' '" + (tmp / "b.xml").string() + "'");
  EXPECT_EQ(r.status, 1) << "a merge with failures must fail:\n" << r.output;
  EXPECT_NE(r.output.find("4 tests, 1 failures, 1 errors, 0 skipped"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("repro: build/bfpgen fuzz --seed 1 --case 1 --random-configs"), std::string::npos) << r.output;
  const std::string x = bfp::test::read_file(merged);
  EXPECT_NE(x.find("tests=\"4\""), std::string::npos) << x;
  EXPECT_NE(x.find("failures=\"1\""), std::string::npos) << x;
  EXPECT_NE(x.find("errors=\"1\""), std::string::npos) << x;
  EXPECT_NE(x.find("<failure message=\"C[0][1] code expected 0x4a got 0x49\">"), std::string::npos) << x;
  EXPECT_NE(x.find("repro: build/bfpgen fuzz --seed 1 --case 3 --random-configs</error>"), std::string::npos) << x;
  EXPECT_NE(x.find("name=\"bfpgen-fuzz shard 1/2\""), std::string::npos) << x;
  EXPECT_NE(x.find("name=\"bfpgen-fuzz shard 2/2\""), std::string::npos) << x;
  // the counts of a suite are recounted from its test cases (the input said failures="0")
  EXPECT_NE(x.find("name=\"bfpgen-fuzz shard 2/2\" tests=\"2\" failures=\"1\" errors=\"1\""), std::string::npos) << x;
  // all passing: exit 0
  tmp.write("c.xml", shard_xml("2/2", {{"case 1: net", "pass"}, {"case 3: train", "pass"}}));
  const auto ok = run_cmd(kMerge + " -o '" + merged + "' '" + (tmp / "a.xml").string() + "' '" + (tmp / "c.xml").string() + "'");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("4 tests, 0 failures, 0 errors"), std::string::npos) << ok.output;
}

TEST(JunitMerge, RefusesMissingRepeatedOrForeignShardsAndBadFiles) {
  bfp::test::TempDir tmp("shard_test");
  tmp.write("a.xml", shard_xml("1/3", {{"case 0: net", "pass"}}));
  tmp.write("b.xml", shard_xml("2/3", {{"case 1: net", "pass"}}));
  tmp.write("c.xml", shard_xml("3/3", {{"case 2: net", "pass"}}));
  tmp.write("c-other-seed.xml", shard_xml("3/3", {{"case 2: net", "pass"}}, "2"));
  tmp.write("dup.xml", shard_xml("3/3", {{"case 0: net", "pass"}}));
  tmp.write("broken.xml", "<testsuites><testsuite name=\"x\">");
  tmp.write("ctest.xml", "<testsuite name=\"Linux-c++\" tests=\"1\"><testcase name=\"Shard.ParsesIOfN\" "
                         "classname=\"Shard.ParsesIOfN\" time=\"0.01\" status=\"run\"/></testsuite>\n");
  auto merge = [&](const std::vector<std::string>& files, const std::string& extra = "") {
    std::string cmd = kMerge + extra + " -o '" + (tmp / "m.xml").string() + "'";
    for (const auto& f : files) cmd += " '" + (tmp / f).string() + "'";
    return run_cmd(cmd);
  };
  auto r = merge({"a.xml", "b.xml", "c.xml"});
  EXPECT_EQ(r.status, 0) << r.output;
  fs::remove(tmp / "m.xml");
  r = merge({"a.xml", "c.xml"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("shards missing of 3: 2/3"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp / "m.xml")) << "a refused merge wrote its output";
  r = merge({"a.xml", "c.xml"}, " --allow-partial");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("warning: shards missing of 3: 2/3"), std::string::npos) << r.output;
  r = merge({"a.xml", "b.xml", "c-other-seed.xml"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("property 'seed' differs"), std::string::npos) << r.output;
  r = merge({"a.xml", "b.xml", "c.xml", "dup.xml"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("shard 3/3 appears twice"), std::string::npos) << r.output;
  r = merge({"a.xml", "b.xml", "dup.xml"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("'case 0: net' is in"), std::string::npos) << r.output;
  r = merge({"a.xml", "broken.xml"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("broken.xml: cannot read a JUnit report"), std::string::npos) << r.output;
  r = merge({"a.xml", "missing.xml"});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("missing.xml"), std::string::npos) << r.output;
  // CTest's report (make test's build/junit.xml: a lone <testsuite>, no shard property) merges too
  r = merge({"ctest.xml"});
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("1 tests, 0 failures"), std::string::npos) << r.output;
}

// ---- make test's JUnit report ------------------------------------------------------------------------------

// .ci/run runs exactly `make test`; `make test` writes CTest's JUnit report to the path the README names.
TEST(ShardDocs, MakeTestWritesTheJunitReportTheReadmeNames) {
  const std::string makefile = bfp::test::read_file((kSource / "Makefile").string());
  const size_t t = makefile.find("\ntest: build\n");
  ASSERT_NE(t, std::string::npos);
  const std::string recipe = makefile.substr(t, makefile.find("\n\n", t + 1) - t);
  EXPECT_NE(recipe.find("ctest "), std::string::npos) << recipe;
  EXPECT_NE(recipe.find("--output-junit $(JUNIT)"), std::string::npos) << recipe;
  EXPECT_NE(makefile.find("\nJUNIT ?= junit.xml"), std::string::npos);
  EXPECT_NE(bfp::test::read_file((kSource / "README.md").string()).find("build/junit.xml"), std::string::npos);
  const std::string ci = bfp::test::read_file((kSource / ".ci/run").string());
  EXPECT_NE(ci.find("\nmake test\n"), std::string::npos) << ci;
  // the example CI files use the options this bfpgen has
  const std::string gha = bfp::test::read_file((kSource / "docs/ci/github-actions.yml").string());
  EXPECT_NE(gha.find("--shard ${{ matrix.shard }}/"), std::string::npos);
  EXPECT_NE(gha.find("scripts/junit_merge.py"), std::string::npos);
  EXPECT_EQ(run_cmd("bash -n '" + (kSource / "docs/ci/slurm-fuzz.sh").string() + "'").status, 0);
}
