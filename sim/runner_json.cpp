// SPDX-License-Identifier: Apache-2.0
#include <nlohmann/json.hpp>

#include "sim/runner.h"

namespace bfp::sim {

void to_json(nlohmann::json& j, const CycleBreakdown& c) {
  j = {{"total", c.total},
       {"compute_stream", c.compute_stream},
       {"pipeline", c.pipeline},
       {"store", c.store},
       {"load_act", c.load_act},
       {"load_wgt", c.load_wgt},
       {"dispatch", c.dispatch},
       {"idle", c.idle},
       {"engine_busy", {{"load", c.load_busy}, {"compute", c.compute_busy}, {"store", c.store_busy}}}};
}

void from_json(const nlohmann::json& j, CycleBreakdown& c) {
  auto get = [&](const nlohmann::json& o, const char* key, uint64_t& v) {
    if (o.contains(key)) v = o.at(key).get<uint64_t>();
  };
  get(j, "total", c.total);
  get(j, "compute_stream", c.compute_stream);
  get(j, "pipeline", c.pipeline);
  get(j, "store", c.store);
  get(j, "load_act", c.load_act);
  get(j, "load_wgt", c.load_wgt);
  get(j, "dispatch", c.dispatch);
  get(j, "idle", c.idle);
  if (j.contains("engine_busy")) {
    const auto& e = j.at("engine_busy");
    get(e, "load", c.load_busy);
    get(e, "compute", c.compute_busy);
    get(e, "store", c.store_busy);
  }
}

void to_json(nlohmann::json& j, const GemmRun& r) {
  j["bit_exact"] = r.bit_exact;
  j["verdict"] = r.bit_exact ? "BIT-EXACT" : "MISMATCH";
  j["code_mismatches"] = r.code_mismatches;
  j["exp_mismatches"] = r.exp_mismatches;
  j["first_mismatch"] = r.first_mismatch;
  j["stray_writes"] = r.stray_writes;
  j["first_stray_write"] = r.first_stray_write;
  j["stream_error"] = r.stream_error;
  j["stream_byte_mismatches"] = r.stream_byte_mismatches;
  j["first_stream_byte_mismatch"] = r.first_stream_byte_mismatch;
  j["schedule"] = host::to_string(r.schedule);
  j["cycles"] = r.cycles;
  j["commands"] = r.commands;
  j["memory"] = {{"read_beats", r.read_beats},
                 {"write_beats", r.write_beats},
                 {"read_bytes", r.read_bytes},
                 {"write_bytes", r.write_bytes},
                 {"act_read_bytes", r.act_read_bytes},
                 {"wgt_read_bytes", r.wgt_read_bytes},
                 {"out_write_bytes", r.out_write_bytes},
                 {"write_strobe_bytes", r.write_strobe_bytes}};
  j["useful_macs"] = r.useful_macs;
  j["sim_seconds"] = r.sim_seconds;
}

}  // namespace bfp::sim
