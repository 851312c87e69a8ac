// SPDX-License-Identifier: Apache-2.0
// bfpgen report: area, clock, power from measured activity, TOPS, TOPS/W, TOPS/mm^2 and energies of one config
// on a GEMM workload at one or more activation sparsities, at 180 nm and scaled (docs/ppa.md, "Report").
// The heavy steps are the scripts of scripts/ppa/ (asic.sh, power.sh, activity.sh); the figures are computed
// by report/ from their outputs.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "commands.h"
#include "options.h"
#include "report/pipeline.h"
#include "verify/train_bench.h"

#ifndef BFP_REPO_DIR
#error "BFP_REPO_DIR must be defined by the build"
#endif

namespace bfp::cli {

std::string self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("bfpgen") : p.string();
}

Runner add_report(CLI::App& app) {
  struct Opts {
    std::string config, gemm = "64x256x64", out, net, ppa_out, train, data, scaling = "off";
    int train_steps = 20, train_batch = 32;
    std::vector<std::string> sparsity{"0"}, wgt_sparsity;
    uint64_t seed = 1;
    bool rerun_asic = false, reuse_runs = false;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--config", o->config, "config YAML")->required()->check(CLI::ExistingFile);
  auto* gemm = app.add_option("--gemm", o->gemm, "GEMM workload MxKxN (default 64x256x64)");
  auto* net = app.add_option("--net", o->net, "network workload (networks/*.yaml or an .onnx model) instead of --gemm: one activity run")
                  ->check(CLI::ExistingFile);
  auto* sp = app.add_option("--act-sparsity", o->sparsity, "activation sparsities, e.g. 0,0.9 (one activity run each)");
  auto* wsp = app.add_option("--wgt-sparsity", o->wgt_sparsity,
                             "weight sparsity of each --act-sparsity run, as many values, e.g. 0,0.9 (default all 0)");
  app.add_option("--seed", o->seed, "operand seed")->check(seed_check());
  app.add_option("-o,--out", o->out, "output directory (report.json, report.md, SVG plots, runs/)")->required();
  app.add_option("--ppa-out", o->ppa_out, "ASIC flow output root (default out/ppa of the source tree)");
  net->excludes(gemm)->excludes(sp)->excludes(wsp);
  auto* train = app.add_option("--train", o->train,
                               "network (YAML) to train: the workload is one training step (bfpgen train, all FW, "
                               "BW and WG GEMMs on the RTL) instead of --gemm")
                    ->check(CLI::ExistingFile);
  train->excludes(gemm)->excludes(sp)->excludes(wsp)->excludes(net);
  app.add_option("--train-steps", o->train_steps, "--train: golden steps before the measured step")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_option("--train-batch", o->train_batch, "--train: images per step")->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--train-scaling", o->scaling, "--train: sparsity scaling, off or T_ACT/T_ERR (codes 0..127)")
      ->capture_default_str();
  app.add_option("--data", o->data, "--train: Fashion-MNIST folder (default: bfpgen train's)");
  app.add_flag("--rerun-asic", o->rerun_asic, "rerun the ASIC flow even when out/ppa/<config>/asic.json matches");
  app.add_flag("--reuse-runs", o->reuse_runs,
               "keep the activity runs an earlier report left in OUT/runs when they were made for the same config "
               "and workload (after a synthesis-only change; the RTL's simulation must be unchanged)");
  return [o]() {
    report::ReportOptions r;
    r.config = o->config;
    r.net = o->net;
    r.train_net = o->train;
    r.train_steps = o->train_steps;
    r.train_batch = o->train_batch;
    const auto knobs = train::parse_knobs(o->scaling, "--train-scaling");
    r.t_act = knobs.t_act;
    r.t_err = knobs.t_err;
    r.data = o->data;
    report::parse_gemm_shape(o->gemm, r.m, r.k, r.n);
    r.act_sparsity = report::parse_sparsities(o->sparsity);
    if (!o->wgt_sparsity.empty()) r.wgt_sparsity = report::parse_sparsities(o->wgt_sparsity, "--wgt-sparsity");
    r.seed = o->seed;
    r.out_dir = o->out;
    r.ppa_out = o->ppa_out;
    r.reuse_runs = o->reuse_runs;
    r.repo = BFP_REPO_DIR;
    r.bfpgen = self_exe();
    r.rerun_asic = o->rerun_asic;
    const auto rep = report::run_report(r);
    if (rep.contains("workload_training")) std::cout << "workload: " << rep["runs"][0]["workload"].get<std::string>() << "\n";
    for (const auto& run : rep["runs"]) {
      std::cout << "act sparsity " << run["act_sparsity"].get<double>();
      if (run.value("wgt_sparsity", 0.0) > 0) std::cout << ", wgt sparsity " << run["wgt_sparsity"].get<double>();
      std::cout << ": " << run["effective_tops"].get<double>()
                << " effective TOPS, " << run["tops_per_w"].get<double>() << " TOPS/W, "
                << run["energy_per_mac_pj"].get<double>() << " pJ/MAC (180 nm, " << rep["fmax_mhz"].get<double>()
                << " MHz, " << rep["area_mm2"].get<double>() << " mm^2)\n";
    }
    if (rep.contains("horowitz_check"))
      std::cout << "Horowitz check (45 nm): PE array " << rep["horowitz_check"]["pe_array_energy_per_mac_pj_45nm"].get<double>()
                << " pJ/MAC = " << rep["horowitz_check"]["pe_array_ratio"].get<double>() << "x of 0.23 pJ\n";
    std::cout << "wrote " << o->out << "/report.json, report.md, *.svg\n";
    return 0;
  };
}

}  // namespace bfp::cli
