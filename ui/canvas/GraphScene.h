// SPDX-License-Identifier: Apache-2.0
#pragma once

// The canvas scene: a view of a Document, keyed by node id (QtNodes' split).
// It mirrors the document through the document's signals and turns user
// gestures (drag a port, move nodes, delete) into undo commands; it never
// edits the workflow itself.
//
// For the run view: setNodeVisualState() updates one node through the
// id -> item map, with no per-item signal connection, so a drained batch of
// thousands of state changes costs one hash lookup and one update() each -
// or, inside a StateBatch, no update() each and one repaint at the end.

#include "NodeItem.h"
#include "NodeVisualState.h"

#include <weft/Workflow.h>

#include <QColor>
#include <QGraphicsScene>
#include <QHash>
#include <QSet>

#include <functional>
#include <vector>

class QGraphicsPathItem;

namespace weft::ui {

class ConcurrencyLens;
class Document;
class EdgeItem;
class GroupItem;
class NodeItem;

class GraphScene : public QGraphicsScene
{
    Q_OBJECT

public:
    explicit GraphScene(Document *document, QObject *parent = nullptr);
    ~GraphScene() override;

    Document *document() const { return m_document; }

    NodeItem *nodeItem(const QString &id) const { return m_nodes.value(id); }
    EdgeItem *edgeItem(const QString &from, const QString &to) const;
    int nodeCount() const { return int(m_nodes.size()); }
    int edgeCount() const { return m_edgeCount; }
    QRectF nodesBoundingRect() const;
    // Every node's box width in document order, for laying the document out:
    // the widths the items measured when their labels last changed.
    std::vector<double> nodeWidths() const;

    // Below kOverviewZoom the canvas is an overview: nodes are plain boxes
    // and edges straight hairlines, and the view draws them all itself, the
    // edges in one drawLines() under the items and the boxes in a few
    // drawRects() over them: 30,000 items each painting one line or box cost
    // more in per-item overhead than the drawing. Node items then paint
    // nothing but stay selectable, movable and hit-testable; edge items are
    // hidden (too small to pick at this zoom), so a frame does not visit
    // them at all. Qt repaints nothing for an item without contents, so the
    // scene repaints the overview itself when what it shows changes.
    static constexpr qreal kOverviewZoom = 0.3;
    void setOverview(bool on);
    bool overview() const { return m_overview; }
    // The edges, and over them the satisfied ones unless `satisfied` is false.
    void drawOverviewEdges(QPainter *painter, const QRectF &sceneRect, bool satisfied = true) const;
    void drawOverviewNodes(QPainter *painter, const QRectF &sceneRect) const;
    // A run's satisfied edges (those leaving a node that succeeded), drawn
    // over the edges in their own colour. The scene keeps them, not the run
    // view: in the overview it draws them with its edges, into the edge
    // layer that GraphView caches, which then adds only the lines satisfied
    // since its last frame instead of drawing 40,000 lines per frame; at
    // closer zooms the run view's item draws satisfiedLines() itself.
    void setSatisfiedColor(const QColor &color);
    void addSatisfied(NodeItem *item); // its outgoing edges; null: nothing
    void clearSatisfied();
    // The satisfied edges' EdgeItem::overviewLine()s (from the output port
    // to where the arrow's tip ends), in the order they were added: drawn in
    // the overview, they cover the edge's own line pixel for pixel.
    const std::vector<QLineF> &satisfiedLines() const;
    // Changes when satisfied lines were taken away (cleared), so that a
    // cache holding them must be drawn again.
    quint64 satisfiedGeneration() const { return m_satisfiedGeneration; }
    // Draws satisfiedLines() from index `from` on, in the overview's style.
    void drawOverviewSatisfied(QPainter *painter, const QRectF &sceneRect, std::size_t from) const;
    // What the overview shows changed: `geometry` for edges and positions,
    // false for colours (states, selection).
    void overviewChanged(bool geometry = false);
    // Counts geometry changes (positions, items), so a cache of scene
    // coordinates can tell that it is stale.
    quint64 geometryGeneration() const { return m_geometryGeneration; }
    // Changes whenever a node item is made, deleted or takes another id: a
    // NodeItem* kept from before is valid while this is the same.
    quint64 itemsGeneration() const { return m_itemsGeneration; }

    void setNodeVisualState(const QString &id, const NodeVisualState &state);
    void setNodeVisualState(NodeItem *item, const NodeVisualState &state); // null: nothing
    // Many state changes at once: Qt walks every item marked dirty when it
    // repaints, so past a few dozen changes one repaint of the whole scene is
    // cheaper (10,000 marks cost a run's first frame 10 ms at 100 %). Items
    // changed while a batch is open are repainted when it closes.
    class StateBatch
    {
    public:
        explicit StateBatch(GraphScene *scene) : m_scene(scene) { ++m_scene->m_stateBatches; }
        ~StateBatch() { m_scene->closeStateBatch(); }
        StateBatch(const StateBatch &) = delete;
        StateBatch &operator=(const StateBatch &) = delete;

    private:
        GraphScene *m_scene;
    };
    // The same across passes of the event loop: while held, node state
    // changes repaint nothing (in the overview too); release() repaints
    // once if anything changed. For a batch pushed in slices.
    void holdStateUpdates() { ++m_stateBatches; }
    void releaseStateUpdates() { closeStateBatch(); }
    // The topmost node under `scenePos` (null: none), and which of its
    // ports is there.
    NodeItem *nodeAt(const QPointF &scenePos, NodeItem::Port *port = nullptr) const;
    // The tooltip line of a node with a run state and no detail of its own,
    // asked for only when a tooltip shows: writing it for 10,000 nodes on
    // every update of a run was GUI time nobody looked at.
    using DetailProvider = std::function<QString(const QString &id)>;
    void setDetailProvider(DetailProvider provider) { m_detailProvider = std::move(provider); }
    QString detailFor(const QString &id) const
    {
        return m_detailProvider ? m_detailProvider(id) : QString();
    }
    // Why a node looks as the concurrency lens marks it, asked for only when
    // its tooltip shows (ConcurrencyLens).
    using LensReasonProvider = std::function<QString(const QString &id)>;
    void setLensReasonProvider(LensReasonProvider provider) { m_lensReason = std::move(provider); }
    QString lensReasonFor(const QString &id) const
    {
        return m_lensReason ? m_lensReason(id) : QString();
    }
    void clearVisualStates();
    ConcurrencyLens *lens() const { return m_lens; }

    QStringList selectedNodeIds() const; // in document order
    std::vector<Edge> selectedEdges() const;
    void selectNodes(const QStringList &ids);

    bool isSnapping() const { return m_snapToGrid && m_userMoving; }
    void setSnapToGrid(bool on) { m_snapToGrid = on; }
    bool snapToGrid() const { return m_snapToGrid; }
    QPointF snapped(const QPointF &pos) const;
    static constexpr qreal kGrid = 20;

    // Edits, each one undo command. They report refusals through message().
    bool connectNodes(const QString &from, const QString &to);
    QString addNode(const std::string &type, const QPointF &scenePos);
    void deleteSelection();
    void duplicateSelection();
    void disconnectNode(const QString &id);
    void nudgeSelection(const QPointF &delta);

    // Groups (weft::Group): each an undo step. groupSelection() returns the
    // new group's id, or empty (and a message) when it cannot.
    QString groupSelection();
    bool ungroup(const QString &groupId);
    bool setGroupCollapsed(const QString &groupId, bool collapsed);
    bool renameGroup(const QString &groupId, const QString &label);
    GroupItem *groupItem(const QString &id) const;
    const QVector<GroupItem *> &groupItems() const { return m_groups; }

Q_SIGNALS:
    // A transient explanation for the canvas and status bar (never modal).
    void message(const QString &text);
    void renameRequested(const QString &id);
    void groupRenameRequested(const QString &groupId);
    void nodeActivated(const QString &id);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent *event) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent *event) override;
    void contextMenuEvent(QGraphicsSceneContextMenuEvent *event) override;
    void helpEvent(QGraphicsSceneHelpEvent *event) override;

private:
    void rebuild();
    void rebuildGroups();
    bool hiddenByGroup(const EdgeItem *edge) const;
    GroupItem *groupTitleAt(const QPointF &scenePos) const;
    void clearItems();
    NodeItem *createNodeItem(const Node &node);
    void syncIncomingEdges(const QString &id);
    void removeNodeItem(const QString &id);
    EdgeItem *createEdge(NodeItem *from, NodeItem *to);
    void destroyEdge(EdgeItem *edge);
    void finishConnection(const QPointF &scenePos);
    void updateConnectionTarget(const QPointF &scenePos);

    Document *m_document;
    DetailProvider m_detailProvider;
    LensReasonProvider m_lensReason;
    ConcurrencyLens *m_lens = nullptr;
    QVector<GroupItem *> m_groups;
    QHash<QString, NodeItem *> m_nodes;
    // Needs whose source has no item yet (pasted in any order, or dangling):
    // source id -> target ids, resolved when the source appears.
    QHash<QString, QSet<QString>> m_waitingEdges;
    int m_edgeCount = 0;
    bool m_overview = false;
    bool m_overviewUpdateQueued = false;
    quint64 m_geometryGeneration = 0;
    quint64 m_itemsGeneration = 0;
    int m_stateBatches = 0;        // open StateBatch scopes
    bool m_batchedChanges = false; // a state changed inside them
    void closeStateBatch();
    // Now, or when the open state batch closes. `area` (scene) is all that
    // changed; null: everything may have.
    void repaintOverview(const QRectF &area = QRectF());
    void queueOverviewUpdate();
    // What the queued overview repaint covers: the union of the areas given
    // since the last one, or everything.
    QRectF m_overviewDamage;
    bool m_overviewDamageAll = false;
    // Every edge's overview line, rebuilt only after geometry changed: one
    // contiguous array is scanned in a fraction of the time that walking
    // 10,000 nodes' edge lists takes. The others are reused between frames:
    // fresh 20,000-entry buffers per frame were paid in page faults.
    mutable std::vector<QLineF> m_edgeLines; // order edges, then data edges
    mutable std::size_t m_orderEdgeLines = 0;
    mutable bool m_edgeLinesDirty = true;
    mutable std::vector<QLineF> m_visibleLines;
    // Satisfied edges by the id of their source node (an edit can delete a
    // node; an id then finds nothing), and their lines for the geometry of
    // m_satisfiedLinesGeometry.
    QStringList m_satisfiedNodes;
    mutable std::vector<QLineF> m_satisfiedLines;
    mutable quint64 m_satisfiedLinesGeometry = ~quint64(0);
    // The lines of every node's outgoing edges, node after node, for the
    // geometry and items of the generations below: a node that succeeds
    // copies its run of lines from here. Reading them from its edge items
    // was a cache miss per edge, 7 ms of the GUI thread in a 10,000-node run.
    mutable std::vector<QLineF> m_outLines;
    mutable quint64 m_outLinesGeometry = ~quint64(0);
    mutable quint64 m_outLinesItems = ~quint64(0);
    void updateOutLines() const;
    quint64 m_satisfiedGeneration = 0;
    QColor m_satisfiedColor;
    void drawLinesIn(QPainter *painter, const QRectF &sceneRect, const QLineF *lines,
                     std::size_t count, const QColor &color) const;
    // Every node's box with its colour (NodeItem::overviewSlot() indexes
    // it), read from the items again only after a change other than a run
    // state; a run state change recolours its one box as it is made
    // (recolourBox). The runs, one per colour (selection last), are made
    // from it after any change; they are what a frame scans. Their boxes
    // are in the viewport's coordinates for m_boxTransform, whole pixels:
    // filled under the scene's scaling transform, each box cost QPainter a
    // mapping and a float rasterisation (about a third of a 10,000-node
    // frame's canvas paint), against a plain span fill here.
    struct BoxRun
    {
        QRgb color;
        std::vector<QRect> boxes;
    };
    mutable std::vector<BoxRun> m_boxRuns;
    mutable QTransform m_boxTransform; // scene -> viewport, of the runs' boxes
    mutable std::vector<std::pair<QRgb, QRectF>> m_boxSlots;
    mutable bool m_boxSlotsDirty = true;
    mutable quint64 m_boxSlotsItems = 0; // itemsGeneration() they were read at
    void recolourBox(NodeItem *item);
    mutable bool m_boxesDirty = true;
    mutable std::vector<QRect> m_visibleBoxes;

    bool m_snapToGrid = false;
    bool m_userMoving = false;
    QHash<QString, QPointF> m_pressPositions;
    int m_nextDragId = 1;

    QString m_connectFrom;
    QGraphicsPathItem *m_connectPreview = nullptr;
    NodeItem *m_connectTarget = nullptr; // its input port is highlighted
};

} // namespace weft::ui
