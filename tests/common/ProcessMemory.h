// SPDX-License-Identifier: Apache-2.0
#pragma once

// This process's memory as the kernel reports it in /proc/self/status, for
// tests and benchmarks that bound or report memory. -1 when unreadable.

#include <fstream>
#include <string>
#include <string_view>

namespace weft::test {

inline long statusFieldKiB(std::string_view field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.size() > field.size() && line.compare(0, field.size(), field) == 0
            && line[field.size()] == ':')
            return std::stol(line.substr(field.size() + 1));
    }
    return -1;
}

inline long residentKiB() { return statusFieldKiB("VmRSS"); } // resident now
inline long peakResidentKiB() { return statusFieldKiB("VmHWM"); } // peak since start or reset

} // namespace weft::test
