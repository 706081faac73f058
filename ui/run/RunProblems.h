// SPDX-License-Identifier: Apache-2.0
#pragma once

// The run's problems: one entry per failed node (node, command, exit status
// or signal, last lines of stderr), per skipped node (which failure caused
// it), run-level errors, and the run summary at the end. Entries are added
// by RunView from the drained batch; double-clicking one asks for its node.
// Its window title ("Last Run", with the failures counted) names the dock
// that holds it, beside the document's Design Problems.

#include <weft/Events.h>

#include <QSet>
#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace weft::ui {

class RunProblems : public QWidget
{
    Q_OBJECT

public:
    explicit RunProblems(QWidget *parent = nullptr);

    void clear();
    // Returns the entry, so the first failure can be selected.
    QTreeWidgetItem *addFailure(const QString &nodeId, const NodeFinished &finished);
    // One failed instance of a fan-out node: "compile[3] (src/b c.c)".
    QTreeWidgetItem *addInstanceFailure(const QString &nodeId, int instance, const QString &item,
                                        const NodeFinished &finished);
    // Whether instances of the node were listed as failures (its own
    // aggregate failure then adds no entry of its own).
    bool hasInstanceFailures(const QString &nodeId) const
    {
        return m_nodesWithFailedInstances.contains(nodeId);
    }
    void addSkipped(const QString &nodeId, const NodeFinished &finished);
    void addRunError(const QString &text);
    void setSummary(RunOutcome outcome, const QString &summary);
    // Where the run's unused job slots went (run_finished.why_serial,
    // weft/Parallelism.h): one line, its children the largest causes.
    void setParallelism(const QString &line, const QStringList &causes);
    QTreeWidgetItem *parallelismItem() const { return m_parallelism; }
    void select(QTreeWidgetItem *item);

    QTreeWidget *list() const { return m_list; }
    int failureCount() const { return m_failures; }
    int skippedCount() const { return m_skipped; }

Q_SIGNALS:
    void nodeRequested(const QString &id);
    void instanceRequested(const QString &id, int instance);

private:
    QTreeWidgetItem *skippedGroup();
    QTreeWidgetItem *addFailureEntry(const QString &nodeId, const QString &shown,
                                     const NodeFinished &finished, int instance);
    void updateTitle();

    QLabel *m_header;
    QTreeWidget *m_list;
    QTreeWidgetItem *m_skippedGroup = nullptr;
    QTreeWidgetItem *m_parallelism = nullptr;
    QTreeWidgetItem *m_summary = nullptr;
    int m_failures = 0;
    int m_instanceFailures = 0;
    QSet<QString> m_nodesWithFailedInstances;
    int m_skipped = 0;
};

} // namespace weft::ui
