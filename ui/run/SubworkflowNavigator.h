// SPDX-License-Identifier: Apache-2.0
#pragma once

// Opens a `workflow` node in place (issue 19): double-click one and the
// canvas shows the file it includes, read-only, under a breadcrumb bar
// ("main.weft › lib › sub"), its nodes coloured live by the run's events of
// their `outer/inner` ids, during a run and after it. The way back: a
// breadcrumb, Backspace or Alt+Left (QKeySequence::Back); Ctrl+Down opens
// the selected workflow node from the keyboard. "Open for
// Editing" opens the inner file in a window of its own.
//
// Installed by the RunView: it wraps the window's central canvas in a stack
// whose first page is the document's view, untouched; each level opened is
// one more page (a Document loaded from the file, its scene and view),
// dropped again when the person goes back above it.

#include "canvas/NodeVisualState.h"

#include <weft/Workflow.h>

#include <QObject>
#include <QPointer>
#include <QString>
#include <QVector>

#include <functional>

class QAction;
class QFrame;
class QHBoxLayout;
class QLabel;
class QStackedWidget;
class QToolButton;
class QWidget;

namespace weft::ui {

class Document;
class GraphScene;
class GraphView;
class MainWindow;

class SubworkflowNavigator : public QObject
{
    Q_OBJECT

public:
    // The canvas state of the run's node `id` (a full path: "lib/h");
    // RunState::None when the run has no such node, or no run was made.
    // Its tooltip line (detail) only when `withDetail`.
    using StateOf = std::function<NodeVisualState(const QString &id, bool withDetail)>;

    SubworkflowNavigator(MainWindow *window, StateOf stateOf);
    ~SubworkflowNavigator() override;

    // Opens the workflow node `id` of the level shown now. False (and a
    // message on the canvas) when it is no workflow node or its file
    // cannot be read.
    bool open(const QString &id);
    // Shows the level `depth` (0: the document), dropping those below it.
    void goTo(int depth);
    bool back();
    int depth() const { return int(m_levels.size()); }
    // "lib/sub/" for the level shown; empty for the document.
    QString prefix() const;
    // The file and the scene and view of the level shown (the document's
    // at depth 0).
    QString currentFile() const;
    GraphScene *currentScene() const;
    GraphView *currentView() const;
    QWidget *breadcrumbBar() const { return m_bar; }
    QAction *backAction() const { return m_back; }
    // Ctrl+Down: opens the one selected workflow node of the level shown.
    QAction *openAction() const { return m_openAction; }
    // Opens the levels down to the node with the full id `id` ("lib/sub/h")
    // and selects it there; false when it is not inside a workflow node.
    bool reveal(const QString &id);
    // Colours the open level's nodes from the run (after each batch).
    void refresh();

Q_SIGNALS:
    void depthChanged(int depth);
    // One node of an open level was selected: its full id ("lib/h"), so
    // the log and the instance list follow it as they follow the canvas.
    void nodeSelected(const QString &id);
    // "Open for Editing" opened the level's file in `window` (deleted on close).
    void editorOpened(weft::ui::MainWindow *window);

private:
    struct Level
    {
        QString id;   // the workflow node's full id: "lib", "lib/sub"
        QString file; // the file it includes
        Document *document = nullptr;
        GraphScene *scene = nullptr;
        GraphView *view = nullptr;
    };

    bool eventFilter(QObject *watched, QEvent *event) override;
    bool openFrom(const QString &id, bool showErrors);
    void rebuildBar();
    void updateOpenAction();
    void openForEditing();
    const Node *nodeAtLevel(const QString &id) const;

    MainWindow *m_window;
    StateOf m_stateOf;
    QWidget *m_container = nullptr;
    QStackedWidget *m_stack = nullptr;
    QWidget *m_bar = nullptr;
    QFrame *m_line = nullptr; // under the bar
    QHBoxLayout *m_crumbs = nullptr;
    QLabel *m_note = nullptr;
    QToolButton *m_edit = nullptr;
    QAction *m_back = nullptr;
    QAction *m_openAction = nullptr;
    QVector<Level> m_levels;
};

} // namespace weft::ui
