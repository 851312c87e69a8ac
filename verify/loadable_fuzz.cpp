// SPDX-License-Identifier: Apache-2.0
#include "verify/loadable_fuzz.h"

#include <chrono>
#include <random>

#include "host/loadable.h"

namespace bfp::verify {

namespace {

void put_le(std::vector<uint8_t>& b, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[at + size_t(i)] = uint8_t(v >> (8 * i));
}

// file_bytes and the CRC-32 made right for the (changed) contents.
void reseal(std::vector<uint8_t>& b) {
  if (b.size() < 20) return;
  put_le(b, 8, b.size(), 8);
  put_le(b, b.size() - 4, host::crc32(b.data(), b.size() - 4), 4);
}

// "field 'x.y[3].z'" -> "x.y[].z" (the field names of a rejection, indices dropped, for the summary)
std::string field_of(const std::string& msg) {
  const size_t a = msg.find("field '");
  if (a == std::string::npos) return "(none)";
  const size_t b = msg.find('\'', a + 7);
  std::string f = msg.substr(a + 7, b == std::string::npos ? std::string::npos : b - a - 7);
  std::string out;
  bool in_index = false;
  for (char c : f) {
    if (c == '[') in_index = true;
    if (!in_index || c == '[') out += c;
    if (c == ']') {
      in_index = false;
      out += ']';
    }
  }
  return out;
}

}  // namespace

const char* corruption_name(LoadableCorruption k) {
  switch (k) {
    case LoadableCorruption::Truncate:
      return "truncate";
    case LoadableCorruption::Flip:
      return "flip";
    case LoadableCorruption::FlipResealed:
      return "flip+reseal";
    case LoadableCorruption::TruncateResealed:
      return "truncate+reseal";
  }
  return "";
}

std::vector<uint8_t> corrupt_loadable(const std::vector<uint8_t>& good, uint64_t seed, uint64_t i,
                                      LoadableCorruption* kind) {
  std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull + 1);
  const LoadableCorruption k = LoadableCorruption(i % 4);
  if (kind) *kind = k;
  std::vector<uint8_t> b = good;
  if (k == LoadableCorruption::Truncate || k == LoadableCorruption::TruncateResealed) {
    // half the cuts in the first 256 bytes (header, first job's fields), the rest anywhere
    const uint64_t lim = (rng() & 1) ? std::min<uint64_t>(256, b.size()) : b.size();
    // a copy of exactly that size: a read past its end is outside the allocation, where AddressSanitizer sees it
    std::vector<uint8_t> t(b.begin(), b.begin() + std::ptrdiff_t(rng() % lim));
    if (k == LoadableCorruption::TruncateResealed) reseal(t);
    return t;
  }
  const int flips = 1 + int(rng() % 8);
  for (int f = 0; f < flips; ++f) {
    // half the flips in the first 512 bytes, where most fields are
    const uint64_t lim = (rng() & 1) ? std::min<uint64_t>(512, b.size()) : b.size();
    const size_t at = size_t(rng() % lim);
    b[at] ^= uint8_t(1 + rng() % 255);
  }
  if (k == LoadableCorruption::FlipResealed) {
    reseal(b);
    if (b == good) b[size_t(rng() % (b.size() - 4))] ^= 0x01, reseal(b);  // the flips landed in file_bytes/CRC only
  }
  return b;
}

LoadableFuzzResult fuzz_loadable(const std::vector<uint8_t>& good, const Config& cfg, uint64_t cases, uint64_t seed,
                                 uint64_t first_case) {
  LoadableFuzzResult res;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = first_case; i < first_case + cases; ++i) {
    LoadableCorruption kind;
    const std::vector<uint8_t> b = corrupt_loadable(good, seed, i, &kind);
    ++res.cases;
    std::string wrong;
    try {
      const host::Loadable l = host::read_loadable(b, cfg, "case");
      if (kind != LoadableCorruption::FlipResealed)
        wrong = "accepted a corrupt file";
      else if (host::encode_loadable(l) != b)  // the format has one encoding: what is accepted re-encodes to itself
        wrong = "accepted a file that does not re-encode to the same bytes";
      else
        ++res.accepted;
    } catch (const host::LoadableError& e) {
      ++res.rejected;
      ++res.rejected_by_field[field_of(e.what())];
    } catch (const std::exception& e) {
      wrong = std::string("threw something else than LoadableError: ") + e.what();
    }
    if (!wrong.empty()) {
      ++res.failures;
      if (res.failure_texts.size() < 10)
        res.failure_texts.push_back("case " + std::to_string(i) + " (" + corruption_name(kind) + ", seed " +
                                    std::to_string(seed) + "): " + wrong);
    }
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace bfp::verify
