// SPDX-License-Identifier: Apache-2.0
#pragma once

// Diagnostics of the current document, revalidated ~100 ms after the last
// edit, or the diagnostics of a file that failed to load (with file:line:col).
// Double-clicking an entry focuses its node.

#include <weft/Diagnostic.h>

#include <QDockWidget>

class QLabel;
class QTimer;
class QTreeWidget;

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

Q_SIGNALS:
    void nodeRequested(const QString &id);
    void countsChanged(int errors, int warnings);

private:
    void populate(const Diagnostics &diagnostics, const QString &fileName);

    Document *m_document;
    QTreeWidget *m_list;
    QLabel *m_summary;
    QTimer *m_debounce;
    QString m_failedFile;
    int m_errors = 0;
    int m_warnings = 0;
};

} // namespace weft::ui
