// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ProcessLauncher.h"

#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace weft {

// posix_spawn with ninja's hygiene (subprocess-posix.cc). The only file of
// the project that includes <spawn.h>.
class PosixProcessLauncher final : public ProcessLauncher
{
public:
    LaunchResult launch(const std::vector<std::string> &argv, const ProcessCommand &spec) override;

private:
    struct Resolution
    {
        std::string path; // empty: not found
        int error = 0;    // ENOENT or EACCES when not found
        bool cacheable = false;
    };
    Resolution resolve(const std::string &name, const std::string &pathVariable,
                       const std::string &cwd) const;

    // PATH lookups of the inherited PATH, so that a workflow of 2,000 `true`
    // nodes searches PATH once. Keyed by name; dropped when PATH changes.
    std::shared_mutex m_cacheMutex;
    std::string m_cachedPathVariable;
    std::unordered_map<std::string, std::string> m_resolved;
};

} // namespace weft
