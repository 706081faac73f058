// SPDX-License-Identifier: Apache-2.0
// Every source file says its license in its first three lines (issue 20): an
// SPDX line for Apache-2.0 like this file's first, in the file's own comment
// syntax, after a shebang where there is one. Registered DISABLED in CTest
// until the sweep that adds the lines; that sweep enables it
// (tests/CMakeLists.txt).
//
// Source files: git's tracked files (or, outside a git checkout, the files on
// disk) under app/, engine/, ui/, tests/, packaging/ and .ci/, plus the root's
// CMakeLists.txt and quickstart.sh, that are C++ (.cpp, .h), CMake
// (CMakeLists.txt, .cmake), configure_file templates (.in), shell or Python
// (.sh, .py), or extensionless scripts with a shebang (.ci/run). Data is not
// source: the fuzz corpus, the test fixtures and resources/ are left out.

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

namespace {
// Split, so that license scanners (reuse, licensecheck) read this file's
// first line and not the string the test looks for.
constexpr char spdxLine[] = "SPDX-License-"
                            "Identifier: Apache-2.0";
} // namespace

class TestSpdx : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everySourceFileHasItsLicenseLine();

private:
    static QStringList candidateFiles(); // relative to WEFT_SOURCE_DIR
    static bool isSource(const QString &relative);
};

QStringList TestSpdx::candidateFiles()
{
    const QDir root(QStringLiteral(WEFT_SOURCE_DIR));
    QProcess git;
    git.setWorkingDirectory(root.path());
    git.start(QStringLiteral("git"), {QStringLiteral("ls-files"), QStringLiteral("-z")});
    if (git.waitForFinished(60000) && git.exitStatus() == QProcess::NormalExit
        && git.exitCode() == 0) {
        QStringList files;
        for (const QByteArray &name : git.readAllStandardOutput().split('\0')) {
            if (!name.isEmpty())
                files.append(QString::fromUtf8(name));
        }
        return files;
    }
    // A source tree without git (a release tarball): what is on disk.
    QStringList files;
    for (const char *top : {"app", "engine", "ui", "tests", "packaging", ".ci"}) {
        QDirIterator it(root.filePath(QString::fromLatin1(top)), QDir::Files | QDir::Hidden,
                        QDirIterator::Subdirectories);
        while (it.hasNext())
            files.append(root.relativeFilePath(it.next()));
    }
    files << QStringLiteral("CMakeLists.txt") << QStringLiteral("quickstart.sh");
    return files;
}

bool TestSpdx::isSource(const QString &relative)
{
    if (relative == QLatin1String("CMakeLists.txt") || relative == QLatin1String("quickstart.sh"))
        return true;
    static const QRegularExpression underSourceDirs(
        QStringLiteral("^(app|engine|ui|tests|packaging|\\.ci)/"));
    static const QRegularExpression data(
        QStringLiteral("^(tests/fuzz/corpus|tests/fixtures|resources)/"));
    if (!underSourceDirs.match(relative).hasMatch() || data.match(relative).hasMatch())
        return false;
    const QString name = QFileInfo(relative).fileName();
    static const QRegularExpression sourceName(
        QStringLiteral("^CMakeLists\\.txt$|\\.(cpp|h|in|cmake|sh|py)$"));
    if (sourceName.match(name).hasMatch())
        return true;
    if (name.contains(QLatin1Char('.')))
        return false;
    // An extensionless script.
    QFile file(QDir(QStringLiteral(WEFT_SOURCE_DIR)).filePath(relative));
    return file.open(QIODevice::ReadOnly) && file.read(2) == "#!";
}

void TestSpdx::everySourceFileHasItsLicenseLine()
{
    const QDir root(QStringLiteral(WEFT_SOURCE_DIR));
    QStringList checked;
    QStringList missing;
    for (const QString &relative : candidateFiles()) {
        if (!isSource(relative))
            continue;
        QFile file(root.filePath(relative));
        if (!file.exists())
            continue; // tracked, deleted in the work tree
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(relative));
        checked.append(relative);
        bool found = false;
        for (int line = 0; line < 3 && !file.atEnd() && !found; ++line)
            found = file.readLine().contains(spdxLine);
        if (!found)
            missing.append(relative);
    }
    // The list is not empty by accident (a wrong WEFT_SOURCE_DIR, a broken filter).
    for (const char *sample : {"CMakeLists.txt", "quickstart.sh", "engine/src/Version.cpp",
                               "engine/src/VersionConfig.h.in", ".ci/run"})
        QVERIFY2(checked.contains(QLatin1String(sample)), sample);
    // Listed one a line: Qt Test cuts a long failure message short.
    for (const QString &relative : std::as_const(missing))
        qInfo("no SPDX line: %s", qPrintable(relative));
    QVERIFY2(missing.isEmpty(),
             qPrintable(QStringLiteral("%1 of %2 source files lack \"%3\" in their first 3 lines")
                            .arg(missing.size())
                            .arg(checked.size())
                            .arg(QString::fromLatin1(spdxLine))));
}

QTEST_GUILESS_MAIN(TestSpdx)
#include "tst_spdx.moc"
