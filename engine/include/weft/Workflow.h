// SPDX-License-Identifier: Apache-2.0
#pragma once

// The workflow model: plain value types, cheap enough to copy for undo.
// A Workflow describes only what depends on what; how much runs at once is
// decided when it is run (see Executor.h).

#include "weft/StringOrList.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

enum class FailurePolicy { Stop, KeepGoing };

std::string_view toString(FailurePolicy policy);
std::optional<FailurePolicy> failurePolicyFromString(std::string_view text);

struct Settings
{
    int jobs = 0; // 0 = number of cores
    FailurePolicy failure = FailurePolicy::Stop;
    std::map<std::string, std::int64_t> pools; // name -> size
    int history = 100; // runs kept in the run history (.weft/state.db); 0: all
    // Launchers (README "Running on Slurm"): "" or "local" (posix_spawn) or
    // "slurm"; `slurm` holds {"partition", "account"} as written (null: none).
    std::string launcher;
    nlohmann::json slurm;

    bool operator==(const Settings &) const = default;
};

struct Position
{
    double x = 0;
    double y = 0;

    bool operator==(const Position &) const = default;
};

// `foreach` (DESIGN.md, "Fan-out"): the node runs once per item. Instances
// are named ID[INDEX]; `${item}`, `${item.name}`, `${item.stem}` and
// `${index}` in the node's strings refer to the instance's own.
struct ForEach
{
    enum class Kind : std::uint8_t {
        List,      // "foreach": ["a", "b"]: the items as written
        Glob,      // "foreach": {"glob": "src/*.c"}: matching paths, sorted, when the node starts
        Reference, // "foreach": "${scan.files}": another node's list output, when that node finished
    };
    Kind kind = Kind::List;
    std::vector<std::string> items; // List
    std::string text;               // Glob: the pattern; Reference: the reference as written

    bool operator==(const ForEach &) const = default;
};

// Where an in-process operation runs (DESIGN.md, "Isolation"): on a worker
// of the run, or in a helper child process of its own (weft-op).
enum class Isolation : std::uint8_t { Thread, Process };

std::string_view toString(Isolation isolation); // "thread" / "process"
std::optional<Isolation> isolationFromString(std::string_view text);

struct Node
{
    std::string id;    // unique, [A-Za-z_][A-Za-z0-9_.-]*
    std::string type;  // operation type name (OperationRegistry)
    std::string label; // empty: show the id
    std::vector<std::string> needs; // ids this node runs after
    nlohmann::json params = nlohmann::json::object(); // the operation's own parameters
    // Names as ids are ([A-Za-z_][A-Za-z0-9_.-]*). Paths relative to the
    // workflow's directory; outputs may later hold ${...} references, kept
    // here as written.
    NamedValues inputs;  // paths or globs the node reads
    NamedValues outputs; // path(s) the node produces
    std::optional<ForEach> foreach; // set: a fan-out node
    std::optional<double> timeout;                    // seconds
    int retries = 0;
    std::map<std::string, std::int64_t> resources; // pool -> amount
    std::optional<Position> position;              // editor only
    // "" (the workflow's launcher), "local" or "slurm"; `slurm` holds
    // {"cpus", "mem", "time", "extra"} as written (null: none).
    std::string launcher;
    nlohmann::json slurm;
    Isolation isolation = Isolation::Thread;       // "isolation"; default thread
    // "memory": the isolated helper's memory limit as written ("512M",
    // "1048576"); empty: none. Isolation.h parses it.
    std::string memory;
    // A field added here is copied by data::copyForExpansion() too.

    const std::string &displayName() const { return label.empty() ? id : label; }
    bool operator==(const Node &) const = default;
};

// "to runs after from succeeds". Derived from Node::needs, which is what the
// file stores; edges are the view a graph editor wants.
struct Edge
{
    std::string from;
    std::string to;

    bool operator==(const Edge &) const = default;
};

// A group of nodes drawn as one box in the editor, so a large graph can be
// read at two levels (issue 19). Like a node's position it is the editor's:
// it changes nothing about how the workflow runs.
struct Group
{
    std::string id;    // unique among groups, [A-Za-z_][A-Za-z0-9_.-]*
    std::string label; // shown on the box; empty: the id
    std::vector<std::string> nodes; // member node ids; a node is in one group at most
    bool collapsed = false;

    const std::string &displayName() const { return label.empty() ? id : label; }
    bool operator==(const Group &) const = default;
};

struct Workflow
{
    std::string name;
    std::string description;
    Settings settings;
    std::vector<Node> nodes;
    std::vector<Group> groups; // editor only, in file order

    // Index of the node with this id, or -1. Linear: build a map for bulk lookups.
    std::ptrdiff_t indexOf(std::string_view id) const;
    const Node *find(std::string_view id) const;
    Node *find(std::string_view id);
    std::vector<Edge> edges() const;

    bool operator==(const Workflow &) const = default;
};

// True when id matches [A-Za-z_][A-Za-z0-9_.-]*.
bool isValidNodeId(std::string_view id);

// A fresh id based on `base` that no node of `workflow` uses yet
// ("build" -> "build_2", "build_3", ...).
std::string uniqueNodeId(const Workflow &workflow, std::string_view base);

// The sub-workflow holding `targets` and everything they need, transitively
// (written needs and the needs that ${NODE.NAME} references imply),
// in the original order. Unknown target ids are returned in `unknown`.
Workflow selectTargets(const Workflow &workflow, const std::vector<std::string> &targets,
                       std::vector<std::string> *unknown = nullptr);

} // namespace weft
