// SPDX-License-Identifier: Apache-2.0
// Attempts of a node: when one starts (and the running event), what a
// finished one leads to (the node's outcome, or a retry after a backoff that
// holds neither a thread nor a job slot).

#include "scheduler/Run.h"

#include <cmath>

namespace weft {

using namespace detail;

namespace {

// The first attempt's delay is 0.1 s, doubling, capped at 5 s.
double backoffSeconds(int failedAttempt)
{
    return std::min(5.0, 0.1 * std::ldexp(1.0, std::min(failedAttempt - 1, 16)));
}

} // namespace

// When node `i`, admitted at once, starts. Where nodes complete in their
// bodies, the need that finished last released `i`; if it finished on this
// thread and no other node body ran here since, this body is the very next
// thing the thread did, so that instant is `i`'s start too. Otherwise
// (another thread, a steal, a gap), read the clock.
double Executor::Run::readyTime(Unit u) const
{
    const LastEnd &last = t_previous;
    if (!m_completesInBody || last.run != m_serial || unitInstance(u) != kNoInstance)
        return now();
    const NodeIndex i = unitNode(u);
    const auto needs = m_graph->predecessors(i);
    if (needs.empty())
        return now();
    NodeIndex latest = needs[0];
    for (NodeIndex p : needs) {
        // Final, acquired in onReady(): their end times are visible.
        if (m_rt[p].end > m_rt[latest].end)
            latest = p;
    }
    return latest == last.node && m_rt[latest].end == last.t ? last.t : now();
}

int Executor::Run::beginAttempt(Unit i)
{
    NodeRuntime &rt = this->rt(i);
    const int attempt = rt.attempt.load(std::memory_order_relaxed) + 1;
    rt.attempt.store(attempt, std::memory_order_relaxed);
    rt.attemptStart = attempt == 1 ? readyTime(i) : now();
    if (rt.firstStart < 0)
        rt.firstStart = rt.attemptStart;
    rt.worker = -1;
    rt.pid = 0;
    return attempt;
}

void Executor::Run::emitRunning(Unit i, int attempt, const std::string &host)
{
    const NodeRuntime &rt = this->rt(i);
    NodeStateChanged running;
    running.t = rt.pid == 0 ? rt.attemptStart : now();
    stamp(running, i);
    running.state = NodeState::Running;
    running.attempt = attempt;
    running.pid = rt.pid;
    running.worker = rt.worker;
    running.slot = rt.slot;
    running.jobId = jobIdOf(i);
    running.host = host;
    m_sink.nodeStateChanged(running);
}

AttemptFinished Executor::Run::attemptFinished(Unit i, int attempt, bool ok) const
{
    const NodeRuntime &rt = this->rt(i);
    AttemptFinished finished;
    finished.t = rt.end;
    stamp(finished, i);
    finished.attempt = attempt;
    finished.start = rt.attemptStart;
    finished.end = rt.end;
    finished.slot = rt.slot;
    finished.worker = rt.worker;
    finished.pid = rt.pid;
    finished.ok = ok;
    return finished;
}

void Executor::Run::attemptDone(Unit i, std::unique_ptr<AttemptResult> result)
{
    NodeRuntime &rt = this->rt(i);
    const int attempt = rt.attempt.load(std::memory_order_relaxed);
    rt.end = now();
    const bool cancelled = !result->ok && m_cancelled.load() != 0;
    const bool retry = !result->ok && !cancelled && attempt <= m_graph->node(unitNode(i)).retries
                       && !halted();

    AttemptFinished finishedAttempt = attemptFinished(i, attempt, result->ok);
    finishedAttempt.error = result->error;
    finishedAttempt.jobId = result->jobId;
    finishedAttempt.host = result->host;
    finishedAttempt.queuedUntil = result->queuedUntil;
    if (!result->jobId.empty()) {
        // A job that never left the queue waited the whole attempt.
        const double left = result->queuedUntil >= 0 ? std::min(result->queuedUntil, rt.end) : rt.end;
        std::lock_guard lock(m_jobIdsMutex);
        m_slurmQueued[i] += std::max(0.0, left - rt.attemptStart);
    }
    if (retry)
        finishedAttempt.retryIn = backoffSeconds(attempt);
    m_sink.attemptFinished(finishedAttempt);

    if (!retry) {
        finishRan(i, result->ok ? NodeState::Succeeded
                     : cancelled ? NodeState::Cancelled
                                 : NodeState::Failed,
                  result.get(), !result->slotReleased);
        return;
    }
    // Back off holding neither a thread nor the job slot.
    const bool holdsSlot = !result->slotReleased;
    rt.lastFailure = std::move(result);
    if (holdsSlot)
        releaseSlot(i);
    gateway().reserve_wait();
    const Handle timer = m_reactor->startTimer(finishedAttempt.retryIn, [this, i](bool c) {
        Gateway &gw = gateway();
        this->rt(i).backoffTimer.store(0);
        gw.try_put({i, Wakeup::RetryDue, c});
        gw.release_wait();
    });
    rt.backoffTimer.store(timer);
    if (halted()) // stopped or cancelled meanwhile: stopAfter() may have missed this timer
        m_reactor->cancel(timer, std::chrono::milliseconds(0));
}

void Executor::Run::retryDue(Unit i, bool timerCancelled)
{
    NodeRuntime &rt = this->rt(i);
    if (timerCancelled || halted()) {
        const NodeState outcome = m_cancelled.load() ? NodeState::Cancelled : NodeState::Failed;
        finishRan(i, outcome, rt.lastFailure.get(), false);
        return;
    }
    admit(i, true);
}

} // namespace weft
