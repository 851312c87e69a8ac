#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The loadable corruption fuzz (verify/loadable_fuzz.h) under AddressSanitizer + UndefinedBehaviorSanitizer:
# compiles the reader with its dependencies (config/, golden/, host/) and a small driver with g++ into a temporary
# folder and runs CASES cases of seed SEED on FILE (docs/loadable.md "Fuzzing"). Exit status 1 on any failure or
# sanitizer report.
#   scripts/loadable_asan_fuzz.sh FILE.bfpl CONFIG.yaml [CASES] [SEED]
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 FILE.bfpl CONFIG.yaml [CASES] [SEED]" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
file=$(realpath "$1"); config=$(realpath "$2"); cases=${3:-10000}; seed=${4:-1}
dir=$(mktemp -d /tmp/bfp_loadable_asan.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/main.cpp" <<'CPP'
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include "config/config.h"
#include "verify/loadable_fuzz.h"
int main(int argc, char** argv) {
  if (argc != 5) return 2;
  const bfp::Config cfg = bfp::load_config(argv[2]);
  std::ifstream f(argv[1], std::ios::binary);
  const std::vector<uint8_t> good((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto r = bfp::verify::fuzz_loadable(good, cfg, std::stoull(argv[3]), std::stoull(argv[4]));
  std::cout << r.cases << " cases: " << r.rejected << " rejected, " << r.accepted << " accepted, " << r.failures
            << " failures, " << r.seconds << " s\n";
  for (const auto& t : r.failure_texts) std::cout << "FAILURE " << t << "\n";
  return r.failures ? 1 : 0;
}
CPP
g++ -std=c++17 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -I"$root" -I/usr/include/eigen3 \
  "$dir/main.cpp" "$root"/config/*.cpp "$root"/golden/*.cpp "$root"/host/*.cpp "$root/verify/loadable_fuzz.cpp" \
  -lyaml-cpp -lcrypto -o "$dir/asan_fuzz"
"$dir/asan_fuzz" "$file" "$config" "$cases" "$seed"
