// SPDX-License-Identifier: Apache-2.0
#include "process/OutputTail.h"

namespace weft {

OutputTail::OutputTail(std::size_t limit)
    : m_limit(limit)
{}

void OutputTail::append(std::string_view data)
{
    m_total += data.size();
    if (data.size() >= m_limit) {
        m_data.assign(data.substr(data.size() - m_limit));
        return;
    }
    m_data.append(data);
    if (m_data.size() > 2 * m_limit)
        m_data.erase(0, m_data.size() - m_limit);
}

std::string OutputTail::text() const
{
    if (m_data.size() <= m_limit)
        return m_data;
    return m_data.substr(m_data.size() - m_limit);
}

std::string OutputTail::lastLines(std::size_t count, std::size_t maxBytes) const
{
    std::string_view view(m_data);
    if (view.size() > m_limit)
        view.remove_prefix(view.size() - m_limit);
    bool truncated = m_total > view.size();
    while (!view.empty() && (view.back() == '\n' || view.back() == '\r'))
        view.remove_suffix(1);
    std::size_t start = view.size();
    std::size_t lines = 0;
    while (start > 0 && lines < count) {
        std::size_t newline = view.rfind('\n', start - 1);
        if (newline == std::string_view::npos) {
            // The first line in the buffer: whole only if nothing was dropped.
            if (!truncated)
                start = 0;
            break;
        }
        start = newline;
        ++lines;
    }
    if (start < view.size() && view[start] == '\n')
        ++start;
    view.remove_prefix(start);
    if (view.size() > maxBytes) {
        view.remove_prefix(view.size() - maxBytes);
        std::size_t newline = view.find('\n');
        if (newline != std::string_view::npos)
            view.remove_prefix(newline + 1);
    }
    return std::string(view);
}

} // namespace weft
