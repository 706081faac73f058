// SPDX-License-Identifier: Apache-2.0
// The editor window end to end, through the same actions and widgets a user
// touches: palette, inspector, clipboard, files, prompts, autosave, layout.

#include <Autosave.h>
#include <Document.h>
#include <InspectorDock.h>
#include <MainWindow.h>
#include <PaletteDock.h>
#include <ProblemsDock.h>
#include <canvas/GraphScene.h>
#include <canvas/GraphView.h>
#include <canvas/NodeItem.h>

#include <weft/WorkflowFile.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <QUndoStack>

using namespace weft;
using namespace weft::ui;

class tst_MainWindow : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_tmp;
    int m_askCount = 0;
    QMessageBox::StandardButton m_answer = QMessageBox::Cancel;

    std::unique_ptr<MainWindow> makeWindow()
    {
        auto window = std::make_unique<MainWindow>();
        window->hooks().askToSave = [this](const QString &) {
            ++m_askCount;
            return m_answer;
        };
        window->hooks().showError = [](const QString &title, const QString &text) {
            QFAIL(qPrintable(title + QStringLiteral(": ") + text));
        };
        window->hooks().confirm = [](const QString &) { return true; };
        window->hooks().offerRecovery = [](const QString &) { return false; };
        window->hooks().chooseSavePath = [](const QString &) { return QString(); };
        window->show();
        return window;
    }

    QAction *action(const char *name) const
    {
        auto *a = m_window->findChild<QAction *>(QString::fromLatin1(name));
        if (!a)
            qFatal("no action %s", name);
        return a;
    }

    QString example(const char *name) const
    {
        return QStringLiteral(WEFT_EXAMPLES_DIR "/") + QString::fromLatin1(name);
    }

    QString bytes() const { return toQString(serializeWorkflow(m_window->document()->workflow())); }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("Weft"));
        QCoreApplication::setApplicationName(QStringLiteral("weft-ui-test"));
        QSettings().clear();
        QDir(Autosave::directory()).removeRecursively();
        QVERIFY(m_tmp.isValid());
    }

    void init()
    {
        m_askCount = 0;
        m_answer = QMessageBox::Cancel;
        m_window = makeWindow();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanup()
    {
        m_window->document()->setModified(false);
        m_window->close();
        m_window.reset();
        QDir(Autosave::directory()).removeRecursively();
    }

    void windowBasics()
    {
        QCOMPARE(m_window->windowTitle(), QStringLiteral("Untitled[*] — Weft"));
        QVERIFY(m_window->view()->findChild<QWidget *>(QStringLiteral("emptyState"))->isVisible());
        for (const char *name : {"actionNew", "actionOpen", "actionSave", "actionSaveAs",
                                 "actionUndo", "actionRedo", "actionLayout", "actionFit",
                                 "actionCut", "actionCopy", "actionPaste", "actionDelete",
                                 "actionSelectAll", "actionRevert"})
            QVERIFY2(m_window->findChild<QAction *>(QString::fromLatin1(name)), name);
        QCOMPARE(action("actionSave")->shortcut(), QKeySequence(QKeySequence::Save));
        QVERIFY(action("actionSave")->toolTip().contains(
            QKeySequence(QKeySequence::Save).toString(QKeySequence::NativeText)));
        QVERIFY(!MainWindow::exampleFiles().isEmpty());
    }

    void aboutNamesTheLicense()
    {
        // Help > About is modal: a timer reads the box once it is up and closes it.
        QString text;
        QTimer poll;
        poll.setInterval(20);
        connect(&poll, &QTimer::timeout, this, [&text] {
            if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) {
                text = box->text();
                box->accept();
            }
        });
        poll.start();
        action("actionAbout")->trigger(); // returns once the box is closed
        poll.stop();
        QVERIFY2(text.contains(QStringLiteral("Apache License 2.0")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("https://www.apache.org/licenses/LICENSE-2.0")),
                 qPrintable(text));
    }

    void addFromPaletteByDoubleClick()
    {
        QTreeWidget *tree = m_window->paletteDock()->tree();
        QTreeWidgetItem *item = m_window->paletteDock()->itemForType(QStringLiteral("sleep"));
        QVERIFY(item);
        tree->scrollToItem(item);
        const QPoint at = tree->visualItemRect(item).center();
        QVERIFY2(tree->viewport()->rect().contains(at), "palette item not visible");
        QCOMPARE(tree->itemAt(at), item);
        // A real double click: QTest's QWidget overload sends only the
        // double-click event, the view needs the press before it.
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, at);
        QTest::mouseDClick(tree->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(m_window->document()->workflow().nodes.size(), std::size_t(1));
        QCOMPARE(m_window->document()->workflow().nodes[0].type, std::string("sleep"));
        QVERIFY(m_window->scene()->nodeItem(QStringLiteral("sleep")));
        QCOMPARE(m_window->scene()->selectedNodeIds(), QStringList{QStringLiteral("sleep")});
        QVERIFY(m_window->isWindowModified());
        QVERIFY(!m_window->view()->findChild<QWidget *>(QStringLiteral("emptyState"))->isVisible());
    }

    void paletteSearchFilters()
    {
        m_window->paletteDock()->searchField()->setText(QStringLiteral("hash"));
        QVERIFY(!m_window->paletteDock()->itemForType(QStringLiteral("hash"))->isHidden());
        QVERIFY(m_window->paletteDock()->itemForType(QStringLiteral("sleep"))->isHidden());
    }

    void deleteKeyAndUndoRestoreExactBytes()
    {
        QVERIFY(m_window->openFile(example("parallel-build.weft")));
        const QString before = bytes();
        const QString victim = toQString(m_window->document()->workflow().nodes[1].id);
        m_window->scene()->selectNodes({victim});
        m_window->view()->setFocus();
        QTest::keyClick(m_window->view()->viewport(), Qt::Key_Delete);
        QVERIFY(!m_window->document()->contains(toStd(victim)));
        QVERIFY(m_window->isWindowModified());
        action("actionUndo")->trigger();
        QCOMPARE(bytes(), before);
        QVERIFY(!m_window->isWindowModified());
        action("actionRedo")->trigger();
        QVERIFY(!m_window->document()->contains(toStd(victim)));
    }

    void inspectorEditReachesModel()
    {
        QVERIFY(m_window->openFile(example("parallel-build.weft")));
        // The first node whose operation has a text parameter.
        QString id;
        for (const Node &node : m_window->document()->workflow().nodes) {
            if (node.type == "process" && node.params.contains("command")) {
                id = toQString(node.id);
                break;
            }
        }
        QVERIFY(!id.isEmpty());
        m_window->scene()->selectNodes({id});
        auto *field = m_window->inspectorDock()->findChild<QLineEdit *>(QStringLiteral("param_command"));
        QVERIFY(field);
        field->setFocus();
        field->selectAll();
        QTest::keyClicks(field, QStringLiteral("echo hello"));
        QTest::keyClick(field, Qt::Key_Return);
        QCOMPARE(m_window->document()->node(toStd(id))->params["command"].get<std::string>(),
                 std::string("echo hello"));
        QCOMPARE(m_window->document()->undoStack()->count(), 1);
        action("actionUndo")->trigger();
        QVERIFY(m_window->document()->node(toStd(id))->params["command"].get<std::string>()
                != "echo hello");
    }

    void inspectorIdValidationAndRename()
    {
        QVERIFY(m_window->openFile(example("parallel-build.weft")));
        const auto &nodes = m_window->document()->workflow().nodes;
        // A node that others need, so the rename must rewrite their needs.
        std::string target, other;
        for (const Node &n : nodes) {
            for (const std::string &need : n.needs) {
                if (target.empty())
                    target = need;
            }
        }
        for (const Node &n : nodes) {
            if (n.id != target) {
                other = n.id;
                break;
            }
        }
        QVERIFY(!target.empty());
        m_window->scene()->selectNodes({toQString(target)});
        auto *idEdit = m_window->inspectorDock()->findChild<QLineEdit *>(QStringLiteral("idEdit"));
        auto *idError = m_window->inspectorDock()->findChild<QLabel *>(QStringLiteral("idError"));
        QVERIFY(idEdit && idError);
        idEdit->setFocus();
        idEdit->selectAll();
        QTest::keyClicks(idEdit, toQString(other));
        QVERIFY(idError->isVisible());
        QVERIFY(idError->text().contains(QStringLiteral("already")));
        idEdit->selectAll();
        QTest::keyClicks(idEdit, QStringLiteral("9bad id"));
        QVERIFY(idError->isVisible());
        idEdit->selectAll();
        QTest::keyClicks(idEdit, QStringLiteral("renamed_node"));
        QVERIFY(!idError->isVisible());
        QTest::keyClick(idEdit, Qt::Key_Return);
        QVERIFY(m_window->document()->contains("renamed_node"));
        QVERIFY(!m_window->document()->contains(target));
        for (const Node &n : m_window->document()->workflow().nodes)
            QVERIFY(std::find(n.needs.begin(), n.needs.end(), target) == n.needs.end());
        QCOMPARE(m_window->document()->undoStack()->count(), 1);
    }

    void multiSelectionShowsCount()
    {
        QVERIFY(m_window->openFile(example("parallel-build.weft")));
        action("actionSelectAll")->trigger();
        const int n = int(m_window->document()->workflow().nodes.size());
        auto *message = m_window->inspectorDock()->findChild<QLabel *>(QStringLiteral("inspectorMessage"));
        QVERIFY(message->text().contains(QString::number(n)));
    }

    void copyPasteRoundTrip()
    {
        QVERIFY(m_window->openFile(example("parallel-build.weft")));
        const auto nodes = m_window->document()->workflow().nodes;
        // A node and one it needs, so the copy holds an inner edge.
        QString a, b;
        for (const Node &n : nodes) {
            if (!n.needs.empty()) {
                a = toQString(n.needs.front());
                b = toQString(n.id);
                break;
            }
        }
        m_window->scene()->selectNodes({a, b});
        action("actionCopy")->trigger();
        const QString text = QApplication::clipboard()->text();
        QVERIFY(text.contains(QStringLiteral("\"weft\"")));
        action("actionPaste")->trigger();
        const auto &after = m_window->document()->workflow().nodes;
        QCOMPARE(after.size(), nodes.size() + 2);
        const Node &pa = after[after.size() - 2];
        const Node &pb = after[after.size() - 1];
        QVERIFY(toQString(pa.id) != a && toQString(pb.id) != b);
        QVERIFY(pa.needs.empty()); // its needs outside the pasted set are dropped
        QCOMPARE(pb.needs, std::vector<std::string>{pa.id});
        QCOMPARE(m_window->scene()->selectedNodeIds(),
                 (QStringList{toQString(pa.id), toQString(pb.id)}));
        QCOMPARE(pa.position->x, m_window->document()->node(toStd(a))->position->x + 40);
        action("actionUndo")->trigger();
        QCOMPARE(m_window->document()->workflow().nodes.size(), nodes.size());
        // Cut removes, paste brings back under the same ids.
        m_window->scene()->selectNodes({b});
        action("actionCut")->trigger();
        QVERIFY(!m_window->document()->contains(toStd(b)));
        action("actionPaste")->trigger();
        QVERIFY(m_window->document()->contains(toStd(b)));
    }

    void pasteRejectsForeignText()
    {
        QVERIFY(!m_window->pasteText(QStringLiteral("hello")));
        QVERIFY(m_window->document()->workflow().nodes.empty());
        QVERIFY(!m_window->view()->currentMessage().isEmpty());
    }

    void saveAndReopenGiveIdenticalBytes()
    {
        QVERIFY(m_window->openFile(example("text-pipeline.weft")));
        const QString first = m_tmp.filePath(QStringLiteral("first.weft"));
        const QString second = m_tmp.filePath(QStringLiteral("second.weft"));
        m_window->hooks().chooseSavePath = [first](const QString &) { return first; };
        action("actionSaveAs")->trigger();
        QCOMPARE(m_window->windowTitle(), QStringLiteral("first.weft[*] — Weft"));
        QVERIFY(!m_window->isWindowModified());
        QVERIFY(m_window->openFile(first));
        QVERIFY(m_window->saveToFile(second));
        QFile a(first), b(second);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QCOMPARE(a.readAll(), b.readAll());
        QCOMPARE(QSettings().value(QStringLiteral("recentFiles")).toStringList().value(0),
                 QFileInfo(second).absoluteFilePath());
    }

    void saveErrorKeepsDocument()
    {
        QVERIFY(m_window->openFile(example("text-pipeline.weft")));
        action("actionSelectAll")->trigger();
        action("actionDelete")->trigger();
        QString error;
        m_window->hooks().showError = [&error](const QString &, const QString &text) { error = text; };
        QVERIFY(!m_window->saveToFile(QStringLiteral("/proc/no-such-dir/x.weft")));
        QVERIFY(!error.isEmpty());
        QVERIFY(m_window->isWindowModified());
        QVERIFY(m_window->document()->workflow().nodes.empty());
    }

    void unsavedChangesPrompt()
    {
        m_window->scene()->addNode("noop", QPointF(0, 0));
        QVERIFY(m_window->isWindowModified());
        m_answer = QMessageBox::Cancel;
        action("actionNew")->trigger();
        QCOMPARE(m_askCount, 1);
        QCOMPARE(m_window->document()->workflow().nodes.size(), std::size_t(1));
        QVERIFY(!m_window->close()); // Cancel keeps the window open
        QCOMPARE(m_askCount, 2);
        m_answer = QMessageBox::Discard;
        action("actionNew")->trigger();
        QCOMPARE(m_askCount, 3);
        QVERIFY(m_window->document()->workflow().nodes.empty());
        QVERIFY(!m_window->isWindowModified());
        // Save with a path chosen by the (hooked) dialog.
        m_window->scene()->addNode("noop", QPointF(0, 0));
        const QString path = m_tmp.filePath(QStringLiteral("prompted.weft"));
        m_window->hooks().chooseSavePath = [path](const QString &) { return path; };
        m_answer = QMessageBox::Save;
        QVERIFY(m_window->openFile(example("progress.weft")));
        QVERIFY(QFile::exists(path));
        QCOMPARE(m_askCount, 4);
    }

    void autosaveRecovery()
    {
        m_window->scene()->addNode("sleep", QPointF(0, 0));
        m_window->scene()->addNode("noop", QPointF(300, 0));
        const QString expected = bytes();
        QVERIFY(m_window->autosave()->saveNow());
        QVERIFY(QFile::exists(m_window->autosave()->snapshotPath()));
        // A crash: the window goes away without a clean close.
        m_window.reset();
        m_window = makeWindow();
        QString offered;
        m_window->hooks().offerRecovery = [&offered](const QString &text) {
            offered = text;
            return true;
        };
        QVERIFY(m_window->offerRecovery());
        QVERIFY(offered.contains(QStringLiteral("untitled")));
        QCOMPARE(bytes(), expected);
        QVERIFY(m_window->isWindowModified());
        // Offered once only.
        m_window->document()->setModified(false);
        QVERIFY(!m_window->offerRecovery());
    }

    void cleanCloseLeavesNothingToRecover()
    {
        m_window->scene()->addNode("noop", QPointF(0, 0));
        QVERIFY(m_window->autosave()->saveNow());
        m_answer = QMessageBox::Discard;
        QVERIFY(m_window->close());
        QVERIFY(Autosave::recoverable().isEmpty());
    }

    void layoutIsUndoableAndLeftToRight()
    {
        QVERIFY(m_window->openFile(example("parallel-build.weft")));
        // Scramble positions so the layout has work to do.
        for (const Node &node : m_window->document()->workflow().nodes)
            m_window->document()->setPosition(node.id, Position{0, 0});
        const QString before = bytes();
        action("actionLayout")->trigger();
        const Workflow &w = m_window->document()->workflow();
        for (const Node &node : w.nodes) {
            for (const std::string &need : node.needs)
                QVERIFY(w.find(need)->position->x < node.position->x);
        }
        QCOMPARE(m_window->document()->undoStack()->text(0), QStringLiteral("Layout"));
        action("actionUndo")->trigger();
        QCOMPARE(bytes(), before);
    }

    void brokenFileShowsDiagnostics()
    {
        const QString path = m_tmp.filePath(QStringLiteral("broken.weft"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\n  \"weft\": 1,\n  \"nodes\": [\n    { \"id\": \"a\", \"type\": \"nope\" }\n  ]\n}\n");
        file.close();
        QVERIFY(!m_window->openFile(path));
        QVERIFY(m_window->problemsDock()->showingLoadFailure());
        QVERIFY(m_window->problemsDock()->list()->topLevelItemCount() > 0);
        QVERIFY(m_window->problemsDock()->list()->topLevelItem(0)->text(2).startsWith(
            QStringLiteral("broken.weft:")));
        QCOMPARE(m_window->document()->filePath(), QFileInfo(path).absoluteFilePath());
        // Fixed outside, then File ▸ Revert reloads it.
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("{\n  \"weft\": 1,\n  \"nodes\": [\n    { \"id\": \"a\", \"type\": \"noop\" }\n  ]\n}\n");
        file.close();
        action("actionRevert")->trigger();
        QVERIFY(!m_window->problemsDock()->showingLoadFailure());
        QVERIFY(m_window->document()->contains("a"));
    }

    void problemsFollowEditsAndFocusNode()
    {
        m_window->scene()->addNode("sleep", QPointF(0, 0));
        m_window->scene()->addNode("copy", QPointF(300, 0));
        // A copy node with no from/to is an error; the dock updates after its debounce.
        QTRY_VERIFY_WITH_TIMEOUT(m_window->problemsDock()->errorCount() > 0, 5000);
        QTreeWidget *list = m_window->problemsDock()->list();
        QTreeWidgetItem *item = nullptr;
        for (int i = 0; i < list->topLevelItemCount() && !item; ++i) {
            if (list->topLevelItem(i)->text(1) == QStringLiteral("copy"))
                item = list->topLevelItem(i);
        }
        QVERIFY(item);
        m_window->scene()->clearSelection();
        Q_EMIT list->itemActivated(item, 0);
        QCOMPARE(m_window->scene()->selectedNodeIds(), QStringList{QStringLiteral("copy")});
    }

    void examplesAllOpen_data()
    {
        QTest::addColumn<QString>("path");
        for (const QString &path : MainWindow::exampleFiles())
            QTest::newRow(qPrintable(QFileInfo(path).fileName())) << path;
    }

    void examplesAllOpen()
    {
        QFETCH(QString, path);
        QVERIFY(m_window->openFile(path));
        QCOMPARE(m_window->scene()->nodeCount(), int(m_window->document()->workflow().nodes.size()));
        QVERIFY(!m_window->isWindowModified());
        for (const Node &node : m_window->document()->workflow().nodes)
            QVERIFY(node.position.has_value());
    }
};

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
