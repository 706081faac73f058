// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one JSON writer. Every JSON text Weft writes (.weft files, the JSON
// lines event stream, Chrome traces) escapes its strings with appendString, so
// a node id, a path or a process's output comes out the same wherever it
// lands, and the writer and the .weft parser agree on what UTF-8 is
// (format/Utf8.h).
//
// Deterministic by construction: strings escaped per RFC 8259 with UTF-8 kept
// as is, doubles in their shortest round-trip form.
//
// Everything appends to the caller's std::string and allocates nothing of its
// own: the JSON lines sink formats hundreds of thousands of events a second
// into one reused buffer per thread, where a nlohmann::json tree per event
// would cost several times the event itself.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace weft::json {

// A JSON string literal. Bytes that are not valid UTF-8 (a process may write
// anything, and an output chunk may end inside a character) each become one
// U+FFFD, so every text written is valid UTF-8 and reads back.
void appendString(std::string &out, std::string_view text);

// Shortest text that reads back as the same double ("60", "0.25", "1e+300").
// Non-finite values have no JSON form and are written as null.
void appendNumber(std::string &out, double value);
void appendInteger(std::string &out, std::int64_t value);

// A value laid out like the rest of a .weft file: objects one member per line
// at `indent` + 2 spaces, arrays of scalars on one line, object keys in the
// order nlohmann::json keeps them (sorted).
void appendValue(std::string &out, const nlohmann::json &value, int indent);

// Streaming writers for text built from known fields rather than from a tree.
// Compact ({"a":1,"b":[2]}, one JSON line) or laid out as nlohmann's
// dump(indent) does it: one member or element per line, `indent` spaces per
// level, ": " after keys, empty containers as {} and []. A nested writer
// appends to the same text; close it before writing to its parent again.

class ObjectWriter;
class ArrayWriter;

class ContainerWriter {
protected:
    ContainerWriter(std::string &out, char open, int indent, int depth)
        : m_out(out)
        , m_indent(indent)
        , m_depth(depth)
    {
        m_out += open;
    }

    // Before each member or element.
    void next()
    {
        if (m_indent < 0) {
            if (!m_first)
                m_out += ',';
        } else {
            newLine(m_first ? "\n" : ",\n", m_depth + 1);
        }
        m_first = false;
    }

    void close(char bracket)
    {
        if (m_indent >= 0 && !m_first)
            newLine("\n", m_depth);
        m_out += bracket;
    }

    void newLine(std::string_view separator, int depth);

    std::string &m_out;
    int m_indent; // spaces per level; negative: compact
    int m_depth;  // levels above this container, for the indent of its last line
    bool m_first = true;
};

class ObjectWriter : private ContainerWriter {
public:
    explicit ObjectWriter(std::string &out, int indent = -1, int depth = 0)
        : ContainerWriter(out, '{', indent, depth)
    {
    }

    // The name; the caller appends the value.
    ObjectWriter &key(std::string_view name);
    ObjectWriter &string(std::string_view name, std::string_view value);
    ObjectWriter &stringOrNull(std::string_view name, std::string_view value); // "" is null
    ObjectWriter &integer(std::string_view name, std::int64_t value);
    ObjectWriter &number(std::string_view name, double value);
    ObjectWriter &boolean(std::string_view name, bool value);
    ObjectWriter &null(std::string_view name);
    ObjectWriter &raw(std::string_view name, std::string_view json); // already JSON text
    ObjectWriter object(std::string_view name);
    ArrayWriter array(std::string_view name);
    void close() { ContainerWriter::close('}'); }
};

class ArrayWriter : private ContainerWriter {
public:
    explicit ArrayWriter(std::string &out, int indent = -1, int depth = 0)
        : ContainerWriter(out, '[', indent, depth)
    {
    }

    ArrayWriter &string(std::string_view value);
    ObjectWriter object();
    void close() { ContainerWriter::close(']'); }
};

} // namespace weft::json
