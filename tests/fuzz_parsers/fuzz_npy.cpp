// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness of the .npy reader (golden/npy.cpp): decode() on the input as file content. An array it
// accepts must hold exactly size() elements of its type, read out with values<T>(), and encode() must write
// an array that decodes to the same dtype, shape and bytes.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "golden/npy.h"
#include "tests/fuzz_parsers/fuzz_common.h"

namespace {

template <class T>
size_t count_values(const bfp::npy::Array& a) {
  return a.values<T>().size();
}

size_t values_of(const bfp::npy::Array& a) {
  using bfp::npy::DType;
  switch (a.dtype) {
    case DType::I8: return count_values<int8_t>(a);
    case DType::U8: return count_values<uint8_t>(a);
    case DType::I32: return count_values<int32_t>(a);
    case DType::I64: return count_values<int64_t>(a);
    case DType::F32: return count_values<float>(a);
    case DType::F64: return count_values<double>(a);
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string content(reinterpret_cast<const char*>(data), size);
  bfp::npy::Array a;
  try {
    a = bfp::npy::decode(content, "fuzz.npy");
  } catch (const bfp::npy::Error&) {
    return 0;
  }
  const size_t isz = bfp::npy::item_size(a.dtype);
  bfp::fuzz::check(a.bytes.size() == a.size() * isz, "fuzz_npy",
                   "accepted an array whose data (" + std::to_string(a.bytes.size()) + " bytes) is not size() * " +
                       std::to_string(isz) + " (size() = " + std::to_string(a.size()) + ")");
  bfp::fuzz::check(values_of(a) == a.size(), "fuzz_npy", "values<T>() does not return size() elements");
  const std::string again = bfp::npy::encode(a.dtype, a.shape, a.bytes.data());
  const bfp::npy::Array b = bfp::npy::decode(again, "re-encoded");
  bfp::fuzz::check(b.dtype == a.dtype && b.shape == a.shape && b.bytes == a.bytes, "fuzz_npy",
                   "encode(decode(x)) decodes to a different array");
  return 0;
}
