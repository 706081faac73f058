// SPDX-License-Identifier: Apache-2.0
// End-to-end tests of weft-cli: the real binary, run with QProcess on the
// workflows of tests/fixtures/cli copied into a temporary directory (with
// @CHILD@ replaced by the purpose-built test child).

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include "CliRun.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <map>
#include <set>
#include <sys/types.h>

using Json = nlohmann::json;

using CliResult = weft::test::CliRun;
using weft::test::finishedByNode;
using weft::test::processGone;
using weft::test::parseJsonLines;

class TestCli : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    // Copies every fixture into a fresh subdirectory and returns it.
    QString freshCopy()
    {
        static int counter = 0;
        const QString sub = m_dir.filePath(QStringLiteral("case%1").arg(++counter));
        QDir().mkpath(sub);
        const QDir fixtures(QStringLiteral(WEFT_FIXTURES_DIR "/cli"));
        for (const QString &name : fixtures.entryList({ "*.weft" }, QDir::Files)) {
            QFile in(fixtures.filePath(name));
            if (!in.open(QIODevice::ReadOnly))
                qFatal("cannot read fixture %s", qPrintable(name));
            QByteArray text = in.readAll();
            text.replace("@CHILD@", WEFT_TEST_CHILD_PATH);
            QFile out(sub + "/" + name);
            if (!out.open(QIODevice::WriteOnly))
                qFatal("cannot write %s", qPrintable(out.fileName()));
            out.write(text);
        }
        return sub;
    }

    CliResult runCli(
        const QStringList &args, const QString &workingDir = QString(), int timeoutMs = 60000)
    {
        return weft::test::runWeftCli(args, workingDir.isEmpty() ? m_dir.path() : workingDir,
                                      timeoutMs);
    }


    static QList<pid_t> readPids(const QString &file)
    {
        QList<pid_t> pids;
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return pids;
        for (const QByteArray &line : f.readAll().split('\n')) {
            bool ok = false;
            const int pid = line.trimmed().toInt(&ok);
            if (ok && pid > 0)
                pids.append(pid);
        }
        return pids;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(QFile::exists(QStringLiteral(WEFT_CLI_PATH)));
    }

    void exitStatus_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("expected");
        QTest::newRow("success") << QStringList { "run", "ok.weft" } << 0;
        QTest::newRow("success -j 1") << QStringList { "run", "-j", "1", "ok.weft" } << 0;
        QTest::newRow("failure") << QStringList { "run", "fail.weft" } << 1;
        QTest::newRow("failure keep-going") << QStringList { "run", "fail.weft", "-k" } << 1;
        QTest::newRow("invalid file") << QStringList { "run", "invalid.weft" } << 2;
        QTest::newRow("missing file") << QStringList { "run", "no-such.weft" } << 2;
        QTest::newRow("unknown node") << QStringList { "run", "targets.weft", "compil" } << 2;
        QTest::newRow("unknown option") << QStringList { "run", "ok.weft", "--frobnicate" } << 2;
        QTest::newRow("negative jobs") << QStringList { "run", "ok.weft", "-j", "-3" } << 2;
        QTest::newRow("bad events") << QStringList { "run", "ok.weft", "--events", "xml" } << 2;
        QTest::newRow("no command") << QStringList {} << 2;
        QTest::newRow("unknown command") << QStringList { "frob" } << 2;
        QTest::newRow("run without file") << QStringList { "run" } << 2;
        QTest::newRow("ops bad format") << QStringList { "ops", "--format", "yaml" } << 2;
        QTest::newRow("validate ok") << QStringList { "validate", "ok.weft" } << 0;
        QTest::newRow("validate invalid") << QStringList { "validate", "invalid.weft" } << 2;
        QTest::newRow("dot invalid") << QStringList { "dot", "invalid.weft" } << 2;
    }

    void exitStatus()
    {
        QFETCH(QStringList, args);
        QFETCH(int, expected);
        const CliResult r = runCli(args, freshCopy());
        QVERIFY2(!r.crashed, r.err.constData());
        QVERIFY2(r.exitCode == expected,
            qPrintable(QStringLiteral("exit %1, expected %2; stderr:\n%3")
                           .arg(r.exitCode)
                           .arg(expected)
                           .arg(QString::fromUtf8(r.err))));
    }

    void invalidFileDiagnostics()
    {
        const CliResult r = runCli({ "run", "invalid.weft" }, freshCopy());
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.isEmpty());
        static const QRegularExpression form(
            QStringLiteral("^invalid\\.weft:(\\d+):(\\d+): error: .+$"),
            QRegularExpression::MultilineOption);
        auto it = form.globalMatch(QString::fromUtf8(r.err));
        int count = 0;
        QSet<int> lines;
        while (it.hasNext()) {
            const auto match = it.next();
            ++count;
            lines.insert(match.captured(1).toInt());
        }
        QVERIFY2(count >= 2, r.err.constData()); // the unknown type and the dangling need
        QVERIFY2(lines.contains(6) && lines.contains(7), r.err.constData());
    }

    void unknownNodeSuggestsNearest()
    {
        const CliResult r = runCli({ "run", "targets.weft", "compil" }, freshCopy());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("'compil'"), r.err.constData());
        QVERIFY2(r.err.contains("did you mean 'compile'"), r.err.constData());
    }

    void targetSelectionRunsOnlyWhatIsNeeded()
    {
        const CliResult r
            = runCli({ "run", "targets.weft", "link", "--events", "jsonl" }, freshCopy());
        QCOMPARE(r.exitCode, 0);
        const auto events = parseJsonLines(r.out);
        QVERIFY(!events.empty());
        QCOMPARE(events.front()["nodes"].get<int>(), 3);
        std::set<std::string> ran;
        for (const auto &[id, e] : finishedByNode(events))
            ran.insert(id);
        QCOMPARE(ran, (std::set<std::string> { "fetch", "compile", "link" }));
    }

    void jsonLinesContract_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("jobs");
        QTest::addColumn<QString>("outcome");
        for (const char *jobs : { "1", "2", "4" }) {
            QTest::addRow("ok -j %s", jobs) << "ok.weft" << jobs << "succeeded";
            QTest::addRow("fail -j %s", jobs) << "fail.weft" << jobs << "failed";
            QTest::addRow("retry -j %s", jobs) << "retry.weft" << jobs << "succeeded";
        }
    }

    void jsonLinesContract()
    {
        QFETCH(QString, file);
        QFETCH(QString, jobs);
        QFETCH(QString, outcome);
        const CliResult r = runCli({ "run", file, "-j", jobs, "--events", "jsonl" }, freshCopy());
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, outcome == "succeeded" ? 0 : 1);

        // Every line of stdout is one JSON object with "event" and "t".
        QVERIFY(r.out.endsWith('\n'));
        const auto events = parseJsonLines(r.out);
        QVERIFY2(!events.empty(), r.out.constData());
        for (const Json &e : events) {
            QVERIFY2(e.contains("event") && e["event"].is_string(), e.dump().c_str());
            QVERIFY2(e.contains("t") && e["t"].is_number() && e["t"].get<double>() >= 0,
                e.dump().c_str());
        }
        QCOMPARE(events.front()["event"].get<std::string>(), std::string("run_started"));
        QCOMPARE(events.back()["event"].get<std::string>(), std::string("run_finished"));
        const std::size_t nodes = events.front()["nodes"].get<std::size_t>();
        QCOMPARE(events.front()["jobs"].get<int>(), jobs.toInt());

        std::map<std::string, int> finishedCount;
        std::map<std::string, int> lastAttempt;
        std::set<std::string> finishedNodes;
        std::set<std::string> pendingNodes;
        for (std::size_t i = 1; i + 1 < events.size(); ++i) {
            const Json &e = events[i];
            const std::string kind = e["event"];
            QVERIFY2(kind != "run_started" && kind != "run_finished", e.dump().c_str());
            if (kind == "node_state") {
                const std::string node = e["node"];
                QVERIFY2(!finishedNodes.count(node), e.dump().c_str());
                const std::string state = e["state"];
                static const std::set<std::string> states { "pending", "waiting", "running",
                    "succeeded", "failed", "skipped", "cancelled" };
                QVERIFY2(states.count(state), e.dump().c_str());
                QVERIFY(e["attempt"].is_number_integer());
                if (state == "waiting")
                    QVERIFY2(e.contains("reason") && e["reason"].is_string(), e.dump().c_str());
                if (state == "pending") {
                    // Once per node with needs, at the start, naming them.
                    QVERIFY2(!pendingNodes.count(node) && lastAttempt[node] == 0, e.dump().c_str());
                    QVERIFY2(e.value("reason", "") == "needs" && !e.value("detail", "").empty(),
                        e.dump().c_str());
                    pendingNodes.insert(node);
                }
                if (state == "running") {
                    QVERIFY2(e["attempt"].get<int>() >= 1, e.dump().c_str());
                    QVERIFY2(
                        e.contains("pid") || e.contains("worker") || e.value("site", "") == "timer",
                        e.dump().c_str());
                    // Attempts count up from 1, one at a time.
                    QCOMPARE(e["attempt"].get<int>(), lastAttempt[node] + 1);
                    lastAttempt[node] = e["attempt"].get<int>();
                }
            } else if (kind == "node_finished") {
                const std::string node = e["node"];
                ++finishedCount[node];
                finishedNodes.insert(node);
                for (const char *key : { "outcome", "exit_code", "signal", "error", "duration" })
                    QVERIFY2(e.contains(key), e.dump().c_str());
                QVERIFY(e["exit_code"].is_null() || e["exit_code"].is_number_integer());
                QVERIFY(e["signal"].is_null() || e["signal"].is_string());
                if (e["outcome"] == "skipped")
                    QVERIFY2(e["error"].is_string(), e.dump().c_str());
            } else if (kind == "output") {
                QVERIFY(e["stream"] == "stdout" || e["stream"] == "stderr");
                QVERIFY(e["text"].is_string());
            }
        }
        QCOMPARE(finishedCount.size(), nodes);
        for (const auto &[node, count] : finishedCount)
            QVERIFY2(count == 1, node.c_str());

        const Json &last = events.back();
        QCOMPARE(last["outcome"].get<std::string>(), outcome.toStdString());
        std::size_t total = 0;
        for (const auto &[state, count] : last["counts"].items())
            total += count.get<std::size_t>();
        QCOMPARE(total, nodes);
        for (const char *key : { "wall", "work", "critical_path" })
            QVERIFY2(last.contains(key), last.dump().c_str());
        QVERIFY(last["critical_path"].is_array());
        for (const Json &id : last["critical_path"])
            QVERIFY(finishedNodes.count(id.get<std::string>()));
        if (file == "retry.weft")
            QCOMPARE(lastAttempt["flaky"], 2);
        QVERIFY(!pendingNodes.empty()); // every fixture has nodes with needs
    }

    void keepGoing_data()
    {
        QTest::addColumn<bool>("keepGoing");
        QTest::addColumn<QString>("afterSlow");
        QTest::newRow("stop") << false << "skipped";
        QTest::newRow("keep-going") << true << "succeeded";
    }

    void keepGoing()
    {
        QFETCH(bool, keepGoing);
        QFETCH(QString, afterSlow);
        QStringList args { "run", "fail.weft", "-j", "2", "--events", "jsonl" };
        if (keepGoing)
            args << "--keep-going";
        const CliResult r = runCli(args, freshCopy());
        QCOMPARE(r.exitCode, 1);
        const auto finished = finishedByNode(parseJsonLines(r.out));
        QCOMPARE(finished.size(), std::size_t(4));
        QCOMPARE(finished.at("bad")["outcome"].get<std::string>(), std::string("failed"));
        QCOMPARE(finished.at("bad")["exit_code"].get<int>(), 3);
        QCOMPARE(finished.at("dependent")["outcome"].get<std::string>(), std::string("skipped"));
        QVERIFY(
            finished.at("dependent")["error"].get<std::string>().find("bad") != std::string::npos);
        QCOMPARE(finished.at("after_slow")["outcome"].get<std::string>(), afterSlow.toStdString());
    }

    void failureIsImpossibleToMiss()
    {
        const CliResult r = runCli({ "run", "fail.weft", "-j", "2" }, freshCopy());
        QCOMPARE(r.exitCode, 1);
        const QString out = QString::fromUtf8(r.out);
        // The failing node's whole output, then a block with its command,
        // its exit status, the end of its stderr and what it caused.
        QVERIFY2(out.contains("FAILED bad: exit status 3"), qPrintable(out));
        QVERIFY2(out.contains("bad output line"), qPrintable(out));
        QVERIFY2(out.contains("✗ bad failed: exit status 3"), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("command: ")), qPrintable(out));
        QVERIFY2(out.contains("weft-test-child"), qPrintable(out));
        QVERIFY2(out.contains("stderr (last 2 lines):"), qPrintable(out));
        QVERIFY2(out.contains("│ bad stderr line"), qPrintable(out));
        QVERIFY2(out.contains("skipped 2 nodes because of it: ")
                || out.contains("skipped 1 node because of it: dependent"),
            qPrintable(out));
        const QStringList lines = out.trimmed().split('\n');
        static const QRegularExpression summary(
            QStringLiteral("^\\d+ succeeded, 1 failed, \\d+ skipped in [0-9.]+ (s|ms|µs)"));
        QVERIFY2(summary.match(lines.last()).hasMatch(), qPrintable(lines.last()));
    }

    void plainLinesWhenNotATerminal()
    {
        const CliResult r = runCli({ "run", "ok.weft", "-j", "2" }, freshCopy());
        QCOMPARE(r.exitCode, 0);
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(!out.contains('\r') && !out.contains("\x1b["), qPrintable(out));
        for (const char *id : { "start", "left", "right", "pause", "join" }) {
            QVERIFY2(QRegularExpression(QStringLiteral("^\\[\\d/5\\] started %1$").arg(id),
                         QRegularExpression::MultilineOption)
                         .match(out)
                         .hasMatch(),
                qPrintable(out));
            QVERIFY2(QRegularExpression(
                         QStringLiteral("^\\[\\d/5\\] succeeded %1 \\([0-9.]+ (s|ms|µs)\\)$").arg(id),
                         QRegularExpression::MultilineOption)
                         .match(out)
                         .hasMatch(),
                qPrintable(out));
        }
        const QString last = out.trimmed().split('\n').last();
        QVERIFY2(last.startsWith("5 succeeded in "), qPrintable(last));
        QVERIFY2(last.contains("critical path"), qPrintable(last));
        QVERIFY2(last.contains("start → "), qPrintable(last));
    }

    // Output is written in batches, but a reader of a pipe (a CI log, a
    // tool) still sees a long node start while it runs, not at the end.
    void pipeReaderSeesALongNodeWhileItRuns_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("text") << QStringList() << QByteArray("] started long");
        QTest::newRow("jsonl") << QStringList { "--events", "jsonl" }
                               << QByteArray("\"node\":\"long\",\"state\":\"running\"");
    }

    void pipeReaderSeesALongNodeWhileItRuns()
    {
        QFETCH(QStringList, extra);
        QFETCH(QByteArray, expected);
        QProcess process;
        process.setProgram(QStringLiteral(WEFT_CLI_PATH));
        process.setArguments(QStringList { "run", "longnode.weft" } + extra);
        process.setWorkingDirectory(freshCopy());
        process.start();
        QVERIFY(process.waitForStarted(10000));
        QByteArray seen;
        QElapsedTimer timer;
        timer.start();
        // The node sleeps 30 s; its line must come long before that. The
        // goal is within a second; 10 s of slack keeps a loaded machine from
        // failing the test, and the process still running proves the line
        // did not wait for the end of the run.
        while (!seen.contains(expected) && timer.elapsed() < 10000
               && process.state() == QProcess::Running) {
            process.waitForReadyRead(100);
            seen += process.readAllStandardOutput();
        }
        const qint64 after = timer.elapsed();
        const bool stillRunning = process.state() == QProcess::Running;
        process.kill();
        process.waitForFinished(10000);
        QVERIFY2(seen.contains(expected), seen.constData());
        QVERIFY(stillRunning);
        qInfo("line seen after %lld ms", after);
    }

    void aRunValidatesOnce_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("whole file") << QStringList { "run", "targets.weft" };
        QTest::newRow("targets") << QStringList { "run", "targets.weft", "link" };
        QTest::newRow("jsonl") << QStringList { "run", "targets.weft", "--events", "jsonl" };
    }

    void aRunValidatesOnce()
    {
        QFETCH(QStringList, args);
        QProcess process;
        process.setProgram(QStringLiteral(WEFT_CLI_PATH));
        process.setArguments(args);
        process.setWorkingDirectory(freshCopy());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("WEFT_COUNT_VALIDATIONS", "1");
        process.setProcessEnvironment(env);
        process.start();
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 0);
        const QByteArray err = process.readAllStandardError();
        QVERIFY2(err.contains("validations: 1\n"), err.constData());
    }

    void quietPrintsOnlyFailuresAndTheSummary()
    {
        const QString dir = freshCopy();
        const CliResult ok = runCli({ "run", "ok.weft", "-q" }, dir);
        QCOMPARE(ok.exitCode, 0);
        QStringList lines = QString::fromUtf8(ok.out).trimmed().split('\n');
        QCOMPARE(lines.size(), 1); // the summary, nothing else
        QVERIFY2(lines.first().startsWith("5 succeeded in "), qPrintable(lines.first()));

        const CliResult failed = runCli({ "run", "fail.weft", "--quiet", "-k" }, dir);
        QCOMPARE(failed.exitCode, 1);
        const QString out = QString::fromUtf8(failed.out);
        QVERIFY2(out.contains("FAILED bad: exit status 3"), qPrintable(out));
        QVERIFY2(out.contains("✗ bad failed"), qPrintable(out));
        QVERIFY2(!out.contains(" started ") && !out.contains("] succeeded "), qPrintable(out));
        QVERIFY2(!out.contains("running \""), qPrintable(out));
        lines = out.trimmed().split('\n');
        QVERIFY2(lines.last().contains("1 failed"), qPrintable(lines.last()));
    }

    void interrupted_data()
    {
        QTest::addColumn<int>("signal");
        QTest::addColumn<QString>("jobs");
        QTest::newRow("SIGINT") << int(SIGINT) << "8";
        QTest::newRow("SIGTERM") << int(SIGTERM) << "8";
        // With one job slot, nodes are still waiting when the run is
        // cancelled: none of them may start afterwards.
        QTest::newRow("SIGINT, nodes waiting for a slot") << int(SIGINT) << "1";
    }

    void interrupted()
    {
        QFETCH(int, signal);
        QFETCH(QString, jobs);
        const QString dir = freshCopy();
        QProcess process;
        process.setProgram(QStringLiteral(WEFT_CLI_PATH));
        process.setArguments({ "run", "sleepers.weft", "-j", jobs, "--events", "jsonl" });
        process.setWorkingDirectory(dir);
        process.start();
        QVERIFY(process.waitForStarted(10000));
        const bool allStart = jobs.toInt() >= 4;
        QByteArray out;
        // one.pid: the child and its grandchild; the others: one process each.
        if (allStart) {
            QTRY_VERIFY_WITH_TIMEOUT(readPids(dir + "/one.pid").size() == 2
                    && readPids(dir + "/two.pid").size() == 1
                    && readPids(dir + "/stubborn.pid").size() == 1,
                20000);
        } else {
            QTRY_VERIFY_WITH_TIMEOUT(
                (out += process.readAllStandardOutput()).contains("\"running\""), 20000);
        }
        QList<pid_t> pids = readPids(dir + "/one.pid") + readPids(dir + "/two.pid")
            + readPids(dir + "/stubborn.pid");
        for (pid_t pid : pids)
            QVERIFY(!processGone(pid));

        ::kill(pid_t(process.processId()), signal);
        // `stubborn` ignores SIGTERM: it is only gone after the kill grace.
        if (!process.waitForFinished(30000)) {
            // Do not leave the run behind: a second interrupt kills at once.
            ::kill(pid_t(process.processId()), SIGINT);
            process.waitForFinished(10000);
            QFAIL("weft-cli did not finish within 30 s of the interrupt (a node started "
                  "after the cancel and was never cancelled?)");
        }
        pids = readPids(dir + "/one.pid") + readPids(dir + "/two.pid")
            + readPids(dir + "/stubborn.pid");
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 130);
        for (pid_t pid : pids)
            QTRY_VERIFY2_WITH_TIMEOUT(processGone(pid), qPrintable(QString::number(pid)), 5000);

        out += process.readAllStandardOutput();
        const auto events = parseJsonLines(out);
        QVERIFY(!events.empty());
        QCOMPARE(events.back()["event"].get<std::string>(), std::string("run_finished"));
        QCOMPARE(events.back()["outcome"].get<std::string>(), std::string("cancelled"));
        const auto finished = finishedByNode(events);
        QCOMPARE(finished.size(), std::size_t(5));
        for (const char *id : { "one", "two", "stubborn", "nap" })
            QCOMPARE(finished.at(id)["outcome"].get<std::string>(), std::string("cancelled"));
    }

    void secondInterruptKillsAtOnce()
    {
        const QString dir = freshCopy();
        QProcess process;
        process.setProgram(QStringLiteral(WEFT_CLI_PATH));
        process.setArguments({ "run", "sleepers.weft", "stubborn" });
        process.setWorkingDirectory(dir);
        process.start();
        QVERIFY(process.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(readPids(dir + "/stubborn.pid").size() == 1, 20000);
        const pid_t stubborn = readPids(dir + "/stubborn.pid").first();
        ::kill(pid_t(process.processId()), SIGINT);
        QTest::qWait(300);
        QVERIFY(!process.waitForFinished(0) || process.state() == QProcess::NotRunning);
        ::kill(pid_t(process.processId()), SIGINT);
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 130);
        QTRY_VERIFY_WITH_TIMEOUT(processGone(stubborn), 5000);
        const QByteArray out = process.readAllStandardOutput();
        QVERIFY2(out.contains("again to kill at once"), out.constData());
        QVERIFY2(out.contains("killing every process"), out.constData());
    }

    void traceIsChromeTraceJson()
    {
        const QString dir = freshCopy();
        const CliResult r
            = runCli({ "run", "retry.weft", "-j", "2", "--trace", "trace.json" }, dir);
        QCOMPARE(r.exitCode, 0);
        QFile file(dir + "/trace.json");
        QVERIFY(file.open(QIODevice::ReadOnly));
        const Json trace = Json::parse(file.readAll().toStdString(), nullptr, false);
        QVERIFY(!trace.is_discarded());
        QVERIFY(trace["traceEvents"].is_array());
        std::map<std::string, int> attempts;
        std::set<int> lanes;
        std::set<int> namedLanes;
        for (const Json &e : trace["traceEvents"]) {
            for (const char *key : { "ph", "pid", "tid", "name" })
                QVERIFY2(e.contains(key), e.dump().c_str());
            if (e["ph"] == "X") {
                QVERIFY2(e["ts"].is_number() && e["dur"].is_number(), e.dump().c_str());
                QVERIFY(e["dur"].get<double>() >= 0);
                const Json &args = e["args"];
                QVERIFY(args["node"] == e["name"]);
                QVERIFY(args["attempt"].is_number_integer());
                QVERIFY(args["outcome"].is_string());
                ++attempts[e["name"].get<std::string>()];
                lanes.insert(e["tid"].get<int>());
            } else if (e["ph"] == "M" && e["name"] == "thread_name") {
                const std::string name = e["args"]["name"];
                QVERIFY2(name.rfind("slot ", 0) == 0 || name == "no slot", name.c_str());
                namedLanes.insert(e["tid"].get<int>());
            }
        }
        QCOMPARE(attempts["flaky"], 2);
        QCOMPARE(attempts["steady"], 1);
        QCOMPARE(attempts["then"], 1);
        for (int lane : lanes)
            QVERIFY(namedLanes.count(lane));
        QVERIFY(lanes.size() <= 3); // two job slots (and the spare lane, if used)
    }

    void dryRunRunsNothing()
    {
        const QString dir = freshCopy();
        const CliResult r = runCli({ "run", "dryrun.weft", "--dry-run", "-j", "3" }, dir);
        QCOMPARE(r.exitCode, 0);
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains("4 nodes in 3 levels"), qPrintable(out));
        const int level1 = out.indexOf("level 1");
        const int level2 = out.indexOf("level 2");
        const int level3 = out.indexOf("level 3");
        QVERIFY2(level1 >= 0 && level1 < level2 && level2 < level3, qPrintable(out));
        QVERIFY(out.indexOf("make_file") > level1 && out.indexOf("make_file") < level2);
        QVERIFY(out.indexOf("touch touched.txt") > level2);
        QVERIFY(out.indexOf("last") > level3);
        QVERIFY(!QFile::exists(dir + "/created.txt"));
        QVERIFY(!QFile::exists(dir + "/touched.txt"));
        QVERIFY(!QFile::exists(dir + "/spawned.pid"));

        const CliResult j = runCli({ "run", "--events", "jsonl", "dryrun.weft", "-n" }, dir);
        QCOMPARE(j.exitCode, 0);
        const auto events = parseJsonLines(j.out);
        QCOMPARE(events.size(), std::size_t(5));
        QCOMPARE(events.front()["event"].get<std::string>(), std::string("plan"));
        QCOMPARE(events.front()["levels"].get<int>(), 3);
        std::map<std::string, int> levels;
        for (std::size_t i = 1; i < events.size(); ++i) {
            QCOMPARE(events[i]["event"].get<std::string>(), std::string("plan_node"));
            levels[events[i]["node"]] = events[i]["level"];
        }
        QCOMPARE(levels,
            (std::map<std::string, int> {
                { "make_file", 0 }, { "touch_file", 1 }, { "spawn", 1 }, { "last", 2 } }));
        QVERIFY(!QFile::exists(dir + "/created.txt"));
        QVERIFY(!QFile::exists(dir + "/spawned.pid"));
    }

    void logDirHoldsFullOutput()
    {
        const QString dir = freshCopy();
        const CliResult r = runCli({ "run", "logs.weft", "--log-dir", "logs" }, dir);
        QCOMPARE(r.exitCode, 0);
        QFile out(dir + "/logs/chatty.stdout");
        QVERIFY(out.open(QIODevice::ReadOnly));
        const QByteArray stdoutText = out.readAll();
        QCOMPARE(stdoutText.size(), 300000);
        QCOMPARE(stdoutText.count('x') + stdoutText.count('\n'), 300000);
        QFile err(dir + "/logs/chatty.stderr");
        QVERIFY(err.open(QIODevice::ReadOnly));
        const QByteArray stderrText = err.readAll();
        QVERIFY(stderrText.startsWith("to stderr\n"));
        QCOMPARE(stderrText.size(), 70000 + 10);
        QVERIFY(QFile::exists(dir + "/logs/quiet.stdout"));
        QCOMPARE(QFileInfo(dir + "/logs/quiet.stdout").size(), 0);
    }

    void dotIsAcceptedByGraphviz_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("diamond") << "ok.weft";
        QTest::newRow("awkward names") << "dot-names.weft";
        QTest::newRow("targets") << "targets.weft";
    }

    void dotIsAcceptedByGraphviz()
    {
        QFETCH(QString, file);
        const CliResult r = runCli({ "dot", file }, freshCopy());
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("digraph "));
        QVERIFY(r.out.contains("rankdir=LR"));
        QProcess dot;
        dot.start("dot", { "-Tsvg" });
        QVERIFY2(dot.waitForStarted(10000), "graphviz 'dot' is not installed");
        dot.write(r.out);
        dot.closeWriteChannel();
        QVERIFY(dot.waitForFinished(30000));
        QVERIFY2(dot.exitCode() == 0, dot.readAllStandardError().constData());
        const QByteArray svg = dot.readAllStandardOutput();
        QVERIFY(svg.contains("<svg"));
        if (file == "dot-names.weft") {
            QVERIFY2(svg.contains("Say &quot;hi&quot;"), svg.constData());
            QVERIFY(svg.contains("a.b&#45;c") || svg.contains("a.b-c"));
            QCOMPARE(r.out.count("->"), 3);
        }
    }

    void cliLinksNoQt()
    {
        QProcess ldd;
        ldd.start("ldd", { QStringLiteral(WEFT_CLI_PATH) });
        QVERIFY(ldd.waitForFinished(30000));
        QCOMPARE(ldd.exitCode(), 0);
        const QByteArray libs = ldd.readAllStandardOutput();
        QVERIFY2(libs.contains("libc.so"), libs.constData());
        QVERIFY2(!libs.contains("libQt"), libs.constData());
    }

    void validateSeveralFiles()
    {
        const QString dir = freshCopy();
        CliResult r = runCli({ "validate", "ok.weft", "targets.weft", "retry.weft" }, dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QString::fromUtf8(r.out),
            QStringLiteral("ok.weft: ok (5 nodes)\ntargets.weft: ok (5 nodes)\n"
                           "retry.weft: ok (3 nodes)\n"));
        QVERIFY(r.err.isEmpty());

        r = runCli({ "validate", "ok.weft", "invalid.weft", "targets.weft" }, dir);
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(QString::fromUtf8(r.out),
            QStringLiteral("ok.weft: ok (5 nodes)\ntargets.weft: ok (5 nodes)\n"));
        QVERIFY2(r.err.startsWith("invalid.weft:"), r.err.constData());

        r = runCli({ "validate", "-q", "ok.weft", "targets.weft" }, dir);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.isEmpty());
    }

    void opsTableMatchesReadme()
    {
        const CliResult r = runCli({ "ops", "--format", "markdown" });
        QCOMPARE(r.exitCode, 0);
        QFile readme(QStringLiteral(WEFT_SOURCE_DIR "/README.md"));
        QVERIFY(readme.open(QIODevice::ReadOnly));
        const QByteArray text = readme.readAll();
        const QByteArray begin = "<!-- ops-table:begin -->\n";
        const QByteArray end = "<!-- ops-table:end -->";
        const int from = text.indexOf(begin);
        const int to = text.indexOf(end);
        QVERIFY2(from >= 0 && to > from, "README.md lacks the ops-table markers");
        const QByteArray table = text.mid(from + begin.size(), to - from - begin.size());
        QCOMPARE(QString::fromUtf8(table), QString::fromUtf8(r.out));
    }

    void opsFormats()
    {
        const CliResult json = runCli({ "ops", "--format", "json" });
        QCOMPARE(json.exitCode, 0);
        const Json types = Json::parse(json.out.toStdString(), nullptr, false);
        QVERIFY(types.is_array());
        std::set<std::string> names;
        for (const Json &t : types) {
            names.insert(t["name"].get<std::string>());
            QVERIFY(t["semantics"]["site"].is_string());
            QVERIFY(t["semantics"]["reentrant"].is_boolean());
        }
        QCOMPARE(names,
            (std::set<std::string> { "process", "sleep", "cpu", "hash", "copy", "write", "noop",
                "watch", "timer", "approval", "workflow" }));
        const CliResult text = runCli({ "ops" });
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("process — "));
        QVERIFY(text.out.contains("semantics: child process"));
        QVERIFY(text.out.contains("semantics: timer"));
    }

    void helpForEveryCommand_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("top") << QStringList { "--help" };
        QTest::newRow("run") << QStringList { "run", "--help" };
        QTest::newRow("validate") << QStringList { "validate", "--help" };
        QTest::newRow("ops") << QStringList { "ops", "--help" };
        QTest::newRow("dot") << QStringList { "dot", "--help" };
    }

    void helpForEveryCommand()
    {
        QFETCH(QStringList, args);
        const CliResult r = runCli(args);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("Examples:"), r.out.constData());
        QVERIFY2(r.out.contains("weft-cli "), r.out.constData());
    }

    void version()
    {
        const CliResult r = runCli({ "--version" });
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith("weft-cli 0."), r.out.constData());
        // The license on the line after the version (issue 20).
        QVERIFY2(r.out.split('\n').value(1).contains("Apache License 2.0"), r.out.constData());
        QVERIFY2(r.out.contains("Apache-2.0"), r.out.constData());
        QVERIFY2(r.out.contains("oneTBB"), r.out.constData());
        QVERIFY2(r.out.contains("OpenSSL"), r.out.constData());
    }

    void relativePathsFollowTheWorkflowFile()
    {
        // Run from elsewhere: the write and the cat of ok.weft still meet in
        // the file's own directory.
        const QString dir = freshCopy();
        const CliResult r = runCli({ "run", dir + "/ok.weft", "--events", "jsonl" }, m_dir.path());
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFile::exists(dir + "/out/right.txt"));
        QVERIFY(r.out.contains("\"text\":\"right\\n\""));
    }

    void nodeOutputsInJsonLines()
    {
        // Outputs come from ::output lines (a repeated name makes a list),
        // from the declaration, and from the built-ins' own; a node that
        // failed reports none, and every node_finished carries the key.
        const QString dir = m_dir.filePath("outputs");
        QVERIFY(QDir().mkpath(dir));
        QFile file(dir + "/data.weft");
        QVERIFY(file.open(QIODevice::WriteOnly));
        // Built as JSON rather than written out: moc misreads raw strings.
        const auto node = [](const char *id, const char *type, Json params) {
            return Json { { "id", id }, { "type", type }, { "params", std::move(params) } };
        };
        Json build = node("build", "process",
            { { "command",
                "printf '::output obj out/a.o\\n::output n 1\\nhello\\n::output n 1\\n"
                "::output msg a b  c\\n::output 9bad x\\n'" } });
        build["outputs"] = { { "lib", "out/lib.a" }, { "objs", Json::array({ "out/a.o" }) } };
        Json one = node("one", "write", { { "path", "out/one.txt" }, { "text", "one\n" } });
        one["needs"] = Json::array({ "build" });
        Json two = node("two", "copy", { { "from", "out/one.txt" }, { "to", "out/two.txt" } });
        two["needs"] = Json::array({ "one" });
        Json sum = node("sum", "hash", { { "files", Json::array({ "out/one.txt" }) } });
        sum["needs"] = Json::array({ "one" });
        Json sums = node("sums", "hash", { { "files", Json::array({ "out/*.txt" }) } });
        sums["needs"] = Json::array({ "two" });
        const Json workflow = { { "weft", 1 },
            { "nodes",
                Json::array({ build, one, two, sum, sums, node("plain", "noop", Json::object()),
                    node("broken", "process",
                        { { "command", "echo '::output x 1'; exit 3" } }) }) } };
        file.write(QByteArray::fromStdString(workflow.dump(2)));
        file.close();
        const CliResult r = runCli({ "run", "data.weft", "-k", "--events", "jsonl" }, dir);
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 1); // "broken"
        const auto events = parseJsonLines(r.out);
        QVERIFY(!events.empty());

        QByteArray stdoutOfBuild;
        for (const Json &e : events) {
            if (e["event"] == "output" && e["node"] == "build")
                stdoutOfBuild += QByteArray::fromStdString(e["text"].get<std::string>());
            if (e["event"] == "node_finished")
                QVERIFY2(e.contains("outputs") && e["outputs"].is_object(), e.dump().c_str());
        }
        // ::output lines are not output; a malformed one is.
        QCOMPARE(stdoutOfBuild, QByteArray("hello\n::output 9bad x\n"));

        const auto finished = finishedByNode(events);
        const auto sha = [&](const char *name) {
            QFile f(dir + "/out/" + name);
            if (!f.open(QIODevice::ReadOnly))
                return std::string("unreadable");
            return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256)
                .toHex()
                .toStdString();
        };
        const auto outputsOf = [&](const char *node) { return finished.at(node)["outputs"]; };
        const auto expect = [](const Json &got, const Json &want) {
            return got == want ? std::string() : got.dump() + " != " + want.dump();
        };
        std::string diff = expect(outputsOf("build"),
            Json { { "obj", "out/a.o" }, { "n", Json::array({ "1", "1" }) }, { "msg", "a b  c" },
                { "lib", "out/lib.a" }, { "objs", Json::array({ "out/a.o" }) } });
        QVERIFY2(diff.empty(), diff.c_str());
        diff = expect(outputsOf("one"), Json { { "path", "out/one.txt" } });
        QVERIFY2(diff.empty(), diff.c_str());
        diff = expect(outputsOf("two"), Json { { "path", "out/two.txt" } });
        QVERIFY2(diff.empty(), diff.c_str());
        diff = expect(outputsOf("sum"), Json { { "digest", sha("one.txt") } });
        QVERIFY2(diff.empty(), diff.c_str());
        diff = expect(outputsOf("sums"),
            Json { { "digest", Json::array({ sha("one.txt"), sha("two.txt") }) } });
        QVERIFY2(diff.empty(), diff.c_str());
        diff = expect(outputsOf("plain"), Json::object());
        QVERIFY2(diff.empty(), diff.c_str());
        QVERIFY(finished.at("broken")["outcome"] == "failed");
        diff = expect(outputsOf("broken"), Json::object());
        QVERIFY2(diff.empty(), diff.c_str());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
