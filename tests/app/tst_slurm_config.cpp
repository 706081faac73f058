// SPDX-License-Identifier: Apache-2.0
// Launchers without a cluster (README "Running on Slurm"): which nodes
// --dry-run would submit and with which sbatch line, --launcher's values,
// and a Slurm node where no Slurm is installed failing at once with a clear
// error instead of hanging. The jobs themselves: tst_slurm (label slurm).

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "CliRun.h"

#include <nlohmann/json.hpp>

class TestSlurmConfig : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

    QString workspace(const char *fixture)
    {
        static int counter = 0;
        const QString dir = m_tmp.filePath(QStringLiteral("case%1").arg(++counter));
        QDir().mkpath(dir);
        QFile::copy(QStringLiteral(WEFT_FIXTURES_DIR "/slurm-config/") + fixture, dir + "/flow.weft");
        return dir;
    }

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    // Only Slurm nodes get a line; options in order, extra as argv words.
    void dryRunPrintsSbatchLines()
    {
        const QString dir = workspace("plan.weft");
        const auto r = weft::test::runWeftCli({ "run", "flow.weft", "--dry-run" }, dir);
        QVERIFY2(!r.crashed && r.exitCode == 0, r.err.constData());
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains("  sbatch --parsable --job-name=simulate --partition=short "
                              "--cpus-per-task=2 --time=10 '--comment=two words' "
                              "'--constraint=a&b' '<job script of simulate>'  # echo hi\n"),
                 qPrintable(out));
        QCOMPARE(out.count("sbatch "), 1);

        // --launcher slurm moves every node without its own launcher.
        const auto all = weft::test::runWeftCli(
            { "run", "flow.weft", "--dry-run", "--launcher", "slurm" }, dir);
        QVERIFY2(!all.crashed && all.exitCode == 0, all.err.constData());
        const QString allOut = QString::fromUtf8(all.out);
        QCOMPARE(allOut.count("sbatch "), 2);
        QVERIFY(allOut.contains("--job-name=prepare"));
        QVERIFY(!allOut.contains("--job-name=stay"));
    }

    void launcherOptionValues()
    {
        const QString dir = workspace("plan.weft");
        const auto r = weft::test::runWeftCli({ "run", "flow.weft", "--launcher", "pbs" }, dir);
        QVERIFY(!r.crashed);
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("launcher"), r.err.constData());
    }

    // No sbatch on PATH: the Slurm node fails with the reason, the local
    // nodes run, nothing hangs.
    void withoutSlurmFailsClearly()
    {
        const QString dir = workspace("plan.weft");
        QDir().mkpath(dir + "/bin");
        QFile::link("/bin/true", dir + "/bin/true");
        QProcess cli;
        cli.setProgram(QStringLiteral(WEFT_CLI_PATH));
        cli.setArguments({ "run", "flow.weft", "--events", "jsonl", "-k" });
        cli.setWorkingDirectory(dir);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("PATH", dir + "/bin");
        cli.setProcessEnvironment(env);
        cli.start();
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 1);
        const auto finished = weft::test::finishedByNode(weft::test::parseJsonLines(cli.readAllStandardOutput()));
        QCOMPARE(finished.at("prepare")["outcome"].get<std::string>(), std::string("succeeded"));
        QCOMPARE(finished.at("stay")["outcome"].get<std::string>(), std::string("succeeded"));
        QCOMPARE(finished.at("simulate")["outcome"].get<std::string>(), std::string("failed"));
        const std::string error = finished.at("simulate")["error"].get<std::string>();
        QVERIFY2(error.find("cannot submit to Slurm") != std::string::npos
                     && error.find("sbatch") != std::string::npos,
                 error.c_str());
    }
};

QTEST_GUILESS_MAIN(TestSlurmConfig)
#include "tst_slurm_config.moc"
