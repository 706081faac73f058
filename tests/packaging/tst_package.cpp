// The Debian package: cpack builds it from this build tree, its Depends are
// computed (shlibdeps), apt-get installs it, and the installed weft-cli runs
// an installed example headless. Installing needs root; without root the
// install half is skipped and says so.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

class TestPackage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void dependsAreComputed();
    void containsDesktopIntegration();
    void desktopFilesValidate();
    void installsAndRunsAnExample();
    void cleanupTestCase();

private:
    static QString run(const QString &program, const QStringList &args, int *exitCode = nullptr,
                       const QString &cwd = {}, int timeoutMs = 600000);
    QTemporaryDir m_packageDir;
    QString m_deb;
    bool m_installed = false;
};

QString TestPackage::run(const QString &program, const QStringList &args, int *exitCode,
                         const QString &cwd, int timeoutMs)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    if (!cwd.isEmpty())
        p.setWorkingDirectory(cwd);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("DEBIAN_FRONTEND", "noninteractive");
    p.setProcessEnvironment(env);
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    if (exitCode)
        *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return QString::fromLocal8Bit(p.readAll());
}

void TestPackage::initTestCase()
{
    QVERIFY(m_packageDir.isValid());
    int rc = -1;
    const QString out = run("cpack",
                            {"-G", "DEB", "--config", WEFT_BINARY_DIR "/CPackConfig.cmake", "-B",
                             m_packageDir.path()},
                            &rc, m_packageDir.path());
    QVERIFY2(rc == 0, qPrintable(out));
    const QStringList debs = QDir(m_packageDir.path()).entryList({"weft_*.deb"}, QDir::Files);
    QCOMPARE(debs.size(), 1);
    m_deb = m_packageDir.filePath(debs.first());
}

void TestPackage::dependsAreComputed()
{
    int rc = -1;
    const QString depends = run("dpkg-deb", {"--field", m_deb, "Depends"}, &rc);
    QCOMPARE(rc, 0);
    // Computed from the binaries' shared libraries, not written by hand.
    for (const char *library : {"libtbb", "libqt6widgets6", "libssl3", "libc6", "libstdc++6"})
        QVERIFY2(depends.contains(library), qPrintable("Depends lacks " + QString(library) + ": " + depends));
}

void TestPackage::containsDesktopIntegration()
{
    int rc = -1;
    const QString contents = run("dpkg-deb", {"--contents", m_deb}, &rc);
    QCOMPARE(rc, 0);
    for (const char *path : {"usr/bin/weft", "usr/bin/weft-cli",
                             "usr/share/applications/dev.weft.Weft.desktop",
                             "usr/share/metainfo/dev.weft.Weft.metainfo.xml",
                             "usr/share/mime/packages/dev.weft.Weft.xml",
                             "usr/share/icons/hicolor/scalable/apps/dev.weft.Weft.svg",
                             "usr/share/icons/hicolor/48x48/apps/dev.weft.Weft.png",
                             "usr/share/weft/examples/parallel-build.weft",
                             "usr/share/weft/schema/weft-1.schema.json"})
        QVERIFY2(contents.contains(path), path);
}

void TestPackage::desktopFilesValidate()
{
    int rc = -1;
    QString out = run("desktop-file-validate", {WEFT_SOURCE_DIR "/packaging/dev.weft.Weft.desktop"}, &rc);
    QVERIFY2(rc == 0, qPrintable(out));
    out = run("appstreamcli", {"validate", "--no-net", WEFT_SOURCE_DIR "/packaging/dev.weft.Weft.metainfo.xml"}, &rc);
    QVERIFY2(rc == 0, qPrintable(out));
    out = run("xmllint", {"--noout", WEFT_SOURCE_DIR "/packaging/dev.weft.Weft.mime.xml"}, &rc);
    QVERIFY2(rc == 0, qPrintable(out));
}

void TestPackage::installsAndRunsAnExample()
{
    if (::geteuid() != 0)
        QSKIP("installing a .deb needs root");
    int rc = -1;
    QString out = run("apt-get", {"install", "-y", "-q", "--no-install-recommends", m_deb}, &rc);
    QVERIFY2(rc == 0, qPrintable(out));
    m_installed = true;

    out = run("/usr/bin/weft-cli", {"--version"}, &rc);
    QVERIFY2(rc == 0, qPrintable(out));
    QVERIFY2(out.contains("0."), qPrintable(out));

    // Examples write next to themselves; /usr/share is not the place, so run a copy.
    QTemporaryDir work;
    QVERIFY(work.isValid());
    QVERIFY(QFile::copy("/usr/share/weft/examples/pool-demo.weft", work.filePath("pool-demo.weft")));
    out = run("/usr/bin/weft-cli", {"run", work.filePath("pool-demo.weft")}, &rc);
    QVERIFY2(rc == 0, qPrintable(out));
    QVERIFY2(out.contains("11 succeeded"), qPrintable(out));
}

void TestPackage::cleanupTestCase()
{
    if (m_installed) {
        int rc = -1;
        const QString out = run("apt-get", {"remove", "-y", "-q", "weft"}, &rc);
        QVERIFY2(rc == 0, qPrintable(out));
    }
}

QTEST_GUILESS_MAIN(TestPackage)
#include "tst_package.moc"
