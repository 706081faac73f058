// SPDX-License-Identifier: Apache-2.0
#include "canvas/GroupItem.h"

#include "Theme.h"
#include "canvas/NodeItem.h"

#include <QGuiApplication>
#include <QPainter>
#include <QPalette>
#include <QStyleOptionGraphicsItem>

namespace weft::ui {

GroupItem::GroupItem(const QString &id, const QString &label, bool collapsed,
                     QVector<NodeItem *> members)
    : m_id(id)
    , m_label(label)
    , m_collapsed(collapsed)
    , m_members(std::move(members))
{
    // Behind the nodes and edges when expanded; in front of the edges that
    // end on it when collapsed (its members are hidden then).
    setZValue(collapsed ? 0.5 : -2);
    setAcceptHoverEvents(true);
    setFlag(ItemIsSelectable, false);
    for (NodeItem *member : std::as_const(m_members))
        member->setGroupItem(this);
    relayout();
}

// Touches no member: the scene may delete items in any order. It resets the
// members' pointers itself before it deletes a group (GraphScene::rebuildGroups).
GroupItem::~GroupItem() = default;

void GroupItem::relayout()
{
    QRectF members;
    for (const NodeItem *member : std::as_const(m_members))
        members |= QRectF(member->pos(), QSizeF(member->width(), NodeItem::kHeight));
    QRectF rect = m_collapsed
        ? QRectF(members.topLeft(), QSizeF(kCollapsedWidth, kCollapsedHeight))
        : members.adjusted(-kMargin, -kMargin - kTitleHeight, kMargin, kMargin);
    if (rect == m_rect)
        return;
    prepareGeometryChange();
    m_rect = rect;
    setPos(m_rect.topLeft());
}

QPointF GroupItem::inputPortScenePos() const
{
    return QPointF(m_rect.left(), m_rect.top() + kCollapsedHeight / 2);
}

QPointF GroupItem::outputPortScenePos() const
{
    return QPointF(m_rect.right(), m_rect.top() + kCollapsedHeight / 2);
}

QRectF GroupItem::toggleRect() const
{
    return QRectF(6, (m_collapsed ? 8 : 4), 14, 14);
}

QRectF GroupItem::boundingRect() const
{
    // The collapsed box's card behind sticks out 4 px up and right; its ports 4 px out.
    return QRectF(QPointF(0, 0), m_rect.size()).adjusted(-6, -6, 8, 2);
}

QString GroupItem::summary() const
{
    int running = 0, failed = 0, done = 0, other = 0;
    bool run = false;
    for (const NodeItem *member : std::as_const(m_members)) {
        switch (member->visualState().runState) {
        case RunState::None:
            break;
        case RunState::Running:
            ++running;
            run = true;
            break;
        case RunState::Failed:
            ++failed;
            run = true;
            break;
        case RunState::Succeeded:
            ++done;
            run = true;
            break;
        default:
            ++other;
            run = true;
            break;
        }
    }
    if (!run)
        return m_members.size() == 1 ? QObject::tr("1 node")
                                     : QObject::tr("%1 nodes").arg(m_members.size());
    QStringList parts;
    if (running)
        parts << QObject::tr("%1 running").arg(running);
    if (failed)
        parts << QObject::tr("%1 failed").arg(failed);
    parts << QObject::tr("%1/%2 done").arg(done).arg(m_members.size());
    Q_UNUSED(other);
    return parts.join(QStringLiteral(" · "));
}

void GroupItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const auto &c = Theme::nodeColors();
    const bool dark = Theme::isDark(QGuiApplication::palette());
    const QRectF rect(QPointF(0, 0), m_rect.size());
    painter->setRenderHint(QPainter::Antialiasing);
    QColor tint = c.selection;
    bool failed = false, running = false;
    for (const NodeItem *member : std::as_const(m_members)) {
        failed = failed || member->visualState().runState == RunState::Failed;
        running = running || member->visualState().runState == RunState::Running;
    }
    if (m_collapsed) {
        // A node-like box with a second card behind it: several nodes in one.
        QColor accent = failed ? QColor(0xd3, 0x2f, 0x2f)
                        : running ? QColor(0x2f, 0x7f, 0xd8)
                                  : tint;
        painter->setPen(QPen(accent, 1));
        painter->setBrush(c.body);
        painter->drawRoundedRect(rect.translated(4, -4), 6, 6);
        painter->setPen(QPen(accent, failed ? 3 : 2));
        painter->drawRoundedRect(rect, 6, 6);
        QColor header = accent;
        header.setAlphaF(dark ? 0.32 : 0.18);
        painter->fillRect(QRectF(1, 1, rect.width() - 2, 24), header);
    } else {
        QColor fill = tint;
        fill.setAlphaF(dark ? 0.10 : 0.06);
        QColor line = tint;
        line.setAlphaF(failed ? 1.0 : 0.6);
        painter->setPen(QPen(failed ? QColor(0xd3, 0x2f, 0x2f) : line, 1.5, Qt::DashLine));
        painter->setBrush(fill);
        painter->drawRoundedRect(rect, 10, 10);
    }
    // The toggle: ▸ collapsed, ▾ expanded.
    const QRectF toggle = toggleRect();
    painter->setPen(Qt::NoPen);
    painter->setBrush(c.text);
    const QPointF o = toggle.topLeft();
    if (m_collapsed)
        painter->drawPolygon(QPolygonF({o + QPointF(4, 2), o + QPointF(11, 7), o + QPointF(4, 12)}));
    else
        painter->drawPolygon(QPolygonF({o + QPointF(2, 4), o + QPointF(12, 4), o + QPointF(7, 11)}));
    QFont bold = painter->font();
    bold.setBold(true);
    painter->setFont(bold);
    painter->setPen(c.text);
    const qreal textLeft = toggle.right() + 6;
    painter->drawText(QRectF(textLeft, toggle.top() - 3, rect.width() - textLeft - 8, 20),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      painter->fontMetrics().elidedText(m_label, Qt::ElideRight,
                                                        int(rect.width() - textLeft - 8)));
    if (m_collapsed) {
        QFont small = painter->font();
        small.setBold(false);
        small.setPointSizeF(small.pointSizeF() * 0.9);
        painter->setFont(small);
        painter->setPen(c.mutedText);
        painter->drawText(QRectF(10, 28, rect.width() - 20, 22), Qt::AlignLeft | Qt::AlignVCenter,
                          summary());
        // Ports, where the members' edges end.
        painter->setPen(QPen(c.outline, 1));
        painter->setBrush(c.body);
        painter->drawEllipse(QPointF(0, kCollapsedHeight / 2), 4, 4);
        painter->drawEllipse(QPointF(rect.width(), kCollapsedHeight / 2), 4, 4);
    }
}

} // namespace weft::ui
