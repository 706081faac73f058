// SPDX-License-Identifier: Apache-2.0
#include "weft/EventMailbox.h"

#include <string>
#include <variant>

namespace weft {

namespace {

// An output chunk that owns its text.
struct OwnedOutput
{
    double t = 0;
    NodeIndex node = 0;
    int instance = kNoInstance;
    OutputStream stream = OutputStream::Stdout;
    std::string text;
};

std::atomic<std::uint64_t> g_mailboxSerial{0};

} // namespace

struct EventMailbox::Record
{
    Record *next = nullptr;
    std::variant<RunStarted, NodeStateChanged, OwnedOutput, ProgressUpdate, AttemptFinished,
                 NodeFinished, FanOutResolved, RunFinished>
        event;
};

namespace {

void deleteChain(EventMailbox::Record *r)
{
    while (r) {
        EventMailbox::Record *next = r->next;
        delete r;
        r = next;
    }
}

// Each producer thread takes spare records from the mailbox's free list a
// whole chain at a time (one exchange: no ABA, no lock) and uses them up
// before it asks again. A thread that moves on to another mailbox, or ends,
// frees what it still holds.
struct ThreadCache
{
    std::uint64_t owner = 0;
    EventMailbox::Record *spare = nullptr;
    ~ThreadCache() { deleteChain(spare); }
};
thread_local ThreadCache t_cache;

} // namespace

EventMailbox::EventMailbox()
    : m_serial(++g_mailboxSerial)
{}

EventMailbox::~EventMailbox()
{
    deleteChain(m_top.exchange(nullptr, std::memory_order_acquire));
    deleteChain(m_free.exchange(nullptr, std::memory_order_acquire));
}

template<typename Event>
void EventMailbox::push(Event &&event)
{
    ThreadCache &cache = t_cache;
    if (cache.owner != m_serial) {
        deleteChain(cache.spare);
        cache = {m_serial, nullptr};
    }
    if (!cache.spare)
        cache.spare = m_free.exchange(nullptr, std::memory_order_acquire);
    Record *record = cache.spare;
    if (record) {
        cache.spare = record->next;
        record->event = std::forward<Event>(event); // reuses the strings' buffers
    } else {
        record = new Record{nullptr, std::forward<Event>(event)};
    }
    Record *top = m_top.load(std::memory_order_relaxed);
    do {
        record->next = top;
    } while (!m_top.compare_exchange_weak(top, record, std::memory_order_release,
                                          std::memory_order_relaxed));
}

void EventMailbox::recycle(Record *first, Record *last)
{
    Record *top = m_free.load(std::memory_order_relaxed);
    do {
        last->next = top;
    } while (!m_free.compare_exchange_weak(top, first, std::memory_order_release,
                                           std::memory_order_relaxed));
}

void EventMailbox::runStarted(const RunStarted &event)
{
    push(event);
}

void EventMailbox::nodeStateChanged(const NodeStateChanged &event)
{
    push(event);
}

void EventMailbox::output(const OutputChunk &event)
{
    m_outputBytes.fetch_add(event.text.size(), std::memory_order_relaxed);
    push(OwnedOutput{event.t, event.node, event.instance, event.stream, std::string(event.text)});
}

void EventMailbox::progress(const ProgressUpdate &event)
{
    push(event);
}

void EventMailbox::attemptFinished(const AttemptFinished &event)
{
    push(event);
}

void EventMailbox::nodeFinished(const NodeFinished &event)
{
    push(event);
}

void EventMailbox::fanOutResolved(const FanOutResolved &event)
{
    push(event);
}

void EventMailbox::runFinished(const RunFinished &event)
{
    push(event);
}

std::size_t EventMailbox::deliverTo(EventSink &sink)
{
    // The stack holds the newest first: reverse it into push order.
    Record *newest = m_top.exchange(nullptr, std::memory_order_acquire);
    if (!newest)
        return 0;
    Record *oldest = nullptr;
    Record *const last = newest; // the newest ends the reversed chain
    while (newest) {
        Record *next = newest->next;
        newest->next = oldest;
        oldest = newest;
        newest = next;
    }
    Record *const first = oldest;
    std::size_t count = 0;
    for (Record *record = first; record; record = record->next) {
        std::visit(
            [&sink, this](auto &e) {
                using Event = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<Event, RunStarted>)
                    sink.runStarted(e);
                else if constexpr (std::is_same_v<Event, NodeStateChanged>)
                    sink.nodeStateChanged(e);
                else if constexpr (std::is_same_v<Event, OwnedOutput>) {
                    m_outputBytes.fetch_sub(e.text.size(), std::memory_order_relaxed);
                    OutputChunk chunk{e.t, e.node, e.instance, e.stream, e.text};
                    sink.output(chunk);
                } else if constexpr (std::is_same_v<Event, ProgressUpdate>)
                    sink.progress(e);
                else if constexpr (std::is_same_v<Event, AttemptFinished>)
                    sink.attemptFinished(e);
                else if constexpr (std::is_same_v<Event, NodeFinished>)
                    sink.nodeFinished(e);
                else if constexpr (std::is_same_v<Event, FanOutResolved>)
                    sink.fanOutResolved(e);
                else
                    sink.runFinished(e);
            },
            record->event);
        ++count;
    }
    recycle(first, last);
    return count;
}

} // namespace weft
