// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace weft {

enum class Severity { Error, Warning };

// One problem found in a workflow. `path` is a JSON Pointer into the file
// ("/nodes/3/needs/0"); line and column are 1-based and 0 when unknown (a
// workflow built in memory has no text). `nodeId` names the node the problem
// belongs to, when it belongs to one, so an editor can focus it.
struct Diagnostic
{
    Severity severity = Severity::Error;
    std::string message;
    std::string path;
    int line = 0;
    int column = 0;
    std::string nodeId;
    // Bytes into the string value at `path` where the problem is (the `$` of
    // a bad reference), or -1 when it is about the whole value. The loader
    // turns it into the column of that character in the file.
    int textOffset = -1;

    bool operator==(const Diagnostic &) const = default;
};

using Diagnostics = std::vector<Diagnostic>;

bool hasErrors(const Diagnostics &diagnostics);

// `text` in double quotes for a message, cut after 60 bytes (at a UTF-8
// boundary) with the full length noted: a 10 MB key or id in a file must not
// turn one diagnostic into 10 MB of output.
std::string inQuotesBounded(std::string_view text);

// "file:line:col: error: message", the form editors and IDEs parse.
std::string formatDiagnostic(const Diagnostic &diagnostic, const std::string &fileName);

} // namespace weft
