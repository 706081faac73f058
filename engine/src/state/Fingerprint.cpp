// SPDX-License-Identifier: Apache-2.0
#include "state/Fingerprint.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace weft::state {

namespace {

// OpenSSL 3 looks the algorithm up on every EVP_sha256() init (an implicit
// fetch, about a microsecond); a no-op run hashes a few short strings per
// node, so the algorithm is fetched once and each thread reuses a context.
// The first fetch also initializes OpenSSL, which by default reads the
// system's openssl.cnf and sets up what it names (engines, providers): a
// millisecond or more of every no-op run of a small build, for SHA-256 of
// local files, which the default provider computes whatever that file says.
const EVP_MD *sha256Algorithm()
{
    static EVP_MD *md = [] {
        OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
        return EVP_MD_fetch(nullptr, "SHA256", nullptr);
    }();
    return md ? md : EVP_sha256();
}

// One EVP context per thread, and one hash at a time on it: a Sha256 never
// outlives the call that made it, and none of them nests another.
EVP_MD_CTX *threadContext()
{
    thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                             EVP_MD_CTX_free);
    return ctx.get();
}

} // namespace

Sha256::Sha256() : m_ctx(threadContext())
{
    EVP_DigestInit_ex(m_ctx, sha256Algorithm(), nullptr);
}

void Sha256::add(const void *data, std::size_t size)
{
    EVP_DigestUpdate(m_ctx, data, size);
}

Digest Sha256::finish()
{
    Digest out{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_ctx, out.data(), &length);
    return out;
}

Digest sha256(std::string_view data)
{
    Sha256 c;
    c.add(data.data(), data.size());
    return c.finish();
}

bool sha256File(const std::filesystem::path &path, Digest &out)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    Sha256 c;
    char buffer[64 * 1024];
    bool ok = true;
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ok = false; // EISDIR for a directory
            break;
        }
        c.add(buffer, std::size_t(n));
    }
    ::close(fd);
    out = c.finish();
    return ok;
}

std::string hex(const Digest &digest)
{
    static const char *const digits = "0123456789abcdef";
    std::string text(64, '0');
    for (std::size_t i = 0; i < digest.size(); ++i) {
        text[2 * i] = digits[digest[i] >> 4];
        text[2 * i + 1] = digits[digest[i] & 15];
    }
    return text;
}

Digest Fingerprint::sum() const
{
    Sha256 c;
    for (const Part &part : parts) {
        const char kind = char(part.kind);
        c.add(&kind, 1);
        c.add(part.key.data(), part.key.size());
        c.add("", 1); // keys hold no NUL: "ab"+"c" differs from "a"+"bc"
        c.add(part.digest.data(), part.digest.size());
    }
    return c.finish();
}

std::string Fingerprint::serialize() const
{
    std::string out;
    for (const Part &part : parts) {
        out += char(part.kind);
        out += part.key;
        out += '\0';
        out.append(reinterpret_cast<const char *>(part.digest.data()), part.digest.size());
    }
    return out;
}

Fingerprint Fingerprint::deserialize(std::string_view blob)
{
    Fingerprint f;
    while (!blob.empty()) {
        const std::size_t end = blob.find('\0', 1);
        if (end == std::string_view::npos || blob.size() < end + 1 + 32)
            break; // truncated: what is left compares as changed
        Part part;
        part.kind = PartKind(blob[0]);
        part.key = std::string(blob.substr(1, end - 1));
        std::memcpy(part.digest.data(), blob.data() + end + 1, 32);
        f.parts.push_back(std::move(part));
        blob.remove_prefix(end + 1 + 32);
    }
    return f;
}

namespace {

std::string describe(const Part &part, std::string_view how)
{
    switch (part.kind) {
    case PartKind::Type:
        return std::string("operation type ") + std::string(how);
    case PartKind::Param:
        return std::string("params changed: ") + part.key;
    case PartKind::Outputs:
        return std::string("declared outputs changed: ") + part.key;
    case PartKind::Input:
        return std::string("input ") + std::string(how) + ": " + part.key;
    case PartKind::Item:
        return std::string("item ") + std::string(how) + ": " + part.key;
    case PartKind::Upstream:
        return std::string("upstream ") + part.key + " "
               + (how == "changed" ? "changed (its outputs differ)" : std::string(how));
    }
    return "changed";
}

} // namespace

std::string firstDifference(const Fingerprint &recorded, const Fingerprint &now)
{
    // Parts are in a fixed order (kind, then key), so a walk in step finds
    // which one is new, gone or different.
    for (const Part &part : now.parts) {
        const Part *old = nullptr;
        for (const Part &candidate : recorded.parts) {
            if (candidate.kind == part.kind && candidate.key == part.key) {
                old = &candidate;
                break;
            }
        }
        if (!old) {
            if (part.kind == PartKind::Param)
                return "params changed: " + part.key + " (added)";
            return describe(part, "added");
        }
        if (old->digest != part.digest)
            return describe(part, "changed");
    }
    for (const Part &part : recorded.parts) {
        bool found = false;
        for (const Part &candidate : now.parts)
            found = found || (candidate.kind == part.kind && candidate.key == part.key);
        if (!found)
            return part.kind == PartKind::Param ? "params changed: " + part.key + " (removed)"
                                                : describe(part, "removed");
    }
    return {};
}

} // namespace weft::state
