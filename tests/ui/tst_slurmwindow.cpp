// SPDX-License-Identifier: Apache-2.0
// A workflow on Slurm run from the window (issue 17): the node's tooltip
// names its Slurm job while it runs, and the job and cluster node after.
// Needs a cluster (label slurm: .ci/slurm-cluster run ctest --preset slurm);
// skips without one.

#include "Document.h"
#include "MainWindow.h"
#include "canvas/GraphScene.h"
#include "canvas/NodeItem.h"
#include "run/InstanceModel.h"
#include "run/RunController.h"
#include "run/RunView.h"

#include <weft/WorkflowFile.h>

#include <QApplication>
#include <QFile>
#include <QMessageBox>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace weft;
using namespace weft::ui;

class TestSlurmWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void jobIdAndHostInTooltips();
    void waitingInTheSlurmQueue();
    void queuedInstancesInTheInstanceList();

private:
    // Saves `w` as `name` in the temporary folder, opens it in a window of
    // its own (kept in m_window) and starts the run; the run's view, or null.
    RunView *openAndRun(const Workflow &w, const QString &name);

    QTemporaryDir m_tmp;
    std::unique_ptr<MainWindow> m_window;
};

RunView *TestSlurmWindow::openAndRun(const Workflow &w, const QString &name)
{
    const QString path = m_tmp.filePath(name);
    if (!saveWorkflowFile(w, path.toStdString()).ok)
        return nullptr;
    m_window = std::make_unique<MainWindow>();
    m_window->hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    m_window->show();
    if (!QTest::qWaitForWindowExposed(m_window.get()) || !m_window->openFile(path))
        return nullptr;
    RunView *view = m_window->findChild<RunView *>();
    return view && view->startRun() ? view : nullptr;
}

void TestSlurmWindow::initTestCase()
{
    QProcess sinfo;
    sinfo.start(QStringLiteral("sinfo"), {QStringLiteral("-h"), QStringLiteral("-o"), QStringLiteral("%T")});
    const bool ran = sinfo.waitForFinished(10000) && sinfo.exitCode() == 0;
    const QByteArray state = sinfo.readAllStandardOutput();
    if (!ran || !(state.contains("idle") || state.contains("mix") || state.contains("alloc")))
        QSKIP("no Slurm cluster reachable: start one with .ci/slurm-cluster run ctest --preset slurm");
    // slurmd reads the job files under the workflow's directory.
    QFile::setPermissions(m_tmp.path(),
                          QFile::permissions(m_tmp.path()) | QFile::ReadOther | QFile::ExeOther);
}

void TestSlurmWindow::jobIdAndHostInTooltips()
{
    Workflow w;
    w.settings.launcher = "slurm";
    Node node;
    node.id = "remote";
    node.type = "process";
    node.params = {{"command", "sleep 2"}};
    w.nodes.push_back(node);
    RunView *view = openAndRun(w, QStringLiteral("slurm.weft"));
    QVERIFY(view);
    GraphScene *scene = m_window->scene();
    QVERIFY2(QTest::qWaitFor([scene] {
        return scene->detailFor(QStringLiteral("remote")).contains(QStringLiteral("Slurm job"));
    }, 30000), qPrintable(scene->detailFor(QStringLiteral("remote"))));
    QVERIFY(QTest::qWaitFor([view] { return !view->controller()->isRunning(); }, 60000));
    QCOMPARE(int(view->controller()->finished()->outcome), int(RunOutcome::Succeeded));
    const QString done = scene->detailFor(QStringLiteral("remote"));
    QVERIFY2(done.contains(QStringLiteral("Slurm job ")) && done.contains(QStringLiteral(" on ")),
             qPrintable(done));
}

// A job submitted held waits in the Slurm queue: the node says so, with the
// job and Slurm's reason, and looks apart from a node waiting for a slot;
// released, it runs and succeeds.
void TestSlurmWindow::waitingInTheSlurmQueue()
{
    Workflow w;
    w.settings.launcher = "slurm";
    Node node;
    node.id = "held";
    node.type = "process";
    node.slurm = nlohmann::json::object();
    node.slurm["extra"] = nlohmann::json::array({"--hold"});
    node.params = {{"command", "true"}};
    w.nodes.push_back(node);
    RunView *view = openAndRun(w, QStringLiteral("held.weft"));
    QVERIFY(view);
    GraphScene *scene = m_window->scene();
    const QString id = QStringLiteral("held");
    QVERIFY2(QTest::qWaitFor([&] { return scene->detailFor(id).contains(QStringLiteral("(JobHeldUser)")); },
                             30000),
             qPrintable(scene->detailFor(id)));
    const QString detail = scene->detailFor(id);
    QVERIFY2(detail.startsWith(QStringLiteral("Waiting in the Slurm queue: job ")), qPrintable(detail));
    const QString jobId = detail.section(QStringLiteral("job "), 1).section(QLatin1Char(' '), 0, 0);
    QVERIFY(!jobId.isEmpty());
    QTRY_VERIFY(scene->nodeItem(id)->visualState().slurmQueued);
    QCOMPARE(int(scene->nodeItem(id)->visualState().runState), int(RunState::Waiting));
    NodeItem *item = scene->nodeItem(id);
    const QString tip = item->toolTipAt(item->boundingRect().center());
    QVERIFY2(tip.contains(QStringLiteral("Waiting in the Slurm queue: job ") + jobId), qPrintable(tip));

    QProcess release;
    release.start(QStringLiteral("scontrol"), {QStringLiteral("release"), jobId});
    QVERIFY(release.waitForFinished(30000));
    QCOMPARE(release.exitCode(), 0);
    QVERIFY(QTest::qWaitFor([view] { return !view->controller()->isRunning(); }, 60000));
    QCOMPARE(int(view->controller()->finished()->outcome), int(RunOutcome::Succeeded));
    QVERIFY(!scene->nodeItem(id)->visualState().slurmQueued);
    QVERIFY2(scene->detailFor(id).contains(QStringLiteral("Slurm job ") + jobId + QStringLiteral(" on ")),
             qPrintable(scene->detailFor(id)));
}

// The instances of a fan-out on Slurm: the inspector's instance list says
// which wait in the queue, with Slurm's reason, and names each job.
void TestSlurmWindow::queuedInstancesInTheInstanceList()
{
    Workflow w;
    w.settings.launcher = "slurm";
    Node node;
    node.id = "each";
    node.type = "process";
    node.foreach = ForEach{ForEach::Kind::List, {"a", "b"}, {}};
    node.slurm = nlohmann::json::object();
    node.slurm["extra"] = nlohmann::json::array({"--hold"});
    node.params = {{"argv", {"echo", "${item}"}}};
    w.nodes.push_back(node);
    RunView *view = openAndRun(w, QStringLiteral("held-each.weft"));
    QVERIFY(view);
    RunController *controller = view->controller();
    InstanceModel *model = view->instances();
    auto queued = [&](int row) {
        const auto *fan = controller->fanOut(NodeIndex(controller->indexOf(QStringLiteral("each"))));
        return fan && int(fan->instances.size()) > row && fan->instances[std::size_t(row)].slurm
               && fan->instances[std::size_t(row)].slurm->queued
               && fan->instances[std::size_t(row)].slurm->pendingReason == QStringLiteral("JobHeldUser");
    };
    QVERIFY(QTest::qWaitFor([&] { return queued(0) && queued(1); }, 30000));
    model->setNode(controller->indexOf(QStringLiteral("each")));
    QStringList jobs;
    for (int row = 0; row < 2; ++row) {
        const QString state
            = model->data(model->index(row, InstanceModel::StateColumn), Qt::DisplayRole).toString();
        QCOMPARE(state, QStringLiteral("In Slurm queue (JobHeldUser)"));
        const QString tip
            = model->data(model->index(row, InstanceModel::StateColumn), Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("Waiting in the Slurm queue: job ")), qPrintable(tip));
        jobs << tip.section(QStringLiteral("queue: job "), 1).section(QLatin1Char(' '), 0, 0);
    }
    QVERIFY(!jobs[0].isEmpty() && jobs[0] != jobs[1]);
    QProcess release;
    release.start(QStringLiteral("scontrol"), QStringList{QStringLiteral("release"), jobs.join(QLatin1Char(','))});
    QVERIFY(release.waitForFinished(30000));
    QCOMPARE(release.exitCode(), 0);
    QVERIFY(QTest::qWaitFor([view] { return !view->controller()->isRunning(); }, 60000));
    QCOMPARE(int(controller->finished()->outcome), int(RunOutcome::Succeeded));
    for (int row = 0; row < 2; ++row) {
        const QString tip
            = model->data(model->index(row, InstanceModel::StateColumn), Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("Slurm job ") + jobs[row] + QStringLiteral(" on ")),
                 qPrintable(tip));
        QCOMPARE(model->data(model->index(row, InstanceModel::StateColumn), Qt::DisplayRole).toString(),
                 QStringLiteral("Succeeded"));
    }
}

QTEST_MAIN(TestSlurmWindow)
#include "tst_slurmwindow.moc"
