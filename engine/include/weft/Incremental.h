// SPDX-License-Identifier: Apache-2.0
#pragma once

// The scheduler's side of incremental runs (DESIGN.md, "Incremental runs"):
// before it admits a unit (a node, or one fan-out instance) that declares
// outputs, it asks whether the unit is up to date; after such a unit
// succeeded, it says so, before any successor can ask about its own inputs.
// The executor knows nothing of fingerprints or databases: StateStore.h
// implements this over SQLite, tests may implement it in memory. Nodes
// without declared outputs are never asked about: they always run, and a
// run of them costs nothing here.

#include "weft/Events.h"
#include "weft/StringOrList.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace weft {

struct Node;
struct Workflow;

// One param of a unit as it runs, its references expanded, for its
// fingerprint: what the param's JSON would be, without building it.
struct ExpandedParam
{
    enum class Kind : std::uint8_t { Text, Items, Json };
    Kind kind = Kind::Json;
    const std::string *text = nullptr;               // Kind::Text: a string
    const std::vector<std::string> *items = nullptr; // Kind::Items: a list of strings
    const nlohmann::json *json = nullptr;            // Kind::Json: anything else
};

// Calls `visit(key, value)` for each param of the unit as it runs, in key order.
using ExpandedParams =
    std::function<void(const std::function<void(const std::string &, const ExpandedParam &)> &)>;

struct IncrementalUnit
{
    const Workflow *workflow = nullptr;
    // As this unit runs it, references expanded; or, when `params` is set,
    // the node as written (a unit whose launch is planned is never expanded
    // whole), and `params`, `outputs` and `inputs` are what it runs with.
    const Node *node = nullptr;
    ExpandedParams params;
    const NamedValues *outputs = nullptr; // with `params`; null: node->outputs
    const NamedValues *inputs = nullptr;  // with `params`; null: node->inputs
    NodeIndex index = 0;
    int instance = kNoInstance;
    const std::string *item = nullptr; // fan-out instance: its item
    bool itemIsFile = false;           // the item came from a glob: a file the instance reads
    std::span<const NodeIndex> needs;  // written and implied by references

    const NamedValues &runOutputs() const;
    const NamedValues &runInputs() const;
};

// Called from worker threads, concurrently for different units; calls about
// one unit come in order (upToDate, then succeeded if it ran and succeeded).
// Every need of a unit has succeeded (ran or was up to date) before upToDate
// is called for it.
class IncrementalCheck
{
public:
    virtual ~IncrementalCheck() = default;
    // True: the unit does not run; it ends succeeded with NodeFinished::cached.
    virtual bool upToDate(const IncrementalUnit &unit) = 0;
    // The unit ran and succeeded: record it, once its outputs are hashed.
    virtual void succeeded(const IncrementalUnit &unit) = 0;

    // Optional: every node of `workflow` at once, before any runs. The
    // executor offers it when each node is a unit it would ask about (it
    // declares outputs) and none is a fan-out or expands references; the
    // call comes from inside the run's oneTBB arena, so it may use oneTBB's
    // parallel algorithms. Each node is decided as if its needs were up to
    // date, which they all are when every node is: that is how make and
    // ninja decide a no-op before they schedule anything, and it spares a
    // no-op run the flow graph and a chain of checks one after another.
    // True: every node is up to date, and ends cached without upToDate()
    // being asked. False: the run goes node by node, and what this call
    // found may serve those calls (a node whose needs all turn out up to
    // date). `unitOf(i)` is node i as upToDate() would get it.
    virtual bool allUpToDate(const Workflow &workflow,
                             const std::function<IncrementalUnit(NodeIndex)> &unitOf)
    {
        (void)workflow;
        (void)unitOf;
        return false;
    }
};

} // namespace weft
