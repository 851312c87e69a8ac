// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness of the compressed row-stream decoder (golden/sparse.cpp decode_rows, docs/sparse-format.md).
// The first kParamBytes bytes choose the decoder's parameters, the rest is the stream (see rowstream_params.h);
// the stream is handed over in a buffer of exactly its size, so a read past `size` is an ASan report. A matrix it
// accepts must survive the round trip through the golden encoder: decode(encode_rows(m)) == m.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "golden/sparse.h"
#include "tests/fuzz_parsers/fuzz_common.h"
#include "tests/fuzz_parsers/rowstream_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < bfp::fuzz::kParamBytes) return 0;
  const bfp::fuzz::RowStreamParams p = bfp::fuzz::params_from(data);
  size_t stride = 0;
  try {
    stride = bfp::fuzz::stride_of(p);
  } catch (const bfp::golden::InputError&) {
    return 0;
  }
  // an exact-size copy (libFuzzer's buffer is exact too; the copy keeps that true if the harness changes)
  const std::vector<uint8_t> stream(data + bfp::fuzz::kParamBytes, data + size);
  bfp::golden::BfpMatrix m;
  try {
    m = bfp::golden::decode_rows(stream.empty() ? nullptr : stream.data(), stream.size(), p.rows, p.cols, p.block,
                                 p.beat, stride);
  } catch (const bfp::golden::InputError&) {
    return 0;
  }
  const std::string what = "rows=" + std::to_string(p.rows) + " cols=" + std::to_string(p.cols) +
                           " block=" + std::to_string(p.block) + " beat=" + std::to_string(p.beat) +
                           " stride=" + std::to_string(stride);
  bfp::fuzz::check(m.rows == p.rows && m.cols == p.cols && m.block == p.block && m.codes.rows() == p.rows &&
                       m.exps.rows() == p.rows && m.exps.cols() == m.kblocks() &&
                       m.codes.cols() == static_cast<Eigen::Index>(m.kblocks()) * p.block,
                   "fuzz_rowstream", "decoded matrix has the wrong shape (" + what + ")");
  const std::vector<uint8_t> again = bfp::golden::encode_rows(m, p.beat, stride);
  const bfp::golden::BfpMatrix back =
      bfp::golden::decode_rows(again.empty() ? nullptr : again.data(), again.size(), p.rows, p.cols, p.block, p.beat, stride);
  bfp::fuzz::check(back == m, "fuzz_rowstream", "decode(encode(decode(x))) != decode(x) (" + what + ")");
  return 0;
}
