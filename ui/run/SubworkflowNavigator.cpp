// SPDX-License-Identifier: Apache-2.0
#include "run/SubworkflowNavigator.h"

#include "Document.h"
#include "LenientReader.h"
#include "MainWindow.h"
#include "Theme.h"
#include "canvas/GraphScene.h"
#include "canvas/GraphView.h"
#include "canvas/NodeItem.h"
#include "layout/LayeredLayout.h"
#include "run/SubworkflowRun.h"

#include <weft/WorkflowFile.h>

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFrame>
#include <QGraphicsSceneMouseEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace weft::ui {

SubworkflowNavigator::SubworkflowNavigator(MainWindow *window, StateOf stateOf)
    : QObject(window)
    , m_window(window)
    , m_stateOf(std::move(stateOf))
{
    m_container = new QWidget;
    m_container->setObjectName(QStringLiteral("canvasContainer"));
    auto *layout = new QVBoxLayout(m_container);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_bar = new QWidget;
    m_bar->setObjectName(QStringLiteral("subworkflowBreadcrumb"));
    m_bar->setAutoFillBackground(true);
    m_bar->setBackgroundRole(QPalette::AlternateBase);
    auto *bar = new QHBoxLayout(m_bar);
    bar->setContentsMargins(6, 3, 8, 3);
    bar->setSpacing(2);
    m_back = new QAction(Theme::actionIcon(QStringLiteral("go-previous"), QStringLiteral("back")),
                         tr("Back to the Including Workflow"), m_container);
    m_back->setObjectName(QStringLiteral("actionSubworkflowBack"));
    m_back->setShortcuts({QKeySequence(Qt::Key_Backspace), QKeySequence(QKeySequence::Back)});
    m_back->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_back->setToolTip(tr("Back to the including workflow (Backspace, %1)")
                           .arg(QKeySequence(QKeySequence::Back).toString(QKeySequence::NativeText)));
    m_back->setEnabled(false);
    connect(m_back, &QAction::triggered, this, &SubworkflowNavigator::back);
    m_container->addAction(m_back);
    m_openAction = new QAction(tr("Open Workflow Node"), m_container);
    m_openAction->setObjectName(QStringLiteral("actionOpenSubworkflow"));
    m_openAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Down));
    m_openAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_openAction->setToolTip(tr("Open the selected workflow node's file in place (Ctrl+Down)"));
    m_openAction->setEnabled(false);
    connect(m_openAction, &QAction::triggered, this, [this] {
        const QStringList selected = currentScene()->selectedNodeIds();
        if (selected.size() == 1)
            open(selected.front());
    });
    m_container->addAction(m_openAction);
    auto *backButton = new QToolButton;
    backButton->setDefaultAction(m_back);
    backButton->setAutoRaise(true);
    bar->addWidget(backButton);
    m_crumbs = new QHBoxLayout;
    m_crumbs->setSpacing(0);
    bar->addLayout(m_crumbs);
    bar->addStretch(1);
    m_note = new QLabel;
    m_note->setObjectName(QStringLiteral("subworkflowNote"));
    m_note->setForegroundRole(QPalette::PlaceholderText);
    bar->addWidget(m_note);
    m_edit = new QToolButton;
    m_edit->setObjectName(QStringLiteral("subworkflowEditButton"));
    m_edit->setText(tr("Open for Editing"));
    m_edit->setToolTip(tr("Open this file in a window of its own, to edit it"));
    m_edit->setAutoRaise(true);
    connect(m_edit, &QToolButton::clicked, this, &SubworkflowNavigator::openForEditing);
    bar->addWidget(m_edit);
    m_bar->hide();

    m_stack = new QStackedWidget;
    m_stack->setObjectName(QStringLiteral("canvasStack"));
    // The document's canvas stays what it is: the first page of the stack.
    QWidget *canvas = window->takeCentralWidget();
    m_stack->addWidget(canvas);
    layout->addWidget(m_bar);
    m_line = new QFrame;
    m_line->setFrameShape(QFrame::HLine);
    m_line->setFrameShadow(QFrame::Plain);
    m_line->setForegroundRole(QPalette::Mid);
    m_line->hide();
    layout->addWidget(m_line);
    layout->addWidget(m_stack, 1);
    window->setCentralWidget(m_container);

    // Another document (New, Open, Revert): its levels are not these.
    connect(window->document(), &Document::aboutToReset, this, [this] { goTo(0); });
    // An edit always goes to the document (paste, the palette, undo): the
    // canvas then shows it, never changing it unseen behind a level.
    connect(window->document(), &Document::contentsChanged, this, [this] { goTo(0); });
    connect(window->scene(), &QGraphicsScene::selectionChanged, this,
            &SubworkflowNavigator::updateOpenAction);
    connect(window->scene(), &GraphScene::nodeActivated, this, [this](const QString &id) {
        if (depth() == 0)
            openFrom(id, false);
    });
}

SubworkflowNavigator::~SubworkflowNavigator() = default;

QString SubworkflowNavigator::prefix() const
{
    return m_levels.isEmpty() ? QString() : m_levels.back().id + QLatin1Char('/');
}

QString SubworkflowNavigator::currentFile() const
{
    return m_levels.isEmpty() ? m_window->document()->filePath() : m_levels.back().file;
}

GraphScene *SubworkflowNavigator::currentScene() const
{
    return m_levels.isEmpty() ? m_window->scene() : m_levels.back().scene;
}

GraphView *SubworkflowNavigator::currentView() const
{
    return m_levels.isEmpty() ? m_window->view() : m_levels.back().view;
}

const Node *SubworkflowNavigator::nodeAtLevel(const QString &id) const
{
    const Document *document = m_levels.isEmpty() ? m_window->document() : m_levels.back().document;
    return document->node(toStd(id));
}

bool SubworkflowNavigator::open(const QString &id)
{
    return openFrom(id, true);
}

bool SubworkflowNavigator::openFrom(const QString &written, bool showErrors)
{
    // A workflow node with foreach runs its file once per item, as
    // NODE[i]/ID: "each[2]" opens item 2; "each" opens its first item.
    QString id = written;
    QString item;
    if (id.endsWith(QLatin1Char(']')) && id.lastIndexOf(QLatin1Char('[')) > 0) {
        const qsizetype open = id.lastIndexOf(QLatin1Char('['));
        item = id.mid(open);
        id.truncate(open);
    }
    const Node *node = nodeAtLevel(id);
    if (node && node->foreach && item.isEmpty())
        item = QStringLiteral("[0]");
    if (node && !node->foreach)
        item.clear();
    if (!node || node->type != "workflow") {
        if (showErrors)
            currentView()->showMessage(tr("%1 is not a workflow node.").arg(id));
        return false;
    }
    QString including = currentFile();
    if (including.isEmpty()) // unsaved: its relative files are looked for from here
        including = QDir::current().filePath(QStringLiteral("untitled.weft"));
    const QString file = includedFile(*node, including);
    if (file.isEmpty()) {
        currentView()->showMessage(tr("%1 names no file to include.").arg(id));
        return false;
    }
    // Read, not validated: an included file alone is not a valid workflow
    // (its `${params.NAME}` name no node); the run checked it expanded.
    QFile in(file);
    std::string error;
    std::optional<Workflow> read;
    if (in.open(QIODevice::ReadOnly))
        read = readWorkflowLeniently(in.readAll().toStdString(), &error);
    else
        error = in.errorString().toStdString();
    if (!read) {
        currentView()->showMessage(tr("%1 could not be opened: %2")
                                       .arg(QFileInfo(file).fileName(), toQString(error)),
                                   10000);
        return false;
    }
    Workflow workflow = std::move(*read);
    if (std::any_of(workflow.nodes.begin(), workflow.nodes.end(),
                    [](const Node &n) { return !n.position; })) {
        LayoutOptions options;
        options.nodeWidths = NodeItem::widthsFor(workflow);
        const LayoutResult layout = layeredLayout(workflow, options);
        for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
            if (!workflow.nodes[i].position)
                workflow.nodes[i].position = layout.positions[i];
        }
    }

    Level level;
    level.id = prefix() + id + item;
    level.file = file;
    level.document = new Document(this);
    level.document->reset(workflow, file);
    level.scene = new GraphScene(level.document, level.document);
    const QString levelPrefix = level.id + QLatin1Char('/');
    level.scene->setDetailProvider([this, levelPrefix](const QString &inner) {
        return m_stateOf(levelPrefix + inner, true).detail;
    });
    level.scene->installEventFilter(this);
    connect(level.scene, &QGraphicsScene::selectionChanged, this,
            [this, scene = level.scene, levelPrefix] {
                updateOpenAction();
                const QStringList selected = scene->selectedNodeIds();
                if (selected.size() == 1)
                    Q_EMIT nodeSelected(levelPrefix + selected.front());
            });
    level.view = new GraphView(level.scene);
    level.view->setObjectName(QStringLiteral("subworkflowView"));
    level.view->installEventFilter(this);
    m_stack->addWidget(level.view);
    m_levels.push_back(level);
    m_stack->setCurrentWidget(level.view);
    // The document's selection would still be what Delete and the
    // inspector act on, unseen: nothing stays selected behind this view.
    m_window->scene()->clearSelection();
    rebuildBar();
    refresh();
    level.view->setFocus();
    QTimer::singleShot(0, level.view, [view = level.view] { view->fitGraph(); });
    Q_EMIT depthChanged(depth());
    return true;
}

void SubworkflowNavigator::goTo(int target)
{
    target = std::clamp(target, 0, depth());
    if (target == depth())
        return;
    while (depth() > target) {
        Level level = m_levels.takeLast();
        m_stack->removeWidget(level.view);
        delete level.view;
        delete level.document; // and its scene
    }
    m_stack->setCurrentWidget(currentView());
    rebuildBar();
    refresh();
    currentView()->setFocus();
    Q_EMIT depthChanged(depth());
}

bool SubworkflowNavigator::back()
{
    if (m_levels.isEmpty())
        return false;
    goTo(depth() - 1);
    return true;
}

bool SubworkflowNavigator::reveal(const QString &id)
{
    const QStringList parts = id.split(QLatin1Char('/'));
    if (parts.size() < 2)
        return false;
    // Stay where the node is shown already; otherwise open from the top.
    const QString path = parts.mid(0, parts.size() - 1).join(QLatin1Char('/'));
    if (m_levels.isEmpty() || m_levels.back().id != path) {
        goTo(0);
        for (qsizetype i = 0; i + 1 < parts.size(); ++i) {
            if (!openFrom(parts[i], false))
                return false;
        }
    }
    GraphScene *scene = currentScene();
    if (!scene->nodeItem(parts.back()))
        return false;
    scene->selectNodes({parts.back()});
    currentView()->centerOnNode(parts.back());
    return true;
}

void SubworkflowNavigator::refresh()
{
    if (m_levels.isEmpty())
        return;
    const Level &level = m_levels.back();
    const QString levelPrefix = level.id + QLatin1Char('/');
    GraphScene::StateBatch batch(level.scene);
    for (const Node &node : level.document->workflow().nodes) {
        const QString id = toQString(node.id);
        // No detail: asked for when a tooltip shows.
        const NodeVisualState state = m_stateOf(levelPrefix + id, false);
        level.scene->setNodeVisualState(id, state);
    }
}

void SubworkflowNavigator::updateOpenAction()
{
    const QStringList selected = currentScene()->selectedNodeIds();
    const Node *node = selected.size() == 1 ? nodeAtLevel(selected.front()) : nullptr;
    m_openAction->setEnabled(node && node->type == "workflow");
}

void SubworkflowNavigator::rebuildBar()
{
    while (QLayoutItem *item = m_crumbs->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_back->setEnabled(!m_levels.isEmpty());
    updateOpenAction();
    m_bar->setVisible(!m_levels.isEmpty());
    m_line->setVisible(!m_levels.isEmpty());
    if (m_levels.isEmpty())
        return;
    auto addSeparator = [this] {
        auto *separator = new QLabel(QStringLiteral(" › "));
        separator->setForegroundRole(QPalette::PlaceholderText);
        m_crumbs->addWidget(separator);
    };
    for (int level = 0; level <= depth(); ++level) {
        const QString text = level == 0 ? m_window->document()->displayName()
                                        : m_levels[level - 1].id.section(QLatin1Char('/'), -1);
        const QString file = level == 0 ? m_window->document()->filePath() : m_levels[level - 1].file;
        if (level > 0)
            addSeparator();
        if (level == depth()) {
            auto *current = new QLabel(QStringLiteral("<b>%1</b>").arg(text.toHtmlEscaped()));
            current->setObjectName(QStringLiteral("breadcrumbCurrent"));
            current->setToolTip(file);
            m_crumbs->addWidget(current);
            continue;
        }
        auto *crumb = new QToolButton;
        crumb->setObjectName(QStringLiteral("breadcrumb%1").arg(level));
        crumb->setText(text);
        crumb->setAutoRaise(true);
        crumb->setToolTip(file.isEmpty() ? tr("Back to %1").arg(text)
                                         : tr("Back to %1 (%2)").arg(text, file));
        connect(crumb, &QToolButton::clicked, this, [this, level] { goTo(level); });
        m_crumbs->addWidget(crumb);
    }
    m_note->setText(tr("%1 · read-only · nodes run as %2/…")
                        .arg(QFileInfo(m_levels.back().file).fileName(), m_levels.back().id));
}

void SubworkflowNavigator::openForEditing()
{
    if (m_levels.isEmpty())
        return;
    const Level &level = m_levels.back();
    auto *window = new MainWindow;
    window->setObjectName(QStringLiteral("subworkflowEditor"));
    window->setAttribute(Qt::WA_DeleteOnClose);
    if (loadWorkflowFile(level.file.toStdString()).ok()) {
        window->openFile(level.file);
    } else {
        // A file written to be included names its `${params.NAME}`, which
        // alone it does not define: it is still opened, as read here, and
        // Design Problems lists what it needs from the including file.
        window->document()->reset(level.document->workflow(), level.file);
    }
    window->show();
    Q_EMIT editorOpened(window);
}

bool SubworkflowNavigator::eventFilter(QObject *watched, QEvent *event)
{
    const bool isLevelScene = std::any_of(m_levels.cbegin(), m_levels.cend(),
                                          [watched](const Level &l) { return l.scene == watched; });
    if (isLevelScene) {
        // An included file is shown, never edited here: selection, hover
        // and tooltips pass; anything that would change it is swallowed.
        auto *scene = static_cast<GraphScene *>(watched);
        switch (event->type()) {
        case QEvent::GraphicsSceneMouseDoubleClick: {
            auto *mouse = static_cast<QGraphicsSceneMouseEvent *>(event);
            if (const NodeItem *node = scene->nodeAt(mouse->scenePos()))
                openFrom(node->id(), true);
            return true;
        }
        case QEvent::GraphicsSceneContextMenu:
        case QEvent::GraphicsSceneDragEnter:
        case QEvent::GraphicsSceneDragMove:
        case QEvent::GraphicsSceneDrop:
            return true;
        case QEvent::GraphicsSceneMouseMove: {
            auto *mouse = static_cast<QGraphicsSceneMouseEvent *>(event);
            const QGraphicsItem *grabber = scene->mouseGrabberItem();
            if (mouse->buttons() != Qt::NoButton && grabber && grabber->type() == NodeItem::Type)
                return true; // no moving
            break;
        }
        case QEvent::GraphicsSceneMousePress: {
            auto *mouse = static_cast<QGraphicsSceneMouseEvent *>(event);
            NodeItem::Port port = NodeItem::Port::None;
            if (scene->nodeAt(mouse->scenePos(), &port) && port != NodeItem::Port::None)
                return true; // no new edges
            break;
        }
        default:
            break;
        }
        return false;
    }
    const bool isLevelView = std::any_of(m_levels.cbegin(), m_levels.cend(),
                                         [watched](const Level &l) { return l.view == watched; });
    if (isLevelView && event->type() == QEvent::KeyPress) {
        // The view's own keys that edit (arrows nudge, Delete removes).
        const auto *key = static_cast<QKeyEvent *>(event);
        switch (key->key()) {
        case Qt::Key_Left:
        case Qt::Key_Right:
        case Qt::Key_Up:
        case Qt::Key_Down:
        case Qt::Key_Delete:
            return !(key->modifiers() & (Qt::ControlModifier | Qt::AltModifier));
        default:
            break;
        }
    }
    return QObject::eventFilter(watched, event);
}

} // namespace weft::ui
