// SPDX-License-Identifier: Apache-2.0
#include "verify/stimulus.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "golden/npy.h"

namespace bfp::verify {

const std::vector<ValueKind>& all_value_kinds() {
  static const std::vector<ValueKind> k = {ValueKind::Normal,  ValueKind::WideExp, ValueKind::ZeroBlocks,
                                           ValueKind::AllMax,  ValueKind::Tiny,    ValueKind::Huge,
                                           ValueKind::Mixed};
  return k;
}

std::string to_string(ValueKind k) {
  switch (k) {
    case ValueKind::Normal: return "normal";
    case ValueKind::WideExp: return "wide-exp";
    case ValueKind::ZeroBlocks: return "zero-blocks";
    case ValueKind::AllMax: return "all-max";
    case ValueKind::Tiny: return "tiny";
    case ValueKind::Huge: return "huge";
    case ValueKind::Mixed: return "mixed";
  }
  return "?";
}

ValueKind parse_value_kind(const std::string& s) {
  for (ValueKind k : all_value_kinds())
    if (to_string(k) == s) return k;
  std::string names;
  for (ValueKind k : all_value_kinds()) names += (names.empty() ? "" : ", ") + to_string(k);
  throw std::invalid_argument("unknown value kind '" + s + "' (one of: " + names + ")");
}

std::string to_string(SparsityPattern p) {
  switch (p) {
    case SparsityPattern::Random: return "random";
    case SparsityPattern::Blocks: return "blocks";
    case SparsityPattern::Clustered: return "clustered";
  }
  return "?";
}

SparsityPattern parse_sparsity_pattern(const std::string& s) {
  for (SparsityPattern p : {SparsityPattern::Random, SparsityPattern::Blocks, SparsityPattern::Clustered})
    if (to_string(p) == s) return p;
  throw std::invalid_argument("unknown sparsity pattern '" + s + "' (one of: random, blocks, clustered)");
}

std::vector<uint8_t> sparsify(Eigen::MatrixXf& x, int block, double p, SparsityPattern pattern,
                              std::mt19937_64& rng) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("sparsity must be in [0, 1]");
  if (block < 1) throw std::invalid_argument("sparsify: block size must be >= 1");
  const int rows = static_cast<int>(x.rows()), cols = static_cast<int>(x.cols());
  const uint64_t n = uint64_t(rows) * uint64_t(cols);
  std::vector<uint8_t> mask(n, 0);
  // k distinct indices out of 0..count-1 (partial Fisher-Yates), passed to `mark`
  auto choose = [&](uint64_t count, uint64_t k, auto&& mark) {
    std::vector<uint64_t> idx(count);
    for (uint64_t i = 0; i < count; ++i) idx[i] = i;
    for (uint64_t i = 0; i < k; ++i) {
      const uint64_t j = std::uniform_int_distribution<uint64_t>(i, count - 1)(rng);
      std::swap(idx[i], idx[j]);
      mark(idx[i]);
    }
  };
  switch (pattern) {
    case SparsityPattern::Random: {
      const uint64_t z = static_cast<uint64_t>(std::llround(p * double(n)));
      choose(n, z, [&](uint64_t i) { mask[i] = 1; });
      break;
    }
    case SparsityPattern::Blocks: {
      const uint64_t kb = (uint64_t(cols) + block - 1) / block, nb = uint64_t(rows) * kb;
      const uint64_t z = static_cast<uint64_t>(std::llround(p * double(nb)));
      choose(nb, z, [&](uint64_t i) {
        const uint64_t r = i / kb, b = i % kb;
        for (uint64_t c = b * block; c < std::min<uint64_t>((b + 1) * block, cols); ++c) mask[r * cols + c] = 1;
      });
      break;
    }
    case SparsityPattern::Clustered: {
      const uint64_t z = static_cast<uint64_t>(std::llround(p * double(n)));
      uint64_t zeros = 0;
      if (z == n) {
        std::fill(mask.begin(), mask.end(), 1);
        zeros = n;
      }
      std::uniform_int_distribution<int> row_d(0, std::max(rows - 1, 0)), col_d(0, std::max(cols - 1, 0));
      std::uniform_int_distribution<int> len_d(1, 2 * block - 1);
      // runs at random starts; after many tries (few non-zeros left) finish with single elements
      const uint64_t max_runs = 64 + 16 * n;
      for (uint64_t run = 0; zeros < z && run < max_runs; ++run) {
        const int r = row_d(rng), c0 = col_d(rng), len = len_d(rng);
        for (int c = c0; c < std::min(cols, c0 + len) && zeros < z; ++c) {
          uint8_t& m = mask[uint64_t(r) * cols + c];
          if (!m) {
            m = 1;
            ++zeros;
          }
        }
      }
      if (zeros < z) {
        std::vector<uint64_t> left;
        for (uint64_t i = 0; i < n; ++i)
          if (!mask[i]) left.push_back(i);
        std::shuffle(left.begin(), left.end(), rng);
        for (uint64_t i = 0; zeros < z; ++i, ++zeros) mask[left[i]] = 1;
      }
      break;
    }
  }
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      if (mask[uint64_t(r) * cols + c]) x(r, c) = 0.0f;
  return mask;
}

std::string to_string(MaskMode m) {
  switch (m) {
    case MaskMode::None: return "none";
    case MaskMode::OnePerBlock: return "one-per-block";
    case MaskMode::Disjoint: return "disjoint";
    case MaskMode::WgtQuarters: return "wgt-quarters";
  }
  return "?";
}

MaskMode parse_mask_mode(const std::string& s) {
  for (MaskMode m : {MaskMode::None, MaskMode::OnePerBlock, MaskMode::Disjoint, MaskMode::WgtQuarters})
    if (to_string(m) == s) return m;
  throw std::invalid_argument("unknown mask mode '" + s +
                              "' (one of: none, one-per-block, disjoint, wgt-quarters)");
}


void apply_mask_mode(MaskMode mode, Eigen::MatrixXf& a, Eigen::MatrixXf& wt, int block, int cols,
                     std::vector<uint8_t>& a_mask, std::vector<uint8_t>& w_mask, Rng& rng) {
  if (mode == MaskMode::None) return;
  const int M = int(a.rows()), K = int(a.cols()), N = int(wt.rows());
  a_mask.resize(size_t(M) * K, 0);
  w_mask.resize(size_t(N) * K, 0);
  if (mode == MaskMode::OnePerBlock) {
    for (int r = 0; r < M; ++r)
      for (int b0 = 0; b0 < K; b0 += block) {
        const int len = std::min(block, K - b0);
        const int keep = b0 + std::uniform_int_distribution<int>(0, len - 1)(rng);
        for (int c = b0; c < b0 + len; ++c)
          if (c != keep) {
            a(r, c) = 0.0f;
            a_mask[size_t(r) * K + c] = 1;
          }
      }
  } else if (mode == MaskMode::WgtQuarters) {
    for (int n = 0; n < N; ++n) {
      const int quarter = 4 * (n % cols) / cols;
      for (int k = 0; k < K; ++k)
        if (k % 4 != quarter) {
          wt(n, k) = 0.0f;
          w_mask[size_t(n) * K + k] = 1;
        }
    }
  } else {
    for (int k = 0; k < K; ++k) {
      const bool to_a = std::uniform_int_distribution<int>(0, 1)(rng);  // A keeps k, W is zero there
      if (to_a) {
        for (int n = 0; n < N; ++n) {
          wt(n, k) = 0.0f;
          w_mask[size_t(n) * K + k] = 1;
        }
      } else {
        for (int m = 0; m < M; ++m) {
          a(m, k) = 0.0f;
          a_mask[size_t(m) * K + k] = 1;
        }
      }
    }
  }
}

Eigen::MatrixXf draw(int rows, int cols, int block, ValueKind kind, Rng& rng) {
  Eigen::MatrixXf x(rows, cols);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> coin(0, 1);
  std::uniform_int_distribution<int> high(15, 40), low(-40, -15), any_exp(-40, 40);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  const int kb = (cols + block - 1) / block;
  for (int r = 0; r < rows; ++r) {
    const bool flip = coin(rng);
    const float row_sign = coin(rng) ? 1.0f : -1.0f;
    for (int b = 0; b < kb; ++b) {
      ValueKind k = kind;
      if (k == ValueKind::Mixed) k = all_value_kinds()[std::uniform_int_distribution<int>(0, 5)(rng)];
      int scale = 0;
      bool zero_block = false;
      float sign = row_sign;
      switch (k) {
        case ValueKind::WideExp:
          scale = kind == ValueKind::Mixed ? any_exp(rng) : (((b & 1) != flip) ? high(rng) : low(rng));
          break;
        case ValueKind::ZeroBlocks: zero_block = u01(rng) < 0.3; break;
        case ValueKind::AllMax:
          if (kind == ValueKind::Mixed) sign = coin(rng) ? 1.0f : -1.0f;
          break;
        case ValueKind::Tiny: scale = -120; break;
        case ValueKind::Huge: scale = 100; break;
        default: break;
      }
      for (int t = 0; t < block; ++t) {
        const int c = b * block + t;
        if (c >= cols) break;
        float v;
        if (k == ValueKind::AllMax) {
          v = sign * (127.0f / 64.0f);
        } else if (zero_block || (k == ValueKind::ZeroBlocks && u01(rng) < 0.1)) {
          v = 0.0f;
        } else {
          v = std::ldexp(normal(rng), scale);
        }
        x(r, c) = v;
      }
    }
  }
  return x;
}

void dump_gemm(const std::string& dir, const Eigen::MatrixXf& a, const Eigen::MatrixXf& wt, const golden::BfpMatrix& qa,
               const golden::BfpMatrix& qw, const golden::BfpMatrix& gc, const golden::BfpMatrix& rc,
               const Eigen::MatrixXd& ref) {
  std::filesystem::create_directories(dir);
  auto p = [&](const char* name) { return (std::filesystem::path(dir) / (std::string(name) + ".npy")).string(); };
  npy::write_matrix(p("a_fp32"), a);
  const Eigen::MatrixXf w = wt.transpose();
  npy::write_matrix(p("w_fp32"), w);
  npy::write_matrix(p("a_codes"), qa.codes);
  npy::write_matrix(p("a_exps"), qa.exps);
  npy::write_matrix(p("wt_codes"), qw.codes);
  npy::write_matrix(p("wt_exps"), qw.exps);
  npy::write_matrix(p("c_golden_codes"), gc.codes);
  npy::write_matrix(p("c_golden_exps"), gc.exps);
  npy::write_matrix(p("c_rtl_codes"), rc.codes);
  npy::write_matrix(p("c_rtl_exps"), rc.exps);
  npy::write_matrix(p("c_fp64_ref"), ref);
}

}  // namespace bfp::verify
