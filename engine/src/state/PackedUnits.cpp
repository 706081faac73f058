// SPDX-License-Identifier: Apache-2.0
#include "state/PackedUnits.h"

namespace weft::state {

namespace {

enum Flag : unsigned char {
    kCached = 1,
    kStart = 2,
    kExitCode = 4,
    kSignal = 8,
    kWhy = 16,
    kCpu = 32,
    kQueued = 64,
};

void appendVarint(std::string &out, std::uint64_t value)
{
    while (value >= 0x80) {
        out += char(static_cast<unsigned char>(value | 0x80));
        value >>= 7;
    }
    out += char(static_cast<unsigned char>(value));
}

void appendSigned(std::string &out, std::int64_t value)
{
    appendVarint(out, (std::uint64_t(value) << 1) ^ std::uint64_t(value >> 63));
}

void appendString(std::string &out, std::string_view text)
{
    appendVarint(out, text.size());
    out += text;
}

bool readVarint(std::string_view blob, std::size_t &at, std::uint64_t &value)
{
    value = 0;
    for (int shift = 0; shift < 64 && at < blob.size(); shift += 7) {
        const auto byte = static_cast<unsigned char>(blob[at++]);
        value |= std::uint64_t(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}

bool readSigned(std::string_view blob, std::size_t &at, std::int64_t &value)
{
    std::uint64_t raw = 0;
    if (!readVarint(blob, at, raw))
        return false;
    value = std::int64_t(raw >> 1) ^ -std::int64_t(raw & 1);
    return true;
}

bool readString(std::string_view blob, std::size_t &at, std::string_view &value)
{
    std::uint64_t size = 0;
    if (!readVarint(blob, at, size) || size > blob.size() - at)
        return false;
    value = blob.substr(at, std::size_t(size));
    at += std::size_t(size);
    return true;
}

} // namespace

void appendPackedUnit(std::string &blob, const PackedUnit &u)
{
    if (blob.empty())
        blob += char(kPackedFormat);
    appendString(blob, u.unit);
    appendString(blob, u.outcome);
    const unsigned char flags = (u.cached ? kCached : 0) | (u.hasStart ? kStart : 0)
        | (u.hasExitCode ? kExitCode : 0) | (u.signal.empty() ? 0 : kSignal)
        | (u.why.empty() ? 0 : kWhy) | (u.hasCpu ? kCpu : 0) | (u.hasQueued ? kQueued : 0);
    blob += char(flags);
    appendVarint(blob, std::uint64_t(u.attempts));
    appendSigned(blob, u.durationUs);
    if (u.hasStart)
        appendSigned(blob, u.startUs);
    if (u.hasExitCode)
        appendSigned(blob, u.exitCode);
    if (!u.signal.empty())
        appendString(blob, u.signal);
    if (!u.why.empty())
        appendString(blob, u.why);
    if (u.hasCpu)
        appendSigned(blob, u.cpuUs);
    if (u.hasQueued)
        appendSigned(blob, u.queuedUs);
}

HistoryUnit toHistoryUnit(const PackedUnit &u)
{
    HistoryUnit h;
    h.unit = u.unit;
    h.outcome = u.outcome;
    h.attempts = int(u.attempts);
    h.start = u.hasStart ? double(u.startUs) / 1e6 : -1;
    h.duration = double(u.durationUs) / 1e6;
    if (u.hasExitCode)
        h.exitCode = int(u.exitCode);
    h.signal = u.signal;
    h.cached = u.cached;
    h.why = u.why;
    h.cpu = u.hasCpu ? double(u.cpuUs) / 1e6 : -1;
    h.queued = u.hasQueued ? double(u.queuedUs) / 1e6 : 0;
    return h;
}

namespace packed {

bool readUnit(std::string_view blob, std::size_t &at, PackedUnit &u)
{
    u = PackedUnit {};
    std::uint64_t attempts = 0;
    if (!readString(blob, at, u.unit) || !readString(blob, at, u.outcome) || at >= blob.size())
        return false;
    const auto flags = static_cast<unsigned char>(blob[at++]);
    if (flags & 0x80 || !readVarint(blob, at, attempts) || !readSigned(blob, at, u.durationUs))
        return false;
    u.attempts = std::int64_t(attempts);
    u.cached = flags & kCached;
    u.hasStart = flags & kStart;
    u.hasExitCode = flags & kExitCode;
    u.hasCpu = flags & kCpu;
    u.hasQueued = flags & kQueued;
    return (!u.hasStart || readSigned(blob, at, u.startUs))
        && (!u.hasExitCode || readSigned(blob, at, u.exitCode))
        && (!(flags & kSignal) || readString(blob, at, u.signal))
        && (!(flags & kWhy) || readString(blob, at, u.why))
        && (!u.hasCpu || readSigned(blob, at, u.cpuUs))
        && (!u.hasQueued || readSigned(blob, at, u.queuedUs));
}

} // namespace packed
} // namespace weft::state
