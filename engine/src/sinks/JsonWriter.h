#pragma once

// A small append-only writer of one flat JSON object, for the JSON lines
// sink: an event is a handful of keys, and building a nlohmann::json tree per
// event costs several times more than the event itself on large runs.
// Strings are escaped per RFC 8259; invalid UTF-8 (a process may write
// anything, and a chunk may end inside a character) becomes U+FFFD, so every
// line is valid JSON and valid UTF-8.

#include <string>
#include <string_view>

namespace weft::detail {

class JsonObjectWriter {
public:
    explicit JsonObjectWriter(std::string &out)
        : m_out(out)
    {
        m_out += '{';
    }

    JsonObjectWriter &key(std::string_view name);
    JsonObjectWriter &string(std::string_view name, std::string_view value);
    JsonObjectWriter &stringOrNull(std::string_view name, std::string_view value);
    JsonObjectWriter &integer(std::string_view name, long long value);
    JsonObjectWriter &number(std::string_view name, double value); // shortest round-trip form
    JsonObjectWriter &boolean(std::string_view name, bool value);
    JsonObjectWriter &null(std::string_view name);
    JsonObjectWriter &raw(std::string_view name, std::string_view json); // already JSON text
    void finish() { m_out += "}\n"; }

    static void appendEscaped(std::string &out, std::string_view text);

private:
    std::string &m_out;
    bool m_first = true;
};

} // namespace weft::detail
