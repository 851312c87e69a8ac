// SPDX-License-Identifier: Apache-2.0
#include "sim/runner.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "golden/sparse.h"
#include "golden/sparse_packed.h"
#include "sim/func_cov.h"

namespace bfp::sim {

std::string bits8(int v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(2) << std::setfill('0') << (v & 0xff) << std::dec << " (" << v << ")";
  return os.str();
}

namespace {

// [lo, hi) of the bytes a tensor occupies (codes and exponents; row streams when compressed).
struct Span {
  uint64_t lo, hi;
};
Span span(uint32_t codes, uint64_t code_bytes, uint32_t exps, uint64_t exp_bytes) {
  if (!exp_bytes) return {codes, codes + code_bytes};
  return {std::min<uint64_t>(codes, exps), std::max(codes + code_bytes, exps + exp_bytes)};
}

void check_operands(const Config& cfg, const host::GemmPlan& p, const golden::BfpMatrix& a,
                    const golden::BfpMatrix& wt, const golden::BfpMatrix& expected, const golden::BfpMatrix* bias,
                    uint64_t mem_size) {
  const int B = cfg.block, M = p.shape.m, K = p.shape.k, N = p.shape.n;
  if (a.block != B || wt.block != B || expected.block != B)
    throw std::invalid_argument("operands must be blocked with the config's block size " + std::to_string(B));
  if (a.rows != M || a.cols != K || wt.rows != N || wt.cols != K)
    throw std::invalid_argument("A is " + std::to_string(a.rows) + " x " + std::to_string(a.cols) + " and W^T is " +
                                std::to_string(wt.rows) + " x " + std::to_string(wt.cols) + ", the plan is M=" +
                                std::to_string(M) + " K=" + std::to_string(K) + " N=" + std::to_string(N));
  if (expected.rows != M || expected.cols != N)
    throw std::invalid_argument("expected output is " + std::to_string(expected.rows) + " x " +
                                std::to_string(expected.cols) + ", not " + std::to_string(M) + " x " +
                                std::to_string(N));
  if (p.bias && (!bias || bias->block != B || bias->rows != 1 || bias->cols != N))
    throw std::invalid_argument("the bias must be 1 x " + std::to_string(N) + " blocked with the config's block size " +
                                std::to_string(B) + "; it is " + std::to_string(bias->rows) + " x " +
                                std::to_string(bias->cols) + " with block size " + std::to_string(bias->block));
  if (p.layout.bytes > mem_size)
    throw std::invalid_argument("GEMM M=" + std::to_string(M) + " K=" + std::to_string(K) + " N=" + std::to_string(N) +
                                " needs " + std::to_string(p.layout.bytes) + " bytes, the driver's memory has " +
                                std::to_string(mem_size));
}

// Compares the defined bytes of every row stream of the RTL's compressed C with the golden encoder's.
void compare_streams(const Config& cfg, const host::GemmLayout& l, int M, int ckb, const golden::BfpMatrix& expected,
                     const uint8_t* got, GemmRun& res) {
  const int B = cfg.block;
  const std::vector<uint8_t> want = golden::encode_rows(expected, cfg.beat_bytes(), l.c_stream_stride);
  const golden::RowStreamLayout L = golden::row_stream_layout(ckb, B, cfg.beat_bytes());
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
          os << "output row " << r << " stream, " << sg.name << " byte " << i << " (row offset " << sg.off + i
             << "): golden encoder " << bits8(want[at]) << ", RTL " << bits8(got[at]);
          res.first_stream_byte_mismatch = os.str();
        }
      }
  }
}

}  // namespace

CycleBreakdown& CycleBreakdown::operator+=(const CycleBreakdown& o) {
  using C = CycleBreakdown;
  for (uint64_t C::*f : {&C::total, &C::compute_stream, &C::pipeline, &C::store, &C::load_act, &C::load_wgt,
                         &C::dispatch, &C::idle, &C::load_busy, &C::compute_busy, &C::store_busy})
    this->*f += o.*f;
  return *this;
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

std::unique_ptr<Driver> make_driver(const std::shared_ptr<Model>& model, uint64_t bytes, uint64_t seed,
                                    const MemTiming& t) {
  const Config& cfg = model->config();
  MemConfig mc;
  mc.size_bytes = bytes;
  mc.beat_bytes = cfg.beat_bytes();
  mc.latency = t.latency;
  mc.bandwidth = t.bandwidth;
  mc.stall = t.stall;
  mc.seed = seed * 0x2545f4914f6cdd1dull + 1;
  DriverOptions d;
  d.cmd_stall = t.stall;
  d.seed = seed * 0x9e3779b97f4a7c15ull + 7;
  // the longest legal stretch without a handshake: one COMPUTE over a full buffer, or one memory latency
  d.max_idle = 2000 + 4 * uint64_t(std::max(cfg.act_depth, cfg.wgt_depth)) + 4 * uint64_t(std::max(t.latency, 1));
  return std::make_unique<Driver>(model, mc, d);  // resets the model once
}

void stage_rows(const host::GemmLayout& l, StageKind kind, const golden::BfpMatrix& q, uint32_t codes, uint32_t exps,
                const StageWriter& write) {
  // whole rows, padding included (codes and exponents), so that stale bytes of an earlier GEMM never reach the array
  const int B = q.block;
  std::vector<uint8_t> row(std::max(l.a_code_stride, l.a_exp_stride), 0);
  for (int r = 0; r < q.rows; ++r) {
    std::fill(row.begin(), row.end(), 0);
    std::copy(q.codes.row(r).data(), q.codes.row(r).data() + uint64_t(l.kb) * B, row.begin());
    write(kind, codes + uint64_t(r) * l.a_code_stride, row.data(), l.a_code_stride);
  }
  for (int r = 0; r < q.rows; ++r) {
    std::fill(row.begin(), row.end(), 0);
    for (int b = 0; b < l.kb; ++b) row[l.exp_offset(b)] = q.exps(r, b);
    write(kind, exps + uint64_t(r) * l.a_exp_stride, row.data(), l.a_exp_stride);
  }
}

void stage_input(const Config& cfg, const host::GemmLayout& l, const golden::BfpMatrix& a, const StageWriter& write) {
  if (l.packed_a) {
    // packed tiles (docs/sparse-format.md "Packed tiles"): the encoder puts tile t + 1 at tile t's start +
    // rup(tile_len); the layout puts it at a_codes + t * a_tile_pitch (addresses fixed by the shape). Each tile is
    // written with its padding up to the beat (zeros from the encoder), the rest of the pitch is never read.
    const uint64_t beat = uint64_t(cfg.beat_bytes());
    const std::vector<uint8_t> tiles = golden::encode_packed(a, cfg.beat_bytes(), cfg.rows);
    uint64_t at = 0;
    for (int t = 0; t < l.a_tiles; ++t) {
      if (at + 2 > tiles.size()) throw std::logic_error("stage_input: packed tiles shorter than the layout");
      const uint64_t len = uint64_t(tiles[at]) | uint64_t(tiles[at + 1]) << 8;
      const uint64_t moved = (len + beat - 1) / beat * beat;
      if (moved > l.a_tile_pitch || at + moved > tiles.size())
        throw std::logic_error("stage_input: a packed tile exceeds its pitch");
      write(StageKind::Input, l.a_codes + uint64_t(t) * l.a_tile_pitch, tiles.data() + at, moved);
      at += moved;
    }
  } else if (l.sparse_a) {
    const std::vector<uint8_t> streams = golden::encode_rows(a, cfg.beat_bytes(), l.a_stream_stride);
    write(StageKind::Input, l.a_codes, streams.data(), streams.size());
  } else {
    stage_rows(l, StageKind::Input, a, l.a_codes, l.a_exps, write);
  }
}

void stage_gemm(const Config& cfg, const host::GemmPlan& p, const golden::BfpMatrix& a, const golden::BfpMatrix& wt,
                const golden::BfpMatrix* bias, const StageWriter& write) {
  const host::GemmLayout& l = p.layout;
  const int B = cfg.block, M = p.shape.m, N = p.shape.n;
  const int ckb = (N + B - 1) / B;
  const uint64_t c_code_bytes = uint64_t(M) * (l.sparse_c ? l.c_stream_stride : l.c_code_stride);
  if (l.sparse_c) {
    const std::vector<uint8_t> poison(c_code_bytes, 0xa5);
    write(StageKind::Output, l.c_codes, poison.data(), c_code_bytes);
  } else {
    // the rest of each row zero: a later GEMM may read this C in place as its A, and its rows must then look
    // exactly like rows the host writes (padding zero)
    std::vector<uint8_t> row(std::max(l.c_code_stride, l.c_exp_stride), 0);
    std::fill(row.begin(), row.begin() + std::min<uint64_t>(row.size(), uint64_t(ckb) * B), 0xa5);
    for (int r = 0; r < M; ++r) write(StageKind::Output, l.c_codes + uint64_t(r) * l.c_code_stride, row.data(), l.c_code_stride);
    std::fill(row.begin(), row.end(), 0);
    std::fill(row.begin(), row.begin() + ckb, 0xa5);
    for (int r = 0; r < M; ++r) write(StageKind::Output, l.c_exps + uint64_t(r) * l.c_exp_stride, row.data(), l.c_exp_stride);
  }
  if (!p.a_resident) stage_input(cfg, l, a, write);
  stage_rows(l, StageKind::Weights, wt, l.w_codes, l.w_exps, write);
  if (l.sparse_w) {  // the row streams the compressed LOAD_WGTs read (docs/sparse-format.md)
    const std::vector<uint8_t> streams = golden::encode_rows(wt, cfg.beat_bytes(), l.w_stream_stride);
    write(StageKind::Weights, l.w_streams, streams.data(), streams.size());
  }
  if (p.bias) {  // like one dense row of C, padding zero
    std::vector<uint8_t> row(l.c_code_stride, 0);
    std::copy(bias->codes.data(), bias->codes.data() + uint64_t(ckb) * B, row.begin());
    write(StageKind::Bias, l.bias_codes, row.data(), l.c_code_stride);
    row.assign(l.c_exp_stride, 0);
    std::copy(bias->exps.data(), bias->exps.data() + ckb, row.begin());
    write(StageKind::Bias, l.bias_exps, row.data(), l.c_exp_stride);
  }
}

GemmRun run_gemm_on_memory(const Config& cfg, const host::GemmPlan& p, const golden::BfpMatrix& a,
                           const golden::BfpMatrix& wt, const golden::BfpMatrix& expected,
                           const golden::BfpMatrix* bias, uint8_t* memory, uint64_t mem_size,
                           const std::function<void()>& run) {
  if (p.bias != (bias != nullptr))
    throw std::invalid_argument(p.bias ? "run_gemm: the plan adds a bias but none was given"
                                       : "run_gemm: a bias was given but the plan has none");
  check_operands(cfg, p, a, wt, expected, bias, mem_size);
  // the image is written straight into the device memory (check_operands made sure the layout fits)
  struct {
    uint8_t* m;
    void write(uint64_t addr, const void* src, uint64_t n) { std::memcpy(m + addr, src, n); }
    void read(uint64_t addr, void* dst, uint64_t n) const { std::memcpy(dst, m + addr, n); }
    uint8_t* data() { return m; }
    uint64_t size() const { return n_; }
    uint64_t n_;
  } mem{memory, mem_size};
  const host::GemmLayout& l = p.layout;
  const int B = cfg.block, M = p.shape.m, N = p.shape.n;
  const int ckb = (N + B - 1) / B;
  GemmRun res;
  res.schedule = p.schedule;

  // memory image: operands, output blocks poisoned so that anything the RTL fails to write is a mismatch
  const uint64_t c_code_bytes = uint64_t(M) * (l.sparse_c ? l.c_stream_stride : l.c_code_stride);
  stage_gemm(cfg, p, a, wt, bias, [&mem](StageKind, uint64_t addr, const uint8_t* src, uint64_t n) { mem.write(addr, src, n); });
  const std::vector<uint8_t> before(mem.data(), mem.data() + mem.size());  // only the output may differ from it

  // run
  const auto t0 = std::chrono::steady_clock::now();
  run();
  res.sim_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // read back and compare bit for bit (padding codes of the last block included)
  golden::BfpMatrix& rc = res.out_rtl;
  rc.rows = M;
  rc.cols = N;
  rc.block = B;
  rc.codes = golden::CodeMatrix::Zero(M, ckb * B);
  rc.exps = golden::ExpMatrix::Zero(M, ckb);
  if (l.sparse_c) {
    try {  // validates the streams completely; a corrupt one is a mismatch, reported with the reason
      rc = golden::decode_rows(mem.data() + l.c_codes, c_code_bytes, M, N, B, cfg.beat_bytes(), l.c_stream_stride);
      compare_streams(cfg, l, M, ckb, expected, mem.data() + l.c_codes, res);
    } catch (const golden::InputError& e) {
      ++res.code_mismatches;
      res.stream_error = std::string("the RTL's compressed output does not decode: ") + e.what();
      res.first_mismatch = res.stream_error;
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
  // stray writes: any byte outside the output blocks (the bias row included) that changed
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
      os << "byte 0x" << std::hex << addr << std::dec << " outside the output blocks changed from "
         << bits8(before[addr]) << " to " << bits8(mem.data()[addr]);
      res.first_stray_write = os.str();
    }
  }
  res.bit_exact = res.code_mismatches == 0 && res.exp_mismatches == 0 && res.stray_writes == 0 &&
                  res.stream_byte_mismatches == 0;
  if (res.first_mismatch.empty() && res.stray_writes) res.first_mismatch = "stray write: " + res.first_stray_write;
  if (res.first_mismatch.empty() && res.stream_byte_mismatches)
    res.first_mismatch = "compressed output: " + res.first_stream_byte_mismatch;

  for (int k = 0; k < a.cols; ++k)
    res.useful_macs += uint64_t((a.codes.col(k).array() != 0).count()) * uint64_t((wt.codes.col(k).array() != 0).count());
  return res;
}

GemmRun run_gemm(Driver& drv, const host::GemmPlan& p, const golden::BfpMatrix& a, const golden::BfpMatrix& wt,
                 const golden::BfpMatrix& expected, const golden::BfpMatrix* bias) {
  const Config& cfg = drv.config();
  MemModel& mem = drv.mem();
  const host::GemmLayout& l = p.layout;
  const int M = p.shape.m, N = p.shape.n;
  MemStats mem0;
  GemmRun res = run_gemm_on_memory(cfg, p, a, wt, expected, bias, mem.data(), mem.size(), [&] {
    // traffic by tensor: beats inside each operand's bytes
    const uint64_t c_code_bytes = uint64_t(M) * (l.sparse_c ? l.c_stream_stride : l.c_code_stride);
    const uint64_t c_exp_bytes = l.sparse_c ? 0 : uint64_t(M) * l.c_exp_stride;
    const uint64_t a_code_bytes = l.a_code_bytes(M);
    const Span sa = span(l.a_codes, a_code_bytes, l.a_exps, l.sparse_a ? 0 : uint64_t(M) * l.a_exp_stride);
    // compressed weights are read from their streams only (the dense copy is staged but never loaded)
    const Span sw = l.sparse_w ? Span{l.w_streams, uint64_t(l.w_streams) + uint64_t(N) * l.w_stream_stride}
                               : span(l.w_codes, uint64_t(N) * l.a_code_stride, l.w_exps, uint64_t(N) * l.a_exp_stride);
    const Span sc = span(l.c_codes, c_code_bytes, l.c_exps, c_exp_bytes);
    mem.clear_regions();
    mem.add_region("A", sa.lo, sa.hi);
    mem.add_region("W", sw.lo, sw.hi);
    mem.add_region("C", sc.lo, sc.hi);
    if (p.bias) mem.add_region("bias", l.bias_codes, uint64_t(l.bias_exps) + l.c_exp_stride);
    drv.clear_stats();
    mem0 = mem.stats();
    for (const auto& c : p.commands) drv.issue(c);
    drv.run();
    if (funccov::enabled()) funccov::record(cfg, funccov::gemm_bins(cfg, p, a, wt));  // docs/coverage.md
  });

  // cycles and traffic
  const CycleStats& st = drv.stats();
  res.cycles = cycle_breakdown(cfg, st);
  res.commands = st.commands;
  res.read_beats = mem.stats().read_beats - mem0.read_beats;
  res.write_beats = mem.stats().write_beats - mem0.write_beats;
  const uint64_t beat = uint64_t(cfg.beat_bytes());
  res.read_bytes = res.read_beats * beat;
  res.write_bytes = res.write_beats * beat;
  res.write_strobe_bytes = mem.stats().write_strobe_bytes - mem0.write_strobe_bytes;
  res.act_read_bytes = mem.regions()[0].read_beats * beat;
  res.wgt_read_bytes = mem.regions()[1].read_beats * beat;
  res.out_write_bytes = mem.regions()[2].write_beats * beat;
  return res;
}

}  // namespace bfp::sim
