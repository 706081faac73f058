#include "EdgeItem.h"

#include "NodeItem.h"
#include "Theme.h"

#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>

#include <cmath>

namespace weft::ui {

namespace {
constexpr qreal kArrow = 7;
}

EdgeItem::EdgeItem(NodeItem *from, NodeItem *to)
    : m_from(from)
    , m_to(to)
{
    setFlag(ItemIsSelectable);
    setZValue(-1);
    setAcceptedMouseButtons(Qt::LeftButton | Qt::RightButton);
    adjust();
}

QPainterPath EdgeItem::curve(const QPointF &start, const QPointF &end)
{
    // Horizontal tangents at both ends, as node editors draw them; a longer
    // handle for backward edges keeps the curve out of the nodes.
    const qreal dx = std::max(40.0, std::abs(end.x() - start.x()) * 0.5);
    QPainterPath path(start);
    path.cubicTo(start + QPointF(dx, 0), end - QPointF(dx, 0), end);
    return path;
}

void EdgeItem::adjust()
{
    prepareGeometryChange();
    m_start = m_from->outputPortScenePos();
    // The arrow's tip stops at the input port's rim, so the port does not hide it.
    m_end = m_to->inputPortScenePos() - QPointF(kArrow + 5, 0);
    m_path = curve(m_start, m_end);
    m_bounds = m_path.controlPointRect().adjusted(-kArrow - 2, -kArrow - 2, kArrow + 10, kArrow + 2);
}

QRectF EdgeItem::boundingRect() const
{
    return m_bounds;
}

QPainterPath EdgeItem::shape() const
{
    QPainterPathStroker stroker;
    stroker.setWidth(10);
    return stroker.createStroke(m_path);
}

void EdgeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const auto &c = Theme::nodeColors();
    const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
    const QColor color = isSelected() ? c.edgeSelected : c.edge;
    if (lod < 0.3) {
        // Far zoom: a cosmetic straight line is an order of magnitude cheaper
        // than a curve and reads the same at this size.
        painter->setPen(QPen(color, 0));
        painter->drawLine(m_start, m_end);
        return;
    }
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(color, isSelected() ? 2.5 : 1.6));
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(m_path);
    if (lod < 0.5)
        return;
    const QPointF tip = m_end + QPointF(kArrow, 0);
    const QPointF a[3] = {tip, m_end + QPointF(0, -kArrow * 0.55), m_end + QPointF(0, kArrow * 0.55)};
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawPolygon(a, 3);
}

} // namespace weft::ui
