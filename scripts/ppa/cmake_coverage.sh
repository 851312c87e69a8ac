#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The cmake that scripts/ppa/activity.sh hands to the model cache (BFP_CMAKE, sim/model_cache.cpp): a configure
# call gets -DBFP_MODEL_COVERAGE=ON (Verilator toggle + line coverage and the shim's coverage hook,
# sim/model/CMakeLists.txt); build, install, script and tool-mode calls pass through unchanged.
# Environment: BFP_REAL_CMAKE (default cmake).
set -euo pipefail
cmake=${BFP_REAL_CMAKE:-cmake}
case ${1:-} in
  --build | --install | -E | -P) exec "$cmake" "$@" ;;
  *) exec "$cmake" "$@" -DBFP_MODEL_COVERAGE=ON ${BFP_COVERAGE_OPT:+"-DBFP_MODEL_COVERAGE_OPT=$BFP_COVERAGE_OPT"} ;;
esac
