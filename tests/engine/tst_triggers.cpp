// SPDX-License-Identifier: Apache-2.0
// Trigger nodes in one run, through the public API: a watch node fires on a
// real file change (inotify), a timer after its period, an approval gate
// when the TriggerHub is answered; each can be cancelled while it waits,
// holding no job slot, with no child left.

#include "RecordingSink.h"

#include "weft/Executor.h"
#include "weft/Operation.h"
#include "weft/Triggers.h"
#include "weft/Workflow.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <future>
#include <thread>

using namespace weft;
using namespace weft::test;

namespace {

RunOptions options(const QTemporaryDir &dir, TriggerHub *hub, int jobs = 2)
{
    RunOptions o;
    o.jobs = jobs;
    o.threads = jobs;
    o.killGrace = std::chrono::milliseconds(2000);
    o.baseDirectory = dir.path().toStdString();
    o.triggers = hub;
    return o;
}

void writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(data);
}

bool gone(int pid)
{
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

// True once node `id` has a waiting event with `reason`.
bool waitsWith(const RecordingSink &sink, const Workflow &wf, const std::string &id, WaitReason reason)
{
    for (const Recorded &r : sink.snapshot()) {
        if (r.kind == Recorded::State && r.state.state == NodeState::Waiting
            && wf.nodes[r.node].id == id && r.state.reason == reason)
            return true;
    }
    return false;
}

} // namespace

class TestTriggers : public QObject
{
    Q_OBJECT

private slots:
    void registryDeclaresTriggers();
    void watchFiresOnChange();
    void timerFires();
    void approvalApproved();
    void approvalRejected();
    void approvalPreApproved();
    void cancelWhileWaiting_data();
    void cancelWhileWaiting();
    void waitingHoldsNoJobSlot();
};

void TestTriggers::registryDeclaresTriggers()
{
    for (const char *name : {"watch", "timer", "approval"}) {
        const OperationType *type = OperationRegistry::builtin().find(name);
        QVERIFY2(type, name);
        QVERIFY(type->semantics.trigger);
        QVERIFY(!type->semantics.blocksWorker);
        QVERIFY(type->launch);
        QVERIFY(describe(type->semantics).find("no thread and no job slot") != std::string::npos);
    }
    QCOMPARE(QString::fromStdString(OperationRegistry::builtin().find("watch")->outputs.at(0).name),
             QStringLiteral("changed"));
}

void TestTriggers::watchFiresOnChange()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath("src"));
    writeFile(dir.filePath("src/a.c"), "int a;\n");
    Workflow wf;
    wf.nodes = {makeNode("scan", "watch", {{"paths", {"src/*.c"}}, {"debounce", 0.05}}),
                makeNode("after", "noop", nlohmann::json::object(), {"scan"})};
    TriggerHub hub;
    RecordingSink sink;
    Executor executor(options(dir, &hub));
    auto done = std::async(std::launch::async, [&] { return executor.run(wf, sink); });
    QTRY_VERIFY_WITH_TIMEOUT(waitsWith(sink, wf, "scan", WaitReason::Trigger), 10000);
    QTest::qWait(100); // the watch is in place once the wait began; give inotify a moment anyway
    writeFile(dir.filePath("src/a.c"), "int a = 1;\n");
    writeFile(dir.filePath("src/notes.txt"), "not a match\n");
    QCOMPARE(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    const RunSummary summary = done.get();
    QVERIFY(summary.outcome == RunOutcome::Succeeded);
    const auto finals = sink.finals();
    QVERIFY(finals.at(0).outcome == NodeState::Succeeded);
    const StringOrList changed = finals.at(0).outputs.at("changed");
    QVERIFY(changed.items == std::vector<std::string>{"src/a.c"});
    QVERIFY(finals.at(1).outcome == NodeState::Succeeded);
    QCOMPARE(sink.contractViolation(wf), QString());
}

void TestTriggers::timerFires()
{
    QTemporaryDir dir;
    Workflow wf;
    wf.nodes = {makeNode("tick", "timer", {{"every", 0.2}})};
    RecordingSink sink;
    Executor executor(options(dir, nullptr)); // the run makes its own hub
    QElapsedTimer clock;
    clock.start();
    const RunSummary summary = executor.run(wf, sink);
    QVERIFY(summary.outcome == RunOutcome::Succeeded);
    QVERIFY(clock.elapsed() >= 190);
    QVERIFY(waitsWith(sink, wf, "tick", WaitReason::Trigger));
    QCOMPARE(sink.contractViolation(wf), QString());
}

void TestTriggers::approvalApproved()
{
    QTemporaryDir dir;
    Workflow wf;
    wf.nodes = {makeNode("gate", "approval", {{"message", "Publish?"}}),
                makeNode("publish", "noop", nlohmann::json::object(), {"gate"})};
    TriggerHub hub;
    std::promise<ApprovalRequest> asked;
    hub.setApprovalHandler([&](const ApprovalRequest &r) { asked.set_value(r); });
    RecordingSink sink;
    Executor executor(options(dir, &hub));
    auto done = std::async(std::launch::async, [&] { return executor.run(wf, sink); });
    auto question = asked.get_future();
    QCOMPARE(question.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    const ApprovalRequest request = question.get();
    QCOMPARE(request.node, std::string("gate"));
    QCOMPARE(request.message, std::string("Publish?"));
    QTRY_VERIFY_WITH_TIMEOUT(waitsWith(sink, wf, "gate", WaitReason::Approval), 10000);
    QCOMPARE(hub.waitingApprovals().size(), std::size_t(1));
    QVERIFY(!hub.approve("nobody"));
    QVERIFY(hub.approve("gate"));
    QCOMPARE(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    QVERIFY(done.get().outcome == RunOutcome::Succeeded);
    QVERIFY(sink.finals().at(1).outcome == NodeState::Succeeded);
    QVERIFY(hub.waitingApprovals().empty());
    QCOMPARE(sink.contractViolation(wf), QString());
}

void TestTriggers::approvalRejected()
{
    QTemporaryDir dir;
    Workflow wf;
    wf.nodes = {makeNode("gate", "approval", {{"message", "Publish?"}}),
                makeNode("publish", "noop", nlohmann::json::object(), {"gate"})};
    TriggerHub hub;
    RecordingSink sink;
    Executor executor(options(dir, &hub));
    auto done = std::async(std::launch::async, [&] { return executor.run(wf, sink); });
    QTRY_VERIFY_WITH_TIMEOUT(!hub.waitingApprovals().empty(), 10000);
    QVERIFY(hub.reject("gate", "rejected: not today"));
    QCOMPARE(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    QVERIFY(done.get().outcome == RunOutcome::Failed);
    const auto finals = sink.finals();
    QVERIFY(finals.at(0).outcome == NodeState::Failed);
    QCOMPARE(QString::fromStdString(finals.at(0).error), QStringLiteral("rejected: not today"));
    QVERIFY(finals.at(1).outcome == NodeState::Skipped);
    QCOMPARE(sink.contractViolation(wf), QString());
}

void TestTriggers::approvalPreApproved()
{
    QTemporaryDir dir;
    Workflow wf;
    wf.nodes = {makeNode("gate", "approval", {{"message", "Publish?"}}),
                makeNode("publish", "noop", nlohmann::json::object(), {"gate"})};
    TriggerHub hub;
    hub.preApprove("gate");
    bool asked = false;
    hub.setApprovalHandler([&](const ApprovalRequest &) { asked = true; });
    RecordingSink sink;
    Executor executor(options(dir, &hub));
    QVERIFY(executor.run(wf, sink).outcome == RunOutcome::Succeeded);
    QVERIFY(!asked);
    QCOMPARE(sink.contractViolation(wf), QString());
}

void TestTriggers::cancelWhileWaiting_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QByteArray>("params");
    QTest::addColumn<int>("reason");
    QTest::newRow("watch") << "watch" << QByteArray("{\"paths\": [\"never/*.x\"]}") << int(WaitReason::Trigger);
    QTest::newRow("timer") << "timer" << QByteArray("{\"every\": 3600}") << int(WaitReason::Trigger);
    QTest::newRow("approval") << "approval" << QByteArray("{\"message\": \"ok?\"}") << int(WaitReason::Approval);
}

// Cancel while a trigger waits and a child process runs beside it: both end
// cancelled, the child is gone, run() returns promptly.
void TestTriggers::cancelWhileWaiting()
{
    QFETCH(QString, type);
    QFETCH(QByteArray, params);
    QFETCH(int, reason);
    QTemporaryDir dir;
    Workflow wf;
    wf.nodes = {makeNode("trigger", type.toStdString(), nlohmann::json::parse(params.toStdString())),
                sh("busy", "sleep 30")};
    TriggerHub hub;
    RecordingSink sink;
    Executor executor(options(dir, &hub));
    auto done = std::async(std::launch::async, [&] { return executor.run(wf, sink); });
    QTRY_VERIFY_WITH_TIMEOUT(waitsWith(sink, wf, "trigger", WaitReason(reason)), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!sink.runningPids().empty(), 10000);
    const int pid = sink.runningPids().front();
    QElapsedTimer clock;
    clock.start();
    executor.cancel();
    QCOMPARE(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    QVERIFY(clock.elapsed() < 5000);
    QVERIFY(done.get().outcome == RunOutcome::Cancelled);
    const auto finals = sink.finals();
    QVERIFY(finals.at(0).outcome == NodeState::Cancelled);
    QVERIFY(finals.at(1).outcome == NodeState::Cancelled);
    QVERIFY(gone(pid));
    QVERIFY(hub.waitingApprovals().empty());
    QCOMPARE(sink.contractViolation(wf), QString());
}

// With one job slot, a waiting gate does not keep a process from running.
void TestTriggers::waitingHoldsNoJobSlot()
{
    QTemporaryDir dir;
    Workflow wf;
    // Whichever of gate and pause gets the one slot first, the gate is
    // admitted before work becomes ready; work can then only run while the
    // gate waits if the gate gave its slot back.
    wf.nodes = {makeNode("gate", "approval", nlohmann::json::object()),
                makeNode("pause", "sleep", {{"seconds", 0.2}}), sh("work", "true", {"pause"})};
    TriggerHub hub;
    RecordingSink sink;
    Executor executor(options(dir, &hub, 1));
    auto done = std::async(std::launch::async, [&] { return executor.run(wf, sink); });
    auto workDone = [&] {
        for (const Recorded &r : sink.snapshot())
            if (r.kind == Recorded::Finished && r.node == 2)
                return r.finished.outcome == NodeState::Succeeded;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(workDone(), 10000);
    QVERIFY(waitsWith(sink, wf, "gate", WaitReason::Approval));
    QVERIFY(!hub.waitingApprovals().empty());
    QVERIFY(hub.approve("gate"));
    QCOMPARE(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    QVERIFY(done.get().outcome == RunOutcome::Succeeded);
    QCOMPARE(sink.contractViolation(wf), QString());
}

QTEST_GUILESS_MAIN(TestTriggers)
#include "tst_triggers.moc"
