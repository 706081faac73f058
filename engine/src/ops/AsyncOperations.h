// SPDX-License-Identifier: Apache-2.0
#pragma once

// The built-in operations that hold no worker: what each asks the executor
// to start (a process, a timer) for one attempt of a node.

#include "weft/Operation.h"

namespace weft {

Launch launchProcess(const LaunchContext &context);
Launch launchSleep(const LaunchContext &context);

} // namespace weft
