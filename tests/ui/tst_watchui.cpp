// SPDX-License-Identifier: Apache-2.0
// Watch mode in the window (issue 16): Run ▸ Watch keeps the bundled
// "rebuild on save" example live with the real engine, real files and real
// inotify. A save starts a round that recompiles only what changed; the
// canvas shows the current round, the tray over the canvas what fired it
// and the recent rounds; every round is a run in the history; Stop (or
// unchecking Watch) ends the session with no child left.

#include "../common/CliRun.h"

#include "Document.h"
#include "MainWindow.h"
#include "run/HistoryDock.h"
#include "run/RunController.h"
#include "run/RunView.h"
#include "run/WatchTray.h"

#include <QAction>
#include <QLabel>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace weft;
using namespace weft::ui;

namespace {

bool copyTree(const QString &from, const QString &to)
{
    QDir source(from);
    if (!QDir().mkpath(to))
        return false;
    for (const QFileInfo &entry :
         source.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString target = to + QLatin1Char('/') + entry.fileName();
        if (entry.isDir() ? !copyTree(entry.filePath(), target)
                          : !QFile::copy(entry.filePath(), target))
            return false;
        QFile::setPermissions(target, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }
    return true;
}

} // namespace

class TestWatchUi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void saveStartsARoundThatRebuildsWhatChanged();
    void uncheckingWatchBetweenRoundsEndsTheSession();
    void approvalGateInAWatchSession();
    void nothingToWatchEndsAfterOneRoundAndSaysWhy();
    void screenshot();

private:
    RunView *view() const { return m_window->findChild<RunView *>(); }
    RunController *controller() const { return view()->controller(); }
    bool openExample(const QString &name);
    bool waitForRoundEnd(int round);
    const RunController::NodeRun &node(const QString &id) const
    {
        return controller()->nodes()[std::size_t(controller()->indexOf(id))];
    }
    void touchSource(const QString &name);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MainWindow> m_window;
};

void TestWatchUi::initTestCase()
{
    if (QStandardPaths::findExecutable(QStringLiteral("cc")).isEmpty())
        QSKIP("the rebuild-on-save example needs a C compiler (build-essential)");
}

void TestWatchUi::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_window = std::make_unique<MainWindow>();
    m_window->hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    m_window->resize(1200, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestWatchUi::cleanup()
{
    m_window.reset();
    m_dir.reset();
}

bool TestWatchUi::openExample(const QString &name)
{
    const QString path = m_dir->filePath(name + QStringLiteral(".weft"));
    if (!QFile::copy(QStringLiteral(WEFT_EXAMPLES_DIR "/") + name + QStringLiteral(".weft"), path))
        return false;
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    if (name == QStringLiteral("rebuild-on-save")
        && !copyTree(QStringLiteral(WEFT_EXAMPLES_DIR "/parallel-build"),
                     m_dir->filePath(QStringLiteral("parallel-build"))))
        return false;
    return m_window->openFile(path);
}

bool TestWatchUi::waitForRoundEnd(int round)
{
    const bool ok = QTest::qWaitFor(
        [this, round] {
            const auto &rounds = controller()->rounds();
            return !rounds.empty() && rounds.back().round == round && rounds.back().finished;
        },
        20000);
    if (!ok) { // say what did happen
        for (const auto &r : controller()->rounds())
            for (const auto &c : r.causes)
                qInfo() << "round" << r.round << r.finished << c.node.c_str() << c.cause.c_str()
                        << c.t << (c.changed.empty() ? "" : c.changed.front().c_str());
        qInfo() << "running" << controller()->isRunning() << "counts"
                << controller()->counts()[std::size_t(NodeState::Pending)]
                << controller()->counts()[std::size_t(NodeState::Running)]
                << controller()->counts()[std::size_t(NodeState::Succeeded)];
    }
    return ok;
}

void TestWatchUi::touchSource(const QString &name)
{
    // As an editor saves: a new file renamed over the old one.
    const QString path = m_dir->filePath(QStringLiteral("parallel-build/src/") + name);
    QFile in(path);
    QVERIFY(in.open(QIODevice::ReadOnly));
    QByteArray text = in.readAll();
    in.close();
    // A new symbol: the object changes, so the link runs again too (a
    // comment alone would leave the .o byte for byte the same, and the
    // link rightly up to date).
    static int edits = 0;
    ++edits;
    text += QByteArray("\nint weft_test_edit_") + QByteArray::number(edits) + " = "
            + QByteArray::number(edits) + ";\n";
    QFile out(path + QStringLiteral(".tmp"));
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(text);
    out.close();
    QVERIFY(::rename(QFile::encodeName(out.fileName()).constData(),
                     QFile::encodeName(path).constData())
            == 0);
}

void TestWatchUi::saveStartsARoundThatRebuildsWhatChanged()
{
    QVERIFY(openExample(QStringLiteral("rebuild-on-save")));
    QAction *watch = view()->watchAction();
    QVERIFY(watch->isCheckable());
    QCOMPARE(watch->shortcut(), QKeySequence(Qt::Key_F6));
    watch->trigger();
    QVERIFY(watch->isChecked());
    QVERIFY(controller()->isWatching());
    QVERIFY(waitForRoundEnd(1));
    QCOMPARE(int(controller()->rounds().back().outcome), int(RunOutcome::Succeeded));
    QCOMPARE(controller()->rounds().back().causes.front().cause, std::string("start"));
    const std::size_t sources = controller()->fanOut(NodeIndex(controller()->indexOf(
                                                         QStringLiteral("compile"))))
                                    ->instances.size();
    QVERIFY(sources >= 2);
    // Between rounds the session lives on: the tray says what it waits for.
    QVERIFY(controller()->isRunning());
    WatchTray *tray = view()->watchTray();
    QVERIFY(tray->isVisible());
    QVERIFY2(tray->headline().contains(QStringLiteral("round 1")), qPrintable(tray->headline()));
    QVERIFY2(tray->headline().contains(QStringLiteral("waiting for a change")),
             qPrintable(tray->headline()));
    QVERIFY(view()->lockBanner()->text().contains(QStringLiteral("Watching")));

    // A save of one source: round 2, which compiles that one only.
    touchSource(QStringLiteral("count.c"));
    QVERIFY(waitForRoundEnd(2));
    const RunController::RoundRecord &second = controller()->rounds().back();
    QCOMPARE(int(second.outcome), int(RunOutcome::Succeeded));
    bool namesTheFile = false;
    for (const TriggerFired &cause : second.causes)
        for (const std::string &path : cause.changed)
            namesTheFile |= QString::fromStdString(path).endsWith(QStringLiteral("count.c"));
    QVERIFY(namesTheFile);
    QVERIFY2(tray->headline().contains(QStringLiteral("count.c")), qPrintable(tray->headline()));
    QVERIFY2(tray->headline().contains(QStringLiteral("round 2")), qPrintable(tray->headline()));
    // The canvas shows round 2: only count.c's compile ran, the rest were up to date.
    const auto *fan = controller()->fanOut(NodeIndex(controller()->indexOf(QStringLiteral("compile"))));
    QVERIFY(fan);
    std::size_t cached = 0;
    for (const auto &instance : fan->instances)
        cached += instance.finished && instance.finished->cached ? 1 : 0;
    QCOMPARE(cached, sources - 1);
    QCOMPARE(int(node(QStringLiteral("link")).state), int(NodeState::Succeeded));
    QVERIFY(!(node(QStringLiteral("link")).finished->cached));
    // The tray holds both rounds; each is a run in the history.
    QCOMPARE(tray->chipCount(), 2);
    QVERIFY(tray->findChild<QToolButton *>(QStringLiteral("round:1")));
    QVERIFY(tray->findChild<QToolButton *>(QStringLiteral("round:2"))->toolTip().contains(
        QStringLiteral("count.c")));
    QVERIFY(QTest::qWaitFor([this] { return view()->historyDock()->runCount() >= 2; }, 5000));
    QVERIFY(view()->statusLabel()->text().contains(QStringLiteral("Round 2")));

    // Stop ends it: no round left running, no child left behind.
    const std::vector<int> pids = controller()->pids();
    QVERIFY(!pids.empty());
    view()->stopAction()->trigger();
    QVERIFY(QTest::qWaitFor([this] { return !controller()->isRunning(); }, 10000));
    QVERIFY(!watch->isChecked());
    QVERIFY(!tray->isVisible());
    QVERIFY(!view()->editingLocked());
    for (int pid : pids)
        QVERIFY2(weft::test::processGone(pid), qPrintable(QString::number(pid)));
    QCOMPARE(view()->historyDock()->runCount(), 2);
}

void TestWatchUi::uncheckingWatchBetweenRoundsEndsTheSession()
{
    QVERIFY(openExample(QStringLiteral("rebuild-on-save")));
    QAction *watch = view()->watchAction();
    watch->trigger();
    QVERIFY(waitForRoundEnd(1));
    QVERIFY(watch->isEnabled());
    QVERIFY(!view()->runAction()->isEnabled()); // one session at a time
    watch->trigger(); // unchecks: ends the session
    QVERIFY(QTest::qWaitFor([this] { return !controller()->isRunning(); }, 10000));
    QCOMPARE(controller()->rounds().size(), std::size_t(1));
    QCOMPARE(int(controller()->finished()->outcome), int(RunOutcome::Succeeded));
    // A change after the session ended starts nothing.
    touchSource(QStringLiteral("count.c"));
    QTest::qWait(600);
    QVERIFY(!controller()->isRunning());
    QVERIFY(view()->runAction()->isEnabled());
}

void TestWatchUi::approvalGateInAWatchSession()
{
    // The gate of a watch round waits in the session's own trigger hub;
    // the bar over the canvas answers it there.
    QVERIFY(openExample(QStringLiteral("approve-before-publish")));
    view()->watchAction()->trigger();
    QVERIFY(QTest::qWaitFor(
        [this] {
            return view()->approvalBar()->findChild<QPushButton *>(
                       QStringLiteral("approve:publish_gate"))
                   && view()->approvalBar()->isVisible();
        },
        20000));
    QTest::mouseClick(
        view()->approvalBar()->findChild<QPushButton *>(QStringLiteral("approve:publish_gate")),
        Qt::LeftButton);
    QVERIFY(waitForRoundEnd(1));
    QCOMPARE(int(controller()->rounds().back().outcome), int(RunOutcome::Succeeded));
    QCOMPARE(int(node(QStringLiteral("publish")).state), int(NodeState::Succeeded));
    view()->stopRun();
    QVERIFY(QTest::qWaitFor([this] { return !controller()->isRunning(); }, 10000));
}

void TestWatchUi::nothingToWatchEndsAfterOneRoundAndSaysWhy()
{
    const QString path = m_dir->filePath(QStringLiteral("still.weft"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"weft\": 1, \"nodes\": [{\"id\": \"a\", \"type\": \"noop\"}]}\n");
    file.close();
    QVERIFY(m_window->openFile(path));
    view()->watchAction()->trigger();
    QVERIFY(QTest::qWaitFor([this] { return !controller()->isRunning(); }, 10000));
    QCOMPARE(controller()->rounds().size(), std::size_t(1));
    QVERIFY(!view()->watchAction()->isChecked());
    QVERIFY2(m_window->statusBar()->currentMessage().contains(QStringLiteral("nothing in this workflow")),
             qPrintable(m_window->statusBar()->currentMessage()));
}

void TestWatchUi::screenshot()
{
    // Not a check: WEFT_WATCH_SCREENSHOT=path.png grabs a session after a save.
    const QString target = qEnvironmentVariable("WEFT_WATCH_SCREENSHOT");
    if (target.isEmpty())
        QSKIP("set WEFT_WATCH_SCREENSHOT=file.png to grab the window");
    QVERIFY(openExample(QStringLiteral("rebuild-on-save")));
    view()->watchAction()->trigger();
    QVERIFY(waitForRoundEnd(1));
    touchSource(QStringLiteral("count.c"));
    QVERIFY(waitForRoundEnd(2));
    touchSource(QStringLiteral("report.c"));
    QVERIFY(waitForRoundEnd(3));
    QTest::qWait(400);
    QVERIFY(m_window->grab().save(target));
    view()->stopRun();
    QVERIFY(QTest::qWaitFor([this] { return !controller()->isRunning(); }, 10000));
}

QTEST_MAIN(TestWatchUi)
#include "tst_watchui.moc"
