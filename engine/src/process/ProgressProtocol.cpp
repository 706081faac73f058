// SPDX-License-Identifier: Apache-2.0
#include "process/ProgressProtocol.h"

#include <charconv>
#include <cstring>

namespace weft {

namespace {

constexpr std::string_view kPrefix = "::progress";
constexpr std::string_view kOutputPrefix = "::output";
static_assert(kPrefix.front() == kOutputPrefix.front(), "the filter looks for one first byte");

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trimmed(std::string_view text)
{
    while (!text.empty() && (isBlank(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && (isBlank(text.back()) || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

std::optional<double> parseNumber(std::string_view text)
{
    if (text.empty() || text.front() == '+' || text.front() == '-')
        return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                     std::chars_format::fixed);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

bool couldStartWith(std::string_view held, std::string_view prefix)
{
    std::size_t n = std::min(held.size(), prefix.size());
    if (held.substr(0, n) != prefix.substr(0, n))
        return false;
    return held.size() <= prefix.size() || isBlank(held[prefix.size()]);
}

// Whether `held` (a line start without its newline yet) may still turn out
// to be a progress or output line.
bool couldBeProgress(std::string_view held)
{
    return couldStartWith(held, kPrefix) || couldStartWith(held, kOutputPrefix);
}

// The node-id pattern; the process layer keeps its own copy rather than
// depend on the workflow model.
bool isName(std::string_view name)
{
    auto letter = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    };
    if (name.empty() || !letter(name.front()))
        return false;
    for (char c : name) {
        if (!letter(c) && !(c >= '0' && c <= '9') && c != '.' && c != '-')
            return false;
    }
    return true;
}

} // namespace

std::optional<ProgressReport> parseProgressLine(std::string_view line)
{
    if (line.size() <= kPrefix.size() || line.substr(0, kPrefix.size()) != kPrefix
        || !isBlank(line[kPrefix.size()]))
        return std::nullopt;
    std::string_view rest = trimmed(line.substr(kPrefix.size()));
    std::size_t blank = rest.find_first_of(" \t");
    std::string_view amount = rest.substr(0, blank);
    std::string_view message = blank == std::string_view::npos ? std::string_view()
                                                               : trimmed(rest.substr(blank));
    ProgressReport report;
    report.message = message;
    if (std::size_t slash = amount.find('/'); slash != std::string_view::npos) {
        auto done = parseNumber(amount.substr(0, slash));
        auto total = parseNumber(amount.substr(slash + 1));
        if (!done || !total || *total <= 0 || *done > *total)
            return std::nullopt;
        report.fraction = *done / *total;
        return report;
    }
    if (!amount.empty() && amount.back() == '%')
        amount.remove_suffix(1);
    auto percent = parseNumber(amount);
    if (!percent || *percent > 100)
        return std::nullopt;
    report.fraction = *percent / 100;
    return report;
}

std::optional<OutputReport> parseOutputLine(std::string_view line)
{
    if (line.size() <= kOutputPrefix.size() || line.substr(0, kOutputPrefix.size()) != kOutputPrefix
        || !isBlank(line[kOutputPrefix.size()]))
        return std::nullopt;
    if (line.back() == '\r')
        line.remove_suffix(1);
    std::string_view rest = line.substr(kOutputPrefix.size());
    while (!rest.empty() && isBlank(rest.front()))
        rest.remove_prefix(1);
    const std::size_t blank = std::min(rest.find_first_of(" \t"), rest.size());
    OutputReport report;
    report.name = rest.substr(0, blank);
    if (!isName(report.name))
        return std::nullopt;
    rest.remove_prefix(blank);
    // Only the separating blanks go: the value keeps its own, inner and
    // trailing, byte for byte.
    while (!rest.empty() && isBlank(rest.front()))
        rest.remove_prefix(1);
    report.value = rest;
    return report;
}

void ProgressFilter::emitLine(std::string_view line, Sink &sink)
{
    std::string_view content = line;
    if (!content.empty() && content.back() == '\n')
        content.remove_suffix(1);
    if (auto report = parseProgressLine(content))
        sink.progress(report->fraction, report->message);
    else if (auto value = parseOutputLine(content))
        sink.outputValue(value->name, value->value);
    else
        sink.output(line);
}

void ProgressFilter::feed(std::string_view chunk, Sink &sink)
{
    const char *data = chunk.data();
    const std::size_t size = chunk.size();
    std::size_t i = 0;
    std::size_t runStart = 0; // start of ordinary output not yet passed on
    while (i < size) {
        if (!m_held.empty() || (m_atLineStart && data[i] == kPrefix.front())) {
            if (i > runStart)
                sink.output(chunk.substr(runStart, i - runStart));
            const void *newline = std::memchr(data + i, '\n', size - i);
            std::size_t end = newline ? std::size_t(static_cast<const char *>(newline) - data) + 1
                                      : size;
            bool complete = newline != nullptr;
            // Cheap case: a whole line in this chunk, nothing held.
            std::string_view line = chunk.substr(i, end - i);
            if (m_held.empty() && complete) {
                if (couldBeProgress(line))
                    emitLine(line, sink);
                else
                    sink.output(line);
            } else {
                m_held.append(line);
                std::string_view held(m_held);
                if (!couldBeProgress(held)
                    || (!complete && m_held.size() > kMaxLine)) {
                    sink.output(held);
                    m_held.clear();
                } else if (complete) {
                    emitLine(held, sink);
                    m_held.clear();
                }
            }
            m_atLineStart = complete;
            i = end;
            runStart = end;
            continue;
        }
        const void *newline = std::memchr(data + i, '\n', size - i);
        if (!newline) {
            m_atLineStart = false;
            i = size;
            break;
        }
        i = std::size_t(static_cast<const char *>(newline) - data) + 1;
        m_atLineStart = true;
    }
    if (size > runStart)
        sink.output(chunk.substr(runStart, size - runStart));
}

void ProgressFilter::finish(Sink &sink)
{
    if (m_held.empty())
        return;
    emitLine(m_held, sink);
    m_held.clear();
    m_atLineStart = true;
}

} // namespace weft
