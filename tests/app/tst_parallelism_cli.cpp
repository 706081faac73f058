// SPDX-License-Identifier: Apache-2.0
// why_serial in run_finished, weft-cli report and weft-cli predict on real
// runs of constructed workflows whose answers are known: four 0.4 s sleeps
// through a pool of one, and a chain of three 0.3 s sleeps; the CPU time of
// each process, recorded in the history, and what the predictor makes of it.
#include "CliRun.h"

#include "weft/Events.h"
#include "weft/Parallelism.h"
#include "weft/StateStore.h"
#include "weft/Workflow.h"

#include <QTemporaryDir>
#include <QtTest>

using weft::test::CliRun;
using weft::test::parseJsonLines;
using weft::test::runWeftCli;

class TestParallelismCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString copyFixture(const QString &name)
    {
        const QString to = m_dir.filePath(name);
        QFile::remove(to);
        return QFile::copy(QStringLiteral(WEFT_FIXTURES_DIR "/predict/") + name, to) ? to : QString();
    }

    nlohmann::json runFinished(const QString &file, int jobs)
    {
        const CliRun r = runWeftCli({"run", file, "-j", QString::number(jobs), "--events", "jsonl"},
                                    m_dir.path());
        if (r.exitCode != 0)
            return {};
        return parseJsonLines(r.out).back();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void poolOfOneIsChargedToThePool()
    {
        const QString file = copyFixture("pool-one.weft");
        const nlohmann::json e = runFinished(file, 4);
        QCOMPARE(e["event"], "run_finished");
        const nlohmann::json &why = e["why_serial"];
        const double lost = why["lost"];
        // jobs x wall - work, with wall about 1.6 s and work 1.6 s: about 4.8 s.
        // Sleeps only ever run long on a busy machine: no tight upper bound
        // here (speed is the benchmarks' business), the attribution is.
        QVERIFY(std::abs(lost - (4 * e["wall"].get<double>() - e["work"].get<double>())) < 1e-3);
        QVERIFY2(lost > 4.5 && lost < 9.0, why.dump().c_str());
        QVERIFY2(why["pools"]["gpu"].get<double>() > 0.97 * lost, why.dump().c_str());
        QCOMPARE(why["slurm_queue"], 0);

        const CliRun report = runWeftCli({"report", file}, m_dir.path());
        QCOMPARE(report.exitCode, 0);
        QVERIFY2(report.out.contains("pool gpu"), report.out.constData());
        const CliRun json = runWeftCli({"report", file, "--json"}, m_dir.path());
        const nlohmann::json fromHistory = nlohmann::json::parse(json.out.toStdString());
        // The history keeps microseconds: the same answer as the event's.
        QVERIFY(std::abs(fromHistory["pools"]["gpu"].get<double>() - why["pools"]["gpu"].get<double>()) < 0.01);
    }

    void chainIsChargedToItsEdges()
    {
        const QString file = copyFixture("chain.weft");
        const nlohmann::json e = runFinished(file, 2);
        const nlohmann::json &why = e["why_serial"];
        const double lost = why["lost"];
        // What the chain does not explain is scheduling (start-up, dispatch),
        // which grows on a busy machine and under the asan preset (9 % of the
        // loss there, beside other suites): the needs explain the rest.
        const double gaps = why["gaps"];
        QVERIFY2(why["needs"].get<double>() > 0.95 * (lost - gaps), why.dump().c_str());
        QVERIFY2(gaps < 0.25 * lost, why.dump().c_str());
        bool ab = false;
        for (const nlohmann::json &edge : why["edges"]) {
            if (edge["name"] == "a -> b") {
                ab = true;
                // 0.3 s of sleep; longer, never shorter, when the machine is busy.
                QVERIFY2(edge["seconds"].get<double>() > 0.28 && edge["seconds"].get<double>() < 0.6,
                         why.dump().c_str());
            }
        }
        QVERIFY2(ab, why.dump().c_str());
        QVERIFY2(why["job_slots"].get<double>() < 0.05 * lost + 0.02, why.dump().c_str());
    }

    void predictsFromTheHistory()
    {
        const QString file = copyFixture("pool-one.weft");
        QDir(m_dir.filePath(".weft")).removeRecursively();
        QVERIFY(runFinished(file, 1).contains("why_serial"));
        const CliRun p = runWeftCli({"predict", file, "-j", "1,2,4"}, m_dir.path());
        QCOMPARE(p.exitCode, 0);
        QVERIFY2(p.out.contains("-j 4: "), p.out.constData());
        // The next run carries the prediction made for it. The 10 % goal is
        // bench_predict's to measure; here, with ctest running other suites
        // beside it, only that it is the right prediction, not a stray one.
        const nlohmann::json e = runFinished(file, 4);
        QVERIFY2(e.contains("predicted_wall"), e.dump().c_str());
        const double predicted = e["predicted_wall"];
        const double wall = e["wall"];
        QVERIFY2(std::abs(predicted - wall) / wall < 0.35, e.dump().c_str());
    }

    // rusage of each process reaches the history: a shell loop's CPU
    // seconds, and next to nothing for a sleep, whatever else runs.
    void recordsEachProcessCpuTime()
    {
        const QString file = copyFixture("cpu-and-wait.weft");
        QDir(m_dir.filePath(".weft")).removeRecursively();
        QVERIFY(!runFinished(file, 2).empty());
        std::string error;
        auto store = weft::StateStore::open(file.toStdString(), error);
        QVERIFY2(store, error.c_str());
        const std::vector<weft::HistoryRun> runs = store->runs(1);
        QCOMPARE(runs.size(), std::size_t(1));
        double burn = -1, wait = -1, waited = 0;
        for (const weft::HistoryUnit &u : store->units(runs[0].id)) {
            if (u.unit == "burn")
                burn = u.cpu;
            if (u.unit == "wait") {
                wait = u.cpu;
                waited = u.duration;
            }
        }
        QVERIFY2(burn > 0.05, std::to_string(burn).c_str());
        QVERIFY2(wait >= 0 && wait < 0.05, std::to_string(wait).c_str());
        weft::PredictInput input;
        weft::readHistory(input, *store, 5);
        QCOMPARE(input.cpuWork.size(), std::size_t(2));
        QCOMPARE(input.cpuWork["burn"].cpu, burn);
        // The sleep spent its time off the CPU.
        QVERIFY(std::abs(input.cpuWork["wait"].cpu + input.cpuWork["wait"].offCpu - waited) < 1e-6);
    }

    // Three compiles recorded side by side on 2 cores, each 1.5 s long. With
    // 1 s of CPU each they had two thirds of a core: the history must not
    // read that as 0.5 s of waiting, and alone each takes 1 s. With 0.5 s
    // each, other programs left them one core: that is the capacity the
    // prediction shares, and still none of it is waiting.
    void sharedCoresAreNotTakenForWaiting_data()
    {
        QTest::addColumn<double>("cpu");
        QTest::addColumn<double>("capacity");
        QTest::addColumn<double>("serial");   // predicted -j 1
        QTest::addColumn<double>("parallel"); // predicted -j 3
        QTest::newRow("two cores, all theirs") << 1.0 << 2.0 << 3.0 << 1.5;
        QTest::newRow("one core left to them") << 0.5 << 1.0 << 1.5 << 1.5;
    }

    void sharedCoresAreNotTakenForWaiting()
    {
        QFETCH(double, cpu);
        QFETCH(double, capacity);
        QFETCH(double, serial);
        QFETCH(double, parallel);
        const QString file = m_dir.filePath("shared.weft");
        weft::Workflow w;
        for (const char *id : {"a", "b", "c"}) {
            weft::Node n;
            n.id = id;
            n.type = "process";
            n.params = {{"argv", {"cc", "-c", std::string(id) + ".c"}}};
            w.nodes.push_back(n);
        }
        QFile::remove(file);
        QDir(m_dir.filePath(".weft")).removeRecursively();
        std::string error;
        auto store = weft::StateStore::open(file.toStdString(), error);
        QVERIFY2(store, error.c_str());
        {
            auto sink = store->historySink("-j 3", nullptr, 100);
            weft::RunStarted started;
            started.workflow = &w;
            started.nodes = 3;
            started.jobs = 3;
            sink->runStarted(started);
            for (weft::NodeIndex i = 0; i < 3; ++i) {
                weft::NodeFinished f;
                f.node = i;
                f.start = 0;
                f.duration = 1.5;
                f.attempts = 1;
                f.exitCode = 0;
                f.cpu = cpu;
                sink->nodeFinished(f);
            }
            weft::RunFinished finished;
            finished.wall = 1.5;
            finished.work = 4.5;
            sink->runFinished(finished);
        }
        weft::PredictInput input;
        input.cores = 2;
        weft::readHistory(input, *store, 5);
        QVERIFY2(std::abs(input.capacity - capacity) < 1e-6, std::to_string(input.capacity).c_str());
        QCOMPARE(input.cpuWork.size(), std::size_t(3));
        for (const auto &[unit, work] : input.cpuWork) {
            QCOMPARE(work.cpu, cpu);
            QVERIFY2(work.offCpu < 1e-6, (unit + ": " + std::to_string(work.offCpu)).c_str());
        }
        input.jobs = 1;
        QVERIFY(std::abs(weft::predictRun(w, input).wall - serial) < 1e-6);
        input.jobs = 3;
        QVERIFY(std::abs(weft::predictRun(w, input).wall - parallel) < 1e-6);
    }
};

QTEST_GUILESS_MAIN(TestParallelismCli)
#include "tst_parallelism_cli.moc"
