// SPDX-License-Identifier: Apache-2.0
#pragma once

// The running half of the window, installed into a MainWindow by creating
// one RunView: Run / Stop / Run Selected actions, the jobs and keep-going
// settings in the toolbar, the run problems, log and timeline docks, the run
// status in the status bar, and the lock on editing while a run is in
// progress.
//
// One place applies a run to the window: applyBatch(), called once per
// drained batch. It updates the canvas through GraphScene's id -> item map
// (one setNodeVisualState() per node the batch touched), the docks and the
// status bar. A separate animation timer repaints only the running nodes
// (elapsed time, indeterminate progress) and the failure pulse.

#include "run/SubworkflowRun.h"

#include <weft/EventQueue.h>
#include <weft/Executor.h>

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <climits>
#include <memory>
#include <optional>

class QAction;
class QCheckBox;
class QDockWidget;
class QLabel;
class QPushButton;
class QSpinBox;
class QTemporaryDir;
class QTreeWidgetItem;

namespace weft::ui {

class HistoryDock;
class NodeItem;
class RunEstimate;
class InstanceModel;
class LogDock;
class MainWindow;
class RunController;
class RunOverlayItem;
class RunProblems;
class SatisfiedEdgesItem;
class SubworkflowNavigator;
class TimelineView;
struct NodeVisualState;

class RunView : public QObject
{
    Q_OBJECT

public:
    explicit RunView(MainWindow *window);
    ~RunView() override;

    RunController *controller() const { return m_controller; }
    QAction *runAction() const { return m_run; }
    QAction *stopAction() const { return m_stop; }
    QAction *runSelectedAction() const { return m_runSelected; }
    QAction *runAllAction() const { return m_runAll; }
    // Run ▸ Watch (F6), checkable: a watch session while checked.
    QAction *watchAction() const { return m_watch; }
    class WatchTray *watchTray() const { return m_watchTray; }
    HistoryDock *historyDock() const { return m_history; }
    RunEstimate *estimate() const { return m_estimate; }
    QLabel *predictionLabel() const { return m_prediction; }
    QAction *forgetStateAction() const { return m_forgetState; }
    QAction *exportTraceAction() const { return m_exportTrace; }
    QSpinBox *jobsBox() const { return m_jobs; }
    QCheckBox *keepGoingBox() const { return m_keepGoing; }
    LogDock *logDock() const { return m_logDock; }
    QDockWidget *timelineDock() const { return m_timelineDock; }
    TimelineView *timeline() const { return m_timeline; }
    QDockWidget *problemsDock() const { return m_problemsDock; }
    RunProblems *problems() const { return m_problems; }
    InstanceModel *instances() const { return m_instances; }
    // Workflow nodes opened in place (double-click), with their breadcrumb.
    SubworkflowNavigator *subworkflows() const { return m_navigator; }
    // A workflow node's inner nodes in each state, in the run shown.
    const SubworkflowProgress &subworkflowProgress() const { return m_subflows; }
    // The canvas state of the run's node `id` (an inner one too: "lib/h").
    // With its tooltip line as detail when `withDetail`.
    NodeVisualState visualForId(const QString &id, bool withDetail = false) const;
    QLabel *statusLabel() const { return m_statusText; }
    QPushButton *showFailureButton() const { return m_showFailure; }
    QLabel *lockBanner() const { return m_banner; }
    // The bar under the lock banner with Approve and Reject for every
    // approval gate waiting for a person (issue 16).
    QWidget *approvalBar() const { return m_approvals; }
    bool editingLocked() const { return m_locked; }
    // The directory the last run used as its base (cwd, relative paths).
    QString baseDirectory() const { return m_baseDirectory; }

    // Run the whole document, or `targets` and what they need. Returns false
    // (and shows why, never modally) when nothing could start.
    // Runs what is out of date (`force`: everything, as `weft-cli run
    // --force`) of the whole workflow, or of `targets` and what they need.
    // `watch`: keep it live, round after round, until Stop (DESIGN.md,
    // "Triggers and watch mode").
    bool startRun(const QStringList &targets = {}, bool force = false, bool watch = false);
    void stopRun();
    bool exportTrace(const QString &path);

    // Counted for tests and benchmarks: batches applied, nodes updated.
    quint64 appliedBatches() const { return m_appliedBatches; }
    quint64 appliedNodeUpdates() const { return m_appliedNodeUpdates; }

Q_SIGNALS:
    void editingLockedChanged(bool locked);
    // After the final batch of a run was applied to every view.
    void runShown();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void createActions();
    void createDocks();
    void createStatus();
    void applyBatch(const EventQueue::Batch &batch);
    void onRunFinished();
    void onRoundStarted(int round);
    void onRoundFinished(int round);
    // The strips over the top of the canvas, stacked: the lock banner, the
    // watch tray, the approval bar.
    void placeOverlays();
    void animate();
    // Pushes queued node states to the canvas for at most `budgetMs`, so a
    // batch touching 10,000 nodes never stalls the event loop; the rest
    // goes out on the next tick.
    void flushCanvas(int budgetMs);
    // Pushes them in slices of a few milliseconds, one per pass of the event
    // loop, with the canvas held (no repaint) until the last, or until it
    // was held kMaxHoldMs: a large batch is then one repaint, after it, and
    // the event loop never waits for all of it at once.
    void pushCanvas();
    void queuePush(); // pushCanvas() on the next pass
    void holdCanvas();
    void releaseCanvas();
    void removeDecorations();
    void ensureSatisfiedItem();
    RunOverlayItem *overlayFor(const QString &id, bool create);
    void setEditingLocked(bool locked);
    void reapplyLock();
    void updateActions();
    QString whyRanLine(int index) const;
    void showParallelism(const RunFinished &finished);
    void updateStatus();
    void showFirstFailure();
    void focusNode(const QString &id);
    // Shows one fan-out instance's output in the log dock.
    void showInstanceLog(const QString &id, int instance);
    void selectionChanged();
    NodeVisualState visualFor(int index) const;
    // The canvas item of the run's node `index` (null: none), looked up by
    // id once per run and scene generation: 10,000 id strings made and
    // hashed per batch were most of the cost of pushing states.
    NodeItem *itemFor(int index);
    QString tooltipFor(int index) const;

    MainWindow *m_window;
    RunController *m_controller;
    QAction *m_run = nullptr;
    QAction *m_stop = nullptr;
    QAction *m_runSelected = nullptr;
    QAction *m_runAll = nullptr;
    QAction *m_watch = nullptr;
    class WatchTray *m_watchTray = nullptr;
    HistoryDock *m_history = nullptr;
    RunEstimate *m_estimate = nullptr;
    QLabel *m_prediction = nullptr;
    void requestEstimate(bool now = false);
    QAction *m_forgetState = nullptr;
    QAction *m_exportTrace = nullptr;
    QAction *m_keepGoingAction = nullptr;
    QSpinBox *m_jobs = nullptr;
    QCheckBox *m_keepGoing = nullptr;
    LogDock *m_logDock = nullptr;
    QDockWidget *m_timelineDock = nullptr;
    TimelineView *m_timeline = nullptr;
    QDockWidget *m_problemsDock = nullptr;
    RunProblems *m_problems = nullptr;
    InstanceModel *m_instances = nullptr;
    QWidget *m_status = nullptr;
    QLabel *m_statusIcon = nullptr;
    QLabel *m_statusText = nullptr;
    QPushButton *m_showFailure = nullptr;
    QLabel *m_banner = nullptr;
    QWidget *m_approvals = nullptr;
    QString m_shownApprovals; // what the bar shows now: rebuilt only when it changes
    void updateApprovals();
    void placeApprovals();

    QTimer m_animation;
    std::vector<int> m_dirty;        // nodes whose canvas state is not pushed yet
    std::vector<char> m_isDirty;     // node -> queued in m_dirty
    std::size_t m_dirtyDone = 0;     // m_dirty[0..m_dirtyDone) are pushed
    bool m_finishPending = false;
    std::vector<NodeItem *> m_itemOf; // node index -> item, see itemFor()
    std::vector<char> m_itemKnown;
    quint64 m_itemsGeneration = 0;
    // The snapshot whose node indices m_itemOf follows: a run of the same
    // one (the document unchanged since) keeps them.
    std::shared_ptr<const Workflow> m_itemsWorkflow;
    bool m_historyDue = false;   // the history dock refreshes at runShown
    bool m_canvasHeld = false;   // the scene's repaints wait for the push to end
    bool m_pushQueued = false;   // pushCanvas() runs on the next pass
    QElapsedTimer m_heldSince;
    // Over the slices of one drain (RunController::drainInProgress()).
    int m_firstListed = INT_MAX; // the instance list's rows it changed
    int m_lastListed = -1;
    int m_editorUpdateMode = -1; // the view's update mode before the run, -1: not changed    // the run ended; runShown once the canvas caught up
    QHash<QString, RunOverlayItem *> m_overlays; // children of node items, by node id
    SatisfiedEdgesItem *m_satisfied = nullptr; // owned by the scene while in it
    QSet<int> m_running;
    QHash<int, qint64> m_pulses; // failed node -> ms when its pulse started
    QElapsedTimer m_pulseClock;
    QString m_firstFailure;
    QTreeWidgetItem *m_firstFailureItem = nullptr;
    std::unique_ptr<QTemporaryDir> m_scratch;
    QString m_baseDirectory;
    bool m_locked = false;
    // The session in progress is a watch session, and whether a person ended
    // it (otherwise it ended because nothing can start another round).
    bool m_watchSession = false;
    bool m_stopAsked = false;
    QHash<QAction *, bool> m_lockedActions; // action -> enabled before the lock
    quint64 m_appliedBatches = 0;
    quint64 m_appliedNodeUpdates = 0;
    SubworkflowNavigator *m_navigator = nullptr;
    SubworkflowProgress m_subflows;
    std::vector<int> m_changedGroups; // reused by applyBatch
    void applySubworkflows(const EventQueue::Batch &batch);
};

} // namespace weft::ui
