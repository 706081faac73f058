// SPDX-License-Identifier: Apache-2.0
// The trigger waits of runs: watches and timers on the FileWatcher's one
// thread, approvals on nobody's until someone answers.

#include "weft/Triggers.h"

#include "triggers/FileWatcher.h"

#include <algorithm>

namespace weft {

struct TriggerHub::Waiter
{
    TriggerRequest request;
    std::function<void(TriggerResult)> done;
    FileWatcher::Id source = 0; // the watch or timer behind it; 0: none (an approval)
};

TriggerHub::TriggerHub() = default;

TriggerHub::~TriggerHub()
{
    std::vector<Handle> open;
    {
        std::lock_guard lock(m_mutex);
        for (const auto &[handle, waiter] : m_waiters)
            open.push_back(handle);
    }
    for (Handle handle : open)
        cancel(handle);
    m_watcher.reset();
}

FileWatcher &TriggerHub::watcher()
{
    std::lock_guard lock(m_mutex);
    if (!m_watcher)
        m_watcher = std::make_unique<FileWatcher>();
    return *m_watcher;
}

void TriggerHub::preApprove(const std::string &node)
{
    std::lock_guard lock(m_mutex);
    m_preApproved.push_back(node);
}

void TriggerHub::setApprovalHandler(std::function<void(const ApprovalRequest &)> handler)
{
    std::lock_guard lock(m_mutex);
    m_approvalHandler = std::move(handler);
}

void TriggerHub::setRound(std::map<std::string, std::vector<std::string>> changedByNode)
{
    std::lock_guard lock(m_mutex);
    m_inRound = true;
    m_round = std::move(changedByNode);
}

void TriggerHub::clearRound()
{
    std::lock_guard lock(m_mutex);
    m_inRound = false;
    m_round.clear();
}

std::vector<ApprovalRequest> TriggerHub::waitingApprovals() const
{
    std::lock_guard lock(m_mutex);
    std::vector<ApprovalRequest> out;
    for (const auto &[handle, waiter] : m_waiters) {
        if (waiter->request.kind == TriggerRequest::Kind::Approval)
            out.push_back({waiter->request.node, waiter->request.message});
    }
    return out;
}

// Ends the wait `handle` with `result`, once: whoever takes it out of the
// map calls `done`.
void TriggerHub::finish(Handle handle, TriggerResult result)
{
    std::shared_ptr<Waiter> waiter;
    FileWatcher *watcher = nullptr;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_waiters.find(handle);
        if (it == m_waiters.end())
            return;
        waiter = std::move(it->second);
        m_waiters.erase(it);
        watcher = m_watcher.get();
    }
    if (waiter->source != 0 && watcher)
        watcher->remove(waiter->source);
    waiter->done(std::move(result));
}

TriggerHub::Handle TriggerHub::waitingGate(std::string_view node) const
{
    std::lock_guard lock(m_mutex);
    for (const auto &[handle, waiter] : m_waiters) {
        if (waiter->request.kind == TriggerRequest::Kind::Approval && waiter->request.node == node)
            return handle;
    }
    return 0;
}

bool TriggerHub::approve(std::string_view node)
{
    const Handle found = waitingGate(node);
    if (found == 0)
        return false;
    TriggerResult result;
    result.ok = true;
    result.cause = "approved";
    finish(found, std::move(result));
    return true;
}

bool TriggerHub::reject(std::string_view node, const std::string &reason)
{
    const Handle found = waitingGate(node);
    if (found == 0)
        return false;
    TriggerResult result;
    result.error = reason.empty() ? std::string("rejected") : reason;
    finish(found, std::move(result));
    return true;
}

bool TriggerHub::answersAtOnce(const TriggerRequest &request) const
{
    std::lock_guard lock(m_mutex);
    if (request.kind == TriggerRequest::Kind::Approval)
        return std::find(m_preApproved.begin(), m_preApproved.end(), request.node) != m_preApproved.end();
    return m_inRound;
}

void TriggerHub::cancel(Handle handle)
{
    TriggerResult result;
    result.cancelled = true;
    result.error = "cancelled";
    finish(handle, std::move(result));
}

TriggerHub::Handle TriggerHub::wait(TriggerRequest request, std::function<void(TriggerResult)> done)
{
    using Kind = TriggerRequest::Kind;
    const Kind kind = request.kind;
    std::function<void(const ApprovalRequest &)> ask;
    Handle handle = 0;
    {
        std::lock_guard lock(m_mutex);
        TriggerResult immediate;
        bool now = false;
        if (kind == Kind::Approval
            && std::find(m_preApproved.begin(), m_preApproved.end(), request.node) != m_preApproved.end()) {
            immediate.ok = true;
            immediate.cause = "pre-approved";
            now = true;
        } else if (kind != Kind::Approval && m_inRound) {
            immediate.ok = true;
            immediate.cause = "watch round";
            if (const auto it = m_round.find(request.node); it != m_round.end())
                immediate.changed = it->second;
            now = true;
        }
        if (now) {
            // Not in the map: nobody else can end it. Called without the lock.
            m_mutex.unlock();
            done(std::move(immediate));
            m_mutex.lock();
            return 0;
        }
        handle = ++m_next;
        auto waiter = std::make_shared<Waiter>();
        waiter->request = request;
        waiter->done = std::move(done);
        m_waiters.emplace(handle, std::move(waiter));
        if (kind == Kind::Approval)
            ask = m_approvalHandler;
    }
    if (kind == Kind::Approval) {
        if (ask)
            ask(ApprovalRequest{request.node, request.message});
        return handle;
    }
    FileWatcher &files = watcher();
    FileWatcher::Id source = 0;
    if (kind == Kind::Timer) {
        source = files.after(request.every, [this, handle] {
            TriggerResult result;
            result.ok = true;
            result.cause = "timer";
            finish(handle, std::move(result));
        });
    } else {
        source = files.watch(request.paths, request.debounce,
                             [this, handle](std::vector<std::string> changed) {
                                 TriggerResult result;
                                 result.ok = true;
                                 result.cause = "change";
                                 result.changed = std::move(changed);
                                 finish(handle, std::move(result));
                             });
    }
    bool gone = false;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_waiters.find(handle);
        if (it != m_waiters.end())
            it->second->source = source;
        else
            gone = true; // cancelled or fired meanwhile
    }
    if (gone)
        files.remove(source);
    return handle;
}

} // namespace weft
