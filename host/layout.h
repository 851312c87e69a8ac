// SPDX-License-Identifier: Apache-2.0
// Where a GEMM's operands live in device memory (docs/architecture.md "Tensor layout in external memory") and
// the tile order (schedule) that applies to them. Pure host-side arithmetic: no simulator, no golden model.
#pragma once
#include <cstdint>
#include <string>

#include "config/config.h"

namespace bfp::host {

/// Order of the tiles (docs/architecture.md "Tiling", docs/harness.md).
enum class Schedule {
  Auto,    ///< Pair for a compressed A when it applies, else Weight when it applies, else Output
  Output,  ///< output-stationary: per M tile, per N tile, per K chunk (the general order)
  Weight,  ///< weight-stationary: per N tile LOAD_WGT once, then every M tile (needs one K chunk and
           ///< C % B == 0 or N <= C)
  Pair,    ///< weight-stationary over two N tiles, one per weight-buffer half: per pair both LOAD_WGTs once,
           ///< then per M tile one LOAD_ACT for both COMPUTEs (Weight's conditions, plus weight halves with
           ///< K <= WgtDepth / 2, 2C <= AccCols and N > C)
};
std::string to_string(Schedule s);
Schedule parse_schedule(const std::string& s);  ///< "auto", "output", "weight", "pair"

/// Byte addresses and strides of A (M x K), W^T (N x K), C (M x N) and the optional bias row (1 x N) for an
/// M x K x N GEMM.
struct GemmLayout {
  int kb = 0;                    ///< K blocks
  int chunk_blocks = 0;          ///< K blocks per chunk (buffer depth)
  int chunks = 0;                ///< K chunks
  int exp_chunk_pitch = 0;       ///< bytes between consecutive chunks' exponents within a row
  uint32_t a_codes = 0, a_exps = 0, w_codes = 0, w_exps = 0, c_codes = 0, c_exps = 0;
  uint32_t a_code_stride = 0, a_exp_stride = 0;  ///< (W^T uses the same strides: both hold K)
  uint32_t c_code_stride = 0, c_exp_stride = 0;
  bool sparse_a = false;         ///< A stored as row streams (docs/sparse-format.md) at a_codes
  bool sparse_c = false;         ///< C written as row streams at c_codes
  uint32_t a_stream_stride = 0;  ///< row stride of A's streams (minimum stride of the format)
  uint32_t c_stream_stride = 0;  ///< row stride of C's streams
  /// A (sparse_a) as packed tiles of R rows (docs/sparse-format.md "Packed tiles"), loaded one tile per LOAD_ACT
  /// SPARSE with `packed`: tile t at a_codes + t * a_tile_pitch, a_tile_pitch = rup(the largest tile of the
  /// format), so that the addresses (and the commands) depend on the shape only; a load reads rup(tile_len).
  bool packed_a = false;
  uint32_t a_tile_pitch = 0;
  /// W^T also as row streams (LOAD_WGT SPARSE, host::can_load_w_compressed; one K chunk): column n's stream at
  /// w_streams + n * w_stream_stride. The dense W^T stays at w_codes / w_exps (the streams are what the loads read).
  bool sparse_w = false;
  uint32_t w_streams = 0, w_stream_stride = 0;
  int a_tiles = 0;               ///< packed tiles of A: ceil(M / R)
  /// Bytes of A's region: packed tiles, row streams or dense codes.
  uint64_t a_code_bytes(int m) const;
  /// A bias row (docs/arithmetic.md 4b) laid out like one dense row of C: N codes at bias_codes, ceil(N/B)
  /// exponents at bias_exps, each region c_code_stride / c_exp_stride bytes. Both 0 without a bias.
  bool bias = false;
  uint32_t bias_codes = 0, bias_exps = 0;
  uint64_t bytes = 0;            ///< memory needed
  /// Byte offset of K block `b`'s exponent within a row.
  uint32_t exp_offset(int b) const;
};

/// Bytes that memory.addr_width can address (at most 4 GiB: addresses are 32-bit command fields).
uint64_t address_limit(const Config& cfg);

/// Throws std::invalid_argument for non-positive shapes or when the operands do not fit the address space.
/// `bias` adds the bias row's two regions after the others.
/// `packed_a` (with sparse_a): A as packed tiles when can_pack_a(cfg, k), else row streams.
/// `sparse_w`: W^T's row streams too (the caller checks can_load_w_compressed and one K chunk).
GemmLayout layout_gemm(const Config& cfg, int m, int k, int n, bool sparse_a = false, bool sparse_c = false,
                       bool bias = false, bool packed_a = false, bool sparse_w = false);

/// True when a compressed A with K = `k` can be loaded as packed tiles of R = cfg.rows rows: the packed layout
/// fits (golden::packed_layout_fits) and a tile header of R rows fits one beat (2 + 2R <= BEAT). Otherwise *why
/// says why not; the runner then loads row streams.
bool can_pack_a(const Config& cfg, int k, std::string* why = nullptr);

/// Layout of an M x K x N GEMM whose A is the dense C (M x K) that the GEMM laid out as `prev` left in memory:
/// the strides of layout_gemm(cfg, M, K, N), A's addresses = prev's C, W^T and C moved clear of prev's C region
/// (below it when they fit there, else above it). Returns false (and leaves *out alone) when A's strides differ
/// from prev's C strides (several K chunks with padded exponent chunks), i.e. when the C cannot be read as A.
bool chained_layout(const Config& cfg, const GemmLayout& prev, int m, int k, int n, GemmLayout* out,
                    bool sparse_c = false, bool bias = false);

/// The schedule `want` resolves to (Auto -> Weight when it applies). Throws std::invalid_argument when
/// Weight is asked for but does not apply.
Schedule resolve_schedule(const Config& cfg, const GemmLayout& l, int n, Schedule want);

}  // namespace bfp::host
