// SPDX-License-Identifier: Apache-2.0
#pragma once

// Events from many threads to one consumer, with no lock on the producers'
// side: each event is copied into a record and pushed onto a lock-free stack
// (one compare-and-swap); the consumer takes the whole stack in one exchange
// and replays it in the order it was pushed. A node's events are pushed in
// the order they happen (each happens-before the next, whichever threads
// they come from), so the consumer sees every node's events in order, and a
// worker never waits for another thread's write, print or redraw.
//
// This is the hand-over behind EventRelay (a consumer thread for the CLI's
// sinks) and EventQueue (the window drains it on its timer).

#include "weft/Events.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace weft {

class EventMailbox final : public EventSink
{
public:
    EventMailbox();
    ~EventMailbox() override; // frees what was never taken
    EventMailbox(const EventMailbox &) = delete;
    EventMailbox &operator=(const EventMailbox &) = delete;

    // Producer side: thread-safe, lock-free. Each copies the event (an
    // output chunk's text too: it is valid only during the call).
    void runStarted(const RunStarted &event) override;
    void nodeStateChanged(const NodeStateChanged &event) override;
    void output(const OutputChunk &event) override;
    void progress(const ProgressUpdate &event) override;
    void attemptFinished(const AttemptFinished &event) override;
    void nodeFinished(const NodeFinished &event) override;
    void fanOutResolved(const FanOutResolved &event) override;
    void runFinished(const RunFinished &event) override;

    // Consumer side, one thread at a time: replays every event pushed so
    // far into `sink`, oldest first, and returns how many there were.
    std::size_t deliverTo(EventSink &sink);

    bool empty() const { return m_top.load(std::memory_order_acquire) == nullptr; }
    // Bytes of output text pushed and not yet delivered: lets a consumer
    // that falls behind see a flood coming.
    std::size_t pendingOutputBytes() const { return m_outputBytes.load(std::memory_order_relaxed); }

    struct Record; // one event in the mailbox; defined in EventMailbox.cpp

private:
    template<typename Event>
    void push(Event &&event);
    template<typename Event>
    void pushWhole(const Event &event); // kept whole, on the heap
    template<typename Fill>
    void pushWith(Fill &&fill); // fill(record's event) on a free or new record
    void recycle(Record *first, Record *last); // a delivered chain, for producers to reuse

    // Records are reused: a run sends hundreds of thousands of events, and
    // allocating each on a worker to free it on the consumer made the heap
    // grow page by page (a quarter of a 90,000-node run in page faults).
    std::atomic<Record *> m_top{nullptr};
    std::atomic<Record *> m_free{nullptr};
    const std::uint64_t m_serial; // tells this mailbox's thread caches from another's
    std::atomic<std::size_t> m_outputBytes{0};
    // The consumer's: compact records are expanded into these for delivery.
    alignas(64) NodeStateChanged m_state; // off the producers' lines
    AttemptFinished m_attempt;
    NodeFinished m_finished;
};

} // namespace weft
