// SPDX-License-Identifier: Apache-2.0
// SHA-256 through OpenSSL's SHA256_Init/Update/Final, deprecated since 3.0
// in favour of EVP but still in every 3.x. They are the same code as the
// default provider's SHA-256 (its assembly, SHA-NI where the CPU has it),
// without the providers: EVP made weft-cli link and relocate all of
// libcrypto's algorithm tables (19,600 relocations against 3,000, 100 of
// 300 page faults at start) and initialize the providers on the first hash,
// together about 2 ms of a 20 ms no-op run of a small build. An OpenSSL built
// without the deprecated API gets EVP instead (the same digests).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "state/Fingerprint.h"

#ifdef OPENSSL_NO_DEPRECATED_3_0
#include <openssl/evp.h>
#endif

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace weft::state {

#ifndef OPENSSL_NO_DEPRECATED_3_0

Sha256::Sha256()
{
    SHA256_Init(&m_ctx);
}

void Sha256::add(const void *data, std::size_t size)
{
    SHA256_Update(&m_ctx, data, size);
}

Digest Sha256::finish()
{
    Digest out{};
    SHA256_Final(out.data(), &m_ctx);
    return out;
}

#else

namespace {

// Fetched once: an implicit fetch on every EVP_sha256() init costs about a
// microsecond. The system's openssl.cnf is not read (SHA-256 of local
// files is the default provider's whatever it says).
const EVP_MD *sha256Algorithm()
{
    static EVP_MD *md = [] {
        OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
        return EVP_MD_fetch(nullptr, "SHA256", nullptr);
    }();
    return md ? md : EVP_sha256();
}

// One context per thread, one hash at a time on it: a Sha256 never outlives
// the call that made it, and none of them nests another.
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

#endif

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

// A string that nlohmann's dump() writes as it is, in double quotes:
// printable ASCII, neither '"' nor '\\'.
static bool dumpsVerbatim(const std::string &text)
{
    for (const char c : text) {
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            return false;
    }
    return true;
}

// The JSON of a string that dumps verbatim, "text", hashed in pieces.
static Digest quotedDigest(const std::string &text)
{
    Sha256 h;
    h.add("\"", 1);
    h.add(text);
    h.add("\"", 1);
    return h.finish();
}

// The JSON of `count` strings that dump verbatim, ["a","b"], hashed in
// pieces; at(k) is string k.
template<typename At>
static Digest listDigest(std::size_t count, At &&at)
{
    Sha256 h;
    h.add("[", 1);
    for (std::size_t k = 0; k < count; ++k) {
        h.add(k ? ",\"" : "\"", k ? 2 : 1);
        h.add(at(k));
        h.add("\"", 1);
    }
    h.add("]", 1);
    return h.finish();
}

// SHA-256 of value.dump(), the param's canonical JSON, and the same
// bytes: a string, or an array of strings, that dumps verbatim is hashed
// in pieces instead of being serialized first (an allocation, a
// serializer and a locale look-up per param per check).
Digest paramDigest(const nlohmann::json &value)
{
    if (value.is_string()) {
        const std::string &text = value.get_ref<const std::string &>();
        return dumpsVerbatim(text) ? quotedDigest(text) : sha256(value.dump());
    }
    if (value.is_array()) {
        const auto &items = value.get_ref<const nlohmann::json::array_t &>();
        for (const nlohmann::json &item : items) {
            if (!item.is_string() || !dumpsVerbatim(item.get_ref<const std::string &>()))
                return sha256(value.dump());
        }
        return listDigest(items.size(), [&](std::size_t k) -> const std::string & {
            return items[k].get_ref<const std::string &>();
        });
    }
    return sha256(value.dump());
}

// paramDigest() of the JSON a param expands to, from its expanded text:
// a string and a list of strings are the same bytes in pieces, or
// serialized as that JSON when a character needs escaping.
Digest expandedParamDigest(const ExpandedParam &value)
{
    switch (value.kind) {
    case ExpandedParam::Kind::Text:
        return dumpsVerbatim(*value.text) ? quotedDigest(*value.text)
                                          : sha256(nlohmann::json(*value.text).dump());
    case ExpandedParam::Kind::Items: {
        const std::vector<std::string> &items = *value.items;
        for (const std::string &item : items) {
            if (!dumpsVerbatim(item))
                return sha256(nlohmann::json(items).dump());
        }
        return listDigest(items.size(),
                          [&](std::size_t k) -> const std::string & { return items[k]; });
    }
    case ExpandedParam::Kind::Json:
        break;
    }
    return paramDigest(*value.json);
}

} // namespace weft::state
