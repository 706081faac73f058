// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QGraphicsItem>
#include <QPainterPath>

namespace weft::ui {

class NodeItem;

// "to runs after from": a cubic curve from the output port of `from` to the
// input port of `to`, with a small arrowhead. The scene owns it; the two
// node items call adjust() when they move.
class EdgeItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 3 };

    EdgeItem(NodeItem *from, NodeItem *to);

    int type() const override { return Type; }
    NodeItem *from() const { return m_from; }
    NodeItem *to() const { return m_to; }
    void adjust();
    // The straight line drawn for the edge at far zoom (scene coordinates).
    QLineF overviewLine() const { return {m_start, m_end}; }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    // The curve between two scene points, shared with the drag preview.
    static QPainterPath curve(const QPointF &start, const QPointF &end);
    // Where the curve into an input port ends and its arrowhead begins.
    static QPointF curveEnd(const QPointF &inputPort);
    // Draws a wide antialiased `path` at level of detail `lod` as straight
    // segments flattened for that scale, only those inside the viewport.
    static void drawWide(QPainter *painter, const QPainterPath &path, qreal lod, const QColor &color,
                         qreal width);

private:
    NodeItem *m_from;
    NodeItem *m_to;
    QPointF m_start;
    QPointF m_end;
    QPainterPath m_path; // built when an end moves, never per paint
    QRectF m_bounds;
};

} // namespace weft::ui
