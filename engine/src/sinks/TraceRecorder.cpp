// SPDX-License-Identifier: Apache-2.0
#include "weft/TraceRecorder.h"

#include "weft/Workflow.h"

#include "format/JsonWriter.h"

#include <cmath>
#include <mutex>
#include <vector>

namespace weft {

namespace {

struct Attempt {
    NodeIndex node = 0;
    int instance = kNoInstance;
    int attempt = 1;
    double start = 0;
    double end = 0;
    int pid = 0;
    int worker = -1;
    bool ok = false;
    std::string error;
    std::string jobId; // on Slurm: the job, and the host it ran on
    std::string host;
    double queuedUntil = -1; // on Slurm: start..queuedUntil waited in the Slurm queue
};

struct Lane {
    mutable std::mutex mutex; // uncontended: one node holds a job slot at a time
    std::vector<Attempt> attempts;
};

std::int64_t micros(double seconds)
{
    return std::llround(seconds * 1e6);
}

} // namespace

class TraceRecorder::Private {
public:
    std::string workflowName;
    std::vector<std::string> ids;
    std::vector<std::string> types;
    // lanes[0..jobs-1] are the job slots; the last one takes attempts that
    // came without a slot.
    std::vector<std::unique_ptr<Lane>> lanes;
    // Final outcome per node ("" until finished), written once per node by
    // the one thread that reports that node's nodeFinished.
    std::vector<std::string> outcomes;
    std::vector<int> attempts; // per node, from its nodeFinished
    // Per fan-out node, its items: written once, before its instances' attempts.
    std::vector<std::vector<std::string>> items;
};

TraceRecorder::TraceRecorder()
    : d(std::make_unique<Private>())
{
}

TraceRecorder::~TraceRecorder() = default;

void TraceRecorder::runStarted(const RunStarted &e)
{
    d->workflowName = e.workflow ? e.workflow->name : std::string();
    d->ids.clear();
    d->types.clear();
    if (e.workflow) {
        d->ids.reserve(e.workflow->nodes.size());
        d->types.reserve(e.workflow->nodes.size());
        for (const Node &node : e.workflow->nodes) {
            d->ids.push_back(node.id);
            d->types.push_back(node.type);
        }
    }
    d->outcomes.assign(d->ids.size(), std::string());
    d->attempts.assign(d->ids.size(), 0);
    d->items.assign(d->ids.size(), {});
    d->lanes.clear();
    const int laneCount = std::max(e.jobs, 1) + 1;
    for (int i = 0; i < laneCount; ++i)
        d->lanes.push_back(std::make_unique<Lane>());
}

void TraceRecorder::attemptFinished(const AttemptFinished &e)
{
    if (d->lanes.empty())
        return;
    const std::size_t spare = d->lanes.size() - 1;
    Lane &lane
        = *d->lanes[e.slot >= 0 && std::size_t(e.slot) < spare ? std::size_t(e.slot) : spare];
    std::lock_guard lock(lane.mutex);
    lane.attempts.push_back(
        { e.node, e.instance, e.attempt, e.start, e.end, e.pid, e.worker, e.ok, e.error, e.jobId,
          e.host, e.queuedUntil });
}

void TraceRecorder::fanOutResolved(const FanOutResolved &e)
{
    if (e.node < d->items.size())
        d->items[e.node] = e.items;
}

void TraceRecorder::nodeFinished(const NodeFinished &e)
{
    // An instance's bars say their own outcome (see toJson); the node's
    // entry is its own.
    if (e.instance == kNoInstance && e.node < d->outcomes.size()) {
        d->outcomes[e.node] = std::string(toString(e.outcome));
        d->attempts[e.node] = e.attempts;
    }
}

std::size_t TraceRecorder::attemptCount() const
{
    std::size_t count = 0;
    for (const auto &lane : d->lanes) {
        std::lock_guard lock(lane->mutex);
        count += lane->attempts.size();
    }
    return count;
}

// One space per level and every object's keys in sorted order: the layout
// nlohmann's dump(1) gave traces, kept so trace files stay byte for byte the
// same.
std::string TraceRecorder::toJson() const
{
    constexpr int indent = 1;
    constexpr int pid = 1;
    std::string out;
    json::ObjectWriter trace(out, indent);
    trace.string("displayTimeUnit", "ms");
    json::ArrayWriter events = trace.array("traceEvents");
    auto metadata = [&](const char *name, int tid, auto &&writeArgs) {
        json::ObjectWriter event = events.object();
        json::ObjectWriter args = event.object("args");
        writeArgs(args);
        args.close();
        event.string("name", name).string("ph", "M").integer("pid", pid).integer("tid", tid);
        event.close();
    };
    metadata("process_name", 0,
        [&](json::ObjectWriter &args) { args.string("name", "weft: " + d->workflowName); });
    const std::size_t spare = d->lanes.empty() ? 0 : d->lanes.size() - 1;
    for (std::size_t laneIndex = 0; laneIndex < d->lanes.size(); ++laneIndex) {
        const Lane &lane = *d->lanes[laneIndex];
        std::lock_guard lock(lane.mutex);
        const bool isSpare = laneIndex == spare;
        if (isSpare && lane.attempts.empty())
            continue;
        const int tid = int(laneIndex) + 1;
        metadata("thread_name", tid, [&](json::ObjectWriter &args) {
            args.string("name", isSpare ? "no slot" : "slot " + std::to_string(laneIndex + 1));
        });
        metadata("thread_sort_index", tid,
            [&](json::ObjectWriter &args) { args.integer("sort_index", tid); });
        for (const Attempt &a : lane.attempts) {
            const std::string_view nodeId
                = a.node < d->ids.size() ? std::string_view(d->ids[a.node]) : std::string_view();
            std::string instanceName;
            if (a.instance != kNoInstance)
                instanceName = std::string(nodeId) + "[" + std::to_string(a.instance) + "]";
            const std::string_view id = a.instance == kNoInstance ? nodeId : std::string_view(instanceName);
            // The last attempt ends as the node ended; earlier ones failed and were retried.
            std::string_view outcome = a.ok ? "succeeded" : "failed";
            if (!a.ok && a.instance == kNoInstance && a.node < d->outcomes.size()
                && !d->outcomes[a.node].empty() && a.attempt >= d->attempts[a.node]) {
                outcome = d->outcomes[a.node];
            } else if (!a.ok && a.error == "cancelled") {
                outcome = "cancelled";
            }
            json::ObjectWriter event = events.object();
            json::ObjectWriter args = event.object("args");
            args.integer("attempt", a.attempt);
            if (!a.error.empty())
                args.string("error", a.error);
            if (a.instance != kNoInstance) {
                args.string("instance_of", nodeId);
                const auto &items = d->items[a.node];
                if (std::size_t(a.instance) < items.size())
                    args.string("item", items[std::size_t(a.instance)]);
            }
            args.string("node", id).string("outcome", outcome);
            if (a.pid > 0)
                args.integer("pid", a.pid);
            if (a.worker >= 0)
                args.integer("worker", a.worker);
            if (!a.jobId.empty())
                args.string("job_id", a.jobId);
            if (!a.host.empty())
                args.string("host", a.host);
            args.close();
            const std::int64_t ts = micros(a.start);
            event.string("cat", a.node < d->types.size() ? d->types[a.node] : std::string_view());
            event.integer("dur", std::max<std::int64_t>(micros(a.end) - ts, 0));
            event.string("name", id).string("ph", "X").integer("pid", pid).integer("tid", tid);
            event.integer("ts", ts);
            event.close();
            // The part spent in the Slurm queue: a slice nested in the
            // attempt's, from its start until the job started.
            if (a.queuedUntil > a.start) {
                json::ObjectWriter queued = events.object();
                json::ObjectWriter queuedArgs = queued.object("args");
                queuedArgs.string("job_id", a.jobId).string("node", id);
                queuedArgs.close();
                queued.string("cat", "slurm queue");
                queued.integer("dur", std::max<std::int64_t>(micros(std::min(a.queuedUntil, a.end)) - ts, 0));
                queued.string("name", "queued in Slurm").string("ph", "X").integer("pid", pid).integer("tid", tid);
                queued.integer("ts", ts);
                queued.close();
            }
        }
    }
    events.close();
    trace.close();
    out += '\n';
    return out;
}

SaveResult TraceRecorder::writeTo(const std::filesystem::path &path) const
{
    return writeFileAtomically(path, toJson());
}

} // namespace weft
