// SPDX-License-Identifier: Apache-2.0
#pragma once

// Every edit of a Document is one of these commands. They hold ids and node
// values, never item pointers (STYLE.md, QtNodes): the canvas may rebuild its
// items at any time and undo still works.

#include <weft/Workflow.h>

#include <QString>
#include <QUndoCommand>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weft::ui {

class Document;

enum CommandId { MoveCommandId = 1001 };

// Adds nodes (palette, paste, duplicate). Their ids must already be unique.
class AddNodesCommand : public QUndoCommand
{
public:
    AddNodesCommand(Document *document, std::vector<Node> nodes, const QString &text);
    void redo() override;
    void undo() override;

private:
    Document *m_document;
    std::vector<Node> m_nodes;
};

// Removes nodes and every `needs` entry that named them.
class RemoveNodesCommand : public QUndoCommand
{
public:
    RemoveNodesCommand(Document *document, const std::vector<std::string> &ids);
    void redo() override;
    void undo() override;

private:
    struct Removed
    {
        std::ptrdiff_t index;
        Node node;
    };
    Document *m_document;
    std::vector<Group> m_groups;    // before: membership comes back on undo
    std::vector<Removed> m_removed; // ascending index
    std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>>
        m_needs; // surviving node -> (before, after)
};

// Sets the `needs` of several nodes at once: connect and disconnect.
class SetNeedsCommand : public QUndoCommand
{
public:
    SetNeedsCommand(Document *document,
                    std::map<std::string, std::vector<std::string>> after, const QString &text);
    void redo() override;
    void undo() override;

    static SetNeedsCommand *connect(Document *document, const std::string &from,
                                    const std::string &to);
    static SetNeedsCommand *disconnect(Document *document, const std::vector<Edge> &edges);

private:
    Document *m_document;
    std::map<std::string, std::vector<std::string>> m_before;
    std::map<std::string, std::vector<std::string>> m_after;
};

// Moves nodes. Consecutive moves of the same drag merge into one step.
class MoveNodesCommand : public QUndoCommand
{
public:
    using Positions = std::map<std::string, std::optional<Position>>;
    MoveNodesCommand(Document *document, Positions before, Positions after, int dragId,
                     const QString &text = {});
    void redo() override;
    void undo() override;
    int id() const override { return m_dragId >= 0 ? MoveCommandId : -1; }
    bool mergeWith(const QUndoCommand *other) override;

private:
    Document *m_document;
    Positions m_before;
    Positions m_after;
    int m_dragId;
};

// Replaces one node's value: parameters, label, timeout, retries, resources.
class EditNodeCommand : public QUndoCommand
{
public:
    EditNodeCommand(Document *document, Node before, Node after, const QString &text);
    void redo() override;
    void undo() override;

private:
    Document *m_document;
    Node m_before;
    Node m_after;
};

// Renames a node and every `needs` entry that named it, as one step.
class RenameNodeCommand : public QUndoCommand
{
public:
    RenameNodeCommand(Document *document, const std::string &oldId, const std::string &newId);
    void redo() override;
    void undo() override;

private:
    void apply(const std::string &from, const std::string &to);
    Document *m_document;
    std::string m_oldId;
    std::string m_newId;
};

// Replaces the editor's groups: group, ungroup, collapse, expand, relabel.
class SetGroupsCommand : public QUndoCommand
{
public:
    SetGroupsCommand(Document *document, std::vector<Group> after, const QString &text);
    void redo() override;
    void undo() override;

private:
    Document *m_document;
    std::vector<Group> m_before;
    std::vector<Group> m_after;
};

} // namespace weft::ui
