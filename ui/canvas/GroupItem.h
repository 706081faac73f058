// SPDX-License-Identifier: Apache-2.0
#pragma once

// A group of nodes on the canvas (weft::Group, issue 19): expanded, a frame
// with a title bar behind its members; collapsed, one box in their place
// that stands for all of them. Edges to and from a collapsed group's
// members end on the box (NodeItem asks it for its ports); edges between
// its members are hidden. During a run the collapsed box sums up its
// members' states, so a large graph can be watched at two levels.
//
// The item holds no workflow data: the scene rebuilds groups from the
// document whenever they change, and the frame follows its members.

#include <QGraphicsItem>
#include <QStaticText>
#include <QString>
#include <QVector>

namespace weft::ui {

class NodeItem;

class GroupItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 5 };
    static constexpr qreal kTitleHeight = 22;
    static constexpr qreal kMargin = 14;
    static constexpr qreal kCollapsedWidth = 220;
    static constexpr qreal kCollapsedHeight = 56;

    GroupItem(const QString &id, const QString &label, bool collapsed,
              QVector<NodeItem *> members);
    ~GroupItem() override;
    int type() const override { return Type; }

    QString id() const { return m_id; }
    QString label() const { return m_label; }
    bool isCollapsed() const { return m_collapsed; }
    const QVector<NodeItem *> &members() const { return m_members; }
    bool contains(const NodeItem *node) const { return m_members.contains(node); }

    // The members moved: the frame (or the collapsed box) follows.
    void relayout();
    // Where edges of a collapsed group's members end.
    QPointF inputPortScenePos() const;
    QPointF outputPortScenePos() const;
    // The collapse/expand toggle in the title bar, in item coordinates.
    QRectF toggleRect() const;
    QString summary() const; // "5 nodes" or, during a run, "3 running · 1 failed · 1 done"

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QString m_id;
    QString m_label;
    bool m_collapsed;
    QVector<NodeItem *> m_members;
    QRectF m_rect; // in scene coordinates, the item sits at its top-left
};

} // namespace weft::ui
