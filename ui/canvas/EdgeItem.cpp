// SPDX-License-Identifier: Apache-2.0
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

QPointF EdgeItem::curveEnd(const QPointF &inputPort)
{
    // The arrow's tip stops at the input port's rim, so the port does not hide it.
    return inputPort - QPointF(kArrow + 5, 0);
}

void EdgeItem::drawWide(QPainter *painter, const QPainterPath &path, qreal lod, const QColor &color,
                        qreal width)
{
    // Qt rasterises a wide antialiased line directly, while a wide curve is
    // stroked into an outline and filled: five times the cost, and most of a
    // frame at 100 % and above, where long edges cross the viewport. Square
    // caps close the joints; the result matches the stroked curve.
    QRectF visible = path.controlPointRect();
    if (const QPaintDevice *device = painter->device()) {
        const QRectF deviceRect(0, 0, device->width(), device->height());
        visible = painter->worldTransform().inverted().mapRect(deviceRect);
    }
    visible.adjust(-width, -width, width, width);
    const QList<QPolygonF> flat = path.toSubpathPolygons(QTransform::fromScale(lod, lod));
    if (flat.isEmpty())
        return;
    const QPolygonF &points = flat.front();
    QVarLengthArray<QLineF, 128> segments;
    for (qsizetype i = 0; i + 1 < points.size(); ++i) {
        const QPointF a = points[i] / lod;
        const QPointF b = points[i + 1] / lod;
        // Padded: a horizontal segment's rectangle is empty and intersects nothing.
        if (QRectF(a, b).normalized().adjusted(-1, -1, 1, 1).intersects(visible))
            segments.append(QLineF(a, b));
    }
    painter->setPen(QPen(color, width, Qt::SolidLine, Qt::SquareCap));
    painter->drawLines(segments.constData(), int(segments.size()));
}

void EdgeItem::setDataReferences(const QStringList &references)
{
    if (references == m_references)
        return;
    m_references = references;
    update();
}

QString EdgeItem::toolTip() const
{
    const QString ends = QStringLiteral("%1 → %2").arg(m_from->id(), m_to->id());
    if (m_references.isEmpty())
        return QObject::tr("%1: runs after").arg(ends);
    QString tip = QObject::tr("%1: data: %2").arg(ends, m_references.join(QStringLiteral(", ")));
    if (!m_needed)
        tip += QObject::tr("\n(implied by the reference; remove it to disconnect)");
    return tip;
}

void EdgeItem::adjust()
{
    prepareGeometryChange();
    m_start = m_from->outputPortScenePos();
    m_end = curveEnd(m_to->inputPortScenePos());
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
    const bool data = isData();
    const QColor color = isSelected() ? c.edgeSelected : data ? c.dataEdge : c.edge;
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
        // Below 60 % the 1.6 unit pen is about one pixel wide: a hairline
        // draws the same line without stroking the curve into a polygon.
        painter->setPen(QPen(color, 0));
        painter->drawPath(m_path);
        if (lod < 0.5)
            return;
    } else {
        drawWide(painter, m_path, lod, color, isSelected() ? 2.5 : data ? 2.4 : 1.6);
    }
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    if (data) {
        // A wider, notched arrow and a dot at the source: a data edge differs
        // from an order edge in shape, not only in colour.
        const QPointF tip = m_end + QPointF(kArrow + 1, 0);
        const QPointF a[4] = {tip, m_end + QPointF(-1, -kArrow * 0.75), m_end + QPointF(2, 0),
                              m_end + QPointF(-1, kArrow * 0.75)};
        painter->drawPolygon(a, 4);
        painter->drawEllipse(m_start + QPointF(8, 0), 2.6, 2.6);
        return;
    }
    const QPointF tip = m_end + QPointF(kArrow, 0);
    const QPointF a[3] = {tip, m_end + QPointF(0, -kArrow * 0.55), m_end + QPointF(0, kArrow * 0.55)};
    painter->drawPolygon(a, 3);
}

} // namespace weft::ui
