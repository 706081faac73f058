// SPDX-License-Identifier: Apache-2.0
#pragma once

// Values that are one string or a list of strings: a node's declared outputs
// and inputs (paths, globs) and the outputs a node reports when it finishes
// (DESIGN.md, "Outputs and references"). Its own small header because the
// model, the operations and the events all carry it, and Events.h must stay
// free of nlohmann::json.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft {

struct StringOrList
{
    std::vector<std::string> items;
    // False: exactly one item, written as a string. Kept apart from a list of
    // one so a file saves as it was written, and a reported list of one stays
    // a list for whoever maps over it.
    bool list = false;

    StringOrList() = default;
    StringOrList(std::string one) : items{std::move(one)} {}
    StringOrList(std::vector<std::string> many) : items(std::move(many)), list(true) {}

    bool operator==(const StringOrList &) const = default;
};

// Name -> value, sorted by name so every writer's output is deterministic.
// An empty map allocates nothing: a node without outputs pays nothing.
using NamedValues = std::map<std::string, StringOrList, std::less<>>;

// Adds one more value under `name`, as a repeated `::output NAME VALUE` line
// does: the first makes a string, a second turns it into a list of both, and
// later ones append, in the order they came.
void appendValue(NamedValues &values, std::string_view name, std::string value);

} // namespace weft
