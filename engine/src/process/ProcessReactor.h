// SPDX-License-Identifier: Apache-2.0
#pragma once

// One thread that owns every child process of a run and every timer: it
// spawns (through a ProcessLauncher), reads stdout/stderr pipes, notices
// exits (epoll + pidfd), enforces timeouts and escalates SIGTERM -> SIGKILL.
// TBB workers do not wait on a child or read a pipe: they call start*() and
// get called back, on the reactor thread, when the work is done; the one
// exception is a short process started with waitBriefly, which the thread
// that started it may wait for and finish (at most kBriefWait).
//
// Threading contract:
// - startProcess, startTimer, cancel, cancelAll and survivingProcessGroups
//   may be called from any thread, concurrently, and from inside callbacks.
// - Callbacks run on the reactor thread, one at a time, in order per handle:
//   started, then output/progress, then finished, exactly once, and nothing
//   after finished. The exceptions run on the caller's thread before
//   startProcess returns: finished when nothing could be started (command
//   not found, bad cwd, ...), and, for a spec with waitBriefly, every
//   callback of a local process that ended (and closed its pipes) within
//   kBriefWait; do not hold a lock that a callback takes while calling
//   startProcess.
// - Callbacks must be quick and must not throw; they must not destroy the
//   reactor. A string_view passed to one is valid only during the call.
// - The destructor kills (SIGKILL) every group still alive, waits for them,
//   and calls the outstanding finished callbacks (cancelled = true) on the
//   reactor thread before it returns.
// - When a node's main process exits, whatever is left in its process group
//   is killed: a node cannot leave a daemon behind.

#include "ProcessLauncher.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

// A process as the reactor starts it: what to run (the operation decided
// that), and the limits the scheduler sets on it.
struct ProcessSpec : ProcessCommand
{
    std::optional<double> timeoutSeconds;
    // After a timeout: SIGTERM to the group, SIGKILL this much later.
    std::chrono::milliseconds killGrace{5000};
    // The caller's thread has nothing else to do while this process runs
    // (its job slot is the process's): startProcess may wait a moment
    // (kBriefWait) for a local process to end, and finish it there.
    bool waitBriefly = false;
};

struct ProcessOutcome
{
    bool ok = false;              // spawned and exited 0
    bool spawned = false;
    std::optional<int> exitCode;  // set when it exited
    int signal = 0;               // set when a signal ended it
    bool timedOut = false;
    bool cancelled = false;
    int pid = 0;
    std::string jobId;            // a cluster launcher's: its job id, where it ran
    std::string host;
    std::string error;            // clear message: "command not found: foo", "timed out after 30 s", ...
    std::string stderrTail;       // last lines of stderr (bounded)
    std::string commandLine;      // as shown to people
    std::string stdoutTail;       // last lines of stdout (bounded), progress lines removed
    std::uint64_t stdoutBytes = 0; // all output, progress lines included
    std::uint64_t stderrBytes = 0;
    // CPU seconds (user + system) of the process and of the children it
    // waited for (a compiler driver's cc1 and as): what the predictor shares
    // the cores by. -1: unknown (a cluster job, a status lost).
    double cpuSeconds = -1;
    // `::output NAME VALUE` lines, in the order they came; what a repeated
    // name means is the scheduler's business.
    std::vector<std::pair<std::string, std::string>> outputs;
};

struct ProcessCallbacks
{
    std::function<void(int pid)> started;                          // after a successful spawn
    std::function<void(const std::string &jobId)> submitted;       // just before started, cluster jobs
    // Cluster jobs, after started: the job waits in the cluster's queue
    // (again whenever the scheduler's reason changes), then it left the
    // queue and runs on `host`. A job that ended before its launcher saw it
    // run gets neither jobStarted nor anything else before finished.
    std::function<void(const std::string &pendingReason)> queued;
    std::function<void(const std::string &host)> jobStarted;
    // Chunks, without the ::progress and ::output lines.
    std::function<void(OutputStream, std::string_view)> output;
    std::function<void(double fraction, std::string_view)> progress;
    std::function<void(ProcessOutcome)> finished;                  // exactly once
};

class ProcessReactor
{
public:
    using Handle = std::uint64_t;

    explicit ProcessReactor(std::unique_ptr<ProcessLauncher> launcher = nullptr);
    ~ProcessReactor(); // terminates (SIGKILL) whatever is left, joins the thread

    // Thread-safe. The spawn itself happens on the caller's thread (errors are
    // reported through callbacks.finished, also on the caller's thread);
    // everything after it on the reactor thread. A timeout counts from here.
    Handle startProcess(ProcessSpec spec, ProcessCallbacks callbacks);
    // A timer that holds no thread: finished(false) after `seconds` (counted
    // from this call), or finished(true) when cancelled.
    Handle startTimer(double seconds, std::function<void(bool cancelled)> finished);

    // SIGTERM to the process group now, SIGKILL after `grace` (0: SIGKILL at
    // once); the outcome says cancelled. A timer fires finished(true) at
    // once. Unknown or finished handles are ignored. A process whose main
    // process already exited on its own is not marked cancelled.
    void cancel(Handle handle, std::chrono::milliseconds grace);
    // cancel() for every process and timer started before this call.
    void cancelAll(std::chrono::milliseconds grace);

    // Process groups this reactor created that still have a live (not
    // zombie) member. Empty after a clean run: the proof of no orphans.
    std::vector<int> survivingProcessGroups() const;
    // The launcher's own audit (ProcessLauncher::survivors): messages.
    std::vector<std::string> launcherSurvivors();

private:
    class Impl;
    std::unique_ptr<Impl> d;
};

// "killed by SIGKILL" style name of a signal: "SIGKILL".
std::string signalName(int signal);

} // namespace weft
