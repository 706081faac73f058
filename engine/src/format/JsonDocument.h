// SPDX-License-Identifier: Apache-2.0
#pragma once

// A small JSON parser that remembers where every value and key is.
//
// nlohmann::json cannot report positions, and a file format whose users write
// files by hand needs "line:column" in every diagnostic. The document is a flat
// tape of 16-byte Values in document order (a container is followed by its
// members and knows the index just past its subtree), so walking it allocates
// nothing and positions cost 4 bytes per value. Strings without escapes are
// views into the source text; only escaped strings are decoded, into an arena.
//
// Syntax errors stop the parse (there is no sensible recovery); duplicate keys
// do not: they are recorded, flagged and skipped by lookups, so the caller can
// still report every other problem in the file.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::json {

enum class Type : std::uint8_t { Null, Boolean, Integer, Double, String, Array, Object };

enum ValueFlag : std::uint8_t {
    BigInteger = 1, // an integer literal outside int64; number holds its double value
    Escaped = 2,    // string content lives in the arena, not the source
    Key = 4,        // an object member's key
    Duplicate = 8,  // a key that repeats an earlier one of the same object
};

struct Value
{
    Type type = Type::Null;
    std::uint8_t flags = 0;
    std::uint32_t offset = 0; // byte offset of the value's first character in the text
    union {
        bool boolean;
        std::int64_t integer;
        double number;
        struct
        {
            std::uint32_t begin;  // string: start in the source or arena
            std::uint32_t length; // bytes
        } span;                   // strings
        struct
        {
            std::uint32_t count; // members or elements
            std::uint32_t end;   // index past the container's subtree in the tape
        } children;              // arrays and objects
    };

    Value() : integer(0) {}
    bool isNumber() const { return type == Type::Integer || type == Type::Double; }
    bool isContainer() const { return type == Type::Array || type == Type::Object; }
    bool has(ValueFlag flag) const { return flags & flag; }
};

static_assert(sizeof(Value) == 16, "the tape's size is the parser's memory footprint");

struct TextPosition
{
    int line = 0;
    int column = 0;
};

struct ParseProblem
{
    std::string message;
    std::size_t offset = 0;
    std::uint32_t index = 0; // the key a duplicate-key problem is about; 0 for syntax errors
};

class Document
{
public:
    static constexpr int kMaxDepth = 256;

    // Parses `text`, which must outlive the document. False on a syntax error;
    // problems() then ends with it. Duplicate keys are problems but not failures.
    bool parse(std::string_view text);

    const std::vector<ParseProblem> &problems() const { return m_problems; }
    bool empty() const { return m_values.empty(); }

    const Value &at(std::uint32_t index) const { return m_values[index]; }
    // The index just past the value at `index` and everything inside it.
    std::uint32_t end(std::uint32_t index) const
    {
        const Value &v = m_values[index];
        return v.isContainer() ? v.children.end : index + 1;
    }
    std::uint32_t size() const { return std::uint32_t(m_values.size()); }
    std::string_view string(std::uint32_t index) const;
    double numberValue(std::uint32_t index) const; // Integer or Double as double

    // The member `key` of the object at `object` (its value's index), or 0 when
    // absent (index 0 is the root and never a member). Duplicates are skipped.
    std::uint32_t member(std::uint32_t object, std::string_view key) const;

    // Resolves a JSON Pointer. Returns the deepest existing value on the way
    // (so a path to a missing key lands on its object) and, for a member, its
    // key, which is where a diagnostic about that member should point.
    std::uint32_t resolve(std::string_view pointer, std::uint32_t start = 0,
                          std::size_t consumed = 0) const;

    // The byte offset in the text of the `decoded`-th byte of the string
    // value at `index`, escapes counted as written (`\"`, `\u00e9`), so that
    // a diagnostic about a part of a string (a `${` inside it) can point at
    // it. Past the end: the closing quote.
    std::size_t rawOffset(std::uint32_t index, std::size_t decoded) const;

    // 1-based line and column (in characters) of a byte offset.
    TextPosition position(std::size_t offset) const;
    TextPosition positionOf(std::uint32_t index) const { return position(at(index).offset); }

private:
    bool fail(std::size_t offset, std::string message);
    bool parseString(std::size_t &pos, Value &value);
    bool parseNumber(std::size_t &pos, Value &value);
    void checkDuplicateKeys(std::uint32_t object);
    std::string describeAt(std::size_t pos) const;

    std::string_view m_text;
    std::vector<Value> m_values;
    std::string m_arena;
    std::vector<ParseProblem> m_problems;
    mutable std::vector<std::uint32_t> m_lineStarts; // built on the first position() call
};

// "a string", "an array", ... for "expected X, found Y" messages.
std::string_view describeType(Type type);

// Encodes one JSON Pointer token ("a/b" -> "a~1b").
std::string pointerToken(std::string_view key);

} // namespace weft::json
