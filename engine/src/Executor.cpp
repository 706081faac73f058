// The executor: a validated workflow becomes one tbb::flow::graph per run.
//
// Design, and why:
// - One continue_node per workflow node, counting its predecessors. Its body
//   runs exactly once, when every need has finished in any way, and decides:
//   skip (a need failed or was skipped), cancel, or admit. A failed node
//   still releases its successors (they end skipped with the reason), so
//   every body runs once and the graph's own wait_for_all() is the "every
//   node is final" condition.
// - How a node tells its successors it is final depends on the run. When
//   every node is in-process work that can never wait (no processes, timers,
//   pools, exclusive types or retries, and no more threads than job slots),
//   each node is final when its body returns, so real edges carry the
//   message and oneTBB runs one ready successor next on the same thread
//   (task bypass), exactly as in a hand-built graph. Otherwise a node may
//   finish long after its body returned (a process, a wait for a pool), so
//   completion is signalled by hand with try_put() to each successor, and
//   the nodes are built with their predecessor counts instead of edges.
// - Admission (scheduler/Admission.h) hands out job slots lock-free; nodes
//   that cannot start wait in a FIFO queue holding no thread. Whoever releases
//   a slot or pool units dispatches the waiters that now fit into the one
//   shared async_node, whose body runs them on a worker.
// - In-process work (ExecutionSite::WorkerThread) admitted in a continue_node
//   body runs right there on that worker: the hot path of a run of small
//   in-process nodes is one task per node, like the raw flow graph.
// - Processes and timers go through the shared async_node: its body calls
//   gateway.reserve_wait() and hands the work to the ProcessReactor; the
//   reactor's completion stores the attempt's result, try_put()s the node
//   into a completer function_node through the gateway and calls
//   release_wait(). The completer does the bookkeeping on a worker, so the
//   reactor thread only watches children and never runs scheduling work.
// - Retries wait on a reactor timer (reserve_wait/release_wait around it),
//   holding neither a thread nor a job slot; in-process timeouts are reactor
//   timers that raise the node's own cancellation flag.
//
// Thread-safety: per-node data is written by whichever thread currently owns
// the node (the continue_node body, the async body, the completer) and is
// handed over with release/acquire atomics in our own code (the final state,
// the granted slot, the attempt result), not only through oneTBB's task
// queues, which ThreadSanitizer cannot see into.

#include "weft/Executor.h"

#include "weft/CompiledWorkflow.h"
#include "weft/Operation.h"
#include "weft/Workflow.h"

#include "process/ProcessLauncher.h"
#include "process/ProcessReactor.h"
#include "scheduler/Admission.h"
#include "scheduler/CriticalPath.h"
#include "scheduler/RunGraph.h"

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <exception>

namespace weft {

namespace {

namespace flow = oneapi::tbb::flow;
using Clock = std::chrono::steady_clock;
using Handle = ProcessReactor::Handle;

constexpr std::size_t kStderrTailBytes = 4096; // in-process operations' stderr kept for reports

std::string formatSeconds(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
}

// The first attempt's delay is 0.1 s, doubling, capped at 5 s.
double backoffSeconds(int failedAttempt)
{
    return std::min(5.0, 0.1 * std::ldexp(1.0, std::min(failedAttempt - 1, 16)));
}

// The last node whose body ended on this worker thread, and when. Reading
// the clock costs about as much as scheduling a small node (30 ns under
// kvm-clock), so a node that oneTBB runs right after the need that made it
// ready reuses that need's end time as its start: see readyTime().
struct LastEnd
{
    std::uint64_t run = 0; // Run::m_serial; 0: none
    NodeIndex node = 0;
    double t = 0;
};
thread_local LastEnd t_lastEnd;  // set when an in-process node ends
thread_local LastEnd t_previous; // t_lastEnd as the current body found it
std::atomic<std::uint64_t> g_runSerial{0};

struct AttemptResult
{
    bool ok = false;
    bool cancelled = false;
    std::optional<int> exitCode;
    int signal = 0;
    std::string error;
    std::string stderrTail;
    std::string command;
};

// What a reactor completion or a retry timer tells the completer node.
struct Wakeup
{
    enum Kind : std::uint8_t { AttemptDone, RetryDue };
    NodeIndex node = 0;
    Kind kind = AttemptDone;
    bool cancelled = false; // RetryDue: the timer was cancelled
};

struct NodeRuntime
{
    std::atomic<NodeState> state{NodeState::Pending}; // final states published with release
    std::atomic<bool> cancelFlag{false};               // what the in-process operation polls
    std::atomic<int> attempt{0};                       // read by timeout timers
    std::atomic<bool> timedOut{false};
    std::atomic<int> grantedSlot{-1};                  // dispatcher -> async body
    std::atomic<AttemptResult *> result{nullptr};      // reactor -> completer
    std::atomic<Handle> backoffTimer{0};
    std::atomic<bool> retired{false};                  // set last: the run thread acquires it
    std::unique_ptr<AttemptResult> lastFailure;        // kept across a retry backoff
    int slot = -1;
    int worker = -1;
    int pid = 0;
    int rootCause = -1; // skipped: the failed node behind it
    double firstStart = -1;
    double attemptStart = 0;
    double end = 0;
};

} // namespace

class Executor::Run
{
public:
    // `compiled` is null when the workflow is invalid: execute() then reports
    // `diagnostics` and runs nothing.
    Run(const RunOptions &options, std::shared_ptr<const Workflow> workflow,
        std::shared_ptr<const CompiledWorkflow> compiled, Diagnostics diagnostics, EventSink &sink);
    ~Run();

    RunSummary execute();
    void cancel(int level); // 1 cancel, 2 kill

private:
    using ContinueNode = flow::continue_node<flow::continue_msg>;
    using AsyncNode = flow::async_node<NodeIndex, Wakeup>;
    using Gateway = AsyncNode::gateway_type;

    double now() const { return std::chrono::duration<double>(Clock::now() - m_t0).count(); }
    bool halted() const
    {
        return m_cancelled.load(std::memory_order_seq_cst) != 0
               || m_stopCause.load(std::memory_order_seq_cst) >= 0;
    }
    const Node &node(NodeIndex i) const { return m_workflow->nodes[i]; }
    Gateway &gateway() { return m_async->gateway(); }
    // Every task body starts here: what the run thread built before the first
    // try_put happens-before the body, visibly to ThreadSanitizer too.
    void acquireRun() const { (void)m_published.load(std::memory_order_acquire); }

    RunSummary invalid();
    void buildAndRun();
    RunSummary summarize();

    void onReady(NodeIndex i);
    void admit(NodeIndex i, bool onWorker);
    void begin(NodeIndex i, int slot, bool onWorker);
    void start(NodeIndex i);
    void onDispatched(NodeIndex i);
    void runInProcess(NodeIndex i);
    void startAsync(NodeIndex i);
    void cancelIfCancelled(Handle handle);
    void deliver(NodeIndex i, AttemptResult *result);
    void onWakeup(const Wakeup &wakeup);
    void attemptDone(NodeIndex i, std::unique_ptr<AttemptResult> result);
    void retryDue(NodeIndex i, bool timerCancelled);
    double readyTime(NodeIndex i) const;
    int beginAttempt(NodeIndex i);
    void emitRunning(NodeIndex i, int attempt);

    // `t`: when it finished, if the caller has just read the clock.
    void finishRan(NodeIndex i, NodeState outcome, const AttemptResult *last, bool holdsSlot,
                   double t = -1);
    void finishUnrun(NodeIndex i, NodeState outcome, int cause, std::string error);
    void finishHalted(NodeIndex i);
    void releaseSlot(NodeIndex i);
    void dispatch(const std::vector<Admission::Grant> &granted);
    void notifySuccessors(NodeIndex i);
    void stopAfter(NodeIndex failed);

    RunOptions m_options;
    std::shared_ptr<const Workflow> m_workflow;
    std::shared_ptr<const CompiledWorkflow> m_compiled;
    Diagnostics m_diagnostics; // why the workflow is invalid, when m_compiled is null
    EventSink &m_sink;
    const Clock::time_point m_t0;
    std::filesystem::path m_base;
    FailurePolicy m_policy = FailurePolicy::Stop;
    int m_jobs = 1;
    int m_threads = 1;
    bool m_completesInBody = false; // successors are told through edges: see the top of the file
    const std::uint64_t m_serial = ++g_runSerial; // tells this run's LastEnd from an earlier one's

    std::unique_ptr<NodeRuntime[]> m_rt; // allocated first: cancel() may touch it at any time
    std::unique_ptr<ProcessReactor> m_reactor;
    const RunGraph *m_graph = nullptr; // m_compiled's
    std::unique_ptr<Admission> m_admission;

    std::atomic<int> m_cancelled{0};
    std::atomic<bool> m_handedOver{false}; // see buildAndRun()
    std::atomic<bool> m_published{false}; // the graph and everything above, built: see acquireRun()
    std::atomic<std::int64_t> m_stopCause{-1}; // the failure that stopped the run (policy stop)

    flow::graph *m_flowGraph = nullptr;
    std::deque<ContinueNode> *m_nodes = nullptr;
    AsyncNode *m_async = nullptr;
};

Executor::Run::Run(const RunOptions &options, std::shared_ptr<const Workflow> workflow,
                   std::shared_ptr<const CompiledWorkflow> compiled, Diagnostics diagnostics,
                   EventSink &sink)
    : m_options(options)
    , m_workflow(std::move(workflow))
    , m_compiled(std::move(compiled))
    , m_diagnostics(std::move(diagnostics))
    , m_sink(sink)
    , m_t0(Clock::now())
    , m_rt(new NodeRuntime[m_workflow->nodes.size()])
    // Only processes, timers, timeouts and retries need the reactor's thread;
    // a run of in-process work does without one.
    , m_reactor(m_compiled && !m_compiled->graph().hasAsynchronousWork()
                    ? nullptr
                    : std::make_unique<ProcessReactor>())
{
    std::error_code ec;
    m_base = m_options.baseDirectory.empty() ? std::filesystem::current_path(ec)
                                             : std::filesystem::absolute(m_options.baseDirectory, ec);
    m_base = m_base.lexically_normal();
}

Executor::Run::~Run() = default;

void Executor::Run::cancel(int level)
{
    int previous = m_cancelled.load();
    while (previous < level && !m_cancelled.compare_exchange_weak(previous, level)) {
    }
    if (previous >= level)
        return;
    // In-process operations poll their node's flag; processes and timers are
    // the reactor's. Waiters are drained by the next slot release.
    for (std::size_t i = 0; i < m_workflow->nodes.size(); ++i)
        m_rt[i].cancelFlag.store(true, std::memory_order_relaxed);
    if (m_reactor)
        m_reactor->cancelAll(level >= 2 ? std::chrono::milliseconds(0) : m_options.killGrace);
}

RunSummary Executor::Run::execute()
{
    if (!m_compiled)
        return invalid();

    const Workflow &wf = *m_workflow;
    m_graph = &m_compiled->graph();
    m_policy = m_options.failure.value_or(wf.settings.failure);
    m_jobs = m_options.jobs > 0 ? m_options.jobs
             : wf.settings.jobs > 0 ? wf.settings.jobs
                                    : defaultConcurrency();
    m_threads = m_options.threads > 0 ? m_options.threads : std::min(m_jobs, defaultConcurrency());
    m_admission = std::make_unique<Admission>(*m_graph, m_jobs);
    m_completesInBody = m_threads <= m_jobs && m_graph->nothingEverWaits();

    RunStarted started;
    started.t = now();
    started.workflow = m_workflow.get();
    started.nodes = wf.nodes.size();
    started.jobs = m_jobs;
    started.threads = m_threads;
    m_sink.runStarted(started); // every node is pending from here: see RunStarted

    if (m_cancelled.load() != 0) {
        // Cancelled before the graph existed: nothing runs.
        for (NodeIndex i = 0; i < NodeIndex(wf.nodes.size()); ++i)
            finishUnrun(i, NodeState::Cancelled, -1, "cancelled");
    } else {
        buildAndRun();
    }
    return summarize();
}

RunSummary Executor::Run::invalid()
{
    RunStarted started;
    started.workflow = m_workflow.get();
    started.nodes = m_workflow->nodes.size();
    started.valid = false;
    m_sink.runStarted(started);

    RunSummary summary;
    summary.outcome = RunOutcome::Failed;
    for (const Diagnostic &d : m_diagnostics) {
        if (d.severity == Severity::Error)
            summary.errors.push_back("invalid workflow: " + (d.path.empty() ? "" : d.path + ": ")
                                     + d.message);
    }
    RunFinished finished;
    finished.t = now();
    finished.outcome = RunOutcome::Failed;
    finished.wall = finished.t;
    finished.errors = summary.errors;
    summary.wall = finished.wall;
    m_sink.runFinished(finished);
    return summary;
}

void Executor::Run::buildAndRun()
{
    oneapi::tbb::task_arena arena(m_threads);
    // execute() may hand the functor to a worker of the arena when the
    // calling thread cannot join it; what this thread did so far (the
    // caller's sink, the events already sent) must happen-before, visibly
    // to ThreadSanitizer too.
    m_handedOver.store(true, std::memory_order_release);
    arena.execute([this] {
        (void)m_handedOver.load(std::memory_order_acquire);
        // The graph attaches to the arena it is built in: every task it
        // spawns, also from the reactor thread, runs on this arena's workers.
        flow::graph g;
        std::deque<ContinueNode> nodes;
        AsyncNode async(g, flow::unlimited,
                        [this](const NodeIndex &i, Gateway &) { onDispatched(i); });
        flow::function_node<Wakeup> completer(g, flow::unlimited, [this](const Wakeup &w) {
            onWakeup(w);
            return flow::continue_msg();
        });
        flow::make_edge(async, completer);

        const NodeIndex count = NodeIndex(m_graph->size());
        for (NodeIndex i = 0; i < count; ++i) {
            // With edges, make_edge() registers each predecessor.
            const int manual = m_completesInBody ? 0 : int(m_graph->predecessors(i).size());
            nodes.emplace_back(g, manual, [this, i](const flow::continue_msg &) {
                onReady(i);
                return flow::continue_msg();
            });
        }
        if (m_completesInBody) {
            for (NodeIndex i = 0; i < count; ++i) {
                for (NodeIndex s : m_graph->successors(i))
                    flow::make_edge(nodes[i], nodes[s]);
            }
        }
        m_flowGraph = &g;
        m_nodes = &nodes;
        m_async = &async;
        m_published.store(true, std::memory_order_release);
        for (NodeIndex i = 0; i < count; ++i) {
            if (m_graph->predecessors(i).empty())
                nodes[i].try_put(flow::continue_msg());
        }
        g.wait_for_all();
        m_async = nullptr;
        m_nodes = nullptr;
        m_flowGraph = nullptr;
    });
}

RunSummary Executor::Run::summarize()
{
    const std::size_t count = m_workflow->nodes.size();
    RunFinished finished;
    std::vector<double> start(count), end(count);
    bool anyFailed = false;
    for (std::size_t i = 0; i < count; ++i) {
        NodeRuntime &rt = m_rt[i];
        // Everything a worker did for this node happens-before this load; the
        // graph's own wait gives the same order, invisibly to ThreadSanitizer.
        rt.retired.load(std::memory_order_acquire);
        NodeState state = rt.state.load(std::memory_order_acquire);
        if (!isFinal(state)) {
            // A scheduling bug must not pass silently as a clean run.
            finished.errors.push_back("internal error: node " + m_workflow->nodes[i].id
                                      + " never finished");
            finishUnrun(NodeIndex(i), NodeState::Cancelled, -1, "never started (internal error)");
            state = NodeState::Cancelled;
        }
        ++finished.counts[std::size_t(state)];
        anyFailed = anyFailed || state == NodeState::Failed;
        start[i] = rt.firstStart;
        end[i] = rt.end;
        if (rt.firstStart >= 0)
            finished.work += rt.end - rt.firstStart;
    }
    for (int pgid : m_reactor ? m_reactor->survivingProcessGroups() : std::vector<int>())
        finished.errors.push_back("process group " + std::to_string(pgid)
                                  + " outlived its node and was killed");

    CriticalPath path = findCriticalPath(*m_graph, start, end);
    finished.criticalPath = std::move(path.nodes);
    finished.criticalPathDuration = path.duration;
    finished.t = now();
    finished.wall = finished.t;
    finished.parallelism = finished.wall > 0 ? finished.work / finished.wall : 0;
    finished.outcome = m_cancelled.load() != 0           ? RunOutcome::Cancelled
                       : anyFailed || !finished.errors.empty() ? RunOutcome::Failed
                                                               : RunOutcome::Succeeded;

    RunSummary summary;
    summary.outcome = finished.outcome;
    summary.counts = finished.counts;
    summary.wall = finished.wall;
    summary.errors = finished.errors;
    m_sink.runFinished(finished);
    return summary;
}

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
        if (state == NodeState::Failed) {
            finishUnrun(i, NodeState::Skipped, int(p), "skipped: needs " + need + ", which failed");
        } else {
            const int root = m_rt[p].rootCause;
            finishUnrun(i, NodeState::Skipped, root,
                        "skipped: needs " + need + ", which was skipped"
                            + (root >= 0 ? " (" + node(NodeIndex(root)).id + " failed)" : ""));
        }
        return;
    }
    if (halted()) {
        finishHalted(i);
        return;
    }
    admit(i, true);
}

void Executor::Run::admit(NodeIndex i, bool onWorker)
{
    if (m_completesInBody) {
        // At most m_threads bodies run at once and m_threads <= m_jobs, so
        // the worker's own arena index is a job slot nobody else holds now.
        begin(i, oneapi::tbb::this_task_arena::current_thread_index(), onWorker);
        return;
    }
    WaitReason reason = WaitReason::None;
    std::string detail;
    const int slot = m_admission->tryAdmit(i, reason, detail);
    if (slot >= 0) {
        begin(i, slot, onWorker);
        return;
    }
    NodeStateChanged waiting;
    waiting.t = now();
    waiting.node = i;
    waiting.state = NodeState::Waiting;
    waiting.attempt = m_rt[i].attempt.load(std::memory_order_relaxed);
    waiting.reason = reason;
    waiting.detail = reason == WaitReason::JobSlot ? "no free job slot" : std::move(detail);
    m_sink.nodeStateChanged(waiting);

    std::vector<Admission::Grant> granted;
    if (!m_admission->wait(i, granted)) {
        finishHalted(i);
        return;
    }
    dispatch(granted);
}

void Executor::Run::begin(NodeIndex i, int slot, bool onWorker)
{
    NodeRuntime &rt = m_rt[i];
    rt.slot = slot;
    if (!onWorker || m_graph->node(i).site != ExecutionSite::WorkerThread) {
        rt.grantedSlot.store(slot, std::memory_order_release);
        m_async->try_put(i);
        return;
    }
    start(i);
}

// Runs node `i`, which holds its slot (and units), on this worker, or hands
// it to the reactor.
void Executor::Run::start(NodeIndex i)
{
    NodeRuntime &rt = m_rt[i];
    if (halted()) {
        // Admitted just as the run stopped: under -j 1 nothing may start after a failure.
        releaseSlot(i);
        if (rt.lastFailure)
            finishRan(i, m_cancelled.load() ? NodeState::Cancelled : NodeState::Failed,
                      rt.lastFailure.get(), false);
        else
            finishHalted(i);
        return;
    }
    if (m_graph->node(i).site == ExecutionSite::WorkerThread)
        runInProcess(i);
    else
        startAsync(i);
}

// The async_node body: a node admitted elsewhere, or a process or timer.
void Executor::Run::onDispatched(NodeIndex i)
{
    acquireRun();
    NodeRuntime &rt = m_rt[i];
    rt.slot = rt.grantedSlot.load(std::memory_order_acquire);
    start(i);
}

// When node `i`, admitted at once, starts. Where nodes complete in their
// bodies, the need that finished last released `i`; if it finished on this
// thread and no other node body ran here since, this body is the very next
// thing the thread did, so that instant is `i`'s start too. Otherwise
// (another thread, a steal, a gap), read the clock.
double Executor::Run::readyTime(NodeIndex i) const
{
    const LastEnd &last = t_previous;
    if (!m_completesInBody || last.run != m_serial)
        return now();
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

int Executor::Run::beginAttempt(NodeIndex i)
{
    NodeRuntime &rt = m_rt[i];
    const int attempt = rt.attempt.load(std::memory_order_relaxed) + 1;
    rt.attempt.store(attempt, std::memory_order_relaxed);
    rt.attemptStart = attempt == 1 ? readyTime(i) : now();
    if (rt.firstStart < 0)
        rt.firstStart = rt.attemptStart;
    rt.worker = -1;
    rt.pid = 0;
    return attempt;
}

void Executor::Run::emitRunning(NodeIndex i, int attempt)
{
    const NodeRuntime &rt = m_rt[i];
    NodeStateChanged running;
    running.t = rt.pid == 0 ? rt.attemptStart : now();
    running.node = i;
    running.state = NodeState::Running;
    running.attempt = attempt;
    running.pid = rt.pid;
    running.worker = rt.worker;
    running.slot = rt.slot;
    m_sink.nodeStateChanged(running);
}

namespace {

// Turns an in-process operation's output into events, keeping a stderr tail
// for the failure report.
class InProcessOutput final : public OperationOutput
{
public:
    InProcessOutput(EventSink &sink, NodeIndex node, Clock::time_point t0)
        : m_sink(sink), m_node(node), m_t0(t0)
    {}
    void write(bool toStderr, std::string_view text) override
    {
        m_sink.output({now(), m_node, toStderr ? OutputStream::Stderr : OutputStream::Stdout, text});
        if (toStderr) {
            m_stderrTail.append(text);
            if (m_stderrTail.size() > kStderrTailBytes)
                m_stderrTail.erase(0, m_stderrTail.size() - kStderrTailBytes);
        }
    }
    void progress(double fraction, std::string_view message) override
    {
        m_sink.progress({now(), m_node, std::clamp(fraction, 0.0, 1.0), std::string(message)});
    }
    std::string takeStderrTail() { return std::move(m_stderrTail); }

private:
    double now() const { return std::chrono::duration<double>(Clock::now() - m_t0).count(); }
    EventSink &m_sink;
    NodeIndex m_node;
    Clock::time_point m_t0;
    std::string m_stderrTail;
};

} // namespace

void Executor::Run::runInProcess(NodeIndex i)
{
    NodeRuntime &rt = m_rt[i];
    const RunGraph::NodeInfo &info = m_graph->node(i);
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
            NodeRuntime &r = m_rt[i];
            if (!cancelled && r.attempt.load() == attempt) {
                r.timedOut.store(true);
                r.cancelFlag.store(true);
            }
            gw.release_wait();
        });
    }

    InProcessOutput output(m_sink, i, m_t0);
    OperationContext context{node(i), m_base, rt.cancelFlag, output};
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
        rt.end = now();
        if (m_completesInBody)
            t_lastEnd = {m_serial, i, rt.end};
        AttemptFinished finishedAttempt;
        finishedAttempt.t = rt.end;
        finishedAttempt.node = i;
        finishedAttempt.attempt = attempt;
        finishedAttempt.start = rt.attemptStart;
        finishedAttempt.end = rt.end;
        finishedAttempt.slot = rt.slot;
        finishedAttempt.worker = rt.worker;
        finishedAttempt.ok = true;
        m_sink.attemptFinished(finishedAttempt);
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

void Executor::Run::startAsync(NodeIndex i)
{
    const Node &n = node(i);
    const RunGraph::NodeInfo &info = m_graph->node(i);
    const int attempt = beginAttempt(i);
    gateway().reserve_wait();

    if (info.site == ExecutionSite::Timer) {
        const double seconds = n.params.value("seconds", 0.0);
        const bool timesOut = info.timeout > 0 && info.timeout < seconds;
        emitRunning(i, attempt);
        const Handle timer = m_reactor->startTimer(timesOut ? info.timeout : seconds,
                              [this, i, timesOut, timeout = info.timeout](bool cancelled) {
                                  auto *r = new AttemptResult;
                                  r->cancelled = cancelled;
                                  r->ok = !cancelled && !timesOut;
                                  if (cancelled)
                                      r->error = "cancelled";
                                  else if (timesOut)
                                      r->error = "timed out after " + formatSeconds(timeout) + " s";
                                  deliver(i, r);
                              });
        cancelIfCancelled(timer);
        return;
    }

    ProcessSpec spec;
    if (const auto it = n.params.find("argv"); it != n.params.end() && it->is_array()) {
        for (const auto &arg : *it)
            spec.argv.push_back(arg.is_string() ? arg.get<std::string>() : arg.dump());
    } else {
        spec.command = n.params.value("command", std::string());
    }
    spec.cwd = m_base;
    if (const auto it = n.params.find("cwd"); it != n.params.end() && it->is_string()) {
        spec.cwdDisplay = it->get<std::string>();
        spec.cwd = (m_base / spec.cwdDisplay).lexically_normal();
    }
    if (const auto it = n.params.find("env"); it != n.params.end() && it->is_object()) {
        for (const auto &[key, value] : it->items())
            spec.env[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    if (info.timeout > 0)
        spec.timeoutSeconds = info.timeout;
    spec.killGrace = m_options.killGrace;

    ProcessCallbacks callbacks;
    callbacks.started = [this, i, attempt](int pid) {
        m_rt[i].pid = pid;
        emitRunning(i, attempt);
    };
    callbacks.output = [this, i](OutputStream stream, std::string_view text) {
        m_sink.output({now(), i, stream, text});
    };
    callbacks.progress = [this, i](double fraction, std::string_view message) {
        m_sink.progress({now(), i, std::clamp(fraction, 0.0, 1.0), std::string(message)});
    };
    callbacks.finished = [this, i, attempt](ProcessOutcome outcome) {
        if (!outcome.spawned && m_rt[i].pid == 0)
            emitRunning(i, attempt); // a failed spawn is an attempt too: keep the event order
        auto *r = new AttemptResult;
        r->ok = outcome.ok;
        r->cancelled = outcome.cancelled;
        r->exitCode = outcome.exitCode;
        r->signal = outcome.signal;
        r->error = outcome.ok ? std::string() : std::move(outcome.error);
        if (!outcome.ok && r->error.empty())
            r->error = "failed";
        r->stderrTail = std::move(outcome.stderrTail);
        r->command = std::move(outcome.commandLine);
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
void Executor::Run::deliver(NodeIndex i, AttemptResult *result)
{
    Gateway &gw = gateway(); // before the hand-over: the node may retire at once
    m_rt[i].result.store(result, std::memory_order_release);
    gw.try_put({i, Wakeup::AttemptDone, false});
    gw.release_wait();
}

void Executor::Run::onWakeup(const Wakeup &wakeup)
{
    acquireRun();
    if (wakeup.kind == Wakeup::RetryDue) {
        retryDue(wakeup.node, wakeup.cancelled);
        return;
    }
    std::unique_ptr<AttemptResult> result(
        m_rt[wakeup.node].result.exchange(nullptr, std::memory_order_acquire));
    attemptDone(wakeup.node, std::move(result));
}

void Executor::Run::attemptDone(NodeIndex i, std::unique_ptr<AttemptResult> result)
{
    NodeRuntime &rt = m_rt[i];
    const int attempt = rt.attempt.load(std::memory_order_relaxed);
    rt.end = now();
    const bool cancelled = !result->ok && m_cancelled.load() != 0;
    const bool retry = !result->ok && !cancelled && attempt <= m_graph->node(i).retries
                       && !halted();

    AttemptFinished finishedAttempt;
    finishedAttempt.t = rt.end;
    finishedAttempt.node = i;
    finishedAttempt.attempt = attempt;
    finishedAttempt.start = rt.attemptStart;
    finishedAttempt.end = rt.end;
    finishedAttempt.slot = rt.slot;
    finishedAttempt.worker = rt.worker;
    finishedAttempt.pid = rt.pid;
    finishedAttempt.ok = result->ok;
    finishedAttempt.error = result->error;
    if (retry)
        finishedAttempt.retryIn = backoffSeconds(attempt);
    m_sink.attemptFinished(finishedAttempt);

    if (!retry) {
        finishRan(i, result->ok ? NodeState::Succeeded
                     : cancelled ? NodeState::Cancelled
                                 : NodeState::Failed,
                  result.get(), true);
        return;
    }
    // Back off holding neither a thread nor the job slot.
    rt.lastFailure = std::move(result);
    releaseSlot(i);
    gateway().reserve_wait();
    const Handle timer = m_reactor->startTimer(finishedAttempt.retryIn, [this, i](bool c) {
        Gateway &gw = gateway();
        m_rt[i].backoffTimer.store(0);
        gw.try_put({i, Wakeup::RetryDue, c});
        gw.release_wait();
    });
    rt.backoffTimer.store(timer);
    if (halted()) // stopped or cancelled meanwhile: stopAfter() may have missed this timer
        m_reactor->cancel(timer, std::chrono::milliseconds(0));
}

void Executor::Run::retryDue(NodeIndex i, bool timerCancelled)
{
    NodeRuntime &rt = m_rt[i];
    if (timerCancelled || halted()) {
        const NodeState outcome = m_cancelled.load() ? NodeState::Cancelled : NodeState::Failed;
        finishRan(i, outcome, rt.lastFailure.get(), false);
        return;
    }
    admit(i, true);
}

void Executor::Run::finishRan(NodeIndex i, NodeState outcome, const AttemptResult *last,
                              bool holdsSlot, double t)
{
    NodeRuntime &rt = m_rt[i];
    if (outcome == NodeState::Failed && m_policy == FailurePolicy::Stop) {
        std::int64_t none = -1;
        m_stopCause.compare_exchange_strong(none, std::int64_t(i));
    }
    NodeFinished finished;
    finished.t = t >= 0 ? t : now();
    finished.node = i;
    finished.outcome = outcome;
    finished.start = rt.firstStart;
    finished.duration = rt.end - rt.firstStart;
    finished.attempts = rt.attempt.load(std::memory_order_relaxed);
    if (last) {
        finished.exitCode = last->exitCode;
        if (last->signal != 0)
            finished.signal = signalName(last->signal);
        finished.command = last->command;
        if (outcome != NodeState::Succeeded) {
            finished.error = last->error;
            finished.stderrTail = last->stderrTail;
        }
    }
    m_sink.nodeFinished(finished);
    rt.state.store(outcome, std::memory_order_release);
    rt.lastFailure.reset();
    if (holdsSlot)
        releaseSlot(i);
    if (outcome == NodeState::Failed && m_stopCause.load() == std::int64_t(i))
        stopAfter(i);
    notifySuccessors(i);
    rt.retired.store(true, std::memory_order_release);
}

void Executor::Run::finishUnrun(NodeIndex i, NodeState outcome, int cause, std::string error)
{
    NodeRuntime &rt = m_rt[i];
    rt.rootCause = cause;
    NodeFinished finished;
    finished.t = now();
    finished.node = i;
    finished.outcome = outcome;
    finished.error = std::move(error);
    if (cause >= 0)
        finished.causeNode = node(NodeIndex(cause)).id;
    m_sink.nodeFinished(finished);
    rt.state.store(outcome, std::memory_order_release);
    if (m_nodes)
        notifySuccessors(i);
    rt.retired.store(true, std::memory_order_release);
}

void Executor::Run::finishHalted(NodeIndex i)
{
    if (m_cancelled.load() != 0) {
        finishUnrun(i, NodeState::Cancelled, -1, "cancelled");
        return;
    }
    const int cause = int(m_stopCause.load());
    finishUnrun(i, NodeState::Skipped, cause,
                "skipped: the run stopped after " + node(NodeIndex(cause)).id + " failed");
}

void Executor::Run::releaseSlot(NodeIndex i)
{
    if (m_completesInBody) { // the slot was the worker's index: see admit()
        m_rt[i].slot = -1;
        return;
    }
    std::vector<Admission::Grant> granted;
    m_admission->release(i, m_rt[i].slot, granted);
    m_rt[i].slot = -1;
    if (halted() && m_admission->hasWaiters()) {
        // Whoever releases after a stop or cancel ends the waiters, which
        // hold nothing; grants made just before still come through begin().
        std::vector<NodeIndex> drained;
        m_admission->halt(drained);
        for (NodeIndex waiter : drained)
            finishHalted(waiter);
    }
    dispatch(granted);
}

void Executor::Run::dispatch(const std::vector<Admission::Grant> &granted)
{
    for (const Admission::Grant &g : granted) {
        m_rt[g.node].slot = g.slot;
        m_rt[g.node].grantedSlot.store(g.slot, std::memory_order_release);
        m_async->try_put(g.node);
    }
}

void Executor::Run::notifySuccessors(NodeIndex i)
{
    if (m_completesInBody)
        return; // the node's body is returning: its edges carry the message
    for (NodeIndex s : m_graph->successors(i))
        (*m_nodes)[s].try_put(flow::continue_msg());
}

// The first failure under policy stop: nothing new starts. Waiters end
// skipped now; nodes backing off before a retry stop waiting.
void Executor::Run::stopAfter(NodeIndex)
{
    std::vector<NodeIndex> drained;
    m_admission->halt(drained);
    for (NodeIndex waiter : drained)
        finishHalted(waiter);
    for (std::size_t k = 0; k < m_graph->size(); ++k) {
        if (const Handle timer = m_rt[k].backoffTimer.load(); timer != 0)
            m_reactor->cancel(timer, std::chrono::milliseconds(0));
    }
}

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

} // namespace weft
