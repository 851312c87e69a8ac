// SPDX-License-Identifier: Apache-2.0
// `bfpgen --version` and manifest.json name the source revision bfpgen was built from (git describe), so that
// generated RTL can be traced back to the exact sources of its leaf modules and generator.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "support/temp_dir.h"

namespace {

std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int st = ::pclose(p);
  if (status) *status = st;
  return out;
}

const std::string kBfpgen = std::string("'") + BFP_BINARY_DIR + "/bfpgen'";

// The commit named by a `git describe --always --dirty --tags` string ("" when there is none).
std::string commit_of(const std::string& rev) {
  std::smatch m;
  static const std::regex re(R"(^(?:.*-g)?([0-9a-f]{7,40})(?:-dirty)?$)");
  return std::regex_match(rev, m, re) ? m[1].str() : "";
}

}  // namespace

TEST(Version, NamesTheVersionAndASourceRevisionOfThisRepository) {
  const std::string out = run(kBfpgen + " --version");
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
  int st = -1;
  run("git -C '" + std::string(BFP_SOURCE_DIR) + "' cat-file -e " + commit + "^{commit} 2>/dev/null", &st);
  EXPECT_EQ(st, 0) << "source revision '" << rev << "' is not a commit of " << BFP_SOURCE_DIR;
}

TEST(Version, ManifestRecordsTheSameRevision) {
  bfp::test::TempDir dir("version_test");
  const std::string out_dir = (dir.path() / "out").string();
  int st = -1;
  run(kBfpgen + " generate '" + std::string(BFP_SOURCE_DIR) + "/configs/test/r2c2b8.yaml' -o '" + out_dir + "'", &st);
  ASSERT_EQ(st, 0);
  std::ifstream f(out_dir + "/manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(f);
  const std::string version = run(kBfpgen + " --version");
  const std::string rev = manifest.at("generator").at("source_revision").get<std::string>();
  EXPECT_FALSE(rev.empty());
  EXPECT_NE(version.find("(source " + rev + ")"), std::string::npos) << version << " vs manifest " << rev;
}
