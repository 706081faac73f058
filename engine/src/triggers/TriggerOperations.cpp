// SPDX-License-Identifier: Apache-2.0
#include "triggers/TriggerOperations.h"

#include "weft/Workflow.h"

namespace weft {

namespace {

Launch trigger(const LaunchContext &context, TriggerRequest::Kind kind)
{
    Launch launch;
    launch.kind = Launch::Kind::Trigger;
    TriggerRequest &request = launch.trigger;
    request.kind = kind;
    request.node = context.node.id;
    const nlohmann::json &params = context.node.params;
    if (const auto it = params.find("paths"); it != params.end()) {
        auto add = [&](const nlohmann::json &value) {
            if (!value.is_string())
                return;
            const std::filesystem::path p = value.get<std::string>();
            std::string text = (p.is_absolute() ? p : context.baseDirectory / p).lexically_normal().string();
            request.paths.push_back(std::move(text));
        };
        if (it->is_array()) {
            for (const auto &value : *it)
                add(value);
        } else {
            add(*it);
        }
    }
    request.debounce = params.value("debounce", 0.2);
    request.every = params.value("every", 0.0);
    request.count = params.value("count", 0);
    request.message = params.value("message", std::string());
    if (kind == TriggerRequest::Kind::Watch && request.paths.empty())
        launch.error = "watch: \"paths\" names nothing to watch";
    return launch;
}

Launch launchWatch(const LaunchContext &c) { return trigger(c, TriggerRequest::Kind::Watch); }
Launch launchTimer(const LaunchContext &c) { return trigger(c, TriggerRequest::Kind::Timer); }
Launch launchApproval(const LaunchContext &c) { return trigger(c, TriggerRequest::Kind::Approval); }

OperationType watchType()
{
    OperationType t;
    t.name = "watch";
    t.group = "Triggers";
    t.icon = "watch";
    t.summary = "Wait until files change";
    t.doc = "Fires when files matching \"paths\" are changed, created, deleted or renamed over "
            "(as editors save), once no further change came for \"debounce\" seconds; its output "
            "\"changed\" lists the changed paths. Directories created after the start are "
            "watched too. One inotify thread watches for every node; nothing polls. In watch "
            "mode (weft-cli run --watch) a change starts the next round.";
    t.params = {{"paths", ParamKind::PathList, true, nullptr, "Files, directories or globs (** for any depth)", -1e300},
                {"debounce", ParamKind::Number, false, 0.2, "Seconds without a further change before it fires", 0}};
    t.outputs = {{"changed", "the changed paths, sorted (relative to the base directory when under it)"}};
    t.semantics = {ExecutionSite::Timer, false, true, true, {"nothing (reads file events)"}, true};
    t.launch = launchWatch;
    return t;
}

OperationType timerType()
{
    OperationType t;
    t.name = "timer";
    t.group = "Triggers";
    t.icon = "timer";
    t.summary = "Fire every N seconds";
    t.doc = "Fires \"every\" seconds after it starts. In watch mode (weft-cli run --watch) it starts "
            "a round every \"every\" seconds, \"count\" times if given.";
    t.params = {{"every", ParamKind::Number, true, nullptr, "Seconds between firings", 0.001},
                {"count", ParamKind::Integer, false, nullptr, "How many times it fires in watch mode (default: no limit)", 1}};
    t.semantics = {ExecutionSite::Timer, false, true, true, {"nothing"}, true};
    t.launch = launchTimer;
    return t;
}

OperationType approvalType()
{
    OperationType t;
    t.name = "approval";
    t.group = "Triggers";
    t.icon = "approval";
    t.summary = "Wait for a person to approve";
    t.doc = "Waits until a person approves (the node goes on) or rejects (the node fails). In the "
            "app: Approve / Reject; weft-cli asks on a terminal (y/N), and non-interactively only "
            "--approve ID lets it pass.";
    t.params = {{"message", ParamKind::String, false, "", "What the person is asked", -1e300}};
    t.semantics = {ExecutionSite::Timer, false, true, true, {"a person's attention"}, true};
    t.launch = launchApproval;
    return t;
}

} // namespace

void addTriggerOperations(OperationRegistry &registry)
{
    registry.add(watchType());
    registry.add(timerType());
    registry.add(approvalType());
}

bool isTriggerType(std::string_view type)
{
    return type == "watch" || type == "timer" || type == "approval";
}

} // namespace weft
