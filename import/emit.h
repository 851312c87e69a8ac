// SPDX-License-Identifier: Apache-2.0
// `bfpgen import`: an ONNX model -> a network YAML (docs/networks.md) with its weights, biases and (when
// given) input and expected output as .npy files, written atomically (a temporary folder renamed at the end,
// so an error leaves nothing behind). Same model, same options: same bytes.
#pragma once
#include <string>
#include <vector>

#include "import/convert.h"

namespace bfp::onnx_import {

struct ImportOptions {
  std::string model;         ///< the .onnx file
  std::string out_dir;       ///< DIR: gets NAME.yaml, NAME.weights/, NAME.input.npy, NAME.expected.npy
  std::string name;          ///< network name ("" = the model file's stem, made a valid name)
  std::string input_npy;     ///< optional: network input in the ONNX layout ([N, C, H, W] or [N, F])
  std::string expected_npy;  ///< optional: expected output in the ONNX layout
  bool force = false;        ///< replace a non-empty out_dir
};

struct ImportResult {
  Imported net;
  std::string yaml_path;            ///< DIR/NAME.yaml
  std::vector<std::string> files;   ///< every file written, relative to DIR, sorted
};

/// Reads, converts and writes. Throws ImportError (model, options, files); nothing is written then.
ImportResult import_onnx(const ImportOptions& opt);

/// The network YAML text of `net`, its files in `NAME.weights/` (relative to the YAML).
std::string network_yaml(const Imported& net, bool has_input, bool has_expected);
/// The import summary: nodes -> layers, foldings, fusions, dropped nodes, MACs.
std::string import_summary(const ImportResult& r);
/// A valid network name from a file stem ("resnet-18" stays, "1x" -> "_1x").
std::string name_from_path(const std::string& path);

}  // namespace bfp::onnx_import
