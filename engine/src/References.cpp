// SPDX-License-Identifier: Apache-2.0
// Parsing of ${...} references (DESIGN.md, "Outputs and references"). Every
// string of every node goes through here on each validation, so the common
// case, a string without a `$`, must cost one memchr and nothing else.

#include "weft/References.h"

#include <algorithm>

#include "weft/Workflow.h"

#include <cstring>
#include <unordered_set>

namespace weft {

namespace {

bool isNameStart(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool isNameChar(char c)
{
    return isNameStart(c) || (c >= '0' && c <= '9') || c == '-';
}

// [A-Za-z_][A-Za-z0-9_-]*: the name part may not hold a dot, which is what
// lets `NODE.NAME` split at the last one.
bool isReferenceName(std::string_view name)
{
    if (name.empty() || !isNameStart(name.front()))
        return false;
    for (char c : name) {
        if (!isNameChar(c))
            return false;
    }
    return true;
}

// The reference as written, for a message; a pathological 10 MB `${...`
// must not become a 10 MB message.
std::string shown(std::string_view text)
{
    constexpr std::size_t kShown = 60;
    if (text.size() <= kShown)
        return std::string(text);
    std::size_t cut = kShown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return std::string(text.substr(0, cut)) + "\u2026";
}

// Where the next `$` is at or after `from`, or npos.
std::size_t nextDollar(std::string_view text, std::size_t from)
{
    if (from >= text.size())
        return std::string_view::npos;
    const void *hit = std::memchr(text.data() + from, '$', text.size() - from);
    return hit ? std::size_t(static_cast<const char *>(hit) - text.data()) : std::string_view::npos;
}

// Parses the body of `${body}`; false with `message` set when malformed.
bool parseBody(std::string_view body, ReferenceView &ref, std::string &message)
{
    // Only a malformed reference pays for its text.
    auto written = [body] { return "${" + shown(body) + "}"; };
    if (body.empty()) {
        message = "empty reference ${}";
        return false;
    }
    if (body == "item") {
        ref.kind = Reference::Kind::Item;
        return true;
    }
    if (body == "index") {
        ref.kind = Reference::Kind::Index;
        return true;
    }
    const std::size_t dot = body.rfind('.');
    if (dot == std::string_view::npos) {
        if (isValidNodeId(body))
            message = "malformed reference " + written() + ": name an output, as in ${"
                      + shown(body) + ".NAME}";
        else
            message = "malformed reference " + written()
                      + ": expected ${NODE.NAME}, ${self.NAME}, ${item} or ${index}";
        return false;
    }
    const std::string_view node = body.substr(0, dot);
    const std::string_view name = body.substr(dot + 1);
    if (node == "item") {
        if (name == "name") {
            ref.kind = Reference::Kind::ItemName;
            return true;
        }
        if (name == "stem") {
            ref.kind = Reference::Kind::ItemStem;
            return true;
        }
        message = "malformed reference " + written()
                  + ": an item has only ${item}, ${item.name} and ${item.stem}";
        return false;
    }
    if (!isValidNodeId(node)) {
        message = "malformed reference " + written()
                  + ": a node id starts with a letter or '_' and continues with letters, digits, "
                    "'_', '.' or '-'";
        return false;
    }
    if (!isReferenceName(name)) {
        message = "malformed reference " + written()
                  + ": an output name starts with a letter or '_' and continues with letters, "
                    "digits, '_' or '-'";
        return false;
    }
    ref.kind = node == "self" ? Reference::Kind::Self : Reference::Kind::Output;
    if (ref.kind == Reference::Kind::Output)
        ref.node = node;
    ref.name = name;
    return true;
}

} // namespace

bool ReferenceScanner::next(ReferenceView &ref)
{
    if (m_error)
        return false;
    const std::string_view text = m_text;
    for (std::size_t at = nextDollar(text, m_at); at != std::string_view::npos;
         at = nextDollar(text, at)) {
        if (at + 2 < text.size() && text[at + 1] == '$' && text[at + 2] == '{') {
            at += 3; // `$${`: a literal `${`, never the start of a reference
            continue;
        }
        if (at + 1 >= text.size() || text[at + 1] != '{') {
            ++at; // a lone `$`, as in a shell's `$HOME`: text
            continue;
        }
        const std::size_t close = text.find('}', at + 2);
        if (close == std::string_view::npos) {
            m_error = ReferenceError{at, "unterminated ${: no closing }"};
            m_at = text.size();
            return false;
        }
        ref = ReferenceView{};
        ref.offset = at;
        ref.length = close + 1 - at;
        std::string message;
        if (!parseBody(text.substr(at + 2, close - at - 2), ref, message)) {
            m_error = ReferenceError{at, std::move(message)};
            m_at = text.size();
            return false;
        }
        m_at = close + 1;
        return true;
    }
    m_at = text.size();
    return false;
}

ParsedString parseReferences(std::string_view text)
{
    ParsedString result;
    ReferenceScanner scanner(text);
    ReferenceView view;
    while (scanner.next(view)) {
        Reference ref;
        ref.kind = view.kind;
        ref.node = view.node;
        ref.name = view.name;
        ref.offset = view.offset;
        ref.length = view.length;
        result.references.push_back(std::move(ref));
    }
    result.error = scanner.error();
    return result;
}

std::string unescapeReferences(std::string_view text)
{
    std::string out;
    std::size_t copied = 0;
    for (std::size_t at = nextDollar(text, 0); at != std::string_view::npos;
         at = nextDollar(text, at)) {
        if (at + 2 < text.size() && text[at + 1] == '$' && text[at + 2] == '{') {
            out.append(text, copied, at - copied);
            copied = at + 1; // drop the first `$`
            at += 3;
        } else {
            ++at;
        }
    }
    out.append(text, copied);
    return out;
}

namespace {

// Collects the distinct ids of ${NODE.NAME} references in first-seen order.
// Most nodes name a handful, so a linear scan beats hashing until a node
// names many.
class NodeCollector
{
public:
    void scan(std::string_view text)
    {
        if (!std::memchr(text.data(), '$', text.size()))
            return;
        ReferenceScanner scanner(text);
        ReferenceView ref;
        while (scanner.next(ref)) {
            if (ref.kind == Reference::Kind::Output)
                add(ref.node);
        }
    }

    void scanJson(const nlohmann::json &value)
    {
        if (value.is_string()) {
            scan(value.get_ref<const std::string &>());
        } else if (value.is_array() || value.is_object()) {
            for (const auto &item : value)
                scanJson(item);
        }
    }

    void scanValues(const NamedValues &values)
    {
        for (const auto &entry : values) {
            for (const std::string &item : entry.second.items)
                scan(item);
        }
    }

    std::vector<std::string> take() { return std::move(m_ids); }

private:
    static constexpr std::size_t kLinear = 16;

    void add(std::string_view id)
    {
        if (m_ids.size() < kLinear) {
            for (const std::string &seen : m_ids) {
                if (seen == id)
                    return;
            }
        } else {
            if (m_seen.empty())
                m_seen.insert(m_ids.begin(), m_ids.end());
            if (!m_seen.emplace(id).second)
                return;
        }
        m_ids.emplace_back(id);
    }

    std::vector<std::string> m_ids;
    std::unordered_set<std::string> m_seen;
};

} // namespace

std::vector<std::string> referencedNodes(const Node &node)
{
    NodeCollector collector;
    collector.scanJson(node.params);
    collector.scanValues(node.outputs);
    collector.scanValues(node.inputs);
    if (node.foreach && node.foreach->kind == ForEach::Kind::Reference)
        collector.scan(node.foreach->text);
    return collector.take();
}

std::vector<std::string> allNeeds(const Node &node)
{
    std::vector<std::string> needs = node.needs;
    for (std::string &id : referencedNodes(node)) {
        if (id != node.id && std::find(needs.begin(), needs.end(), id) == needs.end())
            needs.push_back(std::move(id));
    }
    return needs;
}

} // namespace weft
