// SPDX-License-Identifier: Apache-2.0
#pragma once

// Ctrl-C and SIGTERM without signal handlers: SIGINT and SIGTERM are blocked
// in every thread (threads inherit the mask of the thread that starts them,
// so block before any thread exists) and one dedicated thread takes them
// with sigwait(). The callback therefore runs on an ordinary thread and may
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

// Makes writes to a closed pipe fail with EPIPE instead of killing
// weft-cli, which would leave its children (in their own process groups)
// running. A handler, unlike SIG_IGN, is reset for the programs we exec.
void survivePipeClosing();

} // namespace weft::cli
