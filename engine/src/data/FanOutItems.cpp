// SPDX-License-Identifier: Apache-2.0
#include "data/FanOutItems.h"

#include "weft/References.h"

#include <glob.h>

#include <algorithm>

namespace weft::data {

namespace {

FanOutItems globItems(const std::string &pattern, const std::filesystem::path &base)
{
    FanOutItems result;
    const bool relative = !std::filesystem::path(pattern).is_absolute();
    const std::string absolute = relative ? (base / pattern).string() : pattern;
    glob_t g{};
    // No GLOB_ERR: a directory that does not exist (yet) matches nothing, as
    // make's $(wildcard) and a shell's nullglob have it.
    // No GLOB_MARK either: it costs a stat of every match, and a directory
    // is named without the mark all the same (only a pattern that ends in
    // '/' gives marked names, whatever the flags).
    const int rc = ::glob(absolute.c_str(), GLOB_NOSORT, nullptr, &g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
        globfree(&g);
        result.error = rc == GLOB_NOSPACE ? "out of memory expanding foreach glob \"" + pattern + "\""
                                          : "cannot read the directories of foreach glob \"" + pattern
                                                + "\"";
        return result;
    }
    const std::string prefix = relative ? (base / "").string() : std::string();
    for (std::size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) {
        std::string match = g.gl_pathv[i];
        if (match.size() > 1 && match.back() == '/')
            match.pop_back(); // a directory is an item too, named without the mark
        if (!prefix.empty() && match.starts_with(prefix))
            match.erase(0, prefix.size());
        result.items.push_back(std::move(match));
    }
    globfree(&g);
    // glob() sorts with strcoll(): by locale. Byte order is the same everywhere.
    std::sort(result.items.begin(), result.items.end());
    return result;
}

} // namespace

FanOutItems resolveFanOutItems(const ForEach &foreach, const std::filesystem::path &base,
                               const OutputsOf &outputsOf)
{
    switch (foreach.kind) {
    case ForEach::Kind::List:
        return {foreach.items, {}};
    case ForEach::Kind::Glob:
        return globItems(foreach.text, base);
    case ForEach::Kind::Reference:
        break;
    }
    FanOutItems result;
    const ParsedString parsed = parseReferences(foreach.text);
    if (parsed.error || parsed.references.size() != 1
        || parsed.references[0].kind != Reference::Kind::Output) {
        result.error = "foreach " + foreach.text + " is not one ${NODE.NAME} reference";
        return result;
    }
    const Reference &ref = parsed.references[0];
    const NamedValues *outputs = outputsOf ? outputsOf(ref.node) : nullptr;
    const auto it = outputs ? outputs->find(ref.name) : NamedValues::const_iterator();
    if (!outputs || it == outputs->end()) {
        result.error = "foreach " + foreach.text + ": " + ref.node + " reported no output named "
                       + ref.name;
        return result;
    }
    result.items = it->second.items;
    return result;
}

} // namespace weft::data
