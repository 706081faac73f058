// SPDX-License-Identifier: Apache-2.0
// The public face of a run: Executor compiles or takes a compiled
// workflow, runs it as an Executor::Run (scheduler/Run.h) and routes
// cancel() and kill() to the run in progress.

#include "weft/Executor.h"

#include "weft/CompiledWorkflow.h"

#include "scheduler/ArenaPool.h"
#include "scheduler/Run.h"

#include <oneapi/tbb/info.h>

#include <algorithm>

namespace weft {

Executor::Executor(RunOptions options)
    : m_options(std::move(options))
{}

Executor::~Executor() = default;

RunSummary Executor::run(const Workflow &workflow, EventSink &sink)
{
    return run(std::make_shared<const Workflow>(workflow), sink);
}

RunSummary Executor::run(std::shared_ptr<const Workflow> workflow, EventSink &sink)
{
    Diagnostics diagnostics;
    auto compiled = CompiledWorkflow::compile(workflow, diagnostics, m_options.registry);
    return execute(std::make_shared<Run>(m_options, std::move(workflow), std::move(compiled),
                                         std::move(diagnostics), sink));
}

RunSummary Executor::run(std::shared_ptr<const CompiledWorkflow> workflow, EventSink &sink)
{
    // The workflow lives as long as its compiled form: share that ownership.
    std::shared_ptr<const Workflow> plain(workflow, &workflow->workflow());
    return execute(std::make_shared<Run>(m_options, std::move(plain), std::move(workflow),
                                         Diagnostics(), sink));
}

RunSummary Executor::execute(std::shared_ptr<Run> current)
{
    {
        std::lock_guard lock(m_mutex);
        m_current = current;
    }
    if (const int request = m_cancelRequest.load(); request != 0)
        current->cancel(request);
    RunSummary summary = current->execute();
    {
        std::lock_guard lock(m_mutex);
        m_current.reset();
        m_hasRun = true;
        m_cancelRequest.store(0);
    }
    return summary;
}

void Executor::cancel()
{
    std::lock_guard lock(m_mutex);
    if (m_current)
        m_current->cancel(1);
    else if (!m_hasRun)
        m_cancelRequest.store(std::max(m_cancelRequest.load(), 1));
}

void Executor::kill()
{
    std::lock_guard lock(m_mutex);
    if (m_current)
        m_current->cancel(2);
    else if (!m_hasRun)
        m_cancelRequest.store(2);
}

int defaultConcurrency()
{
    return std::max(1, oneapi::tbb::info::default_concurrency());
}

int jobsFor(const RunOptions &options, const Workflow &workflow)
{
    return options.jobs > 0             ? options.jobs
           : workflow.settings.jobs > 0 ? workflow.settings.jobs
                                        : defaultConcurrency();
}

int threadsFor(const RunOptions &options, const Workflow &workflow)
{
    return options.threads > 0 ? options.threads
                               : std::min(jobsFor(options, workflow), defaultConcurrency());
}

void Executor::prepare(const RunOptions &options, const Workflow &workflow)
{
    ArenaLease::prepare(threadsFor(options, workflow));
}

} // namespace weft
