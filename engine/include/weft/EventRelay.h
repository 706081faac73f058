// SPDX-License-Identifier: Apache-2.0
#pragma once

// Delivers a run's events to a sink on a thread of its own. The run's
// threads only push into a lock-free mailbox, so the sinks behind a relay
// (the status printer, the JSON-lines writer, the trace, the log files) do
// their formatting and writing on one thread, and a worker never takes a
// lock or makes a system call to report an event.
//
// runStarted and runFinished are delivered before the call returns (the
// executor sends each alone), so when Executor::run() returns, every sink
// has seen the whole run. In between, events arrive within `interval`, and
// `tick` (if set) runs on the relay thread after each delivery: a place to
// flush buffers and redraw a status line.

#include "weft/EventMailbox.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace weft {

class EventRelay final : public EventSink
{
public:
    explicit EventRelay(EventSink &downstream,
                        std::chrono::milliseconds interval = std::chrono::milliseconds(10),
                        std::function<void()> tick = {});
    ~EventRelay() override; // delivers what is left, then stops the thread
    EventRelay(const EventRelay &) = delete;
    EventRelay &operator=(const EventRelay &) = delete;

    void runStarted(const RunStarted &event) override;
    void nodeStateChanged(const NodeStateChanged &event) override { m_mailbox.nodeStateChanged(event); }
    void output(const OutputChunk &event) override { m_mailbox.output(event); }
    void progress(const ProgressUpdate &event) override { m_mailbox.progress(event); }
    void attemptFinished(const AttemptFinished &event) override { m_mailbox.attemptFinished(event); }
    void nodeFinished(const NodeFinished &event) override { m_mailbox.nodeFinished(event); }
    void fanOutResolved(const FanOutResolved &event) override { m_mailbox.fanOutResolved(event); }
    void runFinished(const RunFinished &event) override;
    // Between runs: delivered (after what came before) before it returns.
    void triggerFired(const TriggerFired &event) override;

    // Delivers what has arrived, now, on the calling thread; returns how
    // many events that was.
    std::size_t deliver();

private:
    void loop();

    EventSink &m_downstream;
    const std::chrono::milliseconds m_interval;
    const std::function<void()> m_tick;
    EventMailbox m_mailbox;
    std::mutex m_deliverMutex; // the relay thread or a run's first/last event: one consumer at a time
    std::mutex m_stopMutex;
    std::condition_variable m_stopped;
    bool m_stop = false;
    std::thread m_thread; // last: started once everything above exists
};

} // namespace weft
