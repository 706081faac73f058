// SPDX-License-Identifier: Apache-2.0
// Subworkflows, end to end through the real weft-cli: a `workflow` node's
// file expanded into the run (ids outer/inner in the events), parameters
// passed in, exported outputs used outside, its needs and dependants, a
// nested inclusion, and the errors: files including each other, a
// parameter not passed, an error inside the included file.

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "CliRun.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

using Json = nlohmann::json;

namespace {

using weft::test::finishedByNode;
using weft::test::outputOf;
using weft::test::parseJsonLines;
using weft::test::runWeftCli;

const QString kFixtures = QStringLiteral(WEFT_FIXTURES_DIR "/subworkflow");

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

// When each node started and finished, from the events.
std::map<std::string, std::pair<double, double>> spans(const std::vector<Json> &events)
{
    std::map<std::string, std::pair<double, double>> result;
    for (const Json &e : events) {
        if (e["event"] == "node_state" && e["state"] == "running")
            result[e["node"].get<std::string>()].first = e["t"].get<double>();
        if (e["event"] == "node_finished")
            result[e["node"].get<std::string>()].second = e["t"].get<double>();
    }
    return result;
}

} // namespace

class TestSubworkflow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

    QString freshCopy()
    {
        static int n = 0;
        const QString dir = m_tmp.path() + "/run" + QString::number(++n);
        std::filesystem::copy(kFixtures.toStdString(), dir.toStdString(),
            std::filesystem::copy_options::recursive);
        return dir;
    }

private Q_SLOTS:
    void expandsParamsAndExports()
    {
        const QString dir = freshCopy();
        const auto r = runWeftCli({ "run", "main.weft", "--events", "jsonl", "-j", "4" }, dir);
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 0);
        const auto events = parseJsonLines(r.out);
        QVERIFY(!events.empty());
        QCOMPARE(events.front()["nodes"].get<int>(), 6); // prep, lib/w, lib/c, lib/h, lib, after
        const auto finished = finishedByNode(events);
        for (const char *id : { "prep", "lib/w", "lib/c", "lib/h", "lib", "after" }) {
            QVERIFY2(finished.count(id), id);
            QCOMPARE(finished.at(id)["outcome"].get<std::string>(), std::string("succeeded"));
        }
        // The parameter reached the inner node byte for byte, quotes and ';' included.
        QCOMPARE(readFile(dir + "/out/greeting.txt"), QByteArray("hello; it's \"quoted\"\n"));
        // A parameter that is a reference to an outer node: its value, and its need.
        QCOMPARE(readFile(dir + "/out/copied.txt"), QByteArray("from the outside\n"));
        // Exports: ${lib.copied} and ${lib.digest} (a list of two) outside.
        const Json digests = finished.at("lib/h")["outputs"]["digest"];
        QCOMPARE(digests.size(), std::size_t(2));
        QCOMPARE(outputOf(events, "after"),
            "out/copied.txt " + digests[0].get<std::string>() + " " + digests[1].get<std::string>() + "\n");
        // Needs: inner roots after the workflow node's needs, dependants after its sinks.
        const auto t = spans(events);
        QVERIFY(t.at("lib/c").first >= t.at("prep").second);
        QVERIFY(t.at("lib/w").first >= t.at("prep").second);
        QVERIFY(t.at("after").first >= t.at("lib/h").second);
        QVERIFY(t.at("lib").first >= t.at("lib/h").second);
    }

    void nested()
    {
        const QString dir = freshCopy();
        const auto r = runWeftCli({ "run", "nested.weft", "--events", "jsonl" }, dir);
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 0);
        const auto events = parseJsonLines(r.out);
        const auto finished = finishedByNode(events);
        for (const char *id : { "outer/prep", "outer/inner/w", "outer/inner/c", "outer/inner/h",
                 "outer/inner", "outer", "show" })
            QVERIFY2(finished.count(id), id);
        QCOMPARE(readFile(dir + "/out/greeting.txt"), QByteArray("deep down\n"));
        QCOMPARE(readFile(dir + "/out/copied.txt"), QByteArray("deep\n"));
        QCOMPARE(outputOf(events, "show").size(), std::size_t(2 * 64 + 2));
    }

    // foreach on a workflow node: the file once per item, as each[i]/ID, the
    // item in its parameters; the exports are lists in item order.
    void fanOutOverAWorkflowNode()
    {
        const QString dir = freshCopy();
        const auto r = runWeftCli({ "run", "fan-out.weft", "--events", "jsonl", "-j", "3" }, dir);
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 0);
        const auto events = parseJsonLines(r.out);
        QCOMPARE(events.front()["nodes"].get<int>(), 12); // prep, 3 × (c, h, each[i]), each, show
        const auto finished = finishedByNode(events);
        for (const char *id : { "each[0]/c", "each[0]/h", "each[0]", "each[1]/c", "each[2]/h", "each" })
            QVERIFY2(finished.count(id), id);
        // Items sorted, the item's stem and index in the parameters; a name
        // with a space reaches the program as one argument.
        QCOMPARE(readFile(dir + "/out/each/0-a one.copy"), QByteArray("alpha\n"));
        QCOMPARE(readFile(dir + "/out/each/2-c.copy"), QByteArray("gamma\n"));
        QCOMPARE(outputOf(events, "show"),
            std::string("out/each/0-a one.copy|out/each/1-b.copy|out/each/2-c.copy|"));
        const Json digests = finished.at("each")["outputs"]["digest"];
        QCOMPARE(digests.size(), std::size_t(3));
        for (int k = 0; k < 3; ++k) {
            Json own = finished.at("each[" + std::to_string(k) + "]/h")["outputs"]["digest"];
            if (own.is_array())
                own = own.at(0);
            QVERIFY(digests[std::size_t(k)] == own);
        }
        // Every item after the node's needs; the node after every item.
        const auto t = spans(events);
        for (const char *id : { "each[0]/c", "each[1]/c", "each[2]/c" })
            QVERIFY(t.at(id).first >= t.at("prep").second);
        for (const char *id : { "each[0]/h", "each[1]/h", "each[2]/h" })
            QVERIFY(t.at("each").first >= t.at(id).second);
    }

    void fanOutOverNothingSucceeds()
    {
        const QString dir = freshCopy();
        const auto r = runWeftCli({ "run", "fan-out-empty.weft", "--events", "jsonl" }, dir);
        QCOMPARE(r.exitCode, 0);
        const auto events = parseJsonLines(r.out);
        const auto finished = finishedByNode(events);
        QCOMPARE(finished.at("each")["outcome"].get<std::string>(), std::string("succeeded"));
        QVERIFY(finished.at("each")["outputs"]["copy"] == Json::array());
        QCOMPARE(outputOf(events, "show"), std::string("items:\n"));
    }

    void dryRunNamesInnerNodes()
    {
        const auto r = runWeftCli({ "run", "main.weft", "--dry-run", "--events", "jsonl" }, kFixtures);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("\"lib/h\""));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::newRow("include cycle")
            << "cycle-a.weft"
            << "workflows include each other: cycle-a.weft → cycle-b.weft → cycle-a.weft";
        QTest::newRow("parameter not passed")
            << "missing-param.weft"
            << "parts/lib.weft:6:55: error: parameter \"src\" is not passed: workflow node lib in missing-param.weft";
        QTest::newRow("error inside the included file")
            << "inner-error.weft" << "parts/broken.weft:5:";
        QTest::newRow("fan-out over a list known only during the run")
            << "fan-out-dynamic.weft"
            << "fan-out-dynamic.weft:8:7: error: a workflow node fans out over a list or a glob, known "
               "before the run; ${scan.files} is known only during it";
    }

    void errors()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        const auto r = runWeftCli({ "validate", file }, kFixtures);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(QString::fromUtf8(r.err).contains(expected), r.err.constData());
        const auto run = runWeftCli({ "run", file }, kFixtures);
        QCOMPARE(run.exitCode, 2);
    }

    void slashIsNotForWrittenIds()
    {
        QTemporaryDir dir;
        QFile f(dir.path() + "/w.weft");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(
            Json({ { "weft", 1 }, { "nodes", { { { "id", "a/b" }, { "type", "noop" } } } } }).dump()));
        f.close();
        const auto r = runWeftCli({ "validate", "w.weft" }, dir.path());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("kept for the nodes of a subworkflow"), r.err.constData());
        // "[N]" too: it names one item of a workflow node's fan-out.
        QFile g(dir.path() + "/g.weft");
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write(QByteArray::fromStdString(
            Json({ { "weft", 1 }, { "nodes", { { { "id", "a[1]" }, { "type", "noop" } } } } }).dump()));
        g.close();
        const auto bracket = runWeftCli({ "validate", "g.weft" }, dir.path());
        QCOMPARE(bracket.exitCode, 2);
        QVERIFY2(bracket.err.contains("kept for the nodes of a subworkflow"), bracket.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestSubworkflow)
#include "tst_subworkflow.moc"
