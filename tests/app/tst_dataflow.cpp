// SPDX-License-Identifier: Apache-2.0
// Data between nodes and fan-out, end to end (DESIGN.md, "Outputs and
// references", "Fan-out"): the real weft-cli runs real processes on real
// files, and the tests read what the programs received (their output, byte
// for byte) and the JSON-lines event stream.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "CliRun.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <map>
#include <set>
#include <sys/types.h>

using Json = nlohmann::json;

namespace {

using weft::test::finishedByNode;
using weft::test::outcomes;
using weft::test::outputOf;
using weft::test::parseJsonLines;
using weft::test::processGone;

struct CliResult : weft::test::CliRun {
    std::vector<Json> events;
};

// Everything a node (or instance) wrote on stdout, in order.
} // namespace

class TestDataflow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

    // The workflows live in tests/fixtures/dataflow: moc cannot read raw
    // string literals with quotes in them.
    static QByteArray fixture(const char *name)
    {
        QFile f(QStringLiteral(WEFT_FIXTURES_DIR "/dataflow/") + name);
        if (!f.open(QIODevice::ReadOnly))
            qFatal("cannot read fixture %s", name);
        return f.readAll();
    }

    // A fresh directory holding `weft` as flow.weft.
    QString workspace(const QByteArray &weft)
    {
        static int counter = 0;
        const QString dir = m_tmp.filePath(QStringLiteral("case%1").arg(++counter));
        QDir().mkpath(dir);
        writeFile(dir + "/flow.weft", weft);
        return dir;
    }

    static void writeFile(const QString &path, const QByteArray &text)
    {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        f.write(text);
    }

    static CliResult runCli(const QString &dir, QStringList extra = {})
    {
        CliResult result;
        static_cast<weft::test::CliRun &>(result) = weft::test::runWeftCli(
            QStringList{ "run", dir + "/flow.weft", "--events", "jsonl" } + extra, dir);
        result.events = parseJsonLines(result.out);
        return result;
    }

    // The names a fan-out must carry through untouched.
    static QStringList hostileNames()
    {
        return { "a b; rm -rf x", "it's", "\"q\"", "$(touch pwned)", "new\nline", "-rf",
                 "`touch pwned2`", "back\\slash", "tab\there" };
    }

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    // Every reference form reaches the program as the value, byte for byte.
    void referenceForms()
    {
        const QString dir = workspace(fixture("reference-forms.weft"));
        const CliResult r = runCli(dir, { "-j", "2" });
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        const auto finished = finishedByNode(r.events);
        const std::string digest = finished.at("sum")["outputs"]["digest"].get<std::string>();
        QCOMPARE(digest.size(), std::size_t(64));
        QCOMPARE(outputOf(r.events, "show"),
                 "<out/made.txt>\n<" + digest
                     + ">\n<one>\n<two>\n<w=one two>\n<x y>\n<out/report.txt>\n<${make.path}>\n<cost $5>\n");
        QCOMPARE(outputOf(r.events, "each[0]"),
                 std::string("<dir/file.tar.gz>\n<file.tar.gz>\n<file.tar>\n<0>\n"));
        QCOMPARE(outputOf(r.events, "each[1]"), std::string("<plain>\n<plain>\n<plain>\n<1>\n"));
        // A reference implies the need: show started after emit finished.
        double emitEnd = -1, showStart = -1;
        for (const Json &e : r.events) {
            if (e["event"] == "node_finished" && e["node"] == "emit")
                emitEnd = e["t"].get<double>();
            if (e["event"] == "node_state" && e["node"] == "show" && e["state"] == "running")
                showStart = e["t"].get<double>();
        }
        QVERIFY(emitEnd >= 0 && showStart >= emitEnd);
    }

    // Hostile file names through a glob fan-out, into argv and into a shell
    // command, one by one and as a whole list: each reaches the program as
    // one argument, and nothing else runs.
    void injectionThroughArgvAndCommand_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("argv") << "injection-argv.weft";
        QTest::newRow("command") << "injection-command.weft";
        QTest::newRow("command, list reference") << "injection-list.weft";
    }
    void injectionThroughArgvAndCommand()
    {
        QFETCH(QString, file);
        const bool wholeList = file == "injection-list.weft";
        const QString dir = workspace(fixture(qPrintable(file)));
        // `x` must survive an `rm -rf x` that is never run.
        writeFile(dir + "/x/keep", "keep");
        QStringList names = hostileNames();
        if (wholeList)
            names.removeAll("new\nline"); // an `::output` value is one line
        for (const QString &name : names)
            writeFile(dir + "/in/" + name, "data");
        const CliResult r = runCli(dir, { "-j", "4" });
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        QVERIFY(QFile::exists(dir + "/x/keep"));
        QVERIFY(!QFile::exists(dir + "/pwned") && !QFile::exists(dir + "/pwned2"));

        std::vector<std::string> sorted;
        for (const QString &name : names)
            sorted.push_back(name.toStdString());
        std::sort(sorted.begin(), sorted.end());
        if (wholeList) {
            std::string expected;
            for (const std::string &name : sorted)
                expected += "<" + name + ">\n";
            QCOMPARE(outputOf(r.events, "use"), expected);
            return;
        }
        for (std::size_t k = 0; k < sorted.size(); ++k) {
            const std::string id = "use[" + std::to_string(k) + "]";
            QCOMPARE(outputOf(r.events, id), "<in/" + sorted[k] + ">\n");
        }
    }

    // A scan emits a list at run time; a fan-out maps over it; a link gets
    // every instance's output in index order. The same at -j 1 and -j 4.
    void dynamicFanOutSameAtAnyJobs()
    {
        const QString dir = workspace(fixture("dynamic-fan-out.weft"));
        std::map<std::string, std::string> first;
        for (const QString &jobs : { QStringLiteral("1"), QStringLiteral("4") }) {
            QDir(dir + "/out").removeRecursively();
            const CliResult r = runCli(dir, { "-j", jobs });
            QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
            QCOMPARE(outputOf(r.events, "link"),
                     std::string("<out/alpha.o>\n<out/beta.o>\n<out/gamma.o>\n<out/delta.o>\n<out/e psilon.o>\n"));
            QVERIFY(QFile::exists(dir + "/out/e psilon.o"));
            const auto states = outcomes(r.events);
            QCOMPARE(states.size(), std::size_t(4 + 5 + 3));
            if (first.empty())
                first = states;
            else
                QCOMPARE(states, first);
            // Every instance names its node and item, and -j bounds them.
            int running = 0, most = 0;
            for (const Json &e : r.events) {
                if (e["event"] == "node_finished" && e.contains("instance_of")) {
                    QVERIFY(e.contains("item"));
                    QVERIFY(e["node"].get<std::string>().starts_with(e["instance_of"].get<std::string>() + "["));
                }
                if (e["event"] == "node_state" && e["state"] == "running" && !e.contains("instances"))
                    most = std::max(most, ++running);
                if (e["event"] == "attempt_finished")
                    --running;
            }
            QVERIFY(most <= jobs.toInt());
            const Json &last = r.events.back();
            QCOMPARE(last["event"].get<std::string>(), std::string("run_finished"));
            QCOMPARE(last["instance_counts"]["succeeded"].get<int>(), 8);
            QCOMPARE(last["counts"]["succeeded"].get<int>(), 4);
        }
    }

    void failingInstance_data()
    {
        QTest::addColumn<bool>("keepGoing");
        QTest::newRow("stop") << false;
        QTest::newRow("keep-going") << true;
    }
    // One instance fails: the node fails with it, its dependants are
    // skipped naming the instance; under -k the other instances and an
    // independent node still run.
    void failingInstance()
    {
        QFETCH(bool, keepGoing);
        const QString dir = workspace(fixture("failing-instance.weft"));
        QStringList args{ "-j", "1" };
        if (keepGoing)
            args << "-k";
        const CliResult r = runCli(dir, args);
        QVERIFY(!r.crashed);
        QCOMPARE(r.exitCode, 1);
        const auto f = finishedByNode(r.events);
        QCOMPARE(f.at("check[1]")["outcome"].get<std::string>(), std::string("failed"));
        QCOMPARE(f.at("check[1]")["exit_code"].get<int>(), 1);
        QCOMPARE(f.at("check")["outcome"].get<std::string>(), std::string("failed"));
        QCOMPARE(f.at("check")["cause"].get<std::string>(), std::string("check[1]"));
        QCOMPARE(f.at("after")["outcome"].get<std::string>(), std::string("skipped"));
        QVERIFY(f.at("after")["error"].get<std::string>().find("check[1]") != std::string::npos);
        if (keepGoing) {
            for (const char *ok : { "check[0]", "check[2]", "check[3]", "check[4]", "check[5]" })
                QCOMPARE(f.at(ok)["outcome"].get<std::string>(), std::string("succeeded"));
            QCOMPARE(f.at("other")["outcome"].get<std::string>(), std::string("succeeded"));
        } else {
            // Under stop and -j 1 nothing starts after the failure.
            QCOMPARE(f.at("check[5]")["outcome"].get<std::string>(), std::string("skipped"));
        }
        QVERIFY2(r.err.contains("check[1] (bad)"), r.err.constData());
    }

    void failingInProcessInstance_data()
    {
        QTest::addColumn<bool>("keepGoing");
        QTest::addColumn<QString>("jobs");
        QTest::newRow("stop -j 1") << false << "1";
        QTest::newRow("keep-going -j 1") << true << "1";
        QTest::newRow("stop -j 4") << false << "4";
        QTest::newRow("keep-going -j 4") << true << "4";
    }
    // The same for instances of an in-process type, which run on the job
    // slots their fan-out gets, one after another (runners): one fails,
    // the node fails with it; under -k every other instance runs, under
    // stop at -j 1 none after it does, and every instance ends either way.
    void failingInProcessInstance()
    {
        QFETCH(bool, keepGoing);
        QFETCH(QString, jobs);
        const QString dir = workspace(fixture("failing-inprocess-instance.weft"));
        for (const char *name : { "f0.txt", "f2.txt", "f3.txt", "f4.txt", "f5.txt", "f6.txt", "f7.txt" })
            writeFile(dir + "/" + name, name);
        QStringList args{ "-j", jobs };
        if (keepGoing)
            args << "-k";
        const CliResult r = runCli(dir, args);
        QVERIFY(!r.crashed);
        QCOMPARE(r.exitCode, 1);
        const auto f = finishedByNode(r.events);
        QCOMPARE(f.at("check[1]")["outcome"].get<std::string>(), std::string("failed"));
        QCOMPARE(f.at("check")["outcome"].get<std::string>(), std::string("failed"));
        QCOMPARE(f.at("check")["cause"].get<std::string>(), std::string("check[1]"));
        QCOMPARE(f.at("after")["outcome"].get<std::string>(), std::string("skipped"));
        for (int k = 0; k < 8; ++k)
            QVERIFY2(f.count("check[" + std::to_string(k) + "]"), "every instance ends");
        if (keepGoing) {
            for (int k : { 0, 2, 3, 4, 5, 6, 7 })
                QCOMPARE(f.at("check[" + std::to_string(k) + "]")["outcome"].get<std::string>(),
                         std::string("succeeded"));
            QCOMPARE(f.at("other")["outcome"].get<std::string>(), std::string("succeeded"));
        } else if (jobs == "1") {
            QCOMPARE(f.at("check[0]")["outcome"].get<std::string>(), std::string("succeeded"));
            for (int k = 2; k < 8; ++k)
                QCOMPARE(f.at("check[" + std::to_string(k) + "]")["outcome"].get<std::string>(),
                         std::string("skipped"));
        }
    }

    // Instances retry and time out as nodes do.
    void instancesRetryAndTimeOut()
    {
        const QString dir = workspace(fixture("retry-timeout.weft"));
        const CliResult r = runCli(dir, { "-j", "4", "-k" });
        QVERIFY(!r.crashed);
        const auto f = finishedByNode(r.events);
        QCOMPARE(f.at("flaky[0]")["attempts"].get<int>(), 2);
        QCOMPARE(f.at("flaky[1]")["outcome"].get<std::string>(), std::string("succeeded"));
        QCOMPARE(f.at("flaky")["outcome"].get<std::string>(), std::string("succeeded"));
        QCOMPARE(f.at("slow[0]")["outcome"].get<std::string>(), std::string("succeeded"));
        QCOMPARE(f.at("slow[1]")["outcome"].get<std::string>(), std::string("failed"));
        QVERIFY(f.at("slow[1]")["error"].get<std::string>().find("timed out") != std::string::npos);
        QCOMPARE(r.exitCode, 1);
    }

    // A unit whose launch was planned with its references expanded starts
    // the same command on every attempt: the last one, which takes the plan
    // instead of a copy, too.
    void plannedLaunchOnEveryAttempt()
    {
        const QString dir = workspace(fixture("retry-planned.weft"));
        const CliResult r = runCli(dir);
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        const auto f = finishedByNode(r.events);
        for (const char *unit : {"third[0]", "third[1]"}) {
            QCOMPARE(f.at(unit)["outcome"].get<std::string>(), std::string("succeeded"));
            QCOMPARE(f.at(unit)["attempts"].get<int>(), 3);
        }
        // Each attempt ran with its own item, as one argument.
        for (const char *item : {"/count-a b", "/count-c"}) {
            QFile count(dir + item);
            QVERIFY2(count.open(QIODevice::ReadOnly), item);
            QCOMPARE(count.readAll(), QByteArray("3\n"));
        }
    }

    // An empty fan-out succeeds, and a reference to it is an empty list.
    void emptyFanOutSucceeds()
    {
        const QString dir = workspace(fixture("empty-fan-out.weft"));
        const CliResult r = runCli(dir);
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        const auto f = finishedByNode(r.events);
        QCOMPARE(f.at("none")["outcome"].get<std::string>(), std::string("succeeded"));
        QVERIFY(f.at("none")["outputs"]["obj"].is_array() && f.at("none")["outputs"]["obj"].empty());
        QCOMPARE(outputOf(r.events, "link"), std::string("<first><last>"));
        bool fanOut = false;
        for (const Json &e : r.events)
            fanOut = fanOut || (e["event"] == "fan_out" && e["count"] == 0);
        QVERIFY(fanOut);
    }

    // A referenced output that the node did not report fails the node that
    // needs it, saying which, in one attempt: retrying cannot make it
    // appear. (The reader is a process whose launch expands its references
    // itself: RunGraph::NodeInfo::launchExpands.)
    void missingOutputFailsTheReader()
    {
        const QString dir = workspace(fixture("missing-output.weft"));
        const CliResult r = runCli(dir, { "-k" });
        QVERIFY(!r.crashed);
        QCOMPARE(r.exitCode, 1);
        const auto f = finishedByNode(r.events);
        QCOMPARE(f.at("reader")["outcome"].get<std::string>(), std::string("failed"));
        QCOMPARE(f.at("reader")["error"].get<std::string>(),
                 std::string("params/argv/1: ${quiet.value}: quiet reported no output named value"));
        QCOMPARE(f.at("reader")["attempts"].get<int>(), 1);
        QCOMPARE(f.at("mapper")["outcome"].get<std::string>(), std::string("failed"));
        QVERIFY(f.at("mapper")["error"].get<std::string>().find("value") != std::string::npos);
    }

    // Cancelling while a dynamic fan-out runs ends every instance and
    // leaves no child behind.
    void cancelDuringDynamicFanOut()
    {
        const QString dir = workspace(fixture("cancel-dynamic.weft"));
        QProcess process;
        process.setProgram(QStringLiteral(WEFT_CLI_PATH));
        process.setArguments({ "run", dir + "/flow.weft", "--events", "jsonl", "-j", "3" });
        process.setWorkingDirectory(dir);
        process.start();
        QVERIFY(process.waitForStarted(10000));
        QByteArray out;
        std::set<pid_t> pids;
        QElapsedTimer timer;
        timer.start();
        while (pids.size() < 3 && timer.elapsed() < 20000) {
            process.waitForReadyRead(100);
            out += process.readAllStandardOutput();
            pids.clear();
            for (const Json &e : parseJsonLines(out.left(out.lastIndexOf('\n') + 1))) {
                if (e["event"] == "node_state" && e["state"] == "running" && e.contains("instance_of"))
                    pids.insert(pid_t(e["pid"].get<int>()));
            }
        }
        QCOMPARE(pids.size(), std::size_t(3));
        ::kill(pid_t(process.processId()), SIGINT);
        QVERIFY(process.waitForFinished(20000));
        out += process.readAllStandardOutput();
        QCOMPARE(process.exitCode(), 130);
        const auto events = parseJsonLines(out);
        const auto f = finishedByNode(events);
        QCOMPARE(f.at("work")["outcome"].get<std::string>(), std::string("cancelled"));
        QCOMPARE(f.at("after")["outcome"].get<std::string>(), std::string("cancelled"));
        for (int k = 0; k < 8; ++k)
            QCOMPARE(f.at("work[" + std::to_string(k) + "]")["outcome"].get<std::string>(),
                     std::string("cancelled"));
        QCOMPARE(events.back()["errors"].size(), std::size_t(0)); // the orphan audit found nothing
        for (pid_t pid : pids)
            QVERIFY2(processGone(pid), qPrintable(QStringLiteral("pid %1 survived").arg(pid)));
    }

    // The trace has a bar per instance attempt; --log-dir a log per instance.
    void traceAndLogsPerInstance()
    {
        const QString dir = workspace(fixture("trace-logs.weft"));
        const CliResult r = runCli(dir, { "--trace", dir + "/trace.json", "--log-dir", dir + "/logs" });
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        QFile traceFile(dir + "/trace.json");
        QVERIFY(traceFile.open(QIODevice::ReadOnly));
        const Json trace = Json::parse(traceFile.readAll().toStdString());
        std::set<std::string> bars;
        for (const Json &e : trace["traceEvents"]) {
            if (e["ph"] == "X") {
                bars.insert(e["name"].get<std::string>());
                QCOMPARE(e["args"]["instance_of"].get<std::string>(), std::string("say"));
            }
        }
        QCOMPARE(bars, (std::set<std::string>{ "say[0]", "say[1]", "say[2]" }));
        QFile log(dir + "/logs/say[2].stdout");
        QVERIFY(log.open(QIODevice::ReadOnly));
        QCOMPARE(log.readAll(), QByteArray("item z\n"));
        QVERIFY(!QFile::exists(dir + "/logs/say.stdout"));
    }
};

QTEST_GUILESS_MAIN(TestDataflow)
#include "tst_dataflow.moc"
