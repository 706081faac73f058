// SPDX-License-Identifier: Apache-2.0
// Declarations of the built-in operation types: parameters and semantics.
// How each runs lives in ops/: the in-process ones run on a worker, and
// `process` and `sleep` say what the executor starts for them (a child
// process, a reactor timer).

#include "weft/Diagnostic.h"
#include "weft/Operation.h"

#include "ops/AsyncOperations.h"
#include "ops/CrashOperation.h"
#include "ops/InProcessOperations.h"
#include "triggers/TriggerOperations.h"

namespace weft {

namespace {

OperationType processType()
{
    OperationType t;
    t.name = "process";
    t.group = "Processes";
    t.icon = "process";
    t.summary = "Run a command as a child process";
    t.doc = "Runs `command` through /bin/sh -c, or `argv` directly. A command without shell "
            "syntax is split and executed directly, like GNU make does. Runs in its own process "
            "group in `cwd` (default: the workflow's directory) with `env` added to the "
            "environment. Lines `::progress PERCENT MESSAGE` on stdout report progress, and "
            "lines `::output NAME VALUE` report outputs (a name printed again makes a list).";
    t.params = {
        {"command", ParamKind::Command, false, nullptr, "Shell command line, run by /bin/sh -c", -1e300},
        {"argv", ParamKind::StringList, false, nullptr, "Program and arguments, executed directly", -1e300},
        {"cwd", ParamKind::Path, false, nullptr, "Working directory (default: the workflow's directory)", -1e300},
        {"env", ParamKind::StringMap, false, nullptr, "Extra environment variables", -1e300},
    };
    t.semantics = {ExecutionSite::ChildProcess, false, true, true, {"processes", "files (per command)"}};
    t.reportsAnyOutput = true;
    t.launch = launchProcess;
    t.launchExpands = true;
    t.check = [](const nlohmann::json &params, std::vector<Diagnostic> &out) {
        const bool hasCommand = params.contains("command");
        const bool hasArgv = params.contains("argv");
        if (hasCommand && hasArgv) {
            out.push_back({Severity::Error,
                           "process takes either \"command\" or \"argv\", not both", "/argv", 0, 0, {}});
        } else if (!hasCommand && !hasArgv) {
            out.push_back({Severity::Error,
                           "process needs \"command\" (a shell command line) or \"argv\" (a list)", "",
                           0, 0, {}});
        } else if (hasArgv && params["argv"].is_array() && params["argv"].empty()) {
            out.push_back({Severity::Error, "\"argv\" must name a program", "/argv", 0, 0, {}});
        } else if (hasCommand && params["command"].is_string()
                   && params["command"].get_ref<const std::string &>().find_first_not_of(" \t\n")
                          == std::string::npos) {
            out.push_back({Severity::Error, "\"command\" is empty", "/command", 0, 0, {}});
        }
    };
    return t;
}

OperationType sleepType()
{
    OperationType t;
    t.name = "sleep";
    t.group = "Timing";
    t.icon = "sleep";
    t.summary = "Wait for a number of seconds";
    t.doc = "Waits on a timer of the reactor: holds no thread and no worker while it waits.";
    t.params = {{"seconds", ParamKind::Number, true, nullptr, "How long to wait", 0}};
    t.semantics = {ExecutionSite::Timer, false, true, true, {"nothing"}};
    t.launch = launchSleep;
    return t;
}

OperationType cpuType()
{
    OperationType t;
    t.name = "cpu";
    t.group = "Timing";
    t.icon = "cpu";
    t.summary = "Burn CPU for a number of seconds";
    t.doc = "Busy work on a worker thread, for demos and benchmarks. Checks for cancellation "
            "every millisecond.";
    t.params = {{"seconds", ParamKind::Number, true, nullptr, "How long to compute", 0}};
    t.semantics = {ExecutionSite::WorkerThread, true, true, true, {"CPU"}};
    t.run = runCpu;
    return t;
}

OperationType hashType()
{
    OperationType t;
    t.name = "hash";
    t.group = "Files";
    t.icon = "hash";
    t.summary = "SHA-256 of files";
    t.doc = "Computes the SHA-256 digest of each file (globs expanded, sorted) and writes one "
            "`digest  path` line per file to its output, as sha256sum does.";
    t.params = {{"files", ParamKind::PathList, true, nullptr, "Files or glob patterns", -1e300}};
    t.outputs = {
        {"digest", "The hex digest; for several files, a list of them in sorted path order"}};
    t.semantics = {ExecutionSite::WorkerThread, true, true, true, {"files (read)"}};
    t.run = runHash;
    return t;
}

OperationType copyType()
{
    OperationType t;
    t.name = "copy";
    t.group = "Files";
    t.icon = "copy";
    t.summary = "Copy a file or directory";
    t.doc = "Copies `from` to `to` (directories recursively), replacing what is there.";
    t.params = {
        {"from", ParamKind::Path, true, nullptr, "Source file or directory", -1e300},
        {"to", ParamKind::Path, true, nullptr, "Destination", -1e300},
    };
    t.outputs = {{"path", "The destination, `to` as written"}};
    t.semantics = {ExecutionSite::WorkerThread, true, true, true, {"files (read)", "files (write)"}};
    t.run = runCopy;
    return t;
}

OperationType writeType()
{
    OperationType t;
    t.name = "write";
    t.group = "Files";
    t.icon = "write";
    t.summary = "Write text to a file";
    t.doc = "Writes `text` to `path` atomically (temporary file and rename), creating parent "
            "directories.";
    t.params = {
        {"path", ParamKind::Path, true, nullptr, "File to write", -1e300},
        {"text", ParamKind::String, false, "", "Contents", -1e300},
    };
    t.outputs = {{"path", "The file written, `path` as written"}};
    t.semantics = {ExecutionSite::WorkerThread, true, true, false, {"files (write)"}};
    t.run = runWrite;
    return t;
}

OperationType noopType()
{
    OperationType t;
    t.name = "noop";
    t.group = "Control";
    t.icon = "noop";
    t.summary = "Do nothing";
    t.doc = "Succeeds at once. Useful to group dependencies under one name.";
    t.semantics = {ExecutionSite::WorkerThread, false, true, true, {"nothing"}};
    t.run = runNoop;
    return t;
}

OperationType workflowType()
{
    OperationType t;
    t.name = "workflow";
    t.group = "Control";
    t.icon = "workflow";
    t.summary = "Run another .weft file as part of this one";
    t.doc = "Includes the workflow in `file`: its nodes join this run as ID/INNER, its strings "
            "use `${params.NAME}` for the values in `params`, and `exports` names the inner "
            "outputs that `${ID.NAME}` means here. Expanded before the run (weft-cli and the window).";
    t.params = {
        {"file", ParamKind::Path, true, nullptr, "The .weft file, relative to this one", -1e300},
        {"params", ParamKind::StringMap, false, nullptr, "Values for ${params.NAME} inside", -1e300},
        {"exports", ParamKind::StringMap, false, nullptr, "NAME -> INNER_NODE.OUTPUT", -1e300},
    };
    t.reportsAnyOutput = true; // its exports; checked when it is expanded
    t.semantics = {ExecutionSite::WorkerThread, false, true, true, {"what the inner workflow touches"}};
    t.run = [](OperationContext &) {
        return OperationResult{false, "a workflow node runs expanded into its inner nodes; "
                                      "this program did not expand it"};
    };
    return t;
}

OperationRegistry makeBuiltin()
{
    OperationRegistry registry;
    registry.add(processType());
    registry.add(sleepType());
    registry.add(cpuType());
    registry.add(hashType());
    registry.add(copyType());
    registry.add(writeType());
    registry.add(noopType());
    addTriggerOperations(registry); // triggers/TriggerOperations.cpp
    registry.add(workflowType());
    if (testOperationsEnabled())
        registry.add(crashType());
    return registry;
}

} // namespace

const OperationRegistry &OperationRegistry::builtin()
{
    static const OperationRegistry registry = makeBuiltin();
    return registry;
}

} // namespace weft
