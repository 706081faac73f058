// SPDX-License-Identifier: Apache-2.0
#pragma once

// A watch session at a glance (DESIGN.md, "Triggers and watch mode"), as a
// strip over the top of the canvas: the round the canvas shows, what fired
// it (the changed paths, the timer, the first round), how it ended, and a
// tray of the recent rounds, a chip each coloured by its outcome. Hovering a
// chip says what fired that round and what it did; clicking one asks for
// that round in the History dock (roundClicked).
//
// It reads the controller's rounds() and whether the session is still on:
// refresh() is called when a round starts or ends, never per event.

#include <QString>
#include <QWidget>

class QHBoxLayout;
class QLabel;

namespace weft::ui {

class RunController;

class WatchTray : public QWidget
{
    Q_OBJECT

public:
    explicit WatchTray(RunController *controller, QWidget *parent = nullptr);

    void refresh();
    // The headline as shown ("Watching · round 3 · …"), for tests.
    QString headline() const;
    int chipCount() const;

    // "src/a.c changed", "tick fired (timer)", "first round": what started
    // a round, in a line of at most `paths` paths (`fileNames`: without
    // their folders, where room is short).
    static QString describeCauses(const RunController &controller, int recordIndex, int paths = 3,
                                  bool fileNames = false);

Q_SIGNALS:
    void roundClicked(int round);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void elide();

    QString m_full; // the headline before eliding to the width there is
    RunController *m_controller;
    QLabel *m_icon = nullptr;
    QLabel *m_headline = nullptr;
    QWidget *m_chips = nullptr;
    QHBoxLayout *m_chipLayout = nullptr;
};

} // namespace weft::ui
