// SPDX-License-Identifier: Apache-2.0
// weft-cli re-executes itself with glibc.malloc.hugetlb=1 for a large
// workflow file (app/cli/HugePages.h), and its children must not notice:
// they get the environment weft-cli was started with, byte for byte.
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <string>

class TestHugePages : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    // One process node that writes its environment and its parent's (weft-cli's,
    // as it was executed) to files; `padding` spaces make the file large.
    QString writeWorkflow(qsizetype padding)
    {
        const std::string command = "env > env.txt; tr '\\\\0' '\\\\n' < /proc/$PPID/environ > parent.txt";
        std::string text = "{\"weft\": 1, \"nodes\": [{\"id\": \"env\", \"type\": \"process\", "
                           "\"params\": {\"command\": \"" + command + "\"}}]}\n";
        text += std::string(std::size_t(padding), ' ');
        const QString path = m_dir.filePath("flow.weft");
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        f.write(text.data(), qint64(text.size()));
        return path;
    }

    QStringList run(const QString &file, const QString &tunables, QByteArray *parent)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("GLIBC_TUNABLES");
        env.remove("WEFT_HUGE_PAGES");
        if (!tunables.isNull())
            env.insert("GLIBC_TUNABLES", tunables);
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(m_dir.path());
        p.start(QStringLiteral(WEFT_CLI_PATH), {"run", file, "-q"});
        if (!p.waitForFinished(60000) || p.exitCode() != 0) {
            qWarning("%s", p.readAllStandardError().constData());
            return {};
        }
        QFile e(m_dir.filePath("env.txt")), pe(m_dir.filePath("parent.txt"));
        if (!e.open(QIODevice::ReadOnly) || !pe.open(QIODevice::ReadOnly))
            return {};
        *parent = pe.readAll();
        QStringList vars;
        const QList<QByteArray> lines = e.readAll().split('\n');
        for (const QByteArray &line : lines) {
            if (line.startsWith("GLIBC_TUNABLES=") || line.startsWith("WEFT_"))
                vars << QString::fromLocal8Bit(line);
        }
        return vars;
    }

    static bool thpOn()
    {
        QFile f("/sys/kernel/mm/transparent_hugepage/enabled");
        return f.open(QIODevice::ReadOnly) && !f.readAll().contains("[never]");
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void largeFileRunsWithHugePagesChildrenSeeNoTrace()
    {
        const QString file = writeWorkflow(5 << 20);
        QByteArray parent;
        QCOMPARE(run(file, QString(), &parent), QStringList());
        if (thpOn())
            QVERIFY2(parent.contains("GLIBC_TUNABLES=glibc.malloc.hugetlb=1\n"), parent.constData());
        // A value of the user's own is kept, and given back as it was (glibc
        // rewrites its own copy in place, so the parent's shows nothing sure).
        QCOMPARE(run(file, "glibc.malloc.tcache_count=7", &parent),
                 QStringList{"GLIBC_TUNABLES=glibc.malloc.tcache_count=7"});
        QCOMPARE(run(file, "", &parent), QStringList{"GLIBC_TUNABLES="});
    }

    void smallFileIsLeftAlone()
    {
        const QString file = writeWorkflow(0);
        QByteArray parent;
        QCOMPARE(run(file, QString(), &parent), QStringList());
        QVERIFY2(!parent.contains("GLIBC_TUNABLES"), parent.constData());
    }
};

QTEST_GUILESS_MAIN(TestHugePages)
#include "tst_hugepages.moc"
