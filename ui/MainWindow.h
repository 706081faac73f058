// SPDX-License-Identifier: Apache-2.0
#pragma once

// The editor window: canvas in the centre, palette (left), inspector
// (right), problems (bottom, tabbed: the run view adds its log and timeline
// docks beside it with addBottomDock()). File handling, clipboard, layout
// and the prompts that guard unsaved work live here.
//
// The prompts are replaceable hooks (Hooks) so tests can answer them
// without a modal event loop.

#include <QMainWindow>
#include <QMessageBox>

#include <functional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QToolBar;

namespace weft::ui {

class Autosave;
class Document;
class GraphScene;
class GraphView;
class InspectorDock;
class PaletteDock;
class ProblemsDock;
class RecentFiles;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    struct Hooks
    {
        // Save / Discard / Cancel before losing unsaved changes.
        std::function<QMessageBox::StandardButton(const QString &documentName)> askToSave;
        // True to recover the described autosave snapshot.
        std::function<bool(const QString &description)> offerRecovery;
        std::function<void(const QString &title, const QString &text)> showError;
        std::function<bool(const QString &text)> confirm;
        // An empty string cancels.
        std::function<QString(const QString &suggestedPath)> chooseSavePath;
        std::function<QString()> chooseOpenPath;
    };

    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    Document *document() const { return m_document; }
    GraphScene *scene() const { return m_scene; }
    GraphView *view() const { return m_view; }
    PaletteDock *paletteDock() const { return m_palette; }
    InspectorDock *inspectorDock() const { return m_inspector; }
    ProblemsDock *problemsDock() const { return m_problems; }
    Autosave *autosave() const { return m_autosave; }
    Hooks &hooks() { return m_hooks; }
    QMenu *runMenu() const { return m_runMenu; }
    QToolBar *toolBar() const { return m_toolBar; }

    // Adds a dock to the bottom area, tabbed with the problems dock, and
    // its toggle to the View menu.
    void addBottomDock(QDockWidget *dock);

    // Loads a file (asks about unsaved changes first). A file that fails to
    // load leaves an empty document that keeps the path, with its
    // diagnostics in the problems dock. Returns true when loaded.
    bool openFile(const QString &path);
    bool saveToFile(const QString &path);
    bool save();
    bool saveAs();
    void newDocument();
    void revert();
    // Offers the newest autosave left by a window that did not close
    // cleanly. Called once after start-up.
    bool offerRecovery();

    void copySelection();
    void cutSelection();
    bool pasteText(const QString &text);
    void layoutGraph();

    static QStringList exampleFiles();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void createActions();
    void createMenus();
    void createDocks();
    void updateTitle();
    void updateStatus();
    void updateActions();
    bool maybeSave();
    void loadInto(const QString &path, bool rememberRecent);
    void showStatusMessage(const QString &text);
    void addFromPalette(const QString &type);
    void focusNode(const QString &id);
    void readSettings();
    void writeSettings();
    QAction *makeAction(const char *objectName, const QString &text, const QKeySequence &shortcut,
                        const QIcon &icon = {});

    Hooks m_hooks;
    Document *m_document;
    GraphScene *m_scene;
    GraphView *m_view;
    PaletteDock *m_palette;
    InspectorDock *m_inspector;
    ProblemsDock *m_problems;
    Autosave *m_autosave;
    RecentFiles *m_recent;
    QToolBar *m_toolBar = nullptr;
    QMenu *m_viewMenu = nullptr;
    QMenu *m_runMenu = nullptr;
    QMenu *m_recentMenu = nullptr;
    QAction *m_docksSeparator = nullptr;
    QLabel *m_countsLabel;
    QLabel *m_zoomLabel;
    QLabel *m_problemsLabel;
    QString m_lastPasted;
    int m_pasteCount = 0;
};

} // namespace weft::ui
