// SPDX-License-Identifier: Apache-2.0
#include "weft/Concurrency.h"

#include "weft/References.h"
#include "weft/Workflow.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace weft {

namespace {
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
}

ConcurrencyGraph::ConcurrencyGraph(const Workflow &workflow)
{
    const std::size_t n = workflow.nodes.size();
    m_succ.resize(n);
    m_pred.resize(n);
    m_position.assign(n, kNone);
    std::unordered_map<std::string_view, std::uint32_t> index;
    index.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        index.emplace(workflow.nodes[i].id, std::uint32_t(i));
    for (std::size_t i = 0; i < n; ++i) {
        const Node &node = workflow.nodes[i];
        const auto edge = [&](std::string_view need) {
            const auto it = index.find(need);
            if (it == index.end() || it->second == i)
                return;
            m_pred[i].push_back(it->second);
            m_succ[it->second].push_back(std::uint32_t(i));
        };
        // allNeeds(node), read in place: the written needs, then those that
        // only references imply. A copy of every node's needs was most of
        // the time a graph of 100,000 nodes took to build (each prediction
        // and each why_serial builds one).
        for (const std::string &need : node.needs)
            edge(need);
        for (const std::string &id : referencedNodes(node)) {
            if (id != node.id && std::find(node.needs.begin(), node.needs.end(), id) == node.needs.end())
                edge(id);
        }
    }
    // Kahn's algorithm, in file order among the ready ones.
    std::vector<std::uint32_t> remaining(n);
    m_order.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        remaining[i] = std::uint32_t(m_pred[i].size());
        if (remaining[i] == 0)
            m_order.push_back(std::uint32_t(i));
    }
    for (std::size_t k = 0; k < m_order.size(); ++k) {
        for (std::uint32_t s : m_succ[m_order[k]]) {
            if (--remaining[s] == 0)
                m_order.push_back(s);
        }
    }
    for (std::size_t k = 0; k < m_order.size(); ++k)
        m_position[m_order[k]] = std::uint32_t(k);
}

std::vector<char> ConcurrencyGraph::mayRunBeside(std::uint32_t node) const
{
    const std::size_t n = size();
    std::vector<char> mark(n, 1);
    if (node >= n)
        return mark;
    // Everything reachable forwards and backwards is ordered with `node`.
    std::vector<std::uint32_t> stack{node};
    mark[node] = 0;
    while (!stack.empty()) {
        const std::uint32_t v = stack.back();
        stack.pop_back();
        for (std::uint32_t s : m_succ[v]) {
            if (mark[s]) {
                mark[s] = 0;
                stack.push_back(s);
            }
        }
    }
    stack.push_back(node);
    std::vector<char> seen(n, 0);
    seen[node] = 1;
    while (!stack.empty()) {
        const std::uint32_t v = stack.back();
        stack.pop_back();
        for (std::uint32_t p : m_pred[v]) {
            if (!seen[p]) {
                seen[p] = 1;
                mark[p] = 0;
                stack.push_back(p);
            }
        }
    }
    return mark;
}

std::vector<char>
ConcurrencyGraph::ordered(const std::vector<std::pair<std::uint32_t, std::uint32_t>> &pairs) const
{
    std::vector<char> result(pairs.size(), 0);
    // Each pair becomes one question: does the earlier (in topological
    // order) reach the later? The later can never reach the earlier.
    struct Query
    {
        std::uint32_t source; // position in m_order
        std::uint32_t target; // position in m_order
        std::size_t pair;
    };
    std::vector<Query> queries;
    queries.reserve(pairs.size());
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const auto [a, b] = pairs[k];
        if (a == b) {
            result[k] = 1;
            continue;
        }
        if (a >= size() || b >= size())
            continue;
        std::uint32_t pa = m_position[a];
        std::uint32_t pb = m_position[b];
        if (pa == kNone || pb == kNone)
            continue;
        if (pa > pb)
            std::swap(pa, pb);
        queries.push_back({pa, pb, k});
    }
    std::sort(queries.begin(), queries.end(),
              [](const Query &x, const Query &y) { return x.source < y.source; });

    std::vector<std::uint64_t> mask(m_order.size(), 0); // by position in m_order
    std::size_t q = 0;
    while (q < queries.size()) {
        // A chunk: up to 64 distinct sources, consecutive in the order.
        std::vector<std::uint32_t> sources;
        std::size_t end = q;
        std::uint32_t last = 0;
        while (end < queries.size()) {
            const std::uint32_t s = queries[end].source;
            if (sources.empty() || sources.back() != s) {
                if (sources.size() == 64)
                    break;
                sources.push_back(s);
            }
            last = std::max(last, queries[end].target);
            ++end;
        }
        const std::uint32_t first = sources.front();
        std::fill(mask.begin() + first, mask.begin() + last + 1, 0);
        for (std::size_t b = 0; b < sources.size(); ++b)
            mask[sources[b]] |= std::uint64_t(1) << b;
        for (std::uint32_t p = first; p < last; ++p) {
            const std::uint64_t m = mask[p];
            if (!m)
                continue;
            for (std::uint32_t s : m_succ[m_order[p]]) {
                const std::uint32_t ps = m_position[s];
                if (ps <= last)
                    mask[ps] |= m;
            }
        }
        std::size_t bit = 0;
        for (std::size_t k = q; k < end; ++k) {
            if (k > q && queries[k].source != queries[k - 1].source)
                ++bit;
            if (mask[queries[k].target] & (std::uint64_t(1) << bit))
                result[queries[k].pair] = 1;
        }
        q = end;
    }
    return result;
}

std::vector<std::uint32_t> ConcurrencyGraph::pathBetween(std::uint32_t from, std::uint32_t to) const
{
    const std::size_t n = size();
    if (from >= n || to >= n)
        return {};
    std::vector<std::uint32_t> parent(n, kNone);
    std::vector<std::uint32_t> stack{from};
    parent[from] = from;
    while (!stack.empty()) {
        const std::uint32_t v = stack.back();
        stack.pop_back();
        if (v == to)
            break;
        for (std::uint32_t s : m_succ[v]) {
            if (parent[s] == kNone) {
                parent[s] = v;
                stack.push_back(s);
            }
        }
    }
    if (parent[to] == kNone)
        return {};
    std::vector<std::uint32_t> path{to};
    while (path.back() != from)
        path.push_back(parent[path.back()]);
    std::reverse(path.begin(), path.end());
    return path;
}

} // namespace weft
