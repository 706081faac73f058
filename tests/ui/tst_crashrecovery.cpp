// SPDX-License-Identifier: Apache-2.0
// A crash of the real window, by SIGKILL from outside: the test runs itself
// a second time as the "editor" process, which opens a file, edits it
// through the same scene actions a user triggers and lets the periodic
// autosave write its snapshot; then it is killed with SIGKILL. A new window
// in this process must offer the work back, with the bytes of that
// snapshot: a crash loses at most the edits of the last autosave interval.
#include <Autosave.h>
#include <Document.h>
#include <MainWindow.h>
#include <canvas/GraphScene.h>
#include <weft/WorkflowFile.h>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <csignal>
#include <cstdio>

using namespace weft;
using namespace weft::ui;

namespace {

constexpr int kAutosaveMs = 1000;

void setIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("Weft"));
    QCoreApplication::setApplicationName(QStringLiteral("weft-crash-test"));
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray documentBytes(const MainWindow &window)
{
    const std::string text = serializeWorkflow(window.document()->workflow());
    return QByteArray(text.data(), qsizetype(text.size()));
}

// The editor process. Prints READY once the snapshot on disk holds edit 1
// and edit 2 is made on top of it, unsaved; then waits to be killed.
int runEditor(const QString &workflowPath, const QString &outDir)
{
    MainWindow window;
    window.hooks().offerRecovery = [](const QString &) { return false; };
    window.hooks().showError = [](const QString &title, const QString &text) {
        std::fprintf(stderr, "error: %s: %s\n", qPrintable(title), qPrintable(text));
    };
    window.show();
    if (!window.openFile(workflowPath))
        return 3;
    window.autosave()->setInterval(kAutosaveMs);
    window.scene()->addNode("noop", QPointF(900, 40)); // edit 1
    const QByteArray edited = documentBytes(window);

    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        // Wait for the periodic save, not a forced one.
        if (readFile(window.autosave()->snapshotPath()) != edited)
            return;
        poll.stop();
        writeFile(outDir + QStringLiteral("/snapshot.weft"), edited);
        window.scene()->addNode("sleep", QPointF(900, 200)); // edit 2, never saved
        writeFile(outDir + QStringLiteral("/lost.weft"), documentBytes(window));
        std::printf("READY\n");
        std::fflush(stdout);
    });
    poll.start(20);
    return QApplication::exec();
}

} // namespace

class tst_CrashRecovery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killedEditorLosesAtMostOneInterval()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString workflow = tmp.filePath(QStringLiteral("parallel-build.weft"));
        QVERIFY(QFile::copy(QStringLiteral(WEFT_EXAMPLES_DIR "/parallel-build.weft"), workflow));
        const QByteArray original = readFile(workflow);

        QProcess editor;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("WEFT_CRASH_TEST_EDITOR"), workflow);
        env.insert(QStringLiteral("WEFT_CRASH_TEST_OUT"), tmp.path());
        editor.setProcessEnvironment(env);
        editor.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        editor.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(editor.waitForStarted());
        QElapsedTimer waited;
        waited.start();
        while (!editor.canReadLine() && editor.state() == QProcess::Running && waited.elapsed() < 60000)
            editor.waitForReadyRead(100);
        QCOMPARE(editor.readLine().trimmed(), QByteArray("READY"));

        ::kill(pid_t(editor.processId()), SIGKILL);
        QVERIFY(editor.waitForFinished(10000));
        QCOMPARE(editor.exitStatus(), QProcess::CrashExit);

        const QByteArray snapshot = readFile(tmp.filePath(QStringLiteral("snapshot.weft")));
        const QByteArray lost = readFile(tmp.filePath(QStringLiteral("lost.weft")));
        QVERIFY(!snapshot.isEmpty() && snapshot != lost);
        QCOMPARE(readFile(workflow), original); // an autosave never touches the file itself

        // Start again: the work is offered back, under the file's name.
        MainWindow window;
        QString offered;
        window.hooks().offerRecovery = [&offered](const QString &text) {
            offered = text;
            return true;
        };
        window.hooks().showError = [](const QString &title, const QString &text) {
            QFAIL(qPrintable(title + QStringLiteral(": ") + text));
        };
        window.show();
        QVERIFY(window.offerRecovery());
        QVERIFY2(offered.contains(QStringLiteral("parallel-build.weft")), qPrintable(offered));
        QCOMPARE(documentBytes(window), snapshot);
        QVERIFY(window.isWindowModified());
        QCOMPARE(QFileInfo(window.document()->filePath()), QFileInfo(workflow));

        // Saving the recovered work writes the original file, and nothing is
        // offered again after that.
        QVERIFY(window.save());
        QCOMPARE(readFile(workflow), snapshot);
        QVERIFY(Autosave::recoverable().isEmpty());
    }
};

int main(int argc, char *argv[])
{
    // Both processes keep their autosaves in a directory of their own.
    const QByteArray editorFile = qgetenv("WEFT_CRASH_TEST_EDITOR");
    QTemporaryDir *home = nullptr;
    if (editorFile.isEmpty()) {
        home = new QTemporaryDir;
        qputenv("XDG_DATA_HOME", QDir(home->path()).filePath(QStringLiteral("data")).toUtf8());
        qputenv("XDG_CONFIG_HOME", QDir(home->path()).filePath(QStringLiteral("config")).toUtf8());
    }
    QApplication app(argc, argv);
    setIdentity();
    if (!editorFile.isEmpty())
        return runEditor(QString::fromUtf8(editorFile), QString::fromUtf8(qgetenv("WEFT_CRASH_TEST_OUT")));
    tst_CrashRecovery test;
    const int status = QTest::qExec(&test, argc, argv);
    delete home;
    return status;
}

#include "tst_crashrecovery.moc"
