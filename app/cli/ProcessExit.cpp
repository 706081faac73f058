// SPDX-License-Identifier: Apache-2.0
#include "ProcessExit.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WEFT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) \
    || __has_feature(memory_sanitizer)
#define WEFT_SANITIZED 1
#endif
#endif

namespace weft::cli {

bool cleanExit()
{
#ifdef WEFT_SANITIZED
    return true;
#else
    static const bool clean = [] {
        const char *value = std::getenv("WEFT_CLEAN_EXIT");
        return value && *value && *value != '0';
    }();
    return clean;
#endif
}

void keepUntilExit(std::shared_ptr<const void> object)
{
    if (cleanExit() || !object)
        return;
    // Never destroyed: a static vector would free its elements at exit.
    static std::mutex *mutex = new std::mutex;
    static auto *kept = new std::vector<std::shared_ptr<const void>>;
    std::lock_guard lock(*mutex);
    kept->push_back(std::move(object));
}

void exitWithoutTeardown(int status)
{
    std::fflush(nullptr);
    std::_Exit(status);
}

} // namespace weft::cli
