// SPDX-License-Identifier: Apache-2.0
// Golden model of sparse storage: sparsity scaling (pruning, docs/architecture.md "Sparse operation") and the
// hierarchical bit-mask row-stream format of docs/sparse-format.md (encoder, validating decoder, size
// statistics). Only the documented format is modelled here; nothing depends on how the RTL produces it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "golden/bfp.h"

namespace bfp::golden {

// ---- sparsity scaling ------------------------------------------------------------------------------------

/// Sparsity scaling with threshold T (the STORE command's 8-bit `prune` field, 0..255; anything else throws
/// InputError). T == 0 is "off": m is left exactly as it is. For T >= 1 every code with |c| < T becomes 0
/// (|c| is taken as an integer, so |-128| = 128: T <= 128 keeps -128, T >= 129 removes it), then every block
/// whose codes are all zero gets exponent code 0 (the canonical empty block, docs/arithmetic.md 4.3).
/// Blocks with a remaining non-zero code keep their exponent.
void prune(BfpMatrix& m, int threshold);

/// The store path: requantize(acc, block, ap, relu) followed by prune(.., threshold).
BfpMatrix requantize_pruned(const AccMatrix& acc, int block, const AccParams& ap, bool relu, int threshold);

/// Throws InputError naming `what` unless m's shapes are consistent (codes rows x KB*B, exps rows x KB) and every
/// code in a padding column (index >= m.cols) is zero: what every encoder of docs/sparse-format.md requires.
void check_sparse_matrix(const BfpMatrix& m, const char* what);

// ---- row-stream format -----------------------------------------------------------------------------------

/// Segment offsets of one row stream (docs/sparse-format.md, "Byte layout"), rup() = round up to `beat`:
///   off_exp = 4 + ceil(kb/8), off_l2 = off_exp + kb rounded up to a multiple of block/8,
///   off_codes = rup(off_l2 + kb*block/8), min_row_stride = off_codes + rup(kb*block).
struct RowStreamLayout {
  int kb = 0;     ///< blocks per row (KB)
  int block = 0;  ///< block size B
  int beat = 0;   ///< memory beat in bytes (BEAT)
  size_t off_l2 = 0, off_exp = 0, off_codes = 0, min_row_stride = 0;
};

/// Layout for rows of `kb` blocks of `block` codes at memory beat `beat` bytes. Throws InputError unless
/// kb >= 0, block >= 8 and a multiple of 8, beat >= 1 and kb * block <= 65535 (the format's limits).
RowStreamLayout row_stream_layout(int kb, int block, int beat);

/// Encodes row `row` of m as one row stream of exactly `row_stride` bytes (0 = layout.min_row_stride;
/// otherwise a multiple of layout.beat and >= min_row_stride). Bytes the format leaves unspecified are 0.
/// Empty blocks (all codes zero) are not stored, whatever their exponent; a non-empty block stores its
/// exponent byte as it is (even 0 or 255). Throws InputError if the layout does not belong to m
/// (kb, block) or is not the one row_stream_layout computes, if m is inconsistent (shapes, or a non-zero
/// code in a padding column past m.cols), or if row/row_stride are out of range.
std::vector<uint8_t> encode_row(const BfpMatrix& m, int row, const RowStreamLayout& layout, size_t row_stride = 0);

/// All rows of m, row r at byte r * row_stride (0 = the minimum stride); m.rows * row_stride bytes.
std::vector<uint8_t> encode_rows(const BfpMatrix& m, int beat, size_t row_stride = 0);

/// Decodes `rows` row streams (row r at data + r * row_stride; 0 = the minimum stride) of a matrix with `cols` logical columns in
/// blocks of `block`. Reads only the bytes the format defines (unspecified bytes are ignored; `size` need
/// only cover them). Validates the stream completely and throws InputError naming the row, the segment and
/// the byte offset (in the buffer and within the row) on: a header count that disagrees with the masks
/// (nnz_blocks vs the level-1 popcount, nnz vs the level-2 popcounts) or exceeds what the row can hold, a
/// level-1 bit set for a block index >= KB, an all-zero level-2 mask of a block marked non-empty, a level-2
/// bit set for a padding element (column >= cols), a zero code where a mask bit is set, or a segment that
/// runs past `size`. Bad parameters (as for row_stream_layout, rows/cols < 0, row_stride not a multiple of
/// beat or below the minimum) also throw InputError. Empty blocks decode as exponent 0 and zero codes.
BfpMatrix decode_rows(const uint8_t* data, size_t size, int rows, int cols, int block, int beat, size_t row_stride);

// ---- statistics ------------------------------------------------------------------------------------------

/// Sizes of one matrix in the three encodings at memory beat `beat` (rup() rounds up to beat), KB blocks of
/// B per row, nnzb/nnz the row's non-empty blocks / non-zero codes:
struct CompressionStats {
  size_t dense_bytes = 0;        ///< sum over rows of rup(KB*B) + rup(KB): what a dense LOAD moves
  size_t hier_bytes = 0;         ///< sum over rows of 4 + ceil(KB/8) + nnzb*B/8 + nnzb + nnz (no padding)
  size_t hier_bytes_moved = 0;   ///< sum over rows of rup(off_l2 + nnzb*B/8) (rup(4 + ceil(KB/8)) if nnzb = 0) + rup(nnz)
  size_t flat_bitmap_bytes = 0;  ///< sum over rows of KB*B/8 + KB + nnz (one-level bitmap baseline)
  /// Packed tiles (docs/sparse-format.md "Packed tiles"; golden/sparse_packed.h), only when compression_stats
  /// is given tile_rows >= 1, else 0. The FORMAT's size (what a packed LOAD_ACT moves: rup(tile_len) per tile).
  int packed_tile_rows = 0;          ///< R the packed sizes are for (0 = not computed)
  size_t packed_bytes = 0;           ///< sum over tiles of the tile length (2 + 2n header bytes + the rows' exact sizes)
  size_t packed_bytes_moved = 0;     ///< sum over tiles of rup(tile length)
  size_t nnz = 0;                ///< non-zero codes
  size_t nnz_blocks = 0;         ///< blocks with a non-zero code
  size_t elements = 0;           ///< rows * cols (logical, no padding)
  double sparsity = 0;           ///< 1 - nnz / elements (0 when elements == 0)
};
/// Throws InputError as row_stream_layout(m.kblocks(), m.block, beat), or if m is inconsistent; with
/// tile_rows >= 1 also as packed_layout(m.kblocks(), m.block, beat, tile_rows) (use packed_layout_fits first).
CompressionStats compression_stats(const BfpMatrix& m, int beat, int tile_rows = 0);

}  // namespace bfp::golden
