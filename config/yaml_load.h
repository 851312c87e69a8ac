// SPDX-License-Identifier: Apache-2.0
// YAML::LoadAll without the endless loop of yaml-cpp 0.7 (Debian 12): a stream whose first content is a stray
// ',' makes its parser return the same empty document forever, and LoadAll collects them until memory runs out.
// Every YAML text bfpgen reads (configs, networks, `Config::with` values) goes through load_all_documents.
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace bfp {

/// The documents of `text`, as YAML::LoadAll gives them. Throws YAML::ParserException (with the position) when
/// the parser stops advancing (a document starts where the previous one did: the stray-',' case) or when the
/// stream holds more than `max_documents` documents; other syntax errors throw as in YAML::LoadAll.
std::vector<YAML::Node> load_all_documents(const std::string& text, size_t max_documents = 64);

}  // namespace bfp
