// SPDX-License-Identifier: Apache-2.0
// Benchmark of the .weft format on a large generated workflow: 100,000 nodes,
// about 200,000 needs, every operation type with realistic parameters.
//
// Measures load+validate, validate alone (what the editor runs on each edit),
// serialize and atomic save (best of 3 each), the peak memory each phase adds
// (VmHWM, reset between phases through /proc/self/clear_refs), and, as a
// yardstick, `/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))'`
// on the same file. Prints a table; asserts correctness only, never timing.

#include "ProcessMemory.h"
#include "weft/Validator.h"
#include "weft/WorkflowFile.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

using namespace weft;

namespace {

constexpr int kNodes = 100'000;
constexpr int kRuns = 3;

// Deterministic pseudo-random numbers, so every run measures the same file.
struct Lcg
{
    std::uint64_t state = 0x9E3779B97F4A7C15ULL;
    std::uint32_t next(std::uint32_t bound)
    {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return std::uint32_t((state >> 33) % bound);
    }
};

Workflow generate()
{
    Lcg random;
    Workflow workflow;
    workflow.name = "Generated benchmark workflow";
    workflow.description = "100,000 nodes of every type, about two needs each";
    workflow.settings.jobs = 16;
    workflow.settings.pools = {{"disk", 4}, {"gpu", 2}, {"network", 8}};
    workflow.nodes.reserve(kNodes);
    static const char *const stages[] = {"fetch", "build", "test", "package", "sum", "wait"};
    for (int i = 0; i < kNodes; ++i) {
        Node node;
        node.id = std::string(stages[i % 6]) + "." + "step_" + std::to_string(i);
        if (i > 0) {
            const std::uint32_t count = random.next(5); // 0..4, two on average
            for (std::uint32_t k = 0; k < count; ++k) {
                const std::uint32_t lo = i > 1000 ? std::uint32_t(i - 1000) : 0;
                const std::uint32_t target = lo + random.next(std::uint32_t(i) - lo);
                const std::string &id = workflow.nodes[target].id;
                if (std::find(node.needs.begin(), node.needs.end(), id) == node.needs.end())
                    node.needs.push_back(id);
            }
        }
        switch (random.next(8)) {
        case 0:
        case 1:
            node.type = "process";
            node.params = {{"command", "make -C src/module_" + std::to_string(i % 97)
                                           + " -j4 all && ./check --quick 'part " + std::to_string(i)
                                           + "'"}};
            node.timeout = 600;
            node.retries = int(random.next(3));
            break;
        case 2:
            node.type = "process";
            node.params = {{"argv", {"/usr/bin/convert", "in/" + std::to_string(i) + ".png",
                                     "-resize", "50%", "out/" + std::to_string(i) + ".jpg"}},
                           {"cwd", "images"},
                           {"env", {{"LC_ALL", "C"}, {"OMP_NUM_THREADS", "2"}}}};
            node.resources = {{"disk", 1}};
            break;
        case 3:
            node.type = "sleep";
            node.params = {{"seconds", 0.25 * random.next(40)}};
            break;
        case 4:
            node.type = "cpu";
            node.params = {{"seconds", 1.5}};
            node.resources = {{"gpu", 1}};
            break;
        case 5:
            node.type = "hash";
            node.params = {{"files", {"dist/part-" + std::to_string(i) + "/*.tar.gz", "SUMS"}}};
            break;
        case 6:
            node.type = "copy";
            node.params = {{"from", "build/" + std::to_string(i)}, {"to", "stage/" + std::to_string(i)}};
            node.resources = {{"disk", 2}, {"network", 1}};
            break;
        default:
            node.type = random.next(2) ? "write" : "noop";
            if (node.type == "write")
                node.params = {{"path", "logs/" + std::to_string(i) + ".txt"},
                               {"text", "done \u2713\n"}};
            break;
        }
        if (random.next(4) == 0)
            node.label = "Step " + std::to_string(i) + " of the pipeline";
        node.position = Position{double(i % 300) * 180, double(i / 300) * 90.5};
        workflow.nodes.push_back(std::move(node));
    }
    return workflow;
}

// Peak resident memory since the last reset, in KiB.
long peakKiB()
{
    return weft::test::peakResidentKiB();
}

long currentKiB()
{
    return weft::test::residentKiB();
}

// Resets VmHWM to the current resident size (Linux >= 4.0), after giving
// freed memory back, so the next peak is the phase's own.
bool resetPeak()
{
    ::malloc_trim(0);
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    return bool(clear);
}

struct Figure
{
    double bestMs = 0;
    double extraMiB = -1; // peak above the resident size at the phase's start
};

// `discard` runs untimed before each run: it frees the previous run's result,
// so neither its destruction nor its memory is counted.
Figure measure(const std::function<void()> &phase, const std::function<void()> &discard = {})
{
    Figure figure;
    figure.bestMs = 1e300;
    for (int run = 0; run < kRuns; ++run) {
        if (discard)
            discard();
        const bool reset = resetPeak();
        const long before = currentKiB();
        QElapsedTimer timer;
        timer.start();
        phase();
        figure.bestMs = std::min(figure.bestMs, double(timer.nsecsElapsed()) / 1e6);
        if (reset)
            figure.extraMiB = std::max(figure.extraMiB, double(peakKiB() - before) / 1024);
    }
    return figure;
}

double runProcessBest(const QString &program, const QStringList &arguments)
{
    double best = 1e300;
    for (int run = 0; run < kRuns; ++run) {
        QProcess process;
        QElapsedTimer timer;
        timer.start();
        process.start(program, arguments);
        if (!process.waitForFinished(300000) || process.exitCode() != 0)
            return -1;
        best = std::min(best, double(timer.nsecsElapsed()) / 1e6);
    }
    return best;
}

} // namespace

class BenchFormat : public QObject
{
    Q_OBJECT

private slots:
    void largeWorkflow();
};

void BenchFormat::largeWorkflow()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("large.weft").toStdString();
    const std::string copyPath = dir.filePath("saved.weft").toStdString();

    const Workflow generated = generate();
    std::size_t needs = 0;
    for (const Node &node : generated.nodes)
        needs += node.needs.size();
    QVERIFY(saveWorkflowFile(generated, path).ok);
    const double megabytes = double(QFileInfo(QString::fromStdString(path)).size()) / 1e6;

    std::optional<LoadResult> loaded;
    const Figure load = measure([&] { loaded = loadWorkflowFile(path); }, [&] { loaded.reset(); });
    QVERIFY(loaded && loaded->ok());
    QCOMPARE(loaded->workflow->nodes.size(), std::size_t(kNodes));
    QVERIFY(*loaded->workflow == generated);
    const Workflow &workflow = *loaded->workflow;

    Diagnostics diagnostics;
    const Figure validate = measure([&] { diagnostics = validateWorkflow(workflow); },
                                    [&] { diagnostics.clear(); });
    QVERIFY(diagnostics.empty());

    std::string text;
    const Figure serialize = measure([&] { text = serializeWorkflow(workflow); }, [&] {
        text.clear();
        text.shrink_to_fit();
    });
    const Figure save = measure([&] { QVERIFY(saveWorkflowFile(workflow, copyPath).ok); });
    QFile original(QString::fromStdString(path));
    QVERIFY(original.open(QIODevice::ReadOnly));
    QCOMPARE(QByteArray::fromStdString(text), original.readAll());

    const QString python = "/usr/bin/python3";
    const double pythonLoad = runProcessBest(
        python, {"-c", "import json,sys; json.load(open(sys.argv[1]))", QString::fromStdString(path)});
    const double pythonStart = runProcessBest(python, {"-c", "pass"});
    struct rusage children{};
    ::getrusage(RUSAGE_CHILDREN, &children);

    auto row = [&](const char *name, const Figure &f) {
        std::printf("  %-38s %9.1f ms %9.0f MB/s %9.1f MiB\n", name, f.bestMs,
                    megabytes / (f.bestMs / 1000), f.extraMiB);
    };
    std::printf("\n.weft format benchmark: %d nodes, %zu needs, file %.1f MB; best of %d\n", kNodes,
                needs, megabytes, kRuns);
    std::printf("  %-38s %12s %14s %13s\n", "phase", "time", "throughput", "peak extra");
    row("load + validate (loadWorkflowFile)", load);
    row("validate only (validateWorkflow)", validate);
    row("serialize (serializeWorkflow)", serialize);
    row("save (serialize + atomic write)", save);
    if (pythonLoad > 0) {
        std::printf("  %-38s %9.1f ms %9.0f MB/s %9.1f MiB (process peak)\n",
                    "python3 json.load (yardstick)", pythonLoad, megabytes / (pythonLoad / 1000),
                    double(children.ru_maxrss) / 1024);
        std::printf("  %-38s %9.1f ms\n", "  of which python3 start-up", pythonStart);
        std::printf("  ratio load+validate / python json.load: %.2f  (goal <= 1)\n",
                    load.bestMs / pythonLoad);
        std::printf("  ratio load+validate / python json.load without start-up: %.2f\n",
                    load.bestMs / std::max(1.0, pythonLoad - pythonStart));
    } else {
        std::printf("  python3 yardstick unavailable\n");
    }
    std::printf("  ratio save / load+validate: %.2f  (goal <= 1)\n\n", save.bestMs / load.bestMs);
    std::fflush(stdout);
}

QTEST_MAIN(BenchFormat)

#include "bench_format.moc"
