// SPDX-License-Identifier: Apache-2.0
#include "config/text_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bfp {

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

bool is_decimal(const std::string& s, bool allow_sign) {
  size_t i = 0;
  if (allow_sign && !s.empty() && (s[0] == '+' || s[0] == '-')) i = 1;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (!is_digit(s[i])) return false;
  return true;
}

bool is_class_plus_pattern(const std::string& p) {
  return p.size() >= 4 && p[0] == '[' && p[p.size() - 2] == ']' && p.back() == '+' &&
         p.find_first_of("[]\\^", 1) == p.size() - 2;
}

bool matches_class_plus(const std::string& p, const std::string& s) {
  if (s.empty()) return false;
  const std::string cls = p.substr(1, p.size() - 3);
  bool in[256] = {};
  for (size_t i = 0; i < cls.size(); ++i) {
    if (i + 2 < cls.size() && cls[i + 1] == '-') {  // a range "a-z"
      for (int c = static_cast<unsigned char>(cls[i]); c <= static_cast<unsigned char>(cls[i + 2]); ++c) in[c] = true;
      i += 2;
    } else {
      in[static_cast<unsigned char>(cls[i])] = true;
    }
  }
  for (char c : s)
    if (!in[static_cast<unsigned char>(c)]) return false;
  return true;
}

std::string printable(const std::string& s, size_t max) {
  std::string out;
  const size_t n = s.size() < max ? s.size() : max;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < s.size()) out += "... (" + std::to_string(s.size()) + " characters)";
  return out;
}

std::string read_file_bounded(const std::string& path, size_t max_bytes, std::string& out, bool* opened) {
  out.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (opened) *opened = fd >= 0;
  if (fd < 0) return std::strerror(errno);
  struct stat st{};
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return "is a directory";
    }
    if (S_ISREG(st.st_mode) && size_t(st.st_size) > max_bytes) {
      ::close(fd);
      return "the file is " + std::to_string(st.st_size) + " bytes, more than the limit of " + std::to_string(max_bytes);
    }
  }
  char buf[65536];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return e == EISDIR ? "is a directory" : std::strerror(e);
    }
    if (r == 0) break;
    out.append(buf, size_t(r));
    if (out.size() > max_bytes) {  // a device or pipe: stop reading at once
      ::close(fd);
      out.clear();
      return "it holds more than the limit of " + std::to_string(max_bytes) + " bytes";
    }
  }
  ::close(fd);
  return "";
}

}  // namespace bfp
