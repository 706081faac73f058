// SPDX-License-Identifier: Apache-2.0
#pragma once

// Periodic snapshots of unsaved work, for recovery after a crash.
//
// Each window writes <AppDataLocation>/autosave/<pid>-<n>.weft (the
// workflow, written atomically) and a .path sidecar naming the file it was
// editing. A clean close or a save removes them. At start-up, snapshots left
// by processes that are no longer alive are offered for recovery; those of
// running instances are left alone.

#include <QObject>
#include <QString>
#include <QStringList>

class QTimer;

namespace weft::ui {

class Document;

struct RecoverableSession
{
    QString snapshotPath; // the .weft snapshot
    QString originalPath; // the file being edited, empty for an untitled document
    qint64 modified = 0;  // msecs since epoch
};

class Autosave : public QObject
{
    Q_OBJECT

public:
    explicit Autosave(Document *document, QObject *parent = nullptr);
    ~Autosave() override;

    static QString directory();
    void setInterval(int milliseconds);
    QString snapshotPath() const { return m_snapshotPath; }

    // Writes a snapshot now if the document has unsaved changes; returns false on failure.
    bool saveNow();
    // Removes this window's snapshot (after a save or a clean close).
    void discard();

    // Snapshots left behind by windows that did not close cleanly.
    static QList<RecoverableSession> recoverable();
    static void discardSession(const RecoverableSession &session);

private:
    Document *m_document;
    QTimer *m_timer;
    QString m_snapshotPath;
};

} // namespace weft::ui
