// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the sparse-format golden tests (row streams and packed tiles): seeded random BFP matrices
// with chosen zero patterns, the canonical form a round trip must give, and the seed / repro plumbing every
// randomized test uses. One copy, so the two format tests draw their matrices the same way.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

#include "golden/bfp.h"
#include "seed.h"

namespace bfp::test {

inline size_t rup(size_t x, size_t beat) { return (x + beat - 1) / beat * beat; }

inline golden::BfpMatrix zero_matrix(int rows, int cols, int block) {
  golden::BfpMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.block = block;
  m.codes = golden::CodeMatrix::Zero(rows, static_cast<Eigen::Index>(m.kblocks()) * block);
  m.exps = golden::ExpMatrix::Zero(rows, m.kblocks());
  return m;
}

/// Expected result of a round trip: blocks without a non-zero code get exponent 0.
inline golden::BfpMatrix canonical(golden::BfpMatrix m) {
  for (int r = 0; r < m.rows; ++r)
    for (int b = 0; b < m.kblocks(); ++b) {
      bool any = false;
      for (int t = 0; t < m.block; ++t) any = any || m.codes(r, b * m.block + t) != 0;
      if (!any) m.exps(r, b) = 0;
    }
  return m;
}

/// f() must throw golden::InputError whose message contains `part`.
template <class F>
void expect_input_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no InputError (expected one mentioning '" << part << "')";
  } catch (const golden::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "'" << part << "' not in: " << e.what();
  }
}

/// A uniformly drawn non-zero BFP8 code: -128..-1, 1..127.
inline int nonzero_code(std::mt19937_64& g) {
  std::uniform_int_distribution<int> d(-128, 126);
  const int v = d(g);
  return v >= 0 ? v + 1 : v;
}

enum class Pattern { Random, WholeBlocks, OnePerBlock };
inline const char* pattern_name(Pattern p) {
  return p == Pattern::Random ? "random" : p == Pattern::WholeBlocks ? "whole-block zeros" : "one non-zero per block";
}

/// Random matrix with about `sparsity` zero elements (Random: each element independently; WholeBlocks: each
/// block empty with that probability, else dense; OnePerBlock: each non-empty block has exactly one non-zero).
/// Every block gets a random exponent 0..255, so empty blocks with non-zero exponents occur.
inline golden::BfpMatrix random_sparse(std::mt19937_64& g, int rows, int cols, int block, double sparsity,
                                       Pattern pat) {
  golden::BfpMatrix m = zero_matrix(rows, cols, block);
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<int> ex(0, 255);
  for (int r = 0; r < rows; ++r)
    for (int b = 0; b < m.kblocks(); ++b) {
      m.exps(r, b) = static_cast<uint8_t>(ex(g));
      const int n = std::min(block, cols - b * block);  // valid elements of the block
      if (pat == Pattern::Random) {
        for (int t = 0; t < n; ++t)
          if (u(g) >= sparsity) m.codes(r, b * block + t) = static_cast<int8_t>(nonzero_code(g));
      } else if (u(g) >= sparsity) {
        if (pat == Pattern::WholeBlocks) {
          for (int t = 0; t < n; ++t) m.codes(r, b * block + t) = static_cast<int8_t>(nonzero_code(g));
        } else {
          const int t = std::uniform_int_distribution<int>(0, n - 1)(g);
          m.codes(r, b * block + t) = static_cast<int8_t>(nonzero_code(g));
        }
      }
    }
  return m;
}

/// Row r of m: blocks 0..nnzb-1 non-empty (their first element non-zero, exponent 100 + b), nnz codes in all,
/// spread over those blocks (nnzb <= nnz <= nnzb * m.block): the hand-countable rows of the loader tests.
inline void fill_row(golden::BfpMatrix& m, int r, int nnzb, int nnz) {
  const int B = m.block;
  int placed = 0;
  for (int b = 0; b < nnzb; ++b, ++placed) {
    m.codes(r, b * B) = static_cast<int8_t>(1 + (r + b) % 100);
    m.exps(r, b) = static_cast<uint8_t>(100 + b);
  }
  for (int t = 1; t < B && placed < nnz; ++t)
    for (int b = 0; b < nnzb && placed < nnz; ++b, ++placed) m.codes(r, b * B + t) = static_cast<int8_t>(-t);
}

}  // namespace bfp::test
