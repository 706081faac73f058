// SPDX-License-Identifier: Apache-2.0
// Incremental runs and the run history in the window (issue 15): the real
// MainWindow, engine, processes and .weft/state.db beside a real file. Run
// (F5) redoes only what is out of date, Run All everything; up-to-date
// nodes look and read differently; the History dock lists and compares runs.

#include "Document.h"
#include "MainWindow.h"
#include "canvas/GraphScene.h"
#include "canvas/NodeItem.h"
#include "run/HistoryDock.h"
#include "run/RunController.h"
#include "run/RunEstimate.h"
#include "run/RunProblems.h"
#include "run/RunView.h"

#include "NoopWorkflow.h"

#include <weft/RunReport.h>
#include <weft/StateStore.h>

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QTreeWidget>

using namespace weft;
using namespace weft::ui;

class TestHistory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void secondRunKeepsWhatIsUpToDate();
    void everyNodeUpToDateEndsCachedAtOnce();
    void changedInputRerunsWithTheReason();
    void runAllRunsEverything();
    void historyListsAndComparesRuns();
    void hiddenHistoryIsReadWhenShown();
    void largeRunListedWhole();
    void aRunOfTheFileElsewhereRefusesWithItsPid();
    void forgetStateRunsEverythingNext();
    void unsavedDocumentRunsWholeAndRecordsNothing();
    void predictionBesideRun();
    void screenshot();

private:
    RunView *runView() const { return m_window->findChild<RunView *>(); }
    QString path(const QString &name) const { return m_dir->filePath(name); }
    bool runToEnd(QAction *action = nullptr, int timeoutMs = 30000);
    bool writeInput(const QByteArray &text);
    NodeVisualState visual(const QString &id) const;
    QString tooltip(const QString &id) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MainWindow> m_window;
};

void TestHistory::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QFile::copy(QStringLiteral(WEFT_FIXTURES_DIR "/history/build.weft"),
                        path(QStringLiteral("build.weft"))));
    QFile::setPermissions(path(QStringLiteral("build.weft")),
                          QFile::ReadOwner | QFile::WriteOwner);
    QVERIFY(writeInput("hello\n"));
    m_window = std::make_unique<MainWindow>();
    m_window->hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    m_window->resize(1400, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->openFile(path(QStringLiteral("build.weft"))));
    QVERIFY(runView());
}

void TestHistory::cleanup()
{
    m_window.reset();
    m_dir.reset();
}

bool TestHistory::writeInput(const QByteArray &text)
{
    QFile file(path(QStringLiteral("in.txt")));
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(text) == text.size();
}

bool TestHistory::runToEnd(QAction *action, int timeoutMs)
{
    RunView *view = runView();
    if (!action)
        action = view->runAction();
    if (!action->isEnabled())
        return false;
    action->trigger();
    if (!view->controller()->isRunning())
        return false;
    QElapsedTimer timer;
    timer.start();
    while (view->controller()->isRunning() && timer.elapsed() < timeoutMs)
        QTest::qWait(20);
    QTest::qWait(50); // the canvas's last flush
    return !view->controller()->isRunning() && view->controller()->finished().has_value();
}

NodeVisualState TestHistory::visual(const QString &id) const
{
    NodeItem *item = m_window->scene()->nodeItem(id);
    return item ? item->visualState() : NodeVisualState{};
}

QString TestHistory::tooltip(const QString &id) const
{
    return m_window->scene()->detailFor(id);
}

void TestHistory::secondRunKeepsWhatIsUpToDate()
{
    RunView *view = runView();
    QVERIFY(runToEnd());
    const RunController *controller = view->controller();
    QVERIFY(controller->isIncremental());
    QCOMPARE(controller->finished()->cached, std::size_t(0));
    QVERIFY2(tooltip(QStringLiteral("gen")).contains(QStringLiteral("Ran because: never ran")),
             qPrintable(tooltip(QStringLiteral("gen"))));
    QVERIFY2(tooltip(QStringLiteral("announce")).contains(QStringLiteral("declares no outputs")),
             qPrintable(tooltip(QStringLiteral("announce"))));
    QVERIFY(QFile::exists(path(QStringLiteral(".weft/state.db"))));
    QFile b(path(QStringLiteral("out/b.txt")));
    QVERIFY(b.open(QIODevice::ReadOnly));
    QCOMPARE(b.readAll(), QByteArray("HELLO\n"));

    // Nothing changed: what declares outputs is kept, the rest runs.
    QVERIFY(runToEnd());
    QCOMPARE(controller->finished()->cached, std::size_t(2));
    QCOMPARE(int(controller->finished()->outcome), int(RunOutcome::Succeeded));
    for (const QString &id : {QStringLiteral("gen"), QStringLiteral("upper")}) {
        const NodeVisualState state = visual(id);
        QCOMPARE(int(state.runState), int(RunState::Succeeded));
        QVERIFY2(state.cached, qPrintable(id));
        QVERIFY2(tooltip(id).startsWith(QStringLiteral("Up to date")), qPrintable(tooltip(id)));
    }
    QVERIFY(!visual(QStringLiteral("announce")).cached);
    QCOMPARE(int(visual(QStringLiteral("announce")).runState), int(RunState::Succeeded));
    QVERIFY2(view->statusLabel()->text().contains(QStringLiteral("2 up to date")),
             qPrintable(view->statusLabel()->text()));
}

// Every node declares outputs, listed dependants first: a run in which all
// are up to date decides them at once, before any is scheduled
// (IncrementalCheck::allUpToDate), and the window shows the same as for a
// run that checked them one by one.
void TestHistory::everyNodeUpToDateEndsCachedAtOnce()
{
    const QByteArray text = R"({
  "weft": 1,
  "nodes": [
    { "id": "third", "type": "write", "needs": ["second"],
      "params": { "path": "out/3.txt", "text": "3" }, "outputs": { "file": "out/3.txt" },
      "position": [520, 0] },
    { "id": "second", "type": "process", "needs": ["first"],
      "params": { "command": "cat out/1.txt out/1.txt > out/2.txt" },
      "outputs": { "file": "out/2.txt" }, "position": [260, 0] },
    { "id": "first", "type": "write",
      "params": { "path": "out/1.txt", "text": "1" }, "outputs": { "file": "out/1.txt" },
      "position": [0, 0] }
  ]
})";
    QDir().mkpath(path(QStringLiteral("out")));
    QFile file(path(QStringLiteral("all.weft")));
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write(text) == text.size());
    file.close();
    QVERIFY(m_window->openFile(path(QStringLiteral("all.weft"))));
    RunView *view = runView();
    QVERIFY(runToEnd());
    QCOMPARE(view->controller()->finished()->cached, std::size_t(0));
    // Past the "racily clean" window, so that the records learn stats they
    // can trust and the next run decides from stats alone.
    QTest::qWait(300);
    QVERIFY(runToEnd());
    QVERIFY(runToEnd());
    const RunController *controller = view->controller();
    QCOMPARE(controller->finished()->cached, std::size_t(3));
    QCOMPARE(int(controller->finished()->outcome), int(RunOutcome::Succeeded));
    for (const QString &id : {QStringLiteral("first"), QStringLiteral("second"), QStringLiteral("third")}) {
        const NodeVisualState state = visual(id);
        QCOMPARE(int(state.runState), int(RunState::Succeeded));
        QVERIFY2(state.cached, qPrintable(id));
        QVERIFY2(tooltip(id).startsWith(QStringLiteral("Up to date")), qPrintable(tooltip(id)));
    }
    QVERIFY2(view->statusLabel()->text().contains(QStringLiteral("3 up to date")),
             qPrintable(view->statusLabel()->text()));
    QFile second(path(QStringLiteral("out/2.txt")));
    QVERIFY(second.open(QIODevice::ReadOnly));
    QCOMPARE(second.readAll(), QByteArray("11"));
    if (const QString shot = qEnvironmentVariable("WEFT_HISTORY_SCREENSHOT"); !shot.isEmpty())
        QVERIFY(m_window->grab().save(QString(shot).replace(QStringLiteral(".png"),
                                                             QStringLiteral("-all-cached.png"))));
}

void TestHistory::changedInputRerunsWithTheReason()
{
    QVERIFY(runToEnd());
    QVERIFY(writeInput("changed\n"));
    QVERIFY(runToEnd());
    const RunController *controller = runView()->controller();
    QCOMPARE(controller->finished()->cached, std::size_t(0));
    const QString gen = tooltip(QStringLiteral("gen"));
    QVERIFY2(gen.contains(QStringLiteral("Ran because:")) && gen.contains(QStringLiteral("in.txt")),
             qPrintable(gen));
    QVERIFY(!visual(QStringLiteral("gen")).cached);
    const QString upper = tooltip(QStringLiteral("upper"));
    QVERIFY2(upper.contains(QStringLiteral("Ran because:")), qPrintable(upper));
    QFile b(path(QStringLiteral("out/b.txt")));
    QVERIFY(b.open(QIODevice::ReadOnly));
    QCOMPARE(b.readAll(), QByteArray("CHANGED\n"));
}

void TestHistory::runAllRunsEverything()
{
    RunView *view = runView();
    QVERIFY(runToEnd());
    QVERIFY(view->runAllAction());
    QCOMPARE(view->runAllAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5));
    QVERIFY(runToEnd(view->runAllAction()));
    QCOMPARE(view->controller()->finished()->cached, std::size_t(0));
    QVERIFY(view->controller()->isForced());
    QVERIFY2(tooltip(QStringLiteral("gen")).contains(QStringLiteral("Run All")),
             qPrintable(tooltip(QStringLiteral("gen"))));
    // A forced run records its nodes: the next plain run keeps them.
    QVERIFY(runToEnd());
    QCOMPARE(view->controller()->finished()->cached, std::size_t(2));
}

void TestHistory::historyListsAndComparesRuns()
{
    RunView *view = runView();
    HistoryDock *history = view->historyDock();
    QVERIFY(history);
    QCOMPARE(history->runCount(), 0);
    QVERIFY(runToEnd());
    QVERIFY(runToEnd());
    QCOMPARE(history->runCount(), 2);
    // Newest first and selected: its nodes, with up to date for the kept ones.
    QTreeWidget *runs = history->runsView();
    QCOMPARE(runs->topLevelItem(0)->text(0), QStringLiteral("2"));
    QCOMPARE(runs->topLevelItem(0)->text(5), QStringLiteral("2")); // up to date
    QVERIFY2(runs->topLevelItem(0)->text(7).contains(QStringLiteral("window")),
             qPrintable(runs->topLevelItem(0)->text(7)));
    QString detail = history->detailText();
    QVERIFY2(detail.contains(QStringLiteral("gen\tup to date")), qPrintable(detail));
    QVERIFY2(detail.contains(QStringLiteral("announce\tsucceeded")), qPrintable(detail));

    history->selectRuns({1});
    detail = history->detailText();
    QVERIFY2(detail.contains(QStringLiteral("never ran")), qPrintable(detail));

    history->selectRuns({1, 2});
    detail = history->detailText();
    QVERIFY2(detail.contains(QStringLiteral("Run 1")) && detail.contains(QStringLiteral("run 2")),
             qPrintable(detail));
    QVERIFY2(detail.contains(QStringLiteral("succeeded → up to date")), qPrintable(detail));
    // Nothing selected after a comparison: an empty list with a run's columns.
    history->selectRuns({});
    QCOMPARE(history->detailView()->model()->rowCount(), 0);
    QCOMPARE(history->detailView()->model()->headerData(1, Qt::Horizontal).toString(),
             QStringLiteral("Outcome"));

    // Double-clicking a node in the history shows it on the canvas.
    history->selectRuns({2});
    const QAbstractItemModel *units = history->detailView()->model();
    QModelIndex row;
    for (int i = 0; i < units->rowCount(); ++i)
        if (units->index(i, 0).data().toString() == QStringLiteral("upper"))
            row = units->index(i, 3); // any column of the row
    QVERIFY(row.isValid());
    m_window->scene()->clearSelection();
    Q_EMIT history->detailView()->doubleClicked(row);
    QCOMPARE(m_window->scene()->selectedNodeIds(), QStringList{QStringLiteral("upper")});

    // On screen, the dock lists a run that ends by itself: read on the
    // thread pool and shown when it comes back, with nothing asking for it.
    history->show();
    QTRY_VERIFY(history->isVisible());
    auto *header = history->findChild<QLabel *>(QStringLiteral("historyHeader"));
    QVERIFY(header);
    QVERIFY(runToEnd());
    QTRY_VERIFY_WITH_TIMEOUT(header->text().startsWith(QStringLiteral("3 run")), 10000);
    QTRY_COMPARE(history->findChild<QTreeWidget *>(QStringLiteral("historyRuns"))
                     ->topLevelItem(0)->text(0),
                 QStringLiteral("3"));
    QCOMPARE(history->runCount(), 3);

    // A fresh window on the same file finds the same history.
    m_window = std::make_unique<MainWindow>();
    m_window->hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    QVERIFY(m_window->openFile(path(QStringLiteral("build.weft"))));
    QCOMPARE(runView()->historyDock()->runCount(), 3);
}

// Hidden, the History dock does not read the database at the end of each
// run (a 10,000-node run's units took 50-90 ms of the GUI thread); it does
// when it is shown again.
void TestHistory::hiddenHistoryIsReadWhenShown()
{
    HistoryDock *history = runView()->historyDock();
    auto *runs = history->findChild<QTreeWidget *>(QStringLiteral("historyRuns"));
    QVERIFY(runs);
    history->hide(); // closed from the View menu (or a tab behind another)
    QVERIFY(!history->isVisible());
    QVERIFY(runToEnd());
    QCOMPARE(runs->topLevelItemCount(), 0); // not read yet
    history->show();
    history->raise();
    QVERIFY(QTest::qWaitFor([runs] { return runs->topLevelItemCount() == 1; }, 5000));
    // Shown, it follows each run as it ends.
    QVERIFY(runToEnd());
    QCOMPARE(runs->topLevelItemCount(), 2);
    QCOMPARE(runs->topLevelItem(0)->text(0), QStringLiteral("2"));
}

// 20,000 units in one run: the dock reads them on the thread pool, not in
// the pass that lists the runs, lists all of them sorted by node in natural
// order, sorts the other columns by their values, keeps the selected row
// through a sort, and anything that reads the rows meanwhile gets all of them.
void TestHistory::largeRunListedWhole()
{
    const int nodes = 20000;
    const Workflow wf = test::noopWorkflow(nodes);
    const QString file = path(QStringLiteral("large.weft"));
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"weft\": 1, \"nodes\": []}\n");
    f.close();
    {
        std::string error;
        std::unique_ptr<StateStore> store = StateStore::open(file.toStdString(), error);
        QVERIFY2(store, error.c_str());
        std::unique_ptr<EventSink> sink = store->historySink("-j 2", nullptr, 100);
        RunStarted started;
        started.workflow = &wf;
        started.nodes = wf.nodes.size();
        sink->runStarted(started);
        for (int i = 0; i < nodes; ++i) {
            NodeFinished finished;
            finished.node = NodeIndex(nodes - 1 - i); // finished in reverse: the dock sorts
            finished.outcome = NodeState::Succeeded;
            finished.attempts = 1;
            finished.start = 0.001 * i;
            finished.duration = 0.001 * (i % 1000 + 1); // 1 ms to 1 s
            finished.exitCode = 0;
            sink->nodeFinished(finished);
        }
        RunFinished end;
        end.wall = 20;
        end.work = 20;
        sink->runFinished(end);
    }

    HistoryDock dock;
    dock.showHistoryOf(file); // selects the newest run, read on the thread pool
    QVERIFY2(dock.readingRun(), "20,000 units were read in the pass that listed the runs");
    QTRY_VERIFY_WITH_TIMEOUT(!dock.readingRun(), 20000);
    QTreeView *view = dock.detailView();
    const QAbstractItemModel *rows = view->model();
    QCOMPARE(rows->rowCount(), nodes);
    QVERIFY(view->isSortingEnabled());
    auto cell = [rows](int row, int column) { return rows->index(row, column).data().toString(); };
    // Natural order: n2 before n10, n19999 last (the locale's order of the
    // text would put n10 to n19 right after n1).
    QCOMPARE(cell(0, 0), QStringLiteral("n0"));
    QCOMPARE(cell(1, 0), QStringLiteral("n1"));
    QCOMPARE(cell(2, 0), QStringLiteral("n2"));
    QCOMPARE(cell(nodes - 1, 0), QStringLiteral("n19999"));
    QCOMPARE(cell(5, 1), QStringLiteral("succeeded"));
    QCOMPARE(rows->index(5, 0).data(Qt::UserRole + 2).toString(), QStringLiteral("n5"));
    // The selected row stays selected through a sort, wherever it goes.
    view->setCurrentIndex(rows->index(2, 0));
    // Durations sort as times, not as text ("1.0 s" is no shorter than "9 ms").
    view->sortByColumn(3, Qt::AscendingOrder);
    QCOMPARE(cell(0, 3), QString::fromStdString(formatSeconds(0.001)));
    QCOMPARE(cell(nodes - 1, 3), QString::fromStdString(formatSeconds(1.0)));
    QCOMPARE(view->currentIndex().data().toString(), QStringLiteral("n2"));
    view->sortByColumn(0, Qt::DescendingOrder);
    QCOMPARE(cell(0, 0), QStringLiteral("n19999"));
    QCOMPARE(view->currentIndex().data().toString(), QStringLiteral("n2"));
    QCOMPARE(view->currentIndex().row(), nodes - 3);

    // Read while the units are still on their way: every row is there.
    dock.selectNewest(0);
    QVERIFY(dock.readingRun());
    QCOMPARE(dock.detailText().count(QLatin1Char('\n')), nodes);
    QVERIFY(!dock.readingRun());
    // A new list starts in the natural order again.
    QCOMPARE(view->header()->sortIndicatorSection(), 0);
    QCOMPARE(cell(0, 0), QStringLiteral("n0"));

    // WEFT_HISTORY_SCREENSHOT=path.png also grabs this dock, longest first.
    if (const QString target = qEnvironmentVariable("WEFT_HISTORY_SCREENSHOT"); !target.isEmpty()) {
        dock.resize(900, 500);
        dock.show();
        view->sortByColumn(3, Qt::DescendingOrder);
        QTest::qWait(100);
        QVERIFY(dock.grab().save(
            QString(target).replace(QStringLiteral(".png"), QStringLiteral("-large.png"))));
    }
}

void TestHistory::aRunOfTheFileElsewhereRefusesWithItsPid()
{
    // Another run of the same file (here: this process, as weft-cli would)
    // holds its run lock: the window says so and starts nothing.
    std::string error;
    std::unique_ptr<StateStore> other
        = StateStore::open(path(QStringLiteral("build.weft")).toStdString(), error);
    QVERIFY2(other, error.c_str());
    int holder = 0;
    QVERIFY(other->lockRun(holder, error));
    RunView *view = runView();
    QVERIFY(!view->startRun());
    QVERIFY(!view->controller()->isRunning());
    QVERIFY(!QFile::exists(path(QStringLiteral("out/a.txt"))));
    QString problems;
    QTreeWidget *list = view->problems()->list();
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        problems += list->topLevelItem(i)->text(1) + QLatin1Char('\n');
    QVERIFY2(problems.contains(QStringLiteral("Another run"))
                 && problems.contains(QString::number(QCoreApplication::applicationPid())),
             qPrintable(problems));
    // Once it is gone the window runs, and gives the lock back after.
    other.reset();
    QVERIFY(runToEnd());
    other = StateStore::open(path(QStringLiteral("build.weft")).toStdString(), error);
    QVERIFY(other);
    QVERIFY2(other->lockRun(holder, error), "the window kept the run lock after its run");
}

void TestHistory::forgetStateRunsEverythingNext()
{
    RunView *view = runView();
    QVERIFY(runToEnd());
    QVERIFY(view->forgetStateAction()->isEnabled());
    view->forgetStateAction()->trigger();
    QVERIFY(runToEnd());
    QCOMPARE(view->controller()->finished()->cached, std::size_t(0));
    QVERIFY2(tooltip(QStringLiteral("gen")).contains(QStringLiteral("never ran")),
             qPrintable(tooltip(QStringLiteral("gen"))));
    QCOMPARE(view->historyDock()->runCount(), 2); // the history stays
}

void TestHistory::unsavedDocumentRunsWholeAndRecordsNothing()
{
    m_window->newDocument();
    QVERIFY(m_window->document()->filePath().isEmpty());
    // Only the node that needs no input: an unsaved document runs in a
    // scratch directory.
    Workflow w;
    Node node;
    node.id = "alone";
    node.type = "write";
    node.params = {{"path", "out/x.txt"}, {"text", "x"}};
    node.outputs["x"].items = {"out/x.txt"};
    w.nodes.push_back(node);
    m_window->document()->reset(w, QString());
    RunView *view = runView();
    QVERIFY(runToEnd());
    QVERIFY(!view->controller()->isIncremental());
    QVERIFY(runToEnd());
    QCOMPARE(view->controller()->finished()->cached, std::size_t(0));
    QVERIFY(!view->forgetStateAction()->isEnabled());
    QCOMPARE(view->historyDock()->runCount(), 0);
}

void TestHistory::predictionBesideRun()
{
    // Issue 18: before any run there is nothing to predict from; after one,
    // the wall time at the chosen -j is predicted from what it measured, the
    // idle status line gives the design's width and critical path, and the
    // next run carries the prediction in run_finished.
    RunView *view = runView();
    RunEstimate *estimate = view->estimate();
    QVERIFY(QTest::qWaitFor([estimate] { return estimate->current(); }, 5000));
    QCOMPARE(estimate->result().predictedWall, -1.0);
    QVERIFY(view->predictionLabel()->text().isEmpty());
    QVERIFY2(view->statusLabel()->text().contains(QStringLiteral("width 1")),
             qPrintable(view->statusLabel()->text()));

    QVERIFY(runToEnd(view->runAllAction()));
    QVERIFY(QTest::qWaitFor([estimate] { return estimate->current(); }, 5000));
    QVERIFY(estimate->result().predictedWall > 0);
    QCOMPARE(estimate->result().measuredUnits, std::size_t(3));
    QVERIFY2(view->predictionLabel()->text().startsWith(QStringLiteral("≈ ")),
             qPrintable(view->predictionLabel()->text()));
    QCOMPARE(estimate->result().design.path,
             (std::vector<std::string>{"gen", "upper", "announce"}));
    const double predicted = estimate->result().predictedWall;
    QVERIFY(runToEnd(view->runAllAction()));
    QCOMPARE(view->controller()->finished()->predictedWall, predicted);
    // Last Run says where the unused job slots went, and the prediction.
    QTreeWidgetItem *why = view->problems()->parallelismItem();
    QVERIFY(why);
    QVERIFY2(why->text(1).contains(QStringLiteral("slot-seconds"))
                 && why->text(1).contains(QStringLiteral("predicted")),
             qPrintable(why->text(1)));
    QVERIFY(why->childCount() >= 1);
    // A different job count asks again.
    view->jobsBox()->setValue(view->jobsBox()->value() + 1);
    QVERIFY(!estimate->current());
    QVERIFY(QTest::qWaitFor([estimate] { return estimate->current(); }, 5000));
    QCOMPARE(estimate->result().jobs, view->jobsBox()->value());
}

void TestHistory::screenshot()
{
    // Not a check: WEFT_HISTORY_SCREENSHOT=path.png grabs the window after
    // a run where some nodes were up to date, with two runs compared.
    const QString target = qEnvironmentVariable("WEFT_HISTORY_SCREENSHOT");
    if (target.isEmpty())
        QSKIP("set WEFT_HISTORY_SCREENSHOT=file.png to grab the window");
    QVERIFY(runToEnd());
    QFile::remove(path(QStringLiteral("out/b.txt")));
    QVERIFY(runToEnd());
    HistoryDock *history = runView()->historyDock();
    history->show();
    history->raise();
    history->selectRuns({1, 2});
    QTest::qWait(200);
    QVERIFY(m_window->grab().save(target));
    history->selectRuns({2});
    QTest::qWait(100);
    QVERIFY(m_window->grab().save(QString(target).replace(QStringLiteral(".png"),
                                                           QStringLiteral("-run.png"))));
}

QTEST_MAIN(TestHistory)
#include "tst_history.moc"
