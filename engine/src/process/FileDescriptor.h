// SPDX-License-Identifier: Apache-2.0
#pragma once

// Small helpers for the system calls of the process layer (the reactor and
// the POSIX launcher).

#include <cerrno>

#include <unistd.h>

namespace weft {

// Calls f until it fails with something other than EINTR.
template<typename F>
auto retryOnEintr(F f)
{
    decltype(f()) result;
    do {
        result = f();
    } while (result == -1 && errno == EINTR);
    return result;
}

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
