// SPDX-License-Identifier: Apache-2.0
#include "host/plan.h"

#include <algorithm>
#include <stdexcept>

#include "golden/sparse.h"

namespace bfp::host {

namespace {

const char kNeedsSparsity[] = "compressed row streams need a config with sparsity (activations or both)";

std::string shape_text(const GemmShape& s) {
  return "GEMM M=" + std::to_string(s.m) + " K=" + std::to_string(s.k) + " N=" + std::to_string(s.n);
}

bool row_streams_ok(const Config& cfg, int blocks, std::string* why) {
  try {
    golden::row_stream_layout(blocks, cfg.block, cfg.beat_bytes());
  } catch (const golden::InputError& e) {
    if (why) *why = std::string("compressed row streams: ") + e.what();
    return false;
  }
  return true;
}

// The two conditions a compressed A needs beyond the format itself (the messages name them).
void check_sparse_a(const Config& cfg, const GemmLayout& l) {
  if (l.chunks > 1)
    throw std::invalid_argument("compressed activations need the whole row in the buffer (K <= " +
                                std::to_string(l.chunk_blocks * cfg.block) + ")");
  if (4 + (l.kb + 7) / 8 > cfg.beat_bytes())
    throw std::invalid_argument("compressed activations: header and level-1 mask must fit one memory beat");
}

}  // namespace

bool can_compress_a(const Config& cfg, int k, std::string* why) {
  if (why) why->clear();
  if (!cfg.sparse() || k < 1) {
    if (why) *why = k < 1 ? "K must be positive" : kNeedsSparsity;
    return false;
  }
  const int kb = (k + cfg.block - 1) / cfg.block;
  const int chunk_blocks = std::min(cfg.act_depth, cfg.wgt_depth) / cfg.block;
  GemmLayout l;
  l.kb = kb;
  l.chunk_blocks = chunk_blocks;
  l.chunks = chunk_blocks < 1 ? 2 : (kb + chunk_blocks - 1) / chunk_blocks;
  try {
    check_sparse_a(cfg, l);
  } catch (const std::invalid_argument& e) {
    if (why) *why = e.what();
    return false;
  }
  return row_streams_ok(cfg, kb, why);
}

bool can_compress_w(const Config& cfg, int k, std::string* why) {
  if (why) why->clear();
  if (k < 1) {
    if (why) *why = "K must be positive";
    return false;
  }
  const int kb = (k + cfg.block - 1) / cfg.block;
  if (kb * cfg.block > std::min(cfg.act_depth, cfg.wgt_depth)) {
    if (why) *why = "compressed weights need the whole column in the buffer (K <= " +
                    std::to_string(std::min(cfg.act_depth, cfg.wgt_depth)) + ")";
    return false;
  }
  return can_load_w_compressed(cfg, kb, why) && row_streams_ok(cfg, kb, why);
}

bool can_compress_c(const Config& cfg, int n, std::string* why) {
  if (why) why->clear();
  if (!cfg.sparse() || n < 1) {
    if (why) *why = n < 1 ? "N must be positive" : kNeedsSparsity;
    return false;
  }
  return row_streams_ok(cfg, (n + cfg.block - 1) / cfg.block, why);
}

GemmPlan plan_gemm(const Config& cfg, const GemmShape& s, const PlanOptions& o) {
  if (o.prune < 0 || o.prune > 255) throw std::invalid_argument("prune threshold must be 0..255");
  if (o.bias && !cfg.bias)
    throw std::invalid_argument("a GEMM bias needs the bias hardware: config '" + cfg.name +
                                "' has bias: false (docs/config.md)");
  bool sparse_a = o.sparse_a == Compress::Yes, sparse_c = o.sparse_c == Compress::Yes;
  if ((sparse_a || sparse_c) && !cfg.sparse()) throw std::invalid_argument(kNeedsSparsity);
  if (o.sparse_a == Compress::IfApplicable) sparse_a = can_compress_a(cfg, s.k);
  if (o.sparse_c == Compress::IfApplicable) sparse_c = can_compress_c(cfg, s.n);
  bool sparse_w = o.sparse_w == Compress::Yes;
  if (o.sparse_w == Compress::IfApplicable) sparse_w = can_compress_w(cfg, s.k);
  if (o.sparse_w == Compress::Yes) {
    std::string why;
    if (!can_compress_w(cfg, s.k, &why)) throw std::invalid_argument(why);
  }
  if (sparse_w && o.layout) throw std::invalid_argument("compressed weights need the plan's own layout");
  if (o.a_resident && (!o.layout || sparse_a))
    throw std::invalid_argument("an A read in place needs a layout (chained_layout) and a dense load");
  GemmPlan p;
  p.shape = s;
  p.layout = o.layout ? *o.layout : layout_gemm(cfg, s.m, s.k, s.n, sparse_a, sparse_c, o.bias, o.pack_a, sparse_w);
  if (o.layout && (o.layout->sparse_a != sparse_a || o.layout->sparse_c != sparse_c))
    throw std::invalid_argument("the given layout's compressed operands differ from the plan's");
  if (o.layout && o.layout->bias != o.bias)
    throw std::invalid_argument(o.bias ? "the given layout has no bias region (layout_gemm/chained_layout bias)"
                                       : "the given layout has a bias region but the plan adds no bias");
  if (sparse_a) check_sparse_a(cfg, p.layout);
  if (o.memory_limit && p.layout.bytes > o.memory_limit)
    throw std::invalid_argument(shape_text(s) + " needs " + std::to_string(p.layout.bytes) +
                                " bytes of memory, more than the simulator's limit of " +
                                std::to_string(o.memory_limit));
  // a C compressed because it could be takes precedence over an asked-for weight-stationary order
  const bool force_output = o.sparse_c == Compress::IfApplicable && sparse_c;
  p.schedule = resolve_schedule(cfg, p.layout, s.n, force_output ? Schedule::Output : o.schedule);
  p.relu = o.relu;
  p.prune = o.prune;
  p.bias = o.bias;
  p.a_resident = o.a_resident;
  p.grouped_boundaries = o.group_boundaries && p.schedule == Schedule::Pair && cfg.sparse();
  p.commands = gemm_commands(cfg, p.layout, s.m, s.n, o.relu, p.schedule, o.prune, p.grouped_boundaries);
  return p;
}

}  // namespace bfp::host
