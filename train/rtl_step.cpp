// SPDX-License-Identifier: Apache-2.0
#include "train/rtl_step.h"

#include <algorithm>
#include <string>

#include "golden/sparse.h"
#include "host/plan.h"

namespace bfp::train {

PassTotals& PassTotals::operator+=(const RtlJob& j) {
  ++gemms;
  cycles += j.run.cycles.total;
  macs += uint64_t(j.m) * uint64_t(j.k) * uint64_t(j.n);
  useful_macs += j.run.useful_macs;
  read_bytes += j.run.read_bytes;
  write_bytes += j.run.write_bytes;
  dense_bytes += j.dense_bytes;
  compressed_bytes += j.compressed_bytes;
  bit_exact = bit_exact && j.run.bit_exact;
  return *this;
}

namespace {

host::GemmPlan plan_job(const Config& cfg, const GemmJob& j, const RtlOptions& opt) {
  host::PlanOptions po;
  po.relu = j.relu;
  po.prune = j.prune;
  if (opt.sparse && cfg.sparse()) {
    po.sparse_a = host::Compress::IfApplicable;
    po.sparse_c = host::Compress::IfApplicable;
  }
  return host::plan_gemm(cfg, {j.a.rows, j.a.cols, j.wt.rows}, po);
}

/// What a mismatch report needs to reproduce the GEMM by hand: its place in the step, the plan and the counts.
std::string mismatch_text(const RtlJob& r, size_t index, size_t jobs, const host::GemmPlan& plan) {
  const sim::GemmRun& g = r.run;
  return "GEMM " + std::to_string(index + 1) + " of " + std::to_string(jobs) + ", " + r.name + " (relu " +
         (plan.relu ? "on" : "off") + ", prune " + std::to_string(plan.prune) + ", A " +
         (plan.sparse_a() ? "compressed" : "dense") + ", C " + (plan.sparse_c() ? "compressed" : "dense") + ", " +
         host::to_string(plan.schedule) + " schedule): " + std::to_string(g.code_mismatches) + " codes, " +
         std::to_string(g.exp_mismatches) + " exponents, " + std::to_string(g.stray_writes) + " stray bytes, " +
         std::to_string(g.stream_byte_mismatches) + " stream bytes differ; first: " + g.first_mismatch;
}

/// compression_stats where the row-stream format can encode `m`; else the dense size only (nothing of it can move
/// compressed: a block size below 8, or rows longer than the format's count field), so that such configs still
/// run every GEMM of a step.
golden::CompressionStats stats_of(const golden::BfpMatrix& m, int beat) {
  try {
    return golden::compression_stats(m, beat);
  } catch (const golden::InputError&) {
    auto rup = [beat](size_t n) { return (n + size_t(beat) - 1) / size_t(beat) * size_t(beat); };
    golden::CompressionStats s;
    s.dense_bytes = size_t(m.rows) * (rup(size_t(m.kblocks()) * size_t(m.block)) + rup(size_t(m.kblocks())));
    return s;
  }
}

}  // namespace

RtlStepReport run_step_on_rtl(const std::shared_ptr<sim::Model>& model, const TrainNet& tn, const BfpStep& step,
                              int64_t step_index, const RtlOptions& opt) {
  const Config& cfg = model->config();
  RtlStepReport rep;
  rep.step = step_index;
  rep.sparsity = step.sparsity;
  for (size_t i = 0; i + 1 < step.sparsity.size(); ++i) {
    rep.act += step.sparsity[i].act;
    rep.err += step.sparsity[i].err;
  }
  if (step.jobs.empty()) throw std::invalid_argument("run_step_on_rtl: the step kept no GEMMs (keep_jobs)");
  std::vector<host::GemmPlan> plans;
  uint64_t bytes = 0;
  for (const GemmJob& j : step.jobs) {
    try {
      plans.push_back(plan_job(cfg, j, opt));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("training step " + std::to_string(step_index) + ", GEMM " + j.name(tn) + ": " +
                                  e.what());
    }
    bytes = std::max(bytes, plans.back().layout.bytes);
  }
  const auto drv = sim::make_driver(model, bytes, opt.seed, opt.timing);
  const int beat = cfg.beat_bytes();
  for (size_t i = 0; i < step.jobs.size(); ++i) {
    const GemmJob& j = step.jobs[i];
    RtlJob r;
    r.name = j.name(tn);
    r.layer = j.layer;
    r.pass = j.pass;
    r.m = j.a.rows;
    r.k = j.a.cols;
    r.n = j.wt.rows;
    r.sparse_a = plans[i].sparse_a();
    r.sparse_c = plans[i].sparse_c();
    r.a_zeros = count_zeros(j.a).fraction();
    r.wt_zeros = count_zeros(j.wt).fraction();
    r.c_zeros = count_zeros(j.c).fraction();
    const golden::CompressionStats sa = stats_of(j.a, beat), sw = stats_of(j.wt, beat), sc = stats_of(j.c, beat);
    r.dense_bytes = sa.dense_bytes + sw.dense_bytes + sc.dense_bytes;
    r.compressed_bytes = (r.sparse_a ? sa.hier_bytes_moved : sa.dense_bytes) + sw.dense_bytes +
                         (r.sparse_c ? sc.hier_bytes_moved : sc.dense_bytes);
    r.run = sim::run_gemm(*drv, plans[i], j.a, j.wt, j.c);
    rep.sim_seconds += r.run.sim_seconds;
    (j.pass == Pass::Fw ? rep.fw : j.pass == Pass::Bw ? rep.bw : rep.wg) += r;
    rep.total += r;
    if (!r.run.bit_exact && rep.bit_exact) {
      rep.bit_exact = false;
      rep.first_mismatch = mismatch_text(r, i, step.jobs.size(), plans[i]);
    }
    rep.jobs.push_back(std::move(r));
  }
  return rep;
}

}  // namespace bfp::train
