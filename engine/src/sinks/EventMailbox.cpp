// SPDX-License-Identifier: Apache-2.0
#include "weft/EventMailbox.h"

#include <memory>
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

// The three events every unit sends (running, attempt finished, finished)
// mostly carry no text at all. Held without their empty strings, a record
// is a third of the size: a consumer that falls behind a 90,000-node run
// holds tens of thousands of them, and each page of them is a page fault.
// An event with any text is kept whole, on the heap.
struct CompactState
{
    double t;
    NodeIndex node;
    int instance;
    int attempt;
    int pid;
    int worker;
    int slot;
    NodeState state;
    WaitReason reason;
};

struct CompactAttempt
{
    double t;
    double start;
    double end;
    double queuedUntil;
    double retryIn;
    NodeIndex node;
    int instance;
    int attempt;
    int slot;
    int worker;
    int pid;
    bool ok;
};

struct CompactFinished
{
    double t;
    double duration;
    double start;
    NodeIndex node;
    int instance;
    int attempts;
    int exitCode;
    bool hasExitCode;
    bool cached;
    NodeState outcome;
};

bool compactable(const NodeStateChanged &e)
{
    return e.detail.empty() && e.jobId.empty() && e.pendingReason.empty() && e.host.empty();
}

bool compactable(const AttemptFinished &e)
{
    return e.error.empty() && e.jobId.empty() && e.host.empty();
}

bool compactable(const NodeFinished &e)
{
    // A process's CPU time and a Slurm job's queue time are kept whole: the
    // history needs them, and most nodes (in-process work) have neither.
    return e.signal.empty() && e.error.empty() && e.causeNode.empty() && e.command.empty()
           && e.stderrTail.empty() && e.outputs.empty() && e.cpu < 0 && e.queued == 0;
}

CompactState compact(const NodeStateChanged &e)
{
    return {e.t, e.node, e.instance, e.attempt, e.pid, e.worker, e.slot, e.state, e.reason};
}

CompactAttempt compact(const AttemptFinished &e)
{
    return {e.t, e.start, e.end, e.queuedUntil, e.retryIn, e.node, e.instance,
            e.attempt, e.slot, e.worker, e.pid, e.ok};
}

CompactFinished compact(const NodeFinished &e)
{
    return {e.t, e.duration, e.start, e.node, e.instance, e.attempts,
            e.exitCode.value_or(0), e.exitCode.has_value(), e.cached, e.outcome};
}

// Each expand() fills `e`, a consumer's event whose other fields were never
// set (sinks take events as const references): the same as a new one, with
// no strings, lists and maps made and freed per event.
const NodeStateChanged &expand(const CompactState &c, NodeStateChanged &e)
{
    e.t = c.t;
    e.node = c.node;
    e.instance = c.instance;
    e.state = c.state;
    e.attempt = c.attempt;
    e.reason = c.reason;
    e.pid = c.pid;
    e.worker = c.worker;
    e.slot = c.slot;
    return e;
}

const AttemptFinished &expand(const CompactAttempt &c, AttemptFinished &e)
{
    e.t = c.t;
    e.node = c.node;
    e.instance = c.instance;
    e.attempt = c.attempt;
    e.start = c.start;
    e.end = c.end;
    e.slot = c.slot;
    e.worker = c.worker;
    e.pid = c.pid;
    e.ok = c.ok;
    e.queuedUntil = c.queuedUntil;
    e.retryIn = c.retryIn;
    return e;
}

const NodeFinished &expand(const CompactFinished &c, NodeFinished &e)
{
    e.t = c.t;
    e.node = c.node;
    e.instance = c.instance;
    e.outcome = c.outcome;
    if (c.hasExitCode)
        e.exitCode = c.exitCode;
    else
        e.exitCode.reset();
    e.duration = c.duration;
    e.start = c.start;
    e.attempts = c.attempts;
    e.cached = c.cached;
    return e;
}

std::atomic<std::uint64_t> g_mailboxSerial{0};

} // namespace

struct EventMailbox::Record
{
    using Event = std::variant<RunStarted, CompactState, CompactAttempt, CompactFinished,
                               OwnedOutput, std::unique_ptr<NodeStateChanged>,
                               std::unique_ptr<ProgressUpdate>, std::unique_ptr<AttemptFinished>,
                               std::unique_ptr<NodeFinished>, std::unique_ptr<FanOutResolved>,
                               std::unique_ptr<RunFinished>>;
    Record *next = nullptr;
    Event event;
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
    pushWith([&event](Record::Event &slot) { slot = std::forward<Event>(event); });
}

// An event kept whole goes into the heap copy that a recycled record still
// holds, if it held one of this type: assignment reuses the storage of its
// strings, lists and maps. A no-op run of 100,000 nodes sends a
// NodeFinished with outputs per node, and copying each anew and freeing the
// one it replaced was a tenth of the chain of checks.
template<typename Event>
void EventMailbox::pushWhole(const Event &event)
{
    pushWith([&event](Record::Event &slot) {
        if (auto *held = std::get_if<std::unique_ptr<Event>>(&slot); held && *held)
            **held = event;
        else
            slot = std::make_unique<Event>(event);
    });
}

template<typename Fill>
void EventMailbox::pushWith(Fill &&fill)
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
        fill(record->event); // an output chunk reuses the last one's buffer
    } else {
        record = new Record;
        fill(record->event);
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
    if (compactable(event))
        push(compact(event));
    else
        pushWhole(event);
}

void EventMailbox::output(const OutputChunk &event)
{
    m_outputBytes.fetch_add(event.text.size(), std::memory_order_relaxed);
    push(OwnedOutput{event.t, event.node, event.instance, event.stream, std::string(event.text)});
}

void EventMailbox::progress(const ProgressUpdate &event)
{
    pushWhole(event);
}

void EventMailbox::attemptFinished(const AttemptFinished &event)
{
    if (compactable(event))
        push(compact(event));
    else
        pushWhole(event);
}

void EventMailbox::nodeFinished(const NodeFinished &event)
{
    if (compactable(event))
        push(compact(event));
    else
        pushWhole(event);
}

void EventMailbox::fanOutResolved(const FanOutResolved &event)
{
    pushWhole(event);
}

void EventMailbox::runFinished(const RunFinished &event)
{
    pushWhole(event);
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
    struct Burst
    {
        EventSink &sink;
        explicit Burst(EventSink &s) : sink(s) { sink.burstBegins(); }
        ~Burst() { sink.burstEnds(); }
    } burst(sink);
    for (Record *record = first; record; record = record->next) {
        std::visit(
            [&sink, this](auto &e) {
                using Event = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<Event, RunStarted>)
                    sink.runStarted(e);
                else if constexpr (std::is_same_v<Event, CompactState>)
                    sink.nodeStateChanged(expand(e, m_state));
                else if constexpr (std::is_same_v<Event, CompactAttempt>)
                    sink.attemptFinished(expand(e, m_attempt));
                else if constexpr (std::is_same_v<Event, CompactFinished>)
                    sink.nodeFinished(expand(e, m_finished));
                else if constexpr (std::is_same_v<Event, OwnedOutput>) {
                    m_outputBytes.fetch_sub(e.text.size(), std::memory_order_relaxed);
                    OutputChunk chunk{e.t, e.node, e.instance, e.stream, e.text};
                    sink.output(chunk);
                } else if constexpr (std::is_same_v<Event, std::unique_ptr<NodeStateChanged>>)
                    sink.nodeStateChanged(*e);
                else if constexpr (std::is_same_v<Event, std::unique_ptr<ProgressUpdate>>)
                    sink.progress(*e);
                else if constexpr (std::is_same_v<Event, std::unique_ptr<AttemptFinished>>)
                    sink.attemptFinished(*e);
                else if constexpr (std::is_same_v<Event, std::unique_ptr<NodeFinished>>)
                    sink.nodeFinished(*e);
                else if constexpr (std::is_same_v<Event, std::unique_ptr<FanOutResolved>>)
                    sink.fanOutResolved(*e);
                else
                    sink.runFinished(*e);
            },
            record->event);
        ++count;
    }
    recycle(first, last);
    return count;
}

} // namespace weft
