// SPDX-License-Identifier: Apache-2.0
// References and fan-out in the file format (DESIGN.md, "Outputs and
// references" and "Fan-out"): parsing every form, each validation error at
// the exact line:col of its `$`, the needs a reference implies, expansion as
// a program receives it (argv splicing, shell quoting), and `foreach` saved
// byte for byte. Running real processes with expanded arguments is tested
// with the scheduler.

// Qt's `foreach` macro would swallow Node::foreach.
#define QT_NO_FOREACH

#include "weft/CompiledWorkflow.h"
#include "weft/Operation.h"
#include "weft/References.h"
#include "weft/Validator.h"
#include "weft/WorkflowFile.h"

#include "data/Expansion.h"
#include "scheduler/RunGraph.h"

#include <QFile>
#include <QProcess>
#include <QtTest>

#include <map>
#include <string>

using namespace weft;

namespace {

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
    void expandArgvSplicesLists();
    void expandCommandQuotes_data();
    void expandCommandQuotes();
    void expandItemAndIndex();
    void expandOutputsAndSelf();
    void expandErrors();
    void shellQuoteRules();
    void needsExpansion();
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
    node.foreach = ForEach{};
    QVERIFY(data::needsExpansion(node));
}

QTEST_GUILESS_MAIN(TestReferences)
#include "tst_references.moc"
