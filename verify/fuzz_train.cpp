// SPDX-License-Identifier: Apache-2.0
// The "train" cases of `bfpgen fuzz` (docs/fuzz.md): a small trainable chain (an MLP or a CNN) drawn so that
// its widths rarely divide the array or the block, a batch of random images and labels, He-normal weights from
// a drawn seed and drawn sparsity-scaling knobs; one BFP8 training step (train::bfp_step) whose every FW, BW and
// WG GEMM runs on the RTL (train::run_step_on_rtl) and is compared with the golden result bit for bit.
#include <algorithm>
#include <stdexcept>

#include "mapper/lower.h"
#include "train/rtl_step.h"
#include "verify/fuzz_internal.h"

namespace bfp::verify {

using mapper::Layer;
using mapper::LayerType;

std::vector<host::GemmShape> train_step_shapes(const train::TrainNet& tn, int batch) {
  std::vector<host::GemmShape> shapes, backward;
  const int first = tn.gemm_layers.front();
  for (int i : tn.gemm_layers) {
    const mapper::GemmOp op = mapper::gemm_ops(tn.layer(i)).front();  // groups 1: one GEMM per image
    shapes.push_back({batch * op.m, op.k, op.n});
  }
  for (auto it = tn.gemm_layers.rbegin(); it != tn.gemm_layers.rend(); ++it) {
    const Layer& l = tn.layer(*it);
    const mapper::GemmOp op = mapper::gemm_ops(l).front();
    if (*it > first)  // BW: dY (fc) or the im2col of dY for the flipped kernel (conv), to C_in outputs
      backward.push_back(l.type == LayerType::Fc
                             ? host::GemmShape{batch, op.n, op.k}
                             : host::GemmShape{batch * int(l.in.pixels()), l.kh * l.kw * op.n, l.in.c});
    backward.push_back({op.k, batch * op.m, op.n});  // WG: A^T dY, reduced along the batch
  }
  shapes.insert(shapes.end(), backward.begin(), backward.end());
  return shapes;
}

namespace detail {

namespace {

// A width (units, filters) in 1..hi; three times in four one that divides neither the block nor a side of the
// array, so that the FW, BW and WG GEMMs all leave partial tiles and partial blocks.
int draw_width(Rng& r, const Config& cfg, int hi) {
  const bool any = chance(r, 0.25);
  int w = uni(r, 1, hi);
  for (int t = 0; !any && t < 16 && (w % cfg.block == 0 || w % cfg.rows == 0 || w % cfg.cols == 0); ++t)
    w = uni(r, 1, hi);
  return w;
}

// conv2d as training takes it (groups 1, stride 1): kernel 1..5 (also non-square), padding below the kernel.
Conv draw_train_conv(Rng& r, const Config& cfg, const Dims& in, int max_filters) {
  Conv c;
  c.filters = draw_width(r, cfg, max_filters);
  c.kh = uni(r, 1, 5);
  c.kw = chance(r, 0.75) ? c.kh : uni(r, 1, 5);
  c.ph = uni(r, 0, c.kh - 1);
  c.pw = chance(r, 0.7) ? std::min(c.ph, c.kw - 1) : uni(r, 0, c.kw - 1);
  c.kh = std::min(c.kh, in.h + 2 * c.ph);  // the kernel must fit the padded input
  c.kw = std::min(c.kw, in.w + 2 * c.pw);
  c.relu = chance(r, 0.8);
  return c;
}

// maxpool without padding (what training takes), kernel 2..3 (1 on a 1-pixel side), stride 1..3.
Pool draw_train_pool(Rng& r, const Dims& in) {
  Pool p;
  p.k = std::min(uni(r, 2, 3), std::min(in.h, in.w));
  p.s = pick<int>(r, {1, 2, 2, 3});
  return p;
}

struct DrawnNet {
  std::string yaml, what;
  int h = 1, w = 1, classes = 2;
};

std::string dims_str(const Dims& d) {
  return std::to_string(d.h) + "x" + std::to_string(d.w) + "x" + std::to_string(d.c);
}

// An MLP ([H*W] or [H, W, 1] + flatten, 0..3 hidden fc) or a CNN ([maxpool], conv, [maxpool], [conv], flatten,
// [fc]), ending in the fc of the logits; `shrink` makes everything smaller on a redraw.
DrawnNet draw_train_net(Rng& r, const Config& cfg, int index, int shrink) {
  DrawnNet d;
  d.classes = uni(r, 2, 12);
  std::ostringstream ly, what;
  const bool cnn = chance(r, 0.5);
  const int maxd = std::max(1, (cnn ? 12 : 16) >> shrink), maxf = std::max(2, 16 >> shrink);
  d.h = uni(r, 1, maxd);
  d.w = chance(r, 0.6) ? d.h : uni(r, 1, maxd);
  Dims in{d.h, d.w, 1, false};
  const bool image_input = cnn || chance(r, 0.4);
  int n_pool = 0, n_conv = 0, n_fc = 0;
  auto pool = [&]() {
    const Pool p = draw_train_pool(r, in);
    in = p.out(in);
    ly << p.yaml("pool" + std::to_string(++n_pool));
    what << " -> maxpool " << p.k << "/" << p.s;
  };
  auto conv = [&]() {
    const Conv c = draw_train_conv(r, cfg, in, maxf);
    in = c.out(in);
    ly << c.yaml("conv" + std::to_string(++n_conv), "");
    what << " -> conv f" << c.filters << " k" << c.kh << "x" << c.kw << " p" << c.ph << "," << c.pw
         << (c.relu ? " relu" : "");
  };
  auto fc = [&](int units, bool relu) {
    ly << fc_yaml("fc" + std::to_string(++n_fc), units, relu, 0);
    what << " -> fc " << units << (relu ? " relu" : "");
  };
  what << (cnn ? "cnn " : "mlp ") << (image_input ? dims_str(in) : "[" + std::to_string(d.h * d.w) + "]");
  if (cnn) {
    if (chance(r, 0.15)) pool();
    conv();
    if (chance(r, 0.5)) pool();
    if (chance(r, 0.4)) conv();
  } else if (image_input && chance(r, 0.3)) {
    pool();
  }
  if (image_input) {
    ly << "  - {name: flat, type: flatten}\n";
    what << " -> flatten";
  }
  const int hidden = cnn ? (chance(r, 0.4) ? 1 : 0) : pick<int>(r, {0, 1, 1, 2, 2, 3});
  for (int i = 0; i < hidden; ++i) fc(draw_width(r, cfg, std::max(2, 48 >> shrink)), chance(r, 0.8));
  fc(d.classes, false);  // the logits
  std::ostringstream os;
  os << "name: fuzz-train-" << index << "\ninput:\n  shape: ";
  if (image_input) os << "[" << d.h << ", " << d.w << ", 1]\n";
  else os << "[" << d.h * d.w << "]\n";
  os << "layers:\n" << ly.str();
  d.yaml = os.str();
  d.what = what.str();
  return d;
}

// Whether every GEMM of the step plans on `cfg` (dense and, on sparse configs, compressed where it applies)
// within half the simulated memory, and the step's MACs stay within `mac_cap`.
bool step_fits(const Config& cfg, const std::vector<host::GemmShape>& shapes, int64_t mac_cap) {
  int64_t macs = 0;
  for (const host::GemmShape& s : shapes) macs += int64_t(s.m) * s.k * s.n;
  if (macs > mac_cap) return false;
  host::PlanOptions po;
  po.memory_limit = std::min<uint64_t>(host::kMaxSimMemoryBytes, uint64_t{1} << std::min(cfg.addr_width, 40)) / 2;
  try {
    for (const host::GemmShape& s : shapes) {
      po.sparse_a = po.sparse_c = host::Compress::No;
      host::plan_gemm(cfg, s, po);
      if (!cfg.sparse()) continue;
      po.sparse_a = po.sparse_c = host::Compress::IfApplicable;
      host::plan_gemm(cfg, s, po);
    }
  } catch (const std::invalid_argument&) {
    return false;
  }
  return true;
}

// A sparsity-scaling threshold (codes 0..127): off, small or large.
int draw_threshold(Rng& r) {
  switch (uni(r, 0, 2)) {
    case 0: return 0;
    case 1: return uni(r, 1, 8);
    default: return uni(r, 32, 100);
  }
}

}  // namespace

void draw_train_case(Rng& r, FuzzCase& c) {
  const Config& cfg = c.cfg;
  FuzzTrain& t = c.train;
  const int64_t mac_cap = 1500000;
  DrawnNet d;
  int batch = 1;
  for (int attempt = 0;; ++attempt) {
    const int shrink = std::min(attempt / 3, 4);
    d = draw_train_net(r, cfg, c.index, shrink);
    // batch 1..20; one time in five a multiple of the block where one fits
    batch = chance(r, 0.2) && cfg.block <= 20 ? cfg.block * uni(r, 1, 20 / cfg.block)
                                              : uni(r, 1, std::max(1, 20 >> shrink));
    try {
      t.tn = train::make_train_net(mapper::parse_network(d.yaml, "fuzz case " + std::to_string(c.index)), d.h, d.w,
                                   d.classes);
      if (step_fits(cfg, train_step_shapes(t.tn, batch), mac_cap)) break;
    } catch (const std::exception&) {
      // a combination the network format rejects (e.g. a kernel larger than a pooled input): draw again
    }
    if (attempt > 60) throw std::logic_error("fuzz: no trainable network fits for case " + std::to_string(c.index));
  }
  c.network_yaml = d.yaml;
  // the batch: images in [0, 1] (pixel levels k/255 as in Fashion-MNIST, or any FP32), a drawn share of zeros
  const double zeros = pick<double>(r, {0.0, 0.0, 0.25, 0.5, 0.8, 0.95, 1.0});
  const bool levels = chance(r, 0.5);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  t.images.resize(batch, int64_t(d.h) * d.w);
  for (int b = 0; b < batch; ++b)
    for (int64_t p = 0; p < t.images.cols(); ++p)
      t.images(b, p) = chance(r, zeros) ? 0.0f : levels ? float(uni(r, 1, 255)) / 255.0f : u01(r);
  t.labels.resize(size_t(batch));
  for (uint8_t& l : t.labels) l = uint8_t(uni(r, 0, d.classes - 1));
  t.weight_seed = r();
  t.params = train::init_params(t.tn, t.weight_seed);
  t.knobs.t_act = draw_threshold(r);
  t.knobs.t_err = draw_threshold(r);
  const DrawnMemory mem = draw_memory(r);
  c.stall = mem.stall;
  c.latency = mem.latency;
  c.bandwidth = mem.bandwidth;
  c.sparse = cfg.sparse() && chance(r, 0.5);
  t.mem_seed = r();
  std::ostringstream os;
  os << d.what << " | batch " << batch << ", " << d.classes << " classes, pixels " << (levels ? "k/255" : "uniform")
     << " " << zeros * 100 << "% zero | t_act " << t.knobs.t_act << " t_err " << t.knobs.t_err << " | stall "
     << c.stall << " lat " << c.latency << " bw " << c.bandwidth << (c.sparse ? " sparse" : "");
  c.summary = os.str();
}

void run_train_case(const FuzzCase& c, const std::shared_ptr<sim::Model>& model, FuzzResult& res) {
  const FuzzTrain& t = c.train;
  const train::Arith ar{c.cfg.block, {c.cfg.acc_width, c.cfg.guard_bits}};
  train::BfpStep step = train::bfp_step(t.tn, t.params, t.images, t.labels, ar, t.knobs, true);
  if (t.corrupt_job >= 0) {
    if (size_t(t.corrupt_job) >= step.jobs.size())
      throw std::invalid_argument("fuzz: corrupt_job " + std::to_string(t.corrupt_job) + " but the step has " +
                                  std::to_string(step.jobs.size()) + " GEMMs");
    golden::BfpMatrix& e = step.jobs[size_t(t.corrupt_job)].c;
    e.codes(0, 0) = e.codes(0, 0) == 1 ? 2 : 1;
  }
  train::RtlOptions o;
  o.timing = {c.stall, c.latency, c.bandwidth};
  o.seed = t.mem_seed;
  o.sparse = c.sparse;
  const train::RtlStepReport rep = train::run_step_on_rtl(model, t.tn, step, 0, o);
  res.pass = rep.bit_exact;
  res.cycles = rep.total.cycles;
  res.gemms = int(rep.total.gemms);
  if (!rep.bit_exact) res.message = "training step: " + rep.first_mismatch;  // names the GEMM (layer, pass, shape)
}

}  // namespace detail
}  // namespace bfp::verify
