// SPDX-License-Identifier: Apache-2.0
#include "weft/RunReport.h"

#include "weft/References.h"

#include "weft/Workflow.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>

namespace weft {

std::string formatSeconds(double seconds)
{
    if (!(seconds >= 0))
        seconds = 0;
    char buffer[48];
    // In-process nodes take microseconds: "0.00 s" would say nothing. Each
    // bound is where the next unit's rounding starts, so 999.7 µs reads
    // "1.0 ms", not "1000 µs".
    if (seconds > 0 && seconds < 0.0009995) {
        // Most nodes of a large run of in-process work take microseconds,
        // and the status printer formats one of these per node: the integer
        // is rounded as printf's %.0f rounds (to nearest, ties to even).
        const double micro = std::nearbyint(std::max(1.0, seconds * 1e6));
        std::string text = std::to_string(static_cast<long>(micro));
        text += " µs";
        return text;
    }
    else if (seconds > 0 && seconds < 0.09995)
        std::snprintf(buffer, sizeof buffer, "%.1f ms", seconds * 1e3);
    else if (seconds < 9.995)
        std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
    else if (seconds < 59.95)
        std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
    else if (seconds < 3600) {
        const long total = std::lround(seconds);
        std::snprintf(buffer, sizeof buffer, "%ld min %02ld s", total / 60, total % 60);
    } else {
        const long minutes = std::lround(seconds / 60);
        std::snprintf(buffer, sizeof buffer, "%ld h %02ld min", minutes / 60, minutes % 60);
    }
    return buffer;
}

std::string abbreviateList(const std::vector<std::string> &items, std::size_t shown)
{
    // Showing all but one item and then "… and 1 more" saves nothing.
    const std::size_t count = items.size() <= shown + 1 ? items.size() : shown;
    std::string text;
    for (std::size_t i = 0; i < count; ++i) {
        if (i)
            text += ", ";
        text += items[i];
    }
    if (count < items.size())
        text += ", … and " + std::to_string(items.size() - count) + " more";
    return text;
}

std::string formatPath(const std::vector<std::string> &ids, std::size_t shown)
{
    std::string text;
    auto append = [&text](const std::string &id) {
        if (!text.empty())
            text += " → ";
        text += id;
    };
    if (ids.size() <= shown + 1) {
        for (const std::string &id : ids)
            append(id);
        return text;
    }
    const std::size_t head = shown - shown / 2;
    const std::size_t tail = shown / 2;
    for (std::size_t i = 0; i < head; ++i)
        append(ids[i]);
    append("… (" + std::to_string(ids.size() - head - tail) + " more)");
    for (std::size_t i = ids.size() - tail; i < ids.size(); ++i)
        append(ids[i]);
    return text;
}

std::string describeEnding(const NodeFinished &finished)
{
    if (!finished.signal.empty()) {
        std::string text = "killed by " + finished.signal;
        if (!finished.error.empty() && finished.error.find(finished.signal) == std::string::npos)
            text += " (" + finished.error + ")";
        return text;
    }
    if (finished.exitCode && *finished.exitCode != 0)
        return "exit status " + std::to_string(*finished.exitCode);
    if (!finished.error.empty())
        return finished.error;
    return std::string(toString(finished.outcome));
}

std::string formatRunSummary(const RunFinished &finished, const Workflow &workflow,
                             std::size_t pathIds)
{
    std::string text
        = std::to_string(finished.counts[std::size_t(NodeState::Succeeded)]) + " succeeded";
    if (finished.cached > 0)
        text += " (" + std::to_string(finished.cached) + " up to date)";
    for (NodeState state : { NodeState::Failed, NodeState::Skipped, NodeState::Cancelled,
             NodeState::Pending, NodeState::Waiting, NodeState::Running }) {
        const std::size_t count = finished.counts[std::size_t(state)];
        if (count)
            text += ", " + std::to_string(count) + " " + std::string(toString(state));
    }
    std::size_t instances = 0;
    for (std::size_t n : finished.instanceCounts)
        instances += n;
    if (instances > 0) {
        text += " (" + std::to_string(instances) + (instances == 1 ? " instance: " : " instances: ")
            + std::to_string(finished.instanceCounts[std::size_t(NodeState::Succeeded)])
            + " succeeded";
        if (finished.cachedInstances > 0)
            text += ", " + std::to_string(finished.cachedInstances) + " of them up to date";
        for (NodeState state : { NodeState::Failed, NodeState::Skipped, NodeState::Cancelled }) {
            if (const std::size_t count = finished.instanceCounts[std::size_t(state)])
                text += ", " + std::to_string(count) + " " + std::string(toString(state));
        }
        text += ")";
    }
    text += " in " + formatSeconds(finished.wall);
    if (finished.work > 0) {
        char parallelism[32];
        std::snprintf(parallelism, sizeof parallelism, "%.1f×", finished.parallelism);
        text += " — work " + formatSeconds(finished.work) + ", parallelism ";
        text += parallelism;
    }
    if (!finished.criticalPath.empty() && pathIds == 0) {
        text += finished.work > 0 ? ", " : " — ";
        const std::size_t n = finished.criticalPath.size();
        text += "critical path " + formatSeconds(finished.criticalPathDuration) + " ("
            + std::to_string(n) + (n == 1 ? " node)" : " nodes)");
    } else if (!finished.criticalPath.empty()) {
        std::vector<std::string> ids;
        ids.reserve(finished.criticalPath.size());
        for (NodeIndex index : finished.criticalPath) {
            if (index < workflow.nodes.size())
                ids.push_back(workflow.nodes[index].id);
        }
        text += finished.work > 0 ? ", " : " — ";
        text += "critical path " + formatSeconds(finished.criticalPathDuration) + ": "
            + formatPath(ids, pathIds);
    }
    return text;
}

namespace {

// Quotes an argument the way a person would type it to a POSIX shell.
std::string shellQuote(const std::string &arg)
{
    if (!arg.empty()
        && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "0123456789_-+=/.,:@%")
            == std::string::npos) {
        return arg;
    }
    std::string quoted = "'";
    for (char c : arg) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    return quoted + "'";
}

} // namespace

std::string describeNodeWork(const Node &node)
{
    const nlohmann::json &params = node.params;
    if (node.type == "process" && params.is_object()) {
        std::string text;
        if (auto it = params.find("command"); it != params.end() && it->is_string()) {
            text = it->get<std::string>();
        } else if (auto argv = params.find("argv"); argv != params.end() && argv->is_array()) {
            for (const nlohmann::json &arg : *argv) {
                if (!text.empty())
                    text += ' ';
                text += shellQuote(arg.is_string() ? arg.get<std::string>() : arg.dump());
            }
        }
        if (auto cwd = params.find("cwd"); cwd != params.end() && cwd->is_string())
            text += "  (in " + cwd->get<std::string>() + ")";
        return text;
    }
    if (node.type == "sleep" || node.type == "cpu") {
        if (auto seconds = params.find("seconds"); seconds != params.end() && seconds->is_number())
            return node.type + " " + formatSeconds(seconds->get<double>());
    }
    if (params.is_object() && params.empty())
        return node.type;
    return node.type + " " + params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::vector<std::size_t>> dependencyLevels(const Workflow &workflow)
{
    const std::size_t n = workflow.nodes.size();
    std::unordered_map<std::string_view, std::size_t> index;
    index.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        index.emplace(workflow.nodes[i].id, i);

    // Kahn's algorithm by rounds: a round is one level. A reference is a need.
    std::vector<std::size_t> unmet(n, 0);
    std::vector<std::vector<std::size_t>> dependents(n);
    for (std::size_t i = 0; i < n; ++i) {
        for (const std::string &need : allNeeds(workflow.nodes[i])) {
            auto it = index.find(need);
            if (it == index.end() || it->second == i)
                continue;
            ++unmet[i];
            dependents[it->second].push_back(i);
        }
    }
    std::vector<std::vector<std::size_t>> levels;
    std::vector<std::size_t> current;
    for (std::size_t i = 0; i < n; ++i) {
        if (unmet[i] == 0)
            current.push_back(i);
    }
    while (!current.empty()) {
        std::vector<std::size_t> next;
        for (std::size_t i : current) {
            for (std::size_t dependent : dependents[i]) {
                if (--unmet[dependent] == 0)
                    next.push_back(dependent);
            }
        }
        std::sort(next.begin(), next.end());
        levels.push_back(std::move(current));
        current = std::move(next);
    }
    return levels;
}

int exitStatusFor(RunOutcome outcome)
{
    switch (outcome) {
    case RunOutcome::Succeeded:
        return 0;
    case RunOutcome::Failed:
        return 1;
    case RunOutcome::Cancelled:
        return 130;
    }
    return 1;
}

} // namespace weft
