// SPDX-License-Identifier: Apache-2.0
#pragma once

// References in a node's strings (DESIGN.md, "Outputs and references"):
// `${NODE.NAME}` another node's output, `${self.NAME}` this node's own
// declared input or output, `${item}`, `${item.name}`, `${item.stem}` and
// `${index}` inside a `foreach` node; `$${` is a literal `${`. Parsing needs
// no workflow, so the editor (data edges, completion) and the validator
// share it. `NODE.NAME` splits at the last dot: node ids may hold dots,
// names that are referenced may not.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

struct Node;

struct Reference
{
    enum class Kind : std::uint8_t {
        Output,   // ${NODE.NAME}
        Self,     // ${self.NAME}
        Item,     // ${item}
        ItemName, // ${item.name}: the item's file name
        ItemStem, // ${item.stem}: the file name without its last extension
        Index,    // ${index}: the instance's index, from 0
    };
    Kind kind = Kind::Output;
    std::string node;        // Output: the node id
    std::string name;        // Output, Self: the output (or input) name
    std::size_t offset = 0;  // bytes into the string, at the `$`
    std::size_t length = 0;  // bytes of the whole `${...}`
};

struct ReferenceError
{
    std::size_t offset = 0; // bytes into the string, at the offending `$`
    std::string message;    // "unterminated ${", "empty ${}", ...
};

struct ParsedString
{
    std::vector<Reference> references; // in order
    std::optional<ReferenceError> error; // the first malformed reference, if any
};

// The references of one string. Cheap when the string holds no `${`.
ParsedString parseReferences(std::string_view text);

// One reference as views into the text it was found in: what parsing costs
// when nothing is kept (validation, expansion), no allocation at all.
struct ReferenceView
{
    Reference::Kind kind = Reference::Kind::Output;
    std::string_view node; // Output: the node id
    std::string_view name; // Output, Self: the output (or input) name
    std::size_t offset = 0;
    std::size_t length = 0;
};

// The references of `text` one at a time, in order, as parseReferences()
// finds them: next() is false at the end of the text or at the first
// malformed reference, which error() then holds.
class ReferenceScanner
{
public:
    explicit ReferenceScanner(std::string_view text) : m_text(text) {}
    bool next(ReferenceView &ref);
    const std::optional<ReferenceError> &error() const { return m_error; }

private:
    std::string_view m_text;
    std::size_t m_at = 0;
    std::optional<ReferenceError> m_error;
};

// `text` with `$${` turned into `${`: a string with no references as the
// program receives it.
std::string unescapeReferences(std::string_view text);

// The ids of the nodes that `node`'s strings (params, outputs, inputs,
// foreach) refer to with ${NODE.NAME}, each once, in order of first
// appearance; not `self`, not `item`. Malformed references are ignored here
// (the validator reports them). Each is an implied need: the editor draws it
// as a data edge.
std::vector<std::string> referencedNodes(const Node &node);

// Everything `node` runs after: its `needs` as written, then the nodes its
// references imply that `needs` does not name, each once (the node itself
// excluded). What the scheduler waits for, the plan's levels and a pending
// node's detail use.
std::vector<std::string> allNeeds(const Node &node);

} // namespace weft
