// SPDX-License-Identifier: Apache-2.0
// weft-cli run: load, select targets, then either print the plan (--dry-run)
// or run it with the chosen sinks while a signal thread turns Ctrl-C and
// SIGTERM into Executor::cancel() (a second one into kill()).

#include "AnalysisCommands.h"
#include "Approvals.h"
#include "Commands.h"
#include "LogDirSink.h"
#include "ProcessExit.h"
#include "RunState.h"
#include "Signals.h"
#include "TerminalStatus.h"

#include "weft/CompiledWorkflow.h"
#include "weft/EventRelay.h"
#include "weft/Executor.h"
#include "weft/JsonLinesSink.h"
#include "weft/References.h"
#include "weft/RunReport.h"
#include "weft/SlurmRequest.h"
#include "weft/SpareCore.h"
#include "weft/StatusPrinter.h"
#include "weft/TraceRecorder.h"
#include "weft/Validator.h"
#include "weft/Workflow.h"
#include "weft/WatchSession.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <csignal>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace weft::cli {

namespace {

struct RunArgs {
    std::string file;
    std::vector<std::string> targets;
    int jobs = 0;
    int threads = 0;
    std::optional<std::uint64_t> shuffle;
    bool keepGoing = false;
    bool dryRun = false;
    bool verbose = false;
    bool quiet = false;
    std::string events = "text";
    std::string trace;
    std::string logDir;
    std::string directory;
    std::string launcher;
    StateArgs state;
    bool watch = false;                // --watch: round after round until Ctrl-C
    int maxRounds = 0;                 // --rounds N
    std::vector<std::string> approve;  // --approve ID: gates that pass without asking
};

// Forwards to whichever sink is current: the history sink of this round
// (watch mode begins a new one per round, between runs).
class CurrentSink final : public EventSink
{
public:
    EventSink *target = nullptr;
    void runStarted(const RunStarted &e) override { if (target) target->runStarted(e); }
    void nodeStateChanged(const NodeStateChanged &e) override { if (target) target->nodeStateChanged(e); }
    void output(const OutputChunk &e) override { if (target) target->output(e); }
    void progress(const ProgressUpdate &e) override { if (target) target->progress(e); }
    void attemptFinished(const AttemptFinished &e) override { if (target) target->attemptFinished(e); }
    void nodeFinished(const NodeFinished &e) override { if (target) target->nodeFinished(e); }
    void fanOutResolved(const FanOutResolved &e) override { if (target) target->fanOutResolved(e); }
    void runFinished(const RunFinished &e) override { if (target) target->runFinished(e); }
};

// Watch mode, for people: what started each round.
class RoundPrinter final : public EventSink
{
public:
    explicit RoundPrinter(StatusPrinter &printer) : m_printer(printer) {}
    void triggerFired(const TriggerFired &e) override
    {
        std::string line = "round " + std::to_string(e.round) + ": ";
        if (e.cause == "start")
            line += "start";
        else if (e.cause == "timer")
            line += e.node + " (timer) fired";
        else {
            line += (e.cause == "input" ? "input of " : "") + e.node + ": ";
            for (std::size_t k = 0; k < e.changed.size() && k < 5; ++k)
                line += (k ? ", " : "") + e.changed[k];
            if (e.changed.size() > 5)
                line += " and " + std::to_string(e.changed.size() - 5) + " more";
            line += " changed";
        }
        m_printer.printLine(line);
    }

private:
    StatusPrinter &m_printer;
};

// The options of a run as its history shows them.
std::string describeOptions(const RunArgs &args)
{
    std::string out;
    auto add = [&out](const std::string &word) { out += (out.empty() ? "" : " ") + word; };
    if (args.jobs > 0)
        add("-j " + std::to_string(args.jobs));
    if (args.threads > 0)
        add("--threads " + std::to_string(args.threads));
    if (args.shuffle)
        add("--shuffle " + std::to_string(*args.shuffle));
    if (args.keepGoing)
        add("-k");
    if (args.state.force)
        add("--force");
    if (args.watch)
        add("--watch");
    if (!args.directory.empty())
        add("-C " + args.directory);
    if (!args.launcher.empty())
        add("--launcher " + args.launcher);
    for (const std::string &target : args.targets)
        add(target);
    return out;
}

std::size_t editDistance(std::string_view a, std::string_view b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min(
                { row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1) });
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string nearestId(const Workflow &workflow, const std::string &name)
{
    std::string best;
    std::size_t bestDistance = std::string::npos;
    for (const Node &node : workflow.nodes) {
        const std::size_t distance = editDistance(name, node.id);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = node.id;
        }
    }
    // A suggestion that shares almost nothing with the name only confuses.
    return bestDistance <= std::max<std::size_t>(2, name.size() / 2) ? best : std::string();
}

int effectiveJobs(const RunArgs &args, const Workflow &workflow)
{
    if (args.jobs > 0)
        return args.jobs;
    if (workflow.settings.jobs > 0)
        return workflow.settings.jobs;
    return defaultConcurrency();
}

// argv as a shell would need it typed: words with anything special in single quotes.
std::string shellQuotedLine(const std::vector<std::string> &argv)
{
    std::string line;
    for (const std::string &word : argv) {
        if (!line.empty())
            line += ' ';
        const bool plain = !word.empty()
            && word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_=./:,+%@")
                == std::string::npos;
        if (plain) {
            line += word;
            continue;
        }
        line += '\'';
        for (char c : word)
            line += c == '\'' ? std::string("'\\''") : std::string(1, c);
        line += '\'';
    }
    return line;
}

// --dry-run, text: the sbatch line each Slurm node would be submitted with
// (one job per instance for a fan-out). The job script is the wrapper that
// the launcher writes at run time; what it runs is shown after `#`.
std::string slurmPlanText(const Workflow &workflow, const std::string &launcher)
{
    std::string out;
    for (const Node &node : workflow.nodes) {
        if (node.type != "process" || !runsOnSlurm(workflow, node, launcher))
            continue;
        if (out.empty())
            out = "Slurm jobs (sbatch, one per process node and fan-out instance):\n";
        std::vector<std::string> argv = {"sbatch", "--parsable"};
        for (std::string &option : sbatchOptions(slurmRequestFor(workflow, node)))
            argv.push_back(std::move(option));
        argv.push_back("<job script of " + node.id + ">");
        out += "  " + shellQuotedLine(argv) + "  # " + describeNodeWork(node)
            + (node.foreach ? "  (one job per item)" : "") + "\n";
    }
    return out;
}

std::string planText(
    const Workflow &workflow, const std::vector<std::vector<std::size_t>> &levels, int jobs)
{
    std::string title
        = workflow.name.empty() ? std::string("workflow") : "\"" + workflow.name + "\"";
    std::string out = "dry run of " + title + ": " + std::to_string(workflow.nodes.size())
        + (workflow.nodes.size() == 1 ? " node" : " nodes") + " in " + std::to_string(levels.size())
        + (levels.size() == 1 ? " level" : " levels") + ", up to " + std::to_string(jobs)
        + " at once; nothing is run\n";
    std::size_t width = 0;
    for (const Node &node : workflow.nodes)
        width = std::max(width, node.id.size());
    for (std::size_t level = 0; level < levels.size(); ++level) {
        out += "level " + std::to_string(level + 1) + " (" + std::to_string(levels[level].size())
            + (levels[level].size() == 1 ? " node" : " nodes") + "):\n";
        for (std::size_t index : levels[level]) {
            const Node &node = workflow.nodes[index];
            std::string line = "  " + node.id + std::string(width - node.id.size() + 2, ' ');
            line += "[" + node.type + "]";
            if (const std::string work = describeNodeWork(node); work != node.type)
                line += " " + work;
            if (node.foreach) {
                const ForEach &f = *node.foreach;
                line += f.kind == ForEach::Kind::List
                    ? "  × " + std::to_string(f.items.size())
                    : "  foreach " + f.text;
            }
            if (const std::vector<std::string> needs = allNeeds(node); !needs.empty()) {
                line += "  (after ";
                for (std::size_t i = 0; i < needs.size(); ++i)
                    line += (i ? ", " : "") + needs[i];
                line += ")";
            }
            out += line + "\n";
        }
    }
    return out;
}

// weft-cli run --watch: rounds until Ctrl-C (weft/WatchSession.h). Each
// round is a run of its own in the history.
int watchRounds(const RunArgs &args, std::shared_ptr<const CompiledWorkflow> compiled,
                const RunOptions &options, EventSink &sink, StatusPrinter &printer, RunState &state,
                CurrentSink &history)
{
    WatchOptions watchOptions;
    watchOptions.run = options;
    watchOptions.maxRounds = args.maxRounds;
    watchOptions.beginRound = [&](int round, RunOptions &run, std::vector<EventSink *> &) {
        if (round > 1) {
            state.nextRound();
            history.target = state.history();
        }
        run.incremental = state.check();
    };
    WatchSession session(std::move(compiled), watchOptions, sink);
    for (const std::string &id : args.approve)
        session.triggers().preApprove(id);
    ApprovalPrompter prompter(session.triggers(), ::isatty(0) && ::isatty(2),
                              [&printer](const std::string &line) { printer.printLine(line); });
    SignalWatcher watcher([&](int signal, int count) {
        const char *name = signal == SIGTERM ? "SIGTERM" : "interrupt";
        if (count == 1) {
            printer.printLine(std::string(name) + ": ending the watch session (again to kill at once)");
            session.stop();
        } else {
            printer.printLine(std::string(name) + ": killing every process of the round");
            session.kill();
        }
    });
    const WatchResult result = session.run();
    state.finish();
    for (const std::string &error : result.errors)
        printError(error);
    if (watcher.count() > 0)
        return ExitInterrupted;
    return result.errors.empty() ? exitStatusFor(result.last.outcome) : int(ExitFailed);
}

// The base directory of a run's relative paths, absolute: -C, else the
// workflow file's directory.
std::filesystem::path runBase(const std::string &file, const std::string &directory)
{
    std::error_code ec;
    const std::filesystem::path base
        = directory.empty() ? std::filesystem::path(file).parent_path() : std::filesystem::path(directory);
    return std::filesystem::absolute(base.empty() ? "." : base, ec).lexically_normal();
}

// The state database opened before the command line is parsed: building
// and running CLI11's parser takes 0.8 ms, and the database's opening was
// the longer of the two things a no-op run waits for (with the file's load
// and oneTBB's start). What it opened is used only when the parsed command
// line agrees on the file and directory; otherwise it is joined and closed,
// which gives up the run lock it took.
struct EarlyState
{
    std::string file;
    std::string directory;
    std::filesystem::path base;
    std::atomic<bool> loaded{false};
    RunState state;
    std::optional<HeadStart<void>> opening; // last: joined before the state closes
};

std::unique_ptr<EarlyState> g_early;

// What a `run` command line says of its state, read as CLI11 will read it
// (addRunCommand below), for the common shapes only: anything unusual
// (an option not listed here, combined short flags, "--", --reset-state,
// --dry-run, --help) gives no guess and the run opens its state as before.
std::optional<std::pair<std::string, std::string>> guessRunFile(int argc, char **argv)
{
    auto takesValue = [](std::string_view name) {
        for (std::string_view option : {"-j", "--jobs", "--threads", "--shuffle", "--events", "--trace",
                                        "--log-dir", "-C", "--directory", "--launcher", "--rounds",
                                        "--approve"})
            if (name == option)
                return true;
        return false;
    };
    auto isFlag = [](std::string_view name) {
        for (std::string_view flag : {"-k", "--keep-going", "-B", "--force", "--explain", "-w",
                                      "--watch", "-v", "--verbose", "-q", "--quiet"})
            if (name == flag)
                return true;
        return false;
    };
    if (argc < 3 || std::string_view(argv[1]) != "run")
        return std::nullopt;
    std::string file, directory;
    for (int i = 2; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.size() < 2 || arg[0] != '-') {
            if (file.empty())
                file = arg; // the first positional; those after it name nodes
            continue;
        }
        std::string_view name = arg, value;
        bool attached = false;
        if (arg.substr(0, 2) == "--") {
            if (const std::size_t eq = arg.find('='); eq != std::string_view::npos) {
                name = arg.substr(0, eq);
                value = arg.substr(eq + 1);
                attached = true;
            }
        } else if (arg.size() > 2) { // -j4, -Cdir
            name = arg.substr(0, 2);
            value = arg.substr(2);
            attached = true;
        }
        if (takesValue(name)) {
            if (!attached) {
                if (i + 1 >= argc)
                    return std::nullopt;
                value = argv[++i];
            }
            if (name == "-C" || name == "--directory")
                directory = value;
        } else if (!isFlag(name) || attached) {
            return std::nullopt;
        }
    }
    if (file.empty())
        return std::nullopt;
    return std::make_pair(file, directory);
}

} // namespace

void openRunStateEarly(int argc, char **argv)
{
    const auto guess = guessRunFile(argc, argv);
    if (!guess)
        return;
    // The mask every thread of a run inherits (executeRun): set before the
    // first thread, this one, exists.
    SignalWatcher::blockSignals();
    auto early = std::make_unique<EarlyState>();
    early->file = guess->first;
    early->directory = guess->second;
    early->base = runBase(early->file, early->directory);
    EarlyState &e = *early;
    e.opening.emplace([&e] { e.state.preopen(e.file, StateArgs{}, e.base, e.loaded); });
    g_early = std::move(early);
}

namespace {

int executeRun(const RunArgs &args)
{
    // Before any thread exists (main() may have started one already, after
    // the same call), so that every thread inherits the mask and SIGINT and
    // SIGTERM wait for the run's poller (or a watch session's watcher).
    SignalWatcher::blockSignals();
    // Declared first, so that it outlives whatever below refers to it.
    std::unique_ptr<EarlyState> early = std::move(g_early);
    if (early
        && (early->file != args.file || early->directory != args.directory || args.state.resetState
            || args.dryRun))
        early.reset();

    // The prediction this run is measured against (run_finished.predicted_wall)
    // comes from the history before this run adds to it. Only the JSON lines
    // show it, and reading the history of a large workflow costs about what
    // loading the file does: the history is read on a thread of its own
    // while this one loads and validates.
    const bool jsonl = args.events == "jsonl";
    std::optional<HeadStart<PredictInput>> recorded;
    if (jsonl && !args.dryRun)
        recorded.emplace([file = args.file] { return historyForRun(file); });

    // The incremental state (.weft/state.db, the run lock, every unit's
    // record) is opened and read on a thread of its own while this one
    // loads the file: for a large workflow, a third of what loading costs.
    // The thread begins on the other core (weft/SpareCore.h); begun on this
    // one, it waited for this one's work about a millisecond, a twelfth of a
    // small no-op run.
    // Once the records are read, that thread stats the outputs they name
    // until the load is done: the second core, idle otherwise, takes a
    // share of the stats a no-op run is mostly made of.
    std::error_code ec;
    const std::filesystem::path baseDirectory = runBase(args.file, args.directory);
    std::atomic<bool> ownLoaded{false};
    RunState ownState;
    std::optional<HeadStart<void>> ownOpening;
    std::atomic<bool> &loaded = early ? early->loaded : ownLoaded;
    RunState &state = early ? early->state : ownState;
    std::optional<HeadStart<void>> &preopened = early ? early->opening : ownOpening;
    if (!early && !args.dryRun)
        ownOpening.emplace([&state, &args, &baseDirectory, &loaded] {
            state.preopen(args.file, args.state, baseDirectory, loaded);
        });

    // Loading validates; the run uses what that validation resolved, so a
    // run costs one validation however large the file.
    std::shared_ptr<const CompiledWorkflow> compiled = loadCompiledReporting(args.file);
    loaded.store(true, std::memory_order_relaxed);
    if (!compiled)
        return ExitUsage;
    if (!args.targets.empty()) {
        std::vector<std::string> unknown;
        std::shared_ptr<const CompiledWorkflow> selected = compiled->select(args.targets, &unknown);
        if (!unknown.empty()) {
            for (const std::string &name : unknown) {
                std::string message = "no node named '" + name + "' in " + args.file;
                const std::string suggestion = nearestId(compiled->workflow(), name);
                if (!suggestion.empty())
                    message += "; did you mean '" + suggestion + "'?";
                printError(message);
            }
            return ExitUsage;
        }
        compiled = std::move(selected);
    }
    const Workflow &workflow = compiled->workflow();
    RunOptions options;
    options.jobs = args.jobs;
    options.threads = args.threads;
    options.shuffle = args.shuffle;
    options.explainParallelism = args.events == "jsonl"; // run_finished.why_serial
    if (args.keepGoing)
        options.failure = FailurePolicy::KeepGoing;
    options.baseDirectory = baseDirectory;
    options.launcher = args.launcher;

    if (args.dryRun) {
        const auto levels = dependencyLevels(workflow);
        const int jobs = effectiveJobs(args, workflow);
        writeOut(
            1, jsonl ? planJsonLines(workflow, levels, jobs) : planText(workflow, levels, jobs));
        if (!jsonl)
            writeOut(1, slurmPlanText(workflow, args.launcher));
        return ExitSuccess;
    }

    std::unique_ptr<LogDirSink> logSink;
    if (!args.logDir.empty()) {
        std::filesystem::create_directories(args.logDir, ec);
        if (ec) {
            printError("cannot create log directory " + args.logDir + ": " + ec.message());
            return ExitUsage;
        }
        logSink = std::make_unique<LogDirSink>(args.logDir);
    }

    // With JSON lines on stdout, whatever a person reads goes to stderr.
    const int humanFd = jsonl ? 2 : 1;
    StatusPrinterOptions printerOptions;
    printerOptions.fd = humanFd;
    printerOptions.live = isLiveTerminal(humanFd);
    printerOptions.colour = wantsColour(humanFd);
    printerOptions.columns = [humanFd] { return terminalColumns(humanFd); };
    printerOptions.verbose = args.verbose;
    printerOptions.quiet = args.quiet;
    StatusPrinter printer(printerOptions);
    std::vector<EventSink *> sinks { &printer };
    std::unique_ptr<JsonLinesSink> jsonSink;
    if (jsonl) {
        jsonSink = std::make_unique<JsonLinesSink>(1);
        sinks.push_back(jsonSink.get());
    }
    std::unique_ptr<TraceRecorder> recorder;
    if (!args.trace.empty()) {
        recorder = std::make_unique<TraceRecorder>();
        sinks.push_back(recorder.get());
    }
    if (logSink)
        sinks.push_back(logSink.get());
    if (jsonl)
        options.predictedWall = predictForRun(recorded ? recorded->result().get() : historyForRun(args.file),
                                              workflow, effectiveJobs(args, workflow), args.threads,
                                              options.baseDirectory);
    // Incremental state and history (.weft/state.db); also the run lock.
    // While the database is still being opened, this thread has nothing to
    // do: it readies oneTBB's scheduler, which the run would otherwise
    // begin with (a no-op run of a small build: 2 ms of about 20).
    if (preopened) {
        if (preopened->result().wait_for(std::chrono::seconds(0)) != std::future_status::ready)
            Executor::prepare(options, workflow);
        preopened->result().get();
    }
    if (int status = ExitSuccess; !state.open(args.file, args.state, workflow,
            options.baseDirectory, describeOptions(args),
            [&printer](const std::string &line) { printer.printLine(line); }, status))
        return status;
    // `state` outlives `compiled` (it began first, to read while the file
    // loads), but its preparer reads the workflow: whatever way this
    // function returns, the preparer stops before the workflow goes.
    struct FinishState
    {
        RunState &state;
        ~FinishState() { state.finish(); }
    } finishState{state};
    options.incremental = state.check();
    CurrentSink history;
    history.target = state.history();
    for (EventSink *sink : { static_cast<EventSink *>(&history), state.explainer() })
        if (sink)
            sinks.push_back(sink);
    RoundPrinter roundPrinter(printer);
    if (args.watch)
        sinks.push_back(&roundPrinter);
    for (const std::string &id : args.approve) {
        const Node *gate = workflow.find(id);
        if (!gate || gate->type != "approval") {
            printError("--approve " + id + ": " + args.file + " has no approval node named '" + id + "'");
            return ExitUsage;
        }
    }
    TeeSink tee(sinks);
    // The run's threads hand events to the relay without a lock; the sinks
    // format and write on the relay's thread, and the buffered ones flush on
    // its tick, so a reader of a pipe sees a line within about 50 ms.
    auto lastFlush = std::chrono::steady_clock::now();
    // Ctrl-C and SIGTERM are taken on the relay's tick (set once the run's
    // executor exists, below), not by a thread of their own.
    std::mutex signalsMutex;
    SignalPoller *signals = nullptr;
    EventRelay relay(tee, std::chrono::milliseconds(10), [&] {
        {
            std::lock_guard lock(signalsMutex);
            if (signals)
                signals->poll();
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - lastFlush < std::chrono::milliseconds(50))
            return;
        lastFlush = now;
        printer.refresh(); // also moves the live status line's elapsed time on
        if (jsonSink)
            jsonSink->flush();
    });
    if (args.watch)
        return watchRounds(args, compiled, options, relay, printer, state, history);
    TriggerHub triggers;
    options.triggers = &triggers;
    for (const std::string &id : args.approve)
        triggers.preApprove(id);
    ApprovalPrompter prompter(triggers, ::isatty(0) && ::isatty(2),
                              [&printer](const std::string &line) { printer.printLine(line); });
    Executor executor(options);
    SignalPoller poller([&](int signal, int count) {
        const char *name = signal == SIGTERM ? "SIGTERM" : "interrupt";
        if (count == 1) {
            printer.printLine(std::string(name) + ": cancelling the run (again to kill at once)");
            executor.cancel();
        } else {
            printer.printLine(std::string(name) + ": killing every process of the run");
            executor.kill();
        }
    });
    {
        std::lock_guard lock(signalsMutex);
        signals = &poller;
    }

    // On this thread: the relay's tick cancels the run from its own. A
    // thread started only to be waited for cost two wake-ups of the other
    // core, each 0.2-1.5 ms on a VM, a tenth of a small no-op run.
    const RunSummary summary = executor.run(compiled, relay);
    {
        std::lock_guard lock(signalsMutex);
        signals = nullptr;
    }
    poller.drain(); // one that came after the last tick still makes the exit status 130
    state.finish();

    int status = poller.count() > 0 ? int(ExitInterrupted) : exitStatusFor(summary.outcome);
    if (std::getenv("WEFT_COUNT_VALIDATIONS"))
        writeOut(2, "validations: " + std::to_string(validationCount()) + "\n");
    if (recorder) {
        const SaveResult saved = recorder->writeTo(args.trace);
        if (!saved.ok) {
            printError("cannot write the trace: " + saved.error);
            status = std::max(status, int(ExitFailed));
        }
    }
    if (logSink && !logSink->error().empty()) {
        printError(logSink->error());
        status = std::max(status, int(ExitFailed));
    }
    // The process ends with this run (ProcessExit.h): freeing the workflow
    // and the state's per-unit tables one allocation at a time would change
    // nothing but the time (for 100,000 nodes, 60-70 ms of glibc merging
    // freed chunks on the way out). They stay until exit instead, and the
    // threads (the relay's, oneTBB's) end with the
    // process rather than being woken only to be joined: each wake-up of
    // the other core is 0.2-1.5 ms on a VM. What was written is flushed and
    // the database is closed properly. WEFT_CLEAN_EXIT=1 tears it all down.
    if (!cleanExit()) {
        state.releaseAtExit();
        keepUntilExit(std::move(compiled));
        relay.deliver();
        printer.refresh();
        if (jsonSink)
            jsonSink->flush();
        state.close();
        exitWithoutTeardown(status);
    }
    return status;
}

} // namespace

void addRunCommand(CLI::App &app, Action &action)
{
    auto args = std::make_shared<RunArgs>();
    CLI::App *run = app.add_subcommand("run",
        "Run a workflow, or only the nodes named and "
        "everything they need");
    run->add_option("file", args->file, "Workflow file (.weft)")->required()->type_name("FILE");
    run->add_option("nodes", args->targets, "Run only these nodes and what they need")
        ->type_name("NODE");
    run->add_option("-j,--jobs", args->jobs,
           "Nodes running at once, of every kind (default: the file's "
           "settings.jobs, else the number of cores)")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    run->add_option("--threads", args->threads,
           "Worker threads for in-process operations (default: min(jobs, cores))")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    run->add_option("--shuffle", args->shuffle,
           "Start ready nodes in a random order drawn from SEED (any -j): a missing "
           "edge that one order hides, another shows")
        ->type_name("SEED");
    run->add_flag("-k,--keep-going", args->keepGoing,
        "After a failure, run everything that does not depend on it");
    run->add_flag(
        "-n,--dry-run", args->dryRun, "Print what would run, by dependency level; run nothing");
    run->add_option("--events", args->events,
           "text: status for people; jsonl: the event stream as JSON lines on "
           "stdout (people's text goes to stderr)")
        ->check(CLI::IsMember({ "text", "jsonl" }));
    run->add_option("--trace", args->trace,
           "Write a Chrome trace of the run (open it in Perfetto or chrome://tracing)")
        ->type_name("FILE");
    run->add_option("--log-dir", args->logDir,
        "Write each node's stdout and stderr to DIR/<id>.stdout and DIR/<id>.stderr (a fan-out instance's to DIR/<id>[<index>].*)")
        ->type_name("DIR");
    run->add_option("-C,--directory", args->directory,
           "Base directory for relative paths and commands (default: the "
           "workflow file's directory)")
        ->type_name("DIR");
    run->add_option("--launcher", args->launcher,
           "Start process nodes locally or as Slurm jobs; replaces the file's "
           "settings.launcher (a node's own \"launcher\" still wins)")
        ->check(CLI::IsMember({ "local", "slurm" }));
    run->add_flag("-B,--force", args->state.force,
        "Run every node, even those whose outputs are up to date");
    run->add_flag("--explain", args->state.explain,
        "Say why each node runs: never ran, output missing, input changed, params changed, "
        "upstream changed, --force");
    run->add_flag("--reset-state", args->state.resetState,
        "Move a broken .weft/state.db aside and start over (forgets what is up to date and the "
        "run history)");
    run->add_flag("-w,--watch", args->watch,
        "Keep the workflow live: after each round wait for a watch or timer node to fire or a "
        "declared input to change, then run again what is out of date; Ctrl-C ends it");
    run->add_option("--rounds", args->maxRounds, "With --watch: stop after N rounds")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    run->add_option("--approve", args->approve,
           "Let the approval node ID pass without asking (repeatable); without it, a gate "
           "asks on a terminal and fails when there is none")
        ->type_name("ID")
        ->allow_extra_args(false);
    run->add_flag("-v,--verbose", args->verbose,
        "Print the output of every node, not only "
        "of failing ones");
    run->add_flag("-q,--quiet", args->quiet,
        "Print only failures and the summary (no status line, no line per node)");
    run->footer(
        "Examples:\n"
        "  weft-cli run build.weft                  run everything\n"
        "  weft-cli run build.weft -j 8 -k          8 at once, keep going after failures\n"
        "  weft-cli run build.weft test             only 'test' and what it needs\n"
        "  weft-cli run build.weft --dry-run        show the plan\n"
        "  weft-cli run build.weft --events jsonl | jq -c 'select(.event==\"node_finished\")'\n"
        "  weft-cli run build.weft --trace run.json --log-dir logs\n"
        "  weft-cli run build.weft --watch          rebuild on every change, until Ctrl-C\n"
        "  weft-cli run deploy.weft --approve publish   pass the gate 'publish' unasked\n"
        "\n"
        "Exit status: 0 all succeeded, 1 the workflow failed, 2 bad usage or an invalid "
        "file,\n130 interrupted (Ctrl-C or SIGTERM cancel cleanly; a second Ctrl-C kills "
        "at once).");
    run->callback([args, &action] { action = [args] { return executeRun(*args); }; });
}

} // namespace weft::cli
