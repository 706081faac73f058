// SPDX-License-Identifier: Apache-2.0
// The in-process built-in operations (hash, copy, write, cpu, noop), run
// through the executor on real files, with the real event stream.

#include "RecordingSink.h"

#include "weft/Executor.h"
#include "weft/Workflow.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <future>

using namespace weft;
using namespace weft::test;

namespace {

struct Result
{
    RunSummary summary;
    NodeFinished finished;
    std::string stdoutText;
    std::vector<double> progress;
};

Result runOne(const QTemporaryDir &dir, Node node)
{
    Workflow wf;
    wf.nodes = {std::move(node)};
    RecordingSink sink;
    RunOptions o;
    o.jobs = 2;
    o.baseDirectory = dir.path().toStdString();
    Executor executor(o);
    Result r;
    r.summary = executor.run(wf, sink);
    r.finished = sink.finals().at(0);
    for (const Recorded &e : sink.events) {
        if (e.kind == Recorded::Output && e.stream == OutputStream::Stdout)
            r.stdoutText += e.text;
    }
    return r;
}

void writeFile(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(data);
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestOperations : public QObject
{
    Q_OBJECT

private slots:
    void hashMatchesSha256sum();
    void hashFailures_data();
    void hashFailures();
    void copyFile();
    void copyDirectory();
    void copyFailures_data();
    void copyFailures();
    void writeFile_();
    void writeUnwritable();
    void cpuStopsOnCancel();
    void noop();
};

void TestOperations::hashMatchesSha256sum()
{
    QTemporaryDir dir;
    const QDir d(dir.path());
    writeFile(d.filePath("data/a.txt"), "alpha\n");
    writeFile(d.filePath("data/b.txt"), QByteArray(200000, 'b'));
    writeFile(d.filePath("data/c.bin"), QByteArray("\0\1\2", 3));
    writeFile(d.filePath("single"), "");
    QDir().mkpath(d.filePath("data/sub.txt")); // a directory matching the glob is not hashed

    // sha256sum first, while this process has one thread: ThreadSanitizer
    // reports false races after a fork beside oneTBB's worker threads.
    QProcess sha;
    sha.setWorkingDirectory(dir.path());
    sha.start("sha256sum", {"data/a.txt", "data/b.txt", "data/c.bin", "single"});
    QVERIFY(sha.waitForFinished(10000));
    const QByteArray expected = sha.readAllStandardOutput();

    const Result r = runOne(dir, makeNode("h", "hash", {{"files", {"data/*.txt", "single", "data/c.bin"}}}));
    QCOMPARE(str(r.summary.outcome), str(RunOutcome::Succeeded));
    QStringList expectedLines = QString::fromUtf8(expected).split('\n', Qt::SkipEmptyParts);
    QStringList gotLines = QString::fromStdString(r.stdoutText).split('\n', Qt::SkipEmptyParts);
    expectedLines.sort();
    gotLines.sort();
    QCOMPARE(gotLines, expectedLines);
}

void TestOperations::hashFailures_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("error");
    QTest::newRow("missing file") << "nope.txt" << "cannot read nope.txt";
    QTest::newRow("glob matches nothing") << "*.nothing" << "no files match \"*.nothing\"";
    QTest::newRow("bad glob (unclosed bracket, missing directory)")
        << "unreadable/[*.txt" << "cannot read the directories of \"unreadable/[*.txt\"";
    QTest::newRow("directory") << "adir" << "is a directory";
}

void TestOperations::hashFailures()
{
    QFETCH(QString, pattern);
    QFETCH(QString, error);
    QTemporaryDir dir;
    QDir().mkpath(QDir(dir.path()).filePath("adir"));
    const Result r = runOne(dir, makeNode("h", "hash", {{"files", {pattern.toStdString()}}}));
    QCOMPARE(str(r.summary.outcome), str(RunOutcome::Failed));
    QCOMPARE(str(r.finished.outcome), str(NodeState::Failed));
    QVERIFY2(r.finished.error.find(error.toStdString()) != std::string::npos, r.finished.error.c_str());
}

void TestOperations::copyFile()
{
    QTemporaryDir dir;
    const QDir d(dir.path());
    writeFile(d.filePath("src.txt"), "payload");
    writeFile(d.filePath("out/dst.txt"), "old contents, longer than the new ones");
    const Result r = runOne(dir, makeNode("c", "copy", {{"from", "src.txt"}, {"to", "out/dst.txt"}}));
    QCOMPARE(str(r.summary.outcome), str(RunOutcome::Succeeded));
    QCOMPARE(readFile(d.filePath("out/dst.txt")), QByteArray("payload"));
}

void TestOperations::copyDirectory()
{
    QTemporaryDir dir;
    const QDir d(dir.path());
    writeFile(d.filePath("tree/a"), "A");
    writeFile(d.filePath("tree/deep/b"), "B");
    const Result r = runOne(dir, makeNode("c", "copy", {{"from", "tree"}, {"to", "new/copy"}}));
    QCOMPARE(str(r.summary.outcome), str(RunOutcome::Succeeded));
    QCOMPARE(readFile(d.filePath("new/copy/a")), QByteArray("A"));
    QCOMPARE(readFile(d.filePath("new/copy/deep/b")), QByteArray("B"));
}

void TestOperations::copyFailures_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("error");
    QTest::newRow("missing source") << "absent" << "x" << "no such file or directory: absent";
    // Under a regular file: fails for root too, unlike permission bits.
    QTest::newRow("unwritable destination") << "src.txt" << "plain/inside/x" << "cannot";
}

void TestOperations::copyFailures()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QString, error);
    QTemporaryDir dir;
    writeFile(QDir(dir.path()).filePath("src.txt"), "s");
    writeFile(QDir(dir.path()).filePath("plain"), "a file, not a directory");
    const Result r = runOne(dir, makeNode("c", "copy", {{"from", from.toStdString()}, {"to", to.toStdString()}}));
    QCOMPARE(str(r.finished.outcome), str(NodeState::Failed));
    QVERIFY2(r.finished.error.find(error.toStdString()) != std::string::npos, r.finished.error.c_str());
}

void TestOperations::writeFile_()
{
    QTemporaryDir dir;
    const Result r = runOne(dir, makeNode("w", "write", {{"path", "made/here.txt"}, {"text", "line\n"}}));
    QCOMPARE(str(r.summary.outcome), str(RunOutcome::Succeeded));
    QCOMPARE(readFile(QDir(dir.path()).filePath("made/here.txt")), QByteArray("line\n"));
}

void TestOperations::writeUnwritable()
{
    QTemporaryDir dir;
    writeFile(QDir(dir.path()).filePath("plain"), "x");
    const Result r = runOne(dir, makeNode("w", "write", {{"path", "plain/sub/file"}, {"text", "t"}}));
    QCOMPARE(str(r.finished.outcome), str(NodeState::Failed));
    QVERIFY(!r.finished.error.empty());
    QCOMPARE(readFile(QDir(dir.path()).filePath("plain")), QByteArray("x"));
}

void TestOperations::cpuStopsOnCancel()
{
    Workflow wf;
    wf.nodes = {makeNode("burn", "cpu", {{"seconds", 60}})};
    RecordingSink sink;
    RunOptions o;
    o.jobs = 1;
    Executor executor(o);
    auto future = std::async(std::launch::async, [&] { return executor.run(wf, sink); });
    QTRY_VERIFY_WITH_TIMEOUT(!sink.snapshot().empty(), 10000);
    executor.cancel();
    QVERIFY(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    QCOMPARE(str(future.get().outcome), str(RunOutcome::Cancelled));
    QCOMPARE(str(sink.finals().at(0).outcome), str(NodeState::Cancelled));
    QVERIFY2(sink.contractViolation(wf).isEmpty(), qPrintable(sink.contractViolation(wf)));
}

void TestOperations::noop()
{
    QTemporaryDir dir;
    const Result r = runOne(dir, makeNode("n", "noop"));
    QCOMPARE(str(r.summary.outcome), str(RunOutcome::Succeeded));
    QCOMPARE(str(r.finished.outcome), str(NodeState::Succeeded));
    QCOMPARE(r.finished.attempts, 1);
    QVERIFY(r.stdoutText.empty());
}

QTEST_GUILESS_MAIN(TestOperations)
#include "tst_operations.moc"
