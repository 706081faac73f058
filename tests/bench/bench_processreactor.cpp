// SPDX-License-Identifier: Apache-2.0
// Spawn throughput of the process reactor: 2,000 `true` processes with K
// of them in flight at once (K = 1, 2, 4), as the executor runs a
// process-heavy workflow at -jK. Each "slot" thread starts a process and
// waits for its finished() before starting the next, as a job slot does.
// For reference the same work is timed as a bare posix_spawn + waitpid loop
// (no pipes, no reactor) and, when ninja is installed, as ninja running
// 2,000 independent `true` edges at -jK (ninja goes through /bin/sh -c).
// Prints figures; asserts only that everything ran.
#include "../../engine/src/process/ProcessReactor.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "SpawnFloor.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>


using namespace weft;

namespace {

constexpr int kProcesses = 2000;

double reactorRun(ProcessReactor &reactor, int jobs, const std::string &command, int &failures)
{
    std::atomic<int> next{0};
    std::atomic<int> failed{0};
    QElapsedTimer timer;
    timer.start();
    std::vector<std::thread> threads;
    for (int s = 0; s < jobs; ++s) {
        threads.emplace_back([&] {
            std::mutex mutex;
            std::condition_variable done;
            while (next.fetch_add(1) < kProcesses) {
                bool finished = false;
                ProcessSpec spec;
                spec.command = command;
                ProcessCallbacks callbacks;
                callbacks.finished = [&](ProcessOutcome outcome) {
                    if (!outcome.ok)
                        ++failed;
                    std::lock_guard lock(mutex);
                    finished = true;
                    done.notify_one();
                };
                reactor.startProcess(std::move(spec), std::move(callbacks));
                std::unique_lock lock(mutex);
                done.wait(lock, [&] { return finished; });
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    failures = failed;
    return double(timer.nsecsElapsed()) / 1e9;
}

double ninjaRun(const QString &ninja, int jobs)
{
    QTemporaryDir dir;
    {
        std::ofstream out((dir.path() + "/build.ninja").toStdString());
        out << "rule t\n  command = true\n";
        for (int i = 0; i < kProcesses; ++i)
            out << "build o" << i << ": t\n";
    }
    QElapsedTimer timer;
    timer.start();
    QProcess process;
    process.setWorkingDirectory(dir.path());
    process.start(ninja, {"-j", QString::number(jobs), "--quiet"});
    process.waitForFinished(600000);
    double seconds = double(timer.nsecsElapsed()) / 1e9;
    return process.exitCode() == 0 ? seconds : -1;
}

} // namespace

class bench_ProcessReactor : public QObject
{
    Q_OBJECT

private slots:
    void throughput();
};

void bench_ProcessReactor::throughput()
{
    const QString ninja = QStandardPaths::findExecutable("ninja");
    ProcessReactor reactor;
    std::printf("%d processes of `true`; figures are processes per second\n", kProcesses);
    std::printf("%-6s %12s %14s %12s %12s\n", "jobs", "reactor", "reactor+sh", "bare spawn",
                "ninja");
    for (int jobs : {1, 2, 4}) {
        int failures = 0;
        double direct = reactorRun(reactor, jobs, "true", failures);
        QCOMPARE(failures, 0);
        double shell = reactorRun(reactor, jobs, "true > /dev/null", failures);
        QCOMPARE(failures, 0);
        double bare = weft::test::bareSpawnSeconds(kProcesses, jobs);
        double viaNinja = ninja.isEmpty() ? -1 : ninjaRun(ninja, jobs);
        std::printf("%-6d %12.0f %14.0f %12.0f %12.0f\n", jobs, kProcesses / direct,
                    kProcesses / shell, kProcesses / bare,
                    viaNinja > 0 ? kProcesses / viaNinja : 0.0);
        std::fflush(stdout);
    }
    QVERIFY(reactor.survivingProcessGroups().empty());
}

QTEST_GUILESS_MAIN(bench_ProcessReactor)
#include "bench_processreactor.moc"
