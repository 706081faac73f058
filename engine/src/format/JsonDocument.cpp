// SPDX-License-Identifier: Apache-2.0
#include "format/JsonDocument.h"

#include "format/Utf8.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

namespace weft::json {

namespace {

// Character classes of the string scanner: anything but plain ASCII text stops
// the fast loop.
enum : std::uint8_t { Plain = 0, Quote, Backslash, Control, NonAscii };

constexpr auto kStringClass = [] {
    std::array<std::uint8_t, 256> table{};
    for (int c = 0; c < 0x20; ++c)
        table[c] = Control;
    table['"'] = Quote;
    table['\\'] = Backslash;
    for (int c = 0x80; c < 0x100; ++c)
        table[c] = NonAscii;
    return table;
}();

bool isSpace(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool isDigit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

void appendUtf8(std::string &out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

int hexValue(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

std::string_view describeType(Type type)
{
    switch (type) {
    case Type::Null: return "null";
    case Type::Boolean: return "a boolean";
    case Type::Integer:
    case Type::Double: return "a number";
    case Type::String: return "a string";
    case Type::Array: return "an array";
    case Type::Object: return "an object";
    }
    return "a value";
}

std::string pointerToken(std::string_view key)
{
    std::string token;
    token.reserve(key.size());
    for (char c : key) {
        if (c == '~')
            token += "~0";
        else if (c == '/')
            token += "~1";
        else
            token += c;
    }
    return token;
}

std::string Document::describeAt(std::size_t pos) const
{
    if (pos >= m_text.size())
        return "the end of the file";
    const unsigned char c = m_text[pos];
    if (c >= 0x20 && c < 0x7F)
        return std::string("'") + char(c) + "'";
    if (c >= 0x80)
        return "a non-ASCII character";
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "byte 0x%02X", c);
    return buffer;
}

bool Document::fail(std::size_t offset, std::string message)
{
    m_problems.push_back({std::move(message), offset, 0});
    return false;
}

bool Document::parseString(std::size_t &pos, Value &value)
{
    // pos is at the opening quote.
    const auto *const base = reinterpret_cast<const unsigned char *>(m_text.data());
    const auto *const end = base + m_text.size();
    const std::size_t start = pos + 1;
    const unsigned char *p = base + start;
    bool escaped = false;
    std::size_t arenaStart = 0;

    for (;;) {
        // Fast path: runs of plain ASCII, eight bytes per check where possible.
        while (end - p >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p, 8);
            // A byte needs attention when it is '"', '\\', < 0x20 or >= 0x80.
            const std::uint64_t ones = 0x0101010101010101ULL;
            const std::uint64_t high = 0x8080808080808080ULL;
            const std::uint64_t quote = word ^ (ones * '"');
            const std::uint64_t slash = word ^ (ones * '\\');
            const std::uint64_t special = ((quote - ones) & ~quote) | ((slash - ones) & ~slash)
                                          | (word - ones * 0x20) | word;
            if (special & high)
                break;
            if (escaped)
                m_arena.append(reinterpret_cast<const char *>(p), 8);
            p += 8;
        }
        if (p >= end)
            return fail(std::size_t(end - base), "unexpected end of the file inside a string");
        const unsigned char c = *p;
        switch (kStringClass[c]) {
        case Plain:
            if (escaped)
                m_arena += char(c);
            ++p;
            continue;
        case Quote: {
            value.type = Type::String;
            if (escaped) {
                value.flags |= Escaped;
                value.span.begin = std::uint32_t(arenaStart);
                value.span.length = std::uint32_t(m_arena.size() - arenaStart);
            } else {
                value.span.begin = std::uint32_t(start);
                value.span.length = std::uint32_t(std::size_t(p - base) - start);
            }
            pos = std::size_t(p - base) + 1;
            return true;
        }
        case Control: {
            char buffer[80];
            std::snprintf(buffer, sizeof buffer,
                          "control character U+%04X must be escaped in a string", c);
            return fail(std::size_t(p - base), buffer);
        }
        case NonAscii: {
            const std::size_t n = utf8SequenceLength(p, end);
            if (n == 0)
                return fail(std::size_t(p - base), "invalid UTF-8 in a string");
            if (escaped)
                m_arena.append(reinterpret_cast<const char *>(p), n);
            p += n;
            continue;
        }
        case Backslash:
            break;
        }
        // An escape: from here on the content is decoded into the arena.
        if (!escaped) {
            escaped = true;
            arenaStart = m_arena.size();
            m_arena.append(m_text.data() + start, std::size_t(p - base) - start);
        }
        const std::size_t escapeOffset = std::size_t(p - base);
        if (end - p < 2)
            return fail(std::size_t(end - base), "unexpected end of the file inside a string");
        const unsigned char e = p[1];
        p += 2;
        switch (e) {
        case '"': m_arena += '"'; break;
        case '\\': m_arena += '\\'; break;
        case '/': m_arena += '/'; break;
        case 'b': m_arena += '\b'; break;
        case 'f': m_arena += '\f'; break;
        case 'n': m_arena += '\n'; break;
        case 'r': m_arena += '\r'; break;
        case 't': m_arena += '\t'; break;
        case 'u': {
            auto readHex = [&](std::uint32_t &out) {
                if (end - p < 4)
                    return false;
                out = 0;
                for (int i = 0; i < 4; ++i) {
                    const int h = hexValue(p[i]);
                    if (h < 0)
                        return false;
                    out = out * 16 + std::uint32_t(h);
                }
                p += 4;
                return true;
            };
            std::uint32_t cp;
            if (!readHex(cp))
                return fail(escapeOffset, "\\u must be followed by four hexadecimal digits");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                std::uint32_t low;
                if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
                    return fail(escapeOffset, "unpaired UTF-16 surrogate in a \\u escape");
                p += 2;
                if (!readHex(low) || low < 0xDC00 || low > 0xDFFF)
                    return fail(escapeOffset, "unpaired UTF-16 surrogate in a \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(escapeOffset, "unpaired UTF-16 surrogate in a \\u escape");
            }
            appendUtf8(m_arena, cp);
            break;
        }
        default:
            if (e < 0x20 || e >= 0x7F)
                return fail(escapeOffset, "invalid escape sequence in a string");
            return fail(escapeOffset, std::string("invalid escape sequence \\") + char(e)
                                          + " in a string");
        }
    }
}

bool Document::parseNumber(std::size_t &pos, Value &value)
{
    const char *const begin = m_text.data() + pos;
    const char *const end = m_text.data() + m_text.size();
    const char *p = begin;
    if (p < end && *p == '-')
        ++p;
    if (p >= end || !isDigit(*p))
        return fail(pos, "invalid number: a digit must follow '-'");
    if (*p == '0') {
        ++p;
        if (p < end && isDigit(*p))
            return fail(pos, "invalid number: leading zeros are not allowed");
    } else {
        while (p < end && isDigit(*p))
            ++p;
    }
    bool integral = true;
    if (p < end && *p == '.') {
        integral = false;
        ++p;
        if (p >= end || !isDigit(*p))
            return fail(pos, "invalid number: a digit must follow '.'");
        while (p < end && isDigit(*p))
            ++p;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integral = false;
        ++p;
        if (p < end && (*p == '+' || *p == '-'))
            ++p;
        if (p >= end || !isDigit(*p))
            return fail(pos, "invalid number: the exponent needs digits");
        while (p < end && isDigit(*p))
            ++p;
    }
    if (integral) {
        std::int64_t n = 0;
        const auto [ptr, ec] = std::from_chars(begin, p, n);
        if (ec == std::errc() && ptr == p) {
            value.type = Type::Integer;
            value.integer = n;
            pos += std::size_t(p - begin);
            return true;
        }
        value.flags |= BigInteger;
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(begin, p, d);
    if (ec != std::errc() || ptr != p) {
        // Underflow reads as zero; overflow cannot be represented at all.
        bool tiny = false;
        for (const char *q = begin; q < p; ++q) {
            if (*q == 'e' || *q == 'E') {
                tiny = q[1] == '-';
                break;
            }
        }
        if (!tiny)
            return fail(pos, "number is too large to represent");
        d = *begin == '-' ? -0.0 : 0.0;
    }
    value.type = Type::Double;
    value.number = d;
    pos += std::size_t(p - begin);
    return true;
}

void Document::checkDuplicateKeys(std::uint32_t object)
{
    const Value &obj = m_values[object];
    const std::uint32_t count = obj.children.count;
    if (count < 2)
        return;
    auto markDuplicate = [&](std::uint32_t key, std::uint32_t first) {
        m_values[key].flags |= Duplicate;
        const TextPosition where = positionOf(first);
        m_problems.push_back({"duplicate key \"" + std::string(string(key))
                                  + "\"; first defined at " + std::to_string(where.line) + ":"
                                  + std::to_string(where.column),
                              m_values[key].offset, key});
    };
    if (count <= 16) {
        // Small objects (every node): pairwise comparison beats any hashing.
        std::uint32_t keys[16];
        std::uint32_t n = 0;
        for (std::uint32_t k = object + 1; k < obj.children.end; k = end(k + 1))
            keys[n++] = k;
        for (std::uint32_t i = 1; i < n; ++i) {
            const std::string_view key = string(keys[i]);
            for (std::uint32_t j = 0; j < i; ++j) {
                if (!(m_values[keys[j]].flags & Duplicate) && string(keys[j]) == key) {
                    markDuplicate(keys[i], keys[j]);
                    break;
                }
            }
        }
        return;
    }
    std::vector<std::pair<std::string_view, std::uint32_t>> keys;
    keys.reserve(count);
    for (std::uint32_t k = object + 1; k < obj.children.end; k = end(k + 1))
        keys.emplace_back(string(k), k);
    std::sort(keys.begin(), keys.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> found; // (duplicate, first)
    for (std::size_t i = 1; i < keys.size(); ++i) {
        if (keys[i].first == keys[i - 1].first) {
            std::size_t first = i - 1;
            while (first > 0 && keys[first - 1].first == keys[i].first)
                --first;
            found.emplace_back(keys[i].second, keys[first].second);
        }
    }
    std::sort(found.begin(), found.end()); // report in file order
    for (const auto &[key, first] : found)
        markDuplicate(key, first);
}

bool Document::parse(std::string_view text)
{
    m_text = text;
    m_values.clear();
    m_arena.clear();
    m_problems.clear();
    m_lineStarts.clear();

    if (text.size() >= std::numeric_limits<std::uint32_t>::max())
        return fail(0, "file is too large (4 GiB or more)");
    // One value per ~8 bytes is typical of .weft files; over-reserving only
    // costs address space, never touched pages.
    m_values.reserve(text.size() / 8 + 16);

    std::size_t pos = 0;
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        pos = 3; // a UTF-8 byte order mark, as some Windows editors write

    const char *const data = text.data();
    const std::size_t size = text.size();
    auto skipSpace = [&] {
        while (pos < size && isSpace(static_cast<unsigned char>(data[pos])))
            ++pos;
    };

    std::vector<std::uint32_t> stack; // open containers
    stack.reserve(32);

    // The loop alternates between reading a value and reading what follows it
    // inside the innermost open container.
    for (;;) {
        skipSpace();
        if (pos >= size)
            return fail(pos, stack.empty() ? "the file is empty; expected a JSON object"
                                           : "unexpected end of the file; expected a value");
        Value value;
        value.offset = std::uint32_t(pos);
        const std::uint32_t index = std::uint32_t(m_values.size());
        const char c = data[pos];
        bool opened = false;
        switch (c) {
        case '{':
        case '[':
            if (int(stack.size()) >= kMaxDepth)
                return fail(pos, "nesting is deeper than " + std::to_string(kMaxDepth)
                                     + " levels");
            value.type = c == '{' ? Type::Object : Type::Array;
            value.children = {0, 0};
            ++pos;
            opened = true;
            break;
        case '"':
            if (!parseString(pos, value))
                return false;
            break;
        case 't':
        case 'f':
        case 'n': {
            const std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
            if (text.substr(pos, word.size()) != word)
                return fail(pos, "expected a value, found " + describeAt(pos));
            value.type = c == 'n' ? Type::Null : Type::Boolean;
            value.boolean = c == 't';
            pos += word.size();
            break;
        }
        default:
            if (c == '-' || isDigit(static_cast<unsigned char>(c))) {
                if (!parseNumber(pos, value))
                    return false;
                break;
            }
            if (c == ']' && !stack.empty() && m_values[stack.back()].type == Type::Array)
                return fail(pos, "expected a value after ',', found ']' (trailing comma?)");
            return fail(pos, "expected a value, found " + describeAt(pos));
        }
        m_values.push_back(value);

        if (opened) {
            stack.push_back(index);
            skipSpace();
            const char close = c == '{' ? '}' : ']';
            if (pos < size && data[pos] == close) {
                ++pos;
                m_values[index].children.end = index + 1;
                stack.pop_back();
                // Empty container: fall through to "after a value".
            } else if (c == '{') {
                goto readKey;
            } else {
                continue; // first element of an array
            }
        }

        // After a value: close containers or move to the next member.
        for (;;) {
            if (stack.empty()) {
                skipSpace();
                if (pos < size)
                    return fail(pos, "unexpected " + describeAt(pos)
                                         + " after the end of the document");
                return true;
            }
            const std::uint32_t top = stack.back();
            Value &container = m_values[top];
            ++container.children.count;
            skipSpace();
            const bool isObject = container.type == Type::Object;
            const char close = isObject ? '}' : ']';
            if (pos < size && data[pos] == ',') {
                ++pos;
                if (isObject)
                    goto readKey;
                break; // next array element
            }
            if (pos < size && data[pos] == close) {
                ++pos;
                container.children.end = std::uint32_t(m_values.size());
                if (isObject)
                    checkDuplicateKeys(top);
                stack.pop_back();
                continue;
            }
            if (pos >= size)
                return fail(pos, std::string("unexpected end of the file; expected ',' or '")
                                     + close + "'");
            return fail(pos, std::string("expected ',' or '") + close + "' "
                                 + (isObject ? "after an object member" : "after an array element")
                                 + ", found " + describeAt(pos));
        }
        continue;

    readKey:
        skipSpace();
        if (pos >= size)
            return fail(pos, "unexpected end of the file; expected a key");
        if (data[pos] != '"') {
            if (data[pos] == '}')
                return fail(pos, "expected a key after ',', found '}' (trailing comma?)");
            return fail(pos, "expected a key (a string in double quotes), found "
                                 + describeAt(pos));
        }
        {
            Value key;
            key.offset = std::uint32_t(pos);
            if (!parseString(pos, key))
                return false;
            key.flags |= Key;
            m_values.push_back(key);
        }
        skipSpace();
        if (pos >= size || data[pos] != ':')
            return fail(pos, "expected ':' after a key, found " + describeAt(pos));
        ++pos;
    }
}

std::string_view Document::string(std::uint32_t index) const
{
    const Value &v = m_values[index];
    if (v.flags & Escaped)
        return std::string_view(m_arena).substr(v.span.begin, v.span.length);
    return m_text.substr(v.span.begin, v.span.length);
}

std::size_t Document::rawOffset(std::uint32_t index, std::size_t decoded) const
{
    const Value &v = m_values[index];
    const std::size_t start = v.offset + 1; // past the opening quote
    if (v.type != Type::String || !(v.flags & Escaped))
        return start + std::min<std::size_t>(decoded, v.type == Type::String ? v.span.length : 0);
    // Only escaped strings differ from their text, and only at escapes;
    // the parse accepted this string, so every escape here is well formed.
    std::size_t raw = start;
    std::size_t seen = 0;
    const std::size_t size = m_text.size();
    while (raw < size && m_text[raw] != '"' && seen < decoded) {
        if (m_text[raw] != '\\') {
            ++raw;
            ++seen;
            continue;
        }
        if (raw + 1 < size && m_text[raw + 1] == 'u') {
            std::uint32_t cp = 0;
            for (std::size_t i = 0; i < 4 && raw + 2 + i < size; ++i) {
                const int h = hexValue(static_cast<unsigned char>(m_text[raw + 2 + i]));
                cp = cp * 16 + std::uint32_t(h < 0 ? 0 : h);
            }
            raw += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                raw += 6; // the low surrogate of the pair
                seen += 4;
            } else {
                seen += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
            }
        } else {
            raw += 2;
            ++seen;
        }
    }
    return raw;
}

double Document::numberValue(std::uint32_t index) const
{
    const Value &v = m_values[index];
    return v.type == Type::Integer ? double(v.integer) : v.number;
}

std::uint32_t Document::member(std::uint32_t object, std::string_view key) const
{
    const Value &obj = m_values[object];
    if (obj.type != Type::Object)
        return 0;
    for (std::uint32_t k = object + 1; k < obj.children.end; k = end(k + 1)) {
        if (!(m_values[k].flags & Duplicate) && string(k) == key)
            return k + 1;
    }
    return 0;
}

std::uint32_t Document::resolve(std::string_view pointer, std::uint32_t start,
                                std::size_t consumed) const
{
    if (m_values.empty())
        return 0;
    std::uint32_t current = start;
    std::uint32_t result = start;
    std::size_t pos = consumed;
    while (pos < pointer.size() && pointer[pos] == '/') {
        const std::size_t next = std::min(pointer.find('/', pos + 1), pointer.size());
        std::string token(pointer.substr(pos + 1, next - pos - 1));
        pos = next;
        for (std::size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i)
            token.replace(i, 2, i + 1 < token.size() && token[i + 1] == '1' ? "/" : "~");
        const Value &v = m_values[current];
        if (v.type == Type::Object) {
            const std::uint32_t found = member(current, token);
            if (!found)
                return result;
            current = found;
            result = found - 1; // point at the key
        } else if (v.type == Type::Array) {
            std::uint64_t wanted = 0;
            const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(),
                                                   wanted);
            if (ec != std::errc() || ptr != token.data() + token.size() || wanted >= v.children.count)
                return result;
            std::uint32_t child = current + 1;
            for (std::uint64_t i = 0; i < wanted; ++i)
                child = end(child);
            current = child;
            result = child;
        } else {
            return result;
        }
    }
    return result;
}

TextPosition Document::position(std::size_t offset) const
{
    if (m_lineStarts.empty()) {
        m_lineStarts.push_back(0);
        const char *const data = m_text.data();
        const char *p = data;
        const char *const end = data + m_text.size();
        while ((p = static_cast<const char *>(std::memchr(p, '\n', std::size_t(end - p))))) {
            ++p;
            m_lineStarts.push_back(std::uint32_t(p - data));
        }
    }
    offset = std::min(offset, m_text.size());
    const auto it = std::upper_bound(m_lineStarts.begin(), m_lineStarts.end(), offset);
    const std::size_t lineStart = *(it - 1);
    int column = 1;
    for (std::size_t i = lineStart; i < offset; ++i) {
        // Count characters, not bytes: skip UTF-8 continuation bytes.
        if ((static_cast<unsigned char>(m_text[i]) & 0xC0) != 0x80)
            ++column;
    }
    return {int(it - m_lineStarts.begin()), column};
}

} // namespace weft::json
