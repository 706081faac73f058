// SPDX-License-Identifier: Apache-2.0
// weft-cli validate: check files as a compiler would, diagnostics on stderr
// in the file:line:col: error: message form that editors and IDEs parse.

#include "Commands.h"
#include "ProcessExit.h"

#include "weft/Workflow.h"

#include <CLI/CLI.hpp>

#include <memory>

namespace weft::cli {

namespace {

struct ValidateArgs {
    std::vector<std::string> files;
    bool quiet = false;
};

int executeValidate(const ValidateArgs &args)
{
    int status = ExitSuccess;
    for (const std::string &file : args.files) {
        std::optional<Workflow> workflow = loadWorkflowReporting(file);
        if (!workflow) {
            status = ExitUsage;
            continue;
        }
        if (!args.quiet) {
            const std::size_t n = workflow->nodes.size();
            writeOut(
                1, file + ": ok (" + std::to_string(n) + (n == 1 ? " node" : " nodes") + ")\n");
        }
        keepUntilExit(std::make_shared<const Workflow>(std::move(*workflow))); // freed at exit, not here
    }
    return status;
}

} // namespace

void addValidateCommand(CLI::App &app, Action &action)
{
    auto args = std::make_shared<ValidateArgs>();
    CLI::App *validate = app.add_subcommand("validate",
        "Check workflow files without running "
        "them");
    validate->add_option("files", args->files, "Workflow files (.weft)")
        ->required()
        ->type_name("FILE");
    validate->add_flag("-q,--quiet", args->quiet, "Print only problems");
    validate->footer("Examples:\n"
                     "  weft-cli validate build.weft\n"
                     "  weft-cli validate -q flows/*.weft     # in CI: silent unless broken\n"
                     "\n"
                     "Problems go to stderr as file:line:col: error: message. Exit status 0 "
                     "when every\nfile is valid, 2 otherwise.");
    validate->callback([args, &action] { action = [args] { return executeValidate(*args); }; });
}

} // namespace weft::cli
