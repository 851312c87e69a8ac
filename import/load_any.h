// SPDX-License-Identifier: Apache-2.0
// One way in for `bfpgen run --net` and `bfpgen report --net`: a network YAML, or an ONNX model imported into a
// temporary folder (removed with the returned object) and loaded from there.
#pragma once
#include <memory>
#include <string>

#include "mapper/network.h"

namespace bfp::onnx_import {

struct LoadedNetwork {
  mapper::Network net;
  bool from_onnx = false;
  std::string summary;          ///< the import summary (ONNX only)
  std::shared_ptr<void> files;  ///< keeps the imported files until the run is over
};

/// True for a path ending in ".onnx" (any case).
bool is_onnx_path(const std::string& path);

/// Loads `path`: a YAML network (mapper::load_network; `input_npy` / `expected_npy` then replace its input
/// and expected output with mapper::set_input_file / set_expected_file, NHWC) or an ONNX model (import_onnx into a temporary folder with `input_npy` and
/// `expected_npy` in the ONNX layout, then mapper::load_network of the YAML). Throws ImportError / NetError.
LoadedNetwork load_network_any(const std::string& path, const std::string& input_npy = "",
                               const std::string& expected_npy = "");

}  // namespace bfp::onnx_import
