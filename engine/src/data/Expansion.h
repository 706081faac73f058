// SPDX-License-Identifier: Apache-2.0
#pragma once

// Turns a node as written into the node one run (or one fan-out instance)
// of it sees: every reference in its params, outputs and inputs replaced by
// its value (DESIGN.md, "Outputs and references"). Expansion never goes
// through a shell unquoted: an array element that is exactly one reference
// to a list becomes one element per value (argv, lists of paths); inside a
// `command` parameter (ParamKind::Command) each value is inserted
// shell-quoted; elsewhere a list is joined with single spaces.
//
// The scheduler calls it just before an attempt starts, through the
// operation-agnostic interface below; it never reads a parameter itself.

#include "weft/Incremental.h"
#include "weft/Operation.h"
#include "weft/StringOrList.h"
#include "weft/Workflow.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace weft {

struct OperationType;

namespace data {

// True when `node` must be expanded before it runs: some string of its
// params, outputs or inputs holds `${` or `$${`. The instances of a
// `foreach` node without one run the node as written: nothing to copy.
bool needsExpansion(const Node &node);

// True when some string of the node's own outputs or inputs holds `${` or
// `$${`: then what runs needs them expanded too, not only its params.
bool ownValuesNeedExpansion(const Node &node);

// The outputs of a finished node, by id (a fan-out node's are the lists of
// its instances' values in index order); null when it has none to give.
using OutputsOf = std::function<const NamedValues *(std::string_view nodeId)>;

struct InstanceItem
{
    const std::string *item = nullptr; // null: not an instance
    std::size_t index = 0;
};

struct Expanded
{
    // Set on success; the scheduler keeps it as it is (NodeRuntime::expanded).
    std::unique_ptr<Node> node;
    // Otherwise what went wrong, naming the reference and where it is:
    // "params/argv/2: ${scan.files}: scan reported no output named files".
    std::string error;
};

// Copies into `out` every field of `node` that expansion does not build
// (all but params, outputs, inputs) and leaves out `foreach`.
void copyForExpansion(const Node &node, Node &out);

// `node` without its `foreach` (what runs is one instance, or a node
// without one), its references replaced. `type` tells which params are
// shell commands; null treats none as one.
Expanded expandNode(const Node &node, const OperationType *type, const OutputsOf &outputsOf,
                    InstanceItem instance = {});

struct ExpandedLaunch
{
    Launch launch;
    // The node's outputs and inputs expanded, when it was asked to expand
    // its own values: what the unit declares it produces and reads.
    std::unique_ptr<NamedValues> outputs;
    std::unique_ptr<NamedValues> inputs;
    // Set: a reference could not be expanded (as Expanded::error); nothing
    // can start. Any other reason the plan gives is in launch.error.
    std::string error;
};

// What `type` starts for `node` (OperationType::launchExpands), its params'
// references expanded as the plan reads them: no expanded copy of the node
// is made, which was most of what a reference cost a process node. With
// `ownValues` (ownValuesNeedExpansion()), the node's outputs and inputs are
// expanded first, as ${self.NAME} reads them, and the outputs kept;
// without, they are read as written.
ExpandedLaunch launchExpanded(const OperationType &type, const Node &node,
                              const std::filesystem::path &baseDirectory,
                              const OutputsOf &outputsOf, InstanceItem instance = {},
                              bool ownValues = false);

// Each of `node`'s params as it runs, for its fingerprint, without building
// the expanded node (weft/Incremental.h): a string, or a list of strings
// (lists spliced), as its expanded text; anything else built expanded.
// `self`: the node's outputs and inputs as it runs. False, with `error`,
// when a reference cannot be expanded.
bool visitExpandedParams(
    const Node &node, const OperationType *type, const OutputsOf &outputsOf,
    InstanceItem instance, const NamedValues &selfOutputs, const NamedValues &selfInputs,
    const std::function<void(const std::string &, const ExpandedParam &)> &visit,
    std::string &error);

// `value` quoted for /bin/sh so that it reaches the program as one word,
// byte for byte: 'a b; rm -rf x' -> 'a b; rm -rf x' in single quotes, with
// each ' written as '\''. A value of only safe characters is left bare.
std::string shellQuote(std::string_view value);

} // namespace data
} // namespace weft
