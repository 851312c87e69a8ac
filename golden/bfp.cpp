// SPDX-License-Identifier: Apache-2.0
// Golden model of docs/arithmetic.md. Every function cites the spec step it implements.
//
// Section 2 (quantization) reproduces the FP32 arithmetic of the MX reference library (microxcaling,
// mx/mx_ops.py::_quantize_mx and mx/elemwise_ops.py::_quantize_elemwise_core/_round_mantissa) operation
// by operation in `float`; this file is compiled with -ffp-contract=off so that no FMA changes a rounding.
// Sections 3 and 4 are exact integer arithmetic (__int128 for the W+1-bit sums; no signed overflow, no
// shifts of negative values).
#include "golden/bfp.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <sstream>

namespace bfp::golden {

namespace {

using i128 = __int128;
using u128 = unsigned __int128;

std::string fmt_float(float v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  return buf;
}

// "NaN", "+Inf" or "-Inf" for a non-finite value (error messages).
std::string nonfinite_what(float v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

// Spec 2.4/2.5: one element in FP32 arithmetic, exactly as the reference library:
//   A = A / (2**shared_exp)                                  (mx_ops.py, _quantize_mx)
//   out = x * (2**bits)  with bits - 2 = 6                   (elemwise_ops.py, _safe_lshift)
//   nearest: sign(A) * floor(abs(A) + 0.5)                   (elemwise_ops.py, _round_mantissa)
//   even:    absA = abs(A); maskA = ((absA - 0.5) % 2 == 0); sign(A) * (floor(absA + 0.5) - maskA)
//   clamp(out / 64, -max_norm, max_norm), max_norm = 127/64  (_quantize_elemwise_core)
int8_t quantize_element(float x, float scale, Rounding r) {
  const float a = (x / scale) * 64.0f;  // both exact powers of two; FP32 underflow rounds here
  const float abs_a = std::fabs(a);
  float q = std::floor(abs_a + 0.5f);  // the addition rounds in FP32 (0.49999997f + 0.5f == 1.0f)
  if (r == Rounding::Even) {
    // torch.remainder(t, 2) == 0 (Python-style modulo; the result only matters when it is exactly 0).
    const float t = abs_a - 0.5f;
    float mod = std::fmod(t, 2.0f);
    if (mod != 0.0f && mod < 0.0f) mod += 2.0f;
    if (mod == 0.0f) q -= 1.0f;
  }
  // q is an integer-valued float in [0, 128]; sign(a) of a zero (either sign) is 0.
  const int qi = std::min(static_cast<int>(q), 127);
  return static_cast<int8_t>(a < 0.0f ? -qi : qi);
}

// Spec 2.2/2.3 for one group: shared exponent (clamped below at -127), or throws for the NaN-scale case.
int group_exponent(const float* v, int n, const std::string& tensor, const std::string& where_prefix,
                   int64_t first_index, const std::function<std::string(int64_t)>& name_index) {
  float amax = 0.0f;
  int arg = 0;
  for (int t = 0; t < n; ++t) {
    const float a = std::fabs(v[t]);
    if (a > amax) {
      amax = a;
      arg = t;
    }
  }
  int s = mx_shared_exponent(amax);
  if (s > 127) {
    std::ostringstream os;
    os << "tensor '" << tensor << "': " << where_prefix << " has max |x| = " << fmt_float(amax) << " at "
       << name_index(first_index + arg)
       << "; its FP32 log2 rounds to 128, for which the MX reference produces a NaN scale (E8M0 255), "
          "which BFP8 does not represent";
    throw InputError(os.str());
  }
  return std::max(s, -127);
}

// The FP32 emulation needs IEEE subnormals and round-to-nearest. A library built with -ffast-math that is
// loaded into the process can switch on flush-to-zero / denormals-are-zero for everyone: refuse to produce
// silently different codes then.
void check_fp_environment() {
  volatile float sub = 0x1p-140f, two = 2.0f, big = 0x1p100f;
  const float prod = sub * two * big;  // 2^-39; 0 under DAZ (input) or FTZ (the subnormal 2^-139 product)
  // (compare with normal numbers only: under DAZ a subnormal constant would compare equal to 0)
  if (prod != 0x1p-39f || std::fegetround() != FE_TONEAREST)
    throw std::runtime_error(
        "golden quantizer: the floating-point environment flushes subnormals (FTZ/DAZ) or does not round to "
        "nearest, so MX-exact FP32 quantization is impossible in this process");
}

std::function<std::string(int64_t)> flat_namer() {
  return [](int64_t i) { return "index " + std::to_string(i); };
}

}  // namespace

bool BfpMatrix::operator==(const BfpMatrix& o) const {
  if (rows != o.rows || cols != o.cols || block != o.block) return false;
  if (codes.rows() != o.codes.rows() || codes.cols() != o.codes.cols()) return false;
  if (exps.rows() != o.exps.rows() || exps.cols() != o.exps.cols()) return false;
  return codes == o.codes && exps == o.exps;
}

const char* rounding_name(Rounding r) { return r == Rounding::Even ? "even" : "away"; }

Rounding parse_rounding(const std::string& name) {
  if (name == "away") return Rounding::Away;
  if (name == "even") return Rounding::Even;
  throw InputError("unknown rounding mode '" + name + "' (expected 'away' or 'even')");
}

int mx_shared_exponent(float amax) {
  if (!(amax >= 0.0f) || std::isinf(amax))
    throw InputError("mx_shared_exponent: block maximum must be finite and >= 0, got " + fmt_float(amax));
  // _shared_exponents: floor(log2(shared_exp + FP32_MIN_NORMAL * (shared_exp == 0))) on a float32 tensor.
  const float v = amax == 0.0f ? 0x1p-126f : amax;
  // torch.log2 of a float32 is the FP32 value nearest to log2(v). The double log2 is accurate to ~1 ulp of
  // double, so rounding it to float gives the correctly rounded FP32 result; for the floor this matters only
  // when log2(v) is within half an FP32 ulp below an integer (maxima just below a power of two), and that
  // case is exhaustively checked against an independent exact criterion in tests/golden_test.cpp.
  const float l = static_cast<float>(std::log2(static_cast<double>(v)));
  return static_cast<int>(std::floor(l));
}

double dequantize_value(int8_t code, uint8_t exp) { return std::ldexp(static_cast<double>(code), exp - 133); }

std::vector<Block> quantize_vector(const std::vector<float>& x, int block, Rounding r,
                                   const std::string& tensor) {
  if (block < 1) throw InputError("tensor '" + tensor + "': block size must be >= 1, got " + std::to_string(block));
  check_fp_environment();
  for (size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]))
      throw InputError("tensor '" + tensor + "': element at index " + std::to_string(i) + " is " +
                       nonfinite_what(x[i]));
  std::vector<Block> out;
  const auto namer = flat_namer();
  for (size_t g = 0; g < x.size(); g += static_cast<size_t>(block)) {
    const int n = static_cast<int>(std::min(x.size() - g, static_cast<size_t>(block)));
    // Zero padding of a short last block does not change the maximum, so only the n real values matter.
    const int s = group_exponent(x.data() + g, n, tensor,
                                 "block " + std::to_string(g / static_cast<size_t>(block)),
                                 static_cast<int64_t>(g), namer);
    const float scale = std::ldexp(1.0f, s);  // 2**shared_exp: exact, 2^-127 is an FP32 subnormal
    Block b;
    b.exp = static_cast<uint8_t>(s + 127);
    b.codes.resize(static_cast<size_t>(n));
    for (int t = 0; t < n; ++t) b.codes[static_cast<size_t>(t)] = quantize_element(x[g + static_cast<size_t>(t)], scale, r);
    out.push_back(std::move(b));
  }
  return out;
}

BfpMatrix quantize_rows(const Eigen::MatrixXf& x, int block, Rounding r, const std::string& tensor) {
  if (block < 1) throw InputError("tensor '" + tensor + "': block size must be >= 1, got " + std::to_string(block));
  check_fp_environment();
  const int rows = static_cast<int>(x.rows()), cols = static_cast<int>(x.cols());
  auto namer = [cols](int64_t flat) {
    const int64_t i = cols ? flat / cols : 0, j = cols ? flat % cols : 0;
    return "element (" + std::to_string(i) + ", " + std::to_string(j) + ") (flat index " + std::to_string(flat) + ")";
  };
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      if (!std::isfinite(x(i, j)))
        throw InputError("tensor '" + tensor + "': " + namer(static_cast<int64_t>(i) * cols + j) + " is " +
                         nonfinite_what(x(i, j)));
  BfpMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.block = block;
  const int kb = m.kblocks();
  m.codes = CodeMatrix::Zero(rows, static_cast<Eigen::Index>(kb) * block);
  m.exps = ExpMatrix::Zero(rows, kb);
  std::vector<float> buf(static_cast<size_t>(block));
  for (int i = 0; i < rows; ++i) {
    for (int b = 0; b < kb; ++b) {
      const int j0 = b * block;
      const int n = std::min(block, cols - j0);
      for (int t = 0; t < n; ++t) buf[static_cast<size_t>(t)] = x(i, j0 + t);
      const int s = group_exponent(buf.data(), n, tensor, "row " + std::to_string(i) + " block " + std::to_string(b),
                                   static_cast<int64_t>(i) * cols + j0, namer);
      const float scale = std::ldexp(1.0f, s);
      m.exps(i, b) = static_cast<uint8_t>(s + 127);
      for (int t = 0; t < n; ++t) m.codes(i, j0 + t) = quantize_element(buf[static_cast<size_t>(t)], scale, r);
    }
  }
  return m;
}

void check_bfp_shape(const BfpMatrix& m, const char* what) {
  if (m.block < 1 || m.rows < 0 || m.cols < 0 || m.codes.rows() != m.rows || m.exps.rows() != m.rows ||
      m.codes.cols() != static_cast<Eigen::Index>(m.kblocks()) * m.block || m.exps.cols() != m.kblocks()) {
    std::ostringstream os;
    os << what << ": inconsistent BfpMatrix (rows " << m.rows << ", cols " << m.cols << ", block " << m.block
       << ", codes " << m.codes.rows() << "x" << m.codes.cols() << ", exps " << m.exps.rows() << "x"
       << m.exps.cols() << ")";
    throw InputError(os.str());
  }
}

Eigen::MatrixXd dequantize(const BfpMatrix& m) {
  check_bfp_shape(m, "dequantize");
  Eigen::MatrixXd d(m.rows, m.cols);
  for (int i = 0; i < m.rows; ++i)
    for (int j = 0; j < m.cols; ++j) d(i, j) = dequantize_value(m.codes(i, j), m.exps(i, j / m.block));
  return d;
}

namespace {

// floor(v / 2^sh) for 0 <= sh <= 126, without shifting a negative value.
i128 asr(i128 v, int sh) { return v >= 0 ? (v >> sh) : ~((~v) >> sh); }

void check_params(const AccParams& ap) {
  if (ap.width < 2 || ap.width > 64 || ap.guard_bits < 0 || ap.guard_bits > 60)
    throw InputError("accumulator parameters out of range: width " + std::to_string(ap.width) + " (2..64), guard_bits " +
                     std::to_string(ap.guard_bits) + " (0..60)");
}

}  // namespace

void acc_add(int64_t& m, int32_t& e, int64_t p, int32_t pe, const AccParams& ap) {
  check_params(ap);
  const int W = ap.width;
  const i128 lo = -(static_cast<i128>(1) << (W - 1)), hi = (static_cast<i128>(1) << (W - 1)) - 1;
  if (pe < 0 || pe > 508 || e < 0 || e > 508)
    throw InputError("acc_add: exponent sum out of range 0..508 (e " + std::to_string(e) + ", pe " + std::to_string(pe) + ")");
  if (m < lo || m > hi) throw InputError("acc_add: accumulator " + std::to_string(m) + " is not a W-bit value");
  // Spec 3.2: p == 0 leaves the accumulator unchanged.
  if (p == 0) return;
  const i128 pm = static_cast<i128>(p) * (static_cast<i128>(1) << ap.guard_bits);  // p * 2^F
  if (pm < lo || pm > hi)
    throw InputError("acc_add: block product " + std::to_string(p) + " * 2^F does not fit the W-bit accumulator");
  const int32_t E = (m == 0) ? pe : std::max(e, pe);
  // (m >>> min(E' - e, W - 1)): when m == 0 the term is 0 whatever the shift (E' - e may then be negative).
  const i128 t1 = (m == 0) ? 0 : asr(m, std::min(E - e, W - 1));
  const i128 t2 = asr(pm, std::min(E - pe, W - 1));
  const i128 sum = t1 + t2;  // W + 1 bits
  m = static_cast<int64_t>(std::clamp(sum, lo, hi));  // sat_W
  e = E;
}

namespace {

// acc_add in 64-bit arithmetic, for W <= 62 and F <= 30 (then p * 2^F, both aligned terms and their sum fit
// int64). The same steps as acc_add; anything acc_add would reject is handed to it, so it throws the same error.
inline void acc_add_fast(int64_t& m, int32_t& e, int32_t p, int32_t pe, const AccParams& ap, int64_t lo, int64_t hi) {
  const int W = ap.width;
  const int64_t pm = static_cast<int64_t>(p) * (int64_t{1} << ap.guard_bits);
  if (pm < lo || pm > hi || m < lo || m > hi || pe < 0 || pe > 508 || e < 0 || e > 508) {
    acc_add(m, e, p, pe, ap);
    return;
  }
  auto asr64 = [](int64_t v, int sh) { return v >= 0 ? (v >> sh) : ~((~v) >> sh); };
  const int32_t E = (m == 0) ? pe : std::max(e, pe);
  const int64_t t1 = (m == 0) ? 0 : asr64(m, std::min(E - e, W - 1));
  const int64_t t2 = asr64(pm, std::min(E - pe, W - 1));
  m = std::clamp(t1 + t2, lo, hi);
  e = E;
}

}  // namespace

void gemm_accumulate_range(const BfpMatrix& a, const BfpMatrix& wt, const AccParams& ap, int kb_begin, int kb_end,
                           AccMatrix& acc) {
  check_bfp_shape(a, "gemm: A");
  check_bfp_shape(wt, "gemm: W^T");
  check_params(ap);
  if (a.block != wt.block)
    throw InputError("gemm: block sizes differ (A " + std::to_string(a.block) + ", W " + std::to_string(wt.block) + ")");
  if (a.cols != wt.cols)
    throw InputError("gemm: K differs (A is " + std::to_string(a.rows) + "x" + std::to_string(a.cols) + ", W^T is " +
                     std::to_string(wt.rows) + "x" + std::to_string(wt.cols) + ")");
  const int M = a.rows, N = wt.rows, KB = a.kblocks(), B = a.block;
  if (B > 65536) throw InputError("gemm: block size " + std::to_string(B) + " above 65536 (block products must fit 32 bits)");
  if (kb_begin < 0 || kb_end < kb_begin || kb_end > KB)
    throw InputError("gemm: K block range [" + std::to_string(kb_begin) + ", " + std::to_string(kb_end) +
                     ") outside [0, " + std::to_string(KB) + ")");
  if (acc.m.size() == 0 && acc.e.size() == 0 && static_cast<int64_t>(M) * N != 0) {
    acc.m.setZero(M, N);
    acc.e.setZero(M, N);
  }
  if (acc.m.rows() != M || acc.m.cols() != N || acc.e.rows() != M || acc.e.cols() != N)
    throw InputError("gemm: accumulator is " + std::to_string(acc.m.rows()) + "x" + std::to_string(acc.m.cols()) +
                     ", expected " + std::to_string(M) + "x" + std::to_string(N));
  const bool fast = ap.width <= 62 && ap.guard_bits <= 30;
  const int64_t lo = fast ? -(int64_t{1} << (ap.width - 1)) : 0, hi = fast ? (int64_t{1} << (ap.width - 1)) - 1 : 0;
  // Loop order i, kb, j: every output still accumulates its K blocks in increasing order (spec 3), and an
  // all-zero A block can be skipped for the whole row of outputs, since a zero product leaves the accumulator
  // unchanged (spec 3.2); this keeps the golden model fast on the sparse operands of training.
  for (int i = 0; i < M; ++i) {
    const int8_t* ar = a.codes.data() + static_cast<Eigen::Index>(i) * a.codes.cols();
    for (int kb = kb_begin; kb < kb_end; ++kb) {
      const int8_t* ab = ar + static_cast<int64_t>(kb) * B;
      bool any = false;
      for (int t = 0; t < B; ++t) any = any || ab[t] != 0;
      if (!any) continue;
      const int32_t ea = static_cast<int32_t>(a.exps(i, kb));
      for (int j = 0; j < N; ++j) {
        const int8_t* wb = wt.codes.data() + static_cast<Eigen::Index>(j) * wt.codes.cols() + static_cast<int64_t>(kb) * B;
        // spec 3.1: exact block dot product (|p| <= B * 2^14 fits int32 for B <= 2^16; check_bfp_shape bounds B)
        int32_t p = 0;
        for (int t = 0; t < B; ++t) p += static_cast<int32_t>(ab[t]) * static_cast<int32_t>(wb[t]);
        if (p == 0) continue;
        const int32_t pe = ea + static_cast<int32_t>(wt.exps(j, kb));
        if (fast)
          acc_add_fast(acc.m(i, j), acc.e(i, j), p, pe, ap, lo, hi);
        else
          acc_add(acc.m(i, j), acc.e(i, j), p, pe, ap);
      }
    }
  }
}

AccMatrix gemm_accumulate(const BfpMatrix& a, const BfpMatrix& wt, const AccParams& ap) {
  AccMatrix acc;
  acc.m.setZero(a.rows, wt.rows);
  acc.e.setZero(a.rows, wt.rows);
  gemm_accumulate_range(a, wt, ap, 0, a.kblocks(), acc);
  return acc;
}

void add_bias(AccMatrix& acc, const BfpMatrix& bias, const AccParams& ap) {
  if (bias.rows != 1 || bias.cols != acc.m.cols() || bias.block < 1)
    throw InputError("add_bias: bias is " + std::to_string(bias.rows) + "x" + std::to_string(bias.cols) +
                     ", expected 1x" + std::to_string(acc.m.cols()));
  for (int j = 0; j < bias.cols; ++j) {
    // Spec 4b: the bias element is the block product b_j * 64 of exponent sum Eb + 127 (a weight of 1.0).
    const int64_t p = int64_t{bias.codes(0, j)} * 64;
    const int32_t pe = int32_t{bias.exps(0, j / bias.block)} + 127;
    for (Eigen::Index i = 0; i < acc.m.rows(); ++i) acc_add(acc.m(i, j), acc.e(i, j), p, pe, ap);
  }
}

BfpMatrix requantize(const AccMatrix& acc, int block, const AccParams& ap, bool relu) {
  check_params(ap);
  if (block < 1) throw InputError("requantize: block size must be >= 1, got " + std::to_string(block));
  if (acc.m.rows() != acc.e.rows() || acc.m.cols() != acc.e.cols())
    throw InputError("requantize: m is " + std::to_string(acc.m.rows()) + "x" + std::to_string(acc.m.cols()) +
                     " but e is " + std::to_string(acc.e.rows()) + "x" + std::to_string(acc.e.cols()));
  const int W = ap.width, F = ap.guard_bits;
  const i128 lo = -(static_cast<i128>(1) << (W - 1)), hi = (static_cast<i128>(1) << (W - 1)) - 1;
  BfpMatrix out;
  out.rows = static_cast<int>(acc.m.rows());
  out.cols = static_cast<int>(acc.m.cols());
  out.block = block;
  const int KB = out.kblocks();
  out.codes = CodeMatrix::Zero(out.rows, static_cast<Eigen::Index>(KB) * block);
  out.exps = ExpMatrix::Zero(out.rows, KB);
  std::vector<int64_t> mv(static_cast<size_t>(block));
  std::vector<int32_t> ev(static_cast<size_t>(block));
  for (int i = 0; i < out.rows; ++i) {
    for (int b = 0; b < KB; ++b) {
      int tmax = std::numeric_limits<int>::min();
      for (int t = 0; t < block; ++t) {
        const int j = b * block + t;
        int64_t m = 0;
        int32_t e = 0;
        if (j < out.cols) {  // columns past N count as zero
          m = acc.m(i, j);
          e = acc.e(i, j);
          if (m < lo || m > hi || e < 0 || e > 508)
            throw InputError("requantize: accumulator (" + std::to_string(i) + ", " + std::to_string(j) +
                             ") = (" + std::to_string(m) + ", " + std::to_string(e) + ") out of range");
        }
        if (relu && m < 0) m = 0;  // 4.1: ReLU before the exponent is chosen
        mv[static_cast<size_t>(t)] = m;
        ev[static_cast<size_t>(t)] = e;
        if (m != 0) {  // 4.2: t_j = e_j + msb(|m_j|)
          const uint64_t u = m < 0 ? uint64_t{0} - static_cast<uint64_t>(m) : static_cast<uint64_t>(m);
          const int msb = 63 - __builtin_clzll(u);
          tmax = std::max(tmax, e + msb);
        }
      }
      if (tmax == std::numeric_limits<int>::min()) continue;  // 4.3: all zero -> zero codes, E = 0
      const int X = std::clamp(tmax - kAccBias - F, -127, 127);
      out.exps(i, b) = static_cast<uint8_t>(X + 127);
      for (int t = 0; t < block; ++t) {
        const int64_t m = mv[static_cast<size_t>(t)];
        if (m == 0) continue;
        const u128 u = m < 0 ? u128{uint64_t{0} - static_cast<uint64_t>(m)} : u128{static_cast<uint64_t>(m)};
        const int s = X + kShiftBias + F - ev[static_cast<size_t>(t)];  // 4.4
        u128 q;
        if (s <= 0) {
          q = (-s >= 8) ? u128{128} : (u << -s);  // u >= 1, so a shift >= 8 is >= 128 (saturates below)
        } else if (s >= 100) {
          q = 0;  // u < 2^64 <= 2^(s-1)
        } else {
          q = (u + (u128{1} << (s - 1))) >> s;  // round to nearest, ties away from zero (on |m|)
        }
        const int qi = static_cast<int>(std::min<u128>(q, 127));
        out.codes(i, b * block + t) = static_cast<int8_t>(m < 0 ? -qi : qi);
      }
    }
  }
  return out;
}

double acc_value(int64_t m, int32_t e, const AccParams& ap) {
  return std::ldexp(static_cast<double>(m), e - kAccBias - ap.guard_bits);
}

ErrorStats compare(const Eigen::MatrixXd& x, const Eigen::MatrixXd& ref) {
  if (x.rows() != ref.rows() || x.cols() != ref.cols())
    throw InputError("compare: result is " + std::to_string(x.rows()) + "x" + std::to_string(x.cols()) +
                     ", reference is " + std::to_string(ref.rows()) + "x" + std::to_string(ref.cols()));
  ErrorStats st;
  double num = 0, den = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double d = x.data()[i] - ref.data()[i];
    num += d * d;
    den += ref.data()[i] * ref.data()[i];
    st.max_abs = std::max(st.max_abs, std::fabs(d));
  }
  st.rel_rms = den > 0 ? std::sqrt(num / den) : 0.0;
  return st;
}

}  // namespace bfp::golden
