// SPDX-License-Identifier: Apache-2.0
// Cycles and bytes of one LOAD_ACT SPARSE (rtl/bfp_dma_sparse.sv) on configs/default.yaml, hand-computed from
// docs/sparse-format.md: KB = 16 blocks of B = 16 (K = 256), BEAT = 32 bytes, so off_exp = 6, off_l2 = 22,
// off_codes = 64 and min_row_stride = 320. A row with nnzb non-empty blocks and nnz non-zero codes moves
// rup(22 + 2*nnzb) / 32 metadata beats (1 when nnzb = 0) and ceil(nnz / 32) code beats. The loader is
// pipelined: with memory latency L (4 here) it is busy for L cycles until the first beat is back (its first
// request leaves in its first busy cycle), then one cycle per beat, and one more for every beat that completes
// two metadata words (none here: KB = 16 exponents always end in beat 0 and leave with the header), and one
// more after the last beat: its write stage, which registers every beat and metadata word before the buffers.
// The data the load delivers is checked by the bit-exact GEMMs (rtl_test, sparse_rtl_test, bfpgen gemm).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "golden/sparse.h"
#include "host/command.h"
#include "sim/direct_device.h"
#include "sim/model_cache.h"
#include "support/loadable_support.h"
#include "support/sparse_matrices.h"

namespace {

using bfp::golden::BfpMatrix;

constexpr int kRows = 8, kB = 16, kKB = 16, kBeat = 32, kStride = 320;

BfpMatrix zero_rows() { return bfp::test::zero_matrix(kRows, kKB * kB, kB); }

using bfp::test::fill_row;

struct Load {
  uint64_t busy, rd_bytes;
};

Load run_load(const std::shared_ptr<bfp::sim::Model>& model, const BfpMatrix& m) {
  const std::vector<uint8_t> streams = bfp::golden::encode_rows(m, kBeat);
  EXPECT_EQ(streams.size(), size_t(kRows) * kStride);
  auto dev = bfp::sim::make_direct_device(model, 1 << 16, 1);
  dev->write_mem(0, streams.data(), streams.size());
  bfp::host::Command c;
  c.op = bfp::host::Opcode::LoadAct;
  c.flags = 1u << 3;  // SPARSE (host/command_format.h)
  c.rows = kRows;
  c.count = kKB;
  c.code_addr = 0;
  c.code_stride = kStride;
  const auto before = dev->counters();
  dev->run_commands({c.encode()});
  const auto d = dev->counters() - before;
  return {d.load_busy, d.rd_bytes};
}

class SparseLoadRtl : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    cfg_ = new bfp::Config(bfp::load_config(bfp::test::src("configs/default.yaml")));
    model_ = new std::shared_ptr<bfp::sim::Model>(bfp::sim::load_model(*cfg_));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete cfg_;
  }
  static bfp::Config* cfg_;
  static std::shared_ptr<bfp::sim::Model>* model_;
};
bfp::Config* SparseLoadRtl::cfg_ = nullptr;
std::shared_ptr<bfp::sim::Model>* SparseLoadRtl::model_ = nullptr;

// Fixed cost of one command at the default memory latency 4.
constexpr uint64_t kFixed = 4 + 1;  // latency L + the write stage

TEST_F(SparseLoadRtl, LayoutConstantsAsInTheComment) {
  const auto L = bfp::golden::row_stream_layout(kKB, kB, kBeat);
  EXPECT_EQ(L.off_exp, 6u);
  EXPECT_EQ(L.off_l2, 22u);
  EXPECT_EQ(L.off_codes, 64u);
  EXPECT_EQ(L.min_row_stride, size_t(kStride));
}

TEST_F(SparseLoadRtl, RowsThatFitTwoBeats) {
  // nnzb = 5: exponents [6, 11), masks [22, 32): all metadata in beat 0; 5 codes: one code beat. 2 beats a row,
  // 16 in all (the layout before issue 11 moved 4 a row: header, level-2, exponent and code beats: 32).
  BfpMatrix m = zero_rows();
  for (int r = 0; r < kRows; ++r) fill_row(m, r, 5, 5);
  const Load l = run_load(*model_, m);
  EXPECT_EQ(l.rd_bytes, 16u * kBeat);
  EXPECT_EQ(l.busy, kFixed + 16);
}

TEST_F(SparseLoadRtl, RowsThatNeedASecondMetadataBeat) {
  // nnzb = 6: masks [22, 34) end in beat 1; 20 codes: one code beat. 3 beats a row, 24 in all.
  BfpMatrix m = zero_rows();
  for (int r = 0; r < kRows; ++r) fill_row(m, r, 6, 20);
  const Load l = run_load(*model_, m);
  EXPECT_EQ(l.rd_bytes, 24u * kBeat);
  EXPECT_EQ(l.busy, kFixed + 24);
}

TEST_F(SparseLoadRtl, MixedRowsDenseRowAndEmptyRow) {
  // row 0 dense: nnzb 16 (masks [22, 54): 2 metadata beats), 256 codes (8 beats) = 10 beats;
  // row 1 empty: beat 0 only (phase B steps over it without a cycle of its own);
  // rows 2..7: nnzb = r, nnz = 3r: 1 metadata beat (22 + 2r <= 32 for r <= 5) or 2 (r = 6, 7); 1 code beat.
  // Beats: 10 + 1 + (2 + 2 + 2 + 2 + 3 + 3) = 25.
  BfpMatrix m = zero_rows();
  fill_row(m, 0, 16, 256);
  for (int r = 2; r < kRows; ++r) fill_row(m, r, r, 3 * r);
  const Load l = run_load(*model_, m);
  EXPECT_EQ(l.rd_bytes, 25u * kBeat);
  EXPECT_EQ(l.busy, kFixed + 25);
  // compression_stats counts the same beats
  EXPECT_EQ(bfp::golden::compression_stats(m, kBeat).hier_bytes_moved, 25u * kBeat);
}

}  // namespace
