#include "weft/CompiledWorkflow.h"

#include "weft/Operation.h"
#include "weft/Validator.h"
#include "weft/Workflow.h"

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

} // namespace weft
