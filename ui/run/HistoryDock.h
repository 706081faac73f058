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
#include <QTreeWidgetItem>
#include <QString>

#include <cstdint>
#include <optional>
#include <memory>
#include <vector>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace weft::ui {

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
    QTreeWidget *detailView() const
    {
        ensureFresh();
        return m_detail;
    }
    QString detailText() const;
    // Rows of the selected run not made yet (made a slice per pass); -1
    // while its units are still to be read.
    int pendingRows() const
    {
        return m_runToRead ? -1 : int(m_pendingUnits.size() - m_pendingNext);
    }

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
    // A run's node rows are made a slice at a time, one slice per pass of
    // the event loop: 10,000 of them in one go were the window's longest
    // stall after a large run (50-105 ms). Anything that reads the rows
    // finishes them first (ensureFresh).
    void addUnitRows(bool all);
    void finishUnitRows();
    void dropPendingRows();
    void clearDetail();
    void deleteOldRows();
    void readPendingRun();

    QString m_file;
    bool m_stale = false; // a refresh() waits for the dock to be shown
    quint64 m_runsGeneration = 0; // the newest background read of the runs
    QLabel *m_header = nullptr;
    QLabel *m_detailHeader = nullptr;
    QTreeWidget *m_runs = nullptr;
    QTreeWidget *m_detail = nullptr;
    std::optional<std::int64_t> m_runToRead; // selected, its units not read yet
    std::vector<HistoryUnit> m_pendingUnits; // rows still to make, from m_pendingNext
    std::size_t m_pendingNext = 0;
    bool m_finishPending = false; // every row made; sorting them waits for a pass
    // Rows taken out of m_detail, deleted a slice per pass (clearDetail()).
    std::vector<std::unique_ptr<QTreeWidgetItem>> m_oldRows;
    quint64 m_rowsGeneration = 0; // a scheduled slice of an older list does nothing
};

} // namespace weft::ui
