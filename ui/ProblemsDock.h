// SPDX-License-Identifier: Apache-2.0
#pragma once

// Diagnostics of the current document, revalidated ~100 ms after the last
// edit, or the diagnostics of a file that failed to load (with file:line:col).
// Double-clicking an entry focuses its node.

#include <weft/Diagnostic.h>

#include <QDockWidget>

#include <memory>

class QLabel;
class QTimer;
class QTreeWidget;

namespace weft {
struct Workflow;
}

namespace weft::ui {

class Document;

class ProblemsDock : public QDockWidget
{
    Q_OBJECT

public:
    explicit ProblemsDock(Document *document, QWidget *parent = nullptr);

    QTreeWidget *list() const { return m_list; }
    // Shows a failed load until the next successful load or New.
    void showLoadFailure(const QString &filePath, const Diagnostics &diagnostics);
    void clearLoadFailure();
    bool showingLoadFailure() const { return !m_failedFile.isEmpty(); }
    void validateNow();
    int errorCount() const { return m_errors; }
    int warningCount() const { return m_warnings; }
    // The race linter's warnings (weft/Lint.h) for the document as it is
    // now have arrived (they are computed off the GUI thread).
    bool lintCurrent() const;

Q_SIGNALS:
    void nodeRequested(const QString &id);
    void countsChanged(int errors, int warnings);

    // The race linter's warnings for the document as it is now arrived.
    void lintFinished();

private:
    void populate(const Diagnostics &diagnostics, const QString &fileName);
    void startLint();
    void lintDone(std::shared_ptr<const Workflow> linted, Diagnostics warnings);
    void showDiagnostics();

    Document *m_document;
    QTreeWidget *m_list;
    QLabel *m_summary;
    QTimer *m_debounce;
    QString m_failedFile;
    int m_errors = 0;
    int m_warnings = 0;
    Diagnostics m_design;                      // the validator's, for the current version
    Diagnostics m_lint;                        // the linter's, for m_linted
    std::shared_ptr<const Workflow> m_linted;  // the version m_lint is about
    std::shared_ptr<const Workflow> m_linting; // the version being linted now
};

} // namespace weft::ui
