// SPDX-License-Identifier: Apache-2.0
#include "GraphScene.h"

#include "Document.h"
#include "ConcurrencyLens.h"
#include "EdgeItem.h"
#include "GroupItem.h"
#include "NodeItem.h"
#include "NodeReferences.h"
#include "Theme.h"
#include "UndoCommands.h"

#include <weft/Operation.h>
#include <weft/Validator.h>

#include <QGraphicsPathItem>
#include <QGraphicsSceneContextMenuEvent>
#include <QGraphicsSceneHelpEvent>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsView>
#include <QMenu>
#include <QToolTip>

#include <algorithm>
#include <set>
#include <utility>

namespace weft::ui {

GraphScene::GraphScene(Document *document, QObject *parent)
    : QGraphicsScene(parent)
    , m_document(document)
{
    // No index: bench_ui_editor measured repaints faster with NoIndex than
    // with the BSP tree at almost every zoom (10,000 nodes, 20,000 edges),
    // and a BSP tree is rebuilt from scratch - a GUI stall of hundreds of
    // ms - whenever enough items are added or change geometry, as during a
    // run. A hit test scanning 30,000 bounding rectangles costs about a
    // millisecond.
    setItemIndexMethod(NoIndex);
    // A fixed scene rectangle, as large as the view's: without one the scene
    // grows its own from itemsBoundingRect(), a pass over all 30,000 items
    // after any geometry change (an overlay added, the satisfied edges
    // growing), which was 10-17 ms of every run tick at 10,000 nodes.
    setSceneRect(QRectF(-50000, -50000, 100000, 100000));
    connect(this, &QGraphicsScene::selectionChanged, this, [this] { overviewChanged(); });
    // Select one node: the lens shows what may run beside it.
    m_lens = new ConcurrencyLens(this, document, this);
    connect(this, &QGraphicsScene::selectionChanged, this, [this] {
        const QStringList selected = selectedNodeIds();
        m_lens->setFocus(selected.size() == 1 ? selected.front() : QString());
    });
    connect(document, &Document::aboutToReset, this, &GraphScene::clearItems);
    connect(document, &Document::resetDone, this, &GraphScene::rebuild);
    connect(document, &Document::groupsChanged, this, &GraphScene::rebuildGroups);
    connect(document, &Document::nodeAdded, this, [this](const QString &id) {
        const Node *node = m_document->node(toStd(id));
        if (!node || m_nodes.contains(id))
            return;
        createNodeItem(*node);
        syncIncomingEdges(id);
        const QSet<QString> waiting = m_waitingEdges.take(id);
        for (const QString &target : waiting)
            syncIncomingEdges(target);
    });
    connect(document, &Document::nodeRemoved, this, &GraphScene::removeNodeItem);
    connect(document, &Document::nodeChanged, this, [this](const QString &id) {
        if (NodeItem *item = m_nodes.value(id)) {
            if (const Node *node = m_document->node(toStd(id)))
                item->setFromNode(*node);
            overviewChanged(); // the operation, so the group colour, may have changed
            // References in its strings are needs too: they may have changed.
            syncIncomingEdges(id);
        }
    });
    connect(document, &Document::nodeRenamed, this,
            [this](const QString &oldId, const QString &newId) {
                NodeItem *item = m_nodes.take(oldId);
                if (!item)
                    return;
                ++m_itemsGeneration;
                // Edges are re-derived from needs: the rename command updates
                // the needs that named the old id right after this.
                const QList<EdgeItem *> edges = item->edges();
                for (EdgeItem *edge : edges) {
                    if (edge->from() == item)
                        m_waitingEdges[oldId].insert(edge->to()->id());
                    destroyEdge(edge);
                }
                m_nodes.insert(newId, item);
                if (const Node *node = m_document->node(toStd(newId)))
                    item->setFromNode(*node);
                syncIncomingEdges(newId);
                const QSet<QString> waiting = m_waitingEdges.take(newId);
                for (const QString &target : waiting)
                    syncIncomingEdges(target);
            });
    connect(document, &Document::needsChanged, this, &GraphScene::syncIncomingEdges);
    connect(document, &Document::positionChanged, this, [this](const QString &id) {
        NodeItem *item = m_nodes.value(id);
        const Node *node = m_document->node(toStd(id));
        if (item && node && node->position)
            item->setPos(node->position->x, node->position->y);
    });
    rebuild();
}

GraphScene::~GraphScene()
{
    // QGraphicsScene's destructor removes the items and so emits
    // selectionChanged; by then this part of the object is gone, so no
    // handler may run: neither the scene's own nor another object's that
    // asks it back (the subworkflow navigator's, calling selectedNodeIds()
    // on what is only a QGraphicsScene by then: undefined behaviour that
    // UBSan found as a window closed in tst_history). QObject's destructor
    // unblocks signals again to send destroyed().
    blockSignals(true);
    // Items reference each other (edges <-> nodes); drop the map before
    // QGraphicsScene deletes them in arbitrary order.
    m_nodes.clear();
}

EdgeItem *GraphScene::edgeItem(const QString &from, const QString &to) const
{
    NodeItem *target = m_nodes.value(to);
    if (!target)
        return nullptr;
    for (EdgeItem *edge : target->edges()) {
        if (edge->to() == target && edge->from()->id() == from)
            return edge;
    }
    return nullptr;
}

QRectF GraphScene::nodesBoundingRect() const
{
    QRectF rect;
    for (const NodeItem *item : m_nodes)
        rect |= item->sceneBoundingRect();
    return rect;
}

std::vector<double> GraphScene::nodeWidths() const
{
    std::vector<double> widths;
    widths.reserve(m_document->workflow().nodes.size());
    for (const Node &node : m_document->workflow().nodes) {
        const NodeItem *item = m_nodes.value(toQString(node.id));
        widths.push_back(item ? item->width() : NodeItem::widthFor(node));
    }
    return widths;
}

void GraphScene::setOverview(bool on)
{
    if (on == m_overview)
        return;
    m_overview = on;
    // Every item changes: repaint everything once, which also makes Qt's
    // per-item bookkeeping below return at once. Without it each edge hidden
    // was added to the view's dirty region, 20,000 rectangles unioned one by
    // one: 220 ms to zoom out to the overview at 10,000 nodes.
    update();
    for (NodeItem *node : std::as_const(m_nodes)) {
        node->setFlag(QGraphicsItem::ItemHasNoContents, on);
        for (EdgeItem *edge : node->edges()) {
            if (edge->from() == node)
                edge->setVisible(!on && !hiddenByGroup(edge));
        }
    }
    update();
}

void GraphScene::overviewChanged(bool geometry)
{
    if (geometry) {
        m_edgeLinesDirty = true;
        ++m_geometryGeneration;
    }
    m_boxesDirty = true;
    m_boxSlotsDirty = true;
    repaintOverview();
}

void GraphScene::repaintOverview(const QRectF &area)
{
    if (!m_overview)
        return;
    if (area.isNull())
        m_overviewDamageAll = true;
    else
        m_overviewDamage |= area;
    if (m_stateBatches > 0) {
        m_batchedChanges = true; // repainted when the batch closes
        return;
    }
    queueOverviewUpdate();
}

void GraphScene::queueOverviewUpdate()
{
    if (m_overviewUpdateQueued)
        return;
    // One repaint for a whole batch of changes (a run's tick, a selection,
    // a document reset), after the batch.
    m_overviewUpdateQueued = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_overviewUpdateQueued = false;
            // Only the area that changed, when that is known: a run's batch
            // recolours a band of layers, and the view then blits that much
            // of its edge layer and fills only those boxes (1.0 and 0.8 ms
            // of a 3.3 ms frame when the whole canvas is redrawn at 10,000
            // nodes). Qt widens the area by two pixels, which covers a box
            // rounded to whole pixels and a line's aliased pixels.
            const QRectF area = std::exchange(m_overviewDamage, QRectF());
            const bool all = std::exchange(m_overviewDamageAll, false) || area.isNull();
            if (m_overview)
                update(all ? QRectF() : area);
        },
        Qt::QueuedConnection);
}

void GraphScene::drawOverviewEdges(QPainter *painter, const QRectF &sceneRect, bool satisfied) const
{
    if (!m_overview)
        return;
    if (m_edgeLinesDirty) {
        // Order edges first, data edges after them: two runs, two pens.
        m_edgeLines.clear();
        m_edgeLines.reserve(std::size_t(m_edgeCount));
        std::vector<QLineF> data;
        for (const NodeItem *node : std::as_const(m_nodes)) {
            for (const EdgeItem *edge : node->edges()) {
                if (edge->from() == node && !hiddenByGroup(edge))
                    (edge->isData() ? data : m_edgeLines).push_back(edge->overviewLine());
            }
        }
        m_orderEdgeLines = m_edgeLines.size();
        m_edgeLines.insert(m_edgeLines.end(), data.begin(), data.end());
        m_edgeLinesDirty = false;
    }
    const auto &colors = Theme::nodeColors();
    drawLinesIn(painter, sceneRect, m_edgeLines.data(), m_orderEdgeLines, colors.edge);
    drawLinesIn(painter, sceneRect, m_edgeLines.data() + m_orderEdgeLines,
                m_edgeLines.size() - m_orderEdgeLines, colors.dataEdge);
    if (satisfied)
        drawOverviewSatisfied(painter, sceneRect, 0);
}

void GraphScene::drawLinesIn(QPainter *painter, const QRectF &sceneRect, const QLineF *lines,
                             std::size_t count, const QColor &color) const
{
    m_visibleLines.clear();
    for (std::size_t i = 0; i < count; ++i) {
        // Inflated: the box of a horizontal or vertical line is empty, and
        // an empty rectangle intersects nothing (such edges went missing).
        const QRectF box = QRectF(lines[i].p1(), lines[i].p2()).normalized().adjusted(-1, -1, 1, 1);
        if (box.intersects(sceneRect))
            m_visibleLines.push_back(lines[i]);
    }
    if (m_visibleLines.empty())
        return;
    painter->save();
    // Aliased hairlines: at this zoom an edge is a pixel or two wide, and
    // the satisfied lines drawn over them later must cover exactly the
    // same pixels (GraphView's edge layer adds them to a finished frame).
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->setPen(QPen(color, 0));
    painter->drawLines(m_visibleLines.data(), int(m_visibleLines.size()));
    painter->restore();
}

void GraphScene::setSatisfiedColor(const QColor &color)
{
    if (color == m_satisfiedColor)
        return;
    m_satisfiedColor = color;
    ++m_satisfiedGeneration; // every line drawn so far has the old colour
    repaintOverview(); // the lines only: the boxes are as they were
}

void GraphScene::updateOutLines() const
{
    if (m_outLinesGeometry == m_geometryGeneration && m_outLinesItems == m_itemsGeneration)
        return;
    m_outLines.clear();
    m_outLines.reserve(std::size_t(m_edgeCount));
    for (NodeItem *node : std::as_const(m_nodes)) {
        const std::size_t begin = m_outLines.size();
        for (const EdgeItem *edge : node->edges()) {
            if (edge->from() == node)
                m_outLines.push_back(edge->overviewLine());
        }
        node->setOutLines(int(begin), int(m_outLines.size() - begin));
    }
    m_outLinesGeometry = m_geometryGeneration;
    m_outLinesItems = m_itemsGeneration;
}

void GraphScene::addSatisfied(NodeItem *item)
{
    if (!item)
        return;
    updateOutLines();
    const int count = item->outLinesCount();
    if (count == 0)
        return;
    m_satisfiedNodes.append(item->id());
    if (m_satisfiedLinesGeometry != m_geometryGeneration)
        return; // satisfiedLines() makes them all again from the ids
    const QLineF *lines = m_outLines.data() + item->outLinesBegin();
    m_satisfiedLines.insert(m_satisfiedLines.end(), lines, lines + count);
    if (!m_overview)
        return;
    // The view adds the lines to its edge layer at the next frame, which
    // must show where they go. That frame is the one the node's own recolour
    // asks for: a repaint of its own here was a second frame for every batch
    // of a run. Widened by a unit, as Qt drops an empty area, and a level
    // line's is.
    for (int i = 0; i < count; ++i)
        m_overviewDamage |= QRectF(lines[i].p1(), lines[i].p2()).normalized().adjusted(-1, -1, 1, 1);
}

void GraphScene::clearSatisfied()
{
    if (m_satisfiedNodes.isEmpty())
        return;
    m_satisfiedNodes.clear();
    m_satisfiedLines.clear();
    ++m_satisfiedGeneration;
    repaintOverview(); // the lines only: the boxes are as they were
}

const std::vector<QLineF> &GraphScene::satisfiedLines() const
{
    if (m_satisfiedLinesGeometry != m_geometryGeneration) {
        updateOutLines();
        m_satisfiedLines.clear();
        for (const QString &id : m_satisfiedNodes) {
            const NodeItem *item = m_nodes.value(id);
            if (!item)
                continue;
            const QLineF *lines = m_outLines.data() + item->outLinesBegin();
            m_satisfiedLines.insert(m_satisfiedLines.end(), lines, lines + item->outLinesCount());
        }
        m_satisfiedLinesGeometry = m_geometryGeneration;
    }
    return m_satisfiedLines;
}

void GraphScene::drawOverviewSatisfied(QPainter *painter, const QRectF &sceneRect,
                                       std::size_t from) const
{
    const std::vector<QLineF> &lines = satisfiedLines();
    if (from < lines.size())
        drawLinesIn(painter, sceneRect, lines.data() + from, lines.size() - from, m_satisfiedColor);
}

namespace {

// `box` in the viewport, its edges rounded to whole pixels as an aliased fill
// of the scene box would round them, and never thinner than a pixel: at the
// smallest zoom a box is a dot, not nothing.
QRect viewportBox(const QTransform &transform, const QRectF &box)
{
    const QRectF mapped = transform.mapRect(box);
    const int left = qRound(mapped.left());
    const int top = qRound(mapped.top());
    const int right = std::max(left + 1, qRound(mapped.right()));
    const int bottom = std::max(top + 1, qRound(mapped.bottom()));
    return QRect(QPoint(left, top), QPoint(right - 1, bottom - 1));
}

} // namespace

void GraphScene::drawOverviewNodes(QPainter *painter, const QRectF &sceneRect) const
{
    if (!m_overview)
        return;
    if (m_boxSlotsDirty || m_boxSlotsItems != m_itemsGeneration) {
        m_boxSlots.clear();
        m_boxSlots.reserve(std::size_t(m_nodes.size()));
        for (NodeItem *node : std::as_const(m_nodes)) {
            if (!node->isVisible()) {
                node->setOverviewSlot(-1); // in a collapsed group, which draws itself
                continue;
            }
            node->setOverviewSlot(int(m_boxSlots.size()));
            m_boxSlots.emplace_back(node->overviewColor().rgba(),
                                    QRectF(node->pos(), QSizeF(node->width(), NodeItem::kHeight)));
        }
        m_boxSlotsDirty = false;
        m_boxSlotsItems = m_itemsGeneration;
        m_boxesDirty = true;
    }
    const QTransform transform = painter->worldTransform();
    if (transform != m_boxTransform) {
        m_boxTransform = transform;
        m_boxesDirty = true;
    }
    if (m_boxesDirty) {
        // A few colours (groups, run states, selection): one run of boxes
        // per colour, each drawn with one brush (sorting 10,000 boxes by
        // colour took a millisecond or two of each frame of a run). The
        // runs keep their memory between rebuilds.
        for (BoxRun &run : m_boxRuns)
            run.boxes.clear();
        std::size_t last = 0;
        for (const auto &[color, box] : m_boxSlots) {
            if (last >= m_boxRuns.size() || m_boxRuns[last].color != color) {
                last = 0;
                while (last < m_boxRuns.size() && m_boxRuns[last].color != color)
                    ++last;
                if (last == m_boxRuns.size())
                    m_boxRuns.push_back(BoxRun{color, {}});
            }
            m_boxRuns[last].boxes.push_back(viewportBox(transform, box));
        }
        // Colours no node has any more go; selected boxes are drawn last, over
        // their neighbours.
        const QRgb selection = Theme::nodeColors().selection.rgba();
        m_boxRuns.erase(std::remove_if(m_boxRuns.begin(), m_boxRuns.end(),
                                       [](const BoxRun &run) { return run.boxes.empty(); }),
                        m_boxRuns.end());
        std::stable_partition(m_boxRuns.begin(), m_boxRuns.end(),
                              [selection](const BoxRun &run) { return run.color != selection; });
        m_boxesDirty = false;
    }
    // Whole pixels past the exposed area's edges: a box cut by it is drawn.
    const QRect exposed = transform.mapRect(sceneRect).toAlignedRect();
    painter->save();
    painter->resetTransform();
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->setPen(Qt::NoPen);
    for (const BoxRun &run : m_boxRuns) {
        m_visibleBoxes.clear();
        for (const QRect &box : run.boxes) {
            if (box.intersects(exposed))
                m_visibleBoxes.push_back(box);
        }
        painter->setBrush(QColor::fromRgba(run.color));
        painter->drawRects(m_visibleBoxes.data(), int(m_visibleBoxes.size()));
    }
    painter->restore();
}

void GraphScene::setNodeVisualState(const QString &id, const NodeVisualState &state)
{
    setNodeVisualState(m_nodes.value(id), state);
}

void GraphScene::setNodeVisualState(NodeItem *item, const NodeVisualState &state)
{
    if (!item || !item->setVisualState(state, m_stateBatches == 0))
        return;
    m_batchedChanges |= m_stateBatches > 0;
    recolourBox(item);
}

void GraphScene::recolourBox(NodeItem *item)
{
    m_boxesDirty = true;
    if (!m_overview) {
        // Nothing draws the boxes now: read them all again when they are
        // drawn next.
        m_boxSlotsDirty = true;
    } else if (!m_boxSlotsDirty) {
        // Now, while the item is in cache from the change just made: read
        // at the next frame instead, each box was a pointer chase again, and
        // a run's start (every box back to pending) read them all anew
        // (3.5-10 ms of that frame against 1.2-2.8 for the others).
        const int slot = item->overviewSlot();
        if (slot >= 0 && std::size_t(slot) < m_boxSlots.size())
            m_boxSlots[std::size_t(slot)].first = item->overviewColor().rgba();
    }
    repaintOverview(QRectF(item->pos(), QSizeF(item->width(), NodeItem::kHeight)));
}

void GraphScene::closeStateBatch()
{
    if (--m_stateBatches > 0 || !m_batchedChanges)
        return;
    m_batchedChanges = false;
    if (m_overview)
        queueOverviewUpdate();
    else
        update();
}

void GraphScene::clearVisualStates()
{
    const StateBatch batch(this);
    for (NodeItem *item : std::as_const(m_nodes)) {
        if (item->setVisualState({}, false)) {
            m_batchedChanges = true;
            recolourBox(item);
        }
    }
}

void GraphScene::clearItems()
{
    ++m_itemsGeneration;
    if (m_connectPreview) {
        delete m_connectPreview;
        m_connectPreview = nullptr;
        m_connectFrom.clear();
    }
    m_groups.clear(); // the items go with clear() below; nodes forget them first
    for (NodeItem *node : std::as_const(m_nodes))
        node->setGroupItem(nullptr);
    m_nodes.clear();
    m_waitingEdges.clear();
    m_edgeCount = 0;
    m_edgeLinesDirty = true;
    ++m_geometryGeneration;
    m_boxesDirty = true;
    m_satisfiedNodes.clear(); // the run view's item goes with clear() below
    m_satisfiedLines.clear();
    ++m_satisfiedGeneration;
    m_connectTarget = nullptr;
    clear();
}

void GraphScene::rebuild()
{
    clearItems();
    const auto &nodes = m_document->workflow().nodes;
    for (const Node &node : nodes) {
        if (!m_nodes.contains(toQString(node.id)))
            createNodeItem(node);
    }
    for (const Node &node : nodes)
        syncIncomingEdges(toQString(node.id));
    rebuildGroups();
}

bool GraphScene::hiddenByGroup(const EdgeItem *edge) const
{
    const GroupItem *from = edge->from()->groupItem();
    return from && from->isCollapsed() && from == edge->to()->groupItem();
}

GroupItem *GraphScene::groupItem(const QString &id) const
{
    for (GroupItem *group : m_groups)
        if (group->id() == id)
            return group;
    return nullptr;
}

void GraphScene::rebuildGroups()
{
    // Groups are few and change by whole edits (group, collapse, ungroup):
    // their items are made anew from the document each time.
    for (NodeItem *node : std::as_const(m_nodes)) {
        node->setGroupItem(nullptr);
        node->setVisible(true);
    }
    for (GroupItem *group : std::as_const(m_groups)) {
        removeItem(group);
        delete group;
    }
    m_groups.clear();
    for (const Group &group : m_document->workflow().groups) {
        QVector<NodeItem *> members;
        for (const std::string &id : group.nodes)
            if (NodeItem *node = m_nodes.value(toQString(id)))
                members << node;
        if (members.isEmpty())
            continue;
        auto *item = new GroupItem(toQString(group.id), toQString(group.displayName()),
                                   group.collapsed, members);
        addItem(item);
        m_groups << item;
        if (group.collapsed) {
            for (NodeItem *node : std::as_const(members)) {
                node->setSelected(false);
                node->setVisible(false);
            }
        }
    }
    for (NodeItem *node : std::as_const(m_nodes)) {
        for (EdgeItem *edge : node->edges()) {
            if (edge->from() != node)
                continue;
            edge->adjust();
            edge->setVisible(!m_overview && !hiddenByGroup(edge));
        }
    }
    overviewChanged(true);
}

QString GraphScene::groupSelection()
{
    const QStringList ids = selectedNodeIds();
    if (ids.size() < 2) {
        Q_EMIT message(tr("Select two or more nodes to group them"));
        return {};
    }
    for (const QString &id : ids) {
        if (const Group *in = m_document->groupOf(toStd(id))) {
            Q_EMIT message(tr("%1 is already in group “%2”: ungroup it first")
                               .arg(id, toQString(in->displayName())));
            return {};
        }
    }
    std::vector<Group> groups = m_document->workflow().groups;
    Group group;
    int n = int(groups.size()) + 1;
    auto taken = [&groups](const std::string &id) {
        return std::any_of(groups.begin(), groups.end(),
                           [&id](const Group &g) { return g.id == id; });
    };
    do
        group.id = "group_" + std::to_string(n++);
    while (taken(group.id));
    for (const QString &id : ids)
        group.nodes.push_back(toStd(id));
    groups.push_back(group);
    m_document->undoStack()->push(new SetGroupsCommand(
        m_document, std::move(groups), tr("Group %n node(s)", nullptr, int(ids.size()))));
    return toQString(group.id);
}

bool GraphScene::ungroup(const QString &groupId)
{
    std::vector<Group> groups = m_document->workflow().groups;
    const auto it = std::find_if(groups.begin(), groups.end(),
                                 [&](const Group &g) { return g.id == toStd(groupId); });
    if (it == groups.end())
        return false;
    const QStringList members = [&] {
        QStringList ids;
        for (const std::string &id : it->nodes)
            ids << toQString(id);
        return ids;
    }();
    const QString label = toQString(it->displayName());
    groups.erase(it);
    m_document->undoStack()->push(
        new SetGroupsCommand(m_document, std::move(groups), tr("Ungroup %1").arg(label)));
    selectNodes(members);
    return true;
}

bool GraphScene::setGroupCollapsed(const QString &groupId, bool collapsed)
{
    std::vector<Group> groups = m_document->workflow().groups;
    for (Group &g : groups) {
        if (g.id != toStd(groupId))
            continue;
        if (g.collapsed == collapsed)
            return false;
        g.collapsed = collapsed;
        const QString label = toQString(g.displayName());
        m_document->undoStack()->push(new SetGroupsCommand(
            m_document, std::move(groups),
            collapsed ? tr("Collapse %1").arg(label) : tr("Expand %1").arg(label)));
        return true;
    }
    return false;
}

bool GraphScene::renameGroup(const QString &groupId, const QString &label)
{
    std::vector<Group> groups = m_document->workflow().groups;
    for (Group &g : groups) {
        if (g.id != toStd(groupId))
            continue;
        const std::string text = label.trimmed().toStdString();
        if (g.label == text)
            return false;
        g.label = text == g.id ? std::string() : text;
        m_document->undoStack()->push(new SetGroupsCommand(
            m_document, std::move(groups), tr("Rename group to %1").arg(label.trimmed())));
        return true;
    }
    return false;
}

NodeItem *GraphScene::createNodeItem(const Node &node)
{
    auto *item = new NodeItem(node);
    ++m_itemsGeneration;
    item->setFlag(QGraphicsItem::ItemHasNoContents, m_overview);
    if (node.position)
        item->setPos(node.position->x, node.position->y);
    addItem(item);
    overviewChanged(true);
    m_nodes.insert(item->id(), item);
    return item;
}

void GraphScene::syncIncomingEdges(const QString &id)
{
    NodeItem *target = m_nodes.value(id);
    const Node *node = m_document->node(toStd(id));
    if (!target || !node)
        return;
    // Needs, and the nodes the node's strings refer to: each reference is an
    // implied need, drawn as a data edge.
    QHash<QString, QStringList> wanted;
    QSet<QString> needed;
    for (const std::string &need : node->needs) {
        wanted.insert(toQString(need), {});
        needed.insert(toQString(need));
    }
    for (const auto &[source, references] : dataReferences(*node))
        wanted.insert(toQString(source), references);
    const QList<EdgeItem *> edges = target->edges();
    for (EdgeItem *edge : edges) {
        if (edge->to() != target)
            continue;
        const auto it = wanted.constFind(edge->from()->id());
        if (it == wanted.cend()) {
            destroyEdge(edge);
            continue;
        }
        if (edge->dataReferences() != *it)
            overviewChanged(true); // the overview draws data edges apart
        edge->setDataReferences(*it);
        edge->setNeeded(needed.contains(it.key()));
        wanted.erase(it);
    }
    for (auto it = wanted.cbegin(); it != wanted.cend(); ++it) {
        const QString &source = it.key();
        if (NodeItem *from = m_nodes.value(source); from && from != target) {
            EdgeItem *edge = createEdge(from, target);
            edge->setDataReferences(it.value());
            edge->setNeeded(needed.contains(source));
        } else if (!from) {
            m_waitingEdges[source].insert(id);
        }
    }
}

void GraphScene::removeNodeItem(const QString &id)
{
    NodeItem *item = m_nodes.take(id);
    if (!item)
        return;
    ++m_itemsGeneration;
    if (m_connectFrom == id) {
        delete m_connectPreview;
        m_connectPreview = nullptr;
        m_connectFrom.clear();
    }
    if (m_connectTarget && m_connectTarget == item)
        m_connectTarget = nullptr;
    const QList<EdgeItem *> edges = item->edges();
    for (EdgeItem *edge : edges) {
        if (edge->from() == item)
            m_waitingEdges[id].insert(edge->to()->id()); // a dangling need, if it stays
        destroyEdge(edge);
    }
    for (auto it = m_waitingEdges.begin(); it != m_waitingEdges.end(); ++it)
        it->remove(id);
    m_pressPositions.remove(id);
    delete item;
    overviewChanged(true);
}

EdgeItem *GraphScene::createEdge(NodeItem *from, NodeItem *to)
{
    auto *edge = new EdgeItem(from, to);
    edge->setVisible(!m_overview && !hiddenByGroup(edge));
    from->addEdge(edge);
    to->addEdge(edge);
    addItem(edge);
    ++m_edgeCount;
    overviewChanged(true);
    return edge;
}

void GraphScene::destroyEdge(EdgeItem *edge)
{
    edge->from()->removeEdge(edge);
    edge->to()->removeEdge(edge);
    --m_edgeCount;
    delete edge;
    overviewChanged(true);
}

QStringList GraphScene::selectedNodeIds() const
{
    QSet<QString> selected;
    for (QGraphicsItem *item : selectedItems()) {
        if (auto *node = qgraphicsitem_cast<NodeItem *>(item))
            selected.insert(node->id());
    }
    QStringList ids;
    for (const Node &node : m_document->workflow().nodes) {
        const QString id = toQString(node.id);
        if (selected.contains(id))
            ids.append(id);
    }
    return ids;
}

std::vector<Edge> GraphScene::selectedEdges() const
{
    std::vector<Edge> edges;
    for (QGraphicsItem *item : selectedItems()) {
        if (auto *edge = qgraphicsitem_cast<EdgeItem *>(item))
            edges.push_back({toStd(edge->from()->id()), toStd(edge->to()->id())});
    }
    return edges;
}

void GraphScene::selectNodes(const QStringList &ids)
{
    clearSelection();
    for (const QString &id : ids) {
        if (NodeItem *item = m_nodes.value(id))
            item->setSelected(true);
    }
}

QPointF GraphScene::snapped(const QPointF &pos) const
{
    return {std::round(pos.x() / kGrid) * kGrid, std::round(pos.y() / kGrid) * kGrid};
}

bool GraphScene::connectNodes(const QString &from, const QString &to)
{
    if (from == to) {
        Q_EMIT message(tr("A node cannot run after itself."));
        return false;
    }
    const Node *target = m_document->node(toStd(to));
    if (!target || !m_document->contains(toStd(from)))
        return false;
    if (std::find(target->needs.begin(), target->needs.end(), toStd(from)) != target->needs.end()) {
        Q_EMIT message(tr("%1 already runs after %2.").arg(to, from));
        return false;
    }
    const std::vector<std::string> path =
        pathClosedByEdge(m_document->workflow(), toStd(from), toStd(to));
    if (!path.empty()) {
        QStringList names;
        for (const std::string &id : path)
            names.append(toQString(id));
        names.append(to);
        Q_EMIT message(tr("Not connected: %1 → %2 would close the cycle %3.")
                           .arg(from, to, names.join(QStringLiteral(" → "))));
        return false;
    }
    m_document->undoStack()->push(SetNeedsCommand::connect(m_document, toStd(from), toStd(to)));
    return true;
}

QString GraphScene::addNode(const std::string &type, const QPointF &scenePos)
{
    const OperationType *op = OperationRegistry::builtin().find(type);
    if (!op)
        return {};
    Node node;
    node.type = type;
    node.id = uniqueNodeId(m_document->workflow(), type);
    for (const ParamDecl &param : op->params) {
        // Required parameters start from their default (or an empty value of
        // their kind) so the form shows them; optional ones stay absent.
        if (!param.required)
            continue;
        if (!param.defaultValue.is_null())
            node.params[param.name] = param.defaultValue;
    }
    const QPointF topLeft =
        snapped(scenePos - QPointF(NodeItem::widthFor(node) / 2, NodeItem::kHeight / 2));
    node.position = Position{topLeft.x(), topLeft.y()};
    m_document->undoStack()->push(new AddNodesCommand(
        m_document, {node}, tr("Add %1").arg(toQString(node.id))));
    const QString id = toQString(node.id);
    selectNodes({id});
    return id;
}

void GraphScene::deleteSelection()
{
    const QStringList ids = selectedNodeIds();
    std::vector<Edge> edges = selectedEdges();
    // Edges to or from deleted nodes go with their nodes.
    std::erase_if(edges, [&ids](const Edge &e) {
        return ids.contains(toQString(e.from)) || ids.contains(toQString(e.to));
    });
    if (ids.isEmpty() && edges.empty())
        return;
    QUndoStack *stack = m_document->undoStack();
    const bool both = !ids.isEmpty() && !edges.empty();
    if (both)
        stack->beginMacro(tr("Delete selection"));
    if (!edges.empty())
        stack->push(SetNeedsCommand::disconnect(m_document, edges));
    if (!ids.isEmpty()) {
        std::vector<std::string> stdIds;
        for (const QString &id : ids)
            stdIds.push_back(toStd(id));
        stack->push(new RemoveNodesCommand(m_document, stdIds));
    }
    if (both)
        stack->endMacro();
}

void GraphScene::duplicateSelection()
{
    const QStringList ids = selectedNodeIds();
    if (ids.isEmpty())
        return;
    Workflow scratch = m_document->workflow();
    std::map<std::string, std::string> renamed;
    std::vector<Node> copies;
    for (const QString &id : ids) {
        Node copy = *m_document->node(toStd(id));
        copy.id = uniqueNodeId(scratch, copy.id);
        renamed[toStd(id)] = copy.id;
        const Position p = copy.position.value_or(Position{});
        copy.position = Position{p.x + 40, p.y + 40};
        scratch.nodes.push_back(copy);
        copies.push_back(copy);
    }
    for (Node &copy : copies) {
        std::vector<std::string> needs;
        for (const std::string &need : copy.needs) {
            const auto it = renamed.find(need);
            // Inside the selection: follow the copy. Outside: keep the dependency.
            needs.push_back(it == renamed.end() ? need : it->second);
        }
        copy.needs = needs;
        // A copy of a node that read another copied node's output reads the copy's.
        renameReferences(copy, renamed);
    }
    QStringList newIds;
    for (const Node &copy : copies)
        newIds.append(toQString(copy.id));
    m_document->undoStack()->push(new AddNodesCommand(
        m_document, copies,
        copies.size() == 1 ? tr("Duplicate %1").arg(ids.front())
                           : tr("Duplicate %1 nodes").arg(copies.size())));
    selectNodes(newIds);
}

void GraphScene::disconnectNode(const QString &id)
{
    NodeItem *item = m_nodes.value(id);
    if (!item || item->edges().isEmpty())
        return;
    std::vector<Edge> edges;
    for (EdgeItem *edge : item->edges())
        edges.push_back({toStd(edge->from()->id()), toStd(edge->to()->id())});
    auto *command = SetNeedsCommand::disconnect(m_document, edges);
    command->setText(tr("Disconnect %1").arg(id));
    m_document->undoStack()->push(command);
}

void GraphScene::nudgeSelection(const QPointF &delta)
{
    const QStringList ids = selectedNodeIds();
    if (ids.isEmpty())
        return;
    MoveNodesCommand::Positions before, after;
    for (const QString &id : ids) {
        const Node *node = m_document->node(toStd(id));
        const Position p = node->position.value_or(Position{});
        before[node->id] = node->position;
        after[node->id] = Position{p.x + delta.x(), p.y + delta.y()};
    }
    // Drag id 0: consecutive nudges of the same nodes merge into one step.
    m_document->undoStack()->push(new MoveNodesCommand(m_document, before, after, 0));
}

NodeItem *GraphScene::nodeAt(const QPointF &scenePos, NodeItem::Port *port) const
{
    const QList<QGraphicsItem *> hits = items(scenePos);
    for (QGraphicsItem *hit : hits) {
        if (auto *node = qgraphicsitem_cast<NodeItem *>(hit)) {
            if (port)
                *port = node->portAt(node->mapFromScene(scenePos));
            return node;
        }
    }
    return nullptr;
}

void GraphScene::mousePressEvent(QGraphicsSceneMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && !nodeAt(event->scenePos())) {
        // The ▸/▾ in a group's title bar collapses and expands it.
        for (GroupItem *group : std::as_const(m_groups)) {
            if (group->toggleRect().adjusted(-3, -3, 3, 3).contains(
                    group->mapFromScene(event->scenePos()))) {
                setGroupCollapsed(group->id(), !group->isCollapsed());
                event->accept();
                return;
            }
        }
    }
    if (event->button() == Qt::LeftButton) {
        NodeItem::Port port = NodeItem::Port::None;
        NodeItem *node = nodeAt(event->scenePos(), &port);
        if (node && port == NodeItem::Port::Output) {
            m_connectFrom = node->id();
            m_connectPreview = new QGraphicsPathItem;
            QPen pen(Theme::nodeColors().selection, 2, Qt::DashLine);
            m_connectPreview->setPen(pen);
            m_connectPreview->setZValue(10);
            addItem(m_connectPreview);
            updateConnectionTarget(event->scenePos());
            event->accept();
            return;
        }
    }
    QGraphicsScene::mousePressEvent(event);
    if (event->button() == Qt::LeftButton) {
        m_userMoving = true;
        m_pressPositions.clear();
        for (QGraphicsItem *item : selectedItems()) {
            if (auto *node = qgraphicsitem_cast<NodeItem *>(item))
                m_pressPositions.insert(node->id(), node->pos());
        }
    }
}

void GraphScene::updateConnectionTarget(const QPointF &scenePos)
{
    NodeItem *source = m_nodes.value(m_connectFrom);
    if (!source || !m_connectPreview)
        return;
    NodeItem *target = nodeAt(scenePos);
    NodeItem *highlight = target && target != source ? target : nullptr;
    if (highlight != m_connectTarget) {
        if (m_connectTarget)
            m_connectTarget->setPortHighlighted(NodeItem::Port::None);
        m_connectTarget = highlight;
        if (m_connectTarget)
            m_connectTarget->setPortHighlighted(NodeItem::Port::Input);
    }
    const QPointF end = highlight ? target->inputPortScenePos() : scenePos;
    m_connectPreview->setPath(EdgeItem::curve(source->outputPortScenePos(), end));
}

void GraphScene::mouseMoveEvent(QGraphicsSceneMouseEvent *event)
{
    if (m_connectPreview) {
        updateConnectionTarget(event->scenePos());
        event->accept();
        return;
    }
    QGraphicsScene::mouseMoveEvent(event);
}

void GraphScene::finishConnection(const QPointF &scenePos)
{
    const QString from = m_connectFrom;
    delete m_connectPreview;
    m_connectPreview = nullptr;
    m_connectFrom.clear();
    if (m_connectTarget)
        m_connectTarget->setPortHighlighted(NodeItem::Port::None);
    m_connectTarget = nullptr;
    NodeItem *target = nodeAt(scenePos);
    if (!target)
        return; // dropped on the empty canvas: nothing to connect
    if (target->id() == from)
        return; // a click on the port, or a drag back onto the same node
    connectNodes(from, target->id());
}

void GraphScene::mouseReleaseEvent(QGraphicsSceneMouseEvent *event)
{
    if (m_connectPreview) {
        finishConnection(event->scenePos());
        event->accept();
        return;
    }
    QGraphicsScene::mouseReleaseEvent(event);
    if (event->button() != Qt::LeftButton || !m_userMoving)
        return;
    m_userMoving = false;
    MoveNodesCommand::Positions before, after;
    for (auto it = m_pressPositions.cbegin(); it != m_pressPositions.cend(); ++it) {
        NodeItem *item = m_nodes.value(it.key());
        if (!item || item->pos() == it.value())
            continue;
        const Node *node = m_document->node(toStd(it.key()));
        if (!node)
            continue;
        before[node->id] = node->position;
        after[node->id] = Position{item->pos().x(), item->pos().y()};
    }
    m_pressPositions.clear();
    if (!after.empty())
        m_document->undoStack()->push(
            new MoveNodesCommand(m_document, before, after, m_nextDragId++));
}

GroupItem *GraphScene::groupTitleAt(const QPointF &scenePos) const
{
    for (GroupItem *group : m_groups) {
        const QPointF p = group->mapFromScene(scenePos);
        const QRectF title = group->isCollapsed()
            ? QRectF(QPointF(0, 0), group->boundingRect().size())
            : QRectF(0, 0, group->boundingRect().width(), GroupItem::kTitleHeight);
        if (title.contains(p))
            return group;
    }
    return nullptr;
}

void GraphScene::mouseDoubleClickEvent(QGraphicsSceneMouseEvent *event)
{
    if (NodeItem *node = nodeAt(event->scenePos())) {
        Q_EMIT nodeActivated(node->id());
        event->accept();
        return;
    }
    if (GroupItem *group = groupTitleAt(event->scenePos())) {
        setGroupCollapsed(group->id(), !group->isCollapsed());
        event->accept();
        return;
    }
    QGraphicsScene::mouseDoubleClickEvent(event);
}

void GraphScene::contextMenuEvent(QGraphicsSceneContextMenuEvent *event)
{
    QGraphicsItem *hit = itemAt(event->scenePos(), QTransform());
    QMenu menu;
    if (auto *node = qgraphicsitem_cast<NodeItem *>(hit)) {
        if (!node->isSelected()) {
            clearSelection();
            node->setSelected(true);
        }
        const QString id = node->id();
        menu.addAction(tr("Rename…"), this, [this, id] { Q_EMIT renameRequested(id); });
        menu.addAction(tr("Duplicate"), this, &GraphScene::duplicateSelection);
        QAction *disconnectAction =
            menu.addAction(tr("Disconnect"), this, [this, id] { disconnectNode(id); });
        disconnectAction->setEnabled(!node->edges().isEmpty());
        menu.addSeparator();
        menu.addAction(tr("If This Fails…"), this, [this, id] {
            const ConcurrencyLens::FailurePreview p = m_lens->previewFailure(id);
            Q_EMIT message(
                tr("If %1 fails: %n node(s) that need it are skipped under both policies (dimmed); ",
                   nullptr, int(p.dependants.size()))
                    .arg(id)
                + tr("%n other(s) run anyway under keep-going and are skipped under stop unless "
                     "already started (outlined).",
                     nullptr, int(p.independent.size())));
        });
        menu.addSeparator();
        menu.addAction(tr("Delete"), this, &GraphScene::deleteSelection);
    } else if (auto *group = qgraphicsitem_cast<GroupItem *>(hit)) {
        const QString id = group->id();
        const bool collapsed = group->isCollapsed();
        menu.addAction(collapsed ? tr("Expand") : tr("Collapse"), this,
                       [this, id, collapsed] { setGroupCollapsed(id, !collapsed); });
        menu.addAction(tr("Rename Group…"), this, [this, id] { Q_EMIT groupRenameRequested(id); });
        QAction *select = menu.addAction(tr("Select Members"), this, [this, group] {
            QStringList ids;
            for (const NodeItem *node : group->members())
                ids << node->id();
            selectNodes(ids);
        });
        select->setEnabled(!collapsed);
        menu.addSeparator();
        menu.addAction(tr("Ungroup"), this, [this, id] { ungroup(id); });
    } else if (auto *edge = qgraphicsitem_cast<EdgeItem *>(hit)) {
        const Edge e{toStd(edge->from()->id()), toStd(edge->to()->id())};
        if (edge->isNeeded()) {
            menu.addAction(tr("Delete Edge %1 → %2").arg(edge->from()->id(), edge->to()->id()),
                           this, [this, e] {
                               m_document->undoStack()->push(
                                   SetNeedsCommand::disconnect(m_document, {e}));
                           });
        } else {
            // Only a reference links them: deleting "the edge" would mean
            // editing a parameter the person did not point at.
            QAction *info = menu.addAction(tr("Data edge: remove %1 from %2 to disconnect")
                                               .arg(edge->dataReferences().join(QStringLiteral(", ")),
                                                    edge->to()->id()));
            info->setEnabled(false);
        }
    } else {
        QGraphicsScene::contextMenuEvent(event);
        return;
    }
    menu.exec(event->screenPos());
    event->accept();
}

void GraphScene::helpEvent(QGraphicsSceneHelpEvent *event)
{
    NodeItem *node = nodeAt(event->scenePos());
    if (!node) {
        for (QGraphicsItem *hit : items(event->scenePos())) {
            if (auto *edge = qgraphicsitem_cast<EdgeItem *>(hit)) {
                QToolTip::showText(event->screenPos(), edge->toolTip(), event->widget());
                event->accept();
                return;
            }
        }
        QGraphicsScene::helpEvent(event);
        return;
    }
    QToolTip::showText(event->screenPos(), node->toolTipAt(node->mapFromScene(event->scenePos())),
                       event->widget());
    event->accept();
}

} // namespace weft::ui
