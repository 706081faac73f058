// SPDX-License-Identifier: Apache-2.0
// Expansion of ${...} references just before a node (or one instance of a
// fan-out node) runs. The expanded node is built in one pass over the node
// as written: a string without a `$` is copied once, a string with
// references is written once, straight from the original and the values it
// names, and nothing is copied first only to be replaced (that copy was half
// of what expansion cost).

#include "data/Expansion.h"

#include "weft/Operation.h"
#include "weft/References.h"

#include "format/JsonDocument.h"

#include <array>
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

// `literal` as the program receives it: the first `$` of each `$${` dropped.
void appendLiteral(std::string &out, std::string_view literal)
{
    std::size_t copied = 0;
    for (std::size_t at = 0; at + 2 < literal.size();) {
        const void *hit = std::memchr(literal.data() + at, '$', literal.size() - at);
        if (!hit)
            break;
        at = std::size_t(static_cast<const char *>(hit) - literal.data());
        if (at + 2 < literal.size() && literal[at + 1] == '$' && literal[at + 2] == '{') {
            out.append(literal.data() + copied, at - copied);
            copied = at + 1;
            at += 3;
        } else {
            ++at;
        }
    }
    out.append(literal.data() + copied, literal.size() - copied);
}

// Characters /bin/sh reads as themselves anywhere in a word: a table, as
// every character of every value in a command goes through it.
constexpr std::array<bool, 256> kShellSafe = [] {
    std::array<bool, 256> safe{};
    for (int c = 'A'; c <= 'Z'; ++c)
        safe[std::size_t(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        safe[std::size_t(c)] = true;
    for (int c = '0'; c <= '9'; ++c)
        safe[std::size_t(c)] = true;
    for (unsigned char c : std::string_view("_./:=@%+,-"))
        safe[c] = true;
    return safe;
}();

bool shellSafe(unsigned char c)
{
    return kShellSafe[c];
}

void appendShellQuoted(std::string &out, std::string_view value)
{
    bool bare = !value.empty();
    for (unsigned char c : value) {
        if (!shellSafe(c)) {
            bare = false;
            break;
        }
    }
    if (bare) {
        out += value;
        return;
    }
    out += '\'';
    for (char c : value) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += '\'';
}

// How a top-level param's string expands: a shell command line
// (ParamKind::Command) quotes every value.
Mode modeOf(const OperationType *type, std::string_view key)
{
    const ParamDecl *decl = type ? type->param(key) : nullptr;
    return decl && decl->kind == ParamKind::Command ? Mode::Command : Mode::Plain;
}

class Expander
{
public:
    Expander(const OutputsOf &outputsOf, InstanceItem instance)
        : m_outputsOf(outputsOf)
        , m_instance(instance)
    {}

    std::string &error() { return m_error; }

    // Own outputs and inputs are expanded first; ${self.NAME} in params then
    // sees their expanded values.
    void setSelf(const NamedValues *outputs, const NamedValues *inputs)
    {
        m_selfOutputs = outputs;
        m_selfInputs = inputs;
    }

    // `to` (empty) becomes `from` expanded.
    bool buildValues(const NamedValues &from, NamedValues &to, const Place &base)
    {
        for (const auto &[key, value] : from) {
            const Place place{&base, key};
            StringOrList &out = to.emplace_hint(to.end(), key, StringOrList())->second;
            if (!value.list) {
                if (value.items.size() != 1 || !hasDollar(value.items.front())) {
                    out = value;
                    continue;
                }
                const std::string &text = value.items.front();
                bool failed = false;
                if (const StringOrList *whole = wholeReference(text, place, failed)) {
                    out = *whole; // a list stays a list: `"objs": "${compile.obj}"`
                    continue;
                }
                if (failed)
                    return false;
                out.items.emplace_back();
                if (!appendExpanded(out.items.back(), text, Mode::Plain, place))
                    return false;
                continue;
            }
            out.list = true;
            out.items.reserve(value.items.size());
            for (std::size_t k = 0; k < value.items.size(); ++k) {
                if (!appendElement(out.items, value.items[k], Place{&place, {}, k, true}))
                    return false;
            }
        }
        return true;
    }

    // `to` (null) becomes `from` expanded.
    bool buildJson(const nlohmann::json &from, nlohmann::json &to, Mode mode, const Place &place)
    {
        switch (from.type()) {
        case nlohmann::json::value_t::string: {
            const std::string &text = from.get_ref<const std::string &>();
            if (!hasDollar(text)) {
                to = text;
                return true;
            }
            std::string out;
            if (!appendExpanded(out, text, mode, place))
                return false;
            to = std::move(out);
            return true;
        }
        case nlohmann::json::value_t::object: {
            to = nlohmann::json::object();
            auto &members = to.get_ref<nlohmann::json::object_t &>();
            for (const auto &[key, value] : from.get_ref<const nlohmann::json::object_t &>()) {
                nlohmann::json &member = members.emplace_hint(members.end(), key, nullptr)->second;
                if (!buildJson(value, member, Mode::Plain, Place{&place, key}))
                    return false;
            }
            return true;
        }
        case nlohmann::json::value_t::array: {
            to = nlohmann::json::array();
            auto &items = to.get_ref<nlohmann::json::array_t &>();
            const auto &source = from.get_ref<const nlohmann::json::array_t &>();
            items.reserve(source.size());
            for (std::size_t k = 0; k < source.size(); ++k) {
                const Place here{&place, {}, k, true};
                const nlohmann::json &item = source[k];
                if (item.is_string()) {
                    if (!appendElement(items, item.get_ref<const std::string &>(), here))
                        return false;
                    continue;
                }
                items.emplace_back();
                if (!buildJson(item, items.back(), Mode::Plain, here))
                    return false;
            }
            return true;
        }
        default:
            to = from;
            return true;
        }
    }

    // Appends array element `text`, expanded, to `items`: an element that
    // is exactly one reference to a list becomes one element per value
    // (`["cc", "-o", "app", "${compile.obj}"]`). Inlined into each caller
    // by force: once the fingerprint's walk called it too, GCC stopped
    // inlining it into a launch plan's, and planning 100,000 launches went
    // from 15.5-16 to 17.4-18 ms.
    template<typename Items>
    [[gnu::always_inline]]
    bool appendElement(Items &items, const std::string &text, const Place &place)
    {
        if (!hasDollar(text)) {
            items.emplace_back(text);
            return true;
        }
        bool failed = false;
        if (const StringOrList *whole = wholeReference(text, place, failed)) {
            if (whole->list) {
                for (const std::string &value : whole->items)
                    items.emplace_back(value);
            } else {
                items.emplace_back(whole->items.empty() ? std::string() : whole->items.front());
            }
            return true;
        }
        if (failed)
            return false;
        std::string out;
        if (!appendExpanded(out, text, Mode::Plain, place))
            return false;
        items.emplace_back(std::move(out));
        return true;
    }

    // `text` (a string, not an array element) expanded into `out`.
    bool expandString(std::string &out, const std::string &text, Mode mode, const Place &place)
    {
        if (!hasDollar(text)) {
            out = text;
            return true;
        }
        return appendExpanded(out, text, mode, place);
    }

private:
    // The value when `text` is exactly one reference, else null; `failed`
    // (and m_error) set when it is one that cannot be resolved or written.
    const StringOrList *wholeReference(std::string_view text, const Place &place, bool &failed)
    {
        // Cheap tests first: most strings with a `$` hold more than a reference.
        if (text.size() < 4 || text[0] != '$' || text[1] != '{' || text.back() != '}'
            || text.find('}', 2) != text.size() - 1)
            return nullptr;
        ReferenceScanner scanner(text);
        ReferenceView ref;
        if (!scanner.next(ref)) {
            failed = true;
            m_error = place.text() + ": " + scanner.error()->message;
            return nullptr;
        }
        const StringOrList *value = resolve(text, ref, place);
        failed = value == nullptr;
        return value;
    }

    const StringOrList *resolve(std::string_view text, const ReferenceView &ref, const Place &place)
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
            return fail(std::string(ref.node) + " reported no output named "
                        + std::string(ref.name));
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
            return fail("the node declares no input or output named " + std::string(ref.name));
        }
        case Reference::Kind::Index:
            if (!m_instance.item)
                return fail("the node has no \"foreach\", so there is no index");
            prepareItem();
            return &m_index;
        case Reference::Kind::Item:
        case Reference::Kind::ItemName:
        case Reference::Kind::ItemStem:
            if (!m_instance.item)
                return fail("the node has no \"foreach\", so there is no item");
            prepareItem();
            return ref.kind == Reference::Kind::Item ? &m_item
                   : ref.kind == Reference::Kind::ItemName ? &m_name
                                                           : &m_stem;
        }
        return fail("unknown reference");
    }

    // The item's forms, made when a reference first asks: an instance whose
    // strings name none of them pays nothing.
    void prepareItem()
    {
        if (m_itemReady)
            return;
        m_itemReady = true;
        const std::string &item = *m_instance.item;
        const std::size_t slash = item.rfind('/');
        std::string name = slash == std::string::npos ? item : item.substr(slash + 1);
        const std::size_t dot = name.rfind('.');
        // A leading dot starts a hidden file's name, not its extension.
        std::string stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
        m_item = StringOrList(item);
        m_name = StringOrList(std::move(name));
        m_stem = StringOrList(std::move(stem));
        m_index = StringOrList(std::to_string(m_instance.index));
    }

    // Appends `text` with every reference replaced by its value: a list
    // joins with single spaces, each value shell-quoted in Mode::Command.
    // Literal text between references loses the first `$` of each `$${`.
    bool appendExpanded(std::string &out, std::string_view text, Mode mode, const Place &place)
    {
        out.reserve(out.size() + text.size() + 16);
        ReferenceScanner scanner(text);
        ReferenceView ref;
        std::size_t copied = 0;
        while (scanner.next(ref)) {
            const StringOrList *value = resolve(text, ref, place);
            if (!value) {
                // A string that is also malformed further on reports that
                // first, as if it had been parsed whole before anything
                // was resolved.
                while (scanner.next(ref)) {
                }
                if (scanner.error())
                    m_error = place.text() + ": " + scanner.error()->message;
                return false;
            }
            appendLiteral(out, text.substr(copied, ref.offset - copied));
            for (std::size_t k = 0; k < value->items.size(); ++k) {
                if (k)
                    out += ' ';
                if (mode == Mode::Command)
                    appendShellQuoted(out, value->items[k]);
                else
                    out += value->items[k];
            }
            copied = ref.offset + ref.length;
        }
        if (scanner.error()) {
            m_error = place.text() + ": " + scanner.error()->message;
            return false;
        }
        appendLiteral(out, text.substr(copied));
        return true;
    }

    const OutputsOf &m_outputsOf;
    InstanceItem m_instance;
    const NamedValues *m_selfOutputs = nullptr;
    const NamedValues *m_selfInputs = nullptr;
    bool m_itemReady = false;
    StringOrList m_item;
    StringOrList m_name;
    StringOrList m_stem;
    StringOrList m_index;
    std::string m_error;
};

// ParamStrings over an Expander, for a launch plan reading the node as
// written. Lives on the stack of launchExpanded(): nothing to allocate.
class LaunchStrings final : public ParamStrings
{
public:
    LaunchStrings(const OutputsOf &outputsOf, InstanceItem instance)
        : m_expander(outputsOf, instance)
    {}

    Expander &expander() { return m_expander; }

    bool appendElement(std::vector<std::string> &out, const std::string &text,
                       const ParamPlace &place) override
    {
        return at(place, [&](const Place &where) {
            return m_expander.appendElement(out, text, where);
        });
    }

    bool expand(std::string &out, const std::string &text, const ParamPlace &place,
                bool shellCommand) override
    {
        return at(place, [&](const Place &where) {
            return m_expander.expandString(out, text, shellCommand ? Mode::Command : Mode::Plain,
                                           where);
        });
    }

    std::string &error() override { return m_expander.error(); }

    bool failed() const { return m_failed; }

private:
    template<typename Fn>
    bool at(const ParamPlace &place, Fn &&fn)
    {
        const Place param{&m_params, place.param};
        bool ok = true;
        switch (place.kind) {
        case ParamPlace::Kind::Whole:
            ok = fn(param);
            break;
        case ParamPlace::Kind::Element:
            ok = fn(Place{&param, {}, place.index, true});
            break;
        case ParamPlace::Kind::Member:
            ok = fn(Place{&param, place.member});
            break;
        }
        m_failed = m_failed || !ok;
        return ok;
    }

    Expander m_expander;
    const Place m_params{nullptr, "params"};
    bool m_failed = false;
};

} // namespace

bool needsExpansion(const Node &node)
{
    return jsonNeedsExpansion(node.params) || ownValuesNeedExpansion(node);
}

bool ownValuesNeedExpansion(const Node &node)
{
    return valuesNeedExpansion(node.outputs) || valuesNeedExpansion(node.inputs);
}

ExpandedLaunch launchExpanded(const OperationType &type, const Node &node,
                              const std::filesystem::path &baseDirectory,
                              const OutputsOf &outputsOf, InstanceItem instance, bool ownValues)
{
    LaunchStrings strings(outputsOf, instance);
    Expander &expander = strings.expander();
    std::unique_ptr<NamedValues> outputs;
    std::unique_ptr<NamedValues> inputs;
    if (ownValues) {
        outputs = std::make_unique<NamedValues>();
        inputs = std::make_unique<NamedValues>();
        if (!expander.buildValues(node.outputs, *outputs, Place{nullptr, "outputs"})
            || !expander.buildValues(node.inputs, *inputs, Place{nullptr, "inputs"}))
            return {Launch(), nullptr, nullptr, std::move(expander.error())};
        expander.setSelf(outputs.get(), inputs.get());
    } else {
        expander.setSelf(&node.outputs, &node.inputs);
    }
    ExpandedLaunch result{type.launch(LaunchContext{node, baseDirectory, &strings}),
                          std::move(outputs), std::move(inputs), {}};
    if (strings.failed()) {
        result.error = std::move(strings.error());
        result.launch = Launch();
        result.outputs.reset();
        result.inputs.reset();
    }
    return result;
}

bool visitExpandedParams(
    const Node &node, const OperationType *type, const OutputsOf &outputsOf,
    InstanceItem instance, const NamedValues &selfOutputs, const NamedValues &selfInputs,
    const std::function<void(const std::string &, const ExpandedParam &)> &visit,
    std::string &error)
{
    if (!node.params.is_object()) {
        ExpandedParam whole;
        whole.json = &node.params;
        visit(std::string(), whole);
        return true;
    }
    Expander expander(outputsOf, instance);
    expander.setSelf(&selfOutputs, &selfInputs);
    auto failed = [&] {
        error = std::move(expander.error());
        return false;
    };
    const Place params{nullptr, "params"};
    // Reused from param to param and from unit to unit on this thread.
    thread_local std::string text;
    thread_local std::vector<std::string> items;
    for (const auto &[key, value] : node.params.get_ref<const nlohmann::json::object_t &>()) {
        const Place place{&params, key};
        ExpandedParam param;
        if (value.is_string()) {
            const Mode mode = modeOf(type, key);
            text.clear();
            if (!expander.expandString(text, value.get_ref<const std::string &>(), mode, place))
                return failed();
            param.kind = ExpandedParam::Kind::Text;
            param.text = &text;
            visit(key, param);
            continue;
        }
        bool strings = value.is_array();
        for (std::size_t k = 0; strings && k < value.size(); ++k)
            strings = value[k].is_string();
        if (strings) {
            items.clear();
            for (std::size_t k = 0; k < value.size(); ++k) {
                if (!expander.appendElement(items, value[k].get_ref<const std::string &>(),
                                            Place{&place, {}, k, true}))
                    return failed();
            }
            param.kind = ExpandedParam::Kind::Items;
            param.items = &items;
            visit(key, param);
            continue;
        }
        // Objects (env) and mixed lists, rare: built expanded, as a whole
        // expanded node holds them.
        nlohmann::json built;
        if (!expander.buildJson(value, built, Mode::Plain, place))
            return failed();
        param.json = &built;
        visit(key, param);
    }
    return true;
}

// Every field but those expansion builds (params, outputs, inputs) and
// `foreach`: what runs is one instance (or a node without one), never a
// fan-out, and copying a 10,000-item list into each of 10,000 instances made
// a fan-out quadratic (51 µs per instance instead of 1).
void copyForExpansion(const Node &node, Node &out)
{
    out.id = node.id;
    out.type = node.type;
    out.label = node.label;
    out.needs = node.needs;
    out.timeout = node.timeout;
    out.retries = node.retries;
    out.resources = node.resources;
    out.position = node.position;
    out.launcher = node.launcher;
    out.slurm = node.slurm;
    out.isolation = node.isolation;
    out.memory = node.memory;
}

Expanded expandNode(const Node &node, const OperationType *type, const OutputsOf &outputsOf,
                    InstanceItem instance)
{
    Expanded result;
    auto expanded = std::make_unique<Node>();
    Node &out = *expanded;
    copyForExpansion(node, out);

    Expander expander(outputsOf, instance);
    const Place outputs{nullptr, "outputs"};
    const Place inputs{nullptr, "inputs"};
    if (!expander.buildValues(node.outputs, out.outputs, outputs)
        || !expander.buildValues(node.inputs, out.inputs, inputs)) {
        result.error = std::move(expander.error());
        return result;
    }
    expander.setSelf(&out.outputs, &out.inputs);

    if (node.params.is_object()) {
        const Place params{nullptr, "params"};
        // Node starts with an empty object: filled in place, in key order.
        auto &members = out.params.get_ref<nlohmann::json::object_t &>();
        for (const auto &[key, value] : node.params.get_ref<const nlohmann::json::object_t &>()) {
            const Mode mode = modeOf(type, key);
            nlohmann::json &member = members.emplace_hint(members.end(), key, nullptr)->second;
            if (!expander.buildJson(value, member, mode, Place{&params, key})) {
                result.error = std::move(expander.error());
                return result;
            }
        }
    } else {
        out.params = node.params;
    }
    result.node = std::move(expanded);
    return result;
}

std::string shellQuote(std::string_view value)
{
    std::string out;
    appendShellQuoted(out, value);
    return out;
}

} // namespace weft::data
