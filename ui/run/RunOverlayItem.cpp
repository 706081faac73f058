// SPDX-License-Identifier: Apache-2.0
#include "run/RunOverlayItem.h"

#include "canvas/EdgeItem.h"
#include "canvas/GraphScene.h"
#include "canvas/NodeItem.h"
#include "run/RunStateStyle.h"

#include <QGuiApplication>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QVarLengthArray>

namespace weft::ui {

namespace {

constexpr qreal kCaptionHeight = 16;
constexpr qreal kHalo = 9;

// The box of the node the overlay decorates, read at each call rather than
// kept: an edit after the run may resize the node (while the run goes, editing
// is locked and it cannot).
QRectF nodeBox(const QGraphicsItem *parent)
{
    const auto *node = qgraphicsitem_cast<const NodeItem *>(parent);
    return QRectF(0, 0, node ? node->width() : NodeItem::kMinWidth, NodeItem::kHeight);
}

} // namespace

RunOverlayItem::RunOverlayItem(QGraphicsItem *node)
    : QGraphicsItem(node)
{
    setAcceptedMouseButtons(Qt::NoButton);
    setAcceptHoverEvents(false);
    // Below the node for the halo, which would otherwise cover the body.
    setFlag(ItemStacksBehindParent, false);
}

void RunOverlayItem::setCaption(const QString &caption)
{
    if (caption == m_caption)
        return;
    m_caption = caption;
    updateUnlessOverview();
}

void RunOverlayItem::setPhase(qreal phase)
{
    if (phase == m_phase)
        return;
    m_phase = phase;
    updateUnlessOverview();
}

// The caption and the running sweep are drawn only closer than the overview
// (paint() below), which the scene repaints whole when it leaves. An update
// there bought only a dirty item each animation frame, and QGraphicsScene
// paints the whole window inside the call that processes dirty items: the
// frame's work and the window's paint in one event.
void RunOverlayItem::updateUnlessOverview()
{
    const auto *graph = qobject_cast<const GraphScene *>(scene());
    if (!graph || !graph->overview())
        update();
}

void RunOverlayItem::setPulse(qreal pulse)
{
    if (pulse == m_pulse)
        return;
    m_pulse = pulse;
    update();
}

QRectF RunOverlayItem::boundingRect() const
{
    return nodeBox(parentItem())
        .adjusted(-kHalo, -kHalo, kHalo, kHalo + kCaptionHeight);
}

void RunOverlayItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
    const QPalette palette = QGuiApplication::palette();
    const QRectF node = nodeBox(parentItem());
    painter->setRenderHint(QPainter::Antialiasing);
    if (m_pulse > 0) {
        QColor halo = RunStateStyle::color(NodeState::Failed, palette);
        halo.setAlphaF(0.75 * m_pulse);
        painter->setPen(QPen(halo, 2 + 4 * m_pulse));
        painter->setBrush(Qt::NoBrush);
        const qreal grow = 2 + (1 - m_pulse) * (kHalo - 4);
        painter->drawRoundedRect(node.adjusted(-grow, -grow, grow, grow), 9 + grow, 9 + grow);
    }
    if (m_phase >= 0 && lod >= 0.3) {
        // A segment a third of the width sweeping along the bottom edge.
        const qreal track = node.width() - 12;
        const qreal length = track / 3;
        const qreal start = -length + (track + length) * m_phase;
        const qreal left = std::max<qreal>(0, start);
        const qreal right = std::min(track, start + length);
        if (right > left)
            painter->fillRect(QRectF(6 + left, node.bottom() - 5, right - left, 3),
                              RunStateStyle::color(NodeState::Running, palette));
    }
    if (!m_caption.isEmpty() && lod >= 0.45) {
        QFont font = QGuiApplication::font();
        font.setPointSizeF(font.pointSizeF() * 0.85);
        painter->setFont(font);
        QColor text = palette.color(QPalette::Text);
        text.setAlphaF(0.75);
        painter->setPen(text);
        painter->drawText(QRectF(4, node.bottom() + 1, node.width() - 8, kCaptionHeight),
                          Qt::AlignLeft | Qt::AlignVCenter, m_caption);
    }
}

SatisfiedEdgesItem::SatisfiedEdgesItem(GraphScene *scene)
    : m_scene(scene)
{
    setAcceptedMouseButtons(Qt::NoButton);
    setFlag(ItemUsesExtendedStyleOption); // for exposedRect: paint only what is visible
    setZValue(-0.5); // above the edges (-1), below the nodes (0)
    updateColor();
}

QColor SatisfiedEdgesItem::updateColor()
{
    // Opaque: the near curves are drawn as overlapping segments, where a
    // translucent colour would bead at every joint.
    const QColor color = RunStateStyle::color(NodeState::Succeeded, QGuiApplication::palette());
    m_scene->setSatisfiedColor(color);
    return color;
}

QRectF SatisfiedEdgesItem::boundingRect() const
{
    return m_scene->sceneRect(); // fixed (GraphScene): never a geometry change
}

void SatisfiedEdgesItem::clear()
{
    m_scene->clearSatisfied(); // repaints the overview
    if (!m_scene->overview())
        update();
    m_added = QRectF();
}

void SatisfiedEdgesItem::addSucceeded(const QString &nodeId)
{
    addSucceeded(m_scene->nodeItem(nodeId));
}

void SatisfiedEdgesItem::addSucceeded(NodeItem *item)
{
    if (!item)
        return;
    // Only commit() reads the area, and not in the overview, where the view's
    // cached layer draws the lines: 20,000 sceneBoundingRect() there were a
    // quarter of the GUI time that applying a 10,000-node run's batches took
    // (perf, 8 runs: 221 samples with them, 168 without).
    // (Leaving the overview repaints the whole scene: GraphScene::setOverview.)
    if (!m_scene->overview()) {
        for (EdgeItem *edge : item->edges()) {
            if (edge->from() == item)
                m_added |= edge->sceneBoundingRect();
        }
    }
    m_scene->addSatisfied(item);
}

void SatisfiedEdgesItem::commit()
{
    if (m_added.isNull())
        return;
    updateColor(); // the theme may have changed since the last batch
    // In the overview the view's cached layer draws them, and the scene
    // repaints it (addSatisfied). An update of this item there bought
    // nothing but a dirty item, and QGraphicsScene paints the whole window
    // at once inside the call that processes dirty items: with a run's
    // other changes, one event of 8 ms CPU, 30 ms beside two CPU hogs.
    if (!m_scene->overview())
        update(m_added);
    m_added = QRectF();
}

void SatisfiedEdgesItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *)
{
    // The overview draws them with its edges, in the view's cached layer.
    if (m_scene->overview())
        return;
    const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
    const QColor color = updateColor();
    const QRectF exposed = option->exposedRect;
    const bool far = lod < 0.3;
    painter->setRenderHint(QPainter::Antialiasing, !far);
    painter->setPen(QPen(color, 0));
    painter->setBrush(Qt::NoBrush);
    // The scene keeps the lines between paints and they are culled here;
    // walking every succeeded node's edges through the scene on each paint
    // took 18-23 ms of a frame at 100 % with 10,000 nodes.
    QVarLengthArray<QLineF, 1024> lines;
    for (const QLineF &line : m_scene->satisfiedLines()) {
        if (QRectF(line.p1(), line.p2()).normalized().adjusted(-40, -40, 40, 40).intersects(exposed))
            lines.append(line);
    }
    if (far) {
        // Far out (a picture rendered smaller than the view), thousands of
        // edges: straight aliased lines in one call.
        painter->drawLines(lines.constData(), int(lines.size()));
        return;
    }
    for (const QLineF &line : lines) {
        // Over the edge's own curve exactly, up to its arrowhead.
        EdgeItem::drawWide(painter, EdgeItem::curve(line.p1(), line.p2()), lod, color, 2.2);
    }
}

} // namespace weft::ui
