// SPDX-License-Identifier: Apache-2.0
#pragma once

// The task arenas that runs execute in, kept for the next run instead of
// destroyed when a run ends.
//
// Why: oneTBB (seen with 2021.8, Debian 12) never frees an arena that one of
// its worker threads has joined: each destroyed task_arena leaves its arena,
// task pools and mailboxes behind, about 8 KB (valgrind: "possibly lost",
// allocated in r1::initialize(task_arena_base&) and r1::submit). One arena a
// run made a long watch session or a host that starts many small runs grow
// without bound (+100 % RSS over 1,000 runs of 99 `noop` nodes). An arena
// that is reused costs nothing more.
//
// Each run still has an arena of its own while it runs: a lease takes an idle
// arena of the run's concurrency, or makes one when none is idle (runs at the
// same time on several threads), and gives it back when the run ends. So the
// arenas kept are at most the most runs of one concurrency that ever ran at
// the same time; an idle arena holds no thread.

#include <oneapi/tbb/task_arena.h>

#include <memory>

namespace weft {

class ArenaLease
{
public:
    explicit ArenaLease(int concurrency); // an idle arena of that concurrency, or a new one
    ~ArenaLease();                        // gives it back for the next run
    ArenaLease(const ArenaLease &) = delete;
    ArenaLease &operator=(const ArenaLease &) = delete;

    oneapi::tbb::task_arena &arena() { return *m_arena; }

    // Leaves an idle arena of that concurrency ready for the next lease,
    // with oneTBB's scheduler initialized (made only if none was idle).
    static void prepare(int concurrency);

    // Arenas made so far (leased or idle), for tests.
    static int arenasMade();

private:
    int m_concurrency;
    std::unique_ptr<oneapi::tbb::task_arena> m_arena;
};

} // namespace weft
