// SPDX-License-Identifier: Apache-2.0
#include "run/HistoryDock.h"

#include "run/RunStateStyle.h"

#include <weft/RunReport.h>
#include <weft/StateStore.h>

#include <QAbstractTableModel>
#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QSplitter>
#include <QThreadPool>
#include <QTimer>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string_view>

namespace weft::ui {

namespace {

enum RunColumn { RunId, RunWhen, RunOutcome, RunWall, RunRan, RunCached, RunFailed, RunOptions };
constexpr int kRunIdRole = Qt::UserRole + 1;
constexpr int kNodeRole = Qt::UserRole + 2;

QString seconds(double s)
{
    return QString::fromStdString(formatSeconds(s));
}

// "+14.7 ms", "−0.15 s": formatSeconds() reads magnitudes only.
QString signedSeconds(double s)
{
    return (s < 0 ? QStringLiteral("−") : QStringLiteral("+")) + seconds(std::fabs(s));
}

QString when(double epochSeconds)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(epochSeconds * 1000))
        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

// The state database of `file`, only if a run made one: looking at the
// history must not create a .weft folder beside every file opened.
std::unique_ptr<StateStore> openExisting(const QString &file, QString &error)
{
    if (file.isEmpty())
        return nullptr;
    const QFileInfo info(file);
    if (!QFileInfo::exists(info.absolutePath() + QStringLiteral("/.weft/state.db")))
        return nullptr;
    std::string message;
    std::unique_ptr<StateStore> store = StateStore::open(file.toStdString(), message);
    if (!store)
        error = QString::fromStdString(message);
    return store;
}

// "compile[9]" before "compile[10]", "step_2" before "step_10": runs of
// digits compare as numbers, everything else byte by byte, as ids are ASCII.
bool naturalLess(std::string_view a, std::string_view b)
{
    auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (isDigit(a[i]) && isDigit(b[j])) {
            const std::size_t si = i, sj = j;
            while (i < a.size() && a[i] == '0')
                ++i;
            while (j < b.size() && b[j] == '0')
                ++j;
            const std::size_t di = i, dj = j;
            while (i < a.size() && isDigit(a[i]))
                ++i;
            while (j < b.size() && isDigit(b[j]))
                ++j;
            if (i - di != j - dj) // more significant digits: larger
                return i - di < j - dj;
            if (const int c = a.substr(di, i - di).compare(b.substr(dj, j - dj)); c != 0)
                return c < 0;
            if (i - si != j - sj) // equal values: fewer leading zeros first
                return i - si < j - sj;
            continue;
        }
        if (a[i] != b[j])
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
        ++i;
        ++j;
    }
    return a.size() - i < b.size() - j;
}

QString unitState(const HistoryUnit &u)
{
    return u.cached ? QObject::tr("up to date") : QString::fromStdString(u.outcome);
}

QString nodeOf(const std::string &unit)
{
    const QString id = QString::fromStdString(unit);
    const qsizetype bracket = id.indexOf(QLatin1Char('['));
    return bracket < 0 ? id : id.left(bracket);
}

NodeState stateOf(const std::string &outcome)
{
    if (outcome == "failed")
        return NodeState::Failed;
    if (outcome == "cancelled")
        return NodeState::Cancelled;
    if (outcome == "skipped")
        return NodeState::Skipped;
    return NodeState::Succeeded;
}

} // namespace

// One run's units, formatted when a row is painted or read. Sorting
// compares numbers, not the text shown ("9" before "10", "300 ms" before
// "1.2 s"), and the node column by the natural order the units come in.
class HistoryUnitsModel final : public QAbstractTableModel {
public:
    enum Column { Node, Outcome, Attempts, Duration, Exit, Why, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    // `units` in the natural order of their names (readUnits()).
    void setUnits(std::vector<HistoryUnit> units)
    {
        beginResetModel();
        m_units = std::move(units);
        m_order.resize(m_units.size());
        std::iota(m_order.begin(), m_order.end(), 0);
        endResetModel();
    }

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_order.size());
    }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
            return {};
        switch (section) {
        case Node:
            return HistoryDock::tr("Node");
        case Outcome:
            return HistoryDock::tr("Outcome");
        case Attempts:
            return HistoryDock::tr("Attempts");
        case Duration:
            return HistoryDock::tr("Duration");
        case Exit:
            return HistoryDock::tr("Exit");
        case Why:
            return HistoryDock::tr("Why it ran");
        default:
            return {};
        }
    }

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!index.isValid() || index.row() >= rowCount())
            return {};
        const HistoryUnit &u = m_units[std::size_t(m_order[std::size_t(index.row())])];
        const int column = index.column();
        switch (role) {
        case Qt::DisplayRole:
            return text(u, column);
        case Qt::ToolTipRole:
            return column == Why ? text(u, column) : QVariant();
        case Qt::DecorationRole:
            return column == Outcome ? QVariant(RunStateStyle::icon(stateOf(u.outcome)))
                                     : QVariant();
        case Qt::ForegroundRole:
            // Up to date: muted, as the canvas draws such nodes.
            return column == Outcome && u.cached
                ? QVariant(QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text))
                : QVariant();
        case kNodeRole:
            return nodeOf(u.unit);
        default:
            return {};
        }
    }

    void sort(int column, Qt::SortOrder order) override
    {
        Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
        const QModelIndexList before = persistentIndexList();
        std::vector<int> unitOf;
        unitOf.reserve(std::size_t(before.size()));
        for (const QModelIndex &index : before)
            unitOf.push_back(m_order[std::size_t(index.row())]);
        auto less = [this, column](int a, int b) {
            return lessThan(m_units[std::size_t(a)], a, m_units[std::size_t(b)], b, column);
        };
        if (order == Qt::AscendingOrder)
            std::stable_sort(m_order.begin(), m_order.end(), less);
        else
            std::stable_sort(
                m_order.begin(), m_order.end(), [&less](int a, int b) { return less(b, a); });
        std::vector<int> rowOf(m_order.size());
        for (std::size_t row = 0; row < m_order.size(); ++row)
            rowOf[std::size_t(m_order[row])] = int(row);
        QModelIndexList after;
        after.reserve(before.size());
        for (qsizetype i = 0; i < before.size(); ++i)
            after << index(rowOf[std::size_t(unitOf[std::size_t(i)])], before[i].column());
        changePersistentIndexList(before, after);
        Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
    }

private:
    static QString text(const HistoryUnit &u, int column)
    {
        switch (column) {
        case Node:
            return QString::fromStdString(u.unit);
        case Outcome:
            return unitState(u);
        case Attempts:
            return u.attempts > 0 ? QString::number(u.attempts) : QString();
        case Duration:
            return u.cached ? QString() : seconds(u.duration);
        case Exit:
            return u.exitCode ? QString::number(*u.exitCode) : QString::fromStdString(u.signal);
        case Why:
            return u.cached ? QString() : QString::fromStdString(u.why);
        default:
            return {};
        }
    }

    // `a` and `b` are the units' places in the natural order.
    static bool lessThan(const HistoryUnit &x, int a, const HistoryUnit &y, int b, int column)
    {
        switch (column) {
        case Node:
            return a < b;
        case Attempts:
            return x.attempts < y.attempts;
        case Duration: // up to date: before every duration
            return (x.cached ? -1 : x.duration) < (y.cached ? -1 : y.duration);
        case Exit: { // none: lowest; signals by name
            const int ex = x.exitCode ? *x.exitCode : std::numeric_limits<int>::min();
            const int ey = y.exitCode ? *y.exitCode : std::numeric_limits<int>::min();
            return ex != ey ? ex < ey : x.signal < y.signal;
        }
        case Why: { // as the bytes compare: no string made per comparison
            const std::string_view wx = x.cached ? std::string_view() : std::string_view(x.why);
            const std::string_view wy = y.cached ? std::string_view() : std::string_view(y.why);
            return wx < wy;
        }
        default:
            return text(x, column) < text(y, column);
        }
    }

    std::vector<HistoryUnit> m_units;
    std::vector<int> m_order; // row -> index in m_units
};

// The rows where two runs differ, largest duration change first, as
// `weft-cli compare` lists them. Few rows: formatted when made.
class HistoryComparisonModel final : public QAbstractTableModel {
public:
    struct Row {
        QString cells[5]; // node, run A, run B, duration change, what changed
        QString node;
        double change = 0; // |duration change|, seconds
    };

    using QAbstractTableModel::QAbstractTableModel;

    void setRuns(std::int64_t a, std::int64_t b, std::vector<Row> rows)
    {
        beginResetModel();
        m_a = a;
        m_b = b;
        m_rows = std::move(rows);
        endResetModel();
    }

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : 5;
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
            return {};
        switch (section) {
        case 0:
            return HistoryDock::tr("Node");
        case 1:
            return HistoryDock::tr("Run %1").arg(m_a);
        case 2:
            return HistoryDock::tr("Run %1").arg(m_b);
        case 3:
            return HistoryDock::tr("Duration change");
        case 4:
            return HistoryDock::tr("What changed");
        default:
            return {};
        }
    }

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!index.isValid() || index.row() >= rowCount() || index.column() >= 5)
            return {};
        const Row &row = m_rows[std::size_t(index.row())];
        if (role == Qt::DisplayRole || (role == Qt::ToolTipRole && index.column() == 4))
            return row.cells[index.column()];
        if (role == kNodeRole)
            return row.node;
        return {};
    }

private:
    std::int64_t m_a = 0, m_b = 0;
    std::vector<Row> m_rows;
};

HistoryDock::HistoryDock(QWidget *parent)
    : QDockWidget(tr("History"), parent)
{
    setObjectName(QStringLiteral("historyDock"));
    connect(this, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible && m_stale)
            showHistoryOf(m_file);
    });
    setToolTip(tr("Every recorded run of this file (kept in .weft/state.db beside it), newest "
                  "first. Select a run to see what ran and why; select two to compare them."));
    auto *body = new QWidget;
    auto *layout = new QVBoxLayout(body);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    m_header = new QLabel;
    m_header->setObjectName(QStringLiteral("historyHeader"));
    m_header->setWordWrap(true);
    layout->addWidget(m_header);

    auto *splitter = new QSplitter(Qt::Horizontal);
    m_runs = new QTreeWidget;
    m_runs->setObjectName(QStringLiteral("historyRuns"));
    m_runs->setRootIsDecorated(false);
    m_runs->setUniformRowHeights(true);
    m_runs->setAlternatingRowColors(true);
    m_runs->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_runs->setHeaderLabels({tr("Run"), tr("When"), tr("Outcome"), tr("Wall"), tr("Ran"),
                             tr("Up to date"), tr("Failed"), tr("Options")});
    m_runs->header()->setStretchLastSection(true);
    m_runs->setToolTip(tr("Select one run to see its nodes; Ctrl+click a second to compare"));
    splitter->addWidget(m_runs);

    auto *detailBox = new QWidget;
    auto *detailLayout = new QVBoxLayout(detailBox);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    m_detailHeader = new QLabel;
    m_detailHeader->setObjectName(QStringLiteral("historyDetailHeader"));
    m_detailHeader->setWordWrap(true);
    m_detailHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detail = new QTreeView;
    m_detail->setObjectName(QStringLiteral("historyDetail"));
    m_detail->setRootIsDecorated(false);
    m_detail->setUniformRowHeights(true);
    m_detail->setAlternatingRowColors(true);
    m_units = new HistoryUnitsModel(this);
    m_comparison = new HistoryComparisonModel(this);
    m_detail->setModel(m_units);
    m_detail->setSortingEnabled(true);
    m_detail->header()->setStretchLastSection(true);
    // Columns fit the rows on screen and 200 more, not 1,000: a 10,000-node
    // run's rows were 24 ms of the refresh after each run.
    m_detail->header()->setResizeContentsPrecision(200);
    detailLayout->addWidget(m_detailHeader);
    detailLayout->addWidget(m_detail);
    splitter->addWidget(detailBox);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    layout->addWidget(splitter, 1);
    setWidget(body);

    connect(m_runs, &QTreeWidget::itemSelectionChanged, this, &HistoryDock::selectionChanged);
    connect(m_detail, &QTreeView::doubleClicked, this, [this](const QModelIndex &index) {
        const QString node = index.data(kNodeRole).toString();
        if (!node.isEmpty())
            Q_EMIT nodeRequested(node);
    });
    showHistoryOf({});
}

QString HistoryDock::databaseError(const QString &error)
{
    return tr("The history cannot be read: %1\nRun ▸ Forget Up-to-Date State moves a damaged "
              "database aside.")
        .arg(error);
}

HistoryDock::RunsRead HistoryDock::readRuns(const QString &file)
{
    RunsRead read;
    if (file.isEmpty())
        return read;
    std::unique_ptr<StateStore> store = openExisting(file, read.error);
    if (!store)
        return read;
    read.exists = true;
    try {
        read.runs = store->runs();
    } catch (const std::exception &e) {
        read.error = QString::fromUtf8(e.what());
    }
    return read;
}

void HistoryDock::showHistoryOf(const QString &workflowFile)
{
    ++m_runsGeneration; // a read still on its way is older than this one
    showRuns(workflowFile, readRuns(workflowFile));
}

void HistoryDock::showRuns(const QString &workflowFile, RunsRead read)
{
    // Keep the selection across a refresh: after a run the newest row is
    // new, the ones the person was looking at are still there.
    QList<std::int64_t> selected;
    if (workflowFile == m_file) {
        const auto items = m_runs->selectedItems();
        for (const QTreeWidgetItem *item : items)
            selected << item->data(RunId, kRunIdRole).toLongLong();
        // Looking at the newest run: follow it to the run that just ended.
        const QTreeWidgetItem *newest = m_runs->topLevelItem(0);
        if (selected.size() == 1 && newest
            && selected.front() == newest->data(RunId, kRunIdRole).toLongLong())
            selected.clear();
    }
    m_file = workflowFile;
    m_stale = false;
    QSignalBlocker blocker(m_runs);
    m_runs->clear();
    clearDetail();
    m_detailHeader->clear();
    if (workflowFile.isEmpty()) {
        m_header->setText(tr("No history: save the workflow, and each run is recorded beside it."));
        return;
    }
    if (!read.error.isEmpty()) {
        m_header->setText(databaseError(read.error));
        return;
    }
    if (!read.exists) {
        m_header->setText(tr("No runs of %1 recorded yet.").arg(QFileInfo(workflowFile).fileName()));
        return;
    }
    const std::vector<HistoryRun> &runs = read.runs;
    QList<QTreeWidgetItem *> items;
    items.reserve(qsizetype(runs.size()));
    for (const HistoryRun &r : runs) {
        auto *item = new QTreeWidgetItem;
        item->setText(RunId, QString::number(r.id));
        item->setData(RunId, kRunIdRole, qlonglong(r.id));
        item->setText(RunWhen, when(r.started));
        item->setText(RunOutcome, QString::fromStdString(r.outcome));
        item->setIcon(RunOutcome, RunStateStyle::icon(stateOf(r.outcome)));
        item->setText(RunWall, seconds(r.wall));
        item->setText(RunRan, QString::number(r.ran));
        item->setText(RunCached, QString::number(r.cached));
        item->setText(RunFailed, QString::number(r.failed));
        item->setText(RunOptions, QString::fromStdString(r.options));
        for (int c : {RunId, RunWall, RunRan, RunCached, RunFailed})
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
        item->setToolTip(RunOutcome, tr("%1 nodes; work %2; critical path %3")
                                         .arg(r.nodes)
                                         .arg(seconds(r.work), seconds(r.criticalPathDuration)));
        items << item;
    }
    m_runs->addTopLevelItems(items);
    for (int c = 0; c < RunOptions; ++c)
        m_runs->resizeColumnToContents(c);
    m_header->setText(tr("%n run(s) of %1 recorded (newest first)", nullptr, int(runs.size()))
                          .arg(QFileInfo(workflowFile).fileName()));
    if (selected.isEmpty() && !runs.empty())
        selected << runs.front().id;
    blocker.unblock();
    selectRuns(selected);
}

void HistoryDock::refresh()
{
    m_stale = true;
    ++m_runsGeneration; // a read still on its way misses what changed
    // On screen: on the next pass of the event loop, after the canvas has
    // shown the end of the run that asked for it.
    if (isVisible())
        QTimer::singleShot(0, this, [this] {
            if (m_stale && isVisible())
                readRunsInBackground();
        });
}

// Opening the database and listing the runs took 2-4 ms of the GUI thread
// after every run (twice that beside a busy CPU): read on the thread pool,
// as the units and the estimate are. A result that a newer refresh, or a
// synchronous read (ensureFresh), has overtaken is dropped.
void HistoryDock::readRunsInBackground()
{
    QPointer<HistoryDock> self(this);
    const quint64 generation = m_runsGeneration;
    QThreadPool::globalInstance()->start([self, generation, file = m_file] {
        RunsRead read = readRuns(file);
        QMetaObject::invokeMethod(
            qApp,
            [self, generation, file, read = std::move(read)]() mutable {
                if (!self || generation != self->m_runsGeneration || !self->m_stale
                    || file != self->m_file)
                    return;
                self->showRuns(file, std::move(read));
            },
            Qt::QueuedConnection);
    });
}

void HistoryDock::ensureFresh() const
{
    // Reading the dock's contents is looking at it: the refresh is due, and
    // the rows still to make are made now.
    auto *self = const_cast<HistoryDock *>(this);
    if (m_stale)
        self->showHistoryOf(m_file);
    if (m_runToRead)
        self->readPendingRun();
}

int HistoryDock::runCount() const
{
    ensureFresh();
    return m_runs->topLevelItemCount();
}

void HistoryDock::selectRuns(const QList<std::int64_t> &ids)
{
    ensureFresh();
    {
        const QSignalBlocker blocker(m_runs);
        m_runs->clearSelection();
        for (int i = 0; i < m_runs->topLevelItemCount(); ++i) {
            QTreeWidgetItem *item = m_runs->topLevelItem(i);
            if (ids.contains(item->data(RunId, kRunIdRole).toLongLong()))
                item->setSelected(true);
        }
    }
    selectionChanged();
}

void HistoryDock::selectNewest(int offset)
{
    ensureFresh();
    if (offset < 0 || offset >= m_runs->topLevelItemCount())
        return;
    QTreeWidgetItem *item = m_runs->topLevelItem(offset);
    selectRuns({item->data(RunId, kRunIdRole).toLongLong()});
    m_runs->scrollToItem(item);
}

QString HistoryDock::detailText() const
{
    ensureFresh();
    QStringList lines{m_detailHeader->text()};
    const QAbstractItemModel *model = m_detail->model();
    for (int i = 0; i < model->rowCount(); ++i) {
        QStringList cells;
        for (int c = 0; c < model->columnCount(); ++c)
            cells << model->index(i, c).data().toString();
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n'));
}

void HistoryDock::selectionChanged()
{
    QList<std::int64_t> ids;
    const auto items = m_runs->selectedItems();
    for (const QTreeWidgetItem *item : items)
        ids << item->data(RunId, kRunIdRole).toLongLong();
    std::sort(ids.begin(), ids.end());
    clearDetail();
    if (ids.size() == 1) {
        // Read on a worker thread, not in this pass: after a run this pass
        // already listed the runs (ensureFresh reads at once).
        m_runToRead = ids.front();
        m_detailHeader->setText(tr("Reading run %1…").arg(ids.front()));
        readPendingRunInBackground();
    } else if (ids.size() == 2)
        showComparison(ids[0], ids[1]);
    else
        m_detailHeader->setText(ids.isEmpty()
                                    ? tr("Select a run to see its nodes, or two to compare them.")
                                    : tr("Select one run, or two to compare."));
}

// What a run's detail needs from the database: read on a worker thread (a
// connection of its own) or, for whoever reads the rows now, on this one.
struct HistoryDock::UnitsRead
{
    std::optional<HistoryRun> run;
    std::vector<HistoryUnit> units;
    QString error; // set: the database could not be read
};

HistoryDock::UnitsRead HistoryDock::readUnits(const QString &file, std::int64_t run)
{
    UnitsRead read;
    QString error;
    std::unique_ptr<StateStore> store = openExisting(file, error);
    if (!store) {
        read.error = error;
        return read;
    }
    try {
        read.run = store->run(run);
        read.units = store->units(run);
        // The rows go in in the order the node column sorts by, so that
        // sorting them when the last one is in moves none.
        std::sort(read.units.begin(), read.units.end(),
                  [](const HistoryUnit &a, const HistoryUnit &b) { return naturalLess(a.unit, b.unit); });
    } catch (const std::exception &e) {
        read.error = QString::fromUtf8(e.what());
    }
    return read;
}

void HistoryDock::readPendingRun()
{
    if (!m_runToRead)
        return;
    const std::int64_t run = *m_runToRead;
    m_runToRead.reset();
    showUnits(readUnits(m_file, run));
}

// 10,000 units took 16-19 ms to read: off the GUI thread, as the estimate is.
void HistoryDock::readPendingRunInBackground()
{
    if (!m_runToRead)
        return;
    const std::int64_t run = *m_runToRead;
    QPointer<HistoryDock> self(this);
    const quint64 generation = m_rowsGeneration;
    QThreadPool::globalInstance()->start([self, generation, run, file = m_file] {
        UnitsRead read = readUnits(file, run);
        QMetaObject::invokeMethod(
            qApp,
            [self, generation, run, read = std::move(read)]() mutable {
                // Dropped when the dock is gone, the selection moved on, or
                // someone read the rows meanwhile (ensureFresh).
                if (!self || generation != self->m_rowsGeneration || self->m_runToRead != run)
                    return;
                self->m_runToRead.reset();
                self->showUnits(std::move(read));
            },
            Qt::QueuedConnection);
    });
}

void HistoryDock::showUnits(UnitsRead read)
{
    if (!read.error.isEmpty()) {
        m_detailHeader->setText(databaseError(read.error));
        return;
    }
    if (!read.run)
        return;
    const HistoryRun &r = *read.run;
    QString path;
    for (std::size_t i = 0; i < r.criticalPath.size(); ++i)
        path += (i ? QStringLiteral(" → ") : QString()) + QString::fromStdString(r.criticalPath[i]);
    m_detailHeader->setText(
        tr("Run %1, %2: %3 in %4; %5 ran, %6 up to date. Critical path (%7): %8")
            .arg(r.id)
            .arg(when(r.started), QString::fromStdString(r.outcome), seconds(r.wall))
            .arg(r.ran)
            .arg(r.cached)
            .arg(seconds(r.criticalPathDuration), path.isEmpty() ? tr("none") : path));
    showUnitsModel();
    m_units->setUnits(std::move(read.units)); // in the order the node column sorts by
    for (int c = 0; c < HistoryUnitsModel::Why; ++c)
        m_detail->resizeColumnToContents(c);
}

void HistoryDock::showUnitsModel()
{
    if (m_detail->model() != m_units) {
        m_detail->setModel(m_units);
        m_detail->header()->setStretchLastSection(true);
    }
    // Back to the natural order, with nothing in the model to sort, then
    // sorting on: what a header click asks for is sorted from then on.
    m_detail->header()->setSortIndicator(HistoryUnitsModel::Node, Qt::AscendingOrder);
    m_detail->setSortingEnabled(true);
}

void HistoryDock::clearDetail()
{
    ++m_rowsGeneration;
    m_runToRead.reset();
    m_units->setUnits({});
    m_comparison->setRuns(0, 0, {});
    // Empty, it still shows a run's columns, not a comparison's "Run 0".
    showUnitsModel();
}

void HistoryDock::showComparison(std::int64_t older, std::int64_t newer)
{
    QString error;
    std::unique_ptr<StateStore> store = openExisting(m_file, error);
    if (!store) {
        m_detailHeader->setText(databaseError(error));
        return;
    }
    std::optional<HistoryRun> a, b;
    std::map<std::string, HistoryUnit> before, after;
    try {
        a = store->run(older);
        b = store->run(newer);
        for (HistoryUnit &u : store->units(older))
            before.emplace(u.unit, std::move(u));
        for (HistoryUnit &u : store->units(newer))
            after.emplace(u.unit, std::move(u));
    } catch (const std::exception &e) {
        m_detailHeader->setText(databaseError(QString::fromUtf8(e.what())));
        return;
    }
    if (!a || !b)
        return;
    auto pathOf = [](const HistoryRun &r) {
        QStringList ids;
        for (const std::string &id : r.criticalPath)
            ids << QString::fromStdString(id);
        return ids.isEmpty() ? tr("none") : ids.join(QStringLiteral(" → "));
    };
    m_detailHeader->setText(
        tr("Run %1 (%2, %3) → run %4 (%5, %6): wall %7. Critical path before (%8): %9; after "
           "(%10): %11")
            .arg(a->id)
            .arg(QString::fromStdString(a->outcome), seconds(a->wall))
            .arg(b->id)
            .arg(QString::fromStdString(b->outcome), seconds(b->wall),
                 signedSeconds(b->wall - a->wall),
                 seconds(a->criticalPathDuration), pathOf(*a), seconds(b->criticalPathDuration),
                 pathOf(*b)));
    std::set<std::string> names;
    for (const auto &[name, u] : before)
        names.insert(name);
    for (const auto &[name, u] : after)
        names.insert(name);
    std::vector<HistoryComparisonModel::Row> rows;
    for (const std::string &name : names) {
        const auto ia = before.find(name), ib = after.find(name);
        const HistoryUnit *ua = ia == before.end() ? nullptr : &ia->second;
        const HistoryUnit *ub = ib == after.end() ? nullptr : &ib->second;
        const QString sa = ua ? unitState(*ua) : tr("absent");
        const QString sb = ub ? unitState(*ub) : tr("absent");
        const double da = ua && !ua->cached ? ua->duration : 0;
        const double db = ub && !ub->cached ? ub->duration : 0;
        const bool changedState = sa != sb;
        // The rows worth reading: a different ending, or a duration that
        // moved by more than a tenth and 10 ms. The rest is noise.
        const bool slower = std::fabs(db - da) > std::max(0.01, 0.1 * std::max(da, db));
        if (!changedState && !slower)
            continue;
        HistoryComparisonModel::Row row;
        row.cells[0] = QString::fromStdString(name);
        row.node = nodeOf(name);
        row.cells[1] = ua && !ua->cached ? tr("%1, %2").arg(sa, seconds(da)) : sa;
        row.cells[2] = ub && !ub->cached ? tr("%1, %2").arg(sb, seconds(db)) : sb;
        row.cells[3] = signedSeconds(db - da);
        row.change = std::fabs(db - da);
        row.cells[4] = changedState ? (ub && !ub->why.empty() && !ub->cached
                               ? tr("%1 → %2: %3").arg(sa, sb, QString::fromStdString(ub->why))
                               : tr("%1 → %2").arg(sa, sb))
                                    : tr("duration");
        rows.push_back(std::move(row));
    }
    // Largest change first, as `weft-cli compare` lists them.
    std::stable_sort(
        rows.begin(), rows.end(), [](const auto &x, const auto &y) { return x.change > y.change; });
    if (rows.empty())
        m_detailHeader->setText(m_detailHeader->text() + tr("\nNo node changed its ending or "
                                                             "its duration by more than 10 %."));
    m_detail->setSortingEnabled(false);
    m_comparison->setRuns(a->id, b->id, std::move(rows));
    m_detail->setModel(m_comparison);
    for (int c = 0; c < 4; ++c)
        m_detail->resizeColumnToContents(c);
}

} // namespace weft::ui
