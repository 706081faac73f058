// SPDX-License-Identifier: Apache-2.0
#include "weft/Workflow.h"

#include "weft/References.h"

#include <string>
#include <unordered_map>
#include <unordered_set>

namespace weft {

std::string_view toString(FailurePolicy policy)
{
    return policy == FailurePolicy::Stop ? "stop" : "keep-going";
}

std::optional<FailurePolicy> failurePolicyFromString(std::string_view text)
{
    if (text == "stop")
        return FailurePolicy::Stop;
    if (text == "keep-going")
        return FailurePolicy::KeepGoing;
    return std::nullopt;
}

std::ptrdiff_t Workflow::indexOf(std::string_view id) const
{
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].id == id)
            return std::ptrdiff_t(i);
    }
    return -1;
}

const Node *Workflow::find(std::string_view id) const
{
    const auto i = indexOf(id);
    return i < 0 ? nullptr : &nodes[std::size_t(i)];
}

Node *Workflow::find(std::string_view id)
{
    const auto i = indexOf(id);
    return i < 0 ? nullptr : &nodes[std::size_t(i)];
}

std::vector<Edge> Workflow::edges() const
{
    std::vector<Edge> result;
    for (const Node &node : nodes) {
        for (const std::string &need : node.needs)
            result.push_back({need, node.id});
    }
    return result;
}

static bool isIdStart(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool isIdChar(char c)
{
    return isIdStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool isValidNodeId(std::string_view id)
{
    if (id.empty() || !isIdStart(id.front()))
        return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        // '/' joins the id of a workflow node and an id inside it ("lib/h"),
        // and "[N]" ends the id of one item of a workflow node's fan-out
        // ("lib[3]/h"); the loader keeps both out of ids written in a file.
        if (id[i] == '/' && i + 1 < id.size() && isIdStart(id[i + 1]))
            continue;
        if (id[i] == '[' && i > 0 && id[i - 1] != '/') {
            std::size_t close = i + 1;
            while (close < id.size() && id[close] >= '0' && id[close] <= '9')
                ++close;
            if (close > i + 1 && close < id.size() && id[close] == ']'
                && (close + 1 == id.size() || id[close + 1] == '/')) {
                i = close;
                continue;
            }
        }
        if (!isIdChar(id[i]))
            return false;
    }
    return true;
}

std::string uniqueNodeId(const Workflow &workflow, std::string_view base)
{
    std::string stem(base);
    if (!isValidNodeId(stem)) {
        std::string cleaned;
        for (char c : stem)
            cleaned += isIdChar(c) ? c : '_';
        if (cleaned.empty() || !isIdStart(cleaned.front()))
            cleaned.insert(cleaned.begin(), 'n');
        stem = cleaned;
    }
    std::unordered_set<std::string_view> used;
    used.reserve(workflow.nodes.size());
    for (const Node &node : workflow.nodes)
        used.insert(node.id);
    if (!used.contains(stem))
        return stem;
    // "build_2" copied again should become "build_3", not "build_2_2".
    std::string root = stem;
    const auto underscore = root.rfind('_');
    if (underscore != std::string::npos && underscore + 1 < root.size()
        && root.find_first_not_of("0123456789", underscore + 1) == std::string::npos) {
        root.resize(underscore);
    }
    for (int n = 2;; ++n) {
        std::string candidate = root + "_" + std::to_string(n);
        if (!used.contains(candidate))
            return candidate;
    }
}

Workflow selectTargets(const Workflow &workflow, const std::vector<std::string> &targets,
                       std::vector<std::string> *unknown)
{
    std::unordered_map<std::string_view, std::size_t> index;
    index.reserve(workflow.nodes.size());
    for (std::size_t i = 0; i < workflow.nodes.size(); ++i)
        index.emplace(workflow.nodes[i].id, i);

    std::vector<char> keep(workflow.nodes.size(), 0);
    std::vector<std::size_t> stack;
    for (const std::string &target : targets) {
        auto it = index.find(target);
        if (it == index.end()) {
            if (unknown)
                unknown->push_back(target);
            continue;
        }
        stack.push_back(it->second);
    }
    while (!stack.empty()) {
        const std::size_t i = stack.back();
        stack.pop_back();
        if (keep[i])
            continue;
        keep[i] = 1;
        auto follow = [&](const std::string &need) {
            auto it = index.find(need);
            if (it != index.end() && !keep[it->second])
                stack.push_back(it->second);
        };
        for (const std::string &need : workflow.nodes[i].needs)
            follow(need);
        // A reference is a need too: a target must find the outputs it reads.
        for (const std::string &need : referencedNodes(workflow.nodes[i]))
            follow(need);
    }

    Workflow result;
    result.name = workflow.name;
    result.description = workflow.description;
    result.settings = workflow.settings;
    for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
        if (keep[i])
            result.nodes.push_back(workflow.nodes[i]);
    }
    return result;
}

} // namespace weft
