// SPDX-License-Identifier: Apache-2.0
// Docs that repeat a fact the code holds are checked against the code: the README's example config is
// configs/default.yaml, the README names every subcommand `bfpgen --help` lists (and no other), and
// docs/code-map.md names every top-level folder and only paths that exist.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "support/run_cmd.h"

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = BFP_SOURCE_DIR;

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot read " << p;
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

// Subcommand names from the "Subcommands:" section of `bfpgen --help`.
std::set<std::string> cli_subcommands() {
  // the CLI's own help, so the subcommand list is the code's, not a copy
  const std::string help = bfp::test::run_cmd("'" + std::string(BFP_BINARY_DIR) + "/bfpgen' --help").output;
  std::set<std::string> subs;
  std::istringstream in(help);
  bool in_section = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_section = true;
      continue;
    }
    if (!in_section || line.empty()) continue;
    std::istringstream words(line);
    std::string name;
    if (words >> name) subs.insert(name);
  }
  return subs;
}

}  // namespace

// The first ```yaml block after `heading` in `doc` must be configs/default.yaml, byte for byte.
static void expect_default_config_copy(const std::string& doc, const std::string& heading) {
  const std::string text = read_text(kRoot / doc);
  const size_t head = text.find(heading);
  ASSERT_NE(head, std::string::npos) << doc << " has no '" << heading << "'";
  const size_t open = text.find("```yaml\n", head);
  ASSERT_NE(open, std::string::npos) << doc << ": no ```yaml block after '" << heading << "'";
  const size_t body = open + 8;
  const size_t close = text.find("```", body);
  ASSERT_NE(close, std::string::npos);
  EXPECT_EQ(text.substr(body, close - body), read_text(kRoot / "configs/default.yaml"))
      << doc << "'s example config differs from configs/default.yaml: paste the file into it";
}

TEST(Docs, ExampleConfigsAreTheShippedDefault) {
  expect_default_config_copy("README.md", "## Example config");
  expect_default_config_copy("docs/config.md", "# Accelerator configuration");
}

TEST(Docs, ReadmeShowsEverySubcommandAndNoOther) {
  const std::set<std::string> subs = cli_subcommands();
  ASSERT_GE(subs.size(), 5u) << "could not read the subcommands from bfpgen --help";
  const std::string readme = read_text(kRoot / "README.md");
  for (const auto& s : subs)
    EXPECT_NE(readme.find("bfpgen " + s + " "), std::string::npos) << "README.md does not show `bfpgen " << s << "`";
  // every `bfpgen WORD` the README's CLI table names must be a real subcommand
  const std::regex row(R"(\| `bfpgen ([a-z-]+))");
  for (std::sregex_iterator it(readme.begin(), readme.end(), row), end; it != end; ++it)
    EXPECT_TRUE(subs.count((*it)[1].str())) << "README.md shows `bfpgen " << (*it)[1] << "`, which is no subcommand";
}

TEST(Docs, CodeMapNamesEveryTopLevelFolderAndOnlyPathsThatExist) {
  const std::string map = read_text(kRoot / "docs/code-map.md");
  for (const auto& e : fs::directory_iterator(kRoot)) {
    if (!e.is_directory()) continue;
    const std::string name = e.path().filename().string();
    if (name[0] == '.' || name == "build" || name == "out") continue;  // hidden, build and run outputs
    EXPECT_NE(map.find("`" + name + "/"), std::string::npos) << "docs/code-map.md does not describe folder " << name;
  }
  // every `path/with/slash` or `file.ext` in backticks that looks like a repository path must exist
  const std::regex path(R"(`((?:[a-z_]+/)+[A-Za-z0-9_.*-]*)`)");
  for (std::sregex_iterator it(map.begin(), map.end(), path), end; it != end; ++it) {
    std::string p = (*it)[1].str();
    if (p.find('*') != std::string::npos) p = p.substr(0, p.rfind('/') + 1);  // a glob names its folder
    if (p.rfind("build/", 0) == 0 || p.rfind("out/", 0) == 0) continue;    // made by the build
    EXPECT_TRUE(fs::exists(kRoot / p)) << "docs/code-map.md names " << p << ", which does not exist";
  }
}
