// SPDX-License-Identifier: Apache-2.0
#pragma once

// The reactor's insides, shared by the files that implement it:
//   ProcessReactor.cpp   the poll loop: epoll, the command queue, timers and
//                        deadlines
//   ProcessLifetime.cpp  a child from spawn to reaped: its process group,
//                        timeouts and kill grace, the exit status and what
//                        it means, the audit of surviving groups
//   OutputFraming.cpp    a child's pipes: bounded reads, progress lines,
//                        output tails, draining after the exit
//
// The platform behaviour it relies on:
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

#include "process/ProcessReactor.h"

#include "process/OutputTail.h"
#include "process/ProgressProtocol.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <queue>
#include <set>
#include <thread>
#include <unordered_map>

namespace weft {

namespace reactor {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBufferSize = 64 * 1024;
constexpr int kReadsPerWakeup = 4;
constexpr auto kDrainLimit = std::chrono::milliseconds(1000);
constexpr auto kPollWithoutPidfd = std::chrono::milliseconds(10);
// How long a thread that started a process with waitBriefly waits for it to
// end. The scheduler gives waitBriefly only when every job slot has a
// thread of its own, so the thread has no other work meanwhile; handed to
// the reactor, the exit would take two thread wake-ups (0.2-1.5 ms each on
// a VM) and oneTBB's threads would spin for new work beside the child. It
// was 2.5 ms, about oneTBB's own spin, but a `true` takes 2-4 ms on a busy
// VM and most then went to the reactor: at 20 ms a 2,000-process lattice
// at -j 2 ran 9 % faster (interleaved), 0.96-1.04x the posix_spawn floor.
// The bound is how late a cancel reaches a process started meanwhile (the
// executor cancels it by handle once startProcess returns) and how long a
// retry timer may wait for a thread when every thread is waiting.
constexpr auto kBriefWait = std::chrono::milliseconds(20);
constexpr std::size_t kTailLines = 20;

// epoll_event.data.u64: handle << 2 | source.
enum Source : std::uint64_t { PidfdSource = 0, StdoutSource = 1, StderrSource = 2 };
constexpr std::uint64_t kWakeToken = ~std::uint64_t(0);

// Seconds from a user's file: negative means now, NaN or huge means never
// (about 30 years, well inside the clock's range).
inline Clock::duration toDuration(double seconds)
{
    constexpr double kNever = 1e9;
    if (std::isnan(seconds))
        seconds = kNever;
    if (seconds <= 0)
        return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(std::min(seconds, kNever)));
}

} // namespace reactor

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
    std::vector<std::string> launcherSurvivors() { return m_launcher->survivors(); }

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
        std::vector<std::pair<std::string, std::string>> outputs; // ::output lines, in order
        bool startedSent = false; // callbacks.started ran (on the caller's thread)
        bool reaped = false;
        bool statusLost = false;
        int waitStatus = 0;
        double cpuSeconds = -1; // from wait4's rusage
        bool cancelled = false;
        bool timedOut = false;
        std::optional<reactor::Clock::time_point> timeoutAt;
        std::optional<reactor::Clock::time_point> killAt;
        std::optional<reactor::Clock::time_point> drainAt;
        // A cluster job: what the callbacks were last told of its queue state.
        bool jobStartedSent = false;
        bool queuedSent = false;
        std::string queuedReason;
    };

    struct Timer
    {
        std::function<void(bool)> finished;
        reactor::Clock::time_point at;
    };

    struct Command
    {
        enum Kind { StartProcess, StartTimer, Cancel, CancelAll, Stop, JobStatus } kind;
        explicit Command(Kind k, Handle h = 0, std::chrono::milliseconds g = {})
            : kind(k), handle(h), grace(g)
        {}
        Handle handle = 0;
        std::unique_ptr<Process> process;
        std::unique_ptr<Timer> timer;
        std::chrono::milliseconds grace{0};
        std::string jobId; // JobStatus: the cluster job whose status changed
    };

    struct Deadline
    {
        reactor::Clock::time_point at;
        Handle handle;
        bool operator>(const Deadline &other) const { return at > other.at; }
    };

    // Callable from any thread.
    void post(Command command);
    void addGroup(int pgid);

    // The thread that started `process`, before it is registered.
    bool finishBriefly(Process &process, reactor::Clock::duration window);
    void finish(Process &process);

    // Reactor thread only (readPipeInto and closePipe also before a
    // process is registered, by the thread that started it).
    void run();
    void processCommands();
    void registerProcess(std::unique_ptr<Process> process);
    void cancelProcess(Process &process, std::chrono::milliseconds grace);
    void cancelTimer(Handle handle);
    void readPipe(Process &process, OutputStream stream);
    void readPipeInto(Process &process, OutputStream stream, char *buffer);
    void closePipe(Process &process, OutputStream stream);
    void deliver(Process &process, OutputStream stream, std::string_view data);
    void onExit(Process &process);
    void updateJobStatus(Process &process, bool runs = false);
    void reap(Process &process, bool knownExited);
    void drainAndClose(Process &process);
    void maybeFinish(Handle handle);
    ProcessOutcome outcomeOf(const Process &process) const;
    void schedule(reactor::Clock::time_point at, Handle handle);
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
    std::unordered_map<std::string, Handle> m_byJob; // cluster jobs of live processes
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> m_deadlines;
    std::vector<Handle> m_withoutPidfd;
    std::vector<Command> m_batch;
    std::unique_ptr<char[]> m_buffer;
    bool m_stopping = false;

    // Started by the first command posted, not with the reactor: a run
    // whose every unit is up to date never needs it, and a thread costs its
    // start, a join at the run's end and, at exit, a wake-up to end it.
    std::once_flag m_started;
    std::thread m_thread; // last: started once everything above exists
};

} // namespace weft
