// SPDX-License-Identifier: Apache-2.0
#pragma once

// Trigger sources (DESIGN.md, "Triggers and watch mode"): what a `watch`,
// `timer` or `approval` node waits for, and the API a person's answer comes
// through. A trigger node's attempt asks its operation's launch for a
// TriggerRequest; the executor hands it to a TriggerHub and gets called back
// when it fires. Waiting holds no thread and no job slot: file changes and
// timers are watched by the hub's one thread (inotify + a deadline list in
// one poll()), approvals by nobody at all until approve() or reject().
//
// Threading contract:
// - Every public member may be called from any thread, concurrently.
// - wait()'s `done` is called exactly once: on the hub's thread (a file
//   change, a timer), on the thread that calls approve()/reject()/cancel(),
//   or on the caller's own thread before wait() returns (a pre-approved gate,
//   a watch round's immediate answer). It must be quick and must not call
//   back into the hub with a lock held that `done` takes.
// - The approval handler is called on the thread that starts the wait (a
//   worker of the run); it must return at once (ask on another thread).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

class FileWatcher;

// What one attempt of a trigger node waits for.
struct TriggerRequest
{
    enum class Kind : std::uint8_t { Watch, Timer, Approval };
    Kind kind = Kind::Watch;
    std::string node;  // the node's id
    // Watch: absolute glob patterns (`*`, `?`, `[...]` within a name, `**`
    // for any number of directories; a directory matches what is under it).
    std::vector<std::string> paths;
    double debounce = 0.2; // Watch: fire once no change came for this long
    double every = 0;      // Timer: seconds
    int count = 0;         // Timer: rounds it fires in watch mode; 0: no limit
    std::string message;   // Approval: the question for the person
};

struct TriggerResult
{
    bool ok = false;
    bool cancelled = false;
    std::string error;                // when !ok: "rejected: ...", "not approved: ..."
    std::vector<std::string> changed; // Watch: the changed paths, sorted (absolute)
    std::string cause;                // "change", "timer", "approved", "pre-approved", "watch round"
};

// A gate that waits for a person.
struct ApprovalRequest
{
    std::string node;
    std::string message;
};

class TriggerHub
{
public:
    using Handle = std::uint64_t;

    TriggerHub();
    ~TriggerHub(); // cancels every wait still open (done(cancelled)), joins the thread
    TriggerHub(const TriggerHub &) = delete;
    TriggerHub &operator=(const TriggerHub &) = delete;

    // --- Approvals: the API a window or a terminal answers through ---------
    // Gates with this node id pass without asking, in every run and round
    // (weft-cli's --approve ID).
    void preApprove(const std::string &node);
    // Called when a gate starts waiting for a person (not for pre-approved
    // ones). Null (the default): gates wait until approve()/reject()/cancel.
    void setApprovalHandler(std::function<void(const ApprovalRequest &)> handler);
    // Answers the gate `node` if one is waiting: true when it was. A
    // rejected gate fails with `reason` as its error ("rejected" if empty).
    bool approve(std::string_view node);
    bool reject(std::string_view node, const std::string &reason = {});
    std::vector<ApprovalRequest> waitingApprovals() const;

    // --- For the executor ----------------------------------------------------
    Handle wait(TriggerRequest request, std::function<void(TriggerResult)> done);
    // Whether wait() would answer at once (a pre-approved gate, a watch
    // round): then the node is not shown waiting.
    bool answersAtOnce(const TriggerRequest &request) const;
    // done(cancelled) at once on the caller's thread; unknown or finished
    // handles are ignored.
    void cancel(Handle handle);

    // --- For a watch session (weft/WatchSession.h) --------------------------
    // While set, a `watch` or `timer` wait does not wait: it fires at once
    // with what the session says started this round (`changed` per node id;
    // a node not named fires with no changed paths). Approvals still wait.
    void setRound(std::map<std::string, std::vector<std::string>> changedByNode);
    void clearRound();

    // The one watcher thread of this hub, started on first use.
    FileWatcher &watcher();

private:
    struct Waiter;
    void finish(Handle handle, TriggerResult result);
    Handle waitingGate(std::string_view node) const; // 0: no gate of `node` waits

    mutable std::mutex m_mutex;
    std::map<Handle, std::shared_ptr<Waiter>> m_waiters;
    std::vector<std::string> m_preApproved;
    std::function<void(const ApprovalRequest &)> m_approvalHandler;
    bool m_inRound = false;
    std::map<std::string, std::vector<std::string>> m_round;
    Handle m_next = 0;
    std::unique_ptr<FileWatcher> m_watcher;
};

} // namespace weft
