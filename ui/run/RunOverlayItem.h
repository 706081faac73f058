// SPDX-License-Identifier: Apache-2.0
#pragma once

// What a node shows while it runs, beyond the state the NodeItem paints from
// its NodeVisualState: the elapsed time and attempt ("00:03.2 · attempt 2/4")
// under the node, an indeterminate progress animation along its bottom edge
// when the operation reports no progress, and the one-off pulse of a failure.
// A child of the NodeItem, created by RunView only for nodes that need it,
// so the animation timer repaints exactly those items and nothing else.
//
// SatisfiedEdgesItem marks edges whose upstream succeeded as satisfied: the
// same curves drawn over the edges in the succeeded colour.

#include <QGraphicsItem>
#include <QPainterPath>
#include <QString>


namespace weft::ui {

class GraphScene;
class NodeItem;

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
    void updateUnlessOverview();

    QString m_caption;
    qreal m_phase = -1;
    qreal m_pulse = 0;
};

class SatisfiedEdgesItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 41 };

    // One item for all satisfied edges, between the edges and the nodes: a
    // run of 10,000 nodes adds one item to the scene, not 20,000. The scene
    // keeps which edges are satisfied (GraphScene::addSatisfied) and draws
    // them itself in the overview; this item draws them at closer zooms and
    // tells Qt which area changed.
    explicit SatisfiedEdgesItem(GraphScene *scene);

    int type() const override { return Type; }
    void clear();
    void addSucceeded(const QString &nodeId); // its outgoing edges are satisfied
    void addSucceeded(NodeItem *item);        // the same, the item known (null: nothing)
    void commit(); // once per batch: one update for all added (none in the overview)

    // The scene's fixed rectangle: its lines may be anywhere in it, and a
    // bounding rectangle that grew with them was a geometry change per batch.
    QRectF boundingRect() const override;
    // Nothing to point at: a click, a context menu or a tooltip finds the
    // edge or group under it, never this item.
    QPainterPath shape() const override { return {}; }
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QColor updateColor(); // the succeeded colour, also the scene's for the overview

    GraphScene *m_scene;
    QRectF m_added; // the area of edges added since the last commit()
};

} // namespace weft::ui
