// SPDX-License-Identifier: Apache-2.0
#include "run/RunView.h"

#include "Document.h"
#include "InspectorDock.h"
#include "MainWindow.h"
#include "PaletteDock.h"
#include "canvas/EdgeItem.h"
#include "canvas/GraphScene.h"
#include <QMimeData> // GraphView.h uses it without including it
#include "canvas/GraphView.h"
#include "canvas/NodeItem.h"
#include "run/HistoryDock.h"
#include "run/IncrementalRun.h"
#include "run/RunEstimate.h"
#include "run/InstanceModel.h"
#include "run/LogDock.h"
#include "run/RunController.h"
#include "run/RunOverlayItem.h"
#include "run/RunProblems.h"
#include "run/RunStateStyle.h"
#include "run/SubworkflowNavigator.h"
#include "run/TimelineView.h"
#include "run/WatchTray.h"

#include <weft/RunReport.h>
#include <weft/Subworkflow.h>
#include <weft/Workflow.h>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsSceneEvent>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QVBoxLayout>
#include <QLabel>
#include <QLayout>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolBar>
#include <QTreeWidgetItem>
#include <QWidgetAction>

#include <climits>
#include <cmath>

// weft_ui is a static library: its compiled resources are linked only when
// something references them, and Q_INIT_RESOURCE must be called outside any
// namespace.
static void initWeftResources()
{
    Q_INIT_RESOURCE(weft);
}

namespace weft::ui {

namespace {

constexpr int kAnimationMs = 50;
// The canvas takes a large batch of states this many ms at a time, one
// slice per pass of the event loop, and repaints after the last; held
// longer than kMaxHoldMs, it repaints what it has and goes on.
constexpr int kPushSliceMs = 5;
constexpr qint64 kMaxHoldMs = 150;
constexpr int kPulseMs = 900;

// Editor actions that change the document or replace it: off during a run.
const char *const kLockedActions[] = {
    "actionNew",  "actionOpen",   "actionRevert",    "actionUndo",   "actionRedo",
    "actionCut",  "actionPaste",  "actionDuplicate", "actionDelete", "actionRename",
    "actionLayout",
};

QString clock(double seconds)
{
    const int tenths = int(std::floor(std::max(0.0, seconds) * 10));
    const int minutes = tenths / 600;
    return QStringLiteral("%1:%2.%3")
        .arg(minutes, 2, 10, QLatin1Char('0'))
        .arg((tenths / 10) % 60, 2, 10, QLatin1Char('0'))
        .arg(tenths % 10);
}

QString toQ(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

RunView::RunView(MainWindow *window)
    : QObject(window)
    , m_window(window)
    , m_controller(new RunController(this))
{
    initWeftResources();
    createActions();
    createDocks();
    createStatus();
    requestEstimate();

    m_instances = new InstanceModel(m_controller, this);
    if (InspectorDock *inspector = m_window->inspectorDock()) {
        inspector->setInstanceModel(m_instances);
        connect(inspector, &InspectorDock::instanceActivated, this, [this](int instance) {
            showInstanceLog(m_instances->nodeId(), instance);
        });
    }

    m_banner = new QLabel(tr("Running — editing is locked"), window->view()->viewport());
    m_banner->setObjectName(QStringLiteral("runLockBanner"));
    m_banner->setAlignment(Qt::AlignCenter);
    m_banner->setAutoFillBackground(true);
    m_banner->setMargin(4);
    m_banner->hide();
    m_approvals = new QWidget(window->view()->viewport());
    m_approvals->setObjectName(QStringLiteral("approvalBar"));
    m_approvals->setAutoFillBackground(true);
    new QVBoxLayout(m_approvals);
    m_approvals->layout()->setContentsMargins(8, 4, 8, 4);
    m_approvals->hide();
    m_watchTray = new WatchTray(m_controller, window->view()->viewport());
    connect(m_watchTray, &WatchTray::roundClicked, this, [this](int round) {
        // Rounds are runs in the history, newest first, recorded as each
        // ends: round r is (newest ended round - r) down the list.
        m_history->show();
        m_history->raise();
        int newestRecorded = 0;
        for (const RunController::RoundRecord &r : m_controller->rounds())
            if (r.finished)
                newestRecorded = r.round;
        m_history->refresh();
        m_history->selectNewest(newestRecorded - round);
    });
    connect(m_controller, &RunController::roundStarted, this, &RunView::onRoundStarted);
    connect(m_controller, &RunController::roundFinished, this, &RunView::onRoundFinished);
    connect(m_controller, &RunController::approvalRequested, this, [this](const QString &id) {
        updateApprovals();
        m_window->statusBar()->showMessage(tr("%1 waits for your approval").arg(id), 8000);
        QApplication::alert(m_window); // the taskbar says so too, when the window is behind
    });
    connect(m_controller, &RunController::batchApplied, this, [this] {
        if (m_approvals->isVisible())
            updateApprovals(); // a gate answered elsewhere, or cancelled
    });
    connect(m_controller, &RunController::finishedRun, this, &RunView::updateApprovals);
    window->view()->viewport()->installEventFilter(this);
    window->installEventFilter(this);

    m_animation.setInterval(kAnimationMs);
    connect(&m_animation, &QTimer::timeout, this, &RunView::animate);
    connect(m_controller, &RunController::batchApplied, this, &RunView::applyBatch);
    connect(m_controller, &RunController::finishedRun, this, &RunView::onRunFinished);
    connect(window->scene(), &QGraphicsScene::selectionChanged, this, &RunView::selectionChanged);
    // Items die with a document reset; so do their overlays, which we find
    // again by walking the scene, never by a stored pointer.
    connect(window->document(), &Document::aboutToReset, this, [this] {
        m_running.clear();
        m_pulses.clear();
        m_overlays.clear(); // they die with their nodes
        // The satisfied-edges item is in the scene, which deletes it with
        // its nodes (before or after this slot): only forget it here.
        m_satisfied = nullptr;
        if (m_canvasHeld) {
            m_canvasHeld = false;
            m_window->scene()->releaseStateUpdates();
        }
    });
    // The satisfied-edges item joins the scene with its nodes, not when a
    // run starts: adding an item to a scene of 20,000 makes its next paint
    // re-sort them all, which would land on the run's first frame.
    connect(window->document(), &Document::resetDone, this, &RunView::ensureSatisfiedItem);
    ensureSatisfiedItem();
    connect(window->scene(), &QObject::destroyed, this, [this] {
        m_satisfied = nullptr;
        m_overlays.clear();
    });
    connect(window->document(), &Document::nodeRemoved, this,
            [this](const QString &id) { m_overlays.remove(id); });
    connect(window->document(), &Document::nodeRenamed, this,
            [this](const QString &oldId, const QString &) { m_overlays.remove(oldId); });
    connect(qApp, &QCoreApplication::aboutToQuit, this, [this] { m_controller->shutdown(3000); });
    m_navigator = new SubworkflowNavigator(window, [this](const QString &id, bool withDetail) {
        return visualForId(id, withDetail);
    });
    connect(m_navigator, &SubworkflowNavigator::nodeSelected, this, [this](const QString &id) {
        const int index = m_controller->indexOf(id);
        if (index < 0)
            return;
        m_logDock->showNode(id, NodeIndex(index));
        m_instances->setNode(index);
    });
    window->scene()->setDetailProvider([this](const QString &id) {
        const int index = m_controller->indexOf(id);
        return index >= 0 && std::size_t(index) < m_controller->nodes().size() ? tooltipFor(index)
                                                                               : QString();
    });
    updateActions();
    updateStatus();
}

RunView::~RunView()
{
    // Closing the window during a run cancels it and waits briefly; the
    // controller kills whatever is left, so no child process outlives us.
    disconnect(m_controller, nullptr, this, nullptr);
    m_controller->shutdown(3000);
}

void RunView::createActions()
{
    m_run = new QAction(RunStateStyle::actionIcon(QStringLiteral("run")), tr("&Run"), this);
    m_run->setObjectName(QStringLiteral("actionRun"));
    m_run->setShortcut(QKeySequence(Qt::Key_F5));
    connect(m_run, &QAction::triggered, this, [this] { startRun(); });

    m_stop = new QAction(RunStateStyle::actionIcon(QStringLiteral("stop")), tr("&Stop"), this);
    m_stop->setObjectName(QStringLiteral("actionStop"));
    m_stop->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    m_stop->setToolTip(tr("Stop the run: cancel running nodes, start nothing new (Shift+F5)"));
    connect(m_stop, &QAction::triggered, this, &RunView::stopRun);

    m_run->setToolTip(tr("Run what is out of date (F5): nodes whose declared outputs exist and "
                         "whose inputs, parameters and needs are unchanged since their last "
                         "success are not run again"));

    m_runAll = new QAction(RunStateStyle::actionIcon(QStringLiteral("run-all")), tr("Run &All"),
                           this);
    m_runAll->setObjectName(QStringLiteral("actionRunAll"));
    m_runAll->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5));
    m_runAll->setToolTip(tr("Run every node, even those up to date, as make -B does "
                            "(Ctrl+Shift+F5)"));
    connect(m_runAll, &QAction::triggered, this, [this] { startRun({}, true); });

    m_watch = new QAction(RunStateStyle::actionIcon(QStringLiteral("watch")), tr("&Watch"), this);
    m_watch->setObjectName(QStringLiteral("actionWatch"));
    m_watch->setCheckable(true);
    m_watch->setShortcut(QKeySequence(Qt::Key_F6));
    m_watch->setToolTip(tr("Watch (F6): run what is out of date, then keep the workflow live: "
                           "each time a watch or timer node fires or a declared input changes, "
                           "run again what is out of date. Uncheck or Stop to end."));
    connect(m_watch, &QAction::triggered, this, [this](bool on) {
        if (on && !m_controller->isRunning()) {
            if (!startRun({}, false, true))
                m_watch->setChecked(false);
        } else if (!on) {
            stopRun();
        }
    });

    m_forgetState = new QAction(tr("&Forget Up-to-Date State"), this);
    m_forgetState->setObjectName(QStringLiteral("actionForgetState"));
    m_forgetState->setToolTip(
        tr("Forget what earlier runs of this file recorded as up to date (the history stays): "
           "the next run runs everything. A damaged state database is moved aside."));
    connect(m_forgetState, &QAction::triggered, this, [this] {
        const QString file = m_window->document()->filePath();
        if (file.isEmpty())
            return;
        QString error;
        if (IncrementalRun::forget(file, error))
            m_window->statusBar()->showMessage(
                tr("Forgot the up-to-date state of %1: the next run runs everything")
                    .arg(QFileInfo(file).fileName()),
                8000);
        else
            QMessageBox::warning(m_window, tr("Forget Up-to-Date State"), error);
    });

    m_runSelected = new QAction(RunStateStyle::actionIcon(QStringLiteral("run-selected")),
                                tr("Run S&elected"), this);
    m_runSelected->setObjectName(QStringLiteral("actionRunSelected"));
    m_runSelected->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F5));
    m_runSelected->setToolTip(
        tr("Run the selected nodes and everything they need (Ctrl+F5)"));
    connect(m_runSelected, &QAction::triggered, this,
            [this] { startRun(m_window->scene()->selectedNodeIds()); });

    m_exportTrace = new QAction(tr("Export &Trace…"), this);
    m_exportTrace->setObjectName(QStringLiteral("actionExportTrace"));
    m_exportTrace->setToolTip(tr("Save the last run as Chrome Trace Event JSON (opens in Perfetto)"));
    connect(m_exportTrace, &QAction::triggered, this, [this] {
        const QString suggested = QDir::home().filePath(QStringLiteral("weft-trace.json"));
        const QString path = QFileDialog::getSaveFileName(m_window, tr("Export Trace"), suggested,
                                                          tr("Chrome trace (*.json)"));
        if (!path.isEmpty())
            exportTrace(path);
    });

    for (QAction *a : {m_run, m_runAll, m_watch, m_stop, m_runSelected})
        m_window->addAction(a); // shortcuts work with the menu bar hidden

    m_jobs = new QSpinBox;
    m_jobs->setObjectName(QStringLiteral("jobsBox"));
    m_jobs->setRange(1, 256);
    m_jobs->setValue(defaultConcurrency());
    m_jobs->setPrefix(tr("jobs "));
    m_jobs->setToolTip(tr("How many nodes may run at once (1 runs them one at a time). "
                          "Default: the number of cores."));
    m_keepGoing = new QCheckBox(tr("keep going"));
    m_keepGoing->setObjectName(QStringLiteral("keepGoingBox"));
    m_keepGoing->setToolTip(tr("After a failure, still run everything that does not depend on it"));
    const Settings &settings = m_window->document()->workflow().settings;
    if (settings.jobs > 0)
        m_jobs->setValue(settings.jobs);
    m_keepGoing->setChecked(settings.failure == FailurePolicy::KeepGoing);
    // A freshly opened file brings its own settings.
    connect(m_window->document(), &Document::resetDone, this, [this] {
        const Settings &s = m_window->document()->workflow().settings;
        m_jobs->setValue(s.jobs > 0 ? s.jobs : defaultConcurrency());
        m_keepGoing->setChecked(s.failure == FailurePolicy::KeepGoing);
        updateStatus();
    });
    // The idle status line quotes the job count: keep it in step with the box.
    connect(m_jobs, &QSpinBox::valueChanged, this, [this] {
        updateStatus();
        requestEstimate();
    });

    // The predicted wall time beside Run, and the design's width and
    // critical path in the idle status line (weft/Parallelism.h).
    m_estimate = new RunEstimate(this);
    m_prediction = new QLabel;
    m_prediction->setObjectName(QStringLiteral("predictionLabel"));
    m_prediction->setContentsMargins(6, 0, 6, 0);
    connect(m_estimate, &RunEstimate::changed, this, [this] {
        m_prediction->setText(m_estimate->label());
        m_prediction->setToolTip(m_estimate->toolTip());
        updateStatus();
    });
    Document *document = m_window->document();
    connect(document, &Document::contentsChanged, this, [this] { requestEstimate(); });
    connect(document, &Document::filePathChanged, this, [this] { requestEstimate(); });

    if (QMenu *menu = m_window->runMenu()) {
        menu->addSeparator();
        menu->addAction(m_run);
        menu->addAction(m_runAll);
        menu->addAction(m_runSelected);
        menu->addAction(m_watch);
        menu->addAction(m_stop);
        menu->addSeparator();
        menu->addAction(m_forgetState);
        menu->addAction(m_exportTrace);
    }
    if (QToolBar *bar = m_window->toolBar()) {
        bar->addSeparator();
        bar->addAction(m_run);
        bar->addAction(m_runAll);
        bar->addAction(m_watch);
        bar->addAction(m_stop);
        bar->addWidget(m_jobs);
        bar->addWidget(m_prediction);
        bar->addWidget(m_keepGoing);
    }
}

void RunView::createDocks()
{
    m_problems = new RunProblems;
    m_problemsDock = new QDockWidget(m_problems->windowTitle(), m_window);
    m_problemsDock->setObjectName(QStringLiteral("runProblemsDock"));
    m_problemsDock->setWidget(m_problems);
    connect(m_problems, &QWidget::windowTitleChanged, m_problemsDock, &QWidget::setWindowTitle);
    m_problemsDock->setToolTip(
        tr("Last Run: what the latest run hit. Each failed node with its command, exit status "
           "or signal and last lines of stderr, and the nodes skipped because of it.\n"
           "Double-click one to show its node. Problems of the workflow as drawn are under "
           "Design Problems."));
    connect(m_problems, &RunProblems::nodeRequested, this, &RunView::focusNode);
    connect(m_problems, &RunProblems::instanceRequested, this, &RunView::showInstanceLog);

    m_logDock = new LogDock(m_window);

    m_timeline = new TimelineView(m_controller);
    m_timelineDock = new QDockWidget(tr("Timeline"), m_window);
    m_timelineDock->setObjectName(QStringLiteral("timelineDock"));
    m_timelineDock->setWidget(m_timeline);
    connect(m_timeline, &TimelineView::nodeClicked, this, &RunView::focusNode);
    connect(m_timeline, &TimelineView::instanceClicked, this, &RunView::showInstanceLog);

    m_history = new HistoryDock(m_window);
    connect(m_history, &HistoryDock::nodeRequested, this, &RunView::focusNode);
    Document *document = m_window->document();
    m_history->showHistoryOf(document->filePath());
    connect(document, &Document::filePathChanged, m_history, &HistoryDock::showHistoryOf);
    connect(document, &Document::resetDone, this,
            [this] { m_history->showHistoryOf(m_window->document()->filePath()); });

    m_window->addBottomDock(m_problemsDock);
    m_window->addBottomDock(m_logDock);
    m_window->addBottomDock(m_timelineDock);
    m_window->addBottomDock(m_history);
    m_timelineDock->raise(); // the front tab as before the History dock came
}

void RunView::createStatus()
{
    m_status = new QWidget;
    m_status->setObjectName(QStringLiteral("runStatus"));
    auto *layout = new QHBoxLayout(m_status);
    layout->setContentsMargins(6, 0, 2, 0);
    layout->setSpacing(6);
    m_statusIcon = new QLabel;
    m_statusText = new QLabel;
    m_statusText->setObjectName(QStringLiteral("runStatusText"));
    m_showFailure = new QPushButton(tr("Show"));
    m_showFailure->setObjectName(QStringLiteral("showFailureButton"));
    m_showFailure->setToolTip(tr("Show the first failure: its node and its problem entry"));
    m_showFailure->setFlat(false);
    m_showFailure->hide();
    connect(m_showFailure, &QPushButton::clicked, this, &RunView::showFirstFailure);
    layout->addWidget(m_statusIcon);
    layout->addWidget(m_statusText);
    layout->addWidget(m_showFailure);
    m_status->setAutoFillBackground(true);
    m_window->statusBar()->addPermanentWidget(m_status);
}

bool RunView::startRun(const QStringList &targets, bool force, bool watch)
{
    if (m_controller->isRunning())
        return false;
    Document *document = m_window->document();
    // What the problems dock validated for this very version of the
    // document, if it has: then the run validates nothing again.
    std::shared_ptr<const CompiledWorkflow> compiled = document->compiledIfCurrent();
    std::shared_ptr<const Workflow> workflow = document->snapshot();
    if (!targets.isEmpty()) {
        std::vector<std::string> ids;
        for (const QString &id : targets)
            ids.push_back(toStd(id));
        if (compiled)
            compiled = compiled->select(ids);
        else
            workflow = std::make_shared<const Workflow>(selectTargets(*workflow, ids));
    }
    if (compiled)
        workflow = std::shared_ptr<const Workflow>(compiled, &compiled->workflow());
    if (workflow->nodes.empty()) {
        m_window->view()->showMessage(targets.isEmpty() ? tr("Nothing to run: the canvas is empty.")
                                                        : tr("Select the nodes to run first."));
        return false;
    }

    // The base directory is the document file's directory. An unsaved
    // document runs in a scratch directory of this session instead of
    // asking to save first: running must never be interrupted by a modal
    // prompt, and a fresh directory keeps relative outputs somewhere
    // harmless. The log says where.
    if (!document->filePath().isEmpty()) {
        m_baseDirectory = QFileInfo(document->filePath()).absolutePath();
    } else {
        if (!m_scratch || !m_scratch->isValid())
            m_scratch = std::make_unique<QTemporaryDir>(QDir::tempPath()
                                                        + QStringLiteral("/weft-run-XXXXXX"));
        m_baseDirectory = m_scratch->path();
    }

    // Workflow nodes run expanded into their inner nodes, as weft-cli runs
    // them (README, "Subworkflows"): the expanded copy is what runs.
    bool expanded = false;
    if (hasSubworkflows(*workflow)) {
        const QString file = document->filePath().isEmpty()
                                 ? QDir(m_baseDirectory).filePath(QStringLiteral("untitled.weft"))
                                 : document->filePath();
        SubworkflowExpansion expansion = expandForRun(workflow, file);
        if (!expansion.workflow) {
            m_problems->clear();
            for (const QString &e : std::as_const(expansion.errors))
                m_problems->addRunError(e);
            m_problems->setSummary(RunOutcome::Failed,
                                   tr("The run did not start: a workflow node could not be "
                                      "expanded."));
            m_problemsDock->show();
            m_problemsDock->raise();
            m_window->view()->showMessage(expansion.errors.value(0));
            updateStatus();
            return false;
        }
        workflow = std::move(expansion.workflow);
        compiled.reset(); // it was of the workflow before expansion
        expanded = true;
    }

    RunOptions options;
    options.jobs = m_jobs->value();
    options.failure = m_keepGoing->isChecked() ? FailurePolicy::KeepGoing : FailurePolicy::Stop;
    options.baseDirectory = m_baseDirectory.toStdString();

    // Forget the previous run's marks before the new one paints. When the
    // run is every node on the canvas, the slices that push its pending
    // states (below) replace every node's state anyway: clearing them here
    // first was 2.6 ms of this call at 10,000 nodes, all in the one pass of
    // the event loop that starts the run.
    GraphScene *scene = m_window->scene();
    const bool coversCanvas = targets.isEmpty() && !expanded
                              && workflow->nodes.size() == std::size_t(scene->nodeCount());
    removeDecorations();
    if (!coversCanvas)
        scene->clearVisualStates();
    m_running.clear();
    m_pulses.clear();
    m_firstFailure.clear();
    m_firstFailureItem = nullptr;
    m_problems->clear();
    m_timeline->resetView();

    // A saved document runs incrementally and is recorded in the history
    // beside it; an unsaved one has nowhere to keep state and runs whole.
    QStringList described;
    described << QStringLiteral("-j %1").arg(options.jobs);
    if (options.failure == FailurePolicy::KeepGoing)
        described << QStringLiteral("-k");
    if (force)
        described << QStringLiteral("--force");
    if (watch)
        described << QStringLiteral("--watch");
    described << targets;
    m_controller->setIncremental(document->filePath(), force,
                                 tr("window: %1").arg(described.join(QLatin1Char(' '))));

    // Where the unused job slots went, for Last Run (run_finished.why_serial).
    options.explainParallelism = true;
    // The prediction made for this run, carried into run_finished.
    if (m_estimate->current() && m_estimate->result().jobs == options.jobs && targets.isEmpty())
        options.predictedWall = m_estimate->result().predictedWall;

    m_controller->setWatch(watch);
    m_watch->setChecked(watch);
    m_watchSession = watch;
    m_stopAsked = false;
    m_watchTray->hide();

    QString error;
    const std::size_t nodeCount = workflow->nodes.size();
    const std::shared_ptr<const Workflow> running = workflow;
    m_subflows.reset(*workflow);
    const bool started = compiled ? m_controller->start(std::move(compiled), options, &error)
                                  : m_controller->start(std::move(workflow), options, &error);
    if (!started) {
        if (coversCanvas)
            scene->clearVisualStates();
        m_watch->setChecked(false);
        m_problems->addRunError(error);
        m_problemsDock->show();
        m_problemsDock->raise();
        m_window->view()->showMessage(error);
        updateStatus();
        return false;
    }
    m_logDock->reset([this](NodeIndex i) { return m_controller->nodeId(i); },
                     [this](const QString &id) { return m_controller->logFile(id); });
    if (!m_controller->stateNote().isEmpty())
        m_logDock->addNote(QStringLiteral("[%1]").arg(m_controller->stateNote()));
    if (document->filePath().isEmpty())
        m_logDock->addNote(tr("[untitled workflow: running in %1; save it to run beside the file]")
                               .arg(m_baseDirectory));
    // Every node of the run starts pending; pushed to the canvas in slices.
    // Another workflow has other indices; the same snapshot again (a run
    // after a run, nothing edited between) keeps the items looked up for it:
    // 10,000 lookups by id were 2 ms of the GUI thread each run.
    if (m_itemsWorkflow != running) {
        m_itemKnown.clear();
        m_itemsWorkflow = running;
    }
    m_dirty.clear();
    m_dirtyDone = 0;
    m_isDirty.assign(nodeCount, 1);
    for (std::size_t i = 0; i < nodeCount; ++i)
        m_dirty.push_back(int(i));
    m_finishPending = false;
    if (coversCanvas) {
        // Held until the slices have been through every node, so no frame
        // shows the last run's states beside this one's.
        holdCanvas();
        queuePush();
    }
    ensureSatisfiedItem();
    // A run updates items all over the scene at once; the view's minimal
    // mode would union thousands of small rectangles into a region on every
    // frame (hundreds of ms at 10,000 nodes). One bounding rectangle is far
    // cheaper; the editor's mode comes back once the run has been shown.
    if (m_editorUpdateMode < 0) {
        m_editorUpdateMode = int(m_window->view()->viewportUpdateMode());
        m_window->view()->setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
    }
    selectionChanged();
    if (watch) {
        m_watchTray->refresh();
        m_watchTray->show();
    }
    m_navigator->refresh();
    setEditingLocked(true);
    m_pulseClock.start();
    m_animation.start();
    updateActions();
    updateStatus();
    return true;
}

void RunView::stopRun()
{
    m_stopAsked = true;
    m_controller->stop();
    updateActions();
    updateStatus();
}

bool RunView::exportTrace(const QString &path)
{
    const SaveResult result = m_controller->trace().writeTo(path.toStdString());
    if (!result.ok) {
        m_window->statusBar()->showMessage(tr("Export failed: %1").arg(toQ(result.error)), 10000);
        return false;
    }
    m_window->statusBar()->showMessage(tr("Trace written to %1 (open it in Perfetto)").arg(path),
                                       8000);
    return true;
}

QString RunView::tooltipFor(int index) const
{
    const RunController::NodeRun &n = m_controller->nodes()[std::size_t(index)];
    if (const SubworkflowProgress::Sums *sums = m_subflows.sums(index)) {
        QString text = tr("Subworkflow: %1 running · %2/%3 inner nodes done")
                           .arg(sums->running()).arg(sums->finished()).arg(sums->total);
        if (sums->failed() > 0)
            text += tr(" · %1 failed").arg(sums->failed());
        if (const int skipped = sums->count(NodeState::Skipped))
            text += tr(" · %1 skipped").arg(skipped);
        return text;
    }
    switch (n.state) {
    case NodeState::Pending: {
        // The needs still unfinished now, not the list at the start.
        QStringList unfinished;
        const auto &needs = m_controller->workflow().nodes[std::size_t(index)].needs;
        for (const std::string &need : needs) {
            const QString id = QString::fromStdString(need);
            const int k = m_controller->indexOf(id);
            if (k < 0 || !isFinal(m_controller->nodes()[std::size_t(k)].state))
                unfinished << id;
        }
        if (unfinished.isEmpty())
            return tr("Pending: waits for its needs");
        constexpr int kShown = 8;
        QString text = QStringList(unfinished.mid(0, kShown)).join(QStringLiteral(", "));
        if (unfinished.size() > kShown)
            text += tr(" and %n more", nullptr, int(unfinished.size()) - kShown);
        return tr("Pending: waits for %1").arg(text);
    }
    case NodeState::Waiting:
        switch (n.reason) {
        case WaitReason::Pool:
            return tr("Waiting: pool “%1” is full").arg(n.detail);
        case WaitReason::JobSlot:
            return tr("Waiting: no free job slot (jobs = %1)").arg(m_controller->options().jobs);
        case WaitReason::Exclusive:
            return tr("Waiting: another “%1” is running and it may not overlap").arg(n.detail);
        case WaitReason::Approval:
            return tr("Waiting for approval: %1").arg(n.detail);
        case WaitReason::Trigger:
            return tr("Waiting: %1").arg(n.detail);
        case WaitReason::SlurmQueue:
            return n.pendingReason.isEmpty()
                       ? tr("Waiting in the Slurm queue: job %1").arg(n.jobId)
                       : tr("Waiting in the Slurm queue: job %1 (%2)").arg(n.jobId, n.pendingReason);
        case WaitReason::Needs:
        case WaitReason::None:
            break;
        }
        return n.detail.isEmpty() ? tr("Waiting") : tr("Waiting: %1").arg(n.detail);
    case NodeState::Running: {
        if (const RunController::FanOutRun *fan = m_controller->fanOut(NodeIndex(index))) {
            QString text = tr("Running: %1 of %2 instances finished, %3 running")
                               .arg(fan->finished())
                               .arg(fan->instances.size())
                               .arg(fan->running.size());
            if (fan->failed() > 0)
                text += tr(", %1 failed").arg(fan->failed());
            return text;
        }
        QString text = tr("Running");
        if (n.maxAttempts > 1)
            text += tr(", attempt %1/%2").arg(n.attempt).arg(n.maxAttempts);
        if (!n.jobId.isEmpty() && !n.host.isEmpty())
            text += tr(", Slurm job %1 on %2").arg(n.jobId, n.host);
        else if (!n.jobId.isEmpty())
            text += tr(", Slurm job %1").arg(n.jobId);
        else if (n.pid > 0)
            text += tr(", pid %1").arg(n.pid);
        if (n.slot >= 0)
            text += tr(", slot %1").arg(n.slot + 1);
        if (!n.progressMessage.isEmpty())
            text += QStringLiteral(" — ") + n.progressMessage;
        return text;
    }
    case NodeState::Succeeded:
    case NodeState::Failed:
    case NodeState::Cancelled:
    case NodeState::Skipped:
        break;
    }
    if (!n.finished)
        return RunStateStyle::label(n.state, true);
    const NodeFinished &f = *n.finished;
    if (f.outcome == NodeState::Skipped)
        return tr("Skipped: %1").arg(f.error.empty()
                                         ? tr("%1 failed").arg(toQ(f.causeNode))
                                         : toQ(f.error));
    QString text = RunStateStyle::label(f.outcome, true);
    if (const RunController::FanOutRun *fan = m_controller->fanOut(NodeIndex(index))) {
        text += tr(": %n instance(s)", nullptr, int(fan->instances.size()));
        if (fan->failed() > 0)
            text += tr(", %1 failed").arg(fan->failed());
        int cached = 0;
        for (const RunController::InstanceRun &instance : fan->instances)
            cached += instance.finished && instance.finished->cached ? 1 : 0;
        if (cached > 0)
            text += tr(", %1 up to date").arg(cached);
        return text + tr(" in %1").arg(toQ(formatSeconds(f.duration)));
    }
    if (f.cached)
        return tr("Up to date: not run. Its outputs exist, and its inputs, parameters and "
                  "needs' outputs are unchanged since its last success.");
    if (f.outcome != NodeState::Succeeded)
        text += QStringLiteral(": ") + toQ(describeEnding(f));
    text += tr(" in %1").arg(toQ(formatSeconds(f.duration)));
    if (f.attempts > 1)
        text += tr(" after %n attempts", nullptr, f.attempts);
    // On Slurm: the job and the cluster node its last attempt ran on.
    const auto &attempts = m_controller->attempts();
    for (auto it = attempts.rbegin(); it != attempts.rend(); ++it) {
        if (it->node != NodeIndex(index) || it->instance != kNoInstance)
            continue;
        if (!it->jobId.empty())
            text += it->host.empty() ? tr("\nSlurm job %1").arg(toQ(it->jobId))
                                     : tr("\nSlurm job %1 on %2").arg(toQ(it->jobId), toQ(it->host));
        break;
    }
    return text + whyRanLine(index);
}

QString RunView::whyRanLine(int index) const
{
    // Why it ran, as `weft-cli run --explain` says (issue 15): only for a
    // run that kept state, where "ran" is news.
    if (!m_controller->isIncremental())
        return {};
    const Node &node = m_controller->workflow().nodes[std::size_t(index)];
    if (m_controller->isForced())
        return tr("\nRan because: Run All (--force)");
    if (node.outputs.empty())
        return tr("\nAlways runs: it declares no outputs");
    const QString why = m_controller->whyRan(QString::fromStdString(node.id));
    return why.isEmpty() ? QString() : tr("\nRan because: %1").arg(why);
}

NodeVisualState RunView::visualFor(int index) const
{
    const RunController::NodeRun &n = m_controller->nodes()[std::size_t(index)];
    NodeVisualState state;
    state.runState = RunStateStyle::toRunState(n.state);
    state.progress = n.state == NodeState::Running ? n.progress : -1;
    state.cached = n.finished && n.finished->cached;
    state.slurmQueued = n.state == NodeState::Waiting && n.reason == WaitReason::SlurmQueue;
    if (const RunController::FanOutRun *fan = m_controller->fanOut(NodeIndex(index))) {
        // One badge for all instances: done/total and the ring, never a
        // mark per instance.
        state.instances = int(fan->instances.size());
        state.instancesDone = int(fan->finished());
        state.instancesFailed = int(fan->failed());
        if (n.state == NodeState::Running && state.instances > 0)
            state.progress = double(state.instancesDone) / state.instances;
    }
    if (const SubworkflowProgress::Sums *sums = m_subflows.sums(index)) {
        // A workflow node sums up its inner nodes: done/total on its pill,
        // running while any runs, red as soon as one failed.
        state.instances = sums->total;
        state.instancesDone = sums->finished();
        state.instancesFailed = sums->failed();
        if (sums->failed() > 0)
            state.runState = RunState::Failed;
        else if (!isFinal(n.state) && sums->count(NodeState::Pending) < sums->total)
            state.runState = RunState::Running;
        if (state.runState == RunState::Running && sums->total > 0)
            state.progress = double(sums->finished()) / sums->total;
    }
    // No detail: the tooltip line is written when a tooltip asks for it
    // (the scene's detail provider), not for every node on every update.
    return state;
}

NodeVisualState RunView::visualForId(const QString &id, bool withDetail) const
{
    const int index = m_controller->indexOf(id);
    if (index < 0 || std::size_t(index) >= m_controller->nodes().size())
        return {};
    NodeVisualState state = visualFor(index);
    if (withDetail)
        state.detail = tooltipFor(index);
    return state;
}

void RunView::applySubworkflows(const EventQueue::Batch &batch)
{
    if (m_subflows.empty())
        return;
    const auto &nodes = m_controller->nodes();
    m_changedGroups.clear();
    for (const EventQueue::NodeUpdate &update : batch.nodes) {
        if (update.instance >= 0 || update.node >= nodes.size())
            continue;
        m_subflows.update(int(update.node), nodes[update.node].state, m_changedGroups);
        // A workflow node's own event (its join) took it out of the running
        // set above: its caption is decided again below.
        if (m_subflows.sums(int(update.node)))
            m_changedGroups.push_back(int(update.node));
    }
    std::sort(m_changedGroups.begin(), m_changedGroups.end());
    m_changedGroups.erase(std::unique(m_changedGroups.begin(), m_changedGroups.end()),
                          m_changedGroups.end());
    for (int group : m_changedGroups) {
        if (!m_isDirty[std::size_t(group)]) {
            m_isDirty[std::size_t(group)] = 1;
            m_dirty.push_back(group);
        }
        // Its caption ("3 running · 12/40 done") while its inner nodes run.
        const SubworkflowProgress::Sums *sums = m_subflows.sums(group);
        const bool active = !isFinal(nodes[std::size_t(group)].state) && sums
                            && sums->count(NodeState::Pending) < sums->total
                            && sums->finished() < sums->total;
        if (active) {
            m_running.insert(group);
        } else if (nodes[std::size_t(group)].state != NodeState::Running && m_running.remove(group)) {
            if (RunOverlayItem *overlay = overlayFor(m_controller->nodeId(NodeIndex(group)), false)) {
                overlay->setCaption(QString());
                overlay->setPhase(-1);
            }
        }
    }
}

void RunView::applyBatch(const EventQueue::Batch &batch)
{
    const auto &nodes = m_controller->nodes();
    bool newFailure = false;
    const int listedNode = m_instances->node();
    int &firstListed = m_firstListed; // over the slices of one drain
    int &lastListed = m_lastListed;
    for (const EventQueue::NodeUpdate &update : batch.nodes) {
        const int index = int(update.node);
        if (std::size_t(index) >= nodes.size())
            continue;
        const RunController::NodeRun &n = nodes[std::size_t(index)];
        if (!m_isDirty[std::size_t(index)]) {
            m_isDirty[std::size_t(index)] = 1;
            m_dirty.push_back(index);
        }
        if (update.instance >= 0) {
            if (index == listedNode) {
                firstListed = std::min(firstListed, update.instance);
                lastListed = std::max(lastListed, update.instance);
            }
            // An instance changes its node's badge (above) and, when it
            // fails, adds its own problem entry; it has no item of its own.
            // Nothing per instance beyond that: a batch may hold 10,000.
            if (!update.finished)
                continue;
            m_logDock->flushNode(update.node, update.instance);
            if (update.finished->outcome != NodeState::Failed)
                continue;
            const QString id = m_controller->nodeId(update.node);
            const RunController::FanOutRun *fan = m_controller->fanOut(update.node);
            const QString item = fan && std::size_t(update.instance) < fan->items.size()
                                     ? toQ(fan->items[std::size_t(update.instance)])
                                     : QString();
            QTreeWidgetItem *entry =
                m_problems->addInstanceFailure(id, update.instance, item, *update.finished);
            if (m_firstFailure.isEmpty()) {
                m_firstFailure = id;
                m_firstFailureItem = entry;
                m_pulses.insert(index, m_pulseClock.elapsed());
                newFailure = true;
            }
            continue;
        }
        if (n.state == NodeState::Running)
            m_running.insert(index);
        else if (m_running.remove(index)) {
            if (RunOverlayItem *overlay = overlayFor(m_controller->nodeId(update.node), false)) {
                overlay->setCaption(QString());
                overlay->setPhase(-1);
            }
        }
        if (!update.finished)
            continue;
        const NodeFinished &f = *update.finished;
        m_logDock->flushNode(update.node);
        if (f.outcome == NodeState::Succeeded) {
            if (m_satisfied)
                m_satisfied->addSucceeded(itemFor(index));
            continue;
        }
        const QString id = m_controller->nodeId(update.node);
        if (f.outcome == NodeState::Failed && m_problems->hasInstanceFailures(id)) {
            // Its failed instances have their entries already.
            m_pulses.insert(index, m_pulseClock.elapsed());
        } else if (f.outcome == NodeState::Failed) {
            QTreeWidgetItem *entry = m_problems->addFailure(id, f);
            m_pulses.insert(index, m_pulseClock.elapsed());
            if (m_firstFailure.isEmpty()) {
                m_firstFailure = id;
                m_firstFailureItem = entry;
                newFailure = true;
            }
        } else if (f.outcome == NodeState::Skipped) {
            m_problems->addSkipped(id, f);
        }
    }
    applySubworkflows(batch);
    if (!batch.output.empty() || batch.droppedOutputBytes > 0)
        m_logDock->appendOutput(batch.output, batch.droppedOutputBytes);
    if (!batch.fanOuts.empty()) {
        // At once: the list's rows come from the controller, which has them.
        m_instances->refresh();
        firstListed = INT_MAX;
        lastListed = -1;
    }
    if (newFailure) {
        // The first failure is impossible to miss, and never modal: the run
        // goes on, the problems dock comes forward with the entry selected.
        m_problemsDock->show();
        m_problemsDock->raise();
        m_problems->select(m_firstFailureItem);
    }
    if (batch.finished) {
        for (const std::string &e : batch.finished->errors)
            m_problems->addRunError(toQ(e));
        m_problems->setSummary(batch.finished->outcome,
                               toQ(formatRunSummary(*batch.finished, m_controller->workflow())));
        showParallelism(*batch.finished);
    }
    ++m_appliedBatches;
    // A slice of a large drain: the views redraw after its last slice,
    // once, not after each.
    if (m_controller->drainInProgress())
        return;
    m_timeline->refresh();
    if (lastListed >= 0)
        m_instances->refreshRows(firstListed, lastListed);
    firstListed = INT_MAX;
    lastListed = -1;
    // The canvas takes the states on the next pass, a pass of its own: the
    // drain's cost and the canvas' do not add up in one. Held from now, so
    // nothing repaints half of it in between.
    holdCanvas();
    queuePush();
    m_navigator->refresh();
    updateStatus();
}

void RunView::queuePush()
{
    if (m_pushQueued)
        return;
    m_pushQueued = true;
    QTimer::singleShot(0, this, [this] {
        if (m_pushQueued)
            pushCanvas();
    });
}

void RunView::holdCanvas()
{
    if (m_canvasHeld || m_dirty.size() <= m_dirtyDone)
        return;
    m_window->scene()->holdStateUpdates();
    m_canvasHeld = true;
    m_heldSince.start();
}

void RunView::pushCanvas()
{
    m_pushQueued = false;
    holdCanvas();
    flushCanvas(kPushSliceMs); // releases the canvas when done
    if (m_dirty.empty())
        return;
    if (m_canvasHeld && m_heldSince.elapsed() >= kMaxHoldMs)
        releaseCanvas(); // show what is there; the rest follows
    queuePush();
}

void RunView::releaseCanvas()
{
    if (m_satisfied)
        m_satisfied->commit();
    if (!m_canvasHeld)
        return;
    m_canvasHeld = false;
    m_window->scene()->releaseStateUpdates();
}

void RunView::flushCanvas(int budgetMs)
{
    GraphScene *scene = m_window->scene();
    QElapsedTimer budget;
    budget.start();
    constexpr std::size_t kBatchFrom = 64; // below it, repaint just the items
    std::size_t i = m_dirtyDone;
    {
        std::optional<GraphScene::StateBatch> batch;
        if (m_dirty.size() - m_dirtyDone >= kBatchFrom)
            batch.emplace(scene);
        for (; i < m_dirty.size(); ++i) {
            // Checking the clock every 256 nodes keeps its cost out of the loop.
            if ((i & 255) == 0 && i != m_dirtyDone && budget.elapsed() >= budgetMs)
                break;
            const int index = m_dirty[i];
            m_isDirty[std::size_t(index)] = 0;
            scene->setNodeVisualState(itemFor(index), visualFor(index));
            ++m_appliedNodeUpdates;
        }
    }
    m_dirtyDone = i;
    if (m_dirtyDone == m_dirty.size()) {
        m_dirty.clear();
        m_dirtyDone = 0;
        releaseCanvas();
        if (m_finishPending) {
            m_finishPending = false;
            Q_EMIT runShown();
            if (m_historyDue) {
                m_historyDue = false;
                m_history->refresh();
            }
        }
    }
}

NodeItem *RunView::itemFor(int index)
{
    GraphScene *scene = m_window->scene();
    const std::size_t count = m_controller->nodes().size();
    if (m_itemKnown.size() != count || m_itemsGeneration != scene->itemsGeneration()) {
        m_itemKnown.assign(count, 0);
        m_itemOf.assign(count, nullptr);
        m_itemsGeneration = scene->itemsGeneration();
    }
    if (std::size_t(index) >= count)
        return nullptr;
    if (!m_itemKnown[std::size_t(index)]) {
        m_itemOf[std::size_t(index)] = scene->nodeItem(m_controller->nodeId(NodeIndex(index)));
        m_itemKnown[std::size_t(index)] = 1;
    }
    return m_itemOf[std::size_t(index)];
}

void RunView::ensureSatisfiedItem()
{
    if (m_satisfied)
        return;
    m_satisfied = new SatisfiedEdgesItem(m_window->scene());
    m_window->scene()->addItem(m_satisfied);
}

void RunView::removeDecorations()
{
    qDeleteAll(m_overlays);
    m_overlays.clear();
    if (m_satisfied)
        m_satisfied->clear();
}

RunOverlayItem *RunView::overlayFor(const QString &id, bool create)
{
    if (RunOverlayItem *overlay = m_overlays.value(id))
        return overlay;
    if (!create)
        return nullptr;
    NodeItem *item = m_window->scene()->nodeItem(id);
    if (!item)
        return nullptr;
    auto *overlay = new RunOverlayItem(item);
    m_overlays.insert(id, overlay);
    return overlay;
}

void RunView::onRunFinished()
{
    m_running.clear();
    if (!m_controller->finished()) {
        // The engine refused to run (an invalid workflow): say why.
        for (const std::string &e : m_controller->summary().errors)
            m_problems->addRunError(toQ(e));
        m_problems->setSummary(RunOutcome::Failed, tr("The run did not start."));
        m_problemsDock->show();
        m_problemsDock->raise();
    }
    setEditingLocked(false);
    m_watch->setChecked(false);
    m_watchTray->hide(); // the status line and the history keep the last round
    if (m_watchSession && m_controller->finished()) {
        // What kept the session from watching (inotify unusable, ...).
        for (const std::string &e : m_controller->summary().errors)
            m_problems->addRunError(toQ(e));
    }
    if (m_watchSession && !m_stopAsked && m_controller->finished()
        && m_controller->summary().errors.empty())
        m_window->statusBar()->showMessage(
            tr("Watch ended: nothing in this workflow can start another round (it has no watch "
               "or timer node that can fire again, and no node declares inputs)"),
            15000);
    m_watchSession = false;
    updateActions();
    updateStatus();
    m_timeline->refresh();
    if (m_controller->isIncremental()) {
        // Read afresh when next read; re-read on screen once the canvas
        // shows the end of the run (runShown), not before it: 10,000 rows
        // are tens of ms the end of the run would wait for.
        m_history->markStale();
        m_historyDue = true;
        requestEstimate(true); // the history has one more run
    }
    m_finishPending = true;
    // A first slice now (all of a small run's end: the canvas shows it when
    // finishedRun() returns), the rest on the next passes.
    pushCanvas();
    m_navigator->refresh();
    if (m_finishPending)
        m_animation.start(); // the canvas catches up on the next ticks
}

void RunView::onRoundStarted(int round)
{
    // Round 1 starts on views startRun() prepared; each later round is a
    // run of its own, drawn from pending again.
    if (round > 1) {
        removeDecorations();
        m_window->scene()->clearVisualStates();
        m_running.clear();
        m_pulses.clear();
        m_firstFailure.clear();
        m_firstFailureItem = nullptr;
        m_problems->clear();
        m_timeline->resetView();
        m_logDock->reset([this](NodeIndex i) { return m_controller->nodeId(i); },
                         [this](const QString &id) { return m_controller->logFile(id); });
        const std::size_t nodeCount = m_controller->nodes().size();
        m_dirty.clear();
        m_dirtyDone = 0;
        m_isDirty.assign(nodeCount, 1);
        for (std::size_t i = 0; i < nodeCount; ++i)
            m_dirty.push_back(int(i));
        m_finishPending = false;
        if (m_editorUpdateMode < 0) {
            m_editorUpdateMode = int(m_window->view()->viewportUpdateMode());
            m_window->view()->setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
        }
        m_animation.start();
    }
    const QString why
        = WatchTray::describeCauses(*m_controller, int(m_controller->rounds().size()) - 1, 20);
    m_logDock->addNote(tr("[watch: round %1 · %2]").arg(round).arg(why));
    m_watchTray->refresh();
    m_watchTray->show();
    placeOverlays();
    updateStatus();
}

void RunView::onRoundFinished(int)
{
    m_watchTray->refresh();
    m_timeline->refresh();
    updateStatus();
    if (m_controller->isIncremental())
        m_history->refresh(); // every round is a run in the history
    // The canvas shows the round's end at once, then waits for the next.
    pushCanvas();
    if (!m_dirty.empty())
        m_animation.start();
}

void RunView::animate()
{
    const auto &nodes = m_controller->nodes();
    const double now = m_controller->elapsed();
    const qint64 ms = m_pulseClock.elapsed();
    // A running node's caption and sweep are not drawn in the overview
    // (RunOverlayItem::paint): no item is made for them there. Each one
    // added to the scene made Qt process dirty items, and paint the whole
    // window inside that call, on the animation's every frame of a large
    // run. They are made at the first frame closer in.
    const bool overview = m_window->scene()->overview();
    for (int index : std::as_const(m_running)) {
        const RunController::NodeRun &n = nodes[std::size_t(index)];
        RunOverlayItem *overlay = overlayFor(m_controller->nodeId(NodeIndex(index)), !overview);
        if (!overlay)
            continue;
        if (const SubworkflowProgress::Sums *sums = m_subflows.sums(index)) {
            QString caption = tr("%1 running · %2/%3 done").arg(sums->running())
                                  .arg(sums->finished()).arg(sums->total);
            if (sums->failed() > 0)
                caption += tr(" · %1 failed").arg(sums->failed());
            overlay->setCaption(caption);
            overlay->setPhase(-1); // the node's own bar shows done/total
            continue;
        }
        QString caption = clock(now - std::max(0.0, n.runningSince));
        const RunController::FanOutRun *fan = m_controller->fanOut(NodeIndex(index));
        if (fan) {
            caption += tr(" · %1/%2 done").arg(fan->finished()).arg(fan->instances.size());
            if (!fan->running.empty())
                caption += tr(" · %1 running").arg(fan->running.size());
            overlay->setCaption(caption);
            overlay->setPhase(-1); // the node's own bar shows done/total
            continue;
        }
        if (n.maxAttempts > 1)
            caption += tr(" · attempt %1/%2").arg(n.attempt).arg(n.maxAttempts);
        if (n.progress >= 0)
            caption += QStringLiteral(" · %1 %").arg(qRound(n.progress * 100));
        overlay->setCaption(caption);
        overlay->setPhase(n.progress >= 0 ? -1.0 : std::fmod(double(ms) / 1400.0, 1.0));
    }
    for (auto it = m_pulses.begin(); it != m_pulses.end();) {
        const double t = double(ms - it.value()) / kPulseMs;
        QString pulsed = m_controller->nodeId(NodeIndex(it.key()));
        if (!m_subflows.empty() && pulsed.contains(QLatin1Char('/')))
            pulsed = pulsed.section(QLatin1Char('/'), 0, 0); // an inner node: its workflow node
        RunOverlayItem *overlay = overlayFor(pulsed, true);
        if (t >= 1 || !overlay) {
            if (overlay)
                overlay->setPulse(0);
            it = m_pulses.erase(it);
            continue;
        }
        overlay->setPulse(std::sin(t * M_PI));
        ++it;
    }
    // What a round's start marked, or what a push left when it gave up
    // holding; never in the middle of a drain's slices.
    if (!m_pushQueued && !m_controller->drainInProgress() && !m_dirty.empty())
        pushCanvas();
    if (m_controller->isRunning()) {
        m_timeline->refresh();
        m_instances->refreshRunning(); // their durations
        updateStatus();
    } else if (m_pulses.isEmpty() && m_dirty.empty()) {
        m_animation.stop();
        if (m_editorUpdateMode >= 0) {
            m_window->view()->setViewportUpdateMode(
                QGraphicsView::ViewportUpdateMode(m_editorUpdateMode));
            m_editorUpdateMode = -1;
        }
    }
}

void RunView::updateStatus()
{
    if (!m_statusText)
        return; // still being built
    const auto counts = m_controller->counts();
    auto count = [&counts](NodeState s) { return counts[std::size_t(s)]; };
    const bool running = m_controller->isRunning();
    if (!running && !m_controller->startedEvent()) {
        const QString design = m_estimate ? m_estimate->designText() : QString();
        m_statusText->setText(design.isEmpty()
                                  ? tr("Ready · F5 runs · j=%1").arg(m_jobs->value())
                                  : tr("Ready · %1 · j=%2").arg(design).arg(m_jobs->value()));
        QString tip;
        if (!design.isEmpty()) {
            QStringList path;
            for (const std::string &id : m_estimate->result().design.path)
                path << QString::fromStdString(id);
            constexpr int kShown = 12;
            if (path.size() > kShown)
                path = path.mid(0, kShown / 2) + QStringList{QStringLiteral("…")}
                       + path.mid(path.size() - kShown / 2);
            tip = tr("Width: the most nodes on one level of the design (no need orders them).\n"
                     "Critical path by durations the history measured (estimated where it has "
                     "none): %1")
                      .arg(path.join(QStringLiteral(" → ")));
        }
        m_statusText->setToolTip(tip);
        m_statusIcon->clear();
        return;
    }
    QStringList parts;
    if (running || count(NodeState::Running))
        parts << tr("● %1 running").arg(count(NodeState::Running));
    if (count(NodeState::Waiting))
        parts << tr("%1 waiting").arg(count(NodeState::Waiting));
    parts << tr("%1 done").arg(count(NodeState::Succeeded));
    if (const std::size_t cached = m_controller->cachedCount())
        parts << tr("%1 up to date").arg(cached);
    if (count(NodeState::Failed))
        parts << tr("%1 failed").arg(count(NodeState::Failed));
    if (count(NodeState::Skipped))
        parts << tr("%1 skipped").arg(count(NodeState::Skipped));
    if (count(NodeState::Cancelled))
        parts << tr("%1 cancelled").arg(count(NodeState::Cancelled));
    if (const std::size_t total = m_controller->instanceTotal(); total > 0) {
        const auto &ic = m_controller->instanceCounts();
        std::size_t finishedInstances = 0;
        for (std::size_t st = 0; st < ic.size(); ++st)
            finishedInstances += isFinal(NodeState(st)) ? ic[st] : 0;
        QString instances = tr("instances %1/%2").arg(finishedInstances).arg(total);
        if (const std::size_t failedInstances = ic[std::size_t(NodeState::Failed)])
            instances += tr(" (%1 failed)").arg(failedInstances);
        parts << instances;
    }
    QString text = parts.join(QStringLiteral(" · ")) + QStringLiteral("   ")
                   + clock(m_controller->elapsed()) + QStringLiteral("   j=")
                   + QString::number(m_controller->options().jobs);
    if (m_controller->isWatching())
        text = tr("Round %1: ").arg(m_controller->round()) + text;
    if (running && m_controller->isStopping())
        text = tr("Stopping… ") + text;
    const bool failed = m_controller->hasFailure();
    const auto &finished = m_controller->finished();
    QString tooltip;
    NodeState icon = NodeState::Running;
    const bool watching = m_controller->isWatching();
    if ((!running || watching) && finished) {
        icon = finished->outcome == RunOutcome::Succeeded ? NodeState::Succeeded
               : finished->outcome == RunOutcome::Failed  ? NodeState::Failed
                                                          : NodeState::Cancelled;
        // The path itself would push the status bar's other fields off a
        // narrow window: it is counted here and named in the tooltip and
        // the problems dock.
        text = toQ(formatRunSummary(*finished, m_controller->workflow(), 0));
        tooltip = toQ(formatRunSummary(*finished, m_controller->workflow()));
        if (watching)
            text = tr("Round %1: %2").arg(m_controller->round()).arg(text);
    } else if (failed) {
        icon = NodeState::Failed;
    }
    m_statusText->setText(text);
    m_statusText->setToolTip(tooltip);
    if (m_statusText->sizeHint().width() > m_statusText->width()) {
        // Lay the status bar out now: left to the posted layout requests, a
        // frame or two would paint the longer text clipped ("1223 don"),
        // on every tick whose counts gained a digit.
        m_status->layout()->activate();
        if (QLayout *bar = m_window->statusBar()->layout())
            bar->activate();
    }
    const int px = m_statusText->fontMetrics().height();
    m_statusIcon->setPixmap(RunStateStyle::icon(icon).pixmap(px, px));
    m_showFailure->setVisible(failed);
    QPalette pal = m_window->palette();
    if (failed) {
        // The error state: a red band that reads in light and dark themes.
        pal.setColor(QPalette::Window, RunStateStyle::tint(NodeState::Failed, pal));
        pal.setColor(QPalette::WindowText, pal.color(QPalette::Text));
    }
    m_status->setPalette(pal);
}

void RunView::updateActions()
{
    const bool running = m_controller->isRunning();
    m_run->setEnabled(!running);
    m_runAll->setEnabled(!running);
    m_forgetState->setEnabled(!running && !m_window->document()->filePath().isEmpty());
    m_runSelected->setEnabled(!running && !m_window->scene()->selectedNodeIds().isEmpty());
    m_stop->setEnabled(running && !m_controller->isStopping());
    m_watch->setEnabled(!running || (m_controller->isWatching() && !m_controller->isStopping()));
    m_jobs->setEnabled(!running);
    m_keepGoing->setEnabled(!running);
    m_exportTrace->setEnabled(!running && m_controller->startedEvent().has_value());
}

void RunView::setEditingLocked(bool locked)
{
    if (locked == m_locked)
        return;
    m_locked = locked;
    GraphScene *scene = m_window->scene();
    if (locked) {
        m_lockedActions.clear();
        scene->installEventFilter(this);
    } else {
        scene->removeEventFilter(this);
        for (auto it = m_lockedActions.cbegin(); it != m_lockedActions.cend(); ++it)
            it.key()->setEnabled(it.value());
        m_lockedActions.clear();
    }
    // Nodes stay selectable (the log follows the selection) but not movable:
    // the scene filter below swallows the drags, one check instead of a flag
    // flipped on every item (10,000 of them take ~6 ms each way).
    if (QDockWidget *palette = m_window->paletteDock(); palette && palette->widget())
        palette->widget()->setEnabled(!locked);
    if (InspectorDock *inspector = m_window->inspectorDock())
        inspector->setEditingLocked(locked);
    if (locked)
        reapplyLock();
    m_banner->setVisible(locked);
    if (locked) {
        QPalette pal = m_banner->palette();
        pal.setColor(QPalette::Window, RunStateStyle::tint(NodeState::Running, pal));
        pal.setColor(QPalette::WindowText, pal.color(QPalette::Text));
        m_banner->setPalette(pal);
        m_banner->setText(m_controller->isWatching()
                              ? tr("Watching — editing is locked; Stop (Shift+F5) or Watch (F6) "
                                   "ends the session")
                              : tr("Running — editing is locked"));
    }
    placeOverlays();
    Q_EMIT editingLockedChanged(locked);
}

void RunView::reapplyLock()
{
    if (!m_locked)
        return;
    // The editor re-enables its actions from selection changes; the lock
    // wins, and remembers what each action was before the run.
    for (const char *name : kLockedActions) {
        QAction *action = m_window->findChild<QAction *>(QLatin1String(name));
        if (!action)
            continue;
        if (!m_lockedActions.contains(action))
            m_lockedActions.insert(action, action->isEnabled());
        action->setEnabled(false);
    }
}

void RunView::selectionChanged()
{
    const QStringList ids = m_window->scene()->selectedNodeIds();
    int selected = -1;
    if (ids.size() == 1) {
        const int index = m_controller->indexOf(ids.front());
        if (index >= 0)
            m_logDock->showNode(ids.front(), NodeIndex(index));
        selected = index;
    }
    m_instances->setNode(selected);
    if (m_locked) {
        // Their selection handler ran first; it may have re-enabled edits.
        for (auto it = m_lockedActions.begin(); it != m_lockedActions.end(); ++it)
            it.value() = it.key()->isEnabled() || it.value();
        reapplyLock();
    }
    updateActions();
}

void RunView::showInstanceLog(const QString &id, int instance)
{
    const int index = m_controller->indexOf(id);
    if (index < 0)
        return;
    m_logDock->showInstance(m_controller->instanceId(NodeIndex(index), instance), NodeIndex(index),
                            instance);
    m_logDock->show();
    m_logDock->raise();
}

void RunView::focusNode(const QString &id)
{
    GraphScene *scene = m_window->scene();
    if (!scene->nodeItem(id)) {
        // An inner node of a workflow node ("lib/h"): shown where it is.
        if (id.contains(QLatin1Char('/')))
            m_navigator->reveal(id);
        return;
    }
    m_navigator->goTo(0);
    scene->selectNodes({id});
    m_window->view()->centerOnNode(id);
}

void RunView::showFirstFailure()
{
    m_problemsDock->show();
    m_problemsDock->raise();
    m_problems->select(m_firstFailureItem);
    if (!m_firstFailure.isEmpty())
        focusNode(m_firstFailure);
}

bool RunView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_window->scene()) {
        // While running, the canvas is read-only: selection, hover and
        // tooltips pass; anything that would edit is swallowed.
        switch (event->type()) {
        case QEvent::GraphicsSceneContextMenu: {
            // The one thing a person does to a running workflow's node:
            // answer its approval gate.
            auto *menuEvent = static_cast<QGraphicsSceneContextMenuEvent *>(event);
            const NodeItem *hit = m_window->scene()->nodeAt(menuEvent->scenePos());
            if (!hit)
                return true;
            const QString id = hit->id();
            for (const ApprovalRequest &gate : m_controller->waitingApprovals()) {
                if (QString::fromStdString(gate.node) != id)
                    continue;
                QMenu menu;
                menu.addAction(tr("Approve %1").arg(id), this,
                               [this, id] { m_controller->approve(id); updateApprovals(); });
                menu.addAction(tr("Reject %1").arg(id), this,
                               [this, id] { m_controller->reject(id); updateApprovals(); });
                menu.exec(menuEvent->screenPos());
                return true;
            }
            return true;
        }
        case QEvent::GraphicsSceneMouseDoubleClick: {
            // Opening a workflow node in place edits nothing: it works live.
            auto *mouse = static_cast<QGraphicsSceneMouseEvent *>(event);
            if (const NodeItem *node = m_window->scene()->nodeAt(mouse->scenePos());
                node && node->isSubworkflow())
                m_navigator->open(node->id());
            return true;
        }
        case QEvent::KeyPress:
        case QEvent::GraphicsSceneDragEnter:
        case QEvent::GraphicsSceneDragMove:
        case QEvent::GraphicsSceneDrop:
            return true;
        case QEvent::GraphicsSceneMouseMove: {
            // A press on a node makes it the grabber; its drag would move it.
            auto *mouse = static_cast<QGraphicsSceneMouseEvent *>(event);
            const QGraphicsItem *grabber = m_window->scene()->mouseGrabberItem();
            if (mouse->buttons() != Qt::NoButton && grabber && grabber->type() == NodeItem::Type)
                return true;
            break;
        }
        case QEvent::GraphicsSceneMousePress: {
            auto *mouse = static_cast<QGraphicsSceneMouseEvent *>(event);
            const QList<QGraphicsItem *> hit =
                m_window->scene()->items(mouse->scenePos(), Qt::IntersectsItemShape,
                                         Qt::DescendingOrder);
            if (!hit.isEmpty() && hit.front()->type() == NodeItem::Type) {
                const auto *node = static_cast<const NodeItem *>(hit.front());
                if (node->portAt(node->mapFromScene(mouse->scenePos())) != NodeItem::Port::None)
                    return true; // no new edges
            }
            break;
        }
        default:
            break;
        }
        return false;
    }
    if (watched == m_window->view()->viewport() && event->type() == QEvent::Resize) {
        placeOverlays();
    } else if (watched == m_window && event->type() == QEvent::Close) {
        // If the window really closes (the editor may still refuse, to save
        // changes), cancel the run and wait briefly for its processes.
        QTimer::singleShot(0, this, [this] {
            if (!m_window->isVisible() && m_controller->isRunning())
                m_controller->shutdown(3000);
        });
    }
    return QObject::eventFilter(watched, event);
}

void RunView::requestEstimate(bool now)
{
    Document *document = m_window->document();
    if (now)
        m_estimate->requestNow(document->snapshot(), document->filePath(), m_jobs->value());
    else
        m_estimate->request(document->snapshot(), document->filePath(), m_jobs->value());
}

void RunView::updateApprovals()
{
    const std::vector<ApprovalRequest> gates = m_controller->waitingApprovals();
    QString shown;
    for (const ApprovalRequest &gate : gates)
        shown += QString::fromStdString(gate.node) + QLatin1Char('\n');
    if (shown == m_shownApprovals)
        return;
    m_shownApprovals = shown;
    QLayout *layout = m_approvals->layout();
    while (QLayoutItem *item = layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const ApprovalRequest &gate : gates) {
        const QString id = QString::fromStdString(gate.node);
        auto *row = new QWidget;
        row->setObjectName(QStringLiteral("approval:") + id);
        auto *h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        auto *text = new QLabel(
            gate.message.empty()
                ? tr("<b>%1</b> waits for your approval").arg(id.toHtmlEscaped())
                : tr("<b>%1</b> waits for your approval: %2")
                      .arg(id.toHtmlEscaped(), QString::fromStdString(gate.message).toHtmlEscaped()));
        text->setWordWrap(true);
        text->setToolTip(QString::fromStdString(gate.message));
        auto *approve = new QPushButton(tr("Approve"));
        approve->setObjectName(QStringLiteral("approve:") + id);
        approve->setToolTip(tr("Let %1 pass: what needs it runs").arg(id));
        auto *reject = new QPushButton(tr("Reject"));
        reject->setObjectName(QStringLiteral("reject:") + id);
        reject->setToolTip(tr("Fail %1: what needs it is skipped").arg(id));
        connect(approve, &QPushButton::clicked, this, [this, id] {
            m_controller->approve(id);
            updateApprovals();
        });
        connect(reject, &QPushButton::clicked, this, [this, id] {
            m_controller->reject(id);
            updateApprovals();
        });
        h->addWidget(text, 1);
        h->addWidget(approve);
        h->addWidget(reject);
        layout->addWidget(row);
    }
    QPalette pal = m_approvals->palette();
    pal.setColor(QPalette::Window, RunStateStyle::tint(NodeState::Waiting, pal));
    m_approvals->setPalette(pal);
    m_approvals->setVisible(!gates.empty());
    placeApprovals();
}

void RunView::placeApprovals()
{
    placeOverlays();
}

void RunView::placeOverlays()
{
    const int width = m_window->view()->viewport()->width();
    int top = 0;
    for (QWidget *strip : {static_cast<QWidget *>(m_banner), static_cast<QWidget *>(m_watchTray), m_approvals}) {
        if (!strip->isVisible())
            continue;
        const int height = strip->sizeHint().height();
        strip->setGeometry(0, top, width, height);
        strip->raise();
        top += height;
    }
}

void RunView::showParallelism(const RunFinished &finished)
{
    // run_finished.why_serial (weft/Parallelism.h): jobs x wall - work,
    // split into what the slots waited on, largest first.
    const QJsonObject why
        = QJsonDocument::fromJson(QByteArray::fromStdString(finished.whySerial)).object();
    if (why.isEmpty())
        return;
    auto secs = [](double s) { return toQ(formatSeconds(s)); };
    const double lost = why.value(QStringLiteral("lost")).toDouble();
    struct Cause
    {
        QString what;
        double seconds;
    };
    std::vector<Cause> causes;
    const QJsonArray edges = why.value(QStringLiteral("edges")).toArray();
    for (const QJsonValue &edge : edges) {
        const QJsonObject e = edge.toObject();
        causes.push_back({tr("waiting on needs: %1").arg(e.value(QStringLiteral("name")).toString()),
                          e.value(QStringLiteral("seconds")).toDouble()});
    }
    const QJsonObject pools = why.value(QStringLiteral("pools")).toObject();
    for (auto it = pools.begin(); it != pools.end(); ++it)
        causes.push_back({tr("waiting on pool “%1”").arg(it.key()), it.value().toDouble()});
    causes.push_back({tr("waiting on job slots"), why.value(QStringLiteral("job_slots")).toDouble()});
    causes.push_back({tr("retries"), why.value(QStringLiteral("retries")).toDouble()});
    causes.push_back({tr("Slurm queue"), why.value(QStringLiteral("slurm_queue")).toDouble()});
    causes.push_back({tr("scheduling gaps (start-up, dispatch)"),
                      why.value(QStringLiteral("gaps")).toDouble()});
    std::stable_sort(causes.begin(), causes.end(),
                     [](const Cause &a, const Cause &b) { return a.seconds > b.seconds; });
    QStringList lines;
    for (const Cause &c : causes) {
        if (c.seconds <= 0)
            continue;
        lines << tr("%1 (%2 %)  %3")
                     .arg(secs(c.seconds))
                     .arg(lost > 0 ? qRound(100 * c.seconds / lost) : 0)
                     .arg(c.what);
    }
    const int jobs = why.value(QStringLiteral("jobs")).toInt();
    QString line = tr("%1 slot-seconds of %2 job slots unused").arg(secs(lost)).arg(jobs);
    if (!causes.empty() && causes.front().seconds > 0)
        line += tr("; most: %1").arg(causes.front().what);
    if (finished.predictedWall >= 0)
        line += tr(" · predicted %1, took %2").arg(secs(finished.predictedWall), secs(finished.wall));
    m_problems->setParallelism(line, lines);
}

} // namespace weft::ui
