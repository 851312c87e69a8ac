// SPDX-License-Identifier: Apache-2.0
// The options `--shard I/N` and `--list` that fuzz, bench and sweep share (verify/shard.h; docs/fuzz.md,
// "Sharding"): one help text and one validation, so the three commands accept and reject the same spellings.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "verify/shard.h"

namespace bfp::cli {

/// Registers --shard on `app` into `text` (checked at parse time with verify::parse_shard) and --list into
/// `list`; `what` names the things being sharded ("cases", "rows", "points"), `order` how they are numbered.
inline void add_shard_options(CLI::App& app, std::string& text, bool& list, const std::string& what,
                              const std::string& order) {
  app.add_option("--shard", text,
                 "run only shard I of N (1 <= I <= N): the " + what + " i (0-based; " + order + ") with i mod N == I-1; "
                 "the N shards together are the unsharded run (docs/fuzz.md, \"Sharding\")")
      ->type_name("I/N")
      ->check(CLI::Validator(
          [](std::string& s) {
            try {
              verify::parse_shard(s);
              return std::string();
            } catch (const std::exception& e) {  // CLI11 puts "--shard: " in front already
              const std::string m = e.what();
              return m.rfind("--shard ", 0) == 0 ? m.substr(8) : m;
            }
          },
          ""));
  app.add_flag("--list", list, "print the " + what + " this run (or shard) covers, one line each, and run nothing");
}

/// The shard of `text` ("" = the whole run, 1/1).
inline verify::Shard shard_of(const std::string& text) { return text.empty() ? verify::Shard{} : verify::parse_shard(text); }

}  // namespace bfp::cli
