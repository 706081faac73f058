// SPDX-License-Identifier: Apache-2.0
#pragma once

// Launchers (DESIGN.md "Launchers", README "Running on Slurm"): which
// launcher starts a node's process, and what a Slurm job of it asks for.
// The choice: the node's own `launcher`, else `--launcher`, else
// `settings.launcher`, else local.

#include <string>
#include <string_view>
#include <vector>

namespace weft {

struct Node;
struct Workflow;

struct SlurmRequest
{
    std::string jobName;   // the unit as events name it: "compile[3]"
    std::string partition; // settings.slurm
    std::string account;
    int cpus = 0;          // node.slurm; 0 / empty: Slurm's default
    std::string mem;
    std::string time;
    std::vector<std::string> extra; // further sbatch arguments, as argv
};

// True when `node` runs on Slurm. `launcherOverride`: --launcher ("" none).
bool runsOnSlurm(const Workflow &workflow, const Node &node, std::string_view launcherOverride);

// The request for `node` (jobName set to its id).
SlurmRequest slurmRequestFor(const Workflow &workflow, const Node &node);

// sbatch's options for `request`, in order, without the job script.
std::vector<std::string> sbatchOptions(const SlurmRequest &request);

} // namespace weft
