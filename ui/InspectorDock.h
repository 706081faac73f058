// SPDX-License-Identifier: Apache-2.0
#pragma once

// The form for the selected node, generated from its operation's ParamDecls,
// plus id, label, timeout, retries and resources. Each committed edit is one
// undo command; the id field validates as you type and a rename updates
// every `needs` that named the node.

#include <weft/Workflow.h>

#include <QDockWidget>
#include <QPointer>

class QFormLayout;
class QLabel;
class QLineEdit;
class QScrollArea;
class QStackedWidget;

namespace weft {
struct ParamDecl;
}

namespace weft::ui {

class Document;

class InspectorDock : public QDockWidget
{
    Q_OBJECT

public:
    explicit InspectorDock(Document *document, QWidget *parent = nullptr);

    // The ids currently selected on the canvas (document order).
    void setSelection(const QStringList &ids);
    QString currentNodeId() const { return m_nodeId; }
    void focusIdField();

private:
    void rebuild();
    void showMessage(const QString &text);
    void commit(const Node &after, const QString &text);
    void commitParam(const std::string &name, const nlohmann::json &value);
    QWidget *editorFor(const ParamDecl &decl, const nlohmann::json &value);
    void validateId(const QString &text);
    void commitId();

    Document *m_document;
    QStackedWidget *m_stack;
    QLabel *m_message;
    QScrollArea *m_scroll;
    QString m_nodeId;
    QPointer<QLineEdit> m_idEdit;
    QPointer<QLabel> m_idError;
    bool m_committing = false;
};

} // namespace weft::ui
