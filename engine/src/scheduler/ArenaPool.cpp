// SPDX-License-Identifier: Apache-2.0
#include "scheduler/ArenaPool.h"

#include <map>
#include <mutex>
#include <vector>

namespace weft {

namespace {

struct Pool
{
    std::mutex mutex;
    std::map<int, std::vector<std::unique_ptr<oneapi::tbb::task_arena>>> idle; // by concurrency
    int made = 0;
};

// Never destroyed: arenas torn down during exit would race oneTBB's own
// teardown, and nothing is gained by freeing them then.
Pool &pool()
{
    static Pool *const p = new Pool;
    return *p;
}

} // namespace

ArenaLease::ArenaLease(int concurrency)
    : m_concurrency(concurrency)
{
    Pool &p = pool();
    {
        std::lock_guard lock(p.mutex);
        auto it = p.idle.find(concurrency);
        if (it != p.idle.end() && !it->second.empty()) {
            m_arena = std::move(it->second.back());
            it->second.pop_back();
            return;
        }
        ++p.made;
    }
    m_arena = std::make_unique<oneapi::tbb::task_arena>(concurrency);
}

void ArenaLease::prepare(int concurrency)
{
    // Entering the arena once initializes oneTBB's scheduler (its allocator
    // library, the thread pool's bookkeeping) along with the arena itself;
    // the lease then gives it back, idle, for the run.
    ArenaLease lease(concurrency);
    lease.arena().execute([] {});
}

ArenaLease::~ArenaLease()
{
    Pool &p = pool();
    std::lock_guard lock(p.mutex);
    p.idle[m_concurrency].push_back(std::move(m_arena));
}

int ArenaLease::arenasMade()
{
    Pool &p = pool();
    std::lock_guard lock(p.mutex);
    return p.made;
}

} // namespace weft
