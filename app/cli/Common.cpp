#include "Commands.h"

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

std::optional<Workflow> loadWorkflowReporting(const std::filesystem::path &file)
{
    LoadResult result = loadWorkflowFile(file);
    std::string report;
    for (const Diagnostic &diagnostic : result.diagnostics)
        report += formatDiagnostic(diagnostic, file.string()) + "\n";
    writeOut(2, report);
    if (!result.ok()) {
        if (result.diagnostics.empty())
            printError(file.string() + ": not a valid workflow");
        return std::nullopt;
    }
    return std::move(*result.workflow);
}

} // namespace weft::cli
