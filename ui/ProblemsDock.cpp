// SPDX-License-Identifier: Apache-2.0
#include "ProblemsDock.h"

#include "Document.h"

#include <weft/Lint.h>
#include <weft/Validator.h>
#include <weft/Workflow.h>

#include <QCoreApplication>
#include <algorithm>
#include <QPointer>
#include <QThreadPool>

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QStyle>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace weft::ui {

namespace {
constexpr int NodeRole = Qt::UserRole + 1;
}

ProblemsDock::ProblemsDock(Document *document, QWidget *parent)
    : QDockWidget(tr("Design Problems"), parent)
    , m_document(document)
    , m_list(new QTreeWidget)
    , m_summary(new QLabel)
    , m_debounce(new QTimer(this))
{
    setObjectName(QStringLiteral("problemsDock"));
    // Next to the run's own problems (Last Run): say which these are.
    setToolTip(tr("Design Problems: what is wrong with the workflow as drawn, checked as you "
                  "edit and before anything runs.\nDouble-click one to show its node. What the "
                  "last run hit is under Last Run."));
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 2, 4, 4);
    m_summary->setObjectName(QStringLiteral("problemsSummary"));
    layout->addWidget(m_summary);
    m_list->setObjectName(QStringLiteral("problemsList"));
    m_list->setColumnCount(3);
    m_list->setHeaderLabels({tr("Problem"), tr("Node"), tr("Location")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_list->header()->setStretchLastSection(false);
    layout->addWidget(m_list);
    setWidget(content);

    m_debounce->setSingleShot(true);
    m_debounce->setInterval(100);
    connect(m_debounce, &QTimer::timeout, this, &ProblemsDock::validateNow);
    connect(document, &Document::contentsChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_list, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        const QString id = item->data(0, NodeRole).toString();
        if (!id.isEmpty())
            Q_EMIT nodeRequested(id);
    });
    validateNow();
}

void ProblemsDock::showLoadFailure(const QString &filePath, const Diagnostics &diagnostics)
{
    m_failedFile = filePath;
    m_debounce->stop();
    populate(diagnostics, filePath);
    m_summary->setText(tr("<b>%1 could not be opened.</b> Fix it in a text editor, then use "
                          "File ▸ Revert to load it again.")
                           .arg(QFileInfo(filePath).fileName().toHtmlEscaped()));
}

void ProblemsDock::clearLoadFailure()
{
    m_failedFile.clear();
    validateNow();
}

void ProblemsDock::validateNow()
{
    if (!m_failedFile.isEmpty())
        return;
    Diagnostics diagnostics;
    m_document->compiled(&diagnostics); // kept for Run: see Document::compiled()
    m_design = std::move(diagnostics);
    showDiagnostics();
    startLint();
}

bool ProblemsDock::lintCurrent() const
{
    return m_linted && m_linted == m_document->snapshot();
}

void ProblemsDock::startLint()
{
    // Races are a question about a design that can run: on one with errors
    // the findings would be noise beside the errors that matter.
    const std::shared_ptr<const Workflow> snapshot = m_document->snapshot();
    const bool hasErrors = std::any_of(m_design.begin(), m_design.end(), [](const Diagnostic &d) {
        return d.severity == Severity::Error;
    });
    if (hasErrors || snapshot->nodes.empty()) {
        m_lint.clear();
        m_linted = snapshot;
        showDiagnostics();
        Q_EMIT lintFinished();
        return;
    }
    if (snapshot == m_linted || snapshot == m_linting)
        return;
    // Off the GUI thread: 10,000 nodes lint in tens of milliseconds, which
    // typing in the inspector must not wait for. The snapshot is immutable;
    // a result for a version that is no longer current is dropped.
    m_linting = snapshot;
    QPointer<ProblemsDock> self(this);
    QThreadPool::globalInstance()->start([self, snapshot] {
        Diagnostics warnings;
        for (const LintFinding &finding : lintWorkflow(*snapshot))
            warnings.push_back(toDiagnostic(finding));
        QMetaObject::invokeMethod(
            qApp,
            [self, snapshot, warnings = std::move(warnings)]() mutable {
                if (self)
                    self->lintDone(snapshot, std::move(warnings));
            },
            Qt::QueuedConnection);
    });
}

void ProblemsDock::lintDone(std::shared_ptr<const Workflow> linted, Diagnostics warnings)
{
    if (m_linting == linted)
        m_linting.reset();
    if (linted != m_document->snapshot()) {
        startLint(); // edited meanwhile: lint what is there now
        return;
    }
    m_lint = std::move(warnings);
    m_linted = std::move(linted);
    showDiagnostics();
    Q_EMIT lintFinished();
}

void ProblemsDock::showDiagnostics()
{
    if (!m_failedFile.isEmpty())
        return;
    Diagnostics diagnostics = m_design;
    if (lintCurrent())
        diagnostics.insert(diagnostics.end(), m_lint.begin(), m_lint.end());
    populate(diagnostics, QString());
    if (m_errors == 0 && m_warnings == 0)
        m_summary->setText(m_document->workflow().nodes.empty()
                               ? tr("No problems. Add nodes from the Palette.")
                               : tr("No problems: this workflow can run."));
    else
        m_summary->setText(tr("%1 error(s), %2 warning(s)").arg(m_errors).arg(m_warnings));
}

void ProblemsDock::populate(const Diagnostics &diagnostics, const QString &fileName)
{
    m_list->clear();
    m_errors = 0;
    m_warnings = 0;
    const QIcon errorIcon = style()->standardIcon(QStyle::SP_MessageBoxCritical);
    const QIcon warningIcon = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    QList<QTreeWidgetItem *> items;
    for (const Diagnostic &d : diagnostics) {
        const bool error = d.severity == Severity::Error;
        (error ? m_errors : m_warnings) += 1;
        QString location = toQString(d.path);
        if (!fileName.isEmpty()) {
            location = d.line > 0 ? QStringLiteral("%1:%2:%3")
                                        .arg(QFileInfo(fileName).fileName())
                                        .arg(d.line)
                                        .arg(d.column)
                                  : QFileInfo(fileName).fileName();
        }
        auto *item = new QTreeWidgetItem({toQString(d.message), toQString(d.nodeId), location});
        item->setIcon(0, error ? errorIcon : warningIcon);
        item->setData(0, NodeRole, toQString(d.nodeId));
        item->setToolTip(0, fileName.isEmpty()
                                ? toQString(d.message)
                                : toQString(formatDiagnostic(d, fileName.toStdString())));
        items.append(item);
    }
    m_list->addTopLevelItems(items);
    m_list->resizeColumnToContents(1);
    m_list->resizeColumnToContents(2);
    setWindowTitle(m_errors + m_warnings > 0
                       ? tr("Design Problems (%1)").arg(m_errors + m_warnings)
                       : tr("Design Problems"));
    Q_EMIT countsChanged(m_errors, m_warnings);
}

} // namespace weft::ui
