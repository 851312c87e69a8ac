// SPDX-License-Identifier: Apache-2.0
// Tests of golden/sparse.h: sparsity scaling (prune), the row-stream format of docs/sparse-format.md
// (encoder, validating decoder) and the compression statistics.
//
// Expected bytes and sizes are derived by hand from the doc (derivations in the comments). Random round trips
// are checked twice: decode_rows(encode_rows(m)) must give m with empty blocks canonical, AND every element,
// exponent, header count and unused byte of the encoding is checked by a random-access reader written here
// from the doc (RefRow), which shares no code with decode_rows. Random tests print their seed; set
// BFP_SEED=<n> to rerun with base seed n (the printed repro command does that).
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
#include "support/sparse_matrices.h"

using namespace bfp::golden;
using namespace bfp::test;

namespace {

std::string repro(uint64_t base) { return bfp::test::repro("sparse_golden_test", base); }

// Segment offsets straight from the doc's table.
struct DocOffsets {
  size_t l2, exp, codes, min_stride;
};
DocOffsets doc_offsets(size_t KB, size_t B, size_t beat) {
  DocOffsets d;
  d.exp = 4 + (KB + 7) / 8;              // right after the level-1 mask
  d.l2 = rup(d.exp + KB, B / 8);          // after KB exponents, rounded up to a multiple of B/8
  d.codes = rup(d.l2 + KB * B / 8, beat);  // on a beat
  d.min_stride = d.codes + rup(KB * B, beat);
  return d;
}

// Random-access reader of one row stream, written from the doc: element (block b, element t) is found via the
// rank of b among the level-1 bits and the rank of (b, t) among all level-2 bits of the row.
struct RefRow {
  const uint8_t* s;
  size_t KB, B;
  DocOffsets off;
  unsigned u16(size_t o) const { return s[o] | (s[o + 1] << 8); }
  bool l1(size_t b) const { return (s[4 + b / 8] >> (b % 8)) & 1; }
  size_t block_rank(size_t b) const {  // index o of block b among the non-empty blocks
    size_t n = 0;
    for (size_t x = 0; x < b; ++x) n += l1(x);
    return n;
  }
  bool l2(size_t o, size_t t) const { return (s[off.l2 + o * B / 8 + t / 8] >> (t % 8)) & 1; }
  int code(size_t b, size_t t) const {
    if (!l1(b)) return 0;
    const size_t o = block_rank(b);
    if (!l2(o, t)) return 0;
    size_t idx = 0;  // set level-2 bits before (o, t)
    for (size_t oo = 0; oo < o; ++oo)
      for (size_t tt = 0; tt < B; ++tt) idx += l2(oo, tt);
    for (size_t tt = 0; tt < t; ++tt) idx += l2(o, tt);
    return static_cast<int8_t>(s[off.codes + idx]);
  }
  int exp(size_t b) const { return l1(b) ? s[off.exp + block_rank(b)] : 0; }
};

// Checks one encoded row against m's row r with RefRow: header counts, level-1 unused bits, every code and
// exponent, and that every byte outside the used part of each segment is zero.
void check_row_bytes(const uint8_t* s, size_t stride, const BfpMatrix& m, int r, size_t beat) {
  const size_t KB = static_cast<size_t>(m.kblocks()), B = static_cast<size_t>(m.block);
  const RefRow ref{s, KB, B, doc_offsets(KB, B, beat)};
  size_t nnzb = 0, nnz = 0;
  for (size_t b = 0; b < KB; ++b) {
    size_t n = 0;
    for (size_t t = 0; t < B; ++t) {
      const int want = m.codes(r, static_cast<Eigen::Index>(b * B + t));
      n += want != 0;
      ASSERT_EQ(ref.code(b, t), want) << "row " << r << " block " << b << " element " << t;
    }
    nnz += n;
    nnzb += n != 0;
    ASSERT_EQ(ref.l1(b), n != 0) << "row " << r << " level-1 bit of block " << b;
    if (n) {
      ASSERT_EQ(ref.exp(b), static_cast<int>(m.exps(r, static_cast<Eigen::Index>(b))))
          << "row " << r << " exponent of block " << b;
    }
  }
  ASSERT_EQ(ref.u16(0), nnzb) << "row " << r << " header nnz_blocks";
  ASSERT_EQ(ref.u16(2), nnz) << "row " << r << " header nnz";
  std::vector<bool> used(stride, false);
  auto mark = [&](size_t from, size_t len) {
    for (size_t i = 0; i < len; ++i) used[from + i] = true;
  };
  mark(0, 4 + (KB + 7) / 8);
  mark(ref.off.exp, nnzb);
  mark(ref.off.l2, nnzb * B / 8);
  mark(ref.off.codes, nnz);
  for (size_t b = KB; b < (KB + 7) / 8 * 8; ++b) ASSERT_FALSE(ref.l1(b)) << "row " << r << " unused level-1 bit " << b;
  for (size_t i = 0; i < stride; ++i)
    if (!used[i]) {
      ASSERT_EQ(s[i], 0) << "row " << r << " unused byte at row offset " << i;
    }
}

// Expects decode_rows(...) to throw InputError whose message contains every string in `parts`.
void expect_corrupt(const std::vector<uint8_t>& buf, size_t size, int rows, int cols, int block, int beat,
                    size_t stride, const std::vector<std::string>& parts) {
  try {
    decode_rows(buf.data(), size, rows, cols, block, beat, stride);
    ADD_FAILURE() << "decode_rows accepted a corrupt stream (expected: " << parts.front() << ")";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

}  // namespace

// =============================================================================================================
// Layout
// =============================================================================================================

TEST(SparseLayout, HandDerivedOffsets) {
  // KB=3, B=8, BEAT=8: off_exp = 4 + 1 = 5; off_l2 = 5 + 3 = 8 (multiple of B/8 = 1); off_codes = rup(8 + 3) = 16;
  // min stride = 16 + rup(24) = 40.
  auto L = row_stream_layout(3, 8, 8);
  EXPECT_EQ(L.kb, 3);
  EXPECT_EQ(L.block, 8);
  EXPECT_EQ(L.beat, 8);
  EXPECT_EQ(L.off_exp, 5u);
  EXPECT_EQ(L.off_l2, 8u);
  EXPECT_EQ(L.off_codes, 16u);
  EXPECT_EQ(L.min_row_stride, 40u);
  // KB=11, B=16, BEAT=32: ceil(11/8) = 2 -> off_exp = 6; 6 + 11 = 17 -> rounded to a multiple of 2: off_l2 = 18;
  // KB*B/8 = 22 -> off_codes = rup(40) = 64; KB*B = 176 -> rup = 192 -> min stride 256.
  L = row_stream_layout(11, 16, 32);
  EXPECT_EQ(L.off_exp, 6u);
  EXPECT_EQ(L.off_l2, 18u);
  EXPECT_EQ(L.off_codes, 64u);
  EXPECT_EQ(L.min_row_stride, 256u);
  // the doc's example (configs/default.yaml, K = 256): KB=16, B=16, BEAT=32: 6, 22, rup(22 + 32) = 64, 64 + 256.
  L = row_stream_layout(16, 16, 32);
  EXPECT_EQ(L.off_exp, 6u);
  EXPECT_EQ(L.off_l2, 22u);
  EXPECT_EQ(L.off_codes, 64u);
  EXPECT_EQ(L.min_row_stride, 320u);
  // KB=9, B=32, BEAT=8: off_exp = 4 + 2 = 6; 6 + 9 = 15 -> multiple of 4: off_l2 = 16; 16 + 36 = 52 -> 56;
  // 56 + rup(288) = 344.
  L = row_stream_layout(9, 32, 8);
  EXPECT_EQ(L.off_exp, 6u);
  EXPECT_EQ(L.off_l2, 16u);
  EXPECT_EQ(L.off_codes, 56u);
  EXPECT_EQ(L.min_row_stride, 344u);
  // BEAT=1 (no rounding): KB=3, B=8: 5, 5 + 3 = 8, 8 + 3 = 11, 11 + 24 = 35.
  L = row_stream_layout(3, 8, 1);
  EXPECT_EQ(L.off_exp, 5u);
  EXPECT_EQ(L.off_l2, 8u);
  EXPECT_EQ(L.off_codes, 11u);
  EXPECT_EQ(L.min_row_stride, 35u);
  // KB=0 (zero-width rows): header only; off_exp = off_l2 = 4, off_codes = rup(4) = 8 at BEAT=8.
  L = row_stream_layout(0, 16, 8);
  EXPECT_EQ(L.off_exp, 4u);
  EXPECT_EQ(L.off_l2, 4u);
  EXPECT_EQ(L.off_codes, 8u);
  EXPECT_EQ(L.min_row_stride, 8u);
}

TEST(SparseLayout, MatchesDocFormulaGrid) {
  for (int B : {8, 16, 24, 32, 64, 128})
    for (int beat : {1, 2, 4, 8, 16, 32, 64, 128, 12})
      for (int KB : {0, 1, 2, 7, 8, 9, 15, 17, 33, 100}) {
        SCOPED_TRACE("KB " + std::to_string(KB) + " B " + std::to_string(B) + " beat " + std::to_string(beat));
        const auto L = row_stream_layout(KB, B, beat);
        const auto d = doc_offsets(KB, B, beat);
        EXPECT_EQ(L.off_l2, d.l2);
        EXPECT_EQ(L.off_exp, d.exp);
        EXPECT_EQ(L.off_codes, d.codes);
        EXPECT_EQ(L.min_row_stride, d.min_stride);
      }
}

TEST(SparseLayout, Preconditions) {
  expect_input_error([] { row_stream_layout(4, 4, 8); }, "block size 4");
  expect_input_error([] { row_stream_layout(4, 12, 8); }, "multiple of 8");
  expect_input_error([] { row_stream_layout(4, 0, 8); }, "block size 0");
  expect_input_error([] { row_stream_layout(4, 16, 0); }, "beat 0");
  expect_input_error([] { row_stream_layout(-1, 16, 8); }, "negative block count");
  expect_input_error([] { row_stream_layout(1024, 64, 8); }, "65535");  // 65536 elements
  EXPECT_NO_THROW(row_stream_layout(8191, 8, 8));                        // 65528 elements
}

// =============================================================================================================
// Encoder: hand-derived bytes
// =============================================================================================================

TEST(SparseEncode, HandDerivedB8) {
  // One row, cols = 20, B = 8 -> KB = 3 (last block: 4 real columns 16..19, 4 padding), BEAT = 8.
  //   block 0: codes [0, 5, 0, 0, 0, 0, 0, -3], exponent 130 (0x82)
  //   block 1: all zero, exponent 77 (not stored; decodes as 0)
  //   block 2: codes [-1, 0, 0, 64 | padding 0 0 0 0], exponent 127 (0x7f)
  // Offsets (HandDerivedOffsets): off_exp = 5, off_l2 = 8, off_codes = 16, min stride 40 (docs/sparse-format.md,
  // "Worked example").
  // header: nnz_blocks = 2 -> 02 00; nnz = 2 + 2 = 4 -> 04 00.
  // level 1 (byte 4): blocks 0 and 2 -> bits 0, 2 -> 0x05.
  // exponents at 5: 0x82, 0x7f; byte 7 (room for a third exponent) unspecified (0).
  // level 2: block 0 (o = 0) at 8: elements 1, 7 -> 0x82; block 2 (o = 1) at 9: elements 0, 3 -> 0x09.
  // codes at 16 in element order: 5 -> 0x05, -3 -> 0xfd, -1 -> 0xff, 64 -> 0x40; bytes 20..39 are 0.
  BfpMatrix m = zero_matrix(1, 20, 8);
  m.codes(0, 1) = 5;
  m.codes(0, 7) = -3;
  m.codes(0, 16) = -1;
  m.codes(0, 19) = 64;
  m.exps(0, 0) = 130;
  m.exps(0, 1) = 77;
  m.exps(0, 2) = 127;
  std::vector<uint8_t> want(40, 0);
  const uint8_t head[] = {0x02, 0x00, 0x04, 0x00, 0x05, 0x82, 0x7f};
  std::copy(std::begin(head), std::end(head), want.begin());
  want[8] = 0x82;
  want[9] = 0x09;
  want[16] = 0x05;
  want[17] = 0xfd;
  want[18] = 0xff;
  want[19] = 0x40;
  const auto L = row_stream_layout(3, 8, 8);
  EXPECT_EQ(encode_row(m, 0, L), want);
  EXPECT_EQ(encode_rows(m, 8), want);
  // a wider stride only appends zero bytes
  std::vector<uint8_t> wide = want;
  wide.resize(56, 0);
  EXPECT_EQ(encode_row(m, 0, L, 56), wide);
  // decoding gives m with the empty block's exponent canonical (0)
  BfpMatrix expect = m;
  expect.exps(0, 1) = 0;
  EXPECT_EQ(decode_rows(want.data(), want.size(), 1, 20, 8, 8, 40), expect);
  // beats a reader moves (compression_stats): [0, off_l2 + 2) = 2 beats + 1 code beat = 24 bytes
  EXPECT_EQ(compression_stats(m, 8).hier_bytes_moved, 24u);
}

TEST(SparseEncode, HandDerivedB16MultiByteMask) {
  // One row, cols = 16, B = 16 -> KB = 1, BEAT = 4.
  //   block 0: code[0] = -2, code[9] = 7, code[15] = -128 (accepted in memory), exponent 120 (0x78).
  // off_exp = 4 + 1 = 5; off_l2 = 5 + 1 = 6 (a multiple of B/8 = 2); off_codes = rup(6 + 2) = 8;
  // min stride = 8 + rup(16) = 24.
  // header: 01 00 03 00; level 1 at 4: 0x01; exponent at 5: 0x78.
  // level 2 at 6 (two bytes; element t = bit t%8 of byte t/8): byte 6 has bit 0 (element 0) -> 0x01;
  //   byte 7 has bit 1 (element 9) and bit 7 (element 15) -> 0x82.
  // codes at 8: -2 -> 0xfe, 7 -> 0x07, -128 -> 0x80; rest zero.
  BfpMatrix m = zero_matrix(1, 16, 16);
  m.codes(0, 0) = -2;
  m.codes(0, 9) = 7;
  m.codes(0, 15) = -128;
  m.exps(0, 0) = 120;
  std::vector<uint8_t> want(24, 0);
  want[0] = 0x01;
  want[2] = 0x03;
  want[4] = 0x01;
  want[5] = 0x78;
  want[6] = 0x01;
  want[7] = 0x82;
  want[8] = 0xfe;
  want[9] = 0x07;
  want[10] = 0x80;
  EXPECT_EQ(encode_rows(m, 4), want);
  EXPECT_EQ(decode_rows(want.data(), want.size(), 1, 16, 16, 4, 24), m);
}

TEST(SparseEncode, HandDerivedLevel1SecondByteAndU16Counts) {
  // One row, B = 8, cols = 8 * 300 = 2400 -> KB = 300, BEAT = 16, every block dense with code 1 except
  // block 9 (empty). nnz_blocks = 299 = 0x012b -> 2b 01; nnz = 299 * 8 = 2392 = 0x0958 -> 58 09.
  // Level 1 (ceil(300/8) = 38 bytes at 4..41): block b at byte 4 + b/8 bit b%8: byte 5 (blocks 8..15) lacks
  // bit 1 -> 0xfd; byte 41 holds blocks 296..299 -> 0x0f (bits 4..7 unused, 0); others 0xff.
  // off_exp = 42: the exponent of block 0 (100 = 0x64) at 42, 299 exponents up to 340, byte 341 unused;
  // off_l2 = 42 + 300 = 342: the mask of block 10 (o = 9) is at 342 + 9 = 351, 0xff.
  BfpMatrix m = zero_matrix(1, 2400, 8);
  for (int j = 0; j < 2400; ++j)
    if (j / 8 != 9) m.codes(0, j) = 1;
  for (int b = 0; b < 300; ++b) m.exps(0, b) = 100;
  const auto s = encode_rows(m, 16);
  ASSERT_EQ(s.size(), row_stream_layout(300, 8, 16).min_row_stride);
  EXPECT_EQ(s[0], 0x2b);
  EXPECT_EQ(s[1], 0x01);
  EXPECT_EQ(s[2], 0x58);
  EXPECT_EQ(s[3], 0x09);
  EXPECT_EQ(s[4], 0xff);
  EXPECT_EQ(s[5], 0xfd);
  EXPECT_EQ(s[40], 0xff);
  EXPECT_EQ(s[41], 0x0f);
  EXPECT_EQ(s[42], 0x64);
  EXPECT_EQ(s[340], 0x64);
  EXPECT_EQ(s[341], 0x00);
  EXPECT_EQ(s[351], 0xff);
  EXPECT_EQ(decode_rows(s.data(), s.size(), 1, 2400, 8, 16, 0), canonical(m));
}

TEST(SparseEncode, UnusualExponentsOfNonEmptyBlocksAreStored) {
  // A non-empty block stores its exponent byte whatever it is (0 and 255 included); an empty block never does.
  BfpMatrix m = zero_matrix(1, 24, 8);
  m.codes(0, 0) = 1;   // block 0, exponent 0
  m.codes(0, 20) = -1;  // block 2, exponent 255
  m.exps(0, 0) = 0;
  m.exps(0, 1) = 200;  // empty
  m.exps(0, 2) = 255;
  const auto s = encode_rows(m, 8);
  EXPECT_EQ(s[5], 0x00);  // off_exp = 5
  EXPECT_EQ(s[6], 0xff);
  BfpMatrix expect = m;
  expect.exps(0, 1) = 0;
  EXPECT_EQ(decode_rows(s.data(), s.size(), 1, 24, 8, 8, 0), expect);
}

TEST(SparseEncode, Preconditions) {
  BfpMatrix m = zero_matrix(2, 20, 8);
  const auto L = row_stream_layout(3, 8, 8);
  expect_input_error([&] { encode_row(m, 2, L); }, "row 2");
  expect_input_error([&] { encode_row(m, -1, L); }, "row -1");
  expect_input_error([&] { encode_row(m, 0, L, 44); }, "row_stride 44");   // not a multiple of 8
  expect_input_error([&] { encode_row(m, 0, L, 32); }, "row_stride 32");   // below 40
  expect_input_error([&] { encode_row(m, 0, row_stream_layout(4, 8, 8)); }, "KB = 4");
  RowStreamLayout bad = L;
  bad.off_exp += 8;
  expect_input_error([&] { encode_row(m, 0, bad); }, "row_stream_layout");
  expect_input_error([&] { encode_rows(m, 0); }, "beat 0");
  expect_input_error([&] { encode_rows(zero_matrix(1, 20, 4), 8); }, "block size 4");
  expect_input_error([&] { encode_rows(zero_matrix(1, 20, 12), 8); }, "multiple of 8");
  BfpMatrix pad = m;
  pad.codes(1, 22) = 3;  // padding column 22 >= cols 20
  expect_input_error([&] { encode_rows(pad, 8); }, "padding column 22");
  BfpMatrix shape = m;
  shape.exps.resize(2, 2);
  expect_input_error([&] { encode_rows(shape, 8); }, "inconsistent BfpMatrix");
}

// =============================================================================================================
// Round trips (random)
// =============================================================================================================

TEST(SparseRoundTrip, RandomSparsityBlockSizesBeats) {
  const uint64_t base = seed_for(20240603);
  uint64_t cas = 0;
  for (int B : {8, 16, 32, 64})
    for (int beat : {8, 16, 32, 64})
      for (Pattern pat : {Pattern::Random, Pattern::WholeBlocks, Pattern::OnePerBlock})
        for (double p : {0.0, 0.5, 0.9, 0.99, 1.0}) {
          const uint64_t seed = base + cas++;
          std::mt19937_64 g(seed);
          // KB in 1..19 (mostly not a multiple of 8), last block often partial
          const int kb = std::uniform_int_distribution<int>(1, 19)(g);
          const int cols = (kb - 1) * B + std::uniform_int_distribution<int>(1, B)(g);
          const int rows = std::uniform_int_distribution<int>(1, 6)(g);
          const auto L = row_stream_layout(kb, B, beat);
          const size_t stride = L.min_row_stride + static_cast<size_t>(beat) * std::uniform_int_distribution<int>(0, 2)(g);
          SCOPED_TRACE("case " + std::to_string(cas - 1) + " seed " + std::to_string(seed) + " (B " +
                       std::to_string(B) + ", beat " + std::to_string(beat) + ", " + pattern_name(pat) +
                       ", sparsity " + std::to_string(p) + ", " + std::to_string(rows) + "x" + std::to_string(cols) +
                       ", KB " + std::to_string(kb) + ", stride " + std::to_string(stride) + "); " + repro(base));
          const BfpMatrix m = random_sparse(g, rows, cols, B, p, pat);
          const auto buf = encode_rows(m, beat, stride);
          ASSERT_EQ(buf.size(), stride * static_cast<size_t>(rows));
          for (int r = 0; r < rows; ++r) {
            check_row_bytes(buf.data() + static_cast<size_t>(r) * stride, stride, m, r, static_cast<size_t>(beat));
            if (::testing::Test::HasFatalFailure()) return;
            EXPECT_EQ(encode_row(m, r, L, stride),
                      std::vector<uint8_t>(buf.begin() + static_cast<long>(r * stride),
                                           buf.begin() + static_cast<long>((r + 1) * stride)));
          }
          const BfpMatrix d = decode_rows(buf.data(), buf.size(), rows, cols, B, beat, stride);
          ASSERT_EQ(d, canonical(m));
          // decoding is the identity on canonical matrices: encoding the result again gives the same bytes
          EXPECT_EQ(encode_rows(d, beat, stride), buf);
          // the stats agree with the encoding
          const auto st = compression_stats(m, beat);
          size_t nnz = 0, nnzb = 0;
          for (int r = 0; r < rows; ++r) {
            const uint8_t* s = buf.data() + static_cast<size_t>(r) * stride;
            nnzb += s[0] | (s[1] << 8);
            nnz += s[2] | (s[3] << 8);
          }
          EXPECT_EQ(st.nnz, nnz);
          EXPECT_EQ(st.nnz_blocks, nnzb);
          if (p == 1.0) {
            EXPECT_EQ(nnz, 0u);
          }
          if (p == 0.0 && pat == Pattern::Random) {
            EXPECT_EQ(nnz, static_cast<size_t>(rows) * cols);
          }
          if (pat == Pattern::OnePerBlock) {
            EXPECT_EQ(nnz, nnzb);
          }
        }
}

TEST(SparseRoundTrip, AllZeroAndFullyDenseMatrices) {
  // All zero: every row is a header 00 00 00 00 and zero level-1 bytes, nothing else; decodes to zero codes
  // with exponent 0 even though the input exponents were 1 (quantizer's all-zero block).
  for (int B : {8, 16, 32, 64})
    for (int beat : {1, 8, 64}) {
      SCOPED_TRACE("B " + std::to_string(B) + " beat " + std::to_string(beat));
      BfpMatrix z = zero_matrix(3, 9 * B + 1, B);  // KB = 10
      z.exps.setConstant(1);
      const auto buf = encode_rows(z, beat);
      for (uint8_t v : buf) ASSERT_EQ(v, 0);
      EXPECT_EQ(decode_rows(buf.data(), buf.size(), 3, 9 * B + 1, B, beat, 0), zero_matrix(3, 9 * B + 1, B));
      // fully dense (no zero code in the logical columns)
      BfpMatrix d = zero_matrix(2, 9 * B + 1, B);
      const uint64_t base = seed_for(7), seed = base + static_cast<uint64_t>(B * 100 + beat);
      SCOPED_TRACE("dense part: seed " + std::to_string(seed) + " (BFP_SEED base + 100 B + beat); " + repro(base));
      std::mt19937_64 g(seed);
      for (int r = 0; r < 2; ++r)
        for (int j = 0; j < d.cols; ++j) d.codes(r, j) = static_cast<int8_t>(nonzero_code(g));
      const auto db = encode_rows(d, beat);
      EXPECT_EQ(db[0] | (db[1] << 8), 10);
      EXPECT_EQ(db[2] | (db[3] << 8), 9 * B + 1);
      EXPECT_EQ(decode_rows(db.data(), db.size(), 2, d.cols, B, beat, 0), d);
    }
}

TEST(SparseRoundTrip, EmptyShapes) {
  // zero rows: empty buffer; zero columns (KB = 0): a header-only row stream.
  EXPECT_TRUE(encode_rows(zero_matrix(0, 40, 8), 8).empty());
  EXPECT_EQ(decode_rows(nullptr, 0, 0, 40, 8, 8, 0), zero_matrix(0, 40, 8));
  const auto b = encode_rows(zero_matrix(2, 0, 8), 8);
  EXPECT_EQ(b, std::vector<uint8_t>(16, 0));
  EXPECT_EQ(decode_rows(b.data(), b.size(), 2, 0, 8, 8, 0), zero_matrix(2, 0, 8));
}

TEST(SparseRoundTrip, StorePathOutputIsCanonical) {
  // requantize_pruned produces canonical empty blocks, so the row-stream round trip is the identity on it.
  const uint64_t base = seed_for(99);
  for (int i = 0; i < 40; ++i) {
    const uint64_t seed = base + static_cast<uint64_t>(i);
    std::mt19937_64 g(seed);
    const int B = 8 << std::uniform_int_distribution<int>(0, 3)(g);
    const int M = std::uniform_int_distribution<int>(1, 5)(g), N = std::uniform_int_distribution<int>(1, 5 * B)(g);
    const int T = std::uniform_int_distribution<int>(0, 130)(g);
    const int beat = 4 << std::uniform_int_distribution<int>(0, 4)(g);
    SCOPED_TRACE("seed " + std::to_string(seed) + " B " + std::to_string(B) + " " + std::to_string(M) + "x" +
                 std::to_string(N) + " T " + std::to_string(T) + " beat " + std::to_string(beat) + "; " + repro(base));
    AccParams ap;
    AccMatrix acc;
    acc.m.resize(M, N);
    acc.e.resize(M, N);
    std::uniform_int_distribution<int64_t> mm(-(int64_t{1} << 20), int64_t{1} << 20);
    std::uniform_int_distribution<int> ee(240, 280);
    for (int r = 0; r < M; ++r)
      for (int j = 0; j < N; ++j) {
        acc.m(r, j) = (j % 7 == 3) ? 0 : mm(g) >> std::uniform_int_distribution<int>(0, 20)(g);
        acc.e(r, j) = ee(g);
      }
    const BfpMatrix out = requantize_pruned(acc, B, ap, i % 2 == 1, T);
    const auto buf = encode_rows(out, beat);
    EXPECT_EQ(decode_rows(buf.data(), buf.size(), M, N, B, beat, 0), out);
  }
}

// =============================================================================================================
// Decoder: corruption
// =============================================================================================================

namespace {
// Two rows, cols = 40, B = 16 -> KB = 3 (block 2: columns 32..39 real, 40..47 padding), BEAT = 8.
// Offsets: off_exp = 4 + 1 = 5, off_l2 = 5 + 3 = 8 (a multiple of 2), off_codes = rup(8 + 6) = 16,
// stride = 16 + rup(48) = 64. Row 1 (base 64):
//   block 0: element 0 = 3, element 9 = -7, exponent 120; block 1 empty; block 2: element 1 (column 33) = 100,
//   exponent 140.
//   header 02 00 03 00 | level 1 at 68: 0x05 | exponents at 69: 78 8c (71: unused room of the third)
//   level 2 at 72: 01 02 (block 0), 74: 02 00 (block 2) (76, 77: unused room) | codes at 80: 03 f9 64.
// Row 0: one code 9 (block 0, element 5, exponent 127): 01 00 01 00 01 7f | mask 20 00 at 8 | code at 16.
// Row 0 is valid and different (a single code), so a message naming row 1 is the right row.
BfpMatrix corruption_base() {
  BfpMatrix m = zero_matrix(2, 40, 16);
  m.codes(0, 5) = 9;
  m.exps(0, 0) = 127;
  m.codes(1, 0) = 3;
  m.codes(1, 9) = -7;
  m.codes(1, 33) = 100;
  m.exps(1, 0) = 120;
  m.exps(1, 2) = 140;
  return m;
}
}  // namespace

TEST(SparseDecode, CorruptionBaseIsAsDerived) {
  const auto buf = encode_rows(corruption_base(), 8);
  ASSERT_EQ(buf.size(), 128u);
  const std::vector<uint8_t> row0 = {0x01, 0x00, 0x01, 0x00, 0x01, 0x7f, 0, 0, 0x20, 0x00, 0, 0, 0, 0, 0, 0, 0x09};
  const std::vector<uint8_t> row1 = {0x02, 0x00, 0x03, 0x00, 0x05, 0x78, 0x8c, 0, 0x01, 0x02, 0x02, 0x00, 0, 0, 0, 0,
                                     0x03, 0xf9, 0x64};
  for (size_t i = 0; i < 64; ++i) EXPECT_EQ(buf[i], i < row0.size() ? row0[i] : 0) << "row 0 offset " << i;
  for (size_t i = 0; i < 64; ++i) EXPECT_EQ(buf[64 + i], i < row1.size() ? row1[i] : 0) << "row 1 offset " << i;
  EXPECT_EQ(decode_rows(buf.data(), buf.size(), 2, 40, 16, 8, 64), corruption_base());
}

TEST(SparseDecode, CorruptStreamsThrowNamingRowSegmentOffset) {
  const auto good = encode_rows(corruption_base(), 8);
  struct Case {
    const char* name;
    std::function<void(std::vector<uint8_t>&)> mutate;
    std::vector<std::string> parts;
    size_t size = 0;  // 0 = whole buffer
  };
  const std::vector<Case> cases = {
      {"nnz_blocks above KB", [](auto& b) { b[64] = 4; },
       {"row 1", "segment 'header'", "byte offset 64 ", "nnz_blocks = 4 exceeds"}},
      {"nnz_blocks above the level-1 popcount", [](auto& b) { b[64] = 3; },
       {"row 1", "segment 'level 1'", "byte offset 68 ", "2 level-1 bits set but header nnz_blocks = 3"}},
      {"nnz below nnz_blocks", [](auto& b) { b[66] = 1; },
       {"row 1", "segment 'header'", "byte offset 66 ", "nnz = 1 impossible"}},
      {"nnz above nnz_blocks * B", [](auto& b) { b[66] = 33; }, {"row 1", "segment 'header'", "nnz = 33"}},
      {"nnz high byte", [](auto& b) { b[67] = 1; }, {"row 1", "segment 'header'", "nnz = 259"}},
      {"nnz above the level-2 popcount", [](auto& b) { b[66] = 4; },
       {"row 1", "segment 'level 2'", "byte offset 72 ", "3 level-2 bits set but header nnz = 4"}},
      {"level-1 bit beyond KB", [](auto& b) { b[68] = 0x0d; },
       {"row 1", "segment 'level 1'", "byte offset 68 ", "block index 3"}},
      {"level-1 bit beyond KB, top bit", [](auto& b) { b[68] = 0x85; },
       {"row 1", "segment 'level 1'", "block index 7"}},
      {"level-1 bit of an empty block (counts adjusted)", [](auto& b) { b[68] = 0x07; b[64] = 3; },
       // blocks 0, 1, 2 marked: block 1 takes block 2's mask, block 2 (o = 2) finds an all-zero mask at 76 (the
       // unused room after the masks, not the codes at 80)
       {"row 1", "segment 'level 2'", "byte offset 76 ", "(block 2) is all zero"}},
      {"level-2 bit on a padding element", [](auto& b) { b[75] = 0x01; },
       {"row 1", "segment 'level 2'", "byte offset 75 ", "column 40", "past the matrix's 40 columns"}},
      {"extra level-2 bit", [](auto& b) { b[72] = 0x03; },
       {"row 1", "segment 'level 2'", "4 level-2 bits set but header nnz = 3"}},
      // segments share beats: the masks start at off_l2 = 8, not after the used exponents (a reader taking
      // the masks from off_exp + nnz_blocks = 7 would see 00 01 | 02 02 and no error here)
      {"block 0's mask cleared, exponents intact", [](auto& b) { b[72] = 0; b[73] = 0; },
       {"row 1", "segment 'level 2'", "byte offset 72 ", "(block 0) is all zero"}},
      {"zero code under a set mask bit", [](auto& b) { b[81] = 0; },
       {"row 1", "segment 'codes'", "byte offset 81 ", "code #1 (block 0, element 9, column 9) is zero"}},
      {"truncated codes", [](auto&) {}, {"row 1", "segment 'codes'", "only 82 bytes"}, 82},
      {"truncated level 2", [](auto&) {}, {"row 1", "segment 'level 2'", "only 73 bytes"}, 73},
      {"truncated exponents", [](auto&) {}, {"row 1", "segment 'exponents'", "byte offset 69 ", "only 70 bytes"}, 70},
      {"truncated header", [](auto&) {}, {"row 1", "segment 'header'", "byte offset 64 "}, 66},
      {"truncated level 1", [](auto&) {}, {"row 1", "segment 'level 1'"}, 68},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<uint8_t> b = good;
    c.mutate(b);
    expect_corrupt(b, c.size ? c.size : b.size(), 2, 40, 16, 8, 64, c.parts);
  }
  // the truncated buffers that still hold every byte row 1 uses decode fine (trailing bytes are not read)
  EXPECT_EQ(decode_rows(good.data(), 83, 2, 40, 16, 8, 64), corruption_base());
  // unspecified bytes are ignored: garbage there changes nothing, also the exponent room (71) and the mask room
  // (76, 77) that share beat 1 of the row with used bytes
  std::vector<uint8_t> g = good;
  for (size_t off : {6u, 7u, 10u, 63u, 71u, 76u, 77u, 79u, 83u, 127u}) g[off] = 0xa5;
  EXPECT_EQ(decode_rows(g.data(), g.size(), 2, 40, 16, 8, 64), corruption_base());
}

TEST(SparseDecode, OldLayoutStreamIsRejected) {
  // Row 1 of corruption_base() in the layout before issue 11 (level 2 at rup(5) = 8, exponents at 16, codes at 24):
  // the decoder reads the exponents 01 02 at 69 (any byte is an exponent) and the codes at 80 = 78 8c 00: code #2
  // (block 2, element 1, column 33) is zero.
  std::vector<uint8_t> b = encode_rows(corruption_base(), 8);
  std::fill(b.begin() + 64, b.end(), 0);
  const uint8_t old_row1[] = {0x02, 0x00, 0x03, 0x00, 0x05, 0, 0, 0, 0x01, 0x02, 0x02, 0x00, 0, 0, 0, 0,
                              0x78, 0x8c, 0, 0, 0, 0, 0, 0, 0x03, 0xf9, 0x64};
  std::copy(std::begin(old_row1), std::end(old_row1), b.begin() + 64);
  expect_corrupt(b, b.size(), 2, 40, 16, 8, 64, {"row 1", "segment 'codes'", "byte offset 82 ", "code #2 (block 2"});
}

TEST(SparseDecode, CorruptionInRowZeroNamesRowZero) {
  std::vector<uint8_t> b = encode_rows(corruption_base(), 8);
  b[16] = 0;  // row 0's only code
  expect_corrupt(b, b.size(), 2, 40, 16, 8, 64, {"row 0", "segment 'codes'", "byte offset 16 "});
}

TEST(SparseDecode, BadParameters) {
  const auto good = encode_rows(corruption_base(), 8);
  expect_input_error([&] { decode_rows(good.data(), good.size(), 2, 40, 16, 8, 60); }, "row_stride 60");
  expect_input_error([&] { decode_rows(good.data(), good.size(), 2, 40, 16, 8, 56); }, "row_stride 56");
  expect_input_error([&] { decode_rows(good.data(), good.size(), 2, 40, 12, 8, 64); }, "multiple of 8");
  expect_input_error([&] { decode_rows(good.data(), good.size(), 2, 40, 0, 8, 64); }, "block size 0");
  expect_input_error([&] { decode_rows(good.data(), good.size(), 2, 40, 16, 0, 64); }, "beat 0");
  expect_input_error([&] { decode_rows(good.data(), good.size(), -1, 40, 16, 8, 64); }, "negative shape");
  expect_input_error([&] { decode_rows(nullptr, 10, 2, 40, 16, 8, 64); }, "null data");
  // a stride larger than the buffer: row 1 lies entirely outside
  expect_corrupt(good, good.size(), 2, 40, 16, 8, 128, {"row 1", "segment 'header'", "byte offset 128 "});
}

TEST(SparseDecode, RandomSingleByteCorruptionNeverCrashes) {
  // Flipping bits of a valid stream either still decodes (the byte was unspecified, or the change is a
  // consistent re-encoding such as another non-zero code / exponent) or throws InputError: never anything else.
  const uint64_t base = seed_for(31337);
  for (int i = 0; i < 300; ++i) {
    const uint64_t seed = base + static_cast<uint64_t>(i);
    std::mt19937_64 g(seed);
    SCOPED_TRACE("seed " + std::to_string(seed) + "; " + repro(base));
    const int B = 8 << std::uniform_int_distribution<int>(0, 2)(g);
    const int cols = std::uniform_int_distribution<int>(1, 12 * B)(g);
    const BfpMatrix m = random_sparse(g, 3, cols, B, 0.7, Pattern::Random);
    auto buf = encode_rows(m, 8);
    const size_t pos = std::uniform_int_distribution<size_t>(0, buf.size() - 1)(g);
    buf[pos] ^= static_cast<uint8_t>(1u << std::uniform_int_distribution<int>(0, 7)(g));
    try {
      decode_rows(buf.data(), buf.size(), 3, cols, B, 8, 0);
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("row " + std::to_string(pos / (buf.size() / 3))), std::string::npos)
          << e.what();
    }
    // a truncated buffer as well: decodes (only unread bytes cut) or throws InputError, never reads past size
    const size_t size = std::uniform_int_distribution<size_t>(0, buf.size())(g);
    const std::vector<uint8_t> cut(buf.begin(), buf.begin() + static_cast<long>(size));  // exact size for ASan
    try {
      decode_rows(cut.data(), cut.size(), 3, cols, B, 8, buf.size() / 3);
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("row "), std::string::npos) << e.what();
    }
  }
}

// =============================================================================================================
// Sparsity scaling
// =============================================================================================================

namespace {
// One row, B = 8, cols = 24: block 0 = [-128, -127, -5, -4, -1, 0, 1, 3], block 1 = [4, 5, 126, 127, 0, 0, 0, 2],
// block 2 = [1, -1, 2, -2, 3, -3, 0, 0]; exponents 100, 110, 120.
BfpMatrix prune_base() {
  BfpMatrix m = zero_matrix(1, 24, 8);
  const int v[24] = {-128, -127, -5, -4, -1, 0, 1, 3, 4, 5, 126, 127, 0, 0, 0, 2, 1, -1, 2, -2, 3, -3, 0, 0};
  for (int j = 0; j < 24; ++j) m.codes(0, j) = static_cast<int8_t>(v[j]);
  m.exps << 100, 110, 120;
  return m;
}
std::vector<int> row_codes(const BfpMatrix& m) { return std::vector<int>(m.codes.data(), m.codes.data() + m.codes.size()); }
std::vector<int> row_exps(const BfpMatrix& m) { return std::vector<int>(m.exps.data(), m.exps.data() + m.exps.size()); }
}  // namespace

TEST(Prune, ThresholdZeroIsOff) {
  BfpMatrix m = prune_base();
  m.exps(0, 2) = 7;
  BfpMatrix z = zero_matrix(1, 8, 8);
  z.exps(0, 0) = 1;  // non-canonical empty block: left alone when pruning is off
  prune(m, 0);
  prune(z, 0);
  BfpMatrix want = prune_base();
  want.exps(0, 2) = 7;
  EXPECT_EQ(m, want);
  EXPECT_EQ(z.exps(0, 0), 1);
}

TEST(Prune, HandDerivedThresholds) {
  // T = 1: |c| < 1 only for 0 -> codes unchanged.
  BfpMatrix m = prune_base();
  prune(m, 1);
  EXPECT_EQ(m, prune_base());
  // T = 4: |c| < 4 -> -1, 1, 3, 2 (block 1) and all of block 2 vanish; block 2 becomes empty -> exponent 0.
  m = prune_base();
  prune(m, 4);
  EXPECT_EQ(row_codes(m), (std::vector<int>{-128, -127, -5, -4, 0, 0, 0, 0, 4, 5, 126, 127, 0, 0, 0, 0,  //
                                            0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(row_exps(m), (std::vector<int>{100, 110, 0}));
  // T = 127: keeps |c| >= 127: -128, -127, 127.
  m = prune_base();
  prune(m, 127);
  EXPECT_EQ(row_codes(m), (std::vector<int>{-128, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 0, 0,  //
                                            0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(row_exps(m), (std::vector<int>{100, 110, 0}));
  // T = 128: only -128 (|-128| = 128) survives; block 1 becomes empty.
  m = prune_base();
  prune(m, 128);
  EXPECT_EQ(row_codes(m), (std::vector<int>{-128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                            0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(row_exps(m), (std::vector<int>{100, 0, 0}));
  // T = 129 and 255: everything goes.
  for (int T : {129, 255}) {
    m = prune_base();
    prune(m, T);
    EXPECT_EQ(m, zero_matrix(1, 24, 8)) << "T " << T;
  }
}

TEST(Prune, NonZeroThresholdCanonicalizesEmptyBlocks) {
  // With pruning on, every block left without a non-zero code gets exponent 0, including one that was
  // already empty (the quantizer writes exponent 1 for an all-zero block).
  BfpMatrix z = zero_matrix(2, 16, 8);
  z.exps.setConstant(1);
  z.codes(1, 3) = 50;
  prune(z, 1);
  EXPECT_EQ(row_exps(z), (std::vector<int>{0, 0, 1, 0}));
}

TEST(Prune, RangeAndShapeErrors) {
  BfpMatrix m = prune_base();
  expect_input_error([&] { prune(m, -1); }, "threshold -1");
  expect_input_error([&] { prune(m, 256); }, "threshold 256");
  EXPECT_EQ(m, prune_base());
  BfpMatrix bad = m;
  bad.exps.resize(1, 2);
  expect_input_error([&] { prune(bad, 3); }, "inconsistent BfpMatrix");
  AccMatrix acc;
  acc.m.setZero(1, 8);
  acc.e.setZero(1, 8);
  expect_input_error([&] { requantize_pruned(acc, 8, AccParams{}, false, 300); }, "threshold 300");
}

TEST(Prune, RequantizePrunedIsRequantizeThenPrune) {
  // Independent statement of the rule on random accumulators: the result's codes are requantize's codes with
  // every |c| < T replaced by 0, its exponents requantize's except 0 for blocks left empty; T = 0 is plain
  // requantize. Also: the non-zero count never grows with T.
  const uint64_t base = seed_for(4711);
  for (int i = 0; i < 60; ++i) {
    const uint64_t seed = base + static_cast<uint64_t>(i);
    std::mt19937_64 g(seed);
    SCOPED_TRACE("seed " + std::to_string(seed) + "; " + repro(base));
    const int B = 8 << std::uniform_int_distribution<int>(0, 2)(g);
    const int M = std::uniform_int_distribution<int>(1, 4)(g), N = std::uniform_int_distribution<int>(1, 4 * B)(g);
    const bool relu = i % 3 == 0;
    AccParams ap;
    AccMatrix acc;
    acc.m.resize(M, N);
    acc.e.resize(M, N);
    std::uniform_int_distribution<int64_t> mm(-(int64_t{1} << 24), int64_t{1} << 24);
    for (int r = 0; r < M; ++r)
      for (int j = 0; j < N; ++j) {
        acc.m(r, j) = mm(g) >> std::uniform_int_distribution<int>(0, 24)(g);
        acc.e(r, j) = std::uniform_int_distribution<int>(250, 262)(g);
      }
    const BfpMatrix q = requantize(acc, B, ap, relu);
    EXPECT_EQ(requantize_pruned(acc, B, ap, relu, 0), q);
    size_t prev_nnz = SIZE_MAX;
    for (int T : {0, 1, 2, 3, 8, 16, 33, 64, 100, 127, 128}) {
      SCOPED_TRACE("T " + std::to_string(T));
      const BfpMatrix p = requantize_pruned(acc, B, ap, relu, T);
      size_t nnz = 0;
      for (int r = 0; r < M; ++r)
        for (int b = 0; b < q.kblocks(); ++b) {
          bool any = false;
          for (int t = 0; t < B; ++t) {
            const int c = q.codes(r, b * B + t);
            const int want = std::abs(c) < T ? 0 : c;
            ASSERT_EQ(p.codes(r, b * B + t), want);
            any = any || want != 0;
            nnz += want != 0;
          }
          ASSERT_EQ(p.exps(r, b), any ? q.exps(r, b) : 0);
        }
      EXPECT_LE(nnz, prev_nnz);
      prev_nnz = nnz;
      if (T >= 128) {
        EXPECT_EQ(nnz, 0u);  // the requantizer never writes -128
      }
    }
  }
}

// =============================================================================================================
// Statistics
// =============================================================================================================

TEST(SparseStats, HandDerived) {
  // The HandDerivedB8 row: KB = 3, B = 8, BEAT = 8, nnz_blocks = 2, nnz = 4, 20 logical elements.
  //   dense = rup(24) + rup(3) = 24 + 8 = 32
  //   hier  = 4 + 1 + 2*1 + 2 + 4 = 13
  //   moved = rup(off_l2 + 2*1) + rup(4) = rup(10) + 8 = 16 + 8 = 24
  //   flat  = 24/8 + 3 + 4 = 10;  sparsity = 1 - 4/20 = 0.8
  BfpMatrix m = zero_matrix(1, 20, 8);
  m.codes(0, 1) = 5;
  m.codes(0, 7) = -3;
  m.codes(0, 16) = -1;
  m.codes(0, 19) = 64;
  auto s = compression_stats(m, 8);
  EXPECT_EQ(s.dense_bytes, 32u);
  EXPECT_EQ(s.hier_bytes, 13u);
  EXPECT_EQ(s.hier_bytes_moved, 24u);
  EXPECT_EQ(s.flat_bitmap_bytes, 10u);
  EXPECT_EQ(s.nnz, 4u);
  EXPECT_EQ(s.nnz_blocks, 2u);
  EXPECT_EQ(s.elements, 20u);
  EXPECT_DOUBLE_EQ(s.sparsity, 0.8);

  // All zero, 2 rows, KB = 11, B = 16, BEAT = 32:
  //   dense = 2 * (rup(176) + rup(11)) = 2 * (192 + 32) = 448; hier = 2 * (4 + 2) = 12;
  //   moved = 2 * rup(6) = 64 (empty segments move nothing); flat = 2 * (22 + 11) = 66; sparsity 1.
  s = compression_stats(zero_matrix(2, 170, 16), 32);
  EXPECT_EQ(s.dense_bytes, 448u);
  EXPECT_EQ(s.hier_bytes, 12u);
  EXPECT_EQ(s.hier_bytes_moved, 64u);
  EXPECT_EQ(s.flat_bitmap_bytes, 66u);
  EXPECT_EQ(s.nnz, 0u);
  EXPECT_EQ(s.nnz_blocks, 0u);
  EXPECT_EQ(s.elements, 340u);
  EXPECT_DOUBLE_EQ(s.sparsity, 1.0);

  // Fully dense, 1 row, cols = 16, B = 8 (KB = 2), BEAT = 8:
  //   dense = 16 + 8 = 24; hier = 4 + 1 + 2 + 2 + 16 = 25; off_exp = 5, off_l2 = 7: moved = rup(7 + 2) + 16 = 32;
  //   flat = 2 + 2 + 16 = 20.
  BfpMatrix d = zero_matrix(1, 16, 8);
  d.codes.setConstant(-7);
  s = compression_stats(d, 8);
  EXPECT_EQ(s.dense_bytes, 24u);
  EXPECT_EQ(s.hier_bytes, 25u);
  EXPECT_EQ(s.hier_bytes_moved, 32u);
  EXPECT_EQ(s.flat_bitmap_bytes, 20u);
  EXPECT_DOUBLE_EQ(s.sparsity, 0.0);

  // Empty matrix: everything 0, sparsity defined as 0.
  s = compression_stats(zero_matrix(0, 0, 8), 8);
  EXPECT_EQ(s.dense_bytes + s.hier_bytes + s.hier_bytes_moved + s.flat_bitmap_bytes + s.elements, 0u);
  EXPECT_EQ(s.sparsity, 0.0);
  expect_input_error([] { compression_stats(zero_matrix(1, 8, 4), 8); }, "block size 4");
}

TEST(SparseStats, HierBytesEqualUsedBytesOfTheEncoding) {
  // hier_bytes counts exactly the bytes the format defines (header, level 1, nnzb exponents, nnzb masks, nnz codes);
  // hier_bytes_moved the beats [0, off_l2 + nnzb*B/8) (beat 0 alone for an empty row) plus the code beats.
  const uint64_t base = seed_for(555);
  for (int i = 0; i < 50; ++i) {
    const uint64_t seed = base + static_cast<uint64_t>(i);
    std::mt19937_64 g(seed);
    SCOPED_TRACE("seed " + std::to_string(seed) + "; " + repro(base));
    const int B = 8 << std::uniform_int_distribution<int>(0, 3)(g);
    const int cols = std::uniform_int_distribution<int>(1, 20 * B)(g);
    const double p = std::uniform_real_distribution<double>(0, 1)(g);
    const BfpMatrix m = random_sparse(g, 4, cols, B, p, Pattern::Random);
    const auto st = compression_stats(m, 1);
    const auto L = row_stream_layout(m.kblocks(), B, 1);
    const auto L64 = row_stream_layout(m.kblocks(), B, 64);
    const auto buf = encode_rows(m, 1);
    size_t used = 0, moved64 = 0;
    for (int r = 0; r < 4; ++r) {
      const uint8_t* s = buf.data() + static_cast<size_t>(r) * L.min_row_stride;
      const size_t nnzb = s[0] | (s[1] << 8), nnz = s[2] | (s[3] << 8);
      used += L.off_exp + nnzb + nnzb * B / 8 + nnz;  // header + level 1 fill [0, off_exp)
      moved64 += rup(nnzb ? L64.off_l2 + nnzb * B / 8 : 64, 64) + rup(nnz, 64);
    }
    EXPECT_EQ(st.hier_bytes, used);
    EXPECT_EQ(compression_stats(m, 64).hier_bytes_moved, moved64);
    EXPECT_EQ(compression_stats(m, 64).hier_bytes, st.hier_bytes);  // independent of the beat
    EXPECT_EQ(st.elements, static_cast<size_t>(4 * cols));
  }
}
