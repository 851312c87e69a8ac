// SPDX-License-Identifier: Apache-2.0
#include "verify/random_gemm.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "golden/sparse_packed.h"
#include "host/col_order.h"
#include "host/row_order.h"
#include "host/seq_model.h"

namespace bfp::verify {

namespace {

// Adds the check of one run to `res`: counts summed, the first message of any run kept. A warm-up run's
// messages name it (`tag`; a code mismatch also names its seed and ReLU: `tag_codes`); a code mismatch also
// names the golden accumulator.
void add_check(GemmResult& res, const sim::GemmRun& g, const std::string& tag, const std::string& tag_codes,
               const golden::AccMatrix& acc, int n) {
  res.code_mismatches += g.code_mismatches;
  res.exp_mismatches += g.exp_mismatches;
  res.stray_writes += g.stray_writes;
  res.stream_byte_mismatches += g.stream_byte_mismatches;
  if (res.stream_error.empty() && !g.stream_error.empty()) res.stream_error = tag + g.stream_error;
  if (res.first_stray_write.empty() && !g.first_stray_write.empty()) res.first_stray_write = tag + g.first_stray_write;
  if (res.first_stream_byte_mismatch.empty() && !g.first_stream_byte_mismatch.empty())
    res.first_stream_byte_mismatch = tag + g.first_stream_byte_mismatch;
  if (!res.first_mismatch.empty()) return;
  if (!g.stream_error.empty()) {
    res.first_mismatch = tag + g.stream_error;
  } else if (g.mismatch_row >= 0) {
    const int r = g.mismatch_row, c = g.mismatch_col;
    std::ostringstream os;
    os << tag_codes << g.first_mismatch << " (accumulator m=" << (c < n ? acc.m(r, c) : 0)
       << " e=" << (c < n ? acc.e(r, c) : 0) << ")";
    res.first_mismatch = os.str();
    res.mismatch_row = r;
    res.mismatch_col = c;
    res.expected_code = g.expected_code;
    res.actual_code = g.actual_code;
    res.expected_exp = g.expected_exp;
    res.actual_exp = g.actual_exp;
  }
}

double zero_fraction(const golden::BfpMatrix& q) {
  uint64_t z = 0;
  for (int r = 0; r < q.rows; ++r)
    for (int c = 0; c < q.cols; ++c) z += q.codes(r, c) == 0;
  return double(z) / (double(q.rows) * double(q.cols));
}

// The statistics of the random path beyond the runner's: utilization, sparsity achieved, compression, the
// sequencer model and how often A is loaded.
void add_stats(const Config& cfg, const GemmSpec& spec, const host::GemmPlan& plan, const golden::BfpMatrix& qa,
               const golden::BfpMatrix& qw, const golden::BfpMatrix& gc, GemmResult& res) {
  const int M = spec.m, K = spec.k, N = spec.n;
  const auto& cyc = res.cycles;
  res.macs = uint64_t(M) * uint64_t(N) * uint64_t(K);
  const double pes = double(cfg.rows) * double(cfg.cols);
  res.mac_util = cyc.total ? double(res.macs) / (pes * double(cyc.total)) : 0.0;
  res.onchip_util = cyc.compute_busy ? double(res.macs) / (pes * double(cyc.compute_busy)) : 0.0;
  uint64_t act_blocks_loaded = 0;
  for (const host::Command& c : plan.commands)
    if (c.op == host::Opcode::LoadAct) act_blocks_loaded += uint64_t(c.rows) * c.count;
  res.act_loads = static_cast<int>(act_blocks_loaded / (uint64_t(M) * uint64_t(plan.layout.kb)));

  const host::SeqModel sm = host::model_sequencers(cfg, plan.layout, plan.commands, qa, qw);
  res.computes = sm.computes;
  res.seq_slowest = sm.slowest;
  res.seq_mean = sm.mean;
  res.seq_runahead[0] = sm.runahead[0];
  res.seq_runahead[1] = sm.runahead[1];
  res.seq_busiest = sm.busiest;
  res.seq_paired = sm.paired;

  uint64_t a_zero = 0, w_zero = 0;
  for (int r = 0; r < M; ++r)
    for (int k = 0; k < K; ++k) a_zero += qa.codes(r, k) == 0;
  for (int r = 0; r < N; ++r)
    for (int k = 0; k < K; ++k) w_zero += qw.codes(r, k) == 0;
  res.useful_util = cyc.total ? double(res.useful_macs) / (pes * double(cyc.total)) : 0.0;
  res.act_zero_codes = a_zero;
  res.wgt_zero_codes = w_zero;
  res.act_sparsity = double(a_zero) / (double(M) * double(K));
  res.wgt_sparsity = double(w_zero) / (double(N) * double(K));
  res.out_sparsity = zero_fraction(gc);
  try {  // the format needs B >= 8
    // A also in packed tiles of R = cfg.rows rows (the format's size; the runner loads them where
    // host::can_pack_a holds, memory.act_read_bytes counts what moved); C cannot be packed (the STORE writes each row piecewise into fixed offsets), so its packed fields stay 0
    const int tile_rows = golden::packed_layout_fits(qa.kblocks(), qa.block, cfg.beat_bytes(), cfg.rows) ? cfg.rows : 0;
    res.act_compression = golden::compression_stats(qa, cfg.beat_bytes(), tile_rows);
    res.out_compression = golden::compression_stats(gc, cfg.beat_bytes());
    res.wgt_compression = golden::compression_stats(qw, cfg.beat_bytes());
    res.act_compression_valid = true;
  } catch (const golden::InputError&) {
    res.act_compression_valid = false;
  }
}

// Elements a mask marks as forced zeros; each must have quantized to code 0 (checked, not assumed).
uint64_t forced_zeros(const std::vector<uint8_t>& mask, const golden::BfpMatrix& q, const char* name) {
  uint64_t count = 0;
  for (uint64_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) continue;
    ++count;
    const int r = int(i / uint64_t(q.cols)), c = int(i % uint64_t(q.cols));
    if (q.codes(r, c) != 0)
      throw std::logic_error(std::string("sparsify: ") + name + "[" + std::to_string(r) + "][" + std::to_string(c) +
                             "] was set to zero but quantized to code " + std::to_string(q.codes(r, c)));
  }
  return count;
}

// The run with A, W^T, C and the bias in memory order (a permutation in `s`); out_rtl and the mismatch position
// are mapped back to logical order.
sim::GemmRun run_in_memory_order(sim::Driver& drv, const host::GemmPlan& plan, const StoredLayout& s,
                                 const golden::BfpMatrix& expected, const golden::BfpMatrix* bias) {
  const std::vector<int>& order = s.row_order;
  const std::vector<int>& cols = s.col_order;
  golden::BfpMatrix c_mem = order.empty() ? expected : host::permute_rows(expected, order);
  golden::BfpMatrix b_mem;
  if (!cols.empty()) {
    c_mem = host::permute_cols(c_mem, cols);
    if (bias) b_mem = host::permute_cols(*bias, cols);
  }
  sim::GemmRun g = sim::run_gemm(drv, plan, s.a, s.wt, c_mem, bias && !cols.empty() ? &b_mem : bias);
  if (!cols.empty()) g.out_rtl = host::unpermute_cols(g.out_rtl, cols);
  if (!order.empty()) g.out_rtl = host::unpermute_rows(g.out_rtl, order);
  if (g.mismatch_row >= 0) {
    const int mem_row = g.mismatch_row, mem_col = g.mismatch_col;
    if (!order.empty()) g.mismatch_row = order[size_t(mem_row)];
    if (!cols.empty() && mem_col >= 0 && size_t(mem_col) < cols.size()) g.mismatch_col = cols[size_t(mem_col)];
    if (!order.empty())
      g.first_mismatch += " (memory row " + std::to_string(mem_row) + " holds C row " +
                          std::to_string(g.mismatch_row) + ": rows balanced)";
    if (!cols.empty() && g.mismatch_col != mem_col)
      g.first_mismatch += " (memory column " + std::to_string(mem_col) + " holds C column " +
                          std::to_string(g.mismatch_col) + ": columns regrouped)";
  }
  return g;
}

}  // namespace

sim::GemmRun run_gemm_stored(sim::Driver& drv, const host::GemmPlan& plan, const golden::BfpMatrix& qa,
                             const golden::BfpMatrix& qw, const golden::BfpMatrix& expected,
                             const golden::BfpMatrix* bias, bool balance, bool regroup_cols, StoredLayout* layout) {
  // row balancing and column regrouping: the RTL sees A, W^T, C and the bias in memory order; everything returned
  // is logical
  const Config& cfg = drv.config();
  StoredLayout s;
  if (balance && plan.sparse_a() && !plan.a_resident) s.row_order = host::balanced_row_order(qa, cfg.rows);
  if (host::is_identity(s.row_order)) s.row_order.clear();
  s.a = s.row_order.empty() ? qa : host::permute_rows(qa, s.row_order);
  if (regroup_cols && cfg.sparsity == Sparsity::Both)
    s.col_order = host::grouped_col_order(s.a, qw, cfg.rows, cfg.cols, host::wgt_skip_groups(cfg), cfg.block);
  s.wt = s.col_order.empty() ? qw : host::permute_rows(qw, s.col_order);
  sim::GemmRun g = s.row_order.empty() && s.col_order.empty() ? sim::run_gemm(drv, plan, qa, qw, expected, bias)
                                                              : run_in_memory_order(drv, plan, s, expected, bias);
  if (layout) *layout = std::move(s);
  return g;
}

host::GemmPlan plan_spec(const Config& cfg, const GemmSpec& s, bool group_boundaries) {
  host::PlanOptions o;
  // Auto: where it applies (the memory is sized for it; each run then decides on its W, run_gemm)
  o.sparse_w = s.wgt_load == WgtLoad::Compressed ? host::Compress::Yes
               : s.wgt_load == WgtLoad::Dense    ? host::Compress::No
                                                 : host::Compress::IfApplicable;
  o.group_boundaries = group_boundaries;
  o.schedule = s.schedule;
  o.sparse_a = s.sparse_a ? host::Compress::Yes : host::Compress::No;
  o.pack_a = s.sparse_a && s.packed_a;  // packed tiles where they fit (host::can_pack_a), else row streams
  o.sparse_c = s.sparse_c ? host::Compress::Yes : host::Compress::No;
  o.relu = s.relu;
  o.prune = s.prune;
  o.bias = s.bias;
  return host::plan_gemm(cfg, {s.m, s.k, s.n}, o);
}

void check_gemm_spec(const Config& cfg, const GemmSpec& s) {
  if (!(s.act_sparsity >= 0.0 && s.act_sparsity <= 1.0) || !(s.wgt_sparsity >= 0.0 && s.wgt_sparsity <= 1.0))
    throw std::invalid_argument("activation and weight sparsity must be fractions in [0, 1]");
  plan_spec(cfg, s);
  if (!(s.bias_scale >= 0.0 && s.bias_scale <= 1e30)) throw std::invalid_argument("bias scale must be in [0, 1e30]");
  if (!(s.stall >= 0.0 && s.stall < 1.0)) throw std::invalid_argument("stall probability must be in [0, 1)");
  if (s.latency < 1) throw std::invalid_argument("memory latency must be >= 1 cycle");
  if (s.warmup < 0) throw std::invalid_argument("warm-up runs must be >= 0");
  if (!(s.bandwidth > 0.0 && s.bandwidth <= 1.0)) throw std::invalid_argument("bandwidth must be in (0, 1]");
}

bool default_sparse_a(const Config& cfg, const GemmSpec& s, std::string* why) {
  if (why) why->clear();
  if (!(s.act_sparsity > 0.0) && s.mask == MaskMode::None) return false;
  if (!cfg.sparse()) {
    if (why) *why = "config '" + cfg.name + "' has sparsity: none";
    return false;
  }
  GemmSpec t = s;
  t.sparse_a = true;
  t.wgt_load = WgtLoad::Dense;  // the weights' load has its own rules (the question here is A's)
  try {
    check_gemm_spec(cfg, t);
  } catch (const std::invalid_argument& e) {
    if (why) *why = e.what();
    return false;
  }
  return true;
}

std::string repro_command(const Config& cfg, const GemmSpec& s) {
  std::ostringstream os;
  os << "build/bfpgen gemm --config " << (cfg.source_path.empty() ? "<config.yaml>" : cfg.source_path)
     << " --m " << s.m << " --k " << s.k << " --n " << s.n << " --seed " << s.seed << " --values "
     << to_string(s.values);
  if (s.relu) os << " --relu";
  if (s.stall > 0) os << " --stall " << s.stall;
  os << " --latency " << s.latency;
  if (s.bandwidth != 1.0) os << " --bandwidth " << s.bandwidth;
  if (s.schedule != Schedule::Auto) os << " --schedule " << to_string(s.schedule);
  if (s.warmup) os << " --warmup " << s.warmup;
  if (s.prune) os << " --prune " << s.prune;
  if (s.wait) os << " --wait";
  if (s.act_sparsity > 0) os << " --act-sparsity " << s.act_sparsity;
  if (s.wgt_sparsity > 0) os << " --wgt-sparsity " << s.wgt_sparsity;
  if ((s.act_sparsity > 0 || s.wgt_sparsity > 0) && s.sparsity_pattern != SparsityPattern::Random)
    os << " --sparsity-pattern " << to_string(s.sparsity_pattern);
  if (s.mask != MaskMode::None) os << " --mask " << to_string(s.mask);
  if (s.sparse_a) os << " --sparse-a";
  else if (s.act_sparsity > 0 || s.mask != MaskMode::None) os << " --dense-a";  // explicit: the CLI default would compress
  if (s.sparse_c) os << " --sparse-c";
  if (s.bias) os << " --bias";
  if (s.bias && s.bias_scale != 1.0) os << " --bias-scale " << s.bias_scale;
  if (!s.balance_rows) os << " --natural-rows";
  if (!s.regroup_cols) os << " --natural-cols";
  if (!s.packed_a) os << " --row-streams";
  if (s.wgt_load == WgtLoad::Dense) os << " --dense-w";
  if (s.wgt_load == WgtLoad::Compressed) os << " --sparse-w";
  return os.str();
}

GemmResult run_gemm(const Config& cfg, const GemmSpec& spec) { return run_gemm(sim::load_model(cfg), spec); }

GemmResult run_gemm(const std::shared_ptr<sim::Model>& model, const GemmSpec& spec) {
  const Config& cfg = model->config();
  const int B = cfg.block, M = spec.m, K = spec.k, N = spec.n;
  check_gemm_spec(cfg, spec);
  const golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  // one driver: warm-up runs leave their state behind
  const auto drv = sim::make_driver(model, plan_spec(cfg, spec).layout.bytes, spec.seed,
                                    sim::MemTiming{spec.stall, spec.latency, spec.bandwidth});
  if (spec.wait) drv->set_extra_flags(host::kFlagWait);

  GemmResult res;
  GemmResult check;  // the bit-for-bit checks of every run
  double sim_seconds = 0;
  // Warm-up runs (different operands, ReLU flipped) go first on the same driver without a reset; the
  // last run is the one with spec.seed, whose cycles are reported. Every run is compared.
  for (int run = 0; run <= spec.warmup; ++run) {
    const bool final_run = run == spec.warmup;
    const uint64_t seed = final_run ? spec.seed : spec.seed + 0x5bd1e995ull * uint64_t(run + 1);
    const bool relu = final_run ? spec.relu : !spec.relu;

    // operands and golden result
    Rng rng(seed);
    Eigen::MatrixXf a = draw(M, K, B, spec.values, rng);
    Eigen::MatrixXf wt = draw(N, K, B, spec.values, rng);
    // operand sparsity: zero masks from their own generator (the values above do not depend on it)
    std::vector<uint8_t> a_mask, w_mask;
    if (spec.act_sparsity > 0 || spec.wgt_sparsity > 0 || spec.mask != MaskMode::None) {
      Rng mrng(seed * 0xd1b54a32d192ed03ull + 0x8bb84b93962eacc9ull);
      a_mask = sparsify(a, B, spec.act_sparsity, spec.sparsity_pattern, mrng);
      w_mask = sparsify(wt, B, spec.wgt_sparsity, spec.sparsity_pattern, mrng);
      apply_mask_mode(spec.mask, a, wt, B, cfg.cols, a_mask, w_mask, mrng);
    }
    const golden::BfpMatrix qa = golden::quantize_rows(a, B, golden::Rounding::Away, "A");
    const golden::BfpMatrix qw = golden::quantize_rows(wt, B, golden::Rounding::Away, "W");
    const uint64_t a_forced = forced_zeros(a_mask, qa, "A"), w_forced = forced_zeros(w_mask, qw, "W");
    golden::AccMatrix acc = golden::gemm_accumulate(qa, qw, ap);
    Eigen::MatrixXd ref = a.cast<double>() * wt.cast<double>().transpose();
    golden::BfpMatrix qb;
    if (spec.bias) {
      // its own generator: A and W do not depend on whether a bias is drawn
      Rng brng(seed * 0x9fb21c651e98df25ull + 0x2f8e0d1a5c3b7e49ull);
      const double rms = ref.size() ? std::sqrt(ref.squaredNorm() / double(ref.size())) : 0.0;
      // N(0, 1) times the scale, kept where FP32 and the quantizer work (the `huge` and `tiny` kinds leave it)
      double scale = spec.bias_scale * (rms > 0 ? rms : 1.0);
      if (scale > 0) scale = std::min(std::max(scale, std::ldexp(1.0, -100)), std::ldexp(1.0, 100));
      const Eigen::MatrixXf b = draw(1, N, B, ValueKind::Normal, brng) * float(scale);
      qb = golden::quantize_rows(b, B, golden::Rounding::Away, "bias");
      golden::add_bias(acc, qb, ap);
      ref.rowwise() += b.cast<double>().row(0);
    }
    const golden::BfpMatrix gc = golden::requantize_pruned(acc, B, ap, relu, spec.prune);

    GemmSpec this_run = spec;
    this_run.relu = relu;
    if (spec.wgt_load == WgtLoad::Auto) {
      // compressed where it applies and its streams move at most half the dense rows' bytes: the loader hands a
      // load's columns to the lanes in order, so a column with more code words than a lane's window holds the
      // reader while its lane expands it, and with moderately sparse weights the lanes are slower than the dense
      // beats (default config, 256^3, 90% activation zeros: streams at 49% of the dense bytes 13214 vs 13718 cycles
      // dense, at 57% 15211 vs 15099, at 71% 16761 vs 15947; docs/architecture.md "Compressed weight loads"). The
      // format's sizes exist only where it applies (B >= 8).
      bool fewer = false;
      if (host::can_compress_w(cfg, K)) {
        const golden::CompressionStats ws = golden::compression_stats(qw, cfg.beat_bytes());
        fewer = 2 * ws.hier_bytes_moved <= ws.dense_bytes;
      }
      this_run.wgt_load = fewer ? WgtLoad::Compressed : WgtLoad::Dense;
    }
    host::GemmPlan plan = plan_spec(cfg, this_run);
    // heavy boundary tiles (row balancing puts them at the weight-tile boundaries): group those boundaries
    if (spec.balance_rows && plan.sparse_a() && !plan.a_resident && host::heavy_boundaries(qa, cfg.rows))
      plan = plan_spec(cfg, this_run, true);
    StoredLayout stored;  // the final run's, for the statistics
    sim::GemmRun g = run_gemm_stored(*drv, plan, qa, qw, gc, spec.bias ? &qb : nullptr, spec.balance_rows,
                                     spec.regroup_cols, final_run ? &stored : nullptr);
    sim_seconds += g.sim_seconds;
    std::string tag, tag_codes;
    if (!final_run) {
      tag = "warm-up run " + std::to_string(run) + ": ";
      tag_codes = "warm-up run " + std::to_string(run) + " (seed " + std::to_string(seed) + ", relu " +
                  std::to_string(int(relu)) + "): ";
    }
    add_check(check, g, tag, tag_codes, acc, N);
    if (!final_run) continue;

    static_cast<sim::GemmRun&>(res) = std::move(g);
    // the sequencer model walks A and W^T as the RTL saw them (memory order)
    add_stats(cfg, spec, plan, stored.a, stored.wt, gc, res);
    res.row_order = std::move(stored.row_order);
    res.col_order = std::move(stored.col_order);
    res.grouped_boundaries = plan.grouped_boundaries;
    res.sparse_w = plan.sparse_w();
    res.act_forced_zeros = a_forced;
    res.wgt_forced_zeros = w_forced;
    res.out_sparsity_unpruned =
        spec.prune ? zero_fraction(golden::requantize_pruned(acc, B, ap, relu, 0)) : res.out_sparsity;
    // accuracy against the unquantized operands
    if (relu) ref = ref.cwiseMax(0.0);
    res.err_rtl = golden::compare(golden::dequantize(res.out_rtl), ref);
    res.err_golden = golden::compare(golden::dequantize(gc), ref);
    if (!spec.dump_dir.empty()) dump_gemm(spec.dump_dir, a, wt, qa, qw, gc, res.out_rtl, ref);
  }
  // the checks of all runs replace the final run's
  res.code_mismatches = check.code_mismatches;
  res.exp_mismatches = check.exp_mismatches;
  res.stray_writes = check.stray_writes;
  res.stream_byte_mismatches = check.stream_byte_mismatches;
  res.stream_error = check.stream_error;
  res.first_stray_write = check.first_stray_write;
  res.first_stream_byte_mismatch = check.first_stream_byte_mismatch;
  res.first_mismatch = check.first_mismatch;
  res.mismatch_row = check.mismatch_row;
  res.mismatch_col = check.mismatch_col;
  res.expected_code = check.expected_code;
  res.actual_code = check.actual_code;
  res.expected_exp = check.expected_exp;
  res.actual_exp = check.actual_exp;
  res.sim_seconds = sim_seconds;
  res.bit_exact = res.code_mismatches == 0 && res.exp_mismatches == 0 && res.stray_writes == 0 &&
                  res.stream_byte_mismatches == 0;
  if (res.first_mismatch.empty() && res.stray_writes) res.first_mismatch = "stray write: " + res.first_stray_write;
  if (res.first_mismatch.empty() && res.stream_byte_mismatches)
    res.first_mismatch = "compressed output: " + res.first_stream_byte_mismatch;
  return res;
}

}  // namespace bfp::verify
