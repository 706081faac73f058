// SPDX-License-Identifier: Apache-2.0
// Watch mode and triggers end to end: the real weft-cli (`run --watch
// --events jsonl`), real files changed under it, real inotify, the real
// event stream read while it runs; Ctrl-C is a real SIGINT.

#include "CliRun.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <csignal>
#include <functional>
#include <set>
#include <thread>

using namespace weft::test;
using nlohmann::json;

namespace {

const QString kFixtures = QStringLiteral(WEFT_FIXTURES_DIR "/watch");

// weft-cli running, its JSON lines read as they come.
class LiveCli
{
public:
    ~LiveCli()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    void start(const QStringList &args, const QString &dir)
    {
        m_process.setProgram(QStringLiteral(WEFT_CLI_PATH));
        m_process.setArguments(args);
        m_process.setWorkingDirectory(dir);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("NO_COLOR", "1");
        env.insert("TERM", "dumb");
        m_process.setProcessEnvironment(env);
        m_process.start();
        m_process.waitForStarted(10000);
    }
    // Waits until an event (from index `from` on) satisfies `pred`; its index, or -1.
    int waitFor(const std::function<bool(const json &)> &pred, int timeoutMs = 10000, std::size_t from = 0)
    {
        QElapsedTimer clock;
        clock.start();
        while (true) {
            for (std::size_t k = from; k < events.size(); ++k) {
                if (pred(events[k]))
                    return int(k);
            }
            from = events.size();
            if (clock.elapsed() > timeoutMs || m_process.state() == QProcess::NotRunning) {
                read();
                for (std::size_t k = from; k < events.size(); ++k)
                    if (pred(events[k]))
                        return int(k);
                return -1;
            }
            m_process.waitForReadyRead(50);
            read();
        }
    }
    int roundFinished(int round, int timeoutMs = 10000)
    {
        return waitFor([round](const json &e) {
            return e["event"] == "run_finished" && e.value("round", 0) == round;
        }, timeoutMs);
    }
    int trigger(int round, int timeoutMs = 10000)
    {
        return waitFor([round](const json &e) {
            return e["event"] == "trigger" && e.value("round", 0) == round;
        }, timeoutMs);
    }
    void interrupt() { ::kill(pid_t(m_process.processId()), SIGINT); }
    int finish(int timeoutMs = 15000)
    {
        if (!m_process.waitForFinished(timeoutMs))
            return -1;
        read();
        err += m_process.readAllStandardError();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -2;
    }
    std::vector<json> events;
    QByteArray err;

private:
    void read()
    {
        m_buffer += m_process.readAllStandardOutput();
        int newline;
        while ((newline = m_buffer.indexOf('\n')) >= 0) {
            const QByteArray line = m_buffer.left(newline);
            m_buffer.remove(0, newline + 1);
            json j = json::parse(line.toStdString(), nullptr, false);
            if (j.is_object())
                events.push_back(std::move(j));
        }
    }
    QProcess m_process;
    QByteArray m_buffer;
};

void writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(data);
}

QString copyFixture(const QTemporaryDir &dir, const QString &name)
{
    const QString target = dir.filePath(name);
    QFile::copy(kFixtures + "/" + name, target);
    return target;
}

std::vector<std::string> changedOf(const json &trigger)
{
    return trigger.value("changed", std::vector<std::string>{});
}

int runningPid(const std::vector<json> &events, const std::string &node)
{
    for (const json &e : events)
        if (e["event"] == "node_state" && e["node"] == node && e["state"] == "running" && e.contains("pid"))
            return e["pid"].get<int>();
    return 0;
}

} // namespace

class TestWatch : public QObject
{
    Q_OBJECT

private slots:
    void changeCreateDeleteRenameOver();
    void directoryCreatedAfterStart();
    void debounceCoalesces();
    void timerCount();
    void changeDuringRoundStartsNextRound();
    void declaredInputsStartRounds();
    void oneSaveHeardTwiceStartsOneRound();
    void ctrlCDuringRoundLeavesNoChild();
    void cancelWhileWaitingLeavesNoChild();
    void approvalPreApproved();
    void approvalUnansweredNonInteractively();
    void approveUnknownNode();
};

// One session: a change, a new file, a deletion and an editor's save by
// rename each start a round whose watch node says what changed.
void TestWatch::changeCreateDeleteRenameOver()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("src"));
    writeFile(dir.filePath("src/a.c"), "int a;\n");
    const QString file = copyFixture(dir, "basic.weft");
    LiveCli cli;
    cli.start({"run", file, "--watch", "--events", "jsonl"}, dir.path());
    QVERIFY2(cli.roundFinished(1) >= 0, cli.err.constData());

    auto step = [&](int round, const std::function<void()> &act, const std::string &expected) {
        act();
        const int at = cli.trigger(round);
        QVERIFY2(at >= 0, qPrintable(QStringLiteral("no round %1").arg(round)));
        const json &trigger = cli.events[std::size_t(at)];
        QCOMPARE(trigger["node"].get<std::string>(), std::string("scan"));
        QCOMPARE(trigger["cause"].get<std::string>(), std::string("change"));
        QCOMPARE(changedOf(trigger), std::vector<std::string>{expected});
        QVERIFY(cli.roundFinished(round) >= 0);
        // The watch node's output reached the process.
        const int out = cli.waitFor([&](const json &e) {
            return e["event"] == "output" && e.value("round", 0) == round && e["node"] == "show";
        }, 5000);
        QVERIFY(out >= 0);
        QCOMPARE(cli.events[std::size_t(out)]["text"].get<std::string>(), "changed: " + expected + "\n");
    };
    step(2, [&] { writeFile(dir.filePath("src/a.c"), "int a = 2;\n"); }, "src/a.c");
    step(3, [&] { writeFile(dir.filePath("src/b.c"), "int b;\n"); }, "src/b.c");
    step(4, [&] { QVERIFY(QFile::remove(dir.filePath("src/b.c"))); }, "src/b.c");
    step(5, [&] {
        // As editors save: a hidden temporary file renamed over the original.
        writeFile(dir.filePath("src/.a.c.swp"), "int a = 5;\n");
        QVERIFY(::rename(qPrintable(dir.filePath("src/.a.c.swp")), qPrintable(dir.filePath("src/a.c"))) == 0);
    }, "src/a.c");

    cli.interrupt();
    QCOMPARE(cli.finish(), 130);
    // Every event of the session names its round.
    for (const json &e : cli.events)
        QVERIFY2(e.value("round", 0) >= 1, e.dump().c_str());
}

void TestWatch::directoryCreatedAfterStart()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("src"));
    const QString file = copyFixture(dir, "deep.weft");
    LiveCli cli;
    cli.start({"run", file, "--watch", "--events", "jsonl"}, dir.path());
    QVERIFY2(cli.roundFinished(1) >= 0, cli.err.constData());

    QVERIFY(QDir(dir.path()).mkpath("src/sub/deeper"));
    writeFile(dir.filePath("src/sub/deeper/x.c"), "int x;\n");
    int at = cli.trigger(2);
    QVERIFY(at >= 0);
    QCOMPARE(changedOf(cli.events[std::size_t(at)]), std::vector<std::string>{"src/sub/deeper/x.c"});
    QVERIFY(cli.roundFinished(2) >= 0);

    // gen/ did not exist when the session started.
    QVERIFY(QDir(dir.path()).mkpath("gen"));
    writeFile(dir.filePath("gen/y.c"), "int y;\n");
    at = cli.trigger(3);
    QVERIFY(at >= 0);
    QCOMPARE(changedOf(cli.events[std::size_t(at)]), std::vector<std::string>{"gen/y.c"});
    QVERIFY(cli.roundFinished(3) >= 0);
    cli.interrupt();
    QCOMPARE(cli.finish(), 130);
}

// 20 changes within the debounce start one round that names them all.
void TestWatch::debounceCoalesces()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("src"));
    const QString file = copyFixture(dir, "coalesce.weft");
    LiveCli cli;
    cli.start({"run", file, "--watch", "--events", "jsonl"}, dir.path());
    QVERIFY2(cli.roundFinished(1) >= 0, cli.err.constData());
    for (int k = 0; k < 20; ++k) {
        writeFile(dir.filePath(QStringLiteral("src/f%1.c").arg(k)), "x\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const int at = cli.trigger(2);
    QVERIFY(at >= 0);
    QCOMPARE(changedOf(cli.events[std::size_t(at)]).size(), std::size_t(20));
    QVERIFY(cli.roundFinished(2) >= 0);
    QCOMPARE(cli.trigger(3, 1500), -1);
    cli.interrupt();
    QCOMPARE(cli.finish(), 130);
}

// A timer with count 3 starts three rounds after the first; then nothing can
// start another and the session ends by itself.
void TestWatch::timerCount()
{
    QTemporaryDir dir;
    const QString file = copyFixture(dir, "timer.weft");
    LiveCli cli;
    cli.start({"run", file, "--watch", "--events", "jsonl"}, dir.path());
    QCOMPARE(cli.finish(), 0);
    int timers = 0;
    int rounds = 0;
    for (const json &e : cli.events) {
        if (e["event"] == "trigger" && e["cause"] == "timer") {
            ++timers;
            QCOMPARE(e["node"].get<std::string>(), std::string("tick"));
        }
        if (e["event"] == "run_finished") {
            ++rounds;
            QCOMPARE(e["outcome"].get<std::string>(), std::string("succeeded"));
        }
    }
    QCOMPARE(timers, 3);
    QCOMPARE(rounds, 4);
}

void TestWatch::changeDuringRoundStartsNextRound()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("src"));
    writeFile(dir.filePath("src/a.c"), "int a;\n");
    const QString file = copyFixture(dir, "slow-round.weft");
    LiveCli cli;
    cli.start({"run", file, "--watch", "--events", "jsonl"}, dir.path());
    // Round 1's build (1 s) is running: change a file now.
    QVERIFY(cli.waitFor([](const json &e) {
        return e["event"] == "node_state" && e["node"] == "build" && e["state"] == "running";
    }) >= 0);
    writeFile(dir.filePath("src/a.c"), "int a = 1;\n");
    const int finished1 = cli.roundFinished(1);
    QVERIFY(finished1 >= 0);
    const int trigger2 = cli.trigger(2);
    QVERIFY(trigger2 > finished1);
    QCOMPARE(changedOf(cli.events[std::size_t(trigger2)]), std::vector<std::string>{"src/a.c"});
    QVERIFY(cli.roundFinished(2) >= 0);
    cli.interrupt();
    QCOMPARE(cli.finish(), 130);
}

// A declared input's change starts a round that reruns what is out of date;
// what the workflow writes itself (its declared outputs) starts none. Every
// round is a run in the history.
void TestWatch::declaredInputsStartRounds()
{
    QTemporaryDir dir;
    writeFile(dir.filePath("in.txt"), "one\n");
    const QString file = copyFixture(dir, "inputs.weft");
    LiveCli cli;
    cli.start({"run", file, "--watch", "--events", "jsonl"}, dir.path());
    QVERIFY2(cli.roundFinished(1) >= 0, cli.err.constData());
    writeFile(dir.filePath("in.txt"), "one two\n");
    const int at = cli.trigger(2);
    QVERIFY(at >= 0);
    const json &trigger = cli.events[std::size_t(at)];
    QCOMPARE(trigger["cause"].get<std::string>(), std::string("input"));
    QCOMPARE(trigger["node"].get<std::string>(), std::string("copy"));
    QCOMPARE(changedOf(trigger), std::vector<std::string>{"in.txt"});
    const int done2 = cli.roundFinished(2);
    QVERIFY(done2 >= 0);
    QCOMPARE(cli.events[std::size_t(done2)]["counts"]["cached"].get<int>(), 0);
    QCOMPARE(QFile(dir.filePath("count.txt")).size() > 0, true);
    // out.txt and count.txt were rewritten by round 2: no round 3 from them.
    QCOMPARE(cli.trigger(3, 1500), -1);
    cli.interrupt();
    QCOMPARE(cli.finish(), 130);

    const CliRun history = runWeftCli({"history", file, "--format", "json"}, dir.path());
    QCOMPARE(history.exitCode, 0);
    const json runs = json::parse(history.out.toStdString());
    QCOMPARE(runs.size(), std::size_t(2));
}

// A save that a watch node hears (debounce 0.05 s) and that is a declared
// input too (0.2 s) is one change: the round the watch node started has
// this very version of the file, so the input's later word starts no other.
void TestWatch::oneSaveHeardTwiceStartsOneRound()
{
    QTemporaryDir dir;
    writeFile(dir.filePath("in.txt"), "one\n");
    const QString file = copyFixture(dir, "heard-twice.weft");
    LiveCli cli;
    cli.start({"run", file, "--watch", "--events", "jsonl"}, dir.path());
    QVERIFY2(cli.roundFinished(1) >= 0, cli.err.constData());
    writeFile(dir.filePath("in.txt"), "one two\n");
    const int at = cli.trigger(2);
    QVERIFY(at >= 0);
    QCOMPARE(cli.events[std::size_t(at)]["cause"].get<std::string>(), std::string("change"));
    QVERIFY(cli.roundFinished(2) >= 0);
    QCOMPARE(cli.trigger(3, 1500), -1);
    // A second save, after round 2 saw the first, is a change again.
    writeFile(dir.filePath("in.txt"), "one two three\n");
    QVERIFY(cli.trigger(3) >= 0);
    QVERIFY(cli.roundFinished(3) >= 0);
    QCOMPARE(cli.trigger(4, 1500), -1);
    cli.interrupt();
    QCOMPARE(cli.finish(), 130);
}

void TestWatch::ctrlCDuringRoundLeavesNoChild()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("src"));
    const QString file = copyFixture(dir, "busy-round.weft");
    LiveCli cli;
    cli.start({"run", file, "--watch", "--events", "jsonl"}, dir.path());
    QVERIFY(cli.waitFor([](const json &e) {
        return e["event"] == "node_state" && e["node"] == "busy" && e["state"] == "running";
    }) >= 0);
    const int pid = runningPid(cli.events, "busy");
    QVERIFY(pid > 0);
    QElapsedTimer clock;
    clock.start();
    cli.interrupt();
    QCOMPARE(cli.finish(), 130);
    QVERIFY(clock.elapsed() < 8000);
    QVERIFY(processGone(pid));
    const auto finished = finishedByNode(cli.events);
    QCOMPARE(finished.at("busy")["outcome"].get<std::string>(), std::string("cancelled"));
}

// Without --watch, a watch and a timer node wait; Ctrl-C cancels both and
// the process beside them.
void TestWatch::cancelWhileWaitingLeavesNoChild()
{
    QTemporaryDir dir;
    const QString file = copyFixture(dir, "waiting.weft");
    LiveCli cli;
    cli.start({"run", file, "--events", "jsonl"}, dir.path());
    for (const char *node : {"scan", "tick"}) {
        QVERIFY(cli.waitFor([node](const json &e) {
            return e["event"] == "node_state" && e["node"] == node && e["state"] == "waiting"
                   && e["reason"] == "trigger";
        }) >= 0);
    }
    QVERIFY(cli.waitFor([](const json &e) {
        return e["event"] == "node_state" && e["node"] == "busy" && e["state"] == "running";
    }) >= 0);
    const int pid = runningPid(cli.events, "busy");
    cli.interrupt();
    QCOMPARE(cli.finish(), 130);
    QVERIFY(processGone(pid));
    const auto finished = finishedByNode(cli.events);
    for (const char *node : {"scan", "tick", "busy"})
        QCOMPARE(finished.at(node)["outcome"].get<std::string>(), std::string("cancelled"));
}

void TestWatch::approvalPreApproved()
{
    QTemporaryDir dir;
    const QString file = copyFixture(dir, "approval.weft");
    const CliRun run = runWeftCli({"run", file, "--events", "jsonl", "--approve", "gate"}, dir.path());
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const auto finished = finishedByNode(parseJsonLines(run.out));
    QCOMPARE(finished.at("gate")["outcome"].get<std::string>(), std::string("succeeded"));
    QCOMPARE(finished.at("publish")["outcome"].get<std::string>(), std::string("succeeded"));
}

void TestWatch::approvalUnansweredNonInteractively()
{
    QTemporaryDir dir;
    const QString file = copyFixture(dir, "approval.weft");
    const CliRun run = runWeftCli({"run", file, "--events", "jsonl"}, dir.path());
    QCOMPARE(run.exitCode, 1);
    const std::vector<json> events = parseJsonLines(run.out);
    bool waited = false;
    for (const json &e : events)
        waited = waited || (e["event"] == "node_state" && e["node"] == "gate" && e["state"] == "waiting"
                            && e["reason"] == "approval" && e["detail"] == "Publish the build?");
    QVERIFY(waited);
    const auto finished = finishedByNode(events);
    QCOMPARE(finished.at("build")["outcome"].get<std::string>(), std::string("succeeded"));
    QCOMPARE(finished.at("gate")["outcome"].get<std::string>(), std::string("failed"));
    const std::string error = finished.at("gate")["error"].get<std::string>();
    QVERIFY2(error.find("not approved") != std::string::npos, error.c_str());
    QVERIFY2(error.find("--approve gate") != std::string::npos, error.c_str());
    QCOMPARE(finished.at("publish")["outcome"].get<std::string>(), std::string("skipped"));
    QVERIFY(run.err.contains("--approve gate"));
}

void TestWatch::approveUnknownNode()
{
    QTemporaryDir dir;
    const QString file = copyFixture(dir, "approval.weft");
    const CliRun run = runWeftCli({"run", file, "--approve", "publish"}, dir.path());
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("no approval node named 'publish'"), run.err.constData());
}

QTEST_GUILESS_MAIN(TestWatch)
#include "tst_watch.moc"
