// SPDX-License-Identifier: Apache-2.0
#include "MainWindow.h"

#include "Autosave.h"
#include "DockTabToolTips.h"
#include "Document.h"
#include "InspectorDock.h"
#include "LenientReader.h"
#include "NodeReferences.h"
#include "PaletteDock.h"
#include "ProblemsDock.h"
#include "RecentFiles.h"
#include "Theme.h"
#include "UndoCommands.h"
#include "canvas/GraphScene.h"
#include "canvas/GroupItem.h"
#include "canvas/GraphView.h"
#include "canvas/NodeItem.h"
#include "layout/LayeredLayout.h"
#include "run/RunView.h"

#include <weft/Validator.h>
#include <weft/Version.h>
#include <weft/WorkflowFile.h>

#include <QAction>
#include <QApplication>
#include <QInputDialog>
#include <QLineEdit>
#include <QClipboard>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>
#include <QUndoStack>

#include <set>

namespace weft::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_document(new Document(this))
    , m_scene(new GraphScene(m_document, this))
    , m_view(new GraphView(m_scene))
    , m_palette(new PaletteDock(this))
    , m_inspector(new InspectorDock(m_document, this))
    , m_problems(new ProblemsDock(m_document, this))
    , m_autosave(new Autosave(m_document, this))
    , m_recent(new RecentFiles(this))
    , m_countsLabel(new QLabel)
    , m_zoomLabel(new QLabel)
    , m_problemsLabel(new QLabel)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(Theme::appIcon());
    setAcceptDrops(true);
    setCentralWidget(m_view);
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);

    m_hooks.askToSave = [this](const QString &name) {
        return QMessageBox::warning(
            this, tr("Unsaved Changes"),
            tr("“%1” has unsaved changes. Save them before closing it?").arg(name),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    };
    m_hooks.offerRecovery = [this](const QString &description) {
        return QMessageBox::question(this, tr("Recover Unsaved Work"), description,
                                     QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes)
            == QMessageBox::Yes;
    };
    m_hooks.showError = [this](const QString &title, const QString &text) {
        QMessageBox::warning(this, title, text);
    };
    m_hooks.confirm = [this](const QString &text) {
        return QMessageBox::question(this, tr("Weft"), text) == QMessageBox::Yes;
    };
    m_hooks.chooseSavePath = [this](const QString &suggested) {
        QString path = QFileDialog::getSaveFileName(this, tr("Save Workflow"), suggested,
                                                    tr("Weft workflows (*.weft)"));
        if (!path.isEmpty() && !path.endsWith(QLatin1String(".weft")))
            path += QLatin1String(".weft");
        return path;
    };
    m_hooks.chooseOpenPath = [this] {
        return QFileDialog::getOpenFileName(this, tr("Open Workflow"), QString(),
                                            tr("Weft workflows (*.weft);;All files (*)"));
    };

    createActions();
    createDocks();
    createMenus();
    new RunView(this); // the running half installs itself: run menu, toolbar, docks, status
    new DockTabToolTips(this);

    statusBar()->addPermanentWidget(m_problemsLabel);
    statusBar()->addPermanentWidget(m_countsLabel);
    statusBar()->addPermanentWidget(m_zoomLabel);

    connect(m_document, &Document::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_document, &Document::filePathChanged, this, &MainWindow::updateTitle);
    connect(m_document, &Document::contentsChanged, this, &MainWindow::updateStatus);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] {
        m_inspector->setSelection(m_scene->selectedNodeIds());
        updateActions();
    });
    connect(m_scene, &GraphScene::message, this, &MainWindow::showStatusMessage);
    connect(m_scene, &GraphScene::renameRequested, this, [this](const QString &id) {
        m_scene->selectNodes({id});
        m_inspector->show();
        m_inspector->focusIdField();
    });
    connect(m_scene, &GraphScene::groupRenameRequested, this, [this](const QString &id) {
        GroupItem *group = m_scene->groupItem(id);
        if (!group)
            return;
        bool ok = false;
        const QString label = QInputDialog::getText(this, tr("Rename Group"), tr("Label:"),
                                                    QLineEdit::Normal, group->label(), &ok);
        if (ok && !label.trimmed().isEmpty())
            m_scene->renameGroup(id, label);
    });
    connect(m_scene, &GraphScene::nodeActivated, this, [this](const QString &) {
        m_inspector->show();
        m_inspector->raise();
    });
    connect(m_view, &GraphView::zoomChanged, this, &MainWindow::updateStatus);
    connect(m_view, &GraphView::exampleRequested, this, [this](const QString &path) {
        openFile(path);
    });
    connect(m_view, &GraphView::filesDropped, this, [this](const QStringList &files) {
        openFile(files.front());
    });
    connect(m_palette, &PaletteDock::addRequested, this, &MainWindow::addFromPalette);
    connect(m_problems, &ProblemsDock::nodeRequested, this, &MainWindow::focusNode);
    connect(m_problems, &ProblemsDock::countsChanged, this, &MainWindow::updateStatus);
    connect(m_recent, &RecentFiles::openRequested, this, [this](const QString &path) {
        openFile(path);
    });

    m_view->setExamples(exampleFiles());
    readSettings();
    updateTitle();
    updateStatus();
    updateActions();
}

MainWindow::~MainWindow()
{
    // A field being edited (the inspector's) commits when it loses focus,
    // and it would lose it in QWidget's destructor, when this class is gone
    // and the document's signals reach a half-destroyed window (UBSan in
    // tst_fanout). It loses it here instead, with everything still whole.
    if (QWidget *focus = QApplication::focusWidget(); focus && isAncestorOf(focus))
        focus->clearFocus();
    // The run view filters this window's and the scene's events; it must not
    // see the ones QWidget's destructor sends once this class is gone. It
    // goes first (it cancels a run in progress and waits for it).
    delete findChild<RunView *>(QString(), Qt::FindDirectChildrenOnly);
    // The scene outlives nothing it observes: it goes next, silently, so no
    // selection signal reaches this half-destroyed window or a dead document.
    m_scene->disconnect(this);
    delete m_scene;
    m_scene = nullptr;
}

QAction *MainWindow::makeAction(const char *objectName, const QString &text,
                                const QKeySequence &shortcut, const QIcon &icon)
{
    auto *action = new QAction(icon, text, this);
    action->setObjectName(QString::fromLatin1(objectName));
    if (!shortcut.isEmpty())
        action->setShortcut(shortcut);
    addAction(action); // shortcuts work even when the menu bar is hidden
    return action;
}

void MainWindow::createActions()
{
    using Theme::actionIcon;
    QAction *a = makeAction("actionNew", tr("&New"), QKeySequence::New,
                            actionIcon(QStringLiteral("document-new"), QStringLiteral("new")));
    connect(a, &QAction::triggered, this, &MainWindow::newDocument);
    a = makeAction("actionOpen", tr("&Open…"), QKeySequence::Open,
                   actionIcon(QStringLiteral("document-open"), QStringLiteral("open")));
    connect(a, &QAction::triggered, this, [this] {
        const QString path = m_hooks.chooseOpenPath();
        if (!path.isEmpty())
            openFile(path);
    });
    a = makeAction("actionSave", tr("&Save"), QKeySequence::Save,
                   actionIcon(QStringLiteral("document-save"), QStringLiteral("save")));
    connect(a, &QAction::triggered, this, &MainWindow::save);
    a = makeAction("actionSaveAs", tr("Save &As…"), QKeySequence::SaveAs,
                   actionIcon(QStringLiteral("document-save-as"), QStringLiteral("save")));
    connect(a, &QAction::triggered, this, &MainWindow::saveAs);
    a = makeAction("actionRevert", tr("&Revert"), QKeySequence(),
                   actionIcon(QStringLiteral("document-revert"), QStringLiteral("open")));
    a->setStatusTip(tr("Reload the file from disk, dropping unsaved changes"));
    connect(a, &QAction::triggered, this, &MainWindow::revert);
    a = makeAction("actionQuit", tr("&Quit"), QKeySequence::Quit);
    a->setMenuRole(QAction::QuitRole);
    connect(a, &QAction::triggered, this, &QWidget::close);

    QUndoStack *stack = m_document->undoStack();
    QAction *undo = stack->createUndoAction(this, tr("&Undo"));
    undo->setObjectName(QStringLiteral("actionUndo"));
    undo->setShortcut(QKeySequence::Undo);
    undo->setIcon(actionIcon(QStringLiteral("edit-undo"), QStringLiteral("undo")));
    addAction(undo);
    QAction *redo = stack->createRedoAction(this, tr("&Redo"));
    redo->setObjectName(QStringLiteral("actionRedo"));
    redo->setShortcut(QKeySequence::Redo);
    redo->setIcon(actionIcon(QStringLiteral("edit-redo"), QStringLiteral("redo")));
    addAction(redo);

    a = makeAction("actionCut", tr("Cu&t"), QKeySequence::Cut,
                   actionIcon(QStringLiteral("edit-cut"), QStringLiteral("cut")));
    connect(a, &QAction::triggered, this, &MainWindow::cutSelection);
    a = makeAction("actionCopy", tr("&Copy"), QKeySequence::Copy,
                   actionIcon(QStringLiteral("edit-copy"), QStringLiteral("copy")));
    connect(a, &QAction::triggered, this, &MainWindow::copySelection);
    a = makeAction("actionPaste", tr("&Paste"), QKeySequence::Paste,
                   actionIcon(QStringLiteral("edit-paste"), QStringLiteral("paste")));
    connect(a, &QAction::triggered, this, [this] { pasteText(QApplication::clipboard()->text()); });
    a = makeAction("actionDuplicate", tr("D&uplicate"), QKeySequence(Qt::CTRL | Qt::Key_D));
    connect(a, &QAction::triggered, m_scene, &GraphScene::duplicateSelection);
    a = makeAction("actionDelete", tr("&Delete"), QKeySequence::Delete,
                   actionIcon(QStringLiteral("edit-delete"), QStringLiteral("delete")));
    connect(a, &QAction::triggered, m_scene, &GraphScene::deleteSelection);
    a = makeAction("actionRename", tr("Re&name…"), QKeySequence(Qt::Key_F2));
    connect(a, &QAction::triggered, this, [this] {
        const QStringList ids = m_scene->selectedNodeIds();
        if (ids.size() == 1)
            Q_EMIT m_scene->renameRequested(ids.front());
    });
    a = makeAction("actionGroup", tr("&Group"), QKeySequence(Qt::CTRL | Qt::Key_G));
    a->setToolTip(tr("Group the selected nodes into one box that collapses and expands "
                     "(Ctrl+G); it changes nothing about how they run"));
    connect(a, &QAction::triggered, m_scene, &GraphScene::groupSelection);
    a = makeAction("actionUngroup", tr("U&ngroup"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G));
    a->setToolTip(tr("Dissolve the groups of the selected nodes (Ctrl+Shift+G)"));
    connect(a, &QAction::triggered, this, [this] {
        QStringList groups;
        for (const QString &id : m_scene->selectedNodeIds())
            if (const Group *group = m_document->groupOf(id.toStdString());
                group && !groups.contains(QString::fromStdString(group->id)))
                groups << QString::fromStdString(group->id);
        if (groups.isEmpty())
            Q_EMIT m_scene->message(tr("Select a node of a group to ungroup it"));
        for (const QString &id : std::as_const(groups))
            m_scene->ungroup(id);
    });
    a = makeAction("actionSelectAll", tr("Select &All"), QKeySequence::SelectAll);
    connect(a, &QAction::triggered, this, [this] {
        for (QGraphicsItem *item : m_scene->items()) {
            if (item->type() == NodeItem::Type)
                item->setSelected(true);
        }
    });

    a = makeAction("actionLayout", tr("&Layout"), QKeySequence(Qt::CTRL | Qt::Key_L),
                   actionIcon(QStringLiteral("view-grid"), QStringLiteral("layout")));
    a->setStatusTip(tr("Arrange the nodes in layers from left to right"));
    connect(a, &QAction::triggered, this, &MainWindow::layoutGraph);
    a = makeAction("actionFit", tr("&Fit to View"), QKeySequence(Qt::Key_F),
                   actionIcon(QStringLiteral("zoom-fit-best"), QStringLiteral("fit")));
    connect(a, &QAction::triggered, m_view, &GraphView::fitGraph);
    a = makeAction("actionZoomIn", tr("Zoom &In"), QKeySequence::ZoomIn,
                   actionIcon(QStringLiteral("zoom-in"), QStringLiteral("zoom-in")));
    connect(a, &QAction::triggered, this, [this] { m_view->zoomBy(1.25); });
    a = makeAction("actionZoomOut", tr("Zoom &Out"), QKeySequence::ZoomOut,
                   actionIcon(QStringLiteral("zoom-out"), QStringLiteral("zoom-out")));
    connect(a, &QAction::triggered, this, [this] { m_view->zoomBy(0.8); });
    a = makeAction("actionZoomReset", tr("&Actual Size"), QKeySequence(Qt::CTRL | Qt::Key_0));
    connect(a, &QAction::triggered, this, [this] { m_view->setZoom(1.0); });
    a = makeAction("actionSnapToGrid", tr("&Snap to Grid"), QKeySequence());
    a->setCheckable(true);
    connect(a, &QAction::toggled, m_scene, &GraphScene::setSnapToGrid);

    a = makeAction("actionValidate", tr("&Validate"), QKeySequence(Qt::Key_F7));
    a->setStatusTip(tr("Check the workflow as a run would, without running anything"));
    connect(a, &QAction::triggered, this, [this] {
        m_problems->validateNow();
        m_problems->show();
        m_problems->raise();
        showStatusMessage(m_problems->errorCount() == 0
                              ? tr("Valid: this workflow can run.")
                              : tr("%1 error(s): see Problems.").arg(m_problems->errorCount()));
    });

    a = makeAction("actionAbout", tr("&About Weft"), QKeySequence());
    a->setMenuRole(QAction::AboutRole);
    connect(a, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About Weft"),
                           tr("<h3>Weft %1</h3><p>Draw a graph of operations and watch it run. "
                              "Concurrency is the graph; parallelism is a run-time choice.</p>"
                              "<p><a href=\"%5\">%6</a></p>"
                              "<p>Qt %2 · oneTBB %3 · %4</p>")
                               .arg(QString::fromStdString(weft::versionString()),
                                    QString::fromLatin1(qVersion()),
                                    QString::fromStdString(weft::tbbVersionString()),
                                    QString::fromStdString(weft::openSslVersionString()),
                                    QString::fromStdString(weft::licenseUrl()),
                                    QString::fromStdString(weft::licenseString()).toHtmlEscaped()));
    });
    a = makeAction("actionAboutQt", tr("About &Qt"), QKeySequence());
    a->setMenuRole(QAction::AboutQtRole);
    connect(a, &QAction::triggered, qApp, &QApplication::aboutQt);

    // Tooltips that show the shortcut, as UI.md asks.
    for (QAction *action : actions()) {
        const QString plain = action->text().remove(QLatin1Char('&')).remove(QStringLiteral("…"));
        if (!action->shortcut().isEmpty())
            action->setToolTip(QStringLiteral("%1 (%2)").arg(
                plain, action->shortcut().toString(QKeySequence::NativeText)));
        else
            action->setToolTip(plain);
    }
    connect(stack, &QUndoStack::undoTextChanged, undo, [undo] {
        undo->setToolTip(undo->text().remove(QLatin1Char('&')) + QStringLiteral(" (")
                         + undo->shortcut().toString(QKeySequence::NativeText) + QLatin1Char(')'));
    });
    connect(stack, &QUndoStack::redoTextChanged, redo, [redo] {
        redo->setToolTip(redo->text().remove(QLatin1Char('&')) + QStringLiteral(" (")
                         + redo->shortcut().toString(QKeySequence::NativeText) + QLatin1Char(')'));
    });
}

void MainWindow::createDocks()
{
    addDockWidget(Qt::LeftDockWidgetArea, m_palette);
    addDockWidget(Qt::RightDockWidgetArea, m_inspector);
    addDockWidget(Qt::BottomDockWidgetArea, m_problems);
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    resizeDocks({m_palette, m_inspector}, {250, 330}, Qt::Horizontal);
    // Tall enough for a dozen log lines or timeline lanes on a first run.
    resizeDocks({m_problems}, {230}, Qt::Vertical);
}

void MainWindow::createMenus()
{
    auto action = [this](const char *name) {
        return findChild<QAction *>(QString::fromLatin1(name));
    };
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(action("actionNew"));
    file->addAction(action("actionOpen"));
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, [this] { m_recent->populate(m_recentMenu); });
    m_recent->populate(m_recentMenu);
    QMenu *examples = file->addMenu(tr("&Examples"));
    examples->setObjectName(QStringLiteral("examplesMenu"));
    const QStringList exampleList = exampleFiles();
    for (const QString &path : exampleList) {
        QAction *open = examples->addAction(QFileInfo(path).completeBaseName());
        open->setToolTip(path);
        connect(open, &QAction::triggered, this, [this, path] { openFile(path); });
    }
    examples->setEnabled(!exampleList.isEmpty());
    file->addSeparator();
    file->addAction(action("actionSave"));
    file->addAction(action("actionSaveAs"));
    file->addAction(action("actionRevert"));
    file->addSeparator();
    file->addAction(action("actionQuit"));

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(action("actionUndo"));
    edit->addAction(action("actionRedo"));
    edit->addSeparator();
    edit->addAction(action("actionCut"));
    edit->addAction(action("actionCopy"));
    edit->addAction(action("actionPaste"));
    edit->addAction(action("actionDuplicate"));
    edit->addAction(action("actionDelete"));
    edit->addSeparator();
    edit->addAction(action("actionRename"));
    edit->addAction(action("actionGroup"));
    edit->addAction(action("actionUngroup"));
    edit->addAction(action("actionSelectAll"));

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_viewMenu->addAction(action("actionLayout"));
    m_viewMenu->addAction(action("actionFit"));
    m_viewMenu->addAction(action("actionZoomIn"));
    m_viewMenu->addAction(action("actionZoomOut"));
    m_viewMenu->addAction(action("actionZoomReset"));
    m_viewMenu->addAction(action("actionSnapToGrid"));
    m_docksSeparator = m_viewMenu->addSeparator();
    for (QDockWidget *dock : {static_cast<QDockWidget *>(m_palette),
                              static_cast<QDockWidget *>(m_inspector),
                              static_cast<QDockWidget *>(m_problems)}) {
        QAction *toggle = dock->toggleViewAction();
        toggle->setObjectName(QStringLiteral("toggle_") + dock->objectName());
        m_viewMenu->addAction(toggle);
    }
    m_toolBar = addToolBar(tr("Main Toolbar"));
    m_toolBar->setObjectName(QStringLiteral("mainToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toolBar->setIconSize(QSize(18, 18));
    m_toolBar->addAction(action("actionNew"));
    m_toolBar->addAction(action("actionOpen"));
    m_toolBar->addAction(action("actionSave"));
    m_toolBar->addSeparator();
    m_toolBar->addAction(action("actionUndo"));
    m_toolBar->addAction(action("actionRedo"));
    m_toolBar->addSeparator();
    m_toolBar->addAction(action("actionLayout"));
    m_toolBar->addAction(action("actionFit"));
    QAction *toolbarToggle = m_toolBar->toggleViewAction();
    toolbarToggle->setObjectName(QStringLiteral("toggle_mainToolBar"));
    m_viewMenu->addAction(toolbarToggle);

    m_runMenu = menuBar()->addMenu(tr("&Run"));
    m_runMenu->setObjectName(QStringLiteral("runMenu"));
    m_runMenu->addAction(action("actionValidate"));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(action("actionAbout"));
    help->addAction(action("actionAboutQt"));
}

void MainWindow::addBottomDock(QDockWidget *dock)
{
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    tabifyDockWidget(m_problems, dock);
    QAction *toggle = dock->toggleViewAction();
    m_viewMenu->insertAction(m_toolBar->toggleViewAction(), toggle);
}

QStringList MainWindow::exampleFiles()
{
    QStringList candidates = {QStringLiteral(WEFT_EXAMPLES_SOURCE_DIR),
                              QStringLiteral(WEFT_EXAMPLES_INSTALL_DIR)};
    const QString appDir = QCoreApplication::applicationDirPath();
    candidates << QDir(appDir).filePath(QStringLiteral("examples"))
               << QDir(appDir).filePath(QStringLiteral("../share/weft/examples"));
    for (const QString &candidate : candidates) {
        const QDir dir(candidate);
        const QStringList names = dir.entryList({QStringLiteral("*.weft")}, QDir::Files, QDir::Name);
        if (names.isEmpty())
            continue;
        QStringList paths;
        for (const QString &name : names)
            paths.append(dir.absoluteFilePath(name));
        return paths;
    }
    return {};
}

void MainWindow::updateTitle()
{
    setWindowTitle(QStringLiteral("%1[*] — Weft").arg(m_document->displayName()));
    setWindowModified(m_document->isModified());
    if (QAction *revert = findChild<QAction *>(QStringLiteral("actionRevert")))
        revert->setEnabled(!m_document->filePath().isEmpty());
}

void MainWindow::updateStatus()
{
    const auto &workflow = m_document->workflow();
    std::size_t edges = 0;
    for (const Node &node : workflow.nodes)
        edges += node.needs.size();
    m_countsLabel->setText(tr("%1 nodes · %2 edges").arg(workflow.nodes.size()).arg(edges));
    m_zoomLabel->setText(tr("%1 %").arg(qRound(m_view->zoom() * 100)));
    const int errors = m_problems->errorCount();
    const int warnings = m_problems->warningCount();
    m_problemsLabel->setText(errors + warnings == 0
                                 ? tr("✓ valid")
                                 : tr("%1 error(s), %2 warning(s)").arg(errors).arg(warnings));
    m_view->updateEmptyState();
}

void MainWindow::updateActions()
{
    const bool hasSelection = !m_scene->selectedItems().isEmpty();
    const bool hasNodes = !m_scene->selectedNodeIds().isEmpty();
    findChild<QAction *>(QStringLiteral("actionCut"))->setEnabled(hasNodes);
    findChild<QAction *>(QStringLiteral("actionCopy"))->setEnabled(hasNodes);
    findChild<QAction *>(QStringLiteral("actionDuplicate"))->setEnabled(hasNodes);
    findChild<QAction *>(QStringLiteral("actionDelete"))->setEnabled(hasSelection);
    findChild<QAction *>(QStringLiteral("actionRename"))->setEnabled(hasNodes);
    const QStringList selected = m_scene->selectedNodeIds();
    findChild<QAction *>(QStringLiteral("actionGroup"))->setEnabled(selected.size() >= 2);
    findChild<QAction *>(QStringLiteral("actionUngroup"))
        ->setEnabled(std::any_of(selected.begin(), selected.end(), [this](const QString &id) {
            return m_document->groupOf(id.toStdString()) != nullptr;
        }));
}

void MainWindow::showStatusMessage(const QString &text)
{
    statusBar()->showMessage(text, 8000);
    m_view->showMessage(text);
}

bool MainWindow::maybeSave()
{
    if (!m_document->isModified())
        return true;
    switch (m_hooks.askToSave(m_document->displayName())) {
    case QMessageBox::Save:
        return save();
    case QMessageBox::Discard:
        return true;
    default:
        return false;
    }
}

void MainWindow::newDocument()
{
    if (!maybeSave())
        return;
    m_autosave->discard();
    m_problems->clearLoadFailure();
    m_document->reset(Workflow{}, QString());
    m_view->resetTransform();
    m_view->centerOn(0, 0);
    updateStatus();
}

bool MainWindow::openFile(const QString &path)
{
    if (!maybeSave())
        return false;
    m_autosave->discard();
    loadInto(path, true);
    return !m_problems->showingLoadFailure();
}

void MainWindow::loadInto(const QString &path, bool rememberRecent)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    // Opening never runs anything: it parses and validates, nothing more.
    LoadResult result = loadWorkflowFile(absolute.toStdString());
    if (!result.ok()) {
        m_document->reset(Workflow{}, absolute);
        m_problems->showLoadFailure(absolute, result.diagnostics);
        m_problems->show();
        m_problems->raise();
        m_view->showMessage(tr("%1 could not be opened: see Design Problems. Fix the file, then "
                               "File ▸ Revert.").arg(QFileInfo(absolute).fileName()), 15000);
        statusBar()->showMessage(tr("Could not open %1").arg(absolute), 8000);
        return;
    }
    Workflow workflow = std::move(*result.workflow);
    // Files written by hand or by scripts often have no positions: lay them
    // out once, as part of loading (not an undo step, not a modification).
    const bool missing = std::any_of(workflow.nodes.begin(), workflow.nodes.end(),
                                     [](const Node &n) { return !n.position; });
    if (missing) {
        LayoutOptions options;
        options.nodeWidths = NodeItem::widthsFor(workflow); // no items for these nodes yet
        const LayoutResult layout = layeredLayout(workflow, options);
        for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
            if (!workflow.nodes[i].position)
                workflow.nodes[i].position = layout.positions[i];
        }
    }
    m_problems->clearLoadFailure();
    m_document->reset(workflow, absolute);
    m_view->fitGraph();
    if (rememberRecent)
        m_recent->add(absolute);
    statusBar()->showMessage(tr("Opened %1").arg(absolute), 5000);
    updateStatus();
}

void MainWindow::revert()
{
    const QString path = m_document->filePath();
    if (path.isEmpty())
        return;
    if (m_document->isModified()
        && !m_hooks.confirm(tr("Drop your unsaved changes and reload %1 from disk?")
                                .arg(QFileInfo(path).fileName())))
        return;
    m_autosave->discard();
    loadInto(path, false);
}

bool MainWindow::save()
{
    // A file that failed to load is not overwritten by an empty document.
    if (m_document->filePath().isEmpty() || m_problems->showingLoadFailure())
        return saveAs();
    return saveToFile(m_document->filePath());
}

bool MainWindow::saveAs()
{
    QString suggested = m_document->filePath();
    if (suggested.isEmpty())
        suggested = QDir::home().filePath(QStringLiteral("untitled.weft"));
    const QString path = m_hooks.chooseSavePath(suggested);
    if (path.isEmpty())
        return false;
    return saveToFile(path);
}

bool MainWindow::saveToFile(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const SaveResult result = saveWorkflowFile(m_document->workflow(), absolute.toStdString());
    if (!result.ok) {
        // The document stays as it is, modified: nothing is lost.
        m_hooks.showError(tr("Could Not Save"),
                          tr("The workflow was not saved.\n\n%1").arg(toQString(result.error)));
        statusBar()->showMessage(tr("Save failed: %1").arg(toQString(result.error)), 10000);
        return false;
    }
    m_problems->clearLoadFailure();
    m_document->setFilePath(absolute);
    m_document->setModified(false);
    m_autosave->discard();
    m_recent->add(absolute);
    statusBar()->showMessage(tr("Saved %1").arg(absolute), 5000);
    return true;
}

bool MainWindow::offerRecovery()
{
    QList<RecoverableSession> sessions = Autosave::recoverable();
    sessions.removeIf([this](const RecoverableSession &s) {
        return QFileInfo(s.snapshotPath) == QFileInfo(m_autosave->snapshotPath());
    });
    if (sessions.isEmpty())
        return false;
    const RecoverableSession session = sessions.front(); // newest first
    const QString what = session.originalPath.isEmpty()
        ? tr("an untitled workflow")
        : QFileInfo(session.originalPath).fileName();
    const QString description =
        tr("Weft did not close cleanly. Unsaved changes to %1 from %2 were kept.\n\n"
           "Recover them?")
            .arg(what, QDateTime::fromMSecsSinceEpoch(session.modified)
                           .toString(QLocale().dateTimeFormat(QLocale::ShortFormat)));
    if (!m_hooks.offerRecovery(description)) {
        Autosave::discardSession(session);
        return false;
    }
    QFile file(session.snapshotPath);
    if (!file.open(QIODevice::ReadOnly)) {
        m_hooks.showError(tr("Recovery Failed"), file.errorString());
        return false;
    }
    const QByteArray bytes = file.readAll();
    std::string error;
    const std::optional<Workflow> workflow =
        readWorkflowLeniently(std::string_view(bytes.constData(), std::size_t(bytes.size())), &error);
    if (!workflow) {
        m_hooks.showError(tr("Recovery Failed"), toQString(error));
        return false;
    }
    m_problems->clearLoadFailure();
    m_document->reset(*workflow, session.originalPath);
    m_document->setModified(true); // recovered work is unsaved work
    Autosave::discardSession(session);
    m_autosave->saveNow();
    m_view->fitGraph();
    showStatusMessage(tr("Recovered unsaved changes to %1.").arg(what));
    return true;
}

void MainWindow::copySelection()
{
    const QStringList ids = m_scene->selectedNodeIds();
    if (ids.isEmpty())
        return;
    std::set<std::string> chosen;
    for (const QString &id : ids)
        chosen.insert(toStd(id));
    Workflow part;
    part.name = m_document->workflow().name;
    for (const Node &node : m_document->workflow().nodes) {
        if (!chosen.count(node.id))
            continue;
        Node copy = node;
        std::erase_if(copy.needs, [&chosen](const std::string &need) { return !chosen.count(need); });
        part.nodes.push_back(copy);
    }
    QApplication::clipboard()->setText(toQString(serializeWorkflow(part)));
    m_lastPasted.clear();
    statusBar()->showMessage(tr("Copied %n node(s)", nullptr, int(part.nodes.size())), 3000);
}

void MainWindow::cutSelection()
{
    const QStringList ids = m_scene->selectedNodeIds();
    if (ids.isEmpty())
        return;
    copySelection();
    m_document->undoStack()->beginMacro(tr("Cut %n node(s)", nullptr, int(ids.size())));
    m_scene->deleteSelection();
    m_document->undoStack()->endMacro();
}

bool MainWindow::pasteText(const QString &text)
{
    const std::string bytes = toStd(text);
    std::string error;
    std::optional<Workflow> pasted = readWorkflowLeniently(bytes, &error);
    if (!pasted || pasted->nodes.empty()) {
        showStatusMessage(tr("Nothing to paste: the clipboard holds no Weft nodes."));
        return false;
    }
    // Needs that point outside the pasted set are dropped; ids are made unique.
    std::set<std::string> inside;
    for (const Node &node : pasted->nodes)
        inside.insert(node.id);
    m_pasteCount = text == m_lastPasted ? m_pasteCount + 1 : 1;
    m_lastPasted = text;
    const qreal offset = 40.0 * m_pasteCount;
    Workflow scratch = m_document->workflow();
    std::map<std::string, std::string> renamed;
    for (Node &node : pasted->nodes) {
        const std::string fresh = uniqueNodeId(scratch, isValidNodeId(node.id) ? node.id : "node");
        renamed[node.id] = fresh;
        node.id = fresh;
        scratch.nodes.push_back(node);
    }
    const QPointF centre = m_view->viewCenterInScene();
    QStringList newIds;
    for (Node &node : pasted->nodes) {
        std::vector<std::string> needs;
        for (const std::string &need : node.needs) {
            if (inside.count(need))
                needs.push_back(renamed[need]);
        }
        node.needs = needs;
        // References among the pasted nodes follow their new ids.
        renameReferences(node, renamed);
        node.position = node.position
            ? Position{node.position->x + offset, node.position->y + offset}
            : Position{centre.x(), centre.y()};
        newIds.append(toQString(node.id));
    }
    m_document->undoStack()->push(new AddNodesCommand(
        m_document, pasted->nodes, tr("Paste %n node(s)", nullptr, int(pasted->nodes.size()))));
    m_scene->selectNodes(newIds);
    return true;
}

void MainWindow::layoutGraph()
{
    const Workflow &workflow = m_document->workflow();
    if (workflow.nodes.empty())
        return;
    LayoutOptions options;
    options.nodeWidths = m_scene->nodeWidths();
    const LayoutResult layout = layeredLayout(workflow, options);
    MoveNodesCommand::Positions before, after;
    for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
        const Node &node = workflow.nodes[i];
        if (node.position == std::optional<Position>(layout.positions[i]))
            continue;
        before[node.id] = node.position;
        after[node.id] = layout.positions[i];
    }
    if (!after.empty())
        m_document->undoStack()->push(
            new MoveNodesCommand(m_document, before, after, -1, tr("Layout")));
    m_view->fitGraph();
}

void MainWindow::addFromPalette(const QString &type)
{
    // At the view's centre, stepping down past nodes already there.
    QPointF at = m_view->viewCenterInScene();
    for (int i = 0; i < 50; ++i) {
        const QRectF footprint(at - QPointF(NodeItem::kMinWidth / 2, NodeItem::kHeight / 2),
                               QSizeF(NodeItem::kMinWidth, NodeItem::kHeight));
        const QList<QGraphicsItem *> hits = m_scene->items(footprint.adjusted(-10, -10, 10, 10));
        if (std::none_of(hits.begin(), hits.end(),
                         [](QGraphicsItem *item) { return item->type() == NodeItem::Type; }))
            break;
        at += QPointF(0, NodeItem::kHeight + 24);
    }
    const QString id = m_scene->addNode(type.toStdString(), at);
    if (!id.isEmpty()) {
        m_view->ensureVisible(m_scene->nodeItem(id));
        statusBar()->showMessage(tr("Added %1").arg(id), 3000);
    }
}

void MainWindow::focusNode(const QString &id)
{
    if (!m_scene->nodeItem(id))
        return;
    m_scene->selectNodes({id});
    m_view->centerOnNode(id);
    m_view->setFocus();
}

void MainWindow::readSettings()
{
    QSettings settings;
    const QByteArray geometry = settings.value(QStringLiteral("window/geometry")).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        // First run: most of the screen, centred.
        const QRect available = screen() ? screen()->availableGeometry() : QRect(0, 0, 1600, 1000);
        const QSize size(std::min(1440, available.width() * 9 / 10),
                         std::min(900, available.height() * 9 / 10));
        resize(size);
        move(available.center() - QPoint(size.width() / 2, size.height() / 2));
    }
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    const bool snap = settings.value(QStringLiteral("canvas/snapToGrid"), false).toBool();
    findChild<QAction *>(QStringLiteral("actionSnapToGrid"))->setChecked(snap);
}

void MainWindow::writeSettings()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("canvas/snapToGrid"), m_scene->snapToGrid());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    writeSettings();
    m_autosave->discard(); // a clean close: nothing to recover next time
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    for (const QUrl &url : event->mimeData()->urls()) {
        if (url.isLocalFile() && url.toLocalFile().endsWith(QLatin1String(".weft"))) {
            event->acceptProposedAction();
            openFile(url.toLocalFile());
            return;
        }
    }
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) {
        Theme::refresh();
        m_view->viewport()->update();
    }
    QMainWindow::changeEvent(event);
}

} // namespace weft::ui
