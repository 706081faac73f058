// SPDX-License-Identifier: Apache-2.0
#include "scheduler/CriticalPath.h"

#include <algorithm>

namespace weft {

CriticalPath findCriticalPath(const RunGraph &graph, const std::vector<double> &start,
                              const std::vector<double> &end)
{
    CriticalPath path;
    std::ptrdiff_t last = -1;
    for (std::size_t i = 0; i < graph.size(); ++i) {
        if (start[i] >= 0 && (last < 0 || end[i] > end[std::size_t(last)]))
            last = std::ptrdiff_t(i);
    }
    // Ties go to the lower index, so the same times give the same path.
    for (std::ptrdiff_t current = last; current >= 0;) {
        path.nodes.push_back(NodeIndex(current));
        path.duration += end[std::size_t(current)] - start[std::size_t(current)];
        std::ptrdiff_t bound = -1;
        for (NodeIndex p : graph.predecessors(NodeIndex(current))) {
            if (start[p] >= 0 && (bound < 0 || end[p] > end[std::size_t(bound)]))
                bound = p;
        }
        current = bound;
    }
    std::reverse(path.nodes.begin(), path.nodes.end());
    return path;
}

} // namespace weft
