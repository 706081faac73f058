// SPDX-License-Identifier: Apache-2.0
#include "UndoCommands.h"

#include "Document.h"
#include "NodeReferences.h"

#include <QCoreApplication>

#include <algorithm>
#include <set>

namespace weft::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("weft::ui::UndoCommands", text);
}

} // namespace

AddNodesCommand::AddNodesCommand(Document *document, std::vector<Node> nodes,
                                 const QString &text)
    : QUndoCommand(text)
    , m_document(document)
    , m_nodes(std::move(nodes))
{}

void AddNodesCommand::redo()
{
    for (const Node &node : m_nodes)
        m_document->insertNode(-1, node);
}

void AddNodesCommand::undo()
{
    for (auto it = m_nodes.rbegin(); it != m_nodes.rend(); ++it)
        m_document->removeNode(it->id);
}

RemoveNodesCommand::RemoveNodesCommand(Document *document, const std::vector<std::string> &ids)
    : m_document(document)
    , m_groups(document->workflow().groups)
{
    const std::set<std::string> gone(ids.begin(), ids.end());
    const auto &nodes = document->workflow().nodes;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node &node = nodes[i];
        if (gone.count(node.id)) {
            m_removed.push_back({std::ptrdiff_t(i), node});
            continue;
        }
        std::vector<std::string> kept;
        for (const std::string &need : node.needs) {
            if (!gone.count(need))
                kept.push_back(need);
        }
        if (kept.size() != node.needs.size())
            m_needs[node.id] = {node.needs, kept};
    }
    setText(m_removed.size() == 1
                ? tr("Delete %1").arg(toQString(m_removed.front().node.id))
                : tr("Delete %1 nodes").arg(m_removed.size()));
}

void RemoveNodesCommand::redo()
{
    for (const auto &[id, needs] : m_needs)
        m_document->setNeeds(id, needs.second);
    for (auto it = m_removed.rbegin(); it != m_removed.rend(); ++it)
        m_document->removeNode(it->node.id);
}

void RemoveNodesCommand::undo()
{
    for (const Removed &removed : m_removed)
        m_document->insertNode(removed.index, removed.node);
    for (const auto &[id, needs] : m_needs)
        m_document->setNeeds(id, needs.first);
    m_document->setGroups(m_groups);
}

SetNeedsCommand::SetNeedsCommand(Document *document,
                                 std::map<std::string, std::vector<std::string>> after,
                                 const QString &text)
    : QUndoCommand(text)
    , m_document(document)
    , m_after(std::move(after))
{
    for (const auto &entry : m_after) {
        if (const Node *node = document->node(entry.first))
            m_before[entry.first] = node->needs;
    }
}

void SetNeedsCommand::redo()
{
    for (const auto &[id, needs] : m_after)
        m_document->setNeeds(id, needs);
}

void SetNeedsCommand::undo()
{
    for (const auto &[id, needs] : m_before)
        m_document->setNeeds(id, needs);
}

SetNeedsCommand *SetNeedsCommand::connect(Document *document, const std::string &from,
                                          const std::string &to)
{
    const Node *target = document->node(to);
    if (!target)
        return nullptr;
    std::vector<std::string> needs = target->needs;
    needs.push_back(from);
    return new SetNeedsCommand(document, {{to, needs}},
                               tr("Connect %1 → %2").arg(toQString(from), toQString(to)));
}

SetNeedsCommand *SetNeedsCommand::disconnect(Document *document, const std::vector<Edge> &edges)
{
    std::map<std::string, std::vector<std::string>> after;
    for (const Edge &edge : edges) {
        const Node *target = document->node(edge.to);
        if (!target)
            continue;
        auto it = after.find(edge.to);
        if (it == after.end())
            it = after.emplace(edge.to, target->needs).first;
        std::erase(it->second, edge.from);
    }
    const QString text = edges.size() == 1
        ? tr("Disconnect %1 → %2").arg(toQString(edges.front().from), toQString(edges.front().to))
        : tr("Disconnect %1 edges").arg(edges.size());
    return new SetNeedsCommand(document, std::move(after), text);
}

MoveNodesCommand::MoveNodesCommand(Document *document, Positions before, Positions after,
                                   int dragId, const QString &text)
    : QUndoCommand(text)
    , m_document(document)
    , m_before(std::move(before))
    , m_after(std::move(after))
    , m_dragId(dragId)
{
    if (text.isEmpty()) {
        setText(m_after.size() == 1 ? tr("Move %1").arg(toQString(m_after.begin()->first))
                                    : tr("Move %1 nodes").arg(m_after.size()));
    }
}

void MoveNodesCommand::redo()
{
    for (const auto &[id, position] : m_after)
        m_document->setPosition(id, position);
}

void MoveNodesCommand::undo()
{
    for (const auto &[id, position] : m_before)
        m_document->setPosition(id, position);
}

bool MoveNodesCommand::mergeWith(const QUndoCommand *other)
{
    const auto *move = static_cast<const MoveNodesCommand *>(other);
    if (move->m_dragId != m_dragId || move->m_after.size() != m_after.size())
        return false;
    for (const auto &entry : move->m_after) {
        if (!m_after.count(entry.first))
            return false; // nudging a different selection is a new step
    }
    for (const auto &[id, position] : move->m_after) {
        m_after[id] = position;
        m_before.try_emplace(id, move->m_before.at(id));
    }
    return true;
}

EditNodeCommand::EditNodeCommand(Document *document, Node before, Node after,
                                 const QString &text)
    : QUndoCommand(text)
    , m_document(document)
    , m_before(std::move(before))
    , m_after(std::move(after))
{}

void EditNodeCommand::redo()
{
    m_document->replaceNode(m_before.id, m_after);
}

void EditNodeCommand::undo()
{
    m_document->replaceNode(m_after.id, m_before);
}

RenameNodeCommand::RenameNodeCommand(Document *document, const std::string &oldId,
                                     const std::string &newId)
    : QUndoCommand(tr("Rename %1 to %2").arg(toQString(oldId), toQString(newId)))
    , m_document(document)
    , m_oldId(oldId)
    , m_newId(newId)
{}

void RenameNodeCommand::apply(const std::string &from, const std::string &to)
{
    const Node *node = m_document->node(from);
    if (!node)
        return;
    Node renamed = *node;
    renamed.id = to;
    m_document->replaceNode(from, renamed);
    // Collect first: setNeeds must not run while iterating the node vector.
    std::vector<std::pair<std::string, std::vector<std::string>>> updates;
    for (const Node &other : m_document->workflow().nodes) {
        if (std::find(other.needs.begin(), other.needs.end(), from) == other.needs.end())
            continue;
        std::vector<std::string> needs = other.needs;
        std::replace(needs.begin(), needs.end(), from, to);
        updates.emplace_back(other.id, std::move(needs));
    }
    for (const auto &[id, needs] : updates)
        m_document->setNeeds(id, needs);
    // References name the node too: ${old.obj} becomes ${new.obj}, so a
    // rename never breaks a data edge.
    const std::map<std::string, std::string> renamedIds{{from, to}};
    std::vector<Node> rewritten;
    for (const Node &other : m_document->workflow().nodes) {
        Node copy = other;
        if (renameReferences(copy, renamedIds))
            rewritten.push_back(std::move(copy));
    }
    for (const Node &other : rewritten)
        m_document->replaceNode(other.id, other);
}

void RenameNodeCommand::redo()
{
    apply(m_oldId, m_newId);
}

void RenameNodeCommand::undo()
{
    apply(m_newId, m_oldId);
}

SetGroupsCommand::SetGroupsCommand(Document *document, std::vector<Group> after,
                                   const QString &text)
    : QUndoCommand(text)
    , m_document(document)
    , m_before(document->workflow().groups)
    , m_after(std::move(after))
{}

void SetGroupsCommand::redo()
{
    m_document->setGroups(m_after);
}

void SetGroupsCommand::undo()
{
    m_document->setGroups(m_before);
}

} // namespace weft::ui
