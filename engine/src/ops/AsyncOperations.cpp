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
    ParamStrings *strings = context.strings;
    Launch launch;
    ProcessCommand &process = launch.process;
    // A string parameter as the program receives it: with `strings`, its
    // references expanded (and a list reference spliced into argv).
    auto read = [&](std::string &out, const nlohmann::json &value, const ParamPlace &place,
                    bool shellCommand) {
        if (!strings || !value.is_string()) {
            out = text(value);
            return true;
        }
        return strings->expand(out, value.get_ref<const std::string &>(), place, shellCommand);
    };
    if (const auto it = params.find("argv"); it != params.end() && it->is_array()) {
        process.argv.reserve(it->size());
        for (std::size_t k = 0; k < it->size(); ++k) {
            const nlohmann::json &arg = (*it)[k];
            if (strings && arg.is_string()) {
                if (!strings->appendElement(process.argv, arg.get_ref<const std::string &>(),
                                            ParamPlace::element("argv", k)))
                    return launch; // the caller reads strings->error()
            } else {
                process.argv.push_back(text(arg));
            }
        }
    } else if (const auto command = params.find("command");
               command != params.end() && command->is_string()) {
        if (!read(process.command, *command, ParamPlace::whole("command"), true))
            return launch;
    } else {
        process.command = params.value("command", std::string());
    }
    process.cwd = context.baseDirectory.native();
    if (const auto it = params.find("cwd"); it != params.end() && it->is_string()) {
        if (!read(process.cwdDisplay, *it, ParamPlace::whole("cwd"), false))
            return launch;
        process.cwd = (context.baseDirectory / process.cwdDisplay).lexically_normal().native();
    }
    if (const auto it = params.find("env"); it != params.end() && it->is_object()) {
        for (const auto &[key, value] : it->get_ref<const nlohmann::json::object_t &>()) {
            if (!read(process.env[key], value, ParamPlace::memberOf("env", key), false))
                return launch;
        }
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
