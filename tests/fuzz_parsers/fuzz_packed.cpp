// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness of the packed-tile decoder (golden/sparse_packed.cpp decode_packed, docs/sparse-format.md
// "Packed tiles"). The first kPackedParamBytes bytes choose the decoder's parameters, the rest is the buffer (see
// packed_params.h); the buffer is handed over in a vector of exactly its size, so a read past `size` is an ASan
// report. A matrix it accepts must survive the round trip through the golden encoder: decode(encode(m)) == m.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "golden/sparse_packed.h"
#include "tests/fuzz_parsers/fuzz_common.h"
#include "tests/fuzz_parsers/packed_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < bfp::fuzz::kPackedParamBytes) return 0;
  const bfp::fuzz::PackedParams p = bfp::fuzz::packed_params_from(data);
  const std::vector<uint8_t> buf(data + bfp::fuzz::kPackedParamBytes, data + size);
  bfp::golden::BfpMatrix m;
  try {
    m = bfp::golden::decode_packed(buf.empty() ? nullptr : buf.data(), buf.size(), p.rows, p.cols, p.block, p.beat,
                                   p.tile_rows);
  } catch (const bfp::golden::InputError&) {
    return 0;
  }
  const std::string what = "rows=" + std::to_string(p.rows) + " cols=" + std::to_string(p.cols) +
                           " block=" + std::to_string(p.block) + " beat=" + std::to_string(p.beat) +
                           " tile_rows=" + std::to_string(p.tile_rows);
  bfp::fuzz::check(m.rows == p.rows && m.cols == p.cols && m.block == p.block && m.codes.rows() == p.rows &&
                       m.exps.rows() == p.rows && m.exps.cols() == m.kblocks() &&
                       m.codes.cols() == static_cast<Eigen::Index>(m.kblocks()) * p.block,
                   "fuzz_packed", "decoded matrix has the wrong shape (" + what + ")");
  const std::vector<uint8_t> again = bfp::golden::encode_packed(m, p.beat, p.tile_rows);
  const bfp::golden::BfpMatrix back = bfp::golden::decode_packed(again.empty() ? nullptr : again.data(), again.size(),
                                                                 p.rows, p.cols, p.block, p.beat, p.tile_rows);
  bfp::fuzz::check(back == m, "fuzz_packed", "decode(encode(decode(x))) != decode(x) (" + what + ")");
  return 0;
}
