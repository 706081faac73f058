// SPDX-License-Identifier: Apache-2.0
// Processes and timers: what the operation says to start (its Launch) goes
// to the reactor, and the reactor's completions come back into the graph
// through the async_node's gateway (reserve_wait/try_put/release_wait).

#include "scheduler/Run.h"

#include "isolation/Isolation.h"

#include <algorithm>
#include <exception>
#include <memory>

namespace weft {

using namespace detail;

namespace {

// Validation keeps this from happening to a built-in type; a registry may
// still hold a type that declares no worker and says nothing to start.
Launch describeNoLaunch(const OperationType &type)
{
    Launch launch;
    launch.error = "operation type " + type.name + " says nothing to start";
    return launch;
}

} // namespace

void Executor::Run::startAsync(Unit i)
{
    const RunGraph::NodeInfo &info = m_graph->node(unitNode(i));
    const int attempt = beginAttempt(i);
    gateway().reserve_wait();

    Launch launch;
    try {
        if (const std::unique_ptr<Launch> &planned = rt(i).planned) {
            // Planned when the unit started, its references expanded: the
            // last attempt it may make takes it, an earlier one a copy.
            if (attempt > info.retries)
                launch = std::move(*planned);
            else
                launch = *planned;
        } else if (info.isolated) {
            launch = isolation::launch(*info.type, LaunchContext{nodeFor(i), m_base});
        } else {
            launch = info.type->launch ? info.type->launch(LaunchContext{nodeFor(i), m_base})
                                       : describeNoLaunch(*info.type);
        }
    } catch (const std::exception &e) {
        launch.error = std::string("cannot start: ") + e.what();
    }
    if (!launch.error.empty()) {
        emitRunning(i, attempt); // an attempt that could not start is an attempt too
        auto *r = new AttemptResult;
        r->error = std::move(launch.error);
        deliver(i, r);
        return;
    }
    if (launch.kind == Launch::Kind::Trigger)
        startTriggerAttempt(i, attempt, std::move(launch.trigger)); // TriggerBridge.cpp
    else if (launch.kind == Launch::Kind::Timer)
        startTimerAttempt(i, attempt, launch.seconds);
    else
        startProcessAttempt(i, attempt, std::move(launch.process));
}

void Executor::Run::startTimerAttempt(Unit i, int attempt, double seconds)
{
    const double timeout = m_graph->node(unitNode(i)).timeout;
    const bool timesOut = timeout > 0 && timeout < seconds;
    emitRunning(i, attempt);
    const Handle timer = m_reactor->startTimer(timesOut ? timeout : seconds,
                                               [this, i, timesOut, timeout](bool cancelled) {
                                                   auto *r = new AttemptResult;
                                                   r->cancelled = cancelled;
                                                   r->ok = !cancelled && !timesOut;
                                                   if (cancelled)
                                                       r->error = "cancelled";
                                                   else if (timesOut)
                                                       r->error = "timed out after "
                                                                  + formatSeconds(timeout) + " s";
                                                   deliver(i, r);
                                               });
    cancelIfCancelled(timer);
}

void Executor::Run::startProcessAttempt(Unit i, int attempt, ProcessCommand what)
{
    ProcessSpec spec;
    static_cast<ProcessCommand &>(spec) = std::move(what);
    if (const double timeout = m_graph->node(unitNode(i)).timeout; timeout > 0)
        spec.timeoutSeconds = timeout;
    spec.killGrace = m_options.killGrace;
    // With a thread per job slot, the thread that starts a process has no
    // other work while it runs: it may wait for a short one itself
    // (ProcessReactor.h), where it would otherwise spin for work beside it.
    // (A cluster job runs elsewhere: never.)
    spec.waitBriefly = m_threads >= m_jobs && !onSlurm(unitNode(i));
    if (onSlurm(unitNode(i))) {
        spec.slurm = slurmRequest(i);
        setJobId(i, {}); // until this attempt's job is submitted
    }

    // On Slurm the attempt is `waiting` in the Slurm queue from submission
    // until its job starts, then `running` on its host. The callbacks of one
    // process run one at a time on the reactor thread.
    struct SlurmProgress
    {
        bool submitted = false;
        bool running = false;
        double startedAt = -1;
    };
    auto slurm = std::make_shared<SlurmProgress>();
    ProcessCallbacks callbacks;
    callbacks.submitted = [this, i, slurm](const std::string &jobId) {
        slurm->submitted = true;
        setJobId(i, jobId);
    };
    callbacks.started = [this, i, attempt, slurm](int pid) {
        rt(i).pid = pid;
        if (!slurm->submitted) {
            slurm->running = true;
            emitRunning(i, attempt);
        }
    };
    callbacks.queued = [this, i, attempt, slurm](const std::string &reason) {
        if (!slurm->running)
            emitQueued(i, attempt, reason);
    };
    callbacks.jobStarted = [this, i, attempt, slurm](const std::string &host) {
        if (slurm->running)
            return;
        slurm->running = true;
        slurm->startedAt = now();
        emitRunning(i, attempt, host);
    };
    callbacks.output = [this, i](OutputStream stream, std::string_view text) {
        m_sink.output({now(), unitNode(i), unitInstance(i), stream, text});
    };
    callbacks.progress = [this, i](double fraction, std::string_view message) {
        m_sink.progress({now(), unitNode(i), unitInstance(i), std::clamp(fraction, 0.0, 1.0), std::string(message)});
    };
    callbacks.finished = [this, i, attempt, slurm](ProcessOutcome outcome) {
        NamedValues isolatedOutputs;
        const bool isolated = m_graph->node(unitNode(i)).isolated;
        if (isolated)
            isolatedOutputs = isolation::interpret(outcome);
        if ((!outcome.spawned && rt(i).pid == 0) || (slurm->submitted && !slurm->running))
            emitRunning(i, attempt); // a failed spawn (a job that never started) is an attempt too: keep the event order
        auto *r = new AttemptResult;
        r->ok = outcome.ok;
        r->cancelled = outcome.cancelled;
        r->exitCode = outcome.exitCode;
        r->signal = outcome.signal;
        r->error = outcome.ok ? std::string() : std::move(outcome.error);
        if (!outcome.ok && r->error.empty())
            r->error = "failed";
        r->stderrTail = std::move(outcome.stderrTail);
        r->shownAs = std::move(outcome.commandLine);
        r->jobId = std::move(outcome.jobId);
        r->host = std::move(outcome.host);
        r->queuedUntil = slurm->startedAt;
        // A cluster job's local process is only its submitter, not its work.
        r->cpu = slurm->submitted ? -1 : outcome.cpuSeconds;
        if (outcome.ok && isolated) {
            r->outputs = std::move(isolatedOutputs);
        } else if (outcome.ok) {
            for (auto &[name, value] : outcome.outputs)
                appendValue(r->outputs, name, std::move(value));
        }
        deliver(i, r);
    };
    cancelIfCancelled(m_reactor->startProcess(std::move(spec), std::move(callbacks)));
}

// A cancel() racing with a start: either cancelAll() was posted after this
// work (and reaches it), or this check sees the flag.
void Executor::Run::cancelIfCancelled(Handle handle)
{
    if (const int level = m_cancelled.load(); level != 0)
        m_reactor->cancel(handle, level >= 2 ? std::chrono::milliseconds(0) : m_options.killGrace);
}

// Reactor side of the gateway discipline: hand the result to the completer,
// then let the graph finish if this was its last outstanding work.
void Executor::Run::deliver(Unit i, AttemptResult *result)
{
    Gateway &gw = gateway(); // before the hand-over: the node may retire at once
    rt(i).result.store(result, std::memory_order_release);
    gw.try_put({i, Wakeup::AttemptDone, false});
    gw.release_wait();
}

void Executor::Run::onWakeup(const Wakeup &wakeup)
{
    acquireRun();
    if (wakeup.kind == Wakeup::RetryDue) {
        retryDue(wakeup.unit, wakeup.cancelled);
        return;
    }
    std::unique_ptr<AttemptResult> result(
        rt(wakeup.unit).result.exchange(nullptr, std::memory_order_acquire));
    attemptDone(wakeup.unit, std::move(result));
}

} // namespace weft
