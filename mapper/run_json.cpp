// SPDX-License-Identifier: Apache-2.0
#include <nlohmann/json.hpp>

#include "mapper/run.h"

namespace bfp::mapper {

namespace {

template <class T>
void get(const nlohmann::json& j, const char* key, T& v) {
  if (j.contains(key)) v = j.at(key).get<T>();
}

}  // namespace

void to_json(nlohmann::json& x, const LayerReport& l) {
  x = {{"index", l.index + 1},
       {"name", l.name},
       {"type", l.type},
       {"where", l.where},
       {"output", l.out.str()},
       {"lowering", l.lowering},
       {"gemms", l.gemms},
       {"macs", l.macs},
       {"useful_macs", l.useful_macs},
       {"cycles", l.cycles},
       {"commands", l.commands},
       {"mac_utilization", l.util},
       {"read_bytes", l.read_bytes},
       {"write_bytes", l.write_bytes},
       {"zeros_in", l.zeros_in},
       {"zeros_out", l.zeros_out},
       {"sparse_a", l.sparse_a},
       {"sparse_c", l.sparse_c},
       {"checked", l.checked},
       {"a_in_place", l.a_in_place},
       {"host_bytes", l.host_bytes},
       {"bit_exact", l.bit_exact},
       {"sim_seconds", l.sim_seconds}};
  if (l.checked) {
    x["cycle_breakdown"] = l.breakdown;
    x["cycle_breakdown"].erase("total");  // the layer's "cycles"
  }
  if (!l.bit_exact) x["mismatch"] = l.mismatch;
}

void from_json(const nlohmann::json& j, LayerReport& l) {
  if (j.contains("index")) l.index = j.at("index").get<int>() - 1;
  get(j, "name", l.name);
  get(j, "type", l.type);
  get(j, "where", l.where);
  get(j, "lowering", l.lowering);
  get(j, "gemms", l.gemms);
  get(j, "macs", l.macs);
  get(j, "useful_macs", l.useful_macs);
  get(j, "cycles", l.cycles);
  get(j, "commands", l.commands);
  get(j, "mac_utilization", l.util);
  get(j, "read_bytes", l.read_bytes);
  get(j, "write_bytes", l.write_bytes);
  get(j, "zeros_in", l.zeros_in);
  get(j, "zeros_out", l.zeros_out);
  get(j, "sparse_a", l.sparse_a);
  get(j, "sparse_c", l.sparse_c);
  get(j, "checked", l.checked);
  get(j, "a_in_place", l.a_in_place);
  get(j, "host_bytes", l.host_bytes);
  get(j, "bit_exact", l.bit_exact);
  get(j, "sim_seconds", l.sim_seconds);
  get(j, "mismatch", l.mismatch);
  if (j.contains("cycle_breakdown")) {
    l.breakdown = j.at("cycle_breakdown").get<sim::CycleBreakdown>();
    l.breakdown.total = l.cycles;
  }
}

void from_json(const nlohmann::json& j, NetReport& r) {
  if (j.contains("network")) {
    const auto& n = j.at("network");
    get(n, "name", r.network);
    get(n, "seed", r.seed);
    get(n, "macs", r.macs);
    get(n, "useful_macs", r.useful_macs);
  }
  if (j.contains("config")) get(j.at("config"), "name", r.config);
  get(j, "rtl", r.rtl);
  get(j, "bit_exact", r.bit_exact);
  get(j, "cycles", r.cycles);
  get(j, "mac_utilization", r.util);
  get(j, "traced_layer", r.traced_layer);
  get(j, "layers", r.layers);
}

nlohmann::json run_json(const Config& cfg, const Network& net, const NetReport& r) {
  nlohmann::json j;
  j["network"] = {{"name", net.name}, {"path", net.source_path}, {"seed", r.seed}, {"macs", r.macs}, {"useful_macs", r.useful_macs},
                  {"input_file", net.input_path}, {"batch", net.batch()}};
  j["config"] = {{"name", cfg.name},   {"path", cfg.source_path}, {"rows", cfg.rows},
                 {"cols", cfg.cols},   {"block_size", cfg.block}, {"sparsity", cfg.sparsity_name()}};
  j["rtl"] = r.rtl;
  if (!r.traced_layer.empty()) j["traced_layer"] = r.traced_layer;
  j["bit_exact"] = r.bit_exact;
  j["verdict"] = !r.rtl ? "NOT RUN" : r.bit_exact ? "BIT-EXACT" : "MISMATCH";
  j["cycles"] = r.cycles;
  j["mac_utilization"] = r.util;
  j["layers"] = r.layers;
  j["output"] = {{"shape", r.output.shape.str()},
                 {"batch", r.batch},
                 {"error_vs_fp64", {{"rel_rms", r.error.rel_rms}, {"max_abs", r.error.max_abs}}}};
  if (r.top1_agree >= 0) j["output"]["top1_agreement"] = {{"agree", r.top1_agree}, {"images", r.batch}};
  if (r.has_expected)
    j["output"]["fp64_vs_expected"] = {{"path", net.expected_path},
                                       {"rel_rms", r.fp64_vs_expected.rel_rms},
                                       {"max_abs", r.fp64_vs_expected.max_abs},
                                       {"tolerance", kExpectedTolerance},
                                       {"ok", r.expected_ok}};
  return j;
}

}  // namespace bfp::mapper
