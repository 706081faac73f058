// SPDX-License-Identifier: Apache-2.0
#pragma once

// Watch mode (DESIGN.md, "Triggers and watch mode"): a workflow kept live.
// Round 1 runs it; then the session waits for a trigger to fire (a `watch`
// node's files change, a `timer` node's period ends) or for a declared input
// of any node to change, and runs the next round, incrementally when the
// caller hands each round an IncrementalCheck (beginRound). A change during
// a round is not lost: it starts the next round as soon as this one ends.
// Changes arriving together are coalesced (each watch debounces; every cause
// that came before a round starts is that round's), so a burst of thousands
// of changes starts one or two rounds.
//
// In a round, `watch` and `timer` nodes do not wait: they succeed at once,
// a watch node with output `changed` = the paths that started the round (or
// none). `approval` nodes wait for a person in every round.
//
// The events: before each round's run, one `triggerFired` per cause (what
// fired: node, cause, changed paths), then the run's events, all with
// RunStarted::round set. A JSON-lines sink writes "round" on every line and
// a "trigger" line per cause.
//
// For a window (all callable from the GUI thread, nothing blocks it except
// run()): create the session, call run() on a thread of its own, feed the
// sink into the window's event queue; stop() ends it (the current round is
// cancelled, no child left, run() returns); triggers().approve(id) and
// triggers().reject(id) answer a waiting gate, whose node_state waiting
// event says reason "approval"; triggers().setApprovalHandler() is told
// when a gate starts waiting. round() says the round in progress.
//
// Files the workflow itself writes do not start a round: a path that
// matches a node's declared outputs, or lies in the .weft folder, is not an
// input change (it may still fire a `watch` node that names it).

#include "weft/Executor.h"
#include "weft/Triggers.h"

#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace weft {

class CompiledWorkflow;

struct WatchOptions
{
    // Every round runs with these; the session sets `triggers` and `round`,
    // and beginRound may change the rest (an IncrementalCheck per round).
    RunOptions run;
    int maxRounds = 0;          // 0: until stop() (or nothing can start another round)
    double inputDebounce = 0.2; // seconds: declared inputs of nodes
    // Called on run()'s thread before round `round` starts, and after it
    // ended. Add per-round sinks (a history sink) to `sinks`.
    std::function<void(int round, RunOptions &options, std::vector<EventSink *> &sinks)> beginRound;
    std::function<void(int round, const RunSummary &summary)> endRound;
};

struct WatchResult
{
    int rounds = 0;          // rounds run
    RunSummary last;         // the last round's
    bool stopped = false;    // stop() or kill() ended it
    std::size_t failedRounds = 0;
    std::vector<std::string> errors; // e.g. inotify unusable: nothing can be watched
};

class WatchSession
{
public:
    WatchSession(std::shared_ptr<const CompiledWorkflow> workflow, WatchOptions options,
                 EventSink &sink);
    ~WatchSession(); // stop(), and waits for nothing: call after run() returned
    WatchSession(const WatchSession &) = delete;
    WatchSession &operator=(const WatchSession &) = delete;

    // Round after round until stop(), maxRounds, or nothing can start
    // another round (no watch, no timer left, no declared input). Blocks.
    WatchResult run();
    // Thread-safe. Cancels the round in progress (SIGTERM, kill grace) and
    // starts no other; run() returns when every child is gone.
    void stop();
    // Like stop() but SIGKILL at once.
    void kill();

    TriggerHub &triggers() { return m_hub; }
    int round() const { return m_round.load(); }
    // Seconds since the session started (the `t` of trigger events).
    double now() const;

    // A file as a round saw it (stat): inode, size, mtime; all 0: missing.
    struct FileSignature
    {
        bool exists = false;
        std::uint64_t inode = 0;
        std::int64_t size = 0;
        std::int64_t mtimeNs = 0;
        bool operator==(const FileSignature &) const = default;
    };

private:
    void subscribe();
    void addCause(const std::string &node, const std::string &cause, std::vector<std::string> changed);
    void scheduleTimer(std::size_t index);

    std::shared_ptr<const CompiledWorkflow> m_workflow;
    WatchOptions m_options;
    EventSink &m_sink;
    TriggerHub m_hub;
    const std::chrono::steady_clock::time_point m_t0;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::map<std::string, TriggerFired> m_pending; // by node id ("" for the start)
    // Changed paths as the latest round to start with them saw them: the
    // same version heard again later (by another watch) is no new change.
    std::map<std::string, FileSignature> m_seen;
    std::vector<std::uint64_t> m_sources;          // FileWatcher ids: watches and timers
    struct TimerState
    {
        std::string node;
        double every = 0;
        int count = 0; // 0: no limit
        int fired = 0;
        std::uint64_t source = 0; // its pending FileWatcher timer
    };
    std::vector<TimerState> m_timers;
    int m_live = 0; // sources that can still start a round
    Executor *m_executor = nullptr;
    int m_stop = 0; // 1 stop, 2 kill
    bool m_closing = false; // run() is ending: no timer reschedules
    std::atomic<int> m_round{0};
};

} // namespace weft
