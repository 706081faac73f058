// SPDX-License-Identifier: Apache-2.0
#pragma once

// The floor for starting processes: `count` runs of /bin/true, `jobs` at a
// time, with posix_spawn and waitpid in `jobs` threads — no graph, no
// pipes, no events. Benchmarks hold Weft's process throughput against it.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <vector>

extern char **environ;

namespace weft::test {

// Seconds for the whole batch.
inline double bareSpawnSeconds(int count, int jobs)
{
    std::atomic<int> next{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int s = 0; s < jobs; ++s) {
        threads.emplace_back([&] {
            char program[] = "/bin/true";
            char *argv[] = {program, nullptr};
            while (next.fetch_add(1) < count) {
                pid_t pid;
                if (posix_spawn(&pid, program, nullptr, nullptr, argv, environ) == 0) {
                    int status;
                    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
                    }
                }
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace weft::test
