// SPDX-License-Identifier: Apache-2.0
// Tests of golden/sparse_packed.h: the packed tile layout of docs/sparse-format.md ("Packed tiles"): layout
// limits, hand-derived bytes (the doc's worked example), random round trips, one corrupt-stream case per validity
// rule, hostile buffers, and the sizes (packed_stats, compression_stats' packed fields).
//
// Expected bytes and sizes are derived by hand from the doc (derivations in the comments). Random round trips are
// checked twice: decode_packed(encode_packed(m)) must give m with empty blocks canonical, AND every tile is walked
// here from the doc (tile length, row offsets, padding) and every packed row is compared with the used segments
// of the row-stream encoding of the same row (encode_row, a separate encoder with its own tests): a packed row is
// those segments back to back. Random tests print their seed; BFP_SEED=<n> reruns with base seed n (the printed
// repro command does that).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "golden/bfp.h"
#include "golden/sparse.h"
#include "golden/sparse_packed.h"
#include "support/sparse_matrices.h"

using namespace bfp::golden;
using namespace bfp::test;

namespace {

std::string repro(uint64_t base) { return bfp::test::repro("sparse_packed_golden_test", base); }

// The doc's worked example ("Packed tiles", B = 8, 20 columns so KB = 3, BEAT = 8, R = 2):
//   row 0: block 0 = [0 5 0 0 0 0 0 -3] exp 130, block 1 empty (exp 77), block 2 = [-1 0 0 64 | pad] exp 127
//   row 1: all zero (exps 9, 9, 9)
//   row 2: block 1 = [0 0 7 0 0 0 -128 0] exp 0 (a non-empty block's exponent 0 is stored), blocks 0, 2 empty
BfpMatrix worked_example() {
  BfpMatrix m = zero_matrix(3, 20, 8);
  m.codes(0, 1) = 5;
  m.codes(0, 7) = -3;
  m.codes(0, 16) = -1;
  m.codes(0, 19) = 64;
  m.exps.row(0) << 130, 77, 127;
  m.exps.row(1) << 9, 9, 9;
  m.codes(2, 8 + 2) = 7;
  m.codes(2, 8 + 6) = -128;
  m.exps.row(2) << 200, 0, 201;
  return m;
}

// The 40 bytes of the worked example, derived by hand in docs/sparse-format.md:
//   tile 0 (rows 0, 1) at 0: header 2 + 2*2 = 6 bytes; row 0 at 6 is 4 + 1 + 2 + 2 + 4 = 13 bytes (up to 19),
//   row 1 at 19 is 4 + 1 = 5 bytes (up to 24): length 24 = 0x18, offsets 6 and 19 = 0x13; rup(24) = 24.
//   tile 1 (row 2) at 24: header 2 + 2 = 4 bytes; row 2 at 4 is 4 + 1 + 1 + 1 + 2 = 9 bytes: length 13 = 0x0d,
//   offset 4; rup(13) = 16, bytes 37..39 padding (0).
const std::vector<uint8_t> kWorkedBytes = {
    // tile 0: length 24, row offsets 6, 19
    0x18, 0x00, 0x06, 0x00, 0x13, 0x00,
    // row 0: nnz_blocks 2, nnz 4; level 1 = blocks 0, 2; exponents 130, 127; masks 0x82 (elements 1, 7), 0x09
    // (elements 0, 3); codes 5, -3, -1, 64
    0x02, 0x00, 0x04, 0x00, 0x05, 0x82, 0x7f, 0x82, 0x09, 0x05, 0xfd, 0xff, 0x40,
    // row 1: empty: header 0, 0 and a zero level-1 byte
    0x00, 0x00, 0x00, 0x00, 0x00,
    // tile 1: length 13, row offset 4
    0x0d, 0x00, 0x04, 0x00,
    // row 2: nnz_blocks 1, nnz 2; level 1 = block 1 (0x02); exponent 0; mask 0x44 (elements 2, 6); codes 7, -128
    0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x44, 0x07, 0x80,
    // padding to the beat
    0x00, 0x00, 0x00};

// Expects decode_packed(...) to throw InputError whose message contains every string in `parts`.
void expect_corrupt(const std::vector<uint8_t>& buf, size_t size, int rows, int cols, int block, int beat, int tile_rows,
                    const std::vector<std::string>& parts) {
  try {
    decode_packed(buf.data(), size, rows, cols, block, beat, tile_rows);
    ADD_FAILURE() << "decode_packed accepted a corrupt stream (expected: " << parts.back() << ")";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

// Walks the packed encoding `buf` of m from the doc and checks every byte: tile t at the sum of rup(length) of the
// tiles before it; tile length and row offsets as the rows' sizes give them; each packed row equal to the used
// segments of encode_row's row stream (header + level 1, nnz_blocks exponents, nnz_blocks masks, nnz codes);
// padding to the beat zero; nothing after the last tile.
void check_packed_bytes(const std::vector<uint8_t>& buf, const BfpMatrix& m, int beat, int R) {
  const size_t KB = static_cast<size_t>(m.kblocks()), B = static_cast<size_t>(m.block);
  const RowStreamLayout L = row_stream_layout(m.kblocks(), m.block, beat);
  auto u16 = [&](size_t at) { return static_cast<size_t>(buf.at(at) | (buf.at(at + 1) << 8)); };
  size_t base = 0;
  for (int first = 0; first < m.rows; first += R) {
    const int n = std::min(R, m.rows - first);
    SCOPED_TRACE("tile at " + std::to_string(base) + ", rows " + std::to_string(first) + ".." +
                 std::to_string(first + n - 1));
    ASSERT_EQ(base % static_cast<size_t>(beat), 0u);
    size_t pos = 2 + 2 * static_cast<size_t>(n);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(u16(base + 2 + 2 * static_cast<size_t>(i)), pos) << "row offset " << i;
      const std::vector<uint8_t> rs = encode_row(m, first + i, L);
      const size_t nnzb = rs[0] | (rs[1] << 8), nnz = rs[2] | (rs[3] << 8);
      std::vector<uint8_t> want(rs.begin(), rs.begin() + static_cast<long>(L.off_exp));  // header, level 1
      want.insert(want.end(), rs.begin() + static_cast<long>(L.off_exp), rs.begin() + static_cast<long>(L.off_exp + nnzb));
      want.insert(want.end(), rs.begin() + static_cast<long>(L.off_l2),
                  rs.begin() + static_cast<long>(L.off_l2 + nnzb * B / 8));
      want.insert(want.end(), rs.begin() + static_cast<long>(L.off_codes),
                  rs.begin() + static_cast<long>(L.off_codes + nnz));
      ASSERT_EQ(want.size(), 4 + (KB + 7) / 8 + nnzb * (1 + B / 8) + nnz);
      ASSERT_LE(base + pos + want.size(), buf.size());
      ASSERT_EQ(std::vector<uint8_t>(buf.begin() + static_cast<long>(base + pos),
                                     buf.begin() + static_cast<long>(base + pos + want.size())),
                want)
          << "packed row " << i << " (matrix row " << first + i << ")";
      pos += want.size();
    }
    ASSERT_EQ(u16(base), pos) << "tile length";
    for (size_t j = base + pos; j < base + rup(pos, static_cast<size_t>(beat)); ++j)
      ASSERT_EQ(buf.at(j), 0) << "padding byte " << j;
    base += rup(pos, static_cast<size_t>(beat));
  }
  ASSERT_EQ(buf.size(), base);
}

}  // namespace

// =============================================================================================================
// Layout
// =============================================================================================================

TEST(SparsePackedLayout, HandDerived) {
  // configs/default.yaml at K = 256: KB = 16, B = 16, BEAT = 32, R = 8: a dense packed row is
  // 4 + 2 + 16 + 32 + 256 = 310 bytes; a full tile 2 + 16 + 8 * 310 = 2498.
  PackedLayout L = packed_layout(16, 16, 32, 8);
  EXPECT_EQ(L.kb, 16);
  EXPECT_EQ(L.block, 16);
  EXPECT_EQ(L.beat, 32);
  EXPECT_EQ(L.tile_rows, 8);
  EXPECT_EQ(L.max_row_bytes, 310u);
  EXPECT_EQ(L.max_tile_bytes, 2498u);
  EXPECT_EQ(packed_tile_header_bytes(8), 18u);
  EXPECT_EQ(packed_tile_header_bytes(1), 4u);
  // the doc's example row at K = 256 (13 non-empty blocks, 26 codes): 4 + 2 + 13 * 3 + 26 = 71
  EXPECT_EQ(packed_row_bytes(L, 13, 26), 71u);
  EXPECT_EQ(packed_row_bytes(L, 0, 0), 6u);
  // worked example: KB = 3, B = 8: rows of 4 + 1 + 2 * 2 + 4 = 13, 5, 4 + 1 + 1 * 2 + 2 = 9 bytes
  L = packed_layout(3, 8, 8, 2);
  EXPECT_EQ(L.max_row_bytes, 4u + 1 + 3 + 3 + 24);
  EXPECT_EQ(packed_row_bytes(L, 2, 4), 13u);
  EXPECT_EQ(packed_row_bytes(L, 0, 0), 5u);
  EXPECT_EQ(packed_row_bytes(L, 1, 2), 9u);
  // KB = 0: a packed row is its 4-byte header
  EXPECT_EQ(packed_layout(0, 8, 8, 4).max_row_bytes, 4u);
}

TEST(SparsePackedLayout, Limits) {
  expect_input_error([] { packed_layout(4, 4, 8, 8); }, "block size 4");
  expect_input_error([] { packed_layout(4, 12, 8, 8); }, "multiple of 8");
  expect_input_error([] { packed_layout(4, 16, 0, 8); }, "beat 0");
  expect_input_error([] { packed_layout(-1, 16, 8, 8); }, "negative block count");
  expect_input_error([] { packed_layout(4, 16, 8, 0); }, "tile_rows 0");
  expect_input_error([] { packed_layout(4, 16, 8, -3); }, "tile_rows -3");
  expect_input_error([] { packed_layout(1024, 64, 8, 1); }, "u16 nnz");  // 65536 elements
  // u16 tile length, B = 8, R = 1: 4 + (4 + ceil(KB/8) + 10 KB) <= 65535.
  //   KB = 6471: 8 + 809 + 64710 = 65527 fits; KB = 6472: 8 + 809 + 64720 = 65537 does not.
  EXPECT_EQ(packed_layout(6471, 8, 8, 1).max_tile_bytes, 65527u);
  EXPECT_TRUE(packed_layout_fits(6471, 8, 8, 1));
  expect_input_error([] { packed_layout(6472, 8, 8, 1); }, "needs up to 65537 bytes");
  EXPECT_FALSE(packed_layout_fits(6472, 8, 8, 1));
  // R = 8, B = 16: 18 + 8 * (4 + ceil(KB/8) + 19 KB); KB = 426: 8 * (4 + 54 + 8094) = 65216 -> 65234 fits;
  // KB = 427: 8 * (4 + 54 + 8113) = 65368 -> 65386 fits; KB = 428: 8 * (4 + 54 + 8132) = 65520 -> 65538 does not.
  EXPECT_EQ(packed_layout(427, 16, 32, 8).max_tile_bytes, 65386u);
  expect_input_error([] { packed_layout(428, 16, 32, 8); }, "u16");
  EXPECT_FALSE(packed_layout_fits(4, 16, 8, 0));
  EXPECT_FALSE(packed_layout_fits(4, 12, 8, 1));
  EXPECT_TRUE(packed_layout_fits(16, 16, 32, 8));
  // absurd R does not overflow
  EXPECT_FALSE(packed_layout_fits(1, 8, 8, 1 << 30));
}

// =============================================================================================================
// Encoder / decoder: the worked example
// =============================================================================================================

TEST(SparsePackedEncode, WorkedExampleBytes) {
  const BfpMatrix m = worked_example();
  ASSERT_EQ(kWorkedBytes.size(), 40u);
  EXPECT_EQ(encode_packed(m, 8, 2), kWorkedBytes);
  EXPECT_EQ(decode_packed(kWorkedBytes.data(), kWorkedBytes.size(), 3, 20, 8, 8, 2), canonical(m));
  // row 0 decodes with block 1's exponent canonical, row 2 keeps its stored exponent 0 and drops 200 / 201
  const BfpMatrix d = decode_packed(kWorkedBytes.data(), kWorkedBytes.size(), 3, 20, 8, 8, 2);
  EXPECT_EQ(d.exps(0, 1), 0);
  EXPECT_EQ(d.exps(2, 0), 0);
  EXPECT_EQ(d.exps(2, 2), 0);
  EXPECT_EQ(d.codes(2, 14), -128);
  // only the bytes up to the last tile's length need be in the buffer (37 of 40)
  EXPECT_EQ(decode_packed(kWorkedBytes.data(), 37, 3, 20, 8, 8, 2), canonical(m));
  // the padding after a tile's length is unspecified: garbage there changes nothing
  std::vector<uint8_t> g = kWorkedBytes;
  g[37] = 0xa5;
  g[39] = 0xff;
  EXPECT_EQ(decode_packed(g.data(), g.size(), 3, 20, 8, 8, 2), canonical(m));
}

TEST(SparsePackedEncode, WorkedExampleOtherTilings) {
  // R = 3 at BEAT = 8: one tile, header 2 + 6 = 8, rows at 8, 21, 26, length 35, rup 40:
  //   23 00 08 00 15 00 1a 00 | row 0 | row 1 | row 2 | 5 bytes padding
  const BfpMatrix m = worked_example();
  std::vector<uint8_t> want = {0x23, 0x00, 0x08, 0x00, 0x15, 0x00, 0x1a, 0x00};
  want.insert(want.end(), kWorkedBytes.begin() + 6, kWorkedBytes.begin() + 24);   // rows 0, 1
  want.insert(want.end(), kWorkedBytes.begin() + 28, kWorkedBytes.begin() + 37);  // row 2
  want.resize(40, 0);
  EXPECT_EQ(encode_packed(m, 8, 3), want);
  EXPECT_EQ(encode_packed(m, 8, 8), want);  // R above the rows: one partial tile, the same bytes
  EXPECT_EQ(decode_packed(want.data(), want.size(), 3, 20, 8, 8, 3), canonical(m));
  // BEAT = 1: no padding: tiles of R = 2 are 24 + 13 = 37 bytes, the worked bytes without the 3 padding bytes
  EXPECT_EQ(encode_packed(m, 1, 2), std::vector<uint8_t>(kWorkedBytes.begin(), kWorkedBytes.begin() + 37));
  // BEAT = 32: tile 0 is padded to 32, tile 1 starts there: 32 + 32 bytes
  std::vector<uint8_t> w32(64, 0);
  std::copy(kWorkedBytes.begin(), kWorkedBytes.begin() + 24, w32.begin());
  std::copy(kWorkedBytes.begin() + 24, kWorkedBytes.begin() + 37, w32.begin() + 32);
  EXPECT_EQ(encode_packed(m, 32, 2), w32);
  EXPECT_EQ(decode_packed(w32.data(), w32.size(), 3, 20, 8, 32, 2), canonical(m));
}

TEST(SparsePackedEncode, EmptyShapesAndPreconditions) {
  EXPECT_TRUE(encode_packed(zero_matrix(0, 40, 8), 8, 4).empty());
  EXPECT_EQ(decode_packed(nullptr, 0, 0, 40, 8, 8, 4), zero_matrix(0, 40, 8));
  // KB = 0, 3 rows, R = 2: tile 0 = 06 00 06 00 0a 00 + two 4-byte zero headers = 14 bytes -> 16;
  // tile 1 = 06 00 04 00 + one zero header = 8 bytes -> 8.
  const auto b = encode_packed(zero_matrix(3, 0, 8), 8, 2);
  const std::vector<uint8_t> want = {0x0e, 0x00, 0x06, 0x00, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     0x08, 0x00, 0x04, 0x00, 0, 0, 0, 0};
  EXPECT_EQ(b, want);
  EXPECT_EQ(decode_packed(b.data(), b.size(), 3, 0, 8, 8, 2), zero_matrix(3, 0, 8));
  BfpMatrix pad = worked_example();
  pad.codes(1, 22) = 3;  // padding column 22 >= cols 20
  expect_input_error([&] { encode_packed(pad, 8, 2); }, "padding column 22");
  BfpMatrix shape = worked_example();
  shape.exps.resize(3, 2);
  expect_input_error([&] { encode_packed(shape, 8, 2); }, "inconsistent BfpMatrix");
  expect_input_error([&] { encode_packed(worked_example(), 8, 0); }, "tile_rows 0");
  expect_input_error([&] { encode_packed(worked_example(), 0, 2); }, "beat 0");
  const auto& w = kWorkedBytes;
  expect_input_error([&] { decode_packed(w.data(), w.size(), 3, 20, 12, 8, 2); }, "multiple of 8");
  expect_input_error([&] { decode_packed(w.data(), w.size(), 3, 20, 8, 0, 2); }, "beat 0");
  expect_input_error([&] { decode_packed(w.data(), w.size(), 3, 20, 8, 8, 0); }, "tile_rows 0");
  expect_input_error([&] { decode_packed(w.data(), w.size(), -1, 20, 8, 8, 2); }, "negative shape");
  expect_input_error([&] { decode_packed(nullptr, 10, 3, 20, 8, 8, 2); }, "null data");
}

// =============================================================================================================
// Round trips (random)
// =============================================================================================================

TEST(SparsePackedRoundTrip, RandomShapesSparsitiesTilings) {
  const uint64_t base = seed_for(20261204);
  uint64_t cas = 0;
  for (int B : {8, 16, 32, 64})
    for (int beat : {1, 8, 32, 64})
      for (int R : {1, 2, 3, 8, 16})
        for (Pattern pat : {Pattern::Random, Pattern::WholeBlocks, Pattern::OnePerBlock})
          for (double p : {0.0, 0.5, 0.9, 0.99, 1.0}) {
            const uint64_t seed = base + cas++;
            std::mt19937_64 g(seed);
            // KB in 1..19 (mostly not a multiple of 8), last block often partial; rows 0..3R+1 (partial tiles)
            const int kb = std::uniform_int_distribution<int>(1, 19)(g);
            const int cols = (kb - 1) * B + std::uniform_int_distribution<int>(1, B)(g);
            const int rows = std::uniform_int_distribution<int>(0, 3 * R + 1)(g);
            SCOPED_TRACE("case " + std::to_string(cas - 1) + " seed " + std::to_string(seed) + " (B " +
                         std::to_string(B) + ", beat " + std::to_string(beat) + ", R " + std::to_string(R) + ", " +
                         pattern_name(pat) + ", sparsity " + std::to_string(p) + ", " + std::to_string(rows) + "x" +
                         std::to_string(cols) + "); " + repro(base));
            // the largest case, B = 64, KB = 19, R = 16: 34 + 16 * (4 + 3 + 19 + 152 + 1216) = 22338 <= 65535
            ASSERT_TRUE(packed_layout_fits(kb, B, beat, R));
            const BfpMatrix m = random_sparse(g, rows, cols, B, p, pat);
            const auto buf = encode_packed(m, beat, R);
            check_packed_bytes(buf, m, beat, R);
            if (::testing::Test::HasFatalFailure()) return;
            const BfpMatrix d = decode_packed(buf.data(), buf.size(), rows, cols, B, beat, R);
            ASSERT_EQ(d, canonical(m));
            EXPECT_EQ(encode_packed(d, beat, R), buf);  // decoding is the identity on canonical matrices
            // sizes: moved = the encoding; exact = the rows' exact sizes (hier_bytes) + the tile headers
            const PackedStats ps = packed_stats(m, beat, R);
            const CompressionStats cs = compression_stats(m, beat, R);
            EXPECT_EQ(ps.tiles, static_cast<size_t>((rows + R - 1) / R));
            EXPECT_EQ(ps.bytes_moved, buf.size());
            EXPECT_EQ(ps.bytes, cs.hier_bytes + ps.header_bytes);
            EXPECT_EQ(ps.header_bytes, 2 * ps.tiles + 2 * static_cast<size_t>(rows));
            EXPECT_EQ(cs.packed_tile_rows, R);
            EXPECT_EQ(cs.packed_bytes, ps.bytes);
            EXPECT_EQ(cs.packed_bytes_moved, ps.bytes_moved);
            EXPECT_LE(ps.bytes_moved, ps.bytes + ps.tiles * static_cast<size_t>(beat - 1));
          }
  EXPECT_GT(cas, 0u);
}

TEST(SparsePackedRoundTrip, DenseAndAllZero) {
  // fully dense rows (every code non-zero) reach max_row_bytes; all-zero rows are header + level 1 only
  for (int B : {8, 16, 64}) {
    const uint64_t base = seed_for(4242), seed = base + static_cast<uint64_t>(B);
    SCOPED_TRACE("B " + std::to_string(B) + " seed " + std::to_string(seed) + " (BFP_SEED base + B); " + repro(base));
    std::mt19937_64 g(seed);
    BfpMatrix d = zero_matrix(5, 9 * B, B);  // KB = 9
    for (int r = 0; r < 5; ++r)
      for (int j = 0; j < d.cols; ++j) d.codes(r, j) = static_cast<int8_t>(nonzero_code(g));
    const PackedLayout L = packed_layout(9, B, 16, 4);
    const auto buf = encode_packed(d, 16, 4);
    EXPECT_EQ(buf[0] | (buf[1] << 8), static_cast<int>(packed_tile_header_bytes(4) + 4 * L.max_row_bytes));
    EXPECT_EQ(decode_packed(buf.data(), buf.size(), 5, d.cols, B, 16, 4), d);
    BfpMatrix z = zero_matrix(5, 9 * B, B);
    z.exps.setConstant(3);
    const auto zb = encode_packed(z, 16, 4);
    // tile 0: 10 + 4 * (4 + 2) = 34 -> 48; tile 1: 4 + 6 = 10 -> 16
    EXPECT_EQ(zb.size(), 64u);
    EXPECT_EQ(zb[0], 34);
    EXPECT_EQ(zb[48], 10);
    EXPECT_EQ(decode_packed(zb.data(), zb.size(), 5, z.cols, B, 16, 4), zero_matrix(5, 9 * B, B));
  }
}

// =============================================================================================================
// Validating decoder: one corrupt stream per rule (docs/sparse-format.md "Packed tiles", validity)
// =============================================================================================================

TEST(SparsePackedDecode, CorruptStreamsThrowNamingTileRowSegmentOffset) {
  // Byte map of kWorkedBytes: tile 0 at 0 (length 0-1, offsets 2-3, 4-5), row 0 at 6 (header 6-9, level 1 10,
  // exponents 11-12, masks 13-14, codes 15-18), row 1 at 19 (header 19-22, level 1 23); tile 1 at 24 (length
  // 24-25, offset 26-27), row 2 at 28 (header 28-31, level 1 32, exponent 33, mask 34, codes 35-36), padding 37-39.
  struct Case {
    const char* name;
    std::function<void(std::vector<uint8_t>&)> mutate;
    std::vector<std::string> parts;
    size_t size = 0;  // 0 = whole buffer
  };
  const std::string t0 = "tile 0 (matrix rows 0..1), ", t1 = "tile 1 (matrix rows 2..2), ";
  const std::vector<Case> cases = {
      // ---- tile rules
      {"T1 tile length shorter than the tile header", [](auto& b) { b[0] = 5; },
       {t0 + "segment 'tile header', byte offset 0 ", "tile length 5 is shorter than the tile header (6 bytes"}},
      {"T1 tile length past the buffer", [](auto& b) { b[24] = 17; },
       {t1 + "segment 'tile header', byte offset 24 ", "tile length 17 runs to buffer offset 41", "only 40 bytes"}},
      {"T1 tile header past the buffer (truncated)", [](auto&) {},
       {t1 + "segment 'tile header', byte offset 24 ", "needs 4 bytes up to buffer offset 28", "only 26 bytes"}, 26},
      {"T1 tile past the buffer (truncated)", [](auto&) {},
       {t1 + "segment 'tile header'", "tile length 13 runs to buffer offset 37", "only 36 bytes"}, 36},
      {"T2 first row offset not at the end of the tile header", [](auto& b) { b[2] = 7; },
       {t0 + "segment 'tile header', byte offset 2 ", "row 0 (matrix row 0) offset 7 but the tile header ends at 6"}},
      {"T2 row offset not at the end of the previous row", [](auto& b) { b[4] = 0x14; },
       {t0 + "segment 'tile header', byte offset 4 ", "row 1 (matrix row 1) offset 20 but row 0 ends at 19"}},
      {"T2 row offset high byte", [](auto& b) { b[27] = 1; },
       {t1 + "segment 'tile header', byte offset 26 ", "offset 260 but the tile header ends at 4"}},
      {"T3 row runs past the tile length (level 1)", [](auto& b) { b[0] = 23; },
       {t0 + "row 1 (matrix row 1), segment 'level 1', byte offset 23 (tile offset 23, row offset 4)",
        "up to tile offset 24 but the tile length is 23"}},
      {"T3 row runs past the tile length (codes)", [](auto& b) { b[24] = 12; },
       {t1 + "row 0 (matrix row 2), segment 'codes', byte offset 35 (tile offset 11, row offset 7)",
        "up to tile offset 13 but the tile length is 12"}},
      {"T3 row header past the tile length", [](auto& b) { b[0] = 21; },
       {t0 + "row 1 (matrix row 1), segment 'header', byte offset 19 ", "the tile length is 21"}},
      {"T3 bytes after the last row", [](auto& b) { b[24] = 14; },
       {t1 + "segment 'tile header', byte offset 24 ", "tile length 14 but the last row ends at 13"}},
      // ---- row rules (as in the row-stream format)
      {"1 nnz_blocks above KB", [](auto& b) { b[28] = 4; },
       {t1 + "row 0 (matrix row 2), segment 'header', byte offset 28 (tile offset 4, row offset 0)",
        "nnz_blocks = 4 exceeds the row's KB = 3"}},
      {"1 nnz_blocks above the level-1 popcount", [](auto& b) { b[28] = 2; },
       {t1 + "row 0 (matrix row 2), segment 'level 1', byte offset 32 ",
        "1 level-1 bits set but header nnz_blocks = 2"}},
      {"1 level-1 bit beyond KB", [](auto& b) { b[32] = 0x0a; },
       {t1 + "row 0 (matrix row 2), segment 'level 1', byte offset 32 ", "block index 3"}},
      {"3 nnz below nnz_blocks", [](auto& b) { b[8] = 1; },
       {t0 + "row 0 (matrix row 0), segment 'header', byte offset 8 (tile offset 8, row offset 2)",
        "nnz = 1 impossible for nnz_blocks = 2"}},
      {"3 nnz above nnz_blocks * B", [](auto& b) { b[30] = 9; },
       {t1 + "row 0 (matrix row 2), segment 'header'", "nnz = 9 impossible"}},
      {"3 nnz above the level-2 popcount", [](auto& b) { b[8] = 5; },
       {t0 + "row 0 (matrix row 0), segment 'level 2', byte offset 13 ", "4 level-2 bits set but header nnz = 5"}},
      {"2 all-zero level-2 mask", [](auto& b) { b[13] = 0; },
       {t0 + "row 0 (matrix row 0), segment 'level 2', byte offset 13 (tile offset 13, row offset 7)",
        "(block 0) is all zero"}},
      {"2 level-2 bit on a padding element", [](auto& b) { b[14] = 0x19; },
       {t0 + "row 0 (matrix row 0), segment 'level 2', byte offset 14 ", "column 20, past the matrix's 20 columns"}},
      {"4 zero code", [](auto& b) { b[16] = 0; },
       {t0 + "row 0 (matrix row 0), segment 'codes', byte offset 16 (tile offset 16, row offset 10)",
        "code #1 (block 0, element 7, column 7) is zero"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<uint8_t> b = kWorkedBytes;
    c.mutate(b);
    expect_corrupt(b, c.size ? c.size : b.size(), 3, 20, 8, 8, 2, c.parts);
  }
}

TEST(SparsePackedDecode, RowStreamBytesAreRejected) {
  // A row stream (row 0 of the worked example, 40 bytes) read as a one-row packed tile: the "tile length" is the
  // row's nnz_blocks, 2, shorter than the 4-byte header of a one-row tile.
  BfpMatrix one = worked_example();
  one.rows = 1;
  one.codes.conservativeResize(1, Eigen::NoChange);
  one.exps.conservativeResize(1, Eigen::NoChange);
  const auto rs = encode_rows(one, 8);
  expect_corrupt(rs, rs.size(), 1, 20, 8, 8, 1, {"tile 0 (matrix rows 0..0), segment 'tile header', byte offset 0 ",
                                          "tile length 2 is shorter than the tile header (4 bytes"});
}

TEST(SparsePackedDecode, RandomCorruptionAndHostileBuffersNeverCrash) {
  // Flipping bits of a valid encoding, truncating it, or decoding random bytes either decodes (an unspecified
  // byte, or a consistent re-encoding such as another non-zero code or exponent) or throws InputError naming a
  // tile: never anything else, and never a read outside the buffer (each buffer is an exact-size vector).
  const uint64_t base = seed_for(8080);
  for (int i = 0; i < 400; ++i) {
    const uint64_t seed = base + static_cast<uint64_t>(i);
    std::mt19937_64 g(seed);
    SCOPED_TRACE("seed " + std::to_string(seed) + "; " + repro(base));
    const int B = 8 << std::uniform_int_distribution<int>(0, 2)(g);
    const int R = std::uniform_int_distribution<int>(1, 8)(g), beat = 4 << std::uniform_int_distribution<int>(0, 3)(g);
    const int rows = std::uniform_int_distribution<int>(1, 3 * R)(g);
    const int cols = std::uniform_int_distribution<int>(1, 12 * B)(g);
    const BfpMatrix m = random_sparse(g, rows, cols, B, 0.7, Pattern::Random);
    auto buf = encode_packed(m, beat, R);
    const int flips = std::uniform_int_distribution<int>(1, 3)(g);
    for (int f = 0; f < flips; ++f)
      buf[std::uniform_int_distribution<size_t>(0, buf.size() - 1)(g)] ^=
          static_cast<uint8_t>(1u << std::uniform_int_distribution<int>(0, 7)(g));
    auto decode_or_input_error = [&](const std::vector<uint8_t>& b) {
      try {
        decode_packed(b.data(), b.size(), rows, cols, B, beat, R);
      } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("corrupt packed tile: tile "), std::string::npos) << e.what();
      }
    };
    decode_or_input_error(buf);
    const size_t size = std::uniform_int_distribution<size_t>(0, buf.size())(g);
    decode_or_input_error(std::vector<uint8_t>(buf.begin(), buf.begin() + static_cast<long>(size)));
    std::vector<uint8_t> junk(std::uniform_int_distribution<size_t>(0, 300)(g));
    for (auto& v : junk) v = static_cast<uint8_t>(g());
    decode_or_input_error(junk);
  }
}

// =============================================================================================================
// Sizes
// =============================================================================================================

TEST(SparsePackedStats, HandDerived) {
  // Worked example: tiles 24 and 13 bytes (headers 6 and 4), moved 24 + 16 = 40; the rows' exact sizes
  // 13 + 5 + 9 = 27 (hier_bytes); the row streams move 24 + 8 + 24 = 56 (row 2: rup(off_l2 + 1) = rup(9) = 16
  // metadata + rup(2) = 8 codes; row 1: rup(4 + 1) = 8).
  const BfpMatrix m = worked_example();
  const PackedStats ps = packed_stats(m, 8, 2);
  EXPECT_EQ(ps.tiles, 2u);
  EXPECT_EQ(ps.header_bytes, 10u);
  EXPECT_EQ(ps.bytes, 37u);
  EXPECT_EQ(ps.bytes_moved, 40u);
  const CompressionStats cs = compression_stats(m, 8, 2);
  EXPECT_EQ(cs.hier_bytes, 27u);
  EXPECT_EQ(cs.hier_bytes_moved, 56u);
  EXPECT_EQ(cs.packed_tile_rows, 2);
  EXPECT_EQ(cs.packed_bytes, 37u);
  EXPECT_EQ(cs.packed_bytes_moved, 40u);
  // without tile_rows the packed fields stay 0
  const CompressionStats c0 = compression_stats(m, 8);
  EXPECT_EQ(c0.packed_tile_rows, 0);
  EXPECT_EQ(c0.packed_bytes + c0.packed_bytes_moved, 0u);
  expect_input_error([&] { compression_stats(m, 8, -1); }, "tile_rows -1");

  // The doc's K = 256 case (configs/default.yaml: KB = 16, B = 16, BEAT = 32, R = 8): 8 rows of 13 non-empty
  // blocks and 26 codes (2 per block): each row 4 + 2 + 13 + 26 + 26 = 71 bytes exact, 3 beats = 96 as a row
  // stream ([0, 22 + 26) = 2 metadata beats, 1 code beat); one tile of 18 + 8 * 71 = 586 bytes, rup 608 =
  // 19 beats: 608 / 568 = 1.07x the exact size, against 768 / 568 = 1.35x.
  BfpMatrix k = zero_matrix(8, 256, 16);
  for (int r = 0; r < 8; ++r)
    for (int b = 0; b < 13; ++b) {
      k.codes(r, b * 16 + 3) = static_cast<int8_t>(r + 1);
      k.codes(r, b * 16 + 12) = -1;
    }
  const CompressionStats ks = compression_stats(k, 32, 8);
  EXPECT_EQ(ks.hier_bytes, 568u);
  EXPECT_EQ(ks.hier_bytes_moved, 768u);
  EXPECT_EQ(ks.packed_bytes, 586u);
  EXPECT_EQ(ks.packed_bytes_moved, 608u);
}
