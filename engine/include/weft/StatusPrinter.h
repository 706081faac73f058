// SPDX-License-Identifier: Apache-2.0
#pragma once

// The event sink a person reads (ninja's status printer). On a terminal it
// keeps one live status line, "[17/240] 3 running: a, b, c (2.4 s)", redrawn
// in place, and prints the output of failing nodes above it. Elsewhere it
// prints plain lines, one per node start and finish, written in batches (at
// least every refresh(), at once for a failure). With `quiet` it prints only
// failures and the summary, on a terminal too. Either way a failure
// gets a block naming the node, its command, how it ended, the end of its
// stderr and what was skipped because of it, and the last line is a summary.

#include "weft/Events.h"

#include <chrono>
#include <functional>
#include <memory>

namespace weft {

struct StatusPrinterOptions {
    int fd = 1; // written with write(2); not owned
    bool live = false; // one status line redrawn in place (a terminal)
    bool colour = false; // ANSI colours
    std::function<int()> columns; // terminal width, asked at each redraw; null: 80
    bool verbose = false; // print every node's output, not only failing ones'
    bool quiet = false;   // only failures and the summary: no status line, no per-node lines
    std::size_t outputLimit = std::size_t(1) << 20; // per node, kept for a failure report
    std::size_t stderrLines = 20; // lines of stderr in a failure block
    // Live mode redraws at most this often, however many events arrive.
    std::chrono::milliseconds minRedrawInterval { 50 };
};

class StatusPrinter final : public EventSink {
public:
    explicit StatusPrinter(StatusPrinterOptions options);
    ~StatusPrinter() override;
    StatusPrinter(const StatusPrinter &) = delete;
    StatusPrinter &operator=(const StatusPrinter &) = delete;

    // Writes out buffered lines (plain mode) and redraws the live status
    // line if it is due (the elapsed time moves on even when nothing
    // happens). Call it from a timer, every 50-100 ms; thread-safe.
    void refresh();

    // A line of text above the status line (e.g. "cancelling…").
    void printLine(std::string_view text);

    void runStarted(const RunStarted &e) override;
    void nodeStateChanged(const NodeStateChanged &e) override;
    void output(const OutputChunk &e) override;
    void attemptFinished(const AttemptFinished &e) override;
    void nodeFinished(const NodeFinished &e) override;
    void fanOutResolved(const FanOutResolved &e) override;
    void runFinished(const RunFinished &e) override;
    void burstBegins() override; // holds the printer's lock until burstEnds()
    void burstEnds() override;

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace weft
