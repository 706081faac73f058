// SPDX-License-Identifier: Apache-2.0
// weft-cli run --shuffle SEED and weft-cli check --orders N through the real
// executable and the real event stream: one seed is one order at -j 1,
// seeds differ, limits hold under shuffling at several -j, and check finds a
// deliberately missing edge and nothing in a correct design.
#include "CliRun.h"

#include <QTemporaryDir>
#include <QtTest>

#include <set>

using weft::test::CliRun;
using weft::test::parseJsonLines;
using weft::test::runWeftCli;

namespace {

std::vector<std::string> runningOrder(const std::vector<nlohmann::json> &events)
{
    std::vector<std::string> order;
    for (const nlohmann::json &e : events) {
        if (e["event"] == "node_state" && e["state"] == "running")
            order.push_back(e["node"].get<std::string>());
    }
    return order;
}

} // namespace

class TestOrderCheck : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString copyFixture(const QString &name)
    {
        const QString to = m_dir.filePath(name);
        QFile::remove(to);
        if (!QFile::copy(QStringLiteral(WEFT_FIXTURES_DIR "/predict/") + name, to))
            return {};
        return to;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void oneSeedIsOneOrder()
    {
        const QString file = copyFixture("ordered.weft");
        std::set<std::vector<std::string>> orders;
        for (int seed = 1; seed <= 6; ++seed) {
            std::vector<std::string> first;
            for (int again = 0; again < 2; ++again) {
                const CliRun r = runWeftCli({"run", file, "-j", "1", "--shuffle", QString::number(seed),
                                             "--events", "jsonl", "--force"},
                                            m_dir.path());
                QCOMPARE(r.exitCode, 0);
                const std::vector<std::string> order = runningOrder(parseJsonLines(r.out));
                QCOMPARE(order.size(), std::size_t(5));
                if (again == 0)
                    first = order;
                else
                    QCOMPARE(order, first); // the same seed, the same order
            }
            // Needs still hold: gen before use, use and side before last.
            auto at = [&](const char *id) { return std::find(first.begin(), first.end(), id) - first.begin(); };
            QVERIFY(at("gen") < at("use"));
            QVERIFY(at("use") < at("last") && at("side") < at("last"));
            orders.insert(first);
        }
        QVERIFY2(orders.size() >= 3, "six seeds gave fewer than three orders");
    }

    void limitsHoldWhenShuffled_data()
    {
        QTest::addColumn<int>("jobs");
        QTest::newRow("-j 1") << 1;
        QTest::newRow("-j 2") << 2;
        QTest::newRow("-j 4") << 4;
    }

    void limitsHoldWhenShuffled()
    {
        QFETCH(int, jobs);
        const QString file = copyFixture("shuffle-mix.weft");
        for (int seed : {3, 11}) {
            const CliRun r = runWeftCli({"run", file, "-j", QString::number(jobs), "--shuffle",
                                         QString::number(seed), "--events", "jsonl"},
                                        m_dir.path());
            QCOMPARE(r.exitCode, 0);
            const auto events = parseJsonLines(r.out);
            // Overlap from the events alone: node_finished comes before the
            // slot and the units are released (DESIGN.md).
            int running = 0, maxRunning = 0, disk = 0, maxDisk = 0, finished = 0;
            std::set<std::string> started;
            for (const nlohmann::json &e : events) {
                const std::string node = e.value("node", "");
                if (node == "each") // the fan-out's aggregate holds no slot: its instances do
                    continue;
                const bool usesDisk = node.rfind("each[", 0) == 0 || node == "io";
                const int units = node == "io" ? 2 : 1;
                if (e["event"] == "node_state" && e["state"] == "running" && started.insert(node).second) {
                    maxRunning = std::max(maxRunning, ++running);
                    if (usesDisk)
                        maxDisk = std::max(maxDisk, disk += units);
                } else if (e["event"] == "node_finished") {
                    ++finished;
                    if (started.count(node)) {
                        --running;
                        if (usesDisk)
                            disk -= units;
                    }
                }
            }
            QVERIFY(maxRunning <= jobs);
            QVERIFY(maxDisk <= 2);
            QCOMPARE(finished, 10); // 4 nodes and 6 instances besides the aggregate
        }
    }

    void checkFindsTheMissingEdge()
    {
        const QString file = copyFixture("missing-edge.weft");
        QDir(m_dir.path()).mkpath("out");
        const CliRun r = runWeftCli({"check", file, "--orders", "20"}, m_dir.path());
        QCOMPARE(r.exitCode, 1);
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains("node 'use' depends on the order"), r.out.constData());
        QVERIFY(out.contains("suspected missing edge: gen -> use"));
        QVERIFY(out.contains("fix: add `needs: [gen]` to use"));
        QVERIFY(!out.contains("node 'gen' depends")); // only the node whose result differs
    }

    void checkFindsNothingInACorrectDesign()
    {
        const QString file = copyFixture("ordered.weft");
        QDir(m_dir.path()).mkpath("out");
        const CliRun r = runWeftCli({"check", file, "--orders", "20"}, m_dir.path());
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("20 orders, every node's result and declared outputs the same"),
                 r.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestOrderCheck)
#include "tst_ordercheck.moc"
