// SPDX-License-Identifier: Apache-2.0
#include "weft/Dot.h"

#include "weft/Workflow.h"

#include <unordered_set>

namespace weft {

namespace {

// A DOT double-quoted string. In labels a backslash starts an escape (\n,
// \l, \N), so a literal one is doubled; newlines become centred line breaks.
std::string dotString(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            break;
        default:
            out += c;
            break;
        }
    }
    return out + "\"";
}

const char *fillColour(std::string_view type)
{
    if (type == "process")
        return "#dbe9f6";
    if (type == "sleep" || type == "cpu")
        return "#f6ecd4";
    if (type == "hash" || type == "copy" || type == "write")
        return "#dcf0dc";
    return "#eeeeee";
}

} // namespace

std::string toDot(const Workflow &workflow)
{
    std::string out
        = "digraph " + dotString(workflow.name.empty() ? "workflow" : workflow.name) + " {\n";
    out += "    rankdir=LR;\n";
    out += "    node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
           "fontsize=11];\n";
    out += "    edge [color=\"#555555\"];\n";
    std::unordered_set<std::string_view> ids;
    ids.reserve(workflow.nodes.size());
    for (const Node &node : workflow.nodes)
        ids.insert(node.id);
    for (const Node &node : workflow.nodes) {
        std::string label
            = node.label.empty() || node.label == node.id ? node.id : node.label + "\n" + node.id;
        label += "\n(" + node.type + ")";
        out += "    " + dotString(node.id) + " [label=" + dotString(label) + ", fillcolor=\""
            + fillColour(node.type) + "\"];\n";
    }
    for (const Node &node : workflow.nodes) {
        for (const std::string &need : node.needs) {
            if (ids.count(need))
                out += "    " + dotString(need) + " -> " + dotString(node.id) + ";\n";
        }
    }
    out += "}\n";
    return out;
}

} // namespace weft
