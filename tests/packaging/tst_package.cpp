// SPDX-License-Identifier: Apache-2.0
// The Debian package: cpack builds it from this build tree, its Depends are
// computed (shlibdeps), apt-get installs it, and the installed weft-cli runs
// an installed example headless. Installing needs root; without root the
// install half is skipped and says so. The license (Apache-2.0) is declared
// everywhere a tool looks: LICENSE, the DEP-5 copyright file, the AppStream
// metainfo and both programs' --version.
#include <QDir>
#include <QFile>
#include <QMap>
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
    void copyrightIsMachineReadableApache2();
    void licenseIsDeclaredInTheSources();
    void packagedProgramsNameTheLicense();
    void installsAndRunsAnExample();
    void cleanupTestCase();

private:
    static QString run(const QString &program, const QStringList &args, int *exitCode = nullptr,
                       const QString &cwd = {}, int timeoutMs = 600000);
    QString extracted(const QString &path);
    QTemporaryDir m_packageDir;
    QString m_deb;
    QString m_root; // the .deb unpacked by dpkg-deb -x, on first use
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
    for (const char *path : {"usr/bin/weft", "usr/bin/weft-cli", "usr/bin/weft-op",
                             "usr/share/applications/dev.weft.Weft.desktop",
                             "usr/share/metainfo/dev.weft.Weft.metainfo.xml",
                             "usr/share/mime/packages/dev.weft.Weft.xml",
                             "usr/share/icons/hicolor/scalable/apps/dev.weft.Weft.svg",
                             "usr/share/icons/hicolor/48x48/apps/dev.weft.Weft.png",
                             "usr/share/doc/weft/copyright",
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

namespace {

// A deb822 paragraph: field names folded to lower case (DEP-5 field names are
// case-insensitive), continuation lines joined with '\n', leading space off.
using Paragraph = QMap<QString, QString>;

// Parses deb822 as the copyright format 1.0 uses it; false with a reason
// for anything a deb822 reader would reject.
bool parseDeb822(const QString &text, QList<Paragraph> *paragraphs, QString *error)
{
    Paragraph current;
    QString field;
    int lineNumber = 0;
    const auto finish = [&] {
        if (!current.isEmpty())
            paragraphs->append(current);
        current.clear();
        field.clear();
    };
    for (const QString &line : text.split(QLatin1Char('\n'))) {
        ++lineNumber;
        if (line.trimmed().isEmpty()) {
            finish();
        } else if (line.startsWith(QLatin1Char(' ')) || line.startsWith(QLatin1Char('\t'))) {
            if (field.isEmpty()) {
                *error = QStringLiteral("line %1: continuation without a field").arg(lineNumber);
                return false;
            }
            current[field] += QLatin1Char('\n') + line.mid(1);
        } else {
            // A field name is printable ASCII without ':' or space, not starting with '#' or '-'.
            static const QRegularExpression fieldLine(QStringLiteral("^([!-9;-~][!-9;-~]*):(.*)$"));
            const QRegularExpressionMatch m = fieldLine.match(line);
            if (!m.hasMatch() || line.startsWith(QLatin1Char('#'))
                || line.startsWith(QLatin1Char('-'))) {
                *error = QStringLiteral("line %1: not a field: %2").arg(lineNumber).arg(line);
                return false;
            }
            field = m.captured(1).toLower();
            if (current.contains(field)) {
                *error = QStringLiteral("line %1: %2 twice").arg(lineNumber).arg(field);
                return false;
            }
            current[field] = m.captured(2).trimmed();
        }
    }
    finish();
    return true;
}

QString firstLine(const QString &value)
{
    return value.section(QLatin1Char('\n'), 0, 0);
}

} // namespace

QString TestPackage::extracted(const QString &path)
{
    if (m_root.isEmpty()) {
        m_root = m_packageDir.filePath("root");
        int rc = -1;
        const QString out = run("dpkg-deb", {"-x", m_deb, m_root}, &rc);
        if (rc != 0)
            qWarning("dpkg-deb -x: %s", qPrintable(out));
    }
    return m_root + QLatin1Char('/') + path;
}

void TestPackage::copyrightIsMachineReadableApache2()
{
    QFile file(extracted("usr/share/doc/weft/copyright"));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    QList<Paragraph> paragraphs;
    QString error;
    const QString text = QString::fromUtf8(file.readAll());
    QVERIFY2(parseDeb822(text, &paragraphs, &error), qPrintable(error));
    QVERIFY(paragraphs.size() >= 3);

    // The header paragraph.
    const Paragraph &header = paragraphs.first();
    QCOMPARE(header.value("format"),
             QStringLiteral("https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"));
    QCOMPARE(header.value("upstream-name"), QStringLiteral("Weft"));

    // Files paragraphs, the first of them "*", each with a copyright and a
    // license whose text is either inline or in a stand-alone paragraph.
    QMap<QString, QString> licenseTexts;
    QList<Paragraph> files;
    for (const Paragraph &p : paragraphs.mid(1)) {
        if (p.contains("files"))
            files.append(p);
        else if (p.contains("license"))
            licenseTexts[firstLine(p.value("license"))] =
                p.value("license").section(QLatin1Char('\n'), 1);
        else
            QFAIL(qPrintable("neither a Files nor a License paragraph: " + p.keys().join(", ")));
    }
    QVERIFY(!files.isEmpty());
    QCOMPARE(files.first().value("files"), QStringLiteral("*"));
    for (const Paragraph &p : files) {
        QVERIFY2(!p.value("copyright").isEmpty(), qPrintable(p.value("files")));
        const QString shortName = firstLine(p.value("license"));
        QCOMPARE(shortName, QStringLiteral("Apache-2.0"));
        QVERIFY2(p.value("license").contains(QLatin1Char('\n')) || licenseTexts.contains(shortName),
                 qPrintable("no text for license " + shortName));
    }
    // The short text, pointing at the full one Debian ships in base-files.
    const QString apache = licenseTexts.value("Apache-2.0");
    QVERIFY2(apache.contains("Licensed under the Apache License, Version 2.0"), qPrintable(apache));
    QVERIFY2(apache.contains("/usr/share/common-licenses/Apache-2.0"), qPrintable(apache));
}

void TestPackage::licenseIsDeclaredInTheSources()
{
    // LICENSE is the Apache License 2.0, word for word as Debian ships it.
    QFile license(WEFT_SOURCE_DIR "/LICENSE");
    QVERIFY(license.open(QIODevice::ReadOnly));
    const QByteArray text = license.readAll();
    QVERIFY(text.contains("Apache License\n                           Version 2.0, January 2004"));
    QFile common("/usr/share/common-licenses/Apache-2.0");
    if (common.open(QIODevice::ReadOnly))
        QVERIFY2(text == common.readAll(), "LICENSE is not /usr/share/common-licenses/Apache-2.0");

    QFile metainfo(extracted("usr/share/metainfo/dev.weft.Weft.metainfo.xml"));
    QVERIFY(metainfo.open(QIODevice::ReadOnly));
    QVERIFY(metainfo.readAll().contains("<project_license>Apache-2.0</project_license>"));
}

void TestPackage::packagedProgramsNameTheLicense()
{
    // The packaged binaries, unpacked, not installed: no root needed.
    for (const char *program : {"usr/bin/weft-cli", "usr/bin/weft"}) {
        int rc = -1;
        const QString out = run(extracted(program), {"--version"}, &rc);
        QVERIFY2(rc == 0, qPrintable(out));
        QVERIFY2(out.contains("Apache License 2.0") && out.contains("Apache-2.0"), qPrintable(out));
    }
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
    QVERIFY2(out.contains("Apache-2.0"), qPrintable(out));
    QVERIFY(QFile::exists("/usr/share/doc/weft/copyright"));

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
