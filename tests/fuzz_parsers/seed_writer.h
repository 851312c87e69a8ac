// SPDX-License-Identifier: Apache-2.0
// What the seed writers of the sparse-format harnesses share (rowstream_seeds.cpp, packed_seeds.cpp): a seeded
// random BFP matrix of a given density, and writing one seed file (parameter prefix, then the encoded bytes).
#pragma once
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "golden/bfp.h"

namespace bfp::fuzz {

/// rows x cols codes, each non-zero with probability `density` (-128 included); non-empty blocks get a random
/// exponent, empty blocks exponent 0 (what a round trip decodes them to).
inline golden::BfpMatrix seed_matrix(std::mt19937& rng, int rows, int cols, int block, double density) {
  golden::BfpMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.block = block;
  const int kb = m.kblocks();
  m.codes = golden::CodeMatrix::Zero(rows, Eigen::Index(kb) * block);
  m.exps = golden::ExpMatrix::Zero(rows, kb);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c)
      if (std::uniform_real_distribution<double>(0, 1)(rng) < density) {
        int v = int(rng() % 255) - 127;
        if (v == 0) v = -128;  // -128 is a legal code too
        m.codes(r, c) = int8_t(v);
      }
    for (int b = 0; b < kb; ++b) {
      bool any = false;
      for (int k = 0; k < block; ++k) any = any || m.codes(r, b * block + k) != 0;
      m.exps(r, b) = any ? uint8_t(rng() % 256) : 0;
    }
  }
  return m;
}

/// Writes OUTDIR/golden-<i>.bin = the parameter bytes, then `s`; false (and a message) if it cannot.
inline bool write_seed(const std::string& out, int i, const uint8_t* prm, size_t nprm, const std::vector<uint8_t>& s) {
  char name[64];
  std::snprintf(name, sizeof name, "/golden-%03d.bin", i);
  std::ofstream f(out + name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(prm), std::streamsize(nprm));
  f.write(reinterpret_cast<const char*>(s.data()), std::streamsize(s.size()));
  if (!f) std::fprintf(stderr, "cannot write %s%s\n", out.c_str(), name);
  return bool(f);
}

}  // namespace bfp::fuzz
