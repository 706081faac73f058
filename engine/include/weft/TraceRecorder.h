// SPDX-License-Identifier: Apache-2.0
#pragma once

// Records every node attempt of a run and writes it as Chrome Trace Event
// JSON (opens in Perfetto or chrome://tracing as a Gantt chart): one complete
// "X" event per attempt on the lane of its job slot, plus metadata naming the
// lanes "slot 1", "slot 2", ... Recording takes one uncontended lock per
// attempt: a job slot is held by one node at a time, so each lane has its own
// buffer.

#include "weft/Events.h"
#include "weft/WorkflowFile.h"

#include <filesystem>
#include <memory>
#include <string>

namespace weft {

class TraceRecorder final : public EventSink {
public:
    TraceRecorder();
    ~TraceRecorder() override;
    TraceRecorder(const TraceRecorder &) = delete;
    TraceRecorder &operator=(const TraceRecorder &) = delete;

    void runStarted(const RunStarted &e) override;
    void attemptFinished(const AttemptFinished &e) override;
    void nodeFinished(const NodeFinished &e) override;
    void fanOutResolved(const FanOutResolved &e) override;

    std::size_t attemptCount() const;

    // The trace of the last run (or the run in progress, so far).
    std::string toJson() const;
    // Writes toJson() atomically (temporary file and rename).
    SaveResult writeTo(const std::filesystem::path &path) const;

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace weft
