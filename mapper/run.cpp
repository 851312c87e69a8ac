// SPDX-License-Identifier: Apache-2.0
#include "mapper/run.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "golden/sparse.h"
#include "host/plan.h"
#include "sim/runner.h"

namespace bfp::mapper {

namespace {

std::string dims(int m, int k, int n) {
  return std::to_string(m) + "x" + std::to_string(k) + " * " + std::to_string(k) + "x" + std::to_string(n);
}

std::string lowering_text(const Layer& l, const std::vector<GemmOp>& ops) {
  switch (l.type) {
    case LayerType::Fc: return "gemm " + dims(ops[0].m, ops[0].k, ops[0].n);
    case LayerType::Conv2d:
      if (ops.size() == 1) return "im2col " + dims(ops[0].m, ops[0].k, ops[0].n);
      return std::to_string(ops.size()) + " x im2col " + dims(ops[0].m, ops[0].k, ops[0].n);
    case LayerType::MaxPool:
    case LayerType::AvgPool: {
      std::string s = type_name(l.type);
      if (l.global) return s + " global";
      s += " " + std::to_string(l.kh) + "x" + std::to_string(l.kw) + "/" + std::to_string(l.sh);
      if (l.sw != l.sh) s += "," + std::to_string(l.sw);
      if (l.pad_b() != l.ph || l.pad_r() != l.pw)
        s += " pad " + std::to_string(l.ph) + "," + std::to_string(l.pw) + "," + std::to_string(l.pad_b()) + "," +
             std::to_string(l.pad_r());
      else if (l.ph || l.pw)
        s += " pad " + std::to_string(l.ph) + "," + std::to_string(l.pw);
      if (l.type == LayerType::AvgPool && !l.count_include_pad && (l.ph || l.pw || l.pad_b() || l.pad_r()))
        s += " excl";
      return s;
    }
    case LayerType::Clip: {
      std::ostringstream os;
      os << "clip [";
      if (l.has_min) os << l.clip_min; else os << "-inf";
      os << ", ";
      if (l.has_max) os << l.clip_max; else os << "inf";
      os << "]";
      return os.str();
    }
    case LayerType::Softmax: return l.out.flat ? "softmax" : "softmax over C";
    case LayerType::Add: return l.relu ? "add + relu" : "add";
    case LayerType::Concat: return "concat of " + std::to_string(l.inputs.size());
    case LayerType::Flatten: return "flatten";
  }
  return "";
}

// Names the first mismatch of one GEMM in layer terms: group, tile, tensor coordinates, bits.
std::string describe_mismatch(const Config& cfg, const Layer& l, const GemmOp& op, const sim::GemmRun& r,
                              const golden::AccMatrix& acc) {
  std::ostringstream os;
  os << "layer '" << l.name << "' (#" << l.index + 1 << ", " << type_name(l.type) << ")";
  if (l.groups > 1) os << " group " << op.group;
  os << " GEMM " << op.m << "x" << op.k << "x" << op.n << ": ";
  if (r.mismatch_row < 0) {
    os << r.first_mismatch;
    return os.str();
  }
  const int row = r.mismatch_row, col = r.mismatch_col;
  const int m0 = row / cfg.rows * cfg.rows, n0 = col / cfg.cols * cfg.cols;
  os << "tile rows " << m0 << ".." << std::min(m0 + cfg.rows, op.m) - 1 << " x columns " << n0 << ".."
     << std::min(n0 + cfg.cols, op.n) - 1 << ", C[" << row << "][" << col << "]";
  if (col >= op.n) {
    os << " (padding of the last block)";
  } else if (l.out.flat) {
    os << " = output feature " << op.n0 + col;
    if (l.out.n > 1) os << " of image " << row;
  } else {
    const int pix = row % l.out.pixels();
    os << " = output (";
    if (l.out.n > 1) os << "n=" << row / l.out.pixels() << ", ";
    os << "y=" << pix / l.out.w << ", x=" << pix % l.out.w << ", c=" << op.n0 + col << ")";
  }
  os << ": code expected " << sim::bits8(r.expected_code) << " got " << sim::bits8(r.actual_code) << "; block "
     << col / cfg.block << " exponent expected " << r.expected_exp << " got " << r.actual_exp;
  if (col < op.n) os << " (golden accumulator m=" << acc.m(row, col) << " e=" << acc.e(row, col) << ")";
  if (r.code_mismatches + r.exp_mismatches > 1)
    os << "; " << r.code_mismatches << " codes and " << r.exp_mismatches << " exponents differ in this GEMM";
  if (r.stray_writes) os << "; " << r.stray_writes << " stray bytes written (first: " << r.first_stray_write << ")";
  return os.str();
}

// Layers whose GEMM A is their input tensor itself (no im2col rearrangement): fc, and 1x1 convolutions with
// stride 1, no padding and one group.
bool reads_input_as_is(const Layer& l) {
  if (l.type == LayerType::Fc) return true;
  return l.type == LayerType::Conv2d && l.kh == 1 && l.kw == 1 && l.sh == 1 && l.sw == 1 && l.ph == 0 && l.pw == 0 &&
         l.pad_b() == 0 && l.pad_r() == 0 && l.groups == 1;
}

// The plan options of every GEMM of layer `l`: compressed operands wherever they apply with --sparse (which
// forces the output-stationary schedule where C is compressed).
host::PlanOptions gemm_options(const Layer& l, const RunOptions& opt, bool rtl) {
  host::PlanOptions po;
  po.schedule = opt.schedule;
  po.sparse_a = opt.sparse ? host::Compress::IfApplicable : host::Compress::No;
  po.sparse_c = opt.sparse ? host::Compress::IfApplicable : host::Compress::No;
  po.relu = l.relu;
  po.prune = l.prune;
  po.bias = rtl && l.bias_kind != Layer::Bias::None;  // the golden-only path adds it itself
  po.memory_limit = 0;  // run_network checks the largest GEMM against the simulator's memory itself
  return po;
}

[[noreturn]] void layer_error(const Layer& l, const std::string& msg) {
  throw std::invalid_argument(layer_at(l) + "layer '" + l.name + "' (#" + std::to_string(l.index + 1) + ", " + type_name(l.type) +
                              "): " + msg);
}

}  // namespace

std::string trace_layer_name(const Network& net, const std::string& want) {
  for (const Layer& l : net.layers) {
    if (want.empty() && l.is_gemm()) return l.name;
    if (!want.empty() && l.name == want) {
      if (!l.is_gemm())
        layer_error(l, "--trace-layer: a " + std::string(type_name(l.type)) +
                           " layer runs on the host, nothing of it is on the RTL to trace (choose an fc or conv2d layer)");
      return l.name;
    }
  }
  if (want.empty()) throw std::invalid_argument("network '" + net.name + "' has no fc or conv2d layer to trace");
  throw std::invalid_argument("--trace-layer: network '" + net.name + "' has no layer named '" + want + "'");
}

namespace {

class RtlExecutor : public GemmExecutor {
 public:
  RtlExecutor(std::shared_ptr<sim::Model> model, const sim::MemTiming& t) : model_(std::move(model)), timing_(t) {}
  void start(const Config&, uint64_t memory_bytes, uint64_t seed) override {
    drv_ = sim::make_driver(model_, memory_bytes, seed, timing_);
  }
  uint64_t memory_bytes() const override { return drv_->mem().size(); }
  sim::Model* model() override { return model_.get(); }
  sim::GemmRun run(const GemmCall& c) override {
    return sim::run_gemm(*drv_, *c.plan, *c.a, *c.wt, *c.expected, c.bias);
  }

 private:
  std::shared_ptr<sim::Model> model_;
  sim::MemTiming timing_;
  std::unique_ptr<sim::Driver> drv_;
};

}  // namespace

std::unique_ptr<GemmExecutor> rtl_executor(std::shared_ptr<sim::Model> model, const sim::MemTiming& timing) {
  return std::make_unique<RtlExecutor>(std::move(model), timing);
}

NetReport run_network(const Network& net, const Config& cfg, const std::shared_ptr<sim::Model>& model,
                      const RunOptions& opt) {
  if (!model) return run_network_on(net, cfg, nullptr, opt);
  const std::unique_ptr<GemmExecutor> exec = rtl_executor(model, {opt.stall, opt.latency, opt.bandwidth});
  return run_network_on(net, cfg, exec.get(), opt);
}

NetReport run_network_on(const Network& net, const Config& cfg, GemmExecutor* exec, const RunOptions& opt) {
  sim::Model* const model = exec ? exec->model() : nullptr;
  const uint64_t seed = opt.seed_set ? opt.seed : net.seed;
  const int B = cfg.block;
  const golden::AccParams ap{cfg.acc_width, cfg.guard_bits};
  const int n = int(net.layers.size());
  if (opt.sparse && !cfg.sparse())
    throw std::invalid_argument("compressed operands (--sparse) need a config with sparsity (activations or both)");

  // Plan: the GEMMs of every layer, whether compressed operands apply, and the memory the largest needs.
  struct Plan {
    std::vector<GemmOp> ops;
    bool sparse_a = false, sparse_c = false;
  };
  std::vector<Plan> plan(static_cast<size_t>(n));
  uint64_t max_bytes = 4096;
  for (const Layer& l : net.layers) {
    Plan& p = plan[size_t(l.index)];
    p.ops = gemm_ops(l);
    for (const GemmOp& op : p.ops) {
      try {
        const host::GemmPlan gp = host::plan_gemm(cfg, {op.m, op.k, op.n}, gemm_options(l, opt, exec != nullptr));
        p.sparse_a = gp.sparse_a();
        p.sparse_c = gp.sparse_c();
        max_bytes = std::max(max_bytes, gp.layout.bytes);
      } catch (const std::invalid_argument& e) {
        layer_error(l, e.what());
      }
    }
  }
  if (exec && max_bytes > host::kMaxSimMemoryBytes)
    throw std::invalid_argument("the largest GEMM needs " + std::to_string(max_bytes) +
                                " bytes of memory, more than the simulator's limit");
  // Waveform window: nothing but the chosen layer's GEMMs goes to the file (not the driver's reset either).
  const bool tracing = model && model->trace_is_open();
  const std::string traced = tracing ? trace_layer_name(net, opt.trace_layer) : "";
  if (tracing) model->trace_enable(false);
  // chained GEMMs place W^T and C around a C left in memory: room for two layouts side by side (a chain that
  // would not fit falls back to host-written operands)
  const uint64_t mem_bytes =
      opt.chain ? std::min({2 * max_bytes + 1024, host::address_limit(cfg), host::kMaxSimMemoryBytes}) : max_bytes;
  if (exec) exec->start(cfg, std::max(mem_bytes, max_bytes), seed);

  NetReport rep;
  rep.traced_layer = traced;
  rep.network = net.name;
  rep.config = cfg.name;
  rep.seed = seed;
  rep.rtl = exec != nullptr;
  const double pes = double(cfg.rows) * double(cfg.cols);
  const Tensor input = make_tensor(net.input, input_values(net, seed), B, "input");
  std::vector<Tensor> outs(static_cast<size_t>(n));
  auto tensor_of = [&](int i) -> const Tensor& { return i < 0 ? input : outs[size_t(i)]; };

  int resident = -1;            // layer whose (single, dense, bit-exact) C is in device memory
  host::GemmLayout resident_layout;
  for (const Layer& l : net.layers) {
    const Plan& p = plan[size_t(l.index)];
    LayerReport r;
    r.index = l.index;
    r.name = l.name;
    r.type = type_name(l.type);
    r.out = l.out;
    r.lowering = lowering_text(l, p.ops);
    r.macs = l.macs();
    if (l.is_gemm()) {
      r.where = exec ? "rtl" : "golden";
      r.gemms = int(p.ops.size());
      r.sparse_a = p.sparse_a;
      r.sparse_c = p.sparse_c;
      const Eigen::MatrixXf x = tensor_values(tensor_of(l.inputs[0]));
      const Eigen::MatrixXf w = layer_weights(l, seed);
      const Eigen::VectorXf bias = layer_bias(l, seed);
      std::vector<golden::BfpMatrix> gcs;
      double zeros = 0, elems = 0;
      const bool window = tracing && l.name == rep.traced_layer;
      if (window) model->trace_enable(true);
      for (const GemmOp& op : p.ops) {
        const std::string tag = l.name + (l.groups > 1 ? "[" + std::to_string(op.group) + "]" : "");
        // in place: A is the producer's C as it is (no re-quantization; the only difference to quantizing its
        // values is the exponent code of all-zero blocks, docs/networks.md "Re-blocking")
        host::GemmLayout chained;
        const bool in_place = exec && opt.chain && p.ops.size() == 1 && reads_input_as_is(l) && l.inputs[0] >= 0 &&
                              l.inputs[0] == resident && !p.sparse_a &&
                              host::chained_layout(cfg, resident_layout, op.m, op.k, op.n, &chained, p.sparse_c,
                                                     bias.size() > 0) &&
                              chained.bytes <= exec->memory_bytes();
        const golden::BfpMatrix qa = in_place ? tensor_of(l.inputs[0]).q
                                              : golden::quantize_rows(gemm_a_values(x, l, op), B,
                                                                      golden::Rounding::Away, tag + ".A");
        const golden::BfpMatrix qw =
            golden::quantize_rows(w.middleRows(op.n0, op.n), B, golden::Rounding::Away, tag + ".W");
        golden::AccMatrix acc = golden::gemm_accumulate(qa, qw, ap);
        golden::BfpMatrix qb;  // 1 x N, blocked along N (docs/arithmetic.md 4b)
        if (bias.size()) {
          qb = gemm_bias(bias, op, B, tag + ".bias");
          golden::add_bias(acc, qb, ap);
        }
        golden::BfpMatrix gc = golden::requantize_pruned(acc, B, ap, l.relu, l.prune);
        zeros += zero_fraction(qa) * double(qa.rows) * double(qa.cols);
        elems += double(qa.rows) * double(qa.cols);
        if (exec) {
          host::PlanOptions po = gemm_options(l, opt, true);
          if (in_place) {
            po.layout = &chained;
            po.a_resident = true;
          }
          const host::GemmPlan gp = host::plan_gemm(cfg, {op.m, op.k, op.n}, po);
          golden::BfpMatrix corrupted;
          const bool corrupt = !opt.corrupt_layer.empty() && opt.corrupt_layer == l.name && &op == &p.ops.back();
          if (corrupt) {
            if (opt.corrupt_row < 0 || opt.corrupt_row >= gc.rows || opt.corrupt_col < 0 ||
                opt.corrupt_col >= int(gc.codes.cols()))
              layer_error(l, "corrupt_row/corrupt_col outside the output");
            corrupted = gc;
            int8_t& c = corrupted.codes(opt.corrupt_row, opt.corrupt_col);
            c = static_cast<int8_t>(static_cast<uint8_t>(c) + 1);
          }
          GemmCall call;
          call.layer = &l;
          call.op = &op;
          call.plan = &gp;
          call.a = &qa;
          call.wt = &qw;
          call.expected = corrupt ? &corrupted : &gc;
          call.bias = bias.size() ? &qb : nullptr;
          call.a_is_network_input = !in_place && l.inputs[0] < 0 && p.ops.size() == 1 && reads_input_as_is(l);
          const sim::GemmRun g = exec->run(call);
          r.checked = true;
          r.a_in_place = in_place;
          const host::GemmLayout& used = gp.layout;
          r.host_bytes += uint64_t(op.n) * used.a_code_stride + uint64_t(op.n) * used.a_exp_stride;
          if (gp.bias) r.host_bytes += uint64_t(used.c_code_stride) + used.c_exp_stride;  // the bias row
          if (!in_place)
            r.host_bytes += p.sparse_a ? uint64_t(op.m) * used.a_stream_stride
                                       : uint64_t(op.m) * (used.a_code_stride + used.a_exp_stride);
          // this C stays in memory for the next layer when it is the layer's whole, dense, correct output
          const bool keep = p.ops.size() == 1 && !p.sparse_c && g.bit_exact;
          resident = keep ? l.index : -1;
          if (keep) resident_layout = used;
          r.cycles += g.cycles.total;
          r.breakdown += g.cycles;
          r.commands += g.commands;
          r.useful_macs += g.useful_macs;
          r.read_bytes += g.read_bytes;
          r.write_bytes += g.write_bytes;
          r.sim_seconds += g.sim_seconds;
          if (!g.bit_exact) {
            if (r.bit_exact) r.mismatch = describe_mismatch(cfg, l, op, g, acc);
            r.bit_exact = false;
          }
        }
        gcs.push_back(std::move(gc));
      }
      if (window) model->trace_enable(false);
      r.zeros_in = elems > 0 ? zeros / elems : 0.0;
      outs[size_t(l.index)] = gemm_layer_output(l, gcs);
      r.util = r.cycles ? double(r.macs) / (pes * double(r.cycles)) : 0.0;
    } else {
      r.where = "host";
      std::vector<const Tensor*> ins;
      for (int i : l.inputs) ins.push_back(&tensor_of(i));
      r.zeros_in = zero_fraction(ins[0]->q);
      outs[size_t(l.index)] = run_host_layer(l, ins, B);
    }
    r.zeros_out = zero_fraction(outs[size_t(l.index)].q);
    rep.cycles += r.cycles;
    rep.macs += r.macs;
    rep.useful_macs += r.useful_macs;
    rep.layers_in_place += r.a_in_place;
    if (!r.bit_exact) {
      rep.bit_exact = false;
      ++rep.mismatching_layers;
    }
    if (opt.progress) {
      *opt.progress << "  layer " << l.index + 1 << "/" << n << " " << l.name << ": " << r.where;
      if (r.checked) *opt.progress << ", " << r.cycles << " cycles, " << (r.bit_exact ? "bit-exact" : "MISMATCH");
      *opt.progress << "\n" << std::flush;
    }
    rep.layers.push_back(std::move(r));
  }
  rep.util = rep.cycles ? double(rep.macs) / (pes * double(rep.cycles)) : 0.0;
  rep.output = n ? outs.back() : input;
  rep.output_fp64 = run_network_fp64(net, seed);
  const Eigen::MatrixXd out_values = golden::dequantize(rep.output.q);
  rep.error = golden::compare(out_values, rep.output_fp64);
  rep.batch = net.batch();
  if (rep.output.shape.flat) {
    const std::vector<int> a = row_argmax(out_values), b = row_argmax(rep.output_fp64);
    rep.top1_agree = 0;
    for (size_t i = 0; i < a.size(); ++i) rep.top1_agree += a[i] == b[i];
  }
  if (net.expected) {
    const Eigen::MatrixXd& y = rep.output_fp64;
    if (net.expected->size() != size_t(y.size()))
      throw std::logic_error("the expected output does not match the last layer's output");
    Eigen::MatrixXd e(y.rows(), y.cols());
    for (int64_t r = 0; r < y.rows(); ++r)
      for (int64_t c = 0; c < y.cols(); ++c) e(r, c) = (*net.expected)[size_t(r * y.cols() + c)];
    rep.has_expected = true;
    rep.fp64_vs_expected = golden::compare(y, e);
    rep.expected_ok = rep.fp64_vs_expected.rel_rms <= kExpectedTolerance;
  }
  return rep;
}

std::vector<int> row_argmax(const Eigen::MatrixXd& m) {
  std::vector<int> idx(size_t(m.rows()), 0);
  for (int64_t r = 0; r < m.rows(); ++r) {
    Eigen::Index i = 0;
    m.row(r).maxCoeff(&i);
    idx[size_t(r)] = int(i);
  }
  return idx;
}

Eigen::MatrixXd run_network_fp64(const Network& net, uint64_t seed) {
  const Eigen::MatrixXd input = input_values(net, seed).cast<double>();
  std::vector<Eigen::MatrixXd> outs(net.layers.size());
  auto values_of = [&](int i) -> const Eigen::MatrixXd& { return i < 0 ? input : outs[size_t(i)]; };
  for (const Layer& l : net.layers) {
    Eigen::MatrixXd& y = outs[size_t(l.index)];
    if (l.is_gemm()) {
      const Eigen::MatrixXd& x = values_of(l.inputs[0]);
      const Eigen::MatrixXd w = layer_weights(l, seed).cast<double>();
      const Eigen::VectorXd bias = layer_bias(l, seed).cast<double>();
      y.resize(l.out.rows(), l.out.c);
      for (const GemmOp& op : gemm_ops(l)) {
        const Eigen::MatrixXd a = l.type == LayerType::Fc ? x : im2col(x, l, op.group);
        y.middleCols(op.n0, op.n) = a * w.middleRows(op.n0, op.n).transpose();
      }
      if (bias.size()) y.rowwise() += bias.transpose();
      if (l.relu) y = y.cwiseMax(0.0);
    } else {
      std::vector<const Eigen::MatrixXd*> ins;
      for (int i : l.inputs) ins.push_back(&values_of(i));
      y = host_layer_values(l, ins);
    }
  }
  return net.layers.empty() ? input : outs.back();
}

}  // namespace bfp::mapper
