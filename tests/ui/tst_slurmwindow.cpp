// SPDX-License-Identifier: Apache-2.0
// A workflow on Slurm run from the window (issue 17): the node's tooltip
// names its Slurm job while it runs, and the job and cluster node after.
// Needs a cluster (label slurm: .ci/slurm-cluster run ctest --preset slurm);
// skips without one.

#include "Document.h"
#include "MainWindow.h"
#include "canvas/GraphScene.h"
#include "run/RunController.h"
#include "run/RunView.h"

#include <weft/WorkflowFile.h>

#include <QApplication>
#include <QFile>
#include <QMessageBox>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace weft;
using namespace weft::ui;

class TestSlurmWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void jobIdAndHostInTooltips();

private:
    QTemporaryDir m_tmp;
};

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
    const QString path = m_tmp.filePath(QStringLiteral("slurm.weft"));
    QVERIFY(saveWorkflowFile(w, path.toStdString()).ok);

    MainWindow window;
    window.hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openFile(path));
    RunView *view = window.findChild<RunView *>();
    QVERIFY(view->startRun());
    GraphScene *scene = window.scene();
    QVERIFY2(QTest::qWaitFor([scene] {
        return scene->detailFor(QStringLiteral("remote")).contains(QStringLiteral("Slurm job"));
    }, 30000), qPrintable(scene->detailFor(QStringLiteral("remote"))));
    QVERIFY(QTest::qWaitFor([view] { return !view->controller()->isRunning(); }, 60000));
    QCOMPARE(int(view->controller()->finished()->outcome), int(RunOutcome::Succeeded));
    const QString done = scene->detailFor(QStringLiteral("remote"));
    QVERIFY2(done.contains(QStringLiteral("Slurm job ")) && done.contains(QStringLiteral(" on ")),
             qPrintable(done));
}

QTEST_MAIN(TestSlurmWindow)
#include "tst_slurmwindow.moc"
