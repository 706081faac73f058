// SPDX-License-Identifier: Apache-2.0
#pragma once
// Predictable parallelism (README, "Predictable parallelism"): lint, and
// check --orders. Kept apart from Commands.h so that they add themselves
// with one line in main().
#include "Commands.h"

#include <map>

namespace weft {
class StateStore;
}

namespace weft::cli {

void addLintCommand(CLI::App &app, Action &action);
void addCheckCommand(CLI::App &app, Action &action);
// predict and report (PredictCommand.cpp)
void addPredictCommands(CLI::App &app, Action &action);

// The wall time predicted for a run of `file` at -j `jobs` from its history;
// < 0 when it has none.
double predictForRun(const std::string &file, const Workflow &workflow, int jobs, int threads,
                     const std::filesystem::path &base);

} // namespace weft::cli
