// SPDX-License-Identifier: Apache-2.0
#pragma once

// The static shape of one run, compiled once from a validated workflow:
// node indices, predecessor and successor lists in flat arrays (CSR), the
// operation type of each node and what it asks of pools and exclusive
// types. Immutable while the run goes on, so every thread reads it freely.

#include "weft/Events.h"
#include "weft/Operation.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace weft {

struct Workflow;
struct ResolvedNeeds;

class RunGraph
{
public:
    struct PoolDemand
    {
        std::uint32_t pool = 0; // index into poolNames()
        std::int64_t amount = 0;
    };

    struct NodeInfo
    {
        const OperationType *type = nullptr;
        ExecutionSite site = ExecutionSite::WorkerThread;
        int exclusive = -1;      // index into exclusiveTypes() when the type is not reentrant
        bool needsLock = false;  // pools or an exclusive type: admission takes the lock
        // Declared outputs: only then does finishing a node read its Node, a
        // cache miss per node that a run of small nodes would feel.
        bool hasOutputs = false;
        bool fanOut = false;     // `foreach`: runs as instances, and is their aggregate
        bool expands = false;    // its strings hold references: expanded before it starts
        bool expandsOwnValues = false; // ...some in its outputs or inputs
        // A type whose launch plan reads its strings itself
        // (OperationType::launchExpands), not isolated: its launch is planned
        // from the node as written, no expanded copy made.
        bool launchExpands = false;
        bool referenced = false; // another node refers to its outputs: the run keeps them
        bool isolated = false;   // "isolation": "process": a worker operation run as weft-op
        // In-process, declared to hold no worker (noop), with nothing to
        // check or expand first: finishes at once, not worth another thread's
        // steal (Run.h).
        bool instant = false;
        int retries = 0;
        double timeout = 0;      // seconds; 0: none
    };

    // `workflow` must have passed validateWorkflow() against `registry`,
    // which resolved `needs`.
    RunGraph(const Workflow &workflow, const OperationRegistry &registry, ResolvedNeeds needs);

    std::size_t size() const { return m_nodes.size(); }
    const NodeInfo &node(NodeIndex i) const { return m_nodes[i]; }
    std::span<const NodeIndex> predecessors(NodeIndex i) const
    {
        return {m_preds.data() + m_predOffsets[i], m_preds.data() + m_predOffsets[i + 1]};
    }
    std::span<const NodeIndex> successors(NodeIndex i) const
    {
        return {m_succs.data() + m_succOffsets[i], m_succs.data() + m_succOffsets[i + 1]};
    }
    std::span<const PoolDemand> poolDemands(NodeIndex i) const
    {
        return {m_demands.data() + m_demandOffsets[i],
                m_demands.data() + m_demandOffsets[i + 1]};
    }

    // Every node after all of its predecessors (Kahn's order: ready nodes
    // in index order, then what each one made ready).
    std::vector<NodeIndex> topologicalOrder() const;

    const std::vector<std::string> &poolNames() const { return m_poolNames; }
    const std::vector<std::int64_t> &poolSizes() const { return m_poolSizes; }
    const std::vector<std::string> &exclusiveTypes() const { return m_exclusiveTypes; }
    bool hasAsynchronousWork() const { return m_hasAsync; }
    bool hasFanOut() const { return m_hasFanOut; }
    bool hasReferences() const { return m_hasReferences; }
    // Every node declares outputs (so an incremental run asks about each).
    bool allDeclareOutputs() const { return m_allDeclareOutputs; }
    // Only reentrant in-process work without pools or retries: given as
    // many job slots as threads, no node ever waits or finishes after its
    // task returned.
    bool nothingEverWaits() const { return m_nothingWaits; }

private:
    std::vector<NodeInfo> m_nodes;
    std::vector<std::uint32_t> m_predOffsets;
    std::vector<NodeIndex> m_preds;
    std::vector<std::uint32_t> m_succOffsets;
    std::vector<NodeIndex> m_succs;
    std::vector<std::uint32_t> m_demandOffsets;
    std::vector<PoolDemand> m_demands;
    std::vector<std::string> m_poolNames;
    std::vector<std::int64_t> m_poolSizes;
    std::vector<std::string> m_exclusiveTypes;
    bool m_hasAsync = false; // processes, timers, timeouts or retries: needs the reactor
    bool m_nothingWaits = true;
    bool m_hasFanOut = false;
    bool m_hasReferences = false;
    bool m_allDeclareOutputs = true;
};

} // namespace weft
