// SPDX-License-Identifier: Apache-2.0
#include "weft/Version.h"

#include "VersionConfig.h"

#include <oneapi/tbb/version.h>

namespace weft {

std::string versionString()
{
    return WEFT_VERSION;
}

std::string tbbVersionString()
{
    return TBB_runtime_version();
}

std::string licenseSpdxId()
{
    return "Apache-2.0";
}

std::string licenseString()
{
    return "Licensed under the Apache License 2.0 (SPDX: " + licenseSpdxId() + ")";
}

std::string licenseUrl()
{
    return "https://www.apache.org/licenses/LICENSE-2.0";
}

} // namespace weft
