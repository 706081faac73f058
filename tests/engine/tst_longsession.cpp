// SPDX-License-Identifier: Apache-2.0
// A long-lived process that runs many workflows (a watch session, the
// window): what one run takes from the process it gives back or leaves for
// the next. Runs reuse their oneTBB task arena (oneTBB never frees one that
// a worker joined: scheduler/ArenaPool.h), a run that is still going keeps
// its own, and the rounds of a watch session leave no file descriptor
// behind. Counts, not memory or time: both are noisy on a shared machine.

// Before any Qt header: Qt's `emit` macro breaks oneTBB's headers.
#include "scheduler/ArenaPool.h"

#include "RecordingSink.h"

#include "weft/CompiledWorkflow.h"
#include "weft/Diagnostic.h"
#include "weft/Executor.h"
#include "weft/Triggers.h"
#include "weft/WatchSession.h"
#include "weft/Workflow.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <future>

using namespace weft;
using namespace weft::test;

namespace {

// 99 independent in-process nodes: every run spreads over the arena's workers.
Workflow independentNoops(std::vector<std::string> needs = {})
{
    Workflow wf;
    for (int k = 1; k < 100; ++k)
        wf.nodes.push_back(makeNode("n" + std::to_string(k), "noop", nlohmann::json::object(), needs));
    return wf;
}

RunOptions options(const QTemporaryDir &dir, int threads)
{
    RunOptions o;
    o.jobs = 4;
    o.threads = threads;
    o.baseDirectory = dir.path().toStdString();
    return o;
}

std::size_t openFds()
{
    return std::size_t(QDir("/proc/self/fd").entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System).size());
}

} // namespace

class TestLongSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void runsReuseTheirArena();
    void preparedArenaIsTheRunsOwn();
    void concurrentRunsKeepTheirOwnArena();
    void watchRoundsLeaveNothingBehind();
};

void TestLongSession::runsReuseTheirArena()
{
    QTemporaryDir dir;
    const auto wf = std::make_shared<const Workflow>(independentNoops());
    EventSink quiet;
    {
        Executor first(options(dir, 2));
        QVERIFY(first.run(wf, quiet).outcome == RunOutcome::Succeeded);
    }
    const int made = ArenaLease::arenasMade();
    QVERIFY(made >= 1); // the run took its arena from the pool
    for (int k = 0; k < 200; ++k) {
        Executor executor(options(dir, 2));
        const RunSummary summary = executor.run(wf, quiet);
        QVERIFY(summary.outcome == RunOutcome::Succeeded);
        QCOMPARE(summary.counts[std::size_t(NodeState::Succeeded)], std::size_t(99));
    }
    QCOMPARE(ArenaLease::arenasMade(), made);
}

// Executor::prepare() (weft-cli calls it while the state loads) makes the
// arena a run of that size then takes, and only when none is idle.
void TestLongSession::preparedArenaIsTheRunsOwn()
{
    QTemporaryDir dir;
    const auto wf = std::make_shared<const Workflow>(independentNoops());
    const RunOptions three = options(dir, 3); // a size no other test here runs at
    const int before = ArenaLease::arenasMade();
    Executor::prepare(three, *wf);
    QCOMPARE(ArenaLease::arenasMade(), before + 1);
    Executor::prepare(three, *wf); // one is idle already
    QCOMPARE(ArenaLease::arenasMade(), before + 1);
    EventSink quiet;
    Executor executor(three);
    const RunSummary summary = executor.run(wf, quiet);
    QVERIFY(summary.outcome == RunOutcome::Succeeded);
    QCOMPARE(summary.counts[std::size_t(NodeState::Succeeded)], std::size_t(99));
    QCOMPARE(ArenaLease::arenasMade(), before + 1);
}

void TestLongSession::concurrentRunsKeepTheirOwnArena()
{
    QTemporaryDir dir;
    // A run that waits at an approval gate holds its arena all along.
    Workflow gated;
    gated.nodes = {makeNode("gate", "approval", {{"message", "Go?"}}),
                   makeNode("after", "noop", nlohmann::json::object(), {"gate"})};
    TriggerHub hub;
    std::promise<void> asked;
    hub.setApprovalHandler([&](const ApprovalRequest &) { asked.set_value(); });
    RunOptions waitingOptions = options(dir, 1);
    waitingOptions.triggers = &hub;
    Executor waiting(waitingOptions);
    EventSink quiet;
    auto done = std::async(std::launch::async, [&] { return waiting.run(gated, quiet); });
    QCOMPARE(asked.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);

    // Runs of the same concurrency meanwhile: one more arena, not the
    // waiting run's, and that one reused run after run.
    const auto wf = std::make_shared<const Workflow>(independentNoops());
    const int made = ArenaLease::arenasMade();
    for (int k = 0; k < 50; ++k) {
        Executor executor(options(dir, 1));
        QVERIFY(executor.run(wf, quiet).outcome == RunOutcome::Succeeded);
    }
    QVERIFY(ArenaLease::arenasMade() <= made + 1);
    QVERIFY(hub.approve("gate"));
    QCOMPARE(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    QVERIFY(done.get().outcome == RunOutcome::Succeeded);
    // Both arenas are idle now: the next runs make none.
    const int afterBoth = ArenaLease::arenasMade();
    for (int k = 0; k < 10; ++k) {
        Executor executor(options(dir, 1));
        QVERIFY(executor.run(wf, quiet).outcome == RunOutcome::Succeeded);
    }
    QCOMPARE(ArenaLease::arenasMade(), afterBoth);
}

void TestLongSession::watchRoundsLeaveNothingBehind()
{
    QTemporaryDir dir;
    // A timer that fires faster than a round ends: rounds back to back.
    Workflow wf = independentNoops({"tick"});
    wf.nodes.insert(wf.nodes.begin(), makeNode("tick", "timer", {{"every", 0.001}}));
    Diagnostics diagnostics;
    auto compiled = CompiledWorkflow::compile(std::make_shared<const Workflow>(std::move(wf)), diagnostics);
    QVERIFY(compiled);

    const int rounds = 60;
    std::size_t fdsEarly = 0, fdsLate = 0;
    int arenasEarly = 0, arenasLate = 0;
    int succeeded = 0;
    WatchOptions watch;
    watch.run = options(dir, 2);
    watch.maxRounds = rounds;
    watch.endRound = [&](int round, const RunSummary &summary) {
        succeeded += summary.outcome == RunOutcome::Succeeded ? 1 : 0;
        if (round == 10) {
            fdsEarly = openFds();
            arenasEarly = ArenaLease::arenasMade();
        } else if (round == rounds) {
            fdsLate = openFds();
            arenasLate = ArenaLease::arenasMade();
        }
    };
    EventSink quiet;
    WatchSession session(compiled, watch, quiet);
    const WatchResult result = session.run();
    QCOMPARE(result.rounds, rounds);
    QCOMPARE(succeeded, rounds);
    QVERIFY(fdsEarly > 0);
    QCOMPARE(fdsLate, fdsEarly);
    QCOMPARE(arenasLate, arenasEarly);
}

QTEST_GUILESS_MAIN(TestLongSession)
#include "tst_longsession.moc"
