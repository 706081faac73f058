// SPDX-License-Identifier: Apache-2.0
// Isolation (DESIGN.md, "Isolation"), end to end through the real weft-cli:
// every in-process operation run on a thread and in the weft-op helper with
// the same outcome, outputs and files; every way an isolated operation can
// die failing only its node, with the cause named; the memory limit; a
// cancelled isolated node leaving no process behind; the validation errors.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "CliRun.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <fstream>
#include <map>
#include <sys/types.h>

using Json = nlohmann::json;

namespace {

using weft::test::finishedByNode;
using weft::test::parseJsonLines;
using weft::test::processGone;
using weft::test::runWeftCli;

const QString kFixtures = QStringLiteral(WEFT_FIXTURES_DIR "/isolation");

// Everything a node wrote on one stream, in order.
std::string textOf(const std::vector<Json> &events, const std::string &node, const char *stream)
{
    std::string text;
    for (const Json &e : events) {
        if (e["event"] == "output" && e["node"] == node && e["stream"] == stream)
            text += e["text"].get<std::string>();
    }
    return text;
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

// A copy of fixture `name` in a fresh directory, with every node that is not
// a process given `isolation` (none: left as written).
QString prepare(QTemporaryDir &dir, const QString &name, const char *isolation)
{
    std::ifstream in((kFixtures + "/" + name).toStdString());
    Json workflow = Json::parse(in);
    if (isolation) {
        for (Json &node : workflow["nodes"]) {
            if (node["type"] != "process")
                node["isolation"] = isolation;
        }
    }
    const QString path = dir.path() + "/" + name;
    std::ofstream(path.toStdString()) << workflow.dump(2);
    return path;
}

} // namespace

class TestIsolation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        qputenv("WEFT_TEST_OPERATIONS", "1"); // the crash operation
    }

    // One table, two modes: the same workflow of every built-in in-process
    // operation, run on threads and isolated, ends the same.
    void bothModesAgree_data()
    {
        QTest::addColumn<int>("jobs");
        QTest::newRow("-j 1") << 1;
        QTest::newRow("-j 2") << 2;
        QTest::newRow("-j 4") << 4;
    }

    void bothModesAgree()
    {
        QFETCH(int, jobs);
        struct Mode {
            const char *isolation;
            QTemporaryDir dir;
            std::vector<Json> events;
            int exitCode = -1;
        };
        Mode modes[2];
        modes[0].isolation = "thread";
        modes[1].isolation = "process";
        for (Mode &m : modes) {
            QVERIFY(m.dir.isValid());
            prepare(m.dir, "ops.weft", m.isolation);
            const auto r = runWeftCli({ "run", "ops.weft", "--events", "jsonl", "-j",
                                          QString::number(jobs) },
                m.dir.path());
            QVERIFY2(!r.crashed, r.err.constData());
            m.exitCode = r.exitCode;
            m.events = parseJsonLines(r.out);
            QVERIFY(!m.events.empty());
        }
        QCOMPARE(modes[1].exitCode, modes[0].exitCode);
        QCOMPARE(modes[0].exitCode, 1); // `missing` and `noglob` fail, on purpose

        const auto thread = finishedByNode(modes[0].events);
        const auto process = finishedByNode(modes[1].events);
        QCOMPARE(process.size(), thread.size());
        QCOMPARE(thread.size(), std::size_t(13)); // 11 nodes, 2 instances
        for (const auto &[node, t] : thread) {
            const Json &p = process.at(node);
            const QByteArray where = QByteArray::fromStdString(node);
            QVERIFY2(p["outcome"] == t["outcome"], where + ": " + QByteArray::fromStdString(p.dump()));
            QVERIFY2(p["error"] == t["error"], where + ": " + QByteArray::fromStdString(p.dump()));
            QVERIFY2(p["exit_code"] == t["exit_code"], where);
            QVERIFY2(p["signal"] == t["signal"], where);
            QVERIFY2(p.value("outputs", Json()) == t.value("outputs", Json()),
                where + ": " + QByteArray::fromStdString(p.dump() + " vs " + t.dump()));
            QVERIFY2(textOf(modes[1].events, node, "stdout") == textOf(modes[0].events, node, "stdout"),
                where);
        }
        QCOMPARE(thread.at("w")["outcome"].get<std::string>(), std::string("succeeded"));
        QCOMPARE(thread.at("missing")["outcome"].get<std::string>(), std::string("failed"));
        QCOMPARE(thread.at("after")["outcome"].get<std::string>(), std::string("skipped"));
        // A list of two digests and one digest: both reached `show`'s argv.
        QCOMPARE(thread.at("h2")["outputs"]["digest"].size(), std::size_t(2));
        QVERIFY(thread.at("h1")["outputs"]["digest"].is_string());
        const std::string shown = textOf(modes[1].events, "show", "stdout");
        QCOMPARE(std::count(shown.begin(), shown.end(), ' '), 2l);
        // The isolated run really ran in processes: its running events carry pids.
        int pids = 0;
        for (const Json &e : modes[1].events) {
            if (e["event"] == "node_state" && e["state"] == "running" && e.contains("pid"))
                ++pids;
        }
        QCOMPARE(pids, 13 - 2); // every unit but `after` (skipped) and `fan` (its instances' aggregate)

        for (const char *file : { "out/a.txt", "out/b.txt", "out/fan/x.txt", "out/fan/y.txt" }) {
            QCOMPARE(readFile(modes[1].dir.path() + "/" + file),
                readFile(modes[0].dir.path() + "/" + file));
        }
        QCOMPARE(readFile(modes[1].dir.path() + "/out/fan/y.txt"), QByteArray("item y at 1\n"));
    }

    // Each kind of death fails its own node, names its cause, and the run
    // goes on: an independent node still succeeds.
    void crashesFailOnlyTheirNode()
    {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        // The helper is instrumented too: the sanitizer handles its SIGSEGV
        // and SIGABRT itself (a report, then an exit status), and its shadow
        // memory does not fit under a 64 MiB limit. What this test checks is
        // what happens without one.
        QSKIP("the helper's crashes and memory limit are the sanitizer's own under the asan and tsan presets");
#endif
        QTemporaryDir dir;
        prepare(dir, "crash.weft", nullptr);
        const auto r = runWeftCli({ "run", "crash.weft", "--events", "jsonl", "-j", "4" }, dir.path());
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 1);
        const auto events = parseJsonLines(r.out);
        QVERIFY(!events.empty());
        QCOMPARE(events.back()["event"].get<std::string>(), std::string("run_finished"));
        const auto finished = finishedByNode(events);
        auto outcome = [&](const char *id) { return finished.at(id)["outcome"].get<std::string>(); };
        auto error = [&](const char *id) { return QString::fromStdString(finished.at(id)["error"].get<std::string>()); };

        QCOMPARE(outcome("segv"), std::string("failed"));
        QCOMPARE(finished.at("segv")["signal"].get<std::string>(), std::string("SIGSEGV"));
        QVERIFY2(error("segv").contains("SIGSEGV"), qPrintable(error("segv")));

        QCOMPARE(outcome("abort"), std::string("failed"));
        QCOMPARE(finished.at("abort")["signal"].get<std::string>(), std::string("SIGABRT"));
        QVERIFY2(error("abort").contains("SIGABRT"), qPrintable(error("abort")));

        QCOMPARE(outcome("bad_alloc"), std::string("failed"));
        QCOMPARE(error("bad_alloc"), QStringLiteral("out of memory (std::bad_alloc)"));

        QCOMPARE(outcome("limit"), std::string("failed"));
        QCOMPARE(error("limit"), QStringLiteral("out of memory: limit 64 MiB"));
        QVERIFY(finished.at("limit")["exit_code"].is_null());
        QVERIFY(finished.at("limit")["signal"].is_null());

        QCOMPARE(outcome("fits"), std::string("succeeded"));
        QCOMPARE(textOf(events, "fits", "stdout"), std::string("allocated 8388608 bytes\n"));

        QCOMPARE(outcome("exit"), std::string("failed"));
        QCOMPARE(finished.at("exit")["exit_code"].get<int>(), 7);
        QVERIFY2(error("exit").contains("7"), qPrintable(error("exit")));

        QCOMPARE(outcome("throw"), std::string("failed"));
        QCOMPARE(error("throw"), QStringLiteral("exception: thrown on purpose"));
        QCOMPARE(outcome("fail"), std::string("failed"));
        QCOMPARE(error("fail"), QStringLiteral("no luck"));

        QCOMPARE(outcome("survivor"), std::string("skipped"));
        QCOMPARE(outcome("alive"), std::string("succeeded"));
        QCOMPARE(readFile(dir.path() + "/alive.txt"), QByteArray("the run went on\n"));
    }

    // The same failures on a thread, where they can be survived: an
    // exception and a returned failure end the same as isolated.
    void recoverableFailuresMatchOnAThread()
    {
        QTemporaryDir dir;
        const QString path = dir.path() + "/t.weft";
        Json workflow = { { "weft", 1 }, { "settings", { { "failure", "keep-going" } } },
            { "nodes", Json::array() } };
        for (const char *kind : { "throw", "fail" }) {
            for (const char *isolation : { "thread", "process" }) {
                workflow["nodes"].push_back({ { "id", std::string(kind) + "_" + isolation },
                    { "type", "crash" }, { "isolation", isolation },
                    { "params", { { "kind", kind } } } });
            }
        }
        std::ofstream(path.toStdString()) << workflow.dump();
        const auto r = runWeftCli({ "run", "t.weft", "--events", "jsonl" }, dir.path());
        const auto finished = finishedByNode(parseJsonLines(r.out));
        QCOMPARE(finished.size(), std::size_t(4));
        for (const char *kind : { "throw", "fail" }) {
            const Json &t = finished.at(std::string(kind) + "_thread");
            const Json &p = finished.at(std::string(kind) + "_process");
            QVERIFY2(p["outcome"] == t["outcome"], p.dump().c_str());
            QVERIFY2(p["error"] == t["error"], p.dump().c_str());
            QVERIFY2(p["exit_code"] == t["exit_code"], p.dump().c_str());
        }
    }

    // Progress reports travel back from the helper as events, as on a thread.
    void progressTravels()
    {
        QTemporaryDir dir;
        Json workflow = { { "weft", 1 }, { "nodes", Json::array() } };
        for (const char *isolation : { "thread", "process" }) {
            workflow["nodes"].push_back({ { "id", isolation }, { "type", "cpu" },
                { "isolation", isolation }, { "params", { { "seconds", 1.0 } } } });
        }
        std::ofstream((dir.path() + "/p.weft").toStdString()) << workflow.dump();
        const auto r = runWeftCli({ "run", "p.weft", "--events", "jsonl", "-j", "2" }, dir.path());
        QCOMPARE(r.exitCode, 0);
        std::map<std::string, std::vector<std::pair<double, std::string>>> progress;
        for (const Json &e : parseJsonLines(r.out)) {
            if (e["event"] == "progress")
                progress[e["node"].get<std::string>()].emplace_back(
                    e["fraction"].get<double>(), e["message"].get<std::string>());
        }
        // How many depends on the scheduler (a step is reported when a tenth
        // is crossed); what each says does not.
        for (const char *mode : { "thread", "process" }) {
            const auto &reports = progress[mode];
            QVERIFY2(reports.size() >= 2, mode);
            double last = -1;
            for (const auto &[fraction, message] : reports) {
                QCOMPARE(message, std::string("computing"));
                QVERIFY(fraction >= last && fraction >= 0 && fraction <= 1);
                last = fraction;
            }
        }
    }

    // Cancelling a run stops an isolated node at once and leaves no helper.
    void cancelLeavesNoChild()
    {
        QTemporaryDir dir;
        prepare(dir, "cancel.weft", nullptr);
        QProcess process;
        process.setProgram(QStringLiteral(WEFT_CLI_PATH));
        process.setArguments({ "run", "cancel.weft", "--events", "jsonl" });
        process.setWorkingDirectory(dir.path());
        process.start();
        QVERIFY(process.waitForStarted(10000));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += process.readAllStandardOutput()).contains("\"pid\""), 20000);
        pid_t helper = 0;
        for (const Json &e : parseJsonLines(out.left(out.lastIndexOf('\n') + 1))) {
            if (e["event"] == "node_state" && e["state"] == "running")
                helper = e["pid"].get<pid_t>();
        }
        QVERIFY(helper > 0);
        QVERIFY(!processGone(helper));
        ::kill(pid_t(process.processId()), SIGINT);
        QVERIFY(process.waitForFinished(20000));
        QCOMPARE(process.exitCode(), 130);
        QTRY_VERIFY_WITH_TIMEOUT(processGone(helper), 5000);
        out += process.readAllStandardOutput();
        const auto finished = finishedByNode(parseJsonLines(out));
        QCOMPARE(finished.at("spin")["outcome"].get<std::string>(), std::string("cancelled"));
    }

    // A timeout on an isolated node is the process's timeout.
    void timeoutKillsTheHelper()
    {
        QTemporaryDir dir;
        const QString path = dir.path() + "/t.weft";
        const Json workflow = { { "weft", 1 },
            { "nodes", { { { "id", "spin" }, { "type", "cpu" }, { "isolation", "process" },
                           { "timeout", 0.3 }, { "params", { { "seconds", 30 } } } } } } };
        std::ofstream(path.toStdString()) << workflow.dump();
        const auto r = runWeftCli({ "run", "t.weft", "--events", "jsonl" }, dir.path(), 20000);
        QVERIFY(!r.crashed);
        QCOMPARE(r.exitCode, 1);
        const auto finished = finishedByNode(parseJsonLines(r.out));
        QVERIFY2(finished.at("spin")["error"].get<std::string>().find("timed out") != std::string::npos,
            finished.at("spin").dump().c_str());
    }

    void validation_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::newRow("on a process node") << "bad-isolation-on-process.weft"
                                           << "bad-isolation-on-process.weft:5:7: error: \"isolation\" applies to operations that run on a worker thread; a process node runs in a child process already";
        QTest::newRow("unknown value") << "bad-isolation-value.weft"
                                       << "bad-isolation-value.weft:4:34: error: \"isolation\" must be \"thread\" or \"process\", found \"fork\"";
        QTest::newRow("memory on a thread") << "bad-memory-on-thread.weft"
                                            << "bad-memory-on-thread.weft:5:7: error: \"memory\" limits an isolated node";
        QTest::newRow("malformed memory") << "bad-memory-size.weft"
                                          << "bad-memory-size.weft:5:7: error: \"memory\" must be a size";
    }

    void validation()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        const auto r = runWeftCli({ "validate", file }, kFixtures);
        QCOMPARE(r.exitCode, 2); // an invalid workflow
        QVERIFY2(r.err.contains(expected.toUtf8()) || r.out.contains(expected.toUtf8()),
            r.err.constData());
    }

    void opsShowsBothModes()
    {
        const auto r = runWeftCli({ "ops", "--format", "json" }, QDir::tempPath());
        QCOMPARE(r.exitCode, 0);
        const Json types = Json::parse(r.out.toStdString());
        bool sawCrash = false;
        for (const Json &t : types) {
            sawCrash = sawCrash || t["name"] == "crash";
            // A workflow node is expanded into its inner nodes: nothing of it runs.
            if (t["semantics"]["site"] == "worker thread" && t["name"] != "workflow") {
                QCOMPARE(t["isolated_semantics"]["site"].get<std::string>(), std::string("child process"));
                QCOMPARE(t["isolated_semantics"]["blocks_worker"].get<bool>(), false);
            } else {
                QVERIFY(!t.contains("isolated_semantics"));
            }
        }
        QVERIFY(sawCrash); // WEFT_TEST_OPERATIONS=1 here
        QProcess plain;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("WEFT_TEST_OPERATIONS");
        plain.setProcessEnvironment(env);
        plain.start(QStringLiteral(WEFT_CLI_PATH), { "ops" });
        QVERIFY(plain.waitForFinished(20000));
        const QByteArray text = plain.readAllStandardOutput();
        QVERIFY(text.contains("isolated (\"isolation\": \"process\"): child process"));
        QVERIFY(!text.contains("crash"));
    }

    // A bad request (someone running weft-op by hand) says what it is for.
    void helperExplainsItself()
    {
        QProcess helper;
        helper.start(QFileInfo(QStringLiteral(WEFT_CLI_PATH)).dir().filePath("weft-op"), {});
        QVERIFY(helper.waitForStarted(5000));
        helper.write("not json");
        helper.closeWriteChannel();
        QVERIFY(helper.waitForFinished(5000));
        QCOMPARE(helper.exitCode(), 2);
        QVERIFY(helper.readAllStandardError().contains("isolation"));
    }
};

QTEST_GUILESS_MAIN(TestIsolation)
#include "tst_isolation.moc"
