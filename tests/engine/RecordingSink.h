// SPDX-License-Identifier: Apache-2.0
#pragma once

// Test support for the executor suites: a sink that records every event
// under a mutex, checks of the stream's contract, and workflow builders.

#include "weft/Events.h"
#include "weft/Executor.h"
#include "weft/Workflow.h"

#include <QString>
#include <QStringList>

#include <algorithm>

#include <map>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace weft::test {

struct Recorded
{
    enum Kind { State, Output, Progress, Attempt, Finished };
    Kind kind = State;
    NodeStateChanged state;
    NodeIndex node = 0;
    double t = 0;
    OutputStream stream = OutputStream::Stdout;
    std::string text;
    AttemptFinished attempt;
    NodeFinished finished;
};

class RecordingSink final : public EventSink
{
public:
    void runStarted(const RunStarted &e) override
    {
        std::lock_guard lock(m_mutex);
        m_order.push_back("runStarted");
        started = e;
        ++runStartedCount;
    }
    void nodeStateChanged(const NodeStateChanged &e) override
    {
        std::lock_guard lock(m_mutex);
        Recorded r;
        r.kind = Recorded::State;
        r.state = e;
        r.node = e.node;
        r.t = e.t;
        events.push_back(std::move(r));
        m_order.push_back("node");
    }
    void output(const OutputChunk &e) override
    {
        std::lock_guard lock(m_mutex);
        outputBytes[e.node] += e.text.size();
        if (keepOutput) {
            Recorded r;
            r.kind = Recorded::Output;
            r.node = e.node;
            r.t = e.t;
            r.stream = e.stream;
            r.text = std::string(e.text);
            events.push_back(std::move(r));
        }
        m_order.push_back("node");
    }
    void progress(const ProgressUpdate &e) override
    {
        std::lock_guard lock(m_mutex);
        Recorded r;
        r.kind = Recorded::Progress;
        r.node = e.node;
        r.t = e.t;
        r.text = e.message;
        events.push_back(std::move(r));
        m_order.push_back("node");
    }
    void attemptFinished(const AttemptFinished &e) override
    {
        std::lock_guard lock(m_mutex);
        Recorded r;
        r.kind = Recorded::Attempt;
        r.node = e.node;
        r.t = e.t;
        r.attempt = e;
        events.push_back(std::move(r));
        m_order.push_back("node");
    }
    void nodeFinished(const NodeFinished &e) override
    {
        std::lock_guard lock(m_mutex);
        Recorded r;
        r.kind = Recorded::Finished;
        r.node = e.node;
        r.t = e.t;
        r.finished = e;
        events.push_back(std::move(r));
        m_order.push_back("node");
    }
    void runFinished(const RunFinished &e) override
    {
        std::lock_guard lock(m_mutex);
        m_order.push_back("runFinished");
        finished = e;
        ++runFinishedCount;
    }

    // Thread-safe snapshot, for QTRY_ conditions while a run goes on.
    std::vector<Recorded> snapshot() const
    {
        std::lock_guard lock(m_mutex);
        return events;
    }
    std::vector<int> runningPids() const
    {
        std::vector<int> pids;
        for (const Recorded &r : snapshot()) {
            if (r.kind == Recorded::State && r.state.state == NodeState::Running && r.state.pid > 0)
                pids.push_back(r.state.pid);
        }
        return pids;
    }

    // After the run: the NodeFinished of each node (by index).
    std::map<NodeIndex, NodeFinished> finals() const
    {
        std::map<NodeIndex, NodeFinished> out;
        for (const Recorded &r : events) {
            if (r.kind == Recorded::Finished)
                out[r.node] = r.finished;
        }
        return out;
    }

    // Checks the contract of the stream (DESIGN.md, "the event stream as JSON
    // lines") and returns the first violation, or an empty string.
    QString contractViolation(const Workflow &workflow) const
    {
        if (runStartedCount != 1 || runFinishedCount != 1)
            return QStringLiteral("runStarted/runFinished not exactly once");
        if (m_order.front() != "runStarted" || m_order.back() != "runFinished")
            return QStringLiteral("runStarted not first or runFinished not last");
        const std::size_t n = workflow.nodes.size();
        std::vector<int> finishedCount(n, 0);
        std::vector<double> lastT(n, -1);
        std::vector<bool> running(n, false);
        std::vector<int> attempt(n, 0);
        for (const Recorded &r : events) {
            if (r.node >= n)
                return QStringLiteral("event for unknown node %1").arg(r.node);
            const QString id = QString::fromStdString(workflow.nodes[r.node].id);
            if (finishedCount[r.node] > 0)
                return QStringLiteral("event after nodeFinished for %1").arg(id);
            if (r.t + 1e-9 < lastT[r.node])
                return QStringLiteral("time goes back for %1").arg(id);
            lastT[r.node] = r.t;
            switch (r.kind) {
            case Recorded::State:
                if (r.state.state == NodeState::Running) {
                    if (running[r.node])
                        return QStringLiteral("running twice without attemptFinished: %1").arg(id);
                    running[r.node] = true;
                    if (r.state.attempt != attempt[r.node] + 1)
                        return QStringLiteral("attempt numbers skip for %1").arg(id);
                    attempt[r.node] = r.state.attempt;
                    if (r.state.slot < 0 || r.state.slot >= started.jobs)
                        return QStringLiteral("slot out of range for %1").arg(id);
                } else if (r.state.state == NodeState::Waiting) {
                    if (r.state.reason == WaitReason::None || r.state.reason == WaitReason::Needs)
                        return QStringLiteral("waiting without a reason: %1").arg(id);
                } else if (r.state.state == NodeState::Pending) {
                    if (running[r.node] || attempt[r.node] > 0)
                        return QStringLiteral("pending after running: %1").arg(id);
                } else {
                    return QStringLiteral("final state as node_state: %1").arg(id);
                }
                break;
            case Recorded::Output:
            case Recorded::Progress:
                break;
            case Recorded::Attempt:
                if (!running[r.node] || r.attempt.attempt != attempt[r.node])
                    return QStringLiteral("attemptFinished without running: %1").arg(id);
                running[r.node] = false;
                break;
            case Recorded::Finished:
                ++finishedCount[r.node];
                if (!isFinal(r.finished.outcome))
                    return QStringLiteral("nodeFinished with a non-final outcome: %1").arg(id);
                if (running[r.node])
                    return QStringLiteral("nodeFinished before attemptFinished: %1").arg(id);
                if (r.finished.attempts != attempt[r.node])
                    return QStringLiteral("attempt count differs for %1").arg(id);
                if (r.finished.outcome == NodeState::Skipped && r.finished.error.empty())
                    return QStringLiteral("skipped without a reason: %1").arg(id);
                break;
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (finishedCount[i] != 1)
                return QStringLiteral("node %1 finished %2 times")
                    .arg(QString::fromStdString(workflow.nodes[i].id))
                    .arg(finishedCount[i]);
        }
        std::size_t total = 0;
        for (std::size_t c : finished.counts)
            total += c;
        if (total != n)
            return QStringLiteral("runFinished counts do not add up");
        return {};
    }

    // [start, end] of every attempt: running t to attemptFinished t.
    struct Interval
    {
        NodeIndex node;
        double start;
        double end;
        int slot;
    };
    std::vector<Interval> attemptIntervals() const
    {
        std::vector<Interval> out;
        std::map<NodeIndex, std::pair<double, int>> open;
        for (const Recorded &r : events) {
            if (r.kind == Recorded::State && r.state.state == NodeState::Running)
                open[r.node] = {r.t, r.state.slot};
            if (r.kind == Recorded::Finished && open.count(r.node)) {
                // The slot and pool units are held until nodeFinished.
                out.push_back({r.node, open[r.node].first, r.t, open[r.node].second});
                open.erase(r.node);
            }
        }
        return out;
    }
    // The most intervals that overlap at one time.
    static int maxOverlap(const std::vector<Interval> &intervals)
    {
        std::vector<std::pair<double, int>> edges;
        for (const Interval &i : intervals) {
            edges.push_back({i.start, +1});
            edges.push_back({i.end, -1});
        }
        // At equal times, ends first: touching intervals do not overlap.
        std::sort(edges.begin(), edges.end());
        int current = 0, most = 0;
        for (const auto &e : edges) {
            current += e.second;
            most = std::max(most, current);
        }
        return most;
    }

    bool keepOutput = true;
    RunStarted started;
    RunFinished finished;
    int runStartedCount = 0;
    int runFinishedCount = 0;
    std::map<NodeIndex, std::size_t> outputBytes;
    std::vector<Recorded> events;

private:
    mutable std::mutex m_mutex;
    std::vector<std::string> m_order;
};

// QCOMPARE-friendly names of engine enums.
inline QString str(NodeState s) { return QString::fromUtf8(toString(s).data(), qsizetype(toString(s).size())); }
inline QString str(RunOutcome o) { return QString::fromUtf8(toString(o).data(), qsizetype(toString(o).size())); }

inline Node makeNode(std::string id, std::string type, nlohmann::json params = nlohmann::json::object(),
                     std::vector<std::string> needs = {})
{
    Node n;
    n.id = std::move(id);
    n.type = std::move(type);
    n.params = params.is_null() ? nlohmann::json::object() : std::move(params); // `{}` is null
    n.needs = std::move(needs);
    return n;
}

inline Node sh(std::string id, std::string command, std::vector<std::string> needs = {})
{
    return makeNode(std::move(id), "process", {{"command", std::move(command)}}, std::move(needs));
}

inline Node child(std::string id, std::vector<std::string> args, std::vector<std::string> needs = {})
{
    args.insert(args.begin(), WEFT_TEST_CHILD_PATH);
    return makeNode(std::move(id), "process", {{"argv", args}}, std::move(needs));
}

inline std::map<std::string, NodeState> finalStates(const Workflow &wf, const RecordingSink &sink)
{
    std::map<std::string, NodeState> out;
    for (const auto &[index, f] : sink.finals())
        out[wf.nodes[index].id] = f.outcome;
    return out;
}

} // namespace weft::test
