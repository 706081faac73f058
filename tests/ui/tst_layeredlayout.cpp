// SPDX-License-Identifier: Apache-2.0
// LayeredLayout: layers point left to right, nodes of a layer do not
// overlap, cycles (an invalid document) do not hang it, output is
// deterministic.

#include <layout/LayeredLayout.h>

#include <QTest>

#include <random>

using namespace weft;
using namespace weft::ui;

class tst_LayeredLayout : public QObject
{
    Q_OBJECT

private:
    static Workflow chain(const std::vector<std::pair<std::string, std::vector<std::string>>> &spec)
    {
        Workflow w;
        for (const auto &[id, needs] : spec) {
            Node n;
            n.id = id;
            n.type = "noop";
            n.needs = needs;
            w.nodes.push_back(n);
        }
        return w;
    }

    static void checkLeftToRight(const Workflow &w, const LayoutResult &r)
    {
        QCOMPARE(r.positions.size(), w.nodes.size());
        for (std::size_t i = 0; i < w.nodes.size(); ++i) {
            for (const std::string &need : w.nodes[i].needs) {
                const auto from = std::size_t(w.indexOf(need));
                QVERIFY2(r.positions[from].x < r.positions[i].x,
                         (need + " -> " + w.nodes[i].id).c_str());
            }
        }
    }

    static void checkNoOverlap(const LayoutResult &r, double spacing)
    {
        std::map<double, std::vector<double>> columns;
        for (const Position &p : r.positions)
            columns[p.x].push_back(p.y);
        for (auto &[x, ys] : columns) {
            std::sort(ys.begin(), ys.end());
            for (std::size_t i = 1; i < ys.size(); ++i)
                QVERIFY2(ys[i] - ys[i - 1] >= spacing - 4, qPrintable(QString::number(x)));
        }
    }

private Q_SLOTS:
    void empty()
    {
        QVERIFY(layeredLayout(Workflow{}).positions.empty());
    }

    void shapes_data()
    {
        QTest::addColumn<int>("shape");
        QTest::newRow("chain") << 0;
        QTest::newRow("diamond") << 1;
        QTest::newRow("long edge") << 2;
        QTest::newRow("disconnected") << 3;
    }

    void shapes()
    {
        QFETCH(int, shape);
        Workflow w;
        switch (shape) {
        case 0: w = chain({{"a", {}}, {"b", {"a"}}, {"c", {"b"}}}); break;
        case 1: w = chain({{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}}); break;
        case 2: w = chain({{"a", {}}, {"b", {"a"}}, {"c", {"b"}}, {"d", {"c", "a"}}}); break;
        case 3: w = chain({{"a", {}}, {"b", {}}, {"c", {"a"}}, {"x", {}}}); break;
        }
        const LayoutResult r = layeredLayout(w);
        checkLeftToRight(w, r);
        checkNoOverlap(r, LayoutOptions{}.nodeSpacing);
        if (shape == 2) {
            QCOMPARE(r.layers[3], 3); // longest path, not the short a -> d edge
            QCOMPARE(r.dummyCount, std::size_t(2));
        }
    }

    void layersMakeRoomForWideNodes()
    {
        // a is wide (a long label), b beside it is not: the next layer starts
        // past a's right edge, and the one after that past c's.
        const Workflow w = chain({{"a", {}}, {"b", {}}, {"c", {"a"}}, {"d", {"c", "b"}}});
        LayoutOptions options;
        options.nodeWidths = {340, 180, 200, 180};
        const LayoutResult r = layeredLayout(w, options);
        checkLeftToRight(w, r);
        QCOMPARE(r.positions[0].x, 0.0);
        QCOMPARE(r.positions[1].x, 0.0);
        QCOMPARE(r.positions[2].x, 340 + options.layerGap);
        QCOMPARE(r.positions[3].x, 340 + options.layerGap + 200 + options.layerGap);
        for (std::size_t i = 0; i < w.nodes.size(); ++i) {
            for (const std::string &need : w.nodes[i].needs) {
                const auto from = std::size_t(w.indexOf(need));
                QVERIFY(r.positions[from].x + options.nodeWidths[from] + options.layerGap
                        <= r.positions[i].x);
            }
        }
        // Without widths every node is nodeWidth wide: the old fixed spacing.
        const LayoutResult plain = layeredLayout(w);
        QCOMPARE(plain.positions[3].x, 2 * (LayoutOptions{}.nodeWidth + LayoutOptions{}.layerGap));
    }

    void crossingsReduced()
    {
        // Two parallel chains fed in crossed input order: the sweeps untangle them.
        const Workflow w = chain({{"a1", {}}, {"a2", {}}, {"b2", {"a2"}}, {"b1", {"a1"}},
                                  {"c1", {"b1"}}, {"c2", {"b2"}}});
        const LayoutResult r = layeredLayout(w);
        auto y = [&](const char *id) { return r.positions[std::size_t(w.indexOf(id))].y; };
        QCOMPARE(y("a1") < y("a2"), y("b1") < y("b2"));
        QCOMPARE(y("b1") < y("b2"), y("c1") < y("c2"));
    }

    void cycleDoesNotHang()
    {
        const Workflow w = chain({{"a", {"c"}}, {"b", {"a"}}, {"c", {"b"}}, {"d", {"c"}}});
        const LayoutResult r = layeredLayout(w);
        QCOMPARE(r.positions.size(), std::size_t(4));
        QVERIFY(r.positions[3].x > r.positions[2].x);
    }

    void largeRandomDagIsLeftToRightAndDeterministic()
    {
        std::mt19937 rng(7);
        Workflow w;
        for (int i = 0; i < 2000; ++i) {
            Node n;
            n.id = "n" + std::to_string(i);
            n.type = "noop";
            for (int k = 0; k < 3 && i > 0; ++k) {
                const int from = std::uniform_int_distribution<int>(std::max(0, i - 60), i - 1)(rng);
                const std::string need = "n" + std::to_string(from);
                if (std::find(n.needs.begin(), n.needs.end(), need) == n.needs.end())
                    n.needs.push_back(need);
            }
            w.nodes.push_back(n);
        }
        const LayoutResult r = layeredLayout(w);
        checkLeftToRight(w, r);
        checkNoOverlap(r, LayoutOptions{}.nodeSpacing);
        const LayoutResult again = layeredLayout(w);
        QVERIFY(r.positions == again.positions);
    }
};

QTEST_GUILESS_MAIN(tst_LayeredLayout)
#include "tst_layeredlayout.moc"
