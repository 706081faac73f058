// SPDX-License-Identifier: Apache-2.0
#pragma once

// The concurrency lens (issue 18): select one node, and every node that may
// run beside it is outlined while those that never can are dimmed; hovering
// one says why (ordered by a path of needs through X; the same non-reentrant
// type; a pool too small for both). From the design alone, before any run:
// weft/Concurrency.h answers "neither reaches the other" in O(V + E).
//
// It also answers the failure what-if ("If this fails…"): which nodes a
// failure of one node would skip under each failure policy.

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace weft {
class ConcurrencyGraph;
struct Workflow;
}

namespace weft::ui {

class Document;
class GraphScene;

class ConcurrencyLens : public QObject
{
    Q_OBJECT

public:
    ConcurrencyLens(GraphScene *scene, Document *document, QObject *parent = nullptr);
    ~ConcurrencyLens() override;

    // The node the lens is on (empty: off).
    QString focus() const { return m_focus; }
    // Shows the lens for `id` (empty: takes it away). Called on selection.
    void setFocus(const QString &id);
    // Why `id` is marked as it is (a tooltip line), computed when asked.
    QString reasonFor(const QString &id) const;
    // The nodes marked as possibly running beside the focus, in document order.
    QStringList beside() const;

    // What a failure of `id` does (DESIGN.md: "stop" skips whatever has not
    // started; "keep-going" only what needs the failed node).
    struct FailurePreview
    {
        QStringList dependants;  // skipped under both policies: they need it
        QStringList independent; // keep-going runs them; stop skips those not yet started
    };
    FailurePreview ifFails(const QString &id);
    // Shows ifFails() on the canvas: the failing node, what it would skip
    // (dimmed) and what keep-going would still run (outlined), until the
    // selection changes. The tooltips say which is which.
    FailurePreview previewFailure(const QString &id);
    QString failing() const { return m_failing; }

private:
    const ConcurrencyGraph &graph();
    void apply();
    int indexOf(const QString &id) const;

    GraphScene *m_scene;
    Document *m_document;
    QString m_focus;
    std::shared_ptr<const Workflow> m_workflow; // the version m_graph is of
    std::unique_ptr<ConcurrencyGraph> m_graph;
    std::vector<char> m_beside;   // per node: may run beside the focus
    std::vector<QString> m_apart; // per node: why not, when the graph allows it (type, pool)
    enum WhatIf : char { kUnaffected, kFailing, kDependant, kBeside };
    QString m_failing;          // the node of the failure preview (empty: none)
    std::vector<char> m_whatIf; // per node: WhatIf
};

} // namespace weft::ui
