// SPDX-License-Identifier: Apache-2.0
// Replays the fuzzer's minimised corpus (tests/fuzz/corpus) through the
// loader as an ordinary test: every input gives a workflow or diagnostics,
// and a workflow survives save -> load unchanged. Inputs that once crashed
// stay here as regression cases.
#include "weft/WorkflowFile.h"

#include <QDir>
#include <QFile>
#include <QTest>

class TestFuzzCorpus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void replay_data();
    void replay();
};

void TestFuzzCorpus::replay_data()
{
    QTest::addColumn<QString>("path");
    const QDir corpus(WEFT_SOURCE_DIR "/tests/fuzz/corpus");
    const QStringList files = corpus.entryList(QDir::Files, QDir::Name);
    QVERIFY2(files.size() >= 20, "the corpus should hold the seeds and what fuzzing found");
    for (const QString &name : files)
        QTest::newRow(qPrintable(name)) << corpus.filePath(name);
}

void TestFuzzCorpus::replay()
{
    QFETCH(QString, path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    const weft::LoadResult result = weft::parseWorkflow(std::string_view(bytes.constData(), std::size_t(bytes.size())));
    if (!result.ok()) {
        QVERIFY2(!result.diagnostics.empty(), "a rejected input must say why");
        for (const weft::Diagnostic &d : result.diagnostics)
            QVERIFY(!d.message.empty());
        return;
    }
    const std::string saved = weft::serializeWorkflow(*result.workflow);
    const weft::LoadResult again = weft::parseWorkflow(saved);
    QVERIFY(again.ok());
    QVERIFY(*again.workflow == *result.workflow);
    QCOMPARE(weft::serializeWorkflow(*again.workflow), saved);
}

QTEST_GUILESS_MAIN(TestFuzzCorpus)
#include "tst_fuzzcorpus.moc"
