// SPDX-License-Identifier: Apache-2.0
// Durations from the run history, and the design's width and critical path
// by them (weft/Parallelism.h).
#include "weft/Parallelism.h"

#include "weft/Concurrency.h"
#include "weft/Executor.h"
#include "weft/StateStore.h"
#include "weft/Workflow.h"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace weft {

namespace {

double median(std::vector<double> &list)
{
    std::sort(list.begin(), list.end());
    return list[list.size() / 2];
}

// One recorded run's processes, and what the run tells of the CPU they
// had. `rate` = cpu / wall; `wantsCore`: it computes, rather than waits
// (below); k(t) counts those running at t.
struct Process
{
    std::string name;
    double start;
    double duration;
    double cpu;
    double rate;
    bool wantsCore = false;
    double meanK = 1; // k(t) over its own run
};

// k(t) as steps, with its integral at each step: any interval's mean is two
// binary searches, and the capacity below one pass per guess.
class Demand
{
public:
    // Counts the processes for which `counted` holds.
    template<typename Counted>
    Demand(const std::vector<Process> &procs, Counted counted)
    {
        struct Step
        {
            double t;
            int delta;
        };
        std::vector<Step> steps;
        for (const Process &p : procs) {
            if (counted(p)) {
                steps.push_back({p.start, 1});
                steps.push_back({p.start + p.duration, -1});
            }
        }
        std::sort(steps.begin(), steps.end(), [](const Step &a, const Step &b) { return a.t < b.t; });
        m_at.assign(1, steps.empty() ? 0 : steps.front().t);
        m_integral.assign(1, 0);
        m_level.assign(1, 0);
        for (const Step &s : steps) {
            if (s.t > m_at.back()) {
                m_integral.push_back(m_integral.back() + m_level.back() * (s.t - m_at.back()));
                m_at.push_back(s.t);
                m_level.push_back(m_level.back());
            }
            m_level.back() += s.delta;
        }
    }

    double mean(double from, double to) const { return (area(to) - area(from)) / (to - from); }

    // The integral of min(k(t), cores) over the run: the CPU seconds the
    // processes would have had, `cores` of them all theirs.
    double capped(double cores) const
    {
        double sum = 0;
        for (std::size_t i = 0; i + 1 < m_at.size(); ++i)
            sum += std::min(double(m_level[i]), cores) * (m_at[i + 1] - m_at[i]);
        return sum;
    }

    double busy() const { return capped(1.0); } // the time anything wanted a core
    double total() const { return m_integral.back(); }

private:
    double area(double t) const
    {
        const auto it = std::upper_bound(m_at.begin(), m_at.end(), t);
        if (it == m_at.begin())
            return 0.0;
        const std::size_t k = std::size_t(it - m_at.begin()) - 1;
        return m_integral[k] + double(m_level[k]) * (t - m_at[k]);
    }

    std::vector<double> m_at, m_integral;
    std::vector<int> m_level; // k after m_at[i]
};

// The cores the run's processes actually had when they wanted more than
// that: the K for which integral of min(k(t), K) = their CPU seconds. Only
// a run that kept more than one process wanting a core on average says it
// (-1 otherwise): one process at a time cannot tell a machine shared with
// other programs from a process that reads files part of its time.
double capacity(const Demand &demand, double cpuSeconds, int cores)
{
    if (demand.busy() <= 0 || demand.total() / demand.busy() < 1.5)
        return -1;
    // They had less than a quarter of what they could have had: more likely
    // processes that compute in bursts than a machine this busy.
    if (cpuSeconds < 0.25 * demand.capped(cores))
        return -1;
    if (cpuSeconds >= demand.capped(cores))
        return cores;
    double lo = 0, hi = cores;
    for (int i = 0; i < 50; ++i) {
        const double mid = (lo + hi) / 2;
        (demand.capped(mid) < cpuSeconds ? lo : hi) = mid;
    }
    return (lo + hi) / 2;
}

} // namespace

void readHistory(PredictInput &input, const StateStore &store, int runs)
{
    const int cores = input.cores > 0 ? input.cores : defaultConcurrency();
    std::map<std::string, std::vector<double>, std::less<>> seen;
    std::map<std::string, std::vector<double>> cpu, offCpu;
    std::vector<double> capacities;
    const std::vector<HistoryRun> recent = store.runs(runs);
    for (const HistoryRun &run : recent) {
        std::vector<Process> procs;
        // Each run's units come in name order, and runs mostly share them:
        // the map is walked alongside (a merge, no search per row). A
        // prediction before a run of 100,000 nodes reads five runs of them.
        auto next = seen.begin();
        store.succeededUnits(run.id, [&](const StateStore::SucceededUnit &u) {
            auto at = next;
            if (at == seen.end() || at->first != u.unit) {
                const bool placed = (at == seen.end() || u.unit < at->first)
                                    && (at == seen.begin() || std::prev(at)->first < u.unit);
                if (!placed)
                    at = seen.lower_bound(u.unit);
                if (at == seen.end() || at->first != u.unit) {
                    at = seen.emplace_hint(at, std::string(u.unit), std::vector<double>());
                    at->second.reserve(recent.size());
                }
            }
            at->second.push_back(u.duration);
            next = std::next(at);
            // A retried unit's duration spans every attempt, its CPU time
            // only the last one's; a process that used more than one core
            // (a parallel linker, a nested make) is not one core's share:
            // their durations stand as measured.
            if (u.cpu >= 0 && u.attempts == 1 && u.duration > 0 && u.cpu <= 1.05 * u.duration)
                procs.push_back({std::string(u.unit), u.start, u.duration, u.cpu, u.cpu / u.duration});
        });
        // A process computes when it had at least a quarter of the share of
        // a core that the processes running beside it left it (a compile at
        // -j 16 on 2 cores has an eighth of one, and takes nearly all of
        // that), and 10 ms of CPU at least: a `sleep`, a download, a
        // process that waits on another machine takes a few ms to start and
        // nothing after, and must not be taken for one the cores starve.
        const Demand all(procs, [](const Process &) { return true; });
        for (Process &p : procs) {
            const double beside = std::max(1.0, all.mean(p.start, p.start + p.duration));
            p.wantsCore = p.cpu >= 0.01 && p.rate >= 0.25 * std::min(1.0, cores / beside);
        }
        const Demand demand(procs, [](const Process &p) { return p.wantsCore; });
        double cpuSeconds = 0;
        for (Process &p : procs) {
            if (p.wantsCore) {
                cpuSeconds += p.cpu;
                p.meanK = std::max(1.0, demand.mean(p.start, p.start + p.duration));
            }
        }
        const double had = capacity(demand, cpuSeconds, cores);
        if (had > 0)
            capacities.push_back(had);
        // What each process would have taken alone: its wall time at the
        // share of a core it had, min(1, K / k) with k the processes that
        // wanted one beside it (a compile recorded at -j 3 on 2 cores had two
        // thirds of one: it did not wait a third of its time). Of that, its
        // CPU seconds are on a core, the rest off it. Scaling the time, not
        // subtracting the CPU from it, keeps the sum right: a process that
        // got less than the average share one moment is not taken for one
        // that waits, while another that got more is not taken for less.
        const double k = had > 0 ? had : cores;
        for (const Process &p : procs) {
            const double share = p.wantsCore ? std::min(1.0, k / p.meanK) : 1.0;
            const double alone = p.duration * share;
            const double c = std::min(p.cpu, alone);
            cpu[p.name].push_back(c);
            offCpu[p.name].push_back(alone - c);
        }
    }
    if (!capacities.empty())
        input.capacity = std::min(double(cores), median(capacities));
    for (auto &[unit, list] : seen)
        input.durations.emplace_hint(input.durations.end(), unit, median(list));
    for (auto &[unit, list] : cpu) {
        // Only units whose every measurement had a CPU time: a unit that ran
        // once as a process and once on Slurm is not half a process.
        if (const auto it = seen.find(unit); it == seen.end() || list.size() != it->second.size())
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
