// SPDX-License-Identifier: Apache-2.0
#pragma once

// What `weft-cli run` keeps in .weft/state.db beside the workflow file
// (weft/StateStore.h): the incremental check it hands the executor, the
// history sink among its event sinks, and the run lock.

#include "weft/Events.h"
#include "weft/StateStore.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace weft {
struct Workflow;
}

namespace weft::cli {

struct StateArgs
{
    bool force = false;      // --force, -B
    bool explain = false;    // --explain
    bool resetState = false; // --reset-state
};

class RunState
{
public:
    // Opens the state of `file` and takes its run lock. False: nothing may
    // run; the reason was printed and `status` is the exit status. When the
    // directory cannot hold a .weft folder (read-only), it warns and returns
    // true with no state: everything runs and nothing is recorded.
    bool open(const std::string &file, const StateArgs &args, const Workflow &workflow,
              const std::filesystem::path &base, std::string options,
              std::function<void(const std::string &)> print, int &status);
    // Optional, before open() and while the workflow file loads (on a
    // thread of its own): where `file` has a state database already, opens
    // it, takes the run lock and reads the records, which open() then uses;
    // then stats the recorded outputs under `base` until `loaded` is set.
    // Prints nothing: whatever fails here, open() meets again and says.
    void preopen(const std::string &file, const StateArgs &args,
                 const std::filesystem::path &base, const std::atomic<bool> &loaded);

    IncrementalCheck *check() const { return m_session.get(); }
    EventSink *history() const { return m_history.get(); }
    // --explain for the nodes that always run (no declared outputs); null otherwise.
    EventSink *explainer() const { return m_explainer.get(); }
    // After the run: stops the session's preparer and commits what is left
    // of its records. Again later: nothing more to do.
    void finish();
    // The process is about to exit: finish(), then leave the session's and
    // the history's tables unfreed (the store itself still closes).
    void releaseAtExit();
    // Closes the database and gives up the run lock (also done on destruction).
    void close();
    // Watch mode: finishes this round's records and begins the next round's
    // (a run of its own in the history), under the same run lock.
    void nextRound();

private:
    bool start(const StateArgs &args, const Workflow &workflow, const std::filesystem::path &base,
               std::string options, std::function<void(const std::string &)> print);

    std::unique_ptr<StateStore> m_store;
    std::unique_ptr<IncrementalSession> m_session;
    std::unique_ptr<EventSink> m_history;
    std::unique_ptr<EventSink> m_explainer;
    StateStore::SessionOptions m_sessionOptions;
    std::string m_options;
    int m_keep = 0;
    const Workflow *m_workflow = nullptr; // the one the run runs: it outlives this state
};

} // namespace weft::cli
