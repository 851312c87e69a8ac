// SPDX-License-Identifier: Apache-2.0
// Golden model of the packed tile layout of docs/sparse-format.md ("Packed tiles"). Every offset below is the
// one named in that section: a tile is a u16 length, one u16 offset per row, then the rows back to back; a row
// is its header, level-1 mask, exponents, level-2 masks and codes back to back (the row stream's segments
// without the room a row stream leaves for a dense row).
#include "golden/sparse_packed.h"

#include <algorithm>
#include <sstream>
#include <string>

#include "golden/sparse.h"

namespace bfp::golden {

namespace {

size_t rup(size_t x, int beat) {
  const size_t b = static_cast<size_t>(beat);
  return (x + b - 1) / b * b;
}

constexpr size_t kU16Max = 65535;

void put_u16(std::vector<uint8_t>& out, size_t at, size_t v) {
  out[at] = static_cast<uint8_t>(v & 0xff);
  out[at + 1] = static_cast<uint8_t>(v >> 8);
}

// Non-zero codes of block b of row r.
int block_nnz(const BfpMatrix& m, int r, int b) {
  int n = 0;
  for (int t = 0; t < m.block; ++t) n += m.codes(r, static_cast<Eigen::Index>(b) * m.block + t) != 0;
  return n;
}

// Appends row r of m as one packed row: header, level 1, exponents, level-2 masks, codes, back to back.
void append_row(std::vector<uint8_t>& out, const BfpMatrix& m, int r) {
  const int KB = m.kblocks(), B = m.block;
  const size_t start = out.size(), l1 = start + 4;
  out.resize(l1 + (static_cast<size_t>(KB) + 7) / 8, 0);
  std::vector<uint8_t> exps, masks, codes;
  for (int b = 0; b < KB; ++b) {
    if (block_nnz(m, r, b) == 0) continue;  // empty block: level-1 bit 0, nothing else stored
    out[l1 + static_cast<size_t>(b) / 8] |= static_cast<uint8_t>(1u << (b % 8));
    exps.push_back(m.exps(r, b));
    const size_t mask = masks.size();
    masks.resize(mask + static_cast<size_t>(B) / 8, 0);
    for (int t = 0; t < B; ++t) {
      const int8_t c = m.codes(r, static_cast<Eigen::Index>(b) * B + t);
      if (c == 0) continue;
      masks[mask + static_cast<size_t>(t) / 8] |= static_cast<uint8_t>(1u << (t % 8));  // element t: bit t%8 of byte t/8
      codes.push_back(static_cast<uint8_t>(c));
    }
  }
  out.insert(out.end(), exps.begin(), exps.end());
  out.insert(out.end(), masks.begin(), masks.end());
  out.insert(out.end(), codes.begin(), codes.end());
  put_u16(out, start, exps.size());       // nnz_blocks <= KB
  put_u16(out, start + 2, codes.size());  // nnz <= KB*B <= 65535
}

}  // namespace

// ---- layout ----------------------------------------------------------------------------------------------

namespace {

// Empty string when the parameters are valid, else the reason.
std::string packed_layout_error(int kb, int block, int beat, int tile_rows, PackedLayout* out) {
  if (block < 8 || block % 8 != 0)
    return "block size " + std::to_string(block) +
           " not supported (the format needs B >= 8 and a multiple of 8: a level-2 mask is whole bytes)";
  if (beat < 1) return "beat " + std::to_string(beat) + " bytes must be >= 1";
  if (kb < 0) return "negative block count " + std::to_string(kb);
  if (tile_rows < 1) return "tile_rows " + std::to_string(tile_rows) + " must be >= 1";
  if (static_cast<int64_t>(kb) * block > static_cast<int64_t>(kU16Max))
    return "a row of KB = " + std::to_string(kb) + " blocks of B = " + std::to_string(block) + " has " +
           std::to_string(static_cast<int64_t>(kb) * block) +
           " elements; the format allows at most 65535 (the u16 nnz field)";
  const size_t KB = static_cast<size_t>(kb), B = static_cast<size_t>(block);
  const size_t max_row = 4 + (KB + 7) / 8 + KB + KB * B / 8 + KB * B;  // <= 4 + 8192 + 8191*2 + 65535
  const size_t max_tile = packed_tile_header_bytes(tile_rows) + static_cast<size_t>(tile_rows) * max_row;
  if (tile_rows > 32767 || max_tile > kU16Max)
    return "a tile of R = " + std::to_string(tile_rows) + " dense rows of KB = " + std::to_string(kb) +
           ", B = " + std::to_string(block) + " needs up to " +
           (tile_rows > 32767 ? std::string("more than 65535") : std::to_string(max_tile)) +
           " bytes; the tile length and row offsets are u16 (at most 65535)";
  if (out) {
    out->kb = kb;
    out->block = block;
    out->beat = beat;
    out->tile_rows = tile_rows;
    out->max_row_bytes = max_row;
    out->max_tile_bytes = max_tile;
  }
  return "";
}

}  // namespace

size_t packed_tile_header_bytes(int n) { return 2 + 2 * static_cast<size_t>(n); }

PackedLayout packed_layout(int kb, int block, int beat, int tile_rows) {
  PackedLayout L;
  const std::string err = packed_layout_error(kb, block, beat, tile_rows, &L);
  if (!err.empty()) throw InputError("packed tiles: " + err);
  return L;
}

bool packed_layout_fits(int kb, int block, int beat, int tile_rows) {
  return packed_layout_error(kb, block, beat, tile_rows, nullptr).empty();
}

size_t packed_row_bytes(const PackedLayout& layout, size_t nnz_blocks, size_t nnz) {
  return 4 + (static_cast<size_t>(layout.kb) + 7) / 8 + nnz_blocks * (1 + static_cast<size_t>(layout.block) / 8) + nnz;
}

// ---- encoder ---------------------------------------------------------------------------------------------

std::vector<uint8_t> encode_packed(const BfpMatrix& m, int beat, int tile_rows) {
  check_sparse_matrix(m, "encode_packed");
  const PackedLayout L = packed_layout(m.kblocks(), m.block, beat, tile_rows);
  std::vector<uint8_t> out;
  for (int first = 0; first < m.rows; first += L.tile_rows) {
    const int n = std::min(L.tile_rows, m.rows - first);
    const size_t base = out.size();  // a multiple of the beat: tiles start on a beat
    out.resize(base + packed_tile_header_bytes(n), 0);
    for (int i = 0; i < n; ++i) {
      put_u16(out, base + 2 + 2 * static_cast<size_t>(i), out.size() - base);  // row i starts where we are
      append_row(out, m, first + i);
    }
    put_u16(out, base, out.size() - base);  // <= max_tile_bytes <= 65535 (packed_layout)
    out.resize(base + rup(out.size() - base, L.beat), 0);  // pad to the next beat
  }
  return out;
}

// ---- decoder ---------------------------------------------------------------------------------------------

namespace {

// Error reporting and bounded reads for one tile of decode_packed.
struct TileReader {
  const uint8_t* data;
  size_t size;
  int tile;
  size_t base;  // byte offset of the tile in data
  int first;    // matrix row of the tile's row 0
  int n;        // rows in the tile
  size_t len = 0;  // tile length, once checked against size

  std::string prefix() const {
    std::ostringstream os;
    os << "decode_packed: corrupt packed tile: tile " << tile << " (matrix rows " << first << ".." << first + n - 1
       << "), ";
    return os.str();
  }
  [[noreturn]] void fail_tile(size_t tile_off, const std::string& what) const {
    std::ostringstream os;
    os << prefix() << "segment 'tile header', byte offset " << base + tile_off << " (tile offset " << tile_off
       << "): " << what;
    throw InputError(os.str());
  }
  [[noreturn]] void fail_row(int i, const char* segment, size_t row_start, size_t row_off, const std::string& what) const {
    std::ostringstream os;
    os << prefix() << "row " << i << " (matrix row " << first + i << "), segment '" << segment << "', byte offset "
       << base + row_start + row_off << " (tile offset " << row_start + row_off << ", row offset " << row_off
       << "): " << what;
    throw InputError(os.str());
  }
  // Bytes [tile_off, tile_off + count) of the tile header must be inside the buffer.
  void need_header(size_t tile_off, size_t count) const {
    if (base > size || tile_off + count > size - base)
      fail_tile(tile_off, "the tile header needs " + std::to_string(count) + " bytes up to buffer offset " +
                              std::to_string(base + tile_off + count) + " but the buffer has only " +
                              std::to_string(size) + " bytes");
  }
  // Bytes [row_off, row_off + count) of the row starting at tile offset row_start must be inside the tile length
  // (which is inside the buffer).
  void need_row(int i, const char* segment, size_t row_start, size_t row_off, size_t count) const {
    if (row_start + row_off + count > len)
      fail_row(i, segment, row_start, row_off,
               "segment needs " + std::to_string(count) + " bytes up to tile offset " +
                   std::to_string(row_start + row_off + count) + " but the tile length is " + std::to_string(len) +
                   " (a row runs past the tile)");
  }
  uint8_t at(size_t tile_off) const { return data[base + tile_off]; }
  size_t u16(size_t tile_off) const { return at(tile_off) | (static_cast<size_t>(at(tile_off + 1)) << 8); }
};

}  // namespace

BfpMatrix decode_packed(const uint8_t* data, size_t size, int rows, int cols, int block, int beat, int tile_rows) {
  if (rows < 0 || cols < 0)
    throw InputError("decode_packed: negative shape " + std::to_string(rows) + "x" + std::to_string(cols));
  if (data == nullptr && size != 0) throw InputError("decode_packed: null data with non-zero size");
  packed_layout(0, block, beat, tile_rows);  // block, beat and tile_rows checks first (kblocks() needs a valid block)
  BfpMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.block = block;
  const int KB = m.kblocks(), B = block;
  const PackedLayout L = packed_layout(KB, B, beat, tile_rows);
  m.codes = CodeMatrix::Zero(rows, static_cast<Eigen::Index>(KB) * B);
  m.exps = ExpMatrix::Zero(rows, KB);
  const size_t mask_bytes = static_cast<size_t>(B / 8), l1_bytes = (static_cast<size_t>(KB) + 7) / 8;

  std::vector<int> nonempty;  // block index of the o-th non-empty block of the current row
  size_t base = 0;            // tile t's offset: the sum of rup(length) of the tiles before it
  for (int first = 0, t = 0; first < rows; first += L.tile_rows, ++t) {
    const int n = std::min(L.tile_rows, rows - first);
    TileReader rd{data, size, t, base, first, n};
    const size_t H = packed_tile_header_bytes(n);

    // tile header: u16 length, n x u16 row offsets
    rd.need_header(0, H);
    const size_t len = rd.u16(0);
    if (len < H)
      rd.fail_tile(0, "tile length " + std::to_string(len) + " is shorter than the tile header (" +
                          std::to_string(H) + " bytes for " + std::to_string(n) + " rows)");
    if (len > size - base)
      rd.fail_tile(0, "tile length " + std::to_string(len) + " runs to buffer offset " + std::to_string(base + len) +
                          " but the buffer has only " + std::to_string(size) + " bytes");
    rd.len = len;

    size_t pos = H;  // where the next row must start: rows follow the header and each other with no gap
    for (int i = 0; i < n; ++i) {
      const int r = first + i;
      const size_t field = 2 + 2 * static_cast<size_t>(i), off = rd.u16(field);
      if (off != pos)
        rd.fail_tile(field, "row " + std::to_string(i) + " (matrix row " + std::to_string(r) + ") offset " +
                                std::to_string(off) + " but " +
                                (i == 0 ? std::string("the tile header ends at ") :
                                          "row " + std::to_string(i - 1) + " ends at ") +
                                std::to_string(pos) + " (rows are back to back)");

      // row header
      rd.need_row(i, "header", pos, 0, 4);
      const size_t nnzb = rd.u16(pos), nnz = rd.u16(pos + 2);
      if (nnzb > static_cast<size_t>(KB))
        rd.fail_row(i, "header", pos, 0,
                    "nnz_blocks = " + std::to_string(nnzb) + " exceeds the row's KB = " + std::to_string(KB) + " blocks");
      if (nnz < nnzb || nnz > nnzb * static_cast<size_t>(B))
        rd.fail_row(i, "header", pos, 2,
                    "nnz = " + std::to_string(nnz) + " impossible for nnz_blocks = " + std::to_string(nnzb) +
                        " of B = " + std::to_string(B) + " (every non-empty block holds 1.." + std::to_string(B) +
                        " non-zero codes)");
      const size_t off_l1 = 4, off_exp = off_l1 + l1_bytes, off_l2 = off_exp + nnzb,
                   off_codes = off_l2 + nnzb * mask_bytes, row_end = off_codes + nnz;

      // level 1
      rd.need_row(i, "level 1", pos, off_l1, l1_bytes);
      nonempty.clear();
      for (size_t j = 0; j < l1_bytes; ++j) {
        const uint8_t v = rd.at(pos + off_l1 + j);
        for (int k = 0; k < 8; ++k) {
          if (!(v >> k & 1)) continue;
          const size_t b = j * 8 + static_cast<size_t>(k);
          if (b >= static_cast<size_t>(KB))
            rd.fail_row(i, "level 1", pos, off_l1 + j,
                        "bit " + std::to_string(k) + " is set for block index " + std::to_string(b) +
                            " but the row has only KB = " + std::to_string(KB) + " blocks (unused bits must be 0)");
          nonempty.push_back(static_cast<int>(b));
        }
      }
      if (nonempty.size() != nnzb)
        rd.fail_row(i, "level 1", pos, off_l1,
                    std::to_string(nonempty.size()) + " level-1 bits set but header nnz_blocks = " + std::to_string(nnzb));

      // exponents (read below), level 2
      rd.need_row(i, "exponents", pos, off_exp, nnzb);
      rd.need_row(i, "level 2", pos, off_l2, nnzb * mask_bytes);
      size_t bits = 0;
      for (size_t o = 0; o < nnzb; ++o) {
        const size_t moff = off_l2 + o * mask_bytes;
        const int b = nonempty[o];
        int cnt = 0;
        for (size_t j = 0; j < mask_bytes; ++j) {
          const uint8_t v = rd.at(pos + moff + j);
          cnt += __builtin_popcount(v);
          for (int k = 0; k < 8; ++k) {
            const int64_t col = static_cast<int64_t>(b) * B + static_cast<int64_t>(j) * 8 + k;
            if ((v >> k & 1) && col >= cols)
              rd.fail_row(i, "level 2", pos, moff + j,
                          "mask of non-empty block #" + std::to_string(o) + " (block " + std::to_string(b) +
                              ") sets element " + std::to_string(j * 8 + static_cast<size_t>(k)) + ", column " +
                              std::to_string(col) + ", past the matrix's " + std::to_string(cols) +
                              " columns (padding codes are zero)");
          }
        }
        if (cnt == 0)
          rd.fail_row(i, "level 2", pos, moff,
                      "mask of non-empty block #" + std::to_string(o) + " (block " + std::to_string(b) +
                          ") is all zero although its level-1 bit is set");
        bits += static_cast<size_t>(cnt);
      }
      if (bits != nnz)
        rd.fail_row(i, "level 2", pos, off_l2,
                    std::to_string(bits) + " level-2 bits set but header nnz = " + std::to_string(nnz));

      // codes
      rd.need_row(i, "codes", pos, off_codes, nnz);
      size_t ci = 0;
      for (size_t o = 0; o < nnzb; ++o) {
        const int b = nonempty[o];
        m.exps(r, b) = rd.at(pos + off_exp + o);
        const size_t moff = off_l2 + o * mask_bytes;
        for (int e = 0; e < B; ++e) {
          if (!(rd.at(pos + moff + static_cast<size_t>(e / 8)) >> (e % 8) & 1)) continue;
          const uint8_t c = rd.at(pos + off_codes + ci);
          if (c == 0)
            rd.fail_row(i, "codes", pos, off_codes + ci,
                        "code #" + std::to_string(ci) + " (block " + std::to_string(b) + ", element " +
                            std::to_string(e) + ", column " + std::to_string(static_cast<int64_t>(b) * B + e) +
                            ") is zero although its level-2 bit is set");
          m.codes(r, static_cast<Eigen::Index>(b) * B + e) = static_cast<int8_t>(c);
          ++ci;
        }
      }
      pos += row_end;
    }
    if (pos != len)
      rd.fail_tile(0, "tile length " + std::to_string(len) + " but the last row ends at " + std::to_string(pos) +
                          " (no bytes may follow the last row)");
    base += rup(len, L.beat);
  }
  return m;
}

// ---- statistics ------------------------------------------------------------------------------------------

PackedStats packed_stats(const BfpMatrix& m, int beat, int tile_rows) {
  check_sparse_matrix(m, "packed_stats");
  const PackedLayout L = packed_layout(m.kblocks(), m.block, beat, tile_rows);
  PackedStats s;
  for (int first = 0; first < m.rows; first += L.tile_rows) {
    const int n = std::min(L.tile_rows, m.rows - first);
    size_t len = packed_tile_header_bytes(n);
    for (int r = first; r < first + n; ++r) {
      size_t nnzb = 0, nnz = 0;
      for (int b = 0; b < L.kb; ++b) {
        const int k = block_nnz(m, r, b);
        nnz += static_cast<size_t>(k);
        nnzb += k != 0;
      }
      len += packed_row_bytes(L, nnzb, nnz);
    }
    ++s.tiles;
    s.header_bytes += packed_tile_header_bytes(n);
    s.bytes += len;
    s.bytes_moved += rup(len, L.beat);
  }
  return s;
}

}  // namespace bfp::golden
