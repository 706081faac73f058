// SPDX-License-Identifier: Apache-2.0
#include "weft/EventQueue.h"

#include "weft/Workflow.h"

namespace weft {

namespace {

// One output stream of a node or an instance.
std::uint64_t streamKey(NodeIndex node, int instance, OutputStream stream)
{
    return (std::uint64_t(node) << 33) | (std::uint64_t(std::uint32_t(instance + 1)) << 1)
           | unsigned(stream);
}

} // namespace

// Replays the mailbox into the pending batch, on the consumer's thread.
class EventQueue::Coalescer final : public EventSink
{
public:
    explicit Coalescer(EventQueue &q) : m_q(q) {}

    void runStarted(const RunStarted &event) override { m_q.collectRunStarted(event); }
    void nodeStateChanged(const NodeStateChanged &event) override
    {
        m_q.slotFor(event.node, event.instance).state = event;
        ++m_q.m_pending.events;
    }
    void output(const OutputChunk &event) override { m_q.collectOutput(event); }
    void progress(const ProgressUpdate &event) override
    {
        m_q.slotFor(event.node, event.instance).progress = event;
        ++m_q.m_pending.events;
    }
    void attemptFinished(const AttemptFinished &event) override
    {
        m_q.slotFor(event.node, event.instance).attempts.push_back(event);
        ++m_q.m_pending.events;
    }
    void nodeFinished(const NodeFinished &event) override
    {
        m_q.slotFor(event.node, event.instance).finished = event;
        ++m_q.m_pending.events;
    }
    void fanOutResolved(const FanOutResolved &event) override
    {
        m_q.m_slotOfInstance[event.node].assign(event.items.size(), 0);
        m_q.m_pending.fanOuts.push_back(event);
        ++m_q.m_pending.events;
    }
    void runFinished(const RunFinished &event) override
    {
        m_q.m_pending.finished = event;
        ++m_q.m_pending.events;
    }

private:
    EventQueue &m_q;
};

EventQueue::EventQueue(std::size_t maxOutputBytesPerDrain)
    : m_maxOutputBytes(maxOutputBytesPerDrain)
{}

std::size_t EventQueue::fold()
{
    std::lock_guard lock(m_drainMutex);
    Coalescer coalescer(*this);
    return m_mailbox.deliverTo(coalescer);
}

EventQueue::Batch EventQueue::drain()
{
    std::unique_lock lock(m_drainMutex);
    return drainLocked();
}

std::optional<EventQueue::Batch> EventQueue::tryDrain()
{
    std::unique_lock lock(m_drainMutex, std::try_to_lock);
    if (!lock.owns_lock())
        return std::nullopt;
    return drainLocked();
}

EventQueue::Batch EventQueue::drainLocked()
{
    Batch batch;
    Coalescer coalescer(*this);
    m_mailbox.deliverTo(coalescer);
    m_pending.droppedOutputBytes += m_refusedOutputBytes.exchange(0, std::memory_order_relaxed);
    if (m_outputBytes > m_maxOutputBytes)
        trimOutput();
    for (const NodeUpdate &update : m_pending.nodes) {
        if (update.instance == kNoInstance)
            m_slotOfNode[update.node] = 0;
        else
            m_slotOfInstance[update.node][std::size_t(update.instance)] = 0;
    }
    std::swap(batch, m_pending);
    m_outputBytes = 0;
    return batch;
}

EventQueue::NodeUpdate &EventQueue::slotFor(NodeIndex node, int instance)
{
    if (instance != kNoInstance) {
        std::vector<std::uint32_t> &slots = m_slotOfInstance[node];
        if (std::size_t(instance) >= slots.size())
            slots.resize(std::size_t(instance) + 1, 0); // only if FanOutResolved said fewer
        std::uint32_t &slot = slots[std::size_t(instance)];
        if (slot == 0) {
            NodeUpdate &update = m_pending.nodes.emplace_back();
            update.node = node;
            update.instance = instance;
            slot = std::uint32_t(m_pending.nodes.size());
        }
        return m_pending.nodes[slot - 1];
    }
    if (node >= m_slotOfNode.size())
        m_slotOfNode.resize(std::size_t(node) + 1, 0);
    std::uint32_t &slot = m_slotOfNode[node];
    if (slot == 0) {
        m_pending.nodes.emplace_back().node = node;
        slot = std::uint32_t(m_pending.nodes.size());
    }
    return m_pending.nodes[slot - 1];
}

void EventQueue::runStarted(const RunStarted &event)
{
    // The executor's workflow pointer dies with the run, before a consumer may
    // drain; consumers use the copy of the workflow they asked to run.
    RunStarted copy = event;
    copy.workflow = nullptr;
    m_mailbox.runStarted(copy);
}

void EventQueue::nodeStateChanged(const NodeStateChanged &event)
{
    m_mailbox.nodeStateChanged(event);
}

void EventQueue::output(const OutputChunk &event)
{
    if (m_mailbox.pendingOutputBytes() + event.text.size() > kMaxWaitingOutputBytes) {
        m_refusedOutputBytes.fetch_add(event.text.size(), std::memory_order_relaxed);
        return;
    }
    m_mailbox.output(event);
}

void EventQueue::progress(const ProgressUpdate &event)
{
    m_mailbox.progress(event);
}

void EventQueue::attemptFinished(const AttemptFinished &event)
{
    m_mailbox.attemptFinished(event);
}

void EventQueue::nodeFinished(const NodeFinished &event)
{
    m_mailbox.nodeFinished(event);
}

void EventQueue::fanOutResolved(const FanOutResolved &event)
{
    m_mailbox.fanOutResolved(event);
}

void EventQueue::runFinished(const RunFinished &event)
{
    m_mailbox.runFinished(event);
}

void EventQueue::collectRunStarted(const RunStarted &event)
{
    // A new run: whatever an undrained previous run left is stale.
    m_pending = Batch{};
    m_outputBytes = 0;
    m_gapBefore.clear();
    m_slotOfNode.assign(event.nodes, 0);
    m_slotOfInstance.clear();
    m_pending.started = event;
    ++m_pending.events;
}

void EventQueue::collectOutput(const OutputChunk &event)
{
    ++m_pending.events;
    const bool gap = !m_gapBefore.empty()
                     && m_gapBefore.erase(streamKey(event.node, event.instance, event.stream)) > 0;
    m_outputBytes += event.text.size();
    m_pending.output.push_back(
        {event.t, event.node, event.instance, event.stream, std::string(event.text), gap});
    // Trimmed in bulk at twice the bound, so a flood costs amortised O(1)
    // per chunk and the batch holds at most twice the bound.
    if (m_outputBytes > 2 * m_maxOutputBytes)
        trimOutput();
}

void EventQueue::trimOutput()
{
    auto key = [](const Output &o) { return streamKey(o.node, o.instance, o.stream); };
    std::vector<Output> &out = m_pending.output;
    std::size_t first = 0;
    while (m_outputBytes > m_maxOutputBytes && first + 1 < out.size()) {
        m_outputBytes -= out[first].text.size();
        m_pending.droppedOutputBytes += out[first].text.size();
        m_gapBefore.insert(key(out[first]));
        ++first;
    }
    if (m_outputBytes > m_maxOutputBytes && first < out.size()) {
        // One chunk larger than the bound: keep its end, from a line start
        // when there is one (whole lines, no UTF-8 sequence cut in two).
        Output &last = out[first];
        std::size_t cut = m_outputBytes - m_maxOutputBytes;
        if (last.text[cut - 1] != '\n') {
            if (const std::size_t newline = last.text.find('\n', cut); newline != std::string::npos
                && newline + 1 < last.text.size())
                cut = newline + 1;
        }
        last.text.erase(0, cut);
        last.gapBefore = true;
        m_outputBytes -= cut;
        m_pending.droppedOutputBytes += cut;
    }
    out.erase(out.begin(), out.begin() + std::ptrdiff_t(first));
    for (Output &o : out) {
        if (m_gapBefore.empty())
            break;
        if (m_gapBefore.erase(key(o)) > 0)
            o.gapBefore = true;
    }
}

} // namespace weft
