// SPDX-License-Identifier: Apache-2.0
// Incremental runs (DESIGN.md, "Incremental runs"): a unit whose node
// declares outputs is offered to RunOptions::incremental when it is ready,
// before admission, so that an up-to-date unit never takes a job slot or
// pool units, nor waits for them: a no-op run of a large workflow is the
// checks alone. Expansion moves earlier for these units (the fingerprint is
// over the params as they run); start() finds them expanded. A unit whose
// launch is planned (RunGraph::NodeInfo::launchExpands) is not expanded
// whole for it: the check reads its params through the expander
// (IncrementalUnit::params), the same digests as of the expanded copy.
//
// When every node declares outputs and none is a fan-out or expands
// references, the run first offers them all at once (finishAllIfUpToDate):
// a no-op run of such a workflow then builds no flow graph and its checks
// are shared by every thread, instead of a chain of needs deciding one
// node after another.

#include "scheduler/Run.h"

#include "weft/Incremental.h"

namespace weft {

using namespace detail;

IncrementalUnit Executor::Run::incrementalUnit(Unit u) const
{
    const NodeIndex i = unitNode(u);
    IncrementalUnit unit;
    unit.workflow = m_workflow.get();
    const NodeRuntime &r = rt(u);
    if (r.planned) {
        // Never expanded whole: the fingerprint reads the params as they
        // run through the expander, and the own values planned with them.
        unit.node = &node(i);
        unit.outputs = r.plannedOutputs.get();
        unit.inputs = r.plannedInputs.get();
        // Two words captured: std::function keeps them without allocating.
        unit.params = [this, u](const std::function<void(const std::string &,
                                                         const ExpandedParam &)> &visit) {
            const NodeRuntime &r = rt(u);
            const Node &written = node(unitNode(u));
            std::string error; // the launch was planned: every reference expands
            data::visitExpandedParams(
                written, m_graph->node(unitNode(u)).type,
                [this](std::string_view id) { return keptOutputs(id); }, instanceItem(u),
                r.plannedOutputs ? *r.plannedOutputs : written.outputs,
                r.plannedInputs ? *r.plannedInputs : written.inputs, visit, error);
        };
    } else {
        unit.node = &nodeFor(u);
    }
    unit.index = i;
    unit.instance = unitInstance(u);
    if (unit.instance >= 0) {
        const FanOut *fan = m_fanOuts[i].load(std::memory_order_acquire);
        unit.item = &fan->items[std::size_t(unit.instance)];
        unit.itemIsFile = node(i).foreach && node(i).foreach->kind == ForEach::Kind::Glob;
    }
    unit.needs = m_graph->predecessors(i);
    return unit;
}

bool Executor::Run::finishIfUpToDate(Unit u)
{
    NodeRuntime &r = rt(u);
    const RunGraph::NodeInfo &info = m_graph->node(unitNode(u));
    if (info.expands && !r.expanded && !r.planned) {
        // start() finds it done; on an error it tries again and fails the
        // unit with it.
        std::string error;
        if (!(info.launchExpands ? planLaunch(u, error) : expand(u, error)))
            return false;
    }
    if (!m_options.incremental->upToDate(incrementalUnit(u)))
        return false;
    finishCached(u);
    unitFinal(u, NodeState::Succeeded);
    r.retired.store(true, std::memory_order_release);
    return true;
}

void Executor::Run::finishCached(Unit u)
{
    NodeRuntime &r = rt(u);
    r.cached = true;
    NodeFinished finished;
    finished.t = now();
    stamp(finished, u);
    finished.outcome = NodeState::Succeeded;
    finished.cached = true;
    finished.outputs = declaredOutputs(u);
    if (m_graph->node(unitNode(u)).referenced || unitInstance(u) != kNoInstance)
        r.kept = std::make_unique<NamedValues>(finished.outputs);
    if (unitInstance(u) != kNoInstance)
        m_fanOuts[unitNode(u)].load(std::memory_order_acquire)->cached.fetch_add(
            1, std::memory_order_relaxed);
    m_sink.nodeFinished(finished);
    r.state.store(NodeState::Succeeded, std::memory_order_release);
}

bool Executor::Run::finishAllIfUpToDate()
{
    // A fan-out's items and a reference's values are known only as the run
    // goes; a node without declared outputs always runs; a shuffled run's
    // order is what it tests.
    if (!m_options.incremental || !m_graph->allDeclareOutputs() || m_graph->hasFanOut()
        || m_graph->hasReferences() || m_shuffled || m_cancelled.load() != 0)
        return false;
    const bool all = m_options.incremental->allUpToDate(
        *m_workflow, [this](NodeIndex i) { return incrementalUnit(makeUnit(i)); });
    if (!all || m_cancelled.load() != 0)
        return false; // (cancelled meanwhile: the graph ends every node cancelled)

    // Needs first, as the graph would have finished them: every sink may
    // rely on a node's need having finished before it.
    const std::vector<NodeIndex> order = m_graph->topologicalOrder();
    for (NodeIndex i : order) {
        finishCached(makeUnit(i));
        m_rt[i].retired.store(true, std::memory_order_release);
    }
    return true;
}

void Executor::Run::recordSucceeded(Unit u)
{
    m_options.incremental->succeeded(incrementalUnit(u));
}

} // namespace weft
