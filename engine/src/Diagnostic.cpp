// SPDX-License-Identifier: Apache-2.0
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

std::string inQuotesBounded(std::string_view text)
{
    constexpr std::size_t kShown = 60;
    if (text.size() <= kShown)
        return "\"" + std::string(text) + "\"";
    std::size_t cut = kShown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut; // never split a UTF-8 sequence
    return "\"" + std::string(text.substr(0, cut)) + "…\" (" + std::to_string(text.size()) + " bytes)";
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
