// SPDX-License-Identifier: Apache-2.0
#include "Commands.h"

#include "weft/CompiledWorkflow.h"
#include "weft/Subworkflow.h"
#include "weft/Validator.h"
#include "weft/WorkflowFile.h"

#include <cerrno>
#include <unistd.h>

namespace weft::cli {

void writeOut(int fd, std::string_view text)
{
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        text.remove_prefix(std::size_t(n));
    }
}

void printError(std::string_view message)
{
    writeOut(2, "weft-cli: error: " + std::string(message) + "\n");
}

namespace {

// Subworkflows: the run sees one flat workflow, validated again as a whole
// (the resolved needs of the including file alone no longer apply).
void expandReporting(LoadResult &result, const std::filesystem::path &file)
{
    std::vector<FileDiagnostic> problems;
    const bool ok = expandSubworkflows(*result.workflow, file, problems);
    std::string report;
    for (const FileDiagnostic &p : problems)
        report += formatDiagnostic(p.diagnostic, p.file) + "\n";
    result.resolvedNeeds.reset();
    if (ok) {
        Diagnostics found = validateWorkflow(*result.workflow);
        for (const Diagnostic &d : found)
            report += formatDiagnostic(d, file.string() + " (expanded)") + "\n";
        if (hasErrors(found))
            result.workflow.reset();
    } else {
        result.workflow.reset();
    }
    writeOut(2, report);
}

LoadResult loadReporting(const std::filesystem::path &file)
{
    LoadResult result = loadWorkflowFile(file);
    std::string report;
    for (const Diagnostic &diagnostic : result.diagnostics)
        report += formatDiagnostic(diagnostic, file.string()) + "\n";
    writeOut(2, report);
    if (!result.ok() && result.diagnostics.empty())
        printError(file.string() + ": not a valid workflow");
    if (result.ok() && hasSubworkflows(*result.workflow))
        expandReporting(result, file);
    return result;
}

} // namespace

std::shared_ptr<const CompiledWorkflow> loadCompiledReporting(const std::filesystem::path &file)
{
    LoadResult loaded = loadReporting(file);
    if (loaded.ok() && !loaded.resolvedNeeds) { // expanded: compiled (validated) afresh
        Diagnostics diagnostics;
        return CompiledWorkflow::compile(std::make_shared<const Workflow>(std::move(*loaded.workflow)),
                                         diagnostics);
    }
    return CompiledWorkflow::fromLoad(std::move(loaded));
}

std::optional<Workflow> loadWorkflowReporting(const std::filesystem::path &file)
{
    LoadResult result = loadReporting(file);
    if (!result.ok())
        return std::nullopt;
    return std::move(*result.workflow);
}

} // namespace weft::cli
