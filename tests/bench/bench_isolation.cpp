// SPDX-License-Identifier: Apache-2.0
// Isolation benchmark (issue 19). Prints figures; asserts nothing about time.
// Per-node cost of an isolated `noop` (the weft-op helper: spawn, request
// on stdin, run, exit) against a `process` node running /bin/true, both
// started through the same launcher in the same run of this program, at
// -j 1 and -j 4. Goal: isolated noop <= 1.2x /bin/true. Rounds alternate so
// drift on a shared machine hits both, and the best round of each is
// compared. The in-thread noop is printed for scale.

#include "weft/CompiledWorkflow.h"
#include "weft/Events.h"
#include "weft/Executor.h"
#include "weft/Workflow.h"

#include <QFileInfo>
#include <QDir>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace weft;

namespace {

constexpr int kCount = 300;
constexpr int kRounds = 7;

class TimingSink final : public EventSink
{
public:
    void runFinished(const RunFinished &e) override
    {
        wall = e.wall;
        ok = e.outcome == RunOutcome::Succeeded;
    }
    double wall = 0;
    bool ok = false;
};

std::shared_ptr<const CompiledWorkflow> workflow(const char *kind)
{
    Workflow wf;
    wf.nodes.reserve(kCount);
    for (int i = 0; i < kCount; ++i) {
        Node n;
        n.id = "n" + std::to_string(i);
        if (std::string(kind) == "true") {
            n.type = "process";
            n.params = {{"argv", {"/bin/true"}}};
        } else {
            n.type = "noop";
            n.isolation = std::string(kind) == "isolated" ? Isolation::Process : Isolation::Thread;
        }
        wf.nodes.push_back(std::move(n));
    }
    Diagnostics diagnostics;
    auto compiled = CompiledWorkflow::compile(std::make_shared<const Workflow>(std::move(wf)), diagnostics);
    if (!compiled)
        qFatal("benchmark workflow is invalid: %s", diagnostics.front().message.c_str());
    return compiled;
}

double timeOnce(const std::shared_ptr<const CompiledWorkflow> &compiled, int jobs)
{
    RunOptions options;
    options.jobs = jobs;
    Executor executor(options);
    TimingSink sink;
    executor.run(compiled, sink);
    if (!sink.ok)
        qFatal("benchmark run failed");
    return sink.wall;
}

} // namespace

class BenchIsolation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        const QString helper = QFileInfo(QStringLiteral(WEFT_CLI_PATH)).dir().filePath("weft-op");
        qputenv("WEFT_OP_HELPER", helper.toUtf8());
    }

    void isolatedNoopAgainstBinTrue()
    {
        const auto isolated = workflow("isolated");
        const auto binTrue = workflow("true");
        const auto thread = workflow("thread");
        for (int jobs : {1, 4}) {
            std::vector<double> a, b, c;
            timeOnce(isolated, jobs); // warm the page cache and the launcher's PATH cache
            timeOnce(binTrue, jobs);
            for (int round = 0; round < kRounds; ++round) {
                a.push_back(timeOnce(isolated, jobs));
                b.push_back(timeOnce(binTrue, jobs));
                c.push_back(timeOnce(thread, jobs));
            }
            const double isolatedPer = *std::min_element(a.begin(), a.end()) / kCount * 1e6;
            const double truePer = *std::min_element(b.begin(), b.end()) / kCount * 1e6;
            const double threadPer = *std::min_element(c.begin(), c.end()) / kCount * 1e6;
            std::printf("-j %d, %d nodes, best of %d: isolated noop %.0f us/node, "
                        "process /bin/true %.0f us/node, ratio %.2fx (goal <= 1.2x); "
                        "noop on a thread %.1f us/node\n",
                        jobs, kCount, kRounds, isolatedPer, truePer, isolatedPer / truePer,
                        threadPer);
            std::fflush(stdout);
        }
    }
};

QTEST_GUILESS_MAIN(BenchIsolation)
#include "bench_isolation.moc"
