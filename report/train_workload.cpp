// SPDX-License-Identifier: Apache-2.0
#include "train_workload.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace bfp::report {
using nlohmann::json;

namespace {

std::string pct(double f) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100 * f);
  return b;
}

std::string scaling_name(int t_act, int t_err) {
  return t_act == 0 && t_err == 0 ? "off" : std::to_string(t_act) + "/" + std::to_string(t_err);
}

}  // namespace

json training_step_as_gemm(const json& train) {
  try {
    const json& steps = train.at("rtl_steps");
    if (!steps.is_array() || steps.size() != 1)
      throw std::runtime_error("train.json: expected exactly one RTL step (bfpgen train --rtl-steps S --max-steps S+1), got " +
                               std::to_string(steps.is_array() ? steps.size() : 0));
    const json& s = steps[0];
    const json& t = s.at("total");
    double macs = 0, zeros = 0;
    for (const json& j : s.at("jobs")) {
      const double m = j.at("m").get<double>() * j.at("k").get<double>() * j.at("n").get<double>();
      macs += m;
      zeros += m * j.at("a_zeros").get<double>();
    }
    const int t_act = train.at("sparsity_scaling").at("t_act").get<int>();
    const int t_err = train.at("sparsity_scaling").at("t_err").get<int>();
    const double act = s.at("sparsity").at("act").at("sparsity").get<double>();
    const double err = s.at("sparsity").at("err").at("sparsity").get<double>();
    json tr = {{"network", train.at("network")},
               {"config", train.at("config")},
               {"batch", train.at("batch")},
               {"step", s.at("step")},
               {"golden_steps_before", s.at("step")},
               {"sparsity_scaling", scaling_name(t_act, t_err)},
               {"t_act", t_act},
               {"t_err", t_err},
               {"act_sparsity", act},
               {"err_sparsity", err},
               {"passes", {{"fw", s.at("fw")}, {"bw", s.at("bw")}, {"wg", s.at("wg")}, {"total", t}}}};
    std::ostringstream name;
    name << "training step " << s.at("step").get<int64_t>() << " of " << train.at("network").get<std::string>()
         << " (batch " << train.at("batch").get<int>() << ", sparsity scaling " << scaling_name(t_act, t_err)
         << "; measured act " << pct(act) << " / err " << pct(err) << " zero)";
    json g;
    g["gemm"] = name.str();
    g["macs"] = t.at("macs").get<double>();
    g["useful_macs"] = t.at("useful_macs").get<double>();
    g["memory"] = {{"read_bytes", t.at("read_bytes").get<double>()}, {"write_bytes", t.at("write_bytes").get<double>()}};
    g["cycles"] = {{"total", t.at("cycles").get<uint64_t>()}};
    g["bit_exact"] = s.at("bit_exact").get<bool>();
    g["sparsity"] = {{"achieved", {{"act", macs > 0 ? zeros / macs : 0.0}}}};
    g["training"] = tr;
    return g;
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("train.json (bfpgen train --json): ") + e.what());
  }
}

std::string training_markdown(const json& tr) {
  std::ostringstream o;
  o << "## Workload: one training step\n\n"
    << "Step " << tr.at("step").get<int64_t>() << " of `" << tr.at("network").get<std::string>() << "` (batch "
    << tr.at("batch").get<int>() << ", after " << tr.at("golden_steps_before").get<int64_t>()
    << " golden steps from the seeded initialization), sparsity scaling "
    << tr.at("sparsity_scaling").get<std::string>() << " (T_act/T_err); measured interim sparsity: activations "
    << pct(tr.at("act_sparsity").get<double>()) << ", errors " << pct(tr.at("err_sparsity").get<double>())
    << " zero. Every FW, BW and WG GEMM of the step ran on the RTL (the figures above are their sum):\n\n"
    << "| pass | GEMMs | cycles | MACs (dense-equivalent) | useful MACs | bytes moved | bit-exact |\n"
    << "|---|---:|---:|---:|---:|---:|---|\n";
  for (const char* p : {"fw", "bw", "wg", "total"}) {
    const json& t = tr.at("passes").at(p);
    o << "| " << p << " | " << t.at("gemms").get<uint64_t>() << " | " << t.at("cycles").get<uint64_t>() << " | "
      << t.at("macs").get<uint64_t>() << " | " << t.at("useful_macs").get<uint64_t>() << " | "
      << t.at("read_bytes").get<uint64_t>() + t.at("write_bytes").get<uint64_t>() << " | "
      << (t.at("bit_exact").get<bool>() ? "yes" : "NO") << " |\n";
  }
  return o.str() + "\n";
}

}  // namespace bfp::report
