// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the validator resolved on its way, handed to the compiler so that a
// workflow's ids are hashed once: each node's needs as node indices, in
// `needs` order (a valid workflow has no repeats or self-needs), as
// compressed rows: node i's needs are target[begin[i] .. begin[i + 1]).

#include "weft/Diagnostic.h"

#include <cstdint>
#include <vector>

namespace weft {

struct Workflow;
class OperationRegistry;

struct ResolvedNeeds
{
    std::vector<std::uint32_t> begin; // size n + 1
    std::vector<std::uint32_t> target;
    // Per node: some string of its params, outputs or inputs holds `${`
    // (data::needsExpansion: kExpands), and of its outputs or inputs
    // (data::ownValuesNeedExpansion: kExpandsOwnValues as well), as the
    // validator found while it checked them; the compiler need not walk
    // every string a second time. Empty: not known, and the compiler looks
    // itself.
    static constexpr char kExpands = 1;
    static constexpr char kExpandsOwnValues = 2;
    std::vector<char> expands;
};

// validateWorkflow(), also filling `needs` (meaningful only without errors).
Diagnostics validateWorkflow(const Workflow &workflow, const OperationRegistry &registry,
                             ResolvedNeeds &needs);

} // namespace weft
