// SPDX-License-Identifier: Apache-2.0
#include "DockTabToolTips.h"

#include <QChildEvent>
#include <QDockWidget>
#include <QHelpEvent>
#include <QMainWindow>
#include <QTabBar>
#include <QToolTip>

namespace weft::ui {

DockTabToolTips::DockTabToolTips(QMainWindow *window)
    : QObject(window)
    , m_window(window)
{
    // The main window makes its tab bars when docks are first tabbed, and
    // again after docks move: bars made before this and those made later.
    for (QTabBar *bar : window->findChildren<QTabBar *>(QString(), Qt::FindDirectChildrenOnly))
        watch(bar);
    window->installEventFilter(this);
}

void DockTabToolTips::watch(QTabBar *bar)
{
    bar->installEventFilter(this); // installing twice keeps one filter
}

QString DockTabToolTips::toolTipFor(const QTabBar *bar, int index) const
{
    if (index < 0 || index >= bar->count())
        return {};
    // Qt keeps the dock's address as each tab's data; its title is the
    // tab's text, the fallback should that ever change.
    const auto id = bar->tabData(index).value<quintptr>();
    const QString title = bar->tabText(index);
    const QList<QDockWidget *> docks = m_window->findChildren<QDockWidget *>();
    const QDockWidget *match = nullptr;
    for (const QDockWidget *dock : docks) {
        if (reinterpret_cast<quintptr>(dock) == id) {
            match = dock;
            break;
        }
        if (!match && dock->windowTitle() == title)
            match = dock;
    }
    return match && !match->toolTip().isEmpty() ? match->toolTip() : title;
}

bool DockTabToolTips::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_window) {
        if (event->type() == QEvent::ChildPolished) {
            if (auto *bar = qobject_cast<QTabBar *>(static_cast<QChildEvent *>(event)->child()))
                watch(bar);
        }
        return false;
    }
    if (event->type() == QEvent::ToolTip) {
        if (auto *bar = qobject_cast<QTabBar *>(watched)) {
            auto *help = static_cast<QHelpEvent *>(event);
            const QString tip = toolTipFor(bar, bar->tabAt(help->pos()));
            if (tip.isEmpty())
                return false;
            QToolTip::showText(help->globalPos(), tip, bar, bar->tabRect(bar->tabAt(help->pos())));
            return true;
        }
    }
    return false;
}

} // namespace weft::ui
