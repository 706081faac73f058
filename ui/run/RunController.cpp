// SPDX-License-Identifier: Apache-2.0
#include "run/RunController.h"

#include "run/IncrementalRun.h"
#include "run/RunLogSink.h"

#include <weft/Diagnostic.h>
#include <weft/WatchSession.h>

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace weft::ui {

namespace {

constexpr int kTickMs = 33; // ~30 drains a second
// A drain is applied (and shown by the views) in slices of about this much
// GUI time, one per pass of the event loop, so the loop never stops for the
// whole of a large one (the end of a 10,000-node run: 70-100 ms at once).
constexpr double kSliceMs = 5;
constexpr std::size_t kMinSlice = 256; // updates; below it slicing costs more than it saves
constexpr int kKeptLogDirectories = 20;

// Frees `garbage` on the thread pool: the GUI thread only hands it over.
// The one reference is moved into the task, so the last release (and every
// destructor under it) runs there, never here.
template<typename T>
void freeOnPool(T &&garbage)
{
    auto holder = std::make_shared<std::decay_t<T>>(std::forward<T>(garbage));
    QThreadPool::globalInstance()->start([holder = std::move(holder)]() mutable { holder.reset(); });
}

// Folds a run's events into the queue's batch on a thread of its own while
// the run goes (EventQueue::fold), every few milliseconds while events
// arrive: the GUI thread's drain then only takes the batch and the rest of
// the last few milliseconds. Folding a 10,000-instance fan-out's events in
// one drain was 12-18 ms of the GUI thread, 35-60 ms beside two CPU hogs.
class QueueFolder
{
public:
    explicit QueueFolder(EventQueue &queue)
        : m_queue(queue)
        , m_thread([this] { loop(); })
    {}
    ~QueueFolder()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }
    QueueFolder(const QueueFolder &) = delete;
    QueueFolder &operator=(const QueueFolder &) = delete;

private:
    void loop()
    {
        // A quiet run (long processes) wakes it seldom.
        constexpr auto kBusy = std::chrono::milliseconds(4);
        constexpr auto kQuiet = std::chrono::milliseconds(kTickMs);
        auto pause = kBusy;
        std::unique_lock lock(m_mutex);
        while (!m_wake.wait_for(lock, pause, [this] { return m_stop; })) {
            lock.unlock();
            pause = m_queue.fold() > 0 ? kBusy : kQuiet;
            lock.lock();
        }
    }

    EventQueue &m_queue;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread; // last: started once the rest exists
};

QString newLogDirectory()
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    if (base.isEmpty())
        base = QDir::tempPath() + QStringLiteral("/weft");
    QDir runs(base + QStringLiteral("/runs"));
    runs.mkpath(QStringLiteral("."));
    QString name = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
    for (int n = 2; runs.exists(name); ++n)
        name = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"))
               + QLatin1Char('-') + QString::number(n);
    return runs.filePath(name);
}

// Old runs' logs are a cache: keep the most recent few, `current` among
// them. Called on the engine's thread: removing thousands of log files is
// disk work the GUI thread must not wait for.
void pruneLogDirectories(const QString &current)
{
    const QDir runs = QFileInfo(current).dir();
    const QStringList old = runs.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (qsizetype i = 0; i + kKeptLogDirectories <= old.size(); ++i) {
        if (runs.filePath(old[i]) != current)
            QDir(runs.filePath(old[i])).removeRecursively();
    }
}

} // namespace

// The watch session's own sink: it hears every event of every round, and
// keeps only what fired a round, for the round the window shows next.
class RunController::CauseSink final : public EventSink
{
public:
    explicit CauseSink(RunController &controller)
        : m_controller(controller)
    {
    }
    void triggerFired(const TriggerFired &event) override
    {
        {
            const std::lock_guard lock(m_controller.m_roundsMutex);
            m_controller.m_nextCauses.push_back(event);
        }
        if (EventSink *extra = m_controller.m_extraSink)
            extra->triggerFired(event);
    }

private:
    RunController &m_controller;
};

RunController::RunController(QObject *parent)
    : QObject(parent)
{
    m_timer.setInterval(kTickMs);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &RunController::tick);
}

RunController::~RunController()
{
    shutdown(2000);
}

QString RunController::nodeId(NodeIndex index) const
{
    return index < m_workflow->nodes.size() ? QString::fromStdString(m_workflow->nodes[index].id)
                                           : QString();
}

double RunController::elapsed() const
{
    if (m_endTime >= 0)
        return m_endTime;
    return m_clock.isValid() ? double(m_clock.nsecsElapsed()) / 1e9 : 0.0;
}

QString RunController::logFile(const QString &nodeId) const
{
    if (m_logDirectory.isEmpty())
        return {};
    const QString path = m_logDirectory + QLatin1Char('/') + nodeId + QStringLiteral(".log");
    return QFileInfo::exists(path) ? path : QString();
}

std::size_t RunController::FanOutRun::finished() const
{
    std::size_t done = 0;
    for (std::size_t s = 0; s < counts.size(); ++s) {
        if (isFinal(NodeState(s)))
            done += counts[s];
    }
    return done;
}

const RunController::FanOutRun *RunController::fanOut(NodeIndex node) const
{
    const auto it = m_fanOuts.find(node);
    return it == m_fanOuts.end() ? nullptr : &it->second;
}

QString RunController::instanceId(NodeIndex node, int instance) const
{
    return instance < 0 ? nodeId(node) : QStringLiteral("%1[%2]").arg(nodeId(node)).arg(instance);
}

int RunController::indexOf(const QString &id) const
{
    if (!m_indexBuilt) {
        m_indexOfId.clear();
        const auto &nodes = m_workflow->nodes;
        m_indexOfId.reserve(qsizetype(nodes.size()));
        for (std::size_t i = 0; i < nodes.size(); ++i)
            m_indexOfId.insert(QString::fromStdString(nodes[i].id), int(i));
        m_indexBuilt = true;
    }
    return m_indexOfId.value(id, -1);
}

bool RunController::start(std::shared_ptr<const CompiledWorkflow> compiled,
                          const RunOptions &options, QString *error)
{
    if (!compiled) {
        if (error)
            *error = tr("The workflow has errors: see Design Problems.");
        return false;
    }
    // The workflow lives as long as its compiled form: share that ownership.
    std::shared_ptr<const Workflow> workflow(compiled, &compiled->workflow());
    return startRun(std::move(workflow), std::move(compiled), options, error);
}

bool RunController::start(std::shared_ptr<const Workflow> workflow, const RunOptions &options,
                          QString *error)
{
    return startRun(std::move(workflow), nullptr, options, error);
}

void RunController::resetRunState()
{
    // The last run's tables go to the thread pool to be freed: 10,000 rows
    // with their finished records, and the index of their ids, were 1.1 ms
    // of the GUI thread here, in the pass of the event loop that starts a run.
    struct LastRun
    {
        std::vector<NodeRun> nodes;
        QHash<QString, int> indexOfId;
        std::vector<AttemptFinished> attempts;
        std::unordered_map<NodeIndex, FanOutRun> fanOuts;
        EventQueue::Batch rest;
    };
    if (!m_nodes.empty() || !m_fanOuts.empty()) {
        freeOnPool(LastRun{std::exchange(m_nodes, {}), std::exchange(m_indexOfId, {}),
                           std::exchange(m_attempts, {}), std::exchange(m_fanOuts, {}),
                           std::exchange(m_rest, {})});
    }
    const auto &nodes = m_workflow->nodes;
    m_nodes.assign(nodes.size(), NodeRun{});
    // At least an attempt a node: growing by doubling moved every attempt
    // so far, over and over, on the GUI thread.
    m_attempts.reserve(nodes.size());
    m_indexBuilt = false;
    for (std::size_t i = 0; i < nodes.size(); ++i)
        m_nodes[i].maxAttempts = 1 + std::max(0, nodes[i].retries);
    m_slicing = false;
    m_firstSlice = false;
    m_instanceCounts = {};
    m_instanceTotal = 0;
    m_pids.clear();
    m_counts = {};
    m_counts[std::size_t(NodeState::Pending)] = m_nodes.size();
    m_cached = 0;
    m_started.reset();
    m_finished.reset();
    m_endTime = -1;
}

bool RunController::startRun(std::shared_ptr<const Workflow> workflow,
                             std::shared_ptr<const CompiledWorkflow> compiled,
                             const RunOptions &options, QString *error)
{
    if (isRunning()) {
        if (error)
            *error = tr("A run is already in progress.");
        return false;
    }
    // No validation here: a compiled workflow was validated already (the
    // document's problems check), and otherwise the executor validates on
    // the engine thread and reports an invalid workflow as a failed run
    // with the diagnostics (summary()). Validating on the GUI thread would
    // cost a large workflow a visible pause.
    // A snapshot, not a copy: a copy of 10,000 nodes is 8-10 ms of the GUI
    // thread. Nobody changes it; the document's next edit copies instead.
    m_workflow = workflow ? std::move(workflow) : std::make_shared<const Workflow>();
    m_compiled = std::move(compiled);
    m_options = options;
    resetRunState();
    m_batches = 0;
    m_stopping = false;
    m_summary = {};
    m_rounds.clear();

    // The state beside the file, and its run lock, before anything starts:
    // a refusal (another run of the file, a broken database) is said now.
    if (m_incremental)
        m_incremental->release();
    m_incremental.reset();
    m_incrementalActive = false;
    m_stateNote.clear();
    if (!m_stateFile.isEmpty() && !m_testEngine) {
        QString message;
        switch (IncrementalRun::open(m_stateFile, *m_workflow, m_options.baseDirectory, m_force,
                                     m_stateOptions, m_incremental, message)) {
        case IncrementalRun::Opened::Recorded:
            m_incrementalActive = true;
            m_options.incremental = m_incremental->check();
            break;
        case IncrementalRun::Opened::Unrecorded:
            m_stateNote = message;
            break;
        case IncrementalRun::Opened::Refused:
            if (error)
                *error = message;
            return false;
        }
    }

    // The window answers approval gates; the handler hops to the GUI thread.
    auto onApproval = [this](const ApprovalRequest &request) {
        QMetaObject::invokeMethod(
            this,
            [this, id = QString::fromStdString(request.node),
             message = QString::fromStdString(request.message)] {
                Q_EMIT approvalRequested(id, message);
            },
            Qt::QueuedConnection);
    };

    m_watchActive = m_watchRequested && !m_testEngine;
    if (m_watchActive) {
        // The session needs the compiled form; the document's usually is.
        if (!m_compiled) {
            Diagnostics diagnostics;
            m_compiled = CompiledWorkflow::compile(m_workflow, diagnostics);
            if (!m_compiled) {
                if (m_incremental)
                    m_incremental->release();
                m_watchActive = false;
                if (error)
                    *error = tr("The workflow has errors: see Design Problems.");
                return false;
            }
        }
        {
            const std::lock_guard lock(m_roundsMutex);
            m_nextRounds.clear();
            m_nextCauses.clear();
        }
        m_roundEnded = false;
        m_stopRequested = false;
        m_triggers.reset();
        m_executor.reset();
        m_tee.reset();
        m_queue.reset(); // each round brings its own (showNextRound)
        m_logSink.reset();
        m_trace = std::make_unique<TraceRecorder>();
        m_logDirectory.clear();
        if (!m_causeSink)
            m_causeSink = std::make_unique<CauseSink>(*this);
        m_engineDone = false;
        m_engineExited = false;
        m_clock.start();
        m_thread = std::thread(
            [this, compiled = m_compiled, onApproval, incremental = m_incremental.get()] {
                runWatchSession(compiled, onApproval);
                m_engineDone.store(true, std::memory_order_release);
                QMetaObject::invokeMethod(this, &RunController::tick, Qt::QueuedConnection);
                closeStateOnEngineThread(incremental);
            });
        m_timer.start();
        Q_EMIT started();
        return true;
    }

    // A hub of this run's own for its trigger nodes.
    m_triggers = std::make_unique<TriggerHub>();
    m_triggers->setApprovalHandler(onApproval);
    m_options.triggers = m_triggers.get();

    m_logDirectory = newLogDirectory();
    m_executor = std::make_unique<Executor>(m_options);
    m_queue = std::make_unique<EventQueue>();
    m_logSink = std::make_unique<RunLogSink>(m_logDirectory.toStdString());
    m_trace = std::make_unique<TraceRecorder>();
    std::vector<EventSink *> sinks{m_queue.get(), m_logSink.get(), m_trace.get()};
    if (m_extraSink)
        sinks.push_back(m_extraSink);
    if (m_incremental)
        sinks.push_back(m_incremental->history());
    m_tee = std::make_unique<TeeSink>(std::move(sinks));
    m_engineDone = false;
    m_engineExited = false;

    m_clock.start();
    // The engine thread holds its own reference to the snapshot it runs.
    m_thread = std::thread([this, logDirectory = m_logDirectory, workflow = m_workflow,
                            compiled = m_compiled, engine = m_testEngine,
                            incremental = m_incremental.get(), queue = m_queue.get()] {
        pruneLogDirectories(logDirectory);
        {
            QueueFolder folder(*queue);
            if (engine)
                m_summary = engine(workflow, *m_tee);
            else
                m_summary = compiled ? m_executor->run(compiled, *m_tee)
                                     : m_executor->run(workflow, *m_tee);
        }
        if (incremental)
            incremental->finish();
        m_engineDone.store(true, std::memory_order_release);
        // Drain now rather than at the next tick, up to kTickMs away: the
        // final state should show as soon as the run ends. Dropped if the
        // controller is gone; a tick after the join finds nothing to do.
        QMetaObject::invokeMethod(this, &RunController::tick, Qt::QueuedConnection);
        closeStateOnEngineThread(incremental);
    });
    m_timer.start();
    Q_EMIT started();
    return true;
}

void RunController::runWatchSession(std::shared_ptr<const CompiledWorkflow> compiled,
                                    std::function<void(const ApprovalRequest &)> onApproval)
{
    WatchOptions watch;
    watch.run = m_options;
    // Each round: the next run in the history, and sinks of its own that
    // the window takes over once it has shown the round before.
    watch.beginRound = [this](int round, RunOptions &options, std::vector<EventSink *> &sinks) {
        if (m_incremental) {
            if (round > 1)
                m_incremental->nextRound();
            options.incremental = m_incremental->check();
        }
        auto next = std::make_unique<RoundSinks>();
        next->round = round;
        next->logDirectory = newLogDirectory();
        pruneLogDirectories(next->logDirectory);
        next->queue = std::make_unique<EventQueue>();
        next->log = std::make_unique<RunLogSink>(next->logDirectory.toStdString());
        next->trace = std::make_unique<TraceRecorder>();
        sinks.push_back(next->queue.get());
        sinks.push_back(next->log.get());
        sinks.push_back(next->trace.get());
        if (m_extraSink)
            sinks.push_back(m_extraSink);
        if (m_incremental)
            sinks.push_back(m_incremental->history());
        {
            const std::lock_guard lock(m_roundsMutex);
            next->causes.swap(m_nextCauses);
            m_nextRounds.push_back(std::move(next));
        }
        QMetaObject::invokeMethod(this, &RunController::tick, Qt::QueuedConnection);
    };
    WatchSession session(std::move(compiled), std::move(watch), *m_causeSink);
    session.triggers().setApprovalHandler(std::move(onApproval));
    {
        const std::lock_guard lock(m_roundsMutex);
        m_session = &session;
    }
    if (m_stopRequested.load())
        session.stop();
    const WatchResult result = session.run();
    {
        const std::lock_guard lock(m_roundsMutex);
        m_session = nullptr;
    }
    if (m_incremental)
        m_incremental->finish();
    RunSummary summary = result.last;
    for (const std::string &e : result.errors)
        summary.errors.push_back(e);
    m_summary = std::move(summary);
}

bool RunController::showNextRound()
{
    if (m_queue && !m_roundEnded)
        return false; // the round shown is still running
    std::unique_ptr<RoundSinks> next;
    {
        const std::lock_guard lock(m_roundsMutex);
        if (m_nextRounds.empty())
            return false;
        next = std::move(m_nextRounds.front());
        m_nextRounds.pop_front();
    }
    // The round shown before has ended and the engine has moved on: its
    // sinks hear nothing more and may go.
    resetRunState();
    m_queue = std::move(next->queue);
    m_logSink = std::move(next->log);
    m_trace = std::move(next->trace);
    m_logDirectory = next->logDirectory;
    m_roundEnded = false;
    RoundRecord record;
    record.round = next->round;
    record.causes = std::move(next->causes);
    m_rounds.push_back(std::move(record));
    while (m_rounds.size() > kKeptRounds)
        m_rounds.pop_front();
    m_clock.start();
    Q_EMIT roundStarted(m_rounds.back().round);
    return true;
}

void RunController::recordRoundEnd()
{
    m_roundEnded = true;
    if (m_rounds.empty() || !m_finished)
        return;
    RoundRecord &record = m_rounds.back();
    const RunFinished &f = *m_finished;
    record.finished = true;
    record.outcome = f.outcome;
    record.wall = f.wall;
    // Instances, where a node fans out, are the units that ran.
    std::size_t succeeded = 0;
    std::size_t failed = 0;
    std::size_t cached = f.cachedInstances;
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        const NodeRun &n = m_nodes[i];
        if (m_fanOuts.count(NodeIndex(i)))
            continue;
        if (n.state == NodeState::Succeeded)
            ++succeeded;
        else if (n.state == NodeState::Failed)
            ++failed;
        if (n.finished && n.finished->cached)
            ++cached;
    }
    succeeded += f.instanceCounts[std::size_t(NodeState::Succeeded)];
    failed += f.instanceCounts[std::size_t(NodeState::Failed)];
    record.cached = cached;
    record.ran = succeeded >= cached ? succeeded - cached : 0;
    record.failed = failed;
}

TriggerHub *RunController::hub() const
{
    return m_watchActive ? (m_session ? &m_session.load()->triggers() : nullptr) : m_triggers.get();
}

void RunController::stop()
{
    if (!isRunning() || m_stopping)
        return;
    m_stopping = true;
    if (m_watchActive) {
        const std::lock_guard lock(m_roundsMutex);
        m_stopRequested = true;
        if (WatchSession *session = m_session)
            session->stop();
        return;
    }
    m_executor->cancel();
}

bool RunController::shutdown(int waitMs)
{
    if (!isRunning())
        return true;
    m_stopping = true;
    if (m_watchActive) {
        const std::lock_guard lock(m_roundsMutex);
        m_stopRequested = true;
        if (WatchSession *session = m_session)
            session->stop();
    } else {
        m_executor->cancel();
    }
    QElapsedTimer waited;
    waited.start();
    while (!m_engineDone.load(std::memory_order_acquire) && waited.elapsed() < waitMs)
        QThread::msleep(10);
    const bool inTime = m_engineDone.load(std::memory_order_acquire);
    if (!inTime) {
        // SIGKILL to every process group: no orphans
        if (m_watchActive) {
            const std::lock_guard lock(m_roundsMutex);
            if (WatchSession *session = m_session)
                session->kill();
        } else {
            m_executor->kill();
        }
    }
    m_thread.join();
    if (m_incremental)
        m_incremental->release();
    tick(); // fold in the last events so the views show the end of the run
    while (m_slicing)
        tick();
    while (m_watchActive && showNextRound()) { // a round begun as the session ended
        tick();
        while (m_slicing)
            tick();
    }
    return inTime;
}

void RunController::closeStateOnEngineThread(IncrementalRun *incremental)
{
    // Closing the database checkpoints its WAL into it once the WAL passes
    // 1 MB (StateStore): every third run of 10,000 nodes, 9-16 ms with its
    // fsync against 0.5 ms otherwise. On the GUI thread, in the pass that
    // joined the engine, that close made the window's longest stalls beside
    // two CPU hogs (one of 155 ms, 9 ms of it CPU). Here it overlaps the
    // window showing the run's end, and the run lock goes back before the
    // window says the run has finished.
    if (incremental)
        incremental->release();
    m_engineExited.store(true, std::memory_order_release);
}

void RunController::joinEngine()
{
    if (m_thread.joinable())
        m_thread.join();
    m_timer.stop();
    if (m_incremental)
        m_incremental->release(); // the run lock goes back now, not at the next run
}

// The session's hub lives on the engine thread's stack: it is used under
// m_roundsMutex, which the engine thread holds to withdraw it.
std::vector<ApprovalRequest> RunController::waitingApprovals() const
{
    if (!isRunning())
        return {};
    const std::lock_guard lock(m_roundsMutex);
    TriggerHub *triggers = hub();
    return triggers ? triggers->waitingApprovals() : std::vector<ApprovalRequest>{};
}

bool RunController::approve(const QString &id)
{
    if (!isRunning())
        return false;
    const std::lock_guard lock(m_roundsMutex);
    TriggerHub *triggers = hub();
    return triggers && triggers->approve(id.toStdString());
}

bool RunController::reject(const QString &id, const QString &reason)
{
    if (!isRunning())
        return false;
    const std::lock_guard lock(m_roundsMutex);
    TriggerHub *triggers = hub();
    return triggers
           && triggers->reject(id.toStdString(), reason.isEmpty()
                                                     ? std::string("rejected in the window")
                                                     : reason.toStdString());
}

void RunController::setIncremental(const QString &workflowFile, bool force,
                                   const QString &options)
{
    m_stateFile = workflowFile;
    m_force = force;
    m_stateOptions = options;
}

QString RunController::whyRan(const QString &unit) const
{
    return m_incremental ? m_incremental->why(unit) : QString();
}

EventQueue::Batch RunController::takeSlice()
{
    const auto count = std::max<std::size_t>(kMinSlice, std::size_t(kSliceMs * 1e6 / m_nsPerUpdate));
    EventQueue::Batch slice;
    if (m_firstSlice) {
        // Everything but the updates and the end goes with the first.
        m_firstSlice = false;
        slice.started = std::move(m_rest.started);
        slice.fanOuts = std::move(m_rest.fanOuts);
        slice.output = std::move(m_rest.output);
        slice.droppedOutputBytes = m_rest.droppedOutputBytes;
        slice.events = m_rest.events - std::min(m_rest.events, m_rest.nodes.size());
        m_rest.started.reset();
        m_rest.fanOuts.clear();
        m_rest.output.clear();
    }
    for (std::size_t i = 0; i < count && !m_rest.nodes.empty(); ++i) {
        slice.nodes.push_back(std::move(m_rest.nodes.front()));
        m_rest.nodes.pop_front();
    }
    slice.events += slice.nodes.size();
    m_slicing = !m_rest.nodes.empty();
    if (!m_slicing) {
        slice.finished = std::move(m_rest.finished);
        m_rest = EventQueue::Batch{};
    }
    return slice;
}

void RunController::tick()
{
    // Read the flag before draining: if the engine was done, everything it
    // emitted is in this drain.
    const bool done = m_engineDone.load(std::memory_order_acquire);
    EventQueue::Batch batch;
    bool sliced = m_slicing;
    if (sliced) {
        batch = takeSlice(); // the drain before this one is not all shown yet
    } else {
        if (m_watchActive)
            showNextRound();
        if (m_queue && !done) {
            // While the run goes its folder (QueueFolder) may be folding:
            // this pass does not wait for it, the next one comes shortly.
            std::optional<EventQueue::Batch> taken = m_queue->tryDrain();
            if (!taken) {
                QTimer::singleShot(2, this, &RunController::tick);
                return;
            }
            batch = std::move(*taken);
        } else {
            batch = m_queue ? m_queue->drain() : EventQueue::Batch{};
        }
        if (batch.nodes.size() > kMinSlice && double(batch.nodes.size()) * m_nsPerUpdate > kSliceMs * 1e6) {
            // Draining it was this pass's work (the queue folds the
            // events in as it drains): the slices start on the next.
            m_rest = std::move(batch);
            m_firstSlice = true;
            m_slicing = true;
            QTimer::singleShot(0, this, &RunController::tick);
            return;
        }
    }
    const bool applied = !batch.empty();
    if (applied) {
        QElapsedTimer cost;
        cost.start();
        apply(batch);
        ++m_batches;
        Q_EMIT batchApplied(batch);
        const std::size_t updates = batch.nodes.size();
        // Freed on the pool: a batch of thousands of updates, each with its
        // optional events and their strings, is as many frees.
        freeOnPool(std::exchange(batch, EventQueue::Batch{}));
        if ((!sliced || m_slicing) && updates >= kMinSlice) { // a last slice also redraws
            // Wall time, so a GUI thread sharing its core gets smaller slices.
            const double ns = double(cost.nsecsElapsed()) / double(updates);
            m_nsPerUpdate = std::clamp(0.5 * m_nsPerUpdate + 0.5 * ns, 200.0, 50000.0);
        }
    }
    if (m_slicing) {
        // The next slice on the next pass, after whatever else waits
        // (input, timers); the views redraw after the last.
        QTimer::singleShot(0, this, &RunController::tick);
        return;
    }
    bool roundsWaiting = false;
    if (m_watchActive) {
        if (m_finished && !m_roundEnded) {
            recordRoundEnd();
            Q_EMIT roundFinished(m_rounds.empty() ? 0 : m_rounds.back().round);
        }
        const std::lock_guard lock(m_roundsMutex);
        roundsWaiting = !m_nextRounds.empty();
        // The next round shows on the next pass, not at the next tick.
        if (roundsWaiting && m_roundEnded)
            QTimer::singleShot(0, this, &RunController::tick);
    }
    if (done && m_thread.joinable()) {
        if (applied || roundsWaiting) {
            // The last batch of a large run is a frame's work on its own
            // (applied, then painted); the end of the run (unlocking, the
            // final flush) goes to the next pass of the event loop, so no
            // single pass does both.
            QTimer::singleShot(0, this, &RunController::tick);
            return;
        }
        if (!m_engineExited.load(std::memory_order_acquire)) {
            // Still closing the state database (closeStateOnEngineThread):
            // the window keeps answering until it is done, then joins.
            QTimer::singleShot(2, this, &RunController::tick);
            return;
        }
        joinEngine();
        if (m_endTime < 0)
            m_endTime = m_finished ? m_finished->wall : elapsed();
        m_stopping = false;
        Q_EMIT finishedRun();
    }
}

void RunController::applyInstance(const EventQueue::NodeUpdate &update)
{
    FanOutRun &fan = m_fanOuts[update.node];
    const auto index = std::size_t(update.instance);
    if (index >= fan.instances.size()) {
        // Events before (or without) the FanOutResolved that names the
        // items: keep them anyway, with no item.
        const std::size_t added = index + 1 - fan.instances.size();
        fan.instances.resize(index + 1);
        fan.items.resize(index + 1);
        fan.counts[std::size_t(NodeState::Pending)] += added;
        m_instanceCounts[std::size_t(NodeState::Pending)] += added;
        m_instanceTotal += added;
    }
    InstanceRun &run = fan.instances[index];
    auto setState = [this, &fan, &run, instance = update.instance](NodeState state) {
        if (run.state == state)
            return;
        if (run.state == NodeState::Running)
            std::erase(fan.running, instance);
        if (state == NodeState::Running)
            fan.running.push_back(instance);
        --fan.counts[std::size_t(run.state)];
        ++fan.counts[std::size_t(state)];
        --m_instanceCounts[std::size_t(run.state)];
        ++m_instanceCounts[std::size_t(state)];
        run.state = state;
    };
    for (const AttemptFinished &attempt : update.attempts) {
        m_attempts.push_back(attempt);
        if (attempt.pid > 0)
            m_pids.push_back(attempt.pid);
    }
    if (update.state) {
        const NodeStateChanged &s = *update.state;
        run.attempt = std::max(run.attempt, s.attempt);
        if (s.state == NodeState::Running) {
            run.runningSince = s.t;
            run.pid = s.pid;
            run.slot = s.slot;
            run.worker = s.worker;
            if (s.pid > 0 && (m_pids.empty() || m_pids.back() != s.pid))
                m_pids.push_back(s.pid);
            if (!update.progress)
                run.progress = -1;
        }
        const bool queued = s.state == NodeState::Waiting && s.reason == WaitReason::SlurmQueue;
        if (queued || !s.jobId.empty()) {
            auto slurm = std::make_shared<InstanceRun::Slurm>();
            slurm->queued = queued;
            slurm->jobId = QString::fromStdString(s.jobId);
            slurm->pendingReason = QString::fromStdString(s.pendingReason);
            slurm->host = QString::fromStdString(s.host);
            run.slurm = std::move(slurm);
        } else if (run.slurm && run.slurm->queued) {
            run.slurm.reset();
        }
        setState(s.state);
    }
    if (update.progress)
        run.progress = std::clamp(update.progress->fraction, 0.0, 1.0);
    if (update.finished) {
        run.finished = std::make_shared<const NodeFinished>(*update.finished);
        run.attempt = std::max(run.attempt, update.finished->attempts);
        if (update.finished->cached)
            ++m_cached;
        setState(update.finished->outcome);
    }
}

void RunController::apply(const EventQueue::Batch &batch)
{
    if (batch.started)
        m_started = batch.started;
    auto setState = [this](NodeRun &run, NodeState state) {
        if (run.state == state)
            return;
        --m_counts[std::size_t(run.state)];
        ++m_counts[std::size_t(state)];
        run.state = state;
    };
    for (const FanOutResolved &resolved : batch.fanOuts) {
        if (resolved.node >= m_nodes.size())
            continue;
        FanOutRun &fan = m_fanOuts[resolved.node];
        m_instanceTotal -= fan.instances.size();
        for (std::size_t st = 0; st < fan.counts.size(); ++st)
            m_instanceCounts[st] -= fan.counts[st];
        fan = FanOutRun{};
        fan.items = resolved.items;
        fan.instances.assign(resolved.items.size(), InstanceRun{});
        fan.counts[std::size_t(NodeState::Pending)] = fan.instances.size();
        m_instanceCounts[std::size_t(NodeState::Pending)] += fan.instances.size();
        m_instanceTotal += fan.instances.size();
    }
    for (const EventQueue::NodeUpdate &update : batch.nodes) {
        if (update.node >= m_nodes.size())
            continue;
        if (update.instance >= 0) {
            applyInstance(update);
            continue;
        }
        NodeRun &run = m_nodes[update.node];
        for (const AttemptFinished &attempt : update.attempts) {
            m_attempts.push_back(attempt);
            if (attempt.pid > 0)
                m_pids.push_back(attempt.pid);
        }
        if (update.state) {
            const NodeStateChanged &s = *update.state;
            run.attempt = std::max(run.attempt, s.attempt);
            run.reason = s.reason;
            run.detail = QString::fromStdString(s.detail);
            if (s.state == NodeState::Running) {
                run.runningSince = s.t;
                run.pid = s.pid;
                run.slot = s.slot;
                run.worker = s.worker;
                run.jobId = s.jobId.empty() ? QString() : QString::fromStdString(s.jobId);
                run.host = s.host.empty() ? QString() : QString::fromStdString(s.host);
                run.pendingReason.clear();
                if (s.pid > 0 && (m_pids.empty() || m_pids.back() != s.pid))
                    m_pids.push_back(s.pid);
                // A new attempt starts without the last one's progress.
                if (!update.progress)
                    run.progress = -1;
            }
            if (s.state == NodeState::Waiting && s.reason == WaitReason::SlurmQueue) {
                run.jobId = QString::fromStdString(s.jobId);
                run.pendingReason = QString::fromStdString(s.pendingReason);
                run.slot = s.slot;
            }
            setState(run, s.state);
        }
        if (update.progress) {
            run.progress = std::clamp(update.progress->fraction, 0.0, 1.0);
            run.progressMessage = QString::fromStdString(update.progress->message);
        }
        if (update.finished) {
            run.finished = std::make_shared<const NodeFinished>(*update.finished);
            run.attempt = std::max(run.attempt, update.finished->attempts);
            // A fan-out node's own ending says cached when all its
            // instances were: they are counted already.
            if (update.finished->cached && !m_fanOuts.count(update.node))
                ++m_cached;
            setState(run, update.finished->outcome);
        }
    }
    if (batch.finished) {
        m_finished = batch.finished;
        m_endTime = batch.finished->wall;
    }
}

} // namespace weft::ui
