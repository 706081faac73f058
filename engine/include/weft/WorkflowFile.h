// SPDX-License-Identifier: Apache-2.0
#pragma once

// The .weft file format, version 1 (DESIGN.md, "Contract: the .weft file").
// Loading returns the workflow or every problem found, each with a JSON path
// and line:column. Saving is deterministic and atomic.

#include "weft/Diagnostic.h"
#include "weft/Workflow.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace weft {

class OperationRegistry;

inline constexpr int kFormatVersion = 1;

struct ResolvedNeeds;

struct LoadResult
{
    std::optional<Workflow> workflow; // set only when there are no errors
    Diagnostics diagnostics;          // errors and warnings, in file order
    // What loading's validation resolved, so that CompiledWorkflow::fromLoad
    // compiles the workflow without validating it a second time.
    std::shared_ptr<const ResolvedNeeds> resolvedNeeds;
    const OperationRegistry *registry = nullptr;

    bool ok() const { return workflow.has_value(); }
};

// Parses and validates .weft text. `registry` defaults to the built-in one.
LoadResult parseWorkflow(std::string_view text, const OperationRegistry *registry = nullptr);

// Reads and parses a file; an unreadable file is a diagnostic, not an exception.
LoadResult loadWorkflowFile(const std::filesystem::path &path,
                            const OperationRegistry *registry = nullptr);

// The canonical text of a workflow: same workflow -> same bytes. Two-space
// indentation, keys in a fixed order, empty optional keys left out, a final
// newline.
std::string serializeWorkflow(const Workflow &workflow);

struct SaveResult
{
    bool ok = true;
    std::string error; // names the path and the system's reason
};

// Writes to a temporary file in the same directory, flushes it to disk and
// renames it over `path`: an existing file is never left truncated or
// half-written, whatever happens to the process.
SaveResult saveWorkflowFile(const Workflow &workflow, const std::filesystem::path &path);
SaveResult writeFileAtomically(const std::filesystem::path &path, std::string_view contents);

} // namespace weft
