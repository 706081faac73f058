// SPDX-License-Identifier: Apache-2.0
// Subworkflows in the window (issue 19): a run in the window expands every
// workflow node as weft-cli does, so the inner nodes' events arrive as
// `outer/inner`; the workflow node sums them up (running, done/total, red
// on an inner failure); double-click opens the inner file in place, its
// nodes live, nested levels too, and the breadcrumb, Backspace and
// Alt+Left come back; Ctrl+Down opens from the keyboard; problems of inner
// nodes open their level; the next run is incremental and a run ends every
// node as weft-cli's run of the same file. Real files, real runs, real
// processes.

#include "CliRun.h"
#include "Document.h"
#include "MainWindow.h"
#include "canvas/GraphScene.h"
#include "canvas/GraphView.h"
#include "canvas/NodeItem.h"
#include "run/LogDock.h"
#include "run/RunController.h"
#include "run/RunEstimate.h"
#include "run/RunProblems.h"
#include "run/RunView.h"
#include "run/SubworkflowNavigator.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>

#include <memory>

using namespace weft;
using namespace weft::ui;
using namespace weft::test;

class TestSubworkflowUi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void runShowsInnerProgressAndOpensInPlace();
    void anInnerFailureIsRedOnTheOuterNodeAndInProblems();
    void aMissingIncludedFileStopsTheRunWithItsName();
    void aFannedOutWorkflowNodeCountsEveryItem();
    void screenshot();

private:
    RunView *runView() const { return m_window->findChild<RunView *>(); }
    SubworkflowNavigator *navigator() const { return runView()->subworkflows(); }
    void copyFixtures();
    bool open(const QString &name);
    // Double-clicks the node `id` of the level shown.
    void doubleClick(const QString &id);
    RunState stateIn(GraphScene *scene, const QString &id) const
    {
        const NodeItem *item = scene->nodeItem(id);
        return item ? item->visualState().runState : RunState::None;
    }
    NodeState runState(const QString &id) const
    {
        RunController *c = runView()->controller();
        const int index = c->indexOf(id);
        return index < 0 ? NodeState::Pending : c->nodes()[std::size_t(index)].state;
    }
    void release() const
    {
        QFile file(m_dir->filePath(QStringLiteral("release")));
        QVERIFY(file.open(QIODevice::WriteOnly));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MainWindow> m_window;
};

void TestSubworkflowUi::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    copyFixtures();
    m_window = std::make_unique<MainWindow>();
    m_window->hooks().askToSave = [](const QString &) { return QMessageBox::Discard; };
    m_window->resize(1280, 820);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestSubworkflowUi::cleanup()
{
    if (m_dir && m_window && runView()->controller()->isRunning()) {
        release();
        runView()->controller()->shutdown(5000);
    }
    m_window.reset();
    m_dir.reset();
}

void TestSubworkflowUi::copyFixtures()
{
    const QDir from(QStringLiteral(WEFT_FIXTURES_DIR "/subworkflow-ui"));
    QDir to(m_dir->path());
    QVERIFY(to.mkpath(QStringLiteral("parts")));
    const QStringList files{QStringLiteral("main.weft"), QStringLiteral("failing.weft"),
                            QStringLiteral("missing.weft"), QStringLiteral("parts/stage.weft"),
                            QStringLiteral("parts/leaf.weft"), QStringLiteral("parts/fails.weft")};
    for (const QString &f : files) {
        QVERIFY2(QFile::copy(from.filePath(f), to.filePath(f)), qPrintable(f));
        QFile::setPermissions(to.filePath(f), QFile::ReadOwner | QFile::WriteOwner);
    }
}

bool TestSubworkflowUi::open(const QString &name)
{
    return m_window->openFile(m_dir->filePath(name));
}

void TestSubworkflowUi::doubleClick(const QString &id)
{
    GraphScene *scene = navigator()->currentScene();
    GraphView *view = navigator()->currentView();
    NodeItem *item = scene->nodeItem(id);
    QVERIFY2(item, qPrintable(id));
    view->centerOnNode(id);
    // The header, left of the middle: no port, no pill.
    const QPointF at = item->mapToScene(QPointF(40, 14));
    const QPoint pos = view->mapFromScene(at);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, pos);
}

void TestSubworkflowUi::runShowsInnerProgressAndOpensInPlace()
{
    QVERIFY(open(QStringLiteral("main.weft")));
    RunView *view = runView();
    RunController *controller = view->controller();
    GraphScene *scene = m_window->scene();
    QVERIFY(scene->nodeItem(QStringLiteral("stage"))->isSubworkflow());
    view->jobsBox()->setValue(2);
    // The design estimate is of what runs: stage/w, stage/c and stage/wait
    // side by side after prep (written, the file is a chain of three).
    QTRY_VERIFY_WITH_TIMEOUT(view->estimate()->designText().startsWith(QStringLiteral("width 3 ")),
                             10000);

    QVERIFY(view->startRun());
    // The run is the expanded workflow, nested levels included, with the
    // one -j of the window.
    QVERIFY(controller->indexOf(QStringLiteral("stage/wait")) >= 0);
    QVERIFY(controller->indexOf(QStringLiteral("stage/leaf/x")) >= 0);
    QCOMPARE(controller->options().jobs, 2);
    QTRY_COMPARE_WITH_TIMEOUT(int(runState(QStringLiteral("stage/wait"))), int(NodeState::Running),
                              15000);
    QTRY_COMPARE_WITH_TIMEOUT(int(runState(QStringLiteral("stage/w"))), int(NodeState::Succeeded),
                              15000);

    // The workflow node sums up its 7 inner nodes (stage/leaf and its two
    // count in): running, with done/total on its pill.
    const NodeItem *stage = scene->nodeItem(QStringLiteral("stage"));
    QTRY_COMPARE_WITH_TIMEOUT(int(stage->visualState().runState), int(RunState::Running), 5000);
    QCOMPARE(stage->visualState().instances, 7);
    QTRY_VERIFY_WITH_TIMEOUT(stage->visualState().instancesDone >= 2, 5000);
    QVERIFY(stage->visualState().instancesDone < 7);
    QCOMPARE(stage->visualState().instancesFailed, 0);
    QVERIFY(stage->visualState().progress > 0 && stage->visualState().progress < 1);
    QVERIFY(scene->detailFor(QStringLiteral("stage")).contains(QStringLiteral("1 running")));
    // The status bar counts the inner nodes as the nodes of the run.
    QVERIFY(view->statusLabel()->text().contains(QStringLiteral("1 running")));

    // Double-click opens the inner file in place, during the run, live.
    QCOMPARE(navigator()->depth(), 0);
    doubleClick(QStringLiteral("stage"));
    QTRY_COMPARE(navigator()->depth(), 1);
    QCOMPARE(navigator()->prefix(), QStringLiteral("stage/"));
    QVERIFY(navigator()->breadcrumbBar()->isVisible());
    QVERIFY(navigator()->currentView()->isVisible());
    QVERIFY(!m_window->view()->isVisible());
    GraphScene *inner = navigator()->currentScene();
    QCOMPARE(inner->nodeCount(), 5);
    QCOMPARE(int(stateIn(inner, QStringLiteral("wait"))), int(RunState::Running));
    QCOMPARE(int(stateIn(inner, QStringLiteral("w"))), int(RunState::Succeeded));
    QCOMPARE(int(stateIn(inner, QStringLiteral("h"))), int(RunState::Pending));
    QVERIFY(inner->nodeItem(QStringLiteral("leaf"))->isSubworkflow());
    QCOMPARE(inner->nodeItem(QStringLiteral("leaf"))->visualState().instances, 2);

    // Read-only: a drag moves nothing.
    const QPointF before = inner->nodeItem(QStringLiteral("w"))->pos();
    {
        GraphView *v = navigator()->currentView();
        v->centerOnNode(QStringLiteral("w"));
        const QPoint from = v->mapFromScene(
            inner->nodeItem(QStringLiteral("w"))->mapToScene(QPointF(40, 14)));
        QTest::mousePress(v->viewport(), Qt::LeftButton, {}, from);
        QTest::mouseMove(v->viewport(), from + QPoint(60, 40));
        QTest::mouseRelease(v->viewport(), Qt::LeftButton, {}, from + QPoint(60, 40));
    }
    QCOMPARE(inner->nodeItem(QStringLiteral("w"))->pos(), before);

    // Nested: the leaf opens one level deeper.
    doubleClick(QStringLiteral("leaf"));
    QTRY_COMPARE(navigator()->depth(), 2);
    QCOMPARE(navigator()->prefix(), QStringLiteral("stage/leaf/"));
    QCOMPARE(int(stateIn(navigator()->currentScene(), QStringLiteral("x"))), int(RunState::Pending));
    auto *current = navigator()->breadcrumbBar()->findChild<QLabel *>(QStringLiteral("breadcrumbCurrent"));
    QVERIFY(current);
    QVERIFY(current->text().contains(QStringLiteral("leaf")));

    // Back: Backspace, then Alt+Left (QKeySequence::Back), then the breadcrumb.
    QTest::keyClick(navigator()->currentView(), Qt::Key_Backspace);
    QTRY_COMPARE(navigator()->depth(), 1);
    QTest::keyClick(navigator()->currentView(), Qt::Key_Left, Qt::AltModifier);
    QTRY_COMPARE(navigator()->depth(), 0);
    QVERIFY(m_window->view()->isVisible());
    QVERIFY(!navigator()->breadcrumbBar()->isVisible());
    doubleClick(QStringLiteral("stage"));
    QTRY_COMPARE(navigator()->depth(), 1);
    doubleClick(QStringLiteral("leaf"));
    QTRY_COMPARE(navigator()->depth(), 2);
    auto *top = navigator()->breadcrumbBar()->findChild<QToolButton *>(QStringLiteral("breadcrumb1"));
    QVERIFY(top);
    QCOMPARE(top->text(), QStringLiteral("stage"));
    top->click();
    QTRY_COMPARE(navigator()->depth(), 1);

    // From the keyboard: Ctrl+Down opens the selected workflow node.
    navigator()->currentScene()->selectNodes({QStringLiteral("leaf")});
    QVERIFY(navigator()->openAction()->isEnabled());
    QTest::keyClick(navigator()->currentView(), Qt::Key_Down, Qt::ControlModifier);
    QTRY_COMPARE(navigator()->depth(), 2);
    QVERIFY(!navigator()->openAction()->isEnabled());
    QTest::keyClick(navigator()->currentView(), Qt::Key_Backspace);
    QTRY_COMPARE(navigator()->depth(), 1);

    // Open for Editing: the included file in a window of its own, though
    // alone it does not define the ${params.NAME} it uses.
    {
        MainWindow *editor = nullptr;
        auto connection = connect(navigator(), &SubworkflowNavigator::editorOpened, this,
                                  [&editor](MainWindow *w) { editor = w; });
        auto *edit = navigator()->breadcrumbBar()->findChild<QToolButton *>(
            QStringLiteral("subworkflowEditButton"));
        QVERIFY(edit);
        edit->click();
        disconnect(connection);
        QVERIFY(editor);
        QCOMPARE(QFileInfo(editor->document()->filePath()).fileName(), QStringLiteral("stage.weft"));
        QCOMPARE(editor->document()->workflow().nodes.size(), std::size_t(5));
        QVERIFY(editor->scene()->nodeItem(QStringLiteral("leaf")));
        QVERIFY(!editor->document()->isModified());
        delete editor;
    }

    // The run goes on while the inner view is shown, and it follows.
    release();
    QTRY_VERIFY_WITH_TIMEOUT(!controller->isRunning(), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(int(stateIn(navigator()->currentScene(), QStringLiteral("wait"))),
                              int(RunState::Succeeded), 5000);
    QCOMPARE(int(stateIn(navigator()->currentScene(), QStringLiteral("leaf"))),
             int(RunState::Succeeded));
    QCOMPARE(int(controller->finished()->outcome), int(RunOutcome::Succeeded));
    // What the inner nodes wrote, relative to the including file's folder.
    QVERIFY(QFileInfo::exists(m_dir->filePath(QStringLiteral("out/leaf.txt"))));
    QVERIFY(QFileInfo::exists(m_dir->filePath(QStringLiteral("out/copied.txt"))));

    navigator()->goTo(0);
    QTRY_COMPARE_WITH_TIMEOUT(int(stage->visualState().runState), int(RunState::Succeeded), 5000);
    QCOMPARE(stage->visualState().instancesDone, 7);
    QCOMPARE(int(stateIn(scene, QStringLiteral("report"))), int(RunState::Succeeded));
    // After the run, the inner view still shows how its nodes ended.
    doubleClick(QStringLiteral("stage"));
    QTRY_COMPARE(navigator()->depth(), 1);
    QCOMPARE(int(stateIn(navigator()->currentScene(), QStringLiteral("h"))), int(RunState::Succeeded));
    // Selecting an inner node there shows its output in the log, by path.
    navigator()->currentScene()->selectNodes({QStringLiteral("wait")});
    QCOMPARE(view->logDock()->shownNode(), QStringLiteral("stage/wait"));

    // Incremental, as weft-cli: the next run keeps the inner nodes whose
    // declared outputs are up to date.
    QVERIFY(controller->isIncremental());
    QVERIFY(view->startRun());
    QTRY_VERIFY_WITH_TIMEOUT(!controller->isRunning(), 20000);
    QCOMPARE(int(controller->finished()->outcome), int(RunOutcome::Succeeded));
    const int x = controller->indexOf(QStringLiteral("stage/leaf/x"));
    QVERIFY(x >= 0 && controller->nodes()[std::size_t(x)].finished);
    QVERIFY(controller->nodes()[std::size_t(x)].finished->cached);
    QCOMPARE(controller->cachedCount(), std::size_t(1)); // the rest declare no outputs
}

void TestSubworkflowUi::anInnerFailureIsRedOnTheOuterNodeAndInProblems()
{
    QVERIFY(open(QStringLiteral("failing.weft")));
    RunView *view = runView();
    QVERIFY(view->startRun());
    QTRY_VERIFY_WITH_TIMEOUT(!view->controller()->isRunning(), 20000);
    QCOMPARE(int(view->controller()->finished()->outcome), int(RunOutcome::Failed));
    QCOMPARE(int(runState(QStringLiteral("bad/boom"))), int(NodeState::Failed));

    // The same nodes, ending the same way, as weft-cli run of the file.
    {
        const CliRun cli = runWeftCli({QStringLiteral("run"), QStringLiteral("failing.weft"),
                                       QStringLiteral("--events"), QStringLiteral("jsonl")},
                                      m_dir->path());
        QCOMPARE(cli.exitCode, 1);
        const auto finished = finishedByNode(parseJsonLines(cli.out));
        RunController *c = view->controller();
        QCOMPARE(finished.size(), c->nodes().size());
        const char *names[] = {"pending", "waiting", "running", "succeeded", "failed", "skipped",
                               "cancelled"};
        for (std::size_t i = 0; i < c->nodes().size(); ++i) {
            const std::string id = c->nodeId(NodeIndex(i)).toStdString();
            QVERIFY2(finished.count(id), id.c_str());
            QCOMPARE(finished.at(id)["outcome"].get<std::string>(),
                     std::string(names[std::size_t(c->nodes()[i].state)]));
        }
    }

    const NodeItem *bad = m_window->scene()->nodeItem(QStringLiteral("bad"));
    QTRY_COMPARE_WITH_TIMEOUT(int(bad->visualState().runState), int(RunState::Failed), 5000);
    QCOMPARE(bad->visualState().instancesFailed, 1);
    QCOMPARE(bad->visualState().instances, 2);

    // The problems dock names the inner node with its path.
    RunProblems *problems = view->problems();
    QCOMPARE(problems->failureCount(), 1);
    bool named = false;
    QTreeWidget *list = problems->list();
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        named |= list->topLevelItem(i)->text(0).contains(QStringLiteral("bad/boom"));
    QVERIFY(named);
    // Showing it opens the subworkflow with the failed node selected.
    Q_EMIT problems->nodeRequested(QStringLiteral("bad/boom"));
    QTRY_COMPARE(navigator()->depth(), 1);
    QCOMPARE(navigator()->currentScene()->selectedNodeIds(), QStringList{QStringLiteral("boom")});
    QCOMPARE(int(stateIn(navigator()->currentScene(), QStringLiteral("boom"))), int(RunState::Failed));
    QCOMPARE(int(stateIn(navigator()->currentScene(), QStringLiteral("ok"))), int(RunState::Succeeded));
    // And a node of the document brings the document back.
    Q_EMIT problems->nodeRequested(QStringLiteral("after"));
    QTRY_COMPARE(navigator()->depth(), 0);
    // An edit of the document (here: a node added) shows the document.
    Q_EMIT problems->nodeRequested(QStringLiteral("bad/ok"));
    QTRY_COMPARE(navigator()->depth(), 1);
    QVERIFY(!m_window->scene()->addNode("noop", QPointF(0, 300)).isEmpty());
    QCOMPARE(navigator()->depth(), 0);
    QVERIFY(m_window->view()->isVisible());
}

void TestSubworkflowUi::aMissingIncludedFileStopsTheRunWithItsName()
{
    QVERIFY(open(QStringLiteral("missing.weft")));
    RunView *view = runView();
    QVERIFY(!view->startRun());
    QVERIFY(!view->controller()->isRunning());
    bool named = false;
    QTreeWidget *list = view->problems()->list();
    for (int i = 0; i < list->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = list->topLevelItem(i);
        QString text = item->text(0) + item->text(1);
        for (int c = 0; c < item->childCount(); ++c)
            text += item->child(c)->text(0);
        named |= text.contains(QStringLiteral("does-not-exist.weft"));
    }
    QVERIFY2(named, "the problems dock names the missing file");
}

// A workflow node with foreach: each item's nodes (each[i]/w) run in the
// window too, and all of them count toward the node's own progress.
void TestSubworkflowUi::aFannedOutWorkflowNodeCountsEveryItem()
{
    const auto write = [this](const QString &name, const QByteArray &text) {
        QFile file(m_dir->filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(text);
    };
    write(QStringLiteral("parts/item.weft"),
          "{\"weft\": 1, \"nodes\": [{\"id\": \"w\", \"type\": \"write\", \"params\": "
          "{\"path\": \"out/${params.word}.txt\", \"text\": \"${params.word}\"}}]}\n");
    write(QStringLiteral("each.weft"),
          "{\"weft\": 1, \"nodes\": [{\"id\": \"each\", \"type\": \"workflow\", "
          "\"foreach\": [\"a\", \"b\", \"c\"], \"params\": {\"file\": \"parts/item.weft\", "
          "\"params\": {\"word\": \"${item}\"}}}]}\n");
    QVERIFY(open(QStringLiteral("each.weft")));
    RunView *view = runView();
    QVERIFY(view->startRun());
    QTRY_VERIFY_WITH_TIMEOUT(!view->controller()->isRunning(), 20000);
    QCOMPARE(int(view->controller()->finished()->outcome), int(RunOutcome::Succeeded));
    for (const char *id : {"each[0]/w", "each[1]/w", "each[2]/w", "each"})
        QCOMPARE(int(runState(QString::fromLatin1(id))), int(NodeState::Succeeded));
    QFile c(m_dir->filePath(QStringLiteral("out/c.txt")));
    QVERIFY(c.open(QIODevice::ReadOnly));
    QCOMPARE(c.readAll(), QByteArray("c"));
    const NodeItem *each = m_window->scene()->nodeItem(QStringLiteral("each"));
    QTRY_COMPARE_WITH_TIMEOUT(int(each->visualState().runState), int(RunState::Succeeded), 5000);
    QCOMPARE(each->visualState().instances, 6); // each[i]/w and each item's join each[i]
    // Opening it shows its first item; revealing a node of another item
    // opens that item.
    QVERIFY(navigator()->open(QStringLiteral("each")));
    QCOMPARE(navigator()->depth(), 1);
    QCOMPARE(int(stateIn(navigator()->currentScene(), QStringLiteral("w"))), int(RunState::Succeeded));
    auto current = [this] {
        const QLabel *label = m_window->findChild<QLabel *>(QStringLiteral("breadcrumbCurrent"));
        return label ? label->text() : QString();
    };
    QVERIFY2(current().contains(QStringLiteral("each[0]")), qPrintable(current()));
    QVERIFY(navigator()->reveal(QStringLiteral("each[2]/w")));
    QCOMPARE(navigator()->depth(), 1);
    QVERIFY2(current().contains(QStringLiteral("each[2]")), qPrintable(current()));
    QCOMPARE(navigator()->currentScene()->selectedNodeIds(), QStringList{QStringLiteral("w")});
}

void TestSubworkflowUi::screenshot()
{
    // Not a check: WEFT_SUBWORKFLOW_SCREENSHOT=path.png grabs the window
    // during a run (path.png), inside the workflow node (path-inner.png),
    // after the run (path-done.png) and after an inner failure (path-failed.png).
    const QString target = qEnvironmentVariable("WEFT_SUBWORKFLOW_SCREENSHOT");
    if (target.isEmpty())
        QSKIP("set WEFT_SUBWORKFLOW_SCREENSHOT=file.png to grab the window");
    QVERIFY(open(QStringLiteral("main.weft")));
    RunView *view = runView();
    QVERIFY(view->startRun());
    QTRY_COMPARE_WITH_TIMEOUT(int(runState(QStringLiteral("stage/c"))), int(NodeState::Succeeded),
                              15000);
    QTRY_COMPARE_WITH_TIMEOUT(int(runState(QStringLiteral("stage/wait"))), int(NodeState::Running),
                              15000);
    m_window->view()->fitGraph();
    QTest::qWait(300);
    QVERIFY(m_window->grab().save(target));
    doubleClick(QStringLiteral("stage"));
    QTRY_COMPARE(navigator()->depth(), 1);
    QTest::qWait(300);
    QVERIFY(m_window->grab().save(QString(target).replace(QStringLiteral(".png"),
                                                           QStringLiteral("-inner.png"))));
    release();
    QTRY_VERIFY_WITH_TIMEOUT(!view->controller()->isRunning(), 20000);
    QTest::qWait(300);
    QVERIFY(m_window->grab().save(QString(target).replace(QStringLiteral(".png"),
                                                           QStringLiteral("-done.png"))));
    // An inner failure, on the outer node (path-failed.png).
    QVERIFY(open(QStringLiteral("failing.weft")));
    QVERIFY(view->startRun());
    QTRY_VERIFY_WITH_TIMEOUT(!view->controller()->isRunning(), 20000);
    m_window->view()->fitGraph();
    QTest::qWait(1200); // past the failure's pulse
    QVERIFY(m_window->grab().save(QString(target).replace(QStringLiteral(".png"),
                                                           QStringLiteral("-failed.png"))));
    // The failed level on a dark palette (path-dark.png).
    const QPalette light = QApplication::palette();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
    dark.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
    dark.setColor(QPalette::AlternateBase, QColor(0x33, 0x35, 0x3a));
    dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Button, QColor(0x33, 0x35, 0x3a));
    dark.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Mid, QColor(0x50, 0x52, 0x58));
    dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9c, 0xa3));
    dark.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xd6));
    QApplication::setPalette(dark);
    Q_EMIT view->problems()->nodeRequested(QStringLiteral("bad/boom"));
    QTRY_COMPARE(navigator()->depth(), 1);
    QTest::qWait(300);
    QVERIFY(m_window->grab().save(QString(target).replace(QStringLiteral(".png"),
                                                           QStringLiteral("-dark.png"))));
    QApplication::setPalette(light);
}

QTEST_MAIN(TestSubworkflowUi)
#include "tst_subworkflowui.moc"
