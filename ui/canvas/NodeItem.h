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

namespace weft {
struct Node;
}

namespace weft::ui {

class EdgeItem;

class NodeItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 1 };
    static constexpr qreal kWidth = 180;
    static constexpr qreal kHeight = 56;
    static constexpr qreal kHeaderHeight = 28;

    explicit NodeItem(const Node &node);

    int type() const override { return Type; }
    const QString &id() const { return m_id; }
    void setFromNode(const Node &node);

    const NodeVisualState &visualState() const { return m_visual; }
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
    static QPointF portPos(Port port);
    Port portAt(const QPointF &itemPos) const;
    void setPortHighlighted(Port port);
    QPointF inputPortScenePos() const;
    QPointF outputPortScenePos() const;
    QRectF badgeRect() const;
    QString toolTipAt(const QPointF &itemPos) const;

    void addEdge(EdgeItem *edge) { m_edges.append(edge); }
    void removeEdge(EdgeItem *edge) { m_edges.removeOne(edge); }
    const QList<EdgeItem *> &edges() const { return m_edges; }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;
    void hoverEnterEvent(QGraphicsSceneHoverEvent *event) override;
    void hoverMoveEvent(QGraphicsSceneHoverEvent *event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent *event) override;

private:
    void paintPort(QPainter *painter, Port port);
    void setHoveredPort(Port port);
    void paintRunDecoration(QPainter *painter, const QRectF &rect);
    QRectF labelRect() const;
    QRectF idLineRect() const;

    QString m_id;
    QString m_label;
    QString m_typeName;
    QString m_typeSummary;
    QString m_elidedLabel;
    QString m_elidedIdLine;
    // Laid out once and reused by every paint at the same zoom: shaping two
    // lines of text per node was most of a zoomed-in frame.
    QStaticText m_labelText;
    QStaticText m_idLineText;
    QString m_iconKey;
    std::string m_group;
    std::string m_iconName;
    ExecutionSite m_site = ExecutionSite::WorkerThread;
    bool m_knownType = false;
    bool m_hovered = false;
    NodeVisualState m_visual;
    Port m_hoveredPort = Port::None;
    Port m_highlightedPort = Port::None;
    QList<EdgeItem *> m_edges;
};

} // namespace weft::ui
