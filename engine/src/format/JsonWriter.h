#pragma once

// Appending JSON text to a string: the pieces of the canonical .weft layout.
// Deterministic by construction: doubles in their shortest round-trip form,
// object keys in the order nlohmann::json keeps them (sorted).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace weft::json {

// A JSON string literal. UTF-8 is kept as is; bytes that are not valid UTF-8
// become U+FFFD, so whatever is written can be read back.
void appendString(std::string &out, std::string_view text);

// Shortest text that reads back as the same double ("60", "0.25", "1e+300").
// Non-finite values have no JSON form and are written as null.
void appendNumber(std::string &out, double value);
void appendInteger(std::string &out, std::int64_t value);

// A value laid out like the rest of the file: objects one member per line at
// `indent` + 2 spaces, arrays of scalars on one line.
void appendValue(std::string &out, const nlohmann::json &value, int indent);

} // namespace weft::json
