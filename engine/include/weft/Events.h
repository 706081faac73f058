// SPDX-License-Identifier: Apache-2.0
#pragma once

// The event stream: the only way out of a run (DESIGN.md, "Events" and
// "Contract: the event stream as JSON lines"). The executor calls an
// EventSink from any thread. Calls about one node arrive in order and never
// concurrently; calls about different nodes may be concurrent, so a sink
// must be thread-safe. runStarted comes first and runFinished last, alone.
//
// Nodes are named by their index into RunStarted::workflow->nodes, which
// stays valid until runFinished returns.

#include "weft/ProcessCommand.h" // OutputStream
#include "weft/StringOrList.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

struct Workflow;

using NodeIndex = std::uint32_t;

// Events about one instance of a fan-out node (DESIGN.md, "Fan-out") name
// the node by its index and the instance by `instance`, 0-based; -1 means
// the node itself. Which item an instance has was said once, by
// FanOutResolved, before any event of its instances.
inline constexpr int kNoInstance = -1;

enum class NodeState : std::uint8_t {
    Pending,   // some needs are unfinished
    Waiting,   // needs met; held by a full pool, a busy non-reentrant type or no free job slot
    Running,
    Succeeded,
    Failed,
    Skipped,   // never ran: an upstream failed, or the run stopped after a failure
    Cancelled, // the run was cancelled before this node finished
};
inline constexpr int kNodeStateCount = 7;

std::string_view toString(NodeState state); // "pending", "waiting", ...
bool isFinal(NodeState state);

enum class WaitReason : std::uint8_t {
    None,
    Needs,     // with Pending: unfinished needs (detail lists them)
    Pool,      // detail names the full pool
    JobSlot,   // no free job slot
    Exclusive, // a non-reentrant operation type is already running (detail: type)
    Approval,  // an approval gate waits for a person (detail: its message)
    Trigger,   // a watch or timer node waits for its event (detail: what it waits for)
    SlurmQueue, // submitted to Slurm, its job not started yet (jobId, pendingReason); holds its job slot
};

std::string_view toString(WaitReason reason); // "needs", "pool", "job slot", "exclusive", "slurm queue"

enum class RunOutcome : std::uint8_t { Succeeded, Failed, Cancelled };
std::string_view toString(RunOutcome outcome);

// Every node is pending from runStarted on. The executor sends no pending
// event per node: a run of 100,000 small nodes would pay for 100,000 calls
// that only a log needs. A sink that shows pending nodes (the JSON-lines
// stream, the window) takes them from the workflow, naming the needs with
// pendingDetail().
struct RunStarted
{
    double t = 0; // seconds since the run started
    const Workflow *workflow = nullptr;
    std::size_t nodes = 0;
    int jobs = 0;    // effective job limit
    int threads = 0; // effective arena size
    bool valid = true; // false: the workflow is invalid and nothing will run
    // Watch mode (weft/WatchSession.h): the round this run is, from 1; every
    // event of the run belongs to it. 0: not a watch session.
    int round = 0;
};

// EventMailbox.cpp holds NodeStateChanged, AttemptFinished and NodeFinished
// without their strings when they have none: a field added to one of them
// must be added to its compact form there too.
struct NodeStateChanged
{
    double t = 0;
    NodeIndex node = 0;
    int instance = kNoInstance;
    NodeState state = NodeState::Pending;
    int attempt = 0; // from 1; 0 before the first attempt
    WaitReason reason = WaitReason::None;
    std::string detail; // Pending: the unfinished needs; Waiting: pool or type; free text
    int pid = 0;        // Running, child process: its pid
    int worker = -1;    // Running, in-process: TBB worker index (this_task_arena::current_thread_index)
    int slot = -1;      // Running: job slot 0..jobs-1 (the trace lane)
    std::string jobId;  // Running or Waiting in the Slurm queue: the job id
    std::string pendingReason; // Waiting in the Slurm queue: Slurm's reason ("Priority", "Resources", ...)
    std::string host;          // Running, on Slurm: the node the job started on (once known)
};

struct OutputChunk
{
    double t = 0;
    NodeIndex node = 0;
    int instance = kNoInstance;
    OutputStream stream = OutputStream::Stdout;
    std::string_view text; // valid only during the call
};

struct ProgressUpdate
{
    double t = 0;
    NodeIndex node = 0;
    int instance = kNoInstance;
    double fraction = 0; // 0..1
    std::string message;
};

// One attempt of a node ended (there may be more: retries). Emitted before
// the next attempt's Running state, and before NodeFinished for the last.
struct AttemptFinished
{
    double t = 0;
    NodeIndex node = 0;
    int instance = kNoInstance;
    int attempt = 1;
    double start = 0; // seconds since the run started
    double end = 0;
    int slot = -1;
    int worker = -1;
    int pid = 0;
    bool ok = false;
    std::string error;
    std::string jobId; // on Slurm: the job and the host (node) it ran on
    std::string host;
    // On Slurm: when the job left the queue and started (seconds since the
    // run started); start..queuedUntil was spent waiting in the Slurm queue.
    // -1: not on Slurm, or the job never started.
    double queuedUntil = -1;
    double retryIn = -1; // the node runs again after this many seconds (retries); -1: it does not
};

struct NodeFinished
{
    double t = 0;
    NodeIndex node = 0;
    int instance = kNoInstance;
    NodeState outcome = NodeState::Succeeded; // a final state
    std::optional<int> exitCode;              // processes that exited
    std::string signal;                       // "SIGKILL", or empty
    std::string error;                        // empty when it succeeded; for skipped: the reason
    std::string causeNode;                    // skipped: the failed upstream (or the failure that stopped the run)
    double duration = 0;                      // first attempt's start to last attempt's end
    double start = -1;                        // seconds since run start; -1 if it never ran
    int attempts = 0;
    std::string command;    // processes: the command line, for error reports
    std::string stderrTail; // the last lines of stderr (bounded)
    // Succeeded only: the node's declared outputs as written, and what it
    // reported (`::output` lines, a built-in's own). A declared name keeps
    // its declared value. Empty, and unallocated, for most nodes.
    NamedValues outputs;
    // Succeeded without running: up to date (DESIGN.md, "Incremental runs").
    // A fan-out node is cached when it had instances and all were.
    bool cached = false;
    // The last attempt's CPU seconds (user + system) when it was a local
    // process (children it waited for included); -1: unknown. The run
    // history keeps it for the predictor, which shares cores by it.
    double cpu = -1;
    // Seconds its attempts waited in the Slurm queue (part of `duration`).
    double queued = 0;
};

// A fan-out node's items are known: when it became ready (a literal list or
// a glob) or when the node it maps over finished (a reference). Its
// instances are `items.size()`, indexed in this order; none when empty (the
// node then succeeds at once). The node itself goes on to `running` and ends
// with the aggregate of its instances: failed if any failed, else cancelled
// if any was cancelled, else skipped if any was skipped, else succeeded.
struct FanOutResolved
{
    double t = 0;
    NodeIndex node = 0;
    std::vector<std::string> items;
};

// Watch mode: what starts round `round` (weft/WatchSession.h). Sent between
// runs, before the round's runStarted; a round may have several causes.
struct TriggerFired
{
    double t = 0;  // seconds since the watch session started
    int round = 0; // the round it starts
    std::string node;  // the trigger node, or the node whose declared input changed; "" for the first round
    std::string cause; // "start", "change" (a watch node), "timer", "input" (a declared input)
    std::vector<std::string> changed; // changed paths (relative to the base directory when under it)
};

struct RunFinished
{
    double t = 0;
    RunOutcome outcome = RunOutcome::Succeeded;
    std::array<std::size_t, kNodeStateCount> counts{}; // indexed by NodeState; nodes, not instances
    std::array<std::size_t, kNodeStateCount> instanceCounts{}; // fan-out instances, by final state
    std::size_t cached = 0;          // nodes up to date, also counted as succeeded
    std::size_t cachedInstances = 0; // fan-out instances up to date
    double wall = 0;
    double work = 0;        // sum of node durations
    double parallelism = 0; // work / wall
    std::vector<NodeIndex> criticalPath;
    double criticalPathDuration = 0;
    std::vector<std::string> errors; // run-level problems, e.g. surviving processes
    // Predictable parallelism (weft/Parallelism.h): where the unused job
    // slots went, as one JSON object; and the wall time predicted for this
    // run before it started (RunOptions::predictedWall), < 0: none.
    std::string whySerial;
    double predictedWall = -1;
};

struct Node;
// "a, b, c and 4 more": a pending node's unfinished needs, as the JSON-lines
// `detail` of its pending event shows them (all are unfinished at the start).
std::string pendingDetail(const Node &node);

class EventSink
{
public:
    virtual ~EventSink() = default;
    virtual void runStarted(const RunStarted &) {}
    virtual void nodeStateChanged(const NodeStateChanged &) {}
    virtual void output(const OutputChunk &) {}
    virtual void progress(const ProgressUpdate &) {}
    virtual void attemptFinished(const AttemptFinished &) {}
    virtual void nodeFinished(const NodeFinished &) {}
    virtual void fanOutResolved(const FanOutResolved &) {}
    virtual void runFinished(const RunFinished &) {}
    virtual void triggerFired(const TriggerFired &) {} // watch mode, between runs
    // A consumer that hands events over in bursts (EventMailbox::deliverTo)
    // brackets each burst, on the thread that delivers it: a sink that
    // takes a lock per event can take it once for the burst instead. A run
    // of 90,000 small nodes delivers 270,000 events; locking twice for
    // each was 4-5 ms of the 55 ms the CLI's delivering thread spent.
    virtual void burstBegins() {}
    virtual void burstEnds() {}
};

// Forwards every event to several sinks, in order.
class TeeSink final : public EventSink
{
public:
    explicit TeeSink(std::vector<EventSink *> sinks) : m_sinks(std::move(sinks)) {}
    void runStarted(const RunStarted &e) override { for (auto *s : m_sinks) s->runStarted(e); }
    void nodeStateChanged(const NodeStateChanged &e) override { for (auto *s : m_sinks) s->nodeStateChanged(e); }
    void output(const OutputChunk &e) override { for (auto *s : m_sinks) s->output(e); }
    void progress(const ProgressUpdate &e) override { for (auto *s : m_sinks) s->progress(e); }
    void attemptFinished(const AttemptFinished &e) override { for (auto *s : m_sinks) s->attemptFinished(e); }
    void nodeFinished(const NodeFinished &e) override { for (auto *s : m_sinks) s->nodeFinished(e); }
    void fanOutResolved(const FanOutResolved &e) override { for (auto *s : m_sinks) s->fanOutResolved(e); }
    void runFinished(const RunFinished &e) override { for (auto *s : m_sinks) s->runFinished(e); }
    void triggerFired(const TriggerFired &e) override { for (auto *s : m_sinks) s->triggerFired(e); }
    void burstBegins() override { for (auto *s : m_sinks) s->burstBegins(); }
    void burstEnds() override { for (auto it = m_sinks.rbegin(); it != m_sinks.rend(); ++it) (*it)->burstEnds(); }

private:
    std::vector<EventSink *> m_sinks;
};

} // namespace weft
