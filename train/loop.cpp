// SPDX-License-Identifier: Apache-2.0
#include "train/loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "mapper/lower.h"
#include "train/checkpoint.h"
#include "train/ref_step.h"

namespace bfp::train {

Knobs Schedule::at(int64_t step) const {
  if (step < warmup) return {};
  if (ramp <= 0) return final;
  const double f = std::min(1.0, double(step - warmup + 1) / double(ramp));
  return {int(std::lround(final.t_act * f)), int(std::lround(final.t_err * f))};
}

std::vector<int> epoch_order(int count, uint64_t seed, int epoch) {
  std::vector<int> order(size_t(std::max(count, 0)));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(mapper::derive_seed(seed, "order:" + std::to_string(epoch)));
  // Fisher-Yates with our own index draw: std::shuffle's draws differ between standard libraries.
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[size_t(rng() % i)]);
  return order;
}

namespace {

Eigen::MatrixXf rows_of(const Eigen::MatrixXf& m, const std::vector<int>& idx, size_t begin, size_t end) {
  Eigen::MatrixXf r(int64_t(end - begin), m.cols());
  for (size_t i = begin; i < end; ++i) r.row(int64_t(i - begin)) = m.row(idx[i]);
  return r;
}

std::vector<uint8_t> labels_of(const std::vector<uint8_t>& l, const std::vector<int>& idx, size_t begin, size_t end) {
  std::vector<uint8_t> r;
  for (size_t i = begin; i < end; ++i) r.push_back(l[size_t(idx[i])]);
  return r;
}

int argmax_row(const Eigen::MatrixXd& m, int64_t r) {
  Eigen::Index best = 0;
  m.row(r).maxCoeff(&best);
  return int(best);
}

void sgd(const TrainNet& tn, Params& p, const std::vector<Eigen::MatrixXf>& grad, const TrainOptions& opt, float lr,
         int64_t step) {
  for (int i : tn.gemm_layers) {
    Eigen::MatrixXf& v = p.v[size_t(i)];
    v = opt.momentum * v + grad[size_t(i)];
    p.w[size_t(i)] -= lr * v;
    if (!p.w[size_t(i)].allFinite())
      throw TrainError("training diverged at step " + std::to_string(step + 1) + ": the weights of " +
                       layer_ref(tn.layer(i)) + " are no longer finite (lower --lr)");
  }
}

}  // namespace

double evaluate(const TrainNet& tn, const Params& p, const Dataset& test, Arithmetic a, const Arith& ar, int t_act,
                int eval_batch) {
  const int n = test.count();
  if (n == 0) return 0;
  int correct = 0;
  for (int b0 = 0; b0 < n; b0 += eval_batch) {
    const int b1 = std::min(n, b0 + eval_batch);
    const Eigen::MatrixXf x = test.images.middleRows(b0, b1 - b0);
    Eigen::MatrixXd z = a == Arithmetic::Bfp8 ? bfp_logits(tn, p, x, ar, t_act)
                                              : ref_logits<float>(tn, p.w, x).cast<double>();
    for (int i = 0; i < b1 - b0; ++i) correct += argmax_row(z, i) == test.labels[size_t(b0 + i)];
  }
  return double(correct) / double(n);
}

TrainReport train(const TrainNet& tn, Params& p, const DataSplit& data, const TrainOptions& opt, int start_epoch) {
  if (opt.batch < 1) throw TrainError("--batch must be >= 1");
  const Dataset& tr = data.train;
  TrainReport rep;
  rep.start_epoch = start_epoch;
  int64_t step = 0;
  const int64_t steps_per_epoch = (tr.count() + opt.batch - 1) / opt.batch;
  step = int64_t(start_epoch) * steps_per_epoch;
  for (int e = start_epoch; e < opt.epochs; ++e) {
    if (opt.max_steps >= 0 && step >= opt.max_steps) break;
    const auto t0 = std::chrono::steady_clock::now();
    EpochReport er;
    er.epoch = e + 1;
    er.sparsity.layers.resize(tn.gemm_layers.size());
    const std::vector<int> order = epoch_order(tr.count(), opt.seed, e);
    const float lr = opt.lr * std::pow(opt.lr_decay, float(e));
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    for (size_t b0 = 0; b0 < order.size(); b0 += size_t(opt.batch)) {
      if (opt.max_steps >= 0 && step >= opt.max_steps) break;
      const size_t b1 = std::min(order.size(), b0 + size_t(opt.batch));
      const Eigen::MatrixXf x = rows_of(tr.images, order, b0, b1);
      const std::vector<uint8_t> y = labels_of(tr.labels, order, b0, b1);
      std::vector<Eigen::MatrixXf> grad;
      if (opt.arithmetic == Arithmetic::Bfp8) {
        const bool rtl = opt.rtl_step && opt.rtl_step(step);
        er.knobs = opt.schedule.at(step);
        BfpStep s = bfp_step(tn, p, x, y, opt.arith, er.knobs, rtl);
        if (rtl && opt.on_rtl_step) opt.on_rtl_step(step, s);
        loss_sum += s.loss * double(b1 - b0);
        correct += s.correct;
        er.reblock_bytes += s.reblock_bytes;
        er.reblock_seconds += s.reblock_seconds;
        for (size_t li = 0; li < s.sparsity.size(); ++li) {
          LayerSparsity& acc = er.sparsity.layers[li];
          acc.layer = s.sparsity[li].layer;
          acc.act += s.sparsity[li].act;
          acc.err += s.sparsity[li].err;
          acc.bw_out += s.sparsity[li].bw_out;
        }
        grad = std::move(s.grad);
      } else {
        RefStep<float> r = ref_step<float>(tn, p.w, x, y);
        if (!std::isfinite(r.loss))
          throw TrainError("training diverged at step " + std::to_string(step + 1) + ": the FP32 loss is not finite");
        loss_sum += double(r.loss) * double(b1 - b0);
        correct += r.correct;
        grad = std::move(r.grad);
      }
      sgd(tn, p, grad, opt, lr, step);
      seen += int64_t(b1 - b0);
      ++step;
      ++er.steps;
    }
    const int last = tn.gemm_layers.back();
    for (const LayerSparsity& l : er.sparsity.layers) {
      if (l.layer == last) continue;
      er.sparsity.act += l.act;
      er.sparsity.err += l.err;
      er.sparsity.bw_out += l.bw_out;
    }
    er.loss = seen ? loss_sum / double(seen) : 0;
    er.train_accuracy = seen ? double(correct) / double(seen) : 0;
    er.test_accuracy = evaluate(tn, p, data.test, opt.arithmetic, opt.arith, er.knobs.t_act, opt.eval_batch);
    er.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rep.epochs.push_back(er);
    if (!opt.save_dir.empty()) save_checkpoint(opt.save_dir, tn, p, {e + 1, step});
    if (opt.log) {
      *opt.log << "epoch " << er.epoch << ": loss " << er.loss << ", train accuracy " << 100 * er.train_accuracy
               << "%, test accuracy ";
      if (data.test.count() > 0)
        *opt.log << 100 * er.test_accuracy << "%";
      else
        *opt.log << "- (no test images)";
      if (opt.arithmetic == Arithmetic::Bfp8)
        *opt.log << ", sparsity act " << 100 * er.sparsity.act.fraction() << "% err "
                 << 100 * er.sparsity.err.fraction() << "% (T_act " << er.knobs.t_act << ", T_err " << er.knobs.t_err
                 << ")";
      *opt.log << ", " << er.seconds << " s\n";
      opt.log->flush();
    }
  }
  rep.steps = step;
  return rep;
}

}  // namespace bfp::train
