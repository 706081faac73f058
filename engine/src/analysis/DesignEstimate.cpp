// SPDX-License-Identifier: Apache-2.0
// Durations from the run history, and the design's width and critical path
// by them (weft/Parallelism.h).
#include "weft/Parallelism.h"

#include "weft/Concurrency.h"
#include "weft/Executor.h"
#include "weft/StateStore.h"
#include "weft/Workflow.h"

#include <algorithm>

namespace weft {

namespace {

double median(std::vector<double> &list)
{
    std::sort(list.begin(), list.end());
    return list[list.size() / 2];
}

bool measured(const HistoryUnit &u)
{
    return u.attempts > 0 && !u.cached && u.outcome == "succeeded" && u.start >= 0;
}

// One recorded run's processes: the CPU rate each would have had alone.
// `rate` is what it got (cpu / wall). Where the CPU-using units running
// beside it (itself included) numbered k > cores on average, each got only
// cores / k of a core while it wanted one: alone it would have run k / cores
// times as fast. k counts each unit by its own rate alone, which depends on
// the others': a few rounds settle it (rates only grow, and stop at 1).
struct Process
{
    const HistoryUnit *unit;
    double rate;
    double alone;
};

void rateAlone(std::vector<Process> &procs, int cores)
{
    // D(t) = the sum of the weights of the units running at t, a step
    // function; its integral at each step, so that any interval's mean is
    // two binary searches.
    struct Step
    {
        double t;
        double delta;
    };
    std::vector<Step> steps;
    steps.reserve(procs.size() * 2);
    std::vector<double> at, integral;
    auto weight = [](double rate) { return rate > 0.05 ? std::min(rate, 1.0) : 0.0; };
    for (Process &p : procs)
        p.alone = std::min(p.rate, 1.0);
    for (int round = 0; round < 4; ++round) {
        steps.clear();
        for (const Process &p : procs) {
            const double w = round == 0 ? (p.rate > 0.05 ? 1.0 : 0.0) : weight(p.alone);
            steps.push_back({p.unit->start, w});
            steps.push_back({p.unit->start + p.unit->duration, -w});
        }
        std::sort(steps.begin(), steps.end(), [](const Step &a, const Step &b) { return a.t < b.t; });
        at.assign(1, steps.empty() ? 0 : steps.front().t);
        integral.assign(1, 0);
        double level = 0;
        for (const Step &s : steps) {
            if (s.t > at.back()) {
                integral.push_back(integral.back() + level * (s.t - at.back()));
                at.push_back(s.t);
            }
            level += s.delta;
        }
        auto area = [&](double t) { // integral of D from the first step to t
            const auto it = std::upper_bound(at.begin(), at.end(), t);
            if (it == at.begin())
                return 0.0;
            const std::size_t k = std::size_t(it - at.begin()) - 1;
            // The level after at[k]: the slope to the next point (none: 0).
            const double slope = k + 1 < at.size() ? (integral[k + 1] - integral[k]) / (at[k + 1] - at[k]) : 0;
            return integral[k] + slope * (t - at[k]);
        };
        for (Process &p : procs) {
            const double wall = p.unit->duration;
            const double k = (area(p.unit->start + wall) - area(p.unit->start)) / wall;
            p.alone = std::min(1.0, p.rate * std::max(1.0, k / cores));
        }
    }
}

} // namespace

void readHistory(PredictInput &input, const StateStore &store, int runs)
{
    const int cores = input.cores > 0 ? input.cores : defaultConcurrency();
    std::map<std::string, std::vector<double>> seen, cpu, offCpu;
    for (const HistoryRun &run : store.runs(runs)) {
        const std::vector<HistoryUnit> units = store.units(run.id);
        std::vector<Process> procs;
        for (const HistoryUnit &u : units) {
            if (!measured(u))
                continue;
            seen[u.unit].push_back(u.duration);
            // A retried unit's duration spans every attempt, its CPU time
            // only the last one's: its duration alone says more.
            if (u.cpu >= 0 && u.attempts == 1 && u.duration > 0)
                procs.push_back({&u, u.cpu / u.duration, 0});
        }
        rateAlone(procs, cores);
        for (const Process &p : procs) {
            // A process that used more than one core (a parallel linker, a
            // nested make) is not modelled by one core's share: its duration
            // stands as measured.
            if (p.rate > 1.05)
                continue;
            const double c = p.unit->cpu;
            cpu[p.unit->unit].push_back(c);
            offCpu[p.unit->unit].push_back(p.alone > 0 ? std::max(0.0, c / p.alone - c) : p.unit->duration);
        }
    }
    for (auto &[unit, list] : seen)
        input.durations[unit] = median(list);
    for (auto &[unit, list] : cpu) {
        // Only units whose every measurement had a CPU time: a unit that ran
        // once as a process and once on Slurm is not half a process.
        if (list.size() != seen[unit].size())
            continue;
        input.cpuWork[unit] = CpuWork{median(list), median(offCpu[unit])};
    }
}

DesignEstimate estimateDesign(const Workflow &workflow, const PredictInput &input)
{
    DesignEstimate estimate;
    const std::size_t n = workflow.nodes.size();
    if (n == 0)
        return estimate;
    // A node's duration: its own measured one, or for a fan-out its longest
    // instance's (instances run side by side: with slots enough, the longest
    // bounds the node; a dynamic fan-out's item count is unknown before it
    // runs), else fallbackSeconds().
    std::vector<double> duration(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const Node &node = workflow.nodes[i];
        auto it = input.durations.find(node.id);
        if (it != input.durations.end()) {
            duration[i] = it->second;
            continue;
        }
        if (node.foreach) {
            const std::string prefix = node.id + "[";
            double longest = -1;
            for (auto at = input.durations.lower_bound(prefix);
                 at != input.durations.end() && at->first.compare(0, prefix.size(), prefix) == 0; ++at)
                longest = std::max(longest, at->second);
            if (longest >= 0) {
                duration[i] = longest;
                continue;
            }
        }
        duration[i] = fallbackSeconds(workflow, i, input);
        ++estimate.estimatedNodes;
    }
    const ConcurrencyGraph graph(workflow);
    std::vector<double> finish(n, 0);
    std::vector<std::uint32_t> level(n, 0), from(n, UINT32_MAX);
    std::vector<std::size_t> perLevel;
    std::uint32_t last = UINT32_MAX;
    for (std::uint32_t v : graph.order()) {
        double start = 0;
        for (std::uint32_t p : graph.predecessors(v)) {
            level[v] = std::max(level[v], level[p] + 1);
            if (from[v] == UINT32_MAX || finish[p] > start) {
                start = finish[p];
                from[v] = p;
            }
        }
        finish[v] = start + duration[v];
        if (perLevel.size() <= level[v])
            perLevel.resize(level[v] + 1, 0);
        ++perLevel[level[v]];
        if (last == UINT32_MAX || finish[v] > finish[last])
            last = v;
    }
    estimate.width = perLevel.empty() ? 0 : *std::max_element(perLevel.begin(), perLevel.end());
    if (last != UINT32_MAX) {
        estimate.criticalPath = finish[last];
        for (std::uint32_t v = last; v != UINT32_MAX; v = from[v])
            estimate.path.push_back(workflow.nodes[v].id);
        std::reverse(estimate.path.begin(), estimate.path.end());
    }
    return estimate;
}

} // namespace weft
