// SPDX-License-Identifier: Apache-2.0
// Durations from the run history, and the design's width and critical path
// by them (weft/Parallelism.h).
#include "weft/Parallelism.h"

#include "weft/Concurrency.h"
#include "weft/StateStore.h"
#include "weft/Workflow.h"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace weft {

std::map<std::string, double> recordedDurations(const StateStore &store, int runs)
{
    // Each run's units come in name order, and runs mostly share them: the
    // map is walked alongside (a merge, no search per row) and only the name
    // and duration of each row are read. A prediction before a run of
    // 100,000 nodes reads five runs of them.
    const std::vector<HistoryRun> recent = store.runs(runs);
    std::map<std::string, std::vector<double>, std::less<>> seen;
    for (const HistoryRun &run : recent) {
        auto next = seen.begin();
        store.succeededDurations(run.id, [&](std::string_view unit, double seconds) {
            auto at = next;
            if (at == seen.end() || at->first != unit) {
                const bool placed = (at == seen.end() || unit < at->first)
                                    && (at == seen.begin() || std::prev(at)->first < unit);
                if (!placed)
                    at = seen.lower_bound(unit);
                if (at == seen.end() || at->first != unit) {
                    at = seen.emplace_hint(at, std::string(unit), std::vector<double>());
                    at->second.reserve(recent.size());
                }
            }
            at->second.push_back(seconds);
            next = std::next(at);
        });
    }
    std::map<std::string, double> out;
    for (auto &[unit, list] : seen) {
        std::sort(list.begin(), list.end());
        out.emplace_hint(out.end(), unit, list[list.size() / 2]);
    }
    return out;
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
