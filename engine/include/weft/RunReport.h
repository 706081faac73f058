// SPDX-License-Identifier: Apache-2.0
#pragma once

// Words and numbers a person reads about a run: durations, the summary line,
// failure descriptions, the dependency levels of a plan. Shared by the
// terminal status printer and the editor's run views so both say the same.

#include "weft/Events.h"

#include <cstddef>
#include <string>
#include <vector>

namespace weft {

struct Workflow;
struct Node;

// "73 µs", "42.1 ms", "0.35 s", "14.2 s", "3 min 05 s", "1 h 02 min".
std::string formatSeconds(double seconds);

// "a, b, c" or, with more than `shown` items, "a, b, c, … and 9 more".
std::string abbreviateList(const std::vector<std::string> &items, std::size_t shown = 3);

// "a → b → c", eliding the middle of a long path.
std::string formatPath(const std::vector<std::string> &ids, std::size_t shown = 8);

// How a finished node ended, in a few words: "exit status 2", "killed by
// SIGKILL", "timed out after 30 s" (the error text when there is no status).
std::string describeEnding(const NodeFinished &finished);

// "239 succeeded, 1 failed, 12 skipped in 14.2 s — work 25.6 s, parallelism
// 1.8×, critical path 9.10 s: fetch → unpack → build → test". Zero counts are
// left out except "succeeded". `workflow` names the nodes of the critical
// path; with `pathIds` 0 the path is only counted: "critical path 9.10 s
// (4 nodes)", for a status bar.
std::string formatRunSummary(const RunFinished &finished, const Workflow &workflow,
                             std::size_t pathIds = 8);

// What a node would run, on one line: the command line of a process, the
// parameters of anything else.
std::string describeNodeWork(const Node &node);

// The nodes grouped by dependency depth: level 0 needs nothing, level k needs
// something at level k-1. Within a level, file order. Needs naming unknown
// nodes are ignored; nodes on a cycle are left out (validate first).
std::vector<std::vector<std::size_t>> dependencyLevels(const Workflow &workflow);

// The process exit status weft-cli uses for a run's outcome: 0, 1 or 130.
int exitStatusFor(RunOutcome outcome);

} // namespace weft
