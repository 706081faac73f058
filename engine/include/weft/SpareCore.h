// SPDX-License-Identifier: Apache-2.0
#pragma once

// A thread started to do work *beside* its creator (open the state database
// while the file loads, stat outputs ahead of the run) is worth only the
// head start it gets. Linux places a new thread on its creator's core: while
// the creator keeps working, the thread waits there until the creator is
// preempted or the idle core's periodic balancing pulls it over. Measured on
// the 2-core CI machine (a VM): 0.1-3.9 ms, median 1.2 ms, before the
// thread's first instruction; a start on the other core, 0.2-0.5 ms. For a
// no-op run of a small build (15 ms in all) that wait was the critical path.

#include <functional>
#include <future>
#include <thread>
#include <utility>

namespace weft {

// A std::thread running `body` that begins on a core the process may use
// other than the calling thread's, when there is one; once running it may
// use every core the process may, as any thread (the scheduler decides
// again from there). With one core allowed it is a plain std::thread.
std::thread startOnSpareCore(std::function<void()> body);

// What std::async(std::launch::async, fn) is, begun on a spare core: the
// result comes through result(), and the thread is joined when this goes
// (so whatever `fn` refers to must outlive it, as with std::async).
template<typename T>
class HeadStart
{
public:
    template<typename Fn>
    explicit HeadStart(Fn &&fn)
        : m_task(std::forward<Fn>(fn))
        , m_result(m_task.get_future())
        , m_thread(startOnSpareCore([this] { m_task(); }))
    {}
    ~HeadStart()
    {
        if (m_thread.joinable())
            m_thread.join();
    }
    HeadStart(const HeadStart &) = delete;
    HeadStart &operator=(const HeadStart &) = delete;

    std::future<T> &result() { return m_result; }

private:
    std::packaged_task<T()> m_task;
    std::future<T> m_result;
    std::thread m_thread; // last: started once the task and its future exist
};

} // namespace weft
