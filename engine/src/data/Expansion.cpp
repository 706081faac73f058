// SPDX-License-Identifier: Apache-2.0
// Expansion of ${...} references just before a node (or one instance of a
// fan-out node) runs. The node is copied once and only the strings that hold
// a `$` are touched; everything else keeps the copy's own storage.

#include "data/Expansion.h"

#include "weft/Operation.h"
#include "weft/References.h"

#include "format/JsonDocument.h"

#include <cstring>

namespace weft::data {

namespace {

bool hasDollar(std::string_view text)
{
    return std::memchr(text.data(), '$', text.size()) != nullptr;
}

bool hasReferenceSyntax(std::string_view text)
{
    return hasDollar(text) && text.find("${") != std::string_view::npos;
}

bool jsonNeedsExpansion(const nlohmann::json &value)
{
    if (value.is_string())
        return hasReferenceSyntax(value.get_ref<const std::string &>());
    if (value.is_array() || value.is_object()) {
        for (const auto &item : value) {
            if (jsonNeedsExpansion(item))
                return true;
        }
    }
    return false;
}

bool valuesNeedExpansion(const NamedValues &values)
{
    for (const auto &entry : values) {
        for (const std::string &item : entry.second.items) {
            if (hasReferenceSyntax(item))
                return true;
        }
    }
    return false;
}

// A place in the node, as a chain of frames on the stack: the text of a
// path is built only for an error message.
struct Place
{
    const Place *parent = nullptr;
    std::string_view key; // an object member, or the first segment
    std::size_t index = 0;
    bool isIndex = false;

    std::string text() const
    {
        std::string out = parent ? parent->text() + "/" : std::string();
        if (isIndex)
            out += std::to_string(index);
        else
            out += json::pointerToken(key);
        return out;
    }
};

enum class Mode : std::uint8_t {
    Plain,   // a list joins with single spaces
    Command, // every value shell-quoted: the string is a /bin/sh command line
};

class Expander
{
public:
    Expander(const OutputsOf &outputsOf, InstanceItem instance)
        : m_outputsOf(outputsOf)
        , m_instance(instance)
    {
        if (instance.item) {
            const std::string &item = *instance.item;
            const std::size_t slash = item.rfind('/');
            std::string name = slash == std::string::npos ? item : item.substr(slash + 1);
            const std::size_t dot = name.rfind('.');
            // A leading dot starts a hidden file's name, not its extension.
            std::string stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
            m_item = StringOrList(item);
            m_name = StringOrList(std::move(name));
            m_stem = StringOrList(std::move(stem));
            m_index = StringOrList(std::to_string(instance.index));
        }
    }

    std::string &error() { return m_error; }

    // Own outputs and inputs are expanded first; ${self.NAME} in params then
    // sees their expanded values.
    void setSelf(const NamedValues *outputs, const NamedValues *inputs)
    {
        m_selfOutputs = outputs;
        m_selfInputs = inputs;
    }

    bool expandValues(NamedValues &values, const Place &base)
    {
        for (auto &entry : values) {
            const Place place{&base, entry.first};
            StringOrList &value = entry.second;
            if (!value.list) {
                if (value.items.size() != 1 || !hasDollar(value.items.front()))
                    continue;
                const ParsedString parsed = parse(value.items.front(), place);
                if (!m_error.empty())
                    return false;
                if (const StringOrList *whole = wholeReference(value.items.front(), parsed, place)) {
                    value = *whole; // a list stays a list: `"objs": "${compile.obj}"`
                    continue;
                }
                if (!m_error.empty() || !expandString(value.items.front(), parsed, Mode::Plain, place))
                    return false;
                continue;
            }
            if (!expandList(value.items, place))
                return false;
        }
        return true;
    }

    bool expandJson(nlohmann::json &value, Mode mode, const Place &place)
    {
        if (value.is_string()) {
            std::string &text = value.get_ref<std::string &>();
            if (!hasDollar(text))
                return true;
            const ParsedString parsed = parse(text, place);
            return m_error.empty() && expandString(text, parsed, mode, place);
        }
        if (value.is_object()) {
            for (auto &member : value.get_ref<nlohmann::json::object_t &>()) {
                if (!expandJson(member.second, Mode::Plain, Place{&place, member.first}))
                    return false;
            }
            return true;
        }
        if (value.is_array())
            return expandArray(value.get_ref<nlohmann::json::array_t &>(), place);
        return true;
    }

private:
    ParsedString parse(std::string_view text, const Place &place)
    {
        ParsedString parsed = parseReferences(text);
        if (parsed.error)
            m_error = place.text() + ": " + parsed.error->message;
        return parsed;
    }

    static bool isWhole(std::string_view text, const ParsedString &parsed)
    {
        return parsed.references.size() == 1 && parsed.references.front().offset == 0
               && parsed.references.front().length == text.size();
    }

    // The value when `text` is exactly one reference, else null (and, on a
    // reference that cannot be resolved, m_error set).
    const StringOrList *wholeReference(std::string_view text, const ParsedString &parsed,
                                       const Place &place)
    {
        if (!isWhole(text, parsed))
            return nullptr;
        return resolve(text, parsed.references.front(), place);
    }

    const StringOrList *resolve(std::string_view text, const Reference &ref, const Place &place)
    {
        auto fail = [&](const std::string &why) -> const StringOrList * {
            m_error = place.text() + ": " + std::string(text.substr(ref.offset, ref.length)) + ": "
                      + why;
            return nullptr;
        };
        switch (ref.kind) {
        case Reference::Kind::Output: {
            const NamedValues *outputs = m_outputsOf ? m_outputsOf(ref.node) : nullptr;
            if (outputs) {
                const auto it = outputs->find(ref.name);
                if (it != outputs->end())
                    return &it->second;
            }
            return fail(ref.node + " reported no output named " + ref.name);
        }
        case Reference::Kind::Self: {
            if (!m_selfOutputs)
                return fail("${self.NAME} can be used only in params");
            auto it = m_selfOutputs->find(ref.name);
            if (it != m_selfOutputs->end())
                return &it->second;
            it = m_selfInputs->find(ref.name);
            if (it != m_selfInputs->end())
                return &it->second;
            return fail("the node declares no input or output named " + ref.name);
        }
        case Reference::Kind::Index:
            if (!m_instance.item)
                return fail("the node has no \"foreach\", so there is no index");
            return &m_index;
        case Reference::Kind::Item:
        case Reference::Kind::ItemName:
        case Reference::Kind::ItemStem:
            if (!m_instance.item)
                return fail("the node has no \"foreach\", so there is no item");
            return ref.kind == Reference::Kind::Item ? &m_item
                   : ref.kind == Reference::Kind::ItemName ? &m_name
                                                           : &m_stem;
        }
        return fail("unknown reference");
    }

    // Replaces `text` with its expansion. Literal text between references
    // loses the first `$` of each `$${`.
    bool expandString(std::string &text, const ParsedString &parsed, Mode mode, const Place &place)
    {
        if (parsed.references.empty()) {
            if (text.find("$${") != std::string::npos)
                text = unescapeReferences(text);
            return true;
        }
        std::string out;
        out.reserve(text.size() + 16);
        std::size_t copied = 0;
        for (const Reference &ref : parsed.references) {
            const StringOrList *value = resolve(text, ref, place);
            if (!value)
                return false;
            appendLiteral(out, std::string_view(text).substr(copied, ref.offset - copied));
            for (std::size_t k = 0; k < value->items.size(); ++k) {
                if (k)
                    out += ' ';
                if (mode == Mode::Command)
                    out += shellQuote(value->items[k]);
                else
                    out += value->items[k];
            }
            copied = ref.offset + ref.length;
        }
        appendLiteral(out, std::string_view(text).substr(copied));
        text = std::move(out);
        return true;
    }

    static void appendLiteral(std::string &out, std::string_view literal)
    {
        if (hasDollar(literal))
            out += unescapeReferences(literal);
        else
            out += literal;
    }

    // Elements that are exactly one reference to a list become one element
    // per value: `["cc", "-o", "app", "${compile.obj}"]`.
    bool expandList(std::vector<std::string> &items, const Place &place)
    {
        return expandElements(
            items, place, [](std::string &item) { return &item; },
            [](std::string &, const Place &) { return true; });
    }

    // The same for a JSON array, whose elements that are not strings are
    // expanded in place (objects, nested arrays).
    bool expandArray(nlohmann::json::array_t &items, const Place &place)
    {
        return expandElements(
            items, place,
            [](nlohmann::json &item) {
                return item.is_string() ? &item.get_ref<std::string &>() : nullptr;
            },
            [this](nlohmann::json &item, const Place &here) {
                return expandJson(item, Mode::Plain, here);
            });
    }

    // `textOf(element)`: the element's string, or null when it is none, in
    // which case `other(element, place)` expands it.
    template<typename Items, typename TextOf, typename Other>
    bool expandElements(Items &items, const Place &place, TextOf textOf, Other other)
    {
        Items rebuilt;
        bool spliced = false;
        for (std::size_t k = 0; k < items.size(); ++k) {
            auto &item = items[k];
            const Place here{&place, {}, k, true};
            std::string *text = textOf(item);
            if (text && hasDollar(*text)) {
                const ParsedString parsed = parse(*text, here);
                if (!m_error.empty())
                    return false;
                const StringOrList *whole = wholeReference(*text, parsed, here);
                if (!m_error.empty())
                    return false;
                if (whole && whole->list) {
                    if (!spliced) {
                        rebuilt.reserve(items.size() + whole->items.size());
                        std::move(items.begin(), items.begin() + std::ptrdiff_t(k),
                                  std::back_inserter(rebuilt));
                        spliced = true;
                    }
                    for (const std::string &value : whole->items)
                        rebuilt.emplace_back(value);
                    continue;
                }
                if (whole)
                    *text = whole->items.empty() ? std::string() : whole->items.front();
                else if (!expandString(*text, parsed, Mode::Plain, here))
                    return false;
            } else if (!text && !other(item, here)) {
                return false;
            }
            if (spliced)
                rebuilt.push_back(std::move(item));
        }
        if (spliced)
            items = std::move(rebuilt);
        return true;
    }

    const OutputsOf &m_outputsOf;
    InstanceItem m_instance;
    const NamedValues *m_selfOutputs = nullptr;
    const NamedValues *m_selfInputs = nullptr;
    StringOrList m_item;
    StringOrList m_name;
    StringOrList m_stem;
    StringOrList m_index;
    std::string m_error;
};

} // namespace

bool needsExpansion(const Node &node)
{
    return jsonNeedsExpansion(node.params) || valuesNeedExpansion(node.outputs)
           || valuesNeedExpansion(node.inputs);
}

// Everything but `foreach`: what runs is one instance (or a node without
// one), never a fan-out, and copying a 10,000-item list into each of 10,000
// instances made a fan-out quadratic (51 µs per instance instead of 1).
Node copyForExpansion(const Node &node)
{
    Node copy;
    copy.id = node.id;
    copy.type = node.type;
    copy.label = node.label;
    copy.needs = node.needs;
    copy.params = node.params;
    copy.inputs = node.inputs;
    copy.outputs = node.outputs;
    copy.timeout = node.timeout;
    copy.retries = node.retries;
    copy.resources = node.resources;
    copy.position = node.position;
    copy.launcher = node.launcher;
    copy.slurm = node.slurm;
    copy.isolation = node.isolation;
    copy.memory = node.memory;
    return copy;
}

Expanded expandNode(const Node &node, const OperationType *type, const OutputsOf &outputsOf,
                    InstanceItem instance)
{
    Expanded result;
    Node expanded = copyForExpansion(node);
    Expander expander(outputsOf, instance);

    const Place outputs{nullptr, "outputs"};
    const Place inputs{nullptr, "inputs"};
    if (!expander.expandValues(expanded.outputs, outputs)
        || !expander.expandValues(expanded.inputs, inputs)) {
        result.error = std::move(expander.error());
        return result;
    }
    expander.setSelf(&expanded.outputs, &expanded.inputs);

    if (expanded.params.is_object()) {
        const Place params{nullptr, "params"};
        for (auto &member : expanded.params.get_ref<nlohmann::json::object_t &>()) {
            const ParamDecl *decl = type ? type->param(member.first) : nullptr;
            const Mode mode = decl && decl->kind == ParamKind::Command ? Mode::Command : Mode::Plain;
            if (!expander.expandJson(member.second, mode, Place{&params, member.first})) {
                result.error = std::move(expander.error());
                return result;
            }
        }
    }
    result.node = std::move(expanded);
    return result;
}

std::string shellQuote(std::string_view value)
{
    auto safe = [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
               || std::strchr("_./:=@%+,-", c) != nullptr;
    };
    bool bare = !value.empty();
    for (unsigned char c : value) {
        if (!safe(c) || c == 0) {
            bare = false;
            break;
        }
    }
    if (bare)
        return std::string(value);
    std::string out;
    out.reserve(value.size() + 2);
    out += '\'';
    for (char c : value) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += '\'';
    return out;
}

} // namespace weft::data
