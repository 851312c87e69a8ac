#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The cmake that scripts/ppa/activity.sh hands to the model cache (BFP_CMAKE, sim/model_cache.cpp): a configure
# call gets -DBFP_MODEL_COVERAGE=ON (Verilator toggle + line coverage and the shim's coverage hook,
# sim/model/CMakeLists.txt); build, install, script and tool-mode calls pass through unchanged.
# With BFP_ACTIVITY_TRACE=1 (activity.sh's second pass, the traced run whose VCD gives the toggle rates) it adds
# -DBFP_MODEL_TRACE_PARAMS=OFF instead, and no coverage: a model with both took about an hour to build on the
# default config (538 files of C++), a traced one alone a few minutes.
# Environment: BFP_REAL_CMAKE (default cmake), BFP_ACTIVITY_TRACE.
set -euo pipefail
cmake=${BFP_REAL_CMAKE:-cmake}
case ${1:-} in
  --build | --install | -E | -P) exec "$cmake" "$@" ;;
  *)
    if [[ ${BFP_ACTIVITY_TRACE:-0} == 1 ]]; then exec "$cmake" "$@" -DBFP_MODEL_TRACE_PARAMS=OFF; fi
    exec "$cmake" "$@" -DBFP_MODEL_COVERAGE=ON ${BFP_COVERAGE_OPT:+"-DBFP_MODEL_COVERAGE_OPT=$BFP_COVERAGE_OPT"} ;;
esac
