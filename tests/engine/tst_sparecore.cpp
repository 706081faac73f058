// SPDX-License-Identifier: Apache-2.0
// Head-start threads (weft/SpareCore.h): the state database opened while
// the file loads, the outputs stat'ed ahead of a run. What a caller relies
// on: the body runs once, its result or exception comes back as from
// std::async, the thread is joined when its owner goes, and once running it
// is a thread like any other, free to use every core its creator could (a
// thread left pinned to one core would be a silent slowdown for the rest of
// a long run). Not timed: the start latency is the benchmark's business.

#include "weft/SpareCore.h"

#include <QTest>

#include <sched.h>

#include <atomic>
#include <stdexcept>
#include <string>

using namespace weft;

namespace {

cpu_set_t currentAffinity()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    ::sched_getaffinity(0, sizeof set, &set);
    return set;
}

// Runs `fn` on a thread of its own limited to `cpus`, so that a test can
// start a head-start thread from a creator with one core, or several.
template<typename Fn>
void onThreadLimitedTo(const cpu_set_t &cpus, Fn fn)
{
    std::thread t([&] {
        ::sched_setaffinity(0, sizeof cpus, &cpus);
        fn();
    });
    t.join();
}

} // namespace

class TestSpareCore : public QObject
{
    Q_OBJECT

private slots:
    void runsTheBodyOnceOnAThreadOfItsOwn()
    {
        std::atomic<int> runs{0};
        std::thread::id where;
        std::thread t = startOnSpareCore([&] {
            where = std::this_thread::get_id();
            ++runs;
        });
        QVERIFY(t.joinable());
        const std::thread::id id = t.get_id();
        t.join();
        QCOMPARE(runs.load(), 1);
        QVERIFY(where == id);
        QVERIFY(where != std::this_thread::get_id());
    }

    // Once running, the thread may use every core its creator may: the
    // narrowing to a spare core lasts only until its first instruction.
    void runningThreadMayUseEveryCoreItsCreatorMay()
    {
        const cpu_set_t all = currentAffinity();
        cpu_set_t seen;
        CPU_ZERO(&seen);
        startOnSpareCore([&] { seen = currentAffinity(); }).join();
        QVERIFY(CPU_EQUAL(&seen, &all));

        // A creator limited to two cores (where the machine has two).
        if (CPU_COUNT(&all) >= 2) {
            cpu_set_t two;
            CPU_ZERO(&two);
            for (int cpu = 0, taken = 0; cpu < CPU_SETSIZE && taken < 2; ++cpu) {
                if (CPU_ISSET(cpu, &all)) {
                    CPU_SET(cpu, &two);
                    ++taken;
                }
            }
            onThreadLimitedTo(two, [&] {
                CPU_ZERO(&seen);
                startOnSpareCore([&] { seen = currentAffinity(); }).join();
            });
            QVERIFY(CPU_EQUAL(&seen, &two));
        }
    }

    // With a single core there is no spare one: a plain thread, on it.
    void oneCoreGivesAPlainThread()
    {
        const cpu_set_t all = currentAffinity();
        int first = 0;
        while (!CPU_ISSET(first, &all))
            ++first;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(first, &one);
        cpu_set_t seen;
        CPU_ZERO(&seen);
        int ran = 0;
        onThreadLimitedTo(one, [&] {
            startOnSpareCore([&] {
                seen = currentAffinity();
                ran = ::sched_getcpu();
            }).join();
        });
        QVERIFY(CPU_EQUAL(&seen, &one));
        QCOMPARE(ran, first);
    }

    void headStartGivesTheResultOrTheException()
    {
        HeadStart<std::string> value([] { return std::string("opened"); });
        QCOMPARE(value.result().get(), std::string("opened"));

        HeadStart<int> failing([]() -> int { throw std::runtime_error("database is locked"); });
        try {
            failing.result().get();
            QFAIL("the body's exception was lost");
        } catch (const std::runtime_error &e) {
            QCOMPARE(std::string(e.what()), std::string("database is locked"));
        }
    }

    // Its owner going out of scope joins the thread, so the body may use
    // what the owner's scope holds (as with std::async's future).
    void ownerJoinsTheThreadWhenItGoes()
    {
        std::atomic<bool> finished{false};
        {
            HeadStart<void> slow([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                finished = true;
            });
        }
        QVERIFY(finished.load());
    }
};

QTEST_GUILESS_MAIN(TestSpareCore)
#include "tst_sparecore.moc"
