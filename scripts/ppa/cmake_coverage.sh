#!/usr/bin/env bash
# The cmake that scripts/ppa/activity.sh hands to the model cache (BFP_CMAKE, sim/model_cache.cpp): the
# configure step of sim/model gets -DBFP_MODEL_COVERAGE=ON (Verilator toggle + line coverage and the shim's
# coverage hook); every other call (cmake --build) passes through unchanged.
# Environment: BFP_REAL_CMAKE (default cmake).
set -euo pipefail
cmake=${BFP_REAL_CMAKE:-cmake}
if [[ ${1:-} == -S ]]; then exec "$cmake" "$@" -DBFP_MODEL_COVERAGE=ON; fi
exec "$cmake" "$@"
