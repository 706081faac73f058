// SPDX-License-Identifier: Apache-2.0
#pragma once

// The executor's side of isolation: the validator's checks of `isolation`
// and `memory`, what to start for an isolated attempt (weft-op through the
// process launcher), and how its exit becomes the attempt's result.

#include "weft/Operation.h"
#include "weft/StringOrList.h"

#include <functional>
#include <string>

namespace weft {

struct Node;
struct ProcessOutcome;

namespace isolation {

// Problems with a node's "isolation" and "memory": `add` gets the key's
// path below the node ("/isolation") and the message.
void check(const Node &node, const OperationType *type,
           const std::function<void(std::string key, std::string message)> &add);

// The helper process for one attempt of `type` on the (expanded) node.
Launch launch(const OperationType &type, const LaunchContext &context);

// Turns the helper's exit into the operation's outcome: its error message
// instead of "exited with status 1", no exit code unless the operation
// itself exited, and the outputs it reported (lists kept lists).
NamedValues interpret(ProcessOutcome &outcome);

} // namespace isolation
} // namespace weft
