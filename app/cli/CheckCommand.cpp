// SPDX-License-Identifier: Apache-2.0
// weft-cli check FILE --orders N: the workflow run N times in N seeded
// orders (weft/OrderCheck.h); nodes whose result depends on the order are
// reported with the suspected missing edge. Exit 0 when every order agreed,
// 1 when some node depends on the order, 2 when the file is invalid.
#include "AnalysisCommands.h"

#include "weft/CompiledWorkflow.h"
#include "weft/OrderCheck.h"

#include <CLI/CLI.hpp>

#include <memory>

namespace weft::cli {

namespace {

struct CheckArgs
{
    std::string file;
    int orders = 10;
    int jobs = 1;
    std::uint64_t seed = 1;
};

int executeCheck(const CheckArgs &args)
{
    std::shared_ptr<const CompiledWorkflow> compiled = loadCompiledReporting(args.file);
    if (!compiled)
        return ExitUsage;
    OrderCheckOptions options;
    options.orders = args.orders;
    options.jobs = args.jobs;
    options.firstSeed = args.seed;
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::path(args.file).parent_path();
    options.baseDirectory = std::filesystem::absolute(dir.empty() ? "." : dir, ec);
    options.onRun = [](int, std::uint64_t seed) {
        writeOut(2, "ran with --shuffle " + std::to_string(seed) + "\n");
    };
    const OrderCheckReport report = checkOrders(compiled, options);
    std::string out;
    for (const std::string &e : report.errors)
        out += "error: " + e + "\n";
    for (const OrderDependence &dep : report.dependent) {
        out += args.file + ": node '" + dep.node + "' depends on the order:\n";
        for (std::size_t r = 0; r < dep.results.size(); ++r)
            out += "    --shuffle " + std::to_string(report.seeds[r]) + ": " + dep.results[r] + "\n";
        if (dep.suspect.empty())
            out += "    no single node's order explains it\n";
        else
            out += "    suspected missing edge: " + dep.suspect + " -> " + dep.node + "\n    fix: "
                   + dep.fix + "\n";
    }
    if (report.dependent.empty())
        out += args.file + ": " + std::to_string(report.seeds.size())
               + " orders, every node's result and declared outputs the same\n";
    writeOut(1, out);
    return report.dependent.empty() && report.errors.empty() ? ExitSuccess : ExitFailed;
}

} // namespace

void addCheckCommand(CLI::App &app, Action &action)
{
    auto args = std::make_shared<CheckArgs>();
    CLI::App *check = app.add_subcommand(
        "check", "Run a workflow in several seeded orders and report results that depend on the order");
    check->add_option("file", args->file, "Workflow file (.weft)")->required()->type_name("FILE");
    check->add_option("--orders", args->orders, "How many orders (runs) to try (default 10)")
        ->check(CLI::PositiveNumber)
        ->type_name("N");
    check->add_option("-j,--jobs", args->jobs,
                      "Nodes at once in each run (default 1: each seed is one exact order)")
        ->check(CLI::PositiveNumber)
        ->type_name("N");
    check->add_option("--seed", args->seed, "The first seed; the runs use SEED, SEED+1, ...")
        ->type_name("SEED");
    check->footer("Examples:\n"
                  "  weft-cli check build.weft --orders 20\n"
                  "  weft-cli run build.weft --shuffle 7     # replay one order\n"
                  "\n"
                  "Runs really run: declared outputs are removed before each one. Exit status 0\n"
                  "when every order gave the same results, 1 when some node depends on the order.");
    check->callback([args, &action] { action = [args] { return executeCheck(*args); }; });
}

} // namespace weft::cli
