// SPDX-License-Identifier: Apache-2.0
#pragma once

// Subworkflows: a `workflow` node runs another .weft file, expanded into the
// including workflow before it is compiled, so one run is one flow graph and
// -j is global (README, "Subworkflows").
//
//   { "id": "lib", "type": "workflow", "needs": ["prep"],
//     "params": { "file": "parts/lib.weft",
//                 "params": { "greeting": "hello", "src": "${prep.path}" },
//                 "exports": { "digest": "h.digest" } } }
//
// The inner file's nodes become `lib/ID` (nested: `lib/sub/ID`); its strings
// may use `${params.NAME}`, replaced by the value passed (which may itself
// reference nodes of the including file). The inner nodes that need nothing
// wait for the workflow node's own needs; the workflow node itself becomes a
// `noop` that waits for every inner node nothing else inside needs, so its
// dependants wait for the whole subworkflow; `${lib.digest}` in the
// including file means the exported `${lib/h.digest}`.

#include "weft/Diagnostic.h"
#include "weft/Workflow.h"

#include <filesystem>
#include <string>
#include <vector>

namespace weft {

// A problem in one of the files a workflow includes.
struct FileDiagnostic
{
    std::string file; // as it is shown: relative to the including file's directory chain
    Diagnostic diagnostic;
};

bool hasSubworkflows(const Workflow &workflow);

// Expands every `workflow` node of `workflow`, which was loaded (and
// validated) from `file`, recursively. False, with `problems` naming the
// file and line:col (or node) of each, when an included file is missing or
// invalid, a parameter is not passed, an export names nothing, or files
// include each other (the chain is named: a.weft → b.weft → a.weft).
bool expandSubworkflows(Workflow &workflow, const std::filesystem::path &file,
                        std::vector<FileDiagnostic> &problems);

} // namespace weft
