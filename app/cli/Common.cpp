// SPDX-License-Identifier: Apache-2.0
#include "Commands.h"

#include "weft/CompiledWorkflow.h"
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

LoadResult loadReporting(const std::filesystem::path &file)
{
    LoadResult result = loadWorkflowFile(file);
    std::string report;
    for (const Diagnostic &diagnostic : result.diagnostics)
        report += formatDiagnostic(diagnostic, file.string()) + "\n";
    writeOut(2, report);
    if (!result.ok() && result.diagnostics.empty())
        printError(file.string() + ": not a valid workflow");
    return result;
}

} // namespace

std::shared_ptr<const CompiledWorkflow> loadCompiledReporting(const std::filesystem::path &file)
{
    return CompiledWorkflow::fromLoad(loadReporting(file));
}

std::optional<Workflow> loadWorkflowReporting(const std::filesystem::path &file)
{
    LoadResult result = loadReporting(file);
    if (!result.ok())
        return std::nullopt;
    return std::move(*result.workflow);
}

} // namespace weft::cli
