// SPDX-License-Identifier: Apache-2.0
// weft-cli lint: the race linter (weft/Lint.h) on a file. Findings go to
// stdout as file:line:col: warning: message, each with its fix, or as one
// JSON array with --json. Exit 0 when clean, 1 when something was found,
// 2 when the file is not a valid workflow.
#include "AnalysisCommands.h"

#include "weft/Lint.h"
#include "weft/Workflow.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <sstream>

namespace weft::cli {

namespace {

struct LintArgs
{
    std::string file;
    bool json = false;
};

int executeLint(const LintArgs &args)
{
    std::optional<Workflow> workflow = loadWorkflowReporting(args.file);
    if (!workflow)
        return ExitUsage;
    std::vector<LintFinding> findings = lintWorkflow(*workflow);
    std::ifstream in(args.file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    locateFindings(text.str(), findings);
    if (args.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const LintFinding &f : findings) {
            out.push_back({{"rule", f.rule},
                           {"node", f.node},
                           {"other", f.other.empty() ? nlohmann::json() : nlohmann::json(f.other)},
                           {"subject", f.subject},
                           {"message", f.message},
                           {"fix", f.fix},
                           {"path", f.pointer},
                           {"line", f.line},
                           {"column", f.column}});
        }
        writeOut(1, out.dump(2) + "\n");
    } else {
        std::string report;
        for (const LintFinding &f : findings) {
            report += args.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.column)
                      + ": warning: " + f.message + " [" + f.rule + "]\n    fix: " + f.fix + "\n";
        }
        if (findings.empty())
            report = args.file + ": no findings\n";
        writeOut(1, report);
    }
    return findings.empty() ? ExitSuccess : ExitFailed;
}

} // namespace

void addLintCommand(CLI::App &app, Action &action)
{
    auto args = std::make_shared<LintArgs>();
    CLI::App *lint = app.add_subcommand(
        "lint", "Find races in a design: nodes that may run at once and touch the same path");
    lint->add_option("file", args->file, "Workflow file (.weft)")->required()->type_name("FILE");
    lint->add_flag("--json", args->json, "Print the findings as one JSON array");
    lint->footer("Examples:\n"
                 "  weft-cli lint build.weft\n"
                 "  weft-cli lint --json build.weft | jq '.[].fix'\n"
                 "\n"
                 "Rules: overlapping-outputs, write-read-race, fan-out-overwrites,\n"
                 "non-reentrant-fan-out, pool-too-small, never-runs. Exit status 0 when\n"
                 "nothing is found, 1 when something is, 2 when the file is invalid.");
    lint->callback([args, &action] { action = [args] { return executeLint(*args); }; });
}

} // namespace weft::cli
