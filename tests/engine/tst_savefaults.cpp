// SPDX-License-Identifier: Apache-2.0
// Saving where the file system itself refuses: a full disk (a tiny tmpfs)
// and a read-only mount. Both stop root too, unlike file permissions, so
// these run as root, where CI runs; elsewhere they skip and say why.
// The promise under test: the save reports the error, the previous file is
// byte-identical, and no temporary file is left behind.
#include "weft/WorkflowFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/mount.h>
#include <unistd.h>

using namespace weft;

namespace {

Workflow workflowWithText(std::size_t textBytes)
{
    Workflow workflow;
    workflow.name = "save faults";
    Node node;
    node.id = "write";
    node.type = "write";
    node.params = {{"path", "out.txt"}, {"text", std::string(textBytes, 'x')}};
    workflow.nodes.push_back(node);
    return workflow;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QStringList entries(const QString &directory)
{
    return QDir(directory).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
}

} // namespace

class TestSaveFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void fullDiskKeepsOldFile();
    void readOnlyMountKeepsOldFile();

private:
    bool mountTmpfs(const char *options);
    QTemporaryDir *m_dir = nullptr;
    bool m_mounted = false;
};

void TestSaveFaults::init()
{
    m_dir = new QTemporaryDir;
    QVERIFY(m_dir->isValid());
}

void TestSaveFaults::cleanup()
{
    if (m_mounted)
        ::umount2(QFile::encodeName(m_dir->path()).constData(), MNT_DETACH);
    m_mounted = false;
    delete m_dir;
    m_dir = nullptr;
}

bool TestSaveFaults::mountTmpfs(const char *options)
{
    if (::geteuid() != 0)
        return false;
    m_mounted = ::mount("weft-test", QFile::encodeName(m_dir->path()).constData(), "tmpfs", 0,
                        options)
                == 0;
    return m_mounted;
}

void TestSaveFaults::fullDiskKeepsOldFile()
{
    if (!mountTmpfs("size=64k"))
        QSKIP("mounting a tmpfs needs root (or the sandbox forbids mounts)");
    const QString path = m_dir->filePath("flow.weft");
    const Workflow small = workflowWithText(1000);
    QVERIFY(saveWorkflowFile(small, path.toStdString()).ok);
    const QByteArray before = readAll(path);
    QVERIFY(!before.isEmpty());

    // Three times the file system's size: the write must fail part-way.
    const SaveResult result = saveWorkflowFile(workflowWithText(192 * 1024), path.toStdString());
    QVERIFY(!result.ok);
    QVERIFY2(QString::fromStdString(result.error).contains("flow.weft"), result.error.c_str());
    QVERIFY2(QString::fromStdString(result.error).contains("No space left"), result.error.c_str());
    QCOMPARE(readAll(path), before);
    QCOMPARE(entries(m_dir->path()), QStringList{"flow.weft"});

    // And the disk is usable again: the small save still works.
    QVERIFY(saveWorkflowFile(small, path.toStdString()).ok);
    QCOMPARE(readAll(path), before);
}

void TestSaveFaults::readOnlyMountKeepsOldFile()
{
    if (!mountTmpfs("size=1m"))
        QSKIP("mounting a tmpfs needs root (or the sandbox forbids mounts)");
    const QString path = m_dir->filePath("flow.weft");
    QVERIFY(saveWorkflowFile(workflowWithText(10), path.toStdString()).ok);
    const QByteArray before = readAll(path);
    const QByteArray target = QFile::encodeName(m_dir->path());
    QVERIFY(::mount(nullptr, target.constData(), nullptr, MS_REMOUNT | MS_RDONLY, "size=1m") == 0);

    const SaveResult result = saveWorkflowFile(workflowWithText(20), path.toStdString());
    QVERIFY(!result.ok);
    QVERIFY2(QString::fromStdString(result.error).contains("Read-only file system"),
             result.error.c_str());
    QCOMPARE(readAll(path), before);
    QCOMPARE(entries(m_dir->path()), QStringList{"flow.weft"});
}

QTEST_GUILESS_MAIN(TestSaveFaults)
#include "tst_savefaults.moc"
