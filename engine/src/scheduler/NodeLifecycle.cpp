// SPDX-License-Identifier: Apache-2.0
// A node's way through a run: ready (every need final) -> skipped, or
// admitted (a job slot, pool units) -> started -> final, and what a final
// node tells its successors. Also what a stop after a failure does to the
// nodes that have not started.

#include "scheduler/Run.h"

#include <oneapi/tbb/task_arena.h>

namespace weft {

using namespace detail;

// The continue_node body: every need has finished, one way or another.
void Executor::Run::onReady(NodeIndex i)
{
    acquireRun();
    t_previous = std::exchange(t_lastEnd, LastEnd{}); // see readyTime()
    for (NodeIndex p : m_graph->predecessors(i)) {
        const NodeState state = m_rt[p].state.load(std::memory_order_acquire);
        if (state == NodeState::Succeeded)
            continue;
        if (state == NodeState::Cancelled || m_cancelled.load() != 0) {
            finishUnrun(i, NodeState::Cancelled, -1, "cancelled");
            return;
        }
        const std::string &need = node(p).id;
        // A fan-out need that failed did so through an instance: name it.
        const std::int64_t root = m_rt[p].rootCause;
        if (state == NodeState::Failed) {
            finishUnrun(i, NodeState::Skipped, root >= 0 ? root : std::int64_t(p),
                        "skipped: needs " + need + ", which failed"
                            + (root >= 0 ? " (" + unitName(Unit(root)) + ")" : ""));
        } else {
            finishUnrun(i, NodeState::Skipped, root,
                        "skipped: needs " + need + ", which was skipped"
                            + (root >= 0 ? " (" + unitName(Unit(root)) + " failed)" : ""));
        }
        return;
    }
    if (halted()) {
        finishHalted(i);
        return;
    }
    const RunGraph::NodeInfo &info = m_graph->node(i);
    if (info.fanOut) {
        startFanOut(i);
        return;
    }
    if (info.hasOutputs && m_options.incremental && finishIfUpToDate(i))
        return;
    admit(i, true);
}

void Executor::Run::runChain(NodeIndex first)
{
    Chain chain{this, {}};
    Chain *outer = std::exchange(t_chain, &chain);
    for (NodeIndex next = first;;) {
        onReady(next);
        if (chain.pending.empty())
            break;
        next = chain.pending.back();
        chain.pending.pop_back();
    }
    t_chain = outer;
}

void Executor::Run::admit(Unit i, bool onWorker)
{
    if (m_completesInBody) {
        // At most m_threads bodies run at once and m_threads <= m_jobs, so
        // the worker's own arena index is a job slot nobody else holds now.
        begin(i, oneapi::tbb::this_task_arena::current_thread_index(), onWorker);
        return;
    }
    WaitReason reason = WaitReason::JobSlot;
    std::string detail;
    if (!m_shuffled) {
        const int slot = m_admission->tryAdmit(i, reason, detail);
        if (slot >= 0) {
            begin(i, slot, onWorker);
            return;
        }
    } else {
        detail = "shuffled: starts in the seeded order"; // every ready unit waits for its turn
    }
    NodeStateChanged waiting;
    waiting.t = now();
    stamp(waiting, i);
    waiting.state = NodeState::Waiting;
    waiting.attempt = rt(i).attempt.load(std::memory_order_relaxed);
    waiting.reason = reason;
    waiting.detail = reason == WaitReason::JobSlot && !m_shuffled ? "no free job slot"
                                                                          : std::move(detail);
    m_sink.nodeStateChanged(waiting);

    std::vector<Admission::Grant> granted;
    if (!m_admission->wait(i, granted)) {
        finishHalted(i);
        return;
    }
    dispatch(granted);
}

void Executor::Run::begin(Unit i, int slot, bool onWorker)
{
    NodeRuntime &r = rt(i);
    r.slot = slot;
    if (!onWorker || m_graph->node(unitNode(i)).site != ExecutionSite::WorkerThread) {
        r.grantedSlot.store(slot, std::memory_order_release);
        m_async->try_put(i);
        return;
    }
    start(i);
}

// Runs node `i`, which holds its slot (and units), on this worker, or hands
// it to the reactor.
void Executor::Run::start(Unit i)
{
    NodeRuntime &r = rt(i);
    if (halted()) {
        // Admitted just as the run stopped: under -j 1 nothing may start after a failure.
        releaseSlot(i);
        if (r.lastFailure)
            finishRan(i, m_cancelled.load() ? NodeState::Cancelled : NodeState::Failed,
                      r.lastFailure.get(), false);
        else
            finishHalted(i);
        return;
    }
    const RunGraph::NodeInfo &info = m_graph->node(unitNode(i));
    if (info.expands && !r.expanded && !r.planned) {
        std::string error;
        if (!(info.launchExpands ? planLaunch(i, error) : expand(i, error))) {
            // Nothing can start: one attempt that fails with the reason.
            const int attempt = beginAttempt(i);
            emitRunning(i, attempt);
            auto failed = std::make_unique<AttemptResult>();
            failed->error = std::move(error);
            r.end = now();
            m_sink.attemptFinished(attemptFinished(i, attempt, false));
            finishRan(i, NodeState::Failed, failed.get(), true, r.end);
            return;
        }
    }
    if (m_graph->node(unitNode(i)).site == ExecutionSite::WorkerThread)
        runInProcess(i);
    else
        startAsync(i);
}

// The async_node body: a node admitted elsewhere, or a process or timer.
void Executor::Run::onDispatched(Unit i)
{
    acquireRun();
    NodeRuntime &r = rt(i);
    r.slot = r.grantedSlot.load(std::memory_order_acquire);
    start(i);
}

void Executor::Run::finishRan(Unit i, NodeState outcome, AttemptResult *last,
                              bool holdsSlot, double t)
{
    NodeRuntime &rt = this->rt(i);
    const RunGraph::NodeInfo &info = m_graph->node(unitNode(i));
    if (outcome == NodeState::Failed && m_policy == FailurePolicy::Stop) {
        std::int64_t none = -1;
        m_stopCause.compare_exchange_strong(none, std::int64_t(i));
    }
    NodeFinished finished;
    finished.t = t >= 0 ? t : now();
    stamp(finished, i);
    finished.outcome = outcome;
    finished.start = rt.firstStart;
    finished.duration = rt.end - rt.firstStart;
    finished.attempts = rt.attempt.load(std::memory_order_relaxed);
    if (last) {
        finished.exitCode = last->exitCode;
        if (last->signal != 0)
            finished.signal = signalName(last->signal);
        finished.command = last->shownAs;
        finished.cpu = last->cpu;
        if (!last->jobId.empty())
            finished.queued = slurmQueued(i);
        if (outcome != NodeState::Succeeded) {
            finished.error = last->error;
            finished.stderrTail = last->stderrTail;
        }
    }
    if (outcome == NodeState::Succeeded) {
        // A failed node's outputs are not its results: nothing may use them.
        if (last && !last->outputs.empty())
            finished.outputs = std::move(last->outputs);
        // The declaration is what the incremental check and references rely
        // on, so a reported value of the same name does not override it.
        if (info.hasOutputs) {
            for (const auto &[name, value] : declaredOutputs(i))
                finished.outputs.insert_or_assign(name, value);
        }
        // Kept before the final state is published: a successor that
        // acquires the state finds them (keptOutputs()).
        // An instance's outputs make its fan-out's; one with none keeps nothing.
        if (info.referenced || (unitInstance(i) != kNoInstance && !finished.outputs.empty()))
            rt.kept = std::make_unique<NamedValues>(finished.outputs);
        // Recorded before any successor can ask about its inputs.
        if (info.hasOutputs && m_options.incremental)
            recordSucceeded(i);
    }
    m_sink.nodeFinished(finished);
    rt.state.store(outcome, std::memory_order_release);
    rt.lastFailure.reset();
    // Shuffled, the slot is given back after the successors are known to be
    // ready, so that the next grant chooses among them too.
    const bool releaseFirst = !m_shuffled;
    if (holdsSlot && releaseFirst)
        releaseSlot(i);
    if (outcome == NodeState::Failed && m_stopCause.load() == std::int64_t(i))
        stopAfter(i);
    unitFinal(i, outcome);
    if (holdsSlot && !releaseFirst)
        releaseSlot(i);
    rt.retired.store(true, std::memory_order_release);
}

void Executor::Run::finishUnrun(Unit i, NodeState outcome, std::int64_t cause, std::string error)
{
    NodeRuntime &rt = this->rt(i);
    rt.rootCause = cause;
    NodeFinished finished;
    finished.t = now();
    stamp(finished, i);
    finished.outcome = outcome;
    finished.error = std::move(error);
    if (cause >= 0)
        finished.causeNode = unitName(Unit(cause));
    m_sink.nodeFinished(finished);
    rt.state.store(outcome, std::memory_order_release);
    if (graphLive())
        unitFinal(i, outcome);
    rt.retired.store(true, std::memory_order_release);
}

void Executor::Run::finishHalted(Unit i)
{
    if (isRunnerTicket(i)) {
        // A runner that will never get its slot: the instances that nobody
        // has taken end here (its fan-out's other runners may take some).
        runInstances(unitNode(i), -1);
        return;
    }
    if (m_cancelled.load() != 0) {
        finishUnrun(i, NodeState::Cancelled, -1, "cancelled");
        return;
    }
    const std::int64_t cause = m_stopCause.load();
    finishUnrun(i, NodeState::Skipped, cause,
                "skipped: the run stopped after " + unitName(Unit(cause)) + " failed");
}

void Executor::Run::releaseSlot(Unit i)
{
    NodeRuntime &r = rt(i);
    // The worker's index (see admit()), or the slot of the runner that
    // runs this instance and goes on with the next one (FanOut.cpp).
    if (m_completesInBody || r.chained) {
        r.slot = -1;
        return;
    }
    const int slot = r.slot;
    r.slot = -1;
    giveBack(i, slot);
}

void Executor::Run::giveBack(Unit i, int slot)
{
    std::vector<Admission::Grant> granted;
    m_admission->release(i, slot, granted);
    if (halted() && m_admission->hasWaiters()) {
        // Whoever releases after a stop or cancel ends the waiters, which
        // hold nothing; grants made just before still come through begin().
        std::vector<Unit> drained;
        m_admission->halt(drained);
        for (Unit waiter : drained)
            finishHalted(waiter);
    }
    dispatch(granted);
}

// A ready node's body is over (queued, skipped or finished): in a shuffled
// run the grants it held back may be made now.
void Executor::Run::arrivedReady()
{
    std::vector<Admission::Grant> granted;
    m_admission->arrived(granted);
    dispatch(granted);
}

void Executor::Run::dispatch(const std::vector<Admission::Grant> &granted)
{
    for (const Admission::Grant &g : granted) {
        if (isRunnerTicket(g.unit)) {
            m_runners->try_put(RunnerStart{unitNode(g.unit), g.slot});
            continue;
        }
        NodeRuntime &r = rt(g.unit);
        r.slot = g.slot;
        r.grantedSlot.store(g.slot, std::memory_order_release);
        m_async->try_put(g.unit);
    }
}

void Executor::Run::unitFinal(Unit u, NodeState outcome)
{
    if (unitInstance(u) == kNoInstance)
        notifySuccessors(unitNode(u));
    else
        instanceFinal(u, outcome);
}

void Executor::Run::notifySuccessors(NodeIndex i)
{
    if (m_completesInBody) {
        // The last successor made ready runs next on this thread, as oneTBB
        // bypasses to the last task a broadcast made, unless nodes wait here
        // already; the others go to the ready node, from where idle threads
        // steal them. Instant ones stay here (see Run.h).
        Chain *chain = t_chain && t_chain->run == this ? t_chain : nullptr;
        bool held = false;
        NodeIndex last = 0;
        for (NodeIndex s : m_graph->successors(i)) {
            if (m_unfinishedNeeds[s].fetch_sub(1, std::memory_order_acq_rel) != 1)
                continue;
            if (chain && m_graph->node(s).instant) {
                chain->pending.push_back(s);
                continue;
            }
            if (held)
                m_ready->try_put(last);
            held = true;
            last = s;
        }
        if (!held)
            return;
        if (chain && chain->pending.empty())
            chain->pending.push_back(last);
        else
            m_ready->try_put(last);
        return;
    }
    if (m_shuffled) {
        int ready = 0;
        for (NodeIndex s : m_graph->successors(i))
            ready += m_unfinishedNeeds[s].fetch_sub(1, std::memory_order_acq_rel) == 1 ? 1 : 0;
        m_admission->expect(ready); // before any of them can arrive
    }
    for (NodeIndex s : m_graph->successors(i))
        (*m_nodes)[s].try_put(flow::continue_msg());
}

// The first failure under policy stop: nothing new starts. Waiters end
// skipped now; nodes backing off before a retry stop waiting.
void Executor::Run::stopAfter(Unit)
{
    std::vector<Unit> drained;
    m_admission->halt(drained);
    for (Unit waiter : drained)
        finishHalted(waiter);
    auto cancelBackoff = [this](NodeRuntime &r) {
        if (const Handle timer = r.backoffTimer.load(); timer != 0)
            m_reactor->cancel(timer, std::chrono::milliseconds(0));
    };
    for (std::size_t k = 0; k < m_graph->size(); ++k)
        cancelBackoff(m_rt[k]);
    forEachInstance(cancelBackoff);
}

} // namespace weft
