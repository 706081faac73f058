#include "JsonWriter.h"

#include <charconv>
#include <cmath>

namespace weft::detail {

namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 if invalid.
std::size_t utf8Length(std::string_view text, std::size_t i)
{
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = byte(i);
    std::size_t length = 0;
    unsigned min = 0;
    unsigned code = 0;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
        code = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        code = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        code = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + length > text.size())
        return 0;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (byte(i + k) & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    return length;
}

} // namespace

void JsonObjectWriter::appendEscaped(std::string &out, std::string_view text)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t i = 0;
    while (i < text.size()) {
        // Copy the longest run that needs no escaping in one go.
        std::size_t run = i;
        while (run < text.size()) {
            const unsigned char c = static_cast<unsigned char>(text[run]);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
                break;
            ++run;
        }
        out.append(text.data() + i, run - i);
        i = run;
        if (i >= text.size())
            break;
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const std::size_t length = utf8Length(text, i);
            if (length) {
                out.append(text.data() + i, length);
                i += length;
            } else {
                out += "\xEF\xBF\xBD"; // U+FFFD
                ++i;
            }
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xF];
            break;
        }
        ++i;
    }
    out += '"';
}

JsonObjectWriter &JsonObjectWriter::key(std::string_view name)
{
    if (!m_first)
        m_out += ',';
    m_first = false;
    appendEscaped(m_out, name);
    m_out += ':';
    return *this;
}

JsonObjectWriter &JsonObjectWriter::string(std::string_view name, std::string_view value)
{
    key(name);
    appendEscaped(m_out, value);
    return *this;
}

JsonObjectWriter &JsonObjectWriter::stringOrNull(std::string_view name, std::string_view value)
{
    return value.empty() ? null(name) : string(name, value);
}

JsonObjectWriter &JsonObjectWriter::integer(std::string_view name, long long value)
{
    key(name);
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    m_out.append(buffer, result.ptr);
    return *this;
}

JsonObjectWriter &JsonObjectWriter::number(std::string_view name, double value)
{
    key(name);
    if (!std::isfinite(value)) {
        m_out += "null"; // JSON has no NaN or infinity
        return *this;
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    m_out.append(buffer, result.ptr);
    return *this;
}

JsonObjectWriter &JsonObjectWriter::boolean(std::string_view name, bool value)
{
    key(name);
    m_out += value ? "true" : "false";
    return *this;
}

JsonObjectWriter &JsonObjectWriter::null(std::string_view name)
{
    key(name);
    m_out += "null";
    return *this;
}

JsonObjectWriter &JsonObjectWriter::raw(std::string_view name, std::string_view json)
{
    key(name);
    m_out += json;
    return *this;
}

} // namespace weft::detail
