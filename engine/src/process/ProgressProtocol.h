// SPDX-License-Identifier: Apache-2.0
#pragma once

// The progress protocol. A command reports progress by writing a line of
// its own to standard output:
//
//     ::progress PERCENT [MESSAGE]
//
//   PERCENT  a number from 0 to 100, fractions allowed, an optional trailing
//            '%' ("42", "42.5", "42.5%"), or N/M for N of M steps done
//            ("3/10"; 0 <= N <= M, M > 0).
//   MESSAGE  optional free text: the rest of the line.
//
// The line must start at the beginning of a line with exactly "::progress",
// then a blank. Such a line becomes a progress event and is removed from the
// output; a line that starts so but does not parse ("::progress soon") is
// ordinary output. Lines on standard error are never progress. Flush after
// each line so the report is timely, e.g.
//
//     printf '::progress %d/%d compressing %s\n' "$i" "$n" "$f"
//
// A command reports a value (an output, DESIGN.md "Outputs and references")
// the same way:
//
//     ::output NAME VALUE
//
//   NAME     like a node id: [A-Za-z_][A-Za-z0-9_.-]*
//   VALUE    the rest of the line after the blanks that follow NAME, spaces
//            included (a trailing '\r' is dropped); it may be empty.
//
// Such a line is removed from the output too; one with no name or a bad one
// is ordinary output. Repeating a name makes a list (StringOrList.h).
//
// Only a partial line that could still become such a line is held back,
// until its end arrives (or the stream ends); other output passes through at
// once, byte for byte.

#include <optional>
#include <string>
#include <string_view>

namespace weft {

struct ProgressReport
{
    double fraction = 0; // 0..1
    std::string_view message;
};

// `line` without its newline (a trailing '\r' is ignored).
std::optional<ProgressReport> parseProgressLine(std::string_view line);

struct OutputReport
{
    std::string_view name;
    std::string_view value;
};

// `line` without its newline (a trailing '\r' is ignored).
std::optional<OutputReport> parseOutputLine(std::string_view line);

// Splits a stdout stream into ordinary output, progress reports and output
// values, across arbitrary chunk boundaries.
class ProgressFilter
{
public:
    class Sink
    {
    public:
        virtual void output(std::string_view text) = 0;
        virtual void progress(double fraction, std::string_view message) = 0;
        // Not pure: a sink that wants only progress (a test, a viewer) lets
        // values go.
        virtual void outputValue(std::string_view /*name*/, std::string_view /*value*/) {}

    protected:
        ~Sink() = default;
    };

    void feed(std::string_view chunk, Sink &sink);
    // End of stream: whatever is held goes out, as progress if it parses.
    void finish(Sink &sink);

    static constexpr std::size_t kMaxLine = 4096; // longer, split across reads: ordinary output

private:
    void emitLine(std::string_view line, Sink &sink); // with its newline, if any

    std::string m_held;        // a partial line that may be a ::progress or ::output line
    bool m_atLineStart = true; // the next byte starts a line
};

} // namespace weft
