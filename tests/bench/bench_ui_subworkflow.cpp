// SPDX-License-Identifier: Apache-2.0
// Subworkflows in the window (issue 19). Prints figures; asserts no timings.
// A workflow of 20 workflow nodes that each include one 500-node file
// (10,000 inner nodes, run as `sN/nI`) against the same 10,000 nodes written
// flat in one file, both run through the real MainWindow (offscreen, forced
// so every node runs):
// - startRun() on the GUI thread: the subworkflow document expands its
//   workflow nodes there before the run starts;
// - the longest stall of the GUI event loop during the run (a 1 ms timer
//   records the largest gap between its firings);
// - the wall time from Run to the final state shown (runShown).
// Rounds alternate (WEFT_BENCH_RUNS, 3); the best of each is compared.

#include "MainWindow.h"
#include "canvas/GraphScene.h"
#include "canvas/NodeItem.h"
#include "run/RunController.h"
#include "run/RunView.h"

#include <QElapsedTimer>
#include <QMessageBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

using namespace weft;
using namespace weft::ui;
using Json = nlohmann::json;

namespace {

constexpr int kInner = 500;
constexpr int kIncludes = 20;

// Node i of one file: a binary tree of noops, every tenth a write.
Json innerNode(int i, const std::string &prefix, const std::string &word)
{
    Json n = {{"id", prefix + "n" + std::to_string(i)}};
    if (i > 0)
        n["needs"] = {prefix + "n" + std::to_string((i - 1) / 2)};
    if (i % 10 == 0) {
        n["type"] = "write";
        n["params"] = {{"path", "out/" + word + "/" + std::to_string(i) + ".txt"},
                       {"text", word + " number " + std::to_string(i)}};
    } else {
        n["type"] = "noop";
    }
    return n;
}

struct Measured
{
    double startMs = 1e300;
    double stallMs = 1e300;
    double wallMs = 1e300;
};

} // namespace

class BenchUiSubworkflow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void includedAgainstFlat();
};

void BenchUiSubworkflow::includedAgainstFlat()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string base = dir.path().toStdString();
    {
        Json inner = {{"weft", 1}, {"nodes", Json::array()}};
        for (int i = 0; i < kInner; ++i)
            inner["nodes"].push_back(innerNode(i, "", "${params.word}"));
        std::ofstream(base + "/inner.weft") << inner.dump(1);
        Json outer = {{"weft", 1}, {"nodes", Json::array()}};
        Json flat = {{"weft", 1}, {"nodes", Json::array()}};
        for (int k = 0; k < kIncludes; ++k) {
            const std::string word = "w" + std::to_string(k);
            outer["nodes"].push_back({{"id", "s" + std::to_string(k)},
                                      {"type", "workflow"},
                                      {"position", {0, 80 * k}},
                                      {"params", {{"file", "inner.weft"}, {"params", {{"word", word}}}}}});
            for (int i = 0; i < kInner; ++i) {
                Json n = innerNode(i, "s" + std::to_string(k) + "_", word);
                n["position"] = {220 * (i % 50), 80 * (k * 10 + i / 50)};
                flat["nodes"].push_back(n);
            }
        }
        std::ofstream(base + "/outer.weft") << outer.dump(1);
        std::ofstream(base + "/flat.weft") << flat.dump(1);
    }

    MainWindow window;
    window.hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    window.resize(1280, 820);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    RunView *view = window.findChild<RunView *>();
    view->jobsBox()->setValue(4);

    QElapsedTimer gapClock;
    qint64 last = 0;
    double worstGap = 0;
    QTimer ticker;
    ticker.setInterval(1);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const qint64 now = gapClock.nsecsElapsed();
        worstGap = std::max(worstGap, double(now - last) / 1e6);
        last = now;
    });

    auto runOnce = [&](const QString &file, Measured &best) {
        if (!window.openFile(dir.filePath(file)))
            return false;
        QTest::qWait(50);
        QSignalSpy shown(view, &RunView::runShown);
        QElapsedTimer clock;
        clock.start();
        if (!view->startRun({}, /*force=*/true))
            return false;
        const double startMs = double(clock.nsecsElapsed()) / 1e6;
        worstGap = 0;
        gapClock.start();
        last = 0;
        ticker.start();
        const bool done = QTest::qWaitFor([&] { return shown.count() > 0; }, 300000);
        ticker.stop();
        const double wallMs = double(clock.nsecsElapsed()) / 1e6;
        if (!done || !view->controller()->finished()
            || view->controller()->finished()->outcome != RunOutcome::Succeeded)
            return false;
        best.startMs = std::min(best.startMs, startMs);
        best.stallMs = std::min(best.stallMs, worstGap);
        best.wallMs = std::min(best.wallMs, wallMs);
        std::printf("%-11s startRun() %.1f ms, longest stall %.1f ms, Run -> shown %.0f ms (%zu nodes run)\n",
                    qPrintable(file), startMs, worstGap, wallMs, view->controller()->nodes().size());
        return true;
    };

    const int runs = qEnvironmentVariableIsSet("WEFT_BENCH_RUNS")
                         ? qEnvironmentVariableIntValue("WEFT_BENCH_RUNS")
                         : 3;
    Measured flat, included;
    for (int r = 0; r < runs; ++r) {
        QVERIFY(runOnce(QStringLiteral("flat.weft"), flat));
        QVERIFY(runOnce(QStringLiteral("outer.weft"), included));
    }
    const NodeItem *first = window.scene()->nodeItem(QStringLiteral("s0"));
    QVERIFY(first);
    QCOMPARE(first->visualState().instancesDone, kInner + 0);
    std::printf("best of %d, %d workflow nodes x %d inner nodes against the same %d nodes flat:\n"
                "  startRun() on the GUI thread: %.1f ms against %.1f ms (%.2fx)\n"
                "  longest GUI stall during the run: %.1f ms against %.1f ms\n"
                "  Run -> final state shown: %.0f ms against %.0f ms (%.2fx)\n",
                runs, kIncludes, kInner, kIncludes * kInner, included.startMs, flat.startMs,
                included.startMs / flat.startMs, included.stallMs, flat.stallMs, included.wallMs,
                flat.wallMs, included.wallMs / flat.wallMs);
}

QTEST_MAIN(BenchUiSubworkflow)
#include "bench_ui_subworkflow.moc"
