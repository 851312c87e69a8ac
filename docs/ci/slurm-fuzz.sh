#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A big `bfpgen fuzz` regression as a Slurm array job: array task I of N runs `bfpgen fuzz --shard I/N` and
# writes its JUnit report; a dependent job merges the N reports (scripts/junit_merge.py). No scheduler of ours:
# Slurm starts the tasks, the round-robin shard rule (docs/fuzz.md, "Sharding") splits the cases.
#
# From the repository root, with build/bfpgen built (make build) on a file system every node sees:
#   bash docs/ci/slurm-fuzz.sh submit 16            # 16 array tasks + the merge job after them
#   sbatch --array=1-16 docs/ci/slurm-fuzz.sh       # or by hand: the tasks ...
#   sbatch --dependency=afterany:JOBID --wrap 'bash docs/ci/slurm-fuzz.sh merge'   # ... and the merge
# Settings (environment, passed on by sbatch): FUZZ_SEED (1), FUZZ_COUNT (10000), FUZZ_ARGS ("--random-configs";
# split at spaces, no quoting: e.g. "--config configs/default.yaml --kinds train"), FUZZ_OUT (out/fuzz-shards),
# BFPGEN (build/bfpgen).
# Outputs: FUZZ_OUT/shard-I-of-N.xml and .log per task, FUZZ_OUT/fuzz.xml merged. A task's exit status is
# bfpgen's (1 when a case failed), so Slurm marks failing tasks; the merge exits 1 when any case failed and 2
# when a shard report is missing (a task that died before writing it).
# A task writes its report when it ends: one killed at --time leaves none (the merge then names it missing), so
# choose N for the time limit (1,000 random-config cases took 71-176 s on 2 shared cores, docs/fuzz.md).
# Models: every task loads the pool's verilated models from build/model-cache (flock-protected; the first task
# to need one builds it). On a file system without working flock, build them once first (run this script as
# task 1 of 1 with FUZZ_COUNT=50) or give each node its own cache (BFP_MODEL_CACHE=/local/dir).
#
#SBATCH --job-name=bfpgen-fuzz
#SBATCH --array=1-8
#SBATCH --cpus-per-task=1
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=slurm-bfpgen-fuzz-%A_%a.log
set -euo pipefail

FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_COUNT=${FUZZ_COUNT:-10000}
FUZZ_ARGS=${FUZZ_ARGS:---random-configs}
FUZZ_OUT=${FUZZ_OUT:-out/fuzz-shards}
BFPGEN=${BFPGEN:-build/bfpgen}

case "${1:-task}" in
  submit)
    n=${2:?usage: slurm-fuzz.sh submit N}
    job=$(sbatch --parsable --array="1-$n" "$0")
    sbatch --dependency="afterany:${job%%;*}" --job-name=bfpgen-fuzz-merge --output=slurm-bfpgen-fuzz-merge-%j.log \
      --wrap "bash '$0' merge"
    echo "submitted array job $job ($n tasks) and its merge"
    exit 0 ;;
  merge)
    shopt -s nullglob
    files=("$FUZZ_OUT"/shard-*-of-*.xml)
    ((${#files[@]})) || { echo "slurm-fuzz: no shard reports in $FUZZ_OUT" >&2; exit 2; }
    exec python3 scripts/junit_merge.py -o "$FUZZ_OUT/fuzz.xml" "${files[@]}" ;;
  task) ;;
  *) echo "slurm-fuzz: unknown mode '$1' (task, submit N, merge)" >&2; exit 2 ;;
esac

# An array task: shard I of N, where the array must be --array=1-N (a throttle such as %4 is fine).
: "${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch --array=1-N (or: slurm-fuzz.sh submit N)}"
i=$SLURM_ARRAY_TASK_ID
n=${SLURM_ARRAY_TASK_COUNT:?Slurm did not set SLURM_ARRAY_TASK_COUNT}
if [[ ${SLURM_ARRAY_TASK_MIN:-1} != 1 || ${SLURM_ARRAY_TASK_MAX:-$n} != "$n" ]]; then
  echo "slurm-fuzz: the array must be --array=1-N (this one is ${SLURM_ARRAY_TASK_MIN:-?}-${SLURM_ARRAY_TASK_MAX:-?} with $n tasks)" >&2
  exit 2
fi
mkdir -p "$FUZZ_OUT"
echo "slurm-fuzz: task $i/$n on $(hostname), $(date -u +%FT%TZ)"
# shellcheck disable=SC2086  # FUZZ_ARGS is a list of options
"$BFPGEN" fuzz --seed "$FUZZ_SEED" --count "$FUZZ_COUNT" $FUZZ_ARGS --shard "$i/$n" \
  --junit "$FUZZ_OUT/shard-$i-of-$n.xml" --quiet 2>&1 | tee "$FUZZ_OUT/shard-$i-of-$n.log"
