// SPDX-License-Identifier: Apache-2.0
#include "Signals.h"

#include <csignal>
#include <pthread.h>

namespace weft::cli {

namespace {

// Sent by the destructor to wake the watcher; blocked like the others, so it
// never reaches any other thread.
constexpr int kWakeSignal = SIGUSR1;

sigset_t watchedSignals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, kWakeSignal);
    return set;
}

extern "C" void ignoreSignal(int) { }

} // namespace

void SignalWatcher::blockSignals()
{
    const sigset_t set = watchedSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::SignalWatcher(std::function<void(int, int)> onSignal)
    : m_onSignal(std::move(onSignal))
{
    blockSignals();
    m_thread = std::thread([this] { watch(); });
}

SignalWatcher::~SignalWatcher()
{
    m_stopping = true;
    pthread_kill(m_thread.native_handle(), kWakeSignal);
    m_thread.join();
}

void SignalWatcher::watch()
{
    const sigset_t set = watchedSignals();
    while (true) {
        int signal = 0;
        if (sigwait(&set, &signal) != 0)
            continue;
        if (m_stopping)
            return;
        if (signal == SIGINT || signal == SIGTERM) {
            const int count = ++m_count;
            if (m_onSignal)
                m_onSignal(signal, count);
        }
    }
}

namespace {

// A pending SIGINT or SIGTERM, taken; 0 when none is pending.
int takePendingSignal()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const struct timespec now = {0, 0};
    const int signal = sigtimedwait(&set, nullptr, &now);
    return signal > 0 ? signal : 0;
}

} // namespace

SignalPoller::SignalPoller(std::function<void(int, int)> onSignal)
    : m_onSignal(std::move(onSignal))
{
    SignalWatcher::blockSignals();
}

void SignalPoller::poll()
{
    while (const int signal = takePendingSignal()) {
        const int count = ++m_count;
        if (m_onSignal)
            m_onSignal(signal, count);
    }
}

void SignalPoller::drain()
{
    while (takePendingSignal())
        ++m_count;
}

void survivePipeClosing()
{
    struct sigaction action = {};
    action.sa_handler = ignoreSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGPIPE, &action, nullptr);
}

} // namespace weft::cli
