// SPDX-License-Identifier: Apache-2.0
#pragma once
// Predictable parallelism (README, "Predictable parallelism"): lint, and
// check --orders. Kept apart from Commands.h so that they add themselves
// with one line in main().
#include "Commands.h"

#include "weft/Parallelism.h"

#include <map>

namespace weft {
class StateStore;
}

namespace weft::cli {

void addLintCommand(CLI::App &app, Action &action);
void addCheckCommand(CLI::App &app, Action &action);
// predict and report (PredictCommand.cpp)
void addPredictCommands(CLI::App &app, Action &action);

// What a prediction of `file`'s next run starts from (readHistory() of the
// newest runs of its history); no durations when it has none. It reads only
// the history, so weft-cli reads it beside the loading of the workflow.
PredictInput historyForRun(const std::string &file);

// The wall time predicted for a run of `workflow` at -j `jobs` from that
// history; < 0 when it has no durations.
double predictForRun(PredictInput recorded, const Workflow &workflow, int jobs, int threads,
                     const std::filesystem::path &base);

} // namespace weft::cli
