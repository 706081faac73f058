// SPDX-License-Identifier: Apache-2.0
// The large end of the invalid-file corpus, generated here rather than kept
// in the repository (tens of megabytes): 10 MB strings where an id or a key
// belongs, a 1,000,000-node cycle, a million-deep array, a truncated large
// file. Each goes through the real `weft-cli validate`, which must answer
// with diagnostics naming the place (file:line:col), exit 2, print a bounded
// amount of text (a 10 MB string is never echoed back), and stay within a
// memory bound proportional to the file. The small cases are fixtures in
// tests/fixtures/invalid and the fuzz corpus.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <QElapsedTimer>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace {

struct Outcome
{
    bool finished = false; // exited normally, in time
    int exitCode = -1;
    QByteArray err;
    long peakKiB = 0; // peak resident size from wait4: an upper bound, as it also
                      // counts what the child shared with this process before exec
};

// posix_spawn and wait4 rather than QProcess: wait4 reports this child's own
// peak memory.
Outcome validate(const QString &path)
{
    Outcome outcome;
    int pipeFds[2];
    if (pipe2(pipeFds, O_CLOEXEC) != 0)
        return outcome;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    const QByteArray program = QByteArrayLiteral(WEFT_CLI_PATH);
    const QByteArray file = QFile::encodeName(path);
    char *argv[] = {const_cast<char *>(program.constData()), const_cast<char *>("validate"),
                    const_cast<char *>(file.constData()), nullptr};
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipeFds[1]);
    if (spawned != 0) {
        close(pipeFds[0]);
        return outcome;
    }
    QElapsedTimer clock;
    clock.start();
    char buffer[65536];
    bool timedOut = false;
    for (;;) {
        pollfd p{pipeFds[0], POLLIN, 0};
        if (poll(&p, 1, 1000) == 0) {
            if (clock.elapsed() > 240000) {
                timedOut = true;
                ::kill(pid, SIGKILL);
                break;
            }
            continue;
        }
        const ssize_t n = read(pipeFds[0], buffer, sizeof buffer);
        if (n <= 0)
            break;
        outcome.err.append(buffer, n);
    }
    close(pipeFds[0]);
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    outcome.finished = !timedOut && WIFEXITED(status);
    outcome.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    outcome.peakKiB = usage.ru_maxrss;
    return outcome;
}

std::string node(const std::string &id, const std::string &need)
{
    return "{\"id\": \"" + id + "\", \"type\": \"noop\", \"needs\": [\"" + need + "\"]}";
}

} // namespace

class tst_BadFiles : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const char *name, const std::string &text)
    {
        const QString path = m_dir.filePath(QString::fromLatin1(name));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text.data(), qint64(text.size())) != qint64(text.size()))
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

    // Every case: exit 2, diagnostics as file:line:col, bounded text, and a
    // peak resident size under `boundMiB`.
    void expectDiagnostics(const QString &path, const QByteArray &mustContain, long boundMiB)
    {
        const Outcome outcome = validate(path);
        QVERIFY2(outcome.finished, "weft-cli validate crashed or hung");
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY2(outcome.err.startsWith(QFile::encodeName(path) + ':'), outcome.err.left(500).constData());
        QVERIFY2(outcome.err.contains(mustContain), outcome.err.left(2000).constData());
        QVERIFY2(outcome.err.size() < 64 * 1024, QByteArray::number(outcome.err.size()).constData());
        const long fileMiB = long(QFileInfo(path).size() / (1024 * 1024));
        qInfo("%s: %ld MiB file, peak resident %ld MiB, %lld bytes of diagnostics",
              qPrintable(QFileInfo(path).fileName()), fileMiB, outcome.peakKiB / 1024,
              static_cast<long long>(outcome.err.size()));
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
        // A sanitizer's shadow memory is part of the resident size (4 GiB
        // for the million-node cycle under ThreadSanitizer): the bound is
        // for the program users run.
        QVERIFY2(outcome.peakKiB / 1024 < boundMiB,
                 qPrintable(QStringLiteral("peak %1 MiB").arg(outcome.peakKiB / 1024)));
#else
        (void)boundMiB;
#endif
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void tenMegabyteId()
    {
        const std::string huge(10 * 1024 * 1024, 'x');
        // Not an id (the space); the message shows its start and its length.
        const QString path = write("huge-id.weft", "{\"weft\": 1, \"nodes\": [\n  {\"id\": \"a" + huge
                                                      + " b\", \"type\": \"noop\"}\n]}\n");
        expectDiagnostics(path, "invalid id \"axxxx", 400);
    }

    void tenMegabyteKey()
    {
        const std::string huge(10 * 1024 * 1024, 'k');
        const QString path = write("huge-key.weft", "{\"weft\": 1, \"nodes\": [\n  {\"id\": \"a\", \"type\": \"noop\", \""
                                                       + huge + "\": 1}\n]}\n");
        expectDiagnostics(path, "(10485760 bytes)", 400);
    }

    void tenMegabyteInvalidUtf8()
    {
        std::string text = "{\"weft\": 1, \"name\": \"";
        text += std::string(10 * 1024 * 1024, '\xff');
        text += "\", \"nodes\": []}\n";
        expectDiagnostics(write("huge-utf8.weft", text), "UTF-8", 400);
    }

    void millionNodeCycle()
    {
        constexpr int count = 1'000'000;
        std::string text = "{\"weft\": 1, \"nodes\": [\n";
        text.reserve(std::size_t(count) * 60);
        for (int i = 0; i < count; ++i) {
            text += "  " + node("n" + std::to_string(i), "n" + std::to_string((i + count - 1) % count));
            text += i + 1 < count ? ",\n" : "\n";
        }
        text += "]}\n";
        const QString path = write("million-cycle.weft", text);
        // The cycle is named at the need that closes it, and summarised:
        // a million ids are not printed.
        expectDiagnostics(path, "(1000000 nodes)", 3000);
    }

    void millionDeepArray()
    {
        std::string text = "{\"weft\": 1, \"nodes\": [{\"id\": \"a\", \"type\": \"noop\", \"params\": ";
        text += std::string(1'000'000, '[');
        const QString path = write("million-deep.weft", text);
        expectDiagnostics(path, "nest", 400);
    }

    void truncatedLargeFile()
    {
        std::string text = "{\"weft\": 1, \"nodes\": [\n";
        for (int i = 0; i < 200'000; ++i)
            text += "  " + node("n" + std::to_string(i + 1), "n" + std::to_string(i)) + ",\n";
        text.resize(text.size() - 17); // cut inside the last node
        expectDiagnostics(write("truncated.weft", text), "end of", 1500);
    }

    void hugeNumbers()
    {
        const QString path = write("huge-numbers.weft",
                                   "{\"weft\": 1, \"settings\": {\"jobs\": 1e999999},\n \"nodes\": [{\"id\": \"a\", "
                                   "\"type\": \"sleep\", \"params\": {\"seconds\": "
                                       + std::string(100'000, '9') + "}}]}\n");
        expectDiagnostics(path, ":1:", 400);
    }
};

QTEST_GUILESS_MAIN(tst_BadFiles)

#include "tst_badfiles.moc"
