#include "format/JsonWriter.h"

#include <array>
#include <charconv>
#include <cmath>

namespace weft::json {

namespace {

// Whether a byte can be copied to the output without a closer look.
constexpr auto kPlain = [] {
    std::array<bool, 256> table{};
    for (int c = 0x20; c < 0x80; ++c)
        table[c] = true;
    table['"'] = false;
    table['\\'] = false;
    return table;
}();

std::size_t validUtf8Length(const unsigned char *p, const unsigned char *end)
{
    const unsigned char c = p[0];
    auto cont = [&](std::size_t i) { return p + i < end && (p[i] & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF)
        return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2) || (c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3) || (c == 0xF0 && p[1] < 0x90)
            || (c == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

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
        while (p < end && kPlain[*p])
            ++p;
        out.append(reinterpret_cast<const char *>(run), std::size_t(p - run));
        if (p >= end)
            break;
        const unsigned char c = *p;
        if (c >= 0x80) {
            const std::size_t n = validUtf8Length(p, end);
            if (n == 0) {
                out += "\xEF\xBF\xBD";
                ++p;
            } else {
                out.append(reinterpret_cast<const char *>(p), n);
                p += n;
            }
            continue;
        }
        ++p;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default: {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
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

} // namespace weft::json
