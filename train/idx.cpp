// SPDX-License-Identifier: Apache-2.0
#include "train/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace bfp::train {
namespace {

// Trailing bytes are counted only up to this many, so a huge (or endless) appendix is not decompressed in full.
constexpr size_t kTrailingCountLimit = size_t{1} << 20;

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

/// Closes the file when a DataError leaves read_idx (its result adds nothing then); Reader::close checks it.
struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) fail("no such file");
    if (std::filesystem::is_directory(path, ec)) fail("is a directory, not an IDX file");
    errno = 0;
    // gzopen reads raw files transparently: whether the file is gzipped is decided by its magic bytes.
    file_.reset(gzopen(path.c_str(), "rb"));
    if (!file_) fail(std::string("cannot open: ") + (errno ? std::strerror(errno) : "zlib could not allocate its state"));
    gzbuffer(file_.get(), 1u << 17);  // fewer read() calls for the 47 MB training images
  }

  [[noreturn]] void fail(const std::string& what) const { throw DataError(path_ + ": " + what); }

  /// Reads up to n bytes into buf; returns how many were read (less than n only at the end of the data).
  /// A read error or a corrupt, bad-CRC or cut-off gzip stream throws.
  size_t read(uint8_t* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
      const int r = gzread(file_.get(), buf + got, chunk);
      if (r < 0) check_stream();
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    // zlib reports a gzip stream cut off before its trailer only through gzerror (Z_BUF_ERROR), not as r < 0.
    check_stream();
    return got;
  }

  /// Bytes left after the data, counted up to kTrailingCountLimit + 1.
  size_t count_rest() {
    uint8_t buf[1 << 14];
    size_t total = 0;
    while (total <= kTrailingCountLimit) {
      const size_t r = read(buf, sizeof buf);
      total += r;
      if (r < sizeof buf) break;
    }
    return total;
  }

  void close() {
    const int rc = gzclose(file_.release());
    if (rc == Z_BUF_ERROR) fail("corrupt gzip stream: unexpected end of file");
    if (rc != Z_OK) fail("error closing the file (zlib code " + std::to_string(rc) + ")");
  }

 private:
  void check_stream() {
    int err = Z_OK;
    const char* msg = gzerror(file_.get(), &err);
    if (err == Z_OK) return;
    if (err == Z_ERRNO) fail(std::string("read error: ") + std::strerror(errno));
    std::string what = msg ? msg : "zlib error " + std::to_string(err);
    // zlib prefixes its message with the path given to gzopen, which fail() adds already.
    if (what.rfind(path_ + ": ", 0) == 0) what.erase(0, path_.size() + 2);
    fail("corrupt gzip stream: " + what);
  }

  std::string path_;
  GzFile file_;
};

uint32_t big_endian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

std::string dims_text(const std::vector<uint32_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

IdxArray read_idx(const std::string& path, size_t max_bytes) {
  Reader in(path);
  uint8_t magic[4];
  const size_t got_magic = in.read(magic, 4);
  if (got_magic < 4)
    in.fail("truncated header: " + std::to_string(got_magic) + " bytes, an IDX file starts with a 4-byte magic");
  const uint32_t m = big_endian32(magic);
  const unsigned ndims = magic[3];
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || ndims < 1 || ndims > 4)
    in.fail("bad magic " + hex32(m) + ", expected 0x00000801..0x00000804 (unsigned bytes, 1 to 4 dims)");

  uint8_t raw_dims[16];
  const size_t got_dims = in.read(raw_dims, 4 * ndims);
  if (got_dims < 4 * ndims)
    in.fail("truncated header: " + std::to_string(ndims) + " dims need " + std::to_string(4 * ndims) +
            " bytes after the magic, file holds " + std::to_string(got_dims));
  IdxArray a;
  for (unsigned i = 0; i < ndims; ++i) a.dims.push_back(big_endian32(raw_dims + 4 * i));
  size_t bytes = 1;
  bool too_big = false;
  for (unsigned i = 0; i < ndims; ++i) {
    const uint32_t d = a.dims[i];
    if (d == 0) in.fail("dim " + std::to_string(i) + " of " + dims_text(a.dims) + " is 0, every dim must be >= 1");
    // Division instead of multiplication: the product of four 32-bit dims can overflow size_t.
    if (too_big || d > max_bytes / bytes) too_big = true;
    else bytes *= d;
  }
  if (too_big)
    in.fail("header says " + dims_text(a.dims) + ", more than the limit of " + std::to_string(max_bytes) + " bytes");

  // Grown chunk by chunk, so that a short file whose header claims a lot does not allocate it all up front.
  constexpr size_t kChunk = size_t{1} << 24;
  size_t got = 0;
  while (got < bytes) {
    const size_t want = std::min(kChunk, bytes - got);
    a.data.resize(got + want);
    const size_t r = in.read(a.data.data() + got, want);
    got += r;
    if (r < want) break;
  }
  if (got < bytes)
    in.fail("truncated: header says " + dims_text(a.dims) + " = " + std::to_string(bytes) + " bytes, file holds " +
            std::to_string(got));
  const size_t rest = in.count_rest();
  if (rest > kTrailingCountLimit)
    in.fail("more than " + std::to_string(kTrailingCountLimit) + " trailing bytes after the data");
  if (rest > 0) in.fail(std::to_string(rest) + " trailing bytes after the data");
  in.close();
  return a;
}

}  // namespace bfp::train
