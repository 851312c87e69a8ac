// SPDX-License-Identifier: Apache-2.0
#include "verify/shard.h"

#include <cstdio>
#include <stdexcept>

namespace bfp::verify {

namespace {

// The text as the user typed it, with control and non-ASCII bytes as \xNN so an error message never carries
// raw terminal escapes; cut after 40 characters.
std::string printable(const std::string& s) {
  std::string o;
  for (size_t i = 0; i < s.size() && i < 40; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      o += static_cast<char>(c);
    } else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      o += b;
    }
  }
  if (s.size() > 40) o += "...";
  return o;
}

// A decimal number of at most 7 digits (kMaxCount has 7); -1 when `s` is anything else.
long parse_number(const std::string& s) {
  if (s.empty() || s.size() > 7) return -1;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

uint64_t Shard::size_of(uint64_t total) const {
  const uint64_t first = uint64_t(index - 1);
  return total > first ? (total - first + uint64_t(count) - 1) / uint64_t(count) : 0;
}

std::string Shard::str() const { return std::to_string(index) + "/" + std::to_string(count); }

Shard parse_shard(const std::string& text) {
  const std::string what = "--shard '" + printable(text) + "': ";
  const size_t slash = text.find('/');
  if (slash == std::string::npos)
    throw std::invalid_argument(what + "expected I/N (shard I of N, 1 <= I <= N), e.g. --shard 2/8");
  const long i = parse_number(text.substr(0, slash));
  const long n = parse_number(text.substr(slash + 1));
  if (i < 0 || n < 0)
    throw std::invalid_argument(what + "expected I/N with I and N decimal numbers (no sign, no spaces; N <= " +
                                std::to_string(Shard::kMaxCount) + "), e.g. --shard 2/8");
  if (n < 1 || n > Shard::kMaxCount)
    throw std::invalid_argument(what + "the number of shards N must be in 1.." + std::to_string(Shard::kMaxCount));
  if (i < 1 || i > n)
    throw std::invalid_argument(what + "the shard I must be in 1.." + std::to_string(n) + " (shards count from 1)");
  Shard s;
  s.index = int(i);
  s.count = int(n);
  return s;
}

}  // namespace bfp::verify
