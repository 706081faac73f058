#include "scheduler/RunGraph.h"

#include "weft/Workflow.h"

#include <cassert>
#include <string_view>
#include <unordered_map>

namespace weft {

RunGraph::RunGraph(const Workflow &workflow, const OperationRegistry &registry)
{
    const std::size_t count = workflow.nodes.size();
    m_nodes.resize(count);

    std::unordered_map<std::string_view, NodeIndex> indexById;
    indexById.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        indexById.emplace(workflow.nodes[i].id, NodeIndex(i));

    for (const auto &[name, size] : workflow.settings.pools) {
        m_poolNames.push_back(name);
        m_poolSizes.push_back(size);
    }

    // Predecessors in `needs` order (skip reasons name the first failed need);
    // successors are counted first so both lists land in flat arrays.
    std::size_t edges = 0;
    for (const Node &n : workflow.nodes)
        edges += n.needs.size();
    m_preds.reserve(edges);
    std::vector<std::uint32_t> succCount(count, 0);
    m_predOffsets.reserve(count + 1);
    m_predOffsets.push_back(0);
    for (std::size_t i = 0; i < count; ++i) {
        for (const std::string &need : workflow.nodes[i].needs) {
            const auto it = indexById.find(need);
            assert(it != indexById.end() && "RunGraph needs a validated workflow");
            m_preds.push_back(it->second);
            ++succCount[it->second];
        }
        m_predOffsets.push_back(std::uint32_t(m_preds.size()));
    }
    m_succOffsets.resize(count + 1, 0);
    for (std::size_t i = 0; i < count; ++i)
        m_succOffsets[i + 1] = m_succOffsets[i] + succCount[i];
    m_succs.resize(m_preds.size());
    std::vector<std::uint32_t> fill(m_succOffsets.begin(), m_succOffsets.end() - 1);
    for (std::size_t i = 0; i < count; ++i) {
        for (NodeIndex p : predecessors(NodeIndex(i)))
            m_succs[fill[p]++] = NodeIndex(i);
    }

    m_demandOffsets.reserve(count + 1);
    m_demandOffsets.push_back(0);
    const OperationType *lastType = nullptr; // runs of one type are common: skip the lookup
    for (std::size_t i = 0; i < count; ++i) {
        const Node &n = workflow.nodes[i];
        NodeInfo &info = m_nodes[i];
        info.type = lastType && lastType->name == n.type ? lastType : registry.find(n.type);
        assert(info.type && "RunGraph needs a validated workflow");
        lastType = info.type;
        info.site = info.type->semantics.site;
        info.retries = n.retries > 0 ? n.retries : 0;
        info.timeout = n.timeout && *n.timeout > 0 ? *n.timeout : 0;
        if (!info.type->semantics.reentrant) {
            std::size_t e = 0;
            while (e < m_exclusiveTypes.size() && m_exclusiveTypes[e] != n.type)
                ++e;
            if (e == m_exclusiveTypes.size())
                m_exclusiveTypes.push_back(n.type);
            info.exclusive = int(e);
        }
        for (const auto &[pool, amount] : n.resources) {
            std::size_t p = 0;
            while (p < m_poolNames.size() && m_poolNames[p] != pool)
                ++p;
            assert(p < m_poolNames.size() && "RunGraph needs a validated workflow");
            if (amount > 0)
                m_demands.push_back({std::uint32_t(p), amount});
        }
        m_demandOffsets.push_back(std::uint32_t(m_demands.size()));
        info.needsLock = info.exclusive >= 0 || !poolDemands(NodeIndex(i)).empty();
        if (info.site != ExecutionSite::WorkerThread || info.retries > 0 || info.timeout > 0)
            m_hasAsync = true;
        if (info.site != ExecutionSite::WorkerThread || info.retries > 0 || info.needsLock)
            m_nothingWaits = false;
    }
}

} // namespace weft
