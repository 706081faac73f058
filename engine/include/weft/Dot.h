// SPDX-License-Identifier: Apache-2.0
#pragma once

// Graphviz DOT export of a workflow: `weft-cli dot f.weft | dot -Tsvg`.

#include <string>

namespace weft {

struct Workflow;

// A digraph, left to right, one box per node (label, id and type), one edge
// per need. Every string is quoted and escaped, so any id or label is safe.
std::string toDot(const Workflow &workflow);

} // namespace weft
