#pragma once

// What a node shows while it runs, beyond the state the NodeItem paints from
// its NodeVisualState: the elapsed time and attempt ("00:03.2 · attempt 2/4")
// under the node, an indeterminate progress animation along its bottom edge
// when the operation reports no progress, and the one-off pulse of a failure.
// A child of the NodeItem, created by RunView only for nodes that need it,
// so the animation timer repaints exactly those items and nothing else.
//
// EdgeDecoration marks an edge whose upstream succeeded as satisfied: the
// same curve drawn over the edge in the succeeded colour.

#include <QGraphicsItem>
#include <QString>

namespace weft::ui {

class EdgeItem;

class RunOverlayItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 40 };

    explicit RunOverlayItem(QGraphicsItem *node);

    int type() const override { return Type; }
    void setCaption(const QString &caption);
    void setPhase(qreal phase); // 0..1 along the bottom edge, -1: no animation
    void setPulse(qreal pulse); // 0..1 halo strength, 0: none
    const QString &caption() const { return m_caption; }
    qreal pulse() const { return m_pulse; }

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QString m_caption;
    qreal m_phase = -1;
    qreal m_pulse = 0;
};

class EdgeDecoration : public QGraphicsItem
{
public:
    enum { Type = UserType + 41 };

    explicit EdgeDecoration(EdgeItem *edge);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    EdgeItem *m_edge;
};

} // namespace weft::ui
