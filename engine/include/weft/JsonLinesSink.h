// SPDX-License-Identifier: Apache-2.0
#pragma once

// The event stream as JSON lines (DESIGN.md, "Contract: the event stream as
// JSON lines"): one object per line, each with "event" and "t". Lines are
// written whole and in batches: when 64 KiB have collected, at a failure, at
// the end of the run, at flush() and at destruction. weft-cli calls flush()
// every 50 ms, so a tool reading a pipe still sees the run live, and lines
// from concurrent events never mix.

#include "weft/Events.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace weft {

struct Workflow;

class JsonLinesSink final : public EventSink {
public:
    explicit JsonLinesSink(int fd); // not owned
    ~JsonLinesSink() override;
    JsonLinesSink(const JsonLinesSink &) = delete;
    JsonLinesSink &operator=(const JsonLinesSink &) = delete;

    // False once a write failed (e.g. the reader closed the pipe).
    bool good() const;

    // Writes out the lines collected so far. Thread-safe.
    void flush();

    void runStarted(const RunStarted &e) override;
    void nodeStateChanged(const NodeStateChanged &e) override;
    void output(const OutputChunk &e) override;
    void progress(const ProgressUpdate &e) override;
    void attemptFinished(const AttemptFinished &e) override;
    void nodeFinished(const NodeFinished &e) override;
    void fanOutResolved(const FanOutResolved &e) override; // a "fan_out" line with the items
    void runFinished(const RunFinished &e) override;
    // Watch mode: a "trigger" line (round, node, cause, changed); from then
    // on every line carries "round".
    void triggerFired(const TriggerFired &e) override;

private:
    class Private;
    std::unique_ptr<Private> d;
};

// The plan of a dry run as JSON lines: a "plan" object (nodes, jobs, levels)
// and one "plan_node" object per node (node, level, type, needs, params,
// command for processes), in level order. `levels` from dependencyLevels().
std::string planJsonLines(
    const Workflow &workflow, const std::vector<std::vector<std::size_t>> &levels, int jobs);

} // namespace weft
