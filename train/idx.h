// SPDX-License-Identifier: Apache-2.0
// Reader for IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), gzipped or
// raw. Dataset files come from outside the project, so every field is checked and the read is bounded before
// anything is allocated.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace bfp::train {

/// A missing, unreadable or malformed dataset file; the message names the file and what is wrong.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An IDX array: its dims (outermost first) and its bytes in C order (type 0x08 = unsigned byte only).
struct IdxArray {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> data;
};

/// "60000x28x28".
std::string dims_text(const std::vector<uint32_t>& dims);

/// Reads a gzipped (detected by the gzip magic, not the name) or raw IDX file through zlib.
/// Validates: magic (two zero bytes, type 0x08, 1..4 dims), every dim >= 1, the product of dims <= max_bytes
/// (computed without overflow, checked before allocating), the file holds exactly that many data bytes
/// (truncated data and trailing bytes are errors), and the gzip stream (corrupt data, bad CRC, cut-off stream).
/// Throws DataError naming the file and what is wrong. Bytes after the end of a gzip stream that are not another
/// gzip member are ignored by zlib (gunzip ignores them too, with a warning); trailing bytes of the decompressed
/// data are errors.
IdxArray read_idx(const std::string& path, size_t max_bytes = size_t{1} << 28);

}  // namespace bfp::train
