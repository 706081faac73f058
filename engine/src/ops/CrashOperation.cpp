// SPDX-License-Identifier: Apache-2.0
#include "ops/CrashOperation.h"

#include "weft/Diagnostic.h"
#include "weft/Workflow.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

namespace weft {

namespace {

const char *const kKinds[] = {"segv", "abort", "bad_alloc", "allocate", "exit", "throw", "fail"};

OperationResult runCrash(OperationContext &c)
{
    const std::string kind = c.node.params.value("kind", std::string());
    if (kind == "segv") {
        int *volatile nowhere = nullptr;
        *nowhere = 42;
        return {false, "still alive after writing through a null pointer"};
    }
    if (kind == "abort")
        std::abort();
    if (kind == "bad_alloc")
        throw std::bad_alloc();
    if (kind == "allocate") {
        // Every page touched, so the memory is really taken, not only reserved.
        const std::size_t bytes = std::size_t(c.node.params.value("bytes", std::int64_t(0)));
        std::unique_ptr<char[]> block(new char[bytes]);
        for (std::size_t i = 0; i < bytes; i += 4096)
            block[i] = char(i);
        c.writeStdout("allocated " + std::to_string(bytes) + " bytes\n");
        return {};
    }
    if (kind == "exit")
        std::_Exit(int(c.node.params.value("code", std::int64_t(3))));
    if (kind == "throw")
        throw std::runtime_error(c.node.params.value("message", std::string("thrown on purpose")));
    if (kind == "fail")
        return {false, c.node.params.value("message", std::string("failed on purpose"))};
    return {false, "unknown crash kind \"" + kind + "\""};
}

} // namespace

bool testOperationsEnabled()
{
    const char *env = std::getenv("WEFT_TEST_OPERATIONS");
    return env && std::strcmp(env, "1") == 0;
}

OperationType crashType()
{
    OperationType t;
    t.name = "crash";
    t.group = "Testing";
    t.icon = "noop";
    t.summary = "Fail on purpose (tests only)";
    t.doc = "Fails the way `kind` says: segv (a segmentation fault), abort, bad_alloc (throws "
            "std::bad_alloc), allocate (`bytes`, every page touched), exit (std::_Exit with "
            "`code`), throw (std::runtime_error with `message`), fail (returns `message`). "
            "Crashing kinds take the whole program down on a thread: run them isolated.";
    t.params = {
        {"kind", ParamKind::String, true, nullptr, "segv, abort, bad_alloc, allocate, exit, throw or fail", -1e300},
        {"bytes", ParamKind::Integer, false, nullptr, "For allocate: how many bytes", 0},
        {"code", ParamKind::Integer, false, nullptr, "For exit: the exit status", 0},
        {"message", ParamKind::String, false, nullptr, "For throw and fail", -1e300},
    };
    t.semantics = {ExecutionSite::WorkerThread, true, true, false, {"the program itself"}};
    t.run = runCrash;
    t.check = [](const nlohmann::json &params, std::vector<Diagnostic> &out) {
        const auto it = params.find("kind");
        if (it == params.end() || !it->is_string())
            return;
        for (const char *kind : kKinds) {
            if (*it == kind)
                return;
        }
        out.push_back({Severity::Error,
                       "\"kind\" must be segv, abort, bad_alloc, allocate, exit, throw or fail",
                       "/kind", 0, 0, {}});
    };
    return t;
}

} // namespace weft
