// SPDX-License-Identifier: Apache-2.0
// The process reactor against real processes: weft-test-child does exactly
// what each test needs (exit N, crash, hang, flood, ignore SIGTERM, leave
// grandchildren or a daemon behind).
#include "ProcessMemory.h"
#include "../../engine/src/process/ProcessReactor.h"

#include <QtTest>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

using namespace weft;
using namespace std::chrono_literals;

namespace {

const std::string kChild = WEFT_TEST_CHILD_PATH;

// Everything one process reports, gathered from the reactor thread.
struct Run
{
    std::mutex mutex;
    std::condition_variable finishedChanged;
    bool keepOutput = true;
    std::string out;
    std::string err;
    std::uint64_t outBytes = 0;
    std::uint64_t errBytes = 0;
    std::vector<std::pair<double, std::string>> progress;
    std::optional<ProcessOutcome> outcome;
    int finishedCount = 0;
    int startedCount = 0;
    int startedPid = 0;
    bool callbackAfterFinished = false;
    std::set<std::thread::id> callbackThreads;

    ProcessCallbacks callbacks()
    {
        ProcessCallbacks callbacks;
        callbacks.started = [this](int pid) {
            std::lock_guard lock(mutex);
            note();
            ++startedCount;
            startedPid = pid;
        };
        callbacks.output = [this](OutputStream stream, std::string_view text) {
            std::lock_guard lock(mutex);
            note();
            if (stream == OutputStream::Stdout) {
                outBytes += text.size();
                if (keepOutput)
                    out.append(text);
            } else {
                errBytes += text.size();
                if (keepOutput)
                    err.append(text);
            }
        };
        callbacks.progress = [this](double fraction, std::string_view message) {
            std::lock_guard lock(mutex);
            note();
            progress.emplace_back(fraction, std::string(message));
        };
        callbacks.finished = [this](ProcessOutcome result) {
            std::lock_guard lock(mutex);
            note();
            outcome = std::move(result);
            ++finishedCount;
            finishedChanged.notify_all();
        };
        return callbacks;
    }

    void note()
    {
        if (finishedCount > 0)
            callbackAfterFinished = true;
        callbackThreads.insert(std::this_thread::get_id());
    }

    bool wait(std::chrono::seconds timeout = 20s)
    {
        std::unique_lock lock(mutex);
        return finishedChanged.wait_for(lock, timeout, [this] { return finishedCount > 0; });
    }

    std::string stdoutText()
    {
        std::lock_guard lock(mutex);
        return out;
    }
    int pid()
    {
        std::lock_guard lock(mutex);
        return startedPid;
    }
};

ProcessSpec childSpec(std::vector<std::string> args)
{
    ProcessSpec spec;
    spec.argv.push_back(kChild);
    for (std::string &arg : args)
        spec.argv.push_back(std::move(arg));
    return spec;
}

// Alive and not a zombie: a reparented grandchild that init has not reaped
// yet is dead for our purposes.
bool isRunning(int pid)
{
    if (::kill(pid, 0) != 0)
        return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line))
        return false;
    std::size_t paren = line.rfind(')');
    if (paren == std::string::npos || paren + 2 >= line.size())
        return false;
    char state = line[paren + 2];
    return state != 'Z' && state != 'X';
}

std::vector<int> readPids(const QString &path)
{
    std::vector<int> pids;
    std::ifstream in(path.toStdString());
    int pid;
    while (in >> pid)
        pids.push_back(pid);
    return pids;
}

using weft::test::residentKiB;

bool waitForText(Run &run, const std::string &text, std::chrono::seconds timeout = 20s)
{
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (run.stdoutText().find(text) != std::string::npos)
            return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

} // namespace

class tst_ProcessReactor : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void exitStatus_data();
    void exitStatus();
    void streamsSeparateAndComplete();
    void progressLinesParsedAndRemoved();
    void partialLineNotHeldBack();
    void floodIsBoundedAndCounted();
    void killedFromOutside();
    void ignoringSigtermIsKilledAfterGrace();
    void grandchildrenGoneAfterCancel();
    void grandchildrenGoneAfterNormalExit();
    void daemonHoldingPipesDoesNotHang();
    void briefWaitFinishesOnTheCallersThread();
    void briefWaitHandsALongerProcessToTheReactor();
    void briefWaitHandsHeldPipesToTheReactor();
    void timeout();
    void timeoutIgnoringSigterm();
    void commandNotFound_data();
    void commandNotFound();
    void permissionDenied_data();
    void permissionDenied();
    void badCwd_data();
    void badCwd();
    void cwdAndEnvPassed();
    void spawnHygiene();
    void simpleCommandRunsWithoutShell();
    void shellCommand();
    void scriptWithoutShebangRunsInShell();
    void startFromCallbacks();
    void exitStatusLostWhenSigchldIgnored();
    void manyConcurrentChildren_data();
    void manyConcurrentChildren();
    void timers();
    void timerEdgeCases();
    void cancelAll();
    void destructorKillsEverything();
    void signalNames();

private:
    std::unique_ptr<ProcessReactor> m_reactor;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_ProcessReactor::init()
{
    m_reactor = std::make_unique<ProcessReactor>();
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_ProcessReactor::cleanup()
{
    // Every test leaves no live process group behind.
    QTRY_VERIFY_WITH_TIMEOUT(m_reactor->survivingProcessGroups().empty(), 10000);
    m_reactor.reset();
    m_dir.reset();
}

void tst_ProcessReactor::exitStatus_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("exitCode"); // -1: none
    QTest::addColumn<int>("signal");
    QTest::addColumn<QString>("error");

    QTest::newRow("success") << QStringList{"--exit", "0"} << true << 0 << 0 << "";
    QTest::newRow("no actions") << QStringList{} << true << 0 << 0 << "";
    QTest::newRow("status 3") << QStringList{"--exit", "3"} << false << 3 << 0
                              << "exited with status 3";
    QTest::newRow("status 255") << QStringList{"--exit", "255"} << false << 255 << 0
                                << "exited with status 255";
    QTest::newRow("segfault") << QStringList{"--signal", "SEGV"} << false << -1 << SIGSEGV
                              << "killed by SIGSEGV";
    QTest::newRow("abort") << QStringList{"--signal", "ABRT"} << false << -1 << SIGABRT
                           << "killed by SIGABRT";
}

void tst_ProcessReactor::exitStatus()
{
    QFETCH(QStringList, args);
    QFETCH(bool, ok);
    QFETCH(int, exitCode);
    QFETCH(int, signal);
    QFETCH(QString, error);

    std::vector<std::string> argv;
    for (const QString &arg : args)
        argv.push_back(arg.toStdString());
    Run run;
    m_reactor->startProcess(childSpec(argv), run.callbacks());
    QVERIFY(run.wait());
    const ProcessOutcome &outcome = *run.outcome;
    QCOMPARE(outcome.ok, ok);
    QVERIFY(outcome.spawned);
    QVERIFY(outcome.pid > 0);
    QCOMPARE(outcome.pid, run.startedPid);
    QCOMPARE(outcome.exitCode.value_or(-1), exitCode);
    QCOMPARE(outcome.signal, signal);
    QCOMPARE(QString::fromStdString(outcome.error), error);
    QCOMPARE(run.finishedCount, 1);
    QVERIFY(!run.callbackAfterFinished);
    // Every callback of a started process comes from the one reactor thread.
    QCOMPARE(run.callbackThreads.size(), std::size_t(1));
    QVERIFY(!run.callbackThreads.count(std::this_thread::get_id()));
}

void tst_ProcessReactor::streamsSeparateAndComplete()
{
    Run run;
    m_reactor->startProcess(childSpec({"--stdout", "one", "--stderr", "warning 1", "--stdout",
                                       "two", "--stderr", "warning 2", "--exit", "3"}),
                            run.callbacks());
    QVERIFY(run.wait());
    QCOMPARE(run.out, std::string("one\ntwo\n"));
    QCOMPARE(run.err, std::string("warning 1\nwarning 2\n"));
    QCOMPARE(run.outcome->stderrTail, std::string("warning 1\nwarning 2"));
    QCOMPARE(run.outcome->stdoutTail, std::string("one\ntwo"));
    QCOMPARE(run.outcome->error, std::string("exited with status 3"));
    QCOMPARE(run.outcome->stdoutBytes, std::uint64_t(8));
    QCOMPARE(run.outcome->stderrBytes, std::uint64_t(20));
    QVERIFY(run.outcome->commandLine.ends_with(" --stderr 'warning 2' --exit 3"));
}

void tst_ProcessReactor::progressLinesParsedAndRemoved()
{
    Run run;
    // The third report is split across two writes, with a pause between.
    m_reactor->startProcess(childSpec({"--stdout", "before", "--progress", "50", "half way",
                                       "--stdout-nonl", "::prog", "--sleep", "0.2",
                                       "--stdout", "ress 3/4 three of four", "--progress",
                                       "soon", "not a number", "--stderr", "::progress 10 err",
                                       "--progress", "100%", "", "--stdout", "after"}),
                            run.callbacks());
    QVERIFY(run.wait());
    QVERIFY(run.outcome->ok);
    QCOMPARE(run.out, std::string("before\n::progress soon not a number\nafter\n"));
    QCOMPARE(run.err, std::string("::progress 10 err\n"));
    QCOMPARE(run.progress.size(), std::size_t(3));
    QCOMPARE(run.progress[0].first, 0.5);
    QCOMPARE(run.progress[0].second, std::string("half way"));
    QCOMPARE(run.progress[1].first, 0.75);
    QCOMPARE(run.progress[1].second, std::string("three of four"));
    QCOMPARE(run.progress[2].first, 1.0);
    QCOMPARE(run.progress[2].second, std::string());
}

void tst_ProcessReactor::partialLineNotHeldBack()
{
    // Ordinary output without a newline reaches the callback while the
    // child is still running, and so does a prefix that cannot be progress.
    Run run;
    auto handle = m_reactor->startProcess(childSpec({"--stdout-nonl", "50% done",
                                                     "--stdout-nonl", " :: still", "--sleep",
                                                     "30"}),
                                          run.callbacks());
    QVERIFY(waitForText(run, "50% done :: still"));
    QCOMPARE(run.finishedCount, 0);
    m_reactor->cancel(handle, 0ms);
    QVERIFY(run.wait());
    QVERIFY(run.outcome->cancelled);
}

void tst_ProcessReactor::floodIsBoundedAndCounted()
{
    constexpr std::uint64_t kBytes = 500ull * 1024 * 1024;
    const long before = residentKiB();
    QVERIFY(before > 0);
    Run run;
    run.keepOutput = false;
    m_reactor->startProcess(childSpec({"--flood", std::to_string(kBytes), "--flood-stderr",
                                       std::to_string(8 * 1024 * 1024), "--stderr", "last words"}),
                            run.callbacks());
    QVERIFY(run.wait(120s));
    const long after = residentKiB();
    QVERIFY(run.outcome->ok);
    QCOMPARE(run.outBytes, kBytes);
    QCOMPARE(run.outcome->stdoutBytes, kBytes);
    QCOMPARE(run.errBytes, std::uint64_t(8 * 1024 * 1024 + 11));
    QCOMPARE(run.outcome->stderrBytes, run.errBytes);
    QVERIFY(run.outcome->stderrTail.size() < 16 * 1024);
    QVERIFY(run.outcome->stderrTail.ends_with("\nlast words"));
    QVERIFY2(after - before < 64 * 1024,
             qPrintable(QString("VmRSS grew by %1 KiB").arg(after - before)));
}

void tst_ProcessReactor::killedFromOutside()
{
    Run run;
    m_reactor->startProcess(childSpec({"--stdout", "ready", "--sleep", "30"}), run.callbacks());
    QVERIFY(waitForText(run, "ready"));
    QVERIFY(run.pid() > 0);
    // While it runs, its group is reported as alive (pgid = pid).
    QCOMPARE(m_reactor->survivingProcessGroups(), std::vector<int>{run.pid()});
    QCOMPARE(::kill(run.pid(), SIGKILL), 0);
    QVERIFY(run.wait());
    QCOMPARE(run.outcome->signal, SIGKILL);
    QVERIFY(!run.outcome->exitCode);
    QVERIFY(!run.outcome->cancelled);
    QCOMPARE(run.outcome->error, std::string("killed by SIGKILL"));
}

void tst_ProcessReactor::ignoringSigtermIsKilledAfterGrace()
{
    Run run;
    auto handle = m_reactor->startProcess(childSpec({"--ignore-term", "--stdout", "ready",
                                                     "--sleep", "30"}),
                                          run.callbacks());
    QVERIFY(waitForText(run, "ready"));
    m_reactor->cancel(handle, 300ms);
    QVERIFY(run.wait());
    QVERIFY(run.outcome->cancelled);
    QVERIFY(!run.outcome->ok);
    QCOMPARE(run.outcome->signal, SIGKILL);
    QCOMPARE(run.outcome->error, std::string("cancelled"));
}

void tst_ProcessReactor::grandchildrenGoneAfterCancel()
{
    const QString pidfile = m_dir->filePath("pids");
    Run run;
    auto handle = m_reactor->startProcess(
        childSpec({"--pidfile", pidfile.toStdString(), "--spawn-grandchild", "30",
                   "--ignore-term", "--spawn-grandchild", "30", "--stdout", "ready", "--sleep",
                   "30"}),
        run.callbacks());
    QVERIFY(waitForText(run, "ready"));
    const std::vector<int> pids = readPids(pidfile);
    QCOMPARE(pids.size(), std::size_t(3));
    for (int pid : pids)
        QVERIFY(isRunning(pid));
    m_reactor->cancel(handle, 300ms);
    QVERIFY(run.wait());
    QVERIFY(run.outcome->cancelled);
    for (int pid : pids)
        QTRY_VERIFY_WITH_TIMEOUT(!isRunning(pid), 5000);
}

void tst_ProcessReactor::grandchildrenGoneAfterNormalExit()
{
    // The grandchildren keep the pipes open and would sleep for 30 s; the
    // node still ends as soon as its main process does.
    const QString pidfile = m_dir->filePath("pids");
    Run run;
    m_reactor->startProcess(childSpec({"--pidfile", pidfile.toStdString(), "--spawn-grandchild",
                                       "30", "--spawn-grandchild", "30", "--stdout", "bye",
                                       "--exit", "0"}),
                            run.callbacks());
    QVERIFY(run.wait(10s));
    QVERIFY(run.outcome->ok);
    QCOMPARE(run.out, std::string("bye\n"));
    const std::vector<int> pids = readPids(pidfile);
    QCOMPARE(pids.size(), std::size_t(3));
    for (int pid : pids)
        QTRY_VERIFY_WITH_TIMEOUT(!isRunning(pid), 5000);
}

void tst_ProcessReactor::daemonHoldingPipesDoesNotHang()
{
    // A daemon that left the group (setsid) cannot be killed with it; the
    // node must still finish, after a bounded drain of its pipes.
    const QString pidfile = m_dir->filePath("pids");
    Run run;
    m_reactor->startProcess(childSpec({"--pidfile", pidfile.toStdString(), "--spawn-daemon",
                                       "30", "--stdout", "done"}),
                            run.callbacks());
    const bool finished = run.wait(10s);
    const std::vector<int> pids = readPids(pidfile);
    for (std::size_t i = 1; i < pids.size(); ++i)
        ::kill(pids[i], SIGKILL); // the escaped daemon is ours to clean up here
    QVERIFY(finished);
    QCOMPARE(pids.size(), std::size_t(2));
    QVERIFY(run.outcome->ok);
    QCOMPARE(run.out, std::string("done\n"));
}

// waitBriefly: a process that ends (and closes its pipes) within the brief
// wait is finished by the thread that started it, before startProcess
// returns, with everything the reactor would have told.
void tst_ProcessReactor::briefWaitFinishesOnTheCallersThread()
{
    // /bin/sh, not the test child: a sanitizer-built child takes longer to
    // start than the brief wait.
    ProcessSpec spec;
    spec.command = "echo one; echo 'warning 1' >&2; echo '::progress 50 half way'; "
                   "echo '::output obj a b.o'; echo two; exit 3";
    spec.waitBriefly = true;
    // A loaded machine may take longer than the wait to run the child: the
    // reactor then finishes it (the next test), and this one tries again.
    for (int attempt = 0; attempt < 20; ++attempt) {
        Run run;
        m_reactor->startProcess(spec, run.callbacks());
        bool finishedHere;
        {
            std::lock_guard lock(run.mutex);
            finishedHere = run.finishedCount > 0;
        }
        if (!finishedHere) {
            QVERIFY(run.wait());
            continue;
        }
        QCOMPARE(run.startedCount, 1);
        QCOMPARE(run.callbackThreads, std::set<std::thread::id> { std::this_thread::get_id() });
        QVERIFY(!run.callbackAfterFinished);
        const ProcessOutcome &outcome = *run.outcome;
        QCOMPARE(outcome.pid, run.startedPid);
        QCOMPARE(outcome.exitCode, std::optional<int>(3));
        QCOMPARE(outcome.error, std::string("exited with status 3"));
        QCOMPARE(run.out, std::string("one\ntwo\n"));
        QCOMPARE(run.err, std::string("warning 1\n"));
        QCOMPARE(outcome.stdoutTail, std::string("one\ntwo"));
        QCOMPARE(outcome.stderrTail, std::string("warning 1"));
        QCOMPARE(run.progress.size(), std::size_t(1));
        QCOMPARE(run.progress[0].second, std::string("half way"));
        QCOMPARE(outcome.outputs.size(), std::size_t(1));
        QCOMPARE(outcome.outputs[0], (std::pair<std::string, std::string>("obj", "a b.o")));
        QVERIFY(outcome.cpuSeconds >= 0);
        return;
    }
    QSKIP("the child never ended within the brief wait on this machine");
}

// One still running after the brief wait goes on under the reactor: output
// from before and after the hand-over, in order, and one finished.
void tst_ProcessReactor::briefWaitHandsALongerProcessToTheReactor()
{
    Run run;
    ProcessSpec spec
        = childSpec({ "--stdout", "before", "--sleep", "0.2", "--stdout", "after", "--exit", "0" });
    spec.waitBriefly = true;
    m_reactor->startProcess(spec, run.callbacks());
    {
        std::lock_guard lock(run.mutex);
        QCOMPARE(run.finishedCount, 0);
        QCOMPARE(run.startedCount, 1);
    }
    QVERIFY(run.wait());
    QVERIFY(run.outcome->ok);
    QCOMPARE(run.out, std::string("before\nafter\n"));
    QCOMPARE(run.startedCount, 1);
    QCOMPARE(run.finishedCount, 1);
    QVERIFY(!run.callbackAfterFinished);
    // Started here, finished on the reactor thread.
    QVERIFY(run.callbackThreads.count(std::this_thread::get_id()));
    QCOMPARE(run.callbackThreads.size(), std::size_t(2));
}

// A main process that ends at once while its grandchildren hold the pipes:
// not finished in the brief wait, the reactor kills the group and ends it.
void tst_ProcessReactor::briefWaitHandsHeldPipesToTheReactor()
{
    const QString pidfile = m_dir->filePath("pids");
    Run run;
    ProcessSpec spec = childSpec({ "--pidfile", pidfile.toStdString(), "--spawn-grandchild", "30",
        "--stdout", "bye", "--exit", "0" });
    spec.waitBriefly = true;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait(10s));
    QVERIFY(run.outcome->ok);
    QCOMPARE(run.out, std::string("bye\n"));
    QCOMPARE(run.startedCount, 1);
    const std::vector<int> pids = readPids(pidfile);
    QCOMPARE(pids.size(), std::size_t(2));
    for (int pid : pids)
        QTRY_VERIFY_WITH_TIMEOUT(!isRunning(pid), 5000);
}

void tst_ProcessReactor::timeout()
{
    Run run;
    ProcessSpec spec = childSpec({"--stdout", "started", "--sleep", "30"});
    spec.timeoutSeconds = 0.3;
    spec.killGrace = 5000ms;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait());
    QVERIFY(run.outcome->timedOut);
    QVERIFY(!run.outcome->cancelled);
    QVERIFY(!run.outcome->ok);
    QCOMPARE(run.outcome->signal, SIGTERM); // it obeyed SIGTERM: no SIGKILL needed
    QCOMPARE(run.outcome->error, std::string("timed out after 0.3 s"));
    QCOMPARE(run.out, std::string("started\n"));
}

void tst_ProcessReactor::timeoutIgnoringSigterm()
{
    Run run;
    ProcessSpec spec = childSpec({"--ignore-term", "--sleep", "30"});
    spec.timeoutSeconds = 1;
    spec.killGrace = 200ms;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait());
    QVERIFY(run.outcome->timedOut);
    QCOMPARE(run.outcome->signal, SIGKILL);
    QCOMPARE(run.outcome->error, std::string("timed out after 1 s"));
}

void tst_ProcessReactor::commandNotFound_data()
{
    QTest::addColumn<QStringList>("argv");
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("error");

    QTest::newRow("argv") << QStringList{"weft-no-such-command", "x"} << ""
                          << "command not found: weft-no-such-command";
    QTest::newRow("simple command") << QStringList{} << "weft-no-such-command --flag"
                                    << "command not found: weft-no-such-command";
    QTest::newRow("shell command") << QStringList{} << "weft-no-such-command > /dev/null"
                                   << "command not found: weft-no-such-command";
    QTest::newRow("shell, second word") << QStringList{} << "true && weft-other-missing; exit $?"
                                        << "command not found: weft-other-missing";
    QTest::newRow("path") << QStringList{"./weft-missing.sh"} << ""
                          << "no such file: ./weft-missing.sh";
    QTest::newRow("empty") << QStringList{} << "   " << "empty command";
}

void tst_ProcessReactor::commandNotFound()
{
    QFETCH(QStringList, argv);
    QFETCH(QString, command);
    QFETCH(QString, error);

    ProcessSpec spec;
    for (const QString &arg : argv)
        spec.argv.push_back(arg.toStdString());
    spec.command = command.toStdString();
    spec.cwd = m_dir->path().toStdString();
    Run run;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait());
    QVERIFY(!run.outcome->ok);
    QCOMPARE(QString::fromStdString(run.outcome->error), error);
    QCOMPARE(run.finishedCount, 1);
}

void tst_ProcessReactor::permissionDenied_data()
{
    QTest::addColumn<QStringList>("argv");
    QTest::addColumn<QString>("command");

    QTest::newRow("argv") << QStringList{"./script.sh"} << "";
    QTest::newRow("simple command") << QStringList{} << "./script.sh --flag";
    QTest::newRow("shell command") << QStringList{} << "./script.sh > /dev/null";
}

void tst_ProcessReactor::permissionDenied()
{
    QFETCH(QStringList, argv);
    QFETCH(QString, command);

    const QString script = m_dir->filePath("script.sh");
    {
        std::ofstream out(script.toStdString());
        out << "#!/bin/sh\necho hi\n";
    }
    QCOMPARE(::chmod(script.toLocal8Bit().constData(), 0644), 0);
    ProcessSpec spec;
    for (const QString &arg : argv)
        spec.argv.push_back(arg.toStdString());
    spec.command = command.toStdString();
    spec.cwd = m_dir->path().toStdString();
    Run run;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait());
    QVERIFY(!run.outcome->ok);
    QCOMPARE(run.outcome->error, std::string("permission denied: ./script.sh"));
}

void tst_ProcessReactor::badCwd_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("display");
    QTest::addColumn<QString>("error");

    QTest::newRow("direct, as written") << "true" << "work" << "no such directory: work";
    QTest::newRow("shell, as written") << "true && true" << "work" << "no such directory: work";
    QTest::newRow("no display name") << "true" << "" << "";
}

void tst_ProcessReactor::badCwd()
{
    QFETCH(QString, command);
    QFETCH(QString, display);
    QFETCH(QString, error);

    ProcessSpec spec;
    spec.command = command.toStdString();
    spec.cwd = m_dir->filePath("work").toStdString();
    spec.cwdDisplay = display.toStdString();
    if (error.isEmpty())
        error = "no such directory: " + m_dir->filePath("work");
    Run run;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait());
    QVERIFY(!run.outcome->ok);
    QVERIFY(!run.outcome->spawned);
    QCOMPARE(QString::fromStdString(run.outcome->error), error);
}

void tst_ProcessReactor::cwdAndEnvPassed()
{
    ::setenv("WEFT_TEST_INHERITED", "from parent", 1);
    ::setenv("WEFT_TEST_OVERRIDDEN", "old", 1);
    ProcessSpec spec = childSpec({"--pwd", "--env", "WEFT_TEST_VAR", "--env",
                                  "WEFT_TEST_INHERITED", "--env", "WEFT_TEST_OVERRIDDEN",
                                  "--env", "WEFT_TEST_UNSET"});
    spec.cwd = m_dir->path().toStdString();
    spec.env = {{"WEFT_TEST_VAR", "hello world"}, {"WEFT_TEST_OVERRIDDEN", "new"}};
    Run run;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait());
    QVERIFY(run.outcome->ok);
    const std::string expected = std::filesystem::canonical(spec.cwd).string()
                                 + "\nWEFT_TEST_VAR=hello world\n"
                                   "WEFT_TEST_INHERITED=from parent\n"
                                   "WEFT_TEST_OVERRIDDEN=new\n"
                                   "WEFT_TEST_UNSET unset\n";
    QCOMPARE(run.out, expected);
}

void tst_ProcessReactor::spawnHygiene()
{
    // The spawning thread ignores SIGPIPE and blocks SIGUSR1, as a GUI or a
    // CLI may: the child must get neither.
    Run run;
    std::thread spawner([&] {
        struct sigaction ignore = {};
        ignore.sa_handler = SIG_IGN;
        struct sigaction previous = {};
        ::sigaction(SIGPIPE, &ignore, &previous);
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        ::pthread_sigmask(SIG_BLOCK, &block, nullptr);
        m_reactor->startProcess(childSpec({"--hygiene"}), run.callbacks());
        ::sigaction(SIGPIPE, &previous, nullptr);
    });
    spawner.join();
    QVERIFY(run.wait());
    QVERIFY(run.outcome->ok);
    QCOMPARE(run.out, std::string("sigpipe default\nblocked 0\nleader yes\nstdin eof\n"
                                  "stdout blocking\n"));
}

void tst_ProcessReactor::simpleCommandRunsWithoutShell()
{
    // No shell syntax: executed directly, so the child's parent is us.
    ProcessSpec spec;
    spec.command = kChild + "  --ppid\t--stdout a=b";
    Run run;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait());
    QVERIFY(run.outcome->ok);
    QCOMPARE(run.out, "ppid " + std::to_string(::getpid()) + "\na=b\n");
    QCOMPARE(run.outcome->commandLine, spec.command);
}

void tst_ProcessReactor::shellCommand()
{
    ProcessSpec spec;
    spec.command = "echo \"$WEFT_GREETING\" one; echo two >&2; exit 4";
    spec.env = {{"WEFT_GREETING", "hi"}};
    Run run;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait());
    QCOMPARE(run.out, std::string("hi one\n"));
    QCOMPARE(run.err, std::string("two\n"));
    QCOMPARE(run.outcome->exitCode.value_or(-1), 4);
    QCOMPARE(run.outcome->error, std::string("exited with status 4"));
}

void tst_ProcessReactor::scriptWithoutShebangRunsInShell()
{
    // execvp's rule, which make follows: no #! line means a shell script.
    const QString script = m_dir->filePath("plain.sh");
    {
        std::ofstream out(script.toStdString());
        out << "echo \"plain $1\"\nexit 2\n";
    }
    QCOMPARE(::chmod(script.toLocal8Bit().constData(), 0755), 0);
    ProcessSpec spec;
    spec.argv = {"./plain.sh", "script"};
    spec.cwd = m_dir->path().toStdString();
    Run run;
    m_reactor->startProcess(spec, run.callbacks());
    QVERIFY(run.wait());
    QCOMPARE(run.out, std::string("plain script\n"));
    QCOMPARE(run.outcome->exitCode.value_or(-1), 2);
}

void tst_ProcessReactor::startFromCallbacks()
{
    // A finished callback starts the next process and a timer, as the
    // executor does for retries with backoff: re-entering from the reactor
    // thread must work.
    std::atomic<int> finished{0};
    std::atomic<int> timersFired{0};
    std::function<void(int)> startNext = [&](int remaining) {
        ProcessCallbacks callbacks;
        callbacks.finished = [&, remaining](ProcessOutcome outcome) {
            if (!outcome.ok)
                return;
            ++finished;
            m_reactor->startTimer(0.01, [&](bool cancelled) {
                if (!cancelled)
                    ++timersFired;
            });
            if (remaining > 1)
                startNext(remaining - 1);
        };
        m_reactor->startProcess(childSpec({"--exit", "0"}), std::move(callbacks));
    };
    startNext(10);
    QTRY_COMPARE_WITH_TIMEOUT(finished.load(), 10, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(timersFired.load(), 10, 5000);
}

void tst_ProcessReactor::exitStatusLostWhenSigchldIgnored()
{
    // With SIGCHLD ignored the kernel reaps children itself; the node must
    // still finish, with a message instead of a hang.
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction previous = {};
    QCOMPARE(::sigaction(SIGCHLD, &ignore, &previous), 0);
    Run run;
    m_reactor->startProcess(childSpec({"--stdout", "x", "--exit", "0"}), run.callbacks());
    const bool finished = run.wait();
    ::sigaction(SIGCHLD, &previous, nullptr);
    QVERIFY(finished);
    QVERIFY(!run.outcome->ok);
    QVERIFY(!run.outcome->exitCode);
    QVERIFY(run.outcome->error.starts_with("exit status lost"));
    QCOMPARE(run.out, std::string("x\n"));
}

void tst_ProcessReactor::manyConcurrentChildren_data()
{
    QTest::addColumn<int>("threads");
    QTest::newRow("1 thread") << 1;
    QTest::newRow("2 threads") << 2;
    QTest::newRow("4 threads") << 4;
}

void tst_ProcessReactor::manyConcurrentChildren()
{
    QFETCH(int, threads);
    constexpr int kChildren = 200;
    std::atomic<int> finished{0};
    std::atomic<int> succeeded{0};
    std::mutex mutex;
    std::vector<int> perChild(kChildren, 0);
    std::vector<std::thread> starters;
    for (int t = 0; t < threads; ++t) {
        starters.emplace_back([&, t] {
            for (int i = t; i < kChildren; i += threads) {
                ProcessSpec spec;
                spec.command = i % 2 ? "true" : "echo " + std::to_string(i);
                ProcessCallbacks callbacks;
                callbacks.finished = [&, i](ProcessOutcome outcome) {
                    {
                        std::lock_guard lock(mutex);
                        ++perChild[i];
                    }
                    if (outcome.ok)
                        ++succeeded;
                    ++finished;
                };
                m_reactor->startProcess(std::move(spec), std::move(callbacks));
            }
        });
    }
    for (std::thread &starter : starters)
        starter.join();
    QTRY_COMPARE_WITH_TIMEOUT(finished.load(), kChildren, 60000);
    QTest::qWait(50); // a second finished() would show up here
    QCOMPARE(finished.load(), kChildren);
    QCOMPARE(succeeded.load(), kChildren);
    std::lock_guard lock(mutex);
    QVERIFY(std::all_of(perChild.begin(), perChild.end(), [](int n) { return n == 1; }));
}

void tst_ProcessReactor::timers()
{
    constexpr int kTimers = 300;
    std::mutex mutex;
    std::vector<int> fired(kTimers, 0);
    std::vector<int> cancelledFlags(kTimers, -1);
    std::vector<ProcessReactor::Handle> handles(kTimers);
    std::atomic<int> done{0};
    std::vector<std::thread> starters;
    for (int t = 0; t < 3; ++t) {
        starters.emplace_back([&, t] {
            for (int i = t; i < kTimers; i += 3) {
                // Every third timer is long and gets cancelled; the others
                // run out at staggered short delays.
                double seconds = i % 3 == 0 ? 60.0 : 0.001 * (i % 50);
                handles[i] = m_reactor->startTimer(seconds, [&, i](bool cancelled) {
                    std::lock_guard lock(mutex);
                    ++fired[i];
                    cancelledFlags[i] = cancelled;
                    ++done;
                });
            }
        });
    }
    for (std::thread &starter : starters)
        starter.join();
    std::vector<std::thread> cancellers;
    for (int t = 0; t < 2; ++t) {
        cancellers.emplace_back([&, t] {
            for (int i = t * 3; i < kTimers; i += 6)
                m_reactor->cancel(handles[i], 0ms);
        });
    }
    for (std::thread &canceller : cancellers)
        canceller.join();
    QTRY_COMPARE_WITH_TIMEOUT(done.load(), kTimers, 20000);
    QTest::qWait(100);
    std::lock_guard lock(mutex);
    for (int i = 0; i < kTimers; ++i) {
        QCOMPARE(fired[i], 1);
        QCOMPARE(cancelledFlags[i], i % 3 == 0 ? 1 : 0);
    }
    // Cancelling a finished handle is harmless.
    m_reactor->cancel(handles[1], 0ms);
    m_reactor->cancel(987654321, 0ms);
}

void tst_ProcessReactor::timerEdgeCases()
{
    std::atomic<int> zero{-1};
    std::atomic<int> negative{-1};
    std::atomic<int> never{-1};
    m_reactor->startTimer(0, [&](bool cancelled) { zero = cancelled; });
    m_reactor->startTimer(-5, [&](bool cancelled) { negative = cancelled; });
    auto handle = m_reactor->startTimer(std::nan(""), [&](bool cancelled) { never = cancelled; });
    QTRY_COMPARE_WITH_TIMEOUT(zero.load(), 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(negative.load(), 0, 5000);
    QTest::qWait(50);
    QCOMPARE(never.load(), -1);
    m_reactor->cancel(handle, std::chrono::milliseconds(5000));
    QTRY_COMPARE_WITH_TIMEOUT(never.load(), 1, 5000);
}

void tst_ProcessReactor::cancelAll()
{
    Run first;
    Run second;
    Run stubborn;
    m_reactor->startProcess(childSpec({"--stdout", "ready", "--sleep", "30"}), first.callbacks());
    m_reactor->startProcess(childSpec({"--stdout", "ready", "--sleep", "30"}), second.callbacks());
    m_reactor->startProcess(childSpec({"--ignore-term", "--stdout", "ready", "--sleep", "30"}),
                            stubborn.callbacks());
    std::atomic<int> timerResult{-1};
    m_reactor->startTimer(60, [&](bool cancelled) { timerResult = cancelled; });
    QVERIFY(waitForText(first, "ready"));
    QVERIFY(waitForText(second, "ready"));
    QVERIFY(waitForText(stubborn, "ready"));
    m_reactor->cancelAll(200ms);
    QVERIFY(first.wait());
    QVERIFY(second.wait());
    QVERIFY(stubborn.wait());
    QTRY_COMPARE_WITH_TIMEOUT(timerResult.load(), 1, 5000);
    for (Run *run : {&first, &second, &stubborn}) {
        QVERIFY(run->outcome->cancelled);
        QCOMPARE(run->outcome->error, std::string("cancelled"));
    }
    QCOMPARE(first.outcome->signal, SIGTERM);
    QCOMPARE(stubborn.outcome->signal, SIGKILL);
}

void tst_ProcessReactor::destructorKillsEverything()
{
    const QString pidfile = m_dir->filePath("pids");
    Run run;
    std::atomic<int> timerResult{-1};
    {
        ProcessReactor reactor;
        reactor.startProcess(childSpec({"--pidfile", pidfile.toStdString(), "--ignore-term",
                                        "--spawn-grandchild", "30", "--stdout", "ready",
                                        "--sleep", "30"}),
                             run.callbacks());
        reactor.startTimer(60, [&](bool cancelled) { timerResult = cancelled; });
        QVERIFY(waitForText(run, "ready"));
    }
    QCOMPARE(run.finishedCount, 1);
    QVERIFY(run.outcome->cancelled);
    QCOMPARE(timerResult.load(), 1);
    const std::vector<int> pids = readPids(pidfile);
    QCOMPARE(pids.size(), std::size_t(2));
    for (int pid : pids)
        QTRY_VERIFY_WITH_TIMEOUT(!isRunning(pid), 5000);
}

void tst_ProcessReactor::signalNames()
{
    QCOMPARE(signalName(SIGKILL), std::string("SIGKILL"));
    QCOMPARE(signalName(SIGTERM), std::string("SIGTERM"));
    QCOMPARE(signalName(SIGSEGV), std::string("SIGSEGV"));
    QCOMPARE(signalName(1000), std::string("signal 1000"));
}

QTEST_GUILESS_MAIN(tst_ProcessReactor)
#include "tst_processreactor.moc"
