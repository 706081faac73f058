// SPDX-License-Identifier: Apache-2.0
#pragma once
// Which nodes of a design may run at the same time: two nodes may overlap
// when neither reaches the other through needs (written or implied by
// references). The race linter asks it about the pairs that touch the same
// path; the editor's concurrency lens asks it about one selected node.
//
// Batched pair queries sweep the graph in topological order with one 64-bit
// mask per node for 64 sources at a time (bitset reachability), visiting only
// the stretch of the order between a chunk's first source and its last
// target: O(E * sources / 64) word operations at worst, never all pairs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace weft {

struct Workflow;

class ConcurrencyGraph
{
public:
    // Needs that name no node are ignored; nodes on a cycle (an invalid
    // workflow) are left out of the order and treated as ordered with nothing.
    explicit ConcurrencyGraph(const Workflow &workflow);

    std::size_t size() const { return m_position.size(); }
    bool acyclic() const { return m_order.size() == m_position.size(); }
    const std::vector<std::uint32_t> &successors(std::uint32_t node) const { return m_succ[node]; }
    const std::vector<std::uint32_t> &predecessors(std::uint32_t node) const { return m_pred[node]; }
    // Nodes in a topological order (every need before the node).
    const std::vector<std::uint32_t> &order() const { return m_order; }

    // Per node: 1 when it may run beside `node` (neither reaches the other),
    // 0 for `node` itself and everything ordered with it. O(V + E).
    std::vector<char> mayRunBeside(std::uint32_t node) const;

    // Per pair: true when one of the two reaches the other (they never
    // overlap). Pairs of a node with itself are ordered.
    std::vector<char> ordered(const std::vector<std::pair<std::uint32_t, std::uint32_t>> &pairs) const;

    // One path of needs from `from` to `to` (both included), empty when
    // `from` does not reach `to`. O(V + E).
    std::vector<std::uint32_t> pathBetween(std::uint32_t from, std::uint32_t to) const;

private:
    std::vector<std::vector<std::uint32_t>> m_succ;
    std::vector<std::vector<std::uint32_t>> m_pred;
    std::vector<std::uint32_t> m_order;
    std::vector<std::uint32_t> m_position; // node -> index in m_order; UINT32_MAX on a cycle
};

} // namespace weft
