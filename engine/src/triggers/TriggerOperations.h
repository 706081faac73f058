// SPDX-License-Identifier: Apache-2.0
#pragma once

// The trigger operation types (watch, timer, approval): their declarations
// and what one attempt asks the executor to wait for.

#include "weft/Operation.h"

namespace weft {

void addTriggerOperations(OperationRegistry &registry);

// The trigger types' names, for the watch session and the CLI.
bool isTriggerType(std::string_view type);

} // namespace weft
