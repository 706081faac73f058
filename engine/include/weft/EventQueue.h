// SPDX-License-Identifier: Apache-2.0
#pragma once

// A sink that a user interface drains on a timer. Producers (the executor's
// threads) only push into a lock-free mailbox: no worker ever waits for a
// lock held by the window or by another worker. The consumer takes
// everything that arrived since the last drain in one batch, in which each
// node appears at most once with its LATEST state. A run of 100,000 events
// per second thus costs the consumer one small batch per tick, however fast
// events arrive.
//
// Output is kept in order but bounded per drain: past `maxOutputBytesPerDrain`
// the OLDEST output of that interval is dropped and counted, so what a person
// reads is the latest (where the errors are). A consumer that needs every
// byte, such as a log file, should be its own sink. Should the consumer stop
// draining while a process floods its output, what waits in the mailbox is
// capped too (kMaxWaitingOutputBytes): past that the NEWEST chunks are
// dropped and counted in droppedOutputBytes, since the producers cannot
// reach the oldest.

#include "weft/EventMailbox.h"
#include "weft/Events.h"

#include <atomic>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace weft {

class EventQueue final : public EventSink
{
public:
    struct NodeUpdate
    {
        NodeIndex node = 0;
        int instance = kNoInstance; // a fan-out instance has an update of its own
        std::optional<NodeStateChanged> state;   // the latest state change, if any
        std::optional<ProgressUpdate> progress;  // the latest progress, if any
        std::optional<NodeFinished> finished;    // set once, when the node finished
        std::vector<AttemptFinished> attempts;   // every attempt that ended, in order
    };

    struct Output
    {
        double t = 0;
        NodeIndex node = 0;
        int instance = kNoInstance;
        OutputStream stream = OutputStream::Stdout;
        std::string text;
        // Output of this node and stream was dropped just before this chunk:
        // its text starts wherever the kept bytes start, maybe mid-line.
        bool gapBefore = false;
    };

    struct Batch
    {
        std::optional<RunStarted> started;
        // Each node (and instance) at most once, in order of first change. A
        // deque: a fan-out's 10,000 updates of ~460 bytes were moved again
        // each time a vector grew, on the GUI thread.
        std::deque<NodeUpdate> nodes;
        std::vector<FanOutResolved> fanOuts; // in order; before any update of their instances
        std::vector<Output> output;    // in arrival order
        std::size_t droppedOutputBytes = 0;
        std::optional<RunFinished> finished;
        std::size_t events = 0; // events that arrived since the previous drain

        bool empty() const { return events == 0; }
    };

    static constexpr std::size_t kMaxWaitingOutputBytes = std::size_t(64) << 20;

    explicit EventQueue(std::size_t maxOutputBytesPerDrain = 1 << 20);

    // One consumer at a time (calls are serialised).
    Batch drain();
    // Folds what has arrived into the batch the next drain() returns, on the
    // calling thread (serialised with drain()); the number of events folded.
    // A window's run folds on a thread of its own while it goes, so that
    // the GUI thread's drain only takes the batch: folding a 10,000-instance
    // fan-out's 30,000 events in one drain was 12-18 ms of the GUI thread.
    std::size_t fold();
    // drain(), unless a fold() is under way on another thread: then nothing,
    // at once, rather than waiting for it (a GUI thread retries shortly).
    std::optional<Batch> tryDrain();

    void runStarted(const RunStarted &event) override;
    void nodeStateChanged(const NodeStateChanged &event) override;
    void output(const OutputChunk &event) override;
    void progress(const ProgressUpdate &event) override;
    void attemptFinished(const AttemptFinished &event) override;
    void nodeFinished(const NodeFinished &event) override;
    void fanOutResolved(const FanOutResolved &event) override;
    void runFinished(const RunFinished &event) override;

private:
    // The consumer's side: applies the mailbox's events to the pending batch.
    class Coalescer;
    Batch drainLocked(); // with m_drainMutex held
    void collectRunStarted(const RunStarted &event);
    void collectOutput(const OutputChunk &event);
    NodeUpdate &slotFor(NodeIndex node, int instance);
    void trimOutput();

    const std::size_t m_maxOutputBytes;
    EventMailbox m_mailbox;
    std::atomic<std::size_t> m_refusedOutputBytes{0}; // dropped by producers at the cap
    std::mutex m_drainMutex;
    // Everything below is the consumer's, used with m_drainMutex held.
    Batch m_pending;
    std::vector<std::uint32_t> m_slotOfNode; // node -> index in m_pending.nodes + 1, 0 = none
    // Fan-out node -> per instance, the same as m_slotOfNode: a 10,000-instance
    // fan-out sends 40,000 events, and a flat array indexed by instance
    // costs no hashing and no allocation per event.
    std::unordered_map<NodeIndex, std::vector<std::uint32_t>> m_slotOfInstance;
    std::size_t m_outputBytes = 0;
    // Streams (streamKey()) that lost output and have not had a chunk
    // since: their next chunk is marked gapBefore.
    std::unordered_set<std::uint64_t> m_gapBefore;
};

} // namespace weft
