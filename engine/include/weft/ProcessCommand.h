// SPDX-License-Identifier: Apache-2.0
#pragma once

// What one child process is: the program and its arguments (or a shell
// command line), where it runs and what it adds to the environment. An
// operation builds it from a node (Operation.h, OperationType::launch); a
// launcher starts it. Neither the executor nor the reactor reads a node's
// parameters to get here, so references, fan-out items, isolation helpers
// and cluster launchers all change one place: the operation.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/SlurmRequest.h"

namespace weft {

struct ProcessCommand
{
    // Exactly one of these: argv executed directly, or a shell command line.
    // A command without shell syntax is split and executed directly.
    std::vector<std::string> argv;
    std::string command;
    // Absolute. Text, not a std::filesystem::path: a path copies its
    // components into an array of their own, and every process start
    // copied it twice (into the command, then out as text for chdir).
    std::string cwd;
    std::map<std::string, std::string> env; // added to the inherited environment
    // The cwd as the user wrote it ("work"), for messages; empty: cwd itself.
    std::string cwdDisplay;
    // Set: run it as a Slurm job (README "Running on Slurm"); the run's
    // launcher decides, the operation does not.
    std::optional<SlurmRequest> slurm;
    // Empty: stdin is /dev/null. Otherwise the child reads these bytes on
    // stdin (an isolated operation's request), then end of file.
    std::string stdinData;
};

// The two output streams of a process (and of an in-process operation).
enum class OutputStream : std::uint8_t { Stdout, Stderr };
std::string_view toString(OutputStream stream); // "stdout" / "stderr"

} // namespace weft
