// SPDX-License-Identifier: Apache-2.0
// `bfpgen quantize --block N [--rounding away|even] [--json]`: reads whitespace-separated FP32 numbers from
// stdin and prints their MXINT8 blocks (docs/quantize.md, docs/arithmetic.md section 2). All output is
// buffered and printed only on success, so a failing run prints nothing on stdout.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "golden/bfp.h"

namespace bfp::cli {

namespace {

struct QuantizeOptions {
  int block = 0;
  std::string rounding = "away";
  bool json = false;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string shown(const std::string& tok) {
  constexpr size_t kMax = 40;
  return tok.size() <= kMax ? tok : tok.substr(0, kMax) + "...";
}

// Splits stdin into tokens and converts each with strtof; NaN/Inf and trailing garbage are errors naming
// the (0-based) index of the value and its text.
std::vector<float> parse_values(const std::string& text) {
  std::vector<float> v;
  size_t i = 0;
  while (true) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size()) break;
    size_t j = i;
    while (j < text.size() && !is_space(text[j])) ++j;
    const std::string tok = text.substr(i, j - i);
    i = j;
    const size_t idx = v.size();
    const std::string where = "input value " + std::to_string(idx) + " ('" + shown(tok) + "')";
    if (tok.find('\0') != std::string::npos) throw golden::InputError(where + " is not a number");
    char* end = nullptr;
    errno = 0;
    const float f = std::strtof(tok.c_str(), &end);
    if (end == tok.c_str() || *end != '\0') throw golden::InputError(where + " is not a number");
    if (std::isnan(f)) throw golden::InputError(where + " is NaN");
    if (std::isinf(f)) {
      const bool overflow = errno == ERANGE;
      throw golden::InputError(where + (overflow ? " overflows FP32" : " is infinite"));
    }
    v.push_back(f);
  }
  return v;
}

}  // namespace

Runner add_quantize(CLI::App& app) {
  auto opt = std::make_shared<QuantizeOptions>();
  app.add_option("--block", opt->block, "block size N (>= 1): values per shared exponent")->required();
  app.add_option("--rounding", opt->rounding,
                 "element rounding: 'away' (MX 'nearest', ties away from zero) or 'even' (MX 'even')")
      ->capture_default_str();
  app.add_flag("--json", opt->json, "print one JSON object {block, rounding, blocks: [{exp, codes}]}");
  app.footer(
      "Reads whitespace-separated FP32 numbers (anything strtof accepts, except NaN and Inf) from stdin and "
      "prints one line per block: 'E: c0 c1 ...' with E the E8M0 exponent code and c the int8 element codes; "
      "value = c * 2^(E - 133). A short last block is quantized as if zero-padded; padding is not printed.");

  return [opt]() -> int {
    if (opt->block < 1) throw golden::InputError("--block must be >= 1, got " + std::to_string(opt->block));
    const golden::Rounding r = golden::parse_rounding(opt->rounding);
    const std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) throw golden::InputError("error reading stdin");
    const std::vector<float> values = parse_values(text);
    const std::vector<golden::Block> blocks = golden::quantize_vector(values, opt->block, r, "stdin");

    std::ostringstream out;
    if (opt->json) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const golden::Block& b : blocks) {
        std::vector<int> codes(b.codes.begin(), b.codes.end());
        list.push_back(nlohmann::ordered_json{{"exp", static_cast<int>(b.exp)}, {"codes", codes}});
      }
      const nlohmann::ordered_json j{{"block", opt->block}, {"rounding", golden::rounding_name(r)}, {"blocks", list}};
      out << j.dump() << "\n";
    } else {
      for (const golden::Block& b : blocks) {
        out << static_cast<unsigned>(b.exp) << ":";
        for (int8_t c : b.codes) out << ' ' << static_cast<int>(c);
        out << '\n';
      }
    }
    std::cout << out.str();
    std::cout.flush();
    return std::cout ? 0 : 1;
  };
}

}  // namespace bfp::cli
