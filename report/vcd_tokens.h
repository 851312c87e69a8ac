// SPDX-License-Identifier: Apache-2.0
// The VCD tokenizer shared by the toggle counter (report/toggles.cpp) and the netlist simulation
// (report/net_activity.cpp): white-space separated tokens with the line of each, for errors that name it.
#pragma once
#include <cctype>
#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bfp::report {

class VcdTokens {
 public:
  explicit VcdTokens(std::istream& in) : in_(in) {}

  /// The next token into t; false at the end of the stream.
  bool next(std::string& t) {
    t.clear();
    int c;
    while ((c = in_.get()) != EOF && std::isspace(c))
      if (c == '\n') ++line_;
    if (c == EOF) return false;
    tline_ = line_;
    do {
      t.push_back(static_cast<char>(c));
    } while ((c = in_.get()) != EOF && !std::isspace(c));
    if (c == '\n') ++line_;
    return true;
  }
  /// Skips to the token after the next "$end" (the rest of a declaration or command).
  void skip_to_end() {
    std::string t;
    while (next(t))
      if (t == "$end") return;
    fail_at(line_, "missing $end");
  }
  /// The rest of a "$var type size id ref [range] $end" after "$var": the id, the reference with its range
  /// ("data[7:0]") and the width. Throws on a truncated declaration or a bad size.
  void var_decl(std::string& id, std::string& ref, int& width) {
    std::string type, size, rest;
    if (!next(type) || !next(size) || !next(id) || !next(ref)) fail_at(tline_, "truncated $var");
    const uint64_t at = tline_;
    while (next(rest) && rest != "$end")
      if (rest[0] == '[') ref += rest;  // "data [7:0]": the range belongs to the name
    width = 0;
    try {
      width = std::stoi(size);
    } catch (...) {
      fail_at(at, "bad $var size '" + size + "'");
    }
    if (width <= 0) fail_at(at, "bad $var size '" + size + "'");
  }
  /// Handles "$scope kind name $end" (pushes name) and "$upscope $end" (pops) after the token tok; false
  /// when tok is neither. Throws on a truncated $scope or an $upscope without an open scope.
  bool scope_command(const std::string& tok, std::vector<std::string>& stack) {
    if (tok == "$scope") {
      std::string kind, name;
      if (!next(kind) || !next(name)) fail_at(tline_, "truncated $scope");
      stack.push_back(name);
    } else if (tok == "$upscope") {
      if (stack.empty()) fail_at(tline_, "$upscope without $scope");
      stack.pop_back();
    } else {
      return false;
    }
    skip_to_end();
    return true;
  }
  uint64_t line() const { return line_; }        // line of the reading position
  uint64_t token_line() const { return tline_; }  // line of the last token read

  [[noreturn]] static void fail_at(uint64_t line, const std::string& what) {
    throw std::runtime_error("VCD line " + std::to_string(line) + ": " + what);
  }

 private:
  std::istream& in_;
  uint64_t line_ = 1;
  uint64_t tline_ = 1;
};

}  // namespace bfp::report
