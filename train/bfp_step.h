// SPDX-License-Identifier: Apache-2.0
// One BFP8 training step in the golden model (docs/training.md): the forward (FW), backward (BW) and
// weight-gradient (WG) GEMMs of every fc/conv2d layer with their operands exactly as the accelerator gets them,
// the host layers, the ReLU derivative mask, sparsity scaling and the loss. Every GEMM is recorded as a GemmJob
// so that the RTL can run the same GEMM and be compared with it bit for bit.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "golden/bfp.h"
#include "train/net.h"

namespace bfp::train {

enum class Pass { Fw, Bw, Wg };
/// "FW", "BW", "WG".
const char* pass_name(Pass p);

/// One GEMM of a training step: C (M x N) = A (M x K) * W with W^T given (N x K), both blocked along K, stored
/// with the fused ReLU and sparsity-scaling threshold (`prune`) of the STORE; `c` is the golden result.
struct GemmJob {
  int layer = 0;
  Pass pass = Pass::Fw;
  golden::BfpMatrix a, wt;
  bool relu = false;
  int prune = 0;
  golden::BfpMatrix c;
  /// "fc1 FW 32x784*784x256" (the name used in reports and repro lines).
  std::string name(const TrainNet& tn) const;
};

/// Sparsity-scaling thresholds of one step (docs/training.md section 5): codes |c| < T of the interim
/// activations (FW outputs of the hidden layers) and errors (BW outputs) become 0; 0 = off.
struct Knobs {
  int t_act = 0;
  int t_err = 0;
};

/// A sparsity-scaling setting as the CLI takes it: "off", or T_ACT and T_ERR (codes 0..127) separated by one '/'
/// or ',' ("32/16", "32,16"). `what` names the option in the std::invalid_argument thrown for anything else.
Knobs parse_knobs(const std::string& s, const std::string& what);
/// "off" when both thresholds are 0, else "T_ACT/T_ERR".
std::string knobs_name(const Knobs& k);

/// Arithmetic of the accelerator the step models (block size, accumulator W and F).
struct Arith {
  int block = 16;
  golden::AccParams acc;
};

/// Zero codes of a tensor (logical elements only).
struct ZeroCount {
  int64_t elements = 0, zeros = 0;
  double fraction() const { return elements ? double(zeros) / double(elements) : 0.0; }
  ZeroCount& operator+=(const ZeroCount& o) {
    elements += o.elements;
    zeros += o.zeros;
    return *this;
  }
};
ZeroCount count_zeros(const golden::BfpMatrix& m);

/// Sparsity of one GEMM layer's interim tensors in a step.
struct LayerSparsity {
  int layer = 0;
  ZeroCount act;  ///< its FW output as stored (ReLU, sparsity scaling); the logits for the last layer
  ZeroCount err;  ///< the error entering its BW and WG GEMMs (after the ReLU derivative mask)
  ZeroCount bw_out;  ///< its BW output as stored (sparsity scaling), before the previous layer's mask
};

/// What a step gives: loss, correct predictions, the FP32 gradient of every layer's W^T (dequantized WG
/// outputs; host layers empty), the GEMMs (when kept), sparsity, and the host's re-blocking work.
struct BfpStep {
  double loss = 0;
  int correct = 0;
  std::vector<Eigen::MatrixXf> grad;
  std::vector<GemmJob> jobs;
  std::vector<LayerSparsity> sparsity;
  int64_t reblock_bytes = 0;  ///< bytes the host read + wrote to re-block WG operands (codes + exponents)
  double reblock_seconds = 0;  ///< host time spent re-blocking
};

/// Runs one training step on a batch of images (batch x H*W, values in [0, 1]) with labels. `keep_jobs`
/// keeps every GEMM's operands and result. Throws TrainError naming the layer and tensor when a value is not
/// finite (a diverging run).
BfpStep bfp_step(const TrainNet& tn, const Params& p, const Eigen::MatrixXf& images, const std::vector<uint8_t>& labels,
                 const Arith& ar, const Knobs& k, bool keep_jobs);

/// The forward pass only (FW GEMMs with the activation threshold `t_act`): the exact logits (batch x classes).
Eigen::MatrixXd bfp_logits(const TrainNet& tn, const Params& p, const Eigen::MatrixXf& images, const Arith& ar,
                           int t_act);

/// The golden result of a job's GEMM: requantize_pruned(gemm_accumulate(a, wt)).
golden::BfpMatrix run_golden(const GemmJob& j, const Arith& ar);

/// Softmax cross-entropy of logits (batch x classes, exact values) in FP32 (docs/training.md section 4):
/// mean loss, correct predictions (first maximum), and the error of the logits (softmax - onehot) / batch.
struct LossResult {
  double loss = 0;
  int correct = 0;
  Eigen::MatrixXf dlogits;
};
LossResult softmax_cross_entropy(const Eigen::MatrixXf& logits, const std::vector<uint8_t>& labels);

/// The ReLU derivative mask (docs/training.md section 4): codes of `err` where `out` (the stored FW output)
/// has code <= 0 become 0; a block left all zero gets exponent 0.
void relu_mask(golden::BfpMatrix& err, const golden::BfpMatrix& out);

/// W (K x N, blocked along N) of the BW pass of a conv2d layer: the kernel flipped in y and x with input and
/// output channels swapped, from the FP32 W^T (filters x kh*kw*C_in): row c, column (ky*kw + kx)*filters + f
/// holds W^T(f, ((kh-1-ky)*kw + (kw-1-kx))*C_in + c).
Eigen::MatrixXf conv_bw_weights(const mapper::Layer& l, const Eigen::MatrixXf& wt);
/// The conv2d that the BW pass of conv layer `l` runs on the error: kernel kh x kw, stride 1, padding
/// kh-1-ph / kw-1-pw, from the output shape (filters channels) to the input shape.
mapper::Layer conv_bw_layer(const mapper::Layer& l);

}  // namespace bfp::train
