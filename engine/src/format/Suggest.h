// SPDX-License-Identifier: Apache-2.0
#pragma once

// "Did you mean ...?" for misspelt keys, ids, types and pools.

#include <string>
#include <string_view>
#include <vector>

namespace weft {

// Edit distance with adjacent transpositions counted as one edit ("nedes" ->
// "needs" is 1), so the typing slips people make rank first.
std::size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is close enough to be a plausible
// slip; empty otherwise. Ties go to the earlier candidate.
std::string_view nearest(std::string_view word, const std::vector<std::string_view> &candidates);

// "; did you mean \"x\"?" or "".
std::string didYouMean(std::string_view word, const std::vector<std::string_view> &candidates);

} // namespace weft
