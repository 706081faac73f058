// SPDX-License-Identifier: Apache-2.0
// Semantic checks of in-memory workflows, as the editor runs them on every
// edit: each check, the cycle queries, and graphs far larger than any stack.

#include "weft/Operation.h"
#include "weft/Validator.h"
#include "weft/Workflow.h"

#include <QtTest>

#include <string>

using namespace weft;

Q_DECLARE_METATYPE(weft::Workflow)

namespace {

Node makeNode(std::string id, std::string type = "noop", std::vector<std::string> needs = {},
              nlohmann::json params = nlohmann::json::object())
{
    Node node;
    node.id = std::move(id);
    node.type = std::move(type);
    node.needs = std::move(needs);
    node.params = std::move(params);
    return node;
}

Workflow makeWorkflow(std::vector<Node> nodes)
{
    Workflow workflow;
    workflow.nodes = std::move(nodes);
    return workflow;
}

// "path: message" per diagnostic, in the validator's order.
QStringList summary(const Diagnostics &diagnostics)
{
    QStringList lines;
    for (const Diagnostic &d : diagnostics)
        lines << QString::fromStdString(d.path + ": " + d.message);
    return lines;
}

// A chain n0 <- n1 <- ... (each needs the one before), optionally closed.
Workflow chain(int count, bool closed)
{
    Workflow workflow;
    workflow.nodes.reserve(std::size_t(count));
    for (int i = 0; i < count; ++i) {
        workflow.nodes.push_back(makeNode("n" + std::to_string(i)));
        if (i > 0)
            workflow.nodes.back().needs.push_back("n" + std::to_string(i - 1));
    }
    if (closed)
        workflow.nodes.front().needs.push_back("n" + std::to_string(count - 1));
    return workflow;
}

} // namespace

class TestValidator : public QObject
{
    Q_OBJECT

private slots:
    void validWorkflow();
    void checks_data();
    void checks();
    void diagnosticsNameTheirNode();
    void customTypeCheckHook();
    void findCycleOrder();
    void findCycleIgnoresUnknownIds();
    void pathClosedByEdge_data();
    void pathClosedByEdge();
    void millionNodeCycle();
    void millionNodeChain();
};

void TestValidator::validWorkflow()
{
    Workflow workflow = makeWorkflow({
        makeNode("fetch", "process", {}, {{"argv", {"curl", "-O", "x"}}, {"env", {{"A", "b"}}}}),
        makeNode("wait", "sleep", {"fetch"}, {{"seconds", 0}}),
        makeNode("sum", "hash", {"fetch", "wait"}, {{"files", {"*.tar"}}}),
        makeNode("done", "noop", {"sum"}),
    });
    workflow.settings.pools["disk"] = 2;
    workflow.nodes[0].resources["disk"] = 2;
    workflow.nodes[0].timeout = 0.5;
    workflow.nodes[0].retries = 3;
    QCOMPARE(summary(validateWorkflow(workflow)), QStringList());
    QVERIFY(findCycle(workflow).empty());
}

void TestValidator::checks_data()
{
    QTest::addColumn<Workflow>("workflow");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("duplicate ids")
        << makeWorkflow({makeNode("a"), makeNode("b"), makeNode("a"), makeNode("a")})
        << QStringList{"/nodes/2/id: duplicate id \"a\"; node 0 already uses it",
                       "/nodes/3/id: duplicate id \"a\"; node 0 already uses it"};
    QTest::newRow("malformed ids")
        << makeWorkflow({makeNode("9lives"), makeNode("a b"), makeNode(""), makeNode("ok.v-1_x")})
        << QStringList{"/nodes/0/id: invalid id \"9lives\": an id starts with a letter or '_' and "
                       "continues with letters, digits, '_', '.' or '-'",
                       "/nodes/1/id: invalid id \"a b\": an id starts with a letter or '_' and "
                       "continues with letters, digits, '_', '.' or '-'",
                       "/nodes/2/id: node has no \"id\""};
    QTest::newRow("unknown need with suggestion")
        << makeWorkflow({makeNode("compile"), makeNode("link", "noop", {"compiel", "zzz"})})
        << QStringList{"/nodes/1/needs/0: needs unknown node \"compiel\"; did you mean \"compile\"?",
                       "/nodes/1/needs/1: needs unknown node \"zzz\""};
    QTest::newRow("self need")
        << makeWorkflow({makeNode("a", "noop", {"a"})})
        << QStringList{"/nodes/0/needs/0: a node cannot need itself"};
    QTest::newRow("duplicate need")
        << makeWorkflow({makeNode("a"), makeNode("b", "noop", {"a", "a"})})
        << QStringList{"/nodes/1/needs/1: \"a\" is already listed in \"needs\""};
    QTest::newRow("two cycles, each once")
        << makeWorkflow({makeNode("a", "noop", {"c"}), makeNode("b", "noop", {"a"}),
                         makeNode("c", "noop", {"b"}), makeNode("d", "noop", {"e"}),
                         makeNode("e", "noop", {"d", "a"})})
        << QStringList{"/nodes/0/needs/0: cycle: a \u2192 b \u2192 c \u2192 a",
                       "/nodes/4/needs/0: cycle: e \u2192 d \u2192 e"};
    QTest::newRow("unknown type")
        << makeWorkflow({makeNode("a", "slep"), makeNode("b", "")})
        << QStringList{"/nodes/0/type: unknown operation type \"slep\"; did you mean \"sleep\"?",
                       "/nodes/1/type: node has no \"type\""};
    QTest::newRow("unknown param")
        << makeWorkflow({makeNode("a", "sleep", {}, {{"secnds", 1}, {"seconds", 1}})})
        << QStringList{"/nodes/0/params/secnds: unknown parameter \"secnds\" for sleep; did you "
                       "mean \"seconds\"?"};
    QTest::newRow("param types")
        << makeWorkflow({makeNode("a", "process", {}, {{"argv", "ls"}, {"cwd", 1}}),
                         makeNode("b", "hash", {}, {{"files", {"a", 2}}}),
                         makeNode("c", "process", {}, {{"command", "x"}, {"env", {{"K", true}}}})})
        << QStringList{"/nodes/0/params/argv: parameter \"argv\" must be a list of strings, found a string",
                       "/nodes/0/params/cwd: parameter \"cwd\" must be a string (a path), found a number",
                       "/nodes/1/params/files/1: item 1 of \"files\" must be a string, found a number",
                       "/nodes/2/params/env/K: \"K\" in \"env\" must be a string, found a boolean"};
    QTest::newRow("params not an object")
        << makeWorkflow({makeNode("a", "noop", {}, nlohmann::json::array())})
        << QStringList{"/nodes/0/params: \"params\" must be an object, found an array"};
    QTest::newRow("missing required")
        << makeWorkflow({makeNode("a", "copy", {}, {{"to", "x"}})})
        << QStringList{"/nodes/0/params: copy needs parameter \"from\" (a string (a path))"};
    QTest::newRow("process: both, neither")
        << makeWorkflow({makeNode("a", "process", {}, {{"command", "ls"}, {"argv", {"ls"}}}),
                         makeNode("b", "process")})
        << QStringList{"/nodes/0/params/argv: process takes either \"command\" or \"argv\", not both",
                       "/nodes/1/params: process needs \"command\" (a shell command line) or "
                       "\"argv\" (a list)"};
    QTest::newRow("minimum")
        << makeWorkflow({makeNode("a", "sleep", {}, {{"seconds", -0.5}}),
                         makeNode("b", "cpu", {}, {{"seconds", 0}})})
        << QStringList{"/nodes/0/params/seconds: parameter \"seconds\" must be at least 0, found -0.5"};

    Workflow timing = makeWorkflow({makeNode("a"), makeNode("b"), makeNode("c")});
    timing.nodes[0].timeout = 0;
    timing.nodes[1].timeout = std::numeric_limits<double>::infinity();
    timing.nodes[1].retries = -2;
    timing.nodes[2].timeout = 0.25;
    QTest::newRow("timeout and retries")
        << timing
        << QStringList{"/nodes/0/timeout: \"timeout\" must be greater than 0 seconds, found 0",
                       "/nodes/1/timeout: \"timeout\" must be greater than 0 seconds, found inf",
                       "/nodes/1/retries: \"retries\" must be 0 or more, found -2"};

    Workflow pools = makeWorkflow({makeNode("a"), makeNode("b"), makeNode("c")});
    pools.settings.pools = {{"disk", 2}, {"gpu", 1}};
    pools.nodes[0].resources = {{"disk", 3}};
    pools.nodes[1].resources = {{"dsk", 1}};
    pools.nodes[2].resources = {{"gpu", 0}, {"disk", -1}};
    QTest::newRow("resources")
        << pools
        << QStringList{"/nodes/0/resources/disk: asks for 3 of pool \"disk\", which has only 2",
                       "/nodes/1/resources/dsk: unknown pool \"dsk\"; did you mean \"disk\"?",
                       "/nodes/2/resources/disk: amount of pool \"disk\" must be at least 1, found -1",
                       "/nodes/2/resources/gpu: amount of pool \"gpu\" must be at least 1, found 0"};

    Workflow noPools = makeWorkflow({makeNode("a")});
    noPools.nodes[0].resources = {{"a/b~c", 1}};
    QTest::newRow("resources without pools")
        << noPools
        << QStringList{"/nodes/0/resources/a~1b~0c: unknown pool \"a/b~c\" (settings define no pools)"};

    Workflow settings = makeWorkflow({});
    settings.settings.jobs = -1;
    settings.settings.pools = {{"zero", 0}, {"one", 1}};
    QTest::newRow("settings")
        << settings
        << QStringList{"/settings/jobs: \"jobs\" must be 0 (as many as there are cores) or more, found -1",
                       "/settings/pools/zero: pool \"zero\" must have a size of at least 1, found 0"};
}

void TestValidator::checks()
{
    QFETCH(Workflow, workflow);
    QFETCH(QStringList, expected);
    const QStringList actual = summary(validateWorkflow(workflow));
    if (actual != expected)
        qWarning().noquote() << "actual:\n" + actual.join('\n');
    QCOMPARE(actual, expected);
}

void TestValidator::diagnosticsNameTheirNode()
{
    Workflow workflow = makeWorkflow({makeNode("a", "sleep"), makeNode("b", "noop", {"x"})});
    workflow.settings.jobs = -3;
    const Diagnostics diagnostics = validateWorkflow(workflow);
    QCOMPARE(diagnostics.size(), std::size_t(3));
    QCOMPARE(diagnostics[0].nodeId, std::string());
    QCOMPARE(diagnostics[1].nodeId, std::string("a"));
    QCOMPARE(diagnostics[2].nodeId, std::string("b"));
    for (const Diagnostic &d : diagnostics) {
        QCOMPARE(d.severity, Severity::Error);
        QCOMPARE(d.line, 0); // in memory: no text, no positions
    }
}

void TestValidator::customTypeCheckHook()
{
    OperationRegistry registry;
    OperationType type;
    type.name = "range";
    type.params = {{"low", ParamKind::Integer, true, nullptr, "", -10},
                   {"high", ParamKind::Integer, true, nullptr, "", -10}};
    type.check = [](const nlohmann::json &params, Diagnostics &out) {
        if (params.value("low", 0) > params.value("high", 0))
            out.push_back({Severity::Error, "\"low\" is above \"high\"", "/low", 0, 0, {}});
    };
    registry.add(type);
    const Workflow workflow = makeWorkflow({makeNode("r", "range", {}, {{"low", 5}, {"high", 1}}),
                                            makeNode("s", "range", {}, {{"low", -11}, {"high", 1}})});
    QCOMPARE(summary(validateWorkflow(workflow, &registry)),
             (QStringList{"/nodes/0/params/low: \"low\" is above \"high\"",
                          "/nodes/1/params/low: parameter \"low\" must be at least -10, found -11"}));
    QCOMPARE(validateWorkflow(workflow, &registry)[0].nodeId, std::string("r"));
}

void TestValidator::findCycleOrder()
{
    const Workflow workflow = makeWorkflow({makeNode("start"), makeNode("a", "noop", {"start", "c"}),
                                            makeNode("b", "noop", {"a"}), makeNode("c", "noop", {"b"})});
    const std::vector<std::string> cycle = findCycle(workflow);
    QCOMPARE(cycle.size(), std::size_t(3));
    // Each needs the one before it (and the first needs the last).
    for (std::size_t i = 0; i < cycle.size(); ++i) {
        const Node *node = workflow.find(cycle[(i + 1) % cycle.size()]);
        QVERIFY(node);
        QVERIFY(std::find(node->needs.begin(), node->needs.end(), cycle[i]) != node->needs.end());
    }
}

void TestValidator::findCycleIgnoresUnknownIds()
{
    const Workflow workflow = makeWorkflow({makeNode("a", "noop", {"ghost", "a"}),
                                            makeNode("b", "noop", {"a", "a"})});
    QVERIFY(findCycle(workflow).empty()); // self needs are not cycles of the graph
}

void TestValidator::pathClosedByEdge_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QStringList>("expected");
    // c needs b needs a; d needs a.
    QTest::newRow("closes a long path") << "c" << "a" << QStringList{"a", "b", "c"};
    QTest::newRow("closes a short path") << "b" << "a" << QStringList{"a", "b"};
    QTest::newRow("self edge") << "d" << "d" << QStringList{"d"};
    QTest::newRow("forward edge is fine") << "a" << "c" << QStringList{};
    QTest::newRow("sideways edge is fine") << "d" << "c" << QStringList{};
    QTest::newRow("unknown node") << "x" << "a" << QStringList{};
}

void TestValidator::pathClosedByEdge()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QStringList, expected);
    const Workflow workflow = makeWorkflow({makeNode("a"), makeNode("b", "noop", {"a"}),
                                            makeNode("c", "noop", {"b"}),
                                            makeNode("d", "noop", {"a"})});
    QStringList actual;
    for (const std::string &id : weft::pathClosedByEdge(workflow, from.toStdString(), to.toStdString()))
        actual << QString::fromStdString(id);
    QCOMPARE(actual, expected);
}

void TestValidator::millionNodeCycle()
{
    constexpr int count = 1'000'000;
    const Workflow workflow = chain(count, true);
    const std::vector<std::string> cycle = findCycle(workflow);
    QCOMPARE(cycle.size(), std::size_t(count));
    QCOMPARE(cycle.front(), std::string("n0"));
    QCOMPARE(cycle[1], std::string("n1"));
    QCOMPARE(cycle.back(), std::string("n999999"));

    const Diagnostics diagnostics = validateWorkflow(workflow);
    QCOMPARE(diagnostics.size(), std::size_t(1));
    QCOMPARE(diagnostics[0].path, std::string("/nodes/0/needs/0"));
    QVERIFY(diagnostics[0].message.starts_with("cycle: n0 \u2192 n1 \u2192 "));
    QVERIFY(diagnostics[0].message.ends_with("n999999 \u2192 n0 (1000000 nodes)"));
}

void TestValidator::millionNodeChain()
{
    constexpr int count = 1'000'000;
    const Workflow workflow = chain(count, false);
    QVERIFY(validateWorkflow(workflow).empty());
    QVERIFY(findCycle(workflow).empty());
    const std::vector<std::string> path = weft::pathClosedByEdge(workflow, "n999999", "n0");
    QCOMPARE(path.size(), std::size_t(count));
    QCOMPARE(path.front(), std::string("n0"));
    QCOMPARE(path.back(), std::string("n999999"));
    QVERIFY(weft::pathClosedByEdge(workflow, "n0", "n999999").empty());
}

QTEST_GUILESS_MAIN(TestValidator)

#include "tst_validator.moc"
