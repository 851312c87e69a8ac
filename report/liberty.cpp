// SPDX-License-Identifier: Apache-2.0
#include "liberty.h"

#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace bfp::report {
namespace {

// ---- boolean functions -------------------------------------------------------------------------------------
// Grammar (Liberty "function"): or := xor { ('+'|'|') xor }; xor := and { '^' and }; and := unary { ['&'|'*'|' ']
// unary }; unary := '!' unary | primary { '\'' }; primary := name | '0' | '1' | '(' or ')'.
struct FnParser {
  const std::string& s;
  const std::vector<std::string>& inputs;
  uint32_t vec;
  const std::string& where;
  size_t i = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(where + ": function \"" + s + "\": " + what);
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  bool starts_operand() {
    ws();
    return i < s.size() && (s[i] == '!' || s[i] == '(' || std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_');
  }
  bool primary() {
    ws();
    if (i >= s.size()) fail("unexpected end");
    bool v;
    if (s[i] == '(') {
      ++i;
      v = parse_or();
      ws();
      if (i >= s.size() || s[i] != ')') fail("missing ')'");
      ++i;
    } else if (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_') {
      size_t b = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '[' ||
                              s[i] == ']'))
        ++i;
      const std::string name = s.substr(b, i - b);
      if (name == "0" || name == "1") {
        v = name == "1";
      } else {
        size_t k = 0;
        while (k < inputs.size() && inputs[k] != name) ++k;
        if (k == inputs.size()) fail("'" + name + "' is not an input pin");
        v = (vec >> k) & 1u;
      }
    } else {
      fail(std::string("unexpected '") + s[i] + "'");
    }
    while (i < s.size() && s[i] == '\'') {
      v = !v;
      ++i;
    }
    return v;
  }
  bool unary() {
    ws();
    if (i < s.size() && s[i] == '!') {
      ++i;
      return !unary();
    }
    return primary();
  }
  bool parse_and() {
    bool v = unary();
    for (;;) {
      ws();
      if (i < s.size() && (s[i] == '&' || s[i] == '*')) {
        ++i;
        v = unary() && v;
      } else if (starts_operand()) {  // juxtaposition is "and"
        v = unary() && v;
      } else {
        return v;
      }
    }
  }
  bool parse_xor() {
    bool v = parse_and();
    for (;;) {
      ws();
      if (i < s.size() && s[i] == '^') {
        ++i;
        v = parse_and() != v;
      } else {
        return v;
      }
    }
  }
  bool parse_or() {
    bool v = parse_xor();
    for (;;) {
      ws();
      if (i < s.size() && (s[i] == '+' || s[i] == '|')) {
        ++i;
        v = parse_xor() || v;
      } else {
        return v;
      }
    }
  }
};

// ---- Liberty syntax ----------------------------------------------------------------------------------------
struct Group {
  std::string type;
  std::vector<std::string> args;
  std::map<std::string, std::string> attrs;  // simple attributes (last one wins)
  std::vector<std::unique_ptr<Group>> children;
};

struct Lexer {
  std::istream& in;
  const std::string& path;
  int line = 1;
  int tok_line = 1;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path + ":" + std::to_string(tok_line) + ": " + what);
  }
  // Next token: a quoted string (returned with its quotes), one of { } ( ) : ; , or a word. "" at the end.
  std::string next() {
    for (;;) {
      int c = in.get();
      if (c == EOF) return "";
      if (c == '\n') {
        ++line;
        continue;
      }
      if (std::isspace(c)) continue;
      if (c == '\\' && (in.peek() == '\n' || in.peek() == '\r')) continue;  // line continuation
      if (c == '/' && in.peek() == '*') {
        in.get();
        int p = 0;
        while ((c = in.get()) != EOF && !(p == '*' && c == '/')) {
          if (c == '\n') ++line;
          p = c;
        }
        if (c == EOF) fail("unterminated comment");
        continue;
      }
      if (c == '/' && in.peek() == '/') {
        while ((c = in.get()) != EOF && c != '\n') {}
        ++line;
        continue;
      }
      tok_line = line;
      if (c == '"') {
        std::string t = "\"";
        while ((c = in.get()) != EOF && c != '"') {
          if (c == '\\' && (in.peek() == '\n' || in.peek() == '\r')) continue;
          if (c == '\n') ++line;
          t.push_back(static_cast<char>(c));
        }
        if (c == EOF) fail("unterminated string");
        return t + "\"";
      }
      if (std::string("{}():;,").find(static_cast<char>(c)) != std::string::npos) return std::string(1, static_cast<char>(c));
      std::string t(1, static_cast<char>(c));
      while ((c = in.peek()) != EOF && !std::isspace(c) && std::string("{}():;,\"").find(static_cast<char>(c)) == std::string::npos)
        t.push_back(static_cast<char>(in.get()));
      return t;
    }
  }
};

std::string unquote(const std::string& t) {
  return t.size() >= 2 && t.front() == '"' && t.back() == '"' ? t.substr(1, t.size() - 2) : t;
}

// Parses the body of a group after its '{' up to and including its '}'.
void parse_body(Lexer& lx, Group& g, int depth) {
  if (depth > 64) lx.fail("groups nested too deep");
  for (;;) {
    std::string name = lx.next();
    if (name.empty()) lx.fail("missing '}'");
    if (name == "}") return;
    if (name == ";") continue;
    std::string t = lx.next();
    if (t == ":") {  // simple attribute: name : value ;
      std::string v = lx.next(), more;
      while (!(more = lx.next()).empty() && more != ";") {
        if (more == "}") lx.fail("missing ';' after attribute '" + name + "'");
        v += " " + more;  // unquoted expressions split into words
      }
      g.attrs[name] = unquote(v);
    } else if (t == "(") {  // group or complex attribute: name ( args ) { ... } | ;
      std::vector<std::string> args;
      std::string a;
      for (std::string x = lx.next(); x != ")"; x = lx.next()) {
        if (x.empty()) lx.fail("missing ')'");
        if (x == ",") {
          args.push_back(unquote(a));
          a.clear();
        } else {
          a += a.empty() ? x : " " + x;
        }
      }
      if (!a.empty()) args.push_back(unquote(a));
      std::string after = lx.next();
      if (after == "{") {
        auto child = std::make_unique<Group>();
        child->type = name;
        child->args = args;
        parse_body(lx, *child, depth + 1);
        g.children.push_back(std::move(child));
      } else if (after != ";") {
        // a complex attribute may end without ';' before the next statement; push nothing back: refuse it
        lx.fail("expected '{' or ';' after '" + name + "(...)'");
      }
    } else {
      lx.fail("expected ':' or '(' after '" + name + "'");
    }
  }
}

}  // namespace

bool eval_liberty_function(const std::string& fn, const std::vector<std::string>& inputs, uint32_t vector,
                           const std::string& where) {
  FnParser p{fn, inputs, vector, where};
  const bool v = p.parse_or();
  p.ws();
  if (p.i != fn.size()) p.fail("unexpected '" + fn.substr(p.i) + "'");
  return v;
}

void read_liberty(const std::string& path, CellLibrary& lib) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read Liberty file " + path);
  Lexer lx{in, path};
  std::string t = lx.next();  // library ( name ) {
  if (t != "library" || lx.next() != "(") lx.fail("expected 'library ('");
  while ((t = lx.next()) != ")")
    if (t.empty()) lx.fail("truncated library header");
  if (lx.next() != "{") lx.fail("expected '{' after library (...)");
  Group top;
  parse_body(lx, top, 0);
  for (const auto& c : top.children) {
    if (c->type != "cell" || c->args.size() != 1) continue;
    LibertyCell cell;
    std::vector<const Group*> outs;
    for (const auto& g : c->children) {
      if (g->type == "ff" || g->type == "latch" || g->type == "ff_bank" || g->type == "latch_bank") cell.sequential = true;
      if (g->type != "pin" || g->args.size() != 1) continue;
      auto d = g->attrs.find("direction");
      if (d == g->attrs.end()) continue;
      if (d->second == "input") cell.inputs.push_back(g->args[0]);
      else if (d->second == "output" || d->second == "inout") outs.push_back(g.get());
    }
    for (const Group* o : outs) {
      LibertyOutput lo;
      lo.name = o->args[0];
      auto f = o->attrs.find("function");
      if (!cell.sequential && f != o->attrs.end() && !o->attrs.count("three_state") && cell.inputs.size() <= 6) {
        const std::string where = path + ": cell " + c->args[0] + " pin " + lo.name;
        for (uint32_t v = 0; v < (1u << cell.inputs.size()); ++v)
          if (eval_liberty_function(f->second, cell.inputs, v, where)) lo.table |= uint64_t{1} << v;
        lo.combinational = true;
      }
      cell.outputs.push_back(lo);
    }
    lib[c->args[0]] = std::move(cell);
  }
}

}  // namespace bfp::report
