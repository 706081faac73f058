// SPDX-License-Identifier: Apache-2.0
// Launchers (README "Running on Slurm"): which process nodes run as Slurm
// jobs, the request each job makes, and the job id its events carry. The
// launch itself is process/SlurmLauncher's; the scheduler only marks the
// command and hears the job id back.

#include "scheduler/Run.h"

#include "process/SlurmLauncher.h"

namespace weft {

using namespace detail;

std::vector<char> detail::nodesOnSlurm(const Workflow &workflow, const std::string &launcherOverride)
{
    std::vector<char> flags(workflow.nodes.size(), 0);
    bool any = false;
    for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
        flags[i] = runsOnSlurm(workflow, workflow.nodes[i], launcherOverride) ? 1 : 0;
        any = any || flags[i];
    }
    if (!any)
        flags.clear();
    return flags;
}

std::unique_ptr<ProcessLauncher> detail::launcherFor(const std::vector<char> &onSlurm,
                                                     const RunOptions &options)
{
    if (onSlurm.empty())
        return nullptr;
    std::error_code ec;
    std::filesystem::path base = options.baseDirectory.empty()
                                     ? std::filesystem::current_path(ec)
                                     : std::filesystem::absolute(options.baseDirectory, ec);
    return std::make_unique<SlurmLauncher>(base / ".weft" / "slurm");
}

SlurmRequest Executor::Run::slurmRequest(Unit u) const
{
    SlurmRequest request = slurmRequestFor(*m_workflow, m_workflow->nodes[unitNode(u)]);
    request.jobName = unitName(u);
    return request;
}

void Executor::Run::setJobId(Unit u, const std::string &jobId)
{
    std::lock_guard lock(m_jobIdsMutex);
    m_jobIds[u] = jobId;
}

// Submitted, not started: the node waits in the Slurm queue, holding its job
// slot (-j bounds the run's jobs in the queue).
void Executor::Run::emitQueued(Unit i, int attempt, const std::string &pendingReason)
{
    NodeStateChanged waiting;
    waiting.t = now();
    stamp(waiting, i);
    waiting.state = NodeState::Waiting;
    waiting.attempt = attempt;
    waiting.reason = WaitReason::SlurmQueue;
    waiting.jobId = jobIdOf(i);
    waiting.pendingReason = pendingReason;
    waiting.detail = "Slurm job " + waiting.jobId + " (" + pendingReason + ")";
    waiting.slot = rt(i).slot;
    m_sink.nodeStateChanged(waiting);
}

std::string Executor::Run::jobIdOf(Unit u) const
{
    if (m_onSlurm.empty())
        return {};
    std::lock_guard lock(m_jobIdsMutex);
    const auto it = m_jobIds.find(u);
    return it != m_jobIds.end() ? it->second : std::string();
}

double Executor::Run::slurmQueued(Unit u) const
{
    if (m_onSlurm.empty())
        return 0;
    std::lock_guard lock(m_jobIdsMutex);
    const auto it = m_slurmQueued.find(u);
    return it != m_slurmQueued.end() ? it->second : 0;
}

} // namespace weft
