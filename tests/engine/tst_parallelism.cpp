// SPDX-License-Identifier: Apache-2.0
// Why-serial attribution and the predictor (weft/Parallelism.h) on
// constructed runs whose answers are known exactly.
#include "weft/Parallelism.h"
#include "weft/Workflow.h"

#include <QtTest>

using namespace weft;

namespace {

Node sleepNode(std::string id, double seconds, std::vector<std::string> needs = {})
{
    Node n;
    n.id = std::move(id);
    n.type = "sleep";
    n.needs = std::move(needs);
    n.params = {{"seconds", seconds}};
    return n;
}

double poolSeconds(const WhySerial &why, const std::string &pool)
{
    for (const Attribution &a : why.byPool) {
        if (a.name == pool)
            return a.seconds;
    }
    return 0;
}

double edgeSeconds(const WhySerial &why, const std::string &edge)
{
    for (const Attribution &a : why.edges) {
        if (a.name == edge)
            return a.seconds;
    }
    return 0;
}

} // namespace

class TestParallelism : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void poolOfOneCostsEverything()
    {
        // Four 1 s sleeps through a pool of one at -j 4: wall 4 s, work 4 s,
        // 4 x 4 - 4 = 12 slot-seconds lost, all of them to the pool.
        Workflow w;
        w.settings.pools = {{"gpu", 1}};
        for (const char *id : {"a", "b", "c", "d"}) {
            w.nodes.push_back(sleepNode(id, 1));
            w.nodes.back().resources = {{"gpu", 1}};
        }
        const std::vector<UnitTiming> t = {{"a", 0, 1, 1}, {"b", 1, 2, 1}, {"c", 2, 3, 1}, {"d", 3, 4, 1}};
        const WhySerial why = explainRun(w, t, 4, 4);
        QCOMPARE(why.lost, 12.0);
        QCOMPARE(why.pools, 12.0);
        QCOMPARE(poolSeconds(why, "gpu"), 12.0);
        QCOMPARE(why.needs, 0.0);
        QCOMPARE(why.jobSlots, 0.0);

        // The same four with a pool of two: two rounds of two, 8 - 4 = 4 lost.
        w.settings.pools["gpu"] = 2;
        const std::vector<UnitTiming> t2 = {{"a", 0, 1, 1}, {"b", 0, 1, 1}, {"c", 1, 2, 1}, {"d", 1, 2, 1}};
        const WhySerial why2 = explainRun(w, t2, 4, 2);
        QCOMPARE(why2.lost, 4.0);
        QCOMPARE(poolSeconds(why2, "gpu"), 4.0);
    }

    void chainWaitsOnItsEdges()
    {
        Workflow w;
        w.nodes = {sleepNode("a", 1), sleepNode("b", 1, {"a"}), sleepNode("c", 1, {"b"})};
        const std::vector<UnitTiming> t = {{"a", 0, 1, 1}, {"b", 1, 2, 1}, {"c", 2, 3, 1}};
        const WhySerial why = explainRun(w, t, 2, 3);
        QCOMPARE(why.lost, 3.0);
        QCOMPARE(why.needs, 3.0);
        QCOMPARE(edgeSeconds(why, "a -> b"), 1.0);
        QCOMPARE(edgeSeconds(why, "b -> c"), 1.0);
        QCOMPARE(edgeSeconds(why, "c"), 1.0);
        QCOMPARE(why.pools + why.jobSlots + why.retries + why.gaps, 0.0);
    }

    // A Slurm job holds its job slot from submission, but the time it waits
    // in the cluster's queue is not work: it is charged to the queue.
    void slurmQueueIsNotWork()
    {
        Workflow w;
        w.nodes = {sleepNode("a", 3), sleepNode("b", 1, {"a"})};
        std::vector<UnitTiming> t = {{"a", 0, 3, 1, 2.0}, {"b", 3, 4, 1, 0}};
        const WhySerial why = explainRun(w, t, 1, 4);
        QCOMPARE(why.work, 2.0);
        QCOMPARE(why.lost, 2.0);
        QCOMPARE(why.slurmQueue, 2.0);
        QCOMPARE(why.needs + why.pools + why.jobSlots + why.retries + why.gaps, 0.0);
    }

    void unitOfNoLengthHoldsNothing()
    {
        // `a` starts and ends at one instant (a noop, timed to the
        // microsecond), then `b` runs 1 s at -j 2: 2 - 1 = 1 slot-second
        // lost, waiting on b's needs. Ends sort before starts at one
        // instant; `a` must not stay running after its end came first.
        Workflow w;
        w.nodes = {sleepNode("a", 0), sleepNode("b", 1, {"a"})};
        const std::vector<UnitTiming> t = {{"a", 0, 0, 1}, {"b", 0, 1, 1}};
        const WhySerial why = explainRun(w, t, 2, 1);
        QCOMPARE(why.lost, 1.0);
        QCOMPARE(why.needs, 1.0);
        QCOMPARE(edgeSeconds(why, "b"), 1.0);
        QCOMPARE(why.pools + why.jobSlots + why.retries + why.gaps, 0.0);
    }

    void jobSlotsAndSums()
    {
        // Three independent 1 s nodes at -j 2: the third waits for a slot
        // (no idle slot then), then runs alone: 1 slot-second idle, charged to
        // the job slots that held it.
        Workflow w;
        w.nodes = {sleepNode("a", 1), sleepNode("b", 1), sleepNode("c", 1)};
        const std::vector<UnitTiming> t = {{"a", 0, 1, 1}, {"b", 0, 1, 1}, {"c", 1, 2, 1}};
        const WhySerial why = explainRun(w, t, 2, 2);
        QCOMPARE(why.lost, 1.0);
        QCOMPARE(why.jobSlots, 1.0);
        QCOMPARE(why.needs + why.pools + why.retries + why.gaps, 0.0);
        const std::string json = toJson(why);
        QVERIFY(json.find("\"job_slots\":1") != std::string::npos);
        QVERIFY(json.find("\"slurm_queue\":0") != std::string::npos);
    }

    void predictsConstructedRunsExactly_data()
    {
        QTest::addColumn<int>("jobs");
        QTest::addColumn<int>("threads");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<double>("wall");
        QTest::newRow("pool of one, -j 4") << 4 << 4 << "pool" << 4.0;
        QTest::newRow("chain, -j 4") << 4 << 4 << "chain" << 3.0;
        QTest::newRow("fan-out of 6, -j 2") << 2 << 2 << "fanout" << 3.0;
        QTest::newRow("fan-out of 6, -j 4") << 4 << 4 << "fanout" << 2.0;
        QTest::newRow("fan-out of 6, -j 1") << 1 << 1 << "fanout" << 6.0;
        QTest::newRow("cpu on 2 threads, -j 4") << 4 << 2 << "cpu" << 2.0;
        QTest::newRow("cpu and sleep, -j 4, 2 threads") << 4 << 2 << "mix" << 2.0;
    }

    void predictsConstructedRunsExactly()
    {
        QFETCH(int, jobs);
        QFETCH(int, threads);
        QFETCH(QString, shape);
        QFETCH(double, wall);
        Workflow w;
        PredictInput input;
        input.jobs = jobs;
        input.threads = threads;
        if (shape == "pool") {
            w.settings.pools = {{"gpu", 1}};
            for (const char *id : {"a", "b", "c", "d"}) {
                w.nodes.push_back(sleepNode(id, 1));
                w.nodes.back().resources = {{"gpu", 1}};
            }
        } else if (shape == "chain") {
            w.nodes = {sleepNode("a", 1), sleepNode("b", 1, {"a"}), sleepNode("c", 1, {"b"})};
        } else if (shape == "fanout") {
            w.nodes = {sleepNode("root", 0), sleepNode("each", 0, {"root"})};
            w.nodes[1].foreach = ForEach{ForEach::Kind::List, {"1", "2", "3", "4", "5", "6"}, {}};
            for (int k = 0; k < 6; ++k)
                input.durations["each[" + std::to_string(k) + "]"] = 1;
            input.durations["root"] = 0;
        } else {
            for (int k = 0; k < 4; ++k) {
                Node n = sleepNode("c" + std::to_string(k), 1);
                n.type = shape == "mix" && k >= 2 ? "sleep" : "cpu";
                w.nodes.push_back(n);
            }
            // "mix": two cpu nodes hold both threads for 1 s; the two sleeps,
            // admitted beside them, start only when a thread is free to hand
            // them to the reactor: 2 s, as the executor does it.
        }
        const Prediction p = predictRun(w, input);
        QCOMPARE(p.wall, wall);
    }

    // Local processes with a measured CPU time share the cores while in
    // their CPU part: four 1 s compiles on 2 cores take 2 s at -j 4, not 1.
    void processesShareTheCores_data()
    {
        QTest::addColumn<int>("jobs");
        QTest::addColumn<double>("offCpu");
        QTest::addColumn<double>("wall");
        QTest::addColumn<double>("capacity");
        QTest::newRow("-j 1") << 1 << 0.0 << 4.0 << 0.0;
        QTest::newRow("-j 2") << 2 << 0.0 << 2.0 << 0.0;
        QTest::newRow("-j 4: two per core") << 4 << 0.0 << 2.0 << 0.0;
        // Each then spends 0.5 s off the CPU, which takes no core.
        QTest::newRow("-j 2, 0.5 s off the CPU") << 2 << 0.5 << 3.0 << 0.0;
        QTest::newRow("-j 4, 0.5 s off the CPU") << 4 << 0.5 << 2.5 << 0.0;
        // Other programs leave the processes 1.5 of the 2 cores.
        QTest::newRow("-j 2, 1.5 cores left") << 2 << 0.0 << 4.0 / 1.5 << 1.5;
        QTest::newRow("-j 1, 1.5 cores left") << 1 << 0.0 << 4.0 << 1.5;
    }

    void processesShareTheCores()
    {
        QFETCH(int, jobs);
        QFETCH(double, offCpu);
        QFETCH(double, wall);
        QFETCH(double, capacity);
        Workflow w;
        PredictInput input;
        input.jobs = jobs;
        input.cores = 2;
        input.capacity = capacity;
        for (int k = 0; k < 4; ++k) {
            Node n;
            n.id = "cc" + std::to_string(k);
            n.type = "process";
            n.params = {{"argv", {"cc", "-c", "x.c"}}};
            w.nodes.push_back(n);
            input.durations[n.id] = 9; // what a stretched run measured: not used
            input.cpuWork[n.id] = CpuWork{1.0, offCpu};
        }
        const Prediction p = predictRun(w, input);
        QVERIFY2(std::abs(p.wall - wall) < 1e-9, std::to_string(p.wall).c_str());
        QVERIFY(std::abs(p.work - 4 * (1 + offCpu)) < 1e-9);
    }

    // A process that waits (a sleep, a download) takes no core: beside a
    // compile on a single core neither slows the other.
    void waitingTakesNoCore()
    {
        Workflow w;
        for (const char *id : {"compile", "download"}) {
            Node n;
            n.id = id;
            n.type = "process";
            n.params = {{"command", "true"}};
            w.nodes.push_back(n);
        }
        PredictInput input;
        input.jobs = 2;
        input.cores = 1;
        input.durations = {{"compile", 1}, {"download", 1}};
        input.cpuWork["compile"] = CpuWork{1.0, 0};
        input.cpuWork["download"] = CpuWork{0.001, 0.999};
        // (each pays for the 1 ms the other computes: 1.001 s)
        QVERIFY(std::abs(predictRun(w, input).wall - 1.001) < 1e-9);
        input.cpuWork["download"] = CpuWork{1.0, 0}; // two compiles on one core
        QVERIFY(std::abs(predictRun(w, input).wall - 2.0) < 1e-9);
    }

    void historyBeatsFallback()
    {
        Workflow w;
        w.nodes = {sleepNode("a", 5)};
        Node proc;
        proc.id = "p";
        proc.type = "process";
        proc.params = {{"command", "true"}};
        w.nodes.push_back(proc);
        PredictInput input;
        input.jobs = 1;
        Prediction p = predictRun(w, input);
        QCOMPARE(p.wall, 6.0); // 5 s as written, 1 s for a process never measured
        QCOMPARE(p.estimated, (std::vector<std::string>{"a", "p"}));
        input.durations = {{"a", 5.5}, {"p", 0.25}};
        p = predictRun(w, input);
        QCOMPARE(p.wall, 5.75);
        QVERIFY(p.estimated.empty());
    }
};

QTEST_GUILESS_MAIN(TestParallelism)
#include "tst_parallelism.moc"
