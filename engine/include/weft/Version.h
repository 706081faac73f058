// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace weft {

std::string versionString();        // "0.1.0"
std::string tbbVersionString();     // oneTBB runtime version
std::string openSslVersionString(); // OpenSSL runtime version

// Weft's license, in one place for --version, Help > About and the tests.
// The LICENSE file, packaging/copyright and the AppStream metainfo say the same.
std::string licenseSpdxId(); // "Apache-2.0"
std::string licenseString(); // "Licensed under the Apache License 2.0 (SPDX: Apache-2.0)"
std::string licenseUrl();    // the license text on apache.org

} // namespace weft
