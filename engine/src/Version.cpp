#include "weft/Version.h"

#include "VersionConfig.h"

#include <openssl/crypto.h>
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

std::string openSslVersionString()
{
    return OpenSSL_version(OPENSSL_VERSION);
}

} // namespace weft
