// SPDX-License-Identifier: Apache-2.0
#pragma once

// The instances of one fan-out node of the current (or last) run, as a
// table model: index, item, state, duration, exit status. A model and a
// view rather than a widget per row, so a fan-out of 10,000 instances costs
// the window only the rows on screen. RunView points it at the selected
// node and refreshes it after each applied batch; it reads the controller's
// tables at data() time and keeps no copy of them.

#include <weft/Events.h>

#include <QAbstractTableModel>

namespace weft::ui {

class RunController;

class InstanceModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { IndexColumn, ItemColumn, StateColumn, DurationColumn, ExitColumn, ColumnCount };

    explicit InstanceModel(RunController *controller, QObject *parent = nullptr);

    // The node whose instances to list; -1: none.
    void setNode(int node);
    int node() const { return m_node; }
    QString nodeId() const;
    // After a batch: rows appear when the node's items become known;
    // states, durations and exit statuses change in place.
    void refresh();
    // The same for a batch that touched only rows first..last (-1: none):
    // a view repaints the visible part of what a change names, and a batch
    // of a 10,000-instance run names a few rows, not all of them.
    void refreshRows(int first, int last);
    // The rows of running instances, whose durations grow.
    void refreshRunning();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    int instanceCount() const;
    // Rows appeared or went: reset and return true.
    bool resetIfResized();

    RunController *m_controller;
    int m_node = -1;
    int m_rows = 0;
};

} // namespace weft::ui
