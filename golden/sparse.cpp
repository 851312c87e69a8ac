// SPDX-License-Identifier: Apache-2.0
// Golden model of sparsity scaling and of the row-stream format of docs/sparse-format.md. Every offset and
// bit position below is the one named in that document's "Byte layout" table.
#include "golden/sparse.h"

#include <limits>
#include <sstream>
#include <string>

#include "golden/sparse_packed.h"

namespace bfp::golden {

namespace {

size_t rup(size_t x, int beat) {
  const size_t b = static_cast<size_t>(beat);
  return (x + b - 1) / b * b;
}

int popcount8(uint8_t v) { return __builtin_popcount(v); }

}  // namespace

// Shape invariants of BfpMatrix, and zero codes in the padding columns past m.cols.
void check_sparse_matrix(const BfpMatrix& m, const char* what) {
  check_bfp_shape(m, what);
  for (int r = 0; r < m.rows; ++r)
    for (Eigen::Index j = m.cols; j < m.codes.cols(); ++j)
      if (m.codes(r, j) != 0)
        throw InputError(std::string(what) + ": row " + std::to_string(r) + " has non-zero code " +
                         std::to_string(m.codes(r, j)) + " in padding column " + std::to_string(j) +
                         " (the matrix has " + std::to_string(m.cols) + " columns)");
}

namespace {

void check_matrix(const BfpMatrix& m, const char* what) { check_sparse_matrix(m, what); }

bool same_layout(const RowStreamLayout& a, const RowStreamLayout& b) {
  return a.kb == b.kb && a.block == b.block && a.beat == b.beat && a.off_l2 == b.off_l2 &&
         a.off_exp == b.off_exp && a.off_codes == b.off_codes && a.min_row_stride == b.min_row_stride;
}

size_t checked_stride(const RowStreamLayout& L, size_t row_stride, const char* what) {
  if (row_stride == 0) return L.min_row_stride;
  if (row_stride % static_cast<size_t>(L.beat) != 0 || row_stride < L.min_row_stride)
    throw InputError(std::string(what) + ": row_stride " + std::to_string(row_stride) +
                     " must be a multiple of the beat (" + std::to_string(L.beat) + " bytes) and at least " +
                     std::to_string(L.min_row_stride) + " (off_codes " + std::to_string(L.off_codes) +
                     " + rup(KB*B) for KB = " + std::to_string(L.kb) + ", B = " + std::to_string(L.block) + ")");
  return row_stride;
}

}  // namespace

// ---- sparsity scaling ------------------------------------------------------------------------------------

void prune(BfpMatrix& m, int threshold) {
  if (threshold < 0 || threshold > 255)
    throw InputError("prune: threshold " + std::to_string(threshold) + " outside 0..255 (8-bit field; 0 = off)");
  check_matrix(m, "prune");
  if (threshold == 0) return;  // off
  const int B = m.block;
  for (int r = 0; r < m.rows; ++r) {
    for (int b = 0; b < m.kblocks(); ++b) {
      bool any = false;
      for (int t = 0; t < B; ++t) {
        int8_t& c = m.codes(r, static_cast<Eigen::Index>(b) * B + t);
        const int mag = c < 0 ? -static_cast<int>(c) : static_cast<int>(c);  // |-128| = 128
        if (mag < threshold) c = 0;
        any = any || c != 0;
      }
      if (!any) m.exps(r, b) = 0;  // canonical empty block
    }
  }
}

BfpMatrix requantize_pruned(const AccMatrix& acc, int block, const AccParams& ap, bool relu, int threshold) {
  if (threshold < 0 || threshold > 255)  // before the (costlier) requantization
    throw InputError("requantize_pruned: threshold " + std::to_string(threshold) +
                     " outside 0..255 (8-bit field; 0 = off)");
  BfpMatrix out = requantize(acc, block, ap, relu);
  prune(out, threshold);
  return out;
}

// ---- layout ----------------------------------------------------------------------------------------------

RowStreamLayout row_stream_layout(int kb, int block, int beat) {
  if (block < 8 || block % 8 != 0)
    throw InputError("sparse row stream: block size " + std::to_string(block) +
                     " not supported (the format needs B >= 8 and a multiple of 8: a level-2 mask is whole bytes)");
  if (beat < 1) throw InputError("sparse row stream: beat " + std::to_string(beat) + " bytes must be >= 1");
  if (kb < 0) throw InputError("sparse row stream: negative block count " + std::to_string(kb));
  if (static_cast<int64_t>(kb) * block > 65535)
    throw InputError("sparse row stream: a row of KB = " + std::to_string(kb) + " blocks of B = " +
                     std::to_string(block) + " has " + std::to_string(static_cast<int64_t>(kb) * block) +
                     " elements; the format allows at most 65535 (the u16 nnz field)");
  RowStreamLayout L;
  L.kb = kb;
  L.block = block;
  L.beat = beat;
  const size_t KB = static_cast<size_t>(kb), B = static_cast<size_t>(block);
  L.off_exp = 4 + (KB + 7) / 8;                        // right after the level-1 mask
  L.off_l2 = (L.off_exp + KB + B / 8 - 1) / (B / 8) * (B / 8);  // after KB exponents, on a whole mask
  L.off_codes = rup(L.off_l2 + KB * B / 8, beat);           // on a beat
  L.min_row_stride = L.off_codes + rup(KB * B, beat);
  return L;
}

// ---- encoder ---------------------------------------------------------------------------------------------

std::vector<uint8_t> encode_row(const BfpMatrix& m, int row, const RowStreamLayout& layout, size_t row_stride) {
  check_matrix(m, "encode_row");
  if (layout.kb != m.kblocks() || layout.block != m.block)
    throw InputError("encode_row: layout is for KB = " + std::to_string(layout.kb) + ", B = " +
                     std::to_string(layout.block) + " but the matrix has KB = " + std::to_string(m.kblocks()) +
                     ", B = " + std::to_string(m.block));
  if (!same_layout(layout, row_stream_layout(layout.kb, layout.block, layout.beat)))
    throw InputError("encode_row: layout offsets are not those of docs/sparse-format.md (use row_stream_layout)");
  if (row < 0 || row >= m.rows)
    throw InputError("encode_row: row " + std::to_string(row) + " outside 0.." + std::to_string(m.rows - 1));
  const size_t stride = checked_stride(layout, row_stride, "encode_row");
  const int KB = layout.kb, B = layout.block, mask_bytes = B / 8;

  std::vector<uint8_t> out(stride, 0);
  size_t nnzb = 0, nnz = 0;
  for (int b = 0; b < KB; ++b) {
    const int8_t* c = m.codes.data() + static_cast<Eigen::Index>(row) * m.codes.cols() + static_cast<Eigen::Index>(b) * B;
    bool any = false;
    for (int t = 0; t < B; ++t) any = any || c[t] != 0;
    if (!any) continue;  // empty block: level-1 bit 0, nothing else stored
    // level 1: bit b % 8 of byte 4 + b / 8
    out[4 + static_cast<size_t>(b) / 8] |= static_cast<uint8_t>(1u << (b % 8));
    // level 2: the nnzb-th non-empty block's mask at off_l2 + nnzb * B/8; element t = bit t % 8 of byte t / 8
    uint8_t* mask = out.data() + layout.off_l2 + nnzb * static_cast<size_t>(mask_bytes);
    for (int t = 0; t < B; ++t)
      if (c[t] != 0) {
        mask[t / 8] |= static_cast<uint8_t>(1u << (t % 8));
        out[layout.off_codes + nnz] = static_cast<uint8_t>(c[t]);  // codes: non-zero codes in element order
        ++nnz;
      }
    out[layout.off_exp + nnzb] = m.exps(row, b);  // exponents of non-empty blocks, in block order
    ++nnzb;
  }
  // header: u16 nnz_blocks, u16 nnz, little-endian (both <= KB*B <= 65535 by row_stream_layout)
  out[0] = static_cast<uint8_t>(nnzb & 0xff);
  out[1] = static_cast<uint8_t>(nnzb >> 8);
  out[2] = static_cast<uint8_t>(nnz & 0xff);
  out[3] = static_cast<uint8_t>(nnz >> 8);
  return out;
}

std::vector<uint8_t> encode_rows(const BfpMatrix& m, int beat, size_t row_stride) {
  check_matrix(m, "encode_rows");
  const RowStreamLayout L = row_stream_layout(m.kblocks(), m.block, beat);
  const size_t stride = checked_stride(L, row_stride, "encode_rows");
  std::vector<uint8_t> out;
  out.reserve(stride * static_cast<size_t>(m.rows));
  for (int r = 0; r < m.rows; ++r) {
    const std::vector<uint8_t> s = encode_row(m, r, L, stride);
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

// ---- decoder ---------------------------------------------------------------------------------------------

namespace {

// Error reporting for one row of decode_rows.
struct RowReader {
  const uint8_t* data;
  size_t size;
  int row;
  size_t base;  // byte offset of the row in data

  [[noreturn]] void fail(const char* segment, size_t row_off, const std::string& what) const {
    std::ostringstream os;
    os << "decode_rows: corrupt row stream: row " << row << ", segment '" << segment << "', byte offset "
       << base + row_off << " (row offset " << row_off << "): " << what;
    throw InputError(os.str());
  }
  // Makes sure bytes [row_off, row_off + len) of the row are inside the buffer.
  void need(const char* segment, size_t row_off, size_t len) const {
    if (base > size || row_off > size - base || len > size - base - row_off) {
      std::ostringstream os;
      os << "segment needs " << len << " bytes up to buffer offset " << base + row_off + len
         << " but the buffer has only " << size << " bytes";
      fail(segment, row_off, os.str());
    }
  }
  uint8_t at(size_t row_off) const { return data[base + row_off]; }
};

}  // namespace

BfpMatrix decode_rows(const uint8_t* data, size_t size, int rows, int cols, int block, int beat, size_t row_stride) {
  if (rows < 0 || cols < 0)
    throw InputError("decode_rows: negative shape " + std::to_string(rows) + "x" + std::to_string(cols));
  if (data == nullptr && size != 0) throw InputError("decode_rows: null data with non-zero size");
  row_stream_layout(0, block, beat);  // block and beat checks first (kblocks() needs a valid block)
  BfpMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.block = block;
  const int KB = m.kblocks(), B = block;
  const RowStreamLayout L = row_stream_layout(KB, B, beat);
  row_stride = checked_stride(L, row_stride, "decode_rows");
  m.codes = CodeMatrix::Zero(rows, static_cast<Eigen::Index>(KB) * B);
  m.exps = ExpMatrix::Zero(rows, KB);
  const size_t mask_bytes = static_cast<size_t>(B / 8), l1_bytes = (static_cast<size_t>(KB) + 7) / 8;

  std::vector<int> nonempty;  // block index of the o-th non-empty block
  for (int r = 0; r < rows; ++r) {
    const size_t base = static_cast<size_t>(r) <= std::numeric_limits<size_t>::max() / row_stride
                            ? static_cast<size_t>(r) * row_stride
                            : std::numeric_limits<size_t>::max();
    const RowReader rd{data, size, r, base};

    // header
    rd.need("header", 0, 4);
    const size_t nnzb = rd.at(0) | (static_cast<size_t>(rd.at(1)) << 8);
    const size_t nnz = rd.at(2) | (static_cast<size_t>(rd.at(3)) << 8);
    if (nnzb > static_cast<size_t>(KB))
      rd.fail("header", 0, "nnz_blocks = " + std::to_string(nnzb) + " exceeds the row's KB = " + std::to_string(KB) +
                               " blocks");
    if (nnz < nnzb || nnz > nnzb * static_cast<size_t>(B))
      rd.fail("header", 2, "nnz = " + std::to_string(nnz) + " impossible for nnz_blocks = " + std::to_string(nnzb) +
                               " of B = " + std::to_string(B) + " (every non-empty block holds 1.." +
                               std::to_string(B) + " non-zero codes)");

    // level 1
    rd.need("level 1", 4, l1_bytes);
    nonempty.clear();
    for (size_t i = 0; i < l1_bytes; ++i) {
      const uint8_t v = rd.at(4 + i);
      for (int k = 0; k < 8; ++k) {
        if (!(v >> k & 1)) continue;
        const size_t b = i * 8 + static_cast<size_t>(k);
        if (b >= static_cast<size_t>(KB))
          rd.fail("level 1", 4 + i, "bit " + std::to_string(k) + " is set for block index " + std::to_string(b) +
                                        " but the row has only KB = " + std::to_string(KB) + " blocks (unused bits must be 0)");
        nonempty.push_back(static_cast<int>(b));
      }
    }
    if (nonempty.size() != nnzb)
      rd.fail("level 1", 4, std::to_string(nonempty.size()) + " level-1 bits set but header nnz_blocks = " +
                                std::to_string(nnzb));

    // exponents (read below), level 2
    rd.need("exponents", L.off_exp, nnzb);
    rd.need("level 2", L.off_l2, nnzb * mask_bytes);
    size_t bits = 0;
    for (size_t o = 0; o < nnzb; ++o) {
      const size_t moff = L.off_l2 + o * mask_bytes;
      const int b = nonempty[o];
      int cnt = 0;
      for (size_t i = 0; i < mask_bytes; ++i) {
        const uint8_t v = rd.at(moff + i);
        cnt += popcount8(v);
        for (int k = 0; k < 8; ++k) {
          const int64_t col = static_cast<int64_t>(b) * B + static_cast<int64_t>(i) * 8 + k;
          if ((v >> k & 1) && col >= cols)
            rd.fail("level 2", moff + i, "mask of non-empty block #" + std::to_string(o) + " (block " +
                                             std::to_string(b) + ") sets element " + std::to_string(i * 8 + k) +
                                             ", column " + std::to_string(col) + ", past the matrix's " +
                                             std::to_string(cols) + " columns (padding codes are zero)");
        }
      }
      if (cnt == 0)
        rd.fail("level 2", moff, "mask of non-empty block #" + std::to_string(o) + " (block " + std::to_string(b) +
                                     ") is all zero although its level-1 bit is set");
      bits += static_cast<size_t>(cnt);
    }
    if (bits != nnz)
      rd.fail("level 2", L.off_l2, std::to_string(bits) + " level-2 bits set but header nnz = " + std::to_string(nnz));

    // codes
    rd.need("codes", L.off_codes, nnz);
    size_t ci = 0;
    for (size_t o = 0; o < nnzb; ++o) {
      const int b = nonempty[o];
      m.exps(r, b) = rd.at(L.off_exp + o);
      const size_t moff = L.off_l2 + o * mask_bytes;
      for (int t = 0; t < B; ++t) {
        if (!(rd.at(moff + static_cast<size_t>(t / 8)) >> (t % 8) & 1)) continue;
        const uint8_t c = rd.at(L.off_codes + ci);
        if (c == 0)
          rd.fail("codes", L.off_codes + ci, "code #" + std::to_string(ci) + " (block " + std::to_string(b) +
                                                 ", element " + std::to_string(t) + ", column " +
                                                 std::to_string(static_cast<int64_t>(b) * B + t) +
                                                 ") is zero although its level-2 bit is set");
        m.codes(r, static_cast<Eigen::Index>(b) * B + t) = static_cast<int8_t>(c);
        ++ci;
      }
    }
  }
  return m;
}

// ---- statistics ------------------------------------------------------------------------------------------

CompressionStats compression_stats(const BfpMatrix& m, int beat, int tile_rows) {
  check_matrix(m, "compression_stats");
  const RowStreamLayout L = row_stream_layout(m.kblocks(), m.block, beat);
  const size_t KB = static_cast<size_t>(L.kb), B = static_cast<size_t>(L.block);
  CompressionStats s;
  for (int r = 0; r < m.rows; ++r) {
    size_t nnzb = 0, nnz = 0;
    for (size_t b = 0; b < KB; ++b) {
      size_t n = 0;
      for (size_t t = 0; t < B; ++t) n += m.codes(r, static_cast<Eigen::Index>(b * B + t)) != 0;
      nnz += n;
      nnzb += n != 0;
    }
    s.dense_bytes += rup(KB * B, beat) + rup(KB, beat);
    s.hier_bytes += 4 + (KB + 7) / 8 + nnzb * B / 8 + nnzb + nnz;
    // the reader's beats: [0, off_l2 + nnzb*B/8) (beat 0 at least: header and level 1), then the used codes
    const size_t meta_end = nnzb ? L.off_l2 + nnzb * B / 8 : 4 + (KB + 7) / 8;
    s.hier_bytes_moved += rup(meta_end, beat) + rup(nnz, beat);
    s.flat_bitmap_bytes += KB * B / 8 + KB + nnz;
    s.nnz += nnz;
    s.nnz_blocks += nnzb;
  }
  if (tile_rows != 0) {  // the packed layout's sizes (tile_rows < 0 throws there)
    const PackedStats p = packed_stats(m, beat, tile_rows);
    s.packed_tile_rows = tile_rows;
    s.packed_bytes = p.bytes;
    s.packed_bytes_moved = p.bytes_moved;
  }
  s.elements = static_cast<size_t>(m.rows) * static_cast<size_t>(m.cols);
  s.sparsity = s.elements ? 1.0 - static_cast<double>(s.nnz) / static_cast<double>(s.elements) : 0.0;
  return s;
}

}  // namespace bfp::golden
