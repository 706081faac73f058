// SPDX-License-Identifier: Apache-2.0
// A file of its own: OpenSSL_version() is linked only where this is. In a
// program linked with libcrypto's static archive it brings OpenSSL's
// initialization and, through it, all of libcrypto's algorithm tables
// (weft-cli, which prints OPENSSL_VERSION_TEXT instead: see its main.cpp).
#include "weft/Version.h"

#include <openssl/crypto.h>

namespace weft {

std::string openSslVersionString()
{
    return OpenSSL_version(OPENSSL_VERSION);
}

} // namespace weft
