// SPDX-License-Identifier: Apache-2.0
// Expanding `workflow` nodes (weft/Subworkflow.h). Each included file is
// read, checked and parsed once per expansion, with `${params.NAME}` turned
// into a marker the validator takes for literal text; every inclusion then
// copies it, prefixes its ids and references, and puts the values in.

#include "weft/Subworkflow.h"

#include "weft/References.h"
#include "weft/WorkflowFile.h"

#include "data/FanOutItems.h"
#include "format/JsonDocument.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_set>

namespace weft {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kWritten = "${params.";
// What ${params.NAME} becomes while the file is checked: an escaped `$${`
// (literal text to the validator) and a byte no file can hold unescaped.
constexpr std::string_view kMarker = "$${\x01params.";
constexpr std::string_view kMarkerInJson = "$${\\u0001params.";

struct ParamUse
{
    std::string name;
    int line = 0;
    int column = 0;
};

struct Included
{
    bool ok = false;
    Workflow workflow;
    std::vector<ParamUse> uses;
};

bool isNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
           || c == '-';
}

// `text` with every ${params.NAME} marked; where each was, for messages.
std::string markParams(const std::string &text, std::vector<ParamUse> &uses)
{
    std::string out;
    out.reserve(text.size());
    std::size_t copied = 0;
    int line = 1;
    std::size_t lineStart = 0, counted = 0;
    for (std::size_t at = text.find(kWritten); at != std::string::npos; at = text.find(kWritten, at + 1)) {
        if (at > 0 && text[at - 1] == '$')
            continue; // $${params.x}: literal
        std::size_t end = at + kWritten.size();
        while (end < text.size() && isNameChar(text[end]))
            ++end;
        if (end == at + kWritten.size() || end >= text.size() || text[end] != '}')
            continue; // malformed: the validator reports it as a reference to node "params"
        for (; counted < at; ++counted) {
            if (text[counted] == '\n') {
                ++line;
                lineStart = counted + 1;
            }
        }
        uses.push_back({text.substr(at + kWritten.size(), end - at - kWritten.size()), line,
                        int(at - lineStart) + 1});
        out.append(text, copied, at - copied);
        out += kMarkerInJson;
        copied = at + kWritten.size();
    }
    out.append(text, copied, std::string::npos);
    return out;
}

using Values = std::map<std::string, std::string, std::less<>>;
using IdSet = std::unordered_set<std::string_view>;

// References to inner nodes get the prefix; then the markers their values.
void rewrite(std::string &s, const std::string &prefix, const IdSet &inner, const Values &values)
{
    if (s.find('$') == std::string::npos)
        return;
    const ParsedString parsed = parseReferences(s);
    for (auto it = parsed.references.rbegin(); it != parsed.references.rend(); ++it) {
        if (it->kind == Reference::Kind::Output && inner.count(it->node))
            s.replace(it->offset, it->length, "${" + prefix + it->node + "." + it->name + "}");
    }
    for (std::size_t at = s.find(kMarker); at != std::string::npos; at = s.find(kMarker, at)) {
        const std::size_t nameStart = at + kMarker.size();
        const std::size_t close = s.find('}', nameStart);
        if (close == std::string::npos)
            break;
        const auto value = values.find(std::string_view(s).substr(nameStart, close - nameStart));
        const std::string replacement = value != values.end() ? value->second : std::string();
        s.replace(at, close + 1 - at, replacement);
        at += replacement.size();
    }
}

void rewriteJson(nlohmann::json &j, const std::string &prefix, const IdSet &inner, const Values &values)
{
    if (j.is_string()) {
        rewrite(j.get_ref<std::string &>(), prefix, inner, values);
    } else if (j.is_array() || j.is_object()) {
        for (auto &child : j)
            rewriteJson(child, prefix, inner, values);
    }
}

template<typename F>
void forEachString(Node &n, F &&f)
{
    for (auto *values : {&n.inputs, &n.outputs}) {
        for (auto &[name, value] : *values) {
            for (std::string &item : value.items)
                f(item);
        }
    }
    if (n.foreach) {
        for (std::string &item : n.foreach->items)
            f(item);
        f(n.foreach->text);
    }
}

// One item of a workflow node's fan-out put into its parameters, as
// literal text: ${item}, ${item.name}, ${item.stem}, ${index}.
void substituteItem(nlohmann::json &j, const std::string &item, std::size_t index)
{
    if (j.is_array() || j.is_object()) {
        for (auto &child : j)
            substituteItem(child, item, index);
        return;
    }
    if (!j.is_string())
        return;
    std::string &s = j.get_ref<std::string &>();
    if (s.find("${") == std::string::npos)
        return;
    auto literal = [](std::string value) {
        for (std::size_t at = value.find("${"); at != std::string::npos; at = value.find("${", at + 3))
            value.insert(at, 1, '$'); // the item's own "${" stays text
        return value;
    };
    const std::string name = fs::path(item).filename().string();
    const std::string stem = fs::path(item).stem().string();
    const ParsedString parsed = parseReferences(s);
    for (auto it = parsed.references.rbegin(); it != parsed.references.rend(); ++it) {
        std::string value;
        switch (it->kind) {
        case Reference::Kind::Item: value = item; break;
        case Reference::Kind::ItemName: value = name; break;
        case Reference::Kind::ItemStem: value = stem; break;
        case Reference::Kind::Index: value = std::to_string(index); break;
        default: continue;
        }
        s.replace(it->offset, it->length, literal(std::move(value)));
    }
}

// name -> (node, output) that `${JOIN.name}` means.
using Exports = std::map<std::string, std::pair<std::string, std::string>, std::less<>>;
using ExportMap = std::map<std::string, Exports, std::less<>>;

class Expander
{
public:
    explicit Expander(std::vector<FileDiagnostic> &problems) : m_problems(problems) {}

    bool expand(Workflow &wf, const fs::path &dir, const std::string &shown, ExportMap &exportsOut)
    {
        bool ok = true;
        std::vector<Node> out;
        out.reserve(wf.nodes.size());
        ExportMap exports;
        for (std::size_t index = 0; index < wf.nodes.size(); ++index) {
            Node &node = wf.nodes[index];
            if (node.type != "workflow") {
                out.push_back(std::move(node));
                continue;
            }
            if (!expandOne(node, index, dir, shown, out, exports))
                ok = false;
        }
        wf.nodes = std::move(out);
        if (!exports.empty())
            ok = rewriteExports(wf, shown, exports) && ok;
        exportsOut = std::move(exports);
        return ok;
    }

private:
    void problem(const std::string &file, std::string message, std::string path = {},
                 std::string nodeId = {}, int line = 0, int column = 0)
    {
        m_problems.push_back(
            {file, {Severity::Error, std::move(message), std::move(path), line, column, std::move(nodeId), -1}});
    }

    std::shared_ptr<const Included> include(const fs::path &canonical, const std::string &shown)
    {
        if (const auto it = m_cache.find(canonical); it != m_cache.end())
            return it->second;
        auto included = std::make_shared<Included>();
        m_cache.emplace(canonical, included);
        std::ifstream in(canonical, std::ios::binary);
        if (!in) {
            problem(shown, "cannot read the included workflow " + shown);
            return included;
        }
        std::ostringstream text;
        text << in.rdbuf();
        LoadResult loaded = parseWorkflow(markParams(text.str(), included->uses));
        for (Diagnostic &d : loaded.diagnostics)
            m_problems.push_back({shown, std::move(d)});
        if (!loaded.ok())
            return included;
        included->workflow = std::move(*loaded.workflow);
        included->ok = true;
        return included;
    }

    bool expandOne(Node &node, std::size_t index, const fs::path &dir, const std::string &shown,
                   std::vector<Node> &out, ExportMap &exports)
    {
        const std::string path = "/nodes/" + std::to_string(index);
        const std::string file = node.params.value("file", std::string());
        if (node.foreach)
            return expandEach(node, index, dir, shown, out, exports);
        const fs::path target = fs::path(file).is_absolute() ? fs::path(file) : dir / file;
        std::error_code ec;
        const fs::path canonical = fs::weakly_canonical(target, ec);
        const std::string shownInner =
            fs::path(file).is_absolute() ? file : (fs::path(shown).parent_path() / file).lexically_normal().string();
        for (std::size_t k = 0; k < m_chain.size(); ++k) {
            if (m_chain[k] != canonical)
                continue;
            std::string cycle;
            for (std::size_t m = k; m < m_chainShown.size(); ++m)
                cycle += m_chainShown[m] + " → ";
            problem(shown, "workflows include each other: " + cycle + shownInner, path + "/params/file", node.id);
            return false;
        }
        m_files.emplace(shownInner, canonical);
        const auto included = include(canonical, shownInner);
        if (!included->ok)
            return false;

        Values values;
        if (const auto it = node.params.find("params"); it != node.params.end() && it->is_object()) {
            for (const auto &[name, value] : it->items())
                values.emplace(name, value.is_string() ? value.get<std::string>() : value.dump());
        }
        bool ok = true;
        for (const ParamUse &use : included->uses) {
            if (!values.count(use.name)) {
                problem(shownInner, "parameter \"" + use.name + "\" is not passed: workflow node "
                                        + node.id + " in " + shown + " has no \"" + use.name
                                        + "\" in \"params\"",
                        {}, {}, use.line, use.column);
                ok = false;
            }
        }

        Workflow inner = included->workflow;
        ExportMap innerExports;
        if (hasSubworkflows(inner)) {
            m_chain.push_back(canonical);
            m_chainShown.push_back(shownInner);
            ok = expand(inner, canonical.parent_path(), shownInner, innerExports) && ok;
            m_chain.pop_back();
            m_chainShown.pop_back();
        }
        if (!ok)
            return false;

        const std::string prefix = node.id + "/";
        std::vector<std::string> ids; // the inner ids, before prefixing (innerIds views them)
        ids.reserve(inner.nodes.size());
        for (const Node &n : inner.nodes)
            ids.push_back(n.id);
        IdSet innerIds;
        innerIds.reserve(ids.size());
        for (const std::string &id : ids)
            innerIds.insert(id);
        for (Node &n : inner.nodes) {
            rewriteJson(n.params, prefix, innerIds, values);
            forEachString(n, [&](std::string &s) { rewrite(s, prefix, innerIds, values); });
        }
        // Needs inside: prefixed. Which inner nodes need nothing inside, and
        // which nothing inside needs, from written and implied needs alike.
        std::set<std::string> neededInside;
        std::vector<bool> root(inner.nodes.size(), true);
        for (std::size_t k = 0; k < inner.nodes.size(); ++k) {
            Node &n = inner.nodes[k];
            for (std::string &need : n.needs)
                need = prefix + need;
            for (const std::string &need : allNeeds(n)) {
                if (need.compare(0, prefix.size(), prefix) == 0) {
                    neededInside.insert(need);
                    root[k] = false;
                }
            }
        }
        std::vector<std::string> sinks;
        for (std::size_t k = 0; k < inner.nodes.size(); ++k) {
            Node &n = inner.nodes[k];
            n.id = prefix + ids[k];
            if (root[k])
                n.needs.insert(n.needs.end(), node.needs.begin(), node.needs.end());
            if (!neededInside.count(n.id))
                sinks.push_back(n.id);
        }

        Exports mine;
        if (const auto it = node.params.find("exports"); it != node.params.end() && it->is_object()) {
            for (const auto &[name, value] : it->items()) {
                const std::string spec = value.is_string() ? value.get<std::string>() : std::string();
                const std::size_t dot = spec.rfind('.');
                const std::string innerNode = dot == std::string::npos ? spec : spec.substr(0, dot);
                const std::string output = dot == std::string::npos ? std::string() : spec.substr(dot + 1);
                if (const auto nested = innerExports.find(innerNode); nested != innerExports.end()) {
                    if (const auto e = nested->second.find(output); e != nested->second.end()) {
                        mine[name] = {prefix + e->second.first, e->second.second};
                        continue;
                    }
                }
                if (dot == std::string::npos || output.empty() || !innerIds.count(innerNode)) {
                    problem(shown, "export \"" + name + "\" must name an output of a node in " + shownInner
                                       + " as NODE.NAME, found \"" + spec + "\"",
                            path + "/params/exports/" + name, node.id);
                    ok = false;
                    continue;
                }
                mine[name] = {prefix + innerNode, output};
            }
        }
        if (!ok)
            return false;

        Node join;
        join.id = node.id;
        join.type = "noop";
        join.label = node.label;
        join.needs = node.needs;
        for (std::string &sink : sinks) {
            if (std::find(join.needs.begin(), join.needs.end(), sink) == join.needs.end())
                join.needs.push_back(std::move(sink));
        }
        join.position = node.position;
        for (Node &n : inner.nodes)
            out.push_back(std::move(n));
        out.push_back(std::move(join));
        exports.emplace(node.id, std::move(mine));
        return true;
    }

    // A workflow node with `foreach`: the file included once per item, as
    // NODE[i]/ID, with the item in its parameters; NODE itself waits for
    // every item, and each export becomes a list in item order, as a
    // fan-out's outputs do. The items must be known before the run.
    bool expandEach(Node &node, std::size_t index, const fs::path &dir, const std::string &shown,
                    std::vector<Node> &out, ExportMap &exports)
    {
        const std::string path = "/nodes/" + std::to_string(index);
        if (node.foreach->kind == ForEach::Kind::Reference) {
            problem(shown,
                    "a workflow node fans out over a list or a glob, known before the run; "
                        + node.foreach->text
                        + " is known only during it (fan out over nodes inside the file instead)",
                    path + "/foreach", node.id);
            return false;
        }
        const data::FanOutItems resolved = data::resolveFanOutItems(
            *node.foreach, m_base, [](std::string_view) -> const NamedValues * { return nullptr; });
        if (!resolved.error.empty()) {
            problem(shown, resolved.error, path + "/foreach", node.id);
            return false;
        }
        std::vector<std::string> exportNames;
        if (const auto it = node.params.find("exports"); it != node.params.end() && it->is_object())
            for (const auto &[name, value] : it->items())
                exportNames.push_back(name);
        Node join;
        join.id = node.id;
        join.type = "noop";
        join.label = node.label;
        join.needs = node.needs;
        join.position = node.position;
        std::map<std::string, std::vector<std::string>> lists;
        for (std::size_t k = 0; k < resolved.items.size(); ++k) {
            Node one = node;
            one.foreach.reset();
            one.id = node.id + "[" + std::to_string(k) + "]";
            substituteItem(one.params, resolved.items[k], k);
            // One item's problems are every item's: say them once.
            if (!expandOne(one, index, dir, shown, out, exports))
                return false;
            join.needs.push_back(one.id);
            const Exports &its = exports[one.id];
            for (const std::string &name : exportNames)
                if (const auto e = its.find(name); e != its.end())
                    lists[name].push_back("${" + e->second.first + "." + e->second.second + "}");
        }
        Exports mine;
        for (const std::string &name : exportNames) {
            join.outputs[name] = StringOrList(std::move(lists[name]));
            mine[name] = {node.id, name};
        }
        if (resolved.items.empty() && !exportNames.empty()) {
            // No item: each export is an empty list, as an empty fan-out's
            // outputs are; a fan-out of no instance says exactly that.
            join.foreach = ForEach{ForEach::Kind::List, {}, {}};
            for (const std::string &name : exportNames)
                join.outputs[name] = StringOrList(std::string("(no items)"));
        }
        out.push_back(std::move(join));
        exports.emplace(node.id, std::move(mine));
        return true;
    }

    // `${JOIN.NAME}` anywhere means the exported inner output.
    bool rewriteExports(Workflow &wf, const std::string &shown, const ExportMap &exports)
    {
        bool ok = true;
        auto fix = [&](std::string &s, const std::string &owner) {
            if (s.find("${") == std::string::npos)
                return;
            const ParsedString parsed = parseReferences(s);
            for (auto it = parsed.references.rbegin(); it != parsed.references.rend(); ++it) {
                if (it->kind != Reference::Kind::Output)
                    continue;
                const auto join = exports.find(it->node);
                if (join == exports.end())
                    continue;
                const auto e = join->second.find(it->name);
                if (e == join->second.end()) {
                    problem(shown, "node " + owner + ": workflow node " + it->node + " exports no \""
                                       + it->name + "\" (add it to its \"exports\")",
                            {}, owner);
                    ok = false;
                    continue;
                }
                s.replace(it->offset, it->length, "${" + e->second.first + "." + e->second.second + "}");
            }
        };
        for (Node &n : wf.nodes) {
            std::function<void(nlohmann::json &)> walk = [&](nlohmann::json &j) {
                if (j.is_string())
                    fix(j.get_ref<std::string &>(), n.id);
                else if (j.is_array() || j.is_object())
                    for (auto &child : j)
                        walk(child);
            };
            walk(n.params);
            forEachString(n, [&](std::string &s) { fix(s, n.id); });
        }
        return ok;
    }

public:
    fs::path m_base; // the top-level file's directory: where a fan-out's glob is resolved
    std::vector<fs::path> m_chain;        // the files being expanded, outermost first
    std::vector<std::string> m_chainShown;

private:
    std::vector<FileDiagnostic> &m_problems;
    std::map<fs::path, std::shared_ptr<Included>> m_cache;

public:
    std::map<std::string, fs::path> m_files; // shown -> where, for line:col

    // Problems known by their JSON path only get the line:col of that path.
    void locate()
    {
        std::map<std::string, std::pair<std::string, std::unique_ptr<json::Document>>> texts;
        for (FileDiagnostic &p : m_problems) {
            if (p.diagnostic.line > 0 || p.diagnostic.path.empty())
                continue;
            const auto file = m_files.find(p.file);
            if (file == m_files.end())
                continue;
            auto &[text, doc] = texts[p.file];
            if (!doc) {
                std::ifstream in(file->second, std::ios::binary);
                std::ostringstream buffer;
                buffer << in.rdbuf();
                text = buffer.str();
                doc = std::make_unique<json::Document>();
                if (!doc->parse(text))
                    continue;
            }
            if (doc->empty())
                continue;
            const json::TextPosition at = doc->positionOf(doc->resolve(p.diagnostic.path));
            p.diagnostic.line = at.line;
            p.diagnostic.column = at.column;
        }
    }
};

} // namespace

bool hasSubworkflows(const Workflow &workflow)
{
    return std::any_of(workflow.nodes.begin(), workflow.nodes.end(),
                       [](const Node &n) { return n.type == "workflow"; });
}

bool expandSubworkflows(Workflow &workflow, const fs::path &file, std::vector<FileDiagnostic> &problems)
{
    Expander expander(problems);
    std::error_code ec;
    const fs::path top = fs::weakly_canonical(file, ec);
    expander.m_base = top.parent_path();
    expander.m_chain = {top};
    expander.m_chainShown = {file.string()};
    expander.m_files.emplace(file.string(), file);
    ExportMap exports;
    const bool ok = expander.expand(workflow, top.parent_path(), file.string(), exports);
    expander.locate();
    return ok;
}

} // namespace weft
