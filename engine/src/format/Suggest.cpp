// SPDX-License-Identifier: Apache-2.0
#include "format/Suggest.h"

#include "weft/Diagnostic.h"

#include <algorithm>

namespace weft {

std::size_t editDistance(std::string_view a, std::string_view b)
{
    // Optimal string alignment distance over three rolling rows.
    const std::size_t n = b.size();
    std::vector<std::size_t> previous2(n + 1), previous(n + 1), current(n + 1);
    for (std::size_t j = 0; j <= n; ++j)
        previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= n; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                current[j] = std::min(current[j], previous2[j - 2] + 1);
        }
        std::swap(previous2, previous);
        std::swap(previous, current);
    }
    return previous[n];
}

std::string_view nearest(std::string_view word, const std::vector<std::string_view> &candidates)
{
    // Allow about one slip per three characters, but never so many that the
    // suggestion shares nothing with the word.
    const std::size_t allowed = std::max<std::size_t>(1, std::min<std::size_t>(3, word.size() / 3));
    std::string_view best;
    std::size_t bestDistance = allowed + 1;
    for (std::string_view candidate : candidates) {
        const std::size_t lengthGap = candidate.size() > word.size()
                                          ? candidate.size() - word.size()
                                          : word.size() - candidate.size();
        if (lengthGap >= bestDistance)
            continue;
        const std::size_t d = editDistance(word, candidate);
        if (d < bestDistance && d < candidate.size()) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best;
}

std::string didYouMean(std::string_view word, const std::vector<std::string_view> &candidates)
{
    const std::string_view best = nearest(word, candidates);
    if (best.empty())
        return {};
    return "; did you mean " + inQuotesBounded(best) + "?";
}

} // namespace weft
