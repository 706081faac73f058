// SPDX-License-Identifier: Apache-2.0
// weft-cli dot: the graph for Graphviz.

#include "Commands.h"

#include "weft/Dot.h"
#include "weft/Workflow.h"

#include <CLI/CLI.hpp>

#include <memory>

namespace weft::cli {

void addDotCommand(CLI::App &app, Action &action)
{
    auto file = std::make_shared<std::string>();
    CLI::App *dot = app.add_subcommand("dot", "Print the workflow's graph in Graphviz DOT");
    dot->add_option("file", *file, "Workflow file (.weft)")->required()->type_name("FILE");
    dot->footer("Examples:\n"
                "  weft-cli dot build.weft | dot -Tsvg > build.svg\n"
                "  weft-cli dot build.weft | xdot -");
    dot->callback([file, &action] {
        action = [file] {
            std::optional<Workflow> workflow = loadWorkflowReporting(*file);
            if (!workflow)
                return int(ExitUsage);
            writeOut(1, toDot(*workflow));
            return int(ExitSuccess);
        };
    });
}

} // namespace weft::cli
