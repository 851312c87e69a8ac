// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness of the ONNX reader and converter (import/onnx_read.cpp, import/convert*.cpp): parse_model on
// the input as the bytes of a .onnx file (protobuf parsing, opset check, Debian libonnx's checker and shape
// inference), then convert() of every model it accepts, then the initializer readers on every initializer. Each
// step must succeed or throw ImportError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "import/convert.h"
#include "import/onnx_read.h"
#include "tests/fuzz_parsers/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace oi = bfp::onnx_import;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  oi::Model m;
  try {
    m = oi::parse_model(bytes, "fuzz.onnx");
  } catch (const oi::ImportError&) {
    return 0;
  }
  for (const auto& t : m.proto.graph().initializer()) {
    try {
      oi::check_initializer(t, "initializer");
      const oi::FloatTensor f = oi::float_tensor(t, "initializer");
      bfp::fuzz::check(oi::checked_elements(f.dims, "dims") == int64_t(f.values.size()), "fuzz_onnx",
                       "float_tensor() returned a value count that disagrees with its dims");
    } catch (const oi::ImportError&) {
    }
    try {
      oi::int_tensor(t, "initializer");
    } catch (const oi::ImportError&) {
    }
  }
  try {
    const oi::Imported imp = oi::convert(m, "fuzz");
    for (const oi::OutLayer& l : imp.layers) {  // weights are documented as "in that shape, C order"
      size_t n = l.weight_shape.empty() ? 0 : 1;
      for (size_t d : l.weight_shape) n *= d;
      bfp::fuzz::check(l.weights.size() == n, "fuzz_onnx",
                       "layer '" + l.name + "': " + std::to_string(l.weights.size()) + " weights for a weight shape of " +
                           std::to_string(n) + " elements");
    }
  } catch (const oi::ImportError&) {
  }
  return 0;
}
