// SPDX-License-Identifier: Apache-2.0
// Shared by the loadable tests (loadable_test, loadable_rtl_test, loadable_axi_test): paths in the source tree, the
// shipped networks, and a loadable compiled, written and read back (the bytes a replay really sees).
#pragma once
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "host/loadable.h"
#include "mapper/compile.h"
#include "mapper/network.h"

namespace bfp::test {

/// `rel` below the source tree.
inline std::string src(const std::string& rel) { return (std::filesystem::path(BFP_SOURCE_DIR) / rel).string(); }

/// Every networks/*.yaml, sorted.
inline std::vector<std::string> shipped_networks() {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::directory_iterator(src("networks")))
    if (e.path().extension() == ".yaml") v.push_back(e.path().string());
  std::sort(v.begin(), v.end());
  return v;
}

/// `net` compiled for `cfg`, written to bytes and read back with validation.
inline host::Loadable compile_and_read(const std::string& net, const Config& cfg, const mapper::CompileOptions& o = {}) {
  const host::Loadable l = mapper::compile_network(mapper::load_network(net), cfg, o);
  return host::read_loadable(host::write_loadable(l, cfg), cfg, net);
}

}  // namespace bfp::test
