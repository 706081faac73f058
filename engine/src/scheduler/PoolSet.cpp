// SPDX-License-Identifier: Apache-2.0
#include "scheduler/PoolSet.h"

#include <cassert>

namespace weft {

PoolSet::PoolSet(const RunGraph &graph)
    : m_graph(graph)
    , m_free(graph.poolSizes())
    , m_exclusiveBusy(graph.exclusiveTypes().size(), 0)
{}

WaitReason PoolSet::blocker(NodeIndex i, std::string *detail) const
{
    const int exclusive = m_graph.node(i).exclusive;
    if (exclusive >= 0 && m_exclusiveBusy[std::size_t(exclusive)]) {
        if (detail)
            *detail = m_graph.exclusiveTypes()[std::size_t(exclusive)];
        return WaitReason::Exclusive;
    }
    for (const RunGraph::PoolDemand &d : m_graph.poolDemands(i)) {
        if (m_free[d.pool] < d.amount) {
            if (detail)
                *detail = m_graph.poolNames()[d.pool];
            return WaitReason::Pool;
        }
    }
    return WaitReason::None;
}

void PoolSet::take(NodeIndex i)
{
    assert(blocker(i) == WaitReason::None && "taking units that are not free");
    if (const int exclusive = m_graph.node(i).exclusive; exclusive >= 0)
        m_exclusiveBusy[std::size_t(exclusive)] = 1;
    for (const RunGraph::PoolDemand &d : m_graph.poolDemands(i))
        m_free[d.pool] -= d.amount;
}

void PoolSet::give(NodeIndex i)
{
    if (const int exclusive = m_graph.node(i).exclusive; exclusive >= 0)
        m_exclusiveBusy[std::size_t(exclusive)] = 0;
    for (const RunGraph::PoolDemand &d : m_graph.poolDemands(i))
        m_free[d.pool] += d.amount;
}

} // namespace weft
