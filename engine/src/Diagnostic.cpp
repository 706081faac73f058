#include "weft/Diagnostic.h"

namespace weft {

bool hasErrors(const Diagnostics &diagnostics)
{
    for (const Diagnostic &d : diagnostics) {
        if (d.severity == Severity::Error)
            return true;
    }
    return false;
}

std::string formatDiagnostic(const Diagnostic &diagnostic, const std::string &fileName)
{
    std::string text = fileName;
    text += ':';
    text += std::to_string(diagnostic.line > 0 ? diagnostic.line : 1);
    text += ':';
    text += std::to_string(diagnostic.column > 0 ? diagnostic.column : 1);
    text += diagnostic.severity == Severity::Error ? ": error: " : ": warning: ";
    text += diagnostic.message;
    return text;
}

} // namespace weft
