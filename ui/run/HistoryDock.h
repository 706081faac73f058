// SPDX-License-Identifier: Apache-2.0
#pragma once

// The run history of the open workflow file (DESIGN.md, "Run history"), as
// `weft-cli history` and `weft-cli compare` show it: every recorded run,
// newest first; the units of the selected run with why each ran; and, with
// two runs selected, what changed between them. Read from the state
// database beside the file (weft/StateStore.h) when asked, never held open:
// a run in a terminal must find nothing of ours in its way.

#include "weft/StateStore.h"

#include <QDockWidget>
#include <QString>

#include <cstdint>
#include <optional>
#include <memory>
#include <vector>

class QLabel;
class QPushButton;
class QTreeView;
class QTreeWidget;

namespace weft::ui {

class HistoryUnitsModel;
class HistoryComparisonModel;

class HistoryDock : public QDockWidget
{
    Q_OBJECT

public:
    explicit HistoryDock(QWidget *parent = nullptr);

    // Shows the history of `workflowFile` (empty: an unsaved document,
    // which has none). Reads the database again.
    void showHistoryOf(const QString &workflowFile);
    // After a run: reads the database again on the next pass of the event
    // loop if the dock is on screen, else when it next is (or is asked what
    // it shows). Listing the 10,000 units of a large run took 50-90 ms of
    // the GUI thread at the end of every run, before the canvas showed the
    // end of it, also for a dock nobody had open.
    void refresh();
    // The history changed: read it again when next read, not now.
    void markStale() { m_stale = true; }

    // Tests and keyboard users: select runs by their numbers.
    void selectRuns(const QList<std::int64_t> &ids);
    // Selects the run `offset` places down from the newest (0: the newest).
    void selectNewest(int offset);
    int runCount() const;
    QTreeWidget *runsView() const
    {
        ensureFresh();
        return m_runs;
    }
    // The selected run's units, or the comparison of two runs.
    QTreeView *detailView() const
    {
        ensureFresh();
        return m_detail;
    }
    QString detailText() const;
    // True while the selected run's units are being read on the thread pool.
    bool readingRun() const { return m_runToRead.has_value(); }

Q_SIGNALS:
    // A unit of a run was double-clicked: its node id (an instance's node).
    void nodeRequested(const QString &id);

private:
    void selectionChanged();
    struct RunsRead
    {
        bool exists = false; // a database of the file's runs
        std::vector<HistoryRun> runs;
        QString error;
    };
    // Thread-safe: what showRuns() shows.
    static RunsRead readRuns(const QString &file);
    void showRuns(const QString &workflowFile, RunsRead read);
    void readRunsInBackground();
    struct UnitsRead;
    static UnitsRead readUnits(const QString &file, std::int64_t run);
    void showUnits(UnitsRead read);
    void readPendingRunInBackground();
    void showComparison(std::int64_t older, std::int64_t newer);
    QString databaseError(const QString &error);
    // What the dock shows is read when it is looked at: a refresh() while
    // hidden is done then.
    void ensureFresh() const;
    void showUnitsModel(); // the detail lists a run's units, in their natural order
    void clearDetail(); // also forgets a read on its way
    void readPendingRun();

    QString m_file;
    bool m_stale = false; // a refresh() waits for the dock to be shown
    quint64 m_runsGeneration = 0; // the newest background read of the runs
    QLabel *m_header = nullptr;
    QLabel *m_detailHeader = nullptr;
    QTreeWidget *m_runs = nullptr;
    // The detail is a view of models, not a QTreeWidget: a run's 10,000
    // units were 10,000 items to make, sort and delete after every run,
    // about 26 ms of the GUI thread in slices; a model formats only the rows
    // on screen, and a new run's list replaces the old one in one reset.
    QTreeView *m_detail = nullptr;
    HistoryUnitsModel *m_units = nullptr;
    HistoryComparisonModel *m_comparison = nullptr;
    std::optional<std::int64_t> m_runToRead; // selected, its units not read yet
    quint64 m_rowsGeneration = 0; // a read for an older selection is dropped
};

} // namespace weft::ui
