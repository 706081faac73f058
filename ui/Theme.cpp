// SPDX-License-Identifier: Apache-2.0
#include "Theme.h"

#include <QApplication>
#include <QFile>
#include <QHash>
#include <QPixmapCache>

namespace weft::ui::Theme {

namespace {

QColor mix(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(a.redF() * (1 - t) + b.redF() * t, a.greenF() * (1 - t) + b.greenF() * t,
                            a.blueF() * (1 - t) + b.blueF() * t, a.alphaF() * (1 - t) + b.alphaF() * t);
}

NodeColors &colors()
{
    static NodeColors c;
    return c;
}

bool &initialised()
{
    static bool done = false;
    return done;
}

} // namespace

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

void refresh()
{
    const QPalette p = QApplication::palette();
    const bool dark = isDark(p);
    NodeColors &c = colors();
    const QColor base = p.color(QPalette::Base);
    const QColor text = p.color(QPalette::Text);
    c.canvas = dark ? mix(p.color(QPalette::Window), QColor(Qt::black), 0.25)
                    : mix(p.color(QPalette::Window), QColor(Qt::white), 0.35);
    c.grid = mix(c.canvas, text, dark ? 0.10 : 0.08);
    c.gridMinor = mix(c.canvas, c.grid, 0.45);
    c.body = dark ? mix(base, QColor(Qt::white), 0.06) : base;
    c.header = mix(c.body, text, 0.05);
    c.outline = mix(c.body, text, dark ? 0.35 : 0.30);
    c.selection = p.color(QPalette::Highlight);
    c.hover = mix(c.outline, c.selection, 0.6);
    c.text = text;
    c.mutedText = mix(text, base, 0.45);
    c.port = mix(c.body, text, 0.55);
    c.edge = mix(c.canvas, text, dark ? 0.55 : 0.50);
    c.edgeSelected = c.selection;
    // Violet: apart from the selection's blue and every run state's colour.
    c.dataEdge = dark ? QColor(0xc3, 0x95, 0xf5) : QColor(0x7e, 0x3f, 0xc0);
    c.error = dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc6, 0x28, 0x28);
    initialised() = true;
}

const NodeColors &nodeColors()
{
    if (!initialised())
        refresh();
    return colors();
}

QColor groupColor(const std::string &group)
{
    // Hues picked to stay apart for common colour-vision deficiencies.
    QColor hue;
    if (group == "Processes")
        hue = QColor(0x3b, 0x82, 0xc4); // blue
    else if (group == "Files")
        hue = QColor(0xd9, 0x8c, 0x1f); // orange
    else if (group == "Timing")
        hue = QColor(0x8e, 0x5c, 0xc8); // purple
    else if (group == "Control")
        hue = QColor(0x6b, 0x8e, 0x23); // olive
    else
        hue = QColor(0x80, 0x80, 0x80);
    return hue;
}

QIcon operationIcon(const std::string &iconName)
{
    static QHash<QString, QIcon> cache;
    const QString name = QString::fromStdString(iconName);
    const auto it = cache.constFind(name);
    if (it != cache.constEnd())
        return *it;
    QString path = QStringLiteral(":/icons/ops/%1.svg").arg(name);
    if (name.isEmpty() || !QFile::exists(path))
        path = QStringLiteral(":/icons/ops/generic.svg");
    const QIcon icon(path);
    cache.insert(name, icon);
    return icon;
}

QIcon siteIcon(ExecutionSite site)
{
    switch (site) {
    case ExecutionSite::WorkerThread:
        return QIcon(QStringLiteral(":/icons/badges/thread.svg"));
    case ExecutionSite::ChildProcess:
        return QIcon(QStringLiteral(":/icons/badges/process.svg"));
    case ExecutionSite::Timer:
        return QIcon(QStringLiteral(":/icons/badges/timer.svg"));
    }
    return {};
}

QString siteToolTip(ExecutionSite site)
{
    switch (site) {
    case ExecutionSite::WorkerThread:
        return QApplication::translate("Theme", "Runs on a worker thread of the run's pool");
    case ExecutionSite::ChildProcess:
        return QApplication::translate("Theme",
                                       "Runs as a child process; holds no worker while it waits");
    case ExecutionSite::Timer:
        return QApplication::translate("Theme", "Waits on a timer; holds no worker");
    }
    return {};
}

QIcon actionIcon(const QString &themeName, const QString &resourceName)
{
    return QIcon::fromTheme(themeName,
                            QIcon(QStringLiteral(":/icons/actions/%1.svg").arg(resourceName)));
}

QIcon appIcon()
{
    return QIcon(QStringLiteral(":/icons/weft.svg"));
}

QPixmap cachedPixmap(const QString &key, const QIcon &icon, int size, qreal dpr)
{
    const QString fullKey = QStringLiteral("weft:%1:%2:%3").arg(key).arg(size).arg(dpr);
    QPixmap pixmap;
    if (QPixmapCache::find(fullKey, &pixmap))
        return pixmap;
    pixmap = icon.pixmap(QSize(size, size), dpr);
    QPixmapCache::insert(fullKey, pixmap);
    return pixmap;
}

} // namespace weft::ui::Theme
