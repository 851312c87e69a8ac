#include "sim/gemm.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <random>
#include <sstream>
#include <filesystem>
#include <stdexcept>

#include "golden/npy.h"
#include "golden/sparse.h"

namespace bfp::sim {

// ---- value kinds -----------------------------------------------------------------------------------

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

namespace {

using Rng = std::mt19937_64;

// MaskMode on top of sparsify(): sets more elements of a / wt to 0.0f and marks them in the masks.
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

// Draws a rows x cols FP32 matrix blocked along its columns (the K dimension) with the given kind.
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

uint32_t roundup(uint64_t v, uint64_t a) { return static_cast<uint32_t>((v + a - 1) / a * a); }

std::string bits8(int v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(2) << std::setfill('0') << (v & 0xff) << std::dec << " (" << v << ")";
  return os.str();
}

// Writes the operands and both results as .npy files into `dir` (created if needed).
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

// Issue cycles of every COMPUTE per the documented sparse schedule (GemmResult::seq_slowest/seq_mean).
struct SeqModel {
  uint64_t computes = 0, slowest = 0;
  double mean = 0;
};
SeqModel model_sequencers(const Config& cfg, const GemmLayout& l, const std::vector<Command>& cmds,
                          const golden::BfpMatrix& qa, const golden::BfpMatrix& qw) {
  const int B = cfg.block, R = cfg.rows, G = wgt_skip_groups(cfg), GC = cfg.cols / G;
  SeqModel sm;
  struct Half {
    int m0 = 0, rows = 0, kb0 = 0, count = 0;
    bool sparse = false;
  } half[2];
  int n0 = 0, nrows = 0, wkb0 = 0;
  // wnz[g][k]: element k (within the loaded chunk) has a non-zero loaded weight in column group g
  std::vector<std::vector<uint8_t>> wnz(static_cast<size_t>(G));
  for (const Command& c : cmds) {
    if (c.op == Opcode::LoadAct) {
      Half& h = half[(c.flags & kFlagActBuf) ? 1 : 0];
      h.sparse = (c.flags & kFlagSparse) && cfg.sparse();
      h.rows = c.rows;
      if (h.sparse) {
        h.m0 = int((c.code_addr - l.a_codes) / l.a_stream_stride);
        h.kb0 = 0;
      } else {
        h.m0 = int((c.code_addr - l.a_codes) / l.a_code_stride);
        h.kb0 = int((c.code_addr - l.a_codes) % l.a_code_stride) / B;
      }
      h.count = c.count;
    } else if (c.op == Opcode::LoadWgt) {
      n0 = int((c.code_addr - l.w_codes) / l.a_code_stride);
      wkb0 = int((c.code_addr - l.w_codes) % l.a_code_stride) / B;
      nrows = c.rows;
      for (auto& m : wnz) m.assign(size_t(c.count) * B, 0);
      for (int j = 0; j < nrows; ++j)
        for (size_t k = 0; k < wnz[0].size(); ++k)
          wnz[size_t(j / GC)][k] |= qw.codes(n0 + j, wkb0 * B + int(k)) != 0;
    } else if (c.op == Opcode::Compute) {
      const Half& h = half[(c.flags & kFlagActBuf) ? 1 : 0];
      ++sm.computes;
      uint64_t worst = 0, sum = 0;
      for (int r = 0; r < R; ++r) {
        for (int g = 0; g < G; ++g) {
          const std::vector<uint8_t>& wm = wnz[size_t(g)];
          uint64_t cyc = 0;
          if (!cfg.sparse()) {
            cyc = uint64_t(c.count) * B;
          } else if (r < h.rows) {
            for (int b = 0; b < h.count; ++b) {
              int present = 0, matched = 0;
              for (int t = 0; t < B; ++t) {
                const int k = (h.kb0 + b) * B + t;
                const bool a = !h.sparse || qa.codes(h.m0 + r, k) != 0;
                const bool w = cfg.sparsity != Sparsity::Both || (size_t(b * B + t) < wm.size() && wm[size_t(b * B + t)]);
                present += a;
                matched += a && w;
              }
              if (present) cyc += matched ? uint64_t(matched) : 1;  // empty AND: one idle cycle
            }
          }
          worst = std::max(worst, cyc);
          sum += cyc;
        }
      }
      sm.slowest += worst;
      sm.mean += double(sum) / double(R * G);
    }
  }
  return sm;
}

}  // namespace

int wgt_skip_groups(const Config& cfg) {
  if (cfg.sparsity != Sparsity::Both) return 1;
  return cfg.cols % 4 == 0 ? 4 : cfg.cols % 2 == 0 ? 2 : 1;
}

// ---- layout and command stream ---------------------------------------------------------------------

uint32_t GemmLayout::exp_offset(int b) const {
  return static_cast<uint32_t>((b / chunk_blocks) * exp_chunk_pitch + b % chunk_blocks);
}

GemmLayout layout_gemm(const Config& cfg, int m, int k, int n, bool sparse_a, bool sparse_c) {
  if (m <= 0 || k <= 0 || n <= 0)
    throw std::invalid_argument("GEMM shape must be positive (got M=" + std::to_string(m) + ", K=" + std::to_string(k) +
                                ", N=" + std::to_string(n) + ")");
  const int B = cfg.block;
  const uint64_t beat = static_cast<uint64_t>(cfg.beat_bytes());
  GemmLayout l;
  l.kb = (k + B - 1) / B;
  l.chunk_blocks = std::min(cfg.act_depth, cfg.wgt_depth) / B;
  if (l.chunk_blocks < 1) throw std::invalid_argument("buffers hold less than one block");
  l.chunks = (l.kb + l.chunk_blocks - 1) / l.chunk_blocks;
  // A chunk's exponents must start on a beat (LOAD alignment rule). The documented layout (block b at
  // +b) satisfies that when there is one chunk or chunks hold a multiple of BEAT blocks; otherwise each
  // chunk's exponents start on the next beat (docs/harness.md).
  l.exp_chunk_pitch = (l.chunks == 1 || l.chunk_blocks % beat == 0) ? l.chunk_blocks : roundup(l.chunk_blocks, beat);
  l.a_code_stride = roundup(static_cast<uint64_t>(l.kb) * B, beat);
  l.a_exp_stride = roundup(l.exp_offset(l.kb - 1) + 1ull, beat);
  const int ckb = (n + B - 1) / B;
  l.c_code_stride = roundup(static_cast<uint64_t>(ckb) * B, beat);
  l.c_exp_stride = roundup(ckb, beat);
  l.sparse_a = sparse_a;
  l.sparse_c = sparse_c;
  try {
    if (sparse_a) l.a_stream_stride = roundup(golden::row_stream_layout(l.kb, B, int(beat)).min_row_stride, beat);
    if (sparse_c) l.c_stream_stride = roundup(golden::row_stream_layout(ckb, B, int(beat)).min_row_stride, beat);
  } catch (const golden::InputError& e) {
    throw std::invalid_argument(std::string("compressed row streams: ") + e.what());
  }

  const uint64_t align = std::max<uint64_t>(beat, 256);
  uint64_t at = align;  // keep address 0 unused: a dropped base address shows up as a mismatch
  auto region = [&](uint64_t bytes) {
    const uint64_t start = at;
    at = (at + bytes + align - 1) / align * align;
    return start;
  };
  const uint64_t a_codes = region(uint64_t(m) * (sparse_a ? l.a_stream_stride : l.a_code_stride));
  const uint64_t a_exps = region(sparse_a ? 0 : uint64_t(m) * l.a_exp_stride);
  const uint64_t w_codes = region(uint64_t(n) * l.a_code_stride), w_exps = region(uint64_t(n) * l.a_exp_stride);
  const uint64_t c_codes = region(uint64_t(m) * (sparse_c ? l.c_stream_stride : l.c_code_stride));
  const uint64_t c_exps = region(sparse_c ? 0 : uint64_t(m) * l.c_exp_stride);
  l.bytes = at;
  const uint64_t limit = cfg.addr_width >= 32 ? (uint64_t{1} << 32) : (uint64_t{1} << cfg.addr_width);
  if (l.bytes > limit)
    throw std::invalid_argument("GEMM M=" + std::to_string(m) + " K=" + std::to_string(k) + " N=" + std::to_string(n) +
                                " needs " + std::to_string(l.bytes) + " bytes of memory, more than the " +
                                std::to_string(limit) + " bytes that memory.addr_width=" +
                                std::to_string(cfg.addr_width) + " can address");
  l.a_codes = static_cast<uint32_t>(a_codes);
  l.a_exps = static_cast<uint32_t>(a_exps);
  l.w_codes = static_cast<uint32_t>(w_codes);
  l.w_exps = static_cast<uint32_t>(w_exps);
  l.c_codes = static_cast<uint32_t>(c_codes);
  l.c_exps = static_cast<uint32_t>(c_exps);
  return l;
}

std::string to_string(Schedule s) {
  switch (s) {
    case Schedule::Auto: return "auto";
    case Schedule::Output: return "output";
    case Schedule::Weight: return "weight";
  }
  return "?";
}

Schedule parse_schedule(const std::string& s) {
  for (Schedule x : {Schedule::Auto, Schedule::Output, Schedule::Weight})
    if (to_string(x) == s) return x;
  throw std::invalid_argument("unknown schedule '" + s + "' (one of: auto, output, weight)");
}

Schedule resolve_schedule(const Config& cfg, const GemmLayout& l, int n, Schedule want) {
  const bool weight_ok = l.chunks == 1 && (cfg.cols % cfg.block == 0 || n <= cfg.cols) && !l.sparse_c;
  if (want == Schedule::Weight && !weight_ok)
    throw std::invalid_argument(l.sparse_c ? "compressed output rows need the output-stationary (M-outer) schedule"
                                           : "the weight-stationary schedule needs K <= the buffer depth and "
                                             "C % B == 0 or N <= C");
  if (want == Schedule::Auto) return weight_ok ? Schedule::Weight : Schedule::Output;
  return want;
}

// Both schedules are a list of units (one COMPUTE each, plus the loads it needs and the DRAIN/STORE
// that follow it). Activation loads alternate between the two halves and are issued right after the
// previous unit's COMPUTE, so they overlap it (the hardware's hazard checks keep this safe); weight
// loads are single-buffered and come right before their COMPUTE.
std::vector<Command> gemm_commands(const Config& cfg, const GemmLayout& l, int m, int n, bool relu,
                                   Schedule schedule, int prune) {
  const int R = cfg.rows, C = cfg.cols, B = cfg.block;
  schedule = resolve_schedule(cfg, l, n, schedule);
  struct Unit {
    int m0, n0, kc;
    bool load_a, load_w, clear, drain;
    int drain_offset;
    bool store;
    int store_col;  // first output column in the accumulator buffer
    int store_valid;
  };
  std::vector<Unit> units;
  if (schedule == Schedule::Output) {
    for (int m0 = 0; m0 < m; m0 += R) {
      int buf_base = 0;  // output column held by accumulator-buffer column 0
      for (int n0 = 0; n0 < n; n0 += C) {
        for (int kc = 0; kc < l.chunks; ++kc) {
          Unit u{m0, n0, kc, l.chunks > 1 || (n0 == 0 && kc == 0), true, kc == 0, kc == l.chunks - 1,
                 n0 - buf_base, false, buf_base, 0};
          if (u.drain && (n0 + C - buf_base == cfg.acc_cols || n0 + C >= n)) {
            u.store = true;
            u.store_valid = std::min(n - buf_base, cfg.acc_cols);
            buf_base += cfg.acc_cols;
          }
          units.push_back(u);
        }
      }
    }
  } else {
    for (int n0 = 0; n0 < n; n0 += C)
      for (int m0 = 0; m0 < m; m0 += R)
        units.push_back(Unit{m0, n0, 0, true, m0 == 0, true, true, 0, true, n0, std::min(C, n - n0)});
  }

  std::vector<Command> cmds;
  auto chunk_count = [&](int kc) { return std::min(l.chunk_blocks, l.kb - kc * l.chunk_blocks); };
  auto load = [&](Opcode op, uint32_t codes, uint32_t exps, int row0, int rows, int kc, int half) {
    Command c;
    c.op = op;
    c.flags = half ? kFlagActBuf : 0;
    c.rows = static_cast<uint16_t>(rows);
    c.code_addr = codes + row0 * l.a_code_stride + static_cast<uint32_t>(kc * l.chunk_blocks * B);
    c.exp_addr = exps + row0 * l.a_exp_stride + static_cast<uint32_t>(kc * l.exp_chunk_pitch);
    c.code_stride = l.a_code_stride;
    c.exp_stride = l.a_exp_stride;
    c.count = static_cast<uint16_t>(chunk_count(kc));
    cmds.push_back(c);
  };
  int next_half = 0;
  std::vector<int> half(units.size(), 0);
  auto load_a = [&](size_t i) {
    const Unit& u = units[i];
    half[i] = next_half;
    next_half ^= 1;
    if (!l.sparse_a) {
      load(Opcode::LoadAct, l.a_codes, l.a_exps, u.m0, std::min(R, m - u.m0), u.kc, half[i]);
      return;
    }
    Command c;  // row streams: the whole row (one K chunk), exponents inside the stream
    c.op = Opcode::LoadAct;
    c.flags = static_cast<uint8_t>(kFlagSparse | (half[i] ? kFlagActBuf : 0));
    c.rows = static_cast<uint16_t>(std::min(R, m - u.m0));
    c.code_addr = l.a_codes + static_cast<uint32_t>(u.m0) * l.a_stream_stride;
    c.code_stride = l.a_stream_stride;
    c.count = static_cast<uint16_t>(l.kb);
    cmds.push_back(c);
  };
  load_a(0);
  for (size_t i = 0; i < units.size(); ++i) {
    const Unit& u = units[i];
    if (!u.load_a) half[i] = half[i - 1];
    if (u.load_w) load(Opcode::LoadWgt, l.w_codes, l.w_exps, u.n0, std::min(C, n - u.n0), u.kc, 0);
    Command c;
    c.op = Opcode::Compute;
    c.flags = static_cast<uint8_t>((u.clear ? kFlagClear : 0) | (half[i] ? kFlagActBuf : 0));
    c.count = static_cast<uint16_t>(chunk_count(u.kc));
    cmds.push_back(c);
    if (i + 1 < units.size() && units[i + 1].load_a) load_a(i + 1);  // prefetch into the other half
    if (u.drain) {
      Command d;
      d.op = Opcode::Drain;
      d.col_offset = static_cast<uint16_t>(u.drain_offset);
      cmds.push_back(d);
    }
    if (u.store) {
      Command s;
      s.op = Opcode::Store;
      s.flags = relu ? kFlagRelu : 0;
      s.rows = static_cast<uint16_t>(std::min(R, m - u.m0));
      s.code_addr = l.c_codes + u.m0 * l.c_code_stride + static_cast<uint32_t>(u.store_col);
      s.exp_addr = l.c_exps + u.m0 * l.c_exp_stride + static_cast<uint32_t>(u.store_col / B);
      s.code_stride = l.c_code_stride;
      s.exp_stride = l.c_exp_stride;
      s.count = static_cast<uint16_t>((u.store_valid + B - 1) / B);
      s.valid_cols = static_cast<uint16_t>(u.store_valid);
      s.prune = static_cast<uint8_t>(prune);
      if (l.sparse_c) {  // append to the rows' streams; FIRST on a row's first window, LAST on its last
        s.flags |= kFlagSparse;
        if (u.store_col == 0) s.flags |= kFlagFirst;
        if (u.store_col + u.store_valid >= n) s.flags |= kFlagLast;
        s.code_addr = l.c_codes + static_cast<uint32_t>(u.m0) * l.c_stream_stride;
        s.code_stride = l.c_stream_stride;
        s.exp_addr = 0;
        s.exp_stride = 0;
        s.row_blocks = static_cast<uint16_t>((n + B - 1) / B);
      }
      cmds.push_back(s);
    }
  }
  return cmds;
}

void check_gemm_spec(const Config& cfg, const GemmSpec& s) {
  if (s.prune < 0 || s.prune > 255) throw std::invalid_argument("prune threshold must be 0..255");
  if (!(s.act_sparsity >= 0.0 && s.act_sparsity <= 1.0) || !(s.wgt_sparsity >= 0.0 && s.wgt_sparsity <= 1.0))
    throw std::invalid_argument("activation and weight sparsity must be fractions in [0, 1]");
  if ((s.sparse_a || s.sparse_c) && !cfg.sparse())
    throw std::invalid_argument("compressed row streams need a config with sparsity (activations or both)");
  const GemmLayout l = layout_gemm(cfg, s.m, s.k, s.n, s.sparse_a, s.sparse_c);
  if (s.sparse_a && l.chunks > 1)
    throw std::invalid_argument("compressed activations need the whole row in the buffer (K <= " +
                                std::to_string(l.chunk_blocks * cfg.block) + ")");
  if (s.sparse_a && 4 + (l.kb + 7) / 8 > cfg.beat_bytes())
    throw std::invalid_argument("compressed activations: header and level-1 mask must fit one memory beat");
  if (l.bytes > kMaxSimMemoryBytes)
    throw std::invalid_argument("GEMM M=" + std::to_string(s.m) + " K=" + std::to_string(s.k) + " N=" +
                                std::to_string(s.n) + " needs " + std::to_string(l.bytes) +
                                " bytes of memory, more than the simulator's limit of " +
                                std::to_string(kMaxSimMemoryBytes));
  if (!(s.stall >= 0.0 && s.stall < 1.0)) throw std::invalid_argument("stall probability must be in [0, 1)");
  if (s.latency < 1) throw std::invalid_argument("memory latency must be >= 1 cycle");
  if (s.warmup < 0) throw std::invalid_argument("warm-up runs must be >= 0");
  if (!(s.bandwidth > 0.0 && s.bandwidth <= 1.0)) throw std::invalid_argument("bandwidth must be in (0, 1]");
  resolve_schedule(cfg, l, s.n, s.schedule);
}

bool default_sparse_a(const Config& cfg, const GemmSpec& s, std::string* why) {
  if (why) why->clear();
  if (!(s.act_sparsity > 0.0) && s.mask == MaskMode::None) return false;
  if (!cfg.sparse()) {
    if (why) *why = "config '" + cfg.name + "' has sparsity: none";
    return false;
  }
  GemmSpec t = s;
  t.sparse_a = true;
  try {
    check_gemm_spec(cfg, t);
  } catch (const std::invalid_argument& e) {
    if (why) *why = e.what();
    return false;
  }
  return true;
}

// ---- run -------------------------------------------------------------------------------------------

std::string repro_command(const Config& cfg, const GemmSpec& s) {
  std::ostringstream os;
  os << "build/bfpgen gemm --config " << (cfg.source_path.empty() ? "<config.yaml>" : cfg.source_path)
     << " --m " << s.m << " --k " << s.k << " --n " << s.n << " --seed " << s.seed << " --values "
     << to_string(s.values);
  if (s.relu) os << " --relu";
  if (s.stall > 0) os << " --stall " << s.stall;
  os << " --latency " << s.latency;
  if (s.bandwidth != 1.0) os << " --bandwidth " << s.bandwidth;
  if (s.schedule != Schedule::Auto) os << " --schedule " << to_string(s.schedule);
  if (s.warmup) os << " --warmup " << s.warmup;
  if (s.prune) os << " --prune " << s.prune;
  if (s.act_sparsity > 0) os << " --act-sparsity " << s.act_sparsity;
  if (s.wgt_sparsity > 0) os << " --wgt-sparsity " << s.wgt_sparsity;
  if ((s.act_sparsity > 0 || s.wgt_sparsity > 0) && s.sparsity_pattern != SparsityPattern::Random)
    os << " --sparsity-pattern " << to_string(s.sparsity_pattern);
  if (s.mask != MaskMode::None) os << " --mask " << to_string(s.mask);
  if (s.sparse_a) os << " --sparse-a";
  else if (s.act_sparsity > 0 || s.mask != MaskMode::None) os << " --dense-a";  // explicit: the CLI default would compress
  if (s.sparse_c) os << " --sparse-c";
  return os.str();
}

GemmResult run_gemm(const Config& cfg, const GemmSpec& spec) { return run_gemm(load_model(cfg), spec); }

GemmResult run_gemm(const std::shared_ptr<Model>& model, const GemmSpec& spec) {
  const Config& cfg = model->config();
  const int B = cfg.block, M = spec.m, K = spec.k, N = spec.n;
  check_gemm_spec(cfg, spec);
  const GemmLayout l = layout_gemm(cfg, M, K, N, spec.sparse_a, spec.sparse_c);
  const golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const int ckb = (N + B - 1) / B;

  MemConfig mc;
  mc.size_bytes = l.bytes;
  mc.beat_bytes = cfg.beat_bytes();
  mc.latency = spec.latency;
  mc.bandwidth = spec.bandwidth;
  mc.stall = spec.stall;
  mc.seed = spec.seed * 0x2545f4914f6cdd1dull + 1;
  DriverOptions dopt;
  dopt.cmd_stall = spec.stall;
  dopt.seed = spec.seed * 0x9e3779b97f4a7c15ull + 7;
  // longest legal stretch without a handshake: one COMPUTE over a full buffer, or one memory latency
  dopt.max_idle = 2000 + 4 * uint64_t(std::max(cfg.act_depth, cfg.wgt_depth)) + 4 * uint64_t(spec.latency);
  Driver drv(model, mc, dopt);  // resets the model once; warm-up runs leave their state behind
  MemModel& mem = drv.mem();
  mem.add_region("A", l.a_codes, l.w_codes);
  mem.add_region("W", l.w_codes, l.c_codes);
  mem.add_region("C", l.c_codes, l.bytes);

  GemmResult res;
  res.schedule = resolve_schedule(cfg, l, N, spec.schedule);
  // Warm-up runs (different operands, ReLU flipped) go first on the same driver without a reset; the
  // last run is the one with spec.seed, whose cycles are reported. Every run is compared.
  for (int run = 0; run <= spec.warmup; ++run) {
    const bool final_run = run == spec.warmup;
    const uint64_t seed = final_run ? spec.seed : spec.seed + 0x5bd1e995ull * uint64_t(run + 1);
    const bool relu = final_run ? spec.relu : !spec.relu;

    // operands and golden result
    Rng rng(seed);
    Eigen::MatrixXf a = draw(M, K, B, spec.values, rng);
    Eigen::MatrixXf wt = draw(N, K, B, spec.values, rng);
    // operand sparsity: zero masks from their own generator (the values above do not depend on it)
    std::vector<uint8_t> a_mask, w_mask;
    if (spec.act_sparsity > 0 || spec.wgt_sparsity > 0 || spec.mask != MaskMode::None) {
      Rng mrng(seed * 0xd1b54a32d192ed03ull + 0x8bb84b93962eacc9ull);
      a_mask = sparsify(a, B, spec.act_sparsity, spec.sparsity_pattern, mrng);
      w_mask = sparsify(wt, B, spec.wgt_sparsity, spec.sparsity_pattern, mrng);
      apply_mask_mode(spec.mask, a, wt, B, cfg.cols, a_mask, w_mask, mrng);
    }
    const golden::BfpMatrix qa = golden::quantize_rows(a, B, golden::Rounding::Away, "A");
    const golden::BfpMatrix qw = golden::quantize_rows(wt, B, golden::Rounding::Away, "W");
    // zeros must survive quantization (an exact 0.0f always quantizes to code 0; checked, not assumed)
    auto forced = [&](const std::vector<uint8_t>& mask, const golden::BfpMatrix& q, const char* name) {
      uint64_t count = 0;
      for (uint64_t i = 0; i < mask.size(); ++i) {
        if (!mask[i]) continue;
        ++count;
        const int r = int(i / uint64_t(q.cols)), c = int(i % uint64_t(q.cols));
        if (q.codes(r, c) != 0)
          throw std::logic_error(std::string("sparsify: ") + name + "[" + std::to_string(r) + "][" +
                                 std::to_string(c) + "] was set to zero but quantized to code " +
                                 std::to_string(q.codes(r, c)));
      }
      return count;
    };
    const uint64_t a_forced = forced(a_mask, qa, "A"), w_forced = forced(w_mask, qw, "W");
    const golden::AccMatrix acc = golden::gemm_accumulate(qa, qw, ap);
    const golden::BfpMatrix gc = golden::requantize_pruned(acc, B, ap, relu, spec.prune);

    // memory image; the output is poisoned so that anything the RTL fails to write is a mismatch
    const uint64_t c_code_bytes = uint64_t(M) * (l.sparse_c ? l.c_stream_stride : l.c_code_stride);
    const uint64_t c_exp_bytes = l.sparse_c ? 0 : uint64_t(M) * l.c_exp_stride;
    std::vector<uint8_t> poison(std::max(c_code_bytes, c_exp_bytes), 0xa5);
    mem.write(l.c_codes, poison.data(), c_code_bytes);
    mem.write(l.c_exps, poison.data(), c_exp_bytes);
    auto put = [&](const golden::BfpMatrix& q, uint32_t codes, uint32_t exps) {
      for (int r = 0; r < q.rows; ++r) {
        mem.write(codes + uint64_t(r) * l.a_code_stride, q.codes.row(r).data(), uint64_t(l.kb) * B);
        for (int b = 0; b < l.kb; ++b) {
          const uint8_t e = q.exps(r, b);
          mem.write(exps + uint64_t(r) * l.a_exp_stride + l.exp_offset(b), &e, 1);
        }
      }
    };
    if (l.sparse_a) {
      const std::vector<uint8_t> streams = golden::encode_rows(qa, cfg.beat_bytes(), l.a_stream_stride);
      mem.write(l.a_codes, streams.data(), streams.size());
    } else {
      put(qa, l.a_codes, l.a_exps);
    }
    put(qw, l.w_codes, l.w_exps);

    // snapshot: after the run only the output blocks may differ from it
    std::vector<uint8_t> before(mem.data(), mem.data() + mem.size());

    // run
    drv.clear_stats();
    const MemStats mem0 = mem.stats();
    const std::vector<MemRegion> regions0 = mem.regions();
    const std::vector<Command> cmds = gemm_commands(cfg, l, M, N, relu, res.schedule, spec.prune);
    for (const auto& c : cmds) drv.issue(c);
    const auto t0 = std::chrono::steady_clock::now();
    drv.run();
    res.sim_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // read back and compare bit for bit (padding codes of the last block included)
    golden::BfpMatrix rc;
    rc.rows = M;
    rc.cols = N;
    rc.block = B;
    rc.codes = golden::CodeMatrix::Zero(M, ckb * B);
    rc.exps = golden::ExpMatrix::Zero(M, ckb);
    if (l.sparse_c) {
      try {  // validates the streams completely; a corrupt one is a mismatch, reported with the reason
        rc = golden::decode_rows(mem.data() + l.c_codes, c_code_bytes, M, N, B, cfg.beat_bytes(), l.c_stream_stride);
        // the defined bytes of every row stream, bit for bit against the golden encoder (masks included)
        const std::vector<uint8_t> want = golden::encode_rows(gc, cfg.beat_bytes(), l.c_stream_stride);
        const golden::RowStreamLayout L = golden::row_stream_layout(ckb, B, cfg.beat_bytes());
        const uint8_t* got = mem.data() + l.c_codes;
        for (int r = 0; r < M; ++r) {
          const size_t row = size_t(r) * l.c_stream_stride;
          const size_t nnzb = size_t(want[row]) | size_t(want[row + 1]) << 8;
          const size_t nnz = size_t(want[row + 2]) | size_t(want[row + 3]) << 8;
          const struct {
            const char* name;
            size_t off, len;
          } segs[] = {{"header", 0, 4},
                      {"level 1", 4, size_t(ckb + 7) / 8},
                      {"level 2", L.off_l2, nnzb * size_t(B) / 8},
                      {"exponents", L.off_exp, nnzb},
                      {"codes", L.off_codes, nnz}};
          for (const auto& sg : segs)
            for (size_t i = 0; i < sg.len; ++i) {
              const size_t at = row + sg.off + i;
              if (want[at] == got[at]) continue;
              if (res.stream_byte_mismatches++ == 0) {
                std::ostringstream os;
                if (!final_run) os << "warm-up run " << run << ": ";
                os << "output row " << r << " stream, " << sg.name << " byte " << i << " (row offset " << sg.off + i
                   << "): golden encoder " << bits8(want[at]) << ", RTL " << bits8(got[at]);
                res.first_stream_byte_mismatch = os.str();
              }
            }
        }
      } catch (const golden::InputError& e) {
        ++res.code_mismatches;
        std::string why = std::string("the RTL's compressed output does not decode: ") + e.what();
        if (!final_run) why = "warm-up run " + std::to_string(run) + ": " + why;
        if (res.stream_error.empty()) res.stream_error = why;
        if (res.first_mismatch.empty()) res.first_mismatch = why;
      }
    } else {
      for (int r = 0; r < M; ++r) {
        mem.read(l.c_codes + uint64_t(r) * l.c_code_stride, rc.codes.row(r).data(), uint64_t(ckb) * B);
        mem.read(l.c_exps + uint64_t(r) * l.c_exp_stride, rc.exps.row(r).data(), uint64_t(ckb));
      }
    }
    for (int r = 0; r < M; ++r) {
      for (int c = 0; c < ckb * B; ++c) {
        const int want = gc.codes(r, c), got = rc.codes(r, c);
        const int bw = gc.exps(r, c / B), bg = rc.exps(r, c / B);
        const bool exp_bad = (c % B == 0) && bw != bg;
        if (want != got) ++res.code_mismatches;
        if (exp_bad) ++res.exp_mismatches;
        if ((want != got || exp_bad) && res.first_mismatch.empty()) {
          std::ostringstream os;
          if (!final_run) os << "warm-up run " << run << " (seed " << seed << ", relu " << relu << "): ";
          os << "C[" << r << "][" << c << "]" << (c >= N ? " (padding)" : "") << ": code expected " << bits8(want)
             << " got " << bits8(got) << "; block " << c / B << " exponent expected " << bw << " got " << bg
             << " (accumulator m=" << (c < N ? acc.m(r, c) : 0) << " e=" << (c < N ? acc.e(r, c) : 0) << ")";
          res.first_mismatch = os.str();
        }
      }
    }
    // stray writes: any byte outside the output blocks that changed
    for (uint64_t addr = 0; addr < mem.size(); ++addr) {
      if (mem.data()[addr] == before[addr]) continue;
      bool output = false;
      if (l.sparse_c)
        output = addr >= l.c_codes && addr < l.c_codes + c_code_bytes;  // the whole stream region
      else if (addr >= l.c_codes && addr < l.c_codes + uint64_t(M) * l.c_code_stride)
        output = (addr - l.c_codes) % l.c_code_stride < uint64_t(ckb) * B;
      else if (addr >= l.c_exps && addr < l.c_exps + uint64_t(M) * l.c_exp_stride)
        output = (addr - l.c_exps) % l.c_exp_stride < uint64_t(ckb);
      if (output) continue;
      if (res.stray_writes++ == 0) {
        std::ostringstream os;
        if (!final_run) os << "warm-up run " << run << ": ";
        os << "byte 0x" << std::hex << addr << std::dec << " outside the output blocks changed from "
           << bits8(before[addr]) << " to " << bits8(mem.data()[addr]);
        res.first_stray_write = os.str();
      }
    }
    if (!final_run) continue;

    // cycles of the final run
    const CycleStats& st = drv.stats();
    res.cycles = cycle_breakdown(cfg, st);
    res.commands = st.commands;
    res.macs = uint64_t(M) * uint64_t(N) * uint64_t(K);
    const double pes = double(cfg.rows) * double(cfg.cols);
    res.mac_util = st.total ? double(res.macs) / (pes * double(st.total)) : 0.0;
    res.onchip_util = st.compute_busy ? double(res.macs) / (pes * double(st.compute_busy)) : 0.0;
    res.read_beats = mem.stats().read_beats - mem0.read_beats;
    res.write_beats = mem.stats().write_beats - mem0.write_beats;

    // bytes over the memory port, split by region (A, W^T, C: layout_gemm places them in that order)
    const uint64_t beat = uint64_t(cfg.beat_bytes());
    res.read_bytes = res.read_beats * beat;
    res.write_bytes = res.write_beats * beat;
    res.write_strobe_bytes = mem.stats().write_strobe_bytes - mem0.write_strobe_bytes;
    auto region_delta = [&](const char* name, bool write) -> uint64_t {
      for (size_t i = 0; i < mem.regions().size(); ++i)
        if (mem.regions()[i].name == name)
          return write ? mem.regions()[i].write_beats - regions0[i].write_beats
                       : mem.regions()[i].read_beats - regions0[i].read_beats;
      return 0;
    };
    res.act_read_bytes = region_delta("A", false) * beat;
    res.wgt_read_bytes = region_delta("W", false) * beat;
    res.out_write_bytes = region_delta("C", true) * beat;
    uint64_t act_blocks_loaded = 0;
    for (const Command& c : cmds)
      if (c.op == Opcode::LoadAct) act_blocks_loaded += uint64_t(c.rows) * c.count;
    res.act_loads = static_cast<int>(act_blocks_loaded / (uint64_t(M) * uint64_t(l.kb)));

    const SeqModel sm = model_sequencers(cfg, l, cmds, qa, qw);
    res.computes = sm.computes;
    res.seq_slowest = sm.slowest;
    res.seq_mean = sm.mean;

    // sparsity: useful (matched non-zero) products, achieved sparsity, compression of A and C
    std::vector<uint64_t> a_nz(size_t(K), 0), w_nz(size_t(K), 0);
    uint64_t a_zero = 0, w_zero = 0;
    for (int r = 0; r < M; ++r)
      for (int k = 0; k < K; ++k) {
        const bool nz = qa.codes(r, k) != 0;
        a_nz[size_t(k)] += nz;
        a_zero += !nz;
      }
    for (int r = 0; r < N; ++r)
      for (int k = 0; k < K; ++k) {
        const bool nz = qw.codes(r, k) != 0;
        w_nz[size_t(k)] += nz;
        w_zero += !nz;
      }
    res.useful_macs = 0;
    for (int k = 0; k < K; ++k) res.useful_macs += a_nz[size_t(k)] * w_nz[size_t(k)];
    res.useful_util = st.total ? double(res.useful_macs) / (pes * double(st.total)) : 0.0;
    res.act_forced_zeros = a_forced;
    res.wgt_forced_zeros = w_forced;
    res.act_zero_codes = a_zero;
    res.wgt_zero_codes = w_zero;
    res.act_sparsity = double(a_zero) / (double(M) * double(K));
    res.wgt_sparsity = double(w_zero) / (double(N) * double(K));
    auto zero_fraction = [&](const golden::BfpMatrix& q) {
      uint64_t z = 0;
      for (int r = 0; r < q.rows; ++r)
        for (int c = 0; c < q.cols; ++c) z += q.codes(r, c) == 0;
      return double(z) / (double(q.rows) * double(q.cols));
    };
    res.out_sparsity = zero_fraction(gc);
    res.out_sparsity_unpruned =
        spec.prune ? zero_fraction(golden::requantize_pruned(acc, B, ap, relu, 0)) : res.out_sparsity;
    try {  // the format needs B >= 8
      res.act_compression = golden::compression_stats(qa, cfg.beat_bytes());
      res.out_compression = golden::compression_stats(gc, cfg.beat_bytes());
      res.act_compression_valid = true;
    } catch (const golden::InputError&) {
      res.act_compression_valid = false;
    }

    // accuracy against the unquantized operands
    Eigen::MatrixXd ref = a.cast<double>() * wt.cast<double>().transpose();
    if (relu) ref = ref.cwiseMax(0.0);
    res.err_rtl = golden::compare(golden::dequantize(rc), ref);
    res.err_golden = golden::compare(golden::dequantize(gc), ref);

    res.out_rtl = rc;
    if (!spec.dump_dir.empty()) dump_gemm(spec.dump_dir, a, wt, qa, qw, gc, rc, ref);
  }
  res.bit_exact = res.code_mismatches == 0 && res.exp_mismatches == 0 && res.stray_writes == 0 &&
                  res.stream_byte_mismatches == 0;
  if (res.first_mismatch.empty() && res.stray_writes) res.first_mismatch = "stray write: " + res.first_stray_write;
  if (res.first_mismatch.empty() && res.stream_byte_mismatches)
    res.first_mismatch = "compressed output: " + res.first_stream_byte_mismatch;
  return res;
}

CycleBreakdown cycle_breakdown(const Config& cfg, const CycleStats& st) {
  CycleBreakdown cb;
  cb.total = st.total;
  if (!cfg.sparse()) {
    cb.compute_stream = std::min(st.compute_stream, st.compute);
    cb.pipeline = st.compute_overhead();
  } else {
    // zero skipping: issue cycles are data-dependent and not visible at the ports; count all as compute
    cb.compute_stream = st.compute;
    cb.pipeline = 0;
  }
  cb.store = st.store;
  cb.load_act = st.load_act;
  cb.load_wgt = st.load_wgt;
  cb.dispatch = st.dispatch;
  cb.idle = st.idle;
  cb.load_busy = st.load_busy;
  cb.compute_busy = st.compute_busy;
  cb.store_busy = st.store_busy;
  return cb;
}

}  // namespace bfp::sim
