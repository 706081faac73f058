// SPDX-License-Identifier: Apache-2.0
// The database file of incremental runs and history: opening it (and telling
// a broken or foreign file from ours), its schema, the run lock, and the
// history queries. The run-time checks are in Session.cpp, the recording of
// a run in HistorySink.cpp.

#include "state/Database.h"
#include "state/Fingerprint.h"
#include "state/PackedUnits.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace weft {

namespace state {

// 'WEFT': a database another program made is never taken for ours.
constexpr std::int64_t kApplicationId = 0x57454654;
constexpr std::int64_t kSchemaVersion = 5;

Statement::Statement(sqlite3 *db, std::string_view sql) : m_db(db)
{
    const int rc = sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &m_stmt, nullptr);
    if (rc != SQLITE_OK)
        throw DatabaseError(sqlite3_errmsg(db), rc);
}

Statement::~Statement()
{
    sqlite3_finalize(m_stmt);
}

Statement &Statement::bind(int i, std::int64_t v)
{
    sqlite3_bind_int64(m_stmt, i, v);
    return *this;
}

Statement &Statement::bind(int i, double v)
{
    sqlite3_bind_double(m_stmt, i, v);
    return *this;
}

Statement &Statement::bind(int i, std::string_view text)
{
    sqlite3_bind_text(m_stmt, i, text.data(), int(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement &Statement::bindStaticBlob(int i, std::string_view blob)
{
    sqlite3_bind_blob(m_stmt, i, blob.data(), int(blob.size()), SQLITE_STATIC);
    return *this;
}

Statement &Statement::bindBlob(int i, std::string_view blob)
{
    sqlite3_bind_blob(m_stmt, i, blob.data(), int(blob.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement &Statement::bindNull(int i)
{
    sqlite3_bind_null(m_stmt, i);
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    const std::string message = sqlite3_errmsg(m_db);
    sqlite3_reset(m_stmt);
    throw DatabaseError(message, rc);
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::string_view Statement::text(int col) const
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, col));
    return p ? std::string_view(p, std::size_t(sqlite3_column_bytes(m_stmt, col))) : std::string_view();
}

std::string_view Statement::blob(int col) const
{
    const auto *p = static_cast<const char *>(sqlite3_column_blob(m_stmt, col));
    return p ? std::string_view(p, std::size_t(sqlite3_column_bytes(m_stmt, col))) : std::string_view();
}

void exec(sqlite3 *db, std::string_view sql)
{
    char *error = nullptr;
    const int rc = sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw DatabaseError(message, rc);
    }
}

Transaction::Transaction(sqlite3 *db) : m_db(db)
{
    exec(db, "BEGIN IMMEDIATE");
}

Transaction::~Transaction()
{
    if (!m_done)
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit()
{
    exec(m_db, "COMMIT");
    m_done = true;
}

namespace {

// Units are keyed by (workflow file, unit name); history rows by run id,
// which AUTOINCREMENT never reuses, so a pruned run's id stays unknown
// instead of naming a newer run.
constexpr const char *kSchema = R"(
CREATE TABLE files(
    path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, ctime INTEGER, inode INTEGER,
    digest BLOB) WITHOUT ROWID;
CREATE TABLE units(
    workflow TEXT, unit TEXT, fingerprint BLOB, outputs BLOB,
    PRIMARY KEY(workflow, unit)) WITHOUT ROWID;
CREATE TABLE unit_parts(
    workflow TEXT, unit TEXT, parts BLOB,
    PRIMARY KEY(workflow, unit)) WITHOUT ROWID;
CREATE TABLE runs(
    id INTEGER PRIMARY KEY AUTOINCREMENT, workflow TEXT, started REAL, options TEXT,
    outcome TEXT, wall REAL, work REAL, nodes INTEGER, ran INTEGER, cached INTEGER,
    failed INTEGER, critical_path TEXT, critical_path_duration REAL);
CREATE INDEX runs_by_workflow ON runs(workflow, id);
CREATE TABLE run_units(
    run INTEGER, unit TEXT, outcome TEXT, attempts INTEGER, start_us INTEGER,
    duration_us INTEGER, exit_code INTEGER, signal TEXT, cached INTEGER, why TEXT, cpu_us INTEGER,
    queued_us INTEGER,
    PRIMARY KEY(run, unit)) WITHOUT ROWID;
CREATE TABLE run_cached(run INTEGER PRIMARY KEY, units BLOB);
CREATE TABLE run_packed(run INTEGER PRIMARY KEY, units BLOB);
)";

// Version 2: the units of a run that were up to date (and nothing else:
// succeeded, no attempt, no exit status) are one row per run, their names
// NUL-separated, instead of a run_units row each. A no-op run of 100,000
// nodes wrote 100,000 rows, and pruning it deleted them again.
constexpr const char *kSchema2 = "CREATE TABLE IF NOT EXISTS run_cached(run INTEGER PRIMARY KEY, units BLOB);";

// Version 3: each unit's CPU seconds (its last attempt, a local process's),
// which the predictor shares the cores by (NULL: unknown, as in every row
// an older Weft wrote), and the seconds its Slurm jobs waited in the queue,
// which `weft-cli report` tells from work.
constexpr const char *kSchema3 = "ALTER TABLE run_units ADD COLUMN cpu_us INTEGER;"
                                 "ALTER TABLE run_units ADD COLUMN queued_us INTEGER;";

// Version 4: a unit's fingerprint parts, read only to explain a change, are
// a table of their own. In `units` they were two thirds of every row, and
// every run reads all of a workflow's rows before its first check: 100,000
// of them took 90 ms to read with their parts and 50 ms without. The units
// are copied into a table without them (pages full again) in the upgrade.
constexpr const char *kSchema4 = R"(
CREATE TABLE unit_parts(
    workflow TEXT, unit TEXT, parts BLOB,
    PRIMARY KEY(workflow, unit)) WITHOUT ROWID;
INSERT INTO unit_parts SELECT workflow, unit, parts FROM units;
CREATE TABLE units_4(
    workflow TEXT, unit TEXT, fingerprint BLOB, outputs BLOB,
    PRIMARY KEY(workflow, unit)) WITHOUT ROWID;
INSERT INTO units_4 SELECT workflow, unit, fingerprint, outputs FROM units;
DROP TABLE units;
ALTER TABLE units_4 RENAME TO units;
)";

// Version 5: the units of a run that are not in run_cached are one value
// per run (PackedUnits.h) instead of a run_units row each: a run of 90,000
// nodes spent 170 ms of its 400 ms inserting their rows. The runs an older
// Weft recorded keep their rows, and read as before.
constexpr const char *kSchema5
    = "CREATE TABLE IF NOT EXISTS run_packed(run INTEGER PRIMARY KEY, units BLOB);";

std::int64_t pragma(sqlite3 *db, const char *name)
{
    Statement s(db, std::string("PRAGMA ") + name);
    return s.step() ? s.integer(0) : 0;
}

std::int64_t tableCount(sqlite3 *db)
{
    Statement s(db, "SELECT count(*) FROM sqlite_master");
    return s.step() ? s.integer(0) : 0;
}

std::string resetHint()
{
    return "; run again with --reset-state to move it aside and start over "
           "(the record of what is up to date and the run history are lost)";
}

} // namespace
} // namespace state

using namespace state;

StateStore::Impl::~Impl()
{
    if (db) {
        // The first connection to open a database rebuilds the WAL's index
        // by reading every frame in the WAL, and it cannot tell which were
        // checkpointed already: left to grow to SQLite's 1,000 pages, the WAL
        // cost each run of a small workflow up to 4 MB of reads before its
        // first query. So once it passes 1 MB, the last connection to close
        // checkpoints it into the database and removes it (an fsync, about
        // once in 25 no-op runs of a 100-file build), as SQLite does by
        // default on every close.
        std::error_code ec;
        const std::uintmax_t wal = std::filesystem::file_size(path.string() + "-wal", ec);
        if (!ec && wal > (std::uintmax_t(1) << 20))
            sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
        sqlite3_close_v2(db);
    }
    if (lockFd >= 0)
        ::close(lockFd); // releases the flock
}

StateStore::StateStore(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
StateStore::~StateStore() = default;

const std::filesystem::path &StateStore::databasePath() const
{
    return d->path;
}

std::unique_ptr<StateStore> StateStore::open(const std::filesystem::path &workflowFile,
                                             std::string &error, bool reset)
{
    auto impl = std::make_unique<Impl>();
    std::error_code ec;
    const std::filesystem::path file = std::filesystem::absolute(workflowFile, ec).lexically_normal();
    impl->dir = file.parent_path() / ".weft";
    impl->path = impl->dir / "state.db";
    impl->workflow = file.filename().string();
    impl->lockPath = impl->dir / (impl->workflow + ".lock");
    std::filesystem::create_directories(impl->dir, ec);
    if (ec) {
        error = "cannot create " + impl->dir.string() + ": " + ec.message();
        return nullptr;
    }
    if (reset) {
        // Moved aside, never read: a broken file is left for whoever wants to look.
        for (const char *suffix : {"", "-wal", "-shm"}) {
            const std::filesystem::path from = impl->path.string() + suffix;
            if (std::filesystem::exists(from, ec))
                std::filesystem::rename(from, impl->path.string() + ".broken" + suffix, ec);
        }
    }
    const std::string where = impl->path.string();
    if (sqlite3_open_v2(where.c_str(), &impl->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr)
        != SQLITE_OK) {
        error = "cannot open " + where + ": "
                + (impl->db ? sqlite3_errmsg(impl->db) : "out of memory") + resetHint();
        return nullptr;
    }
    sqlite3_busy_timeout(impl->db, 10000);
    try {
        const std::int64_t app = pragma(impl->db, "application_id");
        const std::int64_t version = pragma(impl->db, "user_version");
        const std::int64_t tables = tableCount(impl->db);
        if (app != kApplicationId && (app != 0 || version != 0 || tables != 0)) {
            error = where + " is not a Weft state database (another program's file)" + resetHint();
            return nullptr;
        }
        if (version > kSchemaVersion) {
            error = where + " was written by a newer Weft (schema " + std::to_string(version)
                    + ", this one reads " + std::to_string(kSchemaVersion) + ")" + resetHint();
            return nullptr;
        }
        exec(impl->db, "PRAGMA journal_mode=WAL");
        // WAL with synchronous=NORMAL survives a killed process (only a
        // power cut may lose the last transactions, never corrupt).
        exec(impl->db, "PRAGMA synchronous=NORMAL");
        // Closing the last connection would checkpoint the WAL into the
        // database and fsync it: 10-20 ms on every run, more than a no-op
        // run of a small workflow costs. The WAL stays and is checkpointed
        // when it reaches SQLite's 1,000 pages, amortized over many runs.
        sqlite3_db_config(impl->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
        // A first run of a large workflow writes a long WAL; after the next
        // checkpoint it is cut back instead of keeping its largest size.
        exec(impl->db, "PRAGMA journal_size_limit=16777216");
        exec(impl->db, "PRAGMA cache_size=-32768"); // 32 MB: a large run's history rows and records
        // The records of a large workflow are read once per run: mapped,
        // SQLite reads its pages in place instead of copying each with a
        // pread() (pages still in the WAL are read from there).
        exec(impl->db, "PRAGMA mmap_size=268435456");
        if (version == 0) {
            Transaction t(impl->db);
            if (pragma(impl->db, "user_version") == 0) { // another process may have been first
                exec(impl->db, kSchema);
                exec(impl->db, "PRAGMA application_id=" + std::to_string(kApplicationId));
                exec(impl->db, "PRAGMA user_version=" + std::to_string(kSchemaVersion));
            }
            t.commit();
        } else if (version < kSchemaVersion) {
            Transaction t(impl->db);
            if (const std::int64_t now = pragma(impl->db, "user_version"); now < kSchemaVersion) {
                if (now < 2)
                    exec(impl->db, kSchema2);
                if (now < 3)
                    exec(impl->db, kSchema3);
                if (now < 4)
                    exec(impl->db, kSchema4);
                if (now < 5)
                    exec(impl->db, kSchema5);
                exec(impl->db, "PRAGMA user_version=" + std::to_string(kSchemaVersion));
            }
            t.commit();
        }
    } catch (const DatabaseError &e) {
        error = where + ": " + e.what() + resetHint();
        return nullptr;
    }
    return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

bool StateStore::lockRun(int &holderPid, std::string &error)
{
    holderPid = 0;
    if (d->lockFd < 0) {
        d->lockFd = ::open(d->lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (d->lockFd < 0) {
            error = "cannot open " + d->lockPath.string() + ": " + std::strerror(errno);
            return false;
        }
    }
    if (::flock(d->lockFd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            error = "cannot lock " + d->lockPath.string() + ": " + std::strerror(errno);
            return false;
        }
        char buffer[32] = {};
        const ssize_t n = ::pread(d->lockFd, buffer, sizeof buffer - 1, 0);
        holderPid = n > 0 ? std::atoi(buffer) : 0;
        return false;
    }
    // The pid, padded to a fixed width, written over whatever is there: no
    // truncation, which on ext4 makes the close start writing the file back
    // (its guard for files rewritten by truncate-and-write), a cost on
    // every run of a small build. A reader stops at the first blank.
    char pid[16];
    const int length = std::snprintf(pid, sizeof pid, "%-11d\n", int(::getpid()));
    struct stat st{};
    const bool longer = ::fstat(d->lockFd, &st) == 0 && st.st_size > length;
    if (::pwrite(d->lockFd, pid, std::size_t(length), 0) < 0 || (longer && ::ftruncate(d->lockFd, length) != 0)) {
        // The lock holds without the pid; a second run then names no pid.
    }
    return true;
}

std::vector<HistoryRun> StateStore::runs(int limit) const
{
    std::lock_guard lock(d->mutex);
    std::vector<HistoryRun> out;
    Statement s(d->db, "SELECT id, started, options, outcome, wall, work, nodes, ran, cached, failed, "
                       "critical_path, critical_path_duration FROM runs WHERE workflow = ?1 "
                       "ORDER BY id DESC LIMIT ?2");
    s.bind(1, d->workflow).bind(2, std::int64_t(limit));
    while (s.step()) {
        HistoryRun r;
        r.id = s.integer(0);
        r.started = s.real(1);
        r.options = s.text(2);
        r.outcome = s.text(3);
        r.wall = s.real(4);
        r.work = s.real(5);
        r.nodes = std::size_t(s.integer(6));
        r.ran = std::size_t(s.integer(7));
        r.cached = std::size_t(s.integer(8));
        r.failed = std::size_t(s.integer(9));
        std::string_view path = s.text(10);
        while (!path.empty()) {
            const std::size_t end = path.find('\n');
            r.criticalPath.emplace_back(path.substr(0, end));
            path.remove_prefix(end == std::string_view::npos ? path.size() : end + 1);
        }
        r.criticalPathDuration = s.real(11);
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<HistoryRun> StateStore::run(std::int64_t id) const
{
    for (HistoryRun &r : runs())
        if (r.id == id)
            return std::move(r);
    return std::nullopt;
}

void StateStore::succeededUnits(std::int64_t run, const std::function<void(const SucceededUnit &)> &visit) const
{
    std::lock_guard lock(d->mutex);
    // Up-to-date units (run_cached) never ran: none of them is asked for.
    Statement s(d->db, "SELECT unit, start_us, duration_us, attempts, cpu_us FROM run_units WHERE run = ?1 "
                       "AND attempts > 0 AND cached = 0 AND outcome = 'succeeded' AND start_us >= 0");
    s.bind(1, run);
    SucceededUnit u;
    while (s.step()) {
        u.unit = s.text(0);
        u.start = double(s.integer(1)) / 1e6;
        u.duration = double(s.integer(2)) / 1e6;
        u.attempts = int(s.integer(3));
        u.cpu = s.isNull(4) ? -1 : double(s.integer(4)) / 1e6;
        visit(u);
    }
    Statement packed(d->db, "SELECT units FROM run_packed WHERE run = ?1");
    packed.bind(1, run);
    if (packed.step()) {
        forEachPackedUnit(packed.blob(0), [&](const PackedUnit &p) {
            if (p.attempts <= 0 || p.cached || p.outcome != "succeeded" || !p.hasStart
                || p.startUs < 0)
                return;
            u.unit = p.unit;
            u.start = double(p.startUs) / 1e6;
            u.duration = double(p.durationUs) / 1e6;
            u.attempts = int(p.attempts);
            u.cpu = p.hasCpu ? double(p.cpuUs) / 1e6 : -1;
            visit(u);
        });
    }
}

std::vector<HistoryUnit> StateStore::units(std::int64_t run) const
{
    std::lock_guard lock(d->mutex);
    std::vector<HistoryUnit> out;
    Statement s(d->db, "SELECT unit, outcome, attempts, start_us, duration_us, exit_code, signal, "
                       "cached, why, cpu_us, queued_us FROM run_units WHERE run = ?1");
    s.bind(1, run);
    while (s.step()) {
        HistoryUnit u;
        u.unit = s.text(0);
        u.outcome = s.text(1);
        u.attempts = int(s.integer(2));
        u.start = s.isNull(3) ? -1 : double(s.integer(3)) / 1e6;
        u.duration = double(s.integer(4)) / 1e6;
        if (!s.isNull(5))
            u.exitCode = int(s.integer(5));
        u.signal = s.text(6);
        u.cached = s.integer(7) != 0;
        u.why = s.text(8);
        u.cpu = s.isNull(9) ? -1 : double(s.integer(9)) / 1e6;
        u.queued = s.isNull(10) ? 0 : double(s.integer(10)) / 1e6;
        out.push_back(std::move(u));
    }
    // Each part is in name order (byte order, as the keys'): merged, the
    // units come in the order they always did.
    const auto byName = [](const HistoryUnit &a, const HistoryUnit &b) { return a.unit < b.unit; };
    const std::size_t rows = out.size();
    Statement packed(d->db, "SELECT units FROM run_packed WHERE run = ?1");
    packed.bind(1, run);
    if (packed.step()) {
        // A damaged value loses the units after the damage, not the run.
        forEachPackedUnit(
            packed.blob(0), [&out](const PackedUnit &p) { out.push_back(toHistoryUnit(p)); });
    }
    std::inplace_merge(out.begin(), out.begin() + std::ptrdiff_t(rows), out.end(), byName);
    const std::size_t ran = out.size();
    Statement cached(d->db, "SELECT units FROM run_cached WHERE run = ?1");
    cached.bind(1, run);
    if (cached.step()) {
        std::string_view names = cached.blob(0);
        while (!names.empty()) {
            const std::size_t end = names.find('\0');
            HistoryUnit u;
            u.unit = names.substr(0, end);
            u.outcome = "succeeded";
            u.cached = true;
            out.push_back(std::move(u));
            names.remove_prefix(end == std::string_view::npos ? names.size() : end + 1);
        }
    }
    std::inplace_merge(out.begin(), out.begin() + std::ptrdiff_t(ran), out.end(), byName);
    return out;
}

std::vector<std::string> StateStore::recordedOutputs() const
{
    std::lock_guard lock(d->mutex);
    std::vector<std::string> out;
    Statement s(d->db, "SELECT outputs FROM units WHERE workflow = ?1");
    s.bind(1, d->workflow);
    while (s.step()) {
        forEachRecordedOutput(s.blob(0), [&out](std::string_view path, const char *) {
            out.emplace_back(path);
            return true;
        });
    }
    return out;
}

void StateStore::forgetUnits()
{
    std::lock_guard lock(d->mutex);
    Transaction t(d->db);
    for (const char *sql : {"DELETE FROM units WHERE workflow = ?1",
                            "DELETE FROM unit_parts WHERE workflow = ?1"}) {
        Statement s(d->db, sql);
        s.bind(1, d->workflow);
        s.run();
    }
    t.commit();
}

} // namespace weft
