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
    // Flattened at four times the scale: fine enough up to the 400 % zoom limit.
    constexpr qreal kFine = 4;
    const QList<QPolygonF> polygons = m_path.toSubpathPolygons(QTransform::fromScale(kFine, kFine));
    m_polyline = polygons.isEmpty() ? QPolygonF() : polygons.front();
    for (QPointF &p : m_polyline)
        p /= kFine;
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
    painter->setBrush(Qt::NoBrush);
    if (lod < 0.6 && !isSelected()) {
        // Below 60 % the 1.6 unit pen is about one pixel wide: a cosmetic
        // pen draws the same line without stroking the curve into a
        // polygon first, which is most of an edge's cost.
        painter->setPen(QPen(color, 0));
        painter->drawPath(m_path);
        if (lod < 0.5)
            return;
    } else {
        const qreal width = isSelected() ? 2.5 : 1.6;
        painter->setPen(QPen(color, width));
        QRectF visible = m_bounds;
        if (const QPaintDevice *device = painter->device()) {
            const QRectF deviceRect(0, 0, device->width(), device->height());
            visible = painter->worldTransform().inverted().mapRect(deviceRect);
        }
        // Consecutive segments that touch the visible rectangle, one polyline per run.
        qsizetype runStart = -1;
        for (qsizetype i = 0; i + 1 < m_polyline.size(); ++i) {
            // Padded: a horizontal segment's rectangle is empty and intersects nothing.
            const bool in = QRectF(m_polyline[i], m_polyline[i + 1])
                                .normalized()
                                .adjusted(-width, -width, width, width)
                                .intersects(visible);
            if (in && runStart < 0)
                runStart = i;
            if (!in && runStart >= 0) {
                painter->drawPolyline(m_polyline.constData() + runStart, int(i + 1 - runStart));
                runStart = -1;
            }
        }
        if (runStart >= 0)
            painter->drawPolyline(m_polyline.constData() + runStart,
                                  int(m_polyline.size() - runStart));
        if (lod < 0.5)
            return;
    }
    const QPointF tip = m_end + QPointF(kArrow, 0);
    const QPointF a[3] = {tip, m_end + QPointF(0, -kArrow * 0.55), m_end + QPointF(0, kArrow * 0.55)};
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawPolygon(a, 3);
}

} // namespace weft::ui
