// SPDX-License-Identifier: Apache-2.0
// A `foreach` node (DESIGN.md, "Fan-out"): when it is ready its items are
// resolved (a list, a glob, or the list output of a node it needs, which has
// finished), and each item becomes an instance: a Unit admitted, started,
// retried and finished exactly like a node, through the same code. The node
// itself holds no job slot; it is `running` while its instances are, and
// ends with their aggregate when the last one is final, which is when its
// successors hear of it. Also here: a unit's references are expanded just
// before its first attempt (data/Expansion.h), from the outputs the run
// kept of the nodes it needs.

#include "scheduler/Run.h"

#include "data/Expansion.h"
#include "data/FanOutItems.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

namespace weft {

using namespace detail;

namespace {

// Sharing a fan-out's up-to-date checks pays from a few dozen instances
// (each check is some 30 us); chunks small enough that a second thread
// arriving late still finds some left.
constexpr std::size_t kChecksWorthSharing = 32;
constexpr std::size_t kCheckChunk = 4;

} // namespace

std::string Executor::Run::unitName(Unit u) const
{
    const int k = unitInstance(u);
    const std::string &id = node(unitNode(u)).id;
    return k < 0 ? id : id + "[" + std::to_string(k) + "]";
}

const NamedValues *Executor::Run::keptOutputs(std::string_view nodeId) const
{
    const auto it = m_indexOf.find(nodeId);
    if (it == m_indexOf.end())
        return nullptr;
    // A need of the asking unit: final, its state acquired before it started.
    return m_rt[it->second].kept.get();
}

data::InstanceItem Executor::Run::instanceItem(Unit u) const
{
    const int k = unitInstance(u);
    if (k < 0)
        return {};
    const FanOut *fan = m_fanOuts[unitNode(u)].load(std::memory_order_acquire);
    return {&fan->items[std::size_t(k)], std::size_t(k)};
}

bool Executor::Run::expand(Unit u, std::string &error)
{
    const NodeIndex i = unitNode(u);
    data::Expanded expanded = data::expandNode(
        node(i), m_graph->node(i).type,
        [this](std::string_view id) { return keptOutputs(id); }, instanceItem(u));
    if (!expanded.node) {
        error = std::move(expanded.error);
        return false;
    }
    rt(u).expanded = std::move(expanded.node);
    return true;
}

bool Executor::Run::planLaunch(Unit u, std::string &error)
{
    const NodeIndex i = unitNode(u);
    try {
        const RunGraph::NodeInfo &info = m_graph->node(i);
        data::ExpandedLaunch planned = data::launchExpanded(
            *info.type, node(i), m_base, [this](std::string_view id) { return keptOutputs(id); },
            instanceItem(u), info.expandsOwnValues);
        if (!planned.error.empty()) {
            error = std::move(planned.error);
            return false;
        }
        rt(u).planned = std::make_unique<Launch>(std::move(planned.launch));
        rt(u).plannedOutputs = std::move(planned.outputs);
        rt(u).plannedInputs = std::move(planned.inputs);
    } catch (const std::exception &e) {
        // As startAsync() reports a plan that throws: an attempt that cannot start.
        auto failed = std::make_unique<Launch>();
        failed->error = std::string("cannot start: ") + e.what();
        rt(u).planned = std::move(failed);
    }
    return true;
}

void Executor::Run::forEachInstance(const std::function<void(NodeRuntime &)> &visit)
{
    if (!m_fanOuts)
        return;
    for (std::size_t i = 0; i < m_graph->size(); ++i) {
        FanOut *fan = m_fanOuts[i].load(std::memory_order_acquire);
        for (std::size_t k = 0; fan && k < fan->items.size(); ++k)
            visit(fan->rt[k]);
    }
}

void Executor::Run::startFanOut(NodeIndex i)
{
    const Unit self = makeUnit(i);
    NodeRuntime &r = m_rt[i];
    data::FanOutItems resolved = data::resolveFanOutItems(
        *node(i).foreach, m_base, [this](std::string_view id) { return keptOutputs(id); });
    const int attempt = beginAttempt(self);
    if (!resolved.error.empty()) {
        // Nothing can be mapped over: the node fails as an attempt that could not start.
        emitRunning(self, attempt);
        AttemptResult failed;
        failed.error = std::move(resolved.error);
        r.end = now();
        m_sink.attemptFinished(attemptFinished(self, attempt, false));
        finishRan(self, NodeState::Failed, &failed, false, r.end);
        return;
    }

    auto *fan = new FanOut(std::move(resolved.items));
    FanOutResolved event;
    event.t = r.attemptStart; // the instant the node became ready and its items were read
    event.node = i;
    event.items = fan->items;
    m_sink.fanOutResolved(event);
    // Published after the sink heard of the items: an instance's thread
    // acquires the block before its first event, so a sink that keeps the
    // items sees them written, for ThreadSanitizer too.
    m_fanOuts[i].store(fan, std::memory_order_release);
    emitRunning(self, attempt);

    const std::size_t count = fan->items.size();
    if (count == 0) {
        finishFanOut(i, *fan);
        return;
    }
    if (startRunners(i, *fan))
        return;
    // Each instance is admitted like a ready node; those that start go to
    // the async node as tasks of their own, so they run in parallel even
    // when they are in-process work. Those that find no slot wait, and are
    // queued together under one lock: queuing 10,000 one by one made the
    // instances' own completions wait for that lock.
    const bool incremental = m_graph->node(i).hasOutputs && m_options.incremental;
    // The up-to-date checks (expansion, fingerprint, a stat of every input
    // and output) are most of a no-op run of a build, and each instance's
    // stands alone: with a second thread they are shared, in chunks, before
    // anything is admitted. Isolated, so that this thread takes no unrelated
    // task of the run while it waits for the chunks.
    std::vector<char> upToDate;
    if (incremental && m_threads > 1 && count >= kChecksWorthSharing) {
        upToDate.assign(count, 0);
        oneapi::tbb::this_task_arena::isolate([&] {
            oneapi::tbb::parallel_for(
                oneapi::tbb::blocked_range<std::size_t>(0, count, kCheckChunk),
                [&](const oneapi::tbb::blocked_range<std::size_t> &chunk) {
                    for (std::size_t k = chunk.begin(); k < chunk.end() && !halted(); ++k)
                        upToDate[k] = finishIfUpToDate(makeUnit(i, int(k)));
                },
                oneapi::tbb::simple_partitioner());
        });
    }
    std::vector<Unit> queued;
    bool full = false; // a unit found no slot: the rest mostly would not either
    for (std::size_t k = 0; k < count; ++k) {
        const Unit u = makeUnit(i, int(k));
        if (!upToDate.empty() && upToDate[k])
            continue;
        if (halted()) {
            finishHalted(u);
            continue;
        }
        if (upToDate.empty() && incremental && finishIfUpToDate(u))
            continue;
        WaitReason reason = WaitReason::JobSlot;
        std::string detail;
        if (m_shuffled) {
            detail = "shuffled: starts in the seeded order"; // every instance waits for its turn
        } else if (!full || m_graph->node(i).needsLock) {
            // With pools or an exclusive type every instance asks: the reason
            // and its name are what a lone waiter would say.
            if (const int slot = m_admission->tryAdmit(u, reason, detail); slot >= 0) {
                begin(u, slot, false);
                continue;
            }
            full = true;
        }
        NodeStateChanged waiting;
        waiting.t = now();
        stamp(waiting, u);
        waiting.state = NodeState::Waiting;
        waiting.reason = reason;
        waiting.detail = reason == WaitReason::JobSlot && !m_shuffled ? "no free job slot"
                                                                              : std::move(detail);
        m_sink.nodeStateChanged(waiting);
        queued.push_back(u);
    }
    if (queued.empty())
        return;
    std::vector<Admission::Grant> granted;
    if (!m_admission->waitAll(queued, granted)) {
        for (Unit u : queued)
            finishHalted(u);
        return;
    }
    dispatch(granted);
}

// Instances that can wait for nothing but a job slot (in-process work of a
// reentrant type without pools or retries) are not admitted one by one:
// each job slot the fan-out gets runs a runner, which takes the next
// instance nobody has taken, runs it on that slot and goes on until none is
// left. A queued instance cost a waiting event, a turn of the admission
// lock and a task of its own for each of 10,000 instances; a runner costs
// one atomic increment per instance. The order is the one FIFO admission
// gives: the instances, ready together, start in index order before anything
// that became ready after them, and only when nothing waited before them
// (otherwise they queue as before). Slots that are busy now get a ticket in
// the queue each, so that a slot coming free later runs instances too.
bool Executor::Run::startRunners(NodeIndex i, FanOut &fan)
{
    const RunGraph::NodeInfo &info = m_graph->node(i);
    // An incremental run checks every instance before admission (UpToDate.cpp):
    // one that is up to date must not wait for a runner's slot.
    if (info.site != ExecutionSite::WorkerThread || info.needsLock || info.retries > 0
        || info.isolated || (info.hasOutputs && m_options.incremental) || m_shuffled
        || m_admission->hasWaiters())
        return false;
    const Unit ticket = makeUnit(i, kRunnerTicket);
    const std::size_t wanted = std::min(fan.items.size(), std::size_t(m_admission->jobs()));
    std::vector<int> slots;
    WaitReason reason = WaitReason::None;
    std::string detail;
    while (slots.size() < wanted) {
        const int slot = m_admission->tryAdmit(ticket, reason, detail);
        if (slot < 0)
            break;
        slots.push_back(slot);
    }
    if (slots.size() < wanted) {
        std::vector<Admission::Grant> granted;
        if (m_admission->waitAll(std::vector<Unit>(wanted - slots.size(), ticket), granted))
            dispatch(granted);
        else if (slots.empty())
            runInstances(i, -1); // halted: nothing will ever run them
    }
    // The last runner is this thread: the body would only wait for a task.
    for (std::size_t k = 1; k < slots.size(); ++k)
        m_runners->try_put(RunnerStart{i, slots[k]});
    if (!slots.empty())
        runInstances(i, slots.front());
    return true;
}

// Runs instances of fan-out `i` on `slot` until none is left, then gives the
// slot back. Slot -1: the run stopped before this runner got one, and the
// instances it takes end unrun.
void Executor::Run::runInstances(NodeIndex i, int slot)
{
    FanOut &fan = *m_fanOuts[i].load(std::memory_order_acquire);
    const std::size_t count = fan.items.size();
    for (;;) {
        const std::size_t k = fan.next.fetch_add(1, std::memory_order_relaxed);
        if (k >= count)
            break;
        const Unit u = makeUnit(i, int(k));
        if (slot < 0 || halted()) {
            finishHalted(u);
            continue;
        }
        NodeRuntime &r = fan.rt[k];
        r.chained = true;
        r.slot = slot;
        start(u);
    }
    if (slot >= 0)
        giveBack(makeUnit(i, kRunnerTicket), slot);
}

void Executor::Run::instanceFinal(Unit u, NodeState)
{
    const NodeIndex i = unitNode(u);
    FanOut &fan = *m_fanOuts[i].load(std::memory_order_acquire);
    // The last instance to finish ends the node; acq_rel orders every
    // instance's writes before that.
    if (fan.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1)
        finishFanOut(i, fan);
}

void Executor::Run::finishFanOut(NodeIndex i, FanOut &fan)
{
    NodeRuntime &r = m_rt[i];
    const std::size_t count = fan.items.size();
    std::array<std::size_t, kNodeStateCount> byState{};
    std::int64_t firstFailed = -1;
    std::int64_t firstSkipped = -1;
    for (std::size_t k = 0; k < count; ++k) {
        const NodeState state = fan.rt[k].state.load(std::memory_order_acquire);
        ++byState[std::size_t(state)];
        if (state == NodeState::Failed && firstFailed < 0)
            firstFailed = std::int64_t(makeUnit(i, int(k)));
        if (state == NodeState::Skipped && firstSkipped < 0)
            firstSkipped = fan.rt[k].rootCause;
    }
    const NodeState outcome = byState[std::size_t(NodeState::Failed)] ? NodeState::Failed
                              : byState[std::size_t(NodeState::Cancelled)] ? NodeState::Cancelled
                              : byState[std::size_t(NodeState::Skipped)]   ? NodeState::Skipped
                                                                           : NodeState::Succeeded;
    r.end = now();
    NodeFinished finished;
    finished.t = r.end;
    finished.node = i;
    finished.outcome = outcome;
    finished.start = r.firstStart;
    finished.duration = r.end - r.firstStart;
    finished.attempts = r.attempt.load(std::memory_order_relaxed);
    r.cached = finished.cached = outcome == NodeState::Succeeded && count > 0
                                 && fan.cached.load(std::memory_order_relaxed) == count;
    auto plural = [](std::size_t n) { return n == 1 ? " instance " : " instances "; };
    if (outcome == NodeState::Failed) {
        const std::size_t failed = byState[std::size_t(NodeState::Failed)];
        r.rootCause = firstFailed;
        finished.error = std::to_string(failed) + " of " + std::to_string(count) + plural(count)
                         + "failed, first " + unitName(Unit(firstFailed));
        finished.causeNode = unitName(Unit(firstFailed));
    } else if (outcome == NodeState::Cancelled) {
        finished.error = "cancelled";
    } else if (outcome == NodeState::Skipped) {
        r.rootCause = firstSkipped;
        finished.error = std::to_string(byState[std::size_t(NodeState::Skipped)]) + " of "
                         + std::to_string(count) + plural(count) + "skipped"
                         + (firstSkipped >= 0 ? ": the run stopped after "
                                                    + unitName(Unit(firstSkipped)) + " failed"
                                              : std::string());
        if (firstSkipped >= 0)
            finished.causeNode = unitName(Unit(firstSkipped));
    } else {
        // Each output is the list of the instances' values in index order;
        // a declared output names it even when there were no instances.
        for (const auto &[name, value] : node(i).outputs)
            finished.outputs[name] = StringOrList(std::vector<std::string>());
        for (std::size_t k = 0; k < count; ++k) {
            if (!fan.rt[k].kept)
                continue;
            for (const auto &[name, value] : *fan.rt[k].kept) {
                StringOrList &all = finished.outputs[name];
                all.list = true;
                all.items.insert(all.items.end(), value.items.begin(), value.items.end());
            }
        }
        if (m_graph->node(i).referenced)
            r.kept = std::make_unique<NamedValues>(finished.outputs);
    }
    m_sink.nodeFinished(finished);
    r.state.store(outcome, std::memory_order_release);
    notifySuccessors(i);
    r.retired.store(true, std::memory_order_release);
}

} // namespace weft
