// SPDX-License-Identifier: Apache-2.0
// Process nodes on a real Slurm cluster (README "Running on Slurm"), end to
// end: the real weft-cli submits real jobs, and the tests read the JSON-lines
// events and ask squeue what is left. Labelled `slurm`: `.ci/slurm-cluster run
// ctest --preset slurm` starts a one-node cluster around it. Without a
// reachable cluster every test skips.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "CliRun.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <map>
#include <set>

using Json = nlohmann::json;

namespace {

using weft::test::finishedByNode;
using weft::test::outcomes;
using weft::test::outputOf;
using weft::test::parseJsonLines;

struct CliResult : weft::test::CliRun {
    std::vector<Json> events;
};

// Every job id the run's `running` events named, per node.
std::map<std::string, std::vector<std::string>> jobIds(const std::vector<Json> &events)
{
    std::map<std::string, std::vector<std::string>> ids;
    for (const Json &e : events) {
        if (e["event"] == "node_state" && e["state"] == "running" && e.contains("job_id"))
            ids[e["node"].get<std::string>()].push_back(e["job_id"].get<std::string>());
    }
    return ids;
}

std::string lastError(const std::vector<Json> &events, const std::string &node)
{
    std::string error;
    for (const Json &e : events) {
        if (e["event"] == "attempt_finished" && e["node"] == node && e["error"].is_string())
            error = e["error"].get<std::string>();
    }
    return error;
}

QByteArray runTool(const QString &program, const QStringList &args, int *exitCode = nullptr)
{
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished();
    }
    if (exitCode)
        *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return p.readAllStandardOutput() + p.readAllStandardError();
}

// The jobs among `ids` that squeue still lists as active (pending, running,
// completing, suspended).
QStringList activeJobs(const std::vector<std::string> &ids)
{
    if (ids.empty())
        return {};
    QStringList list;
    for (const std::string &id : ids)
        list << QString::fromStdString(id);
    int code = 0;
    const QByteArray out = runTool("squeue", { "-h", "-t", "PD,R,CG,S,CF", "-o", "%i %T", "-j",
                                               list.join(',') },
                                   &code);
    if (code != 0)
        return {}; // "Invalid job id specified": none is known any more
    return QString::fromUtf8(out).split('\n', Qt::SkipEmptyParts);
}

std::vector<std::string> allJobIds(const std::vector<Json> &events)
{
    std::vector<std::string> all;
    for (const auto &[node, ids] : jobIds(events))
        all.insert(all.end(), ids.begin(), ids.end());
    return all;
}

} // namespace

class TestSlurm : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    bool m_cluster = false;

    static QByteArray fixture(const char *name)
    {
        QFile f(QStringLiteral(WEFT_FIXTURES_DIR "/slurm/") + name);
        if (!f.open(QIODevice::ReadOnly))
            qFatal("cannot read fixture %s", name);
        QByteArray text = f.readAll();
        text.replace("@CHILD@", WEFT_TEST_CHILD_PATH);
        return text;
    }

    QString workspace(const QByteArray &weft)
    {
        static int counter = 0;
        const QString dir = m_tmp.filePath(QStringLiteral("case%1").arg(++counter));
        QDir().mkpath(dir);
        QFile f(dir + "/flow.weft");
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(dir));
        f.write(weft);
        return dir;
    }

    static CliResult runCli(const QString &dir, QStringList extra = {}, int timeoutMs = 240000)
    {
        CliResult result;
        static_cast<weft::test::CliRun &>(result) = weft::test::runWeftCli(
            QStringList{ "run", dir + "/flow.weft", "--events", "jsonl" } + extra, dir, timeoutMs);
        result.events = parseJsonLines(result.out);
        return result;
    }

    // No job of the run may be left in the queue, and no job directory.
    static void verifyNoOrphans(const CliResult &r, const QString &dir)
    {
        const QStringList left = activeJobs(allJobIds(r.events));
        QVERIFY2(left.isEmpty(), qPrintable(left.join("; ")));
        const QStringList runs = QDir(dir + "/.weft/slurm").entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        QVERIFY2(runs.isEmpty(), qPrintable(runs.join(", ")));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        // The job files live under the test's directory: it must be reachable
        // by slurmd (the same machine here).
        QFile::setPermissions(m_tmp.path(), QFile::permissions(m_tmp.path()) | QFile::ReadOther
                                                | QFile::ExeOther);
        int code = -1;
        const QByteArray state = runTool("sinfo", { "-h", "-o", "%T" }, &code);
        m_cluster = code == 0
                    && (state.contains("idle") || state.contains("mix") || state.contains("alloc"));
        if (!m_cluster)
            QSKIP("no Slurm cluster reachable (sinfo found no node up): start one with "
                  ".ci/slurm-cluster run ctest --preset slurm");
    }

    // Success with output, progress and ::output; exit status; a signal; a
    // shell command with env; command not found; a local node beside them.
    void exitStatusOutputAndSignals()
    {
        const QString dir = workspace(fixture("basic.weft"));
        const CliResult r = runCli(dir, { "-j", "8" });
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 1);
        const auto states = outcomes(r.events);
        QCOMPARE(states.at("ok"), std::string("succeeded"));
        QCOMPARE(states.at("fail"), std::string("failed"));
        QCOMPARE(states.at("sig"), std::string("failed"));
        QCOMPARE(states.at("shell"), std::string("succeeded"));
        QCOMPARE(states.at("missing"), std::string("failed"));
        QCOMPARE(states.at("here"), std::string("succeeded"));

        QCOMPARE(outputOf(r.events, "ok", "stdout"), std::string("hello from slurm\n"));
        QCOMPARE(outputOf(r.events, "ok", "stderr"), std::string("to stderr\n"));
        bool progress = false;
        for (const Json &e : r.events)
            progress = progress || (e["event"] == "progress" && e["node"] == "ok" && e["message"] == "half way");
        QVERIFY(progress);
        QVERIFY(finishedByNode(r.events).at("ok")["outputs"]["answer"] == Json("42"));

        QVERIFY2(lastError(r.events, "fail").find("exited with status 3") != std::string::npos,
                 lastError(r.events, "fail").c_str());
        QCOMPARE(outputOf(r.events, "fail", "stderr"), std::string("oops\n"));
        QVERIFY2(lastError(r.events, "sig").find("killed by SIGKILL") != std::string::npos,
                 lastError(r.events, "sig").c_str());
        QCOMPARE(outputOf(r.events, "sig", "stdout"), std::string("before\n"));
        QCOMPARE(outputOf(r.events, "shell", "stdout"),
                 "in " + QDir(dir).canonicalPath().toStdString() + "\nit's x\n");
        QVERIFY2(lastError(r.events, "missing").find("no-such-program-weft") != std::string::npos,
                 lastError(r.events, "missing").c_str());

        // running carries the job id, attempt_finished the host too; a local
        // node has neither.
        const auto ids = jobIds(r.events);
        for (const char *node : { "ok", "fail", "sig", "shell", "missing" })
            QVERIFY2(ids.count(node) == 1 && !ids.at(node).front().empty(), node);
        QVERIFY(ids.count("here") == 0);
        bool host = false;
        for (const Json &e : r.events) {
            if (e["event"] == "attempt_finished" && e["node"] == "ok")
                host = e.contains("host") && !e["host"].get<std::string>().empty();
        }
        QVERIFY(host);
        verifyNoOrphans(r, dir);
    }

    // Slurm's own time limit: the error says so.
    void jobTimeLimit()
    {
        const QString dir = workspace(fixture("timelimit.weft"));
        const CliResult r = runCli(dir);
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(outcomes(r.events).at("long"), std::string("failed"));
        const std::string error = lastError(r.events, "long");
        QVERIFY2(error.find("time limit") != std::string::npos, error.c_str());
        QCOMPARE(outputOf(r.events, "long", "stdout"), std::string("started\n"));
        verifyNoOrphans(r, dir);
    }

    // The node's own timeout ends the job; retries submit a new job each time.
    void timeoutAndRetries()
    {
        const QString dir = workspace(fixture("timeout-retries.weft"));
        QElapsedTimer clock;
        clock.start();
        const CliResult r = runCli(dir, { "-j", "4" });
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 1);
        QVERIFY(clock.elapsed() < 50000);
        const auto states = outcomes(r.events);
        QCOMPARE(states.at("slow"), std::string("failed"));
        QVERIFY2(lastError(r.events, "slow").find("timed out after 2") != std::string::npos,
                 lastError(r.events, "slow").c_str());
        QCOMPARE(states.at("flaky"), std::string("succeeded"));
        const auto ids = jobIds(r.events);
        QCOMPARE(ids.at("flaky").size(), std::size_t(3));
        QCOMPARE(std::set<std::string>(ids.at("flaky").begin(), ids.at("flaky").end()).size(),
                 std::size_t(3));
        verifyNoOrphans(r, dir);
    }

    // Ctrl-C while a job ignores SIGTERM: the run ends as cancelled, every job
    // is gone from the queue, and the run reports no orphan.
    void cancelWithJobIgnoringTerm()
    {
        const QString dir = workspace(fixture("cancel.weft"));
        QProcess cli;
        cli.setProgram(QStringLiteral(WEFT_CLI_PATH));
        cli.setArguments({ "run", dir + "/flow.weft", "--events", "jsonl", "-j", "2" });
        cli.setWorkingDirectory(dir);
        cli.start();
        QVERIFY(cli.waitForStarted());
        QByteArray out;
        QElapsedTimer clock;
        clock.start();
        // Both jobs running and the stubborn one has said it ignores TERM.
        while (clock.elapsed() < 60000) {
            cli.waitForReadyRead(200);
            out += cli.readAllStandardOutput();
            if (out.contains("ignoring TERM") && out.count("\"job_id\"") >= 2)
                break;
        }
        QVERIFY2(out.contains("ignoring TERM"), out.constData());
        ::kill(pid_t(cli.processId()), SIGINT);
        QVERIFY(cli.waitForFinished(60000));
        out += cli.readAllStandardOutput();
        QCOMPARE(cli.exitCode(), 130);
        CliResult r;
        r.events = parseJsonLines(out);
        const auto states = outcomes(r.events);
        QCOMPARE(states.at("stubborn"), std::string("cancelled"));
        QCOMPARE(states.at("plain"), std::string("cancelled"));
        const Json &finished = r.events.back();
        QVERIFY(finished["event"] == "run_finished");
        QVERIFY2(finished["errors"].empty(), finished.dump().c_str());
        QCOMPARE(allJobIds(r.events).size(), std::size_t(2));
        verifyNoOrphans(r, dir);
    }

    // A submitted job that has not started is `waiting` in the Slurm queue
    // (with its job id and Slurm's pending reason, again when the reason
    // changes), holding its job slot; once it starts it is `running` on its
    // host. The job is submitted held, so it stays queued until released.
    void waitingInTheQueueThenRunning()
    {
        const QString dir = workspace(fixture("held.weft"));
        QProcess cli;
        cli.setProgram(QStringLiteral(WEFT_CLI_PATH));
        cli.setArguments({ "run", dir + "/flow.weft", "--events", "jsonl", "-j", "1" });
        cli.setWorkingDirectory(dir);
        cli.start();
        QVERIFY(cli.waitForStarted());
        QByteArray out;
        std::string heldId;
        QElapsedTimer clock;
        clock.start();
        while (heldId.empty() && clock.elapsed() < 60000 && cli.state() == QProcess::Running) {
            cli.waitForReadyRead(200);
            out += cli.readAllStandardOutput();
            for (const Json &e : parseJsonLines(out)) {
                if (e["event"] == "node_state" && e["state"] == "waiting"
                    && e.value("pending_reason", "") == "JobHeldUser")
                    heldId = e["job_id"].get<std::string>();
            }
        }
        QVERIFY2(!heldId.empty(), out.constData());
        // Still queued: nothing ran, the job slot stays taken.
        QVERIFY(!out.contains("\"running\""));
        int code = -1;
        const QByteArray released = runTool("scontrol", { "release", QString::fromStdString(heldId) }, &code);
        QVERIFY2(code == 0, released.constData());
        QVERIFY(cli.waitForFinished(120000));
        out += cli.readAllStandardOutput();
        QCOMPARE(cli.exitCode(), 0);
        CliResult r;
        r.events = parseJsonLines(out);

        // The node's states, in order: waiting in the queue (the first
        // reason, then JobHeldUser), then running on a host.
        std::vector<Json> states;
        for (const Json &e : r.events) {
            if (e["event"] == "node_state" && e["node"] == "held" && e["state"] != "pending")
                states.push_back(e);
        }
        QVERIFY2(states.size() >= 3, out.constData());
        std::size_t k = 0;
        std::vector<std::string> reasons;
        for (; k < states.size() && states[k]["state"] == "waiting"; ++k) {
            if (states[k]["reason"] != "slurm queue")
                continue; // waiting for the job slot, before submission
            QCOMPARE(states[k]["job_id"].get<std::string>(), heldId);
            QCOMPARE(states[k]["attempt"].get<int>(), 1);
            QCOMPARE(states[k]["slot"].get<int>(), 0);
            const std::string reason = states[k]["pending_reason"].get<std::string>();
            QVERIFY2(reasons.empty() || reasons.back() != reason, "the same reason twice");
            reasons.push_back(reason);
        }
        QVERIFY2(std::find(reasons.begin(), reasons.end(), "JobHeldUser") != reasons.end(),
                 out.constData());
        QVERIFY2(k + 1 == states.size(), out.constData());
        const Json &running = states[k];
        QCOMPARE(running["state"].get<std::string>(), std::string("running"));
        QCOMPARE(running["job_id"].get<std::string>(), heldId);
        QVERIFY2(!running.value("host", "").empty(), running.dump().c_str());
        QCOMPARE(outcomes(r.events).at("held"), std::string("succeeded"));
        QCOMPARE(outputOf(r.events, "held", "stdout"), std::string("released\n"));

        // attempt_finished says when the job left the queue; the duration
        // counts from the submission (the attempt's start), queue included.
        for (const Json &e : r.events) {
            if (e["event"] != "attempt_finished")
                continue;
            QVERIFY2(e.contains("queued_until"), e.dump().c_str());
            const double queuedUntil = e["queued_until"].get<double>();
            QVERIFY(queuedUntil >= e["start"].get<double>());
            QVERIFY(queuedUntil <= e["end"].get<double>());
            QVERIFY(queuedUntil >= running["t"].get<double>() - 0.001);
            // The run's why_serial tells that wait from work: a job slot
            // held by a job the cluster had not started yet.
            const Json why = r.events.back()["why_serial"];
            const double queued = queuedUntil - e["start"].get<double>();
            QVERIFY2(std::abs(why["slurm_queue"].get<double>() - queued) < 0.01, why.dump().c_str());
            QVERIFY2(why["lost"].get<double>() >= queued - 0.01, why.dump().c_str());
        }
        verifyNoOrphans(r, dir);
    }

    // The text status: a queued job is named as queued, not as started.
    void queuedInTextOutput()
    {
        const QString dir = workspace(fixture("held.weft"));
        QProcess cli;
        cli.setProgram(QStringLiteral(WEFT_CLI_PATH));
        cli.setArguments({ "run", dir + "/flow.weft" });
        cli.setWorkingDirectory(dir);
        cli.setProcessChannelMode(QProcess::MergedChannels);
        cli.start();
        QVERIFY(cli.waitForStarted());
        QByteArray out;
        QElapsedTimer clock;
        clock.start();
        while (!out.contains("queued held in Slurm") && clock.elapsed() < 60000
               && cli.state() == QProcess::Running) {
            cli.waitForReadyRead(200);
            out += cli.readAll();
        }
        QVERIFY2(out.contains("queued held in Slurm (job "), out.constData());
        QVERIFY2(!out.contains("started held"), out.constData());
        // Ctrl-C: the queued job is cancelled with the run and leaves the queue.
        const int at = out.indexOf("in Slurm (job ") + 14;
        int end = at;
        while (end < out.size() && std::isdigit(static_cast<unsigned char>(out[end])))
            ++end;
        const std::string jobId = out.mid(at, end - at).toStdString();
        QVERIFY2(!jobId.empty(), out.constData());
        ::kill(pid_t(cli.processId()), SIGINT);
        QVERIFY(cli.waitForFinished(60000));
        out += cli.readAll();
        QCOMPARE(cli.exitCode(), 130);
        const QStringList left = activeJobs({ jobId });
        QVERIFY2(left.isEmpty(), qPrintable(left.join("; ")));
    }

    // Requests no node can meet fail with Slurm's reason, at once.
    void unsatisfiableRequest()
    {
        const QString dir = workspace(fixture("unsatisfiable.weft"));
        QElapsedTimer clock;
        clock.start();
        const CliResult r = runCli(dir);
        QVERIFY2(!r.crashed, r.err.constData());
        QCOMPARE(r.exitCode, 1);
        QVERIFY(clock.elapsed() < 30000);
        const auto states = outcomes(r.events);
        QCOMPARE(states.at("huge"), std::string("failed"));
        QCOMPARE(states.at("nowhere"), std::string("failed"));
        const std::string huge = lastError(r.events, "huge");
        // Refused by sbatch, or pending with a reason that never resolves:
        // which one depends on the cluster's limits.
        QVERIFY2(huge.find("Slurm") != std::string::npos
                     && (huge.find("node configuration is not available") != std::string::npos
                         || huge.find("PartitionConfig") != std::string::npos),
                 huge.c_str());
        const std::string nowhere = lastError(r.events, "nowhere");
        QVERIFY2(nowhere.find("Slurm") != std::string::npos
                     && nowhere.find("partition") != std::string::npos,
                 nowhere.c_str());
    }

    // Each fan-out instance is a job of its own, with the node's request.
    void fanOutInstancesAsJobs()
    {
        const QString dir = workspace(fixture("fan-out.weft"));
        const CliResult r = runCli(dir, { "-j", "3", "--trace", dir + "/trace.json" });
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        const auto ids = jobIds(r.events);
        // The trace's slices name the job and the host it ran on.
        QFile traceFile(dir + "/trace.json");
        QVERIFY(traceFile.open(QIODevice::ReadOnly));
        const Json trace = Json::parse(traceFile.readAll().toStdString());
        int withHost = 0;
        for (const Json &event : trace["traceEvents"]) {
            if (event.value("ph", "") == "X" && event.contains("args") && event["args"].contains("host")
                && event["args"].contains("job_id"))
                ++withHost;
        }
        QCOMPARE(withHost, 3);
        std::set<std::string> distinct;
        const char *items[] = { "a", "b c", "d" };
        for (int k = 0; k < 3; ++k) {
            const std::string id = "each[" + std::to_string(k) + "]";
            QVERIFY2(ids.count(id) == 1, id.c_str());
            distinct.insert(ids.at(id).front());
            QCOMPARE(outputOf(r.events, id, "stdout"), std::string(items[k]) + "\n");
        }
        QCOMPARE(distinct.size(), std::size_t(3));
        verifyNoOrphans(r, dir);
    }

    // squeue is called once per poll interval for all of the run's jobs,
    // not once per job: counted through a squeue wrapper first on PATH.
    void oneSqueuePerInterval()
    {
        Json nodes = Json::array();
        for (int k = 0; k < 16; ++k)
            nodes.push_back({ { "id", "s" + std::to_string(k) }, { "type", "process" },
                              { "params", { { "argv", { "sleep", "1" } } } } });
        const QString dir = workspace(QByteArray::fromStdString(
            Json{ { "weft", 1 }, { "settings", { { "launcher", "slurm" } } }, { "nodes", nodes } }.dump()));
        QDir().mkpath(dir + "/bin");
        QFile wrapper(dir + "/bin/squeue");
        QVERIFY(wrapper.open(QIODevice::WriteOnly));
        const QString real = QStandardPaths::findExecutable("squeue");
        QVERIFY(!real.isEmpty());
        wrapper.write(QStringLiteral("#!/bin/sh\necho call >> '%1/squeue.log'\nexec '%2' \"$@\"\n")
                          .arg(dir, real)
                          .toUtf8());
        wrapper.close();
        wrapper.setPermissions(wrapper.permissions() | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther);
        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", (dir + "/bin:").toUtf8() + path);
        QElapsedTimer clock;
        clock.start();
        const CliResult r = runCli(dir, { "-j", "8" });
        const double wall = clock.elapsed() / 1000.0;
        qputenv("PATH", path);
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        QFile log(dir + "/squeue.log");
        QVERIFY(log.open(QIODevice::ReadOnly));
        const int calls = log.readAll().count("call");
        // Polls at 0.5 s over the run, plus the end-of-run audit's few. One
        // call per job per poll would be 16 jobs x about 4 polls each.
        QVERIFY2(calls >= 1 && calls <= int(wall / 0.5) + 6,
                 qPrintable(QStringLiteral("%1 squeue calls in %2 s").arg(calls).arg(wall)));
        qInfo("%d squeue calls for 16 jobs in %.1f s", calls, wall);
        verifyNoOrphans(r, dir);
    }

    // A transient controller error at submission is retried with backoff:
    // an sbatch wrapper first on PATH fails twice with Slurm's message.
    void transientSubmitErrorsRetried()
    {
        const QString dir = workspace(QByteArray::fromStdString(
            Json{ { "weft", 1 },
                  { "nodes", Json::array({ { { "id", "one" }, { "type", "process" }, { "launcher", "slurm" },
                                             { "params", { { "argv", { "echo", "submitted" } } } } } }) } }
                .dump()));
        QDir().mkpath(dir + "/bin");
        QFile wrapper(dir + "/bin/sbatch");
        QVERIFY(wrapper.open(QIODevice::WriteOnly));
        const QString real = QStandardPaths::findExecutable("sbatch");
        QVERIFY(!real.isEmpty());
        wrapper.write(QStringLiteral("#!/bin/sh\necho call >> '%1/sbatch.log'\n"
                                     "if [ $(wc -l < '%1/sbatch.log') -le 2 ]; then\n"
                                     "  echo 'sbatch: error: Batch job submission failed: Socket timed out on send/recv operation' >&2\n"
                                     "  exit 1\nfi\nexec '%2' \"$@\"\n")
                          .arg(dir, real)
                          .toUtf8());
        wrapper.close();
        wrapper.setPermissions(wrapper.permissions() | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther);
        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", (dir + "/bin:").toUtf8() + path);
        const CliResult r = runCli(dir);
        qputenv("PATH", path);
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        QCOMPARE(outputOf(r.events, "one", "stdout"), std::string("submitted\n"));
        QFile log(dir + "/sbatch.log");
        QVERIFY(log.open(QIODevice::ReadOnly));
        QCOMPARE(log.readAll().count("call"), 3);
        verifyNoOrphans(r, dir);
    }

    // 100 nodes in a lattice, some failing, at -j 8: the same final states
    // as the same workflow run locally, and never more than 8 jobs at once.
    void latticeSameAsLocal()
    {
        Json nodes = Json::array();
        for (int row = 0; row < 10; ++row) {
            for (int col = 0; col < 10; ++col) {
                Json node;
                node["id"] = "n" + std::to_string(row) + "_" + std::to_string(col);
                node["type"] = "process";
                Json needs = Json::array();
                if (row > 0) {
                    needs.push_back("n" + std::to_string(row - 1) + "_" + std::to_string(col));
                    if (col > 0)
                        needs.push_back("n" + std::to_string(row - 1) + "_" + std::to_string(col - 1));
                }
                if (!needs.empty())
                    node["needs"] = needs;
                const bool fails = (row == 3 && col == 4) || (row == 6 && col == 8);
                node["params"]["argv"] = fails ? Json::array({ "false" }) : Json::array({ "true" });
                nodes.push_back(node);
            }
        }
        Json workflow = { { "weft", 1 }, { "settings", { { "failure", "keep-going" } } }, { "nodes", nodes } };
        const QString dir = workspace(QByteArray::fromStdString(workflow.dump(2)));
        const CliResult local = runCli(dir, { "-j", "8", "--launcher", "local" });
        QVERIFY2(!local.crashed && local.exitCode == 1, local.err.constData());
        const CliResult slurm = runCli(dir, { "-j", "8", "--launcher", "slurm" });
        QVERIFY2(!slurm.crashed && slurm.exitCode == 1, slurm.err.constData());
        const auto expected = outcomes(local.events);
        QCOMPARE(expected.size(), std::size_t(100));
        QCOMPARE(outcomes(slurm.events), expected);
        int running = 0, most = 0;
        for (const Json &e : slurm.events) {
            if (e["event"] == "node_state" && e["state"] == "running")
                most = std::max(most, ++running);
            if (e["event"] == "attempt_finished")
                --running;
        }
        QVERIFY2(most <= 8, qPrintable(QString::number(most)));
        QCOMPARE(allJobIds(slurm.events).size(), std::size_t(expected.size()) - 
                 std::size_t(std::count_if(expected.begin(), expected.end(),
                                           [](const auto &kv) { return kv.second == "skipped"; })));
        verifyNoOrphans(slurm, dir);
    }
};

QTEST_GUILESS_MAIN(TestSlurm)
#include "tst_slurm.moc"
