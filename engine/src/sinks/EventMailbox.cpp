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
    OutputStream stream = OutputStream::Stdout;
    std::string text;
};

} // namespace

struct EventMailbox::Record
{
    template<typename Event>
    explicit Record(Event &&e)
        : event(std::forward<Event>(e))
    {}

    Record *next = nullptr;
    std::variant<RunStarted, NodeStateChanged, OwnedOutput, ProgressUpdate, AttemptFinished,
                 NodeFinished, RunFinished>
        event;
};

EventMailbox::~EventMailbox()
{
    Record *r = m_top.exchange(nullptr, std::memory_order_acquire);
    while (r) {
        Record *next = r->next;
        delete r;
        r = next;
    }
}

void EventMailbox::push(Record *record)
{
    Record *top = m_top.load(std::memory_order_relaxed);
    do {
        record->next = top;
    } while (!m_top.compare_exchange_weak(top, record, std::memory_order_release,
                                          std::memory_order_relaxed));
}

void EventMailbox::runStarted(const RunStarted &event)
{
    push(new Record(event));
}

void EventMailbox::nodeStateChanged(const NodeStateChanged &event)
{
    push(new Record(event));
}

void EventMailbox::output(const OutputChunk &event)
{
    m_outputBytes.fetch_add(event.text.size(), std::memory_order_relaxed);
    push(new Record(OwnedOutput{event.t, event.node, event.stream, std::string(event.text)}));
}

void EventMailbox::progress(const ProgressUpdate &event)
{
    push(new Record(event));
}

void EventMailbox::attemptFinished(const AttemptFinished &event)
{
    push(new Record(event));
}

void EventMailbox::nodeFinished(const NodeFinished &event)
{
    push(new Record(event));
}

void EventMailbox::runFinished(const RunFinished &event)
{
    push(new Record(event));
}

std::size_t EventMailbox::deliverTo(EventSink &sink)
{
    // The stack holds the newest first: reverse it into push order.
    Record *newest = m_top.exchange(nullptr, std::memory_order_acquire);
    Record *oldest = nullptr;
    while (newest) {
        Record *next = newest->next;
        newest->next = oldest;
        oldest = newest;
        newest = next;
    }
    std::size_t count = 0;
    while (oldest) {
        Record *record = oldest;
        oldest = record->next;
        std::visit(
            [&sink, this](auto &e) {
                using Event = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<Event, RunStarted>)
                    sink.runStarted(e);
                else if constexpr (std::is_same_v<Event, NodeStateChanged>)
                    sink.nodeStateChanged(e);
                else if constexpr (std::is_same_v<Event, OwnedOutput>) {
                    m_outputBytes.fetch_sub(e.text.size(), std::memory_order_relaxed);
                    sink.output({e.t, e.node, e.stream, e.text});
                } else if constexpr (std::is_same_v<Event, ProgressUpdate>)
                    sink.progress(e);
                else if constexpr (std::is_same_v<Event, AttemptFinished>)
                    sink.attemptFinished(e);
                else if constexpr (std::is_same_v<Event, NodeFinished>)
                    sink.nodeFinished(e);
                else
                    sink.runFinished(e);
            },
            record->event);
        delete record;
        ++count;
    }
    return count;
}

} // namespace weft
