// SPDX-License-Identifier: Apache-2.0
#include "run/RunStateStyle.h"

#include <QCoreApplication>
#include <QFile>

#include <array>

namespace weft::ui::RunStateStyle {

namespace {

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

QColor mix(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(a.redF() * (1 - t) + b.redF() * t,
                            a.greenF() * (1 - t) + b.greenF() * t,
                            a.blueF() * (1 - t) + b.blueF() * t);
}

} // namespace

RunState toRunState(NodeState state)
{
    switch (state) {
    case NodeState::Pending: return RunState::Pending;
    case NodeState::Waiting: return RunState::Waiting;
    case NodeState::Running: return RunState::Running;
    case NodeState::Succeeded: return RunState::Succeeded;
    case NodeState::Failed: return RunState::Failed;
    case NodeState::Skipped: return RunState::Skipped;
    case NodeState::Cancelled: return RunState::Cancelled;
    }
    return RunState::None;
}

NodeState toNodeState(RunState state)
{
    switch (state) {
    case RunState::None:
    case RunState::Pending: return NodeState::Pending;
    case RunState::Waiting: return NodeState::Waiting;
    case RunState::Running: return NodeState::Running;
    case RunState::Succeeded: return NodeState::Succeeded;
    case RunState::Failed: return NodeState::Failed;
    case RunState::Skipped: return NodeState::Skipped;
    case RunState::Cancelled: return NodeState::Cancelled;
    }
    return NodeState::Pending;
}

QColor color(NodeState state, const QPalette &palette)
{
    QColor c;
    switch (state) {
    case NodeState::Running: c = QColor(0x2f, 0x7f, 0xd8); break;
    case NodeState::Succeeded: c = QColor(0x2e, 0x9d, 0x4f); break;
    case NodeState::Failed: c = QColor(0xd3, 0x2f, 0x2f); break;
    case NodeState::Cancelled: c = QColor(0xe0, 0x9b, 0x1a); break;
    case NodeState::Pending:
    case NodeState::Waiting:
    case NodeState::Skipped:
        return mix(palette.color(QPalette::Base), palette.color(QPalette::Text), 0.5);
    }
    // On a dark background the mid-tone hues are too heavy: lift them.
    return isDark(palette) ? c.lighter(135) : c;
}

QColor tint(NodeState state, const QPalette &palette)
{
    return mix(palette.color(QPalette::Base), color(state, palette), isDark(palette) ? 0.35 : 0.18);
}

QColor errorColor(const QPalette &palette)
{
    return isDark(palette) ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc6, 0x28, 0x28);
}

namespace {

// The run icons live in their own "/run" resource block; a qrc that lists
// every icon under "/" carries them too.
QIcon runIcon(const QString &name)
{
    const QString own = QStringLiteral(":/run/icons/run/%1.svg").arg(name);
    if (QFile::exists(own))
        return QIcon(own);
    return QIcon(QStringLiteral(":/icons/run/%1.svg").arg(name));
}

} // namespace

QIcon icon(NodeState state)
{
    // One shared QIcon per state: a new one parsed its SVG again and
    // rendered it again, per call, and the instance list asks for a row's
    // icon on every repaint (a third of the GUI thread during a 10,000-
    // instance run). Sharing also shares the icon engine's pixmap cache.
    static std::array<QIcon, kNodeStateCount> cache;
    QIcon &cached = cache[std::size_t(state)];
    if (cached.isNull()) {
        // Icons hold pixmaps: let them go with the application, not after it.
        static const bool registered = [] {
            qAddPostRoutine([] { cache.fill(QIcon()); });
            return true;
        }();
        Q_UNUSED(registered);
        const std::string_view name = toString(state);
        cached = runIcon(QString::fromLatin1(name.data(), qsizetype(name.size())));
    }
    return cached;
}

QIcon actionIcon(const QString &name)
{
    return runIcon(name);
}

QString label(NodeState state, bool capitalised)
{
    QString text;
    switch (state) {
    case NodeState::Pending: text = QCoreApplication::translate("RunState", "pending"); break;
    case NodeState::Waiting: text = QCoreApplication::translate("RunState", "waiting"); break;
    case NodeState::Running: text = QCoreApplication::translate("RunState", "running"); break;
    case NodeState::Succeeded: text = QCoreApplication::translate("RunState", "succeeded"); break;
    case NodeState::Failed: text = QCoreApplication::translate("RunState", "failed"); break;
    case NodeState::Skipped: text = QCoreApplication::translate("RunState", "skipped"); break;
    case NodeState::Cancelled: text = QCoreApplication::translate("RunState", "cancelled"); break;
    }
    if (capitalised && !text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

} // namespace weft::ui::RunStateStyle
