#include "sim/layer_io.h"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "golden/sparse.h"

namespace bfp::sim {

namespace {

std::string bits8(int v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(2) << std::setfill('0') << (v & 0xff) << std::dec << " (" << v << ")";
  return os.str();
}

}  // namespace

bool sparse_a_ok(const Config& cfg, int k) {
  if (!cfg.sparse() || k < 1) return false;
  const int kb = (k + cfg.block - 1) / cfg.block;
  const int chunk_blocks = std::min(cfg.act_depth, cfg.wgt_depth) / cfg.block;
  if (kb > chunk_blocks) return false;
  if (4 + (kb + 7) / 8 > cfg.beat_bytes()) return false;
  try {
    golden::row_stream_layout(kb, cfg.block, cfg.beat_bytes());
  } catch (const golden::InputError&) {
    return false;
  }
  return true;
}

bool sparse_c_ok(const Config& cfg, int n) {
  if (!cfg.sparse() || n < 1) return false;
  try {
    golden::row_stream_layout((n + cfg.block - 1) / cfg.block, cfg.block, cfg.beat_bytes());
  } catch (const golden::InputError&) {
    return false;
  }
  return true;
}

MemConfig operand_mem_config(const Config& cfg, uint64_t bytes, uint64_t seed, double stall, int latency,
                             double bandwidth) {
  MemConfig mc;
  mc.size_bytes = bytes;
  mc.beat_bytes = cfg.beat_bytes();
  mc.latency = latency;
  mc.bandwidth = bandwidth;
  mc.stall = stall;
  mc.seed = seed * 0x2545f4914f6cdd1dull + 1;
  return mc;
}

DriverOptions operand_driver_options(const Config& cfg, uint64_t seed, double stall, int latency) {
  DriverOptions d;
  d.cmd_stall = stall;
  d.seed = seed * 0x9e3779b97f4a7c15ull + 7;
  // as run_gemm: the longest legal stretch without a handshake is one COMPUTE over a full buffer or one latency
  d.max_idle = 2000 + 4 * uint64_t(std::max(cfg.act_depth, cfg.wgt_depth)) + 4 * uint64_t(std::max(latency, 1));
  return d;
}

bool chained_layout(const Config& cfg, const GemmLayout& prev, int m, int k, int n, GemmLayout* out, bool sparse_c) {
  if (prev.sparse_c) return false;
  GemmLayout l = layout_gemm(cfg, m, k, n, false, sparse_c);
  if (l.a_code_stride != prev.c_code_stride || l.a_exp_stride != prev.c_exp_stride) return false;
  const uint64_t lo = prev.c_codes;
  const uint64_t hi = std::max(uint64_t(prev.c_codes) + uint64_t(m) * prev.c_code_stride,
                               uint64_t(prev.c_exps) + uint64_t(m) * prev.c_exp_stride);
  // W^T and C keep their relative placement; they move as one span
  const uint64_t span = l.bytes - l.w_codes;
  const uint64_t align = std::max<uint64_t>(uint64_t(cfg.beat_bytes()), 256);
  const uint64_t base = (align + span <= lo) ? align : (hi + align - 1) / align * align;
  const uint64_t shift = base - l.w_codes;
  l.w_codes = static_cast<uint32_t>(l.w_codes + shift);
  l.w_exps = static_cast<uint32_t>(l.w_exps + shift);
  l.c_codes = static_cast<uint32_t>(l.c_codes + shift);
  l.c_exps = static_cast<uint32_t>(l.c_exps + shift);
  l.a_codes = prev.c_codes;
  l.a_exps = prev.c_exps;
  l.bytes = std::max(hi, base + span);
  const uint64_t limit = cfg.addr_width >= 32 ? (uint64_t{1} << 32) : (uint64_t{1} << cfg.addr_width);
  if (l.bytes > limit) return false;
  *out = l;
  return true;
}

OperandGemmResult run_gemm_operands(Driver& drv, const golden::BfpMatrix& a, const golden::BfpMatrix& wt,
                                    const golden::BfpMatrix& expected, const OperandGemmOptions& o) {
  const Config& cfg = drv.config();
  const int B = cfg.block, M = a.rows, K = a.cols, N = wt.rows;
  if (a.block != B || wt.block != B || expected.block != B)
    throw std::invalid_argument("operands must be blocked with the config's block size " + std::to_string(B));
  if (wt.cols != K)
    throw std::invalid_argument("A is " + std::to_string(M) + " x " + std::to_string(K) + " but W^T is " +
                                std::to_string(wt.rows) + " x " + std::to_string(wt.cols));
  if (expected.rows != M || expected.cols != N)
    throw std::invalid_argument("expected output is " + std::to_string(expected.rows) + " x " +
                                std::to_string(expected.cols) + ", not " + std::to_string(M) + " x " +
                                std::to_string(N));
  if (o.sparse_a && !sparse_a_ok(cfg, K))
    throw std::invalid_argument("compressed activations do not apply to K=" + std::to_string(K) + " on this config");
  if (o.sparse_c && !sparse_c_ok(cfg, N))
    throw std::invalid_argument("compressed outputs do not apply to N=" + std::to_string(N) + " on this config");
  if (o.prune < 0 || o.prune > 255) throw std::invalid_argument("prune threshold must be 0..255");
  if (o.a_resident && (!o.layout || o.sparse_a))
    throw std::invalid_argument("an A read in place needs a layout (chained_layout) and a dense load");
  const GemmLayout l = o.layout ? *o.layout : layout_gemm(cfg, M, K, N, o.sparse_a, o.sparse_c);
  MemModel& mem = drv.mem();
  if (l.bytes > mem.size())
    throw std::invalid_argument("GEMM M=" + std::to_string(M) + " K=" + std::to_string(K) + " N=" + std::to_string(N) +
                                " needs " + std::to_string(l.bytes) + " bytes, the driver's memory has " +
                                std::to_string(mem.size()));
  const int ckb = (N + B - 1) / B;

  OperandGemmResult res;
  res.schedule = resolve_schedule(cfg, l, N, o.sparse_c ? Schedule::Output : o.schedule);

  // memory image: operands, output region poisoned so that anything the RTL fails to write is a mismatch
  const uint64_t c_code_bytes = uint64_t(M) * (l.sparse_c ? l.c_stream_stride : l.c_code_stride);
  const uint64_t c_exp_bytes = l.sparse_c ? 0 : uint64_t(M) * l.c_exp_stride;
  std::vector<uint8_t> poison(std::max(c_code_bytes, c_exp_bytes), 0xa5);
  if (l.sparse_c) {
    mem.write(l.c_codes, poison.data(), c_code_bytes);
  } else {
    // the output blocks poisoned, the rest of each row zero: a later GEMM may read this C in place as its A,
    // and its rows must then look exactly like rows the host writes (padding zero)
    std::vector<uint8_t> row(std::max(l.c_code_stride, l.c_exp_stride), 0);
    std::fill(row.begin(), row.begin() + std::min<uint64_t>(row.size(), uint64_t(ckb) * B), 0xa5);
    for (int r = 0; r < M; ++r) mem.write(l.c_codes + uint64_t(r) * l.c_code_stride, row.data(), l.c_code_stride);
    std::fill(row.begin(), row.end(), 0);
    std::fill(row.begin(), row.begin() + ckb, 0xa5);
    for (int r = 0; r < M; ++r) mem.write(l.c_exps + uint64_t(r) * l.c_exp_stride, row.data(), l.c_exp_stride);
  }
  auto put = [&](const golden::BfpMatrix& q, uint32_t codes, uint32_t exps) {
    std::vector<uint8_t> zeros(l.a_code_stride, 0);
    for (int r = 0; r < q.rows; ++r) {
      // whole rows, padding included, so that stale bytes of an earlier GEMM never reach the array
      mem.write(codes + uint64_t(r) * l.a_code_stride, zeros.data(), l.a_code_stride);
      mem.write(codes + uint64_t(r) * l.a_code_stride, q.codes.row(r).data(), uint64_t(l.kb) * B);
      for (int b = 0; b < l.kb; ++b) {
        const uint8_t e = q.exps(r, b);
        mem.write(exps + uint64_t(r) * l.a_exp_stride + l.exp_offset(b), &e, 1);
      }
    }
  };
  if (l.sparse_a) {
    const std::vector<uint8_t> streams = golden::encode_rows(a, cfg.beat_bytes(), l.a_stream_stride);
    mem.write(l.a_codes, streams.data(), streams.size());
  } else if (!o.a_resident) {
    put(a, l.a_codes, l.a_exps);
  }
  put(wt, l.w_codes, l.w_exps);
  const std::vector<uint8_t> before(mem.data(), mem.data() + mem.size());

  // run
  drv.clear_stats();
  const MemStats mem0 = mem.stats();
  for (const auto& c : gemm_commands(cfg, l, M, N, o.relu, res.schedule, o.prune)) drv.issue(c);
  const auto t0 = std::chrono::steady_clock::now();
  drv.run();
  res.sim_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // read back and compare bit for bit (padding codes of the last block included)
  golden::BfpMatrix& rc = res.c;
  rc.rows = M;
  rc.cols = N;
  rc.block = B;
  rc.codes = golden::CodeMatrix::Zero(M, ckb * B);
  rc.exps = golden::ExpMatrix::Zero(M, ckb);
  if (l.sparse_c) {
    try {
      rc = golden::decode_rows(mem.data() + l.c_codes, c_code_bytes, M, N, B, cfg.beat_bytes(), l.c_stream_stride);
    } catch (const golden::InputError& e) {
      ++res.code_mismatches;
      res.first_mismatch = std::string("the RTL's compressed output does not decode: ") + e.what();
    }
  } else {
    for (int r = 0; r < M; ++r) {
      mem.read(l.c_codes + uint64_t(r) * l.c_code_stride, rc.codes.row(r).data(), uint64_t(ckb) * B);
      mem.read(l.c_exps + uint64_t(r) * l.c_exp_stride, rc.exps.row(r).data(), uint64_t(ckb));
    }
  }
  for (int r = 0; r < M; ++r) {
    for (int c = 0; c < ckb * B; ++c) {
      const int want = expected.codes(r, c), got = rc.codes(r, c);
      const int ew = expected.exps(r, c / B), eg = rc.exps(r, c / B);
      const bool exp_bad = (c % B == 0) && ew != eg;
      if (want != got) ++res.code_mismatches;
      if (exp_bad) ++res.exp_mismatches;
      if ((want != got || exp_bad) && res.first_mismatch.empty()) {
        res.mismatch_row = r;
        res.mismatch_col = c;
        res.expected_code = want;
        res.actual_code = got;
        res.expected_exp = ew;
        res.actual_exp = eg;
        std::ostringstream os;
        os << "C[" << r << "][" << c << "]" << (c >= N ? " (padding)" : "") << ": code expected " << bits8(want)
           << " got " << bits8(got) << "; block " << c / B << " exponent expected " << ew << " got " << eg;
        res.first_mismatch = os.str();
      }
    }
  }
  // stray writes: any byte outside the output blocks that changed
  for (uint64_t addr = 0; addr < mem.size(); ++addr) {
    if (mem.data()[addr] == before[addr]) continue;
    bool output = false;
    if (l.sparse_c)
      output = addr >= l.c_codes && addr < l.c_codes + c_code_bytes;
    else if (addr >= l.c_codes && addr < l.c_codes + uint64_t(M) * l.c_code_stride)
      output = (addr - l.c_codes) % l.c_code_stride < uint64_t(ckb) * B;
    else if (addr >= l.c_exps && addr < l.c_exps + uint64_t(M) * l.c_exp_stride)
      output = (addr - l.c_exps) % l.c_exp_stride < uint64_t(ckb);
    if (output) continue;
    if (res.stray_writes++ == 0) {
      std::ostringstream os;
      os << "byte 0x" << std::hex << addr << std::dec << " outside the output blocks changed from "
         << bits8(before[addr]) << " to " << bits8(mem.data()[addr]);
      res.first_stray_write = os.str();
    }
  }
  res.bit_exact = res.code_mismatches == 0 && res.exp_mismatches == 0 && res.stray_writes == 0;
  if (res.first_mismatch.empty() && res.stray_writes) res.first_mismatch = "stray write: " + res.first_stray_write;

  const CycleStats& st = drv.stats();
  res.cycles = cycle_breakdown(cfg, st);
  res.commands = st.commands;
  res.read_beats = mem.stats().read_beats - mem0.read_beats;
  res.write_beats = mem.stats().write_beats - mem0.write_beats;
  for (int k = 0; k < a.cols; ++k)
    res.useful_macs += uint64_t((a.codes.col(k).array() != 0).count()) * uint64_t((wt.codes.col(k).array() != 0).count());
  return res;
}

}  // namespace bfp::sim
