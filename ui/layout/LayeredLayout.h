// SPDX-License-Identifier: Apache-2.0
#pragma once

// Sugiyama-style layered layout, left to right, with no widget dependency:
//  1. layering by longest path from the sources (edges always point to a
//     higher layer; a cycle, which only an invalid document can have, is
//     broken by ignoring the edges that close it);
//  2. long edges split by dummy nodes so that crossing reduction sees them;
//  3. crossing reduction by barycenters, alternating down and up sweeps;
//  4. coordinates: x from the layer (each layer starts a gap to the right of
//     the widest node of the layer before it), y by pulling each node towards
//     the mean of its neighbours while keeping a minimum spacing.
// Every step is linear or n log n in nodes + edges + dummies, so 10,000
// nodes take well under a second.

#include <weft/Workflow.h>

#include <cstddef>
#include <utility>
#include <vector>

namespace weft::ui {

struct LayoutOptions
{
    // Each node's width, in input order (a canvas sizes its boxes to their
    // labels); nodes past its end are `nodeWidth` wide.
    std::vector<double> nodeWidths;
    double nodeWidth = 180;
    double layerGap = 80;    // x distance from a layer's widest node to the next layer
    double nodeSpacing = 84; // minimum y distance between nodes of one layer
    int sweeps = 4;            // barycenter sweeps (each = one down and one up pass)
    int coordinatePasses = 3;  // neighbour-averaging passes for y
};

struct LayoutResult
{
    std::vector<Position> positions; // one per node, in input order
    std::vector<int> layers;         // the layer of each node
    std::size_t dummyCount = 0;
};

// `edges` are (from, to) node indices; out-of-range pairs and self-edges are ignored.
LayoutResult layeredLayout(std::size_t nodeCount,
                           const std::vector<std::pair<std::size_t, std::size_t>> &edges,
                           const LayoutOptions &options = {});

// The same for a workflow; unknown `needs` are ignored. Positions are in node order.
LayoutResult layeredLayout(const Workflow &workflow, const LayoutOptions &options = {});

} // namespace weft::ui
