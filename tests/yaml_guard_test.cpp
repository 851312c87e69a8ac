// SPDX-License-Identifier: Apache-2.0
// A stray ',' as the first content of a YAML file made yaml-cpp 0.7's LoadAll loop forever while memory grew
// (issue 15). Every loader now goes through load_all_documents (config/yaml_load.h), which stops with a syntax
// error naming the position. A regression would hang and eat memory, so each check runs under a watchdog that
// ends the process with a failure after 20 s.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "config/config.h"
#include "config/yaml_load.h"
#include "mapper/network.h"
#include "support/temp_dir.h"

namespace {

/// Runs `f`; if it has not returned after 20 s, prints why and ends the process (a hung loader cannot be stopped).
void with_watchdog(const std::string& what, const std::function<void()>& f) {
  bool done = false;
  std::thread dog([&done, what] {
    for (int i = 0; i < 200 && !__atomic_load_n(&done, __ATOMIC_ACQUIRE); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
      std::fprintf(stderr, "FAILED: %s did not return within 20 s (the yaml-cpp LoadAll loop is back)\n", what.c_str());
      std::_Exit(1);
    }
  });
  f();
  __atomic_store_n(&done, true, __ATOMIC_RELEASE);
  dog.join();
}

const char* const kHostile[] = {",", ",\n", ", x", "# comment\n, x\n", "\n\n  ,a: 1\n"};

TEST(YamlGuard, LoadAllDocumentsStopsOnAStrayComma) {
  for (const char* t : kHostile)
    with_watchdog("load_all_documents", [t] {
      try {
        bfp::load_all_documents(t);
        ADD_FAILURE() << "no error for " << testing::PrintToString(std::string(t));
      } catch (const YAML::ParserException& e) {
        EXPECT_NE(e.msg.find("unexpected ','"), std::string::npos) << e.msg;
      }
    });
}

TEST(YamlGuard, OrdinaryStreamsLoadAsBefore) {
  EXPECT_EQ(bfp::load_all_documents("a: 1\n").size(), 1u);
  EXPECT_EQ(bfp::load_all_documents("a: 1\n---\nb: 2\n").size(), 2u);
  EXPECT_EQ(bfp::load_all_documents("").size(), 0u);
  EXPECT_EQ(bfp::load_all_documents("# only a comment\n").size(), 0u);
  EXPECT_EQ(bfp::load_all_documents("[1, 2]").at(0).size(), 2u);
}

TEST(YamlGuard, ConfigAndNetworkLoadersReportTheLine) {
  bfp::test::TempDir dir("yaml-guard");
  const std::string path = (dir.path() / "c.yaml").string();
  std::ofstream(path) << "# a config\n,\n";
  with_watchdog("load_config", [&path] {
    try {
      bfp::load_config(path);
      ADD_FAILURE() << "no error for a config that is a stray comma";
    } catch (const bfp::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("c.yaml:2:1"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("YAML syntax error"), std::string::npos) << e.what();
    }
  });
  with_watchdog("parse_network", [] {
    try {
      bfp::mapper::parse_network(", layers", "n.yaml");
      ADD_FAILURE() << "no error for a network that is a stray comma";
    } catch (const bfp::mapper::NetError& e) {
      EXPECT_NE(std::string(e.what()).find("n.yaml:1:1"), std::string::npos) << e.what();
    }
  });
}

}  // namespace
