// SPDX-License-Identifier: Apache-2.0
#include "weft/EventRelay.h"

namespace weft {

EventRelay::EventRelay(EventSink &downstream, std::chrono::milliseconds interval,
                       std::function<void()> tick)
    : m_downstream(downstream)
    , m_interval(interval)
    , m_tick(std::move(tick))
    , m_thread([this] { loop(); })
{}

EventRelay::~EventRelay()
{
    {
        std::lock_guard lock(m_stopMutex);
        m_stop = true;
    }
    m_stopped.notify_all();
    m_thread.join();
    deliver();
}

void EventRelay::runStarted(const RunStarted &event)
{
    m_mailbox.runStarted(event);
    deliver();
}

void EventRelay::runFinished(const RunFinished &event)
{
    m_mailbox.runFinished(event);
    deliver();
}

void EventRelay::triggerFired(const TriggerFired &event)
{
    std::lock_guard lock(m_deliverMutex);
    m_mailbox.deliverTo(m_downstream);
    m_downstream.triggerFired(event);
}

void EventRelay::deliver()
{
    std::lock_guard lock(m_deliverMutex);
    m_mailbox.deliverTo(m_downstream);
}

void EventRelay::loop()
{
    std::unique_lock lock(m_stopMutex);
    while (!m_stopped.wait_for(lock, m_interval, [this] { return m_stop; })) {
        lock.unlock();
        deliver();
        if (m_tick)
            m_tick();
        lock.lock();
    }
}

} // namespace weft
