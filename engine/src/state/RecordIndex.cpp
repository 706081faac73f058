// SPDX-License-Identifier: Apache-2.0
#include "state/Database.h"

#include <functional>

namespace weft::state {

std::uint64_t RecordIndex::hash(std::string_view unit)
{
    return std::hash<std::string_view> {}(unit);
}

void RecordIndex::reserve(std::size_t count)
{
    m_entries.reserve(count);
    std::size_t slots = 16;
    while (slots < 2 * count)
        slots *= 2;
    if (slots > m_slots.size())
        rebuild(slots);
}

void RecordIndex::rebuild(std::size_t slots)
{
    m_slots.assign(slots, Slot {});
    m_mask = slots - 1;
    for (std::size_t k = 0; k < m_entries.size(); ++k) {
        const std::uint64_t h = hash(m_entries[k].first);
        for (std::uint64_t at = h & m_mask;; at = (at + 1) & m_mask) {
            if (m_slots[at].entry == 0) {
                m_slots[at] = {std::uint32_t(h >> 32), std::uint32_t(k + 1)};
                break;
            }
        }
    }
}

void RecordIndex::add(std::string_view unit, const Recorded &record)
{
    if (2 * (m_entries.size() + 1) > m_slots.size())
        rebuild(m_slots.empty() ? 16 : 2 * m_slots.size());
    const std::uint64_t h = hash(unit);
    const auto tag = std::uint32_t(h >> 32);
    for (std::uint64_t at = h & m_mask;; at = (at + 1) & m_mask) {
        Slot &slot = m_slots[at];
        if (slot.entry == 0) {
            m_entries.emplace_back(unit, record);
            slot = {tag, std::uint32_t(m_entries.size())};
            return;
        }
        if (slot.tag == tag && m_entries[slot.entry - 1].first == unit)
            return;
    }
}

const Recorded *RecordIndex::find(std::string_view unit) const
{
    if (m_slots.empty())
        return nullptr;
    const std::uint64_t h = hash(unit);
    const auto tag = std::uint32_t(h >> 32);
    for (std::uint64_t at = h & m_mask;; at = (at + 1) & m_mask) {
        const Slot &slot = m_slots[at];
        if (slot.entry == 0)
            return nullptr;
        if (slot.tag == tag && m_entries[slot.entry - 1].first == unit)
            return &m_entries[slot.entry - 1].second;
    }
}

void RecordIndex::prefetchSlot(std::string_view unit) const
{
    if (!m_slots.empty())
        __builtin_prefetch(firstSlot(hash(unit)));
}

void RecordIndex::prefetchRecord(std::string_view unit) const
{
    if (m_slots.empty())
        return;
    const Slot &slot = *firstSlot(hash(unit));
    if (slot.entry != 0)
        __builtin_prefetch(&m_entries[slot.entry - 1]);
}

void RecordIndex::clear()
{
    m_entries.clear();
    m_slots.clear();
    m_mask = 0;
}

} // namespace weft::state
