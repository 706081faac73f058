#pragma once

#include <string>

namespace weft {

std::string versionString();        // "0.1.0"
std::string tbbVersionString();     // oneTBB runtime version
std::string openSslVersionString(); // OpenSSL runtime version

} // namespace weft
