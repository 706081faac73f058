// SPDX-License-Identifier: Apache-2.0
// An in-process operation's attempt, run on the worker that admitted it:
// its output and progress become events, a timeout is a reactor timer that
// raises the node's cancellation flag, and an exception is a failure.

#include "scheduler/Run.h"

#include <oneapi/tbb/task_arena.h>

#include <exception>

namespace weft {

using namespace detail;

namespace {

constexpr std::size_t kStderrTailBytes = 4096; // in-process operations' stderr kept for reports

} // namespace

namespace {

// Turns an in-process operation's output into events, keeping a stderr tail
// for the failure report.
class InProcessOutput final : public OperationOutput
{
public:
    InProcessOutput(EventSink &sink, Unit unit, Clock::time_point t0)
        : m_sink(sink), m_node(unitNode(unit)), m_instance(unitInstance(unit)), m_t0(t0)
    {}
    void write(bool toStderr, std::string_view text) override
    {
        m_sink.output({now(), m_node, m_instance, toStderr ? OutputStream::Stderr : OutputStream::Stdout, text});
        if (toStderr) {
            m_stderrTail.append(text);
            if (m_stderrTail.size() > kStderrTailBytes)
                m_stderrTail.erase(0, m_stderrTail.size() - kStderrTailBytes);
        }
    }
    void progress(double fraction, std::string_view message) override
    {
        m_sink.progress({now(), m_node, m_instance, std::clamp(fraction, 0.0, 1.0), std::string(message)});
    }
    void setOutput(std::string_view name, StringOrList value) override
    {
        m_outputs.insert_or_assign(std::string(name), std::move(value));
    }
    std::string takeStderrTail() { return std::move(m_stderrTail); }
    NamedValues takeOutputs() { return std::move(m_outputs); }

private:
    double now() const { return std::chrono::duration<double>(Clock::now() - m_t0).count(); }
    EventSink &m_sink;
    NodeIndex m_node;
    int m_instance;
    Clock::time_point m_t0;
    std::string m_stderrTail;
    NamedValues m_outputs;
};

} // namespace

void Executor::Run::runInProcess(Unit i)
{
    NodeRuntime &rt = this->rt(i);
    const RunGraph::NodeInfo &info = m_graph->node(unitNode(i));
    const int attempt = beginAttempt(i);
    rt.worker = m_completesInBody ? rt.slot : oneapi::tbb::this_task_arena::current_thread_index();
    if (attempt > 1) {
        // A timed-out attempt left its flag raised. Clear, then re-check: a
        // cancel() between the two still leaves it set.
        rt.timedOut.store(false, std::memory_order_relaxed);
        rt.cancelFlag.store(false);
        if (m_cancelled.load() != 0)
            rt.cancelFlag.store(true);
    }
    emitRunning(i, attempt);

    Handle timer = 0;
    if (info.timeout > 0) {
        gateway().reserve_wait();
        timer = m_reactor->startTimer(info.timeout, [this, i, attempt](bool cancelled) {
            Gateway &gw = gateway();
            NodeRuntime &r = this->rt(i);
            if (!cancelled && r.attempt.load() == attempt) {
                r.timedOut.store(true);
                r.cancelFlag.store(true);
            }
            gw.release_wait();
        });
    }

    InProcessOutput output(m_sink, i, m_t0);
    OperationContext context{nodeFor(i), m_base, rt.cancelFlag, output};
    OperationResult result;
    try {
        result = info.type->run(context);
    } catch (const std::exception &e) {
        result = {false, std::string("exception: ") + e.what()};
    } catch (...) {
        result = {false, "unknown exception"};
    }
    if (timer != 0)
        m_reactor->cancel(timer, std::chrono::milliseconds(0));

    if (result.ok) {
        // The common case allocates nothing: no AttemptResult on the heap.
        AttemptResult ok;
        ok.ok = true;
        ok.outputs = output.takeOutputs();
        rt.end = now();
        if (m_completesInBody)
            t_lastEnd = {m_serial, unitNode(i), rt.end};
        m_sink.attemptFinished(attemptFinished(i, attempt, true));
        finishRan(i, NodeState::Succeeded, &ok, true, rt.end);
        return;
    }
    auto failed = std::make_unique<AttemptResult>();
    if (m_cancelled.load() != 0) {
        failed->cancelled = true;
        failed->error = "cancelled";
    } else if (rt.timedOut.load()) {
        failed->error = "timed out after " + formatSeconds(info.timeout) + " s";
    } else {
        failed->error = result.error.empty() ? "failed" : std::move(result.error);
    }
    failed->stderrTail = output.takeStderrTail();
    attemptDone(i, std::move(failed));
}

} // namespace weft
