// SPDX-License-Identifier: Apache-2.0
// Editor scale benchmark (offscreen). Prints figures; asserts no timings.
//
//  - a 10,000-node layered random DAG: parse + scene build + layout + first
//    paint, as opening a file does (the nodes show their ids, or with
//    WEFT_BENCH_LABELS=long a label each, too long for the widest box);
//  - the layered layout alone;
//  - repaints of the view while panning, at several zoom levels (median of
//    20 frames rendered into a QImage), with the BSP index and with NoIndex.

#include <Document.h>
#include <canvas/GraphScene.h>
#include <canvas/GraphView.h>
#include <canvas/NodeItem.h>
#include <layout/LayeredLayout.h>

#include <weft/WorkflowFile.h>

#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QTest>

#include <algorithm>
#include <optional>
#include <vector>
#include <cstdio>
#include <random>

using namespace weft;
using namespace weft::ui;

class bench_UiEditor : public QObject
{
    Q_OBJECT

private:
    static std::string generate(int nodeCount, int layers, bool labels)
    {
        std::mt19937 rng(42);
        Workflow w;
        w.name = "bench";
        const int perLayer = nodeCount / layers;
        for (int i = 0; i < nodeCount; ++i) {
            Node n;
            n.id = "n" + std::to_string(i);
            n.type = (i % 3 == 0) ? "noop" : (i % 3 == 1 ? "sleep" : "cpu");
            if (labels)
                n.label = "Compile translation unit " + std::to_string(i)
                    + " of the project with every warning enabled";
            if (n.type != "noop")
                n.params["seconds"] = 0.01;
            const int layer = i / perLayer;
            if (layer > 0) {
                const int fanIn = std::uniform_int_distribution<int>(1, 3)(rng);
                for (int k = 0; k < fanIn; ++k) {
                    // Mostly the previous layer, sometimes further back: long edges.
                    const int back = std::uniform_int_distribution<int>(0, 9)(rng) == 0 ? 3 : 1;
                    const int from = std::max(0, layer - back) * perLayer
                        + std::uniform_int_distribution<int>(0, perLayer - 1)(rng);
                    const std::string need = "n" + std::to_string(from);
                    if (std::find(n.needs.begin(), n.needs.end(), need) == n.needs.end())
                        n.needs.push_back(need);
                }
            }
            w.nodes.push_back(n);
        }
        return serializeWorkflow(w);
    }

    static double median(std::vector<double> v)
    {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    }

private Q_SLOTS:
    void editorAtScale()
    {
        const int nodes = 10000;
        const bool labels = qgetenv("WEFT_BENCH_LABELS") == "long";
        const std::string text = generate(nodes, 100, labels);
        std::printf("\n10,000-node workflow%s, %zu bytes of .weft text\n",
                    labels ? " with long labels" : "", text.size());

        QElapsedTimer total;
        total.start();
        QElapsedTimer t;
        t.start();
        LoadResult loaded = parseWorkflow(text);
        QVERIFY(loaded.ok());
        const double parseMs = t.nsecsElapsed() / 1e6;

        // As the window lays out a file with no positions: by the boxes' widths.
        t.restart();
        LayoutOptions options;
        options.nodeWidths = NodeItem::widthsFor(*loaded.workflow);
        const double widthsMs = t.nsecsElapsed() / 1e6;
        t.restart();
        const LayoutResult layout = layeredLayout(*loaded.workflow, options);
        const double layoutMs = t.nsecsElapsed() / 1e6;
        for (std::size_t i = 0; i < layout.positions.size(); ++i)
            loaded.workflow->nodes[i].position = layout.positions[i];

        Document doc;
        GraphScene scene(&doc);
        t.restart();
        doc.reset(*loaded.workflow, {});
        const double sceneMs = t.nsecsElapsed() / 1e6;
        QCOMPARE(scene.nodeCount(), nodes);

        GraphView view(&scene);
        view.resize(1280, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        t.restart();
        view.fitGraph();
        QImage frame(view.viewport()->size(), QImage::Format_ARGB32_Premultiplied);
        {
            QPainter painter(&frame);
            view.render(&painter);
        }
        const double firstPaintMs = t.nsecsElapsed() / 1e6;
        const double totalMs = total.nsecsElapsed() / 1e6;

        std::printf("%-42s %10s\n", "step", "ms");
        std::printf("%-42s %10.1f\n", "parse + validate (parseWorkflow)", parseMs);
        std::printf("%-42s %10.1f\n", "node widths for the layout (10k labels)", widthsMs);
        std::printf("%-42s %10.1f\n", "layered layout", layoutMs);
        std::printf("%-42s %10.1f\n", "scene build (10k nodes + edges)", sceneMs);
        std::printf("%-42s %10.1f\n", "fit + first paint", firstPaintMs);
        std::printf("%-42s %10.1f\n", "total: open to interactive", totalMs);
        std::printf("layout: %zu dummy nodes, %d layers, %d edges\n", layout.dummyCount,
                    *std::max_element(layout.layers.begin(), layout.layers.end()) + 1,
                    scene.edgeCount());

        // Layout alone, a few runs.
        std::vector<double> layoutRuns;
        for (int i = 0; i < 5; ++i) {
            t.restart();
            const LayoutResult again = layeredLayout(doc.workflow());
            layoutRuns.push_back(t.nsecsElapsed() / 1e6);
            QCOMPARE(again.positions.size(), std::size_t(nodes));
        }
        std::printf("%-42s %10.1f\n", "layered layout alone (median of 5)", median(layoutRuns));

        std::printf("\nrepaint while panning, 1280x800 viewport, median of 20 frames (ms)\n");
        std::printf("%-10s %12s %12s %14s\n", "zoom", "BSP index", "NoIndex", "visible nodes");
        const QRectF bounds = scene.nodesBoundingRect();
        // WEFT_BENCH_ZOOMS="1,2" measures only those levels (for a profiler).
        std::vector<qreal> zooms{0.03, 0.1, 0.25, 0.5, 1.0, 2.0};
        if (const QByteArray only = qgetenv("WEFT_BENCH_ZOOMS"); !only.isEmpty()) {
            zooms.clear();
            for (const QByteArray &z : only.split(','))
                zooms.push_back(z.toDouble());
        }
        for (const qreal zoom : zooms) {
            double perIndex[2] = {0, 0};
            int visible = 0;
            for (int idx = 0; idx < 2; ++idx) {
                scene.setItemIndexMethod(idx == 0 ? QGraphicsScene::BspTreeIndex
                                                  : QGraphicsScene::NoIndex);
                view.resetTransform();
                view.setZoom(zoom);
                view.centerOn(bounds.center());
                std::vector<double> frames;
                for (int f = 0; f < 20; ++f) {
                    view.centerOn(bounds.center() + QPointF(f * 40 / zoom, f * 10 / zoom));
                    QCoreApplication::processEvents(); // the scroll's own update
                    // The window's own paint path (paintEvent), not render():
                    // the view picks its painting mode there.
                    t.restart();
                    view.viewport()->repaint();
                    frames.push_back(t.nsecsElapsed() / 1e6);
                }
                perIndex[idx] = median(frames);
                // WEFT_BENCH_SHOTS=dir keeps the last frame of each zoom, to
                // see what the timed frames draw.
                if (const QString shots = qEnvironmentVariable("WEFT_BENCH_SHOTS");
                    !shots.isEmpty() && idx == 1) {
                    QPainter painter(&frame);
                    view.render(&painter);
                    painter.end();
                    frame.save(QStringLiteral("%1/zoom-%2.png").arg(shots).arg(zoom));
                }
                visible = int(scene.items(view.mapToScene(view.viewport()->rect())).size());
            }
            std::printf("%-10.2f %12.2f %12.2f %14d\n", zoom, perIndex[0], perIndex[1], visible);
        }
        scene.setItemIndexMethod(QGraphicsScene::NoIndex); // the scene's own choice

        // Crossing the overview threshold, through the event loop as a user's
        // zoom does: items change mode, then the first frame in the new mode.
        std::printf("\nzoom across the overview threshold, first frame (ms)\n");
        for (int i = 0; i < 3; ++i) {
            for (const qreal zoom : {1.0, 0.05}) {
                t.restart();
                view.setZoom(zoom);
                view.centerOn(bounds.center());
                view.viewport()->repaint();
                QCoreApplication::processEvents();
                std::printf("%s %-30s %10.1f\n", i == 0 ? "first" : "again",
                            zoom > 0.5 ? "overview -> 100 %" : "100 % -> overview",
                            t.nsecsElapsed() / 1e6);
            }
        }

        // A run view's batch at 100 %: 10,000 state changes through the id
        // map, then the frame that shows them (Qt's pass over the dirty
        // items and the repaint), each item marked on its own, then in a
        // StateBatch that repaints the scene once.
        view.setZoom(1.0);
        QCoreApplication::processEvents();
        const QStringList ids = [&] {
            QStringList list;
            for (int i = 0; i < nodes; ++i)
                list << QStringLiteral("n%1").arg(i);
            return list;
        }();
        std::printf("\n10,000 node states changed at 100 %%, then the frame     ms\n");
        const RunState states[] = {RunState::Running, RunState::Succeeded, RunState::Failed,
                                   RunState::Pending};
        for (int batched = 0; batched < 2; ++batched) {
            std::vector<double> set, frame;
            for (const RunState runState : states) {
                NodeVisualState state;
                state.runState = runState;
                t.restart();
                {
                    std::optional<GraphScene::StateBatch> batch;
                    if (batched)
                        batch.emplace(&scene);
                    for (const QString &id : ids)
                        scene.setNodeVisualState(id, state);
                }
                set.push_back(t.nsecsElapsed() / 1e6);
                t.restart();
                QCoreApplication::processEvents();
                frame.push_back(t.nsecsElapsed() / 1e6);
            }
            std::sort(set.begin(), set.end());
            std::sort(frame.begin(), frame.end());
            std::printf("%-42s %6.1f + %6.1f\n",
                        batched ? "in a StateBatch (median of 4)" : "item by item (median of 4)",
                        set[set.size() / 2], frame[frame.size() / 2]);
        }
    }
};

QTEST_MAIN(bench_UiEditor)
#include "bench_ui_editor.moc"
