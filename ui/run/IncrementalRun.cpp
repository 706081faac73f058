// SPDX-License-Identifier: Apache-2.0
#include "run/IncrementalRun.h"

#include <weft/Workflow.h>

#include <QCoreApplication>
#include <QFileInfo>

#include <unistd.h>

#include <cerrno>

namespace weft::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("weft::ui::IncrementalRun", text);
}

} // namespace

IncrementalRun::~IncrementalRun() = default;

IncrementalRun::Opened IncrementalRun::open(const QString &workflowFile, const Workflow &workflow,
                                            const std::filesystem::path &base, bool force,
                                            const QString &options,
                                            std::unique_ptr<IncrementalRun> &run,
                                            QString &message)
{
    run.reset();
    std::string error;
    std::unique_ptr<StateStore> store = StateStore::open(workflowFile.toStdString(), error);
    if (!store) {
        // As weft-cli does: a folder nobody may write to (an installed
        // example) still runs, unrecorded; a database that is broken or not
        // ours stops the run, so nothing is trusted or overwritten by mistake.
        const QString dir = QFileInfo(workflowFile).absolutePath();
        if (::access(QFile::encodeName(dir).constData(), W_OK) != 0 && errno == EACCES) {
            message = tr("%1 cannot hold run state (%2): every node runs and the run is not "
                         "recorded.")
                          .arg(dir, QString::fromStdString(error));
            return Opened::Unrecorded;
        }
        message = tr("%1\nTo start afresh, choose Run ▸ Forget Up-to-Date State (the database is "
                     "moved aside, not deleted).")
                      .arg(QString::fromStdString(error));
        return Opened::Refused;
    }
    int holder = 0;
    if (!store->lockRun(holder, error)) {
        message = error.empty()
            ? (holder > 0 ? tr("Another run of %1 is in progress (pid %2): wait for it to "
                               "finish, or cancel it.")
                                .arg(workflowFile)
                                .arg(holder)
                          : tr("Another run of %1 is in progress: wait for it to finish, or "
                               "cancel it.")
                                .arg(workflowFile))
            : QString::fromStdString(error);
        return Opened::Refused;
    }
    std::unique_ptr<IncrementalRun> self(new IncrementalRun);
    StateStore::SessionOptions session;
    session.base = base;
    session.force = force;
    IncrementalRun *raw = self.get();
    session.explain = [raw](const std::string &unit, const std::string &why) {
        const std::lock_guard lock(raw->m_mutex);
        raw->m_why.insert(QString::fromStdString(unit), QString::fromStdString(why));
    };
    self->m_sessionOptions = session;
    self->m_options = options.toStdString();
    self->m_keep = workflow.settings.history;
    self->m_session = store->beginRun(std::move(session));
    self->m_history = store->historySink(self->m_options, self->m_session.get(), self->m_keep);
    self->m_store = std::move(store);
    run = std::move(self);
    return Opened::Recorded;
}

IncrementalCheck *IncrementalRun::check() const
{
    return m_session.get();
}

EventSink *IncrementalRun::history() const
{
    return m_history.get();
}

void IncrementalRun::finish()
{
    if (m_session)
        m_session->finish();
}

void IncrementalRun::nextRound()
{
    if (!m_store)
        return;
    finish();
    {
        const std::lock_guard lock(m_mutex);
        m_why.clear();
    }
    m_history.reset(); // it refers to the session
    m_sessionOptions.force = false; // Run All forces the first round only
    m_session = m_store->beginRun(m_sessionOptions);
    m_history = m_store->historySink(m_options, m_session.get(), m_keep);
}

void IncrementalRun::release()
{
    // The sink may refer to the session, the session to the store.
    m_history.reset();
    m_session.reset();
    m_store.reset();
}

QString IncrementalRun::why(const QString &unit) const
{
    const std::lock_guard lock(m_mutex);
    return m_why.value(unit);
}

bool IncrementalRun::forget(const QString &workflowFile, QString &error)
{
    std::string message;
    // A database that opens keeps its history; only one that cannot be
    // used is moved aside (state.db.broken) for a fresh one.
    std::unique_ptr<StateStore> store = StateStore::open(workflowFile.toStdString(), message);
    if (!store)
        store = StateStore::open(workflowFile.toStdString(), message, /*reset=*/true);
    if (!store) {
        error = QString::fromStdString(message);
        return false;
    }
    int holder = 0;
    if (!store->lockRun(holder, message)) {
        error = message.empty()
            ? tr("Another run of %1 is in progress (pid %2).").arg(workflowFile).arg(holder)
            : QString::fromStdString(message);
        return false;
    }
    store->forgetUnits();
    return true;
}

} // namespace weft::ui
