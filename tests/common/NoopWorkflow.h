// SPDX-License-Identifier: Apache-2.0
#pragma once

// Many instant nodes, made in code, for tests of how the window and the
// history cope with large runs: `count` `noop` nodes n0, n1, ..., each
// needing the one `needsBack` before it (0: none needs anything).

#include "weft/Workflow.h"

#include <string>

namespace weft::test {

inline Workflow noopWorkflow(int count, int needsBack = 0)
{
    Workflow workflow;
    workflow.nodes.reserve(std::size_t(count));
    for (int i = 0; i < count; ++i) {
        Node node;
        node.id = "n" + std::to_string(i);
        node.type = "noop";
        if (needsBack > 0 && i >= needsBack)
            node.needs = {"n" + std::to_string(i - needsBack)};
        workflow.nodes.push_back(std::move(node));
    }
    return workflow;
}

} // namespace weft::test
