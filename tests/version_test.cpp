// SPDX-License-Identifier: Apache-2.0
// `bfpgen --version` and manifest.json name the source revision bfpgen was built from (git describe), so that
// generated RTL can be traced back to the exact sources of its leaf modules and generator.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "support/run_cmd.h"
#include "support/temp_dir.h"

namespace {

using bfp::test::run_cmd;

const std::string kBfpgen = std::string("'") + BFP_BINARY_DIR + "/bfpgen'";

// The commit named by a `git describe --always --dirty --tags` string ("" when there is none).
std::string commit_of(const std::string& rev) {
  std::smatch m;
  static const std::regex re(R"(^(?:.*-g)?([0-9a-f]{7,40})(?:-dirty)?$)");
  return std::regex_match(rev, m, re) ? m[1].str() : "";
}

}  // namespace

TEST(Version, NamesTheVersionAndASourceRevisionOfThisRepository) {
  const std::string out = run_cmd(kBfpgen + " --version").output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(^bfpgen ([0-9]+\.[0-9]+\.[0-9]+) \(source ([^)]+)\)\n$)")))
      << "unexpected --version output: " << out;
  const std::string rev = m[2].str();
  if (!std::filesystem::exists(std::string(BFP_SOURCE_DIR) + "/.git")) {
    EXPECT_EQ(rev, "unknown");
    return;
  }
  const std::string commit = commit_of(rev);
  ASSERT_FALSE(commit.empty()) << "source revision '" << rev << "' names no commit";
  EXPECT_EQ(run_cmd("git -C '" + std::string(BFP_SOURCE_DIR) + "' cat-file -e " + commit + "^{commit}").status, 0) << "source revision '" << rev << "' is not a commit of " << BFP_SOURCE_DIR;
}

TEST(Version, ManifestRecordsTheSameRevision) {
  bfp::test::TempDir dir("version_test");
  const std::string out_dir = (dir.path() / "out").string();
  ASSERT_EQ(run_cmd(kBfpgen + " generate '" + std::string(BFP_SOURCE_DIR) + "/configs/test/r2c2b8.yaml' -o '" +
                    out_dir + "'").status,
            0);
  std::ifstream f(out_dir + "/manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(f);
  const std::string version = run_cmd(kBfpgen + " --version").output;
  const std::string rev = manifest.at("generator").at("source_revision").get<std::string>();
  EXPECT_FALSE(rev.empty());
  EXPECT_NE(version.find("(source " + rev + ")"), std::string::npos) << version << " vs manifest " << rev;
}
