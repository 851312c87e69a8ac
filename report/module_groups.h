// SPDX-License-Identifier: Apache-2.0
// Area/power group of each module, read from the '// bfp-group: NAME' tags of generated RTL (docs/ppa.md,
// "Module groups"); scripts/ppa/module_groups.py reads the same tags for the flows' JSON.
#pragma once
#include <map>
#include <string>

namespace bfp::report {

/// module -> group for every module declared by the files of `rtl_dir`/bfp_top.f (a `bfpgen generate` output).
/// Each file names the group of its modules with exactly one '// bfp-group: NAME' line (its last). Throws
/// std::runtime_error naming the file when the filelist or a file is unreadable or a file has no or two tags.
std::map<std::string, std::string> read_module_groups(const std::string& rtl_dir);

/// The group of `module` in `groups`, "other" when it has none.
std::string module_group(const std::map<std::string, std::string>& groups, const std::string& module);

}  // namespace bfp::report
