// SPDX-License-Identifier: Apache-2.0
#pragma once

// What a node item paints besides its workflow data. The editor leaves it at
// its default; the run view sets it through GraphScene::setNodeVisualState()
// for as many nodes as a drained event batch touched. It is a value so the
// run view can keep its own table of them and push only what changed.

#include <QMetaType>
#include <QString>

namespace weft::ui {

enum class RunState { None, Pending, Waiting, Running, Succeeded, Failed, Skipped, Cancelled };

struct NodeVisualState
{
    RunState runState = RunState::None; // None: editing, no run decoration
    double progress = -1;               // 0..1 while running, -1: unknown
    bool cached = false;                // Succeeded without running: up to date
    // Waiting in the Slurm queue (submitted, its job not started): drawn
    // apart from waiting for a job slot or a pool.
    bool slurmQueued = false;
    QString detail;                     // tooltip line; empty: GraphScene::detailFor()
    // A fan-out node's instances, once its items are known (-1: not yet):
    // aggregated per node, so 10,000 instances cost the canvas one badge.
    int instances = -1;
    int instancesDone = 0;   // in a final state
    int instancesFailed = 0;

    bool operator==(const NodeVisualState &) const = default;
};

} // namespace weft::ui

Q_DECLARE_METATYPE(weft::ui::NodeVisualState)
