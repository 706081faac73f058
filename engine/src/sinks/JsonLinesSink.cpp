#include "weft/JsonLinesSink.h"

#include "weft/Operation.h"
#include "weft/RunReport.h"
#include "weft/Workflow.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <mutex>
#include <unistd.h>

namespace weft {

namespace {

using Json = nlohmann::json;

// Times to the microsecond: enough for ordering, and short lines.
double roundTime(double seconds)
{
    return std::round(seconds * 1e6) / 1e6;
}

Json header(const char *event, double t)
{
    Json j = Json::object();
    j["event"] = event;
    j["t"] = roundTime(t);
    return j;
}

Json nullIfEmpty(const std::string &text)
{
    return text.empty() ? Json(nullptr) : Json(text);
}

} // namespace

class JsonLinesSink::Private
{
public:
    explicit Private(int fd) : fd(fd) {}

    // One write(2) per line under the lock: lines never interleave, and a
    // reader of a pipe gets each event as soon as it happens.
    void emit(const Json &object)
    {
        std::string line = object.dump(-1, ' ', false, Json::error_handler_t::replace);
        line += '\n';
        std::lock_guard lock(mutex);
        if (!ok)
            return;
        const char *data = line.data();
        std::size_t left = line.size();
        while (left > 0) {
            const ssize_t n = ::write(fd, data, left);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                ok = false;
                return;
            }
            data += n;
            left -= std::size_t(n);
        }
    }

    const std::string &id(NodeIndex node) const
    {
        static const std::string unknown;
        return workflow && node < workflow->nodes.size() ? workflow->nodes[node].id : unknown;
    }

    int fd;
    std::mutex mutex;
    bool ok = true;
    const Workflow *workflow = nullptr; // set by runStarted, before any other event
};

JsonLinesSink::JsonLinesSink(int fd) : d(std::make_unique<Private>(fd)) {}

JsonLinesSink::~JsonLinesSink() = default;

bool JsonLinesSink::good() const
{
    std::lock_guard lock(d->mutex);
    return d->ok;
}

void JsonLinesSink::runStarted(const RunStarted &e)
{
    d->workflow = e.workflow;
    Json j = header("run_started", e.t);
    j["nodes"] = e.nodes;
    j["jobs"] = e.jobs;
    j["threads"] = e.threads;
    if (e.workflow)
        j["workflow"] = e.workflow->name;
    d->emit(j);
}

void JsonLinesSink::nodeStateChanged(const NodeStateChanged &e)
{
    Json j = header("node_state", e.t);
    j["node"] = d->id(e.node);
    j["state"] = toString(e.state);
    j["attempt"] = e.attempt;
    if (e.reason != WaitReason::None)
        j["reason"] = toString(e.reason);
    if (!e.detail.empty())
        j["detail"] = e.detail;
    if (e.state == NodeState::Running) {
        if (e.pid > 0)
            j["pid"] = e.pid;
        if (e.worker >= 0)
            j["worker"] = e.worker;
        if (e.slot >= 0)
            j["slot"] = e.slot;
        // A timer has neither a pid nor a worker; say where the node runs.
        if (e.pid > 0) {
            j["site"] = toString(ExecutionSite::ChildProcess);
        } else if (d->workflow && e.node < d->workflow->nodes.size()) {
            const std::string &type = d->workflow->nodes[e.node].type;
            if (const OperationType *op = OperationRegistry::builtin().find(type))
                j["site"] = toString(op->semantics.site);
        }
    }
    d->emit(j);
}

void JsonLinesSink::output(const OutputChunk &e)
{
    Json j = header("output", e.t);
    j["node"] = d->id(e.node);
    j["stream"] = toString(e.stream);
    j["text"] = std::string(e.text);
    d->emit(j);
}

void JsonLinesSink::progress(const ProgressUpdate &e)
{
    Json j = header("progress", e.t);
    j["node"] = d->id(e.node);
    j["fraction"] = e.fraction;
    j["message"] = e.message;
    d->emit(j);
}

void JsonLinesSink::attemptFinished(const AttemptFinished &e)
{
    Json j = header("attempt_finished", e.t);
    j["node"] = d->id(e.node);
    j["attempt"] = e.attempt;
    j["ok"] = e.ok;
    j["start"] = roundTime(e.start);
    j["end"] = roundTime(e.end);
    if (e.slot >= 0)
        j["slot"] = e.slot;
    if (e.pid > 0)
        j["pid"] = e.pid;
    if (e.worker >= 0)
        j["worker"] = e.worker;
    j["error"] = nullIfEmpty(e.error);
    d->emit(j);
}

void JsonLinesSink::nodeFinished(const NodeFinished &e)
{
    Json j = header("node_finished", e.t);
    j["node"] = d->id(e.node);
    j["outcome"] = toString(e.outcome);
    j["exit_code"] = e.exitCode ? Json(*e.exitCode) : Json(nullptr);
    j["signal"] = nullIfEmpty(e.signal);
    j["error"] = nullIfEmpty(e.error);
    j["duration"] = roundTime(e.duration);
    j["attempts"] = e.attempts;
    if (e.start >= 0)
        j["start"] = roundTime(e.start);
    if (!e.causeNode.empty())
        j["cause"] = e.causeNode;
    if (!e.command.empty())
        j["command"] = e.command;
    d->emit(j);
}

void JsonLinesSink::runFinished(const RunFinished &e)
{
    Json j = header("run_finished", e.t);
    j["outcome"] = toString(e.outcome);
    Json counts = Json::object();
    for (NodeState state :
         {NodeState::Succeeded, NodeState::Failed, NodeState::Skipped, NodeState::Cancelled}) {
        counts[std::string(toString(state))] = e.counts[std::size_t(state)];
    }
    // Not final, so normally absent; present if a run ended with nodes stranded.
    for (NodeState state : {NodeState::Pending, NodeState::Waiting, NodeState::Running}) {
        if (e.counts[std::size_t(state)])
            counts[std::string(toString(state))] = e.counts[std::size_t(state)];
    }
    j["counts"] = std::move(counts);
    j["wall"] = roundTime(e.wall);
    j["work"] = roundTime(e.work);
    j["parallelism"] = std::round(e.parallelism * 1000) / 1000;
    Json path = Json::array();
    for (NodeIndex node : e.criticalPath)
        path.push_back(d->id(node));
    j["critical_path"] = std::move(path);
    j["critical_path_duration"] = roundTime(e.criticalPathDuration);
    j["errors"] = e.errors;
    d->emit(j);
    d->workflow = nullptr;
}

std::string planJsonLines(const Workflow &workflow,
                          const std::vector<std::vector<std::size_t>> &levels, int jobs)
{
    std::string out;
    auto append = [&out](const Json &j) {
        out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
        out += '\n';
    };
    Json plan = header("plan", 0);
    plan["workflow"] = workflow.name;
    plan["nodes"] = workflow.nodes.size();
    plan["jobs"] = jobs;
    plan["levels"] = levels.size();
    append(plan);
    for (std::size_t level = 0; level < levels.size(); ++level) {
        for (std::size_t index : levels[level]) {
            const Node &node = workflow.nodes[index];
            Json j = header("plan_node", 0);
            j["node"] = node.id;
            j["level"] = level;
            j["type"] = node.type;
            j["needs"] = node.needs;
            j["params"] = node.params;
            if (node.type == "process")
                j["command"] = describeNodeWork(node);
            append(j);
        }
    }
    return out;
}

} // namespace weft
