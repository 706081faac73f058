// SPDX-License-Identifier: Apache-2.0
#include "RunState.h"

#include "Commands.h"

#include "weft/Workflow.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <vector>

namespace weft::cli {

namespace {

// --explain for nodes without declared outputs: they are never asked about
// (they always run), so their reason is said when they start.
class AlwaysRunsExplainer final : public EventSink
{
public:
    explicit AlwaysRunsExplainer(std::function<void(const std::string &)> print)
        : m_print(std::move(print))
    {}
    void runStarted(const RunStarted &e) override { m_workflow = e.workflow; }
    void nodeStateChanged(const NodeStateChanged &e) override
    {
        if (e.state != NodeState::Running || e.attempt != 1 || !m_workflow)
            return;
        const Node &node = m_workflow->nodes[e.node];
        if (!node.outputs.empty() || (node.foreach && e.instance == kNoInstance))
            return;
        const std::string name
            = e.instance < 0 ? node.id : node.id + "[" + std::to_string(e.instance) + "]";
        m_print("explain: " + name + ": no declared outputs (always runs)");
    }

private:
    std::function<void(const std::string &)> m_print;
    const Workflow *m_workflow = nullptr;
};

} // namespace

void RunState::preopen(const std::string &file, const StateArgs &args,
                       const std::filesystem::path &base, const std::atomic<bool> &loaded)
{
    if (args.resetState)
        return;
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::path(file).parent_path();
    if (!std::filesystem::is_regular_file((dir.empty() ? "." : dir) / ".weft" / "state.db", ec))
        return; // opening would create it, for a file that may not even load
    std::string error;
    std::unique_ptr<StateStore> store = StateStore::open(file, error);
    int holder = 0;
    if (!store || !store->lockRun(holder, error))
        return; // open() meets it again and says so
    store->preloadRecords(base, &loaded);
    m_store = std::move(store);
}

bool RunState::open(const std::string &file, const StateArgs &args, const Workflow &workflow,
                    const std::filesystem::path &base, std::string options,
                    std::function<void(const std::string &)> print, int &status)
{
    if (m_store)
        return start(args, workflow, base, std::move(options), std::move(print));
    std::string error;
    m_store = StateStore::open(file, error, args.resetState);
    if (!m_store) {
        // A folder nobody may write to (an installed example) still runs,
        // as make does there; a database that is broken or not ours stops
        // the run, so that nothing is trusted or overwritten by mistake.
        const std::filesystem::path dir
            = std::filesystem::absolute(file).parent_path();
        if (::access(dir.c_str(), W_OK) != 0 && errno == EACCES) {
            print("weft-cli: warning: " + error + "; every node runs and the run is not recorded");
            return true;
        }
        printError(error);
        status = ExitUsage;
        return false;
    }
    int holder = 0;
    if (!m_store->lockRun(holder, error)) {
        if (error.empty())
            error = "another run of " + file + " is in progress"
                    + (holder > 0 ? " (pid " + std::to_string(holder) + ")" : std::string())
                    + "; wait for it to finish, or cancel it";
        printError(error);
        m_store.reset();
        status = ExitUsage;
        return false;
    }
    return start(args, workflow, base, std::move(options), std::move(print));
}

bool RunState::start(const StateArgs &args, const Workflow &workflow, const std::filesystem::path &base,
                     std::string options, std::function<void(const std::string &)> print)
{
    StateStore::SessionOptions session;
    session.base = base;
    session.force = args.force;
    if (args.explain) {
        session.explain = [print](const std::string &unit, const std::string &why) {
            print("explain: " + unit + ": " + why);
        };
        m_explainer = std::make_unique<AlwaysRunsExplainer>(print);
    }
    m_sessionOptions = session;
    m_options = options;
    m_keep = workflow.settings.history;
    m_workflow = &workflow;
    m_session = m_store->beginRun(std::move(session));
    m_session->prepare(workflow);
    m_history = m_store->historySink(std::move(options), m_session.get(), workflow.settings.history);
    return true;
}

void RunState::nextRound()
{
    if (!m_store)
        return;
    finish();
    m_history.reset();
    m_session = m_store->beginRun(m_sessionOptions);
    m_session->prepare(*m_workflow);
    m_history = m_store->historySink(m_options, m_session.get(), m_keep);
}

void RunState::releaseAtExit()
{
    finish();
    // Reachable from a static until exit (never destroyed): not a leak to
    // valgrind or LeakSanitizer.
    static auto *const kept = new std::vector<std::pair<std::unique_ptr<IncrementalSession>,
                                                        std::unique_ptr<EventSink>>>();
    kept->emplace_back(std::move(m_session), std::move(m_history));
}

void RunState::close()
{
    m_store.reset();
}

void RunState::finish()
{
    if (m_session)
        m_session->finish();
}

} // namespace weft::cli
