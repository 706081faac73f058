// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the editor reads from the ${...} references in a node's strings
// (DESIGN.md, "Outputs and references"): which outputs of which nodes a
// node uses (its data edges), what `${` may complete to, how `foreach`
// reads in a few words, and references renamed along with a node. Parsing
// itself is the engine's (weft/References.h), shared with the validator.

#include <weft/Workflow.h>

#include <QString>
#include <QStringList>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace weft::ui {

// Node id -> the `${NODE.NAME}` references to it in `node`'s strings
// (params, outputs, inputs, foreach), each once, in order of appearance.
std::map<std::string, QStringList> dataReferences(const Node &node);

// Calls `visit` with every string of the node that may hold references.
void forEachNodeString(const Node &node, const std::function<void(const std::string &)> &visit);

// "foreach src/*.c", "× 3", "foreach ${scan.files}"; empty for a plain node.
QString foreachSummary(const Node &node);

// One line of the `${` completer.
struct ReferenceCandidate
{
    QString text;        // "${compile.obj}"
    QString description; // "declared output: out/${item.stem}.o"
};

// What `node` (by id) may refer to without closing a cycle: every other
// node's declared outputs and its type's documented ones (the nodes it
// already needs first), `${self.X}` for its own inputs and outputs and, for
// a fan-out node, the item references.
std::vector<ReferenceCandidate> referenceCandidates(const Workflow &workflow,
                                                    const std::string &nodeId);

// `text` with `${OLD.NAME}` turned into `${NEW.NAME}` for every OLD in
// `renamed`; everything else (self, item, escapes) byte for byte.
std::string renameReferences(const std::string &text,
                             const std::map<std::string, std::string> &renamed);
// The same for every string of a node. Returns whether anything changed.
bool renameReferences(Node &node, const std::map<std::string, std::string> &renamed);

} // namespace weft::ui
