// SPDX-License-Identifier: Apache-2.0
#pragma once

// The bounded end of an output stream, kept for error reports: a child that
// prints a gigabyte costs at most about twice the limit in memory.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace weft {

class OutputTail
{
public:
    explicit OutputTail(std::size_t limit = 64 * 1024);

    void append(std::string_view data);

    // The last (up to) limit bytes.
    std::string text() const;
    // The last `count` complete or final lines, without the trailing newline,
    // at most `maxBytes` long; a line cut by the limit is left out.
    std::string lastLines(std::size_t count, std::size_t maxBytes = 8 * 1024) const;
    std::uint64_t totalBytes() const { return m_total; }

private:
    std::string m_data; // up to 2 * m_limit: trimmed in bulk, not on every append
    std::size_t m_limit;
    std::uint64_t m_total = 0;
};

} // namespace weft
