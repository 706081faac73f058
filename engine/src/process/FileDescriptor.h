#pragma once

#include <unistd.h>

namespace weft {

// Closes fd if open and marks it closed. Never retried on EINTR: Linux
// releases the descriptor even then, and a retry could close a descriptor
// another thread has just been given.
inline void closeFd(int &fd)
{
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

} // namespace weft
