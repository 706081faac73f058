// SPDX-License-Identifier: Apache-2.0
// weft-cli: the engine without Qt, for terminals, scripts, CI and servers.

#include "AnalysisCommands.h"
#include "Commands.h"
#include "HugePages.h"
#include "ProcessExit.h"
#include "Signals.h"

#include "weft/Version.h"

#include <CLI/CLI.hpp>
#include <oneapi/tbb/global_control.h>

#include <cstdlib>
#include <new>
#include <string>

#if WEFT_CLI_STATIC_OPENSSL
#include <openssl/opensslv.h>
#endif

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

// A run of a large workflow frees the parsed file and allocates the run's
// own structures, on several threads. With glibc's defaults each thread
// gets an arena of its own, big blocks are mapped and unmapped, and free
// space at the heap's top goes back to the kernel: memory freed in one
// place is not what the next allocation reuses, and every fresh page is a
// page fault (tens of microseconds on a VM). One arena, big blocks from
// the heap and a heap that keeps what it grew took a 90,000-node run from
// about 38,000 faults to 30,000 and 0.81 to 0.73 s (bench_cli). The
// process is short-lived, and small allocations still come from each
// thread's own cache without a lock. Two arenas, not one: `run` reads the
// incremental state on a second thread while the main one loads the file,
// and both allocate a great deal; sharing one arena's lock made the load
// three times slower. A person who tunes malloc through the environment
// keeps their settings.
void tuneMalloc()
{
#if defined(__GLIBC__)
    for (const char *name : {"GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_TOP_PAD_",
                             "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"}) {
        if (std::getenv(name))
            return;
    }
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_TOP_PAD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20); // the most glibc takes
#endif
}

// The OpenSSL that computes the hashes. Linked from the static archive it
// is exactly the headers' version; asking libcrypto (OpenSslVersion.cpp)
// would link all of it into weft-cli for this one line.
std::string openSslVersion()
{
#if WEFT_CLI_STATIC_OPENSSL
    return OPENSSL_VERSION_TEXT;
#else
    return weft::openSslVersionString();
#endif
}

} // namespace

int main(int argc, char **argv)
{
    using namespace weft::cli;
    preferHugePagesForLargeFiles(argc, argv); // may re-execute this program: first
    tuneMalloc();
    weft::cli::survivePipeClosing();
    openRunStateEarly(argc, argv); // a thread: after malloc is tuned

    CLI::App app("Weft: run graphs of operations, in parallel, from the command line.", "weft-cli");
    app.set_version_flag("--version",
        "weft-cli " + weft::versionString() + "\n" + weft::licenseString() + "\noneTBB "
            + weft::tbbVersionString() + "\n" + openSslVersion());
    app.require_subcommand(1);
    app.footer("Examples:\n"
               "  weft-cli run build.weft -j 8        run a workflow, 8 nodes at once\n"
               "  weft-cli validate *.weft            check files, errors as file:line:col\n"
               "  weft-cli ops                        operation types and their semantics\n"
               "  weft-cli dot build.weft | dot -Tsvg > build.svg\n"
               "  weft-cli history build.weft         the recorded runs, newest first\n"
               "  weft-cli lint build.weft            races in the design, before any run\n"
               "  weft-cli check build.weft --orders 20   results that depend on the order\n"
               "  weft-cli predict build.weft -j 1,2,4    wall time by simulation on the history\n"
               "  weft-cli report build.weft          why the last run was not more parallel\n"
               "\n"
               "'weft-cli COMMAND --help' describes each command.");

    Action action;
    addRunCommand(app, action);
    addValidateCommand(app, action);
    addOpsCommand(app, action);
    addDotCommand(app, action);
    addStateCommands(app, action);
    addLintCommand(app, action);
    addCheckCommand(app, action);
    addPredictCommands(app, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &error) {
        const int code = app.exit(error);
        // --help and --version end parsing with code 0; every other parse
        // problem is bad usage, whatever CLI11's own code for it.
        return code == 0 ? ExitSuccess : ExitUsage;
    }
    if (!action)
        return ExitUsage;
    // By default nothing is torn down at all (ProcessExit.h), so nothing
    // needs a handle on oneTBB's scheduler either: attaching one initializes
    // oneTBB's threading layer up front, 1 ms that every command paid first,
    // also those that never run a graph.
    if (!cleanExit())
        exitWithoutTeardown(action());
    // A clean exit joins oneTBB's worker threads instead of leaving them
    // running while the process tears down: valgrind and sanitizers see a
    // clean end, and no worker touches static state being destroyed.
    oneapi::tbb::task_scheduler_handle scheduler{oneapi::tbb::attach{}};
    const int status = action();
    oneapi::tbb::finalize(scheduler, std::nothrow);
    return status;
}
