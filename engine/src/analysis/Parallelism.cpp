// SPDX-License-Identifier: Apache-2.0
#include "weft/Parallelism.h"

#include "weft/Concurrency.h"
#include "weft/Executor.h"
#include "weft/Operation.h"
#include "weft/Workflow.h"

#include "format/JsonWriter.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <glob.h>
#include <queue>
#include <set>
#include <unordered_map>

namespace weft {

namespace {

constexpr double kHeld = 0.002; // a unit that started this long after it was ready was held

// The value half the list is at or below (the upper of two middles): what a
// fan-out's instances each take of what its measured ones took.
double median(std::vector<double> &list)
{
    std::sort(list.begin(), list.end());
    return list[list.size() / 2];
}

std::string_view nodeOfUnit(std::string_view unit)
{
    return unit.substr(0, unit.find('['));
}

void sortLargestFirst(std::vector<Attribution> &list)
{
    std::stable_sort(list.begin(), list.end(),
                     [](const Attribution &a, const Attribution &b) { return a.seconds > b.seconds; });
}

std::vector<Attribution> toList(const std::map<std::string, double> &charges)
{
    std::vector<Attribution> out;
    for (const auto &[name, seconds] : charges) {
        if (seconds > 1e-9)
            out.push_back({name, seconds});
    }
    sortLargestFirst(out);
    return out;
}

std::string formatSeconds(double s)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", s);
    return text;
}

} // namespace

WhySerial explainRun(const Workflow &workflow, const std::vector<UnitTiming> &timings, int jobs,
                     double wall, const OperationRegistry *registry)
{
    const OperationRegistry &ops = registry ? *registry : OperationRegistry::builtin();
    WhySerial why;
    why.jobs = std::max(1, jobs);
    why.wall = wall;
    const ConcurrencyGraph graph(workflow);
    // Units come mostly in node order (a run lists them so): each is tried
    // at the node after the last one found before the ids are hashed.
    std::unordered_map<std::string_view, std::uint32_t> indexOf;
    std::uint32_t expected = 0;
    auto nodeIndex = [&](std::string_view id) -> std::uint32_t {
        if (expected < workflow.nodes.size() && workflow.nodes[expected].id == id)
            return expected++;
        if (indexOf.empty()) {
            indexOf.reserve(workflow.nodes.size());
            for (std::size_t i = 0; i < workflow.nodes.size(); ++i)
                indexOf.emplace(workflow.nodes[i].id, std::uint32_t(i));
        }
        const auto it = indexOf.find(id);
        if (it == indexOf.end())
            return UINT32_MAX;
        expected = it->second + 1;
        return it->second;
    };

    // The units that held a slot, each with its node; a node's end is its last unit's.
    struct U
    {
        std::uint32_t node;
        const UnitTiming *t;
        double ready = 0;
        std::string label; // why it started late: "pool:NAME", "job slots", ...
        bool readied = false; // its Ready event was seen
        bool started = false;
        // Its End came before its Start: both at one instant (a unit of no
        // measurable length), where ends sort first. It never holds anything.
        bool ended = false;
    };
    std::vector<U> units;
    units.reserve(timings.size());
    std::vector<double> nodeEnd(workflow.nodes.size(), 0);
    for (const UnitTiming &t : timings) {
        const std::uint32_t node = nodeIndex(nodeOfUnit(t.unit));
        if (node == UINT32_MAX || t.start < 0)
            continue;
        nodeEnd[node] = std::max(nodeEnd[node], t.end);
        const bool aggregate = workflow.nodes[node].foreach && t.unit.find('[') == std::string::npos;
        if (!aggregate)
            units.push_back({node, &t, 0, {}, false, false, false});
    }
    for (U &u : units) {
        for (std::uint32_t p : graph.predecessors(u.node))
            u.ready = std::max(u.ready, nodeEnd[p]);
        u.ready = std::min(u.ready, u.t->start);
        why.work += u.t->end - u.t->start - u.t->queued;
        why.slurmQueue += u.t->queued;
    }
    why.lost = std::max(0.0, why.jobs * wall - why.work);

    // The critical path, backwards from the node that ended last through
    // the need that ended last: what "waiting on needs" is named after.
    std::vector<std::uint32_t> next(workflow.nodes.size(), UINT32_MAX);
    {
        std::uint32_t last = UINT32_MAX;
        for (std::uint32_t i = 0; i < workflow.nodes.size(); ++i) {
            if (last == UINT32_MAX || nodeEnd[i] > nodeEnd[last])
                last = i;
        }
        for (std::uint32_t v = last; v != UINT32_MAX;) {
            std::uint32_t best = UINT32_MAX;
            for (std::uint32_t p : graph.predecessors(v)) {
                if (best == UINT32_MAX || nodeEnd[p] > nodeEnd[best])
                    best = p;
            }
            if (best != UINT32_MAX)
                next[best] = v;
            v = best;
        }
    }
    auto waitedOn = [&](const U &u) {
        const std::string &id = workflow.nodes[u.node].id;
        return next[u.node] != UINT32_MAX ? id + " -> " + workflow.nodes[next[u.node]].id : u.t->unit;
    };
    // What a unit waited on is the same at every instant: named once per
    // unit, summed by number (in the order the map of names summed them).
    std::vector<std::uint32_t> waitedOnIndex(units.size(), UINT32_MAX);
    std::unordered_map<std::string, std::uint32_t> waitedOnNames;
    std::vector<std::pair<const std::string *, double>> needs; // name -> slot-seconds
    auto needsOf = [&](std::size_t k) -> double & {
        std::uint32_t &index = waitedOnIndex[k];
        if (index == UINT32_MAX) {
            const auto [at, added] = waitedOnNames.try_emplace(waitedOn(units[k]), std::uint32_t(needs.size()));
            if (added)
                needs.emplace_back(&at->first, 0.0);
            index = at->second;
        }
        return needs[index].second;
    };

    // At one instant: ends free what they held, starts take it, and only
    // then is a unit that became ready asked what holds it.
    enum Kind { End = 0, Start = 1, Ready = 2 };
    struct Event
    {
        double t;
        Kind kind;
        std::size_t unit;
    };
    std::vector<Event> events;
    events.reserve(units.size() * 3);
    for (std::size_t k = 0; k < units.size(); ++k) {
        events.push_back({units[k].ready, Ready, k});
        events.push_back({units[k].t->start, Start, k});
        events.push_back({units[k].t->end, End, k});
    }
    std::sort(events.begin(), events.end(), [](const Event &a, const Event &b) {
        return a.t != b.t ? a.t < b.t : a.kind < b.kind;
    });

    // What can hold a unit: every slot taken, a pool without the units it
    // asks for, its non-reentrant type busy. For each, how long it has held
    // so far (an accumulator): a unit's label is the one that grew most
    // between its becoming ready and its start, so the answer does not hang
    // on which of two events a microsecond apart came first.
    std::map<std::pair<std::string, std::int64_t>, double> poolFullFor; // (pool, amount) -> seconds
    std::map<std::string, double> typeBusyFor;
    double slotsFullFor = 0;
    for (const U &u : units) {
        const Node &node = workflow.nodes[u.node];
        for (const auto &[pool, amount] : node.resources)
            poolFullFor.emplace(std::make_pair(pool, amount), 0.0);
        const OperationType *type = ops.find(node.type);
        if (type && !type->semantics.reentrant)
            typeBusyFor.emplace(node.type, 0.0);
    }
    struct Snapshot
    {
        double slots = 0;
        std::vector<double> pools; // in node.resources order
        double type = 0;
    };
    std::vector<Snapshot> atReady(units.size());

    int running = 0;
    std::map<std::string, int> runningLabels;   // labelled running units
    // Running units that started on time, in ascending order (as a set
    // would keep them); at most `jobs` of them, so a sorted vector.
    std::vector<std::size_t> unlabelled;
    std::set<std::size_t> constrained;          // waiting units with pools or an exclusive type
    int plainWaiting = 0;                       // waiting units without
    std::map<std::string, std::int64_t> poolUse;
    std::map<std::string, int> typeRunning;
    std::map<std::string, double> charge;       // label -> slot-seconds
    double previous = 0;
    auto poolFull = [&](const std::string &pool, std::int64_t amount) {
        const auto size = workflow.settings.pools.find(pool);
        return size != workflow.settings.pools.end() && poolUse[pool] + amount > size->second;
    };
    auto isExclusive = [&](const Node &node) { return typeBusyFor.contains(node.type); };
    // What holds waiting unit `u` now, given that a slot is free.
    auto blocker = [&](const U &u) -> std::string {
        const Node &node = workflow.nodes[u.node];
        for (const auto &[pool, amount] : node.resources) {
            if (poolFull(pool, amount))
                return "pool:" + pool;
        }
        if (isExclusive(node) && typeRunning[node.type] > 0)
            return "pool:non-reentrant " + node.type;
        return "dispatch";
    };
    auto chargeInterval = [&](double until) {
        const double dt = until - previous;
        if (dt <= 0)
            return;
        if (running >= why.jobs)
            slotsFullFor += dt;
        for (auto &[key, seconds] : poolFullFor) {
            if (poolFull(key.first, key.second))
                seconds += dt;
        }
        for (auto &[type, seconds] : typeBusyFor) {
            if (typeRunning[type] > 0)
                seconds += dt;
        }
        const int idle = why.jobs - running;
        if (idle <= 0)
            return;
        const int waiting = plainWaiting + int(constrained.size());
        const int held = std::min(idle, waiting);
        if (held > 0) {
            const double each = dt * held / waiting;
            charge["dispatch"] += each * plainWaiting;
            for (std::size_t k : constrained)
                charge[blocker(units[k])] += each;
        }
        const int rest = idle - held;
        if (rest <= 0)
            return;
        if (running == 0) {
            why.gaps += dt * rest;
            return;
        }
        for (const auto &[label, count] : runningLabels)
            charge[label] += dt * rest * double(count) / running;
        for (std::size_t k : unlabelled)
            needsOf(k) += dt * rest / running;
    };
    for (const Event &e : events) {
        chargeInterval(std::min(e.t, wall));
        previous = std::max(previous, std::min(e.t, wall));
        U &u = units[e.unit];
        const Node &node = workflow.nodes[u.node];
        const bool isConstrained = !node.resources.empty() || isExclusive(node);
        switch (e.kind) {
        case Ready: {
            if (u.started)
                break; // started the instant it became ready
            u.readied = true;
            Snapshot &snap = atReady[e.unit];
            snap.slots = slotsFullFor;
            for (const auto &[pool, amount] : node.resources)
                snap.pools.push_back(poolFullFor[{pool, amount}]);
            if (isExclusive(node))
                snap.type = typeBusyFor[node.type];
            if (isConstrained)
                constrained.insert(e.unit);
            else
                ++plainWaiting;
            break;
        }
        case Start: {
            u.started = true;
            if (u.readied) {
                if (isConstrained)
                    constrained.erase(e.unit);
                else
                    --plainWaiting;
                // The label: whatever held it longest while it waited.
                const Snapshot &snap = atReady[e.unit];
                double longest = kHeld;
                if (slotsFullFor - snap.slots > longest) {
                    longest = slotsFullFor - snap.slots;
                    u.label = "job slots";
                }
                std::size_t k = 0;
                for (const auto &[pool, amount] : node.resources) {
                    const double held = poolFullFor[{pool, amount}] - snap.pools[k++];
                    if (held > longest) {
                        longest = held;
                        u.label = "pool:" + pool;
                    }
                }
                if (isExclusive(node) && typeBusyFor[node.type] - snap.type > longest)
                    u.label = "pool:non-reentrant " + node.type;
            }
            if (u.label.empty() && u.t->attempts > 1)
                u.label = "retries";
            if (u.ended)
                break; // counted as running, it would never stop
            ++running;
            if (u.label.empty()) {
                const auto at = std::lower_bound(unlabelled.begin(), unlabelled.end(), e.unit);
                if (at == unlabelled.end() || *at != e.unit)
                    unlabelled.insert(at, e.unit);
            }
            else
                ++runningLabels[u.label];
            for (const auto &[pool, amount] : node.resources)
                poolUse[pool] += amount;
            if (isExclusive(node))
                ++typeRunning[node.type];
            break;
        }
        case End:
            if (!u.started) {
                u.ended = true; // its Start follows at this same instant
                break;
            }
            --running;
            if (u.label.empty()) {
                const auto at = std::lower_bound(unlabelled.begin(), unlabelled.end(), e.unit);
                if (at != unlabelled.end() && *at == e.unit)
                    unlabelled.erase(at);
            }
            else if (--runningLabels[u.label] == 0)
                runningLabels.erase(u.label);
            for (const auto &[pool, amount] : node.resources)
                poolUse[pool] -= amount;
            if (isExclusive(node))
                --typeRunning[node.type];
            break;
        }
    }
    chargeInterval(wall);

    std::map<std::string, double> pools;
    for (const auto &[label, seconds] : charge) {
        if (label.starts_with("pool:"))
            pools[label.substr(5)] += seconds;
        else if (label == "retries")
            why.retries += seconds;
        else if (label == "dispatch")
            why.gaps += seconds; // ready, not started yet, nothing holding it
        else
            why.jobSlots += seconds;
    }
    why.byPool = toList(pools);
    for (const Attribution &a : why.byPool)
        why.pools += a.seconds;
    std::map<std::string, double> byEdge; // edge or node -> slot-seconds
    for (const auto &[name, seconds] : needs)
        byEdge.emplace(*name, seconds);
    why.edges = toList(byEdge);
    for (const Attribution &a : why.edges)
        why.needs += a.seconds;
    return why;
}

std::string toJson(const WhySerial &why)
{
    auto round = [](double s) { return std::round(s * 1e6) / 1e6; };
    std::string out;
    json::ObjectWriter w(out);
    w.integer("jobs", why.jobs).number("lost", round(why.lost));
    w.number("needs", round(why.needs));
    {
        // The ten largest, then the rest as one entry: a line, not a dump.
        json::ArrayWriter edges = w.array("edges");
        double rest = 0;
        for (std::size_t k = 0; k < why.edges.size(); ++k) {
            if (k >= 10) {
                rest += why.edges[k].seconds;
                continue;
            }
            json::ObjectWriter o = edges.object();
            o.string("name", why.edges[k].name).number("seconds", round(why.edges[k].seconds));
            o.close();
        }
        if (why.edges.size() > 10) {
            json::ObjectWriter o = edges.object();
            o.string("name", std::to_string(why.edges.size() - 10) + " more").number("seconds", round(rest));
            o.close();
        }
        edges.close();
    }
    w.number("pools_total", round(why.pools));
    {
        json::ObjectWriter pools = w.object("pools");
        for (const Attribution &a : why.byPool)
            pools.number(a.name, round(a.seconds));
        pools.close();
    }
    w.number("job_slots", round(why.jobSlots)).number("retries", round(why.retries));
    w.number("slurm_queue", round(why.slurmQueue)).number("gaps", round(why.gaps));
    w.close();
    return out;
}

std::string describe(const WhySerial &why)
{
    std::string out;
    out += "wall " + formatSeconds(why.wall) + " s x " + std::to_string(why.jobs) + " jobs - work "
           + formatSeconds(why.work) + " s = " + formatSeconds(why.lost) + " slot-seconds unused\n";
    auto line = [&](const std::string &what, double s) {
        const double share = why.lost > 0 ? 100 * s / why.lost : 0;
        char pct[16];
        std::snprintf(pct, sizeof pct, "%5.1f%%", share);
        out += "  " + formatSeconds(s) + " s  " + pct + "  " + what + "\n";
    };
    line("waiting on needs", why.needs);
    for (std::size_t k = 0; k < why.edges.size() && k < 10; ++k)
        line("    " + why.edges[k].name, why.edges[k].seconds);
    line("waiting on pools", why.pools);
    for (const Attribution &a : why.byPool)
        line("    pool " + a.name, a.seconds);
    line("waiting on job slots", why.jobSlots);
    line("retries", why.retries);
    line("Slurm queue", why.slurmQueue);
    line("scheduling gaps (start-up, dispatch)", why.gaps);
    return out;
}

double fallbackSeconds(const Workflow &workflow, std::size_t i, const PredictInput &input)
{
    const Node &node = workflow.nodes[i];
    if (node.type == "sleep" || node.type == "cpu") {
        const auto it = node.params.find("seconds");
        if (it != node.params.end() && it->is_number())
            return it->get<double>();
    }
    if (node.type == "noop")
        return 0;
    if (node.type == "write" || node.type == "copy" || node.type == "hash")
        return 0.001;
    double sum = 0;
    int count = 0;
    for (const Node &other : workflow.nodes) {
        if (other.type != node.type)
            continue;
        const auto it = input.durations.find(other.id);
        if (it != input.durations.end()) {
            sum += it->second;
            ++count;
        }
    }
    return count > 0 ? sum / count : 1.0;
}

Prediction predictRun(const Workflow &workflow, const PredictInput &input,
                      const OperationRegistry *registry)
{
    const OperationRegistry &ops = registry ? *registry : OperationRegistry::builtin();
    const ConcurrencyGraph graph(workflow);
    const std::size_t n = workflow.nodes.size();
    const int jobs = std::max(1, input.jobs);
    const int threads = input.threads > 0 ? input.threads : std::min(jobs, defaultConcurrency());
    Prediction prediction;

    const int cores = input.cores > 0 ? input.cores : defaultConcurrency();
    const double shared = input.capacity > 0 ? std::min(input.capacity, double(cores)) : double(cores);
    struct SimUnit
    {
        std::uint32_t node;
        double seconds;
        bool thread; // in-process: needs one of the run's threads
        bool exclusive;
        double cpu = -1; // >= 0: `cpu` seconds sharing the cores, then seconds - cpu off them
    };
    std::vector<SimUnit> units;
    std::vector<std::vector<std::size_t>> unitsOf(n);
    std::set<std::string> estimated;
    for (std::size_t i = 0; i < n; ++i) {
        const Node &node = workflow.nodes[i];
        const OperationType *type = ops.find(node.type);
        const bool thread = type && type->semantics.site == ExecutionSite::WorkerThread;
        const bool exclusive = type && !type->semantics.reentrant;
        auto durationOf = [&](const std::string &name, double otherwise) {
            const auto it = input.durations.find(name);
            if (it != input.durations.end())
                return it->second;
            estimated.insert(node.id);
            return otherwise;
        };
        // A local process's measured CPU and off-CPU seconds, when every
        // run recorded them (PredictInput::cpuWork).
        auto withCpu = [&](SimUnit unit, const CpuWork *work) {
            if (work) {
                unit.cpu = work->cpu;
                unit.seconds = work->cpu + work->offCpu;
            }
            return unit;
        };
        auto cpuWorkOf = [&](const std::string &name) -> const CpuWork * {
            const auto it = input.cpuWork.find(name);
            return it == input.cpuWork.end() ? nullptr : &it->second;
        };
        if (!node.foreach) {
            unitsOf[i].push_back(units.size());
            units.push_back(withCpu({std::uint32_t(i), durationOf(node.id, fallbackSeconds(workflow, i, input)),
                                     thread, exclusive},
                                    cpuWorkOf(node.id)));
            continue;
        }
        // How many instances: the list, the glob now, or as many as last time.
        std::size_t count = 0;
        std::vector<double> measured, cpus, offCpus;
        for (std::size_t k = 0;; ++k) {
            const std::string name = node.id + "[" + std::to_string(k) + "]";
            const auto it = input.durations.find(name);
            if (it == input.durations.end())
                break;
            measured.push_back(it->second);
            if (const CpuWork *work = cpuWorkOf(name)) {
                cpus.push_back(work->cpu);
                offCpus.push_back(work->offCpu);
            }
        }
        const std::size_t measuredCount = measured.size();
        if (node.foreach->kind == ForEach::Kind::List) {
            count = node.foreach->items.size();
        } else if (node.foreach->kind == ForEach::Kind::Glob) {
            glob_t g{};
            const std::string pattern = (input.baseDirectory / node.foreach->text).string();
            if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
                count = g.gl_pathc;
            globfree(&g);
        } else {
            count = measuredCount;
        }
        // Every instance of a fan-out does the same work on another item: each
        // takes the median of the measured ones, which an instance delayed by
        // something else (the first few of a run start late) does not move.
        const double typical = measuredCount ? median(measured) : fallbackSeconds(workflow, i, input);
        if (!measuredCount && count > 0)
            estimated.insert(node.id);
        std::optional<CpuWork> typicalWork; // when every measured instance had one
        if (!cpus.empty() && cpus.size() == measuredCount)
            typicalWork = CpuWork{median(cpus), median(offCpus)};
        for (std::size_t k = 0; k < count; ++k) {
            unitsOf[i].push_back(units.size());
            units.push_back(withCpu({std::uint32_t(i), typical, thread, exclusive},
                                    typicalWork ? &*typicalWork : nullptr));
        }
    }
    prediction.units = units.size();
    prediction.estimated.assign(estimated.begin(), estimated.end());

    // The scheduler: FIFO admission over job slots, pools and exclusive
    // types (Admission), then a thread for in-process work.
    std::vector<int> needsLeft(n);
    std::vector<std::size_t> unitsLeft(n);
    for (std::size_t i = 0; i < n; ++i) {
        needsLeft[i] = int(graph.predecessors(std::uint32_t(i)).size());
        unitsLeft[i] = unitsOf[i].size();
    }
    std::deque<std::size_t> queue;       // ready units, in the order they became ready
    std::deque<std::size_t> threadQueue; // admitted in-process units waiting for a thread
    std::map<std::string, std::int64_t> poolFree = workflow.settings.pools;
    std::set<std::string> busyTypes;
    int freeSlots = jobs;
    int freeThreads = threads;
    using Ending = std::pair<double, std::size_t>;
    std::priority_queue<Ending, std::vector<Ending>, std::greater<>> ends;
    // Units in their CPU part, with the CPU seconds each has left: n of them
    // progress at min(1, capacity / n) each (processor sharing, as the
    // kernel's scheduler shares cores among runnable processes over a
    // compile's length).
    std::vector<std::pair<std::size_t, double>> onCpu;
    double now = 0;

    std::function<void(std::uint32_t)> nodeDone;
    auto nodeReady = [&](std::uint32_t i) {
        if (unitsOf[i].empty()) {
            nodeDone(i);
            return;
        }
        for (std::size_t u : unitsOf[i])
            queue.push_back(u);
    };
    nodeDone = [&](std::uint32_t i) {
        for (std::uint32_t s : graph.successors(i)) {
            if (--needsLeft[s] == 0)
                nodeReady(s);
        }
    };
    auto start = [&](std::size_t u) {
        if (units[u].cpu > 0)
            onCpu.emplace_back(u, units[u].cpu);
        else
            ends.emplace(now + units[u].seconds, u);
        prediction.work += units[u].seconds;
    };
    auto fits = [&](std::size_t u) {
        const Node &node = workflow.nodes[units[u].node];
        if (units[u].exclusive && busyTypes.contains(node.type))
            return false;
        for (const auto &[pool, amount] : node.resources) {
            if (poolFree[pool] < amount)
                return false;
        }
        return true;
    };
    auto grant = [&] {
        for (auto it = queue.begin(); it != queue.end() && freeSlots > 0;) {
            const std::size_t u = *it;
            if (!fits(u)) {
                ++it;
                continue;
            }
            const Node &node = workflow.nodes[units[u].node];
            --freeSlots;
            for (const auto &[pool, amount] : node.resources)
                poolFree[pool] -= amount;
            if (units[u].exclusive)
                busyTypes.insert(node.type);
            it = queue.erase(it);
            // Every start runs on one of the run's threads (a process or a
            // timer is handed to the reactor from a task); only in-process
            // work keeps it. With none free, the start waits for one.
            if (freeThreads > 0) {
                if (units[u].thread)
                    --freeThreads;
                start(u);
            } else {
                threadQueue.push_back(u);
            }
        }
    };

    for (std::uint32_t i = 0; i < n; ++i) {
        if (needsLeft[i] == 0)
            nodeReady(i);
    }
    grant();
    while (!ends.empty() || !onCpu.empty()) {
        // The next moment something changes: a unit ends, or one finishes
        // its CPU part (at the current share), which changes the share.
        const double rate = onCpu.empty() ? 0 : std::min(1.0, shared / double(onCpu.size()));
        double moment = ends.empty() ? std::numeric_limits<double>::infinity() : ends.top().first;
        for (const auto &[u, left] : onCpu)
            moment = std::min(moment, now + left / rate);
        for (auto &entry : onCpu)
            entry.second -= rate * (moment - now);
        now = moment;
        // Done with the CPU: what is left of it is off the CPU.
        std::erase_if(onCpu, [&](const std::pair<std::size_t, double> &entry) {
            if (entry.second > 1e-9)
                return false;
            ends.emplace(now + std::max(0.0, units[entry.first].seconds - units[entry.first].cpu),
                         entry.first);
            return true;
        });
        if (ends.empty() || ends.top().first > now)
            continue;
        // Everything that ends now, then the grants: as a release dispatches waiters.
        while (!ends.empty() && ends.top().first <= now) {
            const std::size_t u = ends.top().second;
            ends.pop();
            const Node &node = workflow.nodes[units[u].node];
            ++freeSlots;
            for (const auto &[pool, amount] : node.resources)
                poolFree[pool] += amount;
            if (units[u].exclusive)
                busyTypes.erase(node.type);
            if (units[u].thread) {
                ++freeThreads;
                // The freed thread starts what waited for one, keeping it
                // only for in-process work.
                while (freeThreads > 0 && !threadQueue.empty()) {
                    const std::size_t next = threadQueue.front();
                    threadQueue.pop_front();
                    if (units[next].thread)
                        --freeThreads;
                    start(next);
                }
            }
            if (--unitsLeft[units[u].node] == 0)
                nodeDone(units[u].node);
        }
        grant();
    }
    prediction.wall = now;
    return prediction;
}

} // namespace weft
