// SPDX-License-Identifier: Apache-2.0
// Approval gates in the window (issue 16): the bundled "approve before
// publish" example run by the real window and engine; the gate waits for a
// person, holding no job slot, and the bar on the canvas (or the node's
// context menu) answers it.

#include "Document.h"
#include "MainWindow.h"
#include "canvas/GraphScene.h"
#include "canvas/NodeItem.h"
#include "run/RunController.h"
#include "run/RunView.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace weft;
using namespace weft::ui;

class TestApproval : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void approveLetsThePublishRun();
    void rejectSkipsThePublish();
    void stopWhileWaiting();
    void screenshot();

private:
    RunView *view() const { return m_window->findChild<RunView *>(); }
    QPushButton *button(const QString &name) const
    {
        return view()->approvalBar()->findChild<QPushButton *>(name);
    }
    bool waitForGate();
    bool waitForEnd();
    NodeState finalState(const QString &id) const
    {
        const RunController *c = view()->controller();
        return c->nodes()[std::size_t(c->indexOf(id))].state;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MainWindow> m_window;
};

void TestApproval::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    const QString path = m_dir->filePath(QStringLiteral("approve-before-publish.weft"));
    QVERIFY(QFile::copy(QStringLiteral(WEFT_EXAMPLES_DIR "/approve-before-publish.weft"), path));
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    m_window = std::make_unique<MainWindow>();
    m_window->hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    m_window->resize(1200, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->openFile(path));
}

void TestApproval::cleanup()
{
    m_window.reset();
    m_dir.reset();
}

bool TestApproval::waitForGate()
{
    return QTest::qWaitFor([this] { return button(QStringLiteral("approve:publish_gate")) != nullptr
                                           && view()->approvalBar()->isVisible(); },
                           20000);
}

bool TestApproval::waitForEnd()
{
    return QTest::qWaitFor([this] { return !view()->controller()->isRunning(); }, 20000);
}

void TestApproval::approveLetsThePublishRun()
{
    QVERIFY(view()->startRun());
    QVERIFY(waitForGate());
    // It waits for a person: shown as waiting for approval, holding no slot.
    QVERIFY(QTest::qWaitFor([this] {
        return finalState(QStringLiteral("publish_gate")) == NodeState::Waiting;
    }, 5000));
    QCOMPARE(int(finalState(QStringLiteral("publish_gate"))), int(NodeState::Waiting));
    QCOMPARE(view()->controller()->nodes()[std::size_t(view()->controller()->indexOf(
                 QStringLiteral("publish_gate")))].reason == WaitReason::Approval,
             true);
    QVERIFY(view()->controller()->isRunning());
    QTest::mouseClick(button(QStringLiteral("approve:publish_gate")), Qt::LeftButton);
    QVERIFY(waitForEnd());
    QCOMPARE(int(view()->controller()->finished()->outcome), int(RunOutcome::Succeeded));
    QCOMPARE(int(finalState(QStringLiteral("publish"))), int(NodeState::Succeeded));
    QVERIFY(QFile::exists(m_dir->filePath(
        QStringLiteral("out/approve-before-publish/published/release.txt"))));
    QVERIFY(!view()->approvalBar()->isVisible());
}

void TestApproval::rejectSkipsThePublish()
{
    QVERIFY(view()->startRun());
    QVERIFY(waitForGate());
    QTest::mouseClick(button(QStringLiteral("reject:publish_gate")), Qt::LeftButton);
    QVERIFY(waitForEnd());
    QCOMPARE(int(view()->controller()->finished()->outcome), int(RunOutcome::Failed));
    QCOMPARE(int(finalState(QStringLiteral("publish_gate"))), int(NodeState::Failed));
    QCOMPARE(int(finalState(QStringLiteral("publish"))), int(NodeState::Skipped));
    const auto &f = view()->controller()->nodes()[std::size_t(
        view()->controller()->indexOf(QStringLiteral("publish_gate")))].finished;
    QVERIFY(f);
    QVERIFY2(QString::fromStdString(f->error).contains(QStringLiteral("rejected")),
             f->error.c_str());
    QVERIFY(!QFile::exists(m_dir->filePath(
        QStringLiteral("out/approve-before-publish/published/release.txt"))));
}

void TestApproval::stopWhileWaiting()
{
    QVERIFY(view()->startRun());
    QVERIFY(waitForGate());
    view()->stopRun();
    QVERIFY(waitForEnd());
    QCOMPARE(int(view()->controller()->finished()->outcome), int(RunOutcome::Cancelled));
    QVERIFY(!view()->approvalBar()->isVisible());
    // Nothing to answer once the run is over.
    QVERIFY(!view()->controller()->approve(QStringLiteral("publish_gate")));
}

void TestApproval::screenshot()
{
    // Not a check: WEFT_APPROVAL_SCREENSHOT=path.png grabs the waiting gate.
    const QString target = qEnvironmentVariable("WEFT_APPROVAL_SCREENSHOT");
    if (target.isEmpty())
        QSKIP("set WEFT_APPROVAL_SCREENSHOT=file.png to grab the window");
    QVERIFY(view()->startRun());
    QVERIFY(waitForGate());
    QTest::qWait(300);
    QVERIFY(m_window->grab().save(target));
    view()->stopRun();
    QVERIFY(waitForEnd());
}

QTEST_MAIN(TestApproval)
#include "tst_approval.moc"
