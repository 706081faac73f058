// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QGraphicsItem>
#include <QPainterPath>
#include <QStringList>

namespace weft::ui {

class NodeItem;

// "to runs after from": a cubic curve from the output port of `from` to the
// input port of `to`, with a small arrowhead. The scene owns it; the two
// node items call adjust() when they move.
//
// A data edge (`to` refers to an output of `from`, which implies the need)
// is drawn in the data colour, wider, with a dot where it leaves `from`:
// shape as well as colour, so it reads without colour too. An edge that is
// both a need and a reference is a data edge.
class EdgeItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 3 };

    EdgeItem(NodeItem *from, NodeItem *to);

    int type() const override { return Type; }
    NodeItem *from() const { return m_from; }
    // The references that make it a data edge ("${a.obj}"); empty: order only.
    void setDataReferences(const QStringList &references);
    const QStringList &dataReferences() const { return m_references; }
    bool isData() const { return !m_references.isEmpty(); }
    // Declared in `needs` (a data edge may be implied by references alone).
    void setNeeded(bool needed) { m_needed = needed; }
    bool isNeeded() const { return m_needed; }
    QString toolTip() const;
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
    QStringList m_references;
    bool m_needed = true;
    QPointF m_start;
    QPointF m_end;
    QPainterPath m_path; // built when an end moves, never per paint
    QRectF m_bounds;
};

} // namespace weft::ui
