// SPDX-License-Identifier: Apache-2.0
// The run history (DESIGN.md, "Run history") is recorded by an EventSink fed
// by the run's events like any other, so the executor knows nothing of it.
// It keeps one small row per unit as the events come, and writes the run in
// one transaction when it finishes, pruning the file's oldest runs in the
// same transaction: a reader sees the run whole or not at all.

#include "state/Database.h"
#include "state/PackedUnits.h"

#include "weft/Workflow.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <string_view>

namespace weft {

using namespace state;

namespace {

// The indices of `workflow`'s nodes in the byte order of their ids, the
// order of the history's keys. Most ids fit in eight bytes: compared as one
// number first, two ids rarely need memcmp.
std::vector<std::uint32_t> idOrder(const Workflow &workflow)
{
    struct Key
    {
        std::uint64_t prefix; // the first eight bytes, big-endian, zero-padded
        std::uint32_t index;
    };
    const std::vector<Node> &nodes = workflow.nodes;
    std::vector<Key> keys(nodes.size());
    for (std::size_t k = 0; k < nodes.size(); ++k) {
        std::uint64_t p = 0;
        const std::string &id = nodes[k].id;
        for (std::size_t b = 0; b < 8; ++b)
            p = (p << 8) | (b < id.size() ? static_cast<unsigned char>(id[b]) : 0u);
        keys[k] = {p, std::uint32_t(k)};
    }
    std::sort(keys.begin(), keys.end(), [&nodes](const Key &a, const Key &b) {
        if (a.prefix != b.prefix)
            return a.prefix < b.prefix;
        return std::string_view(nodes[a.index].id) < std::string_view(nodes[b.index].id);
    });
    std::vector<std::uint32_t> order(keys.size());
    for (std::size_t k = 0; k < keys.size(); ++k)
        order[k] = keys[k].index;
    return order;
}

// A workflow this large has its id order sorted on a thread of its own
// while it runs, instead of after its last node (10 ms for 100,000 nodes,
// all of it on the way to the run's end).
constexpr std::size_t kOrderAhead = 5000;

class HistorySink final : public EventSink
{
public:
    HistorySink(StateStore::Impl &store, std::string options, const IncrementalSession *session,
                int keep)
        : m_store(store), m_options(std::move(options)), m_session(session), m_keep(keep),
          m_started(std::chrono::duration<double>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count())
    {}

    void runStarted(const RunStarted &e) override
    {
        std::lock_guard lock(m_mutex);
        m_workflow = e.workflow;
        m_units.clear();
        if (e.workflow && e.workflow->nodes.size() >= kOrderAhead)
            m_order = std::async(std::launch::async, [w = e.workflow] { return idOrder(*w); });
        // One row per node at least: grown once, not by doubling (a copy
        // and fresh pages each time, on the thread that delivers events).
        if (e.workflow)
            m_units.reserve(e.workflow->nodes.size());
    }

    void burstBegins() override { m_mutex.lock(); }
    void burstEnds() override { m_mutex.unlock(); }

    void nodeFinished(const NodeFinished &e) override
    {
        Row row{e.node, e.instance, e.outcome, e.attempts, e.start, e.duration, e.exitCode,
                e.signal, e.cached, e.cpu, e.queued};
        std::lock_guard lock(m_mutex);
        m_units.push_back(std::move(row));
    }

    void runFinished(const RunFinished &e) override
    {
        std::lock_guard lock(m_mutex);
        if (!m_workflow)
            return;
        try {
            write(e);
        } catch (const DatabaseError &) {
            // The history is a record, not the run: a run is never failed for it.
        }
    }

private:
    struct Row
    {
        NodeIndex node;
        int instance;
        NodeState outcome;
        int attempts;
        double start;
        double duration;
        std::optional<int> exitCode;
        std::string signal;
        bool cached;
        double cpu;
        double queued;
    };

    bool aggregate(const Row &r) const
    {
        return r.instance == kNoInstance && m_workflow->nodes[r.node].foreach.has_value();
    }

    void write(const RunFinished &e)
    {
        std::size_t ran = 0, cached = 0, failed = 0;
        for (const Row &r : m_units) {
            if (aggregate(r))
                continue;
            ran += r.attempts > 0 ? 1 : 0;
            cached += r.cached ? 1 : 0;
            failed += r.outcome == NodeState::Failed ? 1 : 0;
        }
        // Rows go in in key order (unit name within the run): appends to the
        // B-tree instead of inserts all over a subtree larger than the cache.
        // A node's row is named by its id, in place, and comes in the id
        // order; only instances (and a second row of one node, which no run
        // sends) need a name of their own, and are merged in by it.
        const std::vector<std::uint32_t> order
            = m_order.valid() ? m_order.get() : idOrder(*m_workflow);
        std::vector<const Row *> nodeRow(m_workflow->nodes.size(), nullptr);
        std::deque<std::string> instanceNames;
        std::vector<std::pair<std::string_view, const Row *>> others;
        for (const Row &r : m_units) {
            const std::string &id = m_workflow->nodes[r.node].id;
            if (r.instance < 0 && !nodeRow[r.node])
                nodeRow[r.node] = &r;
            else if (r.instance < 0)
                others.emplace_back(id, &r);
            else
                others.emplace_back(
                    instanceNames.emplace_back(id + "[" + std::to_string(r.instance) + "]"), &r);
        }
        std::stable_sort(others.begin(), others.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        std::vector<std::pair<std::string_view, const Row *>> named;
        named.reserve(m_units.size());
        auto other = others.begin();
        for (const std::uint32_t node : order) {
            const Row *row = nodeRow[node];
            if (!row)
                continue;
            const std::string_view id = m_workflow->nodes[node].id;
            for (; other != others.end() && other->first < id; ++other)
                named.push_back(*other);
            named.emplace_back(id, row);
        }
        named.insert(named.end(), other, others.end());
        std::string path;
        for (NodeIndex n : e.criticalPath)
            path += (path.empty() ? "" : "\n") + m_workflow->nodes[n].id;

        // Why each unit ran, asked of the session before the store is
        // locked: the session takes its own lock, and its commit takes the
        // store's under it, so asking under the store's lock was a lock-order
        // inversion (ThreadSanitizer, on every run).
        std::vector<std::string> whys(named.size());
        for (std::size_t k = 0; m_session && k < named.size(); ++k) {
            if (!named[k].second->cached)
                whys[k] = m_session->why(named[k].second->node, named[k].second->instance);
        }
        std::lock_guard lock(m_store.mutex);
        Transaction t(m_store.db);
        Statement run(m_store.db,
                      "INSERT INTO runs(workflow, started, options, outcome, wall, work, nodes, ran, "
                      "cached, failed, critical_path, critical_path_duration) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
        run.bind(1, m_store.workflow).bind(2, m_started).bind(3, m_options);
        run.bind(4, toString(e.outcome)).bind(5, e.wall).bind(6, e.work);
        run.bind(7, std::int64_t(m_workflow->nodes.size())).bind(8, std::int64_t(ran));
        run.bind(9, std::int64_t(cached)).bind(10, std::int64_t(failed));
        run.bind(11, path).bind(12, e.criticalPathDuration);
        run.run();
        const std::int64_t id = sqlite3_last_insert_rowid(m_store.db);

        // Up-to-date units with nothing else to say are names only (run_cached);
        // every other unit is packed into one value (run_packed, PackedUnits.h).
        std::string cachedNames;
        std::string packedUnits;
        packedUnits.reserve(named.size() * 24);
        for (std::size_t k = 0; k < named.size(); ++k) {
            const auto &[name, row] = named[k];
            if (k + 8 < named.size()) // in name order, the rows are all over the heap
                __builtin_prefetch(named[k + 8].second);
            const Row &r = *row;
            if (r.cached && r.outcome == NodeState::Succeeded && r.attempts == 0 && r.start < 0
                && r.duration == 0 && !r.exitCode && r.signal.empty() && r.cpu < 0
                && r.queued <= 0
                && name.find('\0') == std::string::npos) {
                cachedNames += name;
                cachedNames += '\0';
                continue;
            }
            PackedUnit u;
            u.unit = name;
            u.outcome = toString(r.outcome);
            u.cached = r.cached;
            u.attempts = std::max(r.attempts, 0);
            u.durationUs = std::int64_t(r.duration * 1e6);
            u.hasStart = r.start >= 0;
            u.startUs = u.hasStart ? std::int64_t(r.start * 1e6) : 0;
            u.hasExitCode = r.exitCode.has_value();
            u.exitCode = r.exitCode.value_or(0);
            u.signal = r.signal;
            u.why = whys[k];
            u.hasCpu = r.cpu >= 0;
            u.cpuUs = u.hasCpu ? std::int64_t(r.cpu * 1e6) : 0;
            u.hasQueued = r.queued > 0;
            u.queuedUs = u.hasQueued ? std::int64_t(r.queued * 1e6) : 0;
            appendPackedUnit(packedUnits, u);
        }
        if (!packedUnits.empty()) {
            Statement packed(m_store.db, "INSERT INTO run_packed(run, units) VALUES(?1, ?2)");
            packed.bind(1, id).bindStaticBlob(2, packedUnits);
            packed.run();
        }
        if (!cachedNames.empty()) {
            Statement cached(m_store.db, "INSERT INTO run_cached(run, units) VALUES(?1, ?2)");
            cached.bind(1, id).bindStaticBlob(2, cachedNames);
            cached.run();
        }
        if (m_keep > 0) {
            Statement old(m_store.db, "SELECT id FROM runs WHERE workflow = ?1 ORDER BY id DESC "
                                      "LIMIT -1 OFFSET ?2");
            old.bind(1, m_store.workflow).bind(2, std::int64_t(m_keep));
            std::vector<std::int64_t> ids;
            while (old.step())
                ids.push_back(old.integer(0));
            Statement dropUnits(m_store.db, "DELETE FROM run_units WHERE run = ?1");
            Statement dropRun(m_store.db, "DELETE FROM runs WHERE id = ?1");
            Statement dropCached(m_store.db, "DELETE FROM run_cached WHERE run = ?1");
            Statement dropPacked(m_store.db, "DELETE FROM run_packed WHERE run = ?1");
            for (std::int64_t gone : ids) {
                dropUnits.bind(1, gone).run();
                dropCached.bind(1, gone).run();
                dropPacked.bind(1, gone).run();
                dropRun.bind(1, gone).run();
            }
        }
        t.commit();
    }

    StateStore::Impl &m_store;
    std::string m_options;
    const IncrementalSession *m_session;
    int m_keep;
    double m_started;
    std::recursive_mutex m_mutex; // held for a burst of events: see burstBegins()
    const Workflow *m_workflow = nullptr;
    std::vector<Row> m_units;
    std::future<std::vector<std::uint32_t>> m_order; // idOrder(), sorting ahead
};

} // namespace

std::unique_ptr<EventSink> StateStore::historySink(std::string options,
                                                   const IncrementalSession *session, int keep)
{
    return std::make_unique<HistorySink>(*d, std::move(options), session, keep);
}

} // namespace weft
