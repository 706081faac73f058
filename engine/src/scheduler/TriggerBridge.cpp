// SPDX-License-Identifier: Apache-2.0
// Triggers in a run: a watch, timer or approval node's attempt gives its job
// slot back, says it is waiting (reason "trigger" or "approval") and waits on
// the run's TriggerHub, holding no thread. Cancelling the run reaches the
// wait through a reactor timer that never fires on its own: the reactor's
// cancelAll() is how a run cancels whatever it waits on, so the scheduler's
// cancel path stays as it is.

#include "scheduler/Run.h"

#include "weft/Triggers.h"

namespace weft {

using namespace detail;

namespace {

struct TriggerWait
{
    std::atomic<bool> finished{false};
    std::atomic<bool> cancelRequested{false};
    std::atomic<TriggerHub::Handle> handle{0};
    std::atomic<Handle> sentinel{0};
};

std::string describeWait(const TriggerRequest &request)
{
    switch (request.kind) {
    case TriggerRequest::Kind::Approval:
        return request.message.empty() ? std::string("waiting for approval") : request.message;
    case TriggerRequest::Kind::Timer:
        return "timer: every " + formatSeconds(request.every) + " s";
    case TriggerRequest::Kind::Watch: {
        std::string text = "watching";
        for (std::size_t k = 0; k < request.paths.size() && k < 3; ++k)
            text += (k ? ", " : " ") + request.paths[k];
        if (request.paths.size() > 3)
            text += " and " + std::to_string(request.paths.size() - 3) + " more";
        return text;
    }
    }
    return {};
}

} // namespace

TriggerHub &Executor::Run::triggerHub()
{
    if (m_options.triggers)
        return *m_options.triggers;
    std::call_once(m_triggersOnce, [this] { m_ownTriggers = std::make_unique<TriggerHub>(); });
    return *m_ownTriggers;
}

void Executor::Run::startTriggerAttempt(Unit i, int attempt, TriggerRequest request)
{
    TriggerHub &hub = triggerHub();
    // Waiting holds no job slot: another node may run meanwhile. The slot
    // it had stays its trace lane for the instant it runs when it fires.
    const int lane = rt(i).slot;
    releaseSlot(i);

    if (!hub.answersAtOnce(request)) {
        NodeStateChanged waiting;
        waiting.t = now();
        stamp(waiting, i);
        waiting.state = NodeState::Waiting;
        waiting.attempt = attempt;
        waiting.reason = request.kind == TriggerRequest::Kind::Approval ? WaitReason::Approval
                                                                          : WaitReason::Trigger;
        waiting.detail = describeWait(request);
        m_sink.nodeStateChanged(waiting);
    }

    auto wait = std::make_shared<TriggerWait>();
    // Reached by the run's cancel (cancelAll), or cancelled here once the
    // trigger fired.
    const Handle sentinel = m_reactor->startTimer(1e8, [wait, &hub](bool cancelled) {
        if (!cancelled || wait->finished.load())
            return;
        wait->cancelRequested.store(true);
        if (const TriggerHub::Handle h = wait->handle.load(); h != 0)
            hub.cancel(h);
    });
    wait->sentinel.store(sentinel);

    const std::filesystem::path base = m_base;
    const TriggerHub::Handle handle = hub.wait(std::move(request), [this, i, attempt, wait, base, lane](TriggerResult fired) {
        if (wait->finished.exchange(true))
            return;
        if (const Handle s = wait->sentinel.load(); s != 0)
            m_reactor->cancel(s, std::chrono::milliseconds(0));
        auto *r = new AttemptResult;
        r->slotReleased = true;
        r->ok = fired.ok;
        r->cancelled = fired.cancelled;
        r->error = std::move(fired.error);
        // Running for an instant, whatever the outcome: every attempt has a
        // running event before it finishes.
        NodeRuntime &self = rt(i);
        self.slot = lane; // not held: only where the trace draws this instant
        self.attemptStart = now();
        NodeStateChanged running;
        running.t = self.attemptStart;
        running.slot = lane;
        stamp(running, i);
        running.state = NodeState::Running;
        running.attempt = attempt;
        m_sink.nodeStateChanged(running);
        if (fired.ok && m_graph->node(unitNode(i)).type->name == "watch") {
            std::vector<std::string> changed;
            changed.reserve(fired.changed.size());
            for (const std::string &path : fired.changed) {
                const std::filesystem::path relative = std::filesystem::path(path).lexically_relative(base);
                const std::string text = relative.string();
                changed.push_back(relative.empty() || text.rfind("..", 0) == 0 ? path : text);
            }
            r->outputs.insert_or_assign("changed", StringOrList(std::move(changed)));
        }
        deliver(i, r);
    });
    wait->handle.store(handle);
    // A cancel that came before the hub gave the wait a handle.
    if (handle != 0 && wait->cancelRequested.load() && !wait->finished.load())
        hub.cancel(handle);
    cancelIfCancelled(sentinel);
}

} // namespace weft
