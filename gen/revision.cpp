// SPDX-License-Identifier: Apache-2.0
// The source revision this bfpgen was built from; its own file so that a new revision recompiles one file.
#include "gen/emit.h"

#include "bfp_source_revision.h"

namespace bfp {

const char* source_revision() { return BFP_SOURCE_REVISION; }

}  // namespace bfp
