// SPDX-License-Identifier: Apache-2.0
#pragma once

// Process nodes as Slurm batch jobs, behind the same seam as posix_spawn
// (README "Running on Slurm"). A command without a SlurmRequest starts
// locally. One with a request is submitted with `sbatch` and represented to
// the reactor by a small local monitor process, so nothing above the seam
// changes: the monitor copies the job's output files to its stdout/stderr as
// they grow (progress and ::output lines keep working), exits with the job's
// exact wait status, and on SIGTERM (cancel, timeout, Ctrl-C) scancels the
// job and keeps following it until it ended.
//
// What Slurm does that this file relies on (../shared/SLURM.md):
// - Batch jobs start on the controller's tick, seconds after submission, and
//   may wait longer in a busy queue: nothing here times out on start latency.
// - Without accounting (no sacct) a job's state and exit code are known only
//   for MinJobAge after its end. The exit status therefore comes from the
//   job's own wrapper, which writes its child's raw wait status to a file
//   atomically (write, then rename), so a signal is told apart from exit 128+N.
// - `squeue -j` with only unknown ids fails ("Invalid job id specified"):
//   that means "no longer in the queue".
// - One `squeue` call per poll interval covers every job of the run.
// - A request no node can meet is refused by sbatch (its message becomes the
//   node's error) or stays pending with a reason such as PartitionConfig:
//   such a job is cancelled and fails with Slurm's reason instead of hanging.
// - scancel sends SIGTERM, then SIGKILL after the cluster's KillWait. When the
//   reactor's own grace runs out first it SIGKILLs the monitor; the launcher
//   then sends the job SIGKILL itself, so a job never outlives its node.
// - The wrapper and monitor are Perl scripts using perl-base only (always
//   present on Debian; compute nodes of a cluster have Perl).

#include "PosixProcessLauncher.h"

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace weft {

class SlurmLauncher final : public ProcessLauncher
{
public:
    // Job files (wrapper, output, status) go under `jobsRoot` (on a
    // filesystem the compute nodes share), in a directory of this run's own
    // that is removed at the end.
    explicit SlurmLauncher(const std::filesystem::path &jobsRoot);
    ~SlurmLauncher() override;

    LaunchResult launch(const std::vector<std::string> &argv, const ProcessCommand &what) override;
    void finished(const LaunchedProcess &process, ProcessOutcome &outcome) override;
    std::vector<std::string> survivors() override;
    ClusterJobStatus jobStatus(const std::string &jobId) override;
    void setJobStatusListener(std::function<void(const std::string &jobId)> listener) override;

    // How long between two squeue polls (default 0.5 s; WEFT_SLURM_POLL_MS).
    static std::chrono::milliseconds pollInterval();

private:
    struct Job
    {
        std::string id;
        std::string name;
        std::filesystem::path dir;
        int monitorPid = 0;
        std::string state = "PENDING"; // the last state squeue gave; "GONE": no longer listed
        std::string reason = "None";   // Slurm's own word for "not looked at yet"
        std::string host;
        bool started = false;      // squeue said it runs (or ran): it left the queue
        bool ended = false;        // left the queue or reached a final state
        bool monitorDone = false;  // the reactor finished with its monitor
    };

    void poll();
    void pollOnce(std::vector<std::string> &kill, std::vector<std::string> &cancel,
                  std::vector<std::string> &changed);
    void notify(const std::vector<std::string> &changed);

    PosixProcessLauncher m_local;
    std::filesystem::path m_dir;      // this run's job files
    std::filesystem::path m_monitor;  // the monitor script
    std::string m_setupError;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::map<std::string, Job> m_jobs; // by job id: every job of the run
    std::map<int, std::string> m_byMonitor;
    std::set<std::string> m_toKill;    // monitor gone, job not ended: SIGKILL and cancel
    std::mutex m_listenerMutex;        // held while the listener runs; never with m_mutex
    std::function<void(const std::string &)> m_listener;
    int m_sequence = 0;
    bool m_stopping = false;
    std::thread m_poller; // last
};

} // namespace weft
