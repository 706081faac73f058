// SPDX-License-Identifier: Apache-2.0
#include "ops/AsyncOperations.h"

#include "weft/Workflow.h"

namespace weft {

namespace {

// Validation guarantees strings where strings are declared; a value of
// another type is written as its JSON text rather than dropped, so a
// hand-built Workflow that skipped validation still runs something visible.
std::string text(const nlohmann::json &value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

} // namespace

Launch launchProcess(const LaunchContext &context)
{
    const nlohmann::json &params = context.node.params;
    Launch launch;
    ProcessCommand &process = launch.process;
    if (const auto it = params.find("argv"); it != params.end() && it->is_array()) {
        process.argv.reserve(it->size());
        for (const auto &arg : *it)
            process.argv.push_back(text(arg));
    } else {
        process.command = params.value("command", std::string());
    }
    process.cwd = context.baseDirectory;
    if (const auto it = params.find("cwd"); it != params.end() && it->is_string()) {
        process.cwdDisplay = it->get<std::string>();
        process.cwd = (context.baseDirectory / process.cwdDisplay).lexically_normal();
    }
    if (const auto it = params.find("env"); it != params.end() && it->is_object()) {
        for (const auto &[key, value] : it->items())
            process.env[key] = text(value);
    }
    return launch;
}

Launch launchSleep(const LaunchContext &context)
{
    Launch launch;
    launch.kind = Launch::Kind::Timer;
    launch.seconds = context.node.params.value("seconds", 0.0);
    return launch;
}

} // namespace weft
