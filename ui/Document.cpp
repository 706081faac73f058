// SPDX-License-Identifier: Apache-2.0
#include "Document.h"

#include <QFileInfo>

#include <algorithm>

namespace weft::ui {

QString toQString(const std::string &s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

std::string toStd(const QString &s)
{
    return s.toStdString();
}

Document::Document(QObject *parent)
    : QObject(parent)
{
    connect(&m_undoStack, &QUndoStack::cleanChanged, this, [this] {
        Q_EMIT modifiedChanged(isModified());
    });
    connect(&m_undoStack, &QUndoStack::indexChanged, this, [this] { Q_EMIT contentsChanged(); });
}

Document::~Document()
{
    // QUndoStack's destructor clears the stack, which reports "clean": that
    // is not a save, and observers (autosave) must not take it as one.
    m_undoStack.blockSignals(true);
}

void Document::setFilePath(const QString &path)
{
    if (path == m_filePath)
        return;
    m_filePath = path;
    Q_EMIT filePathChanged(path);
}

QString Document::displayName() const
{
    return m_filePath.isEmpty() ? tr("Untitled") : QFileInfo(m_filePath).fileName();
}

void Document::setModified(bool modified)
{
    const bool before = isModified();
    m_forceModified = modified;
    if (!modified)
        m_undoStack.setClean();
    if (before != isModified())
        Q_EMIT modifiedChanged(isModified());
}

void Document::reset(const Workflow &workflow, const QString &filePath)
{
    Q_EMIT aboutToReset();
    const bool before = isModified();
    m_undoStack.clear();
    m_workflow = std::make_shared<Workflow>(workflow);
    forgetCompiled();
    m_forceModified = false;
    invalidateIndex();
    setFilePath(filePath);
    Q_EMIT resetDone();
    Q_EMIT contentsChanged();
    if (before != isModified())
        Q_EMIT modifiedChanged(isModified());
}

void Document::forgetCompiled() const
{
    m_checked = false;
    m_compiled.reset();
    m_diagnostics.clear();
}

std::shared_ptr<const CompiledWorkflow> Document::compiled(Diagnostics *diagnostics) const
{
    if (!m_checked) {
        m_diagnostics.clear();
        m_compiled = CompiledWorkflow::compile(m_workflow, m_diagnostics);
        m_checked = true;
    }
    if (diagnostics)
        *diagnostics = m_diagnostics;
    return m_compiled;
}

std::shared_ptr<const CompiledWorkflow> Document::compiledIfCurrent() const
{
    return m_checked ? m_compiled : nullptr;
}

Workflow &Document::edit()
{
    forgetCompiled();
    // A run may still hold the last snapshot; it keeps what it ran.
    if (m_workflow.use_count() > 1)
        m_workflow = std::make_shared<Workflow>(*m_workflow);
    return *m_workflow;
}

void Document::rebuildIndex() const
{
    m_index.clear();
    const auto &nodes = m_workflow->nodes;
    m_index.reserve(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i)
        m_index.emplace(nodes[i].id, std::ptrdiff_t(i)); // first wins on duplicates
    m_indexValid = true;
}

std::ptrdiff_t Document::indexOf(const std::string &id) const
{
    if (!m_indexValid)
        rebuildIndex();
    const auto it = m_index.find(id);
    return it == m_index.end() ? -1 : it->second;
}

const Node *Document::node(const std::string &id) const
{
    const std::ptrdiff_t i = indexOf(id);
    return i < 0 ? nullptr : &m_workflow->nodes[std::size_t(i)];
}

void Document::insertNode(std::ptrdiff_t index, const Node &node)
{
    auto &nodes = edit().nodes;
    if (index < 0 || index > std::ptrdiff_t(nodes.size()))
        index = std::ptrdiff_t(nodes.size());
    nodes.insert(nodes.begin() + index, node);
    invalidateIndex();
    Q_EMIT nodeAdded(toQString(node.id));
}

void Document::removeNode(const std::string &id)
{
    const std::ptrdiff_t i = indexOf(id);
    if (i < 0)
        return;
    auto &nodes = edit().nodes;
    nodes.erase(nodes.begin() + i);
    invalidateIndex();
    // A group never names a node that is gone (the file would not load);
    // RemoveNodesCommand puts the membership back on undo.
    bool grouped = false;
    for (Group &group : edit().groups) {
        const auto it = std::find(group.nodes.begin(), group.nodes.end(), id);
        if (it != group.nodes.end()) {
            group.nodes.erase(it);
            grouped = true;
        }
    }
    Q_EMIT nodeRemoved(toQString(id));
    if (grouped)
        Q_EMIT groupsChanged();
}

void Document::setGroups(std::vector<Group> groups)
{
    if (groups == m_workflow->groups)
        return;
    edit().groups = std::move(groups);
    Q_EMIT groupsChanged();
}

const Group *Document::groupOf(const std::string &id) const
{
    for (const Group &group : m_workflow->groups)
        if (std::find(group.nodes.begin(), group.nodes.end(), id) != group.nodes.end())
            return &group;
    return nullptr;
}

void Document::replaceNode(const std::string &id, const Node &node)
{
    const std::ptrdiff_t i = indexOf(id);
    if (i < 0)
        return;
    Node &target = edit().nodes[std::size_t(i)];
    const bool renamed = target.id != node.id;
    const bool needsDiffer = target.needs != node.needs;
    const bool moved = target.position != node.position;
    target = node;
    bool regrouped = false;
    if (renamed) {
        for (Group &group : edit().groups)
            for (std::string &member : group.nodes)
                if (member == id) {
                    member = node.id;
                    regrouped = true;
                }
    }
    if (renamed) {
        invalidateIndex();
        Q_EMIT nodeRenamed(toQString(id), toQString(node.id));
    }
    if (regrouped)
        Q_EMIT groupsChanged();
    Q_EMIT nodeChanged(toQString(node.id));
    if (needsDiffer)
        Q_EMIT needsChanged(toQString(node.id));
    if (moved)
        Q_EMIT positionChanged(toQString(node.id));
}

void Document::setNeeds(const std::string &id, const std::vector<std::string> &needs)
{
    const std::ptrdiff_t i = indexOf(id);
    if (i < 0)
        return;
    Node &target = edit().nodes[std::size_t(i)];
    if (target.needs == needs)
        return;
    target.needs = needs;
    Q_EMIT needsChanged(toQString(id));
}

void Document::setPosition(const std::string &id, const std::optional<Position> &position)
{
    const std::ptrdiff_t i = indexOf(id);
    if (i < 0)
        return;
    Node &target = edit().nodes[std::size_t(i)];
    if (target.position == position)
        return;
    target.position = position;
    Q_EMIT positionChanged(toQString(id));
}

} // namespace weft::ui
