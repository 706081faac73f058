// SPDX-License-Identifier: Apache-2.0
// A child process from spawn to reaped: the command line decided (direct or
// through /bin/sh -c), its process group tracked, cancel and timeout as
// SIGTERM then SIGKILL to the group, the exit status turned into a clear
// message, and the audit that no group outlives the run.

#include "process/ReactorImpl.h"

#include "process/CommandLine.h"
#include "process/FileDescriptor.h"

#include <csignal>
#include <cstdio>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>

namespace weft {

using namespace reactor;

namespace {

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
    // A short local process is finished here, by the thread that started
    // it; anything else (a cluster job, one that needs stdin written, one
    // that may time out first, one still running) goes to the reactor.
    if (spec.waitBriefly && process->child.jobId.empty() && process->child.pidfd >= 0
        && spec.stdinData.empty()
        && (!spec.timeoutSeconds || toDuration(*spec.timeoutSeconds) > kBriefWait)
        && finishBriefly(*process, kBriefWait))
        return handle;

    Command command(Command::StartProcess, handle);
    command.process = std::move(process);
    post(std::move(command));
    return handle;
}

// Waits up to `window` for `process` to exit and close its pipes, reading
// what it writes meanwhile; then finishes it (reaped, its group killed,
// callbacks called) and returns true. Otherwise it is left as it is, less
// the output already delivered, for the reactor to take over.
bool ProcessReactor::Impl::finishBriefly(Process &process, Clock::duration window)
{
    if (process.callbacks.started)
        process.callbacks.started(process.child.pid);
    process.startedSent = true;
    thread_local const std::unique_ptr<char[]> buffer(new char[kReadBufferSize]);
    const auto deadline = Clock::now() + window;
    bool exited = false;
    while (!exited || process.child.stdoutFd >= 0 || process.child.stderrFd >= 0) {
        const auto left
            = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return false;
        pollfd fds[3] = {{exited ? -1 : process.child.pidfd, POLLIN, 0},
                         {process.child.stdoutFd, POLLIN, 0},
                         {process.child.stderrFd, POLLIN, 0}};
        const timespec timeout{time_t(left.count() / 1'000'000'000),
                               long(left.count() % 1'000'000'000)};
        const int ready = ::ppoll(fds, 3, &timeout, nullptr);
        if (ready < 0 && errno != EINTR)
            return false;
        if (ready <= 0)
            continue;
        exited = exited || fds[0].revents != 0;
        if (fds[1].revents != 0)
            readPipeInto(process, OutputStream::Stdout, buffer.get());
        if (fds[2].revents != 0)
            readPipeInto(process, OutputStream::Stderr, buffer.get());
    }
    reap(process, true); // pipes closed: nothing is scheduled, nothing registered
    if (!process.reaped)
        return false;
    finish(process);
    return true;
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

    if (process.callbacks.submitted && !process.child.jobId.empty())
        process.callbacks.submitted(process.child.jobId);
    if (process.callbacks.started && !process.startedSent)
        process.callbacks.started(process.child.pid);
    if (!process.child.jobId.empty()) {
        m_byJob[process.child.jobId] = handle;
        updateJobStatus(process); // what the launcher saw before this point
    }
    if (m_stopping)
        cancelProcess(process, std::chrono::milliseconds(0));
}

// Tells the callbacks where a cluster job is, once per change: queued (with
// each new pending reason), then started; never back.
// `runs`: the job is known to run (it wrote output) even if the launcher's
// last poll still saw it queued.
void ProcessReactor::Impl::updateJobStatus(Process &process, bool runs)
{
    if (process.jobStartedSent)
        return;
    const ClusterJobStatus status = m_launcher->jobStatus(process.child.jobId);
    if (!status.known)
        return;
    if (status.started || runs) {
        process.jobStartedSent = true;
        if (process.callbacks.jobStarted)
            process.callbacks.jobStarted(status.host);
    } else if (!process.queuedSent || status.pendingReason != process.queuedReason) {
        process.queuedSent = true;
        process.queuedReason = status.pendingReason;
        if (process.callbacks.queued)
            process.callbacks.queued(status.pendingReason);
    }
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
    struct rusage usage{};
    pid_t reaped = retryOnEintr([&] { return ::wait4(process.child.pid, &status, WNOHANG, &usage); });
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
    if (reaped > 0) {
        auto seconds = [](const timeval &tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
        process.cpuSeconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    }
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
    outcome.outputs = std::move(process.outputs);
    outcome.stderrBytes = process.stderrTail.totalBytes();
    outcome.cpuSeconds = process.cpuSeconds;
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
    if (!owned->child.jobId.empty())
        m_byJob.erase(owned->child.jobId);
    finish(*owned);
}

// Reaped, pipes closed, no longer the reactor's: the group let go of, the
// outcome told.
void ProcessReactor::Impl::finish(Process &process)
{
    {
        // The group was SIGKILLed when the main process exited; once it is
        // empty its number may be reused by someone else's group, so stop
        // tracking it. Lingering zombies keep it tracked, and
        // survivingProcessGroups() looks closer.
        std::lock_guard lock(m_groupsMutex);
        if (::kill(-process.child.pgid, 0) != 0 && errno == ESRCH)
            m_groups.erase(process.child.pgid);
    }
    ProcessOutcome outcome = outcomeOf(process);
    m_launcher->finished(process.child, outcome);
    // A job that ran and ended between two polls still started somewhere
    // (its host is known only once it ran).
    if (!process.child.jobId.empty() && !process.jobStartedSent && !outcome.host.empty()) {
        process.jobStartedSent = true;
        if (process.callbacks.jobStarted)
            process.callbacks.jobStarted(outcome.host);
    }
    if (process.callbacks.finished)
        process.callbacks.finished(std::move(outcome));
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

} // namespace weft
