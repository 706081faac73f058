#include "weft/EventQueue.h"

#include "weft/Workflow.h"

namespace weft {

EventQueue::EventQueue(std::size_t maxOutputBytesPerDrain)
    : m_maxOutputBytes(maxOutputBytesPerDrain)
{}

EventQueue::Batch EventQueue::drain()
{
    Batch batch;
    std::lock_guard lock(m_mutex);
    for (const NodeUpdate &update : m_pending.nodes)
        m_slotOfNode[update.node] = 0;
    std::swap(batch, m_pending);
    m_outputBytes = 0;
    return batch;
}

EventQueue::NodeUpdate &EventQueue::slotFor(NodeIndex node)
{
    if (node >= m_slotOfNode.size())
        m_slotOfNode.resize(std::size_t(node) + 1, 0);
    std::uint32_t &slot = m_slotOfNode[node];
    if (slot == 0) {
        m_pending.nodes.push_back(NodeUpdate{node, {}, {}, {}, {}});
        slot = std::uint32_t(m_pending.nodes.size());
    }
    return m_pending.nodes[slot - 1];
}

void EventQueue::runStarted(const RunStarted &event)
{
    std::lock_guard lock(m_mutex);
    // A new run: whatever an undrained previous run left is stale.
    m_pending = Batch{};
    m_outputBytes = 0;
    m_slotOfNode.assign(event.nodes, 0);
    m_pending.started = event;
    // The executor's workflow pointer dies with the run, before a consumer may
    // drain; consumers use the copy of the workflow they asked to run.
    m_pending.started->workflow = nullptr;
    ++m_pending.events;
}

void EventQueue::nodeStateChanged(const NodeStateChanged &event)
{
    std::lock_guard lock(m_mutex);
    slotFor(event.node).state = event;
    ++m_pending.events;
}

void EventQueue::output(const OutputChunk &event)
{
    std::lock_guard lock(m_mutex);
    ++m_pending.events;
    if (m_outputBytes + event.text.size() > m_maxOutputBytes) {
        m_pending.droppedOutputBytes += event.text.size();
        return;
    }
    m_outputBytes += event.text.size();
    m_pending.output.push_back({event.t, event.node, event.stream, std::string(event.text)});
}

void EventQueue::progress(const ProgressUpdate &event)
{
    std::lock_guard lock(m_mutex);
    slotFor(event.node).progress = event;
    ++m_pending.events;
}

void EventQueue::attemptFinished(const AttemptFinished &event)
{
    std::lock_guard lock(m_mutex);
    slotFor(event.node).attempts.push_back(event);
    ++m_pending.events;
}

void EventQueue::nodeFinished(const NodeFinished &event)
{
    std::lock_guard lock(m_mutex);
    slotFor(event.node).finished = event;
    ++m_pending.events;
}

void EventQueue::runFinished(const RunFinished &event)
{
    std::lock_guard lock(m_mutex);
    m_pending.finished = event;
    ++m_pending.events;
}

} // namespace weft
