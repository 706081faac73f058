// SPDX-License-Identifier: Apache-2.0
#pragma once

// Decides when a ready node may start: it needs a free job slot and, if it
// declares them, pool units and its non-reentrant type. A node that cannot
// start goes into a FIFO waiting queue and holds no thread; whoever releases
// a slot or units dispatches the waiters that now fit.
//
// Hot path: a node with no pools and a reentrant type claims its slot with
// one CAS and releases it with one atomic AND, plus one load of the waiter
// count; the lock is taken only when someone waits or when pools or
// exclusive types are involved.
//
// No lost wake-ups: a waiter increments the waiter count and then tries to
// claim again under the lock; a releaser frees its slot and then reads the
// waiter count. Both are seq_cst, so either the releaser sees the waiter or
// the waiter sees the free slot.
//
// Shuffled (weft-cli run --shuffle SEED): every ready unit waits, and the
// waiters are granted in an order fixed by a seeded hash of each unit instead
// of FIFO, so one seed gives one order at -j 1 whatever order oneTBB made
// them ready in. A grant is held back while units the run knows became ready
// have not reached the queue yet (expect()/arrived()): the choice is made
// among all of them, not among whichever came first.

#include "scheduler/JobSlots.h"
#include "scheduler/PoolSet.h"
#include "scheduler/RunGraph.h"
#include "scheduler/Unit.h"

#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace weft {

class Admission
{
public:
    struct Grant
    {
        Unit unit = 0;
        int slot = -1;
    };

    Admission(const RunGraph &graph, int jobs);

    int jobs() const { return m_slots.count(); }

    // Claims everything unit `i` (a node or an instance: what its node asks) needs. Returns its slot, or -1 with the
    // reason (and pool or type name) that holds it.
    int tryAdmit(Unit i, WaitReason &reason, std::string &detail);

    // Queues `i` (after tryAdmit failed) and appends to `granted` the waiters
    // that can start now, `i` itself possibly among them. False when the
    // queue is halted: `i` was not queued and must end without running.
    bool wait(Unit i, std::vector<Grant> &granted);
    // wait() for many units at once, in order, under one lock: a fan-out's
    // instances that found no free slot.
    bool waitAll(const std::vector<Unit> &units, std::vector<Grant> &granted);

    // Gives back what `i` held; appends to `granted` the waiters that fit now.
    void release(Unit i, int slot, std::vector<Grant> &granted);

    // The run stopped or was cancelled: nothing is granted or queued from now
    // on; the waiters are moved to `out` for the caller to end unrun.
    void halt(std::vector<Unit> &out);

    bool hasWaiters() const { return m_waiters.load(std::memory_order_seq_cst) > 0; }

    // Grants in the seeded order from now on; call before the run starts.
    void shuffle(std::uint64_t seed);
    bool shuffled() const { return m_shuffled; }
    // `n` more units became ready and will each call arrived() once they
    // have queued, skipped or finished: no grant is made until they have.
    void expect(int n);
    void arrived(std::vector<Grant> &granted);

private:
    void grantLocked(std::vector<Grant> &granted);

    const RunGraph &m_graph;
    JobSlots m_slots;
    std::mutex m_mutex;
    PoolSet m_pools;                 // guarded by m_mutex
    std::deque<Unit> m_queue;        // guarded by m_mutex
    std::atomic<int> m_waiters{0};   // m_queue.size(), readable without the lock
    bool m_halted = false;           // guarded by m_mutex
    bool m_shuffled = false;         // set before the run: read without the lock
    std::uint64_t m_seed = 0;
    int m_pending = 0;               // guarded by m_mutex; expected units not arrived yet
    std::set<std::pair<std::uint64_t, Unit>> m_order; // guarded by m_mutex; shuffled waiters by rank
};

} // namespace weft
