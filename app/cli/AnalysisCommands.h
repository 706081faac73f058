// SPDX-License-Identifier: Apache-2.0
#pragma once
// Predictable parallelism (README, "Predictable parallelism"): lint, and
// check --orders. Kept apart from Commands.h so that they add themselves
// with one line in main().
#include "Commands.h"

namespace weft::cli {

void addLintCommand(CLI::App &app, Action &action);
void addCheckCommand(CLI::App &app, Action &action);

} // namespace weft::cli
