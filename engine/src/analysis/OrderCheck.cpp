// SPDX-License-Identifier: Apache-2.0
#include "weft/OrderCheck.h"

#include "weft/CompiledWorkflow.h"
#include "weft/Concurrency.h"
#include "weft/Events.h"
#include "weft/Executor.h"
#include "weft/Lint.h"
#include "weft/Workflow.h"

#include "state/Fingerprint.h"

#include <map>
#include <mutex>
#include <set>

namespace weft {

namespace {

// What one run tells about each node: how it ended, and when it ran.
class RecordingSink final : public EventSink
{
public:
    explicit RecordingSink(std::size_t nodes) : m_outcome(nodes), m_start(nodes, -1), m_end(nodes, -1) {}

    void nodeFinished(const NodeFinished &e) override
    {
        if (e.instance != kNoInstance || e.node >= m_outcome.size())
            return;
        std::lock_guard lock(m_mutex);
        m_outcome[e.node] = e.outcome;
        m_start[e.node] = e.start;
        m_end[e.node] = e.start >= 0 ? e.start + e.duration : -1;
    }
    void runFinished(const RunFinished &e) override
    {
        std::lock_guard lock(m_mutex);
        m_errors = e.errors;
    }

    std::vector<NodeState> m_outcome;
    std::vector<double> m_start;
    std::vector<double> m_end;
    std::vector<std::string> m_errors;

private:
    std::mutex m_mutex;
};

// The declared outputs that name one file as written: what is removed before
// a run and hashed after it.
std::vector<std::vector<std::pair<std::string, std::filesystem::path>>>
plainOutputs(const Workflow &workflow, const std::filesystem::path &base)
{
    std::vector<std::vector<std::pair<std::string, std::filesystem::path>>> out(workflow.nodes.size());
    for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
        const Node &node = workflow.nodes[i];
        if (node.foreach)
            continue;
        for (const auto &[name, value] : node.outputs) {
            for (const std::string &item : value.items) {
                if (item.find_first_of("$*?[") != std::string::npos)
                    continue;
                const std::filesystem::path p(item);
                out[i].emplace_back(item, p.is_absolute() ? p : base / p);
            }
        }
    }
    return out;
}

std::string stateName(NodeState state)
{
    return std::string(toString(state));
}

} // namespace

OrderCheckReport checkOrders(const std::shared_ptr<const CompiledWorkflow> &compiled,
                             const OrderCheckOptions &options)
{
    OrderCheckReport report;
    const Workflow &workflow = compiled->workflow();
    const std::size_t n = workflow.nodes.size();
    const auto outputs = plainOutputs(workflow, options.baseDirectory);

    // Per run: each node's result signature and its start and end.
    std::vector<std::vector<std::string>> results;
    std::vector<std::vector<double>> starts;
    std::vector<std::vector<double>> ends;
    for (int r = 0; r < options.orders; ++r) {
        const std::uint64_t seed = options.firstSeed + std::uint64_t(r);
        report.seeds.push_back(seed);
        for (const auto &files : outputs) {
            for (const auto &[written, path] : files) {
                std::error_code ec;
                std::filesystem::remove(path, ec);
            }
        }
        RunOptions run;
        run.jobs = options.jobs;
        run.shuffle = seed;
        run.failure = FailurePolicy::KeepGoing;
        run.baseDirectory = options.baseDirectory;
        RecordingSink sink(n);
        Executor executor(run);
        executor.run(compiled, sink);
        for (const std::string &e : sink.m_errors)
            report.errors.push_back("seed " + std::to_string(seed) + ": " + e);
        std::vector<std::string> signature(n);
        for (std::size_t i = 0; i < n; ++i) {
            signature[i] = stateName(sink.m_outcome[i]);
            for (const auto &[written, path] : outputs[i]) {
                state::Digest digest;
                signature[i] += " " + written + "="
                                + (state::sha256File(path, digest) ? state::hex(digest).substr(0, 8) : "missing");
            }
        }
        results.push_back(std::move(signature));
        starts.push_back(std::move(sink.m_start));
        ends.push_back(std::move(sink.m_end));
        if (options.onRun)
            options.onRun(r, seed);
    }

    const ConcurrencyGraph graph(workflow);
    // What the linter already knows about pairs: a suspect with a finding
    // about the same two nodes comes first, and its fix is the linter's.
    std::map<std::pair<std::string, std::string>, std::string> lintFix;
    for (const LintFinding &f : lintWorkflow(workflow, &compiled->registry())) {
        if (!f.other.empty()) {
            lintFix.emplace(std::make_pair(f.node, f.other), f.fix);
            lintFix.emplace(std::make_pair(f.other, f.node), f.fix);
        }
    }
    const std::size_t runs = results.size();
    for (std::size_t i = 0; i < n; ++i) {
        std::set<std::string> distinct;
        for (std::size_t r = 0; r < runs; ++r)
            distinct.insert(results[r][i]);
        if (distinct.size() < 2)
            continue;
        OrderDependence dep;
        dep.node = workflow.nodes[i].id;
        for (std::size_t r = 0; r < runs; ++r)
            dep.results.push_back(results[r][i]);
        // A suspect: a node that may run beside this one and whose finishing
        // before it started is true exactly in the runs of some results.
        const std::vector<char> beside = graph.mayRunBeside(std::uint32_t(i));
        std::string best;
        bool bestHasLint = false;
        for (std::size_t m = 0; m < n; ++m) {
            if (!beside[m])
                continue;
            std::map<std::string, int> before; // result -> 1 before, 0 not, -1 mixed
            std::set<int> seen;
            bool consistent = true;
            for (std::size_t r = 0; r < runs && consistent; ++r) {
                const int b = ends[r][m] >= 0 && starts[r][i] >= 0 && ends[r][m] <= starts[r][i] ? 1 : 0;
                auto [it, inserted] = before.emplace(results[r][i], b);
                if (!inserted && it->second != b)
                    consistent = false;
                seen.insert(b);
            }
            if (!consistent || seen.size() < 2)
                continue;
            const bool hasLint = lintFix.contains({dep.node, workflow.nodes[m].id});
            if (best.empty() || (hasLint && !bestHasLint)) {
                best = workflow.nodes[m].id;
                bestHasLint = hasLint;
            }
        }
        dep.suspect = best;
        if (!best.empty()) {
            const auto it = lintFix.find({dep.node, best});
            dep.fix = it != lintFix.end() ? it->second
                                          : "add `needs: [" + best + "]` to " + dep.node
                                                + " (or the reverse, if " + dep.node + " must come first)";
        }
        report.dependent.push_back(std::move(dep));
    }
    return report;
}

} // namespace weft
