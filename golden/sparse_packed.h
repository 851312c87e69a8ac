// SPDX-License-Identifier: Apache-2.0
// Golden model of the packed tile layout of docs/sparse-format.md ("Packed tiles"): a second, host-encoded input
// layout for compressed activations in which the rows of one M tile share beats. Encoder, validating decoder and
// sizes. The levels, the per-row counts and the row-level validity rules are those of the row-stream format
// (golden/sparse.h); only the placement of the bytes differs. No RTL reads this layout yet.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "golden/bfp.h"

namespace bfp::golden {

/// Parameters of the packed layout for rows of `kb` blocks of `block` codes, tiles of `tile_rows` rows (R, the
/// array rows) at memory beat `beat` bytes.
struct PackedLayout {
  int kb = 0;         ///< blocks per row (KB)
  int block = 0;      ///< block size B
  int beat = 0;       ///< memory beat in bytes (BEAT)
  int tile_rows = 0;  ///< rows per tile (R); the last tile of a matrix may hold fewer
  size_t max_row_bytes = 0;   ///< 4 + ceil(KB/8) + KB + KB*B/8 + KB*B: a packed row with every code non-zero
  size_t max_tile_bytes = 0;  ///< tile_header_bytes(R) + R * max_row_bytes (<= 65535 by packed_layout)
};

/// Throws InputError unless block >= 8 and a multiple of 8, kb >= 0, kb * block <= 65535 (the row counts are
/// u16, as in the row-stream format), beat >= 1, tile_rows >= 1, and a full tile of dense rows fits the u16 tile
/// length: 2 + 2R + R * max_row_bytes <= 65535 (so every offset and length of the tile header fits u16).
PackedLayout packed_layout(int kb, int block, int beat, int tile_rows);

/// True when packed_layout(kb, block, beat, tile_rows) would not throw.
bool packed_layout_fits(int kb, int block, int beat, int tile_rows);

/// Tile header bytes of a tile of n rows: u16 tile length + n x u16 row offsets = 2 + 2n.
size_t packed_tile_header_bytes(int n);

/// Bytes of one packed row with nnz_blocks non-empty blocks and nnz non-zero codes (no padding):
/// 4 + ceil(KB/8) + nnz_blocks * (1 + B/8) + nnz. Equal to the row's exact size (CompressionStats::hier_bytes).
size_t packed_row_bytes(const PackedLayout& layout, size_t nnz_blocks, size_t nnz);

/// Encodes m as ceil(m.rows / tile_rows) packed tiles: tile t holds rows t*R .. min(m.rows, (t+1)*R) - 1 and
/// starts at the sum of rup(length) of the tiles before it (rup rounds up to the beat). The bytes from a tile's
/// length up to the next beat are unspecified; the encoder writes zeros. Empty blocks are not stored, whatever
/// their exponent (as in encode_row). Throws InputError as packed_layout(m.kblocks(), m.block, beat, tile_rows),
/// or if m is inconsistent (shapes, a non-zero code in a padding column).
std::vector<uint8_t> encode_packed(const BfpMatrix& m, int beat, int tile_rows);

/// Decodes the packed tiles of a rows x cols matrix in blocks of `block` (tile t at the offset encode_packed
/// gives it; only the bytes up to the last tile's length need be inside `size`). Validates completely and throws
/// InputError naming the tile, the row (tile-local and matrix row, where the error belongs to a row), the segment
/// and the byte offset (in the buffer, in the tile, and in the row) on: a tile header or row segment that runs
/// past `size`; a tile length shorter than the tile header; a row offset other than where the previous row (or
/// the tile header) ends; a row segment that runs past the tile length; a tile length past the end of the last
/// row; and every row-level error of decode_rows (header counts against the masks and against KB and B, level-1
/// bits past KB, all-zero level-2 masks, level-2 bits on padding elements, zero codes). Bad parameters (as for
/// packed_layout, rows/cols < 0, null data with a non-zero size) also throw InputError. Reads only inside
/// [0, size) and each loop is bounded by the u16 fields, so hostile buffers cannot crash or hang it. Empty blocks
/// decode as exponent 0 and zero codes.
BfpMatrix decode_packed(const uint8_t* data, size_t size, int rows, int cols, int block, int beat, int tile_rows);

/// Sizes of m in the packed layout (rup() rounds up to the beat).
struct PackedStats {
  size_t tiles = 0;         ///< ceil(rows / R)
  size_t header_bytes = 0;  ///< sum over tiles of 2 + 2n (n = rows of the tile)
  size_t bytes = 0;         ///< sum over tiles of the tile length (headers included, no padding)
  size_t bytes_moved = 0;   ///< sum over tiles of rup(tile length): what a loader reading whole beats moves
};
/// Throws InputError as packed_layout(m.kblocks(), m.block, beat, tile_rows), or if m is inconsistent.
PackedStats packed_stats(const BfpMatrix& m, int beat, int tile_rows);

}  // namespace bfp::golden
