// SPDX-License-Identifier: Apache-2.0
// Soak: 1,000 back-to-back runs of a 100-node workflow in one process.
// Prints resident memory at the start and the end; the goal is growth under
// 5 %. Leaks per run (a reactor, a graph, a sink's buffers) show here long
// before a user's all-day session would notice.
#include "ProcessMemory.h"
#include "weft/Executor.h"
#include "weft/Workflow.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <fstream>
#include <string>

using namespace weft;

namespace {

using weft::test::residentKiB;

class CountingSink : public EventSink
{
public:
    void nodeFinished(const NodeFinished &e) override
    {
        if (e.outcome == NodeState::Succeeded)
            ++succeeded;
    }
    std::atomic<std::size_t> succeeded{0};
};

Workflow soakWorkflow()
{
    Workflow w;
    w.name = "soak";
    for (int i = 0; i < 100; ++i) {
        Node n;
        n.id = "n" + std::to_string(i);
        if (i % 5 == 0) {
            n.type = "process";
            n.params = {{"argv", {"true"}}};
        } else if (i % 5 == 1) {
            n.type = "sleep";
            n.params = {{"seconds", 0}};
        } else if (i % 5 == 2) {
            n.type = "write";
            n.params = {{"path", "soak/out" + std::to_string(i % 7) + ".txt"}, {"text", "x"}};
        } else {
            n.type = "noop";
        }
        if (i >= 10) {
            n.needs.push_back("n" + std::to_string(i - 10));
            if (i % 3 == 0)
                n.needs.push_back("n" + std::to_string(i - 7));
        }
        w.nodes.push_back(std::move(n));
    }
    return w;
}

} // namespace

class BenchSoak : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void thousandRuns();
    void thousandRunsOfIndependentNodes();
};

void BenchSoak::thousandRuns()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const Workflow workflow = soakWorkflow();
    RunOptions options;
    options.jobs = 4;
    options.baseDirectory = dir.path().toStdString();

    constexpr int kRuns = 1000;
    constexpr int kWarmup = 20; // allocator pools and TBB's threads settle first
    long startKiB = 0;
    QElapsedTimer timer;
    for (int run = 0; run < kRuns + kWarmup; ++run) {
        if (run == kWarmup) {
            startKiB = residentKiB();
            timer.start();
        }
        Executor executor(options);
        CountingSink sink;
        const RunSummary summary = executor.run(workflow, sink);
        QVERIFY(summary.outcome == RunOutcome::Succeeded);
        QCOMPARE(sink.succeeded.load(), std::size_t(100));
        QVERIFY(summary.errors.empty());
    }
    const long endKiB = residentKiB();
    const double growth = 100.0 * double(endKiB - startKiB) / double(startKiB);
    std::printf("\nSoak: %d runs of a 100-node workflow (20 processes, 20 timers, 60 in-process) in %.1f s\n",
                kRuns, double(timer.elapsed()) / 1000.0);
    std::printf("  resident memory after warm-up: %ld KiB\n", startKiB);
    std::printf("  resident memory at the end:    %ld KiB\n", endKiB);
    std::printf("  growth: %+.2f %% (goal: under 5 %%)\n\n", growth);
}

// 99 independent `noop` nodes spread over every worker of the run's arena:
// the shape that showed oneTBB's per-arena leak (scheduler/ArenaPool.h),
// about 8 KB a run while each run made its own arena.
void BenchSoak::thousandRunsOfIndependentNodes()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Workflow workflow;
    for (int i = 1; i < 100; ++i) {
        Node n;
        n.id = "n" + std::to_string(i);
        n.type = "noop";
        workflow.nodes.push_back(std::move(n));
    }
    RunOptions options;
    options.jobs = 4;
    options.baseDirectory = dir.path().toStdString();

    constexpr int kRuns = 1000;
    constexpr int kWarmup = 50;
    long startKiB = 0;
    for (int run = 0; run < kRuns + kWarmup; ++run) {
        if (run == kWarmup)
            startKiB = residentKiB();
        Executor executor(options);
        CountingSink sink;
        QVERIFY(executor.run(workflow, sink).outcome == RunOutcome::Succeeded);
        QCOMPARE(sink.succeeded.load(), std::size_t(99));
    }
    const long endKiB = residentKiB();
    std::printf("\nSoak: %d runs of 99 independent noop nodes: resident memory %ld -> %ld KiB, "
                "growth %+.2f %% (%.0f bytes a run; goal: under 5 %%)\n\n",
                kRuns, startKiB, endKiB, 100.0 * double(endKiB - startKiB) / double(startKiB),
                double(endKiB - startKiB) * 1024.0 / kRuns);
}

QTEST_GUILESS_MAIN(BenchSoak)
#include "bench_soak.moc"
