#include "PortItem.h"

#include "NodeItem.h"
#include "Theme.h"

#include <QPainter>
#include <QStyleOptionGraphicsItem>

namespace weft::ui {

namespace {
constexpr qreal kRadius = 5;
constexpr qreal kHoverRadius = 7.5;
constexpr qreal kHitRadius = 10; // generous target for the mouse
} // namespace

PortItem::PortItem(Direction direction, NodeItem *node)
    : QGraphicsItem(node)
    , m_direction(direction)
    , m_node(node)
{
    setAcceptHoverEvents(true);
    setCursor(direction == Direction::Output ? Qt::CrossCursor : Qt::ArrowCursor);
    setToolTip(direction == Direction::Output
                   ? QObject::tr("Drag to an input to make a node run after this one")
                   : QObject::tr("Input: this node runs after every node connected here"));
}

void PortItem::setHighlighted(bool on)
{
    if (on == m_highlighted)
        return;
    m_highlighted = on;
    update();
}

QRectF PortItem::boundingRect() const
{
    return {-kHitRadius, -kHitRadius, 2 * kHitRadius, 2 * kHitRadius};
}

QPainterPath PortItem::shape() const
{
    QPainterPath path;
    path.addEllipse(boundingRect());
    return path;
}

void PortItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    if (option->levelOfDetailFromTransform(painter->worldTransform()) < 0.45)
        return; // far zoom: the node box alone carries the shape
    const auto &c = Theme::nodeColors();
    const qreal r = (m_hovered || m_highlighted) ? kHoverRadius : kRadius;
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(c.body, 1.5));
    painter->setBrush((m_hovered || m_highlighted) ? c.selection : c.port);
    painter->drawEllipse(QPointF(0, 0), r, r);
}

void PortItem::hoverEnterEvent(QGraphicsSceneHoverEvent *)
{
    m_hovered = true;
    update();
}

void PortItem::hoverLeaveEvent(QGraphicsSceneHoverEvent *)
{
    m_hovered = false;
    update();
}

} // namespace weft::ui
