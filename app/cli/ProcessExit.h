// SPDX-License-Identifier: Apache-2.0
#pragma once

// How weft-cli ends. Once a command has written everything and closed its
// files, freeing what it built changes nothing but the time: tearing down a
// 100,000-node run (the workflow, the run's state, OpenSSL's and oneTBB's
// exit handlers, and glibc merging a heap of small blocks on the way) took
// 50-70 ms after its last write. So the process ends without it, as
// compilers do. WEFT_CLEAN_EXIT=1, and sanitizer builds, tear everything down
// as before, so that valgrind and LeakSanitizer still see every leak.

#include <memory>

namespace weft::cli {

// False: end without tearing down (the default).
bool cleanExit();

// Keeps `object` alive until the process ends, so that leaving a command's
// scope does not free it (nothing when cleanExit()).
void keepUntilExit(std::shared_ptr<const void> object);

// Flushes stdio and ends the process with `status`, running no destructor
// and no exit handler. Call only when every file is written and closed.
[[noreturn]] void exitWithoutTeardown(int status);

} // namespace weft::cli
