// SPDX-License-Identifier: Apache-2.0
// bfpgen train: trains a network on Fashion-MNIST with the accelerator's BFP8 passes (docs/training.md). Every
// step runs in the golden model; the steps chosen by --rtl-steps/--rtl-every also run all their GEMMs on the
// RTL, compared bit for bit.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "commands.h"
#include "options.h"
#include "config/config.h"
#include "format.h"
#include "mapper/network.h"
#include "sim/model_cache.h"
#include "train/checkpoint.h"
#include "train/loop.h"
#include "train/rtl_step.h"
#include "train/train_json.h"

namespace bfp::cli {

namespace {

struct Opts {
  std::string config, net, data = train::default_data_dir(), arithmetic = "bfp8", scaling = "off", save, load;
  int epochs = 1, batch = 32, max_train = -1, max_test = -1, rtl_every = 0, eval_batch = 500;
  int64_t max_steps = -1, warmup = 0, ramp = 0;
  double stall = 0.0;
  // SGD defaults are TrainOptions' (train/loop.h), so the CLI and library callers train alike
  double lr = train::TrainOptions{}.lr, momentum = train::TrainOptions{}.momentum,
         lr_decay = train::TrainOptions{}.lr_decay;
  int latency = 4;
  uint64_t seed = 1;
  std::vector<int64_t> rtl_steps;
  bool json = false, quiet = false;
};

std::string repro(const Opts& o, int64_t step) {
  std::ostringstream os;
  os << "build/bfpgen train --config " << o.config << " --net " << o.net << " --data " << o.data << " --batch "
     << o.batch << " --lr " << o.lr << " --lr-decay " << o.lr_decay << " --momentum " << o.momentum << " --seed " << o.seed << " --sparsity-scaling "
     << o.scaling << " --warmup " << o.warmup << " --ramp " << o.ramp;
  if (o.max_train >= 0) os << " --max-train " << o.max_train;
  if (!o.load.empty()) os << " --load " << o.load;
  if (o.stall > 0) os << " --stall " << o.stall;
  if (o.latency != 4) os << " --latency " << o.latency;
  os << " --max-test 0 --epochs " << o.epochs << " --max-steps " << step + 1 << " --rtl-steps " << step;
  return os.str();
}

void print_rtl_step(std::ostream& os, const Config& cfg, const train::RtlStepReport& r) {
  const double pes = double(cfg.rows) * double(cfg.cols);
  char buf[256];
  os << "RTL step " << r.step << ": " << (r.bit_exact ? "BIT-EXACT" : "MISMATCH") << " (" << r.total.gemms
     << " GEMMs, " << r.sim_seconds << " s simulated)\n";
  std::snprintf(buf, sizeof buf, "  %-5s %6s %12s %12s %9s %9s %14s %14s %14s\n", "pass", "GEMMs", "cycles", "MACs",
                "util", "useful", "bytes moved", "dense bytes", "compressed");
  os << buf;
  const std::pair<const char*, const train::PassTotals*> rows[] = {
      {"FW", &r.fw}, {"BW", &r.bw}, {"WG", &r.wg}, {"total", &r.total}};
  for (const auto& [name, t] : rows) {
    const double util = t->cycles ? double(t->macs) / (pes * double(t->cycles)) : 0;
    const double useful = t->cycles ? double(t->useful_macs) / (pes * double(t->cycles)) : 0;
    std::snprintf(buf, sizeof buf, "  %-5s %6llu %12llu %12llu %9s %9s %14llu %14llu %14llu\n", name,
                  (unsigned long long)t->gemms, (unsigned long long)t->cycles, (unsigned long long)t->macs,
                  pct(util).c_str(), pct(useful).c_str(), (unsigned long long)(t->read_bytes + t->write_bytes),
                  (unsigned long long)t->dense_bytes, (unsigned long long)t->compressed_bytes);
    os << buf;
  }
}

/// Interim sparsity per GEMM layer and pass in the last epoch.
void print_sparsity(std::ostream& os, const train::TrainNet& tn, const train::EpochReport& e) {
  os << "interim sparsity in epoch " << e.epoch << " (zero codes; FW out = activations as stored, BW/WG in = errors "
     << "after the ReLU mask, BW out = errors as stored):\n";
  char buf[160];
  std::snprintf(buf, sizeof buf, "  %-12s %10s %12s %10s\n", "layer", "FW out", "BW/WG in", "BW out");
  os << buf;
  for (const train::LayerSparsity& l : e.sparsity.layers) {
    const std::string bw = l.bw_out.elements ? pct(l.bw_out.fraction()) : "-";
    std::snprintf(buf, sizeof buf, "  %-12s %10s %12s %10s\n", tn.layer(l.layer).name.c_str(), pct(l.act.fraction()).c_str(),
                  pct(l.err.fraction()).c_str(), bw.c_str());
    os << buf;
  }
}

}  // namespace

Runner add_train(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  app.add_option("--config", o->config, "accelerator config (YAML): block size, accumulator, the RTL")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--net", o->net, "network (YAML, docs/networks.md; trainable layers: docs/training.md)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--data", o->data, "Fashion-MNIST folder (gzipped IDX files)")->capture_default_str();
  app.add_option("--epochs", o->epochs, "epochs over the training set")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--batch", o->batch, "images per step")->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--lr", o->lr, "SGD learning rate")->capture_default_str()->check(finite_range(1e-9, 100.0));
  app.add_option("--lr-decay", o->lr_decay, "learning-rate factor per epoch (epoch e uses lr * decay^e)")
      ->capture_default_str()
      ->check(finite_range(1e-6, 1.0));
  app.add_option("--momentum", o->momentum, "SGD momentum")->capture_default_str()->check(finite_range(0.0, 0.999));
  app.add_option("--seed", o->seed, "seed of the weight initialization and the data order")->check(seed_check())->capture_default_str();
  app.add_option("--arithmetic", o->arithmetic, "bfp8 (the accelerator's passes) or fp32 (reference loop)")
      ->capture_default_str()
      ->check(CLI::IsMember({"bfp8", "fp32"}));
  app.add_option("--sparsity-scaling", o->scaling,
                 "final thresholds T_ACT,T_ERR (or T_ACT/T_ERR; codes 0..127) of interim activations and errors, or off")
      ->capture_default_str();
  app.add_option("--warmup", o->warmup, "steps with sparsity scaling off")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--ramp", o->ramp, "steps over which the thresholds rise linearly after the warm-up")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-train", o->max_train, "use only the first N training images (-1: all)")->capture_default_str();
  app.add_option("--max-test", o->max_test, "use only the first N test images (-1: all)")->capture_default_str();
  app.add_option("--max-steps", o->max_steps, "stop after N steps in total (-1: all epochs)")->capture_default_str();
  app.add_option("--eval-batch", o->eval_batch, "test images per forward pass")->capture_default_str()->check(CLI::Range(1, 100000));
  auto* steps = app.add_option("--rtl-steps", o->rtl_steps, "steps (0-based, e.g. 0,2) whose GEMMs also run on the RTL")
                    ->delimiter(',');
  auto* every = app.add_option("--rtl-every", o->rtl_every, "run every N-th step on the RTL")->check(CLI::PositiveNumber);
  steps->excludes(every);
  app.add_option("--stall", o->stall, "RTL steps: random backpressure probability on every handshake, [0, 0.95]")
      ->capture_default_str()
      ->check(finite_range(0.0, 0.95));
  app.add_option("--latency", o->latency, "RTL steps: memory read latency in cycles")->capture_default_str()->check(CLI::Range(1, 10000));
  app.add_option("--save", o->save, "write a checkpoint (FP32 master weights + momentum, .npy) to DIR after every epoch");
  app.add_option("--load", o->load, "resume from a checkpoint DIR")->check(CLI::ExistingDirectory);
  app.add_flag("--json", o->json, "print the report as JSON on stdout");
  app.add_flag("--quiet", o->quiet, "with --json: no progress lines on stderr");
  return [o]() -> int {
    const Config cfg = load_config(o->config);
    const train::Knobs knobs = train::parse_knobs(o->scaling, "--sparsity-scaling");
    const bool fp32 = o->arithmetic == "fp32";
    if (fp32 && (!o->rtl_steps.empty() || o->rtl_every > 0))
      throw std::invalid_argument("--rtl-steps/--rtl-every need --arithmetic bfp8");
    if (fp32 && o->scaling != "off") throw std::invalid_argument("--sparsity-scaling needs --arithmetic bfp8");
    for (int64_t s : o->rtl_steps)
      if (s < 0) throw std::invalid_argument("--rtl-steps: step " + std::to_string(s) + " is negative");
    const train::DataSplit data = train::load_fashion_mnist(o->data, o->max_train, o->max_test);
    train::TrainNet tn =
        train::make_train_net(mapper::load_network(o->net), data.train.height, data.train.width, data.train.classes);
    train::Params p = train::init_params(tn, o->seed);
    int start_epoch = 0;
    if (!o->load.empty()) start_epoch = train::load_checkpoint(o->load, tn, p).epochs_done;

    train::TrainOptions to;
    to.arithmetic = fp32 ? train::Arithmetic::Fp32 : train::Arithmetic::Bfp8;
    to.epochs = o->epochs;
    to.batch = o->batch;
    to.lr = float(o->lr);
    to.momentum = float(o->momentum);
    to.lr_decay = float(o->lr_decay);
    to.seed = o->seed;
    to.schedule = {knobs, o->warmup, o->ramp};
    to.arith = {cfg.block, {cfg.acc_width, cfg.guard_bits}};
    to.max_steps = o->max_steps;
    to.eval_batch = o->eval_batch;
    to.save_dir = o->save;
    std::ostream& log = o->json ? std::cerr : std::cout;
    if (!o->quiet || !o->json) to.log = &log;

    std::shared_ptr<sim::Model> model;
    std::vector<train::RtlStepReport> rtl;
    const std::set<int64_t> chosen(o->rtl_steps.begin(), o->rtl_steps.end());
    if (!chosen.empty() || o->rtl_every > 0) {
      model = sim::load_model(cfg, o->quiet ? nullptr : &std::cerr);
      const int every = o->rtl_every;
      to.rtl_step = [chosen, every](int64_t s) { return every > 0 ? s % every == 0 : chosen.count(s) > 0; };
      train::RtlOptions ro;
      ro.timing.stall = o->stall;
      ro.timing.latency = o->latency;
      ro.seed = o->seed;
      to.on_rtl_step = [&](int64_t s, const train::BfpStep& st) {
        rtl.push_back(train::run_step_on_rtl(model, tn, st, s, ro));
        if (to.log) print_rtl_step(*to.log, cfg, rtl.back());
        if (to.log && !rtl.back().bit_exact) *to.log << "  first mismatch: " << rtl.back().first_mismatch << "\n";
      };
    }
    if (to.log)
      *to.log << "training " << tn.net.name << " (" << tn.net.layers.size() << " layers) on " << data.train.count()
              << " images, testing on " << data.test.count() << ", " << o->arithmetic << ", batch " << o->batch
              << ", sparsity scaling " << o->scaling << "\n";
    const train::TrainReport rep = train::train(tn, p, data, to, start_epoch);
    if (to.log && !fp32 && !rep.epochs.empty()) print_sparsity(*to.log, tn, rep.epochs.back());
    bool exact = true;
    std::string mismatch;
    int64_t mismatch_step = -1;
    for (const auto& r : rtl)
      if (!r.bit_exact && exact) exact = false, mismatch = r.first_mismatch, mismatch_step = r.step;
    if (o->json) {
      nlohmann::json j = {{"network", tn.net.name},
                          {"config", cfg.name},
                          {"arithmetic", o->arithmetic},
                          {"batch", o->batch},
                          {"lr", o->lr},
                          {"lr_decay", o->lr_decay},
                          {"momentum", o->momentum},
                          {"seed", o->seed},
                          {"sparsity_scaling", {{"t_act", knobs.t_act}, {"t_err", knobs.t_err},
                                                {"warmup", o->warmup}, {"ramp", o->ramp}}},
                          {"train_images", data.train.count()},
                          {"test_images", data.test.count()},
                          {"steps", rep.steps},
                          {"epochs", rep.epochs},
                          {"rtl_steps", rtl},
                          {"bit_exact", exact}};
      std::cout << j.dump(2) << "\n";
    }
    if (!rtl.empty()) {
      log << "verdict  " << (exact ? "BIT-EXACT: every FW, BW and WG GEMM of " + std::to_string(rtl.size()) +
                                         " RTL step(s) equals the golden model's"
                                   : "MISMATCH in step " + std::to_string(mismatch_step) + ": " + mismatch)
          << "\n";
      if (!exact) {
        std::cerr << "repro: " << repro(*o, mismatch_step) << "\n";
        return 1;
      }
    }
    return 0;
  };
}

}  // namespace bfp::cli
