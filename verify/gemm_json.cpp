// SPDX-License-Identifier: Apache-2.0
// `bfpgen gemm --json` (docs/harness.md): the runner's JSON (sim/runner_json.cpp) plus the config, the spec and
// the statistics of the random path.
#include <nlohmann/json.hpp>

#include "verify/random_gemm.h"

namespace bfp::verify {

nlohmann::json sequencer_model_json(const GemmResult& r) {
  return {{"computes", r.computes},
          {"slowest_row_cycles", r.seq_slowest},
          {"mean_row_cycles", r.seq_mean},
          {"runahead_1_cycles", r.seq_runahead[0]},
          {"runahead_2_cycles", r.seq_runahead[1]},
          {"busiest_sequencer_cycles", r.seq_busiest},
          {"paired_halves_cycles", r.seq_paired}};
}

nlohmann::json compression_json(const golden::CompressionStats& c) {
  auto ratio = [](size_t a, size_t b) { return b ? double(a) / double(b) : 0.0; };
  nlohmann::json j{{"dense_bytes", c.dense_bytes},
                        {"hier_bytes", c.hier_bytes},
                        {"hier_bytes_moved", c.hier_bytes_moved},
                        {"flat_bitmap_bytes", c.flat_bitmap_bytes},
                        {"nnz", c.nnz},
                        {"nnz_blocks", c.nnz_blocks},
                        {"elements", c.elements},
                        {"ratio_hier", ratio(c.dense_bytes, c.hier_bytes)},
                        {"ratio_hier_moved", ratio(c.dense_bytes, c.hier_bytes_moved)},
                        {"ratio_flat_bitmap", ratio(c.dense_bytes, c.flat_bitmap_bytes)}};
  if (c.packed_tile_rows > 0) {  // packed tiles: the format's size (memory.act_read_bytes says what the RTL moved)
    j["packed_tile_rows"] = c.packed_tile_rows;
    j["packed_bytes"] = c.packed_bytes;
    j["packed_bytes_moved"] = c.packed_bytes_moved;
    j["ratio_packed_moved"] = ratio(c.dense_bytes, c.packed_bytes_moved);
    j["packed_moved_over_exact"] = ratio(c.packed_bytes_moved, c.hier_bytes);
  }
  return j;
}

void to_json(nlohmann::json& j, const GemmSpec& s) {
  j = {{"m", s.m},
       {"k", s.k},
       {"n", s.n},
       {"seed", s.seed},
       {"values", to_string(s.values)},
       {"relu", s.relu},
       {"stall", s.stall},
       {"latency", s.latency},
       {"bandwidth", s.bandwidth},
       {"schedule", to_string(s.schedule)},
       {"warmup", s.warmup},
       {"prune", s.prune},
       {"wait", s.wait},
       {"sparse_a", s.sparse_a},
       {"sparse_c", s.sparse_c},
       {"act_sparsity", s.act_sparsity},
       {"wgt_sparsity", s.wgt_sparsity},
       {"sparsity_pattern", to_string(s.sparsity_pattern)},
       {"mask", to_string(s.mask)},
       {"bias", s.bias},
       {"bias_scale", s.bias_scale},
       {"balance_rows", s.balance_rows},
       {"regroup_cols", s.regroup_cols}};
}

nlohmann::json gemm_json(const Config& cfg, const GemmSpec& s, const GemmResult& r) {
  nlohmann::json j = static_cast<const sim::GemmRun&>(r);
  j["config"] = {{"name", cfg.name},   {"path", cfg.source_path}, {"hash", cfg.hash()},
                 {"rows", cfg.rows},   {"cols", cfg.cols},         {"block_size", cfg.block},
                 {"sparsity", cfg.sparsity_name()}};
  j["gemm"] = s;
  j["macs"] = r.macs;
  j["mac_utilization"] = r.mac_util;
  j["onchip_utilization"] = r.onchip_util;
  j["memory"]["beat_bytes"] = cfg.beat_bytes();
  j["memory"]["act_loads"] = r.act_loads;
  j["sequencer_model"] = sequencer_model_json(r);
  j["row_order"] = r.row_order.empty() ? "natural" : "balanced";
  j["col_order"] = r.col_order.empty() ? "natural" : "regrouped";
  j["grouped_boundaries"] = r.grouped_boundaries;
  j["useful_mac_utilization"] = r.useful_util;
  j["dense_mac_utilization"] = r.mac_util;
  j["sparsity"] = {{"requested", {{"act", s.act_sparsity}, {"wgt", s.wgt_sparsity},
                                  {"pattern", to_string(s.sparsity_pattern)}}},
                   {"forced_zeros", {{"act", r.act_forced_zeros}, {"wgt", r.wgt_forced_zeros}}},
                   {"zero_codes", {{"act", r.act_zero_codes}, {"wgt", r.wgt_zero_codes}}},
                   {"achieved", {{"act", r.act_sparsity}, {"wgt", r.wgt_sparsity}, {"out", r.out_sparsity},
                                 {"out_before_prune", r.out_sparsity_unpruned}}},
                   {"act_load", s.sparse_a ? "compressed" : "dense"},
                   {"wgt_load", r.sparse_w ? "compressed" : "dense"}};
  if (r.act_compression_valid)
    j["compression"] = {{"act", compression_json(r.act_compression)}, {"out", compression_json(r.out_compression)},
                        {"wgt", compression_json(r.wgt_compression)}};
  else
    j["compression"] = nullptr;
  j["error_vs_fp32"] = {{"rtl", {{"rel_rms", r.err_rtl.rel_rms}, {"max_abs", r.err_rtl.max_abs}}},
                        {"golden", {{"rel_rms", r.err_golden.rel_rms}, {"max_abs", r.err_golden.max_abs}}}};
  if (!r.bit_exact) j["repro"] = repro_command(cfg, s);
  return j;
}

}  // namespace bfp::verify
