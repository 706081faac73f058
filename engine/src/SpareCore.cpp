// SPDX-License-Identifier: Apache-2.0
#include "weft/SpareCore.h"

#include <atomic>
#include <memory>

#include <pthread.h>
#include <sched.h>

namespace weft {

std::thread startOnSpareCore(std::function<void()> body)
{
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    const int here = ::sched_getcpu();
    if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0 || here < 0
        || here >= CPU_SETSIZE || CPU_COUNT(&allowed) < 2 || !CPU_ISSET(here, &allowed))
        return std::thread(std::move(body));
    cpu_set_t spare = allowed;
    CPU_CLR(here, &spare);

    // The thread may not run its body before it is moved: until then it
    // would hold the creator's core (or run pinned to the spare ones for
    // good, had it widened its mask first). The creator moves it at once,
    // so the wait is a few instructions, never a sleep.
    auto moved = std::make_shared<std::atomic<bool>>(false);
    std::thread thread([moved, allowed, body = std::move(body)] {
        while (!moved->load(std::memory_order_acquire))
            std::this_thread::yield();
        ::pthread_setaffinity_np(::pthread_self(), sizeof allowed, &allowed);
        body();
    });
    ::pthread_setaffinity_np(thread.native_handle(), sizeof spare, &spare);
    moved->store(true, std::memory_order_release);
    return thread;
}

} // namespace weft
