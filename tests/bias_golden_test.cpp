// SPDX-License-Identifier: Apache-2.0
// golden::add_bias (docs/arithmetic.md 4b) against values computed here, independently of golden/bfp.cpp: the
// section-3 step written out again from the spec text, and hand-computed corner cases carried through section 4
// (bias far larger or far smaller than the products, ReLU after a sign flip, products all zero, the code -128,
// saturation). The RTL's bias path is checked against the golden model in tests/bias_rtl_test.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "golden/bfp.h"

using bfp::golden::AccMatrix;
using bfp::golden::AccParams;
using bfp::golden::BfpMatrix;

namespace {

// Spec section 3, one step, written from the text: p == 0 changes nothing; otherwise align to the larger exponent
// (the product's when m == 0), shift arithmetically by at most W - 1, add in W + 1 bits, saturate to W bits.
void spec_step(int64_t& m, int32_t& e, int64_t p, int32_t pe, int w, int f) {
  if (p == 0) return;
  const int64_t pm = p * (int64_t{1} << f);
  const int32_t en = m == 0 ? pe : std::max(e, pe);
  const int sa = std::min<int>(en - e, w - 1), sp = std::min<int>(en - pe, w - 1);
  const int64_t ma = m == 0 ? 0 : (m >> sa);  // >> of a negative int64 is arithmetic (C++20, and every compiler)
  const int64_t sum = ma + (pm >> sp);
  const int64_t hi = (int64_t{1} << (w - 1)) - 1, lo = -(int64_t{1} << (w - 1));
  m = std::min(hi, std::max(lo, sum));
  e = en;
}

AccMatrix acc_of(std::initializer_list<int64_t> m, std::initializer_list<int32_t> e) {
  AccMatrix a;
  a.m.resize(1, static_cast<Eigen::Index>(m.size()));
  a.e.resize(1, static_cast<Eigen::Index>(e.size()));
  Eigen::Index i = 0;
  for (int64_t v : m) a.m(0, i++) = v;
  i = 0;
  for (int32_t v : e) a.e(0, i++) = v;
  return a;
}

BfpMatrix bias_of(std::initializer_list<int> codes, std::initializer_list<int> exps, int block) {
  BfpMatrix b;
  b.rows = 1;
  b.cols = static_cast<int>(codes.size());
  b.block = block;
  b.codes = bfp::golden::CodeMatrix::Zero(1, b.kblocks() * block);
  b.exps = bfp::golden::ExpMatrix::Zero(1, b.kblocks());
  int i = 0;
  for (int c : codes) b.codes(0, i++) = static_cast<int8_t>(c);
  i = 0;
  for (int x : exps) b.exps(0, i++) = static_cast<uint8_t>(x);
  return b;
}

}  // namespace

// Products all zero: the accumulator is (0, 0), the bias enters as m = b * 2^(6+F), e = Eb + 127, and
// requantizing gives the bias back (a quantized block's largest |code| is 64..127, so its exponent is Eb again).
TEST(BiasGolden, ProductsAllZeroGiveTheBiasBack) {
  const AccParams ap{32, 4};
  const int B = 8, M = 3, N = 2 * B + 3;
  std::mt19937_64 rng(7);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  Eigen::MatrixXf x(1, N);
  for (int j = 0; j < N; ++j) x(0, j) = nd(rng);
  const BfpMatrix bias = bfp::golden::quantize_rows(x, B, bfp::golden::Rounding::Away, "bias");
  AccMatrix acc;
  acc.m = decltype(acc.m)::Zero(M, N);
  acc.e = decltype(acc.e)::Zero(M, N);
  bfp::golden::add_bias(acc, bias, ap);
  for (int j = 0; j < N; ++j) {
    EXPECT_EQ(acc.m(0, j), int64_t{bias.codes(0, j)} * 64 * 16) << j;
    EXPECT_EQ(acc.e(0, j), bias.codes(0, j) ? bias.exps(0, j / B) + 127 : 0) << j;  // a zero code changes nothing
  }
  const BfpMatrix out = bfp::golden::requantize(acc, B, ap, false);
  for (int r = 0; r < M; ++r) {
    EXPECT_EQ(out.codes.row(r), bias.codes.row(0)) << "row " << r;
    EXPECT_EQ(out.exps.row(r), bias.exps.row(0)) << "row " << r;
  }
}

// The code -128 in memory is the integer -128: with products zero the block [-128, 127, 1, -1] at Eb has the
// largest magnitude 2^7 * 2^(Eb-133), so E = Eb + 1 and every code halves, ties away from zero.
TEST(BiasGolden, CodeMinus128IsMinus128) {
  const AccParams ap{32, 4};
  const int eb = 120;
  AccMatrix acc = acc_of({0, 0, 0, 0}, {0, 0, 0, 0});
  bfp::golden::add_bias(acc, bias_of({-128, 127, 1, -1}, {eb}, 4), ap);
  EXPECT_EQ(acc.m(0, 0), -128 * 64 * 16);
  const BfpMatrix out = bfp::golden::requantize(acc, 4, ap, false);
  EXPECT_EQ(int(out.exps(0, 0)), eb + 1);
  EXPECT_EQ(int(out.codes(0, 0)), -64);
  EXPECT_EQ(int(out.codes(0, 1)), 64);  // 63.5 rounds away
  EXPECT_EQ(int(out.codes(0, 2)), 1);   // 0.5 rounds away
  EXPECT_EQ(int(out.codes(0, 3)), -1);
}

// Bias far larger than the products: the accumulator is shifted by W - 1 (clamped) and contributes 0, or -1 when
// it is negative (arithmetic shift).
TEST(BiasGolden, BiasFarLargerShiftsTheProductsOut) {
  const AccParams ap{32, 4};
  AccMatrix acc = acc_of({12345, -12345, 0, 7}, {10, 10, 0, 300});
  bfp::golden::add_bias(acc, bias_of({100, 100, 100, 0}, {200}, 4), ap);
  EXPECT_EQ(acc.m(0, 0), 100 * 1024);
  EXPECT_EQ(acc.m(0, 1), 100 * 1024 - 1);
  EXPECT_EQ(acc.m(0, 2), 100 * 1024);
  for (int j = 0; j < 3; ++j) EXPECT_EQ(acc.e(0, j), 327) << j;
  EXPECT_EQ(acc.m(0, 3), 7);  // bias code 0: unchanged
  EXPECT_EQ(acc.e(0, 3), 300);
}

// Bias far smaller than the products: the bias is shifted out (0, or -1 for a negative bias).
TEST(BiasGolden, BiasFarSmallerIsShiftedOut) {
  const AccParams ap{32, 4};
  AccMatrix acc = acc_of({int64_t{5} << 20, int64_t{5} << 20, -(int64_t{5} << 20), 0}, {400, 400, 400, 0});
  bfp::golden::add_bias(acc, bias_of({3, -3, -3, 0}, {10}, 4), ap);
  EXPECT_EQ(acc.m(0, 0), int64_t{5} << 20);
  EXPECT_EQ(acc.m(0, 1), (int64_t{5} << 20) - 1);
  EXPECT_EQ(acc.m(0, 2), -(int64_t{5} << 20) - 1);
  for (int j = 0; j < 3; ++j) EXPECT_EQ(acc.e(0, j), 400) << j;
  EXPECT_EQ(acc.m(0, 3), 0);  // zero bias on a zero accumulator: still (0, 0)
  EXPECT_EQ(acc.e(0, 3), 0);
}

// Same exponent, opposite signs: -100 + 120 = 20 and 100 - 120 = -20 (in units of 2^(Eb-133)). 20 requantizes to
// code 80 with E = Eb - 2; ReLU after the bias keeps +20 and zeroes -20 (a block left all zero gets E = 0).
TEST(BiasGolden, ReluAppliesAfterTheBiasFlippedTheSign) {
  const AccParams ap{32, 4};
  const int eb = 150, e = eb + 127, u = 64 * 16;
  for (const bool relu : {false, true}) {
    SCOPED_TRACE(relu ? "relu" : "no relu");
    AccMatrix up = acc_of({-100 * u, -100 * u, -100 * u, -100 * u}, {e, e, e, e});
    AccMatrix down = acc_of({100 * u, 100 * u, 100 * u, 100 * u}, {e, e, e, e});
    AccMatrix mixed = acc_of({-100 * u, 100 * u, 100 * u, 100 * u}, {e, e, e, e});
    bfp::golden::add_bias(up, bias_of({120, 120, 120, 120}, {eb}, 4), ap);
    bfp::golden::add_bias(down, bias_of({-120, -120, -120, -120}, {eb}, 4), ap);
    bfp::golden::add_bias(mixed, bias_of({120, -120, -120, -120}, {eb}, 4), ap);
    const BfpMatrix qu = bfp::golden::requantize(up, 4, ap, relu);
    const BfpMatrix qd = bfp::golden::requantize(down, 4, ap, relu);
    const BfpMatrix qm = bfp::golden::requantize(mixed, 4, ap, relu);
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(int(qu.codes(0, j)), 80) << j;
      EXPECT_EQ(int(qd.codes(0, j)), relu ? 0 : -80) << j;
      EXPECT_EQ(int(qm.codes(0, j)), j == 0 ? 80 : (relu ? 0 : -80)) << j;
    }
    EXPECT_EQ(int(qu.exps(0, 0)), eb - 2);
    EXPECT_EQ(int(qd.exps(0, 0)), relu ? 0 : eb - 2);
    EXPECT_EQ(int(qm.exps(0, 0)), eb - 2);
  }
}

// The bias step saturates like any section-3 step (W = 24 here).
TEST(BiasGolden, Saturation) {
  const AccParams ap{24, 2};
  const int64_t hi = (int64_t{1} << 23) - 1, lo = -(int64_t{1} << 23);
  AccMatrix acc = acc_of({hi - 10, lo + 5, hi, lo}, {300, 300, 300, 300});
  bfp::golden::add_bias(acc, bias_of({127, -128, -1, 1}, {173}, 4), ap);  // pe = 300: no shift
  EXPECT_EQ(acc.m(0, 0), hi);
  EXPECT_EQ(acc.m(0, 1), lo);
  EXPECT_EQ(acc.m(0, 2), hi - 256);  // -1 * 64 * 4
  EXPECT_EQ(acc.m(0, 3), lo + 256);
}

// Random accumulators and biases: add_bias equals the spec step written out above, element by element.
TEST(BiasGolden, RandomAgainstTheSpecStep) {
  for (const AccParams ap : {AccParams{32, 4}, AccParams{24, 2}, AccParams{64, 16}, AccParams{21, 0}}) {
    const uint64_t seed = 1000 + uint64_t(ap.width) * 17 + uint64_t(ap.guard_bits);
    SCOPED_TRACE("seed " + std::to_string(seed) + " W=" + std::to_string(ap.width) +
                 " F=" + std::to_string(ap.guard_bits));
    std::mt19937_64 rng(seed);
    const int B = 4, M = 40, N = 37;
    const int64_t half = int64_t{1} << (ap.width - 1);
    std::uniform_int_distribution<int64_t> dm(-half, half - 1);
    std::uniform_int_distribution<int> de(0, 508), dc(-128, 127), dx(0, 254), dsmall(0, 3);
    AccMatrix acc;
    acc.m.resize(M, N);
    acc.e.resize(M, N);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        const int kind = dsmall(rng);  // some zeros and small values, the rest anywhere in range
        acc.m(i, j) = kind == 0 ? 0 : kind == 1 ? dm(rng) % 1000 : dm(rng);
        acc.e(i, j) = acc.m(i, j) == 0 && kind == 0 ? 0 : de(rng);
      }
    BfpMatrix bias;
    bias.rows = 1;
    bias.cols = N;
    bias.block = B;
    bias.codes = bfp::golden::CodeMatrix::Zero(1, bias.kblocks() * B);
    bias.exps = bfp::golden::ExpMatrix::Zero(1, bias.kblocks());
    for (int j = 0; j < N; ++j) bias.codes(0, j) = static_cast<int8_t>(dsmall(rng) == 0 ? 0 : dc(rng));
    for (int b = 0; b < bias.kblocks(); ++b) bias.exps(0, b) = static_cast<uint8_t>(dx(rng));
    AccMatrix want = acc;
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        int64_t m = want.m(i, j);
        int32_t e = want.e(i, j);
        spec_step(m, e, int64_t{bias.codes(0, j)} * 64, int32_t{bias.exps(0, j / B)} + 127, ap.width, ap.guard_bits);
        want.m(i, j) = m;
        want.e(i, j) = e;
      }
    bfp::golden::add_bias(acc, bias, ap);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        ASSERT_EQ(acc.m(i, j), want.m(i, j)) << "(" << i << ", " << j << ")";
        ASSERT_EQ(acc.e(i, j), want.e(i, j)) << "(" << i << ", " << j << ")";
      }
  }
}

TEST(BiasGolden, ShapeMustBeOneRowOfN) {
  const AccParams ap{32, 4};
  AccMatrix acc = acc_of({1, 2, 3}, {200, 200, 200});
  EXPECT_THROW(bfp::golden::add_bias(acc, bias_of({1, 2}, {100}, 4), ap), bfp::golden::InputError);
  BfpMatrix two = bias_of({1, 2, 3}, {100}, 4);
  two.rows = 2;
  EXPECT_THROW(bfp::golden::add_bias(acc, two, ap), bfp::golden::InputError);
}
