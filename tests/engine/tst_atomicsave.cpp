// SPDX-License-Identifier: Apache-2.0
// Atomic saving: a failed save leaves the old file byte-identical and no
// temporary behind; a successful one replaces the file whole and keeps its
// permissions. Failures are provoked in ways that stop root too (the suite
// may run as root in containers), plus a read-only directory where it can.

#include "weft/WorkflowFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace weft;

namespace {

Workflow sampleWorkflow(const std::string &name)
{
    Workflow workflow;
    workflow.name = name;
    Node node;
    node.id = "write";
    node.type = "write";
    node.params = {{"path", "out.txt"}, {"text", "hello"}};
    workflow.nodes.push_back(node);
    return workflow;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes), bytes.size());
}

// Every entry of a directory, hidden ones included: temporaries start with '.'.
QStringList entries(const QString &directory)
{
    return QDir(directory).entryList(QDir::AllEntries | QDir::Hidden | QDir::System
                                         | QDir::NoDotAndDotDot,
                                     QDir::Name);
}

mode_t modeOf(const QString &path)
{
    struct stat info{};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return 0;
    return info.st_mode & 07777;
}

} // namespace

class TestAtomicSave : public QObject
{
    Q_OBJECT

private slots:
    void savesCanonicalText();
    void replacesExistingFile();
    void keepsPermissions();
    void newFileFollowsUmask();
    void missingDirectoryFails();
    void parentIsAFileFails();
    void targetIsADirectoryFails();
    void readOnlyDirectoryFails();
    void followsSymbolicLinks();
};

void TestAtomicSave::savesCanonicalText()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("a.weft");
    const Workflow workflow = sampleWorkflow("first");
    const SaveResult result = saveWorkflowFile(workflow, path.toStdString());
    QVERIFY2(result.ok, result.error.c_str());
    QVERIFY(result.error.empty());
    QCOMPARE(readFile(path), QByteArray::fromStdString(serializeWorkflow(workflow)));
    QCOMPARE(entries(dir.path()), QStringList{"a.weft"});
}

void TestAtomicSave::replacesExistingFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("a.weft");
    writeFile(path, QByteArray(100000, 'x')); // longer than the new text: no tail may remain
    const Workflow workflow = sampleWorkflow("second");
    QVERIFY(saveWorkflowFile(workflow, path.toStdString()).ok);
    QCOMPARE(readFile(path), QByteArray::fromStdString(serializeWorkflow(workflow)));
    QCOMPARE(entries(dir.path()), QStringList{"a.weft"});
}

void TestAtomicSave::keepsPermissions()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("a.weft");
    writeFile(path, "old");
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), 0640), 0);
    QVERIFY(saveWorkflowFile(sampleWorkflow("x"), path.toStdString()).ok);
    QCOMPARE(modeOf(path), mode_t(0640));
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), 0755), 0);
    QVERIFY(saveWorkflowFile(sampleWorkflow("y"), path.toStdString()).ok);
    QCOMPARE(modeOf(path), mode_t(0755));
}

void TestAtomicSave::newFileFollowsUmask()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("new.weft");
    const mode_t old = ::umask(027);
    const SaveResult result = saveWorkflowFile(sampleWorkflow("x"), path.toStdString());
    ::umask(old);
    QVERIFY(result.ok);
    QCOMPARE(modeOf(path), mode_t(0640));
}

void TestAtomicSave::missingDirectoryFails()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("no/such/dir/a.weft").toStdString();
    const SaveResult result = saveWorkflowFile(sampleWorkflow("x"), path);
    QVERIFY(!result.ok);
    QVERIFY2(result.error.find(dir.filePath("no/such/dir").toStdString()) != std::string::npos,
             result.error.c_str());
    QVERIFY2(result.error.find("No such file or directory") != std::string::npos,
             result.error.c_str());
    QVERIFY(entries(dir.path()).isEmpty());
}

void TestAtomicSave::parentIsAFileFails()
{
    QTemporaryDir dir;
    const QString parent = dir.filePath("plain");
    writeFile(parent, "I am a file");
    const SaveResult result = saveWorkflowFile(sampleWorkflow("x"), (parent + "/a.weft").toStdString());
    QVERIFY(!result.ok);
    QVERIFY2(result.error.find("Not a directory") != std::string::npos, result.error.c_str());
    QCOMPARE(readFile(parent), QByteArray("I am a file"));
    QCOMPARE(entries(dir.path()), QStringList{"plain"});
}

void TestAtomicSave::targetIsADirectoryFails()
{
    // The temporary is written in full, then rename() refuses: the temporary
    // must be cleaned up and what was there left alone.
    QTemporaryDir dir;
    const QString target = dir.filePath("a.weft");
    QVERIFY(QDir().mkpath(target));
    writeFile(target + "/inside", "keep me");
    const SaveResult result = saveWorkflowFile(sampleWorkflow("x"), target.toStdString());
    QVERIFY(!result.ok);
    QVERIFY2(result.error.find("cannot replace " + target.toStdString()) == 0, result.error.c_str());
    QCOMPARE(entries(dir.path()), QStringList{"a.weft"});
    QCOMPARE(entries(target), QStringList{"inside"});
    QCOMPARE(readFile(target + "/inside"), QByteArray("keep me"));
}

void TestAtomicSave::readOnlyDirectoryFails()
{
    if (::geteuid() == 0)
        QSKIP("root writes into read-only directories; covered by the other failure tests");
    QTemporaryDir dir;
    const QString sub = dir.filePath("ro");
    QVERIFY(QDir().mkpath(sub));
    const QString path = sub + "/a.weft";
    const QByteArray old = QByteArray::fromStdString(serializeWorkflow(sampleWorkflow("old")));
    writeFile(path, old);
    QCOMPARE(::chmod(QFile::encodeName(sub).constData(), 0555), 0);
    const SaveResult result = saveWorkflowFile(sampleWorkflow("new"), path.toStdString());
    ::chmod(QFile::encodeName(sub).constData(), 0755);
    QVERIFY(!result.ok);
    QVERIFY2(result.error.find("Permission denied") != std::string::npos, result.error.c_str());
    QCOMPARE(readFile(path), old);
    QCOMPARE(entries(sub), QStringList{"a.weft"});
}

void TestAtomicSave::followsSymbolicLinks()
{
    QTemporaryDir dir;
    QVERIFY(QDir().mkpath(dir.filePath("real")));
    const QString real = dir.filePath("real/a.weft");
    writeFile(real, "old");
    const QString link = dir.filePath("link.weft");
    QVERIFY(QFile::link("real/a.weft", link)); // relative, as people make them
    const Workflow workflow = sampleWorkflow("through the link");
    QVERIFY(saveWorkflowFile(workflow, link.toStdString()).ok);
    QVERIFY(QFileInfo(link).isSymLink());
    QCOMPARE(readFile(real), QByteArray::fromStdString(serializeWorkflow(workflow)));
    QCOMPARE(entries(dir.filePath("real")), QStringList{"a.weft"});
}

QTEST_GUILESS_MAIN(TestAtomicSave)

#include "tst_atomicsave.moc"
