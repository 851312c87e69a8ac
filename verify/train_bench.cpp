// SPDX-License-Identifier: Apache-2.0
#include "verify/train_bench.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mapper/network.h"
#include "sim/model_cache.h"
#include "train/dataset.h"
#include "train/loop.h"
#include "train/train_json.h"
#include "verify/bench.h"

namespace bfp::verify {

namespace {

// Epochs that hold steps 0..steps over `images` images.
int epochs_for(const TrainBenchOptions& o, int images) {
  const int64_t per_epoch = std::max<int64_t>(1, (images + o.batch - 1) / o.batch);
  return int((o.steps + per_epoch) / per_epoch);
}

// The `bfpgen train` command that reruns a row's measured step alone (same images, order, seeds).
std::string repro(const Config& cfg, const TrainBenchOptions& o, const std::string& data, int images,
                  const train::Knobs& k) {
  std::ostringstream os;
  os << "build/bfpgen train --config " << cfg.source_path << " --net " << o.net << " --data " << data << " --batch "
     << o.batch << " --lr " << o.lr << " --momentum " << o.momentum << " --seed " << o.seed
     << " --sparsity-scaling " << k.t_act << "," << k.t_err << " --max-train " << images
     << " --max-test 0 --epochs " << epochs_for(o, images) << " --max-steps " << o.steps + 1 << " --rtl-steps " << o.steps
     << " --latency " << o.latency;
  return os.str();
}

std::vector<train::Knobs> settings_with_off(const std::vector<std::string>& names) {
  std::vector<train::Knobs> ks{train::Knobs{}};
  for (const std::string& s : names) {
    const train::Knobs k = train::parse_knobs(s, "--settings");
    bool seen = false;
    for (const train::Knobs& x : ks) seen = seen || (x.t_act == k.t_act && x.t_err == k.t_err);
    if (!seen) ks.push_back(k);
  }
  return ks;
}

}  // namespace

TrainBench run_train_bench(const Config& cfg, const TrainBenchOptions& o, std::ostream* log) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.net.empty()) throw std::invalid_argument("--train: --net is required (a network YAML, e.g. networks/fmnist_mlp.yaml)");
  if (o.batch < 1 || o.batch > 4096) throw std::invalid_argument("--batch: must be in 1..4096, got " + std::to_string(o.batch));
  if (o.steps < 0 || o.steps > 1000000)
    throw std::invalid_argument("--steps: must be in 0..1000000, got " + std::to_string(o.steps));
  if (o.settings.empty()) throw std::invalid_argument("--settings: no setting");
  const std::vector<train::Knobs> knobs = settings_with_off(o.settings);

  TrainBench b;
  b.cfg = cfg;
  b.opt = o;
  if (b.opt.data.empty()) b.opt.data = train::default_data_dir();
  if (!cfg.sparse() && log)
    *log << "note: config '" << cfg.name << "' has sparsity: none; nothing is skipped and interim data loads dense\n";
  const std::string dir = o.work_dir.empty()
                              ? (std::filesystem::temp_directory_path() / "bfpgen-bench-sparsity").string()
                              : o.work_dir;
  b.none_cfg = write_sparsity_variant(cfg, "none", dir);

  // Only the images the steps consume: one epoch, each image once.
  const int64_t want = (o.steps + 1) * int64_t(o.batch);
  const train::DataSplit data =
      train::load_fashion_mnist(b.opt.data, int(std::min<int64_t>(want, std::numeric_limits<int>::max())), 0);
  const train::TrainNet tn = train::make_train_net(mapper::load_network(o.net), data.train.height, data.train.width,
                                                   data.train.classes);
  b.network = tn.net.name;
  b.train_images = data.train.count();
  auto model = sim::load_model(cfg, log);
  auto none_model = sim::load_model(b.none_cfg, log);
  train::RtlOptions ro;
  ro.timing.latency = o.latency;
  ro.seed = o.seed;

  b.rows.resize(1);
  b.rows[0].setting = "off";
  b.rows[0].is_none = true;
  for (const train::Knobs& k : knobs) {
    TrainBenchRow row;
    row.setting = train::knobs_name(k);
    row.knobs = k;
    const auto r0 = std::chrono::steady_clock::now();
    train::TrainOptions to;
    to.batch = o.batch;
    to.lr = float(o.lr);
    to.momentum = float(o.momentum);
    to.seed = o.seed;
    to.schedule = {k, 0, 0};  // the setting from the first step: the measured step sees its steady state
    to.arith = {cfg.block, {cfg.acc_width, cfg.guard_bits}};
    to.max_steps = o.steps + 1;
    to.epochs = epochs_for(o, b.train_images);
    to.rtl_step = [&](int64_t s) { return s == o.steps; };
    bool measured = false;
    to.on_rtl_step = [&](int64_t s, const train::BfpStep& st) {
      measured = true;
      row.loss = st.loss;
      row.rtl = train::run_step_on_rtl(model, tn, st, s, ro);
      if (k.t_act == 0 && k.t_err == 0) {  // the dense baseline runs the very same step
        b.rows[0].loss = st.loss;
        b.rows[0].rtl = train::run_step_on_rtl(none_model, tn, st, s, ro);
      }
    };
    train::Params p = train::init_params(tn, o.seed);
    train::train(tn, p, data, to);
    if (!measured)
      throw std::logic_error("bench --train: step " + std::to_string(o.steps) + " never ran (" +
                             std::to_string(b.train_images) + " images)");
    if (k.t_act == 0 && k.t_err == 0) b.off = b.rows.size();
    if (log)
      *log << "bench --sparsity --train: setting " << row.setting << ": " << o.steps << " golden steps + step "
           << o.steps << " on the RTL, " << (row.rtl.bit_exact ? "bit-exact" : "MISMATCH") << " ("
           << std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count() << " s)\n";
    b.rows.push_back(std::move(row));
  }
  for (TrainBenchRow& row : b.rows) {
    row.speedup = row.rtl.total.cycles ? double(b.rows[b.off].rtl.total.cycles) / double(row.rtl.total.cycles) : 0;
    b.all_exact = b.all_exact && row.rtl.bit_exact;
    if (!row.rtl.bit_exact && log)
      *log << "MISMATCH (" << (row.is_none ? "sparsity: none, " : "") << "setting " << row.setting
           << "): " << row.rtl.first_mismatch << "\n  repro: "
           << repro(row.is_none ? b.none_cfg : cfg, b.opt, b.opt.data, b.train_images, row.knobs) << "\n";
  }
  b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return b;
}

void to_json(nlohmann::json& j, const TrainBench& b) {
  const TrainBenchOptions& o = b.opt;
  j["config"] = bench_config_json(b.cfg);
  j["none_config"] = {{"name", b.none_cfg.name}, {"path", b.none_cfg.source_path}, {"hash", b.none_cfg.hash()}};
  j["network"] = {{"name", b.network}, {"path", o.net}};
  j["data"] = o.data;
  j["train_images"] = b.train_images;
  j["batch"] = o.batch;
  j["golden_steps"] = o.steps;
  j["measured_step"] = o.steps;
  j["seed"] = o.seed;
  j["lr"] = o.lr;
  j["momentum"] = o.momentum;
  j["latency"] = o.latency;
  const double pes = double(b.cfg.rows) * double(b.cfg.cols);
  nlohmann::json res = nlohmann::json::array();
  for (const TrainBenchRow& row : b.rows) {
    const Config& rc = row.is_none ? b.none_cfg : b.cfg;
    const train::PassTotals& t = row.rtl.total;
    const double pe_cycles = pes * double(t.cycles);
    res.push_back({{"setting", row.setting},
                   {"config", rc.name},
                   {"config_sparsity", rc.sparsity_name()},
                   {"t_act", row.knobs.t_act},
                   {"t_err", row.knobs.t_err},
                   {"loss", row.loss},
                   {"act_sparsity", row.rtl.act},
                   {"err_sparsity", row.rtl.err},
                   {"cycles", {{"fw", row.rtl.fw.cycles}, {"bw", row.rtl.bw.cycles}, {"wg", row.rtl.wg.cycles},
                               {"total", t.cycles}}},
                   {"speedup_vs_off", row.speedup},
                   {"dense_mac_utilization", pe_cycles > 0 ? double(t.macs) / pe_cycles : 0.0},
                   {"useful_mac_utilization", pe_cycles > 0 ? double(t.useful_macs) / pe_cycles : 0.0},
                   {"bytes_moved", t.read_bytes + t.write_bytes},
                   {"dense_bytes", t.dense_bytes},
                   {"bit_exact", row.rtl.bit_exact},
                   {"repro", repro(rc, o, o.data, b.train_images, row.knobs)},
                   {"rtl_step", row.rtl}});
  }
  j["results"] = res;
  j["all_bit_exact"] = b.all_exact;
  j["seconds"] = b.seconds;
}

}  // namespace bfp::verify
