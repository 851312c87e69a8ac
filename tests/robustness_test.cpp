// SPDX-License-Identifier: Apache-2.0
// Hostile input and interrupted runs (issue 15, "Robustness"): each test is the reproduction of one report and
// failed (crashed, hung or passed silently) before its fix.
//
// - Validation without std::regex: a 60,000-character name or a 100,000-digit integer overflowed the stack.
// - Bounded inputs: config and network files, scalars, .npy files (/dev/zero), .npy shapes that overflow.
// - Messages: control bytes from the input are escaped; errors found after loading name FILE:LINE:COL.
// - `generate` interrupted by a signal leaves no temporary folder; a killed one's folder goes on the next run.
// - Model builds: a killed build is not a compile error and is retried; an interrupted bfpgen ends its build's
//   process group; a rerun after a bfpgen killed outright is not disturbed by the old build's scratch files.
//   These run a stand-in for cmake (BFP_CMAKE) in a private model cache, so no real model is built.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "config/config.h"
#include "config/text_check.h"
#include "gen/emit.h"
#include "gen/scratch.h"
#include "golden/npy.h"
#include "mapper/lower.h"
#include "mapper/network.h"
#include "mapper/run.h"
#include "report/sweep.h"
#include "sim/model_cache.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = BFP_SOURCE_DIR;

/// The message of the exception `f` throws (of type E); a failure if it throws nothing.
template <class E>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

std::string config_with(const std::string& name_line, const std::string& rows = "2") {
  return name_line + "\narray:\n  rows: " + rows +
         "\n  cols: 2\nblock_size: 8\naccumulator:\n  width: 24\n  guard_bits: 2\npipeline:\n  operand_regs: 1\n"
         "buffers:\n  act_depth: 256\n  wgt_depth: 256\n  acc_cols: 16\nmemory:\n  data_width: 64\n  addr_width: 20\n";
}

bool has_control_byte(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
  return false;
}

// ---- validation without std::regex, bounded scalars ------------------------------------------------------

TEST(Robustness, ConfigLongNameAndHugeIntegerAreErrorsNotCrashes) {
  const std::string a = error_of<bfp::ConfigError>(
      [] { bfp::parse_config(config_with("# x\nname: " + std::string(60000, 'a')), "c.yaml"); });
  EXPECT_NE(a.find("c.yaml:2:7: key 'name'"), std::string::npos) << a;
  EXPECT_NE(a.find("60000 characters long, more than 255"), std::string::npos) << a;
  EXPECT_LT(a.size(), 400u) << "the message must not echo the whole value";

  const std::string b = error_of<bfp::ConfigError>(
      [] { bfp::parse_config(config_with("name: x", std::string(100000, '7')), "c.yaml"); });
  EXPECT_NE(b.find("c.yaml:3:9: key 'array.rows'"), std::string::npos) << b;
  EXPECT_NE(b.find("100000 characters long"), std::string::npos) << b;

  // within the bound, the pattern is still checked character by character
  const std::string c = error_of<bfp::ConfigError>(
      [] { bfp::parse_config(config_with("name: " + std::string(200, 'a') + "!"), "c.yaml"); });
  EXPECT_NE(c.find("key 'name': must be non-empty and use only letters"), std::string::npos) << c;
  EXPECT_EQ(bfp::parse_config(config_with("name: " + std::string(255, 'z')), "c.yaml").name, std::string(255, 'z'));
  EXPECT_EQ(bfp::parse_config(config_with("name: A-b_9"), "c.yaml").name, "A-b_9");
  EXPECT_EQ(bfp::parse_config(config_with("name: x", "+12"), "c.yaml").rows, 12);
}

TEST(Robustness, NetworkLongNameAndHugeIntegerAreErrorsNotCrashes) {
  const std::string big(60000, 'n');
  const std::string a = error_of<bfp::mapper::NetError>([&] {
    bfp::mapper::parse_network("name: " + big + "\ninput: {shape: [4]}\nlayers:\n  - {type: fc, units: 2}\n", "n.yaml");
  });
  EXPECT_NE(a.find("n.yaml:1:7: field 'name'"), std::string::npos) << a;
  EXPECT_NE(a.find("60000 characters long, more than 4096"), std::string::npos) << a;

  const std::string b = error_of<bfp::mapper::NetError>([&] {
    bfp::mapper::parse_network("name: n\ninput: {shape: [4]}\nlayers:\n  - {type: fc, units: " + std::string(100000, '9') +
                                   "}\n",
                               "n.yaml");
  });
  EXPECT_NE(b.find("n.yaml:4:23"), std::string::npos) << b;
  EXPECT_NE(b.find("100000 characters long"), std::string::npos) << b;

  // below the bound: integers too large for 64 bits, names of 4000 characters (a recursive regex's depth)
  const std::string c = error_of<bfp::mapper::NetError>([&] {
    bfp::mapper::parse_network("name: n\ninput: {shape: [4]}\nlayers:\n  - {type: fc, units: " + std::string(4000, '9') +
                                   "}\n",
                               "n.yaml");
  });
  EXPECT_NE(c.find("field 'units': must be in 1..65535; got 9999"), std::string::npos) << c;
  const std::string long_name = "L" + std::string(4000, 'x');
  const auto net = bfp::mapper::parse_network(
      "name: " + long_name + "\ninput: {shape: [4]}\nlayers:\n  - {type: fc, units: 2, name: a.b-c}\n  - {type: clip, "
      "min: -1.5e0, max: .5}\n",
      "n.yaml");
  EXPECT_EQ(net.name, long_name);
  EXPECT_EQ(net.layers[0].name, "a.b-c");
  EXPECT_EQ(net.layers[1].clip_min, -1.5f);
  EXPECT_EQ(net.layers[1].clip_max, 0.5f);
  for (const char* bad : {"1e", ".", "+", "1.5.", "e5", "0x10"}) {
    const std::string m = error_of<bfp::mapper::NetError>([&] {
      bfp::mapper::parse_network(std::string("name: n\ninput: {shape: [4]}\nlayers:\n  - {type: clip, min: ") + bad +
                                     "}\n",
                                 "n.yaml");
    });
    EXPECT_NE(m.find("field 'min': expected a number"), std::string::npos) << bad << ": " << m;
  }
}

TEST(Robustness, TextChecksAreExact) {
  EXPECT_TRUE(bfp::is_decimal("0", false));
  EXPECT_TRUE(bfp::is_decimal("-12", true));
  EXPECT_FALSE(bfp::is_decimal("-12", false));
  EXPECT_FALSE(bfp::is_decimal("", true));
  EXPECT_FALSE(bfp::is_decimal("+", true));
  EXPECT_FALSE(bfp::is_decimal("1 ", true));
  EXPECT_TRUE(bfp::is_class_plus_pattern("[A-Za-z0-9_-]+"));
  EXPECT_FALSE(bfp::is_class_plus_pattern("[a-z]*"));
  EXPECT_FALSE(bfp::is_class_plus_pattern("[a-z]+x"));
  EXPECT_TRUE(bfp::matches_class_plus("[A-Za-z0-9_-]+", "Ab-9_z"));
  EXPECT_FALSE(bfp::matches_class_plus("[A-Za-z0-9_-]+", ""));
  EXPECT_FALSE(bfp::matches_class_plus("[A-Za-z0-9_-]+", "a.b"));
  EXPECT_FALSE(bfp::matches_class_plus("[A-Za-z0-9_-]+", "a\xc3\xa9"));
  EXPECT_EQ(bfp::printable("a\x1b[2Jb\n\x7f"), "a\\x1b[2Jb\\n\\x7f");
  EXPECT_EQ(bfp::printable(std::string(150, 'q'), 10), "qqqqqqqqqq... (150 characters)");
}

// ---- bounded files ------------------------------------------------------------------------------------------

TEST(Robustness, OversizedConfigAndNetworkFilesAreRefusedAtOnce) {
  bfp::test::TempDir dir("robust");
  const fs::path c = dir / "big.yaml";
  {
    std::ofstream f(c);
    for (int i = 0; i < 120000; ++i) f << "unknown_key_" << i << ": 1\n";  // ~2.3 MB
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::string a = error_of<bfp::ConfigError>([&] { bfp::load_config(c.string()); });
  EXPECT_NE(a.find("big.yaml: cannot read config file: the file is"), std::string::npos) << a;
  EXPECT_NE(a.find("more than the limit of 1048576"), std::string::npos) << a;
  const std::string b = error_of<bfp::mapper::NetError>([&] { bfp::mapper::load_network("/dev/zero"); });
  EXPECT_NE(b.find("/dev/zero: cannot read network file: it holds more than the limit of 16777216 bytes"),
            std::string::npos)
      << b;
  const std::string d = error_of<bfp::ConfigError>([&] { bfp::load_config("/dev/zero"); });
  EXPECT_NE(d.find("more than the limit of 1048576"), std::string::npos) << d;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  const std::string e = error_of<bfp::ConfigError>([&] { bfp::load_config(dir.path().string()); });
  EXPECT_NE(e.find("is a directory"), std::string::npos) << e;
}

TEST(Robustness, NpyReaderIsBounded) {
  bfp::test::TempDir dir("robust");
  // /dev/zero: refused after its first bytes (before the fix: read forever)
  const std::string a = error_of<bfp::npy::Error>([] { bfp::npy::read("/dev/zero"); });
  EXPECT_NE(a.find("/dev/zero: not a .npy file"), std::string::npos) << a;

  // a shape whose element count overflows 64 bits (2^32 * 2^32 * 2 = 0 modulo 2^64 with size_t arithmetic)
  const auto header = [](const std::string& dict) {
    std::string h = dict;
    while ((10 + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out.push_back(char(h.size() & 0xff));
    out.push_back(char(h.size() >> 8));
    return out + h;
  };
  const std::string overflow = header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 2), }");
  const std::string b = error_of<bfp::npy::Error>([&] { bfp::npy::decode(overflow, "o.npy"); });
  EXPECT_NE(b.find("o.npy: shape (4294967296, 4294967296, 2) needs more than 1073741824 bytes"), std::string::npos) << b;
  const std::string c = error_of<bfp::npy::Error>([&] {
    bfp::npy::decode(header("{'descr': '<f4', 'fortran_order': False, 'shape': (123456789012345678901234567890,), }"),
                     "d.npy");
  });
  EXPECT_NE(c.find("is too large"), std::string::npos) << c;
  // control bytes in a header are escaped
  const std::string d = error_of<bfp::npy::Error>(
      [&] { bfp::npy::decode(header("{'descr': '<f4\x1b[2J', 'fortran_order': False, 'shape': (1,), }"), "e.npy"); });
  EXPECT_NE(d.find("\\x1b[2J"), std::string::npos) << d;
  EXPECT_FALSE(has_control_byte(d)) << d;
  // a file longer than its shape: refused, without reading on to its end
  std::ofstream(dir / "long.npy", std::ios::binary)
      << header("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }") << "abc";
  const std::string e = error_of<bfp::npy::Error>([&] { bfp::npy::read((dir / "long.npy").string()); });
  EXPECT_NE(e.find("holds more than the 2 bytes of data its shape needs"), std::string::npos) << e;
  // an ordinary file still round-trips
  bfp::npy::write<float>((dir / "ok.npy").string(), {2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(bfp::npy::read((dir / "ok.npy").string()).values<float>().at(5), 6.0f);

  // a network whose weights are /dev/zero: an error naming the layer's field
  const std::string f = error_of<bfp::mapper::NetError>([] {
    bfp::mapper::parse_network("name: n\ninput: {shape: [4]}\nlayers:\n  - {type: fc, units: 2, weights: /dev/zero}\n",
                               "n.yaml");
  });
  EXPECT_NE(f.find("n.yaml:4:"), std::string::npos) << f;
  EXPECT_NE(f.find("field 'weights': npy: /dev/zero: not a .npy file"), std::string::npos) << f;
}

// ---- messages -----------------------------------------------------------------------------------------------

TEST(Robustness, ControlBytesFromTheInputAreEscaped) {
  const std::string a =
      error_of<bfp::ConfigError>([] { bfp::parse_config(config_with("name: \"x\\e[2J\\ry\""), "c.yaml"); });
  EXPECT_NE(a.find("x\\x1b[2J\\ry"), std::string::npos) << a;
  EXPECT_FALSE(has_control_byte(a)) << a;
  const std::string b = error_of<bfp::mapper::NetError>([] {
    bfp::mapper::parse_network("name: n\ninput: {shape: [4]}\nlayers:\n  - {type: fc, units: 2, \"k\\e]0;x\\a\": 1}\n",
                               "n.yaml");
  });
  EXPECT_NE(b.find("k\\x1b]0;x\\x07"), std::string::npos) << b;
  EXPECT_FALSE(has_control_byte(b)) << b;
}

TEST(Robustness, ErrorsAfterLoadingNameTheLayersPosition) {
  const auto net = bfp::mapper::parse_network(
      "name: n\ninput: {shape: [4, 4, 2]}\nlayers:\n  - {type: conv2d, filters: 2, kernel: 1}\n"
      "  - {type: maxpool, kernel: 2, name: pool}\n",
      "n.yaml");
  const std::string a = error_of<std::invalid_argument>([&] { bfp::mapper::trace_layer_name(net, "pool"); });
  EXPECT_EQ(a.rfind("n.yaml:5:5: layer 'pool' (#2, maxpool): --trace-layer", 0), 0u) << a;
  const std::string b = error_of<std::invalid_argument>([&] { bfp::mapper::layer_weights(net.layers[1], 1); });
  EXPECT_EQ(b.rfind("n.yaml:5:5: layer 'pool' (maxpool) has no weights", 0), 0u) << b;
}

// ---- generate: temporary folders -----------------------------------------------------------------------------

/// Entries of `dir` whose name contains "bfpgen-tmp".
int tmp_folders(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().find("bfpgen-tmp") != std::string::npos;
  return n;
}

/// Forks; the child writes the default config's output to `out`, raising SIGTERM before the third file, with or
/// without bfpgen's handlers. Returns the child's wait status.
int generate_interrupted(const fs::path& out, bool handlers) {
  const auto files = bfp::render(bfp::load_config((kSource / "configs/default.yaml").string()));
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (handlers) bfp::scratch::install_signal_handlers();
    int n = 0;
    try {
      bfp::write_output(files, out.string(), [&n](const std::string&) {
        if (++n == 3) ::raise(SIGTERM);
      });
    } catch (...) {
    }
    ::_exit(0);  // not reached: SIGTERM ends the process
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(Robustness, InterruptedGenerateLeavesNoTemporaryFolder) {
  bfp::test::TempDir dir("robust");
  const int st = generate_interrupted(dir / "out", /*handlers=*/true);
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << "status " << st;
  EXPECT_EQ(tmp_folders(dir.path()), 0);
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(Robustness, NextGenerateRemovesTheFoldersOfKilledRuns) {
  bfp::test::TempDir dir("robust");
  // without the handlers (SIGKILL is the same: nothing runs) the folder stays: the check above can fail
  const int st = generate_interrupted(dir / "out", /*handlers=*/false);
  ASSERT_TRUE(WIFSIGNALED(st)) << "status " << st;
  ASSERT_EQ(tmp_folders(dir.path()), 1);
  // a folder of a running process (this one) is left alone
  const fs::path live = dir / (".out." + bfp::scratch::owned_tag("bfpgen-tmp") + "abc");
  fs::create_directory(live);
  bfp::generate(bfp::load_config((kSource / "configs/default.yaml").string()), (dir / "out").string());
  EXPECT_TRUE(fs::exists(dir / "out" / "manifest.json"));
  EXPECT_EQ(tmp_folders(dir.path()), 1);
  EXPECT_TRUE(fs::exists(live));
}

// ---- model builds ----------------------------------------------------------------------------------------------

/// A private model cache and a stand-in for cmake (BFP_CMAKE): its configure step fails if the build folder holds
/// a file of an earlier run (the "stale scratch files" of issue 15), marks the folder, then does what
/// $FAKE_MODE says: error (a compile error), oom (a compiler killed by the OOM killer, as g++ reports it), kill
/// (cmake itself killed), hang (starts a child that sleeps, writes its PID to $FAKE_PID and waits).
class FakeBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    cmake_ = dir_ / "fake-cmake.sh";
    std::ofstream(cmake_) << R"(#!/bin/sh
[ "$1" = "-S" ] || exit 0
b="$4"
if [ -e "$b/marker" ]; then echo "stale scratch file $b/marker"; exit 3; fi
mkdir -p "$b" && touch "$b/marker"
case "$FAKE_MODE" in
  error) echo "rtl/bfp_pe.sv:1: syntax error"; exit 1 ;;
  oom) echo "g++: fatal error: Killed signal terminated program cc1plus"; exit 1 ;;
  kill) kill -9 $$ ;;
  hang) sleep 300 & echo $! > "$FAKE_PID"; wait ;;
esac
exit 1
)";
    fs::permissions(cmake_, fs::perms::owner_all);
    ::setenv("BFP_CMAKE", cmake_.c_str(), 1);
    ::setenv("BFP_MODEL_CACHE", (dir_ / "cache").c_str(), 1);
    ::unsetenv("BFP_MODEL_RETRY");
    cfg_ = bfp::load_config((kSource / "configs/test/r2c2b8.yaml").string());
  }
  std::string build(const std::string& mode) {
    ::setenv("FAKE_MODE", mode.c_str(), 1);
    return error_of<bfp::sim::ModelError>([&] { bfp::sim::load_model(cfg_); });
  }
  fs::path model_dir() const { return dir_ / "cache" / cfg_.hash(); }

  bfp::test::TempDir dir_{"robust-model"};
  fs::path cmake_;
  bfp::Config cfg_;
};

TEST_F(FakeBuild, KilledBuildIsRetriedCompileErrorIsRemembered) {
  for (const char* mode : {"kill", "oom"}) {
    const std::string m = build(mode);
    EXPECT_NE(m.find("was interrupted"), std::string::npos) << mode << ": " << m;
    EXPECT_NE(m.find("not a compile error, so the next run retries it"), std::string::npos) << m;
    EXPECT_FALSE(fs::exists(model_dir() / "failed")) << mode;
  }
  // the next run builds again (and meets a real compile error, which is remembered)
  const std::string e = build("error");
  EXPECT_NE(e.find("failed (" + std::string(cmake_) + " -S exited with 1)"), std::string::npos) << e;
  EXPECT_NE(e.find("syntax error"), std::string::npos) << e;
  EXPECT_TRUE(fs::exists(model_dir() / "failed"));
  const std::string again = build("error");
  EXPECT_NE(again.find("failed to build earlier from the same sources"), std::string::npos) << again;
  // no scratch folder is left behind by any of them
  for (const auto& x : fs::directory_iterator(model_dir()))
    EXPECT_NE(x.path().filename().string().rfind("work-", 0), 0u) << x.path();
}

bool alive(pid_t pid) {  // a zombie (an orphan nobody reaped yet) counts as dead
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t p = line.rfind(')');
  return p != std::string::npos && p + 2 < line.size() && line[p + 2] != 'Z';
}

/// Forks a child that builds the model in "hang" mode (with bfpgen's handlers); returns its PID and the PID of
/// the sleeping grandchild in the build's process group.
std::pair<pid_t, pid_t> start_hanging_build(const bfp::Config& cfg, const fs::path& pid_file) {
  ::setenv("FAKE_MODE", "hang", 1);
  ::setenv("FAKE_PID", pid_file.c_str(), 1);
  const pid_t child = ::fork();
  if (child == 0) {
    bfp::scratch::install_signal_handlers();
    try {
      bfp::sim::load_model(cfg);
    } catch (...) {
    }
    ::_exit(0);
  }
  pid_t sleeper = 0;
  for (int i = 0; i < 300 && sleeper == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream f(pid_file);
    f >> sleeper;
  }
  return {child, sleeper};
}

bool gone_within(pid_t pid, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (!alive(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(FakeBuild, InterruptedBfpgenEndsItsBuild) {
  const auto [child, sleeper] = start_hanging_build(cfg_, dir_ / "pid");
  ASSERT_GT(sleeper, 0) << "the stand-in build did not start";
  ASSERT_TRUE(alive(sleeper));
  ::kill(child, SIGTERM);
  int st = 0;
  ::waitpid(child, &st, 0);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << "status " << st;
  const bool gone = gone_within(sleeper, 10);
  if (!gone) ::kill(sleeper, SIGKILL);
  EXPECT_TRUE(gone) << "the build's process group outlived bfpgen";
}

TEST_F(FakeBuild, RerunAfterAKilledBfpgenStartsClean) {
  const auto [child, sleeper] = start_hanging_build(cfg_, dir_ / "pid");
  ASSERT_GT(sleeper, 0) << "the stand-in build did not start";
  ::kill(child, SIGKILL);  // no handler runs: the build and its scratch folder stay
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(alive(sleeper));
  // the next run ends the orphaned build, and its own configure step finds a fresh folder (else: exit 3)
  const std::string m = build("error");
  EXPECT_NE(m.find("exited with 1"), std::string::npos) << m;
  EXPECT_EQ(m.find("stale scratch"), std::string::npos) << m;
  const bool gone = gone_within(sleeper, 10);
  if (!gone) ::kill(sleeper, SIGKILL);
  EXPECT_TRUE(gone) << "the orphaned build of the killed run still runs";
}

// ---- sweep --------------------------------------------------------------------------------------------------

TEST(Robustness, SweepDefaultBaseIsTheSourceTrees) {
  bfp::test::TempDir repo("robust-repo");
  fs::create_directories(repo / "configs/test");
  std::ofstream(repo / "configs/test/r2c2b8.yaml") << "name: [\n";  // a marker: which file was read?
  bfp::report::SweepOptions o;
  o.repo = repo.path().string();
  o.out = (repo / "out").string();
  const std::string m = error_of<bfp::ConfigError>([&] { bfp::report::run_sweep(o, std::cerr); });
  EXPECT_EQ(m.rfind((repo / "configs/test/r2c2b8.yaml").string() + ":", 0), 0u) << m;
}

}  // namespace
