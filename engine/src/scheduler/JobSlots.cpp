// SPDX-License-Identifier: Apache-2.0
#include "scheduler/JobSlots.h"

#include <bit>
#include <cassert>
#include <cstdint>

namespace weft {

JobSlots::JobSlots(int count)
    : m_count(count)
    , m_words((count + 63) / 64)
    , m_bitmap(new Word[std::size_t(m_words)])
{
    assert(count > 0 && "a run needs at least one job slot");
    // Bits past the last slot are permanently taken, so claims never check bounds.
    const int tail = count % 64;
    if (tail != 0)
        m_bitmap[m_words - 1].bits.store(~((std::uint64_t(1) << tail) - 1), std::memory_order_relaxed);
}

int JobSlots::tryClaim()
{
    for (int w = 0; w < m_words; ++w) {
        std::atomic<std::uint64_t> &word = m_bitmap[w].bits;
        std::uint64_t bits = word.load(std::memory_order_relaxed);
        while (~bits != 0) {
            const int bit = std::countr_one(bits);
            // seq_cst pairs with the waiter count in Admission: see releaseSlot().
            if (word.compare_exchange_weak(bits, bits | (std::uint64_t(1) << bit),
                                           std::memory_order_seq_cst,
                                           std::memory_order_relaxed))
                return w * 64 + bit;
        }
    }
    return -1;
}

void JobSlots::release(int slot)
{
    assert(slot >= 0 && slot < m_count && "releasing a slot that does not exist");
    const std::uint64_t mask = std::uint64_t(1) << (slot % 64);
    [[maybe_unused]] const std::uint64_t before
        = m_bitmap[slot / 64].bits.fetch_and(~mask, std::memory_order_seq_cst);
    assert((before & mask) && "releasing a slot that was free");
}

} // namespace weft
