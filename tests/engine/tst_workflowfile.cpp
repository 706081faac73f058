// SPDX-License-Identifier: Apache-2.0
// The .weft loader and writer against real files: every valid fixture and
// bundled example must survive load -> save -> load unchanged and byte-stable,
// and every invalid fixture must produce exactly the diagnostics listed in its
// .expected file ("LINE:COL: error: MESSAGE", one per line; lines starting
// with '#' are annotations for other tests).

#include "weft/Operation.h"
#include "weft/Validator.h"
#include "weft/WorkflowFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <string>

using namespace weft;

namespace {

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return file.readAll();
}

std::string toStd(const QByteArray &bytes)
{
    return std::string(bytes.constData(), std::size_t(bytes.size()));
}

QStringList formatted(const Diagnostics &diagnostics)
{
    QStringList lines;
    for (const Diagnostic &d : diagnostics) {
        lines << QString::fromStdString(std::to_string(d.line) + ":" + std::to_string(d.column)
                                        + ": error: " + d.message);
    }
    return lines;
}

QStringList filesIn(const QString &directory, const QString &pattern)
{
    QStringList paths;
    const QDir dir(directory);
    for (const QString &name : dir.entryList({pattern}, QDir::Files, QDir::Name))
        paths << dir.filePath(name);
    return paths;
}

Node makeNode(std::string id, std::string type, std::vector<std::string> needs = {},
              nlohmann::json params = nlohmann::json::object())
{
    Node node;
    node.id = std::move(id);
    node.type = std::move(type);
    node.needs = std::move(needs);
    node.params = std::move(params);
    return node;
}

} // namespace

class TestWorkflowFile : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data();
    void roundTrip();
    void invalidFixtures_data();
    void invalidFixtures();
    void diagnosticsCarryPathAndNode();
    void everyProblemIsReported();
    void canonicalLayout();
    void inMemoryRoundTrip();
    void stringsAreEscaped();
    void invalidUtf8IsReplacedOnSave();
    void deepNestingIsRefusedWithoutCrashing();
    void longChainLoads();
    void unreadableFile();
    void customRegistry();
    void uniqueNodeId_data();
    void uniqueNodeId();
    void selectTargets();
};

void TestWorkflowFile::roundTrip_data()
{
    QTest::addColumn<QString>("path");
    QStringList paths = filesIn(WEFT_FIXTURES_DIR "/valid", "*.weft");
    paths += filesIn(WEFT_EXAMPLES_DIR, "*.weft");
    QVERIFY2(paths.size() >= 5, "the valid fixtures are missing");
    for (const QString &path : paths)
        QTest::newRow(qPrintable(QFileInfo(path).fileName())) << path;
}

void TestWorkflowFile::roundTrip()
{
    QFETCH(QString, path);
    const QByteArray original = readFile(path);
    const LoadResult first = parseWorkflow(toStd(original));
    QVERIFY2(first.ok(), qPrintable(formatted(first.diagnostics).join('\n')));
    QVERIFY(first.diagnostics.empty());

    const std::string saved = serializeWorkflow(*first.workflow);
    const LoadResult second = parseWorkflow(saved);
    QVERIFY2(second.ok(), qPrintable(formatted(second.diagnostics).join('\n')));
    QVERIFY(*second.workflow == *first.workflow);
    QCOMPARE(serializeWorkflow(*second.workflow), saved);
    QVERIFY(saved.ends_with("}\n"));

    // Files kept in canonical form must come back byte for byte.
    if (QFileInfo(path).fileName().startsWith("canonical-"))
        QCOMPARE(QByteArray::fromStdString(saved), original);

    // And through real files, atomically written.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string copy = dir.filePath("copy.weft").toStdString();
    const SaveResult result = saveWorkflowFile(*first.workflow, copy);
    QVERIFY2(result.ok, result.error.c_str());
    const LoadResult reloaded = loadWorkflowFile(copy);
    QVERIFY(reloaded.ok());
    QVERIFY(*reloaded.workflow == *first.workflow);
    QCOMPARE(readFile(QString::fromStdString(copy)), QByteArray::fromStdString(saved));
}

void TestWorkflowFile::invalidFixtures_data()
{
    QTest::addColumn<QString>("path");
    const QStringList paths = filesIn(WEFT_FIXTURES_DIR "/invalid", "*.weft");
    QVERIFY2(paths.size() >= 25, "expected at least 25 invalid fixtures");
    for (const QString &path : paths)
        QTest::newRow(qPrintable(QFileInfo(path).completeBaseName())) << path;
}

void TestWorkflowFile::invalidFixtures()
{
    QFETCH(QString, path);
    const QString expectedPath = path.chopped(5) + ".expected";
    QVERIFY2(QFile::exists(expectedPath), qPrintable("missing " + expectedPath));
    QStringList expected;
    for (const QString &line : QString::fromUtf8(readFile(expectedPath)).split('\n')) {
        if (!line.isEmpty() && !line.startsWith('#'))
            expected << line;
    }
    QVERIFY2(!expected.isEmpty(), "an invalid fixture must expect at least one diagnostic");

    const LoadResult result = loadWorkflowFile(path.toStdString());
    QVERIFY(!result.ok());
    QVERIFY(hasErrors(result.diagnostics));
    const QStringList actual = formatted(result.diagnostics);
    if (actual != expected) {
        qWarning().noquote() << "actual diagnostics:\n" + actual.join('\n');
        qWarning().noquote() << "expected:\n" + expected.join('\n');
    }
    QCOMPARE(actual, expected);
    for (const Diagnostic &d : result.diagnostics) {
        QVERIFY(d.line >= 1);
        QVERIFY(d.column >= 1);
    }
}

void TestWorkflowFile::diagnosticsCarryPathAndNode()
{
    const LoadResult result = loadWorkflowFile(WEFT_FIXTURES_DIR "/invalid/many-problems.weft");
    QVERIFY(!result.ok());
    auto find = [&](const std::string &path) -> const Diagnostic * {
        for (const Diagnostic &d : result.diagnostics) {
            if (d.path == path)
                return &d;
        }
        return nullptr;
    };
    const Diagnostic *unknownNeed = find("/nodes/3/needs/0");
    QVERIFY(unknownNeed);
    QCOMPARE(unknownNeed->nodeId, std::string("sum"));
    QCOMPARE(unknownNeed->line, 9);
    const Diagnostic *cycle = find("/nodes/4/needs/0");
    QVERIFY(cycle);
    QCOMPARE(cycle->nodeId, std::string("p"));
    QCOMPARE(cycle->message, std::string("cycle: p \u2192 q \u2192 p"));
    QVERIFY(cycle->message.starts_with("cycle: "));
    const Diagnostic *jobs = find("/settings/jobs");
    QVERIFY(jobs);
    QVERIFY(jobs->nodeId.empty());
    QCOMPARE(formatDiagnostic(*jobs, "many.weft"),
             std::string("many.weft:4:17: error: \"jobs\" must be 0 (as many as there are cores) "
                         "or more, found -2"));
}

void TestWorkflowFile::everyProblemIsReported()
{
    // Syntax is fine, so the walk and the validator both run: problems of
    // both kinds come back together, in file order.
    const std::string text = R"({
  "weft": 1,
  "nodes": [
    { "id": "a", "type": "sleep", "params": { "seconds": "x" }, "colour": 1 },
    { "id": "a", "type": "noop", "needs": ["zz"] }
  ]
})";
    const LoadResult result = parseWorkflow(text);
    QCOMPARE(formatted(result.diagnostics),
             QStringList({"4:47: error: parameter \"seconds\" must be a number, found a string",
                          "4:65: error: unknown node key \"colour\"",
                          "5:7: error: duplicate id \"a\"; node 0 already uses it",
                          "5:44: error: needs unknown node \"zz\""}));
}

void TestWorkflowFile::canonicalLayout()
{
    Workflow workflow;
    workflow.name = "Demo";
    workflow.settings.pools["disk"] = 2;
    Node a = makeNode("a", "process", {}, {{"argv", {"echo", "hi"}}, {"env", {{"K", "V"}}}});
    a.timeout = 1.5;
    a.retries = 2;
    a.resources["disk"] = 1;
    a.position = Position{40, -120.25};
    workflow.nodes.push_back(a);
    Node b = makeNode("b", "noop", {"a"});
    b.label = "Bee";
    workflow.nodes.push_back(b);

    const std::string expected = R"({
  "weft": 1,
  "name": "Demo",
  "settings": {
    "pools": {
      "disk": 2
    }
  },
  "nodes": [
    {
      "id": "a",
      "type": "process",
      "params": {
        "argv": ["echo", "hi"],
        "env": {
          "K": "V"
        }
      },
      "timeout": 1.5,
      "retries": 2,
      "resources": {
        "disk": 1
      },
      "position": [40, -120.25]
    },
    {
      "id": "b",
      "type": "noop",
      "label": "Bee",
      "needs": ["a"]
    }
  ]
}
)";
    QCOMPARE(serializeWorkflow(workflow), expected);
    QCOMPARE(serializeWorkflow(Workflow{}), std::string("{\n  \"weft\": 1,\n  \"nodes\": []\n}\n"));
}

void TestWorkflowFile::inMemoryRoundTrip()
{
    Workflow workflow;
    workflow.description = "doubles, integers and odd values";
    workflow.settings.jobs = 3;
    workflow.settings.failure = FailurePolicy::KeepGoing;
    Node n = makeNode("n", "sleep", {}, {{"seconds", 0.1}});
    n.timeout = 1e-7;
    n.position = Position{1e300, -0.5};
    workflow.nodes.push_back(n);
    workflow.nodes.push_back(makeNode("m", "cpu", {"n"}, {{"seconds", 123456789012}}));
    workflow.nodes.push_back(makeNode("w", "write", {"m", "n"},
                                      {{"path", "out/\xE2\x9C\x93.txt"}, {"text", ""}}));

    const std::string text = serializeWorkflow(workflow);
    const LoadResult loaded = parseWorkflow(text);
    QVERIFY2(loaded.ok(), qPrintable(formatted(loaded.diagnostics).join('\n')));
    QVERIFY(*loaded.workflow == workflow);
    QVERIFY(text.find("\"seconds\": 0.1\n") != std::string::npos);
    QVERIFY(text.find("\"timeout\": 1e-07") != std::string::npos);
    QVERIFY(text.find("\"position\": [1e+300, -0.5]") != std::string::npos);
    QVERIFY(text.find("123456789012") != std::string::npos);
    QCOMPARE(serializeWorkflow(*loaded.workflow), text);
}

void TestWorkflowFile::stringsAreEscaped()
{
    Workflow workflow;
    workflow.name = std::string("quote \" backslash \\ newline \n tab \t nul ") + '\0'
                    + " bell \x07 del \x7F";
    workflow.nodes.push_back(makeNode("a", "noop"));
    workflow.nodes.back().label = "\xF0\x9F\x98\x80 \xE6\x97\xA5";
    const std::string text = serializeWorkflow(workflow);
    QVERIFY(text.find(R"(quote \" backslash \\ newline \n tab \t nul \u0000 bell \u0007)")
            != std::string::npos);
    QVERIFY(text.find("\"label\": \"\xF0\x9F\x98\x80 \xE6\x97\xA5\"") != std::string::npos);
    const LoadResult loaded = parseWorkflow(text);
    QVERIFY(loaded.ok());
    QCOMPARE(loaded.workflow->name, workflow.name);
    QCOMPARE(loaded.workflow->nodes[0].label, workflow.nodes[0].label);
}

void TestWorkflowFile::invalidUtf8IsReplacedOnSave()
{
    // Whatever is in memory, what is written must load again.
    Workflow workflow;
    workflow.name = "bad \xFF byte, truncated \xE2\x9C";
    const std::string text = serializeWorkflow(workflow);
    const LoadResult loaded = parseWorkflow(text);
    QVERIFY2(loaded.ok(), qPrintable(formatted(loaded.diagnostics).join('\n')));
    QCOMPARE(loaded.workflow->name, std::string("bad \xEF\xBF\xBD byte, truncated \xEF\xBF\xBD\xEF\xBF\xBD"));
}

void TestWorkflowFile::deepNestingIsRefusedWithoutCrashing()
{
    // Far deeper than any recursive parser survives.
    std::string text = R"({"weft": 1, "nodes": [{"id": "a", "type": "noop", "params": {"x": )";
    text += std::string(1'000'000, '[');
    const LoadResult result = parseWorkflow(text);
    QVERIFY(!result.ok());
    QCOMPARE(result.diagnostics.size(), std::size_t(1));
    QCOMPARE(result.diagnostics[0].message, std::string("nesting is deeper than 256 levels"));
    QCOMPARE(result.diagnostics[0].line, 1);
}

void TestWorkflowFile::longChainLoads()
{
    constexpr int count = 200'000;
    Workflow workflow;
    workflow.nodes.reserve(count);
    for (int i = 0; i < count; ++i) {
        workflow.nodes.push_back(makeNode("n" + std::to_string(i), "noop"));
        if (i > 0)
            workflow.nodes.back().needs.push_back("n" + std::to_string(i - 1));
    }
    const std::string text = serializeWorkflow(workflow);
    const LoadResult loaded = parseWorkflow(text);
    QVERIFY(loaded.ok());
    QCOMPARE(loaded.workflow->nodes.size(), std::size_t(count));
    QVERIFY(*loaded.workflow == workflow);

    // Close the chain into one long cycle: reported once, at the closing need.
    workflow.nodes.front().needs.push_back("n" + std::to_string(count - 1));
    const LoadResult cyclic = parseWorkflow(serializeWorkflow(workflow));
    QCOMPARE(cyclic.diagnostics.size(), std::size_t(1));
    QVERIFY(cyclic.diagnostics[0].message.ends_with("(200000 nodes)"));
    QCOMPARE(cyclic.diagnostics[0].line, 7); // the first node's "needs"
}

void TestWorkflowFile::unreadableFile()
{
    QTemporaryDir dir;
    const std::string missing = dir.filePath("nope.weft").toStdString();
    LoadResult result = loadWorkflowFile(missing);
    QVERIFY(!result.ok());
    QCOMPARE(result.diagnostics.size(), std::size_t(1));
    QVERIFY(result.diagnostics[0].message.find(missing) != std::string::npos);
    QVERIFY(result.diagnostics[0].message.find("No such file") != std::string::npos);

    result = loadWorkflowFile(dir.path().toStdString());
    QVERIFY(!result.ok());
    QVERIFY(result.diagnostics[0].message.find("directory") != std::string::npos);
}

void TestWorkflowFile::customRegistry()
{
    OperationRegistry registry;
    OperationType type;
    type.name = "fetch";
    type.params = {{"url", ParamKind::String, true, nullptr, "What to fetch", -1e300},
                   {"attempts", ParamKind::Integer, false, 3, "How often", 1},
                   {"verbose", ParamKind::Boolean, false, false, "Talk", -1e300}};
    registry.add(type);
    const std::string text = R"({"weft": 1, "nodes": [
{"id": "a", "type": "fetch", "params": {"url": "x", "attempts": 0, "verbose": "yes"}},
{"id": "b", "type": "fetch", "params": {"url": "x", "attempts": 2.5}},
{"id": "c", "type": "noop"}
]})";
    const LoadResult result = parseWorkflow(text, &registry);
    QCOMPARE(formatted(result.diagnostics),
             QStringList({"2:53: error: parameter \"attempts\" must be at least 1, found 0",
                          "2:68: error: parameter \"verbose\" must be true or false, found a string",
                          "3:53: error: parameter \"attempts\" must be an integer, found a number",
                          "4:13: error: unknown operation type \"noop\""}));
}

void TestWorkflowFile::uniqueNodeId_data()
{
    QTest::addColumn<QString>("base");
    QTest::addColumn<QString>("expected");
    QTest::newRow("free") << "deploy" << "deploy";
    QTest::newRow("taken") << "build" << "build_3";
    QTest::newRow("numbered copy") << "build_2" << "build_3";
    QTest::newRow("invalid characters") << "my node!" << "my_node_";
    QTest::newRow("leading digit") << "2fast" << "n2fast";
    QTest::newRow("empty") << "" << "n";
}

void TestWorkflowFile::uniqueNodeId()
{
    QFETCH(QString, base);
    QFETCH(QString, expected);
    Workflow workflow;
    for (const char *id : {"build", "build_2", "test"})
        workflow.nodes.push_back(makeNode(id, "noop"));
    QCOMPARE(QString::fromStdString(weft::uniqueNodeId(workflow, base.toStdString())), expected);
}

void TestWorkflowFile::selectTargets()
{
    const LoadResult loaded = loadWorkflowFile(WEFT_FIXTURES_DIR "/valid/every-type.weft");
    QVERIFY(loaded.ok());
    std::vector<std::string> unknown;
    const Workflow selected = weft::selectTargets(*loaded.workflow, {"stamp", "ghost"}, &unknown);
    std::vector<std::string> ids;
    for (const Node &node : selected.nodes)
        ids.push_back(node.id);
    QCOMPARE(ids, (std::vector<std::string>{"start", "fetch", "stamp"}));
    QCOMPARE(unknown, std::vector<std::string>{"ghost"});
    QCOMPARE(selected.settings, loaded.workflow->settings);
    QVERIFY(validateWorkflow(selected).empty());

    const Workflow all = weft::selectTargets(*loaded.workflow, {"done-all_1"});
    QCOMPARE(all.nodes.size(), loaded.workflow->nodes.size());
    QVERIFY(weft::selectTargets(*loaded.workflow, {}).nodes.empty());
}

QTEST_GUILESS_MAIN(TestWorkflowFile)

#include "tst_workflowfile.moc"
