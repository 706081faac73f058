// SPDX-License-Identifier: Apache-2.0
// The executor's side of isolation: checks, the helper's launch, and the
// helper's exit read back as the operation's outcome.

#include "isolation/Isolation.h"

#include "isolation/Protocol.h"

#include "weft/Diagnostic.h"
#include "weft/Isolation.h"
#include "weft/Workflow.h"

#include "process/ProcessReactor.h"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <system_error>

#include <unistd.h>

namespace weft {

namespace fs = std::filesystem;

std::string_view toString(Isolation isolation)
{
    return isolation == Isolation::Process ? "process" : "thread";
}

std::optional<Isolation> isolationFromString(std::string_view text)
{
    if (text == "thread")
        return Isolation::Thread;
    if (text == "process")
        return Isolation::Process;
    return std::nullopt;
}

std::optional<std::uint64_t> parseMemorySize(std::string_view text)
{
    std::size_t i = 0;
    std::uint64_t value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        const std::uint64_t digit = std::uint64_t(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
        ++i;
    }
    if (i == 0)
        return std::nullopt;
    while (i < text.size() && text[i] == ' ')
        ++i;
    std::string_view suffix = text.substr(i);
    int shift = 0;
    if (!suffix.empty()) {
        switch (suffix.front()) {
        case 'K': case 'k': shift = 10; break;
        case 'M': case 'm': shift = 20; break;
        case 'G': case 'g': shift = 30; break;
        case 'T': case 't': shift = 40; break;
        case 'B': case 'b': shift = 0; break;
        default: return std::nullopt;
        }
        if (suffix.front() != 'B' && suffix.front() != 'b') {
            suffix.remove_prefix(1);
            if (suffix == "iB" || suffix == "B" || suffix == "b")
                suffix = {};
        } else {
            suffix.remove_prefix(1);
        }
        if (!suffix.empty())
            return std::nullopt;
    }
    if (shift && value > (UINT64_MAX >> shift))
        return std::nullopt;
    value <<= shift;
    if (value == 0)
        return std::nullopt;
    return value;
}

std::string formatMemorySize(std::uint64_t bytes)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024)
        return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    int unit = -1;
    std::uint64_t whole = bytes;
    while (unit < 3 && whole % 1024 == 0 && whole >= 1024) {
        whole /= 1024;
        ++unit;
    }
    if (unit >= 0 && (whole < 1024 || unit == 3))
        return std::to_string(whole) + " " + units[unit];
    // Not a whole number of any unit: one decimal of the largest that fits.
    double value = double(bytes);
    unit = -1;
    while (unit < 3 && value >= 1024) {
        value /= 1024;
        ++unit;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f %s", value, units[unit]);
    return buffer;
}

bool isolatable(const OperationType &type)
{
    // A workflow node is expanded into its inner nodes: nothing of it runs.
    return type.semantics.site == ExecutionSite::WorkerThread && type.run && type.name != "workflow";
}

Semantics isolatedSemantics(const Semantics &onThread)
{
    Semantics s = onThread;
    s.site = ExecutionSite::ChildProcess;
    s.blocksWorker = false;
    s.cancellable = true;
    return s;
}

namespace isolation {

namespace {

// Where weft-op is: $WEFT_OP_HELPER, else beside the running program
// (weft-cli and weft are installed in one directory with it), else the
// installed bindir. Empty: nowhere.
std::string findHelper()
{
    if (const char *env = std::getenv("WEFT_OP_HELPER"); env && *env)
        return env;
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path beside = self.parent_path() / "weft-op";
        if (::access(beside.c_str(), X_OK) == 0)
            return beside.string();
    }
#ifdef WEFT_INSTALL_BINDIR
    const fs::path installed = fs::path(WEFT_INSTALL_BINDIR) / "weft-op";
    if (::access(installed.c_str(), X_OK) == 0)
        return installed.string();
#endif
    return {};
}

const std::string &helperPath()
{
    static const std::string path = findHelper();
    return path;
}

} // namespace

void check(const Node &node, const OperationType *type,
           const std::function<void(std::string key, std::string message)> &add)
{
    if (node.isolation == Isolation::Process && type && !isolatable(*type)) {
        add("/isolation", "\"isolation\" applies to operations that run on a worker thread; "
                          "a " + type->name + " node runs in a "
                              + std::string(toString(type->semantics.site)) + " already");
    }
    if (!node.memory.empty()) {
        if (!parseMemorySize(node.memory))
            add("/memory", "\"memory\" must be a size such as 1048576, \"64M\" or \"2G\", found "
                               + inQuotesBounded(node.memory));
        else if (node.isolation != Isolation::Process)
            add("/memory", "\"memory\" limits an isolated node: add \"isolation\": \"process\"");
    }
}

Launch launch(const OperationType &type, const LaunchContext &context)
{
    Launch result;
    const std::string &helper = helperPath();
    if (helper.empty()) {
        result.error = "cannot isolate: the helper weft-op is neither beside this program nor "
                       "installed (set WEFT_OP_HELPER to its path)";
        return result;
    }
    nlohmann::json request = {
        {"weft-op", kProtocolVersion},
        {"type", type.name},
        {"node", context.node.id},
        {"params", context.node.params},
        {"base", context.baseDirectory.string()},
    };
    if (!context.node.memory.empty()) {
        if (const auto bytes = parseMemorySize(context.node.memory))
            request["memory"] = *bytes;
    }
    result.process.argv = {helper};
    result.process.cwd = context.baseDirectory.native();
    result.process.stdinData = request.dump();
    return result;
}

NamedValues interpret(ProcessOutcome &outcome)
{
    NamedValues outputs;
    std::set<std::string, std::less<>> lists;
    std::optional<std::string> operationError;
    for (auto &[name, value] : outcome.outputs) {
        if (name == kErrorName) {
            operationError = std::move(value);
        } else if (name == kListName) {
            outputs.insert_or_assign(value, StringOrList(std::vector<std::string>{}));
            lists.insert(value);
        } else if (lists.count(name)) {
            outputs[name].items.push_back(std::move(value));
        } else {
            appendValue(outputs, name, std::move(value));
        }
    }
    outcome.commandLine.clear(); // the helper's path says nothing about the node
    if (outcome.ok) {
        outcome.exitCode.reset(); // as on a thread: the operation has no exit status
        return outputs;
    }
    if (outcome.exitCode == kExitFailed && operationError) {
        outcome.exitCode.reset();
        outcome.error = operationError->empty() ? "failed" : std::move(*operationError);
    } else if (outcome.exitCode == kExitBadRequest) {
        outcome.exitCode.reset();
        std::string_view tail = outcome.stderrTail;
        while (!tail.empty() && tail.back() == '\n')
            tail.remove_suffix(1);
        if (const auto nl = tail.rfind('\n'); nl != std::string_view::npos)
            tail.remove_prefix(nl + 1);
        outcome.error = "isolation helper: " + std::string(tail.empty() ? "bad request" : tail);
    }
    // Anything else (a signal, another exit status, a timeout, a cancel)
    // the reactor has named already: "killed by SIGSEGV".
    return {};
}

} // namespace isolation
} // namespace weft
