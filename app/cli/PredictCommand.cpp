// SPDX-License-Identifier: Apache-2.0
// weft-cli predict FILE -j N: the wall time of a run at -j N, simulated on
// the durations the run history recorded (weft/Parallelism.h).
// weft-cli report FILE [RUN]: where a recorded run's unused job slots went.
#include "AnalysisCommands.h"

#include "weft/Executor.h"
#include "weft/Parallelism.h"
#include "weft/StateStore.h"
#include "weft/Workflow.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

namespace weft::cli {

namespace {

// The recorded state of `file`, or null (with nothing printed) when it has none.
std::unique_ptr<StateStore> openHistory(const std::string &file)
{
    std::error_code ec;
    const std::filesystem::path db = std::filesystem::absolute(file, ec).parent_path() / ".weft" / "state.db";
    if (!std::filesystem::exists(db, ec))
        return nullptr;
    std::string error;
    return StateStore::open(file, error);
}

// "-j 4" in a recorded run's options; else the file's settings, else the cores.
int recordedJobs(const std::string &options, const Workflow &workflow)
{
    const std::size_t at = options.find("-j ");
    if (at != std::string::npos && (at == 0 || options[at - 1] == ' '))
        return std::max(1, std::atoi(options.c_str() + at + 3));
    return workflow.settings.jobs > 0 ? workflow.settings.jobs : defaultConcurrency();
}

std::string seconds(double s)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", s);
    return text;
}

struct PredictArgs
{
    std::string file;
    std::vector<int> jobs;
    int threads = 0;
    int runs = 5;
};

int executePredict(const PredictArgs &args)
{
    std::optional<Workflow> workflow = loadWorkflowReporting(args.file);
    if (!workflow)
        return ExitUsage;
    std::unique_ptr<StateStore> store = openHistory(args.file);
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::path(args.file).parent_path();
    PredictInput input;
    input.baseDirectory = std::filesystem::absolute(dir.empty() ? "." : dir, ec);
    input.threads = args.threads;
    if (store)
        readHistory(input, *store, args.runs);
    std::string out;
    std::vector<int> jobs = args.jobs;
    if (jobs.empty())
        jobs.push_back(workflow->settings.jobs > 0 ? workflow->settings.jobs : defaultConcurrency());
    for (int j : jobs) {
        input.jobs = j;
        const Prediction p = predictRun(*workflow, input);
        out += "-j " + std::to_string(j) + ": " + seconds(p.wall) + " s predicted (work " + seconds(p.work)
               + " s, " + std::to_string(p.units) + " units)\n";
        if (j == jobs.back() && !p.estimated.empty()) {
            out += "  no recorded duration, estimated (" + std::to_string(p.estimated.size()) + "):";
            for (std::size_t k = 0; k < p.estimated.size() && k < 10; ++k)
                out += " " + p.estimated[k];
            out += p.estimated.size() > 10 ? " ...\n" : "\n";
        }
    }
    writeOut(1, out);
    return ExitSuccess;
}

struct ReportArgs
{
    std::string file;
    std::int64_t run = 0;
    bool json = false;
};

int executeReport(const ReportArgs &args)
{
    std::optional<Workflow> workflow = loadWorkflowReporting(args.file);
    if (!workflow)
        return ExitUsage;
    std::unique_ptr<StateStore> store = openHistory(args.file);
    if (!store) {
        printError("no run of " + args.file + " is recorded yet");
        return ExitUsage;
    }
    std::optional<HistoryRun> run;
    if (args.run > 0) {
        run = store->run(args.run);
    } else {
        const std::vector<HistoryRun> newest = store->runs(1);
        if (!newest.empty())
            run = newest.front();
    }
    if (!run) {
        printError(args.run > 0 ? "no run " + std::to_string(args.run) + " in the history of " + args.file
                                : "no run of " + args.file + " is recorded yet");
        return ExitUsage;
    }
    std::vector<UnitTiming> timings;
    for (const HistoryUnit &u : store->units(run->id)) {
        if (u.start >= 0 && u.attempts > 0 && !u.cached)
            timings.push_back({u.unit, u.start, u.start + u.duration, u.attempts, u.queued});
    }
    const WhySerial why = explainRun(*workflow, timings, recordedJobs(run->options, *workflow), run->wall);
    if (args.json)
        writeOut(1, toJson(why) + "\n");
    else
        writeOut(1, "run " + std::to_string(run->id) + " (" + run->options + "): " + run->outcome + "\n"
                        + describe(why));
    return ExitSuccess;
}

} // namespace

PredictInput historyForRun(const std::string &file)
{
    PredictInput input;
    if (std::unique_ptr<StateStore> store = openHistory(file))
        readHistory(input, *store, 5);
    return input;
}

double predictForRun(PredictInput recorded, const Workflow &workflow, int jobs, int threads,
                     const std::filesystem::path &base)
{
    if (recorded.durations.empty())
        return -1;
    recorded.jobs = jobs;
    recorded.threads = threads;
    recorded.baseDirectory = base;
    return predictRun(workflow, recorded).wall;
}

void addPredictCommands(CLI::App &app, Action &action)
{
    auto p = std::make_shared<PredictArgs>();
    CLI::App *predict = app.add_subcommand(
        "predict", "Predict the wall time at -j N by simulating the scheduler on recorded durations");
    predict->add_option("file", p->file, "Workflow file (.weft)")->required()->type_name("FILE");
    predict->add_option("-j,--jobs", p->jobs, "Job limits to predict for, e.g. -j 1,2,4")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->type_name("N[,N...]");
    predict->add_option("--threads", p->threads, "Threads for in-process work (default min(jobs, cores))")
        ->type_name("N");
    predict->add_option("--runs", p->runs, "Newest recorded runs to take durations from (median)")
        ->type_name("N");
    predict->footer("Durations come from the run history (.weft/state.db). A node that never ran\n"
                    "is estimated: sleep and cpu their seconds, noop 0, write/copy/hash 1 ms,\n"
                    "others the mean of recorded nodes of their type, else 1 s.");
    predict->callback([p, &action] { action = [p] { return executePredict(*p); }; });

    auto r = std::make_shared<ReportArgs>();
    CLI::App *report = app.add_subcommand(
        "report", "Why a recorded run was not more parallel: unused job slots by cause, largest first");
    report->add_option("file", r->file, "Workflow file (.weft)")->required()->type_name("FILE");
    report->add_option("run", r->run, "The run's number (weft-cli history); default the newest")
        ->type_name("RUN");
    report->add_flag("--json", r->json, "Print the why_serial object of run_finished");
    report->callback([r, &action] { action = [r] { return executeReport(*r); }; });
}

} // namespace weft::cli
