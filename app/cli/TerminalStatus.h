// SPDX-License-Identifier: Apache-2.0
#pragma once

// What kind of output a file descriptor is: a terminal that can take a live
// status line and colours, or a file or pipe that gets plain lines.

namespace weft::cli {

// A terminal that understands cursor movement: isatty() and TERM is not "dumb".
bool isLiveTerminal(int fd);

// Colours on a live terminal, unless NO_COLOR is set (https://no-color.org).
bool wantsColour(int fd);

// Width of the terminal on `fd` (TIOCGWINSZ), else $COLUMNS, else 80.
int terminalColumns(int fd);

} // namespace weft::cli
