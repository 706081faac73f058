// SPDX-License-Identifier: Apache-2.0
#pragma once

// The items of a `foreach` node, resolved when the node is ready: a literal
// list as written, a glob's matches (sorted byte-wise, so a run is the same
// on every machine and locale), or the list output of the node it maps over.

#include "data/Expansion.h"

#include <filesystem>
#include <string>
#include <vector>

namespace weft::data {

struct FanOutItems
{
    std::vector<std::string> items;
    std::string error; // set: the items cannot be known, and the node fails with this
};

// `outputsOf` answers for finished nodes (a Reference's node is a need, so
// it has finished by now). Glob matches are relative to `base` when the
// pattern is, as the user wrote it; no match is an empty fan-out.
FanOutItems resolveFanOutItems(const ForEach &foreach, const std::filesystem::path &base,
                               const OutputsOf &outputsOf);

} // namespace weft::data
