// SPDX-License-Identifier: Apache-2.0
#include "weft/SlurmRequest.h"

#include "weft/Workflow.h"

namespace weft {

namespace {

std::string textOf(const nlohmann::json &object, const char *key)
{
    if (!object.is_object())
        return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

bool runsOnSlurm(const Workflow &workflow, const Node &node, std::string_view launcherOverride)
{
    if (!node.launcher.empty())
        return node.launcher == "slurm";
    if (!launcherOverride.empty())
        return launcherOverride == "slurm";
    return workflow.settings.launcher == "slurm";
}

SlurmRequest slurmRequestFor(const Workflow &workflow, const Node &node)
{
    SlurmRequest request;
    request.jobName = node.id;
    request.partition = textOf(workflow.settings.slurm, "partition");
    request.account = textOf(workflow.settings.slurm, "account");
    const nlohmann::json &own = node.slurm;
    if (own.is_object()) {
        if (const auto it = own.find("cpus"); it != own.end() && it->is_number_integer())
            request.cpus = it->get<int>();
        request.mem = textOf(own, "mem");
        request.time = textOf(own, "time");
        if (const auto it = own.find("extra"); it != own.end() && it->is_array()) {
            for (const auto &arg : *it) {
                if (arg.is_string())
                    request.extra.push_back(arg.get<std::string>());
            }
        }
    }
    return request;
}

std::vector<std::string> sbatchOptions(const SlurmRequest &request)
{
    std::vector<std::string> options;
    if (!request.jobName.empty())
        options.push_back("--job-name=" + request.jobName);
    if (!request.partition.empty())
        options.push_back("--partition=" + request.partition);
    if (!request.account.empty())
        options.push_back("--account=" + request.account);
    if (request.cpus > 0)
        options.push_back("--cpus-per-task=" + std::to_string(request.cpus));
    if (!request.mem.empty())
        options.push_back("--mem=" + request.mem);
    if (!request.time.empty())
        options.push_back("--time=" + request.time);
    options.insert(options.end(), request.extra.begin(), request.extra.end());
    return options;
}

} // namespace weft
