// SPDX-License-Identifier: Apache-2.0
#pragma once

// Subworkflows in the window (README, "Subworkflows"; issue 19).
//
// A run in the window expands every `workflow` node before it starts,
// exactly as weft-cli does (engine/include/weft/Subworkflow.h): the inner
// nodes join the run as `outer/inner`, so one run is one flow graph and -j
// is global. The canvas keeps showing the document's nodes; a workflow
// node stands for all of its inner nodes, and SubworkflowProgress sums
// their states up per workflow node (nested ones too: `lib/sub` counts in
// `lib` and in `lib/sub`), so one batch of events costs one lookup per
// event and one update per workflow node it touched.

#include <weft/Events.h>
#include <weft/Workflow.h>

#include <QString>
#include <QStringList>

#include <array>
#include <memory>
#include <unordered_map>
#include <vector>

namespace weft::ui {

struct SubworkflowExpansion
{
    // What runs: `workflow` itself when it includes nothing, its expanded
    // copy otherwise; null when an included file could not be expanded.
    std::shared_ptr<const Workflow> workflow;
    bool expanded = false;
    // "parts/lib.weft:3:12: error: ..." for each problem, as weft-cli says it.
    QStringList errors;
};

// Expands the workflow nodes of `workflow`, whose relative files are found
// beside `file` (the document's path; for an unsaved document, a path in
// the directory it runs in).
SubworkflowExpansion expandForRun(std::shared_ptr<const Workflow> workflow, const QString &file);

// The file a `workflow` node includes, resolved against the directory of
// the file that holds the node; empty when the node names none.
QString includedFile(const Node &node, const QString &includingFile);

// Per workflow node of an expanded run, its inner nodes in each state.
class SubworkflowProgress
{
public:
    struct Sums
    {
        int total = 0;
        std::array<int, kNodeStateCount> counts{};
        int count(NodeState s) const { return counts[std::size_t(s)]; }
        int finished() const;
        int failed() const { return count(NodeState::Failed); }
        int running() const { return count(NodeState::Running); }
    };

    // Finds the workflow nodes of the expanded `workflow` (every id that is
    // a proper prefix of others at a '/': ids never hold one otherwise);
    // every node starts pending.
    void reset(const Workflow &workflow);
    bool empty() const { return m_sums.empty(); }
    // Node `index` is now in `state`; appends the workflow nodes whose sums
    // changed to `changed` (indexes of the run's nodes).
    void update(int index, NodeState state, std::vector<int> &changed);
    // The sums of workflow node `index`, or null when it is none.
    const Sums *sums(int index) const;

private:
    std::vector<NodeState> m_states;
    // Node -> the workflow nodes it is inside, innermost first.
    std::vector<std::vector<int>> m_groupsOf;
    std::unordered_map<int, Sums> m_sums;
};

} // namespace weft::ui
