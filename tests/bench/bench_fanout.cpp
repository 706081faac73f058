// SPDX-License-Identifier: Apache-2.0
// Fan-out benchmark (issue 14). Prints figures; asserts nothing about time.
// Per-instance overhead of a 10,000-instance fan-out of `noop` against
// 10,000 separate `noop` nodes in the same process, static (a literal list)
// and dynamic (a list a node reports when it finishes), each timed from
// the moment the items are known to the end of the run. Goal: <= 1.5x the
// per-node cost. Rounds alternate so drift on a shared machine hits all
// three, and the best round of each is compared.

#include "weft/CompiledWorkflow.h"
#include "weft/Events.h"
#include "weft/Executor.h"
#include "weft/Workflow.h"

#include <QTest>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace weft;

namespace {

constexpr int kCount = 10000;
constexpr int kRounds = 25;

// Remembers when the fan-out's items became known; counts nothing else.
class TimingSink final : public EventSink
{
public:
    void fanOutResolved(const FanOutResolved &e) override { resolvedAt = e.t; }
    void runFinished(const RunFinished &e) override
    {
        end = e.t;
        ok = e.outcome == RunOutcome::Succeeded;
    }
    double resolvedAt = 0; // 0 for a workflow without fan-out: the run's start
    double end = 0;
    bool ok = false;
};

std::shared_ptr<const CompiledWorkflow> compile(Workflow wf)
{
    Diagnostics diagnostics;
    auto compiled = CompiledWorkflow::compile(std::make_shared<const Workflow>(std::move(wf)), diagnostics);
    if (!compiled)
        qFatal("benchmark workflow is invalid: %s", diagnostics.front().message.c_str());
    return compiled;
}

std::vector<std::string> items()
{
    std::vector<std::string> list;
    list.reserve(kCount);
    for (int i = 0; i < kCount; ++i)
        list.push_back("item-" + std::to_string(i));
    return list;
}

Workflow separateNodes()
{
    Workflow wf;
    wf.nodes.reserve(kCount);
    for (int i = 0; i < kCount; ++i) {
        Node n;
        n.id = "n" + std::to_string(i);
        n.type = "noop";
        wf.nodes.push_back(std::move(n));
    }
    return wf;
}

Workflow staticFanOut()
{
    Workflow wf;
    Node n;
    n.id = "each";
    n.type = "noop";
    n.foreach = ForEach{ForEach::Kind::List, items(), {}};
    wf.nodes.push_back(std::move(n));
    return wf;
}

// The list comes from a node's declared outputs: a `noop` reports them as
// declared when it succeeds, so the source costs no process.
Workflow dynamicFanOut()
{
    Workflow wf;
    Node source;
    source.id = "scan";
    source.type = "noop";
    source.outputs["files"] = StringOrList(items());
    wf.nodes.push_back(std::move(source));
    Node n;
    n.id = "each";
    n.type = "noop";
    n.foreach = ForEach{ForEach::Kind::Reference, {}, "${scan.files}"};
    wf.nodes.push_back(std::move(n));
    return wf;
}

// Seconds from the items being known (or the start) to the end of the run.
double timeOnce(const std::shared_ptr<const CompiledWorkflow> &compiled, int jobs)
{
    RunOptions options;
    options.jobs = jobs;
    Executor executor(options);
    TimingSink sink;
    executor.run(compiled, sink);
    if (!sink.ok)
        qFatal("benchmark run failed");
    return sink.end - sink.resolvedAt;
}

// The best of the rounds: other processes on a shared machine only ever
// add time, so the minimum is the figure least disturbed by them.
double best(const std::vector<double> &v)
{
    return *std::min_element(v.begin(), v.end());
}

} // namespace

class BenchFanOut : public QObject
{
    Q_OBJECT

private slots:
    void perInstanceOverhead()
    {
        const auto nodes = compile(separateNodes());
        const auto fixed = compile(staticFanOut());
        const auto dynamic = compile(dynamicFanOut());
        for (int jobs : {1, 2}) {
            std::vector<double> n, s, d;
            timeOnce(nodes, jobs); // warm the arena and the allocator
            for (int round = 0; round < kRounds; ++round) {
                n.push_back(timeOnce(nodes, jobs));
                s.push_back(timeOnce(fixed, jobs));
                d.push_back(timeOnce(dynamic, jobs));
            }
            const double perNode = best(n) / kCount * 1e9;
            const double perStatic = best(s) / kCount * 1e9;
            const double perDynamic = best(d) / kCount * 1e9;
            std::printf("fan-out, -j %d, %d noop, best of %d: separate nodes %.0f ns/node; "
                        "static fan-out %.0f ns/instance (%.2fx); dynamic %.0f ns/instance (%.2fx) "
                        "[goal <= 1.5x]\n",
                        jobs, kCount, kRounds, perNode, perStatic, perStatic / perNode, perDynamic,
                        perDynamic / perNode);
        }
    }
};

QTEST_GUILESS_MAIN(BenchFanOut)
#include "bench_fanout.moc"
