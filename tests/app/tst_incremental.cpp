// SPDX-License-Identifier: Apache-2.0
// Incremental runs and run history, end to end (DESIGN.md, "Incremental
// runs", "Run history"): the real weft-cli runs real processes on real files
// in a temporary directory, twice or more, and the tests read --explain on
// stderr, `cached` in the JSON-lines events, the files, and
// `weft-cli history` / `compare` / `clean`.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include "CliRun.h"
#include <QThread>

#include "weft/StateStore.h"

#include <nlohmann/json.hpp>

#include <sqlite3.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>

using Json = nlohmann::json;

namespace {

struct CliResult : weft::test::CliRun
{
    std::map<std::string, Json> finished; // node or ID[INDEX] -> node_finished
    Json runFinished;
};

Json processNode(const std::string &id, const std::string &command, Json outputs = Json::object(),
                 Json inputs = Json::object())
{
    Json node = {{"id", id}, {"type", "process"}, {"params", {{"command", command}}}};
    if (!outputs.empty())
        node["outputs"] = std::move(outputs);
    if (!inputs.empty())
        node["inputs"] = std::move(inputs);
    return node;
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

void writeFile(const QString &path, const QByteArray &text)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    f.write(text);
}

} // namespace

class TestIncremental : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

    QString workspace(const Json &workflow)
    {
        static int counter = 0;
        const QString dir = m_tmp.filePath(QStringLiteral("case%1").arg(++counter));
        QDir().mkpath(dir + "/out");
        writeFile(dir + "/flow.weft", QByteArray::fromStdString(workflow.dump(2)));
        return dir;
    }

    static void setWorkflow(const QString &dir, const Json &workflow)
    {
        writeFile(dir + "/flow.weft", QByteArray::fromStdString(workflow.dump(2)));
    }

    static QProcess *startCli(const QString &dir, const QStringList &args)
    {
        auto *process = new QProcess;
        process->setProgram(QStringLiteral(WEFT_CLI_PATH));
        process->setArguments(args);
        process->setWorkingDirectory(dir);
        process->start();
        process->waitForStarted(10000);
        return process;
    }

    static CliResult cli(const QString &dir, QStringList args)
    {
        CliResult result;
        static_cast<weft::test::CliRun &>(result) = weft::test::runWeftCli(args, dir);
        if (result.crashed)
            return result;
        for (const QByteArray &line : result.out.split('\n')) {
            if (!line.startsWith('{'))
                continue;
            Json e = Json::parse(line.toStdString(), nullptr, false);
            if (e.is_discarded())
                continue;
            if (e["event"] == "node_finished")
                result.finished[e["node"].get<std::string>()] = e;
            else if (e["event"] == "run_finished")
                result.runFinished = e;
        }
        return result;
    }

    static CliResult run(const QString &dir, QStringList extra = {})
    {
        return cli(dir, QStringList{"run", dir + "/flow.weft", "--events", "jsonl", "--explain"} + extra);
    }

    static bool cached(const CliResult &r, const std::string &node)
    {
        auto it = r.finished.find(node);
        return it != r.finished.end() && it->second.value("cached", false);
    }

    // The --explain line of `node`, without the prefix; empty when none.
    static QString why(const CliResult &r, const QString &node)
    {
        const QString prefix = "explain: " + node + ": ";
        for (const QString &line : QString::fromUtf8(r.err).split('\n'))
            if (line.startsWith(prefix))
                return line.mid(prefix.size());
        return {};
    }

    // gen reads src/*.txt and writes out/all.txt; up reads it (a reference)
    // and writes out/up.txt; after only runs after up (ordered, no reference).
    static Json chain(const std::string &genCommand = "cat src/*.txt > out/all.txt")
    {
        return {{"weft", 1},
                {"nodes",
                 {processNode("gen", genCommand, {{"all", "out/all.txt"}}, {{"src", "src/*.txt"}}),
                  processNode("up", "tr a-z A-Z < ${gen.all} > out/up.txt", {{"up", "out/up.txt"}}),
                  [] {
                      Json n = processNode("after", "cat out/up.txt > out/after.txt",
                                           {{"after", "out/after.txt"}});
                      n["needs"] = {"up"};
                      return n;
                  }()}}};
    }

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void explainsEveryReason()
    {
        const QString dir = workspace(chain());
        writeFile(dir + "/src/a.txt", "alpha\n");
        writeFile(dir + "/src/b.txt", "beta\n");

        CliResult r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(why(r, "gen"), QStringLiteral("never ran"));
        QCOMPARE(why(r, "up"), QStringLiteral("never ran"));
        QCOMPARE(r.runFinished["counts"]["cached"].get<int>(), 0);

        r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(cached(r, "gen") && cached(r, "up") && cached(r, "after"));
        QCOMPARE(r.runFinished["counts"]["cached"].get<int>(), 3);
        QCOMPARE(r.runFinished["counts"]["succeeded"].get<int>(), 3);
        QVERIFY2(!r.err.contains("explain:"), r.err.constData());

        // Input changed, naming the file; the chain follows through its data.
        writeFile(dir + "/src/b.txt", "BETA changed\n");
        r = run(dir);
        QCOMPARE(why(r, "gen"), QStringLiteral("input changed: src/b.txt"));
        QCOMPARE(why(r, "up"), QStringLiteral("upstream gen changed (its outputs differ)"));
        QCOMPARE(why(r, "after"), QStringLiteral("upstream up changed (its outputs differ)"));

        // A touch without a change of content re-runs nothing.
        QVERIFY(::utimensat(AT_FDCWD, (dir + "/src/a.txt").toLocal8Bit().constData(), nullptr, 0) == 0);
        r = run(dir);
        QVERIFY(cached(r, "gen") && cached(r, "up") && cached(r, "after"));

        // A new input file matching the glob.
        writeFile(dir + "/src/c.txt", "gamma\n");
        r = run(dir);
        QCOMPARE(why(r, "gen"), QStringLiteral("input added: src/c.txt"));

        // Output missing.
        QVERIFY(QFile::remove(dir + "/out/up.txt"));
        r = run(dir);
        QVERIFY(cached(r, "gen"));
        QCOMPARE(why(r, "up"), QStringLiteral("output missing: out/up.txt"));
        QVERIFY(cached(r, "after")); // up wrote the same bytes again: early cutoff

        // Params changed, naming the key.
        setWorkflow(dir, chain("cat src/*.txt > out/all.txt; echo >> out/all.txt"));
        r = run(dir);
        QCOMPARE(why(r, "gen"), QStringLiteral("params changed: command"));

        // --force and -B.
        r = run(dir, {"--force"});
        QCOMPARE(why(r, "gen"), QStringLiteral("--force"));
        QCOMPARE(r.runFinished["counts"]["cached"].get<int>(), 0);
        r = run(dir, {"-B"});
        QCOMPARE(why(r, "after"), QStringLiteral("--force"));
        r = run(dir);
        QCOMPARE(r.runFinished["counts"]["cached"].get<int>(), 3);

        // A node without declared outputs always runs, and says so.
        Json wf = chain();
        wf["nodes"].push_back(processNode("plain", "true"));
        setWorkflow(dir, wf);
        r = run(dir);
        QCOMPARE(why(r, "plain"), QStringLiteral("no declared outputs (always runs)"));
        QVERIFY(!cached(r, "plain"));
        // The summary says how many were up to date.
        r = cli(dir, {"run", dir + "/flow.weft"});
        QVERIFY2(r.out.contains("up to date"), r.out.constData());
    }

    // weft-cli reads a run's command line itself to begin opening the state
    // before CLI11 parses it (RunCommand.cpp, openRunStateEarly). Whatever
    // the shape of the command line (one the early reading knows, or one it
    // leaves to CLI11), the run uses the state it names, and the run lock an
    // early open took never stands in the run's own way.
    void everyCommandLineShapeUsesTheState()
    {
        const QString dir = workspace(chain());
        writeFile(dir + "/src/a.txt", "alpha\n");
        QCOMPARE(run(dir).exitCode, 0);
        const QString file = dir + "/flow.weft";
        const QList<QStringList> shapes = {
            {"run", file, "--events", "jsonl"},
            {"run", "-j2", file, "--events=jsonl"},
            {"run", "--jobs=2", "--threads", "1", file, "--events", "jsonl", "-k"},
            {"run", "-C", dir, "flow.weft", "--events", "jsonl"},
            {"run", "-kq", file, "--events", "jsonl"}, // combined flags: left to CLI11
            {"run", "--events", "jsonl", "--", file},   // "--": left to CLI11
            {"run", file, "up", "--events", "jsonl"},   // a target after the file
        };
        for (const QStringList &args : shapes) {
            const CliResult r = cli(dir, args);
            QVERIFY2(r.exitCode == 0, qPrintable(args.join(' ') + ": " + r.err));
            QVERIFY2(cached(r, "gen") && cached(r, "up"), qPrintable(args.join(' ')));
        }
    }

    // An upstream output rewritten with other content but its mtime set back:
    // the file hash cache keys on ctime too, so the change is seen.
    void upstreamContentChangedMtimeKept()
    {
        const QString dir = workspace(chain());
        writeFile(dir + "/src/a.txt", "alpha\n");
        QCOMPARE(run(dir).exitCode, 0);
        QThread::msleep(300); // past the "racily clean" window (100 ms): hashes are cached
        QCOMPARE(run(dir).exitCode, 0);

        const QByteArray path = (dir + "/out/all.txt").toLocal8Bit();
        struct stat before{};
        QVERIFY(::stat(path.constData(), &before) == 0);
        writeFile(dir + "/out/all.txt", "ALPHA\n"); // same size, other bytes
        const struct timespec times[2] = {before.st_atim, before.st_mtim};
        QVERIFY(::utimensat(AT_FDCWD, path.constData(), times, 0) == 0);

        CliResult r = run(dir);
        QCOMPARE(why(r, "gen"), QStringLiteral("output changed: out/all.txt"));
        QCOMPARE(readFile(dir + "/out/all.txt"), QByteArray("alpha\n"));
        QVERIFY(cached(r, "up")); // gen restored the same bytes: nothing downstream re-runs

        // Upstream re-runs and writes other bytes, its mtime set back at once:
        // the dependant re-runs on content, not on time.
        setWorkflow(dir, chain("cat src/*.txt > out/all.txt; echo more >> out/all.txt"));
        r = run(dir);
        QCOMPARE(why(r, "gen"), QStringLiteral("params changed: command"));
        QCOMPARE(why(r, "up"), QStringLiteral("upstream gen changed (its outputs differ)"));
        QCOMPARE(readFile(dir + "/out/up.txt"), QByteArray("ALPHA\nMORE\n"));
    }

    // A file's hash is cached (and an output's stat trusted) once its last
    // change is older than a few clock ticks, 100 ms where the filesystem
    // keeps nanoseconds: not a whole second, when a no-op run in the second
    // after a build hashed its newest files again. A file written just
    // before a run is hashed again by the next, and a change to it is seen.
    void hashesCachedOnceAFileHasSettled()
    {
        const QString dir = workspace(chain());
        writeFile(dir + "/src/a.txt", "alpha\n");
        QThread::msleep(300);
        QCOMPARE(run(dir).exitCode, 0);
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open((dir + "/.weft/state.db").toLocal8Bit().constData(), &db), SQLITE_OK);
        auto cachedHashes = [db](const QString &file) {
            sqlite3_stmt *s = nullptr;
            sqlite3_prepare_v2(db, "SELECT count(*) FROM files WHERE path = ?1", -1, &s, nullptr);
            const QByteArray path = file.toUtf8();
            sqlite3_bind_text(s, 1, path.constData(), int(path.size()), SQLITE_TRANSIENT);
            const int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
            sqlite3_finalize(s);
            return n;
        };
        QCOMPARE(cachedHashes(QDir(dir).absoluteFilePath("src/a.txt")), 1);

        writeFile(dir + "/src/a.txt", "bravo\n"); // same size, moments before the run
        CliResult r = run(dir);
        QCOMPARE(why(r, "gen"), QStringLiteral("input changed: src/a.txt"));
        QCOMPARE(readFile(dir + "/out/up.txt"), QByteArray("BRAVO\n"));
        sqlite3_close(db);
    }

    // weft-cli reads the stat of every recorded output ahead of the checks,
    // on a thread of its own (IncrementalSession::prepare): a node must
    // still see what a node it depends on did to its outputs in this run,
    // whether that one always runs (no declared outputs) or re-ran and
    // wrote the same bytes (early cutoff).
    void outputRemovedByANeedThatRanIsSeen()
    {
        Json wipe = processNode("wipe", "if [ -f wipe-b ]; then rm -f out/b.txt; fi");
        Json b = processNode("b", "echo b > out/b.txt", {{"b", "out/b.txt"}});
        b["needs"] = {"wipe"};
        auto gen = [](const std::string &extra) {
            return processNode("gen", "if [ -f wipe-c ]; then rm -f out/c.txt; fi; echo g > out/g.txt" + extra,
                               {{"g", "out/g.txt"}});
        };
        Json c = processNode("c", "echo c > out/c.txt", {{"c", "out/c.txt"}});
        c["needs"] = {"gen"};
        // prepare() starts its thread only for a workflow of 2,000 nodes or
        // more: idle ones make up the count.
        auto workflow = [&](const Json &genNode) {
            Json nodes = {wipe, b, genNode, c};
            for (int i = 0; i < 2000; ++i)
                nodes.push_back({{"id", "idle" + std::to_string(i)}, {"type", "sleep"}, {"params", {{"seconds", 0}}}});
            return Json{{"weft", 1}, {"nodes", nodes}};
        };
        const QString dir = workspace(workflow(gen("")));
        QCOMPARE(run(dir).exitCode, 0);
        QThread::msleep(300); // past the "racily clean" window (100 ms): the next run records trusted stats
        QCOMPARE(run(dir).exitCode, 0);
        CliResult r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(cached(r, "b"));
        QVERIFY(cached(r, "c"));

        writeFile(dir + "/wipe-b", "");
        writeFile(dir + "/wipe-c", "");
        setWorkflow(dir, workflow(gen("; true")));
        r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(why(r, "b"), QStringLiteral("output missing: out/b.txt"));
        QCOMPARE(why(r, "gen"), QStringLiteral("params changed: command"));
        QCOMPARE(why(r, "c"), QStringLiteral("output missing: out/c.txt"));
        QCOMPARE(readFile(dir + "/out/b.txt"), QByteArray("b\n"));
        QCOMPARE(readFile(dir + "/out/c.txt"), QByteArray("c\n"));
    }

    // weft-cli stats recorded outputs while the file loads, before the run
    // (StateStore::preloadRecords), and prepare() uses what it found: an
    // output changed or removed between two runs is still seen, whether that
    // stat was taken then or by the preparer. 3,000 nodes whose params make
    // a file of 12 MB: its load outlasts reading the records, so that pass
    // has time to stat outputs.
    void outputsChangedBetweenRunsOfALargeWorkflowAreSeen()
    {
        constexpr int kNodes = 3000;
        Json nodes = Json::array();
        const std::string padding(4000, '.');
        for (int i = 0; i < kNodes; ++i) {
            const std::string id = "w" + std::to_string(i);
            nodes.push_back({{"id", id}, {"type", "write"},
                             {"label", padding},
                             {"params", {{"path", "out/" + id}, {"text", id + "\n"}}},
                             {"outputs", {{"path", "out/" + id}}}});
        }
        const QString dir = workspace({{"weft", 1}, {"nodes", nodes}});
        QCOMPARE(run(dir).exitCode, 0);
        QThread::msleep(300); // past the "racily clean" window (100 ms): the next run records trusted stats
        QCOMPARE(run(dir).exitCode, 0);
        CliResult r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.runFinished["counts"]["cached"].get<int>(), kNodes);

        // Every tenth output: removed, rewritten longer, or rewritten with
        // the same length and its mtime put back (only ctime and content differ).
        QStringList removed, longer, sameSize;
        for (int i = 0; i < kNodes; i += 10) {
            const QString file = dir + "/out/w" + QString::number(i);
            const QString id = "w" + QString::number(i);
            if (i % 30 == 0) {
                QVERIFY(QFile::remove(file));
                removed << id;
            } else if (i % 30 == 10) {
                writeFile(file, "changed, and longer\n");
                longer << id;
            } else {
                struct stat before{};
                QVERIFY(::stat(QFile::encodeName(file).constData(), &before) == 0);
                QByteArray text = readFile(file);
                text[0] = 'X';
                writeFile(file, text);
                const timespec times[2] = {before.st_atim, before.st_mtim};
                QVERIFY(::utimensat(AT_FDCWD, QFile::encodeName(file).constData(), times, 0) == 0);
                sameSize << id;
            }
        }
        r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.runFinished["counts"]["cached"].get<int>(),
                 kNodes - int(removed.size() + longer.size() + sameSize.size()));
        for (const QString &id : std::as_const(removed))
            QCOMPARE(why(r, id), QStringLiteral("output missing: out/") + id);
        for (const QString &id : std::as_const(longer))
            QCOMPARE(why(r, id), QStringLiteral("output changed: out/") + id);
        for (const QString &id : std::as_const(sameSize))
            QCOMPARE(why(r, id), QStringLiteral("output changed: out/") + id);
        QCOMPARE(readFile(dir + "/out/w0"), QByteArray("w0\n"));
        QCOMPARE(readFile(dir + "/out/w10"), QByteArray("w10\n"));
        QCOMPARE(readFile(dir + "/out/w20"), QByteArray("w20\n"));
    }

    // A run whose every node declares outputs is decided at once before
    // anything runs (IncrementalCheck::allUpToDate): when all are up to
    // date no graph is built, and the events still come needs first, even
    // when the file lists the nodes the other way round. When some are not,
    // the run goes node by node, reusing what was found: exactly the nodes
    // whose data changed run, and a node whose need ran but wrote the same
    // bytes stays up to date.
    void wholeRunDecidedAtOnceKeepsNeedOrderAndFallsBack()
    {
        constexpr int kChain = 40;
        auto workflow = [](const std::string &changedText) {
            Json nodes = Json::array();
            for (int i = kChain - 1; i >= 0; --i) { // dependants first in the file
                const std::string id = "n" + std::to_string(i);
                Json node = {{"id", id}, {"type", "write"},
                             {"params", {{"path", "out/" + id},
                                         {"text", i == 20 ? changedText : id + "\n"}}},
                             {"outputs", {{"path", "out/" + id}}}};
                if (i > 0) {
                    node["needs"] = {"n" + std::to_string(i - 1)};
                    if (i >= 10)
                        node["needs"].push_back("n" + std::to_string(i - 10));
                }
                nodes.push_back(node);
            }
            nodes.push_back({{"id", "alone"}, {"type", "write"},
                             {"params", {{"path", "out/alone"}, {"text", "alone\n"}}},
                             {"outputs", {{"path", "out/alone"}}}});
            return Json{{"weft", 1}, {"nodes", nodes}};
        };
        const QString dir = workspace(workflow("n20\n"));
        QCOMPARE(run(dir).exitCode, 0);
        QThread::msleep(300); // past the "racily clean" window: the next run records trusted stats
        QCOMPARE(run(dir).exitCode, 0);

        CliResult r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.runFinished["counts"]["cached"].get<int>(), kChain + 1);
        QCOMPARE(r.runFinished["counts"]["succeeded"].get<int>(), kChain + 1);
        QVERIFY2(!r.err.contains("explain:"), r.err.constData());
        // Needs first: each node's event after those of the nodes it needs.
        std::map<std::string, int> position;
        for (const QByteArray &line : r.out.split('\n')) {
            const Json e = Json::parse(line.toStdString(), nullptr, false);
            if (e.is_object() && e.value("event", "") == "node_finished") {
                QVERIFY(e.value("cached", false));
                QCOMPARE(e["outputs"]["path"].get<std::string>(), "out/" + e["node"].get<std::string>());
                position.emplace(e["node"].get<std::string>(), int(position.size()));
            }
        }
        QCOMPARE(int(position.size()), kChain + 1);
        for (int i = 1; i < kChain; ++i) {
            const std::string id = "n" + std::to_string(i);
            QVERIFY2(position[id] > position["n" + std::to_string(i - 1)], id.c_str());
            if (i >= 10)
                QVERIFY2(position[id] > position["n" + std::to_string(i - 10)], id.c_str());
        }

        // n20 writes other bytes: it runs, and so do the two nodes that need
        // it (n21, n30), which write what they wrote before, so nothing
        // further runs (n31 needs both).
        setWorkflow(dir, workflow("changed\n"));
        r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(why(r, "n20"), QStringLiteral("params changed: text"));
        QCOMPARE(why(r, "n21"), QStringLiteral("upstream n20 changed (its outputs differ)"));
        QCOMPARE(why(r, "n30"), QStringLiteral("upstream n20 changed (its outputs differ)"));
        QCOMPARE(r.runFinished["counts"]["cached"].get<int>(), kChain + 1 - 3);
        for (const char *id : {"n0", "n19", "n22", "n31", "n39", "alone"})
            QVERIFY2(cached(r, id), id);
        QCOMPARE(readFile(dir + "/out/n20"), QByteArray("changed\n"));

        // An output removed in the middle: only its node runs (it writes the same bytes).
        QVERIFY(QFile::remove(dir + "/out/n5"));
        r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(why(r, "n5"), QStringLiteral("output missing: out/n5"));
        QCOMPARE(r.runFinished["counts"]["cached"].get<int>(), kChain);
        QCOMPARE(readFile(dir + "/out/n5"), QByteArray("n5\n"));

        // And the text sink's summary says they were all up to date.
        QThread::msleep(300);
        QCOMPARE(run(dir).exitCode, 0);
        r = cli(dir, {"run", dir + "/flow.weft"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QByteArray::number(kChain + 1) + " up to date"), r.out.constData());
    }

    void fanOutReRunsOnlyTheChangedInstance()
    {
        Json each = processNode("each", "tr a-z A-Z < ${item} > out/${item.stem}.up",
                                {{"up", "out/${item.stem}.up"}});
        each["foreach"] = {{"glob", "src/*.txt"}};
        const QString dir = workspace({{"weft", 1}, {"nodes", {each}}});
        for (const char *name : {"a", "b", "c"})
            writeFile(dir + "/src/" + name + ".txt", QByteArray(name) + "\n");
        CliResult r = run(dir);
        QCOMPARE(r.exitCode, 0);
        r = run(dir);
        QVERIFY(cached(r, "each[0]") && cached(r, "each[1]") && cached(r, "each[2]"));
        QVERIFY(cached(r, "each"));
        QCOMPARE(r.runFinished["instance_counts"]["cached"].get<int>(), 3);

        writeFile(dir + "/src/b.txt", "bravo\n");
        r = run(dir);
        QVERIFY(cached(r, "each[0]"));
        QVERIFY(!cached(r, "each[1]"));
        QVERIFY(cached(r, "each[2]"));
        QVERIFY(!cached(r, "each"));
        QCOMPARE(why(r, "each[1]"), QStringLiteral("item changed: src/b.txt"));
        QCOMPARE(readFile(dir + "/out/b.up"), QByteArray("BRAVO\n"));
        QCOMPARE(r.runFinished["instance_counts"]["cached"].get<int>(), 2);
    }

    // A fan-out of many instances shares its up-to-date checks among the
    // run's threads (FanOut.cpp). At -j 4 and at -j 1 alike exactly the
    // changed instances re-run, and the next node reads the outputs in
    // index order.
    void fanOutOfManyInstancesReRunsExactlyTheChanged()
    {
        Json each = processNode("each", "tr a-z A-Z < ${item} > out/${item.stem}.up",
                                {{"up", "out/${item.stem}.up"}});
        each["foreach"] = {{"glob", "src/*.txt"}};
        const Json all = processNode("all", "cat ${each.up} > out/all.txt", {{"all", "out/all.txt"}});
        const QString dir = workspace({{"weft", 1}, {"nodes", {each, all}}});
        constexpr int kItems = 48;
        auto source = [&](int k) { return QStringLiteral("src/i%1.txt").arg(k, 2, 10, QChar('0')); };
        QByteArray expected;
        for (int k = 0; k < kItems; ++k) {
            writeFile(dir + "/" + source(k), "item " + QByteArray::number(k) + "\n");
            expected += "ITEM " + QByteArray::number(k) + "\n";
        }
        CliResult r = run(dir, {"-j", "4"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(readFile(dir + "/out/all.txt"), expected);
        r = run(dir, {"-j", "4"});
        QCOMPARE(r.runFinished["instance_counts"]["cached"].get<int>(), kItems);
        QVERIFY(cached(r, "all"));

        const std::pair<const char *, std::vector<int>> rounds[] = {{"4", {5, 17, 40}}, {"1", {0, 47}}};
        for (const auto &[jobs, changed] : rounds) {
            for (int k : changed) {
                writeFile(dir + "/" + source(k), "changed " + QByteArray::number(k) + "\n");
                expected.replace("ITEM " + QByteArray::number(k) + "\n",
                                 "CHANGED " + QByteArray::number(k) + "\n");
            }
            r = run(dir, {"-j", jobs});
            QCOMPARE(r.exitCode, 0);
            for (int k = 0; k < kItems; ++k) {
                const std::string unit = "each[" + std::to_string(k) + "]";
                const bool rerun = std::find(changed.begin(), changed.end(), k) != changed.end();
                QVERIFY2(cached(r, unit) != rerun, unit.c_str());
                if (rerun)
                    QCOMPARE(why(r, QString::fromStdString(unit)), "item changed: " + source(k));
            }
            QCOMPARE(r.runFinished["instance_counts"]["cached"].get<int>(), kItems - int(changed.size()));
            QVERIFY(!cached(r, "all"));
            QCOMPARE(readFile(dir + "/out/all.txt"), expected);
        }
        r = run(dir, {"-j", "1"});
        QCOMPARE(r.runFinished["instance_counts"]["cached"].get<int>(), kItems);
        QVERIFY(cached(r, "all"));
    }

    // The instances of a fan-out read an input they share (its headers)
    // once, when the fan-out starts; an input that names the item stays the
    // instance's own. Both must still re-run exactly what changed.
    void fanOutSharedAndPerItemInputs()
    {
        Json each = processNode("each", "cat include/*.h ${item} > out/${item.stem}.o",
                                {{"obj", "out/${item.stem}.o"}},
                                {{"headers", "include/*.h"}, {"notes", "notes/${item.stem}.txt"}});
        each["foreach"] = {{"glob", "src/*.c"}};
        const QString dir = workspace({{"weft", 1}, {"nodes", {each}}});
        writeFile(dir + "/include/a.h", "int a;\n");
        for (const char *name : {"x", "y", "z"}) {
            writeFile(dir + "/src/" + name + ".c", QByteArray(name) + "\n");
            writeFile(dir + "/notes/" + name + ".txt", "note\n");
        }
        CliResult r = run(dir);
        QCOMPARE(r.exitCode, 0);
        r = run(dir);
        QCOMPARE(r.runFinished["instance_counts"]["cached"].get<int>(), 3);

        // A note of one item: that instance alone.
        writeFile(dir + "/notes/y.txt", "changed\n");
        r = run(dir);
        QVERIFY(cached(r, "each[0]") && !cached(r, "each[1]") && cached(r, "each[2]"));
        QCOMPARE(why(r, "each[1]"), QStringLiteral("input changed: notes/y.txt"));

        // The shared header: every instance, each saying why.
        writeFile(dir + "/include/a.h", "int a, b;\n");
        r = run(dir);
        for (const char *unit : {"each[0]", "each[1]", "each[2]"}) {
            QVERIFY2(!cached(r, unit), unit);
            QCOMPARE(why(r, unit), QStringLiteral("input changed: include/a.h"));
        }
        QCOMPARE(readFile(dir + "/out/z.o"), QByteArray("int a, b;\nz\n"));

        // A header added to the shared glob: every instance again.
        writeFile(dir + "/include/b.h", "int c;\n");
        r = run(dir);
        for (const char *unit : {"each[0]", "each[1]", "each[2]"})
            QCOMPARE(why(r, unit), QStringLiteral("input added: include/b.h"));
        r = run(dir);
        QCOMPARE(r.runFinished["instance_counts"]["cached"].get<int>(), 3);
    }

    // A foreach glob matches directories too, named without a trailing '/'.
    void fanOutOverDirectories()
    {
        Json each = processNode("each", "ls ${item} > out/${item.name}.list", {{"list", "out/${item.name}.list"}});
        each["foreach"] = {{"glob", "parts/*"}};
        const QString dir = workspace({{"weft", 1}, {"nodes", {each}}});
        writeFile(dir + "/parts/one/a", "a");
        writeFile(dir + "/parts/two/b", "b");
        CliResult r = run(dir);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(readFile(dir + "/out/one.list"), QByteArray("a\n"));
        QCOMPARE(readFile(dir + "/out/two.list"), QByteArray("b\n"));
        r = run(dir);
        QCOMPARE(r.runFinished["instance_counts"]["cached"].get<int>(), 2);
    }

    // kill -9 weft-cli at random moments while inputs change between runs;
    // then every node the next run reports cached must hold exactly what a
    // clean run of the same inputs writes.
    void killedRunsNeverLeaveStaleResults()
    {
        Json nodes = Json::array();
        nodes.push_back(processNode("n0", "head -c 3 src/in.txt > out/n0; sleep 0.02; cat src/in.txt >> out/n0",
                                    {{"o", "out/n0"}}, {{"in", "src/in.txt"}}));
        for (int i = 1; i < 8; ++i) {
            const std::string prev = "n" + std::to_string(i - 1), id = "n" + std::to_string(i);
            nodes.push_back(processNode(id,
                "printf " + id + ": > out/" + id + "; sleep 0.0" + std::to_string(i % 4)
                    + "; cat ${" + prev + ".o} >> out/" + id,
                {{"o", "out/" + id}}));
        }
        const Json wf = {{"weft", 1}, {"settings", {{"jobs", 2}}}, {"nodes", nodes}};
        const QString dir = workspace(wf);
        const QString clean = workspace(wf);

        auto *rng = QRandomGenerator::global();
        QElapsedTimer timer;
        timer.start();
        int variant = 0, kills = 0;
        while (timer.elapsed() < 15000) {
            variant = int(rng->bounded(3));
            writeFile(dir + "/src/in.txt", "input variant " + QByteArray::number(variant) + "\n");
            QProcess *p = startCli(dir, {"run", dir + "/flow.weft", "-q"});
            QThread::msleep(rng->bounded(250));
            ::kill(pid_t(p->processId()), SIGKILL);
            p->waitForFinished(5000);
            delete p;
            ++kills;
            // The killed run's children finish on their own (they are
            // short); let them, so they cannot write during the check.
            QThread::msleep(150);
        }
        QThread::msleep(500);
        writeFile(clean + "/src/in.txt", readFile(dir + "/src/in.txt"));
        QCOMPARE(cli(clean, {"run", clean + "/flow.weft", "-q"}).exitCode, 0);

        CliResult r = run(dir);
        QCOMPARE(r.exitCode, 0);
        int checked = 0;
        for (int i = 0; i < 8; ++i) {
            const std::string id = "n" + std::to_string(i);
            const QString file = "/out/" + QString::fromStdString(id);
            QCOMPARE(readFile(dir + file), readFile(clean + file));
            checked += cached(r, id) ? 1 : 0;
        }
        qInfo("%d kills; %d of 8 nodes up to date in the run after", kills, checked);
    }

    void secondConcurrentRunRefusesNamingTheFirst()
    {
        const QString dir = workspace(
            {{"weft", 1}, {"nodes", {processNode("slow", "sleep 2; echo done > out/slow", {{"o", "out/slow"}})}}});
        QProcess *first = startCli(dir, {"run", dir + "/flow.weft", "-q"});
        QThread::msleep(500);
        CliResult second = cli(dir, {"run", dir + "/flow.weft", "-q"});
        QCOMPARE(second.exitCode, 2);
        QVERIFY2(second.err.contains("in progress (pid " + QByteArray::number(first->processId()) + ")"),
                 second.err.constData());
        QVERIFY(first->waitForFinished(20000));
        QCOMPARE(first->exitCode(), 0);
        delete first;
        // History readers are not locked out, and the next run goes ahead.
        QCOMPARE(cli(dir, {"history", dir + "/flow.weft"}).exitCode, 0);
        QCOMPARE(run(dir).exitCode, 0);
    }

    void corruptOrForeignDatabase()
    {
        const QString dir = workspace(chain());
        writeFile(dir + "/src/a.txt", "alpha\n");
        QCOMPARE(run(dir).exitCode, 0);
        for (const char *suffix : {"-wal", "-shm"})
            QFile::remove(dir + "/.weft/state.db" + suffix);
        writeFile(dir + "/.weft/state.db", QByteArray(8192, 'x'));
        CliResult r = run(dir);
        QVERIFY(!r.crashed);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--reset-state"), r.err.constData());
        QVERIFY(!QFile::exists(dir + "/out/after.txt") || true);

        r = run(dir, {"--reset-state"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFile::exists(dir + "/.weft/state.db.broken"));
        QCOMPARE(why(r, "gen"), QStringLiteral("never ran"));
        QCOMPARE(run(dir).runFinished["counts"]["cached"].get<int>(), 3);

        // Another program's SQLite database is not taken for ours.
        const QString other = workspace(chain());
        writeFile(other + "/src/a.txt", "alpha\n");
        QDir().mkpath(other + "/.weft");
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open((other + "/.weft/state.db").toLocal8Bit().constData(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
        r = run(other);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("not a Weft state database"), r.err.constData());
    }

    void historyCompareAndRetention()
    {
        Json wf = chain();
        wf["settings"] = {{"history", 3}};
        const QString dir = workspace(wf);
        writeFile(dir + "/src/a.txt", "alpha\n");
        QCOMPARE(run(dir).exitCode, 0);
        QCOMPARE(run(dir).exitCode, 0);
        CliResult h = cli(dir, {"history", dir + "/flow.weft", "--format", "json"});
        QCOMPARE(h.exitCode, 0);
        Json runs = Json::parse(h.out.toStdString());
        QCOMPARE(runs.size(), std::size_t(2));
        QVERIFY(runs[0]["id"].get<int>() > runs[1]["id"].get<int>()); // newest first
        QCOMPARE(runs[0]["cached"].get<int>(), 3);
        QCOMPARE(runs[1]["ran"].get<int>(), 3);
        QCOMPARE(runs[1]["outcome"].get<std::string>(), std::string("succeeded"));
        const int first = runs[1]["id"].get<int>(), second = runs[0]["id"].get<int>();

        CliResult c = cli(dir, {"compare", dir + "/flow.weft", QString::number(first), QString::number(second)});
        QCOMPARE(c.exitCode, 0);
        QVERIFY2(c.out.contains("gen: succeeded -> up to date"), c.out.constData());
        QVERIFY2(c.out.contains("largest duration changes:"), c.out.constData());
        QVERIFY2(c.out.contains("critical path of run " + QByteArray::number(first)), c.out.constData());

        // A failing run is recorded too, and the comparison names the change.
        setWorkflow(dir, chain("exit 3"));
        QCOMPARE(run(dir).exitCode, 1);
        runs = Json::parse(cli(dir, {"history", dir + "/flow.weft", "--format", "json"}).out.toStdString());
        QCOMPARE(runs[0]["outcome"].get<std::string>(), std::string("failed"));
        c = cli(dir, {"compare", dir + "/flow.weft", QString::number(second),
                      QString::number(runs[0]["id"].get<int>())});
        QVERIFY2(c.out.contains("gen: up to date -> failed"), c.out.constData());

        // settings.history 3: the oldest is pruned.
        setWorkflow(dir, wf);
        QCOMPARE(run(dir).exitCode, 0);
        runs = Json::parse(cli(dir, {"history", dir + "/flow.weft", "--format", "json"}).out.toStdString());
        QCOMPARE(runs.size(), std::size_t(3));
        QVERIFY(runs[2]["id"].get<int>() == second);
        CliResult text = cli(dir, {"history", dir + "/flow.weft"});
        QVERIFY2(text.out.startsWith("RUN"), text.out.constData());
        CliResult gone = cli(dir, {"compare", dir + "/flow.weft", QString::number(first), QString::number(second)});
        QCOMPARE(gone.exitCode, 2);
        // Pruned in the same transaction: nothing of the oldest run is left.
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open((dir + "/.weft/state.db").toLocal8Bit().constData(), &db), SQLITE_OK);
        for (const char *sql :
            { "SELECT count(*) FROM run_packed WHERE run NOT IN (SELECT id FROM runs)",
                "SELECT count(*) FROM run_cached WHERE run NOT IN (SELECT id FROM runs)",
                "SELECT count(*) FROM run_units WHERE run NOT IN (SELECT id FROM runs)" }) {
            sqlite3_stmt *s = nullptr;
            QCOMPARE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), SQLITE_OK);
            QCOMPARE(sqlite3_step(s), SQLITE_ROW);
            QVERIFY2(sqlite3_column_int(s, 0) == 0, sql);
            sqlite3_finalize(s);
        }
        sqlite3_close(db);
    }

    // Schema 1 kept an up-to-date unit as a run_units row of its own; schema
    // 2 keeps a run's up-to-date units in one run_cached row; schemas 1 to 3
    // kept each unit's fingerprint parts in its `units` row, schema 4 in
    // `unit_parts`; schema 5 keeps the units that ran in one run_packed
    // value. A version 1 file is upgraded when it is opened: its runs
    // read as before, its units are still up to date, and a change is still
    // explained from the parts it recorded.
    void version1HistoryStillReads()
    {
        const QString dir = workspace(chain());
        writeFile(dir + "/src/a.txt", "alpha\n");
        QCOMPARE(run(dir).exitCode, 0);
        QCOMPARE(run(dir).exitCode, 0); // all up to date: one run_cached row
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open((dir + "/.weft/state.db").toLocal8Bit().constData(), &db), SQLITE_OK);
        auto count = [db](const char *sql) {
            sqlite3_stmt *s = nullptr;
            sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
            const int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
            sqlite3_finalize(s);
            return n;
        };
        QCOMPARE(count("SELECT count(*) FROM run_cached"), 1);
        const int second = count("SELECT run FROM run_cached");
        QCOMPARE(count("SELECT count(*) FROM run_units WHERE run = (SELECT run FROM run_cached)"), 0);
        // Back to what version 1 wrote: a row per up-to-date unit.
        const std::string v1
            = "INSERT INTO run_units(run, unit, outcome, attempts, duration_us, cached) "
              "SELECT "
            + std::to_string(second)
            + ", u, 'succeeded', 0, 0, 1 FROM "
              "(SELECT 'after' AS u UNION SELECT 'gen' UNION SELECT 'up');"
              // The first run's units as rows, as every Weft before schema 5 wrote them.
              "INSERT INTO run_units(run, unit, outcome, attempts, start_us, duration_us, "
              "exit_code, cached, why) SELECT (SELECT min(id) FROM runs), u, 'succeeded', 1, "
              "0, 1000, 0, 0, 'never ran' FROM "
              "(SELECT 'after' AS u UNION SELECT 'gen' UNION SELECT 'up');"
              "DROP TABLE run_packed;"
              "DROP TABLE run_cached; ALTER TABLE run_units DROP COLUMN cpu_us;"
              "ALTER TABLE run_units DROP COLUMN queued_us;"
              "CREATE TABLE units_3(workflow TEXT, unit TEXT, fingerprint BLOB, "
              "parts BLOB, outputs BLOB, PRIMARY KEY(workflow, unit)) WITHOUT ROWID;"
              "INSERT INTO units_3 SELECT u.workflow, u.unit, u.fingerprint, p.parts, "
              "u.outputs FROM units u JOIN unit_parts p USING(workflow, unit);"
              "DROP TABLE units; DROP TABLE unit_parts;"
              "ALTER TABLE units_3 RENAME TO units;"
              "PRAGMA user_version=1;";
        QCOMPARE(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);

        QCOMPARE(run(dir).runFinished["counts"]["cached"].get<int>(), 3); // upgraded, and still up to date
        Json runs = Json::parse(cli(dir, {"history", dir + "/flow.weft", "--format", "json"}).out.toStdString());
        QCOMPARE(runs.size(), std::size_t(3));
        const int first = runs[2]["id"].get<int>(), third = runs[0]["id"].get<int>();
        QCOMPARE(runs[1]["id"].get<int>(), second);
        CliResult c = cli(dir, {"compare", dir + "/flow.weft", QString::number(first), QString::number(second)});
        QVERIFY2(c.out.contains("gen: succeeded -> up to date"), c.out.constData());
        // The version 1 run and the version 2 run hold the same units.
        c = cli(dir, {"compare", dir + "/flow.weft", QString::number(second), QString::number(third)});
        QCOMPARE(c.exitCode, 0);
        QVERIFY2(c.out.contains("outcome changes:\n  none"), c.out.constData());

        setWorkflow(dir, chain("cat src/*.txt > out/all.txt; echo >> out/all.txt"));
        QCOMPARE(why(run(dir), "gen"), QStringLiteral("params changed: command"));
    }

    // A run's units are one value in the history (run_packed, schema 5), not
    // a row each: every field a reader shows comes back as it was recorded,
    // in name order, merged with the up-to-date names (run_cached); a value
    // damaged on disk loses the units after the damage, not the history.
    void historyPacksEveryFieldOfARunsUnits()
    {
        Json wf = chain();
        wf["nodes"].push_back(processNode("bad", "echo trying; exit 3"));
        wf["nodes"].push_back(processNode("sig", "kill -TERM $$"));
        const QString dir = workspace(wf);
        writeFile(dir + "/src/a.txt", "alpha\n");
        QCOMPARE(run(dir, { "-k" }).exitCode, 1);
        QCOMPARE(run(dir, { "-k" }).exitCode, 1); // gen, up and after up to date

        const std::string file = (dir + "/flow.weft").toStdString();
        std::string error;
        std::unique_ptr<weft::StateStore> store = weft::StateStore::open(file, error);
        QVERIFY2(store, error.c_str());
        const std::vector<weft::HistoryRun> runs = store->runs();
        QCOMPARE(runs.size(), std::size_t(2));
        const std::int64_t first = runs[1].id, second = runs[0].id;

        std::map<std::string, weft::HistoryUnit> units;
        std::vector<std::string> order;
        for (weft::HistoryUnit &u : store->units(first)) {
            order.push_back(u.unit);
            units[u.unit] = std::move(u);
        }
        QCOMPARE(order, (std::vector<std::string> { "after", "bad", "gen", "sig", "up" }));
        const weft::HistoryUnit &gen = units["gen"];
        QCOMPARE(gen.outcome, std::string("succeeded"));
        QCOMPARE(gen.attempts, 1);
        QVERIFY(!gen.cached);
        QVERIFY(gen.start >= 0);
        QVERIFY(gen.duration > 0);
        QCOMPARE(gen.exitCode, std::optional<int>(0));
        QVERIFY(gen.signal.empty());
        QCOMPARE(gen.why, std::string("never ran"));
        QVERIFY(gen.cpu >= 0);
        QCOMPARE(units["bad"].outcome, std::string("failed"));
        QCOMPARE(units["bad"].exitCode, std::optional<int>(3));
        QCOMPARE(units["bad"].why, std::string()); // declares no outputs: always runs
        QCOMPARE(units["sig"].outcome, std::string("failed"));
        QCOMPARE(units["sig"].exitCode, std::optional<int>());
        QCOMPARE(units["sig"].signal, std::string("SIGTERM"));
        // The predictor's reader: what ran and succeeded, with its times.
        std::vector<std::string> succeeded;
        store->succeededUnits(first, [&](const weft::StateStore::SucceededUnit &u) {
            succeeded.emplace_back(u.unit);
            QVERIFY(u.duration > 0 && u.start >= 0 && u.attempts == 1);
        });
        QCOMPARE(succeeded, (std::vector<std::string> { "after", "gen", "up" }));

        order.clear();
        for (const weft::HistoryUnit &u : store->units(second)) {
            order.push_back(u.unit);
            QCOMPARE(u.cached, u.unit != "bad" && u.unit != "sig");
        }
        QCOMPARE(order, (std::vector<std::string> { "after", "bad", "gen", "sig", "up" }));
        store.reset();

        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open((dir + "/.weft/state.db").toLocal8Bit().constData(), &db), SQLITE_OK);
        auto count = [db](const std::string &sql) {
            sqlite3_stmt *s = nullptr;
            sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
            const int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
            sqlite3_finalize(s);
            return n;
        };
        QCOMPARE(count("SELECT count(*) FROM run_units"), 0);
        QCOMPARE(count("SELECT count(*) FROM run_packed"), 2);
        QCOMPARE(count("PRAGMA user_version"), 5);
        // Cut the first run's value in the middle of its last unit ("up").
        const std::string cut = "UPDATE run_packed SET units = substr(units, 1, length(units) - 3) "
                                "WHERE run = "
            + std::to_string(first);
        QCOMPARE(sqlite3_exec(db, cut.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);

        store = weft::StateStore::open(file, error);
        QVERIFY2(store, error.c_str());
        order.clear();
        for (const weft::HistoryUnit &u : store->units(first))
            order.push_back(u.unit);
        QCOMPARE(order, (std::vector<std::string> { "after", "bad", "gen", "sig" }));
        store.reset();
        CliResult c = cli(dir,
            { "compare", dir + "/flow.weft", QString::number(first), QString::number(second) });
        QCOMPARE(c.exitCode, 0);
        QVERIFY2(c.out.contains("gen: succeeded -> up to date"), c.out.constData());
        QVERIFY2(c.out.contains("up: absent -> up to date"), c.out.constData());
    }

    // The history keeps a run's units in the byte order of their names, the
    // order its readers merge them in. A node's row comes in its id's order
    // (sorted while a large run runs) and an instance's by its name, which
    // sorts among the ids: "a.z" < "a[0]" < "a[10]" < "a[1]" < "a_z".
    void historyKeepsUnitsInKeyOrder()
    {
        Json fan = processNode("a", "echo ${item} > out/a${index}.txt",
                               {{"o", "out/a${index}.txt"}});
        fan["foreach"] = Json::array();
        for (int k = 0; k < 12; ++k)
            fan["foreach"].push_back("item" + std::to_string(k));
        Json wf = {{"weft", 1}, {"nodes", Json::array({fan})}};
        // Enough plain nodes for the order to be sorted ahead (5,000 or more).
        for (const std::string id : {"a.z", "a_z", "aa", "b", "A"})
            wf["nodes"].push_back(
                processNode(id, "echo > out/" + id + ".txt", {{"o", "out/" + id + ".txt"}}));
        for (int i = 0; i < 5000; ++i)
            wf["nodes"].push_back({{"id", "n" + std::to_string(i)}, {"type", "noop"}});
        const QString dir = workspace(wf);
        QCOMPARE(run(dir).exitCode, 0);
        QCOMPARE(run(dir).exitCode, 0); // the outputs' units up to date: names in one row

        // The units with outputs are up to date; the noop nodes, which
        // declare none, ran again and are rows of their own.
        std::vector<std::string> expected = {"A", "a.z", "a_z", "aa", "b"};
        for (int k = 0; k < 12; ++k)
            expected.push_back("a[" + std::to_string(k) + "]");
        std::sort(expected.begin(), expected.end());

        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open((dir + "/.weft/state.db").toLocal8Bit().constData(), &db), SQLITE_OK);
        sqlite3_stmt *s = nullptr;
        sqlite3_prepare_v2(db, "SELECT units FROM run_cached WHERE run = (SELECT max(id) FROM runs)",
                           -1, &s, nullptr);
        std::vector<std::string> names;
        if (sqlite3_step(s) == SQLITE_ROW) {
            const std::string blob(static_cast<const char *>(sqlite3_column_blob(s, 0)),
                                   std::size_t(sqlite3_column_bytes(s, 0)));
            for (std::size_t at = 0; at < blob.size();) {
                const std::size_t end = blob.find('\0', at);
                names.push_back(blob.substr(at, end - at));
                at = end == std::string::npos ? blob.size() : end + 1;
            }
        }
        sqlite3_finalize(s);
        sqlite3_close(db);
        // Less the fan-out's own row.
        names.erase(std::remove(names.begin(), names.end(), "a"), names.end());
        QCOMPARE(names, expected);

        // And `weft-cli history` reads both runs back.
        const Json runs = Json::parse(
            cli(dir, {"history", dir + "/flow.weft", "--format", "json"}).out.toStdString());
        QCOMPARE(runs.size(), std::size_t(2));
    }

    void cleanRemovesDeclaredOutputs()
    {
        Json each = processNode("each", "cp ${item} out/${item.stem}.copy", {{"c", "out/${item.stem}.copy"}});
        each["foreach"] = {{"glob", "src/*.txt"}};
        Json wf = chain();
        wf["nodes"].push_back(each);
        const QString dir = workspace(wf);
        writeFile(dir + "/src/a.txt", "alpha\n");
        writeFile(dir + "/keep.txt", "not an output\n");
        QCOMPARE(run(dir).exitCode, 0);
        CliResult dry = cli(dir, {"clean", dir + "/flow.weft", "--dry-run"});
        QCOMPARE(dry.exitCode, 0);
        QVERIFY2(dry.out.contains("would remove out/a.copy"), dry.out.constData());
        QVERIFY(QFile::exists(dir + "/out/a.copy"));
        CliResult done = cli(dir, {"clean", dir + "/flow.weft"});
        QCOMPARE(done.exitCode, 0);
        for (const char *gone : {"out/all.txt", "out/up.txt", "out/after.txt", "out/a.copy"})
            QVERIFY2(!QFile::exists(dir + "/" + gone), gone);
        QVERIFY(QFile::exists(dir + "/keep.txt") && QFile::exists(dir + "/src/a.txt"));
        QCOMPARE(why(run(dir), "gen"), QStringLiteral("never ran"));
    }
};

QTEST_GUILESS_MAIN(TestIncremental)
#include "tst_incremental.moc"
