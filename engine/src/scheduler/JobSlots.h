// SPDX-License-Identifier: Apache-2.0
#pragma once

// The job limit (make -j): a fixed set of slots, each a trace lane. Claiming
// and releasing are lock-free (one CAS on a 64-slot bitmap word), because
// every node of a run passes through here and most never have to wait.

#include <atomic>
#include <memory>

namespace weft {

class JobSlots
{
public:
    explicit JobSlots(int count);

    int count() const { return m_count; }
    // A free slot index 0..count-1, or -1 when all are taken.
    int tryClaim();
    void release(int slot);

private:
    struct alignas(64) Word
    {
        std::atomic<std::uint64_t> bits{0}; // 1 = taken
    };
    int m_count = 0;
    int m_words = 0;
    std::unique_ptr<Word[]> m_bitmap;
};

} // namespace weft
