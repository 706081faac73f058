// SPDX-License-Identifier: Apache-2.0
#pragma once

// The state of incremental runs and the run history of a workflow file
// (DESIGN.md, "Incremental runs" and "Run history"), in a SQLite database
// beside it: <workflow's directory>/.weft/state.db, shared by the workflow
// files of that directory (each row names its file).
//
// - WAL mode, so history readers never block a run and a run never blocks
//   them; the schema's version is PRAGMA user_version, the file is marked as
//   Weft's with PRAGMA application_id. A file that is not a database, or is
//   another program's, or a newer Weft's, is an error with a way out
//   (open() with reset: the file is moved aside, not read).
// - Two runs of the same file at once: the second refuses, naming the
//   first's pid (lockRun(): flock() on .weft/<file>.lock, which the kernel
//   releases when the holder dies, even by SIGKILL). Runs of different files
//   in one directory share the database under SQLite's own locking, with a
//   busy timeout.
// - A unit is recorded only after it succeeded and its outputs were hashed,
//   in a transaction: a run killed at any moment leaves at most records of
//   units that finished.

#include "weft/Events.h"
#include "weft/Incremental.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weft {

class IncrementalSession;
struct Workflow;

struct HistoryRun
{
    std::int64_t id = 0;
    double started = 0; // seconds since the Unix epoch
    std::string options;  // the command line's run options, as given
    std::string outcome;  // "succeeded", "failed", "cancelled"
    double wall = 0;
    double work = 0;
    std::size_t nodes = 0;
    std::size_t ran = 0;     // units that ran (attempts > 0)
    std::size_t cached = 0;  // units up to date
    std::size_t failed = 0;  // units failed
    std::vector<std::string> criticalPath; // node ids
    double criticalPathDuration = 0;
};

struct HistoryUnit
{
    std::string unit; // "compile" or "compile[3]"
    std::string outcome;
    int attempts = 0;
    double start = -1;
    double duration = 0;
    std::optional<int> exitCode;
    std::string signal;
    bool cached = false;
    std::string why; // why it ran, when it declares outputs
    double cpu = -1; // its last attempt's CPU seconds, a local process's; -1: unknown
    double queued = 0; // of its duration, seconds its Slurm jobs waited in the queue
};

class StateStore
{
public:
    // Opens (creating) the database of `workflowFile`. Null with `error` when
    // it cannot: `reset` first moves a database that cannot be used aside
    // (state.db.broken) and starts an empty one.
    static std::unique_ptr<StateStore> open(const std::filesystem::path &workflowFile,
                                            std::string &error, bool reset = false);
    ~StateStore();
    StateStore(const StateStore &) = delete;
    StateStore &operator=(const StateStore &) = delete;

    const std::filesystem::path &databasePath() const;

    // Takes this workflow file's run lock, held until the store is destroyed.
    // False when another process holds it: `holderPid` is its pid (0 if it
    // could not be read), or `error` says why the lock file is unusable.
    bool lockRun(int &holderPid, std::string &error);

    struct SessionOptions
    {
        std::filesystem::path base; // relative paths in the workflow: the run's base directory
        bool force = false;         // every unit runs (and is recorded when it succeeds)
        // Called once per unit with declared outputs that will run, with the
        // first reason: "never ran", "output missing: out/a.o", ...
        std::function<void(const std::string &unit, const std::string &why)> explain;
    };
    // The IncrementalCheck of one run. It writes as the run goes (batched);
    // finish() commits what is left.
    std::unique_ptr<IncrementalSession> beginRun(SessionOptions options);
    // Reads now what the next beginRun() reads at its start (every unit's
    // record and the file-hash cache), which then takes them: a caller that
    // holds the run lock can do it on a thread of its own while the
    // workflow file loads (a workflow of 100,000 nodes: about 0.1 s).
    // Given the run's base directory, it then stats the recorded outputs,
    // until `stop` is set (the caller's load is done): a no-op run is
    // mostly those stats, and the check of a node whose outputs were
    // found as recorded needs none of its own (IncrementalSession::prepare).
    void preloadRecords(const std::filesystem::path &base = {},
                        const std::atomic<bool> *stop = nullptr);

    // Records the run it hears of (every unit's outcome, attempts, duration,
    // exit status, cached or not) in one transaction when the run finishes,
    // pruning this file's history to its last `keep` runs in the same one.
    // `session` (may be null) supplies why each unit ran.
    std::unique_ptr<EventSink> historySink(std::string options, const IncrementalSession *session,
                                           int keep);
    // Newest first; `limit` < 0: all.
    std::vector<HistoryRun> runs(int limit = -1) const;
    std::optional<HistoryRun> run(std::int64_t id) const;
    std::vector<HistoryUnit> units(std::int64_t run) const;
    // For each unit of run `run` that ran and succeeded (attempts > 0, not
    // up to date, a start recorded), in name order: what a prediction reads
    // (HistoryUnit's unit, start, duration, attempts, cpu; the rest left
    // empty), without the rest of each row: a run of 100,000 units is read
    // in a fraction of units()' time. `unit.unit` is valid during the call.
    struct SucceededUnit
    {
        std::string_view unit;
        double start = 0;
        double duration = 0;
        int attempts = 1;
        double cpu = -1;
    };
    void succeededUnits(std::int64_t run, const std::function<void(const SucceededUnit &)> &visit) const;

    // Outputs recorded for this file's units (paths relative to the base
    // they were recorded against), for `weft-cli clean`.
    std::vector<std::string> recordedOutputs() const;
    // Forgets every unit of this file: the next run runs everything.
    void forgetUnits();

    struct Impl;

private:
    explicit StateStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

class IncrementalSession final : public IncrementalCheck
{
public:
    ~IncrementalSession() override;
    bool upToDate(const IncrementalUnit &unit) override;
    void succeeded(const IncrementalUnit &unit) override;
    bool allUpToDate(const Workflow &workflow,
                     const std::function<IncrementalUnit(NodeIndex)> &unitOf) override;
    // Optional, before the run: on a thread of its own, looks up each node's
    // record and compares the stat of its declared outputs with the
    // record's, in node order, ahead of the run's checks, which then only
    // compare fingerprints. `workflow` (the one the run runs) must outlive
    // the session or its finish(). A unit uses what was prepared for it only
    // while nothing it depends on, directly or not, ran in this run, and
    // only for a node that its run did not expand; otherwise it stats its
    // outputs itself, as it does without prepare().
    void prepare(const Workflow &workflow);
    // Commits what the run recorded that is not committed yet.
    void finish();
    // Why `node` (instance) ran, as --explain said; empty if it was not asked.
    std::string why(NodeIndex node, int instance) const;

    struct Impl;
    explicit IncrementalSession(std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> d;
};

} // namespace weft
