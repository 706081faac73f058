// SPDX-License-Identifier: Apache-2.0
// EventMailbox and EventRelay: the lock-free hand-over of events from a
// run's threads to one consumer. What a sink behind them relies on: every
// node's events in the order they happened, nothing lost under concurrent
// producers, output text copied (the chunk's view dies with the call), and
// a run's first and last events delivered before the call returns.
#include "weft/EventMailbox.h"
#include "weft/EventRelay.h"

#include <QTest>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace weft;

namespace {

// Records what reaches it, and on which thread.
class Recorder final : public EventSink
{
public:
    void runStarted(const RunStarted &) override { add("run_started", 0, ""); }
    void nodeStateChanged(const NodeStateChanged &e) override { add("state", e.node, std::to_string(e.attempt)); }
    void output(const OutputChunk &e) override { add("output", e.node, std::string(e.text)); }
    void nodeFinished(const NodeFinished &e) override { add("finished", e.node, ""); }
    void runFinished(const RunFinished &) override { add("run_finished", 0, ""); }

    struct Entry
    {
        std::string kind;
        NodeIndex node;
        std::string text;
        std::thread::id thread;
    };
    std::vector<Entry> entries() const
    {
        std::lock_guard lock(m_mutex);
        return m_entries;
    }

private:
    void add(std::string kind, NodeIndex node, std::string text)
    {
        std::lock_guard lock(m_mutex);
        m_entries.push_back({std::move(kind), node, std::move(text), std::this_thread::get_id()});
    }
    mutable std::mutex m_mutex;
    std::vector<Entry> m_entries;
};

// Keeps whole copies of the three events every unit sends.
class Keeper final : public EventSink
{
public:
    void nodeStateChanged(const NodeStateChanged &e) override { states.push_back(e); }
    void attemptFinished(const AttemptFinished &e) override { attempts.push_back(e); }
    void nodeFinished(const NodeFinished &e) override { finished.push_back(e); }
    std::vector<NodeStateChanged> states;
    std::vector<AttemptFinished> attempts;
    std::vector<NodeFinished> finished;
};

// Records each burst's bracket around the events in it, in one sequence
// shared by several of them.
class BurstRecorder final : public EventSink
{
public:
    BurstRecorder(std::string name, std::vector<std::string> &log) : m_name(std::move(name)), m_log(log) {}
    void burstBegins() override { m_log.push_back(m_name + " begins"); }
    void nodeStateChanged(const NodeStateChanged &e) override { m_log.push_back(m_name + " state " + std::to_string(e.node)); }
    void nodeFinished(const NodeFinished &e) override { m_log.push_back(m_name + " finished " + std::to_string(e.node)); }
    void burstEnds() override { m_log.push_back(m_name + " ends"); }

private:
    std::string m_name;
    std::vector<std::string> &m_log;
};

NodeStateChanged attemptEvent(NodeIndex node, int attempt)
{
    NodeStateChanged e;
    e.node = node;
    e.state = NodeState::Running;
    e.attempt = attempt;
    return e;
}

} // namespace

class TestEventRelay : public QObject
{
    Q_OBJECT

private slots:
    void mailboxReplaysInPushOrderAndCopiesText()
    {
        EventMailbox mailbox;
        Recorder recorder;
        {
            std::string text = "first chunk";
            OutputChunk chunk;
            chunk.node = 3;
            chunk.text = text;
            mailbox.output(chunk);
            text = "overwritten after the call"; // the mailbox must have its own copy
        }
        mailbox.nodeStateChanged(attemptEvent(3, 1));
        mailbox.nodeFinished(NodeFinished{});
        QCOMPARE(mailbox.pendingOutputBytes(), std::size_t(11));
        QVERIFY(!mailbox.empty());
        QCOMPARE(mailbox.deliverTo(recorder), std::size_t(3));
        QVERIFY(mailbox.empty());
        QCOMPARE(mailbox.pendingOutputBytes(), std::size_t(0));
        const auto entries = recorder.entries();
        QCOMPARE(entries.size(), std::size_t(3));
        QCOMPARE(entries[0].kind, std::string("output"));
        QCOMPARE(entries[0].text, std::string("first chunk"));
        QCOMPARE(entries[1].kind, std::string("state"));
        QCOMPARE(entries[2].kind, std::string("finished"));
        QCOMPARE(mailbox.deliverTo(recorder), std::size_t(0)); // nothing twice
    }

    // A sink that locks per event (the CLI's printer, the history) holds its
    // lock for a whole burst instead: every delivery is bracketed, a tee
    // brackets its sinks nested (the last to begin ends first), and an empty
    // mailbox delivers no burst at all.
    void deliveryBracketsEachBurst()
    {
        EventMailbox mailbox;
        std::vector<std::string> log;
        BurstRecorder a("a", log);
        BurstRecorder b("b", log);
        TeeSink tee({&a, &b});
        QCOMPARE(mailbox.deliverTo(tee), std::size_t(0));
        QVERIFY(log.empty());
        mailbox.nodeStateChanged(attemptEvent(1, 1));
        NodeFinished finished;
        finished.node = 1;
        mailbox.nodeFinished(finished);
        QCOMPARE(mailbox.deliverTo(tee), std::size_t(2));
        const std::vector<std::string> expected{"a begins",   "b begins",   "a state 1", "b state 1",
                                                "a finished 1", "b finished 1", "b ends",    "a ends"};
        QCOMPARE(log, expected);
    }

    // The mailbox keeps events without text in a compact form and those
    // with text whole: either way a sink gets back every field, also when a
    // compact event follows one that had a field the next one lacks.
    void mailboxKeepsEveryFieldWithOrWithoutText()
    {
        EventMailbox mailbox;
        NodeStateChanged running;
        running.t = 1.25;
        running.node = 7;
        running.instance = 2;
        running.state = NodeState::Running;
        running.attempt = 3;
        running.reason = WaitReason::JobSlot;
        running.pid = 4242;
        running.worker = 1;
        running.slot = 5;
        NodeStateChanged queued = running;
        queued.state = NodeState::Waiting;
        queued.reason = WaitReason::SlurmQueue;
        queued.detail = "pool gpu";
        queued.jobId = "1234";
        queued.pendingReason = "Priority";
        queued.host = "n01";
        AttemptFinished attempt;
        attempt.t = 2.5;
        attempt.node = 7;
        attempt.instance = 2;
        attempt.attempt = 3;
        attempt.start = 1.25;
        attempt.end = 2.5;
        attempt.slot = 5;
        attempt.worker = 1;
        attempt.pid = 4242;
        attempt.ok = true;
        attempt.queuedUntil = 1.5;
        attempt.retryIn = 4;
        AttemptFinished failedAttempt = attempt;
        failedAttempt.ok = false;
        failedAttempt.error = "exited with status 3";
        failedAttempt.jobId = "1234";
        failedAttempt.host = "n01";
        NodeFinished done;
        done.t = 3;
        done.node = 7;
        done.instance = 2;
        done.outcome = NodeState::Succeeded;
        done.exitCode = 0;
        done.duration = 1.75;
        done.start = 1.25;
        done.attempts = 3;
        done.cached = true;
        NodeFinished noExit = done;
        noExit.exitCode.reset();
        noExit.cpu = 0.5;   // a process's CPU seconds, a Slurm job's wait:
        noExit.queued = 2;  // compact or not, they arrive
        NodeFinished failed = done;
        failed.outcome = NodeState::Failed;
        failed.exitCode = 3;
        failed.signal = "SIGKILL";
        failed.error = "killed";
        failed.causeNode = "up";
        failed.command = "make";
        failed.stderrTail = "oops";
        failed.outputs.emplace("out", StringOrList(std::string("a.o")));
        failed.cached = false;

        for (const NodeStateChanged &e : {running, queued})
            mailbox.nodeStateChanged(e);
        for (const AttemptFinished &e : {attempt, failedAttempt})
            mailbox.attemptFinished(e);
        for (const NodeFinished &e : {done, noExit, failed})
            mailbox.nodeFinished(e);
        Keeper keeper;
        QCOMPARE(mailbox.deliverTo(keeper), std::size_t(7));

        QCOMPARE(keeper.states.size(), std::size_t(2));
        for (std::size_t k = 0; k < 2; ++k) {
            const NodeStateChanged &want = k == 0 ? running : queued;
            const NodeStateChanged &got = keeper.states[k];
            QCOMPARE(got.t, want.t);
            QCOMPARE(got.node, want.node);
            QCOMPARE(got.instance, want.instance);
            QCOMPARE(int(got.state), int(want.state));
            QCOMPARE(got.attempt, want.attempt);
            QCOMPARE(int(got.reason), int(want.reason));
            QCOMPARE(got.pid, want.pid);
            QCOMPARE(got.worker, want.worker);
            QCOMPARE(got.slot, want.slot);
            QCOMPARE(got.detail, want.detail);
            QCOMPARE(got.jobId, want.jobId);
            QCOMPARE(got.pendingReason, want.pendingReason);
            QCOMPARE(got.host, want.host);
        }
        QCOMPARE(keeper.attempts.size(), std::size_t(2));
        for (std::size_t k = 0; k < 2; ++k) {
            const AttemptFinished &want = k == 0 ? attempt : failedAttempt;
            const AttemptFinished &got = keeper.attempts[k];
            QCOMPARE(got.t, want.t);
            QCOMPARE(got.node, want.node);
            QCOMPARE(got.instance, want.instance);
            QCOMPARE(got.attempt, want.attempt);
            QCOMPARE(got.start, want.start);
            QCOMPARE(got.end, want.end);
            QCOMPARE(got.slot, want.slot);
            QCOMPARE(got.worker, want.worker);
            QCOMPARE(got.pid, want.pid);
            QCOMPARE(got.ok, want.ok);
            QCOMPARE(got.error, want.error);
            QCOMPARE(got.jobId, want.jobId);
            QCOMPARE(got.host, want.host);
            QCOMPARE(got.queuedUntil, want.queuedUntil);
            QCOMPARE(got.retryIn, want.retryIn);
        }
        QCOMPARE(keeper.finished.size(), std::size_t(3));
        for (std::size_t k = 0; k < 3; ++k) {
            const NodeFinished &want = k == 0 ? done : k == 1 ? noExit : failed;
            const NodeFinished &got = keeper.finished[k];
            QCOMPARE(got.t, want.t);
            QCOMPARE(got.node, want.node);
            QCOMPARE(got.instance, want.instance);
            QCOMPARE(int(got.outcome), int(want.outcome));
            QCOMPARE(got.exitCode.has_value(), want.exitCode.has_value());
            if (want.exitCode)
                QCOMPARE(*got.exitCode, *want.exitCode);
            QCOMPARE(got.signal, want.signal);
            QCOMPARE(got.error, want.error);
            QCOMPARE(got.causeNode, want.causeNode);
            QCOMPARE(got.duration, want.duration);
            QCOMPARE(got.start, want.start);
            QCOMPARE(got.attempts, want.attempts);
            QCOMPARE(got.cpu, want.cpu);
            QCOMPARE(got.queued, want.queued);
            QCOMPARE(got.command, want.command);
            QCOMPARE(got.stderrTail, want.stderrTail);
            QCOMPARE(got.outputs.size(), want.outputs.size());
            QCOMPARE(got.cached, want.cached);
        }
    }

    void concurrentProducersKeepEveryNodesOrder()
    {
        constexpr int kThreads = 4;
        constexpr int kNodesPerThread = 500;
        constexpr int kAttempts = 20;
        Recorder recorder;
        EventRelay relay(recorder, std::chrono::milliseconds(1));
        relay.runStarted(RunStarted{});
        std::vector<std::thread> producers;
        for (int t = 0; t < kThreads; ++t) {
            producers.emplace_back([&relay, t] {
                for (int a = 1; a <= kAttempts; ++a) {
                    for (int i = 0; i < kNodesPerThread; ++i)
                        relay.nodeStateChanged(attemptEvent(NodeIndex(t * kNodesPerThread + i), a));
                }
            });
        }
        for (std::thread &p : producers)
            p.join();
        relay.runFinished(RunFinished{});

        // runFinished returned: everything was delivered, runFinished last.
        const auto entries = recorder.entries();
        QCOMPARE(entries.size(), std::size_t(2 + kThreads * kNodesPerThread * kAttempts));
        QCOMPARE(entries.front().kind, std::string("run_started"));
        QCOMPARE(entries.back().kind, std::string("run_finished"));
        std::vector<int> lastAttempt(kThreads * kNodesPerThread, 0);
        for (std::size_t k = 1; k + 1 < entries.size(); ++k) {
            const int attempt = std::stoi(entries[k].text);
            QCOMPARE(attempt, lastAttempt[entries[k].node] + 1);
            lastAttempt[entries[k].node] = attempt;
        }
        // The producers' events were delivered on the relay's thread (or,
        // for the tail, by runFinished on this one), never on a producer's.
        for (const auto &e : entries) {
            for (const std::thread &p : producers)
                QVERIFY(e.thread != p.get_id());
        }
    }

    void eventsArriveWithoutWaitingForTheRunToEnd()
    {
        Recorder recorder;
        EventRelay relay(recorder, std::chrono::milliseconds(5));
        relay.runStarted(RunStarted{});
        relay.nodeStateChanged(attemptEvent(0, 1));
        // The relay's own thread delivers it while the run goes on.
        QTRY_COMPARE_WITH_TIMEOUT(int(recorder.entries().size()), 2, 5000);
        relay.runFinished(RunFinished{});
    }

    void tickRunsOnTheRelayThread()
    {
        Recorder recorder;
        std::atomic<int> ticks{0};
        std::atomic<bool> onOwnThread{true};
        const std::thread::id self = std::this_thread::get_id();
        {
            EventRelay relay(recorder, std::chrono::milliseconds(1), [&] {
                if (std::this_thread::get_id() == self)
                    onOwnThread = false;
                ++ticks;
            });
            QTRY_VERIFY_WITH_TIMEOUT(ticks.load() >= 3, 5000);
        }
        QVERIFY(onOwnThread.load());
    }
};

QTEST_GUILESS_MAIN(TestEventRelay)
#include "tst_eventrelay.moc"
