// SPDX-License-Identifier: Apache-2.0
#pragma once

// Operation types and their declared concurrency semantics (DESIGN.md,
// promise 3). The declaration is data: the executor schedules by it, the
// validator checks parameters against it, the palette and `weft-cli ops`
// show it.

#include "weft/ProcessCommand.h"
#include "weft/StringOrList.h"
#include "weft/Triggers.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

struct Node;
struct Diagnostic;

// Where an operation runs.
enum class ExecutionSite {
    WorkerThread, // in-process, on a TBB worker of the run's arena
    ChildProcess, // a child process watched by the reactor; holds no worker
    Timer,        // a timer of the reactor; holds no worker
};

std::string_view toString(ExecutionSite site); // "worker thread", "child process", "timer"

struct Semantics
{
    ExecutionSite site = ExecutionSite::WorkerThread;
    bool blocksWorker = false; // occupies a TBB worker for its whole duration
    bool reentrant = true;     // two nodes of this type may run at the same time
    bool cancellable = true;   // stops promptly when the run is cancelled
    std::vector<std::string> touches; // what it affects: "files (read)", "files (write)", "CPU", ...
    // A trigger (watch, timer, approval): it waits for something to happen,
    // holding no thread and no job slot while it waits (weft/Triggers.h).
    bool trigger = false;
};

enum class ParamKind {
    String,     // free text
    Command,    // a shell command line (text)
    Number,     // floating point
    Integer,
    Boolean,
    StringList, // array of strings
    StringMap,  // object of string -> string
    Path,       // a file or directory path, relative to the workflow's directory
    PathList,   // array of paths or globs
};

std::string_view toString(ParamKind kind); // "string", "number", "list of paths", ...

struct ParamDecl
{
    std::string name;
    ParamKind kind = ParamKind::String;
    bool required = false;
    nlohmann::json defaultValue; // null when there is none
    std::string doc;
    double minimum = -1e300; // for Number / Integer
};

// Where an in-process operation's output and progress go (the executor
// turns them into events). One interface rather than three std::functions:
// starting a node of a small operation must cost next to nothing.
class OperationOutput
{
public:
    virtual void write(bool toStderr, std::string_view text) = 0;
    virtual void progress(double fraction, std::string_view message) = 0;
    // One of the operation's documented outputs (OperationType::outputs);
    // a second call with the same name replaces the first.
    virtual void setOutput(std::string_view name, StringOrList value) = 0;

protected:
    ~OperationOutput() = default;
};

// What an in-process operation sees while it runs on a worker.
struct OperationContext
{
    const Node &node;
    // Relative paths resolve against it. A reference to the run's own copy:
    // an in-process node must not pay a path allocation to start.
    const std::filesystem::path &baseDirectory;
    const std::atomic<bool> &cancelled;  // check it often; return promptly when set
    OperationOutput &output;

    void writeStdout(std::string_view text) const { output.write(false, text); }
    void writeStderr(std::string_view text) const { output.write(true, text); }
    void reportProgress(double fraction, std::string_view message) const
    {
        output.progress(fraction, message);
    }
    void setOutput(std::string_view name, StringOrList value) const
    {
        output.setOutput(name, std::move(value));
    }

    std::filesystem::path resolve(const std::filesystem::path &p) const
    {
        return p.is_absolute() ? p : baseDirectory / p;
    }
};

struct OperationResult
{
    bool ok = true;
    std::string error; // set when !ok: a clear, specific message
};

// An output an operation reports when it succeeds, for `weft-cli ops` and
// the palette: what a later node can refer to.
struct OutputDecl
{
    std::string name;
    std::string doc;
};

using InProcessRun = std::function<OperationResult(OperationContext &)>;

// What an operation that holds no worker (a child process, a timer) asks
// the executor to start for one attempt. The operation derives it from the
// node; the executor adds only what scheduling owns (the timeout, the kill
// grace) and starts it without reading a parameter of its own.
struct Launch
{
    enum class Kind : std::uint8_t { Process, Timer, Trigger };
    Kind kind = Kind::Process;
    ProcessCommand process; // Kind::Process
    double seconds = 0;     // Kind::Timer: how long to wait
    TriggerRequest trigger; // Kind::Trigger: what to wait for (weft/Triggers.h)
    std::string error;      // set: nothing can start, and the attempt fails with this
};

// Where a string sits in a node's params, for a message about it:
// element("argv", 2) is params/argv/2, member("env", "HOME") params/env/HOME.
struct ParamPlace
{
    enum class Kind : std::uint8_t { Whole, Element, Member };
    std::string_view param;
    Kind kind = Kind::Whole;
    std::size_t index = 0;   // Kind::Element
    std::string_view member; // Kind::Member

    static ParamPlace whole(std::string_view param) { return {param, Kind::Whole, 0, {}}; }
    static ParamPlace element(std::string_view param, std::size_t index)
    {
        return {param, Kind::Element, index, {}};
    }
    static ParamPlace memberOf(std::string_view param, std::string_view member)
    {
        return {param, Kind::Member, 0, member};
    }
};

// The strings of a node's params as one attempt receives them: references
// expanded (DESIGN.md, "Outputs and references"). A launch plan that reads
// its strings through it builds the attempt from the node as written, with
// no expanded copy of the node in between.
class ParamStrings
{
public:
    // Appends list element `text` to `out`: one element, or one per value
    // where `text` is exactly one reference to a list.
    virtual bool appendElement(std::vector<std::string> &out, const std::string &text,
                               const ParamPlace &place) = 0;
    // `text` expanded into `out` (empty): a list's values joined with single
    // spaces, or in a shell command line (`shellCommand`) each one
    // shell-quoted.
    virtual bool expand(std::string &out, const std::string &text, const ParamPlace &place,
                        bool shellCommand) = 0;
    // After either returned false: the reference and where it is, as
    // "params/argv/2: ${scan.files}: scan reported no output named files".
    virtual std::string &error() = 0;

protected:
    ~ParamStrings() = default;
};

struct LaunchContext
{
    const Node &node;
    const std::filesystem::path &baseDirectory; // absolute: the default cwd, relative paths
    // Set when the node's params hold references and the type reads them
    // through it (OperationType::launchExpands): every string parameter is
    // read through it. Null: the params as written are what runs.
    ParamStrings *strings = nullptr;
};

using LaunchPlan = std::function<Launch(const LaunchContext &)>;

// Extra checks beyond per-parameter types (e.g. "exactly one of command/argv").
// Appends diagnostics whose paths are relative to the node's params object
// ("" = params itself, "/command" = one key); the validator prefixes them.
using ParamCheck = std::function<void(const nlohmann::json &params, std::vector<Diagnostic> &out)>;

struct OperationType
{
    std::string name;    // the "type" in a .weft file
    std::string group;   // palette group: "Processes", "Files", "Timing", "Control"
    std::string summary; // one line
    std::string doc;     // a paragraph, shown in tooltips and `weft-cli ops`
    std::string icon;    // resource icon name, for the editor
    std::vector<ParamDecl> params;
    std::vector<OutputDecl> outputs; // what it reports besides the node's declared outputs
    // It may report outputs of any name at run time (a process's `::output`
    // lines), so a reference to a name nobody declared is resolved when the
    // node finishes instead of being a validation error.
    bool reportsAnyOutput = false;
    Semantics semantics;
    ParamCheck check;   // optional
    InProcessRun run;   // for ExecutionSite::WorkerThread: runs on a worker
    LaunchPlan launch;  // for ExecutionSite::ChildProcess and Timer: what to start
    // `launch` reads every string parameter through LaunchContext::strings,
    // so a node of this type (not isolated) is never copied to expand its
    // references: its attempt is built from the node as written, its own
    // outputs and inputs expanded beside it.
    bool launchExpands = false;

    const ParamDecl *param(std::string_view name) const;
};

class OperationRegistry
{
public:
    // The built-in operation types: process, sleep, cpu, hash, copy, write, noop.
    static const OperationRegistry &builtin();

    void add(OperationType type); // replaces a type of the same name
    const OperationType *find(std::string_view name) const;
    const std::vector<OperationType> &types() const { return m_types; }
    std::vector<std::string> names() const;

private:
    std::vector<OperationType> m_types;
};

// A short human description of a semantics declaration, e.g.
// "child process · holds no worker · reentrant · cancellable · touches: processes".
std::string describe(const Semantics &semantics);

} // namespace weft
