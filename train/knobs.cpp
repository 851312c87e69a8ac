// SPDX-License-Identifier: Apache-2.0
// Parsing and naming of sparsity-scaling settings (train/bfp_step.h), shared by bfpgen train, bench and report.
#include <stdexcept>
#include <string>

#include "train/bfp_step.h"

namespace bfp::train {

Knobs parse_knobs(const std::string& s, const std::string& what) {
  if (s == "off") return {};
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument(what + ": expected 'off' or T_ACT/T_ERR with codes 0..127 (e.g. 32/16 or 32,16), got '" +
                                 s + "' (" + why + ")");
  };
  const auto sep = s.find_first_of("/,");
  if (sep == std::string::npos) throw bad("no '/' or ','");
  auto code = [&](const std::string& t) {
    if (t.empty() || t.size() > 3 || t.find_first_not_of("0123456789") != std::string::npos) throw bad("not a code");
    const int v = std::stoi(t);
    if (v > 127) throw bad("threshold above 127");
    return v;
  };
  return {code(s.substr(0, sep)), code(s.substr(sep + 1))};
}

std::string knobs_name(const Knobs& k) {
  if (k.t_act == 0 && k.t_err == 0) return "off";
  return std::to_string(k.t_act) + "/" + std::to_string(k.t_err);
}

}  // namespace bfp::train
