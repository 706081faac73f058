// SPDX-License-Identifier: Apache-2.0
#pragma once

// The chain of nodes that bounded a run's wall time, read from measured
// times: start at the node that finished last and walk back, each time to
// the predecessor that finished last (the one its start waited for), until
// a node with no predecessor that ran.

#include "scheduler/RunGraph.h"

#include <vector>

namespace weft {

struct CriticalPath
{
    std::vector<NodeIndex> nodes; // in run order
    double duration = 0;          // sum of the durations of those nodes
};

// start[i] < 0: node i never ran. Durations are end[i] - start[i].
CriticalPath findCriticalPath(const RunGraph &graph, const std::vector<double> &start,
                              const std::vector<double> &end);

} // namespace weft
