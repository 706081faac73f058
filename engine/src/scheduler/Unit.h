// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the scheduler admits, starts and finishes: a node, or one instance
// of a fan-out node (DESIGN.md, "Fan-out"). Instances are scheduled exactly
// like nodes (job slots, pools, retries, timeouts, failure policy), so the
// machinery is keyed by a Unit; a fan-out's instances exist only once its
// items are known, so they get no index of their own: the node's index and
// the instance's number, packed into one word.

#include "weft/Events.h"

#include <cstdint>

namespace weft {

using Unit = std::uint64_t;

constexpr Unit makeUnit(NodeIndex node, int instance = kNoInstance)
{
    return (Unit(std::uint32_t(instance + 1)) << 32) | node;
}
constexpr NodeIndex unitNode(Unit unit)
{
    return NodeIndex(unit & 0xffffffffu);
}
constexpr int unitInstance(Unit unit)
{
    return int(std::uint32_t(unit >> 32)) - 1;
}

} // namespace weft
