// SPDX-License-Identifier: Apache-2.0
// weft-cli history, compare and clean: what .weft/state.db beside a workflow
// file remembers of its runs (weft/StateStore.h), and removing what its
// nodes declared they produce.

#include "Commands.h"

#include "weft/StateStore.h"
#include "weft/Workflow.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <set>

namespace weft::cli {

namespace {

std::unique_ptr<StateStore> openState(const std::string &file, bool mustExist)
{
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        printError(file + ": no such file");
        return nullptr;
    }
    const std::filesystem::path db
        = std::filesystem::absolute(file).parent_path() / ".weft" / "state.db";
    if (mustExist && !std::filesystem::exists(db, ec)) {
        printError("no run of " + file + " is recorded yet (" + db.string() + " does not exist)");
        return nullptr;
    }
    std::string error;
    std::unique_ptr<StateStore> store = StateStore::open(file, error);
    if (!store)
        printError(error);
    return store;
}

std::string localTime(double epoch)
{
    const std::time_t t = std::time_t(epoch);
    std::tm tm{};
    localtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return text;
}

std::string seconds(double s)
{
    char text[32];
    if (std::fabs(s) < 10)
        std::snprintf(text, sizeof text, "%.2f s", s);
    else
        std::snprintf(text, sizeof text, "%.1f s", s);
    return text;
}

std::string pad(std::string text, std::size_t width)
{
    if (text.size() < width)
        text.append(width - text.size(), ' ');
    return text;
}

int history(const std::string &file, const std::string &format, int limit)
{
    std::unique_ptr<StateStore> store = openState(file, format != "json");
    if (!store)
        return format == "json" && std::filesystem::exists(file) ? (writeOut(1, "[]\n"), ExitSuccess)
                                                                : ExitUsage;
    std::vector<HistoryRun> runs;
    try {
        runs = store->runs(limit);
    } catch (const std::exception &e) {
        printError(store->databasePath().string() + ": " + e.what());
        return ExitUsage;
    }
    if (format == "json") {
        nlohmann::json out = nlohmann::json::array();
        for (const HistoryRun &r : runs) {
            out.push_back({{"id", r.id}, {"started", r.started}, {"started_local", localTime(r.started)},
                           {"options", r.options}, {"outcome", r.outcome}, {"wall", r.wall},
                           {"work", r.work}, {"nodes", r.nodes}, {"ran", r.ran},
                           {"cached", r.cached}, {"failed", r.failed},
                           {"critical_path", r.criticalPath},
                           {"critical_path_duration", r.criticalPathDuration}});
        }
        writeOut(1, out.dump() + "\n");
        return ExitSuccess;
    }
    std::string text = pad("RUN", 6) + pad("STARTED", 21) + pad("OUTCOME", 11) + pad("WALL", 10)
                       + pad("RAN", 7) + pad("UP TO DATE", 12) + pad("FAILED", 8) + "OPTIONS\n";
    for (const HistoryRun &r : runs) {
        text += pad(std::to_string(r.id), 6) + pad(localTime(r.started), 21) + pad(r.outcome, 11)
                + pad(seconds(r.wall), 10) + pad(std::to_string(r.ran), 7)
                + pad(std::to_string(r.cached), 12) + pad(std::to_string(r.failed), 8) + r.options
                + "\n";
    }
    if (runs.empty())
        text += "(no runs recorded)\n";
    writeOut(1, text);
    return ExitSuccess;
}

int compare(const std::string &file, std::int64_t a, std::int64_t b, std::size_t top)
{
    std::unique_ptr<StateStore> store = openState(file, true);
    if (!store)
        return ExitUsage;
    try {
        const std::optional<HistoryRun> runA = store->run(a), runB = store->run(b);
        for (auto [id, run] : {std::pair{a, &runA}, std::pair{b, &runB}}) {
            if (!*run) {
                printError("no run " + std::to_string(id) + " of " + file
                           + " in the history ('weft-cli history " + file + "' lists them)");
                return ExitUsage;
            }
        }
        std::map<std::string, HistoryUnit> before, after;
        for (HistoryUnit &u : store->units(a))
            before.emplace(u.unit, std::move(u));
        for (HistoryUnit &u : store->units(b))
            after.emplace(u.unit, std::move(u));

        std::string text = "run " + std::to_string(a) + " (" + localTime(runA->started) + ", "
                           + runA->outcome + ", " + seconds(runA->wall) + ") -> run "
                           + std::to_string(b) + " (" + localTime(runB->started) + ", "
                           + runB->outcome + ", " + seconds(runB->wall) + ")\n";
        auto state = [](const HistoryUnit *u) {
            if (!u)
                return std::string("absent");
            return u->cached ? std::string("up to date") : u->outcome;
        };
        std::string changes;
        std::set<std::string> names;
        for (const auto &[name, u] : before)
            names.insert(name);
        for (const auto &[name, u] : after)
            names.insert(name);
        struct Delta { std::string unit; double from, to; };
        std::vector<Delta> deltas;
        for (const std::string &name : names) {
            const auto ia = before.find(name), ib = after.find(name);
            const HistoryUnit *ua = ia == before.end() ? nullptr : &ia->second;
            const HistoryUnit *ub = ib == after.end() ? nullptr : &ib->second;
            if (state(ua) != state(ub))
                changes += "  " + name + ": " + state(ua) + " -> " + state(ub) + "\n";
            if (ua && ub && ua->duration != ub->duration)
                deltas.push_back({name, ua->duration, ub->duration});
        }
        text += "outcome changes:\n" + (changes.empty() ? std::string("  none\n") : changes);
        std::sort(deltas.begin(), deltas.end(), [](const Delta &x, const Delta &y) {
            return std::fabs(x.to - x.from) > std::fabs(y.to - y.from);
        });
        if (deltas.size() > top)
            deltas.resize(top);
        text += "largest duration changes:\n";
        if (deltas.empty())
            text += "  none\n";
        for (const Delta &d : deltas) {
            const double change = d.to - d.from;
            text += "  " + d.unit + ": " + seconds(d.from) + " -> " + seconds(d.to) + " ("
                    + (change >= 0 ? "+" : "") + seconds(change) + ")\n";
        }
        for (const HistoryRun *r : {&*runA, &*runB}) {
            text += "critical path of run " + std::to_string(r->id) + " (" + seconds(r->criticalPathDuration)
                    + "): ";
            for (std::size_t i = 0; i < r->criticalPath.size(); ++i)
                text += (i ? " -> " : "") + r->criticalPath[i];
            text += r->criticalPath.empty() ? "(none)\n" : "\n";
        }
        writeOut(1, text);
    } catch (const std::exception &e) {
        printError(store->databasePath().string() + ": " + e.what());
        return ExitUsage;
    }
    return ExitSuccess;
}

int clean(const std::string &file, bool dryRun)
{
    const std::optional<Workflow> workflow = loadWorkflowReporting(file);
    if (!workflow)
        return ExitUsage;
    const std::filesystem::path base
        = std::filesystem::absolute(file).parent_path().lexically_normal();
    // Literal declared outputs, and those a run recorded after expanding
    // references (out/${item.stem}.o): together, what the nodes produced.
    std::set<std::string> paths;
    for (const Node &node : workflow->nodes)
        for (const auto &[name, value] : node.outputs)
            for (const std::string &path : value.items)
                if (path.find("${") == std::string::npos)
                    paths.insert(path);
    std::unique_ptr<StateStore> store;
    const std::filesystem::path db = base / ".weft" / "state.db";
    if (std::filesystem::exists(db)) {
        store = openState(file, true);
        if (!store)
            return ExitUsage;
        int holder = 0;
        std::string error;
        if (!dryRun && !store->lockRun(holder, error)) {
            printError(error.empty() ? "a run of " + file + " is in progress"
                                           + (holder > 0 ? " (pid " + std::to_string(holder) + ")" : "")
                                           + "; clean after it finished"
                                     : error);
            return ExitUsage;
        }
        try {
            for (const std::string &path : store->recordedOutputs())
                paths.insert(path);
        } catch (const std::exception &e) {
            printError(db.string() + ": " + e.what());
            return ExitUsage;
        }
    }
    int status = ExitSuccess;
    std::size_t removed = 0;
    for (const std::string &path : paths) {
        const std::filesystem::path full = (base / path).lexically_normal();
        const auto rel = full.lexically_relative(base);
        std::error_code ec;
        if (rel.empty() || *rel.begin() == "..") {
            writeOut(1, "left alone (outside the workflow's directory): " + path + "\n");
            continue;
        }
        const auto st = std::filesystem::symlink_status(full, ec);
        if (ec || !std::filesystem::exists(st))
            continue;
        if (std::filesystem::is_directory(st)) {
            writeOut(1, "left alone (a directory): " + path + "\n");
            continue;
        }
        if (dryRun) {
            writeOut(1, "would remove " + path + "\n");
            ++removed;
            continue;
        }
        if (!std::filesystem::remove(full, ec) || ec) {
            printError("cannot remove " + full.string() + ": " + ec.message());
            status = ExitFailed;
            continue;
        }
        writeOut(1, "removed " + path + "\n");
        ++removed;
    }
    if (store && !dryRun) {
        try {
            store->forgetUnits();
        } catch (const std::exception &e) {
            printError(db.string() + ": " + e.what());
            status = ExitFailed;
        }
    }
    writeOut(1, std::string(dryRun ? "would remove " : "removed ") + std::to_string(removed)
                    + (removed == 1 ? " file\n" : " files\n"));
    return status;
}

} // namespace

void addStateCommands(CLI::App &app, Action &action)
{
    struct HistoryArgs { std::string file; std::string format = "text"; int limit = -1; };
    auto h = std::make_shared<HistoryArgs>();
    CLI::App *historyCmd = app.add_subcommand("history",
        "List the recorded runs of a workflow, newest first (.weft/state.db beside it)");
    historyCmd->add_option("file", h->file, "Workflow file (.weft)")->required()->type_name("FILE");
    historyCmd->add_option("--format", h->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    historyCmd->add_option("-n,--limit", h->limit, "Only the newest N runs")->type_name("N");
    historyCmd->callback([h, &action] { action = [h] { return history(h->file, h->format, h->limit); }; });

    struct CompareArgs { std::string file; std::int64_t a = 0, b = 0; std::size_t top = 10; };
    auto c = std::make_shared<CompareArgs>();
    CLI::App *compareCmd = app.add_subcommand("compare",
        "Compare two recorded runs: outcome changes, the largest duration changes, both "
        "critical paths");
    compareCmd->add_option("file", c->file, "Workflow file (.weft)")->required()->type_name("FILE");
    compareCmd->add_option("a", c->a, "The earlier run's number (weft-cli history)")->required()->type_name("A");
    compareCmd->add_option("b", c->b, "The later run's number")->required()->type_name("B");
    compareCmd->add_option("--top", c->top, "How many duration changes to show (default 10)")->type_name("N");
    compareCmd->callback([c, &action] { action = [c] { return compare(c->file, c->a, c->b, c->top); }; });

    struct CleanArgs { std::string file; bool dryRun = false; };
    auto k = std::make_shared<CleanArgs>();
    CLI::App *cleanCmd = app.add_subcommand("clean",
        "Remove the files a workflow's nodes declare as outputs (the next run runs them again)");
    cleanCmd->add_option("file", k->file, "Workflow file (.weft)")->required()->type_name("FILE");
    cleanCmd->add_flag("-n,--dry-run", k->dryRun, "Print what would be removed; remove nothing");
    cleanCmd->callback([k, &action] { action = [k] { return clean(k->file, k->dryRun); }; });
}

} // namespace weft::cli
