// SPDX-License-Identifier: Apache-2.0
#pragma once

// Ctrl-C and SIGTERM without signal handlers: SIGINT and SIGTERM are blocked
// in every thread (threads inherit the mask of the thread that starts them,
// so block before any thread exists) and either one dedicated thread takes
// them with sigwait() (SignalWatcher: a watch session) or a thread that
// wakes regularly anyway polls for them (SignalPoller: a run, on its event
// relay's tick). The callback therefore runs on an ordinary thread and may
// lock, allocate and call into the executor.

#include <atomic>
#include <functional>
#include <thread>

namespace weft::cli {

class SignalWatcher {
public:
    // Blocks SIGINT, SIGTERM (and the watcher's wake-up signal) in the
    // calling thread. Call it before starting any thread.
    static void blockSignals();

    // `onSignal(signal, count)` runs on the watcher's thread for each SIGINT
    // or SIGTERM; count is 1 for the first, 2 for the second, ...
    explicit SignalWatcher(std::function<void(int signal, int count)> onSignal);
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher &) = delete;
    SignalWatcher &operator=(const SignalWatcher &) = delete;

    int count() const { return m_count.load(); }

private:
    void watch();

    std::function<void(int, int)> m_onSignal;
    std::atomic<int> m_count { 0 };
    std::atomic<bool> m_stopping { false };
    std::thread m_thread;
};

// The same without a thread of its own, for a run whose event relay wakes
// every 10 ms anyway: poll() takes the SIGINT and SIGTERM that are pending
// (blocked as above, they wait for it) and runs `onSignal` for each on the
// calling thread. A thread fewer to start, and to wake when the process
// ends: 0.3-0.7 ms of a 15 ms no-op run on a VM.
class SignalPoller {
public:
    explicit SignalPoller(std::function<void(int signal, int count)> onSignal);
    SignalPoller(const SignalPoller &) = delete;
    SignalPoller &operator=(const SignalPoller &) = delete;

    void poll();
    // Takes what is pending without calling back (the run is over): counted.
    void drain();
    int count() const { return m_count.load(); }

private:
    std::function<void(int, int)> m_onSignal;
    std::atomic<int> m_count { 0 };
};

// Makes writes to a closed pipe fail with EPIPE instead of killing
// weft-cli, which would leave its children (in their own process groups)
// running. A handler, unlike SIG_IGN, is reset for the programs we exec.
void survivePipeClosing();

} // namespace weft::cli
