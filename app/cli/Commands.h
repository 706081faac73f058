// SPDX-License-Identifier: Apache-2.0
#pragma once

// The subcommands of weft-cli. Each adds itself to the command line parser
// and, when chosen, leaves the work to do in `action`, which main() runs
// after parsing succeeded.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace weft {
struct Workflow;
class CompiledWorkflow;
}

namespace weft::cli {

enum ExitStatus : int {
    ExitSuccess = 0,
    ExitFailed = 1, // the workflow failed
    ExitUsage = 2, // bad usage or an invalid file
    ExitInterrupted = 130,
};

using Action = std::function<int()>;

void addRunCommand(CLI::App &app, Action &action);
// Before the command line is parsed: for `weft-cli run FILE ...`, begins
// opening FILE's state database on a spare core, which `run` then takes
// over if the parsed command line names the same file and directory.
void openRunStateEarly(int argc, char **argv);
void addValidateCommand(CLI::App &app, Action &action);
void addOpsCommand(CLI::App &app, Action &action);
void addDotCommand(CLI::App &app, Action &action);
// history, compare, clean (StateCommands.cpp)
void addStateCommands(CLI::App &app, Action &action);

// Loads and validates a workflow file, printing its diagnostics (errors and
// warnings) to stderr as file:line:col: severity: message.
std::optional<Workflow> loadWorkflowReporting(const std::filesystem::path &file);
// The same, compiled from the load's own validation (null when invalid):
// what a run needs, validated once.
std::shared_ptr<const CompiledWorkflow> loadCompiledReporting(const std::filesystem::path &file);

// Writes all of `text` to a file descriptor (stdout is 1), retrying on EINTR.
void writeOut(int fd, std::string_view text);

// "weft-cli: error: <message>" on stderr.
void printError(std::string_view message);

} // namespace weft::cli
