// SPDX-License-Identifier: Apache-2.0
#pragma once

// Every operation type of the registry, grouped, searchable, with its doc and
// concurrency semantics in the tooltip. Drag an entry onto the canvas, or
// double-click it to add the node at the view's centre.

#include <QDockWidget>

class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace weft::ui {

class PaletteDock : public QDockWidget
{
    Q_OBJECT

public:
    explicit PaletteDock(QWidget *parent = nullptr);

    QTreeWidget *tree() const { return m_tree; }
    QLineEdit *searchField() const { return m_search; }
    QTreeWidgetItem *itemForType(const QString &type) const;

Q_SIGNALS:
    void addRequested(const QString &type);

private:
    void filter(const QString &text);

    QLineEdit *m_search;
    QTreeWidget *m_tree;
};

} // namespace weft::ui
