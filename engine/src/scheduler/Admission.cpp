// SPDX-License-Identifier: Apache-2.0
#include "scheduler/Admission.h"

namespace weft {

Admission::Admission(const RunGraph &graph, int jobs)
    : m_graph(graph)
    , m_slots(jobs)
    , m_pools(graph)
{}

int Admission::tryAdmit(Unit unit, WaitReason &reason, std::string &detail)
{
    const NodeIndex i = unitNode(unit);
    if (!m_graph.node(i).needsLock) {
        const int slot = m_slots.tryClaim();
        if (slot < 0)
            reason = WaitReason::JobSlot;
        return slot;
    }
    std::lock_guard lock(m_mutex);
    reason = m_pools.blocker(i, &detail);
    if (reason != WaitReason::None)
        return -1;
    const int slot = m_slots.tryClaim();
    if (slot < 0) {
        reason = WaitReason::JobSlot;
        return -1;
    }
    m_pools.take(i);
    return slot;
}

namespace {

// splitmix64: a unit's rank under a seed, the same whatever order it arrives in.
std::uint64_t rank(std::uint64_t seed, Unit unit)
{
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (unit + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

} // namespace

void Admission::shuffle(std::uint64_t seed)
{
    m_shuffled = true;
    m_seed = seed;
}

void Admission::expect(int n)
{
    if (n <= 0)
        return;
    std::lock_guard lock(m_mutex);
    m_pending += n;
}

void Admission::arrived(std::vector<Grant> &granted)
{
    std::lock_guard lock(m_mutex);
    --m_pending;
    grantLocked(granted);
}

bool Admission::wait(Unit i, std::vector<Grant> &granted)
{
    std::lock_guard lock(m_mutex);
    if (m_halted)
        return false;
    if (m_shuffled) {
        m_order.emplace(rank(m_seed, i), i);
        m_waiters.fetch_add(1, std::memory_order_seq_cst);
        grantLocked(granted);
        return true;
    }
    m_queue.push_back(i);
    m_waiters.fetch_add(1, std::memory_order_seq_cst);
    grantLocked(granted);
    return true;
}

bool Admission::waitAll(const std::vector<Unit> &units, std::vector<Grant> &granted)
{
    std::lock_guard lock(m_mutex);
    if (m_halted)
        return false;
    if (m_shuffled) {
        for (Unit u : units)
            m_order.emplace(rank(m_seed, u), u);
    } else {
        m_queue.insert(m_queue.end(), units.begin(), units.end());
    }
    m_waiters.fetch_add(int(units.size()), std::memory_order_seq_cst);
    grantLocked(granted);
    return true;
}

void Admission::release(Unit unit, int slot, std::vector<Grant> &granted)
{
    const NodeIndex i = unitNode(unit);
    if (!m_graph.node(i).needsLock) {
        m_slots.release(slot);
        if (!hasWaiters())
            return;
        std::lock_guard lock(m_mutex);
        grantLocked(granted);
        return;
    }
    std::lock_guard lock(m_mutex);
    m_pools.give(i);
    m_slots.release(slot);
    grantLocked(granted);
}

void Admission::halt(std::vector<Unit> &out)
{
    std::lock_guard lock(m_mutex);
    m_halted = true;
    out.insert(out.end(), m_queue.begin(), m_queue.end());
    for (const auto &[rank, unit] : m_order)
        out.push_back(unit);
    m_waiters.fetch_sub(int(m_queue.size() + m_order.size()), std::memory_order_seq_cst);
    m_queue.clear();
    m_order.clear();
}

// FIFO, but a waiter held by a pool or a busy type does not block the ones
// behind it that fit; the scan ends when no job slot is left.
void Admission::grantLocked(std::vector<Grant> &granted)
{
    if (m_halted)
        return;
    // Grants slots to waiters in the order kept, skipping those a pool or an
    // exclusive type holds back: FIFO, or the seeded order under --shuffle.
    auto grant = [&](auto &waiters, auto unitOf) {
        for (auto it = waiters.begin(); it != waiters.end();) {
            const Unit unit = unitOf(*it);
            const NodeIndex node = unitNode(unit);
            if (m_graph.node(node).needsLock && m_pools.blocker(node) != WaitReason::None) {
                ++it;
                continue;
            }
            const int slot = m_slots.tryClaim();
            if (slot < 0)
                return;
            if (m_graph.node(node).needsLock)
                m_pools.take(node);
            granted.push_back({unit, slot});
            it = waiters.erase(it);
            m_waiters.fetch_sub(1, std::memory_order_seq_cst);
        }
    };
    if (m_shuffled) {
        if (m_pending > 0)
            return; // the choice waits for every unit known to be ready
        grant(m_order, [](const auto &entry) { return entry.second; });
        return;
    }
    grant(m_queue, [](Unit unit) { return unit; });
}

} // namespace weft
