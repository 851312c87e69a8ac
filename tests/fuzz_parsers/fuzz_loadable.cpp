// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness of the loadable reader (host/loadable.cpp, docs/loadable.md): read_loadable() against
// configs/test/r2c2b8.yaml on the input made self-consistent first (file_bytes and the CRC-32 set for its
// contents), so that mutations reach the field checks behind the checksum. A file it accepts must re-encode to
// exactly its bytes (encode_loadable: the format has one encoding).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/loadable.h"
#include "tests/fuzz_parsers/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bfp::Config cfg = bfp::load_config(std::string(BFP_ROOT) + "/configs/test/r2c2b8.yaml");
  std::vector<uint8_t> b(data, data + size);
  if (b.size() >= 20) {  // reseal: file_bytes = the size, the checksum of the contents
    for (int i = 0; i < 8; ++i) b[8 + size_t(i)] = uint8_t(uint64_t(b.size()) >> (8 * i));
    const uint32_t c = bfp::host::crc32(b.data(), b.size() - 4);
    for (int i = 0; i < 4; ++i) b[b.size() - 4 + size_t(i)] = uint8_t(c >> (8 * i));
  }
  bfp::host::Loadable l;
  try {
    l = bfp::host::read_loadable(b, cfg, "fuzz.bfpl");
  } catch (const bfp::host::LoadableError& e) {
    bfp::fuzz::verbose(e.what());
    return 0;
  }
  bfp::fuzz::check(bfp::host::encode_loadable(l) == b, "fuzz_loadable",
                   "an accepted file does not re-encode to the same bytes");
  return 0;
}
