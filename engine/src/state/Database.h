// SPDX-License-Identifier: Apache-2.0
#pragma once

// A thin layer over SQLite's C API: a connection, prepared statements that
// reset themselves, and errors as exceptions inside the state code only
// (StateStore turns them into messages; nothing throws out of the engine's
// run). Plus what the parts of StateStore share: the connection and the
// workflow file's key.

#include "state/Fingerprint.h"

#include "weft/StateStore.h"

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "NameIndex.h"

namespace weft::state {

struct DatabaseError : std::runtime_error
{
    DatabaseError(std::string message, int code) : std::runtime_error(std::move(message)), code(code) {}
    int code;
};

class Statement
{
public:
    Statement(sqlite3 *db, std::string_view sql);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int i, std::int64_t v);
    Statement &bind(int i, double v);
    Statement &bind(int i, std::string_view text);
    Statement &bindBlob(int i, std::string_view blob);
    // A blob that stays valid until the statement is next run or reset: not
    // copied (a run's packed history is megabytes).
    Statement &bindStaticBlob(int i, std::string_view blob);
    Statement &bindNull(int i);
    bool step(); // true: a row
    void run() { while (step()) {} reset(); }
    void reset();

    std::int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }
    double real(int col) const { return sqlite3_column_double(m_stmt, col); }
    bool isNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
    std::string_view text(int col) const;
    std::string_view blob(int col) const;

private:
    sqlite3 *m_db;
    sqlite3_stmt *m_stmt = nullptr;
};

void exec(sqlite3 *db, std::string_view sql);

// BEGIN IMMEDIATE .. COMMIT, rolled back unless committed.
class Transaction
{
public:
    explicit Transaction(sqlite3 *db);
    ~Transaction();
    void commit();

private:
    sqlite3 *m_db;
    bool m_done = false;
};

// What a run's incremental check reads before its first unit (Session.cpp):
// the file-hash cache and, per unit of this workflow file, its fingerprint
// and outputs as recorded at its last success.
struct FileEntry
{
    std::int64_t size = 0, mtime = 0, ctime = 0, inode = 0;
    Digest digest{};
};

struct Recorded
{
    Digest fingerprint{};
    // Where its outputs are in Records::outputs: path NUL digest(32) size
    // mtime ctime inode (4 x int64), repeated. One buffer for all units
    // instead of a string each: 100,000 allocations fewer.
    std::size_t offset = 0, size = 0;
    // Set by StateStore::preloadRecords() when it stat'ed this unit's
    // recorded outputs ahead, while the workflow file loaded: 1, each had
    // the stat recorded (mtime trusted); 0, one did not; -1, not looked at.
    std::int8_t statsAhead = -1;
};

// Walks a record's outputs, `path NUL digest(32) stat(32)` repeated:
// visit(path, entry) with `entry` at the path's digest (its stat 32 bytes
// on); a visit that returns false stops the walk. False when the walk was
// stopped or the blob is cut short (what is left is then not visited).
template<typename Visit>
bool forEachRecordedOutput(std::string_view blob, Visit &&visit)
{
    for (std::size_t pos = 0; pos < blob.size();) {
        const std::size_t end = blob.find('\0', pos);
        if (end == std::string_view::npos || end + 65 > blob.size())
            return false;
        if (!visit(blob.substr(pos, end - pos), blob.data() + end + 1))
            return false;
        pos = end + 65;
    }
    return true;
}

// The records of a workflow file's units by name, in the order they were
// added (SQLite reads them in the key's byte order), with a NameIndex over
// them. A no-op run of 100,000 nodes looks each one up once, in node order,
// on the preparer thread: a node-based hash map took two cache misses per
// look-up there (6 % of the run's CPU with building it), and a flat index
// can be prefetched a few nodes ahead.
class RecordIndex
{
public:
    void reserve(std::size_t count);
    // A second record of one name is ignored (the key is unique).
    void add(std::string_view unit, const Recorded &record);
    const Recorded *find(std::string_view unit) const;
    // Look-ups in a known order: the slot of a name needed soon, then, a
    // few look-ups later, its record.
    void prefetchSlot(std::string_view unit) const { m_index.prefetch(unit); }
    void prefetchRecord(std::string_view unit) const;
    void clear();

    using Entries = std::vector<std::pair<std::string, Recorded>>;
    Entries::iterator begin() { return m_entries.begin(); }
    Entries::iterator end() { return m_entries.end(); }

private:
    auto unitOf() const
    {
        return [this](std::uint32_t k) -> std::string_view { return m_entries[k].first; };
    }

    Entries m_entries;
    detail::NameIndex m_index;
};

struct Records
{
    RecordIndex units;
    std::string outputs;
    std::unordered_map<std::string, FileEntry> files; // absolute path
    bool broken = false; // a database error while reading: nothing is up to date
};

} // namespace weft::state

namespace weft {

struct StateStore::Impl
{
    ~Impl();
    sqlite3 *db = nullptr;
    std::filesystem::path dir;      // .weft
    std::filesystem::path path;     // .weft/state.db
    std::filesystem::path lockPath; // .weft/<file>.lock
    std::string workflow;           // the workflow file's name: the key of its rows
    int lockFd = -1;
    // One connection, used by the run's workers (session) and the event
    // relay (history) at once: SQLite's serialized mode would do, but the
    // session batches several statements per transaction.
    std::recursive_mutex mutex;
    // Read by preloadRecords() ahead of beginRun(), which takes them.
    std::unique_ptr<state::Records> preloaded;
};

} // namespace weft
