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
    // Any change at all, for debounced consumers (validation, autosave).
    void contentsChanged();
    void modifiedChanged(bool modified);
    void filePathChanged(const QString &path);

private:
    Workflow &edit(); // the workflow to change, unshared first
    void rebuildIndex() const;
    void invalidateIndex() { m_indexValid = false; }

    std::shared_ptr<Workflow> m_workflow = std::make_shared<Workflow>();
    QString m_filePath;
    QUndoStack m_undoStack;
    bool m_forceModified = false;
    mutable std::unordered_map<std::string, std::ptrdiff_t> m_index;
    mutable bool m_indexValid = false;
};

QString toQString(const std::string &s);
std::string toStd(const QString &s);

} // namespace weft::ui
