// SPDX-License-Identifier: Apache-2.0
#include "run/InstanceModel.h"

#include "run/RunController.h"
#include "run/RunStateStyle.h"

#include <weft/RunReport.h>

#include <QGuiApplication>

#include <algorithm>

namespace weft::ui {

InstanceModel::InstanceModel(RunController *controller, QObject *parent)
    : QAbstractTableModel(parent)
    , m_controller(controller)
{}

int InstanceModel::instanceCount() const
{
    if (m_node < 0)
        return 0;
    const RunController::FanOutRun *fan = m_controller->fanOut(NodeIndex(m_node));
    return fan ? int(fan->instances.size()) : 0;
}

QString InstanceModel::nodeId() const
{
    return m_node < 0 ? QString() : m_controller->nodeId(NodeIndex(m_node));
}

void InstanceModel::setNode(int node)
{
    if (node == m_node && m_rows == instanceCount())
        return;
    beginResetModel();
    m_node = node;
    m_rows = instanceCount();
    endResetModel();
}

bool InstanceModel::resetIfResized()
{
    const int rows = instanceCount();
    if (rows == m_rows)
        return false;
    beginResetModel();
    m_rows = rows;
    endResetModel();
    return true;
}

void InstanceModel::refresh()
{
    if (!resetIfResized() && m_rows > 0)
        Q_EMIT dataChanged(index(0, 0), index(m_rows - 1, ColumnCount - 1));
}

void InstanceModel::refreshRows(int first, int last)
{
    if (resetIfResized() || first < 0 || m_rows == 0)
        return;
    first = std::min(first, m_rows - 1);
    last = std::clamp(last, first, m_rows - 1);
    Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
}

void InstanceModel::refreshRunning()
{
    if (resetIfResized() || m_node < 0)
        return;
    const RunController::FanOutRun *fan = m_controller->fanOut(NodeIndex(m_node));
    if (!fan)
        return;
    // One row each: as many as the run has job slots.
    for (const int row : fan->running) {
        if (row < m_rows)
            Q_EMIT dataChanged(index(row, DurationColumn), index(row, DurationColumn));
    }
}

int InstanceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int InstanceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant InstanceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IndexColumn:
        return tr("#");
    case ItemColumn:
        return tr("Item");
    case StateColumn:
        return tr("State");
    case DurationColumn:
        return tr("Duration");
    case ExitColumn:
        return tr("Exit");
    default:
        return {};
    }
}

QVariant InstanceModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || m_node < 0)
        return {};
    const RunController::FanOutRun *fan = m_controller->fanOut(NodeIndex(m_node));
    if (!fan || std::size_t(index.row()) >= fan->instances.size())
        return {};
    const auto row = std::size_t(index.row());
    const RunController::InstanceRun &run = fan->instances[row];
    const NodeFinished *finished = run.finished.get();
    if (role == Qt::DecorationRole && index.column() == StateColumn)
        return RunStateStyle::icon(run.state);
    if (role == Qt::TextAlignmentRole
        && (index.column() == IndexColumn || index.column() == DurationColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        QString tip = QStringLiteral("%1[%2]").arg(nodeId()).arg(row);
        if (row < fan->items.size())
            tip += QStringLiteral(": ") + QString::fromStdString(fan->items[row]);
        if (const auto *slurm = run.slurm.get()) {
            if (slurm->queued)
                tip += tr("\nWaiting in the Slurm queue: job %1").arg(slurm->jobId)
                       + (slurm->pendingReason.isEmpty()
                              ? QString()
                              : QStringLiteral(" (%1)").arg(slurm->pendingReason));
            else if (!slurm->host.isEmpty())
                tip += tr("\nSlurm job %1 on %2").arg(slurm->jobId, slurm->host);
            else
                tip += tr("\nSlurm job %1").arg(slurm->jobId);
        }
        if (finished && !finished->stderrTail.empty())
            tip += QStringLiteral("\n") + QString::fromStdString(finished->stderrTail).trimmed();
        return tip + tr("\nDouble-click to show its log.");
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case IndexColumn:
        return int(row);
    case ItemColumn:
        return row < fan->items.size() ? QString::fromStdString(fan->items[row]) : QString();
    case StateColumn:
        if (run.slurm && run.slurm->queued)
            return run.slurm->pendingReason.isEmpty()
                       ? tr("In Slurm queue")
                       : tr("In Slurm queue (%1)").arg(run.slurm->pendingReason);
        return RunStateStyle::label(run.state, true);
    case DurationColumn:
        if (finished && finished->start >= 0)
            return QString::fromStdString(formatSeconds(finished->duration));
        if (run.state == NodeState::Running && run.runningSince >= 0)
            return QString::fromStdString(
                formatSeconds(std::max(0.0, m_controller->elapsed() - run.runningSince)));
        return QString();
    case ExitColumn:
        if (!finished)
            return QString();
        if (finished->outcome == NodeState::Succeeded)
            return finished->exitCode ? QString::number(*finished->exitCode) : tr("ok");
        if (finished->outcome == NodeState::Skipped)
            return finished->causeNode.empty()
                       ? QString::fromStdString(finished->error)
                       : tr("%1 failed").arg(QString::fromStdString(finished->causeNode));
        return QString::fromStdString(describeEnding(*finished));
    default:
        return {};
    }
}

} // namespace weft::ui
