// SPDX-License-Identifier: Apache-2.0
// Every bundled example runs headless through the real weft-cli, from a copy
// (examples write under out/ next to themselves), and ends as it promises:
// all succeed, except failing-branch, which fails one node on purpose and
// keeps going. A new example without a row here fails the test, so none is
// shipped untested.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TestExamples : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void runsHeadless_data();
    void runsHeadless();

private:
    QTemporaryDir m_work;
};

static bool copyTree(const QString &from, const QString &to)
{
    QDir().mkpath(to);
    QDirIterator it(from, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString source = it.next();
        const QString relative = QDir(from).relativeFilePath(source);
        if (relative.startsWith(QLatin1String("out/")))
            continue;
        const QString target = to + QLatin1Char('/') + relative;
        QDir().mkpath(QFileInfo(target).path());
        if (!QFile::copy(source, target))
            return false;
    }
    return true;
}

void TestExamples::initTestCase()
{
    QVERIFY(m_work.isValid());
    QVERIFY(copyTree(QStringLiteral(WEFT_EXAMPLES_DIR), m_work.path()));
}

void TestExamples::runsHeadless_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<int>("succeeded");
    QTest::addColumn<int>("failed");
    QTest::addColumn<int>("skipped");

    const QMap<QString, QList<int>> expected = {
        {"parallel-build.weft", {0, 5, 0, 0}},
        {"dynamic-fan-out.weft", {0, 3, 0, 0}},
        {"awkward-names.weft", {0, 4, 0, 0}},
        {"hash-tree.weft", {0, 7, 0, 0}},
        {"text-pipeline.weft", {0, 9, 0, 0}},
        {"failing-branch.weft", {1, 3, 1, 2}},
        {"pool-demo.weft", {0, 11, 0, 0}},
        {"progress.weft", {0, 5, 0, 0}},
        {"rebuild-on-save.weft", {0, 5, 0, 0}},
        {"approve-before-publish.weft", {0, 4, 0, 0}},
    };
    const QStringList shipped = QDir(QStringLiteral(WEFT_EXAMPLES_DIR)).entryList({"*.weft"}, QDir::Files, QDir::Name);
    QCOMPARE(QStringList(expected.keys()), shipped);
    for (auto it = expected.begin(); it != expected.end(); ++it)
        QTest::newRow(qPrintable(it.key())) << it.key() << it.value()[0] << it.value()[1] << it.value()[2] << it.value()[3];
}

void TestExamples::runsHeadless()
{
    QFETCH(QString, file);
    QFETCH(int, exitCode);
    QFETCH(int, succeeded);
    QFETCH(int, failed);
    QFETCH(int, skipped);

    // Event-driven examples: one watch round; the gate approved up front.
    const QMap<QString, QStringList> extraArgs = {
        {"rebuild-on-save.weft", {"--watch", "--rounds", "1"}},
        {"approve-before-publish.weft", {"--approve", "publish_gate"}},
    };
    QProcess cli;
    cli.start(QStringLiteral(WEFT_CLI_PATH),
              QStringList{"run", m_work.filePath(file), "--events", "jsonl", "-j", "2"} + extraArgs.value(file));
    QVERIFY(cli.waitForFinished(120000));
    const QByteArray err = cli.readAllStandardError();
    QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
    QVERIFY2(cli.exitCode() == exitCode, err.constData());

    QJsonObject finished;
    for (const QByteArray &line : cli.readAllStandardOutput().split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonObject event = QJsonDocument::fromJson(line).object();
        QVERIFY2(!event.isEmpty(), line.constData());
        if (event.value("event").toString() == QLatin1String("run_finished"))
            finished = event;
    }
    const QJsonObject counts = finished.value("counts").toObject();
    QVERIFY2(!counts.isEmpty(), err.constData());
    QCOMPARE(counts.value("succeeded").toInt(), succeeded);
    QCOMPARE(counts.value("failed").toInt(), failed);
    QCOMPARE(counts.value("skipped").toInt(), skipped);
    QCOMPARE(counts.value("cancelled").toInt(), 0);
    QVERIFY(finished.value("errors").toArray().isEmpty());
    // A fan-out's instances are counted apart from nodes; none may fail.
    const QJsonObject instances = finished.value("instance_counts").toObject();
    for (const char *bad : {"failed", "skipped", "cancelled"})
        QCOMPARE(instances.value(QLatin1String(bad)).toInt(), 0);
}

QTEST_GUILESS_MAIN(TestExamples)
#include "tst_examples.moc"
