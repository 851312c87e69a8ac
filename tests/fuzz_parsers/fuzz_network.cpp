// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness of the network loader (mapper/network.cpp, mapper/network_files.cpp): parse_network on the
// input as YAML text, as if it were the file net.yaml of a sandbox folder that holds a few .npy files (inputs,
// weights, biases, an expected output, and malformed ones), so that the seeds' `weights:`/`input.file:` paths
// reach the .npy loaders. The loader must return a network or throw NetError.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "golden/npy.h"
#include "mapper/network.h"
#include "tests/fuzz_parsers/fuzz_common.h"

namespace {

std::string g_origin;  // <sandbox>/net.yaml

void remove_sandbox() {
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(g_origin).parent_path(), ec);
}

// The files the seeds in tests/fuzz_parsers/seeds/network/ name: the shapes of
// input {shape: [6, 5, 4]} -> conv2d c (filters 6, kernel [3, 2], padding 1, groups 2) -> flatten -> fc f (units 3).
void make_sandbox() {
  // in $TMPDIR (scripts/fuzz_parsers.sh points it into FUZZ_OUT: a run stopped by a crash or ^C, which skips
  // atexit, leaves its sandbox there rather than in /tmp)
  std::string tmpl = (std::filesystem::temp_directory_path() / "bfp-fuzz-network-XXXXXX").string();
  const char* dir = mkdtemp(tmpl.data());
  if (!dir) std::abort();
  const std::filesystem::path d(dir);
  g_origin = (d / "net.yaml").string();
  std::atexit(remove_sandbox);
  auto ramp = [](size_t n) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = float(int(i % 17) - 8) / 8.0f;
    return v;
  };
  bfp::npy::write((d / "x.npy").string(), {1, 6, 5, 4}, std::vector<double>(120, 0.25));
  bfp::npy::write((d / "c.npy").string(), {6, 2, 3, 2}, ramp(72));
  bfp::npy::write((d / "f.npy").string(), {3, 216}, ramp(648));
  bfp::npy::write((d / "b.npy").string(), {3}, ramp(3));
  bfp::npy::write((d / "e.npy").string(), {1, 3}, ramp(3));
  bfp::npy::write((d / "i8.npy").string(), {3, 216}, std::vector<int8_t>(648, 1));
  std::vector<float> bad = ramp(648);
  bad[5] = std::numeric_limits<float>::quiet_NaN();
  bad[9] = std::numeric_limits<float>::infinity();
  bfp::npy::write((d / "nan.npy").string(), {3, 216}, bad);
  std::ofstream((d / "junk.npy").string()) << "not a numpy file";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  make_sandbox();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Device and pseudo files (/dev/urandom, /proc/...) change under us, so a finding would not replay; reads are
  // bounded (tests/robustness_test.cpp reads /dev/zero as a network file), but they are not what this harness
  // looks for.
  for (const char* p : {"/dev", "/proc", "/sys"})
    if (text.find(p) != std::string::npos) return 0;
  try {
    const bfp::mapper::Network net = bfp::mapper::parse_network(text, g_origin);
    bfp::fuzz::check(!net.layers.empty(), "fuzz_network", "accepted a network without layers");
    bfp::fuzz::verbose("accepted, " + std::to_string(net.layers.size()) + " layers");
  } catch (const bfp::mapper::NetError& e) {
    bfp::fuzz::verbose(e.what());
  }
  return 0;
}
