// SPDX-License-Identifier: Apache-2.0
#include "NodeItem.h"

#include "Document.h"
#include "EdgeItem.h"
#include "GraphScene.h"
#include "Theme.h"

#include <weft/Workflow.h>

#include <QFontMetricsF>
#include <QGuiApplication>
#include <QGraphicsSceneHoverEvent>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

namespace weft::ui {

namespace {

constexpr qreal kRadius = 7;
constexpr qreal kIcon = 16;
constexpr qreal kBadge = 14;
constexpr qreal kPortRadius = 5;
constexpr qreal kPortHoverRadius = 7.5;

QColor runStateColor(RunState state)
{
    switch (state) {
    case RunState::Running:
        return QColor(0x2f, 0x7f, 0xd8);
    case RunState::Succeeded:
        return QColor(0x2e, 0x9d, 0x4f);
    case RunState::Failed:
        return QColor(0xd3, 0x2f, 0x2f);
    case RunState::Cancelled:
        return QColor(0xe0, 0x9b, 0x1a);
    case RunState::Pending:
    case RunState::Waiting:
    case RunState::Skipped:
    case RunState::None:
        break;
    }
    return QColor(0x8a, 0x8a, 0x8a);
}

QFont labelFont()
{
    QFont font = QGuiApplication::font();
    font.setBold(true);
    return font;
}

QFont idFont()
{
    QFont font = QGuiApplication::font();
    font.setPointSizeF(font.pointSizeF() * 0.88);
    return font;
}

struct Shapes
{
    QPainterPath body;
    QPainterPath header;
    QPainterPath strip;

    static Shapes make(const QRectF &rect)
    {
        Shapes s;
        s.body.addRoundedRect(rect, kRadius, kRadius);
        QPainterPath band;
        band.addRect(QRectF(rect.left(), rect.top(), rect.width(), NodeItem::kHeaderHeight));
        s.header = s.body.intersected(band);
        QPainterPath edge;
        edge.addRect(QRectF(rect.left(), rect.top(), 4, rect.height()));
        s.strip = s.body.intersected(edge);
        return s;
    }
};

} // namespace

QRectF NodeItem::labelRect() const
{
    const qreal left = 10 + kIcon + 6;
    return {left, 0, badgeRect().left() - left - 6, kHeaderHeight};
}

QRectF NodeItem::idLineRect() const
{
    return {12, kHeaderHeight, kWidth - 24, kHeight - kHeaderHeight - 2};
}

NodeItem::NodeItem(const Node &node)
{
    setFlags(ItemIsSelectable | ItemIsMovable | ItemSendsGeometryChanges);
    setAcceptHoverEvents(true);
    setFromNode(node);
}

QPointF NodeItem::portPos(Port port)
{
    return port == Port::Output ? QPointF(kWidth, kHeaderHeight) : QPointF(0, kHeaderHeight);
}

NodeItem::Port NodeItem::portAt(const QPointF &itemPos) const
{
    for (const Port port : {Port::Output, Port::Input}) {
        const QPointF d = itemPos - portPos(port);
        if (d.x() * d.x() + d.y() * d.y() <= kPortHitRadius * kPortHitRadius)
            return port;
    }
    return Port::None;
}

void NodeItem::setPortHighlighted(Port port)
{
    if (port == m_highlightedPort)
        return;
    m_highlightedPort = port;
    update();
}

void NodeItem::setHoveredPort(Port port)
{
    if (port == m_hoveredPort)
        return;
    m_hoveredPort = port;
    if (port == Port::Output)
        setCursor(Qt::CrossCursor);
    else
        unsetCursor();
    update();
}

void NodeItem::setFromNode(const Node &node)
{
    m_id = toQString(node.id);
    m_label = toQString(node.displayName());
    m_typeName = toQString(node.type);
    const OperationType *type = OperationRegistry::builtin().find(node.type);
    m_knownType = type != nullptr;
    if (type) {
        m_group = type->group;
        m_iconName = type->icon;
        m_site = type->semantics.site;
        m_typeSummary = toQString(type->summary);
    } else {
        m_group.clear();
        m_iconName.clear();
        m_typeSummary = QObject::tr("Unknown operation type");
    }
    // Elided once per change, not per paint.
    static const QFontMetricsF boldMetrics(labelFont());
    static const QFontMetricsF smallMetrics(idFont());
    m_elidedLabel = boldMetrics.elidedText(m_label, Qt::ElideRight, labelRect().width());
    const QString idLine = m_knownType ? m_id + QStringLiteral("  ·  ") + m_typeName
                                       : m_id + QStringLiteral("  ·  ? ") + m_typeName;
    m_elidedIdLine = smallMetrics.elidedText(idLine, Qt::ElideRight, idLineRect().width());
    m_labelText.setTextFormat(Qt::PlainText);
    m_labelText.setText(m_elidedLabel);
    m_idLineText.setTextFormat(Qt::PlainText);
    m_idLineText.setText(m_elidedIdLine);
    m_iconKey = QString::fromStdString("op:" + m_iconName);
    update();
}

bool NodeItem::setVisualState(const NodeVisualState &state, bool repaint)
{
    if (state == m_visual)
        return false;
    m_visual = state;
    // In the overview the scene paints every box itself (and is told so by
    // the caller); marking 10,000 content-less items dirty on a run's tick
    // cost the scene a 25-30 ms pass over them for nothing.
    if (repaint && !(flags() & ItemHasNoContents))
        update();
    return true;
}

QColor NodeItem::accentColor() const
{
    return m_visual.runState == RunState::None ? Theme::groupColor(m_group)
                                               : runStateColor(m_visual.runState);
}

QColor NodeItem::overviewColor() const
{
    return isSelected() ? Theme::nodeColors().selection : accentColor();
}

QPointF NodeItem::inputPortScenePos() const
{
    return pos() + portPos(Port::Input);
}

QPointF NodeItem::outputPortScenePos() const
{
    return pos() + portPos(Port::Output);
}

QRectF NodeItem::badgeRect() const
{
    return {kWidth - 8 - kBadge, (kHeaderHeight - kBadge) / 2, kBadge, kBadge};
}

QString NodeItem::toolTipAt(const QPointF &itemPos) const
{
    switch (portAt(itemPos)) {
    case Port::Output:
        return QObject::tr("Drag to an input to make a node run after this one");
    case Port::Input:
        return QObject::tr("Input: this node runs after every node connected here");
    case Port::None:
        break;
    }
    if (m_knownType && badgeRect().adjusted(-3, -3, 3, 3).contains(itemPos))
        return Theme::siteToolTip(m_site);
    QString tip = QStringLiteral("<b>%1</b><br>id: %2<br>%3 — %4")
                      .arg(m_label.toHtmlEscaped(), m_id.toHtmlEscaped(),
                           m_typeName.toHtmlEscaped(), m_typeSummary.toHtmlEscaped());
    QString detail = m_visual.detail;
    if (detail.isEmpty() && m_visual.runState != RunState::None) {
        if (auto *graph = qobject_cast<GraphScene *>(scene()))
            detail = graph->detailFor(m_id);
    }
    if (!detail.isEmpty())
        tip += QStringLiteral("<br>") + detail.toHtmlEscaped();
    return tip;
}

QRectF NodeItem::boundingRect() const
{
    // The outline pen (up to 3 px for selection and failure) straddles the
    // edge; the ports' hit circles stick out left and right.
    return QRectF(0, 0, kWidth, kHeight).adjusted(-kPortHitRadius, -2, kPortHitRadius, 2);
}

QPainterPath NodeItem::shape() const
{
    static const QPainterPath path = [] {
        QPainterPath p;
        p.addRoundedRect(QRectF(0, 0, kWidth, kHeight), kRadius, kRadius);
        for (const Port port : {Port::Input, Port::Output})
            p.addEllipse(portPos(port), kPortHitRadius, kPortHitRadius);
        p.setFillRule(Qt::WindingFill);
        return p;
    }();
    return path;
}

void NodeItem::paintPort(QPainter *painter, Port port)
{
    const auto &c = Theme::nodeColors();
    const bool grown = port == m_hoveredPort || port == m_highlightedPort;
    const qreal r = grown ? kPortHoverRadius : kPortRadius;
    painter->setPen(QPen(c.body, 1.5));
    painter->setBrush(grown ? c.selection : c.port);
    painter->drawEllipse(portPos(port), r, r);
}

void NodeItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const auto &c = Theme::nodeColors();
    const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
    const QRectF rect(0, 0, kWidth, kHeight);
    const QColor accent = accentColor();

    if (lod < GraphScene::kOverviewZoom) {
        // Level of detail: a plain box, no text. The view draws these
        // itself in the canvas; this is for rendering the item elsewhere.
        painter->fillRect(rect, overviewColor());
        return;
    }

    painter->setRenderHint(QPainter::Antialiasing);
    const bool failed = m_visual.runState == RunState::Failed;
    QPen outline(c.outline, 1);
    if (m_visual.runState != RunState::None && m_visual.runState != RunState::Pending)
        outline = QPen(accent, failed ? 3 : 2);
    if (m_visual.runState == RunState::Waiting)
        outline.setStyle(Qt::DashLine);
    if (m_hovered && !isSelected())
        outline.setColor(c.hover);
    if (isSelected())
        outline = QPen(c.selection, 2);
    if (m_visual.runState == RunState::Skipped)
        painter->setOpacity(0.55);

    // Every node has the same shape: build the paths once. Path boolean
    // operations per paint would dominate the frame time at 10,000 nodes.
    static const Shapes shapes = Shapes::make(rect);
    painter->fillPath(shapes.body, c.body);
    QColor headerColor = accent;
    headerColor.setAlphaF(failed ? 0.85 : (Theme::isDark(QGuiApplication::palette()) ? 0.32 : 0.20));
    painter->fillPath(shapes.header, headerColor);
    // A strip at the left edge carries the group colour even when tinted faintly.
    painter->fillPath(shapes.strip, accent);

    if (lod >= 0.55) {
        const qreal dpr = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
        const int iconPx = int(kIcon * std::min(lod, 2.0));
        const QPixmap icon = Theme::cachedPixmap(m_iconKey, Theme::operationIcon(m_iconName),
                                                 iconPx, dpr);
        const QRectF iconRect(10, (kHeaderHeight - kIcon) / 2, kIcon, kIcon);
        painter->drawPixmap(iconRect, icon, QRectF(icon.rect()));
        if (m_knownType) {
            const QPixmap badge = Theme::cachedPixmap(QStringLiteral("site:%1").arg(int(m_site)),
                                                      Theme::siteIcon(m_site),
                                                      int(kBadge * std::min(lod, 2.0)), dpr);
            painter->drawPixmap(badgeRect(), badge, QRectF(badge.rect()));
        }

        static const QFont bold = labelFont();
        static const QFont small = idFont();
        static QFont struck = [] {
            QFont f = idFont();
            f.setStrikeOut(true);
            return f;
        }();
        // Vertically centred in their rectangles, as AlignVCenter would.
        static const qreal boldHeight = QFontMetricsF(bold).ascent()
            + QFontMetricsF(bold).descent();
        static const qreal smallHeight = QFontMetricsF(small).ascent()
            + QFontMetricsF(small).descent();
        const QRectF label = labelRect();
        const QRectF idLine = idLineRect();
        painter->setFont(bold);
        painter->setPen(failed ? QColor(Qt::white) : c.text);
        painter->drawStaticText(QPointF(label.left(),
                                        label.top() + (label.height() - boldHeight) / 2),
                                m_labelText);
        painter->setFont(m_visual.runState == RunState::Skipped ? struck : small);
        painter->setPen(c.mutedText);
        painter->drawStaticText(QPointF(idLine.left(),
                                        idLine.top() + (idLine.height() - smallHeight) / 2),
                                m_idLineText);
    }

    if (m_visual.runState != RunState::None)
        paintRunDecoration(painter, rect);

    painter->setOpacity(1);
    painter->setBrush(Qt::NoBrush);
    painter->setPen(outline);
    painter->drawRoundedRect(rect, kRadius, kRadius);

    if (lod >= 0.45) { // far zoom: the node box alone carries the shape
        paintPort(painter, Port::Input);
        paintPort(painter, Port::Output);
    }
}

void NodeItem::paintRunDecoration(QPainter *painter, const QRectF &rect)
{
    // Shape as well as colour (UI.md): a progress bar while running, a
    // state mark in the corner for final states.
    if (m_visual.runState == RunState::Running && m_visual.progress >= 0) {
        const QRectF bar(rect.left() + 6, rect.bottom() - 5,
                         (rect.width() - 12) * std::clamp(m_visual.progress, 0.0, 1.0), 3);
        painter->fillRect(bar, runStateColor(RunState::Running));
    }
    const QPointF mark(rect.right() - 15, rect.bottom() - 14);
    QPen pen(runStateColor(m_visual.runState), 2);
    pen.setCapStyle(Qt::RoundCap);
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    switch (m_visual.runState) {
    case RunState::Succeeded:
        painter->drawPolyline(QPolygonF({mark + QPointF(0, 5), mark + QPointF(3, 8),
                                         mark + QPointF(9, 1)}));
        break;
    case RunState::Failed:
        painter->drawLine(mark + QPointF(1, 1), mark + QPointF(8, 8));
        painter->drawLine(mark + QPointF(8, 1), mark + QPointF(1, 8));
        break;
    case RunState::Cancelled:
        painter->fillRect(QRectF(mark + QPointF(1, 1), QSizeF(7, 7)),
                          runStateColor(RunState::Cancelled));
        break;
    case RunState::Skipped:
        painter->drawLine(mark + QPointF(0, 4.5), mark + QPointF(9, 4.5));
        painter->drawPolyline(QPolygonF({mark + QPointF(6, 1.5), mark + QPointF(9, 4.5),
                                         mark + QPointF(6, 7.5)}));
        break;
    case RunState::Running:
        painter->setBrush(runStateColor(RunState::Running));
        painter->setPen(Qt::NoPen);
        painter->drawPolygon(QPolygonF({mark + QPointF(1, 0), mark + QPointF(9, 4.5),
                                        mark + QPointF(1, 9)}));
        break;
    case RunState::Waiting:
        painter->drawPolyline(QPolygonF({mark + QPointF(1, 0), mark + QPointF(8, 0),
                                         mark + QPointF(1, 9), mark + QPointF(8, 9),
                                         mark + QPointF(1, 0)}));
        break;
    case RunState::Pending:
    case RunState::None:
        break;
    }
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant &value)
{
    if (change == ItemPositionChange) {
        if (auto *graph = qobject_cast<GraphScene *>(scene()); graph && graph->isSnapping())
            return graph->snapped(value.toPointF());
    } else if (change == ItemPositionHasChanged) {
        for (EdgeItem *edge : std::as_const(m_edges))
            edge->adjust();
        if (auto *graph = qobject_cast<GraphScene *>(scene()))
            graph->overviewChanged(true);
    }
    return QGraphicsItem::itemChange(change, value);
}

void NodeItem::hoverEnterEvent(QGraphicsSceneHoverEvent *event)
{
    m_hovered = true;
    setHoveredPort(portAt(event->pos()));
    update();
}

void NodeItem::hoverMoveEvent(QGraphicsSceneHoverEvent *event)
{
    setHoveredPort(portAt(event->pos()));
}

void NodeItem::hoverLeaveEvent(QGraphicsSceneHoverEvent *)
{
    m_hovered = false;
    setHoveredPort(Port::None);
    update();
}

} // namespace weft::ui
