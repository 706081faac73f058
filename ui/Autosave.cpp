// SPDX-License-Identifier: Apache-2.0
#include "Autosave.h"

#include "Document.h"

#include <weft/WorkflowFile.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <unistd.h>

namespace weft::ui {

namespace {

std::atomic<int> s_counter{0};

QString sidecar(const QString &snapshot)
{
    return snapshot.left(snapshot.size() - 5) + QStringLiteral(".path");
}

bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    // Our own pid: a window of this process that was destroyed without a
    // clean close; it is recoverable (and tests rely on that).
    if (pid == QCoreApplication::applicationPid())
        return false;
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
}

} // namespace

Autosave::Autosave(Document *document, QObject *parent)
    : QObject(parent)
    , m_document(document)
    , m_timer(new QTimer(this))
{
    m_snapshotPath = QDir(directory()).filePath(QStringLiteral("%1-%2.weft")
                                                    .arg(QCoreApplication::applicationPid())
                                                    .arg(s_counter++));
    m_timer->setInterval(60 * 1000);
    connect(m_timer, &QTimer::timeout, this, &Autosave::saveNow);
    m_timer->start();
    // Clean again (saved, or undone back to the saved state): nothing to recover.
    connect(document, &Document::modifiedChanged, this, [this](bool modified) {
        if (!modified)
            discard();
    });
}

Autosave::~Autosave() = default; // the snapshot survives: only a clean close discards it

QString Autosave::directory()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("autosave"));
}

void Autosave::setInterval(int milliseconds)
{
    m_timer->setInterval(milliseconds);
}

bool Autosave::saveNow()
{
    if (!m_document->isModified())
        return true;
    QDir().mkpath(directory());
    const SaveResult result = writeFileAtomically(m_snapshotPath.toStdString(),
                                                  serializeWorkflow(m_document->workflow()));
    if (!result.ok)
        return false;
    return writeFileAtomically(sidecar(m_snapshotPath).toStdString(),
                               m_document->filePath().toStdString())
        .ok;
}

void Autosave::discard()
{
    QFile::remove(m_snapshotPath);
    QFile::remove(sidecar(m_snapshotPath));
}

QList<RecoverableSession> Autosave::recoverable()
{
    QList<RecoverableSession> sessions;
    const QDir dir(directory());
    const QFileInfoList snapshots =
        dir.entryInfoList({QStringLiteral("*.weft")}, QDir::Files, QDir::Time);
    for (const QFileInfo &info : snapshots) {
        const qint64 pid = info.completeBaseName().section(QLatin1Char('-'), 0, 0).toLongLong();
        if (processAlive(pid))
            continue;
        RecoverableSession session;
        session.snapshotPath = info.absoluteFilePath();
        QFile path(sidecar(session.snapshotPath));
        if (path.open(QIODevice::ReadOnly))
            session.originalPath = QString::fromUtf8(path.readAll());
        session.modified = info.lastModified().toMSecsSinceEpoch();
        sessions.append(session);
    }
    return sessions;
}

void Autosave::discardSession(const RecoverableSession &session)
{
    QFile::remove(session.snapshotPath);
    QFile::remove(sidecar(session.snapshotPath));
}

} // namespace weft::ui
