// SPDX-License-Identifier: Apache-2.0
#pragma once

// Gives the tabs of tabbed docks their dock's tooltip, so a tab says what
// its dock holds (Design Problems vs Last Run), not only its name. Qt sets
// each such tab's tooltip to the dock's title and sets it again whenever the
// title changes (a count in it), so the tab bars a main window makes for its
// docks are watched and answer tooltip requests themselves.

#include <QObject>

class QMainWindow;
class QTabBar;

namespace weft::ui {

class DockTabToolTips : public QObject
{
    Q_OBJECT

public:
    explicit DockTabToolTips(QMainWindow *window);

    // The tooltip the tab at `index` shows: its dock's, or its title when
    // the dock has none.
    QString toolTipFor(const QTabBar *bar, int index) const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void watch(QTabBar *bar);

    QMainWindow *m_window;
};

} // namespace weft::ui
