// SPDX-License-Identifier: Apache-2.0
// Re-blocking a BFP8 matrix along its other dimension (docs/training.md section 3): the weight-gradient pass
// needs activations and errors blocked along the batch, while the forward and backward passes produce them
// blocked along the channels. Exact: the old codes' values go through the output requantization of
// docs/arithmetic.md section 4 as accumulator pairs (m = c, e = E + 133 + F), so no FP32 step is involved.
#pragma once
#include "golden/bfp.h"

namespace bfp::golden {

/// X^T blocked along its rows (= along the rows of x) with block size `block`: `x` is rows x cols blocked along
/// its columns; the result is cols x rows. Codes -128..127 are accepted (|-128| = 128); an all-zero new block
/// gets exponent code 0. Throws InputError for a malformed `x` or a block size outside 1..64.
BfpMatrix reblock_transposed(const BfpMatrix& x, int block);

}  // namespace bfp::golden
