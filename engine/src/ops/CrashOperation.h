// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "weft/Operation.h"

namespace weft {

// `crash`: a test operation that fails the way a test chooses. Registered
// only when WEFT_TEST_OPERATIONS=1 is in the environment, so the palette and
// `weft-cli ops` never show it otherwise.
OperationType crashType();
bool testOperationsEnabled();

} // namespace weft
