// SPDX-License-Identifier: Apache-2.0
#include "NodeItem.h"

#include "Document.h"
#include "EdgeItem.h"
#include "GroupItem.h"
#include "GraphScene.h"
#include "NodeReferences.h"
#include "Theme.h"

#include <weft/Workflow.h>

#include <QFontMetricsF>
#include <QGuiApplication>
#include <QGraphicsSceneHoverEvent>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include <array>
#include <cmath>
#include <optional>

namespace weft::ui {

namespace {

constexpr qreal kRadius = 7;
constexpr qreal kIcon = 16;
constexpr qreal kBadge = 14;
constexpr qreal kPortRadius = 5;
constexpr qreal kPortHoverRadius = 7.5;
// A fan-out node's cards behind it, each this far up and right of the one
// in front; and its pill on the top edge.
constexpr qreal kStackStep = 5;
constexpr int kStackCards = 2;
constexpr qreal kPillHeight = 15;
constexpr qreal kPillTop = -kStackStep * kStackCards - 1;
constexpr qreal kPillMaxText = 150;

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

// The header's label sits between the operation icon and the badge.
constexpr qreal kLabelLeft = 10 + kIcon + 6;
constexpr qreal kLabelRightMargin = 6 + kBadge + 8;
// The id line stops short of the corner where a run state's mark goes.
constexpr qreal kIdLineLeft = 12;
constexpr qreal kIdLineRightMargin = 20;

// Widths of text in one font. Shaping a whole string
// (QFontMetricsF::horizontalAdvance) took 5-20 us a label: 0.1-0.2 s for the
// 10,000 labels of a large file, and twice for a file laid out as it opens.
// Text made only of characters that need no shaping (Latin, up to Latin
// Extended-B) is summed from advances measured once per character instead.
// That leaves out kerning, which moves a line by a pixel or two at most:
// the box has margins, and text wider than the widest box is elided by
// the font metrics themselves.
class TextWidths
{
public:
    explicit TextWidths(const QFont &font)
        : m_metrics(font)
    {
        m_advances.fill(-1);
    }

    const QFontMetricsF &metrics() const { return m_metrics; }

    qreal width(const QString &text)
    {
        qreal sum = 0;
        for (const QChar c : text) {
            const char16_t u = c.unicode();
            if (u < 0x20 || u >= kSummed || (u >= 0x7f && u < 0xa0) || u == 0xad)
                return m_metrics.horizontalAdvance(text); // controls, soft hyphen, the rest
            qreal &advance = m_advances[u];
            if (advance < 0)
                advance = m_metrics.horizontalAdvance(c);
            sum += advance;
        }
        return sum;
    }

private:
    static constexpr char16_t kSummed = 0x250;
    QFontMetricsF m_metrics;
    std::array<qreal, kSummed> m_advances;
};

TextWidths &labelWidths()
{
    static TextWidths widths(labelFont());
    return widths;
}

TextWidths &idLineWidths()
{
    static TextWidths widths(idFont());
    return widths;
}

QString idLineOf(const Node &node, bool knownType)
{
    return toQString(node.id) + (knownType ? QStringLiteral("  ·  ") : QStringLiteral("  ·  ? "))
        + toQString(node.type);
}

qreal boxWidth(qreal labelAdvance, qreal idLineAdvance)
{
    const qreal needed = std::max(kLabelLeft + labelAdvance + kLabelRightMargin,
                                  kIdLineLeft + idLineAdvance + kIdLineRightMargin);
    return std::clamp(std::ceil(needed / NodeItem::kWidthStep) * NodeItem::kWidthStep,
                      NodeItem::kMinWidth, NodeItem::kMaxWidth);
}

struct Shapes
{
    QPainterPath body;
    QPainterPath header;
    QPainterPath strip;
    QPainterPath hit; // the body and the ports' hit circles

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
        s.hit = s.body;
        for (const qreal x : {rect.left(), rect.right()})
            s.hit.addEllipse(QPointF(x, NodeItem::kHeaderHeight), NodeItem::kPortHitRadius,
                             NodeItem::kPortHitRadius);
        s.hit.setFillRule(Qt::WindingFill);
        return s;
    }
};

// Path boolean operations per paint would dominate the frame time at 10,000
// nodes: the shapes are built once per width, and widths come in whole grid
// steps, so there are only a few of them.
const Shapes &shapesFor(qreal width)
{
    constexpr std::size_t kWidths =
        std::size_t((NodeItem::kMaxWidth - NodeItem::kMinWidth) / NodeItem::kWidthStep) + 1;
    static std::array<std::optional<Shapes>, kWidths> cache;
    const auto step = std::size_t(std::clamp<long>(
        std::lround((width - NodeItem::kMinWidth) / NodeItem::kWidthStep), 0, long(kWidths) - 1));
    std::optional<Shapes> &shapes = cache[step];
    if (!shapes)
        shapes = Shapes::make(QRectF(0, 0, width, NodeItem::kHeight));
    return *shapes;
}

} // namespace

QRectF NodeItem::labelRect() const
{
    return {kLabelLeft, 0, badgeRect().left() - kLabelLeft - 6, kHeaderHeight};
}

QRectF NodeItem::idLineRect() const
{
    return {kIdLineLeft, kHeaderHeight, m_width - kIdLineLeft - kIdLineRightMargin,
            kHeight - kHeaderHeight - 2};
}

qreal NodeItem::widthFor(const Node &node)
{
    const bool known = OperationRegistry::builtin().find(node.type) != nullptr;
    return boxWidth(labelWidths().width(toQString(node.displayName())),
                    idLineWidths().width(idLineOf(node, known)));
}

std::vector<double> NodeItem::widthsFor(const Workflow &workflow)
{
    std::vector<double> widths;
    widths.reserve(workflow.nodes.size());
    for (const Node &node : workflow.nodes)
        widths.push_back(widthFor(node));
    return widths;
}

NodeItem::NodeItem(const Node &node)
{
    setFlags(ItemIsSelectable | ItemIsMovable | ItemSendsGeometryChanges);
    setAcceptHoverEvents(true);
    setFromNode(node);
}

QPointF NodeItem::portPos(Port port) const
{
    return port == Port::Output ? QPointF(m_width, kHeaderHeight) : QPointF(0, kHeaderHeight);
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
    // Measured and elided once per change, not per paint: one measurement
    // of each line sizes the box, and only text wider than the widest box
    // is elided.
    const QString idLine = idLineOf(node, m_knownType);
    const qreal labelAdvance = labelWidths().width(m_label);
    const qreal idLineAdvance = idLineWidths().width(idLine);
    setWidth(boxWidth(labelAdvance, idLineAdvance));
    const qreal labelRoom = labelRect().width();
    m_elidedLabel = labelAdvance <= labelRoom
        ? m_label
        : labelWidths().metrics().elidedText(m_label, Qt::ElideRight, labelRoom);
    const qreal idLineRoom = idLineRect().width();
    m_elidedIdLine = idLineAdvance <= idLineRoom
        ? idLine
        : idLineWidths().metrics().elidedText(idLine, Qt::ElideRight, idLineRoom);
    m_labelText.setTextFormat(Qt::PlainText);
    m_labelText.setText(m_elidedLabel);
    m_idLineText.setTextFormat(Qt::PlainText);
    m_idLineText.setText(m_elidedIdLine);
    m_iconKey = QString::fromStdString("op:" + m_iconName);
    // A workflow node stands for the nodes of the file it includes: drawn
    // as a stack with a pill, like a fan-out (the file, then done/total).
    m_subworkflow = node.type == "workflow";
    const bool fanOut = node.foreach.has_value() || m_subworkflow;
    if (fanOut != m_fanOut) {
        prepareGeometryChange(); // the stack and the pill widen the item
        m_fanOut = fanOut;
    }
    QString summary = foreachSummary(node);
    if (m_subworkflow && !node.foreach) {
        const auto file = node.params.find("file");
        m_subworkflowFile = file != node.params.end() && file->is_string()
            ? toQString(file->get<std::string>())
            : QString();
        summary = m_subworkflowFile.isEmpty()
            ? QObject::tr("no file")
            : m_subworkflowFile.section(QLatin1Char('/'), -1);
    }
    m_foreachSummary = idLineWidths().width(summary) <= kPillMaxText
        ? summary
        : idLineWidths().metrics().elidedText(summary, Qt::ElideMiddle, kPillMaxText);
    update();
}

void NodeItem::setWidth(qreal width)
{
    if (width == m_width)
        return;
    prepareGeometryChange();
    m_width = width;
    // The output port moved with the right edge.
    for (EdgeItem *edge : std::as_const(m_edges))
        edge->adjust();
    if (auto *graph = qobject_cast<GraphScene *>(scene()))
        graph->overviewChanged(true);
}

bool NodeItem::setVisualState(const NodeVisualState &state, bool repaint)
{
    if (state == m_visual)
        return false;
    m_visual = state;
    if (m_groupItem && m_groupItem->isCollapsed())
        m_groupItem->update(); // it sums up its members' states
    // In the overview the scene paints every box itself (and is told so by
    // the caller); marking 10,000 content-less items dirty on a run's tick
    // cost the scene a 25-30 ms pass over them for nothing.
    if (repaint && !(flags() & ItemHasNoContents))
        update();
    return true;
}

QColor NodeItem::accentColor() const
{
    if (m_visual.runState == RunState::None)
        return Theme::groupColor(m_group);
    // Up to date: a succeeded that did no work, so it reads as done at a
    // glance but quieter than what this run actually ran.
    if (m_visual.cached && m_visual.runState == RunState::Succeeded)
        return QColor(0x86, 0xa8, 0x90);
    // In the Slurm queue: submitted, on its way to running, so a pale
    // running blue instead of waiting's grey.
    if (m_visual.slurmQueued && m_visual.runState == RunState::Waiting)
        return QColor(0x8c, 0xb4, 0xe6);
    return runStateColor(m_visual.runState);
}

QColor NodeItem::overviewColor() const
{
    if (isSelected())
        return Theme::nodeColors().selection;
    QColor color = accentColor();
    if (m_lens == Lens::Apart)
        color.setAlphaF(0.25);
    return color;
}

bool NodeItem::setLens(Lens lens, bool repaint)
{
    if (lens == m_lens)
        return false;
    m_lens = lens;
    if (repaint && !(flags() & ItemHasNoContents))
        update();
    return true;
}

QPointF NodeItem::inputPortScenePos() const
{
    if (m_groupItem && m_groupItem->isCollapsed())
        return m_groupItem->inputPortScenePos();
    return pos() + portPos(Port::Input);
}

QPointF NodeItem::outputPortScenePos() const
{
    if (m_groupItem && m_groupItem->isCollapsed())
        return m_groupItem->outputPortScenePos();
    return pos() + portPos(Port::Output);
}

QRectF NodeItem::badgeRect() const
{
    return {m_width - 8 - kBadge, (kHeaderHeight - kBadge) / 2, kBadge, kBadge};
}

QString NodeItem::fanOutText() const
{
    if (!m_fanOut)
        return {};
    if (m_visual.instances >= 0)
        return QStringLiteral("%1/%2").arg(m_visual.instancesDone).arg(m_visual.instances);
    return m_foreachSummary;
}

QRectF NodeItem::fanOutPillRect() const
{
    const QString text = fanOutText();
    const bool ring = m_visual.instances >= 0;
    const qreal width = std::min(kPillMaxText, idLineWidths().width(text)) + 12 + (ring ? 14 : 0);
    return {m_width - 12 - width, kPillTop, width, kPillHeight};
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
        tip += QStringLiteral("<br>")
               + detail.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"));
    if (m_lens != Lens::None) {
        if (auto *graph = qobject_cast<GraphScene *>(scene())) {
            const QString why = graph->lensReasonFor(m_id);
            if (!why.isEmpty())
                tip += QStringLiteral("<br><i>") + why.toHtmlEscaped() + QStringLiteral("</i>");
        }
    }
    if (m_subworkflow) {
        tip += QStringLiteral("<br>")
               + QObject::tr("Subworkflow: runs %1 as %2/…; double-click (or Ctrl+Down) opens it")
                     .arg(m_subworkflowFile.toHtmlEscaped(), m_id.toHtmlEscaped());
        if (m_visual.instances >= 0) {
            tip += QStringLiteral("<br>")
                   + QObject::tr("%1 of %2 inner nodes finished").arg(m_visual.instancesDone)
                         .arg(m_visual.instances);
            if (m_visual.instancesFailed > 0)
                tip += QObject::tr(", %1 failed").arg(m_visual.instancesFailed);
        }
    } else if (m_fanOut) {
        tip += QStringLiteral("<br>") + QObject::tr("Fan-out: runs once per item, %1")
                                            .arg(m_foreachSummary.toHtmlEscaped());
        if (m_visual.instances >= 0) {
            tip += QStringLiteral("<br>")
                   + QObject::tr("%1 of %2 instances finished").arg(m_visual.instancesDone)
                         .arg(m_visual.instances);
            if (m_visual.instancesFailed > 0)
                tip += QObject::tr(", %1 failed").arg(m_visual.instancesFailed);
        }
    }
    return tip;
}

QRectF NodeItem::boundingRect() const
{
    // The outline pen (up to 3 px for selection and failure) straddles the
    // edge; the ports' hit circles stick out left and right; a fan-out's
    // cards and pill stick out above and to the right.
    // The lens's halo is drawn 4 px outside the box.
    if (m_fanOut)
        return boxRect().adjusted(-kPortHitRadius, kPillTop - 2,
                                  kPortHitRadius + kStackStep * kStackCards, 6);
    return boxRect().adjusted(-kPortHitRadius, -6, kPortHitRadius, 6);
}

QPainterPath NodeItem::shape() const
{
    return shapesFor(m_width).hit;
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
    const QRectF rect = boxRect();
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
        outline.setStyle(m_visual.slurmQueued ? Qt::DotLine : Qt::DashLine);
    if (m_hovered && !isSelected())
        outline.setColor(c.hover);
    if (isSelected())
        outline = QPen(c.selection, 2);
    if (m_visual.runState == RunState::Skipped)
        painter->setOpacity(0.55);
    if (m_lens == Lens::Apart)
        painter->setOpacity(0.3);

    const Shapes &shapes = shapesFor(m_width);
    if (m_fanOut) {
        // The cards behind: one node that stands for many.
        painter->setPen(QPen(m_visual.runState == RunState::None ? c.outline : accent, 1));
        painter->setBrush(c.body);
        for (int card = kStackCards; card > 0; --card) {
            const QPointF offset(kStackStep * card, -kStackStep * card);
            painter->drawRoundedRect(rect.translated(offset), kRadius, kRadius);
        }
    }
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

    painter->setOpacity(m_lens == Lens::Apart ? 0.3 : 1);
    painter->setBrush(Qt::NoBrush);
    painter->setPen(outline);
    painter->drawRoundedRect(rect, kRadius, kRadius);
    if (m_lens == Lens::Beside || m_lens == Lens::Focus) {
        // A halo outside the box: may run beside the selected node (or is it).
        QColor halo(0x7e, 0x57, 0xc2);
        halo.setAlphaF(m_lens == Lens::Focus ? 0.9 : 0.75);
        painter->setPen(QPen(halo, m_lens == Lens::Focus ? 3 : 2,
                             m_lens == Lens::Focus ? Qt::SolidLine : Qt::DashLine));
        painter->drawRoundedRect(rect.adjusted(-4, -4, 4, 4), kRadius + 3, kRadius + 3);
    }
    painter->setOpacity(1);

    if (lod >= 0.45) { // far zoom: the node box alone carries the shape
        paintPort(painter, Port::Input);
        paintPort(painter, Port::Output);
    }
    if (m_fanOut && lod >= 0.45)
        paintFanOutPill(painter, lod);
}

void NodeItem::paintFanOutPill(QPainter *painter, qreal)
{
    const auto &c = Theme::nodeColors();
    const QRectF pill = fanOutPillRect();
    const bool run = m_visual.instances >= 0;
    QColor tone = run ? runStateColor(m_visual.instancesFailed > 0 ? RunState::Failed
                                      : m_visual.instancesDone == m_visual.instances
                                          ? RunState::Succeeded
                                          : RunState::Running)
                      : c.mutedText;
    painter->setPen(QPen(tone, 1));
    painter->setBrush(c.body);
    painter->drawRoundedRect(pill, kPillHeight / 2, kPillHeight / 2);
    qreal textLeft = pill.left() + 6;
    if (run) {
        // The progress ring: the share of instances finished, full when done.
        const QRectF ring(pill.left() + 5, pill.top() + 3, kPillHeight - 6, kPillHeight - 6);
        QColor track = tone;
        track.setAlphaF(0.25);
        painter->setPen(QPen(track, 2));
        painter->setBrush(Qt::NoBrush);
        painter->drawEllipse(ring);
        const double share = m_visual.instances > 0
            ? double(m_visual.instancesDone) / double(m_visual.instances)
            : 1.0;
        QPen arc(tone, 2);
        arc.setCapStyle(Qt::FlatCap);
        painter->setPen(arc);
        painter->drawArc(ring, 90 * 16, -int(std::lround(share * 360 * 16)));
        textLeft = ring.right() + 5;
    }
    static const QFont small = idFont();
    painter->setFont(small);
    painter->setPen(run ? c.text : c.mutedText);
    painter->drawText(QRectF(textLeft, pill.top(), pill.right() - textLeft - 5, pill.height()),
                      Qt::AlignVCenter | Qt::AlignLeft, fanOutText());
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
    QPen pen(accentColor(), 2);
    pen.setCapStyle(Qt::RoundCap);
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    switch (m_visual.runState) {
    case RunState::Succeeded:
        if (m_visual.cached) {
            // Shape as well as colour: a check in a ring, "kept from before".
            painter->setPen(QPen(accentColor(), 1.2));
            painter->drawEllipse(QRectF(mark + QPointF(-2.5, -2.5), QSizeF(14, 14)));
            pen.setWidthF(1.6);
            painter->setPen(pen);
            painter->drawPolyline(QPolygonF({mark + QPointF(1.5, 4.5), mark + QPointF(3.8, 7),
                                             mark + QPointF(7.8, 2)}));
            break;
        }
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
        if (m_visual.slurmQueued) {
            // A queue: three jobs in a line, the first one filled.
            painter->setPen(QPen(accentColor(), 1.4));
            for (int k = 0; k < 3; ++k) {
                const QRectF box(mark + QPointF(0, 7 - 3.5 * k), QSizeF(9, 2.2));
                painter->setBrush(k == 0 ? QBrush(accentColor()) : QBrush(Qt::NoBrush));
                painter->drawRect(box);
            }
            break;
        }
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
        if (m_groupItem)
            m_groupItem->relayout();
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
