// SPDX-License-Identifier: Apache-2.0
// The race linter on 100,000 nodes (goal: at most 2 s). Two designs: a
// compile-like lattice where every node reads its needs' outputs (ordered:
// the candidate pairs are many, the findings few), and the same lattice where
// every node also reads a node two layers back that it may or may not be
// ordered with (100,000 reachability questions from 100,000 distinct
// sources: the bitset sweep's worst case). Baseline, in the same run: the
// validator on the same workflow, which every load pays. Best of 3 each.
// Prints the figures; asserts correctness only, never timing.
#include "weft/Concurrency.h"
#include "weft/Lint.h"
#include "weft/Validator.h"
#include "weft/Workflow.h"

#include <QElapsedTimer>
#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <random>

using namespace weft;

namespace {

constexpr int kLayers = 100;
constexpr int kWidth = 1000;
constexpr int kRuns = 3;

std::string nodeId(int layer, int k)
{
    return "n" + std::to_string(layer) + "_" + std::to_string(k);
}

Workflow lattice(bool crossReads)
{
    std::mt19937 rng(7);
    Workflow w;
    w.nodes.reserve(std::size_t(kLayers) * kWidth);
    for (int layer = 0; layer < kLayers; ++layer) {
        for (int k = 0; k < kWidth; ++k) {
            Node n;
            n.id = nodeId(layer, k);
            n.type = "process";
            n.params = {{"command", "true"}};
            n.outputs["obj"] = StringOrList("out/" + n.id + ".o");
            if (layer > 0) {
                std::vector<std::string> files;
                for (int e = 0; e < 2; ++e) {
                    const int from = int(rng() % kWidth);
                    n.needs.push_back(nodeId(layer - 1, from));
                    files.push_back("out/" + nodeId(layer - 1, from) + ".o");
                }
                if (n.needs[0] == n.needs[1]) {
                    n.needs.pop_back();
                    files.pop_back();
                }
                if (crossReads && layer > 1)
                    files.push_back("out/" + nodeId(layer - 2, int(rng() % kWidth)) + ".o");
                n.inputs["src"] = StringOrList(files);
            }
            w.nodes.push_back(std::move(n));
        }
    }
    return w;
}

template<typename Fn>
double bestOf(Fn &&fn)
{
    double best = 1e300;
    for (int r = 0; r < kRuns; ++r) {
        QElapsedTimer timer;
        timer.start();
        fn();
        best = std::min(best, double(timer.nsecsElapsed()) / 1e9);
    }
    return best;
}

} // namespace

class BenchLint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lint100k_data()
    {
        QTest::addColumn<bool>("crossReads");
        QTest::newRow("ordered lattice") << false;
        QTest::newRow("lattice with cross reads") << true;
    }

    void lint100k()
    {
        QFETCH(bool, crossReads);
        const Workflow w = lattice(crossReads);
        std::size_t findings = 0;
        const double validate = bestOf([&] { QVERIFY(!hasErrors(validateWorkflow(w))); });
        const double lint = bestOf([&] { findings = lintWorkflow(w).size(); });
        if (!crossReads)
            QCOMPARE(findings, std::size_t(0));
        else
            QVERIFY(findings > 0);
        std::printf("bench_lint %-26s %zu nodes: lint %.3f s (goal <= 2 s), validate %.3f s, "
                    "lint/validate %.2fx, %zu findings\n",
                    QTest::currentDataTag(), w.nodes.size(), lint, validate, lint / validate, findings);
        std::fflush(stdout);
    }
};

QTEST_GUILESS_MAIN(BenchLint)
#include "bench_lint.moc"
