// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness of the config loader (config/config.cpp, config/yaml_load.cpp): parse_config on the input as
// YAML text. A config it accepts must survive the documented round trip: to_yaml() is read back to an equal
// Config with the same canonical text and hash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "tests/fuzz_parsers/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  bfp::Config c;
  try {
    c = bfp::parse_config(text, "fuzz.yaml");
  } catch (const bfp::ConfigError& e) {
    bfp::fuzz::verbose(e.what());
    return 0;  // rejected with the documented error: fine
  }
  const std::string y = bfp::to_yaml(c);
  bfp::Config back;
  try {
    back = bfp::parse_config(y, "to_yaml");
  } catch (const bfp::ConfigError& e) {
    bfp::fuzz::fail("fuzz_config", std::string("to_yaml() of an accepted config is rejected: ") + e.what() +
                                       "\n--- to_yaml ---\n" + y);
  }
  bfp::fuzz::check(back == c, "fuzz_config", "to_yaml() reads back to a different config:\n" + y);
  bfp::fuzz::check(back.canonical() == c.canonical() && back.hash() == c.hash(), "fuzz_config",
                   "canonical text or hash changed over to_yaml():\n" + y);
  bfp::fuzz::verbose("accepted, hash " + c.hash());
  return 0;
}
