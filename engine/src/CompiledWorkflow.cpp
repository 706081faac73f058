// SPDX-License-Identifier: Apache-2.0
#include "weft/CompiledWorkflow.h"

#include "weft/Operation.h"
#include "weft/Validator.h"
#include "weft/Workflow.h"
#include "weft/WorkflowFile.h"

#include <unordered_set>

#include "ValidatedNeeds.h"
#include "scheduler/RunGraph.h"

namespace weft {

CompiledWorkflow::CompiledWorkflow(std::shared_ptr<const Workflow> workflow,
                                   const OperationRegistry &registry, ResolvedNeeds needs)
    : m_workflow(std::move(workflow))
    , m_registry(registry)
    , m_graph(std::make_unique<const RunGraph>(*m_workflow, m_registry, std::move(needs)))
{}

CompiledWorkflow::~CompiledWorkflow() = default;

std::shared_ptr<const CompiledWorkflow>
CompiledWorkflow::compile(std::shared_ptr<const Workflow> workflow, Diagnostics &diagnostics,
                          const OperationRegistry *registry)
{
    const OperationRegistry &r = registry ? *registry : OperationRegistry::builtin();
    ResolvedNeeds needs;
    Diagnostics found = validateWorkflow(*workflow, r, needs);
    const bool invalid = hasErrors(found);
    diagnostics.insert(diagnostics.end(), std::make_move_iterator(found.begin()),
                       std::make_move_iterator(found.end()));
    if (invalid)
        return nullptr;
    return std::shared_ptr<const CompiledWorkflow>(
        new CompiledWorkflow(std::move(workflow), r, std::move(needs)));
}

std::shared_ptr<const CompiledWorkflow> CompiledWorkflow::fromLoad(LoadResult &&loaded)
{
    if (!loaded.ok() || !loaded.resolvedNeeds)
        return nullptr;
    const OperationRegistry &r = loaded.registry ? *loaded.registry : OperationRegistry::builtin();
    auto workflow = std::make_shared<const Workflow>(std::move(*loaded.workflow));
    loaded.workflow.reset();
    // Copied, not moved: the load result may be shared (it is const).
    ResolvedNeeds needs = *loaded.resolvedNeeds;
    loaded.resolvedNeeds.reset();
    return std::shared_ptr<const CompiledWorkflow>(
        new CompiledWorkflow(std::move(workflow), r, std::move(needs)));
}

std::shared_ptr<const CompiledWorkflow>
CompiledWorkflow::select(const std::vector<std::string> &targets,
                         std::vector<std::string> *unknown) const
{
    auto subset = std::make_shared<const Workflow>(selectTargets(*m_workflow, targets, unknown));
    // The subset keeps the original order, so the k-th kept node is the
    // subset's node k; needs map from the compiled graph's indices.
    std::unordered_set<std::string_view> kept;
    kept.reserve(subset->nodes.size());
    for (const Node &node : subset->nodes)
        kept.insert(node.id);
    const std::size_t count = m_workflow->nodes.size();
    std::vector<std::uint32_t> newIndex(count, 0);
    std::vector<std::uint32_t> keptOriginals;
    keptOriginals.reserve(subset->nodes.size());
    for (std::uint32_t i = 0; i < count; ++i) {
        if (kept.contains(m_workflow->nodes[i].id)) {
            newIndex[i] = std::uint32_t(keptOriginals.size());
            keptOriginals.push_back(i);
        }
    }
    ResolvedNeeds needs;
    needs.begin.reserve(keptOriginals.size() + 1);
    needs.begin.push_back(0);
    needs.expands.reserve(keptOriginals.size());
    for (std::uint32_t i : keptOriginals) {
        for (NodeIndex p : m_graph->predecessors(i))
            needs.target.push_back(newIndex[p]);
        needs.begin.push_back(std::uint32_t(needs.target.size()));
        const RunGraph::NodeInfo &info = m_graph->node(i);
        needs.expands.push_back(char((info.expands ? ResolvedNeeds::kExpands : 0)
                                     | (info.expandsOwnValues ? ResolvedNeeds::kExpandsOwnValues : 0)));
    }
    return std::shared_ptr<const CompiledWorkflow>(
        new CompiledWorkflow(std::move(subset), m_registry, std::move(needs)));
}

} // namespace weft
