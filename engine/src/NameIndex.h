// SPDX-License-Identifier: Apache-2.0
#pragma once

// Names to the positions of what they name, in an array the caller keeps:
// open addressing over small (tag, position) slots, at most half full. A
// look-up reads one slot of 8 bytes and compares a name only when the tag
// (the hash's upper half) matches, so it costs one cache miss where a
// node-based hash map cost two or three; and a look-up whose name is known
// early can have its slot fetched ahead (prefetch()).
//
// The index keeps no names: every call that compares or rehashes them takes
// `nameOf(position)`, so the caller's array may move with the index.
// The validator's node ids and the state store's records both use it.

#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

namespace weft::detail {

class NameIndex
{
public:
    static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

    // Room for `count` names without growing.
    template<typename NameOf>
    void reserve(std::size_t count, const NameOf &nameOf)
    {
        std::size_t slots = 16;
        while (slots < 2 * count)
            slots *= 2;
        if (slots > m_slots.size())
            rebuild(slots, nameOf);
    }

    // Files `position` under `name` and returns it; a name already filed
    // keeps its first position, which is returned instead.
    template<typename NameOf>
    std::uint32_t insert(std::string_view name, std::uint32_t position, const NameOf &nameOf)
    {
        if (2 * (m_count + 1) > m_slots.size())
            rebuild(m_slots.empty() ? 16 : 2 * m_slots.size(), nameOf);
        const std::uint64_t h = hash(name);
        const auto tag = std::uint32_t(h >> 32);
        for (std::uint64_t at = h & m_mask;; at = (at + 1) & m_mask) {
            Slot &slot = m_slots[at];
            if (slot.entry == 0) {
                slot = {tag, position + 1};
                ++m_count;
                return position;
            }
            if (slot.tag == tag && nameOf(slot.entry - 1) == name)
                return slot.entry - 1;
        }
    }

    // The position filed under `name`, or kNone.
    template<typename NameOf>
    std::uint32_t find(std::string_view name, const NameOf &nameOf) const
    {
        if (m_slots.empty())
            return kNone;
        const std::uint64_t h = hash(name);
        const auto tag = std::uint32_t(h >> 32);
        for (std::uint64_t at = h & m_mask;; at = (at + 1) & m_mask) {
            const Slot &slot = m_slots[at];
            if (slot.entry == 0)
                return kNone;
            if (slot.tag == tag && nameOf(slot.entry - 1) == name)
                return slot.entry - 1;
        }
    }

    // Starts loading the slot a look-up of `name` reads first.
    void prefetch(std::string_view name) const
    {
        if (!m_slots.empty())
            __builtin_prefetch(&m_slots[hash(name) & m_mask]);
    }

    // The position in the slot a look-up of `name` reads first (kNone if
    // empty): most likely its own, to be fetched ahead once that slot came in.
    std::uint32_t firstCandidate(std::string_view name) const
    {
        if (m_slots.empty())
            return kNone;
        const Slot &slot = m_slots[hash(name) & m_mask];
        return slot.entry == 0 ? kNone : slot.entry - 1;
    }

    void clear()
    {
        m_slots.clear();
        m_mask = 0;
        m_count = 0;
    }

private:
    struct Slot
    {
        std::uint32_t tag = 0;   // the hash's upper half
        std::uint32_t entry = 0; // position + 1; 0: empty
    };

    static std::uint64_t hash(std::string_view name) { return std::hash<std::string_view>{}(name); }

    template<typename NameOf>
    void rebuild(std::size_t slots, const NameOf &nameOf)
    {
        std::vector<Slot> old(slots);
        old.swap(m_slots);
        m_mask = slots - 1;
        for (const Slot &slot : old) {
            if (slot.entry == 0)
                continue;
            const std::uint64_t h = hash(nameOf(slot.entry - 1));
            std::uint64_t at = h & m_mask;
            while (m_slots[at].entry != 0)
                at = (at + 1) & m_mask;
            m_slots[at] = slot;
        }
    }

    std::vector<Slot> m_slots; // a power of two, at most half full
    std::uint64_t m_mask = 0;
    std::size_t m_count = 0;
};

} // namespace weft::detail
