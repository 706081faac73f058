// SPDX-License-Identifier: Apache-2.0
#pragma once

// Runs a validated workflow on a oneTBB flow graph. Describing a workflow
// and running it are separate: the Workflow passed to run() is copied and
// never modified while it runs.

#include "weft/Events.h"
#include "weft/Workflow.h"

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace weft {

class CompiledWorkflow;
class IncrementalCheck;
class OperationRegistry;
class TriggerHub;

struct RunOptions
{
    int jobs = 0;    // nodes running at once, of every kind (make -j); 0: settings.jobs, else cores
    int threads = 0; // TBB arena size for in-process work; 0: min(jobs, cores)
    std::optional<FailurePolicy> failure;         // overrides settings.failure
    std::chrono::milliseconds killGrace{5000};     // SIGTERM -> SIGKILL on cancel and timeout
    std::filesystem::path baseDirectory;           // default cwd, relative paths; empty: current dir
    std::string launcher; // "local" or "slurm": replaces settings.launcher (--launcher); "": keep
    const OperationRegistry *registry = nullptr;   // for plain workflows; nullptr: the built-in one
    // Asked about units with declared outputs (weft/Incremental.h); null:
    // everything runs. Must outlive the run.
    IncrementalCheck *incremental = nullptr;
    // Set: ready nodes start in an order drawn from this seed instead of the
    // order they became ready in (weft-cli run --shuffle SEED), at any -j.
    std::optional<std::uint64_t> shuffle;
    // The wall time predicted for this run (weft/Parallelism.h), carried
    // into run_finished; < 0: none was made.
    double predictedWall = -1;
    // Fill RunFinished::whySerial (weft/Parallelism.h): a pass over every
    // unit's times when the run ends, so only for those who show it (the
    // JSON lines, the window's run summary), not for every run.
    bool explainParallelism = false;
    // Where watch, timer and approval nodes wait (weft/Triggers.h): the
    // window and weft-cli answer approvals through it, a watch session
    // starts rounds with it. Null: the run makes its own on first use. Must
    // outlive the run.
    TriggerHub *triggers = nullptr;
    int round = 0; // watch mode: this run's round, in RunStarted::round
};

struct RunSummary
{
    RunOutcome outcome = RunOutcome::Succeeded;
    std::array<std::size_t, kNodeStateCount> counts{};
    double wall = 0;
    std::vector<std::string> errors; // run-level: invalid workflow, surviving processes, ...
};

class Executor
{
public:
    explicit Executor(RunOptions options = {});
    ~Executor();
    Executor(const Executor &) = delete;
    Executor &operator=(const Executor &) = delete;

    // Runs to completion and returns when every node is final and every
    // process the run started is gone. An invalid workflow runs nothing and
    // returns Failed with the diagnostics in `errors`. One run at a time.
    RunSummary run(const Workflow &workflow, EventSink &sink);
    // The same without the copy: runs an immutable snapshot that the caller
    // shares (large generated workflows, benchmarks).
    RunSummary run(std::shared_ptr<const Workflow> workflow, EventSink &sink);
    // Runs a workflow compiled beforehand, without checking it again. It
    // uses the registry it was compiled against, not RunOptions::registry.
    RunSummary run(std::shared_ptr<const CompiledWorkflow> workflow, EventSink &sink);

    // Thread-safe, callable at any time (also before run() or after it
    // returned, for the next run: no). Running processes get SIGTERM to their
    // process group, SIGKILL after killGrace; in-process operations see the
    // cancellation flag; everything unfinished ends Cancelled. A cancel()
    // before the first run() starts makes that run cancel everything at once;
    // one after a run returned is ignored.
    void cancel();
    // Like cancel() but SIGKILL at once (a second Ctrl-C).
    void kill();

    // Readies oneTBB's scheduler and an arena of the size a run of
    // `workflow` with `options` uses, so that the run spends its first
    // moments on its nodes: about 2 ms on a small machine, a tenth of a
    // no-op run of a 100-file build. For a caller with time to spare before
    // run(), such as weft-cli while the incremental state is read.
    static void prepare(const RunOptions &options, const Workflow &workflow);

private:
    class Run;
    RunSummary execute(std::shared_ptr<Run> run);
    RunOptions m_options;
    std::mutex m_mutex;                  // guards m_current and m_hasRun against cancel()
    std::shared_ptr<Run> m_current;
    bool m_hasRun = false;               // a run returned: later cancel() calls are ignored
    std::atomic<int> m_cancelRequest{0}; // 0 none, 1 cancel, 2 kill
};

int defaultConcurrency(); // number of cores available to this process

// The jobs and the arena size a run of `workflow` with `options` has.
int jobsFor(const RunOptions &options, const Workflow &workflow);
int threadsFor(const RunOptions &options, const Workflow &workflow);

} // namespace weft
