// SPDX-License-Identifier: Apache-2.0
// References and fan-out in the file format (DESIGN.md, "Outputs and
// references" and "Fan-out"): parsing every form, each validation error at
// the exact line:col of its `$`, the needs a reference implies, expansion as
// a program receives it (argv splicing, shell quoting), and `foreach` saved
// byte for byte. Running real processes with expanded arguments is tested
// with the scheduler.

#include "weft/CompiledWorkflow.h"
#include "weft/Operation.h"
#include "weft/References.h"
#include "weft/Validator.h"
#include "weft/WorkflowFile.h"

#include "data/Expansion.h"
#include "scheduler/RunGraph.h"
#include "state/Fingerprint.h"

#include <QFile>
#include <QProcess>
#include <QtTest>

#include <map>
#include <string>

using namespace weft;

namespace {

QStringList diagnose(std::string_view text)
{
    const LoadResult result = parseWorkflow(text);
    QStringList lines;
    for (const Diagnostic &d : result.diagnostics)
        lines << QString::fromStdString(std::to_string(d.line) + ":" + std::to_string(d.column)
                                        + ": " + d.message);
    return lines;
}

// A two-line workflow: `scan` (a process declaring output `files`) on line
// 2, then `node` on line 3, written by the caller.
std::string withScan(std::string_view node)
{
    return "{\"weft\": 1, \"nodes\": [\n"
           "{\"id\": \"scan\", \"type\": \"process\", \"params\": {\"command\": \"ls\"}, "
           "\"outputs\": {\"files\": [\"a.c\"]}},\n"
           + std::string(node) + "\n]}\n";
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return file.readAll();
}

NamedValues scanOutputs()
{
    NamedValues values;
    values.emplace("files", StringOrList(std::vector<std::string>{"src/a b.c", "src/it's.c"}));
    values.emplace("one", StringOrList(std::string("only")));
    values.emplace("single", StringOrList(std::vector<std::string>{"lone"}));
    return values;
}

} // namespace

class TestReferences : public QObject
{
    Q_OBJECT

private slots:
    void parsesEveryForm();
    void malformed_data();
    void malformed();
    void unescape();
    void referencedNodesInOrder();
    void validationErrors_data();
    void validationErrors();
    void columnsCountEscapesAsWritten();
    void validReferencesLoad();
    void impliedNeeds();
    void selectFollowsReferences();
    void expandArgvSplicesLists();
    void expandCommandQuotes_data();
    void expandCommandQuotes();
    void expandItemAndIndex();
    void expandOutputsAndSelf();
    void expandErrors();
    void launchExpandsAsTheExpandedNode();
    void shellQuoteRules();
    void needsExpansion();
    void foreachRoundTrip();
};

void TestReferences::parsesEveryForm()
{
    const ParsedString p = parseReferences(
        "${build.obj} ${a.b.c} ${self.out} ${item} ${item.name} ${item.stem} ${index} $${x.y} $ $x $$");
    QVERIFY(!p.error);
    QCOMPARE(p.references.size(), std::size_t(7));
    using K = Reference::Kind;
    QCOMPARE(p.references[0].kind, K::Output);
    QCOMPARE(p.references[0].node, std::string("build"));
    QCOMPARE(p.references[0].name, std::string("obj"));
    QCOMPARE(p.references[0].offset, std::size_t(0));
    QCOMPARE(p.references[0].length, std::size_t(12));
    // Node ids may hold dots: the split is at the last one.
    QCOMPARE(p.references[1].kind, K::Output);
    QCOMPARE(p.references[1].node, std::string("a.b"));
    QCOMPARE(p.references[1].name, std::string("c"));
    QCOMPARE(p.references[1].offset, std::size_t(13));
    QCOMPARE(p.references[2].kind, K::Self);
    QCOMPARE(p.references[2].name, std::string("out"));
    QVERIFY(p.references[2].node.empty());
    QCOMPARE(p.references[3].kind, K::Item);
    QCOMPARE(p.references[4].kind, K::ItemName);
    QCOMPARE(p.references[5].kind, K::ItemStem);
    QCOMPARE(p.references[6].kind, K::Index);
    QCOMPARE(p.references[6].length, std::size_t(8));

    QVERIFY(parseReferences("plain text, no dollar").references.empty());
    QVERIFY(!parseReferences("").error);
    QVERIFY(parseReferences("$${not.a.reference}").references.empty());
    QVERIFY(!parseReferences("$${unterminated").error); // an escape, not a reference
    // `$$${a.b}`: the second and third characters make the escape.
    QVERIFY(parseReferences("$$${a.b}").references.empty());
    QCOMPARE(parseReferences("x${a-1.b_2}").references.at(0).node, std::string("a-1"));
}

void TestReferences::malformed_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QString>("message");
    QTest::newRow("unterminated") << "echo ${build.obj" << 5 << "unterminated ${: no closing }";
    QTest::newRow("empty") << "a${}" << 1 << "empty reference ${}";
    QTest::newRow("no name") << "${build}" << 0
                             << "malformed reference ${build}: name an output, as in ${build.NAME}";
    QTest::newRow("item other") << " ${item.path}" << 1
                                << "malformed reference ${item.path}: an item has only ${item}, "
                                   "${item.name} and ${item.stem}";
    QTest::newRow("bad node") << "${1st.x}" << 0
                              << "malformed reference ${1st.x}: a node id starts with a letter or "
                                 "'_' and continues with letters, digits, '_', '.' or '-'";
    QTest::newRow("empty node") << "${.x}" << 0
                                << "malformed reference ${.x}: a node id starts with a letter or "
                                   "'_' and continues with letters, digits, '_', '.' or '-'";
    QTest::newRow("empty name") << "${a.}" << 0
                                << "malformed reference ${a.}: an output name starts with a "
                                   "letter or '_' and continues with letters, digits, '_' or '-'";
    QTest::newRow("space") << "${a.b c}" << 0
                           << "malformed reference ${a.b c}: an output name starts with a "
                              "letter or '_' and continues with letters, digits, '_' or '-'";
    QTest::newRow("not an id") << "${a b}" << 0
                               << "malformed reference ${a b}: expected ${NODE.NAME}, "
                                  "${self.NAME}, ${item} or ${index}";
    QTest::newRow("after a good one") << "${a.b}${" << 6 << "unterminated ${: no closing }";
}

void TestReferences::malformed()
{
    QFETCH(QString, text);
    QFETCH(int, offset);
    QFETCH(QString, message);
    const ParsedString p = parseReferences(text.toStdString());
    QVERIFY(p.error);
    QCOMPARE(int(p.error->offset), offset);
    QCOMPARE(QString::fromStdString(p.error->message), message);
}

void TestReferences::unescape()
{
    QCOMPARE(unescapeReferences("echo $${HOME} $$ $x $${"), std::string("echo ${HOME} $$ $x ${"));
    QCOMPARE(unescapeReferences("nothing"), std::string("nothing"));
    QCOMPARE(unescapeReferences("$$${a}"), std::string("$${a}"));
}

void TestReferences::referencedNodesInOrder()
{
    Node node;
    node.id = "use";
    node.type = "process";
    node.params = {{"argv", {"${b.x}", "-o", "${a.y} ${b.z} ${self.out} ${item}"}},
                   {"env", {{"K", "${c.v}"}}}};
    node.outputs.emplace("out", StringOrList(std::string("${d.w}/o")));
    node.inputs.emplace("in", StringOrList(std::vector<std::string>{"$${e.v}", "${a.q}"}));
    node.foreach = ForEach{ForEach::Kind::Reference, {}, "${f.list}"};
    // params is an object: its members in key order, then outputs, inputs, foreach.
    QCOMPARE(referencedNodes(node), (std::vector<std::string>{"b", "a", "c", "d", "f"}));

    Node many;
    for (int k = 0; k < 40; ++k)
        many.params["p" + std::to_string(100 + k)] = "${n" + std::to_string(k % 20) + ".x}";
    QCOMPARE(referencedNodes(many).size(), std::size_t(20));
}

void TestReferences::validationErrors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("unknown node")
        << QString::fromStdString(withScan(
               R"({"id": "use", "type": "process", "params": {"command": "cat ${scna.files}"}})"))
        << QStringList{"3:61: ${scna.files}: unknown node \"scna\"; did you mean \"scan\"?"};
    QTest::newRow("unknown output")
        << QString::fromStdString(withScan(
               R"({"id": "sum", "type": "hash", "params": {"files": ["${scan.files}"]}},)"
               "\n"
               R"({"id": "use", "type": "write", "params": {"path": "x", "text": "${sum.digets}"}})"))
        << QStringList{"4:65: ${sum.digets}: sum has no output named \"digets\"; did you mean "
                       "\"digest\"?"};
    QTest::newRow("no outputs at all")
        << QString::fromStdString(withScan(
               R"({"id": "w", "type": "noop"},)"
               "\n"
               R"({"id": "use", "type": "write", "params": {"path": "${w.path}"}})"))
        << QStringList{"4:52: ${w.path}: w has no output named \"path\" (it declares none and "
                       "noop reports none)"};
    QTest::newRow("self unknown")
        << QString::fromStdString(withScan(
               R"({"id": "use", "type": "process", "params": {"argv": ["cc", "${self.ob}"]}, "outputs": {"obj": "a.o"}})"))
        << QStringList{"3:61: ${self.ob}: this node declares no output or input named \"ob\"; did "
                       "you mean \"obj\"?"};
    QTest::newRow("self in outputs")
        << QString::fromStdString(withScan(
               R"({"id": "use", "type": "noop", "outputs": {"a": "x", "b": "${self.a}.o"}})"))
        << QStringList{"3:59: ${self.a}: ${self.NAME} can be used only in params; outputs and "
                       "inputs are what it refers to"};
    QTest::newRow("own id")
        << QString::fromStdString(withScan(
               R"({"id": "use", "type": "process", "params": {"command": "x ${use.o}"}, "outputs": {"o": "o"}})"))
        << QStringList{"3:59: ${use.o}: a node refers to its own outputs and inputs as "
                       "${self.o}"};
    QTest::newRow("item outside foreach")
        << QString::fromStdString(withScan(
               R"({"id": "use", "type": "process", "params": {"argv": ["cc", "${item}", "n${index}"]}})"))
        << QStringList{"3:61: ${item}: only a node with \"foreach\" has an item",
                       "3:73: ${index}: only a node with \"foreach\" has an index"};
    QTest::newRow("item.stem in outputs outside foreach")
        << QString::fromStdString(withScan(
               R"({"id": "use", "type": "noop", "outputs": {"o": "out/${item.stem}.o"}})"))
        << QStringList{"3:53: ${item.stem}: only a node with \"foreach\" has an item"};
    QTest::newRow("malformed")
        << QString::fromStdString(withScan(
               R"({"id": "use", "type": "process", "params": {"command": "echo ${scan.files"}})"))
        << QStringList{"3:62: unterminated ${: no closing }"};
    QTest::newRow("malformed in inputs")
        << QString::fromStdString(withScan(
               R"({"id": "use", "type": "noop", "inputs": {"src": ["ok", "${}"]}})"))
        << QStringList{"3:57: empty reference ${}"};
    QTest::newRow("data cycle")
        << QString::fromStdString(
               "{\"weft\": 1, \"nodes\": [\n"
               R"({"id": "a", "type": "process", "params": {"command": "x ${b.out}"}},)"
               "\n"
               R"({"id": "b", "type": "process", "params": {"command": "y ${a.out}"}}
]})")
        << QStringList{"2:57: cycle through data: a \u2192 b \u2192 a"};
    QTest::newRow("cycle mixing needs and data")
        << QString::fromStdString(
               "{\"weft\": 1, \"nodes\": [\n"
               R"({"id": "a", "type": "process", "params": {"command": "x"}, "inputs": {"i": "${b.out}"}},)"
               "\n"
               R"({"id": "b", "type": "process", "needs": ["a"], "params": {"command": "y"}}
]})")
        << QStringList{"2:77: cycle through data: a \u2192 b \u2192 a"};
    QTest::newRow("foreach number")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": 3})"))
        << QStringList{"3:31: \"foreach\" must be a list of items, {\"glob\": PATTERN} or a "
                       "reference \"${NODE.NAME}\", found a number"};
    QTest::newRow("foreach object without glob")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": {"glb": "*.c"}})"))
        << QStringList{"3:31: \"foreach\" as an object needs \"glob\": a pattern, as in "
                       "{\"glob\": \"src/*.c\"}",
                       "3:43: unknown foreach key \"glb\"; did you mean \"glob\"?"};
    QTest::newRow("foreach glob not a string")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": {"glob": ["a"]}})"))
        << QStringList{"3:43: \"glob\" must be a string, found an array"};
    QTest::newRow("foreach empty glob")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": {"glob": ""}})"))
        << QStringList{"3:43: \"glob\" must not be empty"};
    QTest::newRow("foreach item not a string")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": ["a", 2]})"))
        << QStringList{"3:48: a foreach item must be a string, found a number"};
    QTest::newRow("foreach text, not a reference")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": "src/*.c"})"))
        << QStringList{"3:31: \"foreach\" must be a list of items, {\"glob\": PATTERN} or exactly "
                       "one reference \"${NODE.NAME}\" to another node's output, found \"src/*.c\""};
    QTest::newRow("foreach over item")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": "${item}"})"))
        << QStringList{"3:31: \"foreach\" must be a list of items, {\"glob\": PATTERN} or exactly "
                       "one reference \"${NODE.NAME}\" to another node's output, found \"${item}\""};
    QTest::newRow("foreach more than a reference")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": "x${scan.files}"})"))
        << QStringList{"3:31: \"foreach\" must be a list of items, {\"glob\": PATTERN} or exactly "
                       "one reference \"${NODE.NAME}\" to another node's output, found "
                       "\"x${scan.files}\""};
    QTest::newRow("foreach unknown node")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": "${scan2.files}"})"))
        << QStringList{"3:43: ${scan2.files}: unknown node \"scan2\"; did you mean \"scan\"?"};
    QTest::newRow("foreach unknown output")
        << QString::fromStdString(
               "{\"weft\": 1, \"nodes\": [\n"
               R"({"id": "h", "type": "hash", "params": {"files": ["a"]}},)"
               "\n"
               R"({"id": "use", "type": "noop", "foreach": "${h.files}"}
]})")
        << QStringList{"3:43: ${h.files}: h has no output named \"files\""};
    QTest::newRow("foreach over itself")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": "${use.x}"})"))
        << QStringList{"3:43: ${use.x}: a node cannot fan out over its own output"};
    QTest::newRow("foreach malformed")
        << QString::fromStdString(withScan(R"({"id": "use", "type": "noop", "foreach": "${scan}"})"))
        << QStringList{"3:43: malformed reference ${scan}: name an output, as in ${scan.NAME}"};
}

void TestReferences::validationErrors()
{
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    const QStringList actual = diagnose(text.toStdString());
    if (actual != expected)
        qWarning().noquote() << "actual:\n" + actual.join('\n');
    QCOMPARE(actual, expected);
}

void TestReferences::columnsCountEscapesAsWritten()
{
    // \" and \u00e9 are several characters in the file and fewer in the
    // string: the column is the `$`'s in the file, counted in characters.
    const std::string text = withScan(
        R"({"id": "use", "type": "process", "params": {"command": "echo \"\u00e9\" é \ud83d\ude00 ${nope.x}"}})");
    QCOMPARE(diagnose(text), QStringList{"3:88: ${nope.x}: unknown node \"nope\""});
}

void TestReferences::validReferencesLoad()
{
    // A process may print any name with `::output`: an undeclared name is
    // resolved at run time. Built-in documented outputs count as declared.
    const std::string text = withScan(
        R"({"id": "p", "type": "process", "params": {"command": "gen"}},)"
        "\n"
        R"({"id": "h", "type": "hash", "params": {"files": ["${scan.files}"]}},)"
        "\n"
        R"({"id": "use", "type": "process", "needs": ["h"], "params": {"argv": ["x", "${p.anything}", "${h.digest}", "${self.o}", "${self.i}", "$${literal}"], "env": {"A": "${scan.files}"}}, "outputs": {"o": "out/${p.dir}"}, "inputs": {"i": "${h.digest}"}})");
    const LoadResult result = parseWorkflow(text);
    QVERIFY2(result.ok(), result.diagnostics.empty() ? "" : result.diagnostics[0].message.c_str());
    QVERIFY(result.diagnostics.empty());
}

void TestReferences::impliedNeeds()
{
    const std::string text = withScan(
        R"({"id": "mid", "type": "process", "params": {"command": "m"}},)"
        "\n"
        R"({"id": "use", "type": "process", "needs": ["mid"], "params": {"argv": ["x", "${scan.files}", "${mid.o}", "${scan.files}"]}},)"
        "\n"
        R"({"id": "only", "type": "noop", "inputs": {"i": "${use.z}"}})");
    LoadResult loaded = parseWorkflow(text);
    QVERIFY(loaded.ok());
    // The file's needs are what was written: a reference adds nothing there.
    QCOMPARE(loaded.workflow->nodes[2].needs, std::vector<std::string>{"mid"});
    QVERIFY(loaded.workflow->nodes[3].needs.empty());

    auto check = [](const CompiledWorkflow &compiled) {
        const RunGraph &graph = compiled.graph();
        auto preds = [&](NodeIndex i) {
            const auto span = graph.predecessors(i);
            return std::vector<NodeIndex>(span.begin(), span.end());
        };
        QCOMPARE(preds(0), std::vector<NodeIndex>{});
        // Written needs first, then implied ones, each once; `mid` is both.
        QCOMPARE(preds(2), (std::vector<NodeIndex>{1, 0}));
        // A node with only a reference waits for the node it names.
        QCOMPARE(preds(3), std::vector<NodeIndex>{2});
    };
    const auto fromLoad = CompiledWorkflow::fromLoad(std::move(loaded));
    QVERIFY(fromLoad);
    check(*fromLoad);

    Diagnostics diagnostics;
    const auto compiled = CompiledWorkflow::compile(
        std::make_shared<const Workflow>(parseWorkflow(text).workflow.value()), diagnostics);
    QVERIFY(compiled);
    check(*compiled);

    // The editor's cycle checks see data edges too.
    const Workflow &w = compiled->workflow();
    QCOMPARE(pathClosedByEdge(w, "only", "scan"),
             (std::vector<std::string>{"scan", "use", "only"}));
    QVERIFY(findCycle(w).empty());
}

void TestReferences::selectFollowsReferences()
{
    const std::string text = withScan(
        R"({"id": "other", "type": "noop"},)"
        "\n"
        R"({"id": "use", "type": "process", "params": {"argv": ["x", "${scan.files}"]}})");
    const LoadResult loaded = parseWorkflow(text);
    QVERIFY(loaded.ok());
    const Workflow subset = selectTargets(*loaded.workflow, {"use"});
    QCOMPARE(subset.nodes.size(), std::size_t(2));
    QCOMPARE(subset.nodes[0].id, std::string("scan"));
    QCOMPARE(subset.nodes[1].id, std::string("use"));

    Diagnostics diagnostics;
    const auto compiled = CompiledWorkflow::compile(
        std::make_shared<const Workflow>(*loaded.workflow), diagnostics);
    QVERIFY(compiled);
    const auto selected = compiled->select({"use"});
    QCOMPARE(selected->workflow().nodes.size(), std::size_t(2));
    const auto preds = selected->graph().predecessors(1);
    QCOMPARE(std::vector<NodeIndex>(preds.begin(), preds.end()), std::vector<NodeIndex>{0});
}

void TestReferences::expandArgvSplicesLists()
{
    const NamedValues scan = scanOutputs();
    const data::OutputsOf outputsOf = [&](std::string_view id) -> const NamedValues * {
        return id == "scan" ? &scan : nullptr;
    };
    Node node;
    node.id = "link";
    node.type = "process";
    node.params = {{"argv", {"cc", "-o", "app", "${scan.files}", "${scan.single}", "${scan.one}",
                             "-I${scan.files}", "$${scan.files}"}},
                   {"env", {{"FILES", "${scan.files}"}, {"ONE", "${scan.one}"}}}};
    const OperationType *type = OperationRegistry::builtin().find("process");
    const data::Expanded e = data::expandNode(node, type, outputsOf);
    QVERIFY2(e.node, e.error.c_str());
    const nlohmann::json expected = {"cc", "-o", "app", "src/a b.c", "src/it's.c", "lone",
                                     "only", "-Isrc/a b.c src/it's.c", "${scan.files}"};
    QCOMPARE(QString::fromStdString(e.node->params["argv"].dump()),
             QString::fromStdString(expected.dump()));
    // Outside an array a list joins with single spaces, unquoted: not a shell.
    QCOMPARE(e.node->params["env"]["FILES"].get<std::string>(), std::string("src/a b.c src/it's.c"));
    QCOMPARE(e.node->params["env"]["ONE"].get<std::string>(), std::string("only"));
    // The node as written is untouched.
    QCOMPARE(node.params["argv"][3].get<std::string>(), std::string("${scan.files}"));
}

void TestReferences::expandCommandQuotes_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("quoted");
    QTest::newRow("injection") << "a b; rm -rf x" << "'a b; rm -rf x'";
    QTest::newRow("apostrophe") << "it's" << "'it'\\''s'";
    QTest::newRow("double quotes") << "\"q\"" << "'\"q\"'";
    QTest::newRow("substitution") << "$(touch pwned)" << "'$(touch pwned)'";
    QTest::newRow("backticks") << "`id`" << "'`id`'";
    QTest::newRow("newline") << "a\nb" << "'a\nb'";
    QTest::newRow("leading dash") << "-rf" << "-rf";
    QTest::newRow("safe") << "out/a_b-1.o" << "out/a_b-1.o";
    QTest::newRow("empty") << "" << "''";
    QTest::newRow("glob") << "*.c" << "'*.c'";
}

void TestReferences::expandCommandQuotes()
{
    QFETCH(QString, value);
    QFETCH(QString, quoted);
    NamedValues values;
    values.emplace("v", StringOrList(value.toStdString()));
    values.emplace("list", StringOrList(std::vector<std::string>{value.toStdString(), "x y"}));
    const data::OutputsOf outputsOf = [&](std::string_view) { return &values; };
    Node node;
    node.id = "use";
    node.type = "process";
    node.params = {{"command", "echo ${p.v} && printf '%s\\n' ${p.list} $${HOME}"},
                   {"cwd", "${p.v}"}};
    const data::Expanded e =
        data::expandNode(node, OperationRegistry::builtin().find("process"), outputsOf);
    QVERIFY2(e.node, e.error.c_str());
    const std::string q = quoted.toStdString();
    QCOMPARE(e.node->params["command"].get<std::string>(),
             "echo " + q + " && printf '%s\\n' " + q + " 'x y' ${HOME}");
    // Only `command` is a shell command line: other params get the value as is.
    QCOMPARE(e.node->params["cwd"].get<std::string>(), value.toStdString());
    QCOMPARE(data::shellQuote(value.toStdString()), q);

    // What /bin/sh makes of it: exactly the value, as one argument.
    Node echo;
    echo.params = {{"command", "printf '%s' ${p.v}"}};
    const data::Expanded shell =
        data::expandNode(echo, OperationRegistry::builtin().find("process"), outputsOf);
    QVERIFY(shell.node);
    QProcess sh;
    sh.start("/bin/sh", {"-c", QString::fromStdString(shell.node->params["command"].get<std::string>())});
    QVERIFY(sh.waitForFinished(10000));
    QCOMPARE(sh.readAllStandardOutput(), value.toUtf8());
}

void TestReferences::expandItemAndIndex()
{
    const data::OutputsOf none = [](std::string_view) -> const NamedValues * { return nullptr; };
    Node node;
    node.id = "c";
    node.type = "process";
    node.foreach = ForEach{ForEach::Kind::List, {"src/lib/a.tar.gz"}, {}};
    node.params = {{"argv", {"${item}", "${item.name}", "${item.stem}", "${index}",
                             "out/${item.stem}-${index}.o"}}};
    const std::string item = "src/lib/a.tar.gz";
    const data::Expanded e = data::expandNode(node, nullptr, none, {&item, 12});
    QVERIFY2(e.node, e.error.c_str());
    QCOMPARE(QString::fromStdString(e.node->params["argv"].dump()),
             QString(R"(["src/lib/a.tar.gz","a.tar.gz","a.tar","12","out/a.tar-12.o"])"));

    auto stemOf = [&](const std::string &path) {
        Node n;
        n.params = {{"s", "${item.stem}|${item.name}"}};
        const data::Expanded r = data::expandNode(n, nullptr, none, {&path, 0});
        return r.node ? r.node->params["s"].get<std::string>() : r.error;
    };
    QCOMPARE(stemOf(".bashrc"), std::string(".bashrc|.bashrc"));
    QCOMPARE(stemOf("dir/.bashrc"), std::string(".bashrc|.bashrc"));
    QCOMPARE(stemOf("noext"), std::string("noext|noext"));
    QCOMPARE(stemOf("a.b/c"), std::string("c|c"));
    QCOMPARE(stemOf("x.c"), std::string("x|x.c"));
}

void TestReferences::expandOutputsAndSelf()
{
    const NamedValues scan = scanOutputs();
    const data::OutputsOf outputsOf = [&](std::string_view id) -> const NamedValues * {
        return id == "scan" ? &scan : nullptr;
    };
    Node node;
    node.id = "c";
    node.type = "process";
    node.outputs.emplace("obj", StringOrList(std::string("out/${item.stem}.o")));
    node.outputs.emplace("all", StringOrList(std::string("${scan.files}")));
    node.outputs.emplace("mixed", StringOrList(std::vector<std::string>{"a", "${scan.files}", "b"}));
    node.outputs.emplace("one", StringOrList(std::string("${scan.single}")));
    node.inputs.emplace("src", StringOrList(std::string("${item}")));
    node.params = {{"argv", {"cc", "-c", "${self.src}", "-o", "${self.obj}", "${self.all}"}},
                   {"command", "x"}};
    const std::string item = "src/m.c";
    const data::Expanded e = data::expandNode(node, nullptr, outputsOf, {&item, 0});
    QVERIFY2(e.node, e.error.c_str());
    QCOMPARE(e.node->outputs.at("obj"), StringOrList(std::string("out/m.o")));
    // A value that is exactly a list reference becomes a list; a list of one stays a list.
    QCOMPARE(e.node->outputs.at("all"),
             StringOrList(std::vector<std::string>{"src/a b.c", "src/it's.c"}));
    QCOMPARE(e.node->outputs.at("mixed"),
             StringOrList(std::vector<std::string>{"a", "src/a b.c", "src/it's.c", "b"}));
    QCOMPARE(e.node->outputs.at("one"), StringOrList(std::vector<std::string>{"lone"}));
    QCOMPARE(e.node->inputs.at("src"), StringOrList(std::string("src/m.c")));
    QCOMPARE(QString::fromStdString(e.node->params["argv"].dump()),
             QString::fromStdString(nlohmann::json({"cc", "-c", "src/m.c", "-o", "out/m.o",
                                                             "src/a b.c", "src/it's.c"})
                                               .dump()));
}

void TestReferences::expandErrors()
{
    const NamedValues scan = scanOutputs();
    const data::OutputsOf outputsOf = [&](std::string_view id) -> const NamedValues * {
        return id == "scan" ? &scan : nullptr;
    };
    auto errorOf = [&](Node node) {
        const data::Expanded e = data::expandNode(node, nullptr, outputsOf);
        return e.node ? std::string("(expanded)") : e.error;
    };
    Node n;
    n.params = {{"argv", {"cc", "-o", "app", "${scan.objs}"}}};
    QCOMPARE(errorOf(n), std::string("params/argv/3: ${scan.objs}: scan reported no output named objs"));
    n.params = {{"env", {{"a/b", "x ${gone.files}"}}}};
    QCOMPARE(errorOf(n),
             std::string("params/env/a~1b: ${gone.files}: gone reported no output named files"));
    n.params = nlohmann::json::object();
    n.outputs.emplace("o", StringOrList(std::vector<std::string>{"x", "${item}"}));
    QCOMPARE(errorOf(n),
             std::string("outputs/o/1: ${item}: the node has no \"foreach\", so there is no item"));
    n.outputs.clear();
    n.params = {{"p", "${self.nope}"}};
    QCOMPARE(errorOf(n),
             std::string("params/p: ${self.nope}: the node declares no input or output named nope"));
}

// A process node whose references are in its params only is not copied to
// expand them: its launch plan reads its strings through ParamStrings
// (data::launchExpanded). What it starts must be exactly what the expanded
// copy of the node would start, and a reference that cannot be expanded
// must fail with the same message.
void TestReferences::launchExpandsAsTheExpandedNode()
{
    const NamedValues scan = scanOutputs();
    NamedValues evil;
    evil.emplace("v", StringOrList(std::vector<std::string>{"a b; rm -rf x", "it's", "$(id)",
                                                            "a\nb", "-rf", ""}));
    const data::OutputsOf outputsOf = [&](std::string_view id) -> const NamedValues * {
        return id == "scan" ? &scan : id == "p" ? &evil : nullptr;
    };
    const OperationType *process = OperationRegistry::builtin().find("process");
    QVERIFY(process->launchExpands);
    const std::filesystem::path base = "/work/project";
    const std::string item = "src/lib/a b.tar.gz";

    std::vector<Node> nodes;
    auto add = [&](nlohmann::json params) {
        Node n;
        n.id = "n" + std::to_string(nodes.size());
        n.type = "process";
        n.params = std::move(params);
        n.outputs.emplace("obj", StringOrList(std::string("out/x.o")));
        n.inputs.emplace("src", StringOrList(std::vector<std::string>{"a.c", "b c.c"}));
        nodes.push_back(std::move(n));
    };
    add({{"argv", {"cc", "-o", "app", "${scan.files}", "${scan.single}", "${scan.one}",
                   "-I${scan.files}", "$${scan.files}", 7, "${p.v}"}},
         {"env", {{"FILES", "${scan.files}"}, {"ONE", "${scan.one}"}, {"PLAIN", "x"}}}});
    add({{"command", "echo ${p.v} && printf '%s\\n' ${scan.files} $${HOME}"},
         {"cwd", "work/${scan.one}"}});
    add({{"argv", {"${item}", "${item.name}", "${item.stem}", "${index}", "${self.src}",
                   "-o", "${self.obj}", "out/${item.stem}-${index}.o"}}});
    add({{"command", "cc ${self.src} -o ${self.obj} # ${item} ${index}"}});
    // Values that JSON escapes: the fingerprint serializes them.
    add({{"argv", {"printf", "%s\\n", "\"${scan.one}\"", "tab\there", "${p.v}"}},
         {"cwd", "dir \"${scan.one}\""}});
    // Own outputs and inputs with references, read through ${self.NAME}.
    add({{"argv", {"cc", "-c", "${self.src}", "-o", "${self.obj}"}}});
    nodes.back().outputs["obj"] = StringOrList(std::string("out/${item.stem}-${index}.o"));
    nodes.back().outputs.emplace("all", StringOrList(std::string("${scan.files}")));
    nodes.back().inputs["src"] = StringOrList(std::vector<std::string>{"${item}", "${scan.one}"});
    // Errors: a missing output, a missing own value, one in env, one in cwd.
    add({{"argv", {"cc", "${scan.objs}"}}});
    add({{"command", "x ${self.nope}"}});
    add({{"argv", {"true"}}, {"env", {{"a/b", "x ${gone.files}"}}}});
    add({{"command", "true"}, {"cwd", "${gone.dir}"}});

    for (const Node &node : nodes) {
        for (const data::InstanceItem instance : {data::InstanceItem{}, data::InstanceItem{&item, 12}}) {
            const data::Expanded whole = data::expandNode(node, process, outputsOf, instance);
            const bool ownValues = data::ownValuesNeedExpansion(node);
            const data::ExpandedLaunch planned =
                data::launchExpanded(*process, node, base, outputsOf, instance, ownValues);
            const QByteArray where = QByteArray::fromStdString(
                node.id + (instance.item ? " as an instance" : "") + ": " + whole.error);
            if (!whole.node) {
                QVERIFY2(!whole.error.empty(), where);
                QCOMPARE(planned.error, whole.error);
                continue;
            }
            QVERIFY2(planned.error.empty(), (where + planned.error.c_str()).constData());
            const Launch expected = process->launch(LaunchContext{*whole.node, base});
            const ProcessCommand &a = planned.launch.process;
            const ProcessCommand &b = expected.process;
            QVERIFY2(a.argv == b.argv, where);
            QCOMPARE(a.command, b.command);
            QCOMPARE(a.cwd, b.cwd);
            QCOMPARE(a.cwdDisplay, b.cwdDisplay);
            QVERIFY2(a.env == b.env, where);
            QCOMPARE(planned.launch.error, expected.error);
            QCOMPARE(bool(planned.outputs), ownValues);
            if (ownValues) {
                QVERIFY2(*planned.outputs == whole.node->outputs, where);
                QVERIFY2(*planned.inputs == whole.node->inputs, where);
            }

            // An incremental run's fingerprint of such a unit reads its
            // params through the expander: the same digests, key by key, as
            // those of the expanded copy's params (so a state recorded
            // either way stays up to date).
            std::vector<std::pair<std::string, state::Digest>> streamed;
            std::string error;
            QVERIFY(data::visitExpandedParams(
                node, process, outputsOf, instance,
                planned.outputs ? *planned.outputs : node.outputs,
                planned.inputs ? *planned.inputs : node.inputs,
                [&](const std::string &key, const ExpandedParam &value) {
                    streamed.emplace_back(key, state::expandedParamDigest(value));
                },
                error));
            std::vector<std::pair<std::string, state::Digest>> digests;
            for (const auto &[key, value] : whole.node->params.items())
                digests.emplace_back(key, state::paramDigest(value));
            QVERIFY2(streamed == digests, where);
        }
    }
    // Spot checks of the forms, so that the two cannot agree on a wrong answer.
    const data::ExpandedLaunch first = data::launchExpanded(*process, nodes[0], base, outputsOf);
    QCOMPARE(first.launch.process.argv,
             (std::vector<std::string>{"cc", "-o", "app", "src/a b.c", "src/it's.c", "lone", "only",
                                       "-Isrc/a b.c src/it's.c", "${scan.files}", "7",
                                       "a b; rm -rf x", "it's", "$(id)", "a\nb", "-rf", ""}));
    QCOMPARE(first.launch.process.env.at("FILES"), std::string("src/a b.c src/it's.c"));
    const data::ExpandedLaunch second = data::launchExpanded(*process, nodes[1], base, outputsOf);
    QCOMPARE(second.launch.process.command,
             std::string("echo 'a b; rm -rf x' 'it'\\''s' '$(id)' 'a\nb' -rf '' && printf '%s\\n' "
                         "'src/a b.c' 'src/it'\\''s.c' ${HOME}"));
    QCOMPARE(second.launch.process.cwd, std::string("/work/project/work/only"));
    QCOMPARE(second.launch.process.cwdDisplay, std::string("work/only"));
    const data::ExpandedLaunch third =
        data::launchExpanded(*process, nodes[2], base, outputsOf, {&item, 12});
    QCOMPARE(third.launch.process.argv,
             (std::vector<std::string>{"src/lib/a b.tar.gz", "a b.tar.gz", "a b.tar", "12", "a.c",
                                       "b c.c", "-o", "out/x.o", "out/a b.tar-12.o"}));
    // The fourth node's values are written as JSON escapes them.
    const data::ExpandedLaunch escaped = data::launchExpanded(*process, nodes[4], base, outputsOf);
    QCOMPARE(escaped.launch.process.argv[2], std::string("\"only\""));
    QCOMPARE(escaped.launch.process.argv[4], std::string("a b; rm -rf x"));
    QCOMPARE(escaped.launch.process.cwdDisplay, std::string("dir \"only\""));
    const data::ExpandedLaunch fourth =
        data::launchExpanded(*process, nodes[5], base, outputsOf, {&item, 3}, true);
    QCOMPARE(fourth.launch.process.argv,
             (std::vector<std::string>{"cc", "-c", "src/lib/a b.tar.gz", "only", "-o",
                                       "out/a b.tar-3.o"}));
    QCOMPARE(fourth.outputs->at("all"),
             StringOrList(std::vector<std::string>{"src/a b.c", "src/it's.c"}));
    // Without an instance there is no item: the outputs fail first, as they would whole.
    QCOMPARE(data::launchExpanded(*process, nodes[5], base, outputsOf, {}, true).error,
             std::string("outputs/obj: ${item.stem}: the node has no \"foreach\", so there is no item"));
    QCOMPARE(data::launchExpanded(*process, nodes[6], base, outputsOf).error,
             std::string("params/argv/1: ${scan.objs}: scan reported no output named objs"));
    QCOMPARE(data::launchExpanded(*process, nodes[9], base, outputsOf).error,
             std::string("params/cwd: ${gone.dir}: gone reported no output named dir"));
}

void TestReferences::shellQuoteRules()
{
    QCOMPARE(data::shellQuote("plain"), std::string("plain"));
    QCOMPARE(data::shellQuote("a=b,c:d@e%f+g"), std::string("a=b,c:d@e%f+g"));
    QCOMPARE(data::shellQuote(""), std::string("''"));
    QCOMPARE(data::shellQuote("'"), std::string("''\\'''"));
    QCOMPARE(data::shellQuote("~user"), std::string("'~user'"));
    QCOMPARE(data::shellQuote(std::string("a\0b", 3)), std::string("'a\0b'", 5));
}

void TestReferences::needsExpansion()
{
    Node node;
    node.params = {{"argv", {"cc", "$HOME", "a$b"}}};
    QVERIFY(!data::needsExpansion(node));
    node.params["argv"].push_back("$${x}");
    QVERIFY(data::needsExpansion(node));
    node.params["argv"].erase(3);
    node.inputs.emplace("i", StringOrList(std::vector<std::string>{"x", "${a.b}"}));
    QVERIFY(data::needsExpansion(node));
    node.inputs.clear();
    // A fan-out without references runs its node as written, per instance.
    node.foreach = ForEach{};
    QVERIFY(!data::needsExpansion(node));

    // The compiled graph takes the answer from the validator, which saw
    // every string already: the same answer, node by node, by every path
    // that compiles (from a load, from a workflow, a selection of targets).
    const std::string text = R"({"weft": 1, "nodes": [
      {"id": "scan", "type": "process", "params": {"argv": ["ls", "$HOME", "a$b"]},
       "outputs": {"files": ["a", "b"]}},
      {"id": "argv", "type": "process", "params": {"argv": ["cc", "${scan.files}"]}},
      {"id": "nested", "type": "process",
       "params": {"command": "true", "env": {"A": "x", "B": "${scan.files}"}}},
      {"id": "escape", "type": "process", "params": {"command": "echo $${HOME}"}, "needs": ["scan"]},
      {"id": "out", "type": "noop", "outputs": {"o": ["x", "${scan.files}"]}},
      {"id": "in", "type": "noop", "inputs": {"i": "${scan.files}"}},
      {"id": "fan", "type": "noop", "foreach": "${scan.files}"},
      {"id": "item", "type": "process", "foreach": ["p", "q"],
       "params": {"argv": ["touch", "${item}"]}},
      {"id": "plain", "type": "noop", "needs": ["fan"]}
    ]})";
    LoadResult loaded = parseWorkflow(text);
    QVERIFY2(loaded.ok(), loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].message.c_str());
    const auto workflow = std::make_shared<const Workflow>(*loaded.workflow);
    Diagnostics diagnostics;
    const auto compiled = CompiledWorkflow::compile(workflow, diagnostics);
    const auto fromLoad = CompiledWorkflow::fromLoad(std::move(loaded));
    QVERIFY(compiled && fromLoad);
    const std::vector<bool> expected { false, true, true, true, true, true, false, true, false };
    QCOMPARE(workflow->nodes.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const std::string id = workflow->nodes[i].id;
        QVERIFY2(data::needsExpansion(workflow->nodes[i]) == expected[i], id.c_str());
        QVERIFY2(compiled->graph().node(NodeIndex(i)).expands == expected[i], id.c_str());
        QVERIFY2(fromLoad->graph().node(NodeIndex(i)).expands == expected[i], id.c_str());
    }
    std::vector<std::string> unknown;
    const auto selected = compiled->select({ "item", "argv" }, &unknown); // scan, argv, item
    QVERIFY(selected && unknown.empty());
    QCOMPARE(selected->workflow().nodes.size(), std::size_t(3));
    QVERIFY(!selected->graph().node(0).expands);
    QVERIFY(selected->graph().node(1).expands);
    QVERIFY(selected->graph().node(2).expands);
}

void TestReferences::foreachRoundTrip()
{
    const QByteArray original = readFile(WEFT_FIXTURES_DIR "/valid/canonical-foreach.weft");
    const LoadResult loaded = parseWorkflow(original.toStdString());
    QVERIFY2(loaded.ok(), loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].message.c_str());
    const Workflow &w = *loaded.workflow;
    QCOMPARE(w.nodes[1].foreach->kind, ForEach::Kind::Reference);
    QCOMPARE(w.nodes[1].foreach->text, std::string("${scan.files}"));
    QCOMPARE(w.nodes[3].foreach->kind, ForEach::Kind::List);
    QCOMPARE(w.nodes[3].foreach->items,
             (std::vector<std::string>{"debug", "release", "it's \"quoted\""}));
    QCOMPARE(w.nodes[4].foreach->kind, ForEach::Kind::Glob);
    QCOMPARE(w.nodes[4].foreach->text, std::string("docs/*.md"));
    QCOMPARE(QByteArray::fromStdString(serializeWorkflow(w)), original);

    // An empty list is a fan-out of nothing, and saves as such.
    Workflow empty;
    Node node;
    node.id = "n";
    node.type = "noop";
    node.foreach = ForEach{};
    empty.nodes.push_back(node);
    const std::string saved = serializeWorkflow(empty);
    QVERIFY(saved.find("\"foreach\": []") != std::string::npos);
    const LoadResult again = parseWorkflow(saved);
    QVERIFY(again.ok());
    QVERIFY(*again.workflow == empty);
}

QTEST_GUILESS_MAIN(TestReferences)
#include "tst_references.moc"
