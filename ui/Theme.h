// SPDX-License-Identifier: Apache-2.0
#pragma once

// Colours and icons in one place. Colours derive from the application
// palette so light and dark themes both read; icons are SVGs in the qrc, so
// they stay crisp at any device pixel ratio.

#include <weft/Operation.h>

#include <QColor>
#include <QIcon>
#include <QPalette>
#include <QPixmap>
#include <QString>

namespace weft::ui::Theme {

struct NodeColors
{
    QColor body;
    QColor header;
    QColor outline;
    QColor selection;
    QColor hover;
    QColor text;
    QColor mutedText;
    QColor port;
    QColor edge;
    QColor dataEdge; // an edge that carries a referenced output
    QColor edgeSelected;
    QColor canvas;
    QColor grid;      // the major lines of the canvas grid
    QColor gridMinor; // opaque, already mixed over the canvas (see GraphView)
    QColor error;
};

bool isDark(const QPalette &palette);
// Recomputed when the palette changes; cheap to call from paint().
const NodeColors &nodeColors();
void refresh();

// A colour per operation group, mixed towards the palette's base so it reads
// as a tint in both themes; used for the header band and for far-zoom boxes.
QColor groupColor(const std::string &group);

// ":/icons/ops/<name>.svg", or a generic operation icon.
QIcon operationIcon(const std::string &iconName);
// The badge for where an operation runs.
QIcon siteIcon(ExecutionSite site);
QString siteToolTip(ExecutionSite site);
// A theme icon where the desktop has one, else our own SVG.
QIcon actionIcon(const QString &themeName, const QString &resourceName);
QIcon appIcon();

// Pixmaps rendered once per (icon, size, dpr); paint() calls this per frame.
QPixmap cachedPixmap(const QString &key, const QIcon &icon, int size, qreal dpr);

} // namespace weft::ui::Theme
