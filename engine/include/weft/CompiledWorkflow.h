// SPDX-License-Identifier: Apache-2.0
#pragma once

// A workflow checked and compiled for running: validateWorkflow() accepted
// it, and its needs and operation types were resolved to indices once. An
// Executor runs it without repeating either, so a caller that runs the same
// workflow many times (a soak, a benchmark, a "run again" button) or has just
// validated it (the editor) pays for the checks once.

#include "weft/Diagnostic.h"

#include <memory>
#include <string>
#include <vector>

namespace weft {

struct Workflow;
class OperationRegistry;
class RunGraph;
struct ResolvedNeeds;
struct LoadResult;

class CompiledWorkflow
{
public:
    // Null when the workflow has errors. `diagnostics` receives every
    // problem found, warnings included. `registry` defaults to the built-in
    // one and must outlive the result.
    static std::shared_ptr<const CompiledWorkflow> compile(std::shared_ptr<const Workflow> workflow,
                                                           Diagnostics &diagnostics,
                                                           const OperationRegistry *registry = nullptr);
    // The workflow a load returned, compiled from what the load's own
    // validation resolved: no second validation. Null when the load failed.
    static std::shared_ptr<const CompiledWorkflow> fromLoad(LoadResult &&loaded);

    // Only `targets` and everything they need, transitively (selectTargets()
    // in Workflow.h), compiled from this one without validating again: a
    // closed subset of a valid workflow is valid. Unknown ids go to `unknown`.
    std::shared_ptr<const CompiledWorkflow> select(const std::vector<std::string> &targets,
                                                   std::vector<std::string> *unknown = nullptr) const;

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
