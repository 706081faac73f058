// SPDX-License-Identifier: Apache-2.0
#include "format/JsonWriter.h"

#include "format/Utf8.h"

#include <array>
#include <charconv>
#include <cmath>

namespace weft::json {

namespace {

// How each byte is written inside a string literal: as itself (length 0),
// through the UTF-8 check (kNonAscii), or as the escape RFC 8259 gives it,
// the short form where there is one. One table lookup per byte keeps the scan
// of long output chunks tight.
struct Escape
{
    std::uint8_t length = 0;
    char text[7] = {};
};
constexpr std::uint8_t kNonAscii = 0xFF;

constexpr auto kEscapes = [] {
    std::array<Escape, 256> table{};
    constexpr char hex[] = "0123456789abcdef";
    for (int c = 0; c < 0x20; ++c)
        table[c] = { 6, { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF] } };
    const char shortForms[][2] = { { '"', '"' }, { '\\', '\\' }, { '\n', 'n' }, { '\t', 't' },
        { '\r', 'r' }, { '\b', 'b' }, { '\f', 'f' } };
    for (const auto &[byte, letter] : shortForms)
        table[static_cast<unsigned char>(byte)] = { 2, { '\\', letter } };
    for (int c = 0x80; c < 0x100; ++c)
        table[c].length = kNonAscii;
    return table;
}();

bool isScalar(const nlohmann::json &value)
{
    return !value.is_object() && !value.is_array();
}

void newline(std::string &out, int indent)
{
    out += '\n';
    out.append(std::size_t(indent), ' ');
}

} // namespace

void appendString(std::string &out, std::string_view text)
{
    out += '"';
    const auto *p = reinterpret_cast<const unsigned char *>(text.data());
    const auto *const end = p + text.size();
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && kEscapes[*p].length == 0)
            ++p;
        out.append(reinterpret_cast<const char *>(run), std::size_t(p - run));
        if (p >= end)
            break;
        const Escape &escape = kEscapes[*p];
        if (escape.length != kNonAscii) {
            out.append(escape.text, escape.length);
            ++p;
            continue;
        }
        const std::size_t n = utf8SequenceLength(p, end);
        if (n == 0) {
            out += "\xEF\xBF\xBD"; // U+FFFD
            ++p;
        } else {
            out.append(reinterpret_cast<const char *>(p), n);
            p += n;
        }
    }
    out += '"';
}

void appendNumber(std::string &out, double value)
{
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
}

void appendInteger(std::string &out, std::int64_t value)
{
    char buffer[24];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
}

void appendValue(std::string &out, const nlohmann::json &value, int indent)
{
    using Kind = nlohmann::json::value_t;
    switch (value.type()) {
    case Kind::null: out += "null"; return;
    case Kind::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Kind::number_integer: appendInteger(out, value.get<std::int64_t>()); return;
    case Kind::number_unsigned: {
        char buffer[24];
        const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer,
                                             value.get<std::uint64_t>());
        out.append(buffer, end);
        return;
    }
    case Kind::number_float: appendNumber(out, value.get<double>()); return;
    case Kind::string: appendString(out, value.get_ref<const std::string &>()); return;
    case Kind::array: {
        if (value.empty()) {
            out += "[]";
            return;
        }
        bool scalars = true;
        for (const auto &item : value)
            scalars = scalars && isScalar(item);
        out += '[';
        bool first = true;
        for (const auto &item : value) {
            if (!first)
                out += scalars ? ", " : ",";
            first = false;
            if (!scalars)
                newline(out, indent + 2);
            appendValue(out, item, indent + 2);
        }
        if (!scalars)
            newline(out, indent);
        out += ']';
        return;
    }
    case Kind::object: {
        if (value.empty()) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (const auto &[key, item] : value.items()) {
            if (!first)
                out += ',';
            first = false;
            newline(out, indent + 2);
            appendString(out, key);
            out += ": ";
            appendValue(out, item, indent + 2);
        }
        newline(out, indent);
        out += '}';
        return;
    }
    default: out += "null"; return;
    }
}

void ContainerWriter::newLine(std::string_view separator, int depth)
{
    m_out += separator;
    m_out.append(std::size_t(depth) * std::size_t(m_indent), ' ');
}

ObjectWriter &ObjectWriter::key(std::string_view name)
{
    next();
    appendString(m_out, name);
    if (m_indent < 0)
        m_out += ':';
    else
        m_out += ": ";
    return *this;
}

ObjectWriter &ObjectWriter::string(std::string_view name, std::string_view value)
{
    key(name);
    appendString(m_out, value);
    return *this;
}

ObjectWriter &ObjectWriter::stringOrNull(std::string_view name, std::string_view value)
{
    return value.empty() ? null(name) : string(name, value);
}

ObjectWriter &ObjectWriter::integer(std::string_view name, std::int64_t value)
{
    key(name);
    appendInteger(m_out, value);
    return *this;
}

ObjectWriter &ObjectWriter::number(std::string_view name, double value)
{
    key(name);
    appendNumber(m_out, value);
    return *this;
}

ObjectWriter &ObjectWriter::boolean(std::string_view name, bool value)
{
    key(name);
    m_out += value ? "true" : "false";
    return *this;
}

ObjectWriter &ObjectWriter::null(std::string_view name)
{
    key(name);
    m_out += "null";
    return *this;
}

ObjectWriter &ObjectWriter::raw(std::string_view name, std::string_view json)
{
    key(name);
    m_out += json;
    return *this;
}

ObjectWriter ObjectWriter::object(std::string_view name)
{
    key(name);
    return ObjectWriter(m_out, m_indent, m_depth + 1);
}

ArrayWriter ObjectWriter::array(std::string_view name)
{
    key(name);
    return ArrayWriter(m_out, m_indent, m_depth + 1);
}

ArrayWriter &ArrayWriter::string(std::string_view value)
{
    next();
    appendString(m_out, value);
    return *this;
}

ObjectWriter ArrayWriter::object()
{
    next();
    return ObjectWriter(m_out, m_indent, m_depth + 1);
}

} // namespace weft::json
