// SPDX-License-Identifier: Apache-2.0
#pragma once

// The form for the selected node, generated from its operation's ParamDecls,
// plus id, label, fan-out (`foreach`), declared outputs and inputs, timeout,
// retries and resources. String editors complete `${` references. Below the
// form, the node's fan-out instances of the last run (InstanceModel). Each committed edit is one
// undo command; the id field validates as you type and a rename updates
// every `needs` that named the node.

#include "ReferenceCompleter.h"

#include <weft/Workflow.h>

#include <QDockWidget>
#include <QPointer>

class QFormLayout;
class QLabel;
class QLineEdit;
class QScrollArea;
class QStackedWidget;
class QTableView;

namespace weft {
struct ParamDecl;
}

namespace weft::ui {

class Document;
class InstanceModel;

class InspectorDock : public QDockWidget
{
    Q_OBJECT

public:
    explicit InspectorDock(Document *document, QWidget *parent = nullptr);

    // The ids currently selected on the canvas (document order).
    void setSelection(const QStringList &ids);
    QString currentNodeId() const { return m_nodeId; }
    void focusIdField();
    // The instances of the selected node's fan-out (RunView's model).
    void setInstanceModel(InstanceModel *model);
    QTableView *instanceView() const { return m_instanceView; }
    bool instancePanelShown() const { return !m_instancePanel->isHidden(); }
    // While a run goes on: the form is read-only, the instance list is not.
    void setEditingLocked(bool locked);

Q_SIGNALS:
    // An instance row was double-clicked (or activated from the keyboard).
    void instanceActivated(int instance);

private:
    void rebuild();
    void showMessage(const QString &text);
    void commit(const Node &after, const QString &text);
    void commitParam(const std::string &name, const nlohmann::json &value);
    QWidget *editorFor(const ParamDecl &decl, const nlohmann::json &value);
    void validateId(const QString &text);
    void commitId();
    CandidateSource candidateSource() const;
    void createInstancePanel();
    void updateInstancePanel();
    void addFanOutRows(QFormLayout *layout, const Node &node);
    void addDataRows(QFormLayout *layout, const Node &node);
    void addIsolationRows(QFormLayout *layout, const Node &node);
    void addLauncherRow(QFormLayout *layout, const Node &node);
    void addSlurmRows(QFormLayout *layout, const Node &node);

    Document *m_document;
    QStackedWidget *m_stack;
    QLabel *m_message;
    QScrollArea *m_scroll;
    QString m_nodeId;
    QPointer<QLineEdit> m_idEdit;
    QPointer<QLabel> m_idError;
    bool m_committing = false;
    bool m_editingLocked = false; // a run is going on
    bool m_instancePanelRecheck = false; // an emptied panel's fate, on the next pass
    QWidget *m_instancePanel = nullptr;
    QLabel *m_instanceHeader = nullptr;
    QTableView *m_instanceView = nullptr;
    QPointer<InstanceModel> m_instances;
};

} // namespace weft::ui
