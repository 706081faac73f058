// SPDX-License-Identifier: Apache-2.0
#pragma once
// `weft-cli check FILE --orders N`: runs a workflow N times, each with ready
// nodes started in a different seeded order (RunOptions::shuffle), and
// compares what every node ended as and the digests of its declared outputs.
// A node whose result differs between orders depends on an order the design
// does not fix: the report names it, the node whose finishing before or
// after it matches the difference (the suspected missing edge) and a fix.
//
// Before each run the declared outputs that are plain paths (no reference,
// no glob) are removed, so a file left by an earlier order cannot hide the
// difference; runs use keep-going so that every node's result is seen.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace weft {

class CompiledWorkflow;

struct OrderCheckOptions
{
    int orders = 10;             // runs, with seeds firstSeed, firstSeed + 1, ...
    std::uint64_t firstSeed = 1;
    int jobs = 1;                // -j of every run: 1 makes each seed one exact order
    std::filesystem::path baseDirectory; // the workflow's directory
    // Called after each run: its number from 0 and its seed.
    std::function<void(int, std::uint64_t)> onRun;
};

struct OrderDependence
{
    std::string node;
    // Per run (in seed order): "succeeded", "failed", or "succeeded out/x=1a2b3c4d".
    std::vector<std::string> results;
    std::string suspect; // the node whose order relative to `node` matches the difference; may be empty
    std::string fix;     // "add `needs: [gen]` to use"
};

struct OrderCheckReport
{
    std::vector<std::uint64_t> seeds;
    std::vector<OrderDependence> dependent; // in file order
    std::vector<std::string> errors;        // run-level problems
};

OrderCheckReport checkOrders(const std::shared_ptr<const CompiledWorkflow> &workflow,
                             const OrderCheckOptions &options);

} // namespace weft
