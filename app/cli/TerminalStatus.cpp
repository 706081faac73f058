// SPDX-License-Identifier: Apache-2.0
#include "TerminalStatus.h"

#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <unistd.h>

namespace weft::cli {

bool isLiveTerminal(int fd)
{
    if (!::isatty(fd))
        return false;
    const char *term = std::getenv("TERM");
    return term && *term && std::strcmp(term, "dumb") != 0;
}

bool wantsColour(int fd)
{
    const char *noColour = std::getenv("NO_COLOR");
    if (noColour && *noColour)
        return false;
    return isLiveTerminal(fd);
}

int terminalColumns(int fd)
{
    struct winsize size = {};
    if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    if (const char *columns = std::getenv("COLUMNS")) {
        const int value = std::atoi(columns);
        if (value > 0)
            return value;
    }
    return 80;
}

} // namespace weft::cli
