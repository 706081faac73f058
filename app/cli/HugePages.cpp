// SPDX-License-Identifier: Apache-2.0
#include "HugePages.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace weft::cli {

namespace {

constexpr const char *kTunables = "GLIBC_TUNABLES";
// Set for the re-executed process only: what GLIBC_TUNABLES was before
// ("=" prefixed, so that an empty value and none differ).
constexpr const char *kSaved = "WEFT_SAVED_GLIBC_TUNABLES";
constexpr off_t kLargeFile = 4 << 20;

bool transparentHugePagesOn()
{
    std::FILE *f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
    if (!f)
        return false;
    char mode[128] = {};
    const bool read = std::fgets(mode, sizeof mode, f) != nullptr;
    std::fclose(f);
    return read && std::strstr(mode, "[never]") == nullptr;
}

bool namesLargeFile(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        struct stat st{};
        if (argv[i][0] != '-' && ::stat(argv[i], &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= kLargeFile)
            return true;
    }
    return false;
}

} // namespace

void preferHugePagesForLargeFiles(int argc, char **argv)
{
    if (const char *saved = std::getenv(kSaved)) {
        // The re-executed process: malloc has read the tunable; put the
        // environment back as the user gave it, for every child to come.
        if (saved[0] == '=')
            ::setenv(kTunables, saved + 1, 1);
        else
            ::unsetenv(kTunables);
        ::unsetenv(kSaved);
        return;
    }
    const char *off = std::getenv("WEFT_HUGE_PAGES");
    if ((off && std::strcmp(off, "0") == 0) || !namesLargeFile(argc, argv) || !transparentHugePagesOn())
        return;
    const char *before = std::getenv(kTunables);
    if (before && std::strstr(before, "glibc.malloc.hugetlb"))
        return; // the user's own choice
    const std::string saved = before ? "=" + std::string(before) : std::string("unset");
    const std::string tunables = before && *before ? std::string(before) + ":glibc.malloc.hugetlb=1"
                                                   : std::string("glibc.malloc.hugetlb=1");
    ::setenv(kSaved, saved.c_str(), 1);
    ::setenv(kTunables, tunables.c_str(), 1);
    ::execv("/proc/self/exe", argv);
    // Could not: run as we are.
    ::unsetenv(kSaved);
    if (before)
        ::setenv(kTunables, before, 1);
    else
        ::unsetenv(kTunables);
}

} // namespace weft::cli
