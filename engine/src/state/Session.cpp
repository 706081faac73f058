// SPDX-License-Identifier: Apache-2.0
// One run's incremental check (DESIGN.md, "Incremental runs"). At the start
// it reads what is recorded for the workflow file (fingerprint and output
// hashes per unit, and the file-hash cache) in two queries, so a check is
// stats, a few SHA-256 of short strings and hash-map look-ups, and a no-op
// run of 100,000 nodes costs no query per node. Records are written in
// batches: a record lost to a kill only makes its unit run again.
//
// weft-cli also reads the records while the workflow file loads
// (StateStore::preloadRecords), stats the outputs they name until the load
// is done, and has prepare() stat each node's declared outputs (those not
// found as recorded already) on a thread of its own ahead of the checks: in
// a chain of needs the checks run one after another, and the stat is a good
// part of each. A stat read ahead stands for one read at the check only
// while nothing the node depends on has run in this run (see `clean`);
// otherwise, and for fan-out instances and expanded nodes, the check stats
// for itself.
//
// allUpToDate() does the preparer's work for every node at once, on all of
// the run's threads, and makes each fingerprint with its needs' outputs as
// found: when every node matches, the run ends them all cached without a
// graph. Each pass stops at the first node out of date (the preparer then
// goes on where the first one stopped); a node whose fingerprint matched
// before that is up to date as soon as its needs all were (`clean`), or
// reported the outputs the pass found, without being fingerprinted again.
//
// File hashes are cached by (path, size, mtime, ctime, inode) in
// nanoseconds. ctime is in the key because it cannot be set back: content
// rewritten with its mtime restored (touch -d, utimensat) is still noticed.
// A file changed very recently is hashed but its hash not cached: a write
// in the same tick of the clock that stamps it could leave every stat field
// as it was (git's "racily clean" problem). See settled().

#include "state/Database.h"
#include "state/Fingerprint.h"

#include "weft/SpareCore.h"
#include "weft/Workflow.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace weft {

using namespace state;

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t keyOf(NodeIndex node, int instance)
{
    return (std::uint64_t(std::uint32_t(instance + 1)) << 32) | node;
}

} // namespace

const NamedValues &IncrementalUnit::runOutputs() const
{
    return outputs ? *outputs : node->outputs;
}

const NamedValues &IncrementalUnit::runInputs() const
{
    return inputs ? *inputs : node->inputs;
}

namespace {

std::string unitName(const IncrementalUnit &u)
{
    const std::string &id = u.workflow->nodes[u.index].id;
    return u.instance < 0 ? id : id + "[" + std::to_string(u.instance) + "]";
}

std::int64_t ns(const struct timespec &t)
{
    return std::int64_t(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// Whether a file last changed at `mtime`/`ctime` (ns) may be known by its
// stat from `now` on (read before its content is): only when that change is
// older than a tick of the clock that stamped it, so that any later write
// stamps a later time. Timestamps with nanoseconds come from the kernel's
// clock, whose tick is at most 10 ms: 100 ms is ten of them. Whole seconds
// are what a filesystem keeps that stores no more (FAT even rounds to two):
// three seconds. A single one-second window before was both too long (a
// no-op run in the second after a build hashed its newest outputs again,
// 15-30 % of a small build's no-op run) and too short for FAT.
bool settled(std::int64_t now, std::int64_t mtime, std::int64_t ctime)
{
    constexpr std::int64_t kSecond = 1000000000;
    const bool wholeSeconds = mtime % kSecond == 0 && ctime % kSecond == 0;
    const std::int64_t tick = wholeSeconds ? 3 * kSecond : kSecond / 10;
    return now - std::max(mtime, ctime) > tick;
}

std::int64_t realNow()
{
    struct timespec clock{};
    ::clock_gettime(CLOCK_REALTIME, &clock);
    return ns(clock);
}

// True when `st` is a file's and equals the stat recorded beside an output's
// digest (size, mtime, ctime, inode), and that stat was trusted (an mtime
// recorded): its content is then the recorded one.
bool sameAsRecorded(const struct stat &st, const char *recordedStat)
{
    if (S_ISDIR(st.st_mode))
        return false;
    const std::int64_t now[4] = {std::int64_t(st.st_size), ns(st.st_mtim), ns(st.st_ctim),
                                 std::int64_t(st.st_ino)};
    std::int64_t then[4];
    std::memcpy(then, recordedStat, sizeof then);
    return then[1] != 0 && std::memcmp(then, now, sizeof now) == 0;
}

// stat() of a workflow path: relative to the open base directory, or absolute.
int statAt(int baseFd, const std::string &path, struct stat &st)
{
    if (!path.empty() && path[0] == '/')
        return ::stat(path.c_str(), &st);
    return ::fstatat(baseFd, path.c_str(), &st, 0);
}

bool hasGlob(std::string_view s)
{
    return s.find_first_of("*?[") != std::string_view::npos;
}

struct ToWrite
{
    std::string unit;
    Digest fingerprint;
    std::string parts;
    std::string outputs;
};

} // namespace

struct IncrementalSession::Impl
{
    StateStore::Impl &store;
    StateStore::SessionOptions options;

    std::mutex mutex; // guards what follows
    RecordIndex recorded;
    std::string recordedOutputs; // filled before the run, never changed during it
    std::unordered_map<std::string, FileEntry> files; // absolute path
    std::vector<std::string> dirtyFiles;
    // Fan-out instances' outputs hashes, this run (plain nodes: `finished`).
    std::unordered_map<std::uint64_t, Digest> current;
    std::unordered_map<std::uint64_t, Fingerprint> pending; // checked, may be recorded
    std::unordered_map<std::uint64_t, std::string> why;
    std::vector<ToWrite> toWrite;
    std::vector<std::pair<std::string, std::string>> restats; // unit -> outputs with fresh stats
    Clock::time_point lastCommit = Clock::now();
    bool broken = false; // a database error: stop writing, everything after runs

    // The base directory, opened once: a relative output is stat()ed from
    // it, so the kernel walks only the path's own components, and no
    // absolute path is built per output (a no-op run of 100,000 nodes is
    // mostly these stats). -1: paths are joined as before.
    int baseFd = -1;
    std::string baseSlash; // options.base with one trailing '/'

    // The outputs hash of each plain node (not an instance) that finished
    // in this run, by node index. Written once, by the thread that checked
    // or ran the node, before the scheduler starts anything that needs it;
    // read by those nodes' checks. A slot per node, not an entry in
    // `current` under the mutex: a no-op run of 100,000 nodes took a lock,
    // a hash-table node and its growth per check, on the chain of checks.
    struct Finished
    {
        std::atomic<bool> set{false};
        Digest outputs{};
    };
    std::once_flag finishedOnce;
    const Workflow *finishedWorkflow = nullptr; // the one the slots are for
    std::unique_ptr<Finished[]> finished;

    // The slot of plain unit `u`; null for an instance (or a unit of another
    // workflow than the first one asked about, which no run mixes).
    Finished *finishedSlot(const Workflow *workflow, NodeIndex index, int instance)
    {
        std::call_once(finishedOnce, [&] {
            finishedWorkflow = workflow;
            finished = std::make_unique<Finished[]>(workflow->nodes.size());
        });
        if (instance >= 0 || workflow != finishedWorkflow || index >= workflow->nodes.size())
            return nullptr;
        return &finished[index];
    }

    // Called without `mutex` held.
    void setOutputs(const IncrementalUnit &u, const Digest &outputs)
    {
        if (Finished *slot = finishedSlot(u.workflow, u.index, u.instance)) {
            slot->outputs = outputs;
            slot->set.store(true, std::memory_order_release);
            return;
        }
        std::lock_guard lock(mutex);
        current[keyOf(u.index, u.instance)] = outputs;
    }

    Impl(StateStore::Impl &s, StateStore::SessionOptions o) : store(s), options(std::move(o))
    {
        if (!options.base.empty())
            baseFd = ::open(options.base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        baseSlash = (options.base / "").string();
    }
    ~Impl()
    {
        stopPreparing();
        if (baseFd >= 0)
            ::close(baseFd);
    }

    // prepare(): per node of `preparedWorkflow`, filled in node order by
    // `preparer`, ahead of the checks. Whichever comes first to a node
    // decides: the check claims it (and uses it if it is ready), the
    // preparer skips what is claimed, so that when the checks catch up it
    // moves on to where they are not yet instead of doing their work twice.
    struct Prepared
    {
        enum : std::uint8_t { Untouched, Ready, Claimed };
        std::atomic<std::uint8_t> state{Untouched};
        const Recorded *record = nullptr;
        // Every output's stat, read by the preparer, equals the record's:
        // `outputs` is what upToDate() sums them to.
        bool statsMatch = false;
        Digest outputs{};
        // Set by allUpToDate(): the fingerprint, made with its needs' outputs
        // as `outputs` above found them, is the record's. Up to date once
        // every need is (see `clean`).
        bool fingerprintMatches = false;
    };
    static constexpr std::size_t kLead = 256;
    std::atomic<std::size_t> overtaken{0}; // the last node a check claimed before it was prepared
    const Workflow *preparedWorkflow = nullptr;
    std::unique_ptr<Prepared[]> prepared;
    std::atomic<bool> stopPreparer{false};
    std::thread preparer;
    // Per node: up to date in this run, and so is everything it needs,
    // directly or not (nothing it depends on ran): a stat read before the
    // run is as good as one read now.
    std::unique_ptr<std::atomic<bool>[]> clean;

    // A small workflow's checks are over before a thread would start.
    static constexpr std::size_t kWorthAThread = 2000;

    void startPreparer()
    {
        stopPreparer.store(false, std::memory_order_relaxed);
        preparer = startOnSpareCore([this] { prepareAll(); });
    }

    void stopPreparing()
    {
        stopPreparer.store(true, std::memory_order_relaxed);
        if (preparer.joinable())
            preparer.join();
    }

    void prepareAll()
    {
        const std::vector<Node> &nodes = preparedWorkflow->nodes;
        // The records are looked up in node order: the slot of the node 16
        // on is fetched now, and the record of the node 8 on, whose slot
        // came in 8 nodes ago.
        constexpr std::size_t kAhead = 8;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            if (stopPreparer.load(std::memory_order_relaxed))
                return;
            if (i + 2 * kAhead < nodes.size())
                recorded.prefetchSlot(nodes[i + 2 * kAhead].id);
            if (i + kAhead < nodes.size())
                recorded.prefetchRecord(nodes[i + kAhead].id);
            const Node &node = nodes[i];
            Prepared &p = prepared[i];
            if (node.foreach || node.outputs.empty())
                continue;
            if (p.state.load(std::memory_order_relaxed) != Prepared::Untouched) {
                // The checks overtook this thread: it goes on ahead of them.
                i = std::max(i, overtaken.load(std::memory_order_relaxed) + kLead);
                continue;
            }
            // Written before Ready is published, and read only by a check
            // that saw Ready: a check that claimed the node first never does.
            p.record = recorded.find(node.id);
            if (p.record)
                p.statsMatch = statsMatch(node, *p.record, p.outputs, p.record->statsAhead != 1);
            std::uint8_t expected = Prepared::Untouched;
            p.state.compare_exchange_strong(expected, Prepared::Ready, std::memory_order_release,
                                            std::memory_order_relaxed);
        }
    }

    // What prepare() found for `u`; null when it has not got there yet or
    // cannot be used (an instance, an expanded node, asked twice).
    Prepared *preparedFor(const IncrementalUnit &u)
    {
        if (!prepared || u.instance >= 0 || u.workflow != preparedWorkflow || u.params
            || u.node != &preparedWorkflow->nodes[u.index])
            return nullptr;
        Prepared &p = prepared[u.index];
        const std::uint8_t was = p.state.exchange(Prepared::Claimed, std::memory_order_acquire);
        if (was == Prepared::Untouched)
            overtaken.store(u.index, std::memory_order_relaxed);
        return was == Prepared::Ready ? &p : nullptr;
    }

    bool needsClean(const IncrementalUnit &u) const
    {
        if (!clean || u.workflow != preparedWorkflow)
            return false;
        for (NodeIndex need : u.needs) {
            if (!clean[need].load(std::memory_order_relaxed))
                return false;
        }
        return true;
    }

    // Every need of `u` finished in this run with the outputs that
    // allUpToDate() found for it, so the fingerprint it made for `u` holds.
    bool needsAsPrepared(const IncrementalUnit &u)
    {
        if (!prepared || u.workflow != preparedWorkflow)
            return false;
        for (NodeIndex need : u.needs) {
            const Prepared &q = prepared[need];
            const Finished *slot = finishedSlot(u.workflow, need, kNoInstance);
            if (q.state.load(std::memory_order_acquire) != Prepared::Ready || !q.record
                || !q.statsMatch || !slot || !slot->set.load(std::memory_order_acquire)
                || slot->outputs != q.outputs)
                return false;
        }
        return true;
    }

    // The record's entry for `path` in its outputs, if it was an output
    // then: path NUL digest(32) stat(32), repeated.
    const char *recordedEntry(const Recorded &record, const std::string &path) const
    {
        const char *found = nullptr;
        forEachRecordedOutput(std::string_view(recordedOutputs.data() + record.offset, record.size),
                              [&](std::string_view recorded, const char *entry) {
                                  if (recorded == path)
                                      found = entry;
                                  return !found;
                              });
        return found;
    }

    // True when every declared output of `node` is in `record` with a
    // trusted stat (mtime recorded) equal to the one read now; `sum` is
    // then their hash as upToDate() computes it. `statNow` false: the stats
    // were found as recorded already (Recorded::statsAhead), only the sum
    // is made, and a declared output the record lacks still fails it.
    bool statsMatch(const Node &node, const Recorded &record, Digest &sum, bool statNow = true) const
    {
        std::string all;
        for (const auto &[name, value] : node.outputs) {
            for (const std::string &path : value.items) {
                const char *entry = recordedEntry(record, path);
                if (!entry)
                    return false;
                struct stat st{};
                if (statNow && (statPath(path, st) != 0 || !sameAsRecorded(st, entry + 32)))
                    return false;
                all += path;
                all += '\0';
                all.append(entry, 32);
            }
        }
        sum = sha256(all);
        return true;
    }
    Impl(const Impl &) = delete;
    Impl &operator=(const Impl &) = delete;

    // stat() of a workflow path (relative to the base, or absolute).
    int statPath(const std::string &path, struct stat &st) const
    {
        if (baseFd >= 0)
            return statAt(baseFd, path, st);
        return ::stat(absolute(path).c_str(), &st);
    }

    std::filesystem::path absolute(const std::string &path) const
    {
        const std::filesystem::path p(path);
        return p.is_absolute() ? p : options.base / p;
    }

    // absolute(path).string(), without parsing either into components: the
    // fan-out checks of a small build call it for every file they stat.
    std::string absoluteString(const std::string &path) const
    {
        if (!path.empty() && path[0] == '/')
            return path;
        std::string out;
        out.reserve(baseSlash.size() + path.size());
        out.append(baseSlash).append(path);
        return out;
    }

    // The content hash of `path`; false when it does not exist. `fresh`:
    // hash it whatever the cache says (a unit has just written it).
    bool fileDigest(const std::string &path, Digest &out, bool fresh = false)
    {
        struct stat st{};
        if (statPath(path, st) != 0)
            return false;
        if (S_ISDIR(st.st_mode)) {
            out = sha256("directory"); // its presence, not its content
            return true;
        }
        FileEntry entry{std::int64_t(st.st_size), ns(st.st_mtim), ns(st.st_ctim),
                        std::int64_t(st.st_ino), {}};
        const std::string key = absoluteString(path); // the cache's key, as the database keeps it
        if (!fresh) {
            std::lock_guard lock(mutex);
            if (auto it = files.find(key); it != files.end()) {
                const FileEntry &e = it->second;
                if (e.size == entry.size && e.mtime == entry.mtime && e.ctime == entry.ctime
                    && e.inode == entry.inode) {
                    out = e.digest;
                    return true;
                }
            }
        }
        // Stat (and the clock) before hashing: a write during the hash
        // changes the stat, and the next look hashes again.
        const bool cache = settled(realNow(), entry.mtime, entry.ctime);
        if (!sha256File(key, entry.digest))
            return false;
        out = entry.digest;
        std::lock_guard lock(mutex);
        if (cache) {
            files[key] = entry;
            dirtyFiles.push_back(key);
        } else {
            files.erase(key);
        }
        return true;
    }

    // A declared output's hash. Its stat is kept in its unit's record, not in
    // the file-hash cache: a no-op run then reads one row per unit and
    // compares one stat per output, without a cache look-up. `recorded`:
    // the record's digest and stat of this path (null: hash it). `stat` is
    // what the record should keep; all zero when the file is too recent to
    // be trusted by its stat (see above).
    bool outputDigest(const std::string &path, const char *recorded, Digest &out, FileEntry &stat)
    {
        struct stat st{};
        if (statPath(path, st) != 0)
            return false;
        stat = {};
        if (S_ISDIR(st.st_mode)) {
            out = sha256("directory"); // its presence, not its content
            return true;
        }
        const std::int64_t now[4] = {std::int64_t(st.st_size), ns(st.st_mtim), ns(st.st_ctim),
                                     std::int64_t(st.st_ino)};
        if (recorded) {
            std::int64_t then[4];
            std::memcpy(then, recorded + 32, sizeof then);
            if (then[1] != 0 && std::memcmp(then, now, sizeof now) == 0) {
                std::memcpy(out.data(), recorded, 32);
                stat = {now[0], now[1], now[2], now[3], out};
                return true;
            }
        }
        const bool trusted = settled(realNow(), now[1], now[2]);
        if (!sha256File(absolute(path), out))
            return false;
        if (trusted)
            stat = {now[0], now[1], now[2], now[3], out};
        return true;
    }

    static void appendOutput(std::string &blob, const std::string &path, const Digest &digest,
                             const FileEntry &stat)
    {
        blob += path;
        blob += '\0';
        blob.append(reinterpret_cast<const char *>(digest.data()), 32);
        const std::int64_t fields[4] = {stat.size, stat.mtime, stat.ctime, stat.inode};
        blob.append(reinterpret_cast<const char *>(fields), sizeof fields);
    }

    // Nodes come in runs of one type: its hash is kept per thread.
    static Digest typeDigest(const std::string &type)
    {
        thread_local std::string last;
        thread_local Digest digest = sha256("");
        if (type != last) {
            digest = sha256(type);
            last = type;
        }
        return digest;
    }

    // The parts that depend on the node alone, first in every fingerprint:
    // its type, params and declared output paths.
    static void staticParts(const IncrementalUnit &u, std::vector<Part> &parts)
    {
        const Node &node = *u.node;
        const NamedValues &outputs = u.runOutputs();
        parts.reserve(1 + node.params.size() + outputs.size() + u.runInputs().size());
        parts.push_back({PartKind::Type, {}, typeDigest(node.type)});
        if (u.params) {
            // Not expanded whole: each param's digest from its expanded text,
            // the same bytes as the expanded JSON's (expandedParamDigest).
            u.params([&](const std::string &key, const ExpandedParam &value) {
                parts.push_back({PartKind::Param, key, expandedParamDigest(value)});
            });
        } else if (node.params.is_object()) {
            for (const auto &[key, value] : node.params.get_ref<const nlohmann::json::object_t &>())
                parts.push_back({PartKind::Param, key, paramDigest(value)});
        } else {
            parts.push_back({PartKind::Param, {}, sha256(node.params.dump())});
        }
        for (const auto &[name, value] : outputs) {
            Sha256 all;
            for (const std::string &item : value.items) {
                all.add(item);
                all.add("", 1);
            }
            parts.push_back({PartKind::Outputs, name, all.finish()});
        }
    }

    // `upstream(need, id, parts)` adds the part of one need's outputs.
    template<typename Upstream>
    Fingerprint fingerprint(const IncrementalUnit &u, Upstream &&upstream)
    {
        Fingerprint f;
        staticParts(u, f.parts);
        for (const auto &[name, value] : u.runInputs()) {
            for (const std::string &pattern : value.items) {
                if (u.instance < 0) {
                    inputParts(pattern, f.parts);
                    continue;
                }
                // A fan-out's instances are checked together when it starts
                // (FanOut.cpp): an input they share (their headers) is read
                // once for all of them, as of that moment, instead of a stat
                // of the directory and of every match for each instance.
                // Read outside the lock: another fan-out's first instance
                // may be hashing its own inputs meanwhile.
                const std::pair<NodeIndex, std::string> key{u.index, pattern};
                std::unique_lock lock(sharedInputsMutex);
                auto it = sharedInputs.find(key);
                if (it == sharedInputs.end()) {
                    lock.unlock();
                    std::vector<Part> parts;
                    inputParts(pattern, parts);
                    lock.lock();
                    it = sharedInputs.emplace(key, std::move(parts)).first; // the first read wins
                }
                f.parts.insert(f.parts.end(), it->second.begin(), it->second.end());
            }
        }
        if (u.item && u.itemIsFile) {
            Digest d{};
            if (!fileDigest(*u.item, d))
                d = sha256("missing");
            f.parts.push_back({PartKind::Item, *u.item, d});
        }
        for (NodeIndex need : u.needs)
            upstream(need, u.workflow->nodes[need].id, f.parts);
        return f;
    }

    // As the run found its needs' outputs.
    Fingerprint fingerprint(const IncrementalUnit &u)
    {
        std::unique_lock lock(mutex, std::defer_lock); // for a fan-out need only
        return fingerprint(u, [&](NodeIndex need, const std::string &id, std::vector<Part> &parts) {
            if (const Finished *slot = finishedSlot(u.workflow, need, kNoInstance);
                slot && slot->set.load(std::memory_order_acquire)) {
                parts.push_back({PartKind::Upstream, id, slot->outputs});
                return;
            }
            if (!lock.owns_lock())
                lock.lock();
            // A fan-out need: its instances' outputs, in index order.
            std::string all;
            for (int k = 0;; ++k) {
                auto it = current.find(keyOf(need, k));
                if (it == current.end())
                    break;
                all.append(reinterpret_cast<const char *>(it->second.data()), 32);
            }
            if (!all.empty())
                parts.push_back({PartKind::Upstream, id, sha256(all)});
            // Otherwise it declares no outputs: ordered only, nothing to hash.
        });
    }

    // The parts of one input pattern: the file's digest, or each match's.
    void inputParts(const std::string &pattern, std::vector<Part> &parts)
    {
        if (!hasGlob(pattern)) {
            Digest d{};
            if (!fileDigest(pattern, d))
                d = sha256("missing");
            parts.push_back({PartKind::Input, pattern, d});
            return;
        }
        std::vector<std::string> matches = globFiles(pattern);
        if (matches.empty())
            parts.push_back({PartKind::Input, pattern, sha256("no match")});
        for (const std::string &match : matches) {
            Digest d{};
            if (!fileDigest(match, d))
                d = sha256("missing");
            parts.push_back({PartKind::Input, match, d});
        }
    }

    // By fan-out node and the input pattern as its instance expands it.
    std::mutex sharedInputsMutex;
    std::map<std::pair<NodeIndex, std::string>, std::vector<Part>> sharedInputs;

    // Every instance of a fan-out usually reads the same glob (its headers):
    // its matches are kept while the directory's stat is unchanged, since
    // adding, removing or renaming a file in it changes its mtime and ctime.
    // Patterns with wildcards above the last component are read every time.
    struct GlobEntry
    {
        std::int64_t mtime = 0, ctime = 0, inode = 0;
        std::vector<std::string> matches;
    };
    std::mutex globMutex;
    std::unordered_map<std::string, GlobEntry> globs;

    std::vector<std::string> globFiles(const std::string &pattern)
    {
        const std::filesystem::path p(pattern);
        const std::string parent = p.parent_path().string();
        struct stat st{};
        const bool cacheable = !hasGlob(parent)
                               && ::stat(absolute(parent.empty() ? "." : parent).c_str(), &st) == 0;
        if (cacheable) {
            std::lock_guard lock(globMutex);
            auto it = globs.find(pattern);
            if (it != globs.end() && it->second.mtime == ns(st.st_mtim)
                && it->second.ctime == ns(st.st_ctim) && it->second.inode == std::int64_t(st.st_ino))
                return it->second.matches;
        }
        std::vector<std::string> matches = readGlob(pattern);
        if (cacheable) {
            std::lock_guard lock(globMutex);
            globs[pattern] = {ns(st.st_mtim), ns(st.st_ctim), std::int64_t(st.st_ino), matches};
        }
        return matches;
    }

    std::vector<std::string> readGlob(const std::string &pattern) const
    {
        const bool relative = !std::filesystem::path(pattern).is_absolute();
        const std::string prefix = relative ? (options.base / "").string() : std::string();
        const std::string full = prefix + pattern;
        glob_t g{};
        std::vector<std::string> out;
        if (::glob(full.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
            for (std::size_t i = 0; i < g.gl_pathc; ++i) {
                std::string path = g.gl_pathv[i];
                if (relative && path.compare(0, prefix.size(), prefix) == 0)
                    path.erase(0, prefix.size());
                out.push_back(std::move(path));
            }
        }
        globfree(&g);
        std::sort(out.begin(), out.end()); // byte order: the same in every locale
        return out;
    }

    // What was recorded for the parts of `unit`; read only to explain a change.
    Fingerprint recordedParts(const std::string &unit)
    {
        std::lock_guard lock(store.mutex);
        Statement s(store.db, "SELECT parts FROM unit_parts WHERE workflow = ?1 AND unit = ?2");
        s.bind(1, store.workflow).bind(2, unit);
        return s.step() ? Fingerprint::deserialize(s.blob(0)) : Fingerprint();
    }

    // Called with `mutex` held.
    void commitLocked()
    {
        if (broken || (toWrite.empty() && dirtyFiles.empty() && restats.empty()))
            return;
        std::lock_guard lock(store.mutex);
        try {
            Transaction t(store.db);
            Statement unit(store.db, "INSERT OR REPLACE INTO units(workflow, unit, fingerprint, "
                                     "outputs) VALUES(?1, ?2, ?3, ?4)");
            Statement parts(store.db, "INSERT OR REPLACE INTO unit_parts(workflow, unit, parts) "
                                      "VALUES(?1, ?2, ?3)");
            for (const ToWrite &w : toWrite) {
                unit.bind(1, store.workflow).bind(2, w.unit);
                unit.bindBlob(3, std::string_view(reinterpret_cast<const char *>(w.fingerprint.data()), 32));
                unit.bindBlob(4, w.outputs);
                unit.run();
                parts.bind(1, store.workflow).bind(2, w.unit).bindBlob(3, w.parts);
                parts.run();
            }
            Statement restat(store.db, "UPDATE units SET outputs = ?3 WHERE workflow = ?1 AND unit = ?2");
            for (const auto &[name, outputs] : restats) {
                restat.bind(1, store.workflow).bind(2, name).bindBlob(3, outputs);
                restat.run();
            }
            Statement file(store.db, "INSERT OR REPLACE INTO files(path, size, mtime, ctime, inode, "
                                     "digest) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
            for (const std::string &path : dirtyFiles) {
                auto it = files.find(path);
                if (it == files.end())
                    continue;
                const FileEntry &e = it->second;
                file.bind(1, path).bind(2, e.size).bind(3, e.mtime).bind(4, e.ctime).bind(5, e.inode);
                file.bindBlob(6, std::string_view(reinterpret_cast<const char *>(e.digest.data()), 32));
                file.run();
            }
            t.commit();
        } catch (const DatabaseError &) {
            broken = true; // what is not recorded runs again next time
        }
        toWrite.clear();
        dirtyFiles.clear();
        restats.clear();
        lastCommit = Clock::now();
    }
};

IncrementalSession::IncrementalSession(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
IncrementalSession::~IncrementalSession() = default;

namespace {

void readRecords(StateStore::Impl &store, Records &out)
{
    std::lock_guard lock(store.mutex);
    try {
        // Sized first: 100,000 rows rehashed step by step cost more than the query.
        Statement count(store.db, "SELECT (SELECT count(*) FROM units WHERE workflow = ?1), "
                                  "(SELECT count(*) FROM files)");
        count.bind(1, store.workflow);
        if (count.step()) {
            out.units.reserve(std::size_t(count.integer(0)));
            out.files.reserve(std::size_t(count.integer(1)));
        }
        Statement units(store.db, "SELECT unit, fingerprint, outputs FROM units WHERE workflow = ?1");
        units.bind(1, store.workflow);
        while (units.step()) {
            Recorded r;
            const std::string_view fp = units.blob(1);
            if (fp.size() == 32)
                std::copy(fp.begin(), fp.end(), r.fingerprint.begin());
            const std::string_view outputs = units.blob(2);
            r.offset = out.outputs.size();
            r.size = outputs.size();
            out.outputs += outputs;
            out.units.add(units.text(0), r);
        }
        Statement files(store.db, "SELECT path, size, mtime, ctime, inode, digest FROM files");
        while (files.step()) {
            FileEntry e{files.integer(1), files.integer(2), files.integer(3), files.integer(4), {}};
            const std::string_view digest = files.blob(5);
            if (digest.size() == 32)
                std::copy(digest.begin(), digest.end(), e.digest.begin());
            out.files.emplace(files.text(0), e);
        }
    } catch (const DatabaseError &) {
        out.broken = true;
        out.units.clear(); // nothing is up to date: everything runs
    }
}

// Stats each recorded output of each unit, relative to `base`, until
// `stop` is set, and marks the unit (Recorded::statsAhead). In hash order,
// not the workflow's, which is not loaded yet: the preparer checks the
// rest in node order (prepareAll).
void statRecordedOutputs(Records &records, const std::filesystem::path &base,
                         const std::atomic<bool> *stop)
{
    const int baseFd = ::open(base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (baseFd < 0)
        return;
    std::string path;
    std::size_t sinceCheck = 0;
    for (auto &[unit, record] : records.units) {
        if (stop && ++sinceCheck == 64) { // an atomic load per 64 units, not per stat
            sinceCheck = 0;
            if (stop->load(std::memory_order_relaxed))
                break;
        }
        const std::string_view blob(records.outputs.data() + record.offset, record.size);
        auto asRecorded = [&](std::string_view recorded, const char *entry) {
            path.assign(recorded);
            struct stat st{};
            return statAt(baseFd, path, st) == 0 && sameAsRecorded(st, entry + 32);
        };
        const bool match = !blob.empty() && forEachRecordedOutput(blob, asRecorded);
        record.statsAhead = match ? 1 : 0;
    }
    ::close(baseFd);
}

} // namespace

void StateStore::preloadRecords(const std::filesystem::path &base, const std::atomic<bool> *stop)
{
    auto records = std::make_unique<Records>();
    readRecords(*d, *records);
    if (!base.empty() && !records->broken)
        statRecordedOutputs(*records, base, stop);
    d->preloaded = std::move(records);
}

std::unique_ptr<IncrementalSession> StateStore::beginRun(SessionOptions options)
{
    auto impl = std::make_unique<IncrementalSession::Impl>(*d, std::move(options));
    std::unique_ptr<Records> records = std::move(d->preloaded);
    if (!records) {
        records = std::make_unique<Records>();
        readRecords(*d, *records);
    }
    impl->recorded = std::move(records->units);
    impl->recordedOutputs = std::move(records->outputs);
    impl->files = std::move(records->files);
    impl->broken = records->broken;
    return std::make_unique<IncrementalSession>(std::move(impl));
}

bool IncrementalSession::upToDate(const IncrementalUnit &u)
{
    Impl::Prepared *prepared = d->options.force ? nullptr : d->preparedFor(u);
    if (prepared && prepared->fingerprintMatches && d->needsClean(u)) {
        // allUpToDate() made this fingerprint with the outputs its needs
        // have now, from stats read before anything it depends on ran.
        d->clean[u.index].store(true, std::memory_order_relaxed);
        d->setOutputs(u, prepared->outputs);
        return true;
    }
    // A need ran but its outputs are what allUpToDate() found (it wrote the
    // same bytes): the fingerprint made then is this one, if nothing else
    // in it could have changed since (declared inputs are read again).
    const bool fingerprintKnown = prepared && prepared->fingerprintMatches
                                  && u.runInputs().empty() && d->needsAsPrepared(u);
    Fingerprint f;
    if (!fingerprintKnown)
        f = d->fingerprint(u);
    const Digest sum = fingerprintKnown ? prepared->record->fingerprint : f.sum();
    std::string name; // unitName(u), when needed
    auto unit = [&]() -> const std::string & {
        if (name.empty())
            name = unitName(u);
        return name;
    };
    const std::uint64_t key = keyOf(u.index, u.instance);
    std::string reason;
    Digest outputs{};
    const Recorded *record = nullptr;
    if (prepared) {
        record = prepared->record;
    } else {
        std::lock_guard lock(d->mutex);
        record = d->recorded.find(unit()); // never changed during the run
    }
    if (d->options.force) {
        reason = "--force";
    } else if (!record) {
        reason = "never ran";
    } else if (prepared && prepared->statsMatch && d->needsClean(u)) {
        // Every output's stat, read before anything it depends on could
        // run, is the record's: its content is the recorded one.
        outputs = prepared->outputs;
    } else {
        std::string all;
        std::string restated; // the record's outputs with the stats read now
        bool stale = false;   // some stat differed from the record's (the file was hashed)
        for (const auto &[outputName, value] : u.runOutputs()) {
            for (const std::string &path : value.items) {
                const char *entry = d->recordedEntry(*record, path);
                Digest digest{};
                FileEntry stat;
                if (!d->outputDigest(path, entry, digest, stat)) {
                    reason = "output missing: " + path;
                    break;
                }
                if (!entry || std::memcmp(entry, digest.data(), 32) != 0) {
                    reason = "output changed: " + path;
                    break;
                }
                all += path + '\0';
                all.append(reinterpret_cast<const char *>(digest.data()), 32);
                Impl::appendOutput(restated, path, digest, stat);
                stale = stale || std::memcmp(entry + 32, &stat.size, 8) != 0
                        || std::memcmp(entry + 40, &stat.mtime, 8) != 0
                        || std::memcmp(entry + 48, &stat.ctime, 8) != 0
                        || std::memcmp(entry + 56, &stat.inode, 8) != 0;
            }
            if (!reason.empty())
                break;
        }
        // Same content, new stat (touched, copied back, or too recent to
        // trust last time): the record learns the stat, so the next run
        // does not hash the file again.
        if (reason.empty() && stale && record->fingerprint == sum) {
            std::lock_guard lock(d->mutex);
            d->restats.emplace_back(unit(), std::move(restated));
        }
        if (reason.empty())
            outputs = sha256(all);
    }
    if (reason.empty() && record->fingerprint != sum) {
        reason = firstDifference(d->recordedParts(unit()), f);
        if (reason.empty())
            reason = "fingerprint changed";
    }
    if (reason.empty() && u.instance < 0 && d->needsClean(u))
        d->clean[u.index].store(true, std::memory_order_relaxed);
    if (reason.empty()) {
        d->setOutputs(u, outputs);
        return true;
    }
    if (fingerprintKnown)
        f = d->fingerprint(u); // recorded if it runs and succeeds
    {
        std::lock_guard lock(d->mutex);
        d->pending[key] = std::move(f);
        d->why[key] = reason;
    }
    // Not under the mutex: the callback prints (the status printer's lock),
    // and a printer delivering a burst holds that lock while the history
    // asks why() (this mutex): the two orders would deadlock.
    if (d->options.explain)
        d->options.explain(unit(), reason);
    return false;
}

void IncrementalSession::succeeded(const IncrementalUnit &u)
{
    const std::uint64_t key = keyOf(u.index, u.instance);
    std::string outputs; // path NUL digest, as upToDate() sums them
    std::string record;  // path NUL digest stat, for the database
    bool missing = false;
    for (const auto &[name, value] : u.runOutputs()) {
        for (const std::string &path : value.items) {
            Digest digest{};
            FileEntry stat;
            if (!d->outputDigest(path, nullptr, digest, stat)) {
                missing = true; // succeeded without writing it: not up to date next time
                digest = sha256("missing " + path);
            }
            outputs += path + '\0';
            outputs.append(reinterpret_cast<const char *>(digest.data()), 32);
            Impl::appendOutput(record, path, digest, stat);
        }
    }
    d->setOutputs(u, sha256(outputs));
    std::lock_guard lock(d->mutex);
    auto it = d->pending.find(key);
    if (it == d->pending.end())
        return;
    if (!missing)
        d->toWrite.push_back({unitName(u), it->second.sum(), it->second.serialize(), std::move(record)});
    d->pending.erase(it);
    if (Clock::now() - d->lastCommit > std::chrono::milliseconds(200) || d->toWrite.size() >= 10000)
        d->commitLocked();
}

bool IncrementalSession::allUpToDate(const Workflow &workflow,
                                     const std::function<IncrementalUnit(NodeIndex)> &unitOf)
{
    if (d->options.force || d->broken || (d->prepared && d->preparedWorkflow != &workflow))
        return false; // (prepared for another workflow: no run mixes two)
    // What the preparer found so far is kept; the rest is done here, on
    // every thread of the run.
    d->stopPreparing();
    const std::size_t n = workflow.nodes.size();
    if (!d->prepared) {
        d->preparedWorkflow = &workflow;
        d->prepared = std::make_unique<Impl::Prepared[]>(n);
        d->clean = std::make_unique<std::atomic<bool>[]>(n); // all false
    }
    using Prepared = Impl::Prepared;
    Impl &impl = *d;
    // Each pass stops at the first node found out of date: a run that will
    // go node by node anyway should not wait for a whole pass first (the
    // preparer thread, restarted, goes on where the first pass stopped, as
    // it would have beside the checks).
    std::atomic<bool> outOfDate{false};
    constexpr std::size_t kGrain = 512;
    // First each node's record and the stats of its outputs (the passes'
    // order does not matter: each node is decided on its own)...
    oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<std::size_t>(0, n, kGrain),
                              [&](const oneapi::tbb::blocked_range<std::size_t> &range) {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
            if (outOfDate.load(std::memory_order_relaxed))
                return;
            const Node &node = workflow.nodes[i];
            Prepared &p = impl.prepared[i];
            if (node.foreach || node.outputs.empty()) {
                outOfDate.store(true, std::memory_order_relaxed); // decided as it runs, if at all
                return;
            }
            if (p.state.load(std::memory_order_acquire) == Prepared::Untouched) {
                p.record = impl.recorded.find(node.id);
                if (p.record)
                    p.statsMatch = impl.statsMatch(node, *p.record, p.outputs, p.record->statsAhead != 1);
                p.state.store(Prepared::Ready, std::memory_order_release);
            }
            if (!p.record || !p.statsMatch)
                outOfDate.store(true, std::memory_order_relaxed);
        }
    });
    if (outOfDate.load(std::memory_order_relaxed)) {
        if (n >= Impl::kWorthAThread)
            d->startPreparer();
        return false;
    }
    // ...then each fingerprint, with its needs' outputs as they are now.
    oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<std::size_t>(0, n, kGrain),
                              [&](const oneapi::tbb::blocked_range<std::size_t> &range) {
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
            if (outOfDate.load(std::memory_order_relaxed))
                return;
            Prepared &p = impl.prepared[i];
            (void)p.state.load(std::memory_order_acquire); // prepared on another thread
            const IncrementalUnit u = unitOf(NodeIndex(i));
            bool needsKnown = true;
            const Fingerprint f = impl.fingerprint(
                u, [&](NodeIndex need, const std::string &id, std::vector<Part> &parts) {
                    const Prepared &q = impl.prepared[need];
                    // Another thread may have prepared it: acquire what it wrote.
                    if (q.state.load(std::memory_order_acquire) != Prepared::Ready || !q.record
                        || !q.statsMatch)
                        needsKnown = false; // it runs, or is decided as it runs
                    else
                        parts.push_back({PartKind::Upstream, id, q.outputs});
                });
            p.fingerprintMatches = needsKnown && f.sum() == p.record->fingerprint;
            p.state.store(Prepared::Ready, std::memory_order_release); // publishes the flag
            if (!p.fingerprintMatches)
                outOfDate.store(true, std::memory_order_relaxed);
        }
    });
    if (outOfDate.load(std::memory_order_relaxed))
        return false;
    for (std::size_t i = 0; i < n; ++i) {
        const Prepared &p = d->prepared[i];
        (void)p.state.load(std::memory_order_acquire); // written on another thread
        d->clean[i].store(true, std::memory_order_relaxed);
        Impl::Finished *slot = d->finishedSlot(&workflow, NodeIndex(i), kNoInstance);
        slot->outputs = p.outputs;
        slot->set.store(true, std::memory_order_release);
    }
    return true;
}

void IncrementalSession::prepare(const Workflow &workflow)
{
    if (d->options.force || d->broken || d->prepared || workflow.nodes.size() < Impl::kWorthAThread)
        return; // (forced or broken: everything runs, nothing to compare)
    const std::size_t n = workflow.nodes.size();
    d->preparedWorkflow = &workflow;
    d->prepared = std::make_unique<Impl::Prepared[]>(n);
    d->clean = std::make_unique<std::atomic<bool>[]>(n); // all false
    d->startPreparer();
}

void IncrementalSession::finish()
{
    d->stopPreparing();
    std::lock_guard lock(d->mutex);
    d->commitLocked();
}

std::string IncrementalSession::why(NodeIndex node, int instance) const
{
    std::lock_guard lock(d->mutex);
    auto it = d->why.find(keyOf(node, instance));
    return it == d->why.end() ? std::string() : it->second;
}

} // namespace weft
