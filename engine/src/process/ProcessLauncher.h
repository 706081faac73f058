// SPDX-License-Identifier: Apache-2.0
#pragma once

// How a process is launched: the one seam between the reactor and the
// operating system's (or a cluster's) way of starting a program. A launcher
// starts argv in a fresh process group with stdin from /dev/null and
// stdout/stderr on pipes, and hands back the descriptors; the reactor owns
// everything after that (reading, waiting, signalling the group, closing).
// A Slurm launcher stands beside the POSIX one by starting `srun …` locally
// the same way, so nothing above this interface changes.

#include "weft/ProcessCommand.h"

#include <functional>
#include <string>
#include <vector>

namespace weft {

struct LaunchedProcess
{
    int pid = 0;
    int pgid = 0;       // the new process group (signals go to -pgid)
    int pidfd = -1;     // readable when the process exits; -1: the reactor polls waitpid
    int stdoutFd = -1;  // read ends, O_NONBLOCK | O_CLOEXEC
    int stderrFd = -1;
    std::string jobId;  // a cluster launcher's job id; empty for a local process
};

struct ProcessOutcome;

// Where a cluster job is, as its launcher last saw it.
struct ClusterJobStatus
{
    bool known = false;   // a job of this launcher
    bool started = false; // it left the queue and runs (or ran) on `host`
    std::string pendingReason; // while queued: the scheduler's reason ("Priority", "Resources")
    std::string host;
};

struct LaunchResult
{
    LaunchedProcess process;
    std::string error; // set when nothing was started: "command not found: foo", ...

    bool ok() const { return process.pid > 0; }
};

class ProcessLauncher
{
public:
    virtual ~ProcessLauncher() = default;

    // Thread-safe: called from any thread, concurrently. argv[0] without a
    // '/' is looked up in PATH (what.env's PATH if it sets one). `what`
    // gives the working directory and environment; argv is already decided
    // (direct or /bin/sh -c).
    virtual LaunchResult launch(const std::vector<std::string> &argv,
                                const ProcessCommand &what) = 0;

    // The reactor is done with `process` (reaped, pipes closed): a cluster
    // launcher adds what it knows to the outcome (job id, host, why the job
    // ended) and makes sure the job is gone. Reactor thread.
    virtual void finished(const LaunchedProcess &process, ProcessOutcome &outcome)
    {
        (void)process;
        (void)outcome;
    }

    // The end-of-run audit: anything of this launcher's still alive, one
    // message each (and it is stopped). Empty after a clean run.
    virtual std::vector<std::string> survivors() { return {}; }

    // Cluster launchers: a job's place in the queue. The listener is called
    // (from any thread, never while the launcher holds a lock the caller
    // could need) with a job id whose status changed; it then asks
    // jobStatus(). setJobStatusListener(nullptr) returns once no call to the
    // old listener is in flight.
    virtual ClusterJobStatus jobStatus(const std::string &jobId)
    {
        (void)jobId;
        return {};
    }
    virtual void setJobStatusListener(std::function<void(const std::string &jobId)> listener)
    {
        (void)listener;
    }
};

} // namespace weft
