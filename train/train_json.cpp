// SPDX-License-Identifier: Apache-2.0
#include "train/train_json.h"

#include <nlohmann/json.hpp>

namespace bfp::train {

void to_json(nlohmann::json& j, const ZeroCount& z) {
  j = {{"elements", z.elements}, {"zeros", z.zeros}, {"sparsity", z.fraction()}};
}

void to_json(nlohmann::json& j, const LayerSparsity& l) {
  j = {{"layer", l.layer}, {"act", l.act}, {"err", l.err}, {"bw_out", l.bw_out}};
}

void to_json(nlohmann::json& j, const EpochReport& e) {
  const nlohmann::json layers = e.sparsity.layers;
  j = {{"epoch", e.epoch},
       {"steps", e.steps},
       {"loss", e.loss},
       {"train_accuracy", e.train_accuracy},
       {"test_accuracy", e.test_accuracy},
       {"t_act", e.knobs.t_act},
       {"t_err", e.knobs.t_err},
       {"sparsity", {{"act", e.sparsity.act}, {"err", e.sparsity.err}, {"bw_out", e.sparsity.bw_out}, {"layers", layers}}},
       {"reblock_bytes", e.reblock_bytes},
       {"reblock_seconds", e.reblock_seconds},
       {"seconds", e.seconds}};
}

void to_json(nlohmann::json& j, const PassTotals& t) {
  j = {{"gemms", t.gemms},           {"cycles", t.cycles},           {"macs", t.macs},
       {"useful_macs", t.useful_macs}, {"read_bytes", t.read_bytes},   {"write_bytes", t.write_bytes},
       {"dense_bytes", t.dense_bytes}, {"compressed_bytes", t.compressed_bytes}, {"bit_exact", t.bit_exact}};
}

void from_json(const nlohmann::json& j, PassTotals& t) {
  t.gemms = j.value("gemms", uint64_t{0});
  t.cycles = j.value("cycles", uint64_t{0});
  t.macs = j.value("macs", uint64_t{0});
  t.useful_macs = j.value("useful_macs", uint64_t{0});
  t.read_bytes = j.value("read_bytes", uint64_t{0});
  t.write_bytes = j.value("write_bytes", uint64_t{0});
  t.dense_bytes = j.value("dense_bytes", uint64_t{0});
  t.compressed_bytes = j.value("compressed_bytes", uint64_t{0});
  t.bit_exact = j.value("bit_exact", true);
}

void to_json(nlohmann::json& j, const RtlJob& r) {
  j = {{"name", r.name},
       {"layer", r.layer},
       {"pass", pass_name(r.pass)},
       {"m", r.m},
       {"k", r.k},
       {"n", r.n},
       {"sparse_a", r.sparse_a},
       {"sparse_c", r.sparse_c},
       {"a_zeros", r.a_zeros},
       {"wt_zeros", r.wt_zeros},
       {"c_zeros", r.c_zeros},
       {"dense_bytes", r.dense_bytes},
       {"compressed_bytes", r.compressed_bytes},
       {"run", r.run}};
}

void to_json(nlohmann::json& j, const RtlStepReport& r) {
  j = {{"sparsity", {{"act", r.act}, {"err", r.err}, {"layers", r.sparsity}}},
       {"step", r.step},       {"bit_exact", r.bit_exact}, {"first_mismatch", r.first_mismatch},
       {"fw", r.fw},           {"bw", r.bw},               {"wg", r.wg},
       {"total", r.total},     {"jobs", r.jobs},           {"sim_seconds", r.sim_seconds}};
}

}  // namespace bfp::train
