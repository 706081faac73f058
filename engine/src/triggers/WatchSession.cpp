// SPDX-License-Identifier: Apache-2.0
// Watch mode: subscriptions for the whole session (watch nodes, timers,
// declared inputs) collect causes; a round takes every cause that came
// before it started, the next round the ones that came during it.

#include "weft/WatchSession.h"

#include "weft/CompiledWorkflow.h"
#include "weft/Workflow.h"

#include "triggers/FileWatcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>

namespace weft {

namespace fs = std::filesystem;

namespace {

std::string absolutePattern(const fs::path &base, const std::string &text)
{
    const fs::path p = text;
    std::string out = (p.is_absolute() ? p : base / p).lexically_normal().string();
    if (!text.empty() && text.back() == '/' && out.back() != '/')
        out += '/';
    return out;
}

std::string shown(const fs::path &base, const std::string &path)
{
    const fs::path relative = fs::path(path).lexically_relative(base);
    const std::string text = relative.string();
    return relative.empty() || text.rfind("..", 0) == 0 ? path : text;
}

// A declared output with references (out/${item.stem}.o) as a glob
// (out/*.o): what the workflow writes itself is not an input change.
void addOutputPatterns(const fs::path &base, const NamedValues &values, std::vector<std::string> &out)
{
    for (const auto &[name, value] : values) {
        for (const std::string &written : value.items) {
            std::string item;
            for (std::size_t k = 0; k < written.size();) {
                if (written.compare(k, 2, "${") == 0) {
                    const std::size_t close = written.find('}', k);
                    item += '*';
                    k = close == std::string::npos ? written.size() : close + 1;
                } else {
                    item += written[k++];
                }
            }
            if (!item.empty() && item != "*")
                out.push_back(absolutePattern(base, item));
        }
    }
}

void addPatterns(const fs::path &base, const NamedValues &values, std::vector<std::string> &out)
{
    for (const auto &[name, value] : values) {
        for (const std::string &item : value.items) {
            if (item.empty() || item.find("${") != std::string::npos)
                continue; // known only when the run expands it
            out.push_back(absolutePattern(base, item));
        }
    }
}

// What a changed path looked like: equal signatures, the same version.
WatchSession::FileSignature signatureOf(const std::string &path)
{
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0)
        return {};
    return {true, std::uint64_t(st.st_ino), std::int64_t(st.st_size),
            std::int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

} // namespace

WatchSession::WatchSession(std::shared_ptr<const CompiledWorkflow> workflow, WatchOptions options,
                           EventSink &sink)
    : m_workflow(std::move(workflow))
    , m_options(std::move(options))
    , m_sink(sink)
    , m_t0(std::chrono::steady_clock::now())
{
    if (m_options.run.baseDirectory.empty()) {
        std::error_code ec;
        m_options.run.baseDirectory = fs::current_path(ec);
    }
}

WatchSession::~WatchSession()
{
    stop();
}

double WatchSession::now() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_t0).count();
}

void WatchSession::stop()
{
    std::lock_guard lock(m_mutex);
    m_stop = std::max(m_stop, 1);
    if (m_executor)
        m_executor->cancel();
    m_wake.notify_all();
}

void WatchSession::kill()
{
    std::lock_guard lock(m_mutex);
    m_stop = 2;
    if (m_executor)
        m_executor->kill();
    m_wake.notify_all();
}

void WatchSession::addCause(const std::string &node, const std::string &cause,
                            std::vector<std::string> changed)
{
    // One save is often heard twice: by a watch node and as a declared
    // input, each after its own debounce. If a round already started with
    // this very version of a file, it is not a change for the next round.
    std::vector<FileSignature> signatures;
    signatures.reserve(changed.size());
    for (const std::string &path : changed)
        signatures.push_back(signatureOf(path));
    std::lock_guard lock(m_mutex);
    if (!changed.empty()) {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < changed.size(); ++i) {
            const auto seen = m_seen.find(changed[i]);
            if (seen != m_seen.end() && seen->second == signatures[i])
                continue;
            if (kept != i)
                changed[kept] = std::move(changed[i]);
            ++kept;
        }
        changed.resize(kept);
        if (changed.empty())
            return;
    }
    TriggerFired &fired = m_pending[node];
    fired.node = node;
    fired.cause = cause;
    fired.changed.insert(fired.changed.end(), std::make_move_iterator(changed.begin()),
                         std::make_move_iterator(changed.end()));
    m_wake.notify_all();
}

void WatchSession::scheduleTimer(std::size_t index)
{
    const double every = m_timers[index].every;
    const FileWatcher::Id id = m_hub.watcher().after(every, [this, index] {
        bool again = false;
        std::string node;
        {
            std::lock_guard lock(m_mutex);
            TimerState &timer = m_timers[index];
            ++timer.fired;
            node = timer.node;
            again = timer.count == 0 || timer.fired < timer.count;
            if (!again)
                --m_live;
        }
        addCause(node, "timer", {});
        if (again)
            scheduleTimer(index);
    });
    std::unique_lock lock(m_mutex);
    if (!m_closing) {
        m_timers[index].source = id; // the previous one has fired: one id per timer, however long it runs
        return;
    }
    lock.unlock();
    m_hub.watcher().remove(id); // the session ended while this timer fired
}

void WatchSession::subscribe()
{
    const Workflow &workflow = m_workflow->workflow();
    const fs::path &base = m_options.run.baseDirectory;
    FileWatcher &files = m_hub.watcher();

    std::vector<std::string> inputs;
    std::vector<std::string> exclude{absolutePattern(base, ".weft/")};
    for (const Node &node : workflow.nodes) {
        addPatterns(base, node.inputs, inputs);
        // A glob fan-out's files are its inputs: a new one is a new instance.
        if (node.foreach && node.foreach->kind == ForEach::Kind::Glob)
            inputs.push_back(absolutePattern(base, node.foreach->text));
        addOutputPatterns(base, node.outputs, exclude);
    }
    for (const Node &node : workflow.nodes) {
        if (node.type == "watch") {
            std::vector<std::string> paths;
            const auto it = node.params.find("paths");
            if (it != node.params.end()) {
                if (it->is_array()) {
                    for (const auto &v : *it)
                        if (v.is_string())
                            paths.push_back(absolutePattern(base, v.get<std::string>()));
                } else if (it->is_string()) {
                    paths.push_back(absolutePattern(base, it->get<std::string>()));
                }
            }
            if (paths.empty())
                continue;
            const std::string id = node.id;
            m_sources.push_back(files.watch(
                paths, node.params.value("debounce", 0.2),
                [this, id, base](std::vector<std::string> changed) {
                    addCause(id, "change", std::move(changed));
                }));
            ++m_live;
        } else if (node.type == "timer") {
            const double every = node.params.value("every", 0.0);
            if (every <= 0)
                continue;
            m_timers.push_back({node.id, every, node.params.value("count", 0), 0});
            ++m_live;
        }
    }
    for (std::size_t k = 0; k < m_timers.size(); ++k)
        scheduleTimer(k);
    if (!inputs.empty()) {
        // Which node a changed input belongs to: the first that declares it.
        std::vector<std::pair<std::string, std::vector<std::string>>> owners;
        for (const Node &node : workflow.nodes) {
            std::vector<std::string> mine;
            addPatterns(base, node.inputs, mine);
            if (node.foreach && node.foreach->kind == ForEach::Kind::Glob)
                mine.push_back(absolutePattern(base, node.foreach->text));
            if (!mine.empty())
                owners.emplace_back(node.id, std::move(mine));
        }
        m_sources.push_back(files.watch(
            inputs, m_options.inputDebounce,
            [this, owners = std::move(owners)](std::vector<std::string> changed) {
                std::map<std::string, std::vector<std::string>> byNode;
                for (std::string &path : changed) {
                    for (const auto &[id, patterns] : owners) {
                        if (std::any_of(patterns.begin(), patterns.end(), [&](const std::string &p) {
                                return FileWatcher::matches(p, path);
                            })) {
                            byNode[id].push_back(std::move(path));
                            break;
                        }
                    }
                }
                for (auto &[id, paths] : byNode)
                    addCause(id, "input", std::move(paths));
            },
            exclude));
        ++m_live;
    }
}

WatchResult WatchSession::run()
{
    WatchResult result;
    const Workflow &workflow = m_workflow->workflow();
    const fs::path base = m_options.run.baseDirectory;
    {
        std::lock_guard lock(m_mutex);
        m_pending[""] = TriggerFired{0, 0, "", "start", {}};
    }
    subscribe();
    if (const std::string error = m_hub.watcher().error(); !error.empty())
        result.errors.push_back(error);

    for (int round = 1;; ++round) {
        std::map<std::string, TriggerFired> causes;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop != 0 || !m_pending.empty() || m_live == 0; });
            if (m_stop != 0 || m_pending.empty())
                break;
            causes.swap(m_pending);
            // Under the lock that took the causes: a word about the same
            // save arriving a moment later finds it seen (addCause).
            for (const auto &[id, fired] : causes)
                for (const std::string &path : fired.changed)
                    m_seen[path] = signatureOf(path);
        }
        m_round.store(round);
        std::map<std::string, std::vector<std::string>> changedByNode;
        for (auto &[id, fired] : causes) {
            std::sort(fired.changed.begin(), fired.changed.end());
            fired.changed.erase(std::unique(fired.changed.begin(), fired.changed.end()),
                                fired.changed.end());
            if (fired.cause == "change")
                changedByNode[id] = fired.changed;
            for (std::string &path : fired.changed)
                path = shown(base, path);
            fired.round = round;
            fired.t = now();
            m_sink.triggerFired(fired);
        }
        m_hub.setRound(std::move(changedByNode));

        RunOptions options = m_options.run;
        options.triggers = &m_hub;
        options.round = round;
        std::vector<EventSink *> sinks{&m_sink};
        if (m_options.beginRound)
            m_options.beginRound(round, options, sinks);
        TeeSink tee(sinks);
        Executor executor(options);
        {
            std::lock_guard lock(m_mutex);
            m_executor = &executor;
            if (m_stop == 1)
                executor.cancel();
            else if (m_stop == 2)
                executor.kill();
        }
        result.last = executor.run(m_workflow, tee);
        {
            std::lock_guard lock(m_mutex);
            m_executor = nullptr;
        }
        m_hub.clearRound();
        result.rounds = round;
        if (result.last.outcome == RunOutcome::Failed)
            ++result.failedRounds;
        if (m_options.endRound)
            m_options.endRound(round, result.last);
        if (m_options.maxRounds > 0 && round >= m_options.maxRounds)
            break;
    }
    (void)workflow;
    {
        std::lock_guard lock(m_mutex);
        result.stopped = m_stop != 0;
    }
    std::vector<std::uint64_t> sources;
    {
        std::lock_guard lock(m_mutex);
        m_closing = true;
        sources.swap(m_sources);
        for (const TimerState &timer : m_timers)
            sources.push_back(timer.source);
    }
    for (std::uint64_t id : sources)
        m_hub.watcher().remove(id);
    return result;
}

} // namespace weft
