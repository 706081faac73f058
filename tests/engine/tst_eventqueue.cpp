// SPDX-License-Identifier: Apache-2.0
// EventQueue: the UI's drain-on-a-timer sink coalesces node states, keeps
// output bounded and stays consistent under concurrent producers.
#include "weft/EventQueue.h"

#include <QTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace weft;

class TestEventQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void drainKeepsOnlyLatestStatePerNode();
    void finishedAndAttemptsSurviveCoalescing();
    void outputIsBoundedPerDrain();
    void newRunDiscardsStaleEvents();
    void concurrentProducersLoseNothing();
    void foldsBetweenDrainsChangeNothing();
};

static NodeStateChanged state(NodeIndex node, NodeState s, int attempt = 1)
{
    NodeStateChanged e;
    e.node = node;
    e.state = s;
    e.attempt = attempt;
    return e;
}

void TestEventQueue::drainKeepsOnlyLatestStatePerNode()
{
    EventQueue queue;
    RunStarted started;
    started.nodes = 3;
    queue.runStarted(started);
    for (int i = 0; i < 1000; ++i) {
        queue.nodeStateChanged(state(0, NodeState::Pending));
        queue.nodeStateChanged(state(0, NodeState::Running));
        queue.nodeStateChanged(state(2, NodeState::Waiting));
    }
    queue.nodeStateChanged(state(2, NodeState::Running));

    EventQueue::Batch batch = queue.drain();
    QVERIFY(batch.started.has_value());
    QCOMPARE(batch.started->workflow, nullptr);
    QCOMPARE(batch.events, std::size_t(3002));
    QCOMPARE(batch.nodes.size(), std::size_t(2));
    QCOMPARE(batch.nodes[0].node, NodeIndex(0));
    QVERIFY(batch.nodes[0].state->state == NodeState::Running);
    QCOMPARE(batch.nodes[1].node, NodeIndex(2));
    QVERIFY(batch.nodes[1].state->state == NodeState::Running);

    QVERIFY(queue.drain().empty());
    queue.nodeStateChanged(state(1, NodeState::Succeeded));
    batch = queue.drain();
    QCOMPARE(batch.nodes.size(), std::size_t(1));
    QCOMPARE(batch.nodes[0].node, NodeIndex(1));
    QVERIFY(!batch.started.has_value());
}

void TestEventQueue::finishedAndAttemptsSurviveCoalescing()
{
    EventQueue queue;
    RunStarted started;
    started.nodes = 1;
    queue.runStarted(started);
    for (int attempt = 1; attempt <= 3; ++attempt) {
        queue.nodeStateChanged(state(0, NodeState::Running, attempt));
        AttemptFinished a;
        a.node = 0;
        a.attempt = attempt;
        a.ok = attempt == 3;
        queue.attemptFinished(a);
    }
    NodeFinished finished;
    finished.node = 0;
    finished.outcome = NodeState::Succeeded;
    finished.attempts = 3;
    queue.nodeFinished(finished);
    RunFinished runFinished;
    runFinished.outcome = RunOutcome::Succeeded;
    queue.runFinished(runFinished);

    const EventQueue::Batch batch = queue.drain();
    QCOMPARE(batch.nodes.size(), std::size_t(1));
    QCOMPARE(batch.nodes[0].attempts.size(), std::size_t(3));
    QCOMPARE(batch.nodes[0].attempts[2].attempt, 3);
    QVERIFY(batch.nodes[0].attempts[2].ok);
    QCOMPARE(batch.nodes[0].finished->attempts, 3);
    QCOMPARE(batch.nodes[0].state->attempt, 3);
    QVERIFY(batch.finished.has_value());
}

void TestEventQueue::outputIsBoundedPerDrain()
{
    EventQueue queue(1000);
    RunStarted started;
    started.nodes = 1;
    queue.runStarted(started);
    const std::string line(100, 'x');
    for (int i = 0; i < 50; ++i) {
        OutputChunk chunk;
        chunk.node = 0;
        chunk.stream = i % 2 ? OutputStream::Stderr : OutputStream::Stdout;
        chunk.text = line;
        queue.output(chunk);
    }
    EventQueue::Batch batch = queue.drain();
    // The newest 1,000 bytes are kept: what a person reads is the latest.
    QCOMPARE(batch.output.size(), std::size_t(10));
    QCOMPARE(batch.droppedOutputBytes, std::size_t(4000));
    QVERIFY(batch.output[0].stream == OutputStream::Stdout);
    QVERIFY(batch.output[1].stream == OutputStream::Stderr);
    // Both streams lost output just before their first kept chunk, and only there.
    QVERIFY(batch.output[0].gapBefore && batch.output[1].gapBefore);
    for (std::size_t i = 2; i < batch.output.size(); ++i)
        QVERIFY(!batch.output[i].gapBefore);

    // The bound is per drain: the next interval gets its own budget.
    OutputChunk chunk;
    chunk.text = line;
    queue.output(chunk);
    batch = queue.drain();
    QCOMPARE(batch.output.size(), std::size_t(1));
    QCOMPARE(batch.droppedOutputBytes, std::size_t(0));
    QVERIFY(!batch.output[0].gapBefore);

    // One chunk larger than the bound keeps its end.
    std::string big;
    for (int i = 0; i < 300; ++i)
        big += std::to_string(1000 + i) + "\n"; // 1,500 bytes
    chunk.text = big;
    queue.output(chunk);
    batch = queue.drain();
    QCOMPARE(batch.output.size(), std::size_t(1));
    QCOMPARE(batch.output[0].text.size(), std::size_t(1000));
    QCOMPARE(batch.droppedOutputBytes, std::size_t(500));
    QVERIFY(batch.output[0].gapBefore);
    QVERIFY(batch.output[0].text.size() >= 5
            && batch.output[0].text.compare(batch.output[0].text.size() - 5, 5, "1299\n") == 0);

    // Cut at a line start, not inside a line (or a UTF-8 sequence).
    big.clear();
    for (int i = 0; i < 100; ++i)
        big += "line " + std::to_string(1000 + i) + " \u00e9t\u00e9\n"; // 16 bytes
    chunk.text = big; // 1,600 bytes: 600 over, which is not a line boundary
    queue.output(chunk);
    batch = queue.drain();
    QCOMPARE(batch.output.size(), std::size_t(1));
    QVERIFY(batch.output[0].text.size() <= 1000);
    QVERIFY(batch.output[0].text.rfind("line ", 0) == 0);
    QCOMPARE(batch.droppedOutputBytes + batch.output[0].text.size(), big.size());

    // A flood far past the bound between drains holds at most twice it.
    for (int i = 0; i < 10000; ++i) {
        chunk.text = line;
        queue.output(chunk);
    }
    batch = queue.drain();
    QCOMPARE(batch.output.size(), std::size_t(10));
    QCOMPARE(batch.droppedOutputBytes, std::size_t(10000 * 100 - 1000));
}

void TestEventQueue::newRunDiscardsStaleEvents()
{
    EventQueue queue;
    RunStarted started;
    started.nodes = 2;
    queue.runStarted(started);
    queue.nodeStateChanged(state(1, NodeState::Failed));
    queue.runStarted(started);
    const EventQueue::Batch batch = queue.drain();
    QVERIFY(batch.nodes.empty());
    QCOMPARE(batch.events, std::size_t(1));
}

void TestEventQueue::concurrentProducersLoseNothing()
{
    constexpr int kThreads = 4;
    constexpr int kNodesPerThread = 2000;
    EventQueue queue;
    RunStarted started;
    started.nodes = kThreads * kNodesPerThread;
    queue.runStarted(started);
    queue.drain();

    std::vector<NodeState> finalState(started.nodes, NodeState::Pending);
    std::size_t finishedCount = 0;
    std::atomic<bool> done{false};
    std::thread consumer([&] {
        auto apply = [&](const EventQueue::Batch &batch) {
            for (const auto &update : batch.nodes) {
                if (update.state)
                    finalState[update.node] = update.state->state;
                if (update.finished)
                    ++finishedCount;
            }
        };
        while (!done.load())
            apply(queue.drain());
        apply(queue.drain());
    });
    std::vector<std::thread> producers;
    for (int t = 0; t < kThreads; ++t) {
        producers.emplace_back([&, t] {
            for (int i = 0; i < kNodesPerThread; ++i) {
                const NodeIndex node = NodeIndex(t * kNodesPerThread + i);
                queue.nodeStateChanged(state(node, NodeState::Running));
                queue.nodeStateChanged(state(node, NodeState::Succeeded));
                NodeFinished finished;
                finished.node = node;
                queue.nodeFinished(finished);
            }
        });
    }
    for (auto &p : producers)
        p.join();
    done = true;
    consumer.join();

    QCOMPARE(finishedCount, std::size_t(started.nodes));
    for (NodeState s : finalState)
        QVERIFY(s == NodeState::Succeeded);
}

// A window's run folds the events into the batch on a thread of its own
// between drains (EventQueue::fold, RunController's QueueFolder): what the
// next drain returns is what one drain of everything would have, the
// newest state of each node, every attempt, the bounded output and the
// count of events, with folds from several threads beside the producers.
void TestEventQueue::foldsBetweenDrainsChangeNothing()
{
    auto feed = [](EventQueue &queue, int from, int to) {
        for (int i = from; i < to; ++i) {
            const NodeIndex node = NodeIndex(i % 50);
            queue.nodeStateChanged(state(node, NodeState::Running, 1 + i / 50));
            if (i % 7 == 0) {
                AttemptFinished a;
                a.node = node;
                a.attempt = 1 + i / 50;
                queue.attemptFinished(a);
            }
            if (i % 3 == 0) {
                const std::string text = "line " + std::to_string(i) + "\n";
                OutputChunk chunk; // a view of `text`, copied by output()
                chunk.node = node;
                chunk.text = text;
                queue.output(chunk);
            }
        }
    };
    EventQueue once(4096), folded(4096);
    RunStarted started;
    started.nodes = 50;
    for (EventQueue *q : {&once, &folded})
        q->runStarted(started);
    feed(once, 0, 5000);
    std::size_t foldedEvents = 0;
    for (int part = 0; part < 5; ++part) {
        feed(folded, part * 1000, (part + 1) * 1000);
        foldedEvents += folded.fold();
    }
    QCOMPARE(folded.fold(), std::size_t(0)); // nothing left to fold
    QVERIFY(foldedEvents > 5000);
    const std::optional<EventQueue::Batch> tried = folded.tryDrain(); // uncontended: the batch
    QVERIFY(tried.has_value());
    const EventQueue::Batch a = once.drain();
    const EventQueue::Batch &b = *tried;
    QCOMPARE(b.events, a.events);
    QCOMPARE(b.nodes.size(), a.nodes.size());
    for (std::size_t k = 0; k < a.nodes.size(); ++k) {
        QCOMPARE(b.nodes[k].node, a.nodes[k].node);
        QCOMPARE(b.nodes[k].state->attempt, a.nodes[k].state->attempt);
        QCOMPARE(b.nodes[k].attempts.size(), a.nodes[k].attempts.size());
    }
    QCOMPARE(b.output.size(), a.output.size());
    for (std::size_t k = 0; k < a.output.size(); ++k)
        QCOMPARE(b.output[k].text, a.output[k].text);
    QCOMPARE(b.droppedOutputBytes, a.droppedOutputBytes);

    // Producers on several threads while another folds: nothing lost.
    EventQueue busy;
    busy.runStarted(started);
    std::atomic<bool> producing{true};
    std::thread folder([&] {
        while (producing.load())
            busy.fold();
    });
    std::vector<std::thread> producers;
    for (int t = 0; t < 4; ++t)
        producers.emplace_back([&busy, t] {
            for (int i = 0; i < 2000; ++i)
                busy.nodeStateChanged(state(NodeIndex(t), NodeState::Running, i + 1));
        });
    for (std::thread &p : producers)
        p.join();
    producing = false;
    folder.join();
    const EventQueue::Batch last = busy.drain();
    QCOMPARE(last.events, std::size_t(8001)); // the run's start and 8,000 states
    QCOMPARE(last.nodes.size(), std::size_t(4));
    for (const EventQueue::NodeUpdate &u : last.nodes)
        QCOMPARE(u.state->attempt, 2000); // each node's newest state
}

QTEST_GUILESS_MAIN(TestEventQueue)
#include "tst_eventqueue.moc"
