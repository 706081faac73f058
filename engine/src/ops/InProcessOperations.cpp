// SPDX-License-Identifier: Apache-2.0
#include "ops/InProcessOperations.h"

#include "state/Fingerprint.h"

#include "weft/WorkflowFile.h"
#include "weft/Workflow.h"


#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <glob.h>
#include <memory>
#include <system_error>
#include <vector>

namespace weft {

namespace fs = std::filesystem;

namespace {

OperationResult failure(std::string message)
{
    return {false, std::move(message)};
}

std::string paramString(const OperationContext &c, const char *name)
{
    const auto &params = c.node.params;
    auto it = params.find(name);
    if (it == params.end() || !it->is_string())
        return {};
    return it->get<std::string>();
}

double paramNumber(const OperationContext &c, const char *name)
{
    const auto &params = c.node.params;
    auto it = params.find(name);
    if (it == params.end() || !it->is_number())
        return 0;
    return it->get<double>();
}

// Expands one pattern relative to the base directory. A pattern without glob
// characters names one file that must exist; a glob that matches nothing is an
// error, because a silently empty digest list hides a broken workflow.
bool expandPattern(const OperationContext &c, const std::string &pattern,
                   std::vector<std::pair<std::string, fs::path>> &out, std::string &error)
{
    const fs::path absolute = c.resolve(pattern);
    if (pattern.find_first_of("*?[") == std::string::npos) {
        out.emplace_back(pattern, absolute);
        return true;
    }
    glob_t g{};
    const int rc = ::glob(absolute.c_str(), GLOB_ERR | GLOB_MARK, nullptr, &g);
    if (rc == GLOB_NOMATCH) {
        globfree(&g);
        error = "no files match \"" + pattern + "\"";
        return false;
    }
    if (rc != 0) {
        globfree(&g);
        error = rc == GLOB_NOSPACE ? "out of memory expanding \"" + pattern + "\""
                                   : "cannot read the directories of \"" + pattern + "\"";
        return false;
    }
    const std::string base = c.baseDirectory.empty() ? std::string() : (c.baseDirectory / "").string();
    for (size_t i = 0; i < g.gl_pathc; ++i) {
        std::string match = g.gl_pathv[i];
        if (!match.empty() && match.back() == '/')
            continue; // directories (GLOB_MARK) are not hashed
        std::string shown = match;
        if (!fs::path(pattern).is_absolute() && !base.empty() && shown.rfind(base, 0) == 0)
            shown = shown.substr(base.size());
        out.emplace_back(shown, fs::path(match));
    }
    globfree(&g);
    return true;
}

std::string hexDigest(const unsigned char *digest, unsigned int length)
{
    static const char hex[] = "0123456789abcdef";
    std::string text;
    text.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        text += hex[digest[i] >> 4];
        text += hex[digest[i] & 0xf];
    }
    return text;
}

} // namespace

OperationResult runNoop(OperationContext &)
{
    return {};
}

OperationResult runCpu(OperationContext &c)
{
    using Clock = std::chrono::steady_clock;
    const double seconds = paramNumber(c, "seconds");
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    volatile std::uint64_t sink = 0;
    std::uint64_t x = 88172645463325252ull;
    int lastPercent = -1;
    for (;;) {
        for (int i = 0; i < 20000; ++i) { // roughly a tenth of a millisecond of work
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        sink = sink + x;
        if (c.cancelled.load(std::memory_order_relaxed))
            return failure("cancelled");
        const auto now = Clock::now();
        if (now >= end)
            break;
        if (seconds >= 1.0) {
            const double fraction = std::chrono::duration<double>(now - start).count() / seconds;
            const int percent = int(fraction * 100);
            if (percent != lastPercent && percent % 10 == 0) {
                lastPercent = percent;
                c.reportProgress(fraction, "computing");
            }
        }
    }
    return {};
}

OperationResult runHash(OperationContext &c)
{
    const auto it = c.node.params.find("files");
    if (it == c.node.params.end() || !it->is_array())
        return failure("hash needs \"files\"");
    std::vector<std::pair<std::string, fs::path>> files;
    for (const auto &entry : *it) {
        std::string error;
        if (!entry.is_string() || !expandPattern(c, entry.get<std::string>(), files, error))
            return failure(error.empty() ? "\"files\" entries must be strings" : error);
    }
    std::stable_sort(files.begin(), files.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });

    std::vector<char> buffer(1 << 16);
    std::vector<std::string> digests;
    digests.reserve(files.size());
    for (std::size_t index = 0; index < files.size(); ++index) {
        const auto &[shown, path] = files[index];
        std::error_code ec;
        if (fs::is_directory(path, ec))
            return failure("is a directory, not a file: " + shown);
        std::ifstream in(path, std::ios::binary);
        if (!in)
            return failure("cannot read " + shown + ": " + std::strerror(errno));
        state::Sha256 hash;
        while (in) {
            in.read(buffer.data(), std::streamsize(buffer.size()));
            const auto n = in.gcount();
            if (n > 0)
                hash.add(buffer.data(), std::size_t(n));
            if (c.cancelled.load(std::memory_order_relaxed))
                return failure("cancelled");
        }
        if (in.bad())
            return failure("read error in " + shown);
        const state::Digest digest = hash.finish();
        const unsigned int length = unsigned(digest.size());
        digests.push_back(hexDigest(digest.data(), length));
        std::string line = digests.back() + "  " + shown + "\n";
        c.writeStdout(line);
        if (files.size() > 1)
            c.reportProgress(double(index + 1) / double(files.size()), shown);
    }
    // One file: its digest, the way a later node compares it. Several: the
    // list, in the order the lines were written.
    if (digests.size() == 1)
        c.setOutput("digest", StringOrList(std::move(digests.front())));
    else
        c.setOutput("digest", StringOrList(std::move(digests)));
    return {};
}

OperationResult runCopy(OperationContext &c)
{
    const std::string from = paramString(c, "from");
    const std::string to = paramString(c, "to");
    const fs::path source = c.resolve(from);
    const fs::path target = c.resolve(to);
    std::error_code ec;
    if (!fs::exists(source, ec))
        return failure("no such file or directory: " + from);
    if (target.has_parent_path() && !fs::exists(target.parent_path(), ec)) {
        fs::create_directories(target.parent_path(), ec);
        if (ec)
            return failure("cannot create directory " + target.parent_path().string() + ": " + ec.message());
    }
    fs::copy(source, target,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec)
        return failure("cannot copy " + from + " to " + to + ": " + ec.message());
    c.setOutput("path", StringOrList(to));
    return {};
}

OperationResult runWrite(OperationContext &c)
{
    const std::string path = paramString(c, "path");
    const std::string text = paramString(c, "text");
    const fs::path target = c.resolve(path);
    std::error_code ec;
    if (target.has_parent_path() && !fs::exists(target.parent_path(), ec)) {
        fs::create_directories(target.parent_path(), ec);
        if (ec)
            return failure("cannot create directory " + target.parent_path().string() + ": " + ec.message());
    }
    const SaveResult saved = writeFileAtomically(target, text);
    if (!saved.ok)
        return failure(saved.error);
    c.setOutput("path", StringOrList(path));
    return {};
}

} // namespace weft
