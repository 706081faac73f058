// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one UTF-8 check. The .weft parser refuses what it rejects and the JSON
// writer replaces it with U+FFFD, so what the writer produces is exactly what
// the parser accepts. Inline: both call it once per non-ASCII character in
// their inner loops.

#include <cstddef>

namespace weft::json {

// Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 when it is
// invalid: overlong forms, surrogates, code points above U+10FFFF and a
// sequence cut short by `end` are refused.
inline std::size_t utf8SequenceLength(const unsigned char *p, const unsigned char *end)
{
    const unsigned char c = p[0];
    auto cont = [&](std::size_t i) { return p + i < end && (p[i] & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF)
        return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2))
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0; // overlong
        if (c == 0xED && p[1] >= 0xA0)
            return 0; // UTF-16 surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3))
            return 0;
        if (c == 0xF0 && p[1] < 0x90)
            return 0; // overlong
        if (c == 0xF4 && p[1] >= 0x90)
            return 0; // above U+10FFFF
        return 4;
    }
    return 0;
}

} // namespace weft::json
