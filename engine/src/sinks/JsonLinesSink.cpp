// SPDX-License-Identifier: Apache-2.0
#include "weft/JsonLinesSink.h"

#include "weft/References.h"

#include "weft/Operation.h"
#include "weft/RunReport.h"
#include "weft/Workflow.h"

#include "format/JsonWriter.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <mutex>
#include <unistd.h>

namespace weft {

namespace {

using json::ObjectWriter;
using json::ArrayWriter;

// Times to the microsecond: enough for ordering, and short lines.
double roundTime(double seconds)
{
    return std::round(seconds * 1e6) / 1e6;
}

// Each thread formats its events into its own buffer, outside the lock.
std::string &lineBuffer()
{
    thread_local std::string buffer;
    buffer.clear();
    return buffer;
}

} // namespace

class JsonLinesSink::Private {
public:
    explicit Private(int fd)
        : fd(fd)
    {
    }

    ObjectWriter start(std::string &line, const char *event, double t)
    {
        ObjectWriter writer(line);
        writer.string("event", event).number("t", roundTime(t));
        if (round > 0)
            writer.integer("round", round);
        return writer;
    }

    // Lines collect in one buffer under the lock (whole lines: they never
    // interleave) and go out with one write(2) per batch: when the buffer is
    // full, at a failure, at the end of the run, and whenever the owner calls
    // flush() (weft-cli does every 50 ms), so a reader of a pipe still sees
    // the run live without a system call per event.
    void emit(ObjectWriter &writer, std::string &line, bool urgent = false)
    {
        writer.close();
        line += '\n';
        std::lock_guard lock(mutex);
        if (!ok)
            return;
        pending += line;
        if (urgent || pending.size() >= kBufferLimit)
            writePending();
    }

    void writePending() // with the lock held
    {
        const char *data = pending.data();
        std::size_t left = pending.size();
        while (ok && left > 0) {
            const ssize_t n = ::write(fd, data, left);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                ok = false;
                break;
            }
            data += n;
            left -= std::size_t(n);
        }
        pending.clear();
    }

    static constexpr std::size_t kBufferLimit = 64 * 1024;

    std::string_view id(NodeIndex node) const
    {
        return workflow && node < workflow->nodes.size()
            ? std::string_view(workflow->nodes[node].id)
            : std::string_view();
    }

    int fd;
    mutable std::mutex mutex;
    bool ok = true;
    std::string pending; // whole lines not written yet
    // Set by runStarted, which the executor delivers before any other event.
    const Workflow *workflow = nullptr;
    int round = 0; // watch mode: the round of the events written now
    std::vector<const char *> sites; // per node: where its operation type runs
    // Per node, its fan-out's items once resolved. Sized at runStarted and
    // never resized, so threads writing one node's entry and reading
    // another's do not race; FanOutResolved happens-before its instances.
    std::vector<std::vector<std::string>> items;

    // "node" (ID, or ID[INDEX] with "instance_of" and "item" for an instance).
    void nodeFields(ObjectWriter &w, NodeIndex node, int instance) const
    {
        if (instance == kNoInstance) {
            w.string("node", id(node));
            return;
        }
        std::string name(id(node));
        name += '[';
        name += std::to_string(instance);
        name += ']';
        w.string("node", name).string("instance_of", id(node)).integer("index", instance);
        if (node < items.size() && std::size_t(instance) < items[node].size())
            w.string("item", items[node][std::size_t(instance)]);
    }
};

JsonLinesSink::JsonLinesSink(int fd)
    : d(std::make_unique<Private>(fd))
{
}

JsonLinesSink::~JsonLinesSink()
{
    flush();
}

void JsonLinesSink::flush()
{
    std::lock_guard lock(d->mutex);
    if (d->ok && !d->pending.empty())
        d->writePending();
}

bool JsonLinesSink::good() const
{
    std::lock_guard lock(d->mutex);
    return d->ok;
}

void JsonLinesSink::runStarted(const RunStarted &e)
{
    d->workflow = e.workflow;
    d->round = e.round;
    d->sites.clear();
    d->items.assign(e.workflow ? e.workflow->nodes.size() : 0, {});
    if (e.workflow) {
        for (const Node &node : e.workflow->nodes) {
            const OperationType *op = OperationRegistry::builtin().find(node.type);
            d->sites.push_back(op ? toString(op->semantics.site).data() : nullptr);
        }
    }
    std::string &line = lineBuffer();
    ObjectWriter w = d->start(line, "run_started", e.t);
    w.integer("nodes", std::int64_t(e.nodes)).integer("jobs", e.jobs);
    w.integer("threads", e.threads);
    if (e.workflow)
        w.string("workflow", e.workflow->name);
    d->emit(w, line);

    // The executor sends no pending events (see RunStarted): the contract's
    // stream has one for every node that has needs, stamped at the start.
    if (!e.workflow || !e.valid)
        return;
    NodeStateChanged pending;
    pending.t = e.t;
    pending.state = NodeState::Pending;
    pending.reason = WaitReason::Needs;
    for (NodeIndex i = 0; i < NodeIndex(e.workflow->nodes.size()); ++i) {
        pending.detail = pendingDetail(e.workflow->nodes[i]);
        if (pending.detail.empty())
            continue; // no needs, written or implied: ready at once
        pending.node = i;
        nodeStateChanged(pending);
    }
}

void JsonLinesSink::triggerFired(const TriggerFired &e)
{
    d->round = e.round;
    std::string &line = lineBuffer();
    ObjectWriter w = d->start(line, "trigger", e.t);
    w.string("node", e.node).string("cause", e.cause);
    ArrayWriter changed = w.array("changed");
    for (const std::string &path : e.changed)
        changed.string(path);
    changed.close();
    d->emit(w, line, true);
}

void JsonLinesSink::nodeStateChanged(const NodeStateChanged &e)
{
    std::string &line = lineBuffer();
    ObjectWriter w = d->start(line, "node_state", e.t);
    d->nodeFields(w, e.node, e.instance);
    w.string("state", toString(e.state))
        .integer("attempt", e.attempt);
    if (e.reason != WaitReason::None)
        w.string("reason", toString(e.reason));
    if (!e.detail.empty())
        w.string("detail", e.detail);
    if (e.state == NodeState::Waiting && e.reason == WaitReason::SlurmQueue) {
        w.string("job_id", e.jobId).string("pending_reason", e.pendingReason);
        if (e.slot >= 0)
            w.integer("slot", e.slot);
    }
    if (e.state == NodeState::Running) {
        if (e.pid > 0)
            w.integer("pid", e.pid);
        if (e.worker >= 0)
            w.integer("worker", e.worker);
        if (e.slot >= 0)
            w.integer("slot", e.slot);
        if (!e.jobId.empty())
            w.string("job_id", e.jobId);
        if (!e.host.empty())
            w.string("host", e.host);
        // A timer has neither a pid nor a worker; say where the node runs.
        if (e.pid > 0)
            w.string("site", toString(ExecutionSite::ChildProcess));
        else if (e.instance == kNoInstance && d->workflow && e.node < d->workflow->nodes.size()
                 && d->workflow->nodes[e.node].foreach)
            // A fan-out runs nowhere itself: its instances do.
            w.integer("instances", std::int64_t(d->items[e.node].size()));
        else if (e.node < d->sites.size() && d->sites[e.node])
            w.string("site", d->sites[e.node]);
    }
    d->emit(w, line);
}

void JsonLinesSink::output(const OutputChunk &e)
{
    std::string &line = lineBuffer();
    ObjectWriter w = d->start(line, "output", e.t);
    d->nodeFields(w, e.node, e.instance);
    w.string("stream", toString(e.stream)).string("text", e.text);
    d->emit(w, line);
}

void JsonLinesSink::progress(const ProgressUpdate &e)
{
    std::string &line = lineBuffer();
    ObjectWriter w = d->start(line, "progress", e.t);
    d->nodeFields(w, e.node, e.instance);
    w.number("fraction", e.fraction).string("message", e.message);
    d->emit(w, line);
}

void JsonLinesSink::attemptFinished(const AttemptFinished &e)
{
    std::string &line = lineBuffer();
    ObjectWriter w = d->start(line, "attempt_finished", e.t);
    d->nodeFields(w, e.node, e.instance);
    w.integer("attempt", e.attempt).boolean("ok", e.ok);
    w.number("start", roundTime(e.start)).number("end", roundTime(e.end));
    if (e.slot >= 0)
        w.integer("slot", e.slot);
    if (e.pid > 0)
        w.integer("pid", e.pid);
    if (e.worker >= 0)
        w.integer("worker", e.worker);
    if (!e.jobId.empty())
        w.string("job_id", e.jobId);
    if (!e.host.empty())
        w.string("host", e.host);
    if (e.queuedUntil >= 0)
        w.number("queued_until", roundTime(e.queuedUntil));
    w.stringOrNull("error", e.error);
    d->emit(w, line);
}

void JsonLinesSink::nodeFinished(const NodeFinished &e)
{
    std::string &line = lineBuffer();
    ObjectWriter w = d->start(line, "node_finished", e.t);
    d->nodeFields(w, e.node, e.instance);
    w.string("outcome", toString(e.outcome));
    if (e.exitCode)
        w.integer("exit_code", *e.exitCode);
    else
        w.null("exit_code");
    w.stringOrNull("signal", e.signal).stringOrNull("error", e.error);
    w.number("duration", roundTime(e.duration)).integer("attempts", e.attempts);
    if (e.start >= 0)
        w.number("start", roundTime(e.start));
    if (!e.causeNode.empty())
        w.string("cause", e.causeNode);
    if (!e.command.empty())
        w.string("command", e.command);
    if (e.cached)
        w.boolean("cached", true); // up to date: succeeded without running
    // Always there, {} when empty, so a tool can read it without a check.
    ObjectWriter outputs = w.object("outputs");
    for (const auto &[name, value] : e.outputs) {
        if (!value.list) {
            outputs.string(name, value.items.empty() ? std::string_view() : value.items.front());
            continue;
        }
        ArrayWriter items = outputs.array(name);
        for (const std::string &item : value.items)
            items.string(item);
        items.close();
    }
    outputs.close();
    d->emit(w, line, e.outcome == NodeState::Failed);
}

void JsonLinesSink::fanOutResolved(const FanOutResolved &e)
{
    if (e.node < d->items.size())
        d->items[e.node] = e.items;
    std::string &line = lineBuffer();
    ObjectWriter w = d->start(line, "fan_out", e.t);
    w.string("node", d->id(e.node)).integer("count", std::int64_t(e.items.size()));
    ArrayWriter items = w.array("items");
    for (const std::string &item : e.items)
        items.string(item);
    items.close();
    d->emit(w, line);
}

void JsonLinesSink::runFinished(const RunFinished &e)
{
    std::string &line = lineBuffer();
    ObjectWriter w = d->start(line, "run_finished", e.t);
    w.string("outcome", toString(e.outcome));
    {
        ObjectWriter counts = w.object("counts");
        for (NodeState state :
            { NodeState::Succeeded, NodeState::Failed, NodeState::Skipped, NodeState::Cancelled }) {
            counts.integer(toString(state), std::int64_t(e.counts[std::size_t(state)]));
        }
        // Up to date: also counted under succeeded.
        counts.integer("cached", std::int64_t(e.cached));
        // Not final, so normally absent; present if a run ended with nodes stranded.
        for (NodeState state : { NodeState::Pending, NodeState::Waiting, NodeState::Running }) {
            if (e.counts[std::size_t(state)])
                counts.integer(toString(state), std::int64_t(e.counts[std::size_t(state)]));
        }
        counts.close();
    }
    std::size_t instances = 0;
    for (std::size_t n : e.instanceCounts)
        instances += n;
    if (instances > 0) {
        // Fan-out instances by final state; `counts` counts nodes, a fan-out
        // node once, as the aggregate of its instances.
        ObjectWriter counts = w.object("instance_counts");
        for (NodeState state :
            { NodeState::Succeeded, NodeState::Failed, NodeState::Skipped, NodeState::Cancelled })
            counts.integer(toString(state), std::int64_t(e.instanceCounts[std::size_t(state)]));
        counts.integer("cached", std::int64_t(e.cachedInstances));
        counts.close();
    }
    w.number("wall", roundTime(e.wall)).number("work", roundTime(e.work));
    w.number("parallelism", std::round(e.parallelism * 1000) / 1000);
    json::ArrayWriter path = w.array("critical_path");
    for (NodeIndex node : e.criticalPath)
        path.string(d->id(node));
    path.close();
    w.number("critical_path_duration", roundTime(e.criticalPathDuration));
    if (!e.whySerial.empty())
        w.raw("why_serial", e.whySerial);
    if (e.predictedWall >= 0)
        w.number("predicted_wall", roundTime(e.predictedWall));
    json::ArrayWriter errors = w.array("errors");
    for (const std::string &error : e.errors)
        errors.string(error);
    errors.close();
    d->emit(w, line, true);
    d->workflow = nullptr;
}

std::string planJsonLines(
    const Workflow &workflow, const std::vector<std::vector<std::size_t>> &levels, int jobs)
{
    std::string out;
    ObjectWriter plan(out);
    plan.string("event", "plan").integer("t", 0).string("workflow", workflow.name);
    plan.integer("nodes", std::int64_t(workflow.nodes.size())).integer("jobs", jobs);
    plan.integer("levels", std::int64_t(levels.size()));
    plan.close();
    out += '\n';
    for (std::size_t level = 0; level < levels.size(); ++level) {
        for (std::size_t index : levels[level]) {
            const Node &node = workflow.nodes[index];
            ObjectWriter w(out);
            w.string("event", "plan_node").integer("t", 0).string("node", node.id);
            w.integer("level", std::int64_t(level)).string("type", node.type);
            json::ArrayWriter needs = w.array("needs"); // written and implied by references
            for (const std::string &need : allNeeds(node))
                needs.string(need);
            needs.close();
            if (node.foreach) {
                // What it maps over; the items themselves are known only when it runs.
                const ForEach &f = *node.foreach;
                if (f.kind == ForEach::Kind::List) {
                    json::ArrayWriter items = w.array("foreach");
                    for (const std::string &item : f.items)
                        items.string(item);
                    items.close();
                } else {
                    json::ObjectWriter over = w.object("foreach");
                    over.string(f.kind == ForEach::Kind::Glob ? "glob" : "reference", f.text);
                    over.close();
                }
            }
            // The operation's own tree, written by nlohmann as the plan always
            // has: its doubles read "1.0" where appendNumber writes "1".
            w.raw("params",
                node.params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            if (node.type == "process")
                w.string("command", describeNodeWork(node));
            w.close();
            out += '\n';
        }
    }
    return out;
}

} // namespace weft
