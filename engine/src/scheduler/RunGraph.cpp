// SPDX-License-Identifier: Apache-2.0
#include "scheduler/RunGraph.h"

#include "weft/References.h"
#include "weft/Workflow.h"

#include "data/Expansion.h"

#include "ValidatedNeeds.h"

#include <cassert>
#include <unordered_map>

namespace weft {

RunGraph::RunGraph(const Workflow &workflow, const OperationRegistry &registry, ResolvedNeeds needs)
{
    const std::size_t count = workflow.nodes.size();
    assert(needs.begin.size() == count + 1 && "RunGraph needs a validated workflow");
    m_nodes.resize(count);

    for (const auto &[name, size] : workflow.settings.pools) {
        m_poolNames.push_back(name);
        m_poolSizes.push_back(size);
    }

    // Predecessors in `needs` order (skip reasons name the first failed
    // need), as the validator resolved them; successors are counted first so
    // both lists land in flat arrays.
    m_predOffsets = std::move(needs.begin);
    m_preds = std::move(needs.target);
    std::vector<std::uint32_t> succCount(count, 0);
    for (NodeIndex p : m_preds)
        ++succCount[p];
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
        if (n.isolation == Isolation::Process && info.site == ExecutionSite::WorkerThread) {
            info.isolated = true; // one more child process, started like any other
            info.site = ExecutionSite::ChildProcess;
        }
        info.retries = n.retries > 0 ? n.retries : 0;
        info.hasOutputs = !n.outputs.empty();
        m_allDeclareOutputs = m_allDeclareOutputs && info.hasOutputs;
        info.fanOut = n.foreach.has_value();
        const bool known = needs.expands.size() == count;
        info.expands = known ? needs.expands[i] != 0 : data::needsExpansion(n);
        info.expandsOwnValues
            = info.expands
              && (known ? (needs.expands[i] & ResolvedNeeds::kExpandsOwnValues) != 0
                        : data::ownValuesNeedExpansion(n));
        info.launchExpands
            = info.expands && !info.isolated && info.type->launchExpands && info.type->launch;
        // Declared outputs or inputs mean an up-to-date check first (stats,
        // perhaps hashes), and references an expansion: work, however small.
        info.instant = info.site == ExecutionSite::WorkerThread
                       && !info.type->semantics.blocksWorker && !info.fanOut && !info.hasOutputs
                       && n.inputs.empty() && !info.expands;
        m_hasFanOut = m_hasFanOut || info.fanOut;
        m_hasReferences = m_hasReferences || info.expands
                          || (n.foreach && n.foreach->kind == ForEach::Kind::Reference);
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
        // A fan-out node finishes when its last instance does, long after its body.
        if (info.site != ExecutionSite::WorkerThread || info.retries > 0 || info.needsLock
            || info.fanOut)
            m_nothingWaits = false;
    }

    if (m_hasReferences) {
        // Whose outputs the run must keep for a later expansion. Only runs
        // with references pay for the id map.
        std::unordered_map<std::string_view, NodeIndex> indexOf;
        indexOf.reserve(count);
        for (std::size_t i = 0; i < count; ++i)
            indexOf.emplace(workflow.nodes[i].id, NodeIndex(i));
        for (std::size_t i = 0; i < count; ++i) {
            const Node &n = workflow.nodes[i];
            if (!m_nodes[i].expands && !(n.foreach && n.foreach->kind == ForEach::Kind::Reference))
                continue;
            for (const std::string &id : referencedNodes(n)) {
                if (const auto it = indexOf.find(id); it != indexOf.end())
                    m_nodes[it->second].referenced = true;
            }
        }
    }
}

std::vector<NodeIndex> RunGraph::topologicalOrder() const
{
    const auto count = NodeIndex(size());
    std::vector<NodeIndex> order;
    order.reserve(count);
    std::vector<std::uint32_t> unfinished(count);
    for (NodeIndex i = 0; i < count; ++i) {
        unfinished[i] = std::uint32_t(predecessors(i).size());
        if (unfinished[i] == 0)
            order.push_back(i);
    }
    for (std::size_t k = 0; k < order.size(); ++k) {
        for (NodeIndex s : successors(order[k])) {
            if (--unfinished[s] == 0)
                order.push_back(s);
        }
    }
    return order;
}

} // namespace weft
