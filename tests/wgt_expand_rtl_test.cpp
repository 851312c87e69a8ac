// SPDX-License-Identifier: Apache-2.0
// rtl/bfp_wgt_expand.sv, one lane of the compressed weight loader (docs/sparsity-bench.md "What compressed weight
// loads need"): a bench verilated with -Wall feeds it random columns as the pieces of their row streams
// (docs/sparse-format.md: level-1 mask and counts, level-2 words, code words), with random gaps and the lane's
// own backpressure, and compares every dense word it writes with the column's codes, byte for byte; each word
// must be written exactly once, into the column's bank. Columns: random densities (a quarter of them below 15%),
// every third block empty in some, and block counts of every whole number of words up to NumBlocks.
// Memory widths and block sizes of the configs with `sparsity: both` (default: B = 16 on 256 bits; r4c8b16:
// 128 bits) and B = 8 on 64 bits (the 64-bit ports are Verilator QData, not arrays: the bench's put/get take both).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "support/run_cmd.h"
#include "support/seed.h"
#include "support/temp_dir.h"

namespace {

constexpr const char* kBench = R"(
#include "Vbfp_wgt_expand.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
static Vbfp_wgt_expand m;
static uint64_t cyc = 0;
static void tick() { m.clk_i = 0; m.eval(); m.clk_i = 1; m.eval(); ++cyc; }
static uint8_t byte_at(const std::vector<uint8_t>& b, size_t i) { return i < b.size() ? b[i] : 0; }
static void put(QData& p, const std::vector<uint8_t>& b, size_t off) {
  p = 0;
  for (int i = 0; i < BEAT; ++i) p |= QData(byte_at(b, off + i)) << (8 * i);
}
template <std::size_t N> static void put(VlWide<N>& p, const std::vector<uint8_t>& b, size_t off) {
  for (int i = 0; i < BEAT / 4; ++i) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= uint32_t(byte_at(b, off + 4 * i + k)) << (8 * k);
    p[i] = v;
  }
}
static uint8_t get(const QData& p, int i) { return uint8_t(p >> (8 * i)); }
template <std::size_t N> static uint8_t get(const VlWide<N>& p, int i) { return uint8_t(p[i / 4] >> (8 * (i % 4))); }
static void put_l1(uint32_t& p, const std::vector<uint64_t>& l1) { p = uint32_t(l1[0]); }
static void put_l1(QData& p, const std::vector<uint64_t>& l1) { p = l1[0]; }
static void put_l1(CData& p, const std::vector<uint64_t>& l1) { p = CData(l1[0]); }
static void put_l1(SData& p, const std::vector<uint64_t>& l1) { p = SData(l1[0]); }
template <std::size_t N> static void put_l1(VlWide<N>& p, const std::vector<uint64_t>& l1) {
  for (std::size_t i = 0; i < N; ++i) p[i] = uint32_t(l1[i / 2] >> (32 * (i % 2)));
}
int main(int argc, char** argv) {
  const unsigned long long seed = argc > 1 ? strtoull(argv[1], nullptr, 0) : 1;
  std::mt19937_64 rng(seed);
  auto uni = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  constexpr int kBpw = BEAT / BLK;
  struct Col {
    int id, count;
    std::vector<int8_t> codes;
    std::vector<uint64_t> l1;
    std::vector<uint8_t> l2, nzc;
    int nnzb = 0;
    std::vector<std::vector<uint8_t>> got;
    std::vector<int> seen;
  };
  std::vector<Col> cols(COLS);
  for (int n = 0; n < COLS; ++n) {
    Col& c = cols[size_t(n)];
    c.id = n % 16;
    c.count = (1 + int(rng() % (NB / kBpw))) * kBpw;
    double dens = uni();
    if (rng() % 4 == 0) dens *= 0.15;
    if (rng() % 8 == 0) dens = 0;
    const bool holes = rng() % 3 == 0;
    c.codes.assign(size_t(c.count) * BLK, 0);
    for (size_t e = 0; e < c.codes.size(); ++e)
      if (uni() < dens && !(holes && (e / BLK) % 3 == 0)) c.codes[e] = int8_t(uint8_t(1 + rng() % 255));  // any non-zero byte
    // the row stream's pieces: level-1 mask, level-2 masks of the non-empty blocks, their non-zero codes
    c.l1.assign((NB + 63) / 64 + 1, 0);
    for (int b = 0; b < c.count; ++b) {
      std::vector<uint8_t> mask(BLK / 8, 0);
      bool any = false;
      for (int t = 0; t < BLK; ++t)
        if (c.codes[size_t(b) * BLK + t]) {
          any = true;
          mask[size_t(t / 8)] |= uint8_t(1u << (t % 8));
          c.nzc.push_back(uint8_t(c.codes[size_t(b) * BLK + t]));
        }
      if (any) { ++c.nnzb; c.l1[size_t(b / 64)] |= 1ull << (b % 64); c.l2.insert(c.l2.end(), mask.begin(), mask.end()); }
    }
    c.got.assign(size_t(c.count) * BLK / BEAT, {});
    c.seen.assign(c.got.size(), 0);
  }
  m.rst_ni = 0; tick(); tick(); m.rst_ni = 1;
  long bad = 0, words = 0;
  size_t started = 0, fed = 0, li = 0, ci = 0;  // columns started; the column being fed and its progress
  std::vector<size_t> inflight;                 // started columns whose words may still be written, oldest first
  uint64_t idle = 0, since = 0;
  while (fed < cols.size() || idle < 64) {
    m.col_start_i = 0; m.l2_we_i = 0; m.code_we_i = 0;
    m.stall_i = rng() % 8 == 0;  // the bus taken now and then (an exponent word, bfp_wgt_sparse)
    // start the next column whenever the lane has a free context (at most two in flight), at random moments
    if (started < cols.size() && m.col_ready_o && rng() % 3) {
      const Col& c = cols[started];
      m.col_start_i = 1; m.col_i = c.id; m.count_i = c.count; m.nnzb_i = c.nnzb; m.nnz_i = int(c.nzc.size());
      put_l1(m.l1_i, c.l1);
    }
    // feed the words in order: a column's level-2 words, then its code words, then the next column's
    bool offer = false, l2 = false;
    if (fed < started) {
      const Col& c = cols[fed];
      const size_t l2w = (c.l2.size() + BEAT - 1) / BEAT, cw = (c.nzc.size() + BEAT - 1) / BEAT;
      if (li < l2w) {
        if (rng() % 3) { m.l2_we_i = 1; put(m.l2_wdata_i, c.l2, li * BEAT); l2 = true; }
      } else if (ci < cw) {
        if (rng() % 4) { m.code_we_i = 1; put(m.code_wdata_i, c.nzc, ci * BEAT); offer = true; }
      }
    }
    m.eval();
    const bool took = offer && m.code_ready_o, st = m.col_start_i && m.col_ready_o;
    tick();
    if (m.we_o) {
      // a write belongs to the oldest column in flight with that bank
      bool found = false;
      for (size_t k : inflight) {
        Col& c = cols[k];
        if (int(m.col_o) != c.id) continue;
        found = true;
        const size_t a = m.addr_o;
        if (a >= c.got.size()) { if (bad++ < 5) printf("column %zu: word %zu beyond its %zu\n", k, a, c.got.size()); break; }
        c.seen[a]++;
        c.got[a].resize(BEAT);
        for (int i = 0; i < BEAT; ++i) c.got[a][size_t(i)] = get(m.wdata_o, i);
        break;
      }
      if (!found && bad++ < 5) printf("stray write to bank %d\n", int(m.col_o));
      idle = 0;
    } else if (fed >= cols.size()) {
      ++idle;
    }
    if (st) { inflight.push_back(started); ++started; }
    if (l2) ++li;
    if (took) ++ci;
    if (fed < started) {
      const Col& c = cols[fed];
      if (li >= (c.l2.size() + BEAT - 1) / BEAT && ci >= (c.nzc.size() + BEAT - 1) / BEAT) { ++fed; li = ci = 0; }
    }
    // a column whose every word was written leaves the in-flight list
    while (!inflight.empty()) {
      bool all = true;
      for (int v : cols[inflight.front()].seen) all &= v > 0;
      if (!all) break;
      inflight.erase(inflight.begin());
    }
    // no write, no word or column taken for 100,000 cycles while work is left: the lane hangs
    since = (m.we_o || st || l2 || took || fed >= cols.size()) ? 0 : since + 1;
    if (since > 100000 || cyc > 100000000ull) { printf("hang at column %zu (cycle %llu)\n", fed, (unsigned long long)cyc); return 2; }
  }
  for (size_t k = 0; k < cols.size(); ++k) {
    const Col& c = cols[k];
    for (size_t w = 0; w < c.got.size(); ++w) {
      ++words;
      if (c.seen[w] != 1) { if (bad++ < 5) printf("column %zu word %zu written %d times\n", k, w, c.seen[w]); continue; }
      for (int i = 0; i < BEAT; ++i)
        if (c.got[w][size_t(i)] != uint8_t(c.codes[w * BEAT + size_t(i)])) {
          if (bad++ < 5) printf("column %zu (blocks %d, codes %zu) word %zu byte %d: %d, expected %d\n", k, c.count,
                                c.nzc.size(), w, i, int(int8_t(c.got[w][size_t(i)])), int(c.codes[w * BEAT + size_t(i)]));
          break;
        }
    }
  }
  printf("seed %llu columns %d words %ld mismatches %ld cycles %llu\n", seed, COLS, words, bad, (unsigned long long)cyc);
  return bad != 0;
}
)";

struct LaneCase {
  const char* name;
  int block, beat, blocks;
};

class WgtExpandLane : public ::testing::TestWithParam<LaneCase> {};

TEST_P(WgtExpandLane, DenseWordsEqualTheColumnCodes) {
  if (!bfp::test::have_tool("verilator")) GTEST_SKIP() << "verilator not found";
  const LaneCase& c = GetParam();
  const uint64_t seed = bfp::test::seed_for(0x5eed0000ull + uint64_t(c.beat) * 64 + uint64_t(c.block));
  std::printf("seed %llu  %s\n", static_cast<unsigned long long>(seed), bfp::test::repro("wgt_expand_rtl_test", seed).c_str());
  // the lane alone, with ClockGating 0 (none) and 1 (gate: its clock gates, behavioural bfp_icg): the same words
  for (int cg : {0, 1}) {
    SCOPED_TRACE("ClockGating " + std::to_string(cg));
    bfp::test::TempDir tmp("bfp_wgt_expand");
    std::ofstream(tmp / "main.cpp") << kBench;
    const std::string src = std::string(BFP_SOURCE_DIR) + "/rtl/";
    const std::string defs = "-DBEAT=" + std::to_string(c.beat) + " -DBLK=" + std::to_string(c.block) +
                             " -DNB=" + std::to_string(c.blocks) + " -DCOLS=2000";
    const auto b = bfp::test::run_cmd(
        "cd '" + tmp.path().string() + "' && verilator -Wall --cc --exe --build -j 2 --top-module bfp_wgt_expand" +
        " -GMemWidth=" + std::to_string(8 * c.beat) + " -GBlockSize=" + std::to_string(c.block) +
        " -GNumBlocks=" + std::to_string(c.blocks) + " -GClockGating=" + std::to_string(cg) + " -CFLAGS '" + defs +
        "' '" + src + "bfp_icg.sv' '" + src + "bfp_popcount.sv' '" + src + "bfp_prefix_sum.sv' '" + src + "bfp_wgt_expand.sv' main.cpp -o vbench 2>&1");
    ASSERT_EQ(b.status, 0) << b.output;
    EXPECT_EQ(b.output.find("%Warning"), std::string::npos) << b.output;
    const auto r = bfp::test::run_cmd("'" + (tmp / "obj_dir" / "vbench").string() + "' " + std::to_string(seed) + " 2>&1");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("columns 2000 "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("mismatches 0 "), std::string::npos) << r.output;
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, WgtExpandLane,
                         ::testing::Values(LaneCase{"default", 16, 32, 32}, LaneCase{"r4c8b16", 16, 16, 32},
                                           LaneCase{"b8_64bit", 8, 8, 64}, LaneCase{"b32", 32, 32, 16}),
                         [](const ::testing::TestParamInfo<LaneCase>& i) { return std::string(i.param.name); });

}  // namespace
