// SPDX-License-Identifier: Apache-2.0
#include "run/TimelineView.h"

#include "run/RunController.h"
#include "run/RunStateStyle.h"
#include "Theme.h"

#include <weft/RunReport.h>

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <array>
#include <cmath>
#include <unordered_set>

namespace weft::ui {

namespace {

constexpr int kRulerHeight = 18;
constexpr int kCurveHeight = 28;
constexpr int kLaneHeight = 18;
constexpr int kBarHeight = 14;
// Bars are painted a pixel short of their end: an attempt that starts as the
// one before it in the lane ends (the next node on a slot, a retry) would
// otherwise join it into one bar. The narrowest bar keeps two pixels of
// colour, so an instant attempt stays visible next to its gap.
constexpr double kBarGap = 1;
constexpr double kMinBarWidth = 2;

double niceStep(double minimum)
{
    const double magnitude = std::pow(10.0, std::floor(std::log10(minimum)));
    for (double f : {1.0, 2.0, 5.0, 10.0}) {
        if (f * magnitude >= minimum)
            return f * magnitude;
    }
    return 10 * magnitude;
}

QString timeLabel(double t, double step)
{
    if (step >= 60)
        return QStringLiteral("%1:%2").arg(int(t) / 60).arg(int(t) % 60, 2, 10, QLatin1Char('0'));
    const int decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
    return QString::number(t, 'f', decimals) + QStringLiteral(" s");
}

} // namespace

TimelineView::TimelineView(RunController *controller, QWidget *parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_repaintLater(new QTimer(this))
{
    m_repaintLater->setSingleShot(true);
    connect(m_repaintLater, &QTimer::timeout, this, qOverload<>(&QWidget::update));
    setMouseTracking(true);
    setMinimumHeight(kRulerHeight + kCurveHeight + 2 * kLaneHeight);
    setFocusPolicy(Qt::ClickFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void TimelineView::resetView()
{
    m_follow = true;
    m_scrollY = 0;
    forgetRun();
    update();
}

void TimelineView::forgetRun()
{
    m_bars.clear();
    m_finishedBars = 0;
    m_unsettled.clear();
    m_finishedSteps.clear();
    m_criticalMarked = false;
    m_parallelism.clear();
    m_lanes = 1;
    m_maxParallel = 1;
    m_groups.clear();
    m_groupOf.clear();
}

QColor TimelineView::groupColor(NodeIndex node) const
{
    const auto it = m_groupOf.find(node);
    const int group = it == m_groupOf.end() ? 0 : it->second;
    // Hues a golden angle apart: neighbouring groups never look alike.
    const int hue = int(std::fmod(200.0 + group * 137.508, 360.0));
    return QColor::fromHsv(hue, 150, Theme::isDark(palette()) ? 235 : 175);
}

QString TimelineView::barName(const Bar &bar) const
{
    return m_controller->instanceId(bar.node, bar.instance);
}

void TimelineView::refresh()
{
    rebuild();
    if (!isVisible())
        return;
    const qint64 since = m_lastPaint.isValid() ? m_lastPaint.elapsed() : kLivePaintMs;
    if (!m_controller->isRunning() || since >= kLivePaintMs) {
        // The end of a run always paints at once: the final state shows.
        m_repaintLater->stop();
        update();
    } else if (!m_repaintLater->isActive()) {
        m_repaintLater->start(int(kLivePaintMs - since));
    }
}

double TimelineView::endTime() const
{
    return std::max(m_controller->elapsed(), 1e-3);
}

// Incremental: a batch adds the attempts that ended since the last one, and
// their steps are merged into the sorted steps kept so far. Rebuilding all of
// it per batch grew with the run (3 ms a batch late in a 10,000-node run).
void TimelineView::rebuild()
{
    const auto &attempts = m_controller->attempts();
    const auto &nodes = m_controller->nodes();
    if (attempts.size() < m_finishedBars)
        forgetRun(); // a new run started since
    int lanes = m_controller->startedEvent() ? std::max(1, m_controller->startedEvent()->jobs) : 1;
    lanes = std::max(lanes, m_lanes);
    auto laneOf = [&lanes](int slot) {
        const int lane = std::max(0, slot);
        lanes = std::max(lanes, lane + 1);
        return lane;
    };
    // A failed attempt's bar shows how its node ended (cancelled, timed out)
    // once that is known, which may be a batch later than the attempt.
    auto settle = [&](std::size_t bar) {
        const AttemptFinished &a = attempts[bar];
        if (a.ok)
            return true;
        if (a.instance >= 0) {
            const RunController::FanOutRun *fan = m_controller->fanOut(a.node);
            const RunController::InstanceRun *run =
                fan && std::size_t(a.instance) < fan->instances.size()
                    ? &fan->instances[std::size_t(a.instance)]
                    : nullptr;
            if (!run || !run->finished)
                return false;
            if (run->finished->attempts == a.attempt)
                m_bars[bar].outcome = run->finished->outcome;
            return true;
        }
        if (a.node >= nodes.size() || !nodes[a.node].finished)
            return false;
        if (nodes[a.node].finished->attempts == a.attempt)
            m_bars[bar].outcome = nodes[a.node].finished->outcome;
        return true;
    };

    m_bars.resize(m_finishedBars); // drop the running bars of the last pass
    m_unsettled.erase(std::remove_if(m_unsettled.begin(), m_unsettled.end(), settle),
                      m_unsettled.end());
    const std::size_t firstNew = m_finishedSteps.size();
    for (std::size_t i = m_finishedBars; i < attempts.size(); ++i) {
        const AttemptFinished &a = attempts[i];
        m_bars.push_back({a.node, a.attempt, laneOf(a.slot), a.start, a.end,
                          a.ok ? NodeState::Succeeded : NodeState::Failed, false, int(i),
                          a.instance, false, a.queuedUntil});
        if (!settle(i))
            m_unsettled.push_back(i);
        m_finishedSteps.emplace_back(a.start, 1);
        m_finishedSteps.emplace_back(a.end, -1);
    }
    m_finishedBars = attempts.size();
    std::sort(m_finishedSteps.begin() + std::ptrdiff_t(firstNew), m_finishedSteps.end());
    std::inplace_merge(m_finishedSteps.begin(), m_finishedSteps.begin() + std::ptrdiff_t(firstNew),
                       m_finishedSteps.end());

    if (!m_criticalMarked && m_controller->finished()) {
        const std::unordered_set<NodeIndex> critical(m_controller->finished()->criticalPath.begin(),
                                                     m_controller->finished()->criticalPath.end());
        for (Bar &bar : m_bars)
            bar.critical = bar.instance < 0 && critical.count(bar.node) > 0;
        m_criticalMarked = true;
    }

    // Fan-out groups, in a stable order: a group keeps its row once it has one.
    for (const auto &[node, fan] : m_controller->fanOuts()) {
        if (!m_groupOf.count(node)) {
            m_groupOf.emplace(node, int(m_groups.size()));
            m_groups.push_back(node);
        }
    }

    // Bars still running grow to now; their starts join the kept steps
    // below, with no end: the curve holds them up to the right edge, which
    // is painted later than this `now`.
    const double now = m_controller->elapsed();
    std::vector<std::pair<double, int>> runningSteps;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const RunController::NodeRun &n = nodes[i];
        if (n.state != NodeState::Running || n.runningSince < 0 || m_groupOf.count(NodeIndex(i)))
            continue; // a fan-out node holds no slot: its instances do
        const double end = std::max(now, n.runningSince);
        m_bars.push_back({NodeIndex(i), n.attempt, laneOf(n.slot), n.runningSince, end,
                          NodeState::Running, false});
        runningSteps.emplace_back(n.runningSince, 1);
    }
    const std::unordered_set<NodeIndex> criticalNodes =
        m_controller->finished()
            ? std::unordered_set<NodeIndex>(m_controller->finished()->criticalPath.begin(),
                                            m_controller->finished()->criticalPath.end())
            : std::unordered_set<NodeIndex>{};
    for (std::size_t g = 0; g < m_groups.size(); ++g) {
        const NodeIndex node = m_groups[g];
        const RunController::FanOutRun *fan = m_controller->fanOut(node);
        for (const int instance : fan->running) {
            const RunController::InstanceRun &r = fan->instances[std::size_t(instance)];
            if (r.runningSince < 0)
                continue;
            m_bars.push_back({node, r.attempt, laneOf(r.slot), r.runningSince,
                              std::max(now, r.runningSince), NodeState::Running, false, -1,
                              instance});
            runningSteps.emplace_back(r.runningSince, 1);
        }
        // The group row spans the node from its start to its end (or now).
        if (node >= nodes.size())
            continue;
        const RunController::NodeRun &n = nodes[node];
        double start = n.finished && n.finished->start >= 0 ? n.finished->start : n.runningSince;
        if (start < 0)
            continue;
        const double end = n.finished ? start + n.finished->duration : std::max(now, start);
        const NodeState state = n.finished ? n.finished->outcome : NodeState::Running;
        m_bars.push_back({node, 1, int(g), start, end, state, criticalNodes.count(node) > 0, -1,
                          kNoInstance, true});
    }
    std::sort(runningSteps.begin(), runningSteps.end());
    m_lanes = lanes;

    // Nodes running over time: +1 at each start, -1 at each end.
    m_parallelism.clear();
    m_maxParallel = 1;
    int running = 0;
    auto add = [&](const std::pair<double, int> &step) {
        running += step.second;
        if (!m_parallelism.empty() && m_parallelism.back().first == step.first)
            m_parallelism.back().second = running;
        else
            m_parallelism.emplace_back(step.first, running);
        m_maxParallel = std::max(m_maxParallel, running);
    };
    auto kept = m_finishedSteps.cbegin();
    auto live = runningSteps.cbegin();
    while (kept != m_finishedSteps.cend() || live != runningSteps.cend()) {
        if (live == runningSteps.cend() || (kept != m_finishedSteps.cend() && *kept < *live))
            add(*kept++);
        else
            add(*live++);
    }
}

double TimelineView::laneTop(int lane) const
{
    return kRulerHeight + kCurveHeight + lane * kLaneHeight - m_scrollY;
}

QRectF TimelineView::barRect(const Bar &bar) const
{
    // A running bar reaches the time of this paint, not of the last batch.
    const double end = bar.outcome == NodeState::Running ? std::max(bar.end, endTime()) : bar.end;
    const int row = rowOf(bar);
    // On whole pixels, or the gap would be a blend of the two bars' colours
    // and the background that reads as neither.
    const double x0 = std::round(xOf(bar.start));
    const double x1 = std::max(std::round(xOf(end)) - kBarGap, x0 + kMinBarWidth);
    return {x0, laneTop(row) + (kLaneHeight - kBarHeight) / 2.0, x1 - x0, double(kBarHeight)};
}

std::optional<TimelineView::Bar> TimelineView::barAt(const QPoint &pos) const
{
    if (pos.x() < m_left || pos.y() < kRulerHeight + kCurveHeight)
        return std::nullopt;
    for (auto it = m_bars.rbegin(); it != m_bars.rend(); ++it) {
        if (barRect(*it).adjusted(-1, 0, 1, 0).contains(pos))
            return *it;
    }
    return std::nullopt;
}

void TimelineView::paintEvent(QPaintEvent *)
{
    m_lastPaint.start();
    const QPalette pal = palette();
    if (m_follow) {
        // Fit the whole run so far, leaving a little room on the right.
        m_t0 = 0;
        m_pxPerSecond = std::max(1e-3, (width() - m_left - 12) / (endTime() * 1.05));
    }
    QPainter p(this);
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QColor text = pal.color(QPalette::Text);
    QColor muted = text;
    muted.setAlphaF(0.55);
    QColor grid = text;
    grid.setAlphaF(0.10);

    const double tLeft = timeAt(m_left);
    const double tRight = timeAt(width());
    const double step = niceStep(80 / m_pxPerSecond);

    // Ruler and grid.
    p.setFont(font());
    for (double t = std::floor(tLeft / step) * step; t <= tRight; t += step) {
        const double x = xOf(t);
        if (x < m_left)
            continue;
        p.setPen(grid);
        p.drawLine(QPointF(x, kRulerHeight), QPointF(x, height()));
        // Before the first bar there is no time scale worth labelling.
        if (m_bars.empty())
            continue;
        p.setPen(muted);
        p.drawText(QRectF(x + 3, 0, 80, kRulerHeight), Qt::AlignVCenter | Qt::AlignLeft,
                   timeLabel(t, step));
    }
    p.setPen(grid);
    p.drawLine(QPointF(m_left, kRulerHeight - 0.5), QPointF(width(), kRulerHeight - 0.5));

    // Parallelism over time, scaled to the busiest moment: per pixel column
    // the most nodes running at once inside it, filled as one aliased rect
    // per run of equal columns with a step line on top. A 10,000-node run
    // has 20,000 steps; stroking them as an antialiased path took 40 ms of
    // the window's last repaint, this takes well under one.
    const QRectF curveArea(m_left, kRulerHeight + 3, width() - m_left, kCurveHeight - 6);
    if (!m_parallelism.empty()) {
        const int first = std::max(m_left, int(std::floor(xOf(m_parallelism.front().first))));
        const int last = std::min(width(), int(std::ceil(xOf(endTime()))));
        // The value carried into the first column: the last step before it.
        auto step = std::lower_bound(m_parallelism.begin(), m_parallelism.end(),
                                     std::make_pair(timeAt(first), INT_MIN));
        int running = step == m_parallelism.begin() ? 0 : std::prev(step)->second;
        QColor fill = RunStateStyle::color(NodeState::Running, pal);
        fill.setAlphaF(0.25);
        std::vector<QRectF> columns;
        std::vector<QPointF> outline;
        outline.reserve(std::size_t(std::max(0, last - first)) * 2 + 2);
        const double scale = curveArea.height() / m_maxParallel;
        int runStart = first;
        int runPeak = -1;
        auto closeRun = [&](int x) {
            if (runPeak < 0)
                return;
            const double y = curveArea.bottom() - scale * runPeak;
            if (runPeak > 0)
                columns.emplace_back(QPointF(runStart, y), QPointF(x, curveArea.bottom()));
            outline.emplace_back(runStart, y);
            outline.emplace_back(x, y);
        };
        for (int x = first; x < last; ++x) {
            const double columnEnd = timeAt(x + 1);
            int peak = running;
            for (; step != m_parallelism.end() && step->first < columnEnd; ++step) {
                running = step->second;
                peak = std::max(peak, running);
            }
            if (peak != runPeak) {
                closeRun(x);
                runStart = x;
                runPeak = peak;
            }
        }
        closeRun(last);
        p.save();
        p.setClipRect(curveArea.adjusted(0, -2, 0, 1));
        p.setPen(Qt::NoPen);
        p.setBrush(fill);
        p.drawRects(columns.data(), int(columns.size()));
        p.setPen(QPen(RunStateStyle::color(NodeState::Running, pal), 0));
        p.drawPolyline(outline.data(), int(outline.size()));
        p.restore();
    }

    // Lanes and bars, clipped to the chart area.
    const QRect chart(m_left, kRulerHeight + kCurveHeight, width() - m_left,
                      height() - kRulerHeight - kCurveHeight);
    p.save();
    p.setClipRect(chart);
    QColor stripe = text;
    stripe.setAlphaF(0.035);
    const int groups = int(m_groups.size());
    for (int lane = 0; lane < m_lanes; lane += 2)
        p.fillRect(QRectF(m_left, laneTop(groups + lane), width() - m_left, kLaneHeight), stripe);
    for (int g = 0; g < groups; ++g) {
        // Group rows: a faint wash of the group's colour, set apart from the slots.
        QColor wash = groupColor(m_groups[std::size_t(g)]);
        wash.setAlphaF(0.10);
        p.fillRect(QRectF(m_left, laneTop(g), width() - m_left, kLaneHeight), wash);
    }
    if (groups > 0) {
        QColor rule = text;
        rule.setAlphaF(0.25);
        p.setPen(rule);
        p.drawLine(QPointF(m_left, laneTop(groups) - 0.5), QPointF(width(), laneTop(groups) - 0.5));
    }
    const QFontMetrics fm(font());
    // Bars are filled per outcome in one drawRects each: a colour looked up
    // and a fill call per bar were a large part of the window's repaint at
    // the end of a 10,000-node run. Outlines and labels go on top.
    // A bar narrower than a pixel is drawn two pixels wide; many of them
    // land in the same column of a lane, and one of each outcome per column
    // looks the same as all of them (10,000 bars of a 0.15 s run fall into
    // a few thousand columns). Bars that short leave no room for their gap:
    // only bars at least a pixel apart can be told apart.
    std::array<std::vector<QRectF>, kNodeStateCount> fills;
    std::vector<const Bar *> shown;
    std::vector<QRectF> queued; // the Slurm-queue part of finished bars, washed out
    std::unordered_map<NodeIndex, std::vector<QRectF>> bands;
    const int columns = std::max(1, width());
    std::vector<std::uint8_t> taken; // per lane and column: a bit per outcome
    const int firstLane = std::max(0, (m_scrollY - kLaneHeight) / kLaneHeight);
    const int lastLane = std::min(rowCount(), (m_scrollY + chart.height()) / kLaneHeight + 2);
    taken.assign(std::size_t(std::max(0, lastLane - firstLane)) * std::size_t(columns), 0);
    for (const Bar &bar : m_bars) {
        const int row = rowOf(bar);
        if ((bar.end < tLeft && bar.outcome != NodeState::Running) || bar.start > tRight
            || row < firstLane || row >= lastLane)
            continue;
        const QRectF r = barRect(bar);
        if (r.bottom() < chart.top() || r.top() > chart.bottom())
            continue;
        if (r.width() <= kMinBarWidth + 0.5) {
            const int column = std::clamp(int(r.left()), 0, columns - 1);
            std::uint8_t &bits = taken[std::size_t(row - firstLane) * std::size_t(columns)
                                       + std::size_t(column)];
            // Seven outcomes, a bit each; the top bit: a critical outline.
            static_assert(kNodeStateCount < 8);
            const auto bit = std::uint8_t((1u << unsigned(bar.outcome))
                                          | (bar.critical ? 0x80u : 0u));
            if ((bits & bit) == bit)
                continue;
            bits |= bit;
        }
        fills[std::size_t(bar.outcome)].push_back(r);
        if (bar.queuedUntil > bar.start && r.width() > kMinBarWidth + 0.5) {
            const double x1 = std::clamp(std::round(xOf(bar.queuedUntil)), r.left(), r.right());
            if (x1 > r.left())
                queued.emplace_back(r.left(), r.top(), x1 - r.left(), r.height());
        }
        if (bar.group || bar.instance >= 0) {
            // The band that ties instances to their group row, one
            // drawRects per group below.
            bands[bar.node].emplace_back(r.left(), r.top(), r.width(),
                                         bar.group ? r.height() / 3 : 3);
        }
        if (bar.critical || r.width() > 30)
            shown.push_back(&bar);
    }
    p.setPen(Qt::NoPen);
    for (std::size_t state = 0; state < fills.size(); ++state) {
        if (fills[state].empty())
            continue;
        p.setBrush(RunStateStyle::color(NodeState(state), pal));
        p.drawRects(fills[state].data(), int(fills[state].size()));
    }
    if (!queued.empty()) {
        QColor wash = pal.color(QPalette::Base);
        wash.setAlphaF(0.6);
        p.setBrush(wash);
        p.drawRects(queued.data(), int(queued.size()));
    }
    for (const auto &[node, rects] : bands) {
        p.setBrush(groupColor(node));
        p.drawRects(rects.data(), int(rects.size()));
    }
    p.setBrush(Qt::NoBrush);
    for (const Bar *shownBar : shown) {
        const Bar &bar = *shownBar;
        const QRectF r = barRect(bar);
        if (bar.critical && r.width() >= 8) {
            p.setPen(QPen(text, 2));
            p.drawRect(r.adjusted(1, 1, -1, -1));
        } else if (bar.critical) {
            // An outline would cover a thin bar's colour: underline it in
            // the gap below instead, so a failure on the path stays red.
            p.fillRect(QRectF(r.left(), r.bottom(), r.width(), 2), text);
        }
        if (r.width() > 30) {
            QString id = barName(bar)
                         + (bar.attempt > 1 ? QStringLiteral(" #%1").arg(bar.attempt) : QString());
            if (bar.group) {
                const RunController::FanOutRun *fan = m_controller->fanOut(bar.node);
                if (fan)
                    id += QStringLiteral("  %1/%2").arg(fan->finished()).arg(fan->instances.size());
            }
            if (fm.horizontalAdvance(id) + 8 < r.width()) {
                p.setPen(bar.outcome == NodeState::Skipped || bar.outcome == NodeState::Pending
                             ? text
                             : QColor(Qt::white));
                p.drawText(r.adjusted(4, 0, -2, 0), Qt::AlignVCenter | Qt::AlignLeft, id);
            }
        }
    }
    p.restore();

    // Lane labels in the gutter.
    p.fillRect(QRect(0, 0, m_left, height()), pal.color(QPalette::AlternateBase));
    p.setPen(muted);
    p.drawText(QRectF(4, kRulerHeight, m_left - 6, kCurveHeight), Qt::AlignVCenter | Qt::AlignLeft,
               tr("×%1").arg(m_maxParallel));
    for (int lane = 0; lane < m_lanes; ++lane) {
        const double top = laneTop(groups + lane);
        if (top + kLaneHeight < chart.top() || top > height())
            continue;
        p.drawText(QRectF(4, top, m_left - 6, kLaneHeight), Qt::AlignVCenter | Qt::AlignLeft,
                   tr("slot %1").arg(lane + 1));
    }
    const QFontMetrics gutter(font());
    for (int g = 0; g < groups; ++g) {
        const double top = laneTop(g);
        if (top + kLaneHeight < chart.top() || top > height())
            continue;
        const NodeIndex node = m_groups[std::size_t(g)];
        p.fillRect(QRectF(2, top + 4, 3, kLaneHeight - 8), groupColor(node));
        p.setPen(text);
        p.drawText(QRectF(8, top, m_left - 10, kLaneHeight), Qt::AlignVCenter | Qt::AlignLeft,
                   gutter.elidedText(m_controller->nodeId(node), Qt::ElideRight, m_left - 10));
        p.setPen(muted);
    }
    if (m_bars.empty()) {
        p.setPen(muted);
        // A run that found everything up to date has no bars: say so, not
        // what one says before any run.
        const std::optional<RunFinished> &finished = m_controller->finished();
        const std::size_t upToDate = finished ? finished->cached : 0;
        p.drawText(chart, Qt::AlignCenter | Qt::TextWordWrap,
                   !m_controller->isRunning() && upToDate > 0
                       ? (upToDate == 1 ? tr("Nothing ran: 1 node was up to date.")
                                        : tr("Nothing ran: %1 nodes were up to date.").arg(upToDate))
                             + QLatin1Char(' ')
                             + tr("Run All (Ctrl+Shift+F5) runs everything again.")
                       : tr("Run the workflow (F5) to see its timeline: a bar per node attempt, "
                            "one lane per job slot."));
    }
}

QString TimelineView::tooltipFor(const Bar &bar) const
{
    const QString id = barName(bar);
    const int maxAttempts = bar.node < m_controller->nodes().size()
                                ? m_controller->nodes()[bar.node].maxAttempts
                                : 1;
    QString tip = QStringLiteral("<b>%1</b><br>").arg(id.toHtmlEscaped());
    const RunController::FanOutRun *fan = m_controller->fanOut(bar.node);
    if (bar.group && fan) {
        tip += tr("fan-out: %1 of %2 instances finished, %3 failed<br>%4, %5")
                   .arg(fan->finished())
                   .arg(fan->instances.size())
                   .arg(fan->failed())
                   .arg(RunStateStyle::label(bar.outcome, true),
                        QString::fromStdString(formatSeconds(bar.end - bar.start)));
        return tip;
    }
    if (bar.instance >= 0 && fan && std::size_t(bar.instance) < fan->items.size())
        tip += tr("item %1<br>").arg(QString::fromStdString(fan->items[std::size_t(bar.instance)])
                                        .toHtmlEscaped());
    tip += QString()
                  + tr("start %1, duration %2<br>attempt %3 of %4<br>%5")
                        .arg(QString::fromStdString(formatSeconds(bar.start)),
                             QString::fromStdString(formatSeconds(bar.end - bar.start)))
                        .arg(bar.attempt)
                        .arg(maxAttempts)
                        .arg(RunStateStyle::label(bar.outcome, true));
    // Where it ran: the job slot is its lane; a process has a pid, in-process
    // work a worker thread (from the attempt, or the node while it runs).
    const AttemptFinished *a = bar.attemptIndex >= 0
                                       && std::size_t(bar.attemptIndex) < m_controller->attempts().size()
                                   ? &m_controller->attempts()[std::size_t(bar.attemptIndex)]
                                   : nullptr;
    const RunController::NodeRun *running = !a && bar.instance < 0
                                                    && bar.node < m_controller->nodes().size()
                                                ? &m_controller->nodes()[bar.node]
                                                : nullptr;
    const RunController::InstanceRun *runningInstance =
        !a && bar.instance >= 0 && fan && std::size_t(bar.instance) < fan->instances.size()
            ? &fan->instances[std::size_t(bar.instance)]
            : nullptr;
    const int pid = a ? a->pid : running ? running->pid : runningInstance ? runningInstance->pid : 0;
    const int worker = a ? a->worker
                       : running ? running->worker
                       : runningInstance ? runningInstance->worker
                                         : -1;
    tip += QStringLiteral("<br>") + tr("slot %1").arg(bar.lane + 1);
    if (pid > 0)
        tip += tr(", process %1").arg(pid);
    else if (worker >= 0)
        tip += tr(", worker thread %1").arg(worker + 1);
    if (a) {
        if (!a->ok && !a->error.empty()) {
            QString error = QString::fromStdString(a->error);
            if (error.size() > 200)
                error = error.left(200) + QStringLiteral("…");
            tip += QStringLiteral("<br>") + error.toHtmlEscaped();
        }
        if (a->retryIn >= 0)
            tip += QStringLiteral("<br>")
                   + tr("ran again after %1").arg(QString::fromStdString(formatSeconds(a->retryIn)));
    }
    if (bar.critical)
        tip += tr("<br>on the critical path");
    return tip;
}

bool TimelineView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        if (const auto bar = barAt(help->pos())) {
            QToolTip::showText(help->globalPos(), tooltipFor(*bar), this);
        } else {
            QToolTip::hideText();
            event->ignore();
        }
        return true;
    }
    return QWidget::event(event);
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    const QPointF delta = event->angleDelta();
    if (event->modifiers() & Qt::ControlModifier) {
        // Zoom time around the cursor: the time under it stays under it.
        const double x = event->position().x();
        const double anchor = timeAt(x);
        const double factor = std::pow(1.0015, delta.y());
        m_pxPerSecond = std::clamp(m_pxPerSecond * factor, 1e-3, 1e7);
        m_t0 = anchor - (x - m_left) / m_pxPerSecond;
        m_follow = false;
    } else if (std::abs(delta.x()) > std::abs(delta.y()) || event->modifiers() & Qt::ShiftModifier) {
        const double d = delta.x() != 0 ? delta.x() : delta.y();
        m_t0 -= d / 120.0 * 60 / m_pxPerSecond;
        m_follow = false;
    } else {
        const int maxScroll = std::max(0, kRulerHeight + kCurveHeight + rowCount() * kLaneHeight
                                              - height());
        m_scrollY = std::clamp(m_scrollY - int(delta.y() / 120.0 * kLaneHeight * 2), 0, maxScroll);
    }
    event->accept();
    update();
}

void TimelineView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(event);
    m_dragging = true;
    m_dragged = false;
    m_dragFrom = event->pos();
    m_dragT0 = m_t0;
    m_dragScrollY = m_scrollY;
}

void TimelineView::mouseMoveEvent(QMouseEvent *event)
{
    if (!m_dragging)
        return;
    const QPoint d = event->pos() - m_dragFrom;
    if (!m_dragged && d.manhattanLength() < 4)
        return;
    m_dragged = true;
    m_follow = false;
    m_t0 = m_dragT0 - d.x() / m_pxPerSecond;
    const int maxScroll = std::max(0, kRulerHeight + kCurveHeight + rowCount() * kLaneHeight
                                          - height());
    m_scrollY = std::clamp(m_dragScrollY - d.y(), 0, maxScroll);
    setCursor(Qt::ClosedHandCursor);
    update();
}

void TimelineView::mouseReleaseEvent(QMouseEvent *event)
{
    if (!m_dragging)
        return QWidget::mouseReleaseEvent(event);
    m_dragging = false;
    unsetCursor();
    if (!m_dragged) {
        if (const auto bar = barAt(event->pos())) {
            Q_EMIT nodeClicked(m_controller->nodeId(bar->node));
            if (bar->instance >= 0)
                Q_EMIT instanceClicked(m_controller->nodeId(bar->node), bar->instance);
        }
    }
}

} // namespace weft::ui
