// SPDX-License-Identifier: Apache-2.0
// Minimal NumPy .npy (format version 1.0) writer and reader: little-endian int8, uint8, int32, int64,
// float32, float64; C order; any shape (including 0-d and empty arrays). Used by `bfpgen gemm --dump` and
// by tests. Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
#pragma once
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace bfp::npy {

/// Malformed or unsupported file, I/O failure, or a shape/size mismatch.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class DType { I8, U8, I32, I64, F32, F64 };

/// NumPy `descr` string: "|i1", "|u1", "<i4", "<i8", "<f4", "<f8".
const char* descr(DType t);
/// Bytes per element.
size_t item_size(DType t);

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, int8_t>) return DType::I8;
  else if constexpr (std::is_same_v<T, uint8_t>) return DType::U8;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::I32;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::I64;
  else if constexpr (std::is_same_v<T, float>) return DType::F32;
  else {
    static_assert(std::is_same_v<T, double>, "npy: unsupported element type");
    return DType::F64;
  }
}

/// The complete file content (header + data) for an array; `data` holds prod(shape) elements in C order.
std::string encode(DType t, const std::vector<size_t>& shape, const void* data);
/// Writes encode(...) to `path`; throws Error on I/O failure.
void write(const std::string& path, DType t, const std::vector<size_t>& shape, const void* data);

template <class T>
void write(const std::string& path, const std::vector<size_t>& shape, const std::vector<T>& data) {
  size_t n = 1;
  for (size_t d : shape) n *= d;
  if (n != data.size()) throw Error("npy: " + path + ": shape does not match the element count");
  write(path, dtype_of<T>(), shape, data.data());
}

/// Writes any Eigen matrix as a 2-D array in C (row-major) order, whatever its storage order.
template <class Derived>
void write_matrix(const std::string& path, const Eigen::DenseBase<Derived>& m) {
  using T = typename Derived::Scalar;
  std::vector<T> buf(static_cast<size_t>(m.rows() * m.cols()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) buf[static_cast<size_t>(i * m.cols() + j)] = m(i, j);
  write(path, {static_cast<size_t>(m.rows()), static_cast<size_t>(m.cols())}, buf);
}

/// An array read from a file: raw little-endian element bytes in C order.
struct Array {
  DType dtype = DType::F64;
  std::vector<size_t> shape;
  std::vector<uint8_t> bytes;

  size_t size() const;
  /// Copies the elements out; throws Error if T is not the stored type.
  template <class T>
  std::vector<T> values() const {
    if (dtype_of<T>() != dtype) throw Error(std::string("npy: array holds ") + descr(dtype) + ", not " + descr(dtype_of<T>()));
    std::vector<T> v(size());
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
  }
};

/// Largest data the reader accepts (bytes; 1 GiB): a shape needing more is refused before any allocation, so
/// a forged shape can neither overflow the element count nor exhaust memory, and read() stops reading a file
/// (or a device such as /dev/zero) at this size plus the largest header.
constexpr size_t kMaxBytes = size_t(1) << 30;

/// Parses file content (versions 1.0 and 2.0, C order, the six types above).
Array decode(const std::string& content, const std::string& name = "<memory>");
/// Reads and parses a file.
Array read(const std::string& path);

}  // namespace bfp::npy
