// SPDX-License-Identifier: Apache-2.0
#include "run/WatchTray.h"

#include "run/RunController.h"
#include "run/RunStateStyle.h"

#include <QCoreApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

#include <algorithm>

namespace weft::ui {

namespace {

NodeState stateOf(const RunController::RoundRecord &record)
{
    if (!record.finished)
        return NodeState::Running;
    switch (record.outcome) {
    case RunOutcome::Succeeded: return NodeState::Succeeded;
    case RunOutcome::Failed: return NodeState::Failed;
    case RunOutcome::Cancelled: return NodeState::Cancelled;
    }
    return NodeState::Succeeded;
}

QString seconds(double s)
{
    return s < 10 ? QString::number(s, 'f', 2) + QStringLiteral(" s")
                  : QString::number(s, 'f', 1) + QStringLiteral(" s");
}

QString joinPaths(const std::vector<std::string> &paths, int shown, bool fileNames)
{
    QStringList list;
    for (std::size_t i = 0; i < paths.size() && int(i) < shown; ++i) {
        QString path = QString::fromStdString(paths[i]);
        if (fileNames)
            path = path.section(QLatin1Char('/'), -1);
        list << path;
    }
    QString text = list.join(QStringLiteral(", "));
    if (int(paths.size()) > shown)
        text += QCoreApplication::translate("weft::ui::WatchTray", " and %1 more")
                    .arg(paths.size() - std::size_t(shown));
    return text;
}

// How a finished round went, in a few words.
QString outcomeLine(const RunController::RoundRecord &record)
{
    if (!record.finished)
        return QCoreApplication::translate("weft::ui::WatchTray", "running");
    QString line = RunStateStyle::label(stateOf(record)) + QLatin1Char(' ')
                   + QCoreApplication::translate("weft::ui::WatchTray", "in %1")
                         .arg(seconds(record.wall));
    QStringList parts;
    if (record.ran)
        parts << QCoreApplication::translate("weft::ui::WatchTray", "%n ran", nullptr,
                                             int(record.ran));
    if (record.cached)
        parts << QCoreApplication::translate("weft::ui::WatchTray", "%1 up to date")
                     .arg(record.cached);
    if (record.failed)
        parts << QCoreApplication::translate("weft::ui::WatchTray", "%1 failed").arg(record.failed);
    if (!parts.isEmpty())
        line += QStringLiteral(" (") + parts.join(QStringLiteral(", ")) + QLatin1Char(')');
    return line;
}

} // namespace

WatchTray::WatchTray(RunController *controller, QWidget *parent)
    : QWidget(parent)
    , m_controller(controller)
{
    setObjectName(QStringLiteral("watchTray"));
    setAutoFillBackground(true);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 3, 8, 3);
    layout->setSpacing(8);
    m_icon = new QLabel;
    const int px = fontMetrics().height();
    m_icon->setPixmap(RunStateStyle::actionIcon(QStringLiteral("watch")).pixmap(px, px));
    m_headline = new QLabel;
    m_headline->setObjectName(QStringLiteral("watchHeadline"));
    m_headline->setTextFormat(Qt::PlainText);
    m_headline->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_chips = new QWidget;
    m_chipLayout = new QHBoxLayout(m_chips);
    m_chipLayout->setContentsMargins(0, 0, 0, 0);
    m_chipLayout->setSpacing(2);
    layout->addWidget(m_icon);
    layout->addWidget(m_headline, 1);
    layout->addWidget(m_chips);
    hide();
}

QString WatchTray::headline() const
{
    return m_full;
}

void WatchTray::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    elide();
}

void WatchTray::elide()
{
    // The chips keep their room; the headline gives way, whole in its tooltip.
    const int room = std::max(40, m_headline->width());
    m_headline->setText(m_headline->fontMetrics().elidedText(m_full, Qt::ElideRight, room));
}

int WatchTray::chipCount() const
{
    return m_chipLayout->count();
}

QString WatchTray::describeCauses(const RunController &controller, int recordIndex, int paths,
                                  bool fileNames)
{
    const auto &rounds = controller.rounds();
    if (recordIndex < 0 || std::size_t(recordIndex) >= rounds.size())
        return {};
    // The short form says each changed path once, however many watchers
    // heard it; the long one (tooltips) names who heard what.
    QStringList said;
    std::vector<std::string> heard;
    for (const TriggerFired &cause : rounds[std::size_t(recordIndex)].causes) {
        const QString node = QString::fromStdString(cause.node);
        if (cause.cause == "start") {
            said << tr("first round");
        } else if (cause.cause == "timer") {
            said << tr("%1 fired (timer)").arg(node);
        } else if (cause.cause == "change" || cause.cause == "input") {
            if (!fileNames) {
                const QString list = joinPaths(cause.changed, paths, false);
                said << (cause.cause == "change"
                             ? tr("%1 (watch) heard %2").arg(node, list)
                             : tr("%1 changed (an input of %2)").arg(list, node));
                continue;
            }
            for (const std::string &path : cause.changed)
                if (std::find(heard.begin(), heard.end(), path) == heard.end())
                    heard.push_back(path);
            if (cause.changed.empty())
                said << tr("%1 fired").arg(node);
        } else {
            said << tr("%1: %2").arg(node, QString::fromStdString(cause.cause));
        }
    }
    if (!heard.empty())
        said.prepend(tr("%1 changed").arg(joinPaths(heard, paths, true)));
    return said.join(QStringLiteral("; "));
}

void WatchTray::refresh()
{
    const auto &rounds = m_controller->rounds();
    if (rounds.empty()) {
        m_full = tr("Watching · starting…");
    } else {
        const RunController::RoundRecord &last = rounds.back();
        const QString why = describeCauses(*m_controller, int(rounds.size()) - 1, 2, true);
        QString text = tr("Watching · round %1: %2").arg(last.round).arg(why);
        text += QStringLiteral(" · ") + outcomeLine(last);
        if (last.finished && m_controller->isWatching() && !m_controller->isStopping())
            text += tr(" · waiting for a change");
        if (!m_controller->isWatching())
            text = tr("Watch ended after round %1 · %2 · %3")
                       .arg(last.round)
                       .arg(why, outcomeLine(last));
        m_full = text;
        m_headline->setToolTip(tr("%1\nRound %2 started because: %3")
                                   .arg(text)
                                   .arg(last.round)
                                   .arg(describeCauses(*m_controller, int(rounds.size()) - 1, 50)));
    }

    // The chips: one per kept round, oldest left; at most kShown.
    constexpr int kShown = 20;
    while (QLayoutItem *item = m_chipLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const int first = std::max(0, int(rounds.size()) - kShown);
    const QPalette pal = palette();
    for (int i = first; i < int(rounds.size()); ++i) {
        const RunController::RoundRecord &record = rounds[std::size_t(i)];
        auto *chip = new QToolButton;
        chip->setObjectName(QStringLiteral("round:%1").arg(record.round));
        chip->setText(QString::number(record.round));
        chip->setAutoRaise(false);
        chip->setCursor(Qt::PointingHandCursor);
        const NodeState state = stateOf(record);
        const QColor fill = record.finished && record.ran == 0 && record.failed == 0
                                ? RunStateStyle::tint(NodeState::Succeeded, pal) // all up to date
                                : RunStateStyle::color(state, pal);
        const QColor text = fill.lightnessF() > 0.6 ? QColor(Qt::black) : QColor(Qt::white);
        chip->setStyleSheet(QStringLiteral("QToolButton { background: %1; color: %2; border: "
                                           "1px solid %3; border-radius: 3px; padding: 0 4px; "
                                           "font-size: 8pt; }")
                                .arg(fill.name(), text.name(), fill.darker(130).name()));
        chip->setToolTip(tr("Round %1: %2\n%3\nClick to show it in the History dock.")
                             .arg(record.round)
                             .arg(describeCauses(*m_controller, i, 10), outcomeLine(record)));
        const int round = record.round;
        connect(chip, &QToolButton::clicked, this, [this, round] { Q_EMIT roundClicked(round); });
        m_chipLayout->addWidget(chip);
    }

    elide();
    QPalette own = palette();
    own.setColor(QPalette::Window, RunStateStyle::tint(NodeState::Waiting, own).lighter(104));
    setPalette(own);
}

} // namespace weft::ui
