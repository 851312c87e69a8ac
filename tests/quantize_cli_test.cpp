// SPDX-License-Identifier: Apache-2.0
// `bfpgen quantize` against tests/oracle/mx_reference.py (an independent, stdlib-only transliteration of the OCP MX
// reference library's int8 path): identical stdout and exit status on many inputs, both rounding modes, block
// sizes 1, 2, 7, 32 and partial last blocks. Random cases print their seed and a repro command; rerun one with
// BFP_SEED=<seed> (it replaces the base seed of every random test) and --gtest_filter.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "support/seed.h"

namespace {

const std::string kBfpgen = std::string(BFP_BINARY_DIR) + "/bfpgen";
const std::string kScript = std::string(BFP_SOURCE_DIR) + "/tests/oracle/mx_reference.py";

struct Result {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `cmd < input_file`, capturing stdout, stderr and the exit status.
Result run(const std::string& cmd, const std::string& input_file) {
  static int counter = 0;
  const std::string base = ::testing::TempDir() + "qcli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string full = cmd + " < " + quote(input_file) + " > " + quote(base + ".out") + " 2> " + quote(base + ".err");
  const int rc = std::system(full.c_str());
  Result r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

std::string args_of(int block, const std::string& rounding, bool json, const std::string& extra = "") {
  std::string a = " --block " + std::to_string(block);
  if (!rounding.empty()) a += " --rounding " + rounding;
  if (json) a += " --json";
  return a + extra;
}

struct Pair {
  Result tool, ref;
  std::string input_file;
};

// Writes the input to a file kept on failure, runs both programs, and returns both results.
Pair run_both(const std::string& name, const std::string& input, const std::string& args) {
  const std::string file = ::testing::TempDir() + "qcli_input_" + name + ".txt";
  {
    std::ofstream f(file, std::ios::binary);
    f << input;
  }
  Pair p;
  p.input_file = file;
  p.tool = run(quote(kBfpgen) + " quantize" + args, file);
  p.ref = run("python3 " + quote(kScript) + args, file);
  return p;
}

std::string repro(const Pair& p, const std::string& args) {
  return "\n  repro: build/bfpgen quantize" + args + " < " + p.input_file + "\n         python3 tests/oracle/mx_reference.py" +
         args + " < " + p.input_file;
}

// Both must succeed (or both fail) with byte-identical stdout.
void expect_same(const std::string& name, const std::string& input, int block, const std::string& rounding,
                 bool json = false, const std::string& seed_repro = "") {
  const std::string args = args_of(block, rounding, json);
  Pair p = run_both(name, input, args);
  const std::string why = "case " + name + seed_repro + repro(p, args) + "\n  bfpgen stderr: " + p.tool.err +
                          "\n  reference stderr: " + p.ref.err;
  ASSERT_EQ(p.tool.status, p.ref.status) << why;
  ASSERT_EQ(p.tool.out, p.ref.out) << why;
  if (p.tool.status == 0 && !::testing::Test::HasFailure()) std::remove(p.input_file.c_str());
}

// Both must fail with exit status 1, print nothing on stdout, and name `must_mention` on stderr.
void expect_error(const std::string& name, const std::string& input, const std::string& args,
                  const std::string& must_mention) {
  Pair p = run_both(name, input, args);
  const std::string why = "case " + name + repro(p, args);
  EXPECT_EQ(p.tool.status, 1) << why << "\n" << p.tool.err;
  EXPECT_EQ(p.ref.status, 1) << why << "\n" << p.ref.err;
  EXPECT_EQ(p.tool.out, "") << why;
  EXPECT_EQ(p.ref.out, "") << why;
  EXPECT_NE(p.tool.err.find(must_mention), std::string::npos) << why << "\n" << p.tool.err;
  EXPECT_NE(p.ref.err.find(must_mention), std::string::npos) << why << "\n" << p.ref.err;
}

uint64_t base_seed(uint64_t dflt) { return bfp::test::seed_for(dflt); }

// ---- input generation -----------------------------------------------------------------------------------

// Formats a float in one of several exact or strtof-rounded spellings.
std::string spell(float x, std::mt19937_64& g) {
  char buf[96];
  switch (std::uniform_int_distribution<int>(0, 9)(g)) {
    case 0: case 1: case 2: std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(x)); break;  // round-trips
    case 3: case 4: std::snprintf(buf, sizeof buf, "%a", static_cast<double>(x)); break;            // hex, exact
    case 5: std::snprintf(buf, sizeof buf, "%.17e", static_cast<double>(x)); break;                 // exact
    case 6: std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(x)); break;                  // rounded by strtof
    case 7: std::snprintf(buf, sizeof buf, "%+.12E", static_cast<double>(x)); break;                // rounded by strtof
    case 8: std::snprintf(buf, sizeof buf, "%.40f", static_cast<double>(x)); break;                  // long decimals
    default: std::snprintf(buf, sizeof buf, "%A", static_cast<double>(x)); break;                  // upper-case hex
  }
  return buf;
}

std::string join(const std::vector<float>& v, std::mt19937_64& g) {
  static const char* seps[] = {" ", " ", " ", "\n", "\t", "  ", "\r\n", " \n "};
  std::string s = std::uniform_int_distribution<int>(0, 3)(g) == 0 ? "\n " : "";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += seps[std::uniform_int_distribution<int>(0, 7)(g)];
    s += spell(v[i], g);
  }
  if (std::uniform_int_distribution<int>(0, 1)(g)) s += "\n";
  return s;
}

float finite_or_zero(float x) { return std::isfinite(x) && std::fabs(x) < 1e38f ? x : 0.0f; }

// Distributions; `B` is the block size (ties and clamps are placed relative to each block's maximum).
enum Dist { Normal, LogNormal, UniformExp, Ties, Clamp, BinadeTop, HugeTiny, Subnormal, ZerosSigned, RandomBits, kNumDist };
const char* dist_name(int d) {
  static const char* n[] = {"normal", "lognormal", "uniform_exp", "ties", "clamp", "binade_top", "huge_tiny",
                            "subnormal", "zeros", "random_bits"};
  return n[d];
}

std::vector<float> generate(int dist, int B, int n, std::mt19937_64& g) {
  std::normal_distribution<float> nd(0, 1);
  std::uniform_real_distribution<float> ud(-1, 1);
  std::uniform_int_distribution<int> coin(0, 9), exp_all(-149, 126), exp_mid(-120, 120);
  std::vector<float> v(static_cast<size_t>(n));
  for (int b0 = 0; b0 < n; b0 += B) {
    const int len = std::min(B, n - b0);
    float* x = v.data() + b0;
    const int k = exp_mid(g);  // block scale for the block-relative distributions
    switch (dist) {
      case Normal:
        for (int t = 0; t < len; ++t) x[t] = nd(g) * (coin(g) ? 1.0f : 1000.0f);
        break;
      case LogNormal:
        for (int t = 0; t < len; ++t) x[t] = finite_or_zero(std::exp(6 * nd(g)) * (coin(g) < 5 ? -1.0f : 1.0f));
        break;
      case UniformExp:
        for (int t = 0; t < len; ++t) x[t] = std::ldexp(ud(g), exp_all(g));
        break;
      case Ties: {
        // max 1.5 * 2^k (s = k exactly); others (t + 0.5) 2^(k-6) with t < 95, the FP32-add quirk value
        // (0.5 - 2^-25) 2^(k-6), and exact ties of the 'even' mask.
        x[0] = std::ldexp(1.5f, k) * (coin(g) < 5 ? -1.0f : 1.0f);
        for (int t = 1; t < len; ++t) {
          const int c = coin(g);
          const double mag = c == 0 ? 0.5 - 0x1p-25 : c == 1 ? 0.5 : std::uniform_int_distribution<int>(0, 94)(g) + 0.5;
          x[t] = static_cast<float>(std::ldexp(mag, k - 6) * (coin(g) < 5 ? -1 : 1));
        }
        if (len > 1) std::swap(x[0], x[std::uniform_int_distribution<int>(0, len - 1)(g)]);
        break;
      }
      case Clamp:
        // elements with |a| in [126, 128): 127.5 rounds to 128 and clamps
        for (int t = 0; t < len; ++t) {
          const double a = 126.0 + std::uniform_int_distribution<int>(0, 8)(g) * 0.25 - (coin(g) == 0 ? 0x1p-16 : 0.0);
          x[t] = static_cast<float>(std::ldexp(std::min(a, 127.99998474121094), k - 6) * (coin(g) < 5 ? -1 : 1));
        }
        break;
      case BinadeTop:
        // maxima 2^(k+1) - j ulp (where the FP32 log2 rounds up to k + 1), others anywhere below
        x[0] = static_cast<float>(std::ldexp(1.0, k + 1) -
                                  std::ldexp(static_cast<double>(std::uniform_int_distribution<int>(0, 120)(g)), k - 23));
        for (int t = 1; t < len; ++t) x[t] = x[0] * ud(g);
        if (len > 1) std::swap(x[0], x[std::uniform_int_distribution<int>(0, len - 1)(g)]);
        break;
      case HugeTiny:
        x[0] = std::ldexp(1.0f + ud(g) * 0.5f, std::uniform_int_distribution<int>(60, 126)(g));
        for (int t = 1; t < len; ++t) x[t] = std::ldexp(ud(g), std::uniform_int_distribution<int>(-149, 0)(g));
        break;
      case Subnormal:
        for (int t = 0; t < len; ++t) {
          std::uniform_int_distribution<uint32_t> mant(0, (1u << 23) - 1);
          const uint32_t bits = (coin(g) < 5 ? 0x80000000u : 0u) | (coin(g) == 0 ? 0x00800000u : 0u) | mant(g);
          std::memcpy(&x[t], &bits, 4);
        }
        break;
      case ZerosSigned:
        for (int t = 0; t < len; ++t) x[t] = coin(g) < 4 ? 0.0f : coin(g) < 8 ? -0.0f : nd(g) * 1e-3f;
        break;
      default: {  // RandomBits
        std::uniform_int_distribution<uint32_t> bits;
        for (int t = 0; t < len; ++t) {
          uint32_t u;
          do u = bits(g); while (((u >> 23) & 0xff) == 0xff || ((u >> 23) & 0xff) == 0xfe);  // no Inf/NaN/top binade
          std::memcpy(&x[t], &u, 4);
        }
      }
    }
  }
  return v;
}

class Binaries : public ::testing::Test {
 protected:
  void SetUp() override {
    struct stat st;
    ASSERT_EQ(::stat(kBfpgen.c_str(), &st), 0) << kBfpgen << " not found: build the bfpgen target first";
    ASSERT_EQ(std::system("python3 -c 'import sys' > /dev/null 2>&1"), 0) << "python3 is required";
  }
};

}  // namespace

// Every distribution x block size x rounding mode, with partial last blocks.
TEST_F(Binaries, RandomInputsMatchReference) {
  const uint64_t seed0 = base_seed(20240601);
  int cases = 0;
  for (int dist = 0; dist < kNumDist; ++dist) {
    for (int B : {1, 2, 7, 32}) {
      for (const char* r : {"away", "even"}) {
        const uint64_t seed = seed0 + static_cast<uint64_t>(dist * 1000 + B * 10 + (r[0] == 'e'));
        std::mt19937_64 g(seed);
        const int n = B * std::uniform_int_distribution<int>(3, 40)(g) + std::uniform_int_distribution<int>(0, B - 1)(g);
        const std::vector<float> v = generate(dist, B, n, g);
        const std::string input = join(v, g);
        const std::string name = std::string(dist_name(dist)) + "_B" + std::to_string(B) + "_" + r;
        const std::string seed_line = " (seed " + std::to_string(seed0) + ": BFP_SEED=" + std::to_string(seed0) +
                                      " build/tests/quantize_cli_test --gtest_filter=Binaries.RandomInputsMatchReference)";
        std::cout << "[case] " << name << " seed=" << seed << " values=" << n << seed_line << "\n";
        expect_same(name, input, B, r, false, seed_line);
        if (HasFatalFailure()) return;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, kNumDist * 8);
}

// JSON output is byte-identical too (default rounding when --rounding is omitted).
TEST_F(Binaries, JsonMatchesReference) {
  const uint64_t seed = base_seed(77);
  std::mt19937_64 g(seed);
  const std::string seed_line = " (seed " + std::to_string(seed) + ": BFP_SEED=" + std::to_string(seed) +
                                " build/tests/quantize_cli_test --gtest_filter=Binaries.JsonMatchesReference)";
  std::cout << "[case] json seed=" << seed << "\n";
  expect_same("json_even", join(generate(Ties, 7, 40, g), g), 7, "even", true, seed_line);
  expect_same("json_default", join(generate(Normal, 32, 70, g), g), 32, "", true, seed_line);
  // and the exact text for a hand-checked input: 1 2 3 0.5 | 5 -> E 128 [32 64 96 16], E 129 [80]
  Pair p = run_both("json_hand", "1 2 3 0.5 5", args_of(4, "", true));
  EXPECT_EQ(p.tool.out, "{\"block\":4,\"rounding\":\"away\",\"blocks\":[{\"exp\":128,\"codes\":[32,64,96,16]},"
                        "{\"exp\":129,\"codes\":[80]}]}\n");
  EXPECT_EQ(p.ref.out, p.tool.out);
}

// Hand-checked text output (docs/arithmetic.md section 2, derivations in tests/golden_test.cpp).
TEST_F(Binaries, HandCheckedOutput) {
  Pair p = run_both("hand", "1 2 3 0.5\n-1.5 2.5 100 1e-3\n0x1.fffffep2", args_of(4, "away", false));
  EXPECT_EQ(p.tool.status, 0) << p.tool.err;
  // block 1: max 100 -> s = 6, E = 133: -1.5 -> -2, 2.5 -> 3 (away), 100 -> 100, 0.001 * 1 -> 0
  // block 2: 8 (1 - 2^-24): FP32 log2 rounds to 3 -> E = 130, code 64
  EXPECT_EQ(p.tool.out, "128: 32 64 96 16\n133: -2 3 100 0\n130: 64\n");
  EXPECT_EQ(p.ref.out, p.tool.out);
  p = run_both("hand_even", "-1.5 2.5 100 1e-3", args_of(4, "even", false));
  EXPECT_EQ(p.tool.out, "133: -2 2 100 0\n");
  EXPECT_EQ(p.ref.out, p.tool.out);
}

// Spellings strtof accepts, each parsed identically by both programs.
TEST_F(Binaries, SpecialSpellings) {
  const std::string input =
      "-0 +0 .5 5. 1E3 0X1P-3 0x.8p1 0x1p-149 1e-46 -1e-46 1.4e-45 7.00000000000000000000000000001 "
      "0.000000000000000000000000000000000000000000001 +.25e+1 0x1.fffffep-127 0x1.fffffe7p+10 "
      "3.40282346638528859811704183484516925440e+37 1.00000005960464477539062500000000000000001 "
      "1.000000059604644775390625 1.0000001788139343261718750 16777217 33554434 0x1.0000018p0";
  for (int B : {1, 3, 32}) {
    for (const char* r : {"away", "even"}) {
      expect_same("spellings_B" + std::to_string(B) + r, input, B, r);
    }
  }
}

TEST_F(Binaries, EmptyInput) {
  for (const char* in : {"", " \n\t \r\n"}) {
    Pair p = run_both("empty", in, args_of(4, "away", false));
    EXPECT_EQ(p.tool.status, 0);
    EXPECT_EQ(p.ref.status, 0);
    EXPECT_EQ(p.tool.out, "");
    EXPECT_EQ(p.ref.out, "");
  }
}

TEST_F(Binaries, ErrorsNameTheValue) {
  expect_error("not_a_number", "1 2 abc 4", args_of(2, "away", false), "input value 2 ('abc')");
  expect_error("partial_number", "1 2 3 4 5 1e", args_of(2, "away", false), "input value 5 ('1e')");
  expect_error("bare_hex_prefix", "0x", args_of(2, "away", false), "input value 0 ('0x')");
  expect_error("nan", "1 nan 3", args_of(2, "away", false), "input value 1 ('nan') is NaN");
  expect_error("nan_payload", "1 2 -nan(0x1)", args_of(2, "even", false), "input value 2");
  expect_error("inf", "1 -inf", args_of(2, "away", false), "input value 1 ('-inf')");
  expect_error("infinity", "Infinity", args_of(1, "away", false), "input value 0");
  expect_error("overflow_dec", "1 1e39", args_of(2, "away", false), "input value 1 ('1e39') overflows");
  expect_error("overflow_hex", "0x1.ffffffp127", args_of(2, "away", false), "input value 0");
  // FLT_MAX: FP32 log2 rounds to 128 -> the reference's NaN scale
  expect_error("nan_scale", "1 2 3 3.40282347e38", args_of(2, "away", false), "index 3");
  expect_error("block0", "1 2", args_of(0, "away", false), "--block");
  expect_error("rounding", "1 2", args_of(2, "nearest", false), "nearest");
  // error after many good blocks: still nothing on stdout
  std::string many;
  for (int i = 0; i < 1000; ++i) many += std::to_string(i) + " ";
  expect_error("late_error", many + "x", args_of(4, "away", false), "input value 1000 ('x')");
}
