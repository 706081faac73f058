// SPDX-License-Identifier: Apache-2.0
// The engine's output sinks and report helpers that weft-cli (and the UI)
// print with, fed with synthetic events so every case is exact: the live
// status line, failure blocks, JSON lines escaping under concurrency, the
// Chrome trace, DOT quoting.

#include "weft/Dot.h"
#include "weft/JsonLinesSink.h"
#include "weft/RunReport.h"
#include "weft/StatusPrinter.h"
#include "weft/TraceRecorder.h"
#include "weft/Workflow.h"

#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QRegularExpression>
#include <QTest>

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <thread>

using namespace weft;
using Json = nlohmann::json;

namespace {

Workflow chain(const std::vector<std::string> &ids)
{
    Workflow w;
    w.name = "synthetic";
    for (const std::string &id : ids) {
        Node n;
        n.id = id;
        n.type = "noop";
        w.nodes.push_back(n);
    }
    return w;
}

QByteArray readAll(QTemporaryFile &file)
{
    file.flush();
    QFile in(file.fileName());
    if (!in.open(QIODevice::ReadOnly))
        return {};
    return in.readAll();
}

// Columns of UTF-8 text, one per code point.
int columns(const QByteArray &text)
{
    return QString::fromUtf8(text).toUcs4().size();
}

} // namespace

class TestCliSinks : public QObject {
    Q_OBJECT

private slots:
    void abbreviateList_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<QString>("expected");
        QTest::newRow("none") << 0 << "";
        QTest::newRow("one") << 1 << "n1";
        QTest::newRow("three") << 3 << "n1, n2, n3";
        QTest::newRow("four, all shown") << 4 << "n1, n2, n3, n4";
        QTest::newRow("five") << 5 << "n1, n2, n3, … and 2 more";
        QTest::newRow("twelve") << 12 << "n1, n2, n3, … and 9 more";
    }

    void abbreviateList()
    {
        QFETCH(int, count);
        QFETCH(QString, expected);
        std::vector<std::string> items;
        for (int i = 1; i <= count; ++i)
            items.push_back("n" + std::to_string(i));
        QCOMPARE(QString::fromStdString(weft::abbreviateList(items)), expected);
    }

    void formatSeconds_data()
    {
        QTest::addColumn<double>("seconds");
        QTest::addColumn<QString>("expected");
        QTest::newRow("microseconds") << 0.0000734 << "73 µs";
        QTest::newRow("under a microsecond") << 0.0000002 << "1 µs";
        QTest::newRow("milliseconds") << 0.0421 << "42.1 ms";
        QTest::newRow("short") << 0.354 << "0.35 s";
        QTest::newRow("zero") << 0.0 << "0.00 s";
        QTest::newRow("tens") << 14.23 << "14.2 s";
        QTest::newRow("minutes") << 185.0 << "3 min 05 s";
        QTest::newRow("hours") << 3720.0 << "1 h 02 min";
        QTest::newRow("negative") << -1.0 << "0.00 s";
        // Rounding never shows the next unit's worth in this one.
        QTest::newRow("just under a millisecond") << 0.0009997 << "1.0 ms";
        QTest::newRow("just under 100 ms") << 0.09997 << "0.10 s";
        QTest::newRow("just under 10 s") << 9.998 << "10.0 s";
    }

    void formatSeconds()
    {
        QFETCH(double, seconds);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(weft::formatSeconds(seconds)), expected);
    }

    void runSummaryLeavesOutZeroCounts()
    {
        const Workflow w = chain({ "fetch", "unpack", "build", "test" });
        RunFinished e;
        e.outcome = RunOutcome::Failed;
        e.counts[std::size_t(NodeState::Succeeded)] = 239;
        e.counts[std::size_t(NodeState::Failed)] = 1;
        e.counts[std::size_t(NodeState::Skipped)] = 12;
        e.wall = 14.2;
        e.work = 25.56;
        e.parallelism = 1.8;
        e.criticalPath = { 0, 1, 2, 3 };
        e.criticalPathDuration = 9.1;
        QCOMPARE(QString::fromStdString(formatRunSummary(e, w)),
            QStringLiteral("239 succeeded, 1 failed, 12 skipped in 14.2 s — work 25.6 s, "
                           "parallelism 1.8×, critical path 9.10 s: fetch → unpack → build → test"));
        QCOMPARE(QString::fromStdString(formatRunSummary(e, w, 0)),
            QStringLiteral("239 succeeded, 1 failed, 12 skipped in 14.2 s — work 25.6 s, "
                           "parallelism 1.8×, critical path 9.10 s (4 nodes)"));
        RunFinished none;
        QCOMPARE(QString::fromStdString(formatRunSummary(none, w)),
            QStringLiteral("0 succeeded in 0.00 s"));
    }

    void describeEnding_data()
    {
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("signal");
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("expected");
        QTest::newRow("exit") << 2 << ""
                              << "exited with status 2"
                              << "exit status 2";
        QTest::newRow("signal") << -1 << "SIGKILL"
                                << ""
                                << "killed by SIGKILL";
        QTest::newRow("timeout") << -1 << "SIGTERM"
                                 << "timed out after 3 s"
                                 << "killed by SIGTERM (timed out after 3 s)";
        QTest::newRow("in-process") << -1 << ""
                                    << "cannot read a.txt"
                                    << "cannot read a.txt";
    }

    void describeEnding()
    {
        QFETCH(int, exitCode);
        QFETCH(QString, signal);
        QFETCH(QString, error);
        QFETCH(QString, expected);
        NodeFinished e;
        e.outcome = NodeState::Failed;
        if (exitCode >= 0)
            e.exitCode = exitCode;
        e.signal = signal.toStdString();
        e.error = error.toStdString();
        QCOMPARE(QString::fromStdString(weft::describeEnding(e)), expected);
    }

    void dependencyLevels()
    {
        Workflow w = chain({ "a", "b", "c", "d", "e" });
        w.nodes[1].needs = { "a" };
        w.nodes[2].needs = { "a", "b" };
        w.nodes[3].needs = { "a" };
        const auto levels = weft::dependencyLevels(w);
        QCOMPARE(levels.size(), std::size_t(3));
        QCOMPARE(levels[0], (std::vector<std::size_t> { 0, 4 }));
        QCOMPARE(levels[1], (std::vector<std::size_t> { 1, 3 }));
        QCOMPARE(levels[2], (std::vector<std::size_t> { 2 }));
    }

    void liveStatusLineFitsTheTerminal()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        const Workflow w = chain({ "compile_a_rather_long_name", "compile_b_rather_long_name",
            "link_everything_together" });
        StatusPrinterOptions options;
        options.fd = file.handle();
        options.live = true;
        options.columns = [] { return 40; };
        options.minRedrawInterval = std::chrono::milliseconds(0);
        StatusPrinter printer(options);
        printer.runStarted({ 0, &w, 3, 4, 2 });
        for (NodeIndex i = 0; i < 3; ++i) {
            NodeStateChanged running;
            running.node = i;
            running.state = NodeState::Running;
            running.attempt = 1;
            printer.nodeStateChanged(running);
        }
        const QByteArray text = readAll(file);
        const QByteArray lastDraw = text.mid(text.lastIndexOf('\r') + 1);
        QVERIFY2(lastDraw.startsWith("[0/3] 3 running: compile_a_"), lastDraw.constData());
        QVERIFY2(lastDraw.endsWith("\x1b[K"), lastDraw.constData());
        const QByteArray visible = lastDraw.chopped(3);
        QVERIFY2(columns(visible) <= 39, visible.constData());
        static const QRegularExpression elapsed(QStringLiteral(" \\([0-9.]+ (s|ms|µs)\\)$"));
        QVERIFY2(visible.contains("…") && elapsed.match(QString::fromUtf8(visible)).hasMatch(),
                 visible.constData());
        QVERIFY(!visible.contains("\x1b[1m")); // no colour asked for
    }

    void liveRedrawsAreRateLimited()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        const Workflow w = chain({ "a", "b" });
        StatusPrinterOptions options;
        options.fd = file.handle();
        options.live = true;
        options.minRedrawInterval = std::chrono::hours(1);
        StatusPrinter printer(options);
        printer.runStarted({ 0, &w, 2, 2, 2 });
        for (int i = 0; i < 1000; ++i) {
            NodeStateChanged running;
            running.node = NodeIndex(i % 2);
            running.state = NodeState::Running;
            running.attempt = 1;
            printer.nodeStateChanged(running);
            printer.refresh();
        }
        // The first redraw happens at once; the next one would be due in an hour.
        QCOMPARE(readAll(file).count('\r'), 1);
    }

    void failureBlockNamesEverything()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        std::vector<std::string> ids { "build" };
        for (int i = 0; i < 12; ++i)
            ids.push_back("dep" + std::to_string(i));
        const Workflow w = chain(ids);
        StatusPrinterOptions options;
        options.fd = file.handle();
        StatusPrinter printer(options);
        printer.runStarted({ 0, &w, w.nodes.size(), 2, 2 });
        NodeStateChanged running;
        running.state = NodeState::Running;
        running.attempt = 1;
        running.pid = 42;
        printer.nodeStateChanged(running);
        OutputChunk chunk;
        chunk.text = "compiling\n";
        printer.output(chunk);

        NodeFinished failed;
        failed.node = 0;
        failed.outcome = NodeState::Failed;
        failed.exitCode = 2;
        failed.error = "exited with status 2";
        failed.command = "make -C src";
        failed.duration = 1.25;
        for (int i = 1; i <= 30; ++i)
            failed.stderrTail += "err " + std::to_string(i) + "\n";
        printer.nodeFinished(failed);
        for (NodeIndex i = 1; i < w.nodes.size(); ++i) {
            NodeFinished skipped;
            skipped.node = i;
            skipped.outcome = NodeState::Skipped;
            skipped.causeNode = "build";
            skipped.error = "build failed";
            printer.nodeFinished(skipped);
        }
        RunFinished finished;
        finished.outcome = RunOutcome::Failed;
        finished.counts[std::size_t(NodeState::Failed)] = 1;
        finished.counts[std::size_t(NodeState::Skipped)] = 12;
        finished.wall = 1.5;
        printer.runFinished(finished);

        const QString out = QString::fromUtf8(readAll(file));
        QVERIFY2(out.contains("[1/13] FAILED build: exit status 2 (1.25 s)\ncommand: make -C "
                              "src\ncompiling\n"),
            qPrintable(out));
        QVERIFY2(out.contains("✗ build failed: exit status 2 after 1.25 s\n"
                              "    command: make -C src\n"
                              "    stderr (last 20 lines):\n"
                              "      │ err 11\n"),
            qPrintable(out));
        QVERIFY(!out.contains("│ err 10\n"));
        QVERIFY(out.contains("│ err 30\n"));
        QVERIFY(!out.contains("error: exited with status 2")); // says nothing new
        QVERIFY2(out.contains("skipped 12 nodes because of it: dep0, dep1, dep2, … and 9 more"),
            qPrintable(out));
        QVERIFY2(out.endsWith("0 succeeded, 1 failed, 12 skipped in 1.50 s\n"), qPrintable(out));
    }

    void jsonLinesEscapeEverything()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        const Workflow w = chain({ "we\"ird" });
        {
            JsonLinesSink sink(file.handle());
            sink.runStarted({ 0, &w, 1, 1, 1 });
            OutputChunk chunk;
            const std::string text = "q\"b\\s\nnl\x01 \xff é \xe2\x82";
            chunk.text = text;
            chunk.stream = OutputStream::Stderr;
            sink.output(chunk);
            NodeFinished finished;
            finished.outcome = NodeState::Failed;
            finished.signal = "SIGKILL";
            sink.nodeFinished(finished);
        }
        const QList<QByteArray> lines = readAll(file).split('\n');
        QCOMPARE(lines.size(), 4); // three lines and the final newline
        const Json output = Json::parse(lines[1].toStdString());
        QCOMPARE(output["node"].get<std::string>(), std::string("we\"ird"));
        QCOMPARE(output["stream"].get<std::string>(), std::string("stderr"));
        QCOMPARE(output["text"].get<std::string>(),
            std::string("q\"b\\s\nnl\x01 \xEF\xBF\xBD é \xEF\xBF\xBD\xEF\xBF\xBD"));
        const Json finished = Json::parse(lines[2].toStdString());
        QVERIFY(finished["exit_code"].is_null());
        QVERIFY(finished["error"].is_null());
        QCOMPARE(finished["signal"].get<std::string>(), std::string("SIGKILL"));
        QVERIFY(lines[0].startsWith("{\"event\":\"run_started\",\"t\":0,"));
    }

    void jsonLinesNeverInterleave()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        std::vector<std::string> ids;
        for (int i = 0; i < 4; ++i)
            ids.push_back("node" + std::to_string(i));
        const Workflow w = chain(ids);
        constexpr int perThread = 2000;
        {
            JsonLinesSink sink(file.handle());
            sink.runStarted({ 0, &w, 4, 4, 4 });
            std::vector<std::thread> threads;
            for (int t = 0; t < 4; ++t) {
                threads.emplace_back([&sink, t] {
                    const std::string text(100 + t, char('a' + t));
                    for (int i = 0; i < perThread; ++i) {
                        OutputChunk chunk;
                        chunk.node = NodeIndex(t);
                        chunk.t = i;
                        chunk.text = text;
                        sink.output(chunk);
                    }
                });
            }
            for (std::thread &thread : threads)
                thread.join();
        }
        std::map<std::string, int> perNode;
        const QList<QByteArray> lines = readAll(file).split('\n');
        for (int i = 1; i < lines.size() - 1; ++i) {
            const Json j = Json::parse(lines[i].toStdString(), nullptr, false);
            QVERIFY2(!j.is_discarded(), lines[i].constData());
            const std::string node = j["node"];
            const int t = node.back() - '0';
            QCOMPARE(j["text"].get<std::string>(), std::string(100 + t, char('a' + t)));
            ++perNode[node];
        }
        QCOMPARE(perNode.size(), std::size_t(4));
        for (const auto &[node, count] : perNode)
            QCOMPARE(count, perThread);
    }

    void traceHasOneEventPerAttempt()
    {
        const Workflow w = chain({ "flaky", "steady", "orphan" });
        TraceRecorder recorder;
        recorder.runStarted({ 0, &w, 3, 2, 2 });
        auto attempt
            = [&](NodeIndex node, int number, double start, double end, int slot, bool ok) {
                  AttemptFinished a;
                  a.node = node;
                  a.attempt = number;
                  a.start = start;
                  a.end = end;
                  a.slot = slot;
                  a.ok = ok;
                  recorder.attemptFinished(a);
              };
        attempt(0, 1, 0.0, 0.5, 0, false);
        attempt(1, 1, 0.0, 1.0, 1, true);
        attempt(0, 2, 0.6, 1.2, 0, true);
        attempt(2, 1, 0.1, 0.2, -1, true);
        NodeFinished f;
        f.node = 0;
        f.outcome = NodeState::Succeeded;
        f.attempts = 2;
        recorder.nodeFinished(f);
        QCOMPARE(recorder.attemptCount(), std::size_t(4));

        const Json trace = Json::parse(recorder.toJson());
        std::map<int, std::string> laneNames;
        std::vector<Json> complete;
        for (const Json &e : trace["traceEvents"]) {
            if (e["ph"] == "M" && e["name"] == "thread_name")
                laneNames[e["tid"].get<int>()] = e["args"]["name"];
            if (e["ph"] == "X")
                complete.push_back(e);
        }
        QCOMPARE(laneNames,
            (std::map<int, std::string> { { 1, "slot 1" }, { 2, "slot 2" }, { 3, "no slot" } }));
        QCOMPARE(complete.size(), std::size_t(4));
        for (const Json &e : complete) {
            if (e["name"] == "flaky" && e["args"]["attempt"] == 1) {
                QCOMPARE(e["ts"].get<long>(), 0L);
                QCOMPARE(e["dur"].get<long>(), 500000L);
                QCOMPARE(e["tid"].get<int>(), 1);
                QCOMPARE(e["args"]["outcome"].get<std::string>(), std::string("failed"));
            } else if (e["name"] == "flaky") {
                QCOMPARE(e["ts"].get<long>(), 600000L);
                QCOMPARE(e["args"]["outcome"].get<std::string>(), std::string("succeeded"));
            } else if (e["name"] == "steady") {
                QCOMPARE(e["tid"].get<int>(), 2);
            } else {
                QCOMPARE(e["tid"].get<int>(), 3);
            }
        }

        QTemporaryDir dir;
        const std::string path = dir.filePath("t.json").toStdString();
        QVERIFY(recorder.writeTo(path).ok);
        QFile written(QString::fromStdString(path));
        QVERIFY(written.open(QIODevice::ReadOnly));
        QCOMPARE(written.readAll().toStdString(), recorder.toJson());
    }

    void dotQuotesEverything()
    {
        Workflow w = chain({ "a.b-c", "node" });
        w.name = "say \"x\"";
        w.nodes[0].label = "back\\slash \"q\"\nline";
        w.nodes[1].needs = { "a.b-c" };
        const std::string dot = toDot(w);
        QVERIFY2(dot.rfind("digraph \"say \\\"x\\\"\" {\n", 0) == 0, dot.c_str());
        QVERIFY(dot.find("rankdir=LR;") != std::string::npos);
        QVERIFY2(dot.find("\"a.b-c\" [label=\"back\\\\slash \\\"q\\\"\\nline\\na.b-c\\n(noop)\"")
                != std::string::npos,
            dot.c_str());
        QVERIFY(dot.find("\"a.b-c\" -> \"node\";") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestCliSinks)
#include "tst_cli_sinks.moc"
