// SPDX-License-Identifier: Apache-2.0
#include "state/Database.h"

namespace weft::state {

void RecordIndex::reserve(std::size_t count)
{
    m_entries.reserve(count);
    m_index.reserve(count, unitOf());
}

void RecordIndex::add(std::string_view unit, const Recorded &record)
{
    const auto next = std::uint32_t(m_entries.size());
    if (m_index.insert(unit, next, unitOf()) == next)
        m_entries.emplace_back(unit, record);
}

const Recorded *RecordIndex::find(std::string_view unit) const
{
    const std::uint32_t k = m_index.find(unit, unitOf());
    return k == detail::NameIndex::kNone ? nullptr : &m_entries[k].second;
}

void RecordIndex::prefetchRecord(std::string_view unit) const
{
    if (const std::uint32_t k = m_index.firstCandidate(unit); k != detail::NameIndex::kNone)
        __builtin_prefetch(&m_entries[k]);
}

void RecordIndex::clear()
{
    m_entries.clear();
    m_index.clear();
}

} // namespace weft::state
