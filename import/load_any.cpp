// SPDX-License-Identifier: Apache-2.0
// A network from a YAML file or an ONNX model (imported into a temporary folder first).
#include "import/load_any.h"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "import/emit.h"

namespace bfp::onnx_import {

namespace fs = std::filesystem;

bool is_onnx_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".onnx";
}

namespace {

struct ScratchDir {
  fs::path path;
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

}  // namespace

LoadedNetwork load_network_any(const std::string& path, const std::string& input_npy, const std::string& expected_npy) {
  LoadedNetwork r;
  if (!is_onnx_path(path)) {
    r.net = mapper::load_network(path);
    if (!input_npy.empty()) mapper::set_input_file(r.net, input_npy);
    if (!expected_npy.empty()) mapper::set_expected_file(r.net, expected_npy);
    return r;
  }
  auto dir = std::make_shared<ScratchDir>();
  std::string tmpl = (fs::temp_directory_path() / "bfpgen_import.XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw ImportError(path + ": cannot create a temporary folder for the import");
  dir->path = tmpl;
  ImportOptions o;
  o.model = path;
  o.out_dir = (dir->path / "net").string();
  o.input_npy = input_npy;
  o.expected_npy = expected_npy;
  const ImportResult res = import_onnx(o);
  r.net = mapper::load_network(res.yaml_path);
  // messages and the run table name the user's files, not their converted copies in the temporary folder
  if (!input_npy.empty()) r.net.input_path = input_npy;
  if (!expected_npy.empty()) r.net.expected_path = expected_npy;
  r.from_onnx = true;
  r.summary = import_summary(res);
  r.files = dir;
  return r;
}

}  // namespace bfp::onnx_import
