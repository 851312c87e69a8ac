// SPDX-License-Identifier: Apache-2.0
#include "golden/npy.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace bfp::npy {

namespace {

bool host_little_endian() {
  const uint16_t one = 1;
  uint8_t b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

struct TypeInfo {
  DType t;
  const char* descr;
  size_t size;
};
constexpr TypeInfo kTypes[] = {
    {DType::I8, "|i1", 1},  {DType::U8, "|u1", 1},  {DType::I32, "<i4", 4},
    {DType::I64, "<i8", 8}, {DType::F32, "<f4", 4}, {DType::F64, "<f8", 8},
};

const TypeInfo& info(DType t) {
  for (const auto& i : kTypes)
    if (i.t == t) return i;
  throw Error("npy: unknown dtype");
}

size_t product(const std::vector<size_t>& shape) {
  size_t n = 1;
  for (size_t d : shape) n *= d;
  return n;
}

/// The element count of `shape` if its data fits kMaxBytes (so no product can overflow), else throws.
size_t checked_product(const std::vector<size_t>& shape, size_t item, const std::string& name) {
  size_t n = 1;
  for (size_t d : shape) {
    if (d != 0 && n > kMaxBytes / item / d) {
      std::string dims;
      for (size_t x : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(x);
      throw Error("npy: " + name + ": shape (" + dims + ") needs more than " + std::to_string(kMaxBytes) +
                  " bytes of data, the limit of the reader");
    }
    n *= d;
  }
  for (size_t d : shape)
    if (d == 0) return 0;
  return n;
}

/// `s` with control bytes as \xNN and cut after 200 characters, for messages that quote a header.
std::string printable(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 200; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 200) out += "... (" + std::to_string(s.size()) + " characters)";
  return out;
}

}  // namespace

const char* descr(DType t) { return info(t).descr; }
size_t item_size(DType t) { return info(t).size; }
size_t Array::size() const { return product(shape); }

std::string encode(DType t, const std::vector<size_t>& shape, const void* data) {
  if (!host_little_endian()) throw Error("npy: big-endian hosts are not supported");
  std::ostringstream h;
  h << "{'descr': '" << descr(t) << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) h << (i ? ", " : "") << shape[i];
  if (shape.size() == 1) h << ",";
  h << "), }";
  std::string header = h.str();
  // magic(6) + version(2) + header_len(2) + header, padded with spaces and ended by '\n' to a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  if (header.size() > 65535) throw Error("npy: header too long for format 1.0");
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  const size_t nbytes = product(shape) * item_size(t);
  if (nbytes) out.append(static_cast<const char*>(data), nbytes);
  return out;
}

void write(const std::string& path, DType t, const std::vector<size_t>& shape, const void* data) {
  const std::string content = encode(t, shape, data);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error("npy: cannot open " + path + " for writing");
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  f.close();
  if (!f) throw Error("npy: error writing " + path);
}

namespace {

// A tiny parser for the header dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
struct HeaderParser {
  const std::string& s;
  const std::string& name;
  size_t i = 0;
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("npy: " + name + ": bad header (" + printable(what) + "): " + printable(s));
  }
  void ws() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  std::string str() {
    ws();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) fail("expected a string");
    const char q = s[i++];
    const size_t j = s.find(q, i);
    if (j == std::string::npos) fail("unterminated string");
    std::string r = s.substr(i, j - i);
    i = j + 1;
    return r;
  }
  std::string word() {
    ws();
    size_t j = i;
    while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
    std::string r = s.substr(i, j - i);
    i = j;
    return r;
  }
  std::vector<size_t> tuple() {
    expect('(');
    std::vector<size_t> v;
    while (!eat(')')) {
      ws();
      size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      if (j == i) fail("expected a dimension");
      if (j - i > 18) fail("dimension " + s.substr(i, std::min<size_t>(j - i, 30)) + "... is too large");
      v.push_back(static_cast<size_t>(std::stoull(s.substr(i, j - i))));
      i = j;
      if (!eat(',')) {
        expect(')');
        break;
      }
    }
    return v;
  }
};

}  // namespace

namespace {

constexpr size_t kMaxHeader = size_t(1) << 20;  // numpy writes < 100 bytes; version 2.0 allows 4 GiB

/// Where the header of `c` ends (the data starts), from the first 12 bytes of `c`; throws on a bad preamble.
size_t header_end(const std::string& c, const std::string& name) {
  if (c.size() < 10 || c.compare(0, 6, "\x93NUMPY") != 0) throw Error("npy: " + name + ": not a .npy file");
  const auto byte = [&](size_t k) { return static_cast<size_t>(static_cast<uint8_t>(c[k])); };
  const int major = static_cast<int>(byte(6));
  size_t hlen, hstart;
  if (major == 1) {
    hlen = byte(8) | byte(9) << 8;
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (c.size() < 12) throw Error("npy: " + name + ": truncated header");
    hlen = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    hstart = 12;
  } else {
    throw Error("npy: " + name + ": unsupported format version " + std::to_string(major));
  }
  if (hlen > kMaxHeader)
    throw Error("npy: " + name + ": the header is " + std::to_string(hlen) + " bytes, more than the limit of " +
                std::to_string(kMaxHeader));
  return hstart + hlen;
}

/// Parses the header of `c` (complete up to header_end) into a's dtype and shape; returns the data's size in
/// bytes (at most kMaxBytes).
size_t parse_header(const std::string& c, const std::string& name, Array& a) {
  const size_t end = header_end(c, name);
  const size_t hstart = c[6] == 1 ? 10 : 12;
  if (c.size() < end) throw Error("npy: " + name + ": truncated header");
  const std::string header = c.substr(hstart, end - hstart);
  HeaderParser p{header, name};
  bool have_descr = false, have_order = false, have_shape = false;
  p.expect('{');
  while (!p.eat('}')) {
    const std::string key = p.str();
    p.expect(':');
    if (key == "descr") {
      std::string d = p.str();
      if (d.size() == 3 && d[0] == '=') d[0] = '<';
      if (d == "<i1" || d == "=i1") d = "|i1";
      if (d == "<u1" || d == "=u1") d = "|u1";
      bool found = false;
      for (const auto& t : kTypes)
        if (d == t.descr) {
          a.dtype = t.t;
          found = true;
        }
      if (!found) throw Error("npy: " + name + ": unsupported dtype '" + printable(d) + "'");
      have_descr = true;
    } else if (key == "fortran_order") {
      const std::string w = p.word();
      if (w == "True") throw Error("npy: " + name + ": Fortran-order arrays are not supported");
      if (w != "False") p.fail("fortran_order");
      have_order = true;
    } else if (key == "shape") {
      a.shape = p.tuple();
      have_shape = true;
    } else {
      p.fail("unknown key '" + printable(key) + "'");
    }
    if (!p.eat(',')) {
      p.expect('}');
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape) p.fail("missing key");
  return checked_product(a.shape, item_size(a.dtype), name) * item_size(a.dtype);
}

}  // namespace

Array decode(const std::string& c, const std::string& name) {
  if (!host_little_endian()) throw Error("npy: big-endian hosts are not supported");
  Array a;
  const size_t nbytes = parse_header(c, name, a);
  const size_t dstart = header_end(c, name);
  if (c.size() != dstart + nbytes)
    throw Error("npy: " + name + ": data is " + std::to_string(c.size() - dstart) + " bytes, shape needs " +
                std::to_string(nbytes));
  a.bytes.assign(c.begin() + static_cast<std::ptrdiff_t>(dstart), c.end());
  return a;
}

Array read(const std::string& path) {
  // The header says how many bytes follow, so the reader never reads more than that plus one (a device such as
  // /dev/zero never ends; a forged shape is refused by parse_header before any data is read).
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error("npy: cannot read " + path + ": is a directory");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("npy: cannot open " + path);
  std::string content;
  const auto fill = [&](size_t want) {  // reads until content holds `want` bytes or the file ends
    char buf[65536];
    while (content.size() < want) {
      f.read(buf, static_cast<std::streamsize>(std::min(sizeof buf, want - content.size())));
      if (f.gcount() <= 0) break;
      content.append(buf, size_t(f.gcount()));
    }
    if (f.bad()) throw Error("npy: error reading " + path);
  };
  fill(12);
  const size_t dstart = header_end(content, path);
  fill(dstart);
  Array probe;
  const size_t nbytes = parse_header(content, path, probe);
  fill(dstart + nbytes + 1);  // one byte more: is the file longer than its shape says?
  if (content.size() > dstart + nbytes)
    throw Error("npy: " + path + ": the file holds more than the " + std::to_string(nbytes) +
                " bytes of data its shape needs");
  return decode(content, path);
}

}  // namespace bfp::npy
