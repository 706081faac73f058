#include "process/ProcessReactor.h"

#include "process/FileDescriptor.h"

#include "process/CommandLine.h"
#include "process/OutputTail.h"
#include "process/PosixProcessLauncher.h"
#include "process/ProcessLauncher.h"
#include "process/ProgressProtocol.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <queue>
#include <set>
#include <thread>
#include <unordered_map>

#include <dirent.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

// The reactor, and the platform behaviour it relies on:
// - One thread waits in epoll_wait on: an eventfd (new work, cancels, stop),
//   a pidfd per child (readable once the child exited), and the read end of
//   each child's stdout and stderr pipe. Timers, timeouts, SIGKILL
//   escalation and the drain limit are deadlines in one heap that sets the
//   epoll_wait timeout; no thread sleeps per child or per timer.
// - A child's exit and the EOF on its pipes arrive in any order. A node is
//   finished once it was reaped AND both pipes reached EOF, so no output is
//   lost. When the main process exits, SIGKILL goes to its whole process
//   group before it is reaped (the zombie still pins the pgid, so the number
//   cannot be reused under us); grandchildren in the group die and their
//   pipe ends close. A grandchild that left the group (setsid) could hold
//   the pipe forever, so after the exit we drain for at most kDrainLimit.
// - epoll is level-triggered and each wakeup reads a bounded amount per
//   pipe, so one flooding child cannot starve the others.
// - Every pipe is removed from epoll before it is closed: a concurrent
//   posix_spawn on another thread briefly holds a copy of the descriptor
//   table, which would otherwise keep a closed pipe registered.
// - Every syscall that can fail with EINTR is retried.

namespace weft {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBufferSize = 64 * 1024;
constexpr int kReadsPerWakeup = 4;
constexpr auto kDrainLimit = std::chrono::milliseconds(1000);
constexpr auto kPollWithoutPidfd = std::chrono::milliseconds(10);
constexpr std::size_t kTailLines = 20;

// epoll_event.data.u64: handle << 2 | source.
enum Source : std::uint64_t { PidfdSource = 0, StdoutSource = 1, StderrSource = 2 };
constexpr std::uint64_t kWakeToken = ~std::uint64_t(0);

template<typename F>
auto retryOnEintr(F f)
{
    decltype(f()) result;
    do {
        result = f();
    } while (result == -1 && errno == EINTR);
    return result;
}

// Seconds from a user's file: negative means now, NaN or huge means never
// (about 30 years, well inside the clock's range).
Clock::duration toDuration(double seconds)
{
    constexpr double kNever = 1e9;
    if (std::isnan(seconds))
        seconds = kNever;
    if (seconds <= 0)
        return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(std::min(seconds, kNever)));
}

std::string formatSeconds(double seconds)
{
    char text[32];
    if (seconds == std::floor(seconds) && seconds < 1e9)
        std::snprintf(text, sizeof text, "%.0f s", seconds);
    else
        std::snprintf(text, sizeof text, "%g s", seconds);
    return text;
}

// "/bin/sh: 1: foo: not found" (dash) or "sh: line 1: foo: command not
// found" (bash): the word the shell could not run, from its own message.
std::string shellFailureSubject(const std::string &stderrTail, std::string_view suffix)
{
    std::size_t end = stderrTail.size();
    while (end > 0) {
        std::size_t start = stderrTail.rfind('\n', end - 1);
        start = start == std::string::npos ? 0 : start + 1;
        std::string_view line(stderrTail.data() + start, end - start);
        end = start > 0 ? start - 1 : 0;
        if (line.size() > suffix.size() && line.substr(line.size() - suffix.size()) == suffix) {
            line.remove_suffix(suffix.size());
            std::size_t colon = line.rfind(": ");
            return std::string(colon == std::string_view::npos ? line : line.substr(colon + 2));
        }
        if (start == 0)
            break;
    }
    return {};
}

} // namespace

std::string signalName(int signal)
{
    if (const char *abbreviation = ::sigabbrev_np(signal))
        return std::string("SIG") + abbreviation;
    return "signal " + std::to_string(signal);
}

class ProcessReactor::Impl
{
public:
    explicit Impl(std::unique_ptr<ProcessLauncher> launcher);
    ~Impl();

    Handle startProcess(ProcessSpec spec, ProcessCallbacks callbacks);
    Handle startTimer(double seconds, std::function<void(bool)> finished);
    void cancel(Handle handle, std::chrono::milliseconds grace);
    void cancelAll(std::chrono::milliseconds grace);
    std::vector<int> survivingProcessGroups() const;
    std::vector<int> liveProcessGroups() const; // one scan, no settling

private:
    struct Process
    {
        Handle handle = 0;
        ProcessCallbacks callbacks;
        LaunchedProcess child;
        std::string commandLine;
        std::string shellCommand; // set when it runs through /bin/sh -c
        std::optional<double> timeoutSeconds;
        std::chrono::milliseconds killGrace{5000};
        ProgressFilter progress;
        OutputTail stdoutTail;
        OutputTail stderrTail;
        std::uint64_t stdoutBytes = 0;
        bool reaped = false;
        bool statusLost = false;
        int waitStatus = 0;
        bool cancelled = false;
        bool timedOut = false;
        std::optional<Clock::time_point> timeoutAt;
        std::optional<Clock::time_point> killAt;
        std::optional<Clock::time_point> drainAt;
    };

    struct Timer
    {
        std::function<void(bool)> finished;
        Clock::time_point at;
    };

    struct Command
    {
        enum Kind { StartProcess, StartTimer, Cancel, CancelAll, Stop } kind;
        Handle handle = 0;
        std::unique_ptr<Process> process;
        std::unique_ptr<Timer> timer;
        std::chrono::milliseconds grace{0};
    };

    struct Deadline
    {
        Clock::time_point at;
        Handle handle;
        bool operator>(const Deadline &other) const { return at > other.at; }
    };

    // Callable from any thread.
    void post(Command command);
    void addGroup(int pgid);

    // Reactor thread only.
    void run();
    void processCommands();
    void registerProcess(std::unique_ptr<Process> process);
    void cancelProcess(Process &process, std::chrono::milliseconds grace);
    void cancelTimer(Handle handle);
    void readPipe(Process &process, OutputStream stream);
    void closePipe(Process &process, OutputStream stream);
    void deliver(Process &process, OutputStream stream, std::string_view data);
    void onExit(Process &process);
    void reap(Process &process, bool knownExited);
    void drainAndClose(Process &process);
    void maybeFinish(Handle handle);
    ProcessOutcome outcomeOf(const Process &process) const;
    void schedule(Clock::time_point at, Handle handle);
    void fireDeadlines();
    int epollTimeout() const;
    void signalGroup(const Process &process, int signal) const;

    std::unique_ptr<ProcessLauncher> m_launcher;
    int m_epoll = -1;
    int m_wake = -1;
    std::atomic<Handle> m_nextHandle{1};

    std::mutex m_queueMutex;
    std::vector<Command> m_queue;

    mutable std::mutex m_groupsMutex;
    mutable std::set<int> m_groups; // every group we created that may still be alive

    // Owned by the reactor thread.
    std::unordered_map<Handle, std::unique_ptr<Process>> m_processes;
    std::unordered_map<Handle, std::unique_ptr<Timer>> m_timers;
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> m_deadlines;
    std::vector<Handle> m_withoutPidfd;
    std::vector<Command> m_batch;
    std::unique_ptr<char[]> m_buffer;
    bool m_stopping = false;

    std::thread m_thread; // last: started once everything above exists
};

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
    m_thread = std::thread([this] { run(); });
}

ProcessReactor::Impl::~Impl()
{
    Command stop;
    stop.kind = Command::Stop;
    post(std::move(stop));
    m_thread.join();
    closeFd(m_wake);
    closeFd(m_epoll);
}

void ProcessReactor::Impl::post(Command command)
{
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

void ProcessReactor::Impl::addGroup(int pgid)
{
    std::lock_guard lock(m_groupsMutex);
    m_groups.insert(pgid);
}

ProcessReactor::Handle ProcessReactor::Impl::startProcess(ProcessSpec spec,
                                                          ProcessCallbacks callbacks)
{
    const Handle handle = m_nextHandle.fetch_add(1, std::memory_order_relaxed);
    auto process = std::make_unique<Process>();
    process->handle = handle;

    std::vector<std::string> argv;
    std::string error;
    if (!spec.argv.empty() && !spec.command.empty()) {
        error = "both argv and command given";
    } else if (!spec.argv.empty()) {
        process->commandLine = displayCommandLine(spec.argv);
    } else {
        process->commandLine = spec.command;
        if (auto split = splitSimpleCommand(spec.command)) {
            argv = std::move(*split);
            if (argv.empty())
                error = "empty command";
        } else {
            argv = {"/bin/sh", "-c", spec.command};
            process->shellCommand = spec.command;
        }
    }

    LaunchResult launched;
    if (error.empty())
        launched = m_launcher->launch(spec.argv.empty() ? argv : spec.argv, spec);
    if (!launched.ok()) {
        ProcessOutcome outcome;
        outcome.error = error.empty() ? launched.error : error;
        outcome.commandLine = process->commandLine;
        if (callbacks.finished)
            callbacks.finished(std::move(outcome));
        return handle;
    }

    addGroup(launched.process.pgid);
    process->child = launched.process;
    process->callbacks = std::move(callbacks);
    process->timeoutSeconds = spec.timeoutSeconds;
    process->killGrace = std::max(spec.killGrace, std::chrono::milliseconds(0));
    if (spec.timeoutSeconds) {
        process->timeoutAt = Clock::now() + toDuration(*spec.timeoutSeconds);
    }

    Command command;
    command.kind = Command::StartProcess;
    command.handle = handle;
    command.process = std::move(process);
    post(std::move(command));
    return handle;
}

ProcessReactor::Handle ProcessReactor::Impl::startTimer(double seconds,
                                                        std::function<void(bool)> finished)
{
    const Handle handle = m_nextHandle.fetch_add(1, std::memory_order_relaxed);
    auto timer = std::make_unique<Timer>();
    timer->finished = std::move(finished);
    // The deadline counts from now, not from when the reactor gets to it.
    timer->at = Clock::now() + toDuration(seconds);
    Command command;
    command.kind = Command::StartTimer;
    command.handle = handle;
    command.timer = std::move(timer);
    post(std::move(command));
    return handle;
}

void ProcessReactor::Impl::cancel(Handle handle, std::chrono::milliseconds grace)
{
    Command command;
    command.kind = Command::Cancel;
    command.handle = handle;
    command.grace = grace;
    post(std::move(command));
}

void ProcessReactor::Impl::cancelAll(std::chrono::milliseconds grace)
{
    Command command;
    command.kind = Command::CancelAll;
    command.grace = grace;
    post(std::move(command));
}

std::vector<int> ProcessReactor::Impl::survivingProcessGroups() const
{
    // Every group was sent SIGKILL when its main process exited, but dying
    // takes a moment: a member closes its pipes (which lets its node finish)
    // before it turns into a zombie. So a group seen alive right at the end
    // of a run gets a short while to finish dying before it counts as a
    // survivor; a real survivor costs the run this delay once.
    constexpr auto kSettle = std::chrono::milliseconds(500);
    const auto deadline = Clock::now() + kSettle;
    std::vector<int> alive = liveProcessGroups();
    while (!alive.empty() && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        alive = liveProcessGroups();
    }
    return alive;
}

std::vector<int> ProcessReactor::Impl::liveProcessGroups() const
{
    std::vector<int> candidates; // sorted, as m_groups is
    {
        std::lock_guard lock(m_groupsMutex);
        for (auto it = m_groups.begin(); it != m_groups.end();) {
            if (::kill(-*it, 0) != 0 && errno == ESRCH) {
                it = m_groups.erase(it);
                continue;
            }
            candidates.push_back(*it);
            ++it;
        }
    }
    if (candidates.empty())
        return {};
    // kill() also succeeds for a group whose only members are zombies (a
    // reparented grandchild that init has not reaped yet): those are dead,
    // so look for a member that is not. /proc/PID/stat is
    // "pid (comm) state ppid pgrp ..."; comm may contain anything, so parse
    // from the last ')'.
    std::set<int> alive;
    if (DIR *proc = ::opendir("/proc")) {
        while (dirent *entry = ::readdir(proc)) {
            if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
                continue;
            char path[300];
            std::snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
            int fd = retryOnEintr([&] { return ::open(path, O_RDONLY | O_CLOEXEC); });
            if (fd < 0)
                continue;
            char stat[512];
            ssize_t n = retryOnEintr([&] { return ::read(fd, stat, sizeof stat - 1); });
            ::close(fd);
            if (n <= 0)
                continue;
            stat[n] = '\0';
            const char *paren = std::strrchr(stat, ')');
            char state = 0;
            int ppid = 0;
            int pgrp = 0;
            if (paren && std::sscanf(paren + 1, " %c %d %d", &state, &ppid, &pgrp) == 3
                && state != 'Z' && state != 'X' && std::binary_search(candidates.begin(),
                                                                      candidates.end(), pgrp))
                alive.insert(pgrp);
        }
        ::closedir(proc);
    } else {
        alive.insert(candidates.begin(), candidates.end());
    }
    return {alive.begin(), alive.end()};
}

// ---- reactor thread --------------------------------------------------------

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

void ProcessReactor::Impl::registerProcess(std::unique_ptr<Process> owned)
{
    Process &process = *owned;
    const Handle handle = process.handle;
    m_processes.emplace(handle, std::move(owned));

    auto watch = [&](int fd, Source source) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = handle << 2 | source;
        return ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) == 0;
    };
    if (process.child.pidfd < 0 || !watch(process.child.pidfd, PidfdSource)) {
        closeFd(process.child.pidfd);
        m_withoutPidfd.push_back(handle);
    }
    if (!watch(process.child.stdoutFd, StdoutSource))
        closeFd(process.child.stdoutFd);
    if (!watch(process.child.stderrFd, StderrSource))
        closeFd(process.child.stderrFd);
    if (process.timeoutAt)
        schedule(*process.timeoutAt, handle);

    if (process.callbacks.started)
        process.callbacks.started(process.child.pid);
    if (m_stopping)
        cancelProcess(process, std::chrono::milliseconds(0));
}

void ProcessReactor::Impl::signalGroup(const Process &process, int signal) const
{
    // Harmless when the group is already gone (ESRCH).
    ::kill(-process.child.pgid, signal);
}

void ProcessReactor::Impl::cancelProcess(Process &process, std::chrono::milliseconds grace)
{
    if (process.reaped)
        return; // it ended on its own; only its pipes are being drained
    process.cancelled = true;
    if (grace <= std::chrono::milliseconds(0)) {
        signalGroup(process, SIGKILL);
        return;
    }
    signalGroup(process, SIGTERM);
    const auto killAt = Clock::now() + grace;
    if (!process.killAt || killAt < *process.killAt) {
        process.killAt = killAt;
        schedule(killAt, process.handle);
    }
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

void ProcessReactor::Impl::readPipe(Process &process, OutputStream stream)
{
    int &fd = stream == OutputStream::Stdout ? process.child.stdoutFd : process.child.stderrFd;
    for (int round = 0; round < kReadsPerWakeup && fd >= 0; ++round) {
        ssize_t n = ::read(fd, m_buffer.get(), kReadBufferSize);
        if (n > 0) {
            deliver(process, stream, std::string_view(m_buffer.get(), std::size_t(n)));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        closePipe(process, stream); // EOF, or an error that will not go away
    }
}

namespace {

struct FilterSink final : ProgressFilter::Sink
{
    ProcessCallbacks &callbacks;
    OutputTail &tail;
    explicit FilterSink(ProcessCallbacks &c, OutputTail &t)
        : callbacks(c)
        , tail(t)
    {}
    void output(std::string_view text) override
    {
        tail.append(text);
        if (callbacks.output)
            callbacks.output(OutputStream::Stdout, text);
    }
    void progress(double fraction, std::string_view message) override
    {
        if (callbacks.progress)
            callbacks.progress(fraction, message);
    }
};

} // namespace

void ProcessReactor::Impl::deliver(Process &process, OutputStream stream, std::string_view data)
{
    if (stream == OutputStream::Stderr) {
        process.stderrTail.append(data);
        if (process.callbacks.output)
            process.callbacks.output(OutputStream::Stderr, data);
        return;
    }
    process.stdoutBytes += data.size();
    FilterSink sink(process.callbacks, process.stdoutTail);
    process.progress.feed(data, sink);
}

void ProcessReactor::Impl::closePipe(Process &process, OutputStream stream)
{
    int &fd = stream == OutputStream::Stdout ? process.child.stdoutFd : process.child.stderrFd;
    if (fd < 0)
        return;
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    closeFd(fd);
    if (stream == OutputStream::Stdout) {
        FilterSink sink(process.callbacks, process.stdoutTail);
        process.progress.finish(sink);
    }
}

void ProcessReactor::Impl::onExit(Process &process)
{
    // A readable pidfd means the process exited: no need to ask first.
    reap(process, true);
}

void ProcessReactor::Impl::reap(Process &process, bool knownExited)
{
    if (process.reaped)
        return;
    if (!knownExited) {
        // Polling fallback: WNOWAIT leaves the zombie in place, so the kill
        // below still finds the group pinned by it.
        siginfo_t info{};
        int rc = retryOnEintr([&] {
            return ::waitid(P_PID, id_t(process.child.pid), &info,
                            WEXITED | WNOHANG | WNOWAIT);
        });
        if (rc == 0 && info.si_pid == 0)
            return; // still running
    }
    signalGroup(process, SIGKILL);
    int status = 0;
    pid_t reaped = retryOnEintr([&] { return ::waitpid(process.child.pid, &status, WNOHANG); });
    if (reaped == 0)
        return;
    if (reaped < 0) {
        // ECHILD: someone else reaped it (SIGCHLD set to SIG_IGN in this
        // process, or a stray waitpid(-1)); the status is lost, the process
        // is gone all the same.
        process.statusLost = true;
    }
    process.reaped = true;
    process.waitStatus = status;
    if (process.child.pidfd >= 0) {
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, process.child.pidfd, nullptr);
        closeFd(process.child.pidfd);
    } else {
        std::erase(m_withoutPidfd, process.handle);
    }
    if (process.child.stdoutFd >= 0 || process.child.stderrFd >= 0) {
        process.drainAt = Clock::now() + kDrainLimit;
        schedule(*process.drainAt, process.handle);
    }
}

void ProcessReactor::Impl::drainAndClose(Process &process)
{
    // Past the drain limit: take what is buffered now, then let go of a
    // pipe that something outside the group still holds open.
    for (OutputStream stream : {OutputStream::Stdout, OutputStream::Stderr}) {
        int &fd = stream == OutputStream::Stdout ? process.child.stdoutFd
                                                 : process.child.stderrFd;
        for (int round = 0; round < 16 && fd >= 0; ++round) {
            ssize_t n = retryOnEintr([&] { return ::read(fd, m_buffer.get(), kReadBufferSize); });
            if (n <= 0)
                break;
            deliver(process, stream, std::string_view(m_buffer.get(), std::size_t(n)));
        }
        closePipe(process, stream);
    }
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

ProcessOutcome ProcessReactor::Impl::outcomeOf(const Process &process) const
{
    ProcessOutcome outcome;
    outcome.spawned = true;
    outcome.pid = process.child.pid;
    outcome.commandLine = process.commandLine;
    outcome.cancelled = process.cancelled;
    outcome.timedOut = process.timedOut;
    outcome.stderrTail = process.stderrTail.lastLines(kTailLines);
    outcome.stdoutTail = process.stdoutTail.lastLines(kTailLines);
    outcome.stdoutBytes = process.stdoutBytes;
    outcome.stderrBytes = process.stderrTail.totalBytes();
    const int status = process.waitStatus;
    if (!process.statusLost) {
        if (WIFEXITED(status))
            outcome.exitCode = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
            outcome.signal = WTERMSIG(status);
    }

    if (process.timedOut) {
        outcome.error = "timed out after " + formatSeconds(process.timeoutSeconds.value_or(0));
    } else if (process.cancelled) {
        outcome.error = "cancelled";
    } else if (process.statusLost) {
        outcome.error = "exit status lost: the process was reaped elsewhere (SIGCHLD ignored?)";
    } else if (outcome.signal) {
        outcome.error = "killed by " + signalName(outcome.signal);
    } else if (outcome.exitCode && *outcome.exitCode != 0) {
        const int code = *outcome.exitCode;
        std::string subject;
        if (!process.shellCommand.empty() && (code == 127 || code == 126)) {
            const std::string tail = process.stderrTail.lastLines(4);
            subject = shellFailureSubject(tail, code == 127 ? ": not found" : ": Permission denied");
            if (subject.empty() && code == 127)
                subject = shellFailureSubject(tail, ": command not found");
            if (subject.empty())
                subject = firstWord(process.shellCommand);
        }
        if (subject.empty())
            outcome.error = "exited with status " + std::to_string(code);
        else if (code == 127)
            outcome.error = "command not found: " + subject;
        else
            outcome.error = "permission denied: " + subject;
    }
    outcome.ok = outcome.error.empty() && outcome.exitCode == 0;
    return outcome;
}

void ProcessReactor::Impl::maybeFinish(Handle handle)
{
    auto it = m_processes.find(handle);
    if (it == m_processes.end())
        return;
    Process &process = *it->second;
    if (!process.reaped || process.child.stdoutFd >= 0 || process.child.stderrFd >= 0)
        return;
    std::unique_ptr<Process> owned = std::move(it->second);
    m_processes.erase(it);
    {
        // The group was SIGKILLed when the main process exited; once it is
        // empty its number may be reused by someone else's group, so stop
        // tracking it. Lingering zombies keep it tracked, and
        // survivingProcessGroups() looks closer.
        std::lock_guard lock(m_groupsMutex);
        if (::kill(-owned->child.pgid, 0) != 0 && errno == ESRCH)
            m_groups.erase(owned->child.pgid);
    }
    ProcessOutcome outcome = outcomeOf(*owned);
    if (owned->callbacks.finished)
        owned->callbacks.finished(std::move(outcome));
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

} // namespace weft
