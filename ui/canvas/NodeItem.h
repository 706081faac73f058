// SPDX-License-Identifier: Apache-2.0
#pragma once

// One workflow node on the canvas. It paints from two values only: the
// node's editor data (id, label, operation) and a NodeVisualState that the
// run view sets. It holds no signal connections (10,000 of them would be
// fan-out the scene does not need): the scene updates it through its
// id -> item map.

#include "NodeVisualState.h"

#include <weft/Operation.h>

#include <QGraphicsItem>
#include <QIcon>
#include <QList>
#include <QStaticText>

#include <vector>

namespace weft {
struct Node;
struct Workflow;
}

namespace weft::ui {

class EdgeItem;

class GroupItem;

class NodeItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 1 };
    // A box is as wide as its label and id line need, in steps of the grid
    // (so right ports stay on it), from the minimum (short labels do not make
    // tiny boxes) to the maximum (beyond which the text is elided and the
    // tooltip holds all of it).
    static constexpr qreal kMinWidth = 180;
    static constexpr qreal kMaxWidth = 360;
    static constexpr qreal kWidthStep = 20;
    static constexpr qreal kHeight = 56;
    static constexpr qreal kHeaderHeight = 28;

    explicit NodeItem(const Node &node);

    int type() const override { return Type; }
    const QString &id() const { return m_id; }
    const QString &label() const { return m_label; }
    // Measured once per change of the node's text, never while painting.
    qreal width() const { return m_width; }
    // The text as painted: the whole label, or its elided form beyond kMaxWidth.
    const QString &shownLabel() const { return m_elidedLabel; }
    const QString &shownIdLine() const { return m_elidedIdLine; }
    // The width a box for `node` takes, for layouts of nodes with no item yet.
    static qreal widthFor(const Node &node);
    static std::vector<double> widthsFor(const Workflow &workflow);
    void setFromNode(const Node &node);

    const NodeVisualState &visualState() const { return m_visual; }

    // The concurrency lens (ConcurrencyLens.h): the selected node, what may
    // run beside it, and what never can. None: no lens.
    enum class Lens { None, Focus, Beside, Apart };

    // The group this node is drawn in (GroupItem.h), or null. While the
    // group is collapsed the node is hidden and its edges end on the group.
    GroupItem *groupItem() const { return m_groupItem; }
    void setGroupItem(GroupItem *group) { m_groupItem = group; }
    Lens lens() const { return m_lens; }
    // Returns whether it changed; `repaint` false leaves the repaint to the caller.
    bool setLens(Lens lens, bool repaint = true);
    // Returns whether the state changed.
    // `repaint` false: the caller repaints the scene itself (a batch).
    bool setVisualState(const NodeVisualState &state, bool repaint = true);
    // The group colour, or the run state's once the node has one.
    QColor accentColor() const;
    // The node's plain box at far zoom: its accent, or the selection colour.
    QColor overviewColor() const;

    // The input (left) and output (right) ports are painted and hit-tested
    // by the node itself: 20,000 child items for them cost more per frame
    // than the nodes. Edges are dragged from an output to an input.
    enum class Port { None, Input, Output };
    static constexpr qreal kPortHitRadius = 10; // generous target for the mouse
    QPointF portPos(Port port) const;
    Port portAt(const QPointF &itemPos) const;
    void setPortHighlighted(Port port);
    QPointF inputPortScenePos() const;
    QPointF outputPortScenePos() const;
    QRectF badgeRect() const;
    // A fan-out node (`foreach`): drawn as a stack of cards, with a pill on
    // its top edge saying what it maps over, or done/total while it runs.
    bool isFanOut() const { return m_fanOut; }
    bool isSubworkflow() const { return m_subworkflow; }
    QString fanOutText() const; // what the pill says now
    QRectF fanOutPillRect() const;
    QString toolTipAt(const QPointF &itemPos) const;

    void addEdge(EdgeItem *edge) { m_edges.append(edge); }
    void removeEdge(EdgeItem *edge) { m_edges.removeOne(edge); }
    const QList<EdgeItem *> &edges() const { return m_edges; }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    // Where the scene keeps this node's overview box (GraphScene); -1: none.
    int overviewSlot() const { return m_overviewSlot; }
    void setOverviewSlot(int slot) { m_overviewSlot = slot; }
    // Where the lines of the edges leaving this node start in the scene's
    // table of them (GraphScene::updateOutLines), and how many there are.
    int outLinesBegin() const { return m_outLinesBegin; }
    int outLinesCount() const { return m_outLinesCount; }
    void setOutLines(int begin, int count)
    {
        m_outLinesBegin = begin;
        m_outLinesCount = count;
    }

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;
    void hoverEnterEvent(QGraphicsSceneHoverEvent *event) override;
    void hoverMoveEvent(QGraphicsSceneHoverEvent *event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent *event) override;

private:
    void setWidth(qreal width);
    void paintPort(QPainter *painter, Port port);
    void setHoveredPort(Port port);
    void paintRunDecoration(QPainter *painter, const QRectF &rect);
    void paintFanOutPill(QPainter *painter, qreal lod);
    QRectF labelRect() const;
    QRectF idLineRect() const;
    QRectF boxRect() const { return {0, 0, m_width, kHeight}; }

    QString m_id;
    QString m_label;
    QString m_typeName;
    QString m_typeSummary;
    QString m_elidedLabel;
    QString m_elidedIdLine;
    qreal m_width = kMinWidth;
    // Laid out once and reused by every paint at the same zoom: shaping two
    // lines of text per node was most of a zoomed-in frame.
    QStaticText m_labelText;
    QStaticText m_idLineText;
    QString m_iconKey;
    std::string m_group;
    std::string m_iconName;
    ExecutionSite m_site = ExecutionSite::WorkerThread;
    bool m_knownType = false;
    bool m_fanOut = false;
    bool m_subworkflow = false; // a `workflow` node: drawn as a stack, like a fan-out
    QString m_subworkflowFile;
    QString m_foreachSummary; // "foreach src/*.c", elided
    bool m_hovered = false;
    NodeVisualState m_visual;
    Lens m_lens = Lens::None;
    GroupItem *m_groupItem = nullptr;
    Port m_hoveredPort = Port::None;
    Port m_highlightedPort = Port::None;
    QList<EdgeItem *> m_edges;
    int m_overviewSlot = -1;
    int m_outLinesBegin = 0;
    int m_outLinesCount = 0;
};

} // namespace weft::ui
