#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The accuracy-versus-sparsity benchmark of docs/training.md: for each network, the FP32 reference loop, the
# BFP8 loop without sparsity scaling and with five settings, on the full Fashion-MNIST, each run's last step
# also on the RTL (cycles and bytes per training step at the trained state). One JSON per run in OUT
# (default out/train-bench); scripts/train-table.py turns them into the table of docs/training.md.
#   scripts/train-bench.sh [mlp|cnn|all] [OUT]
# Environment: BFPGEN (default build/bfpgen), CONFIG (default configs/default.yaml). Takes about an hour on
# two cores (both networks in parallel).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
which=${1:-all}
out=${2:-$ROOT/out/train-bench}
bfpgen=${BFPGEN:-$ROOT/build/bfpgen}
config=${CONFIG:-$ROOT/configs/default.yaml}
mkdir -p "$out"
# SETTINGS="off 32,32 ..." overrides the sparsity-scaling settings; a run whose JSON exists is not repeated
read -r -a settings <<<"${SETTINGS:-off 32,32 48,48 64,64 64,16 64,8}"

# run NAME NET EPOCHS STEPS_PER_EPOCH: the five runs of one network, one after the other
run() {
  local name=$1 net=$2 epochs=$3 spe=$4
  local last=$((epochs * spe - 1))
  local common=(--config "$config" --net "$ROOT/networks/$net" --epochs "$epochs" --batch 32 --lr 0.02 --lr-decay 0.7
                --momentum 0.9 --seed 1 --json)
  if [[ ! -s $out/$name-fp32.json ]]; then
    echo "[$name] fp32"
    "$bfpgen" train "${common[@]}" --arithmetic fp32 >"$out/$name-fp32.json" 2>"$out/$name-fp32.log"
  fi
  for s in "${settings[@]}"; do
    [[ -s $out/$name-bfp8-${s/,/-}.json ]] && continue
    echo "[$name] bfp8 sparsity scaling $s"
    # the thresholds ramp up over the first epoch; the last step runs on the RTL
    "$bfpgen" train "${common[@]}" --sparsity-scaling "$s" --ramp "$spe" --rtl-steps "$last" \
      >"$out/$name-bfp8-${s/,/-}.json" 2>"$out/$name-bfp8-${s/,/-}.log"
  done
}

t0=$SECONDS
case $which in
  mlp) run mlp fmnist_mlp.yaml 5 1875 ;;
  cnn) run cnn fmnist_cnn.yaml 2 1875 ;;
  all) run mlp fmnist_mlp.yaml 5 1875 & run cnn fmnist_cnn.yaml 2 1875 & wait ;;
  *) echo "usage: $0 [mlp|cnn|all] [OUT]" >&2; exit 2 ;;
esac
echo "train-bench: done in $((SECONDS - t0)) s; results in $out"
