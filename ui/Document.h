// SPDX-License-Identifier: Apache-2.0
#pragma once

// The editor's document: one workflow, the file it came from, and the undo
// stack through which every edit goes. Views (canvas, inspector, problems)
// observe it through the signals below and address nodes by id only, so a
// QUndoCommand can hold ids and values and never an item pointer.
//
// The document is never what runs: a run takes a snapshot() and validates
// that (DESIGN.md, Taskflow's split between describing and running). The
// snapshot shares the document's nodes until the next edit copies them, so
// starting a run costs no copy of a large workflow on the GUI thread.

#include <weft/CompiledWorkflow.h>
#include <weft/Diagnostic.h>
#include <weft/Workflow.h>

#include <QObject>
#include <QString>
#include <QStringList>
#include <QUndoStack>

#include <memory>
#include <unordered_map>

namespace weft::ui {

class Document : public QObject
{
    Q_OBJECT

public:
    explicit Document(QObject *parent = nullptr);
    ~Document() override;

    const Workflow &workflow() const { return *m_workflow; }
    // The workflow as it is now, never changed afterwards: edits made while
    // someone holds it go to a copy. Safe to read from another thread.
    std::shared_ptr<const Workflow> snapshot() const { return m_workflow; }
    QUndoStack *undoStack() { return &m_undoStack; }

    // The snapshot validated and compiled, at most once per version of the
    // document: the problems dock validates through this, and Run reuses
    // the result, so running what the dock has just checked validates
    // nothing again. Null when the workflow has errors; `diagnostics`
    // receives every problem found (warnings too).
    std::shared_ptr<const CompiledWorkflow> compiled(Diagnostics *diagnostics = nullptr) const;
    // The same, only if it was already computed for the document as it is
    // now: Run never validates on the GUI thread (the engine thread does).
    std::shared_ptr<const CompiledWorkflow> compiledIfCurrent() const;

    QString filePath() const { return m_filePath; }
    void setFilePath(const QString &path);
    // "name.weft", or "Untitled" for a document never saved.
    QString displayName() const;

    bool isModified() const { return !m_undoStack.isClean() || m_forceModified; }
    // Marks the document clean (after save) or dirty without an undo step
    // (a recovered autosave is unsaved work even though nothing was undone).
    void setModified(bool modified);

    // Replaces everything, clears the undo stack. Not undoable: New/Open/Revert.
    void reset(const Workflow &workflow, const QString &filePath);

    const Node *node(const std::string &id) const;
    bool contains(const std::string &id) const { return node(id) != nullptr; }
    std::ptrdiff_t indexOf(const std::string &id) const;

    // Primitive mutations, called only by undo commands (UndoCommands.h).
    void insertNode(std::ptrdiff_t index, const Node &node); // index -1: append
    void removeNode(const std::string &id);
    void replaceNode(const std::string &id, const Node &node); // id may change (rename)
    void setNeeds(const std::string &id, const std::vector<std::string> &needs);
    void setPosition(const std::string &id, const std::optional<Position> &position);
    // The editor's groups, all at once (they are few and small).
    void setGroups(std::vector<Group> groups);
    // The group `id` is in, or null.
    const Group *groupOf(const std::string &id) const;

Q_SIGNALS:
    void aboutToReset();
    void resetDone();
    void nodeAdded(const QString &id);
    void nodeRemoved(const QString &id);
    // Anything but position and needs changed (label, type, params, ...).
    void nodeChanged(const QString &id);
    void nodeRenamed(const QString &oldId, const QString &newId);
    void needsChanged(const QString &id);
    void positionChanged(const QString &id);
    // Groups were added, removed, collapsed, expanded, relabelled or their
    // members changed (also when a member was renamed or deleted).
    void groupsChanged();
    // Any change at all, for debounced consumers (validation, autosave).
    void contentsChanged();
    void modifiedChanged(bool modified);
    void filePathChanged(const QString &path);

private:
    Workflow &edit(); // the workflow to change, unshared first
    void forgetCompiled() const;
    void rebuildIndex() const;
    void invalidateIndex() { m_indexValid = false; }

    std::shared_ptr<Workflow> m_workflow = std::make_shared<Workflow>();
    // compiled()'s result for m_workflow as it is; dropped by every edit
    // before it looks at who else holds the workflow, so the cache never
    // makes an edit copy the nodes.
    mutable bool m_checked = false;
    mutable std::shared_ptr<const CompiledWorkflow> m_compiled;
    mutable Diagnostics m_diagnostics;
    QString m_filePath;
    QUndoStack m_undoStack;
    bool m_forceModified = false;
    mutable std::unordered_map<std::string, std::ptrdiff_t> m_index;
    mutable bool m_indexValid = false;
};

QString toQString(const std::string &s);
std::string toStd(const QString &s);

} // namespace weft::ui
