// SPDX-License-Identifier: Apache-2.0
#pragma once

// Runs a copy of a workflow off the GUI thread and keeps the GUI's picture of
// it. The engine runs on a std::thread of its own and reports through a Tee
// of sinks: the EventQueue this controller drains, a RunLogSink writing every
// byte of output to disk, and a TraceRecorder for File ▸ Export Trace. A
// QTimer on the GUI thread drains the queue about 30 times a second, folds
// the batch into nodes() and emits batchApplied(): the single place from
// which the run views update themselves (no per-node signals). A drain too
// large for one pass of the event loop (the end of a 10,000-node run brings
// 12-15k updates at once) is applied and emitted in slices of a few
// milliseconds, one per pass; drainInProgress() tells the views that more
// of the same drain follows, so they redraw once, after the last slice.
//
// The workflow handed to start() is copied: the document being edited is
// never the object being run.

#include <weft/CompiledWorkflow.h>
#include <weft/EventQueue.h>
#include <weft/Executor.h>
#include <weft/TraceRecorder.h>
#include <weft/Triggers.h>
#include <weft/Workflow.h>

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <memory>
#include <unordered_map>
#include <optional>
#include <thread>
#include <vector>

namespace weft {
class WatchSession;
}

namespace weft::ui {

class IncrementalRun;
class RunLogSink;

class RunController : public QObject
{
    Q_OBJECT

public:
    // What the GUI knows about one node of the run in progress (or the last).
    struct NodeRun
    {
        NodeState state = NodeState::Pending;
        int attempt = 0;      // current or last attempt, from 1
        int maxAttempts = 1;  // 1 + retries
        double runningSince = -1; // run time the current attempt started (Running)
        double progress = -1;     // 0..1, -1 unknown
        QString progressMessage;
        WaitReason reason = WaitReason::None;
        QString detail; // Pending: unfinished needs; Waiting: pool or type
        int pid = 0;
        int slot = -1;
        int worker = -1;
        QString jobId; // Running or queued on Slurm: its job (README "Running on Slurm")
        QString pendingReason; // Waiting in the Slurm queue: Slurm's reason ("Priority", ...)
        QString host;          // Running on Slurm: the cluster node, once known
        // Shared, not inline: 200 bytes of strings in every row made the
        // table of a 10,000-node run 3 MB to fault in at the start.
        std::shared_ptr<const NodeFinished> finished;
    };

    // One instance of a fan-out node (DESIGN.md, "Fan-out").
    struct InstanceRun
    {
        NodeState state = NodeState::Pending;
        int attempt = 0;
        double runningSince = -1;
        double progress = -1;
        int pid = 0;
        int slot = -1;
        int worker = -1;
        std::shared_ptr<const NodeFinished> finished;
        // On Slurm only, so the row stays small for 10,000 local instances:
        // its job, and Slurm's reason while it waits in the queue.
        struct Slurm
        {
            bool queued = false;
            QString jobId;
            QString pendingReason;
            QString host;
        };
        std::shared_ptr<const Slurm> slurm;
    };

    // A fan-out node's instances, from its FanOutResolved on. Kept apart
    // from NodeRun: most nodes have none, and the table of nodes stays small.
    struct FanOutRun
    {
        std::vector<std::string> items;
        std::vector<InstanceRun> instances;
        std::array<std::size_t, kNodeStateCount> counts{}; // instances per state
        std::vector<int> running; // instances running now, unordered
        std::size_t finished() const;
        std::size_t failed() const { return counts[std::size_t(NodeState::Failed)]; }
    };

    // What runs the workflow on the engine thread: the Executor unless a
    // test replaces it. It sends the run's events to `sink`.
    using Engine = std::function<RunSummary(std::shared_ptr<const Workflow>, EventSink &sink)>;

    explicit RunController(QObject *parent = nullptr);
    ~RunController() override;

    // Starts a run of a copy of `workflow`. Returns false (and says why in
    // `error`) when a run is in progress or the workflow has errors.
    bool start(std::shared_ptr<const Workflow> workflow, const RunOptions &options,
               QString *error = nullptr);
    // The same for a workflow validated and compiled already (the
    // document's, see Document::compiled()): the run validates nothing.
    bool start(std::shared_ptr<const CompiledWorkflow> compiled, const RunOptions &options,
               QString *error = nullptr);
    // Incremental runs and history (DESIGN.md): the next start() keeps its
    // state in the database beside `workflowFile` (empty: none, everything
    // runs, nothing is recorded, as for an unsaved document). `force` runs
    // every node (and records them), as `weft-cli run --force`. `options`
    // is what the run history shows as the run's options.
    void setIncremental(const QString &workflowFile, bool force, const QString &options);
    // The run in progress (or the last) kept state: up-to-date units were
    // skipped and why() can answer.
    bool isIncremental() const { return m_incrementalActive; }
    bool isForced() const { return m_force; }
    // Why `unit` ("compile", "compile[3]") ran in the last run: its first
    // reason, as `weft-cli run --explain` says. Empty when it was up to date
    // or is never asked about (no declared outputs).
    QString whyRan(const QString &unit) const;
    // Set when the last start() ran without state although asked (a folder
    // that cannot hold .weft/): what the log should say.
    QString stateNote() const { return m_stateNote; }

    // Watch mode (DESIGN.md, "Triggers and watch mode"): the next start()
    // keeps the workflow live, round after round, until stop(): after each
    // round it waits for a trigger node to fire or a declared input to
    // change, then runs again what is out of date (weft/WatchSession.h).
    // Every round is a run of its own here: nodes() and the other per-run
    // views reset when the window starts showing the next round
    // (roundStarted), and the history records each.
    void setWatch(bool watch) { m_watchRequested = watch; }
    // The session in progress is a watch session.
    bool isWatching() const { return m_watchActive && isRunning(); }
    // What one round of the session was: what fired it and how it ended.
    struct RoundRecord
    {
        int round = 0;
        std::vector<TriggerFired> causes;
        bool finished = false;
        RunOutcome outcome = RunOutcome::Succeeded;
        double wall = 0;
        std::size_t ran = 0;    // nodes and instances that ran and succeeded
        std::size_t cached = 0; // up to date
        std::size_t failed = 0;
    };
    // The round the window shows (0: not a watch session), and the recent
    // rounds of the session, oldest first (the last is the one shown).
    int round() const { return m_rounds.empty() ? 0 : m_rounds.back().round; }
    const std::deque<RoundRecord> &rounds() const { return m_rounds; }
    static constexpr std::size_t kKeptRounds = 50;

    // Approval gates (DESIGN.md, "Triggers"): the ones waiting for a person
    // in the run in progress, and the answers. False when `id` is not waiting.
    std::vector<ApprovalRequest> waitingApprovals() const;
    bool approve(const QString &id);
    bool reject(const QString &id, const QString &reason = {});

    // Cancel: running processes get SIGTERM (SIGKILL after the grace period),
    // nothing new starts; the run ends Cancelled. Returns at once.
    void stop();
    // For closing the window: cancels, waits up to `waitMs` for the run to
    // end, then kills what is left and joins the engine thread. Returns true
    // when the run ended within `waitMs`.
    bool shutdown(int waitMs);

    bool isRunning() const { return m_thread.joinable(); }
    bool isStopping() const { return m_stopping; }

    const Workflow &workflow() const { return *m_workflow; }
    const std::vector<NodeRun> &nodes() const { return m_nodes; }
    int indexOf(const QString &id) const;
    QString nodeId(NodeIndex index) const;
    // Every ended attempt, of nodes and instances (AttemptFinished::instance).
    const std::vector<AttemptFinished> &attempts() const { return m_attempts; }
    // The node's fan-out, once its items are known; null otherwise.
    const FanOutRun *fanOut(NodeIndex node) const;
    const std::unordered_map<NodeIndex, FanOutRun> &fanOuts() const { return m_fanOuts; }
    // Fan-out instances in each state, over all fan-out nodes.
    const std::array<std::size_t, kNodeStateCount> &instanceCounts() const { return m_instanceCounts; }
    std::size_t instanceTotal() const { return m_instanceTotal; }
    // "compile[3]"
    QString instanceId(NodeIndex node, int instance) const;
    const std::optional<RunStarted> &startedEvent() const { return m_started; }
    const std::optional<RunFinished> &finished() const { return m_finished; }
    const RunSummary &summary() const { return m_summary; }
    const RunOptions &options() const { return m_options; }
    // Seconds since the run started (frozen at the end of the run).
    double elapsed() const;
    // Nodes in each state, now.
    std::array<std::size_t, kNodeStateCount> counts() const { return m_counts; }
    // Nodes and fan-out instances found up to date (NodeFinished::cached),
    // also counted as succeeded.
    std::size_t cachedCount() const { return m_cached; }
    // A node or a fan-out instance failed.
    bool hasFailure() const
    {
        return m_counts[std::size_t(NodeState::Failed)] > 0
               || m_instanceCounts[std::size_t(NodeState::Failed)] > 0;
    }

    QString logDirectory() const { return m_logDirectory; }
    // The complete output of a node, or of an instance ("compile[3]"), on
    // disk (empty when it printed nothing).
    QString logFile(const QString &nodeId) const;
    const TraceRecorder &trace() const { return *m_trace; }

    // Every pid seen in a Running state of this run, for orphan checks.
    const std::vector<int> &pids() const { return m_pids; }
    quint64 batchesApplied() const { return m_batches; }
    // During batchApplied(): more slices of the same drain follow on the
    // next passes of the event loop (the views wait for the last to redraw).
    bool drainInProgress() const { return m_slicing; }

    // Also send every event to `sink`, on the engine's threads (benchmarks,
    // tests). Must outlive the run; nullptr to stop.
    void setExtraSink(EventSink *sink) { m_extraSink = sink; }
    void setTickInterval(int ms) { m_timer.setInterval(ms); }
    // Tests: run with `engine` instead of the Executor (empty: the Executor
    // again). The window then shows exactly the events `engine` sends.
    void setEngineForTesting(Engine engine) { m_testEngine = std::move(engine); }

Q_SIGNALS:
    void started();
    // An approval gate started waiting for a person (GUI thread).
    void approvalRequested(const QString &id, const QString &message);
    // Once per drain that carried events, after nodes() reflects it; a large
    // drain once per slice (see drainInProgress()). A slice holds its
    // updates; the first also what the drain has besides (started,
    // fan-outs, output), the last its finished.
    void batchApplied(const weft::EventQueue::Batch &batch);
    // Watch mode: the window starts showing round `round` (per-run state was
    // reset; rounds().back() says what fired it), and that round ended.
    void roundStarted(int round);
    void roundFinished(int round);
    // The run, or the whole watch session, ended.
    void finishedRun();

private:
    bool startRun(std::shared_ptr<const Workflow> workflow,
                  std::shared_ptr<const CompiledWorkflow> compiled, const RunOptions &options,
                  QString *error);

    // What one watch round sends the window, made on the engine thread
    // when the round begins and shown once the previous round was.
    struct RoundSinks
    {
        int round = 0;
        std::vector<TriggerFired> causes;
        QString logDirectory;
        std::unique_ptr<EventQueue> queue;
        std::unique_ptr<RunLogSink> log;
        std::unique_ptr<TraceRecorder> trace;
    };
    class CauseSink;
    void resetRunState();
    void runWatchSession(std::shared_ptr<const CompiledWorkflow> compiled,
                         std::function<void(const ApprovalRequest &)> onApproval);
    // GUI thread: takes the next round from m_nextRounds once the one shown
    // has ended. True when it did.
    bool showNextRound();
    void recordRoundEnd();
    TriggerHub *hub() const;

    void tick();
    // The next slice of m_rest, sized to take about kSliceMs with its views.
    EventQueue::Batch takeSlice();
    void apply(const EventQueue::Batch &batch);
    void applyInstance(const EventQueue::NodeUpdate &update);
    void joinEngine();
    // The engine thread's last step: closes the run's state database (if
    // any) there, then says the thread is about to exit.
    void closeStateOnEngineThread(IncrementalRun *incremental);

    std::shared_ptr<const Workflow> m_workflow = std::make_shared<const Workflow>();
    std::shared_ptr<const CompiledWorkflow> m_compiled; // set: run this, validated already
    RunOptions m_options;
    std::vector<NodeRun> m_nodes;
    // Built on the first indexOf(), not at start(): 10,000 ids were 15 ms
    // of the GUI thread before the run could begin, for lookups that only a
    // selection or a tooltip makes.
    mutable QHash<QString, int> m_indexOfId;
    mutable bool m_indexBuilt = false;
    std::vector<AttemptFinished> m_attempts;
    std::unordered_map<NodeIndex, FanOutRun> m_fanOuts;
    std::array<std::size_t, kNodeStateCount> m_instanceCounts{};
    std::size_t m_instanceTotal = 0;
    Engine m_testEngine;
    std::vector<int> m_pids;
    std::array<std::size_t, kNodeStateCount> m_counts{};
    std::size_t m_cached = 0;
    std::optional<RunStarted> m_started;
    std::optional<RunFinished> m_finished;
    RunSummary m_summary;

    std::unique_ptr<Executor> m_executor;
    std::unique_ptr<EventQueue> m_queue;
    std::unique_ptr<RunLogSink> m_logSink;
    std::unique_ptr<TraceRecorder> m_trace;
    std::unique_ptr<TeeSink> m_tee;
    QString m_stateFile;
    QString m_stateOptions;
    bool m_force = false;
    bool m_incrementalActive = false;
    QString m_stateNote;
    std::unique_ptr<IncrementalRun> m_incremental;
    // Where the run's watch, timer and approval nodes wait; made per run,
    // kept until the next so an answer racing the run's end finds it.
    std::unique_ptr<TriggerHub> m_triggers;
    // Watch mode. The session lives on the engine thread's stack; the
    // pointer is valid from start until the engine thread is done.
    bool m_watchRequested = false;
    bool m_watchActive = false;
    std::atomic<WatchSession *> m_session{nullptr};
    std::atomic<bool> m_stopRequested{false};
    mutable std::mutex m_roundsMutex;                        // guards the two below
    std::deque<std::unique_ptr<RoundSinks>> m_nextRounds; // made, not yet shown
    std::vector<TriggerFired> m_nextCauses;            // fired, round not yet begun
    std::unique_ptr<CauseSink> m_causeSink;
    std::deque<RoundRecord> m_rounds;
    bool m_roundEnded = false; // the round shown has its RunFinished
    EventSink *m_extraSink = nullptr;
    std::thread m_thread;
    std::atomic<bool> m_engineDone{false};
    std::atomic<bool> m_engineExited {
        false
    }; // the engine thread's last step is done: join() won't wait
    bool m_stopping = false;

    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_endTime = -1;
    QString m_logDirectory;
    quint64 m_batches = 0;
    // A large drain being applied slice by slice: what is left of it.
    EventQueue::Batch m_rest;
    bool m_slicing = false;
    bool m_firstSlice = false;
    // What one node update cost the GUI thread in the last slices (applied
    // and shown), wall time: sizes the next slice.
    double m_nsPerUpdate = 4000;
};

} // namespace weft::ui
