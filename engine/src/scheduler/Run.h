// SPDX-License-Identifier: Apache-2.0
#pragma once

// One run of a workflow: a validated workflow becomes one tbb::flow::graph.
// Executor (weft/Executor.h) is the public face; this class is the run's
// state machine, spread over the files of this folder by concern:
//   Run.cpp             build the graph, run it, summarize (runFinished)
//   NodeLifecycle.cpp   ready -> admitted -> started -> final, skips, stop
//   Attempts.cpp        attempts, retries with backoff, the running event
//   InProcessWork.cpp   an in-process operation on a worker, its timeout
//   ReactorBridge.cpp   processes and timers: the operation's Launch to the
//                       reactor, and its completions back into the graph
//   FanOut.cpp          a `foreach` node: its items, its instances (units
//                       scheduled like nodes), their aggregate; and the
//                       expansion of references before a unit starts
//   UpToDate.cpp        incremental runs: a unit with declared outputs that
//                       RunOptions::incremental finds up to date ends
//                       succeeded before it is admitted, holding no job slot
// A new way to run a node (a launcher, an isolation helper) enters through
// OperationType::launch and the reactor, not through a new branch here.
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
//   each node is final before its body returns. Such a run builds no node
//   per workflow node at all: per node an atomic count of unfinished needs,
//   and one function_node that runs a ready node. A finishing node runs the
//   last successor it made ready next, on the same thread, in the same task
//   (runChain(): what oneTBB's task bypass does through real edges, without
//   building an edge per need first), and hands the others to the
//   function_node, where the other threads steal them. A successor whose
//   operation declares that it holds no worker (noop: it finishes at once),
//   and that has no up-to-date check or expansion to do first, is never
//   handed over: a steal costs more than running it, and a second
//   thread taking turns at nodes that do nothing made -j 2 slower than -j 1.
//   It runs on this thread, and a node that may take long runs here next
//   only when none waits here behind it, so nothing stealable is held back
//   behind a long one. Otherwise a node may
//   finish long after its body returned (a process, a wait for a pool), so
//   completion is signalled by hand with try_put() to each successor's
//   continue_node, built with its predecessor count.
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
// - A fan-out's instances that can wait for nothing but a job slot run on
//   runners (FanOut.cpp): each slot the fan-out gets, at once or through a
//   ticket queued in Admission, takes the next instance nobody has taken
//   until none is left, holding the slot throughout, so an instance costs
//   no queueing, no lock and no task of its own.
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
#include "weft/Incremental.h"
#include "weft/Operation.h"
#include "weft/Workflow.h"

#include "data/Expansion.h"
#include "process/ProcessReactor.h"
#include "scheduler/Admission.h"
#include "scheduler/RunGraph.h"
#include "scheduler/Unit.h"

#include <oneapi/tbb/flow_graph.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace weft {

namespace detail {

namespace flow = oneapi::tbb::flow;
using Clock = std::chrono::steady_clock;
using Handle = ProcessReactor::Handle;

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
// Inline with a constant initializer: every file of the run reaches them
// directly, without the wrapper call an extern thread_local would cost.
inline thread_local LastEnd t_lastEnd;  // set when an in-process node ends
inline thread_local LastEnd t_previous; // t_lastEnd as the current body found it

// The chain a ready-node body is running (Run::runChain()): the ready nodes
// this thread runs next, the last first. Null outside one.
struct Chain
{
    const void *run = nullptr; // the Run whose body this is
    std::vector<NodeIndex> pending;
};
inline thread_local Chain *t_chain = nullptr;
inline std::atomic<std::uint64_t> g_runSerial{0};

struct AttemptResult
{
    bool ok = false;
    bool cancelled = false;
    std::optional<int> exitCode;
    int signal = 0;
    std::string error;
    std::string stderrTail;
    std::string shownAs; // the program as people read it, for error reports
    std::string jobId;   // Slurm: the job, and the host it ran on
    std::string host;
    double queuedUntil = -1; // Slurm: when the job left the queue (run time); -1: never seen to
    double cpu = -1;         // a local process's CPU seconds (ProcessOutcome::cpuSeconds); -1: unknown
    NamedValues outputs; // reported by the attempt: `::output` lines, a built-in's own
    bool slotReleased = false; // a trigger gave its job slot back when it began to wait
};

// What a reactor completion or a retry timer tells the completer node.
struct Wakeup
{
    enum Kind : std::uint8_t { AttemptDone, RetryDue };
    Unit unit = 0;
    Kind kind = AttemptDone;
    bool cancelled = false; // RetryDue: the timer was cancelled
};

struct NodeRuntime
{
    std::atomic<NodeState> state{NodeState::Pending}; // final states published with release
    std::atomic<bool> cancelFlag{false};               // what the in-process operation polls
    std::atomic<int> attempt{0};                       // read by timeout timers
    std::atomic<bool> timedOut{false};
    bool cached = false; // succeeded without running (UpToDate.cpp); read after `retired`.
                         // Here, in padding: the struct must not grow for every run.
    bool chained = false; // an instance run by its fan-out's runner, which holds the slot
    std::atomic<int> grantedSlot{-1};                  // dispatcher -> async body
    std::atomic<AttemptResult *> result{nullptr};      // reactor -> completer
    std::atomic<Handle> backoffTimer{0};
    std::atomic<bool> retired{false};                  // set last: the run thread acquires it
    std::unique_ptr<AttemptResult> lastFailure;        // kept across a retry backoff
    int slot = -1;
    int worker = -1;
    int pid = 0;
    std::int64_t rootCause = -1; // skipped: the failed unit behind it
    double firstStart = -1;
    double attemptStart = 0;
    double end = 0;
    // The node as this unit runs it, references expanded (data/Expansion.h);
    // null when it has none.
    std::unique_ptr<Node> expanded;
    // Instead, for a node whose launch plan expands them itself
    // (RunGraph::NodeInfo::launchExpands): what every attempt starts, and
    // its outputs and inputs expanded when they hold references (null: as
    // written).
    std::unique_ptr<Launch> planned;
    std::unique_ptr<NamedValues> plannedOutputs;
    std::unique_ptr<NamedValues> plannedInputs;
    // Its outputs, kept after it succeeded when a later node refers to them
    // (RunGraph::NodeInfo::referenced) or it is a fan-out instance.
    std::unique_ptr<NamedValues> kept;
};

// A fan-out node's instances, allocated once its items are known and
// published with release (Run::m_fanOuts): cancel() and the instances'
// own threads find them there.
struct FanOut
{
    explicit FanOut(std::vector<std::string> list)
        : items(std::move(list)), rt(new NodeRuntime[items.size()]), remaining(items.size())
    {}
    std::vector<std::string> items;
    std::unique_ptr<NodeRuntime[]> rt;
    // Each on a cache line of its own, apart from what every unit reads
    // above: runners on every worker write them once per instance. Padding,
    // not alignas: an over-aligned type would be allocated by memalign.
    char padding1[64];
    std::atomic<std::size_t> remaining; // instances not final yet; the last one ends the node
    char padding2[64];
    std::atomic<std::size_t> next{0}; // runners: the next instance nobody has taken
    std::atomic<std::size_t> cached{0}; // instances that were up to date
};

// A fan-out's runner: a job slot that runs the node's instances one after
// another (FanOut.cpp). Queued in Admission as a unit of its own, with this
// instance number, until a slot comes free.
constexpr int kRunnerTicket = 0x7ffffffe;
constexpr bool isRunnerTicket(Unit u)
{
    return unitInstance(u) == kRunnerTicket;
}
struct RunnerStart
{
    NodeIndex node = 0;
    int slot = -1;
};

// "%g": how the executor writes seconds into its messages ("timed out after 2 s").
std::string formatSeconds(double seconds);

// Launchers.cpp: which nodes run on Slurm (one flag per node; empty: none),
// and the launcher a run's reactor starts processes with (null: the local one).
std::vector<char> nodesOnSlurm(const Workflow &workflow, const std::string &launcherOverride);
std::unique_ptr<ProcessLauncher> launcherFor(const std::vector<char> &onSlurm,
                                             const RunOptions &options);

} // namespace detail

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
    using Clock = detail::Clock;
    using Handle = detail::Handle;
    using NodeRuntime = detail::NodeRuntime;
    using AttemptResult = detail::AttemptResult;
    using Wakeup = detail::Wakeup;
    using FanOut = detail::FanOut;
    using ContinueNode = detail::flow::continue_node<detail::flow::continue_msg>;
    using ReadyNode = detail::flow::function_node<NodeIndex, detail::flow::continue_msg>;
    using AsyncNode = detail::flow::async_node<Unit, Wakeup>;
    using RunnerNode = detail::flow::function_node<detail::RunnerStart, detail::flow::continue_msg>;
    using Gateway = AsyncNode::gateway_type;

    double now() const { return std::chrono::duration<double>(Clock::now() - m_t0).count(); }
    bool halted() const
    {
        return m_cancelled.load(std::memory_order_seq_cst) != 0
               || m_stopCause.load(std::memory_order_seq_cst) >= 0;
    }
    const Node &node(NodeIndex i) const { return m_workflow->nodes[i]; }
    NodeRuntime &rt(Unit u)
    {
        const int k = unitInstance(u);
        return k < 0 ? m_rt[unitNode(u)]
                     : m_fanOuts[unitNode(u)].load(std::memory_order_acquire)->rt[k];
    }
    const NodeRuntime &rt(Unit u) const { return const_cast<Run *>(this)->rt(u); }
    // What an operation sees of unit `u`: its references expanded. Not for
    // a unit with a planned launch, whose node is never expanded whole.
    const Node &nodeFor(Unit u) const
    {
        const NodeRuntime &r = rt(u);
        return r.expanded ? *r.expanded : node(unitNode(u));
    }
    // The outputs unit `u` declares, its references expanded.
    const NamedValues &declaredOutputs(Unit u) const
    {
        const NodeRuntime &r = rt(u);
        return r.plannedOutputs ? *r.plannedOutputs : nodeFor(u).outputs;
    }
    std::string unitName(Unit u) const; // "compile" or "compile[3]"
    template<typename Event>
    static void stamp(Event &event, Unit u)
    {
        event.node = unitNode(u);
        event.instance = unitInstance(u);
    }
    Gateway &gateway() { return m_async->gateway(); }
    // Every task body starts here: what the run thread built before the first
    // try_put happens-before the body, visibly to ThreadSanitizer too.
    void acquireRun() const { (void)m_published.load(std::memory_order_acquire); }

    RunSummary invalid();
    void buildAndRun();
    RunSummary summarize();

    void onReady(NodeIndex i);
    void admit(Unit u, bool onWorker);
    void begin(Unit u, int slot, bool onWorker);
    void start(Unit u);
    void onDispatched(Unit u);
    void runInProcess(Unit u);
    void startAsync(Unit u);
    void startTimerAttempt(Unit u, int attempt, double seconds);
    void startProcessAttempt(Unit u, int attempt, ProcessCommand what);
    // Launchers.cpp: Slurm's part of a process attempt.
    bool onSlurm(NodeIndex i) const { return !m_onSlurm.empty() && m_onSlurm[i]; }
    SlurmRequest slurmRequest(Unit u) const;
    void setJobId(Unit u, const std::string &jobId);
    std::string jobIdOf(Unit u) const;
    double slurmQueued(Unit u) const; // seconds its jobs waited in the queue so far
    // TriggerBridge.cpp: a watch, timer or approval waits on the run's
    // TriggerHub, holding no thread and no job slot.
    void startTriggerAttempt(Unit u, int attempt, TriggerRequest request);
    TriggerHub &triggerHub();
    void cancelIfCancelled(Handle handle);
    void deliver(Unit u, AttemptResult *result);
    void onWakeup(const Wakeup &wakeup);
    void attemptDone(Unit u, std::unique_ptr<AttemptResult> result);
    void retryDue(Unit u, bool timerCancelled);
    double readyTime(Unit u) const;
    int beginAttempt(Unit u);
    void emitRunning(Unit u, int attempt, const std::string &host = {});
    void emitQueued(Unit u, int attempt, const std::string &pendingReason); // Launchers.cpp
    AttemptFinished attemptFinished(Unit u, int attempt, bool ok) const; // stamped at its end

    // UpToDate.cpp: only for units whose node declares outputs, and only
    // when the run has an IncrementalCheck.
    bool finishIfUpToDate(Unit u);
    // Before the graph is built: when RunOptions::incremental finds every
    // node up to date at once (IncrementalCheck::allUpToDate), each ends
    // cached, in an order that keeps needs first, and no graph is built.
    bool finishAllIfUpToDate();
    void finishCached(Unit u); // its event and final state; the caller tells the successors
    void recordSucceeded(Unit u);
    IncrementalUnit incrementalUnit(Unit u) const;

    // FanOut.cpp
    void startFanOut(NodeIndex i);
    bool startRunners(NodeIndex i, detail::FanOut &fan);
    void runInstances(NodeIndex i, int slot);
    void instanceFinal(Unit u, NodeState outcome);
    void finishFanOut(NodeIndex i, detail::FanOut &fan);
    // Expands `u`'s references before its first attempt; false (with the
    // error) when a referenced value is missing.
    bool expand(Unit u, std::string &error);
    // The same for a node whose launch plan expands them itself: plans its
    // launch once, for every attempt.
    bool planLaunch(Unit u, std::string &error);
    // The item and index of `u` when it is a fan-out instance.
    data::InstanceItem instanceItem(Unit u) const;
    const NamedValues *keptOutputs(std::string_view nodeId) const;
    void forEachInstance(const std::function<void(NodeRuntime &)> &visit);

    // `t`: when it finished, if the caller has just read the clock.
    // `last`'s outputs are moved into the event.
    void finishRan(Unit u, NodeState outcome, AttemptResult *last, bool holdsSlot,
                   double t = -1);
    void finishUnrun(Unit u, NodeState outcome, std::int64_t cause, std::string error);
    void finishHalted(Unit u);
    void releaseSlot(Unit u);
    void giveBack(Unit u, int slot); // a slot to Admission, and what that grants
    void dispatch(const std::vector<Admission::Grant> &granted);
    // Node `i` is final: its successors (or, for an instance, its fan-out) hear of it.
    void unitFinal(Unit u, NodeState outcome);
    void notifySuccessors(NodeIndex i);
    // The ready node's body: runs `first`, then every node the chain keeps
    // for this thread (Chain::pending) until none is left.
    void runChain(NodeIndex first);
    // The graph's nodes exist: a final node tells its successors.
    bool graphLive() const { return m_nodes || m_ready; }
    void stopAfter(Unit failed);

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
    bool m_completesInBody = false; // successors run chained or through m_ready: see above
    const std::uint64_t m_serial = ++detail::g_runSerial; // tells this run's LastEnd from an earlier one's

    std::unique_ptr<NodeRuntime[]> m_rt; // allocated first: cancel() may touch it at any time
    // Launchers.cpp: per node, whether it runs on Slurm (empty: none does);
    // the job id of a unit's current attempt, for its events.
    std::vector<char> m_onSlurm;
    mutable std::mutex m_jobIdsMutex;
    std::unordered_map<Unit, std::string> m_jobIds;
    // Seconds each Slurm unit's attempts waited in the cluster's queue,
    // holding a job slot without working (why_serial's slurm_queue).
    std::unordered_map<Unit, double> m_slurmQueued; // under m_jobIdsMutex
    std::unique_ptr<ProcessReactor> m_reactor;
    const RunGraph *m_graph = nullptr; // m_compiled's
    std::unique_ptr<Admission> m_admission;
    std::unique_ptr<TriggerHub> m_ownTriggers; // when RunOptions::triggers is null, made on first use
    std::once_flag m_triggersOnce;

    std::atomic<int> m_cancelled{0};
    std::atomic<bool> m_handedOver{false}; // see buildAndRun()
    std::atomic<bool> m_published{false}; // the graph and everything above, built: see acquireRun()
    std::atomic<std::int64_t> m_stopCause{-1}; // the unit whose failure stopped the run (policy stop)
    // Per node, its instances once its items are known; null without fan-out.
    std::unique_ptr<std::atomic<detail::FanOut *>[]> m_fanOuts;
    std::unordered_map<std::string_view, NodeIndex> m_indexOf; // filled when nodes hold references
    // RunOptions::shuffle is set: ready units wait for their seeded turn.
    bool m_shuffled = false;
    // Per node, its needs not final yet: shuffled, so that a finishing node
    // tells Admission how many became ready; where nodes complete in their
    // bodies, to know which successor is ready. Null in other runs.
    std::unique_ptr<std::atomic<int>[]> m_unfinishedNeeds;
    void arrivedReady();

    detail::flow::graph *m_flowGraph = nullptr;
    std::deque<ContinueNode> *m_nodes = nullptr;
    // Runs that complete in bodies: the one node that runs a ready node.
    ReadyNode *m_ready = nullptr;
    AsyncNode *m_async = nullptr;
    RunnerNode *m_runners = nullptr;
};

} // namespace weft
