// SPDX-License-Identifier: Apache-2.0
// What references cost: 100,000 nodes whose strings hold 100,000 ${...}
// references, loaded, validated and expanded (every node, as a run would),
// against loading the same file with each `${` written `@{` (same bytes,
// no references). References must not make a workflow much slower to open:
// the target is at most 1.2x. A run expands a process node's references
// as it plans the node's launch (OperationType::launchExpands), so that is
// what the target line times, argv and command lines built; the expanded
// copy of the whole node, which an in-process operation's node still gets,
// is printed beside it. (An incremental run fingerprints a planned node
// through the expander too: IncrementalUnit::params.) Best of 7 each, taking turns; prints the figures,
// asserts correctness only, never timing.

#include "weft/Operation.h"
#include "weft/WorkflowFile.h"

#include "ValidatedNeeds.h"
#include "data/Expansion.h"

#include <QElapsedTimer>
#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unordered_map>

using namespace weft;

namespace {

constexpr int kNodes = 100'000;
constexpr int kRuns = 7;

// Every node a process that declares an output and reads the previous
// node's in its argv (spliced as an element) and its command (quoted):
// half the references in each form, one per node.
std::string generate(bool references)
{
    const std::string open = references ? "${" : "@{";
    std::string text = "{\n  \"weft\": 1,\n  \"nodes\": [\n";
    for (int i = 0; i < kNodes; ++i) {
        const std::string id = "step_" + std::to_string(i);
        const std::string prev = "step_" + std::to_string(i == 0 ? 0 : i - 1);
        text += "    {\"id\": \"" + id + "\", \"type\": \"process\", ";
        if (i > 0 && i % 2 == 0)
            text += "\"params\": {\"argv\": [\"cc\", \"-c\", \"" + open + prev
                    + ".obj}\", \"-o\", \"out/" + id + ".o\"]}, ";
        else if (i > 0)
            text += "\"params\": {\"command\": \"cc -c " + open + prev + ".obj} -o out/" + id
                    + ".o\"}, ";
        else
            text += "\"params\": {\"argv\": [\"cc\", \"-c\", \"src/a.c\", \"-o\", \"out/a.o\"]}, ";
        text += "\"outputs\": {\"obj\": \"out/" + id + ".o\"}}";
        text += i + 1 < kNodes ? ",\n" : "\n";
    }
    text += "  ]\n}\n";
    return text;
}

template<typename Fn>
double timed(Fn &&fn)
{
    QElapsedTimer timer;
    timer.start();
    fn();
    return double(timer.nsecsElapsed()) / 1e6;
}

} // namespace

class BenchReferences : public QObject
{
    Q_OBJECT

private slots:
    void loadValidateExpand();
};

void BenchReferences::loadValidateExpand()
{
    const std::string plain = generate(false);
    const std::string withReferences = generate(true);
    QCOMPARE(plain.size(), withReferences.size());
    const OperationType *process = OperationRegistry::builtin().find("process");

    // The phases take turns, so a machine that slows down for a while
    // (other builds, other benchmarks) slows all of them alike.
    auto loadPlain = [&] {
        const LoadResult loaded = parseWorkflow(plain);
        QVERIFY(loaded.ok());
    };
    auto loadReferences = [&] {
        const LoadResult loaded = parseWorkflow(withReferences);
        QVERIFY(loaded.ok());
    };
    const std::filesystem::path base = "/work/project";
    enum class Phase { Copy, ExpandNode, PlanLaunch };
    std::size_t expandedCount = 0;
    auto loadAndExpand = [&](Phase phase) {
        const LoadResult loaded = parseWorkflow(withReferences);
        QVERIFY(loaded.ok());
        const Workflow &w = *loaded.workflow;
        // Every predecessor finished and reported its declared outputs.
        const data::OutputsOf outputsOf = [&](std::string_view id) -> const NamedValues * {
            const std::size_t i = std::size_t(std::stoul(std::string(id.substr(5))));
            return &w.nodes[i].outputs;
        };
        // Which nodes expand, and whether their outputs or inputs do too:
        // what the validator found on its way, as the compiled run graph
        // takes it (ResolvedNeeds::expands, RunGraph::NodeInfo).
        const std::vector<char> &expands = loaded.resolvedNeeds->expands;
        QCOMPARE(expands.size(), w.nodes.size());
        expandedCount = 0;
        for (std::size_t i = 0; i < w.nodes.size(); ++i) {
            const Node &node = w.nodes[i];
            if (!expands[i])
                continue;
            switch (phase) {
            case Phase::Copy: {
                const Node copy = node; // what expandNode must return, unexpanded
                QVERIFY(!copy.id.empty());
                break;
            }
            case Phase::ExpandNode: {
                const data::Expanded e = data::expandNode(node, process, outputsOf);
                QVERIFY2(e.node, e.error.c_str());
                break;
            }
            case Phase::PlanLaunch: {
                QVERIFY(!(expands[i] & ResolvedNeeds::kExpandsOwnValues));
                const data::ExpandedLaunch e = data::launchExpanded(*process, node, base, outputsOf);
                QVERIFY2(e.error.empty(), e.error.c_str());
                QVERIFY(!e.launch.process.argv.empty() || !e.launch.process.command.empty());
                break;
            }
            }
            ++expandedCount;
        }
    };
    // What a run of the file without references plans for every node: the
    // part of the target line that is not the references' cost.
    auto loadAndPlanPlain = [&] {
        const LoadResult loaded = parseWorkflow(plain);
        QVERIFY(loaded.ok());
        for (const Node &node : loaded.workflow->nodes) {
            const Launch launch = process->launch(LaunchContext{node, base});
            QVERIFY(!launch.process.argv.empty() || !launch.process.command.empty());
        }
    };
    double baseline = 1e300, loadOnly = 1e300, copied = 1e300, expandedNodes = 1e300,
           planned = 1e300, plainPlanned = 1e300;
    for (int run = 0; run < kRuns; ++run) {
        baseline = std::min(baseline, timed(loadPlain));
        loadOnly = std::min(loadOnly, timed(loadReferences));
        copied = std::min(copied, timed([&] { loadAndExpand(Phase::Copy); }));
        expandedNodes = std::min(expandedNodes, timed([&] { loadAndExpand(Phase::ExpandNode); }));
        planned = std::min(planned, timed([&] { loadAndExpand(Phase::PlanLaunch); }));
        plainPlanned = std::min(plainPlanned, timed(loadAndPlanPlain));
    }
    QCOMPARE(expandedCount, std::size_t(kNodes - 1));

    std::printf("\n%d nodes, %d references, %.1f MB\n", kNodes, kNodes - 1,
                double(plain.size()) / 1e6);
    std::printf("  load+validate, no references                  %8.1f ms\n", baseline);
    std::printf("  load+validate, references                     %8.1f ms  (%.2fx)\n", loadOnly,
                loadOnly / baseline);
    std::printf("  ... and a copy of every such node             %8.1f ms  (%.2fx)\n", copied,
                copied / baseline);
    std::printf("  ... and every such node expanded whole        %8.1f ms  (%.2fx)\n",
                expandedNodes, expandedNodes / baseline);
    std::printf("  load+validate+expand, references, every launch planned\n"
                "                                                %8.1f ms  (%.2fx, target <= 1.2x)\n",
                planned, planned / baseline);
    std::printf("  load+validate, no references, every launch planned\n"
                "                                                %8.1f ms  (%.2fx)\n",
                plainPlanned, plainPlanned / baseline);
}

QTEST_GUILESS_MAIN(BenchReferences)
#include "bench_references.moc"
