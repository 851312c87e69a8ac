// SPDX-License-Identifier: Apache-2.0
// Writes the seed corpus of fuzz_packed: packed tiles made by the golden encoder (golden/sparse_packed.cpp
// encode_packed) from seeded random sparse BFP matrices over the harness's parameter space, each prefixed by the
// parameter bytes that select the same rows, cols, block, beat and tile rows (packed_params.h).
// Usage: bfp_fuzz_packed_seeds OUTDIR [COUNT] [SEED]
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "golden/sparse_packed.h"
#include "tests/fuzz_parsers/packed_params.h"
#include "tests/fuzz_parsers/seed_writer.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUTDIR [COUNT] [SEED]\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  const int count = argc > 2 ? std::atoi(argv[2]) : 64;
  const unsigned seed = argc > 3 ? unsigned(std::strtoul(argv[3], nullptr, 10)) : 1;
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return int(rng() % unsigned(n)); };
  for (int i = 0; i < count; ++i) {
    uint8_t prm[bfp::fuzz::kPackedParamBytes];
    prm[0] = uint8_t(pick(8));
    prm[1] = uint8_t(pick(7));
    prm[2] = uint8_t(1 + pick(6));  // 1..6 rows: small seeds, the fuzzer grows them
    const int cols = i % 4 == 0 ? pick(17) : pick(200);
    prm[3] = uint8_t(cols & 0xff);
    prm[4] = uint8_t(cols >> 8);
    prm[5] = uint8_t(pick(4));  // 1..4 rows per tile: several tiles, partial last tiles
    const bfp::fuzz::PackedParams p = bfp::fuzz::packed_params_from(prm);
    const double density = (i % 5) / 4.0;  // 0, 25, 50, 75, 100 % non-zero codes
    const bfp::golden::BfpMatrix m = bfp::fuzz::seed_matrix(rng, p.rows, p.cols, p.block, density);
    const std::vector<uint8_t> s = bfp::golden::encode_packed(m, p.beat, p.tile_rows);
    if (!bfp::fuzz::write_seed(out, i, prm, sizeof prm, s)) return 1;
  }
  return 0;
}
