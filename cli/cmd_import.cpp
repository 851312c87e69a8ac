// SPDX-License-Identifier: Apache-2.0
// bfpgen import: an ONNX model -> network YAML + .npy weights (import/emit.h, docs/import.md).
#include <iostream>

#include "commands.h"
#include "import/emit.h"

namespace bfp::cli {

Runner add_import(CLI::App& app) {
  auto o = std::make_shared<onnx_import::ImportOptions>();
  app.add_option("model", o->model, "ONNX model (.onnx, opsets up to 17, static shapes)")->required();
  app.add_option("-o,--out", o->out_dir, "output folder: NAME.yaml, NAME.weights/*.npy, NAME.input.npy, NAME.expected.npy")
      ->required();
  app.add_option("--input", o->input_npy,
                 "network input (.npy, float32/64, the ONNX layout [N, C, H, W] or [N, F]); written NHWC as input.file")
      ->check(CLI::ExistingFile);
  app.add_option("--expected", o->expected_npy,
                 "expected output of the model (.npy, the ONNX layout); written NHWC as expected_output")
      ->check(CLI::ExistingFile);
  app.add_option("--name", o->name, "network name and file stem (default: the model file's stem)");
  app.add_flag("--force", o->force, "replace the output folder if it exists and is not empty");
  return [o]() -> int {
    const auto r = onnx_import::import_onnx(*o);
    std::cout << onnx_import::import_summary(r);
    return 0;
  };
}

}  // namespace bfp::cli
