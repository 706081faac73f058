#pragma once

// A workflow checked and compiled for running: validateWorkflow() accepted
// it, and its needs and operation types were resolved to indices once. An
// Executor runs it without repeating either, so a caller that runs the same
// workflow many times (a soak, a benchmark, a "run again" button) or has just
// validated it (the editor) pays for the checks once.

#include "weft/Diagnostic.h"

#include <memory>

namespace weft {

struct Workflow;
class OperationRegistry;
class RunGraph;
struct ResolvedNeeds;

class CompiledWorkflow
{
public:
    // Null when the workflow has errors. `diagnostics` receives every
    // problem found, warnings included. `registry` defaults to the built-in
    // one and must outlive the result.
    static std::shared_ptr<const CompiledWorkflow> compile(std::shared_ptr<const Workflow> workflow,
                                                           Diagnostics &diagnostics,
                                                           const OperationRegistry *registry = nullptr);
    ~CompiledWorkflow();
    CompiledWorkflow(const CompiledWorkflow &) = delete;
    CompiledWorkflow &operator=(const CompiledWorkflow &) = delete;

    const Workflow &workflow() const { return *m_workflow; }
    const OperationRegistry &registry() const { return m_registry; }
    const RunGraph &graph() const { return *m_graph; } // engine-internal type

private:
    CompiledWorkflow(std::shared_ptr<const Workflow> workflow, const OperationRegistry &registry,
                     ResolvedNeeds needs);

    std::shared_ptr<const Workflow> m_workflow;
    const OperationRegistry &m_registry;
    std::unique_ptr<const RunGraph> m_graph;
};

} // namespace weft
