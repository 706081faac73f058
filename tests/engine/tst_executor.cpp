// SPDX-License-Identifier: Apache-2.0
// The executor through its public API: real processes (the test child,
// /bin/sh, true/false), real files, the real event stream. Concurrency cases
// run at 1, 2 and 4 jobs/threads.

#include "RecordingSink.h"

#include "weft/Executor.h"
#include "weft/Operation.h"
#include "weft/Workflow.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <future>
#include <sys/resource.h>
#include <thread>

using namespace weft;
using namespace weft::test;

namespace {

RunOptions options(int jobs, int threads = 0)
{
    RunOptions o;
    o.jobs = jobs;
    o.threads = threads > 0 ? threads : jobs;
    o.killGrace = std::chrono::milliseconds(2000);
    return o;
}

bool processGone(int pid)
{
    if (::kill(pid, 0) == 0)
        return false;
    return errno == ESRCH && !QFile::exists(QStringLiteral("/proc/%1").arg(pid));
}

void addJobsRows()
{
    QTest::addColumn<int>("jobs");
    QTest::newRow("j1") << 1;
    QTest::newRow("j2") << 2;
    QTest::newRow("j4") << 4;
}

} // namespace

class TestExecutor : public QObject
{
    Q_OBJECT

private slots:
    void diamond_data() { addJobsRows(); }
    void diamond();
    void fan_data() { addJobsRows(); }
    void fan();
    void invalidWorkflowRunsNothing();
    void stopPolicy_data() { addJobsRows(); }
    void stopPolicy();
    void keepGoingSkipReasons_data() { addJobsRows(); }
    void keepGoingSkipReasons();
    void sameFinalStatesAtAnyJobs();
    void inProcessOnlyRun_data() { addJobsRows(); }
    void inProcessOnlyRun();
    void noopGatesDoNotHoldBackWork();
    void cancelMidRun_data() { addJobsRows(); }
    void cancelMidRun();
    void killIgnoresGrace();
    void cancelBeforeRun();
    void cancelInProcessFanOut_data() { addJobsRows(); }
    void cancelInProcessFanOut();
    void processTimeout();
    void inProcessTimeout();
    void retriesSucceedOnThirdAttempt_data() { addJobsRows(); }
    void retriesSucceedOnThirdAttempt();
    void retriesExhausted();
    void poolOfOneNeverOverlaps_data() { addJobsRows(); }
    void poolOfOneNeverOverlaps();
    void jobLimitNeverExceeded_data() { addJobsRows(); }
    void jobLimitNeverExceeded();
    void nonReentrantTypeNeverOverlaps_data() { addJobsRows(); }
    void nonReentrantTypeNeverOverlaps();
    void hugeOutputBoundedInMemory();
    void processParams();
    void noOrphansFromGrandchildren();
    void runFinishedFigures();
};

void TestExecutor::diamond()
{
    QFETCH(int, jobs);
    Workflow wf;
    wf.nodes = {sh("a", "true"), makeNode("b", "noop", {}, {"a"}),
                child("c", {"--sleep", "0.05", "--stdout", "from c"}, {"a"}),
                sh("d", "echo done", {"b", "c"})};
    RecordingSink sink;
    Executor executor(options(jobs));
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Succeeded));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    QCOMPARE(summary.counts[std::size_t(NodeState::Succeeded)], std::size_t(4));

    // d starts only after both of its needs finished.
    double bDone = -1, cDone = -1, dRunning = -1;
    std::string output;
    for (const Recorded &r : sink.events) {
        if (r.kind == Recorded::Finished && r.node == 1)
            bDone = r.t;
        if (r.kind == Recorded::Finished && r.node == 2)
            cDone = r.t;
        if (r.kind == Recorded::State && r.node == 3 && r.state.state == NodeState::Running)
            dRunning = r.t;
        if (r.kind == Recorded::Output && r.node == 3)
            output += r.text;
        if (r.kind == Recorded::State)
            QVERIFY(r.state.state != NodeState::Pending); // implied by runStarted
    }
    QVERIFY(bDone >= 0 && cDone >= 0 && dRunning >= std::max(bDone, cDone));
    QCOMPARE(output, std::string("done\n"));
    const auto finals = sink.finals();
    QCOMPARE(finals.at(3).exitCode.value_or(-1), 0);
    QVERIFY(finals.at(2).duration >= 0.05);
}

void TestExecutor::fan()
{
    QFETCH(int, jobs);
    Workflow wf;
    wf.nodes.push_back(makeNode("root", "noop"));
    std::vector<std::string> all;
    for (int i = 0; i < 24; ++i) {
        const std::string id = "leaf" + std::to_string(i);
        wf.nodes.push_back(i % 2 ? makeNode(id, "noop", {}, {"root"}) : sh(id, "true", {"root"}));
        all.push_back(id);
    }
    wf.nodes.push_back(makeNode("join", "noop", {}, all));
    RecordingSink sink;
    Executor executor(options(jobs));
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Succeeded));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    QCOMPARE(summary.counts[std::size_t(NodeState::Succeeded)], wf.nodes.size());
    QVERIFY(RecordingSink::maxOverlap(sink.attemptIntervals()) <= jobs);
    // A pending node's detail lists its needs, bounded.
    const std::string detail = pendingDetail(wf.nodes.back());
    QVERIFY2(detail.find("leaf0, leaf1") == 0 && detail.find(" and 16 more") != std::string::npos,
             detail.c_str());
}

void TestExecutor::invalidWorkflowRunsNothing()
{
    Workflow wf;
    wf.nodes = {sh("a", "true", {"missing"})};
    RecordingSink sink;
    Executor executor;
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Failed));
    QVERIFY(!summary.errors.empty());
    QVERIFY(sink.events.empty());
    QCOMPARE(sink.runFinishedCount, 1);
}

void TestExecutor::stopPolicy()
{
    QFETCH(int, jobs);
    Workflow wf;
    wf.nodes = {child("bad", {"--stderr", "boom", "--exit", "3"}), sh("after", "true", {"bad"}),
                sh("other", "sleep 0.2"), sh("late", "true", {"other"})};
    RecordingSink sink;
    Executor executor(options(jobs));
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Failed));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    const auto finals = sink.finals();
    QCOMPARE(str(finals.at(0).outcome), str(NodeState::Failed));
    QCOMPARE(finals.at(0).exitCode.value_or(-1), 3);
    QVERIFY(finals.at(0).stderrTail.find("boom") != std::string::npos);
    QCOMPARE(str(finals.at(1).outcome), str(NodeState::Skipped));
    QCOMPARE(finals.at(1).causeNode, std::string("bad"));
    // `late` ran only if it started before `bad` failed (at -j 1, `other` and
    // `late` may run first); otherwise it names the failure that stopped the run.
    if (finals.at(3).outcome != NodeState::Succeeded) {
        QCOMPARE(str(finals.at(3).outcome), str(NodeState::Skipped));
        QCOMPARE(finals.at(3).causeNode, std::string("bad"));
        QCOMPARE(finals.at(3).error, std::string("skipped: the run stopped after bad failed"));
    }
    // At -j 1 nothing starts after the failure. (With more jobs a process
    // admitted together with `bad` may report running after `bad` failed: it
    // was being spawned at the time.)
    if (jobs == 1) {
        const double failedAt = sink.finals().at(0).t;
        for (const Recorded &r : sink.events) {
            if (r.kind == Recorded::State && r.state.state == NodeState::Running)
                QVERIFY(r.t <= failedAt);
        }
    }
}

void TestExecutor::keepGoingSkipReasons()
{
    QFETCH(int, jobs);
    Workflow wf;
    wf.settings.failure = FailurePolicy::KeepGoing;
    wf.nodes = {sh("build", "false"), sh("test", "true", {"build"}),
                makeNode("deploy", "noop", {}, {"test"}), sh("docs", "true"),
                makeNode("index", "noop", {}, {"docs"})};
    RecordingSink sink;
    Executor executor(options(jobs));
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Failed));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    const auto finals = sink.finals();
    QCOMPARE(str(finals.at(0).outcome), str(NodeState::Failed));
    QCOMPARE(str(finals.at(1).outcome), str(NodeState::Skipped));
    QCOMPARE(finals.at(1).causeNode, std::string("build"));
    QCOMPARE(finals.at(1).error, std::string("skipped: needs build, which failed"));
    QCOMPARE(str(finals.at(2).outcome), str(NodeState::Skipped));
    QCOMPARE(finals.at(2).causeNode, std::string("build"));
    QVERIFY(finals.at(2).error.find("needs test") != std::string::npos);
    QCOMPARE(str(finals.at(3).outcome), str(NodeState::Succeeded));
    QCOMPARE(str(finals.at(4).outcome), str(NodeState::Succeeded));
    QCOMPARE(summary.counts[std::size_t(NodeState::Skipped)], std::size_t(2));
}

void TestExecutor::sameFinalStatesAtAnyJobs()
{
    std::vector<Workflow> workflows;
    {
        Workflow wf; // a lattice with failures in the middle
        wf.settings.failure = FailurePolicy::KeepGoing;
        for (int layer = 0; layer < 5; ++layer) {
            for (int k = 0; k < 4; ++k) {
                const std::string id = "n" + std::to_string(layer) + "_" + std::to_string(k);
                std::vector<std::string> needs;
                if (layer > 0) {
                    needs.push_back("n" + std::to_string(layer - 1) + "_" + std::to_string(k));
                    needs.push_back("n" + std::to_string(layer - 1) + "_" + std::to_string((k + 1) % 4));
                }
                const bool fails = (layer == 2 && k == 1);
                wf.nodes.push_back(fails ? sh(id, "false", needs)
                                         : k % 2 ? makeNode(id, "noop", {}, needs)
                                                 : sh(id, "true", needs));
            }
        }
        workflows.push_back(wf);
    }
    {
        Workflow wf; // independent chains, one failing
        wf.settings.failure = FailurePolicy::KeepGoing;
        wf.nodes = {sh("a1", "true"), sh("a2", "exit 2", {"a1"}), sh("a3", "true", {"a2"}),
                    makeNode("b1", "noop"), makeNode("b2", "sleep", {{"seconds", 0.01}}, {"b1"}),
                    makeNode("c", "noop", {}, {"a3", "b2"})};
        workflows.push_back(wf);
    }
    {
        Workflow wf; // succeeds entirely, with a pool
        wf.settings.pools = {{"disk", 1}};
        for (int i = 0; i < 6; ++i) {
            Node n = sh("w" + std::to_string(i), "true", i ? std::vector<std::string>{"w0"}
                                                           : std::vector<std::string>{});
            n.resources = {{"disk", 1}};
            wf.nodes.push_back(n);
        }
        workflows.push_back(wf);
    }
    for (const Workflow &wf : workflows) {
        std::map<std::string, NodeState> reference;
        for (int jobs : {1, 2, 4}) {
            RecordingSink sink;
            Executor executor(options(jobs));
            executor.run(wf, sink);
            QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
            const auto states = finalStates(wf, sink);
            if (jobs == 1)
                reference = states;
            else
                QVERIFY(states == reference);
        }
    }
}

// A run of in-process work only: nodes finish in their bodies and oneTBB
// edges release the successors (see Executor.cpp). Failures, skips, the
// stop policy and the start-after-needs order must be those of any run.
// A noop runs on the thread that made it ready, never handed to another
// (Run.h): that must not keep the work behind it on that thread too. Four
// noop gates, each before a cpu node, at -j 2: the cpu nodes run two at once.
void TestExecutor::noopGatesDoNotHoldBackWork()
{
    Workflow wf;
    wf.nodes.push_back(makeNode("root", "noop", {}));
    std::vector<std::string> cpus;
    for (int i = 0; i < 4; ++i) {
        const std::string gate = "gate" + std::to_string(i), cpu = "cpu" + std::to_string(i);
        wf.nodes.push_back(makeNode(gate, "noop", {}, {"root"}));
        wf.nodes.push_back(makeNode(cpu, "cpu", {{"seconds", 0.2}}, {gate}));
        cpus.push_back(cpu);
    }
    wf.nodes.push_back(makeNode("end", "noop", {}, cpus));
    RecordingSink sink;
    Executor executor(options(2));
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Succeeded));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    const auto finals = sink.finals();
    std::vector<std::pair<double, double>> spans;
    for (std::size_t i = 0; i < wf.nodes.size(); ++i) {
        if (wf.nodes[i].type == "cpu")
            spans.emplace_back(finals.at(NodeIndex(i)).start,
                               finals.at(NodeIndex(i)).start + finals.at(NodeIndex(i)).duration);
    }
    QCOMPARE(spans.size(), std::size_t(4));
    int overlapping = 0;
    for (std::size_t a = 0; a < spans.size(); ++a) {
        for (std::size_t b = a + 1; b < spans.size(); ++b)
            overlapping += spans[a].first < spans[b].second && spans[b].first < spans[a].second;
    }
    QVERIFY2(overlapping >= 2,
             qPrintable(QString("%1 overlapping pairs of cpu nodes").arg(overlapping)));
}

void TestExecutor::inProcessOnlyRun()
{
    QFETCH(int, jobs);
    QTemporaryDir dir;
    for (FailurePolicy policy : {FailurePolicy::Stop, FailurePolicy::KeepGoing}) {
        Workflow wf;
        wf.settings.failure = policy;
        constexpr int kLayers = 30, kWidth = 20;
        for (int layer = 0; layer < kLayers; ++layer) {
            for (int k = 0; k < kWidth; ++k) {
                const std::string id = "n" + std::to_string(layer) + "_" + std::to_string(k);
                std::vector<std::string> needs;
                if (layer > 0) {
                    needs.push_back("n" + std::to_string(layer - 1) + "_" + std::to_string(k));
                    needs.push_back("n" + std::to_string(layer - 1) + "_"
                                    + std::to_string((k + 1) % kWidth));
                }
                // One copy of a missing file fails, in the middle of layer 10.
                wf.nodes.push_back(layer == 10 && k == 7
                                       ? makeNode(id, "copy", {{"from", "missing.txt"}, {"to", "x"}}, needs)
                                       : makeNode(id, "noop", {}, needs));
            }
        }
        RecordingSink sink;
        RunOptions o = options(jobs);
        o.baseDirectory = dir.path().toStdString();
        Executor executor(o);
        const RunSummary summary = executor.run(wf, sink);
        QCOMPARE(str(summary.outcome), str(RunOutcome::Failed));
        QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
        const auto finals = sink.finals();
        const std::size_t failed = 10 * kWidth + 7;
        QCOMPARE(str(finals.at(NodeIndex(failed)).outcome), str(NodeState::Failed));
        QVERIFY(finals.at(NodeIndex(failed)).error.find("missing.txt") != std::string::npos);
        // Its direct successors are skipped, naming it.
        const std::size_t below = 11 * kWidth + 7, beside = 11 * kWidth + 6;
        for (std::size_t s : {below, beside}) {
            QCOMPARE(str(finals.at(NodeIndex(s)).outcome), str(NodeState::Skipped));
            QCOMPARE(finals.at(NodeIndex(s)).causeNode, wf.nodes[failed].id);
        }
        // Under keep-going, everything that does not depend on the failure
        // runs: every layer above it at least.
        if (policy == FailurePolicy::KeepGoing)
            QVERIFY(summary.counts[std::size_t(NodeState::Succeeded)] >= 10 * kWidth);
        // A node starts only after all of its needs ended.
        std::map<NodeIndex, double> end, start;
        for (const Recorded &r : sink.events) {
            if (r.kind == Recorded::Attempt)
                end[r.node] = r.attempt.end;
            if (r.kind == Recorded::State && r.state.state == NodeState::Running)
                start[r.node] = r.t;
        }
        for (const auto &[node, t] : start) {
            for (const std::string &need : wf.nodes[node].needs) {
                const NodeIndex p = NodeIndex(std::stoi(need.substr(1, need.find('_') - 1)) * kWidth
                                              + std::stoi(need.substr(need.find('_') + 1)));
                QVERIFY2(end.count(p) && end[p] <= t, wf.nodes[node].id.c_str());
            }
        }
    }
}

void TestExecutor::cancelMidRun()
{
    QFETCH(int, jobs);
    QTemporaryDir dir;
    const std::string pidfile = (QDir(dir.path()).filePath("pids")).toStdString();
    Workflow wf;
    for (int i = 0; i < 4; ++i)
        wf.nodes.push_back(child("s" + std::to_string(i), {"--pidfile", pidfile, "--spawn-grandchild", "30", "--sleep", "30"}));
    wf.nodes.push_back(makeNode("cpu", "cpu", {{"seconds", 30}}));
    wf.nodes.push_back(makeNode("after", "noop", {}, {"s0", "cpu"}));
    RecordingSink sink;
    Executor executor(options(jobs));
    auto future = std::async(std::launch::async, [&] { return executor.run(wf, sink); });
    auto running = [&] {
        std::size_t count = 0;
        for (const Recorded &r : sink.snapshot())
            count += r.kind == Recorded::State && r.state.state == NodeState::Running;
        return count;
    };
    QTRY_VERIFY_WITH_TIMEOUT(running() >= std::size_t(jobs), 10000);
    QTest::qWait(100); // let the children write their pid files
    executor.cancel();
    const bool returned = future.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    if (!returned) {
        for (const Recorded &r : sink.snapshot())
            qWarning("node %u kind %d state %d t %.3f", r.node, int(r.kind), int(r.state.state), r.t);
    }
    QVERIFY(returned);
    const RunSummary summary = future.get();
    QCOMPARE(str(summary.outcome), str(RunOutcome::Cancelled));
    QVERIFY2(summary.errors.empty(), summary.errors.empty() ? "" : summary.errors.front().c_str());
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    for (const auto &[index, f] : sink.finals())
        QVERIFY(f.outcome == NodeState::Cancelled);
    std::vector<int> pids = sink.runningPids();
    QFile file(QString::fromStdString(pidfile));
    if (file.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : file.readAll().split('\n')) {
            if (!line.trimmed().isEmpty())
                pids.push_back(line.trimmed().toInt());
        }
    }
    QVERIFY(!pids.empty() || jobs == 1); // at -j 1 the cpu node may hold the only slot
    for (int pid : pids)
        QTRY_VERIFY_WITH_TIMEOUT(processGone(pid), 5000);
}

void TestExecutor::killIgnoresGrace()
{
    Workflow wf;
    wf.nodes = {child("stubborn", {"--ignore-term", "--sleep", "30"})};
    RecordingSink sink;
    RunOptions o = options(2);
    o.killGrace = std::chrono::milliseconds(20000);
    Executor executor(o);
    auto future = std::async(std::launch::async, [&] { return executor.run(wf, sink); });
    QTRY_VERIFY_WITH_TIMEOUT(!sink.runningPids().empty(), 10000);
    executor.kill();
    QVERIFY(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    QCOMPARE(str(future.get().outcome), str(RunOutcome::Cancelled));
    const auto finals = sink.finals();
    QCOMPARE(str(finals.at(0).outcome), str(NodeState::Cancelled));
    QCOMPARE(finals.at(0).signal, std::string("SIGKILL"));
    QVERIFY(processGone(sink.runningPids().front()));
}

// The instances of an in-process fan-out run on the job slots it gets, one
// after another; a slot busy elsewhere when it starts gets a ticket in the
// admission queue. A cancel ends the running ones, those nobody has taken,
// and the tickets still queued: the run returns with every unit final.
void TestExecutor::cancelInProcessFanOut()
{
    QFETCH(int, jobs);
    Workflow wf;
    wf.nodes.push_back(makeNode("busy", "cpu", {{"seconds", 30}}));
    Node each = makeNode("each", "cpu", {{"seconds", 30}});
    each.foreach = ForEach{ForEach::Kind::List, {"a", "b", "c", "d", "e", "f"}, {}};
    wf.nodes.push_back(std::move(each));
    wf.nodes.push_back(makeNode("after", "noop", {}, {"each"}));
    RecordingSink sink;
    Executor executor(options(jobs));
    auto future = std::async(std::launch::async, [&] { return executor.run(wf, sink); });
    // Computing: `busy` or an instance (whichever got the slot at -j 1).
    auto computing = [&] {
        std::size_t count = 0;
        for (const Recorded &r : sink.snapshot())
            count += r.kind == Recorded::State && r.state.state == NodeState::Running
                     && (r.state.instance >= 0 || r.node == 0);
        return count;
    };
    QTRY_VERIFY_WITH_TIMEOUT(computing() >= std::size_t(std::min(jobs, 2)), 10000);
    executor.cancel();
    QVERIFY(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    const RunSummary summary = future.get();
    QCOMPARE(str(summary.outcome), str(RunOutcome::Cancelled));
    // A unit that never ended would read "internal error: ... never finished".
    QVERIFY2(summary.errors.empty(), summary.errors.empty() ? "" : summary.errors.front().c_str());
    std::size_t instancesEnded = 0;
    for (const Recorded &r : sink.snapshot()) {
        if (r.kind == Recorded::Finished && r.finished.instance >= 0) {
            ++instancesEnded;
            QCOMPARE(str(r.finished.outcome), str(NodeState::Cancelled));
        }
    }
    QCOMPARE(instancesEnded, std::size_t(6));
}

void TestExecutor::cancelBeforeRun()
{
    QTemporaryDir dir;
    Workflow wf;
    wf.nodes = {makeNode("w", "write", {{"path", "out.txt"}, {"text", "x"}}),
                sh("s", "true", {"w"})};
    RecordingSink sink;
    RunOptions o = options(2);
    o.baseDirectory = dir.path().toStdString();
    Executor executor(o);
    executor.cancel();
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Cancelled));
    QCOMPARE(summary.counts[std::size_t(NodeState::Cancelled)], std::size_t(2));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    QVERIFY(!QFile::exists(QDir(dir.path()).filePath("out.txt")));

    // A cancel() after a run returned does not touch the next one.
    executor.cancel();
    RecordingSink second;
    QCOMPARE(str(executor.run(wf, second).outcome), str(RunOutcome::Succeeded));
}

void TestExecutor::processTimeout()
{
    Workflow wf;
    Node slow = child("slow", {"--sleep", "30"});
    slow.timeout = 0.3;
    Node nap = makeNode("nap", "sleep", {{"seconds", 30}});
    nap.timeout = 0.2;
    wf.settings.failure = FailurePolicy::KeepGoing;
    wf.nodes = {slow, nap};
    RecordingSink sink;
    Executor executor(options(2));
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Failed));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    const auto finals = sink.finals();
    QCOMPARE(str(finals.at(0).outcome), str(NodeState::Failed));
    QVERIFY2(finals.at(0).error.find("timed out") != std::string::npos, finals.at(0).error.c_str());
    QCOMPARE(str(finals.at(1).outcome), str(NodeState::Failed));
    QCOMPARE(finals.at(1).error, std::string("timed out after 0.2 s"));
    QVERIFY(processGone(sink.runningPids().front()));
}

void TestExecutor::inProcessTimeout()
{
    Workflow wf;
    Node burn = makeNode("burn", "cpu", {{"seconds", 30}});
    burn.timeout = 0.2;
    wf.nodes = {burn};
    RecordingSink sink;
    Executor executor(options(1));
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Failed));
    const auto finals = sink.finals();
    QCOMPARE(str(finals.at(0).outcome), str(NodeState::Failed));
    QCOMPARE(finals.at(0).error, std::string("timed out after 0.2 s"));
    QVERIFY(finals.at(0).duration < 20);
}

void TestExecutor::retriesSucceedOnThirdAttempt()
{
    QFETCH(int, jobs);
    QTemporaryDir dir;
    const std::string counter = QDir(dir.path()).filePath("attempts").toStdString();
    Workflow wf;
    Node flaky = child("flaky", {"--count-attempts", counter, "3"});
    flaky.retries = 5;
    wf.nodes = {flaky, sh("after", "true", {"flaky"})};
    RecordingSink sink;
    Executor executor(options(jobs));
    const RunSummary summary = executor.run(wf, sink);
    QCOMPARE(str(summary.outcome), str(RunOutcome::Succeeded));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    const auto finals = sink.finals();
    QCOMPARE(finals.at(0).attempts, 3);
    std::vector<int> runningAttempts;
    std::vector<AttemptFinished> attempts;
    for (const Recorded &r : sink.events) {
        if (r.node != 0)
            continue;
        if (r.kind == Recorded::State && r.state.state == NodeState::Running)
            runningAttempts.push_back(r.state.attempt);
        if (r.kind == Recorded::Attempt)
            attempts.push_back(r.attempt);
    }
    QCOMPARE(runningAttempts, (std::vector<int>{1, 2, 3}));
    QCOMPARE(attempts.size(), std::size_t(3));
    QVERIFY(!attempts[0].ok && !attempts[1].ok && attempts[2].ok);
    QCOMPARE(attempts[0].retryIn, 0.1);
    QCOMPARE(attempts[1].retryIn, 0.2);
    QCOMPARE(attempts[2].retryIn, -1.0);
    // The backoff is waited out between attempts.
    QVERIFY(attempts[1].start - attempts[0].end >= 0.09);
    QVERIFY(attempts[2].start - attempts[1].end >= 0.19);
    // Duration runs from the first attempt's start to the last one's end.
    QVERIFY(finals.at(0).duration >= attempts[2].end - attempts[0].start - 1e-9);
}

void TestExecutor::retriesExhausted()
{
    Workflow wf;
    Node bad = sh("bad", "exit 7");
    bad.retries = 2;
    wf.nodes = {bad};
    RecordingSink sink;
    Executor executor(options(2));
    QCOMPARE(str(executor.run(wf, sink).outcome), str(RunOutcome::Failed));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    QCOMPARE(sink.finals().at(0).attempts, 3);
    QCOMPARE(sink.finals().at(0).exitCode.value_or(-1), 7);
}

void TestExecutor::poolOfOneNeverOverlaps()
{
    QFETCH(int, jobs);
    Workflow wf;
    wf.settings.pools = {{"gpu", 1}, {"disk", 2}};
    for (int i = 0; i < 6; ++i) {
        Node n = i % 2 ? makeNode("t" + std::to_string(i), "sleep", {{"seconds", 0.03}})
                       : child("t" + std::to_string(i), {"--sleep", "0.03"});
        n.resources = {{"gpu", 1}};
        wf.nodes.push_back(n);
    }
    for (int i = 0; i < 4; ++i) {
        Node n = makeNode("d" + std::to_string(i), "sleep", {{"seconds", 0.03}});
        n.resources = {{"disk", 1}};
        wf.nodes.push_back(n);
    }
    RecordingSink sink;
    Executor executor(options(jobs));
    QCOMPARE(str(executor.run(wf, sink).outcome), str(RunOutcome::Succeeded));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    std::vector<RecordingSink::Interval> gpu, disk;
    for (const auto &i : sink.attemptIntervals())
        (i.node < 6 ? gpu : disk).push_back(i);
    QCOMPARE(gpu.size(), std::size_t(6));
    QCOMPARE(RecordingSink::maxOverlap(gpu), 1);
    QVERIFY(RecordingSink::maxOverlap(disk) <= 2);
    QVERIFY(RecordingSink::maxOverlap(sink.attemptIntervals()) <= jobs);
    if (jobs > 1) {
        bool sawPoolWait = false;
        for (const Recorded &r : sink.events) {
            if (r.kind == Recorded::State && r.state.state == NodeState::Waiting
                && r.state.reason == WaitReason::Pool) {
                sawPoolWait = true;
                QVERIFY(r.state.detail == "gpu" || r.state.detail == "disk");
            }
        }
        QVERIFY(sawPoolWait);
    }
}

void TestExecutor::jobLimitNeverExceeded()
{
    QFETCH(int, jobs);
    Workflow wf;
    for (int i = 0; i < 12; ++i) {
        const std::string id = "n" + std::to_string(i);
        if (i % 3 == 0)
            wf.nodes.push_back(makeNode(id, "sleep", {{"seconds", 0.02}}));
        else if (i % 3 == 1)
            wf.nodes.push_back(child(id, {"--sleep", "0.02"}));
        else
            wf.nodes.push_back(makeNode(id, "cpu", {{"seconds", 0.02}}));
    }
    RecordingSink sink;
    Executor executor(options(jobs, 4)); // more threads than jobs: only the job limit holds
    QCOMPARE(str(executor.run(wf, sink).outcome), str(RunOutcome::Succeeded));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    const auto intervals = sink.attemptIntervals();
    QCOMPARE(intervals.size(), std::size_t(12));
    QVERIFY(RecordingSink::maxOverlap(intervals) <= jobs);
    // No two nodes share a slot at the same time.
    for (int slot = 0; slot < jobs; ++slot) {
        std::vector<RecordingSink::Interval> lane;
        for (const auto &i : intervals)
            if (i.slot == slot)
                lane.push_back(i);
        QVERIFY(RecordingSink::maxOverlap(lane) <= 1);
    }
    bool sawSlotWait = false;
    for (const Recorded &r : sink.events)
        sawSlotWait = sawSlotWait || (r.kind == Recorded::State && r.state.reason == WaitReason::JobSlot);
    QVERIFY(sawSlotWait);
}

void TestExecutor::nonReentrantTypeNeverOverlaps()
{
    QFETCH(int, jobs);
    static std::atomic<int> inside{0};
    static std::atomic<int> most{0};
    inside = 0;
    most = 0;
    OperationRegistry registry = OperationRegistry::builtin();
    OperationType serial;
    serial.name = "serial";
    serial.group = "Control";
    serial.summary = "Test type that must never overlap itself";
    serial.semantics = {ExecutionSite::WorkerThread, true, false, true, {"test"}};
    serial.run = [](OperationContext &c) -> OperationResult {
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        for (int i = 0; i < 20 && !c.cancelled.load(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        --inside;
        return {};
    };
    registry.add(serial);

    Workflow wf;
    for (int i = 0; i < 8; ++i) {
        wf.nodes.push_back(makeNode("s" + std::to_string(i), "serial"));
        wf.nodes.push_back(makeNode("n" + std::to_string(i), "cpu", {{"seconds", 0.01}}));
    }
    RunOptions o = options(jobs);
    o.registry = &registry;
    RecordingSink sink;
    Executor executor(o);
    QCOMPARE(str(executor.run(wf, sink).outcome), str(RunOutcome::Succeeded));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    QCOMPARE(most.load(), 1);
    std::vector<RecordingSink::Interval> serials;
    for (const auto &i : sink.attemptIntervals())
        if (i.node % 2 == 0)
            serials.push_back(i);
    QCOMPARE(RecordingSink::maxOverlap(serials), 1);
}

void TestExecutor::hugeOutputBoundedInMemory()
{
    Workflow wf;
    wf.nodes = {child("flood", {"--flood", "50000000"})};
    RecordingSink sink;
    sink.keepOutput = false;
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    Executor executor(options(2));
    QCOMPARE(str(executor.run(wf, sink).outcome), str(RunOutcome::Succeeded));
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    QCOMPARE(sink.outputBytes[0], std::size_t(50000000));
    // ru_maxrss is in KiB: the run must not have held the output.
    QVERIFY2(after.ru_maxrss - before.ru_maxrss < 40 * 1024,
             qPrintable(QStringLiteral("peak grew by %1 KiB").arg(after.ru_maxrss - before.ru_maxrss)));
}

void TestExecutor::processParams()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("work"));
    Workflow wf;
    wf.nodes = {makeNode("pwd", "process", {{"argv", {"/bin/sh", "-c", "pwd; echo $WEFT_X"}},
                                            {"cwd", "work"}, {"env", {{"WEFT_X", "hello"}}}}),
                sh("missing", "/nonexistent/program")};
    wf.settings.failure = FailurePolicy::KeepGoing;
    RecordingSink sink;
    RunOptions o = options(2);
    o.baseDirectory = dir.path().toStdString();
    Executor executor(o);
    executor.run(wf, sink);
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
    std::string out;
    for (const Recorded &r : sink.events)
        if (r.kind == Recorded::Output && r.node == 0)
            out += r.text;
    const std::string expected = QDir(dir.path()).canonicalPath().toStdString() + "/work\nhello\n";
    QCOMPARE(out, expected);
    const auto finals = sink.finals();
    QCOMPARE(str(finals.at(0).outcome), str(NodeState::Succeeded));
    QCOMPARE(str(finals.at(1).outcome), str(NodeState::Failed));
    QVERIFY(!finals.at(1).error.empty());
    QCOMPARE(finals.at(1).command, std::string("/nonexistent/program"));
}

void TestExecutor::noOrphansFromGrandchildren()
{
    QTemporaryDir dir;
    const std::string pidfile = QDir(dir.path()).filePath("pids").toStdString();
    Workflow wf;
    wf.nodes = {child("daemon", {"--pidfile", pidfile, "--spawn-grandchild", "30"})};
    RecordingSink sink;
    Executor executor(options(1));
    const RunSummary summary = executor.run(wf, sink);
    QVERIFY2(summary.errors.empty(), summary.errors.empty() ? "" : summary.errors.front().c_str());
    QFile file(QString::fromStdString(pidfile));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    for (const QByteArray &line : lines)
        QTRY_VERIFY_WITH_TIMEOUT(processGone(line.toInt()), 5000);
}

void TestExecutor::runFinishedFigures()
{
    Workflow wf;
    wf.nodes = {makeNode("a", "sleep", {{"seconds", 0.05}}),
                makeNode("b", "sleep", {{"seconds", 0.15}}, {"a"}),
                makeNode("c", "sleep", {{"seconds", 0.02}}, {"a"}),
                makeNode("d", "noop", {}, {"b", "c"})};
    RecordingSink sink;
    Executor executor(options(4));
    QCOMPARE(str(executor.run(wf, sink).outcome), str(RunOutcome::Succeeded));
    const RunFinished &f = sink.finished;
    QCOMPARE(f.criticalPath, (std::vector<NodeIndex>{0, 1, 3}));
    QVERIFY(f.criticalPathDuration >= 0.2 && f.criticalPathDuration <= f.wall);
    QVERIFY(f.work >= 0.22);
    QCOMPARE(f.parallelism, f.work / f.wall);
    QCOMPARE(f.counts[std::size_t(NodeState::Succeeded)], std::size_t(4));
    QVERIFY(f.errors.empty());
    QCOMPARE(sink.started.jobs, 4);
}

QTEST_GUILESS_MAIN(TestExecutor)
#include "tst_executor.moc"
