// SPDX-License-Identifier: Apache-2.0
// weft-cli ops: the operation types and their declared concurrency
// semantics, straight from the registry. The markdown form is the table
// README.md embeds (tests/app/tst_cli.cpp keeps the two equal).

#include "Commands.h"

#include "weft/Isolation.h"
#include "weft/Operation.h"

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <memory>

namespace weft::cli {

namespace {

std::string yesNo(bool value)
{
    return value ? "yes" : "no";
}

std::string joined(const std::vector<std::string> &items)
{
    std::string text;
    for (const std::string &item : items)
        text += (text.empty() ? "" : ", ") + item;
    return text;
}

std::string markdownCell(std::string text)
{
    std::string out;
    for (char c : text) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n')
            out += ' ';
        else
            out += c;
    }
    return out;
}

std::string paramSummary(const OperationType &type)
{
    std::string text;
    for (const ParamDecl &p : type.params) {
        if (!text.empty())
            text += ", ";
        text += "`" + p.name + "`" + (p.required ? "*" : "") + " (" + std::string(toString(p.kind))
            + ")";
    }
    return text.empty() ? "—" : text;
}

std::string outputSummary(const OperationType &type)
{
    std::string text;
    for (const OutputDecl &o : type.outputs)
        text += (text.empty() ? "`" : ", `") + o.name + "`";
    return text.empty() ? "—" : text;
}

std::string markdownTable(const OperationRegistry &registry)
{
    std::string out = "| Type | What it does | Runs on | Blocks a worker | Reentrant | "
                      "Cancellable | Touches | Parameters (* required) | Outputs |\n"
                      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    for (const OperationType &type : registry.types()) {
        const Semantics &s = type.semantics;
        out += "| `" + type.name + "` | " + markdownCell(type.summary) + " | "
            + (s.trigger ? std::string("trigger: waits holding no thread, no job slot")
                         : std::string(toString(s.site))
                               + (isolatable(type) ? " (isolated: child process)" : ""))
            + " | " + yesNo(s.blocksWorker) + " | "
            + yesNo(s.reentrant) + " | " + yesNo(s.cancellable) + " | "
            + markdownCell(joined(s.touches)) + " | " + markdownCell(paramSummary(type)) + " | "
            + markdownCell(outputSummary(type)) + " |\n";
    }
    return out;
}

std::string plainText(const OperationRegistry &registry)
{
    std::string out;
    for (const OperationType &type : registry.types()) {
        if (!out.empty())
            out += '\n';
        out += type.name + " — " + type.summary + "\n";
        out += "  semantics: " + describe(type.semantics) + "\n";
        if (isolatable(type))
            out += "  isolated (\"isolation\": \"process\"): "
                + describe(isolatedSemantics(type.semantics)) + "\n";
        if (!type.doc.empty())
            out += "  " + type.doc + "\n";
        std::size_t width = 0;
        for (const ParamDecl &p : type.params)
            width = std::max(width, p.name.size());
        for (const ParamDecl &p : type.params) {
            out += "    " + p.name + std::string(width - p.name.size() + 2, ' ') + "("
                + std::string(toString(p.kind)) + (p.required ? ", required" : "");
            if (!p.defaultValue.is_null())
                out += ", default " + p.defaultValue.dump();
            out += ") " + p.doc + "\n";
        }
        for (const OutputDecl &o : type.outputs)
            out += "  output " + o.name + ": " + o.doc + "\n";
    }
    return out;
}

std::string jsonText(const OperationRegistry &registry)
{
    nlohmann::json types = nlohmann::json::array();
    for (const OperationType &type : registry.types()) {
        nlohmann::json params = nlohmann::json::array();
        for (const ParamDecl &p : type.params) {
            params.push_back({ { "name", p.name }, { "kind", toString(p.kind) },
                { "required", p.required }, { "default", p.defaultValue }, { "doc", p.doc } });
        }
        nlohmann::json outputs = nlohmann::json::array();
        for (const OutputDecl &o : type.outputs)
            outputs.push_back({ { "name", o.name }, { "doc", o.doc } });
        const Semantics &s = type.semantics;
        types.push_back({ { "name", type.name }, { "group", type.group },
            { "summary", type.summary }, { "doc", type.doc },
            { "semantics",
                { { "site", toString(s.site) }, { "blocks_worker", s.blocksWorker },
                    { "reentrant", s.reentrant }, { "cancellable", s.cancellable },
                    { "touches", s.touches }, { "trigger", s.trigger } } },
            { "params", std::move(params) }, { "outputs", std::move(outputs) } });
        if (isolatable(type)) {
            const Semantics i = isolatedSemantics(s);
            types.back()["isolated_semantics"] = { { "site", toString(i.site) },
                { "blocks_worker", i.blocksWorker }, { "reentrant", i.reentrant },
                { "cancellable", i.cancellable }, { "touches", i.touches } };
        }
    }
    return types.dump(2) + "\n";
}

} // namespace

void addOpsCommand(CLI::App &app, Action &action)
{
    auto format = std::make_shared<std::string>("text");
    CLI::App *ops = app.add_subcommand("ops",
        "List the operation types, their parameters and "
        "concurrency semantics");
    ops->add_option("--format", *format, "text, markdown (the README table) or json")
        ->check(CLI::IsMember({ "text", "markdown", "json" }));
    ops->footer("Examples:\n"
                "  weft-cli ops\n"
                "  weft-cli ops --format markdown > ops.md\n"
                "  weft-cli ops --format json | jq '.[].name'");
    ops->callback([format, &action] {
        action = [format] {
            const OperationRegistry &registry = OperationRegistry::builtin();
            if (*format == "markdown")
                writeOut(1, markdownTable(registry));
            else if (*format == "json")
                writeOut(1, jsonText(registry));
            else
                writeOut(1, plainText(registry));
            return int(ExitSuccess);
        };
    });
}

} // namespace weft::cli
