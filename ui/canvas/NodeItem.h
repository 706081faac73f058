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

namespace weft {
struct Node;
}

namespace weft::ui {

class EdgeItem;
class PortItem;

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
    void setVisualState(const NodeVisualState &state);

    PortItem *inputPort() const { return m_input; }
    PortItem *outputPort() const { return m_output; }
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
    void hoverLeaveEvent(QGraphicsSceneHoverEvent *event) override;

private:
    void paintRunDecoration(QPainter *painter, const QRectF &rect);
    QRectF labelRect() const;
    QRectF idLineRect() const;

    QString m_id;
    QString m_label;
    QString m_typeName;
    QString m_typeSummary;
    QString m_elidedLabel;
    QString m_elidedIdLine;
    std::string m_group;
    std::string m_iconName;
    ExecutionSite m_site = ExecutionSite::WorkerThread;
    bool m_knownType = false;
    bool m_hovered = false;
    NodeVisualState m_visual;
    PortItem *m_input;
    PortItem *m_output;
    QList<EdgeItem *> m_edges;
};

} // namespace weft::ui
