// SPDX-License-Identifier: Apache-2.0
#pragma once

// Named resource pools and non-reentrant operation types: what a node holds
// besides its job slot while it runs. Not thread-safe: Admission owns it
// and uses it under its lock.

#include "scheduler/RunGraph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace weft {

class PoolSet
{
public:
    explicit PoolSet(const RunGraph &graph);

    // Why node `i` cannot take its units now (WaitReason::None: it can), and
    // the pool or type name that holds it.
    WaitReason blocker(NodeIndex i, std::string *detail = nullptr) const;
    void take(NodeIndex i);
    void give(NodeIndex i);

private:
    const RunGraph &m_graph;
    std::vector<std::int64_t> m_free;  // per pool
    std::vector<char> m_exclusiveBusy; // per non-reentrant type
};

} // namespace weft
