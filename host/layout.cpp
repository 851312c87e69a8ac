// SPDX-License-Identifier: Apache-2.0
#include "host/layout.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "golden/sparse.h"
#include "golden/sparse_packed.h"
#include "host/command.h"

namespace bfp::host {

namespace {

uint32_t roundup(uint64_t v, uint64_t a) { return static_cast<uint32_t>((v + a - 1) / a * a); }

}  // namespace

const std::pair<Schedule, const char*> kScheduleNames[] = {
    {Schedule::Auto, "auto"}, {Schedule::Output, "output"}, {Schedule::Weight, "weight"},
    {Schedule::Pair, "pair"}};

std::string to_string(Schedule s) {
  for (const auto& [value, name] : kScheduleNames)
    if (value == s) return name;
  return "?";
}

Schedule parse_schedule(const std::string& s) {
  for (const auto& [value, name] : kScheduleNames)
    if (s == name) return value;
  throw std::invalid_argument("unknown schedule '" + s + "' (one of: auto, output, weight, pair)");
}

uint32_t GemmLayout::exp_offset(int b) const {
  return static_cast<uint32_t>((b / chunk_blocks) * exp_chunk_pitch + b % chunk_blocks);
}

uint64_t GemmLayout::a_code_bytes(int m) const {
  if (packed_a) return uint64_t(a_tiles) * a_tile_pitch;
  return uint64_t(m) * (sparse_a ? a_stream_stride : a_code_stride);
}

bool can_pack_a(const Config& cfg, int k, std::string* why) {
  if (why) why->clear();
  const int kb = (k + cfg.block - 1) / cfg.block;
  if (2 + 2 * cfg.rows > cfg.beat_bytes()) {
    if (why) *why = "a packed tile's header (2 + 2R bytes) exceeds one memory beat";
    return false;
  }
  if (k < 1 || !golden::packed_layout_fits(kb, cfg.block, cfg.beat_bytes(), cfg.rows)) {
    if (why) *why = "the packed tile layout does not fit (docs/sparse-format.md \"Packed tiles\", Limits)";
    return false;
  }
  return true;
}

uint64_t address_limit(const Config& cfg) {
  return cfg.addr_width >= 32 ? (uint64_t{1} << 32) : (uint64_t{1} << cfg.addr_width);
}

GemmLayout layout_gemm(const Config& cfg, int m, int k, int n, bool sparse_a, bool sparse_c, bool bias,
                       bool packed_a, bool sparse_w) {
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
    if (sparse_w) l.w_stream_stride = roundup(golden::row_stream_layout(l.kb, B, int(beat)).min_row_stride, beat);
  } catch (const golden::InputError& e) {
    throw std::invalid_argument(std::string("compressed row streams: ") + e.what());
  }
  if (sparse_a && packed_a && can_pack_a(cfg, k)) {
    l.packed_a = true;
    l.a_tiles = (m + cfg.rows - 1) / cfg.rows;
    l.a_tile_pitch = roundup(golden::packed_layout(l.kb, B, int(beat), cfg.rows).max_tile_bytes, beat);
  }

  const uint64_t align = std::max<uint64_t>(beat, 256);
  uint64_t at = align;  // keep address 0 unused: a dropped base address shows up as a mismatch
  auto region = [&](uint64_t bytes) {
    const uint64_t start = at;
    at = (at + bytes + align - 1) / align * align;
    return start;
  };
  const uint64_t a_codes = region(l.a_code_bytes(m));
  const uint64_t a_exps = region(sparse_a ? 0 : uint64_t(m) * l.a_exp_stride);
  const uint64_t w_codes = region(uint64_t(n) * l.a_code_stride), w_exps = region(uint64_t(n) * l.a_exp_stride);
  const uint64_t c_codes = region(uint64_t(m) * (sparse_c ? l.c_stream_stride : l.c_code_stride));
  const uint64_t c_exps = region(sparse_c ? 0 : uint64_t(m) * l.c_exp_stride);
  const uint64_t bias_codes = bias ? region(l.c_code_stride) : 0, bias_exps = bias ? region(l.c_exp_stride) : 0;
  const uint64_t w_streams = sparse_w ? region(uint64_t(n) * l.w_stream_stride) : 0;
  l.bytes = at;
  const uint64_t limit = address_limit(cfg);
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
  l.bias = bias;
  l.bias_codes = static_cast<uint32_t>(bias_codes);
  l.bias_exps = static_cast<uint32_t>(bias_exps);
  l.sparse_w = sparse_w;
  l.w_streams = static_cast<uint32_t>(w_streams);
  return l;
}

bool chained_layout(const Config& cfg, const GemmLayout& prev, int m, int k, int n, GemmLayout* out, bool sparse_c,
                    bool bias) {
  if (prev.sparse_c) return false;
  GemmLayout l = layout_gemm(cfg, m, k, n, false, sparse_c, bias);
  if (l.a_code_stride != prev.c_code_stride || l.a_exp_stride != prev.c_exp_stride) return false;
  const uint64_t lo = prev.c_codes;
  const uint64_t hi = std::max(uint64_t(prev.c_codes) + uint64_t(m) * prev.c_code_stride,
                               uint64_t(prev.c_exps) + uint64_t(m) * prev.c_exp_stride);
  // W^T, C and the bias keep their relative placement; they move as one span
  const uint64_t span = l.bytes - l.w_codes;
  const uint64_t align = std::max<uint64_t>(uint64_t(cfg.beat_bytes()), 256);
  const uint64_t base = (align + span <= lo) ? align : (hi + align - 1) / align * align;
  const uint64_t shift = base - l.w_codes;
  l.w_codes = static_cast<uint32_t>(l.w_codes + shift);
  l.w_exps = static_cast<uint32_t>(l.w_exps + shift);
  l.c_codes = static_cast<uint32_t>(l.c_codes + shift);
  l.c_exps = static_cast<uint32_t>(l.c_exps + shift);
  if (bias) {
    l.bias_codes = static_cast<uint32_t>(l.bias_codes + shift);
    l.bias_exps = static_cast<uint32_t>(l.bias_exps + shift);
  }
  l.a_codes = prev.c_codes;
  l.a_exps = prev.c_exps;
  l.bytes = std::max(hi, base + span);
  if (l.bytes > address_limit(cfg)) return false;
  *out = l;
  return true;
}

Schedule resolve_schedule(const Config& cfg, const GemmLayout& l, int n, Schedule want) {
  const bool weight_ok = l.chunks == 1 && (cfg.cols % cfg.block == 0 || n <= cfg.cols) && !l.sparse_c;
  // Pair: both weight halves hold one N tile each and one accumulator buffer takes both tiles' columns
  const bool pair_ok = weight_ok && wgt_buf_halves(cfg) && l.kb * cfg.block <= cfg.wgt_depth / 2 &&
                       2 * cfg.cols <= cfg.acc_cols && n > cfg.cols;
  if (want == Schedule::Weight && !weight_ok)
    throw std::invalid_argument(l.sparse_c ? "compressed output rows need the output-stationary (M-outer) schedule"
                                           : "the weight-stationary schedule needs K <= the buffer depth and "
                                             "C % B == 0 or N <= C");
  if (want == Schedule::Pair && !pair_ok)
    throw std::invalid_argument(
        l.sparse_c ? "compressed output rows need the output-stationary (M-outer) schedule"
                   : "the pair schedule needs the weight-stationary conditions (K <= the buffer depth, C % B == 0), "
                     "weight-buffer halves with K <= wgt_depth / 2, acc_cols >= 2 * cols and N > cols");
  // A compressed A is loaded once per pair instead of once per N tile: at high sparsity its loads, not the
  // walkers, bound a tile (docs/architecture.md "Tiling"); a dense A's loads hide behind the COMPUTEs anyway,
  // and Weight overlaps every LOAD_WGT, which Pair cannot at a pair boundary.
  if (want == Schedule::Auto)
    return (pair_ok && l.sparse_a) ? Schedule::Pair : weight_ok ? Schedule::Weight : Schedule::Output;
  return want;
}

}  // namespace bfp::host
