// SPDX-License-Identifier: Apache-2.0
// The hand-written RTL leaf modules (rtl/*.sv), embedded into bfp_gen at build time by embed_rtl.cmake.
#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

namespace bfp {

/// One embedded source file: its base name (e.g. "bfp_pe.sv") and its exact bytes.
struct EmbeddedFile {
  const char* name;
  const unsigned char* data;
  std::size_t size;

  std::string_view text() const { return {reinterpret_cast<const char*>(data), size}; }
};

/// Every rtl/*.sv file as it was when the library was built, sorted by name.
const std::vector<EmbeddedFile>& embedded_rtl();

}  // namespace bfp
