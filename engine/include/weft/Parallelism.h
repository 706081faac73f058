// SPDX-License-Identifier: Apache-2.0
#pragma once
// Explaining a run after it and predicting one before it, from the same model
// of the scheduler: units (nodes, fan-out instances) that hold a job slot,
// their pool units and their non-reentrant type while they run, admitted in
// the order they became ready, in-process work also needing one of the
// run's threads.
//
// explainRun(): of the lost parallelism (jobs x wall - work: slot-seconds no
// unit used), how much went to waiting on needs (named by the edge of the
// critical path, or the node, being waited for), on each pool, on job slots,
// on retries, on the Slurm queue (a job slot held by a job the cluster has
// not started: not work) and on scheduling gaps. At each
// moment the idle slots are charged first to units that were ready but held
// (their pool, or a job slot), then to the reason the running units started
// late (a unit held by pool P that runs while slots idle keeps costing P),
// and what is left to needs: nothing else could run until a running unit
// finished.
//
// predictRun(): simulates the scheduler on per-unit durations (from the run
// history) and returns the wall time -j N would take.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace weft {

struct Workflow;
class OperationRegistry;
class StateStore;

struct UnitTiming
{
    std::string unit; // "compile" or "compile[3]"
    double start = -1; // seconds since the run started; -1: never ran
    double end = -1;
    int attempts = 0;
    double queued = 0; // of start..end, seconds its Slurm jobs waited in the cluster's queue
};

struct Attribution
{
    std::string name; // an edge "a -> b", a node, or a pool
    double seconds = 0; // slot-seconds
};

struct WhySerial
{
    int jobs = 1;
    double wall = 0;
    double work = 0;
    double lost = 0;  // jobs * wall - work
    double needs = 0;
    std::vector<Attribution> edges; // largest first; sums to needs
    double pools = 0;
    std::vector<Attribution> byPool; // largest first; sums to pools
    double jobSlots = 0;
    double retries = 0;
    double slurmQueue = 0; // slot-seconds held by jobs waiting in the Slurm queue
    double gaps = 0;       // scheduling: nothing running yet, or a ready unit not dispatched yet
};

// `units`: every unit that holds a job slot (not a fan-out's aggregate node).
WhySerial explainRun(const Workflow &workflow, const std::vector<UnitTiming> &units, int jobs,
                     double wall, const OperationRegistry *registry = nullptr);
std::string toJson(const WhySerial &why);     // one compact JSON object
std::string describe(const WhySerial &why);   // lines for people

// What a local process did with its time, measured (rusage): `cpu` seconds
// on a core, and `offCpu` seconds of the rest of the time it would take
// alone (reading, writing, waiting on something). CPU seconds do not change
// with -j; wall time does, as more processes share the cores: on 2 cores a
// compile at -j 4 takes twice as long as alone.
struct CpuWork
{
    double cpu = 0;
    double offCpu = 0;
};

struct PredictInput
{
    int jobs = 1;
    int threads = 0; // 0: min(jobs, cores)
    int cores = 0;   // the cores processes share; 0: this machine's (defaultConcurrency())
    std::filesystem::path baseDirectory; // for a glob fan-out's items
    // Seconds per unit ("compile", "compile[3]"): measured ones.
    std::map<std::string, double> durations;
    // Units that were local processes with a measured CPU time: simulated
    // as `cpu` seconds of a core, shared with every other such unit in its
    // CPU part (each gets min(1, cores / n) of one), then `offCpu` seconds.
    // Other units take their `durations` whatever else runs.
    std::map<std::string, CpuWork> cpuWork;
    // The cores the processes above share among them: fewer than `cores`
    // where other programs take their part (readHistory() measures it from
    // the runs, as the CPU seconds the processes got when they wanted
    // more). 0: all of `cores`.
    double capacity = 0;
};

struct Prediction
{
    double wall = 0;
    double work = 0;
    std::size_t units = 0;
    std::vector<std::string> estimated; // nodes with no measured duration: see fallbackSeconds()
};

// A node's duration when the history has none: `sleep` and `cpu` their
// `seconds`, `noop` 0, other in-process operations 1 ms, anything else the
// mean measured duration of nodes of its type, else 1 s.
double fallbackSeconds(const Workflow &workflow, std::size_t node, const PredictInput &input);

Prediction predictRun(const Workflow &workflow, const PredictInput &input,
                      const OperationRegistry *registry = nullptr);

// From the newest `runs` recorded runs, what predictRun() takes, for
// weft-cli and the window alike. `input.durations`: per unit ("compile",
// "compile[3]") the median of its durations in the runs where it ran and
// succeeded. `input.cpuWork`: for local processes, the median of their CPU
// seconds and of their off-CPU seconds. The off-CPU part is what the wall
// time leaves once the CPU part is taken at the rate it would have had
// alone: when more CPU-using units ran beside it than the cores it could
// have (`input.cores`, 0: this machine's), each had only cores/n of one,
// so a compile recorded at
// -j 3 on 2 cores is not taken for one that waits a third of its time.
// `input.capacity`: the median, over the runs that kept more processes
// wanting a core than one, of the cores they had (other programs' load
// takes its part, whether the kernel shares the cores by process or by
// control group).
void readHistory(PredictInput &input, const StateStore &store, int runs);

// The design's shape by estimated durations (measured ones, else
// fallbackSeconds()), for the editor's status bar: its width (the most
// nodes on one level of the longest-path layering: nodes no need orders
// against each other, a lower bound of the most that may run at once) and
// its critical path.
struct DesignEstimate
{
    std::size_t width = 0;
    double criticalPath = 0;            // seconds
    std::vector<std::string> path;      // node ids, first to last
    std::size_t estimatedNodes = 0;     // without a measured duration
};
DesignEstimate estimateDesign(const Workflow &workflow, const PredictInput &input);

} // namespace weft
