// SPDX-License-Identifier: Apache-2.0
#pragma once
// The race linter: problems in a design that a run at one -j hides and a run
// at another shows, found from what every node declares (inputs, outputs,
// the paths `write`, `copy` and `hash` touch) and from the needs, before
// anything runs. `weft-cli lint` prints the findings; the editor shows them
// in its problems dock as warnings (toDiagnostic()).
//
// Rules (LintFinding::rule):
//   overlapping-outputs    two nodes that may run at once write the same path
//   write-read-race        one writes what the other reads, and nothing orders them
//   fan-out-overwrites     a fan-out's instances all write one path (no ${item}/${index} in it)
//   non-reentrant-fan-out  a fan-out of an operation whose instances may not overlap
//   pool-too-small         a request larger than its pool, or of an undefined pool
//   never-runs             a node that can never start: it needs one that can never run
#include "weft/Diagnostic.h"

#include <string>
#include <string_view>
#include <vector>

namespace weft {

struct Workflow;
class OperationRegistry;

struct LintFinding
{
    std::string rule;
    std::string node;    // the node the finding is about (where the fix goes)
    std::string other;   // the other node of a pair; empty for single-node rules
    std::string subject; // the path, pool or type involved
    std::string message; // one sentence naming both nodes and the path
    std::string fix;     // what to change, e.g. "add `needs: [a]` to b"
    std::string pointer; // JSON Pointer into the file ("/nodes/3/outputs/obj")
    int line = 0;        // 1-based; 0 until locate() found it
    int column = 0;
    bool operator==(const LintFinding &) const = default;
};

// Findings in file order of the node they are about. `registry` defaults to
// the built-in one. The workflow should be valid (validateWorkflow()); on an
// invalid one the findings are best effort.
std::vector<LintFinding> lintWorkflow(const Workflow &workflow,
                                      const OperationRegistry *registry = nullptr);

// Fills line and column of each finding from the .weft text it came from.
void locateFindings(std::string_view text, std::vector<LintFinding> &findings);

// A warning for a problems list: the message with its fix, the node's id.
Diagnostic toDiagnostic(const LintFinding &finding);

} // namespace weft
