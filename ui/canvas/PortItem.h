#pragma once

#include <QGraphicsItem>

namespace weft::ui {

class NodeItem;

// The input (left) or output (right) port of a node: a small circle that
// grows on hover. Edges are dragged from an output to an input.
class PortItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 2 };
    enum class Direction { Input, Output };

    PortItem(Direction direction, NodeItem *node);

    int type() const override { return Type; }
    Direction direction() const { return m_direction; }
    NodeItem *node() const { return m_node; }
    void setHighlighted(bool on);

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    void hoverEnterEvent(QGraphicsSceneHoverEvent *event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent *event) override;

private:
    Direction m_direction;
    NodeItem *m_node;
    bool m_hovered = false;
    bool m_highlighted = false;
};

} // namespace weft::ui
