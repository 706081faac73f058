// SPDX-License-Identifier: Apache-2.0
// A run from start to end: build the flow graph, run it to the last node,
// and sum it up (runFinished). The design is described in Run.h.

#include "scheduler/Run.h"

#include "scheduler/ArenaPool.h"
#include "scheduler/CriticalPath.h"

#include "weft/Parallelism.h"

namespace weft {

using namespace detail;

std::string detail::formatSeconds(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
}

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
    , m_onSlurm(m_workflow ? nodesOnSlurm(*m_workflow, m_options.launcher) : std::vector<char>())
    , m_reactor(m_compiled && !m_compiled->graph().hasAsynchronousWork()
                    ? nullptr
                    : std::make_unique<ProcessReactor>(launcherFor(m_onSlurm, m_options)))
{
    if (m_compiled && m_compiled->graph().hasFanOut()) {
        const std::size_t count = m_workflow->nodes.size();
        m_fanOuts.reset(new std::atomic<FanOut *>[count]);
        for (std::size_t i = 0; i < count; ++i)
            m_fanOuts[i].store(nullptr, std::memory_order_relaxed);
    }
    std::error_code ec;
    m_base = m_options.baseDirectory.empty() ? std::filesystem::current_path(ec)
                                             : std::filesystem::absolute(m_options.baseDirectory, ec);
    m_base = m_base.lexically_normal();
}

Executor::Run::~Run()
{
    for (std::size_t i = 0; m_fanOuts && i < m_workflow->nodes.size(); ++i)
        delete m_fanOuts[i].load(std::memory_order_acquire);
}

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
    forEachInstance([](NodeRuntime &r) { r.cancelFlag.store(true, std::memory_order_relaxed); });
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
    m_jobs = jobsFor(m_options, wf);
    m_threads = threadsFor(m_options, wf);
    m_admission = std::make_unique<Admission>(*m_graph, m_jobs);
    m_completesInBody = m_threads <= m_jobs && m_graph->nothingEverWaits() && !m_options.shuffle;
    m_shuffled = m_options.shuffle.has_value();
    if (m_shuffled)
        m_admission->shuffle(*m_options.shuffle);
    if (m_shuffled || m_completesInBody) {
        m_unfinishedNeeds.reset(new std::atomic<int>[m_graph->size()]);
        for (NodeIndex i = 0; i < NodeIndex(m_graph->size()); ++i)
            m_unfinishedNeeds[i].store(int(m_graph->predecessors(i).size()), std::memory_order_relaxed);
    }
    if (m_graph->hasReferences()) {
        m_indexOf.reserve(wf.nodes.size());
        for (NodeIndex i = 0; i < NodeIndex(wf.nodes.size()); ++i)
            m_indexOf.emplace(wf.nodes[i].id, i);
    }

    RunStarted started;
    started.t = now();
    started.workflow = m_workflow.get();
    started.nodes = wf.nodes.size();
    started.jobs = m_jobs;
    started.round = m_options.round;
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
    started.round = m_options.round;
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
    // An arena of its own for this run, reused by a later one (ArenaPool.h:
    // oneTBB leaks every arena a worker joined once it is destroyed).
    ArenaLease lease(m_threads);
    oneapi::tbb::task_arena &arena = lease.arena();
    // execute() may hand the functor to a worker of the arena when the
    // calling thread cannot join it; what this thread did so far (the
    // caller's sink, the events already sent) must happen-before, visibly
    // to ThreadSanitizer too.
    m_handedOver.store(true, std::memory_order_release);
    arena.execute([this] {
        (void)m_handedOver.load(std::memory_order_acquire);
        if (finishAllIfUpToDate())
            return;
        // The graph attaches to the arena it is built in: every task it
        // spawns, also from the reactor thread, runs on this arena's workers.
        flow::graph g;
        std::deque<ContinueNode> nodes;
        AsyncNode async(g, flow::unlimited,
                        [this](const Unit &u, Gateway &) { onDispatched(u); });
        flow::function_node<Wakeup> completer(g, flow::unlimited, [this](const Wakeup &w) {
            onWakeup(w);
            return flow::continue_msg();
        });
        flow::make_edge(async, completer);
        // A fan-out's runners (FanOut.cpp), each on a job slot of its own.
        RunnerNode runners(g, flow::unlimited, [this](const RunnerStart &start) {
            acquireRun();
            runInstances(start.node, start.slot);
            return flow::continue_msg();
        });

        const NodeIndex count = NodeIndex(m_graph->size());
        if (m_completesInBody) {
            // No node per workflow node: see "How a node tells its
            // successors" in Run.h.
            ReadyNode ready(g, flow::unlimited, [this](NodeIndex i) {
                runChain(i);
                return flow::continue_msg();
            });
            m_flowGraph = &g;
            m_async = &async;
            m_runners = &runners;
            m_ready = &ready;
            m_published.store(true, std::memory_order_release);
            for (NodeIndex i = 0; i < count; ++i) {
                if (m_graph->predecessors(i).empty())
                    ready.try_put(i);
            }
            g.wait_for_all();
            m_ready = nullptr;
            m_async = nullptr;
            m_runners = nullptr;
            m_flowGraph = nullptr;
            return;
        }
        for (NodeIndex i = 0; i < count; ++i) {
            nodes.emplace_back(g, int(m_graph->predecessors(i).size()),
                               [this, i](const flow::continue_msg &) {
                                   onReady(i);
                                   if (m_shuffled)
                                       arrivedReady();
                                   return flow::continue_msg();
                               });
        }
        m_flowGraph = &g;
        m_nodes = &nodes;
        m_async = &async;
        m_runners = &runners;
        m_published.store(true, std::memory_order_release);
        if (m_shuffled) {
            int roots = 0;
            for (NodeIndex i = 0; i < count; ++i)
                roots += m_graph->predecessors(i).empty() ? 1 : 0;
            m_admission->expect(roots);
        }
        for (NodeIndex i = 0; i < count; ++i) {
            if (m_graph->predecessors(i).empty())
                nodes[i].try_put(flow::continue_msg());
        }
        g.wait_for_all();
        m_async = nullptr;
        m_runners = nullptr;
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
        finished.cached += rt.cached ? 1 : 0;
        anyFailed = anyFailed || state == NodeState::Failed;
        start[i] = rt.firstStart;
        end[i] = rt.end;
        // A fan-out's work is its instances': they ran, the node only waited for them.
        const FanOut *fan = m_fanOuts ? m_fanOuts[i].load(std::memory_order_acquire) : nullptr;
        if (fan) {
            for (std::size_t k = 0; k < fan->items.size(); ++k) {
                const NodeRuntime &instance = fan->rt[k];
                ++finished.instanceCounts[std::size_t(instance.state.load(std::memory_order_acquire))];
                finished.cachedInstances += instance.cached ? 1 : 0;
                if (instance.firstStart >= 0)
                    finished.work += instance.end - instance.firstStart;
            }
        } else if (rt.firstStart >= 0) {
            finished.work += rt.end - rt.firstStart;
        }
    }
    for (int pgid : m_reactor ? m_reactor->survivingProcessGroups() : std::vector<int>())
        finished.errors.push_back("process group " + std::to_string(pgid)
                                  + " outlived its node and was killed");
    for (std::string &job : m_reactor ? m_reactor->launcherSurvivors() : std::vector<std::string>())
        finished.errors.push_back(std::move(job));

    // One instant for the run's end: why_serial's slot-seconds (jobs x wall
    // - work) must add up with the wall that run_finished reports, also when
    // the thread is preempted between two readings of the clock.
    const double wallNow = now();
    // Where the unused slots went (weft/Parallelism.h), from every unit that held one.
    if (m_options.explainParallelism) {
        std::vector<UnitTiming> timings;
        timings.reserve(count);
        for (std::size_t i = 0; i < count; ++i) {
            const FanOut *fan = m_fanOuts ? m_fanOuts[i].load(std::memory_order_acquire) : nullptr;
            if (!fan) {
                if (m_rt[i].firstStart >= 0)
                    timings.push_back({m_workflow->nodes[i].id, m_rt[i].firstStart, m_rt[i].end,
                                       m_rt[i].attempt.load(std::memory_order_relaxed),
                                       slurmQueued(makeUnit(NodeIndex(i)))});
                continue;
            }
            for (std::size_t k = 0; k < fan->items.size(); ++k) {
                const NodeRuntime &instance = fan->rt[k];
                if (instance.firstStart >= 0)
                    timings.push_back({unitName(makeUnit(NodeIndex(i), int(k))), instance.firstStart,
                                       instance.end, instance.attempt.load(std::memory_order_relaxed),
                                       slurmQueued(makeUnit(NodeIndex(i), int(k)))});
            }
        }
        finished.whySerial
            = toJson(explainRun(*m_workflow, timings, m_jobs, wallNow, &m_compiled->registry()));
    }
    finished.predictedWall = m_options.predictedWall;
    CriticalPath path = findCriticalPath(*m_graph, start, end);
    finished.criticalPath = std::move(path.nodes);
    finished.criticalPathDuration = path.duration;
    finished.t = wallNow;
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

} // namespace weft
