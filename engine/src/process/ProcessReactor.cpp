// SPDX-License-Identifier: Apache-2.0
// The reactor's poll loop: one thread in epoll_wait, the queue of commands
// that other threads post to it, timers, and the deadline heap that sets the
// wait's timeout. See ReactorImpl.h for the whole design.

#include "process/ReactorImpl.h"

#include "process/FileDescriptor.h"
#include "process/PosixProcessLauncher.h"

#include <cassert>
#include <csignal>

#include <sys/epoll.h>
#include <sys/eventfd.h>

namespace weft {

using namespace reactor;

ProcessReactor::Impl::Impl(std::unique_ptr<ProcessLauncher> launcher)
    : m_launcher(launcher ? std::move(launcher) : std::make_unique<PosixProcessLauncher>())
    , m_buffer(new char[kReadBufferSize])
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    // Library code never exits the process; a reactor without epoll or an
    // eventfd cannot work at all, which is a broken system, not an input.
    assert(m_epoll >= 0 && m_wake >= 0 && "ProcessReactor: epoll_create1/eventfd failed");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kWakeToken;
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &event);
    m_launcher->setJobStatusListener([this](const std::string &jobId) {
        Command command(Command::JobStatus);
        command.jobId = jobId;
        post(std::move(command));
    });
}

ProcessReactor::Impl::~Impl()
{
    m_launcher->setJobStatusListener(nullptr); // no post() once the eventfd is closed
    if (m_thread.joinable()) { // started by some command
        post(Command(Command::Stop));
        m_thread.join();
    }
    closeFd(m_wake);
    closeFd(m_epoll);
}

void ProcessReactor::Impl::post(Command command)
{
    std::call_once(m_started, [this] { m_thread = std::thread([this] { run(); }); });
    bool wasEmpty;
    {
        std::lock_guard lock(m_queueMutex);
        wasEmpty = m_queue.empty();
        m_queue.push_back(std::move(command));
    }
    // Only the first command of a batch needs to wake the reactor: it swaps
    // out the whole queue after resetting the eventfd.
    if (wasEmpty) {
        std::uint64_t one = 1;
        retryOnEintr([&] { return ::write(m_wake, &one, sizeof one); });
    }
}

ProcessReactor::Handle ProcessReactor::Impl::startTimer(double seconds,
                                                        std::function<void(bool)> finished)
{
    const Handle handle = m_nextHandle.fetch_add(1, std::memory_order_relaxed);
    auto timer = std::make_unique<Timer>();
    timer->finished = std::move(finished);
    // The deadline counts from now, not from when the reactor gets to it.
    timer->at = Clock::now() + toDuration(seconds);
    Command command(Command::StartTimer, handle);
    command.timer = std::move(timer);
    post(std::move(command));
    return handle;
}

void ProcessReactor::Impl::cancel(Handle handle, std::chrono::milliseconds grace)
{
    post(Command(Command::Cancel, handle, grace));
}

void ProcessReactor::Impl::cancelAll(std::chrono::milliseconds grace)
{
    post(Command(Command::CancelAll, 0, grace));
}

void ProcessReactor::Impl::run()
{
    epoll_event events[64];
    for (;;) {
        int count = retryOnEintr(
            [&] { return ::epoll_wait(m_epoll, events, 64, epollTimeout()); });
        for (int i = 0; i < count; ++i) {
            const std::uint64_t token = events[i].data.u64;
            if (token == kWakeToken) {
                processCommands();
                continue;
            }
            const Handle handle = token >> 2;
            auto it = m_processes.find(handle);
            if (it == m_processes.end())
                continue;
            Process &process = *it->second;
            switch (token & 3) {
            case PidfdSource:
                onExit(process);
                break;
            case StdoutSource:
                readPipe(process, OutputStream::Stdout);
                break;
            case StderrSource:
                readPipe(process, OutputStream::Stderr);
                break;
            }
            maybeFinish(handle);
        }
        if (!m_withoutPidfd.empty()) {
            std::vector<Handle> polled = m_withoutPidfd;
            for (Handle handle : polled) {
                auto it = m_processes.find(handle);
                if (it != m_processes.end()) {
                    reap(*it->second, false);
                    maybeFinish(handle);
                }
            }
        }
        fireDeadlines();
        if (m_stopping && m_processes.empty() && m_timers.empty()) {
            std::lock_guard lock(m_queueMutex);
            if (m_queue.empty())
                return;
        }
    }
}

int ProcessReactor::Impl::epollTimeout() const
{
    int timeout = -1;
    if (!m_deadlines.empty()) {
        auto wait = m_deadlines.top().at - Clock::now();
        if (wait <= Clock::duration::zero())
            return 0;
        // Round up: waking early would only spin until the deadline.
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
        timeout = int(std::min<long long>(ms, 24 * 3600 * 1000));
    }
    if (!m_withoutPidfd.empty()) {
        int poll = int(kPollWithoutPidfd.count());
        timeout = timeout < 0 ? poll : std::min(timeout, poll);
    }
    if (m_stopping && timeout < 0)
        timeout = 10; // re-check the exit condition even with nothing scheduled
    return timeout;
}

void ProcessReactor::Impl::processCommands()
{
    std::uint64_t value;
    retryOnEintr([&] { return ::read(m_wake, &value, sizeof value); });
    {
        std::lock_guard lock(m_queueMutex);
        m_batch.swap(m_queue);
    }
    std::vector<Command> batch = std::move(m_batch);
    m_batch.clear();
    for (Command &command : batch) {
        switch (command.kind) {
        case Command::StartProcess:
            registerProcess(std::move(command.process));
            break;
        case Command::StartTimer:
            if (m_stopping) {
                if (command.timer->finished)
                    command.timer->finished(true);
                break;
            }
            schedule(command.timer->at, command.handle);
            m_timers.emplace(command.handle, std::move(command.timer));
            break;
        case Command::JobStatus:
            if (auto job = m_byJob.find(command.jobId); job != m_byJob.end()) {
                if (auto it = m_processes.find(job->second); it != m_processes.end())
                    updateJobStatus(*it->second);
            }
            break;
        case Command::Cancel:
            if (auto it = m_processes.find(command.handle); it != m_processes.end()) {
                cancelProcess(*it->second, command.grace);
                maybeFinish(command.handle);
            } else {
                cancelTimer(command.handle);
            }
            break;
        case Command::CancelAll:
        case Command::Stop: {
            if (command.kind == Command::Stop)
                m_stopping = true;
            auto grace = command.kind == Command::Stop ? std::chrono::milliseconds(0)
                                                       : command.grace;
            std::vector<Handle> handles;
            handles.reserve(m_processes.size() + m_timers.size());
            for (auto &entry : m_processes)
                handles.push_back(entry.first);
            for (Handle handle : handles) {
                auto it = m_processes.find(handle);
                if (it != m_processes.end()) {
                    cancelProcess(*it->second, grace);
                    maybeFinish(handle);
                }
            }
            handles.clear();
            for (auto &entry : m_timers)
                handles.push_back(entry.first);
            std::sort(handles.begin(), handles.end());
            for (Handle handle : handles)
                cancelTimer(handle);
            break;
        }
        }
    }
    // Keep the batch's capacity for the next round.
    batch.clear();
    if (m_batch.capacity() < batch.capacity())
        m_batch = std::move(batch);
}

void ProcessReactor::Impl::cancelTimer(Handle handle)
{
    auto it = m_timers.find(handle);
    if (it == m_timers.end())
        return;
    std::unique_ptr<Timer> timer = std::move(it->second);
    m_timers.erase(it);
    if (timer->finished)
        timer->finished(true);
}

void ProcessReactor::Impl::schedule(Clock::time_point at, Handle handle)
{
    m_deadlines.push(Deadline{at, handle});
}

void ProcessReactor::Impl::fireDeadlines()
{
    const auto now = Clock::now();
    while (!m_deadlines.empty() && m_deadlines.top().at <= now) {
        const Handle handle = m_deadlines.top().handle;
        m_deadlines.pop();
        // A deadline is only a reminder to look at its entry: stale ones
        // (cancelled timers, processes that already ended) find nothing due.
        if (auto it = m_timers.find(handle); it != m_timers.end()) {
            if (it->second->at > now)
                continue;
            std::unique_ptr<Timer> timer = std::move(it->second);
            m_timers.erase(it);
            if (timer->finished)
                timer->finished(false);
            continue;
        }
        auto it = m_processes.find(handle);
        if (it == m_processes.end())
            continue;
        Process &process = *it->second;
        if (process.timeoutAt && *process.timeoutAt <= now) {
            process.timeoutAt.reset();
            if (!process.reaped && !process.timedOut) {
                process.timedOut = true;
                const bool wasCancelled = process.cancelled;
                cancelProcess(process, process.killGrace);
                process.cancelled = wasCancelled;
            }
        }
        if (process.killAt && *process.killAt <= now) {
            process.killAt.reset();
            if (!process.reaped)
                signalGroup(process, SIGKILL);
        }
        if (process.drainAt && *process.drainAt <= now) {
            process.drainAt.reset();
            drainAndClose(process);
        }
        maybeFinish(handle);
    }
}

// ---- public ----------------------------------------------------------------

ProcessReactor::ProcessReactor(std::unique_ptr<ProcessLauncher> launcher)
    : d(std::make_unique<Impl>(std::move(launcher)))
{}

ProcessReactor::~ProcessReactor() = default;

ProcessReactor::Handle ProcessReactor::startProcess(ProcessSpec spec, ProcessCallbacks callbacks)
{
    return d->startProcess(std::move(spec), std::move(callbacks));
}

ProcessReactor::Handle ProcessReactor::startTimer(double seconds,
                                                  std::function<void(bool cancelled)> finished)
{
    return d->startTimer(seconds, std::move(finished));
}

void ProcessReactor::cancel(Handle handle, std::chrono::milliseconds grace)
{
    d->cancel(handle, grace);
}

void ProcessReactor::cancelAll(std::chrono::milliseconds grace)
{
    d->cancelAll(grace);
}

std::vector<int> ProcessReactor::survivingProcessGroups() const
{
    return d->survivingProcessGroups();
}

std::vector<std::string> ProcessReactor::launcherSurvivors()
{
    return d->launcherSurvivors();
}

} // namespace weft
