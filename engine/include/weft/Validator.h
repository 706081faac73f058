// SPDX-License-Identifier: Apache-2.0
#pragma once

// Semantic checks of a workflow that is already in memory (the editor's
// document, or what the loader built). Diagnostics carry JSON paths as the
// file would have them (node i -> "/nodes/i") but no line numbers.

#include "weft/Diagnostic.h"

#include <cstdint>
#include <string>
#include <vector>

namespace weft {

struct Workflow;
class OperationRegistry;

// Checks ids (pattern, duplicates), needs (unknown, self, cycles), operation
// types, parameters against their declarations, resources against pools,
// numeric ranges. `registry` defaults to the built-in one.
Diagnostics validateWorkflow(const Workflow &workflow, const OperationRegistry *registry = nullptr);

// How many times this process has validated a workflow (any overload, the
// loader's and CompiledWorkflow's included). A run should cost one: tests
// and `WEFT_COUNT_VALIDATIONS` read it to prove that.
std::uint64_t validationCount();

// The nodes on one cycle, in dependency order (each needs the one before it),
// or empty when the graph is acyclic. Ids that are unknown are ignored.
std::vector<std::string> findCycle(const Workflow &workflow);

// Would adding "to needs from" close a cycle? Returns the path from `to` back
// to `from` that the new edge would close (to -> ... -> from), or empty.
std::vector<std::string> pathClosedByEdge(const Workflow &workflow, const std::string &from,
                                          const std::string &to);

} // namespace weft
