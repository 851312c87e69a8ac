// SPDX-License-Identifier: Apache-2.0
#include "module_groups.h"

#include <fstream>
#include <regex>
#include <stdexcept>
#include <vector>

namespace bfp::report {

std::map<std::string, std::string> read_module_groups(const std::string& rtl_dir) {
  const std::string filelist = rtl_dir + "/bfp_top.f";
  std::ifstream fl(filelist);
  if (!fl) throw std::runtime_error("cannot read " + filelist + " (bfpgen generate writes it)");
  static const std::regex tag(R"(^\s*//\s*bfp-group:\s*(\S(.*\S)?)\s*$)");
  static const std::regex decl(R"(^\s*module\s+(\w+))");
  std::map<std::string, std::string> groups;
  for (std::string name; std::getline(fl, name);) {
    if (name.empty()) continue;
    const std::string path = rtl_dir + "/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path + " (listed in " + filelist + ")");
    std::vector<std::string> tags, modules;
    std::smatch m;
    for (std::string l; std::getline(in, l);) {
      if (std::regex_match(l, m, tag)) tags.push_back(m[1]);
      if (std::regex_search(l, m, decl)) modules.push_back(m[1]);
    }
    if (modules.empty() && tags.empty()) continue;  // a package (bfp_pkg.sv) declares no module: nothing to group
    if (tags.size() != 1)
      throw std::runtime_error(path + ": " + std::to_string(tags.size()) +
                               " '// bfp-group: <group>' lines, expected one");
    for (const std::string& mod : modules) groups[mod] = tags[0];
  }
  return groups;
}

std::string module_group(const std::map<std::string, std::string>& groups, const std::string& module) {
  const auto it = groups.find(module);
  return it == groups.end() ? "other" : it->second;
}

}  // namespace bfp::report
