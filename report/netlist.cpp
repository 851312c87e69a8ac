// SPDX-License-Identifier: Apache-2.0
#include "netlist.h"

#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

namespace bfp::report {
namespace {

// Local bit codes in expressions: >= 0 a bit of the module's wires; negative: a constant.
constexpr int kL0 = -1, kL1 = -2, kLX = -3;

struct Wire {
  int msb = 0, lsb = 0;
  bool ranged = false;
  int base = 0;  // first local bit (the LSB)
  int dir = 0;   // 0 wire, 1 input, 2 output, 3 inout
  int width() const { return (msb >= lsb ? msb - lsb : lsb - msb) + 1; }
  // local bit of index `idx`, -1 when out of range
  int bit(int idx) const {
    const int k = msb >= lsb ? idx - lsb : lsb - idx;
    return k >= 0 && k < width() ? base + k : -1;
  }
  int index(int k) const { return msb >= lsb ? lsb + k : lsb - k; }
};

struct Inst {
  std::string type, name;
  std::vector<std::pair<std::string, std::vector<int>>> conns;  // pin -> local bits, LSB first
  int line = 0;
};

struct Module {
  std::string name;
  std::map<std::string, Wire> wires;
  std::vector<std::string> wire_order;
  std::vector<std::string> ports;  // header order
  int nbits = 0;
  std::vector<std::pair<std::vector<int>, std::vector<int>>> assigns;  // lhs, rhs
  std::vector<Inst> insts;
};

class Parser {
 public:
  Parser(std::istream& in, const std::string& path) : in_(in), path_(path) {}

  std::map<std::string, Module> parse() {
    std::map<std::string, Module> mods;
    std::string t;
    while (!(t = next()).empty()) {
      if (t != "module") fail("expected 'module', got '" + t + "'");
      Module m;
      m.name = ident(next());
      parse_module(m);
      if (mods.count(m.name)) fail("module '" + m.name + "' defined twice");
      const std::string name = m.name;
      mods.emplace(name, std::move(m));
    }
    return mods;
  }

 private:
  std::istream& in_;
  const std::string& path_;
  int line_ = 1, tok_line_ = 1;
  std::string peeked_;
  bool has_peek_ = false;

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ":" + std::to_string(tok_line_) + ": " + what);
  }

  std::string lex() {
    for (;;) {
      int c = in_.get();
      if (c == EOF) return "";
      if (c == '\n') {
        ++line_;
        continue;
      }
      if (std::isspace(c)) continue;
      if (c == '/' && in_.peek() == '*') {
        in_.get();
        int p = 0;
        while ((c = in_.get()) != EOF && !(p == '*' && c == '/')) {
          if (c == '\n') ++line_;
          p = c;
        }
        continue;
      }
      if (c == '/' && in_.peek() == '/') {
        while ((c = in_.get()) != EOF && c != '\n') {}
        ++line_;
        continue;
      }
      if (c == '(' && in_.peek() == '*') {  // attribute (* ... *)
        in_.get();
        int p = 0;
        while ((c = in_.get()) != EOF && !(p == '*' && c == ')')) {
          if (c == '\n') ++line_;
          p = c;
        }
        continue;
      }
      tok_line_ = line_;
      std::string t;
      if (c == '\\') {  // escaped identifier: up to white space, without the backslash
        while ((c = in_.peek()) != EOF && !std::isspace(c)) t.push_back(static_cast<char>(in_.get()));
        if (t.empty()) fail("empty escaped identifier");
        return "\\" + t;  // marked, so that "\1" is not taken for a number
      }
      if (std::isalpha(c) || c == '_' || c == '$') {
        t.push_back(static_cast<char>(c));
        while ((c = in_.peek()) != EOF && (std::isalnum(c) || c == '_' || c == '$')) t.push_back(static_cast<char>(in_.get()));
        return t;
      }
      if (std::isdigit(c) || c == '\'') {  // 12, 8'hff, 4'b10xz, 'b0
        t.push_back(static_cast<char>(c));
        while ((c = in_.peek()) != EOF && (std::isalnum(c) || c == '\'' || c == '_')) t.push_back(static_cast<char>(in_.get()));
        return t;
      }
      return std::string(1, static_cast<char>(c));
    }
  }
  std::string next() {
    if (has_peek_) {
      has_peek_ = false;
      return peeked_;
    }
    return lex();
  }
  const std::string& peek() {
    if (!has_peek_) {
      peeked_ = lex();
      has_peek_ = true;
    }
    return peeked_;
  }
  void expect(const std::string& want) {
    const std::string t = next();
    if (t != want) fail("expected '" + want + "', got '" + (t.empty() ? std::string("end of file") : t) + "'");
  }
  static std::string ident(const std::string& t) { return !t.empty() && t[0] == '\\' ? t.substr(1) : t; }
  bool is_ident(const std::string& t) const {
    return !t.empty() && (t[0] == '\\' || std::isalpha(static_cast<unsigned char>(t[0])) || t[0] == '_' || t[0] == '$');
  }
  int number(const std::string& t) {
    if (t.empty() || !std::isdigit(static_cast<unsigned char>(t[0])) || t.find('\'') != std::string::npos)
      fail("expected a number, got '" + t + "'");
    try {
      return std::stoi(t);
    } catch (...) {
      fail("bad number '" + t + "'");
    }
  }

  void parse_module(Module& m) {
    if (peek() == "(") {
      next();
      for (std::string t = next(); t != ")"; t = next()) {
        if (t.empty()) fail("truncated port list");
        if (t == ",") continue;
        m.ports.push_back(ident(t));
      }
    }
    expect(";");
    for (;;) {
      std::string t = next();
      if (t.empty()) fail("module '" + m.name + "' without endmodule");
      if (t == "endmodule") return;
      if (t == "input" || t == "output" || t == "inout" || t == "wire" || t == "reg") {
        declare(m, t);
      } else if (t == "assign") {
        std::vector<int> lhs = expr(m);
        expect("=");
        std::vector<int> rhs = expr(m);
        expect(";");
        if (lhs.size() != rhs.size()) fail("assign of " + std::to_string(rhs.size()) + " bits to " + std::to_string(lhs.size()));
        m.assigns.emplace_back(std::move(lhs), std::move(rhs));
      } else if (is_ident(t)) {
        instance(m, ident(t));
      } else {
        fail("unexpected '" + t + "' in module '" + m.name + "'");
      }
    }
  }

  void declare(Module& m, const std::string& kind) {
    int dir = kind == "input" ? 1 : kind == "output" ? 2 : kind == "inout" ? 3 : 0;
    if (peek() == "wire" || peek() == "reg") next();  // "output wire x"
    if (peek() == "signed") next();
    Wire w;
    if (peek() == "[") {
      next();
      w.msb = number(next());
      expect(":");
      w.lsb = number(next());
      expect("]");
      w.ranged = true;
    }
    for (;;) {
      const std::string t = next();
      if (!is_ident(t)) fail("expected a name in a declaration, got '" + t + "'");
      const std::string name = ident(t);
      auto it = m.wires.find(name);
      if (it != m.wires.end()) {  // "output [3:0] x;" then "wire [3:0] x;"
        if (it->second.width() != w.width()) fail("'" + name + "' declared twice with different widths");
        if (dir) it->second.dir = dir;
      } else {
        Wire nw = w;
        nw.dir = dir;
        nw.base = m.nbits;
        m.nbits += nw.width();
        m.wires.emplace(name, nw);
        m.wire_order.push_back(name);
      }
      const std::string sep = next();
      if (sep == ";") return;
      if (sep != ",") fail("expected ',' or ';' in a declaration, got '" + sep + "'");
    }
  }

  std::vector<int> constant(const std::string& t) {
    const size_t q = t.find('\'');
    if (q == std::string::npos) {  // plain decimal: 32 bits
      long v = std::stol(t);
      std::vector<int> b(32);
      for (int i = 0; i < 32; ++i) b[i] = (v >> i) & 1 ? kL1 : kL0;
      return b;
    }
    const int width = q == 0 ? 32 : number(t.substr(0, q));
    if (width <= 0 || width > (1 << 20)) fail("bad constant width in '" + t + "'");
    size_t p = q + 1;
    if (p < t.size() && (t[p] == 's' || t[p] == 'S')) ++p;
    if (p >= t.size()) fail("bad constant '" + t + "'");
    const char base = static_cast<char>(std::tolower(static_cast<unsigned char>(t[p])));
    const std::string digits = t.substr(p + 1);
    std::vector<int> bits;  // LSB first
    if (base == 'b' || base == 'h' || base == 'o') {
      const int per = base == 'b' ? 1 : base == 'h' ? 4 : 3;
      for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        const char d = static_cast<char>(std::tolower(static_cast<unsigned char>(*it)));
        if (d == '_') continue;
        if (d == 'x' || d == 'z' || d == '?') {
          for (int i = 0; i < per; ++i) bits.push_back(kLX);
          continue;
        }
        int v = std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : d - 'a' + 10;
        if (v < 0 || v >= (1 << per)) fail("bad digit in constant '" + t + "'");
        for (int i = 0; i < per; ++i) bits.push_back((v >> i) & 1 ? kL1 : kL0);
      }
    } else if (base == 'd') {
      unsigned long long v = std::stoull(digits);
      for (int i = 0; i < 64; ++i) bits.push_back((v >> i) & 1 ? kL1 : kL0);
    } else {
      fail("bad constant '" + t + "'");
    }
    if (bits.empty()) fail("bad constant '" + t + "'");
    const int pad = bits.back() == kLX ? kLX : kL0;
    bits.resize(static_cast<size_t>(width), pad);
    return bits;
  }

  // An expression's bits, LSB first.
  std::vector<int> expr(Module& m) {
    std::string t = next();
    if (t == "{") {
      if (std::isdigit(static_cast<unsigned char>(peek()[0])) && peek().find('\'') == std::string::npos) {
        const int n = number(next());  // replication { n { ... } }
        expect("{");
        std::vector<int> one = concat_rest(m);
        expect("}");
        std::vector<int> r;
        for (int i = 0; i < n; ++i) r.insert(r.end(), one.begin(), one.end());
        return r;
      }
      return concat_rest(m);
    }
    if (!t.empty() && (std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '\'')) return constant(t);
    if (!is_ident(t)) fail("expected an expression, got '" + t + "'");
    const std::string name = ident(t);
    auto it = m.wires.find(name);
    if (it == m.wires.end()) fail("unknown wire '" + name + "' in module '" + m.name + "'");
    const Wire& w = it->second;
    std::vector<int> bits;
    if (peek() == "[") {
      next();
      const int a = number(next());
      int b = a;
      if (peek() == ":") {
        next();
        b = number(next());
      }
      expect("]");
      // [a:b]: a is the more significant end
      const int step = a >= b ? 1 : -1;
      for (int i = b;; i += step) {
        const int lb = w.bit(i);
        if (lb < 0) fail("bit " + std::to_string(i) + " out of the range of '" + name + "'");
        bits.push_back(lb);
        if (i == a) break;
      }
      return bits;
    }
    for (int k = 0; k < w.width(); ++k) bits.push_back(w.base + k);
    return bits;
  }
  // After '{': items up to '}', the first item most significant.
  std::vector<int> concat_rest(Module& m) {
    std::vector<std::vector<int>> items;
    for (;;) {
      items.push_back(expr(m));
      const std::string s = next();
      if (s == "}") break;
      if (s != ",") fail("expected ',' or '}' in a concatenation, got '" + s + "'");
    }
    std::vector<int> r;
    for (auto it = items.rbegin(); it != items.rend(); ++it) r.insert(r.end(), it->begin(), it->end());
    return r;
  }

  void instance(Module& m, const std::string& type) {
    Inst in;
    in.type = type;
    in.line = tok_line_;
    if (peek() == "#") fail("parameterized instance of '" + type + "' (the netlist must be mapped)");
    const std::string nt = next();
    if (!is_ident(nt)) fail("expected an instance name after '" + type + "', got '" + nt + "'");
    in.name = ident(nt);
    expect("(");
    for (std::string t = next(); t != ")"; t = next()) {
      if (t == ",") continue;
      if (t != ".") fail("instance '" + in.name + "': only named port connections (.pin(net)) are supported");
      const std::string pin = next();
      if (!is_ident(pin)) fail("instance '" + in.name + "': bad pin name '" + pin + "'");
      expect("(");
      std::vector<int> bits;
      if (peek() != ")") bits = expr(m);
      expect(")");
      in.conns.emplace_back(ident(pin), std::move(bits));
    }
    expect(";");
    m.insts.push_back(std::move(in));
  }
};

bool auto_name(const std::string& n) {
  // Yosys' renamed internal nets: _123_ (and $-names, which write_verilog renames)
  if (!n.empty() && n[0] == '$') return true;
  if (n.size() < 3 || n.front() != '_' || n.back() != '_') return false;
  for (size_t i = 1; i + 1 < n.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(n[i]))) return false;
  return true;
}

struct Flattener {
  const std::map<std::string, Module>& mods;
  const std::string& path;
  std::vector<int32_t> uf;  // union-find over global bits; 0..2 the constants
  FlatNetlist& out;
  std::vector<std::pair<std::string, int32_t>> names;  // name -> global bit (resolved at the end)

  int32_t find(int32_t x) {
    while (uf[x] != x) {
      uf[x] = uf[uf[x]];
      x = uf[x];
    }
    return x;
  }
  void unite(int32_t a, int32_t b) {
    a = find(a), b = find(b);
    if (a == b) return;
    if (a > b) std::swap(a, b);  // the smaller id is the root: constants stay roots
    uf[b] = a;
  }
  static int32_t global(int local, int32_t base) {
    return local == kL0 ? FlatNetlist::kConst0 : local == kL1 ? FlatNetlist::kConst1 : local == kLX ? FlatNetlist::kConstX
                                                                                                    : base + local;
  }

  // Instantiates module m; returns the global base of its bits.
  int32_t instantiate(const Module& m, const std::string& slash, const std::string& dot, int depth) {
    if (depth > 64) throw std::runtime_error(path + ": hierarchy deeper than 64 at '" + slash + "'");
    const int32_t base = static_cast<int32_t>(uf.size());
    for (int i = 0; i < m.nbits; ++i) uf.push_back(base + i);
    for (const std::string& wn : m.wire_order) {
      if (auto_name(wn)) continue;
      const Wire& w = m.wires.at(wn);
      for (int k = 0; k < w.width(); ++k)
        names.emplace_back(dot + wn + (w.ranged ? "[" + std::to_string(w.index(k)) + "]" : ""), base + w.base + k);
    }
    for (const auto& [lhs, rhs] : m.assigns)
      for (size_t i = 0; i < lhs.size(); ++i) unite(global(lhs[i], base), global(rhs[i], base));
    for (const Inst& in : m.insts) {
      auto child = mods.find(in.type);
      if (child != mods.end()) {
        const Module& cm = child->second;
        const int32_t cbase = instantiate(cm, slash + in.name + "/", dot + in.name + ".", depth + 1);
        for (const auto& [pin, bits] : in.conns) {
          auto w = cm.wires.find(pin);
          if (w == cm.wires.end() || w->second.dir == 0)
            throw std::runtime_error(path + ":" + std::to_string(in.line) + ": module '" + cm.name + "' has no port '" + pin + "'");
          if (static_cast<int>(bits.size()) != w->second.width())
            throw std::runtime_error(path + ":" + std::to_string(in.line) + ": port '" + pin + "' of '" + in.name + "' is " +
                                     std::to_string(w->second.width()) + " bits, connected to " + std::to_string(bits.size()));
          for (size_t k = 0; k < bits.size(); ++k) unite(cbase + w->second.base + static_cast<int32_t>(k), global(bits[k], base));
        }
      } else {
        FlatCell c;
        c.path = slash + in.name;
        c.type = in.type;
        for (const auto& [pin, bits] : in.conns) {
          if (bits.size() == 1) c.pins.emplace_back(pin, global(bits[0], base));
          else
            for (size_t k = 0; k < bits.size(); ++k) c.pins.emplace_back(pin + "[" + std::to_string(k) + "]", global(bits[k], base));
        }
        out.cells.push_back(std::move(c));
      }
    }
    return base;
  }
};

}  // namespace

FlatNetlist read_flat_netlist(const std::string& path, const std::string& top) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read netlist " + path);
  Parser p(in, path);
  const std::map<std::string, Module> mods = p.parse();
  auto t = mods.find(top);
  if (t == mods.end()) throw std::runtime_error(path + ": no module '" + top + "'");
  FlatNetlist out;
  Flattener f{mods, path, {0, 1, 2}, out, {}};
  const int32_t base = f.instantiate(t->second, "", "", 0);
  // compact ids: the constants stay 0..2
  std::vector<int32_t> id(f.uf.size(), -1);
  id[0] = 0, id[1] = 1, id[2] = 2;
  int32_t n = 3;
  auto net = [&](int32_t g) {
    const int32_t r = f.find(g);
    if (id[r] < 0) id[r] = n++;
    return id[r];
  };
  for (FlatCell& c : out.cells)
    for (auto& pn : c.pins) pn.second = net(pn.second);
  out.names.reserve(f.names.size());
  for (const auto& [name, g] : f.names) out.names.emplace(name, net(g));
  for (const std::string& wn : t->second.wire_order) {
    const Wire& w = t->second.wires.at(wn);
    if (w.dir == 1)
      for (int k = 0; k < w.width(); ++k) out.top_inputs.push_back(net(base + w.base + k));
  }
  out.nets = n;
  return out;
}

}  // namespace bfp::report
