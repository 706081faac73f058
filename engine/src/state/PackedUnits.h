// SPDX-License-Identifier: Apache-2.0
#pragma once

// A run's units in the history as one blob (table run_packed, schema 5)
// instead of a run_units row each. A run of 90,000 nodes spent 170 ms of its
// 400 ms inserting their rows into a B-tree keyed by name, and pruning the
// oldest run deleted as many again; packed, the same units are one insert of
// a 2 MB value, and a pruned run one deleted row.
//
// Layout: the byte kPackedFormat, then per unit, in the byte order of the
// unit names (the order every reader merges the history's parts in):
//   string name, string outcome, byte flags, varint attempts,
//   zigzag duration_us, then, each only when its flag is set, in this order:
//   zigzag start_us (2), zigzag exit_code (4), string signal (8),
//   string why (16), zigzag cpu_us (32), zigzag queued_us (64);
//   flag 1: cached. A string is a varint byte count and its bytes; a varint
//   is unsigned LEB128; zigzag maps a signed number to one (0, -1, 1, -2..).
// The fields are those of run_units, which older runs still use.

#include "weft/StateStore.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace weft::state {

constexpr unsigned char kPackedFormat = 1;

// One unit as the history keeps it: times in whole microseconds, as the
// run_units columns; an absent value as those columns' NULL.
struct PackedUnit
{
    std::string_view unit;
    std::string_view outcome;
    bool cached = false;
    std::int64_t attempts = 0;
    std::int64_t durationUs = 0;
    bool hasStart = false;
    std::int64_t startUs = 0;
    bool hasExitCode = false;
    std::int64_t exitCode = 0;
    std::string_view signal; // empty: none
    std::string_view why; // empty: none
    bool hasCpu = false;
    std::int64_t cpuUs = 0;
    bool hasQueued = false;
    std::int64_t queuedUs = 0;
};

// Appends `u` to `blob` (which starts with kPackedFormat when empty).
void appendPackedUnit(std::string &blob, const PackedUnit &u);

// Calls visit(unit) for each unit of `blob` in order; the views point into
// `blob`. False when the blob is not one this Weft wrote or is cut short:
// the units before the damage were visited, none after.
template<typename Visit>
bool forEachPackedUnit(std::string_view blob, Visit &&visit);

// `u` as the history's readers return a unit.
HistoryUnit toHistoryUnit(const PackedUnit &u);

namespace packed {

// Reads the unit at `at` and moves past it; false (and `at` left anywhere)
// past the end or on a malformed value.
bool readUnit(std::string_view blob, std::size_t &at, PackedUnit &u);

} // namespace packed

template<typename Visit>
bool forEachPackedUnit(std::string_view blob, Visit &&visit)
{
    if (blob.empty() || static_cast<unsigned char>(blob[0]) != kPackedFormat)
        return false;
    std::size_t at = 1;
    PackedUnit u;
    while (at < blob.size()) {
        if (!packed::readUnit(blob, at, u))
            return false;
        visit(u);
    }
    return true;
}

} // namespace weft::state
