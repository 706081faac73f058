// SPDX-License-Identifier: Apache-2.0
#include "NodeReferences.h"

#include <weft/Operation.h>
#include <weft/References.h>

#include <QCoreApplication>

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_map>

namespace weft::ui {

namespace {

using json = nlohmann::json;

QString tr(const char *text)
{
    return QCoreApplication::translate("weft::ui::NodeReferences", text);
}

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

void visitJson(const json &value, const std::function<void(const std::string &)> &visit)
{
    if (value.is_string()) {
        visit(value.get_ref<const std::string &>());
    } else if (value.is_array() || value.is_object()) {
        for (const json &child : value)
            visitJson(child, visit);
    }
}

void visitNamed(const NamedValues &values, const std::function<void(const std::string &)> &visit)
{
    for (const auto &[name, value] : values) {
        for (const std::string &item : value.items)
            visit(item);
    }
}

// A node's direct dependencies: its needs and the nodes its strings refer to.
std::vector<std::string> dependencies(const Node &node)
{
    std::vector<std::string> deps = node.needs;
    for (const auto &[id, refs] : dataReferences(node)) {
        if (std::find(deps.begin(), deps.end(), id) == deps.end())
            deps.push_back(id);
    }
    return deps;
}

QString shownValue(const StringOrList &value)
{
    QStringList items;
    for (const std::string &item : value.items)
        items << q(item);
    return value.list ? QStringLiteral("[%1]").arg(items.join(QStringLiteral(", ")))
                      : items.value(0);
}

} // namespace

void forEachNodeString(const Node &node, const std::function<void(const std::string &)> &visit)
{
    visitJson(node.params, visit);
    visitNamed(node.outputs, visit);
    visitNamed(node.inputs, visit);
    if (node.foreach) {
        if (node.foreach->kind == ForEach::Kind::Reference)
            visit(node.foreach->text);
        else if (node.foreach->kind == ForEach::Kind::List) {
            for (const std::string &item : node.foreach->items)
                visit(item);
        }
    }
}

std::map<std::string, QStringList> dataReferences(const Node &node)
{
    std::map<std::string, QStringList> refs;
    forEachNodeString(node, [&refs](const std::string &text) {
        if (text.find("${") == std::string::npos)
            return;
        const ParsedString parsed = parseReferences(text);
        for (const Reference &ref : parsed.references) {
            if (ref.kind != Reference::Kind::Output)
                continue;
            const QString shown = QStringLiteral("${%1.%2}").arg(q(ref.node), q(ref.name));
            QStringList &list = refs[ref.node];
            if (!list.contains(shown))
                list << shown;
        }
    });
    return refs;
}

QString foreachSummary(const Node &node)
{
    if (!node.foreach)
        return {};
    switch (node.foreach->kind) {
    case ForEach::Kind::List:
        return QStringLiteral("× %1").arg(node.foreach->items.size());
    case ForEach::Kind::Glob:
        return tr("foreach %1").arg(q(node.foreach->text));
    case ForEach::Kind::Reference:
        return tr("foreach %1").arg(q(node.foreach->text));
    }
    return {};
}

std::vector<ReferenceCandidate> referenceCandidates(const Workflow &workflow,
                                                    const std::string &nodeId)
{
    std::vector<ReferenceCandidate> out;
    const Node *self = workflow.find(nodeId);
    if (!self)
        return out;

    // Nodes that depend on this one, directly or not: referring to any of
    // them would close a cycle.
    std::unordered_map<std::string, std::vector<std::string>> dependants;
    for (const Node &node : workflow.nodes) {
        for (const std::string &dep : dependencies(node))
            dependants[dep].push_back(node.id);
    }
    std::set<std::string> downstream{nodeId};
    std::vector<std::string> todo{nodeId};
    while (!todo.empty()) {
        const std::string id = std::move(todo.back());
        todo.pop_back();
        for (const std::string &next : dependants[id]) {
            if (downstream.insert(next).second)
                todo.push_back(next);
        }
    }

    auto addNode = [&out](const Node &node) {
        for (const auto &[name, value] : node.outputs)
            out.push_back({QStringLiteral("${%1.%2}").arg(q(node.id), q(name)),
                           tr("output of %1: %2").arg(q(node.id), shownValue(value))});
        if (const OperationType *type = OperationRegistry::builtin().find(node.type)) {
            for (const OutputDecl &decl : type->outputs) {
                if (node.outputs.count(decl.name))
                    continue;
                out.push_back({QStringLiteral("${%1.%2}").arg(q(node.id), q(decl.name)),
                               tr("%1 output: %2").arg(q(node.type), q(decl.doc))});
            }
        }
    };
    // What it already depends on comes first: that is what a person most
    // likely means, and the list can be long.
    const std::vector<std::string> deps = dependencies(*self);
    for (const std::string &dep : deps) {
        if (const Node *node = workflow.find(dep); node && !downstream.count(dep))
            addNode(*node);
    }
    for (const Node &node : workflow.nodes) {
        if (downstream.count(node.id) || std::find(deps.begin(), deps.end(), node.id) != deps.end())
            continue;
        addNode(node);
    }
    for (const auto &[name, value] : self->outputs)
        out.push_back({QStringLiteral("${self.%1}").arg(q(name)),
                       tr("this node's output: %1").arg(shownValue(value))});
    for (const auto &[name, value] : self->inputs)
        out.push_back({QStringLiteral("${self.%1}").arg(q(name)),
                       tr("this node's input: %1").arg(shownValue(value))});
    if (self->foreach) {
        out.push_back({QStringLiteral("${item}"), tr("the instance's item")});
        out.push_back({QStringLiteral("${item.name}"), tr("the item's file name")});
        out.push_back({QStringLiteral("${item.stem}"),
                       tr("the item's file name without its last extension")});
        out.push_back({QStringLiteral("${index}"), tr("the instance's index, from 0")});
    }
    return out;
}

std::string renameReferences(const std::string &text,
                             const std::map<std::string, std::string> &renamed)
{
    if (text.find("${") == std::string::npos)
        return text;
    const ParsedString parsed = parseReferences(text);
    std::string out;
    std::size_t copied = 0;
    for (const Reference &ref : parsed.references) {
        if (ref.kind != Reference::Kind::Output)
            continue;
        const auto it = renamed.find(ref.node);
        if (it == renamed.end())
            continue;
        out.append(text, copied, ref.offset - copied);
        out += "${" + it->second + "." + ref.name + "}";
        copied = ref.offset + ref.length;
    }
    if (copied == 0)
        return text;
    out.append(text, copied, std::string::npos);
    return out;
}

namespace {

bool renameInJson(json &value, const std::map<std::string, std::string> &renamed)
{
    if (value.is_string()) {
        std::string after = renameReferences(value.get_ref<const std::string &>(), renamed);
        if (after == value.get_ref<const std::string &>())
            return false;
        value = std::move(after);
        return true;
    }
    bool changed = false;
    if (value.is_array() || value.is_object()) {
        for (json &child : value)
            changed |= renameInJson(child, renamed);
    }
    return changed;
}

bool renameInString(std::string &text, const std::map<std::string, std::string> &renamed)
{
    std::string after = renameReferences(text, renamed);
    if (after == text)
        return false;
    text = std::move(after);
    return true;
}

bool renameInNamed(NamedValues &values, const std::map<std::string, std::string> &renamed)
{
    bool changed = false;
    for (auto &[name, value] : values) {
        for (std::string &item : value.items)
            changed |= renameInString(item, renamed);
    }
    return changed;
}

} // namespace

bool renameReferences(Node &node, const std::map<std::string, std::string> &renamed)
{
    bool changed = renameInJson(node.params, renamed);
    changed |= renameInNamed(node.outputs, renamed);
    changed |= renameInNamed(node.inputs, renamed);
    if (node.foreach) {
        changed |= renameInString(node.foreach->text, renamed);
        for (std::string &item : node.foreach->items)
            changed |= renameInString(item, renamed);
    }
    return changed;
}

} // namespace weft::ui
