// SPDX-License-Identifier: Apache-2.0
#pragma once

// The window's side of incremental runs and the run history (DESIGN.md,
// "Incremental runs", "Run history"): for one run of a saved workflow, the
// state database beside it (weft/StateStore.h), its run lock, the
// incremental check handed to the executor, the history sink among the
// run's sinks, and why each unit ran, for the canvas's tooltips.
//
// The run lock is held from open() to release(), not while the window sits
// idle: a `weft-cli run` of the same file between two runs in the window
// must not be refused because the window has the file open.

#include <weft/Events.h>
#include <weft/StateStore.h>

#include <QHash>
#include <QString>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace weft {
struct Workflow;
}

namespace weft::ui {

class IncrementalRun
{
public:
    enum class Opened {
        Recorded,   // incremental and recorded
        Unrecorded, // the folder cannot hold .weft/ (read-only): everything runs, nothing is kept
        Refused,    // nothing may run: another run holds the file, or its database is unusable
    };

    // `workflowFile` must be saved; `base` is the run's base directory.
    // `message` says why when the result is not Recorded.
    static Opened open(const QString &workflowFile, const Workflow &workflow,
                       const std::filesystem::path &base, bool force, const QString &options,
                       std::unique_ptr<IncrementalRun> &run, QString &message);

    ~IncrementalRun();

    IncrementalCheck *check() const;
    EventSink *history() const;

    // On the engine thread, after the run: commits what is left of its records.
    void finish();
    // Watch mode, on the engine thread before round 2 and later: finishes
    // this round's records and begins the next round's, a run of its own in
    // the history, under the same run lock. check() and history() then
    // answer for the new round; why() forgets the last round's reasons.
    void nextRound();
    // On the GUI thread, after the engine thread joined: closes the
    // database and gives the run lock back. why() still answers.
    void release();

    // Why `unit` ("compile" or "compile[3]") ran: the first reason, as
    // `weft-cli run --explain` says it; empty for a unit that was not asked
    // about (no declared outputs) or was up to date. Any thread.
    QString why(const QString &unit) const;

    // Forgets every recorded unit of `workflowFile` (its history stays); a
    // database that cannot be used is moved aside for a fresh one. The next run runs
    // everything. False with `error` when it cannot.
    static bool forget(const QString &workflowFile, QString &error);

private:
    IncrementalRun() = default;

    std::unique_ptr<StateStore> m_store;
    std::unique_ptr<IncrementalSession> m_session;
    std::unique_ptr<EventSink> m_history;
    StateStore::SessionOptions m_sessionOptions;
    std::string m_options;
    int m_keep = 0;
    mutable std::mutex m_mutex;
    QHash<QString, QString> m_why;
};

} // namespace weft::ui
