// SPDX-License-Identifier: Apache-2.0
#pragma once

// Colours, icons and words for run states, in one place, so the canvas, the
// problems list, the timeline and the status bar say the same thing. Colours
// derive from the given palette: the hues stay fixed (blue, green, red,
// amber, grey: apart for common colour-vision deficiencies, and always paired
// with an icon), their lightness follows the theme so they read on light and
// dark backgrounds alike.

#include "canvas/NodeVisualState.h"

#include <weft/Events.h>

#include <QColor>
#include <QIcon>
#include <QPalette>
#include <QString>

namespace weft::ui::RunStateStyle {

RunState toRunState(NodeState state);
NodeState toNodeState(RunState state); // RunState::None maps to Pending

// The state's signal colour: outlines, timeline bars, icons.
QColor color(NodeState state, const QPalette &palette);
// A background tint of the state colour for rows and banners.
QColor tint(NodeState state, const QPalette &palette);
// The palette's error colour: stderr text, the error status bar.
QColor errorColor(const QPalette &palette);

// The state icon (SVG, from the "/run" resource block).
QIcon icon(NodeState state);
QIcon actionIcon(const QString &name); // "run", "stop", "run-selected"

// "pending", "waiting", ... for people (translatable), capitalised when asked.
QString label(NodeState state, bool capitalised = false);

} // namespace weft::ui::RunStateStyle
