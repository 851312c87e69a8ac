// SPDX-License-Identifier: Apache-2.0
// bfpgen sweep: the options of report::run_sweep (report/sweep.h; docs/ppa.md, "Sweep").
#include <iostream>

#include "commands.h"
#include "options.h"
#include "shard_option.h"
#include "report/pipeline.h"
#include "report/sweep.h"

namespace bfp::cli {

Runner add_sweep(CLI::App& app) {
  struct Opts {
    report::SweepOptions sweep;
    std::vector<std::string> sparsity{"0,0.9"};
    std::string shard;
    bool list = false;
  };
  auto o = std::make_shared<Opts>();
  report::SweepOptions& s = o->sweep;
  app.add_option("--base", s.base, "base config (default configs/test/r2c2b8.yaml of the source tree)")->check(CLI::ExistingFile);
  app.add_option("--gemm", s.gemm, "GEMM workload MxKxN of every point (default 16x64x16)");
  app.add_option("--act-sparsity", o->sparsity, "activation sparsities of every point (default 0,0.9)");
  app.add_option("--arrays", s.arrays, "array sizes RxC (default 2x2; --full: 2x2 4x4)");
  app.add_option("--blocks", s.blocks, "block sizes (default 8 16)");
  app.add_option("--knobs", s.knobs, "sparsity knobs (default none both; --full: none activations both)");
  app.add_flag("--full", s.full, "the full grid (12 points, about an hour on 2 cores)");
  app.add_option("--seed", s.seed, "operand seed")->check(seed_check());
  app.add_option("-o,--out", s.out, "output directory (sweep.json, sweep.md, sweep_tops_per_w.svg, points/)")
      ->required();
  app.add_option("--ppa-out", s.ppa_out, "ASIC flow output root (default out/ppa of the source tree)");
  add_shard_options(app, o->shard, o->list, "points", "arrays outermost, then blocks, then knobs");
  return [o]() {
    report::SweepOptions opt = o->sweep;
    opt.act_sparsity = report::parse_sparsities(o->sparsity);
    opt.repo = BFP_REPO_DIR;
    opt.bfpgen = self_exe();
    opt.shard = shard_of(o->shard);
    if (o->list) {  // the points, named as run_sweep names them, without running a flow
      const std::string base = load_config(opt.base).name;
      const auto points = report::sweep_points(opt);
      for (size_t i = 0; i < points.size(); ++i)
        if (opt.shard.selects(i)) std::cout << "point " << i << " " << report::sweep_point_name(base, points[i]) << "\n";
      return 0;
    }
    const bool ok = report::run_sweep(opt, std::cout);
    std::cout << "wrote " << opt.out << "/sweep.md, sweep.json, sweep_tops_per_w.svg\n";
    return ok ? 0 : 1;
  };
}

}  // namespace bfp::cli
