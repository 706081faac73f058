// SPDX-License-Identifier: Apache-2.0
#pragma once

// What a unit's result depends on (DESIGN.md, "Incremental runs"), as a list
// of named parts, each with its own SHA-256: the operation type, each
// top-level param (canonical JSON: nlohmann sorts object keys), the declared
// outputs as written after expansion, each input file's content, and each
// need's declared outputs' content. The fingerprint is the hash of the parts
// in order. Kept as parts, not only as the sum, so that --explain can name
// the first part that changed (which key, which file, which upstream).

#include "weft/Incremental.h"

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace weft::state {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view data);

// A SHA-256 fed in pieces: the digest of their concatenation, without
// building it. It uses its thread's one context, so it lives within one
// call and never beside another Sha256 on the same thread.
class Sha256
{
public:
    Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;
    void add(const void *data, std::size_t size);
    void add(std::string_view data) { add(data.data(), data.size()); }
    Digest finish();

private:
#ifndef OPENSSL_NO_DEPRECATED_3_0
    SHA256_CTX m_ctx; // see Fingerprint.cpp
#else
    struct evp_md_ctx_st *m_ctx;
#endif
};
// False when the file cannot be read (missing, a directory, no permission).
bool sha256File(const std::filesystem::path &path, Digest &out);
std::string hex(const Digest &digest);

// A param's part of a fingerprint: SHA-256 of its canonical JSON.
Digest paramDigest(const nlohmann::json &value);
// The same for a param as a unit runs it, given as its expanded text
// (weft/Incremental.h): equal to paramDigest() of the JSON it expands to.
Digest expandedParamDigest(const ExpandedParam &value);

enum class PartKind : char {
    Type = 't',
    Param = 'p',
    Outputs = 'o', // the declared output paths, as expanded
    Input = 'i',
    Item = 'f',    // a glob fan-out instance's own file
    Upstream = 'u',
};

struct Part
{
    PartKind kind = PartKind::Type;
    std::string key; // the param's name, the input's path, the need's id
    Digest digest{};
    bool operator==(const Part &) const = default;
};

struct Fingerprint
{
    std::vector<Part> parts;
    Digest sum() const;
    // A compact form for the database: kind, key, NUL, 32 bytes, per part.
    std::string serialize() const;
    static Fingerprint deserialize(std::string_view blob);
};

// The first part that differs, as --explain says it: "input changed: src/a.c".
// Empty when none does.
std::string firstDifference(const Fingerprint &recorded, const Fingerprint &now);

} // namespace weft::state
