// SPDX-License-Identifier: Apache-2.0
// Process nodes on Slurm (README "Running on Slurm"): what Weft's launcher
// costs per job, against the other ways of starting the same command on the
// same cluster, measured in the same run:
//   - plain `sbatch --wait --wrap CMD`, one after the other;
//   - steps in one held allocation (`salloc --no-shell`, then
//     `srun --jobid=ID --exact -n1 -c1 CMD`), the alternative design;
//   - Weft: a chain of N process nodes (each starts when the last ended),
//     `weft-cli run --launcher slurm -j 1`.
// Then throughput: 200 one-second jobs at -j 8 against the ideal 200/8 s.
//
// Labelled slow;bench;slurm: needs a cluster (.ci/slurm-cluster run ctest
// -L bench -L slurm); skips without one. Prints figures, asserts only that
// every run really ran.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

int run(const QString &program, const QStringList &args, QByteArray *out = nullptr,
        const QString &dir = {}, int timeoutMs = 600000)
{
    QProcess p;
    if (!dir.isEmpty())
        p.setWorkingDirectory(dir);
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return -1;
    }
    if (out)
        *out = p.readAllStandardOutput() + p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

QString writeWorkflow(const QString &dir, const nlohmann::json &workflow)
{
    QDir().mkpath(dir);
    QFile::setPermissions(dir, QFile::permissions(dir) | QFile::ReadOther | QFile::ExeOther);
    QFile f(dir + "/flow.weft");
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(dir));
    f.write(QByteArray::fromStdString(workflow.dump(2)));
    return dir + "/flow.weft";
}

} // namespace

class BenchSlurm : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QFile::setPermissions(m_tmp.path(), QFile::permissions(m_tmp.path()) | QFile::ReadOther
                                                | QFile::ExeOther);
        QByteArray state;
        if (run("sinfo", { "-h", "-o", "%T" }, &state) != 0 || !state.contains("idle"))
            QSKIP("no Slurm cluster reachable: .ci/slurm-cluster run ctest -L bench -L slurm");
    }

    void perJobOverhead()
    {
        constexpr int kJobs = 8;
        const QString dir = m_tmp.filePath("overhead");
        QDir().mkpath(dir);

        // Plain sbatch --wait, one after the other.
        auto start = Clock::now();
        for (int k = 0; k < kJobs; ++k)
            QCOMPARE(run("sbatch", { "--wait", "--quiet", "--output=/dev/null", "--wrap", "true" },
                         nullptr, dir),
                     0);
        const double sbatchWait = secondsSince(start) / kJobs;

        // Steps in one held allocation.
        QByteArray out;
        QCOMPARE(run("salloc", { "--no-shell", "-n1", "-c1" }, &out), 0);
        const int at = out.indexOf("Granted job allocation ") >= 0
                           ? out.indexOf("Granted job allocation ") + 8
                           : out.indexOf("job allocation ");
        const QByteArray alloc = at >= 0 ? out.mid(at + 15).split('\n').front().trimmed() : QByteArray();
        double steps = -1;
        if (!alloc.isEmpty()) {
            start = Clock::now();
            for (int k = 0; k < kJobs; ++k)
                QCOMPARE(run("srun", { "--jobid=" + QString::fromLatin1(alloc), "--exact", "-n1",
                                       "-c1", "true" }),
                         0);
            steps = secondsSince(start) / kJobs;
            run("scancel", { QString::fromLatin1(alloc) });
        }

        // Weft: a chain of kJobs process nodes.
        nlohmann::json nodes = nlohmann::json::array();
        for (int k = 0; k < kJobs; ++k) {
            nlohmann::json node = { { "id", "n" + std::to_string(k) }, { "type", "process" },
                                    { "params", { { "argv", { "true" } } } } };
            if (k > 0)
                node["needs"] = { "n" + std::to_string(k - 1) };
            nodes.push_back(node);
        }
        const QString file = writeWorkflow(dir + "/chain",
                                           { { "weft", 1 }, { "settings", { { "launcher", "slurm" } } },
                                             { "nodes", nodes } });
        start = Clock::now();
        QCOMPARE(run(WEFT_CLI_PATH, { "run", file, "-j", "1", "--quiet" }, &out), 0);
        const double weft = secondsSince(start) / kJobs;

        std::printf("\nper-job overhead, %d tiny jobs one after the other (s per job):\n", kJobs);
        std::printf("  sbatch --wait            %6.2f  (1.00x)\n", sbatchWait);
        if (steps >= 0)
            std::printf("  srun --exact step        %6.2f  (%.2fx)\n", steps, steps / sbatchWait);
        std::printf("  weft --launcher slurm    %6.2f  (%.2fx)\n", weft, weft / sbatchWait);
    }

    void throughput()
    {
        constexpr int kJobs = 200;
        constexpr int kParallel = 8;
        nlohmann::json nodes = nlohmann::json::array();
        for (int k = 0; k < kJobs; ++k)
            nodes.push_back({ { "id", "s" + std::to_string(k) }, { "type", "process" },
                              { "params", { { "argv", { "sleep", "1" } } } } });
        const QString file = writeWorkflow(m_tmp.filePath("throughput"),
                                           { { "weft", 1 }, { "settings", { { "launcher", "slurm" } } },
                                             { "nodes", nodes } });
        QByteArray out;
        const auto start = Clock::now();
        QCOMPARE(run(WEFT_CLI_PATH, { "run", file, "-j", QString::number(kParallel), "--quiet" },
                     &out, {}, 1200000),
                 0);
        const double wall = secondsSince(start);
        const double ideal = double(kJobs) / kParallel;
        std::printf("\n%d one-second jobs at -j %d: %.1f s, ideal %.1f s (%.2fx)\n", kJobs,
                    kParallel, wall, ideal, wall / ideal);
    }
};

QTEST_GUILESS_MAIN(BenchSlurm)
#include "bench_slurm.moc"
