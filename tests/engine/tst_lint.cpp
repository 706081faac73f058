// SPDX-License-Identifier: Apache-2.0
// The race linter and the reachability it stands on (weft/Lint.h,
// weft/Concurrency.h): each rule with a case that must be found and one that
// must not, and the bitset reachability against a plain search on random DAGs.
#include "weft/Concurrency.h"
#include "weft/Lint.h"
#include "weft/Operation.h"
#include "weft/Workflow.h"

#include <QtTest>

#include <functional>
#include <random>

using namespace weft;

namespace {

Node writeNode(std::string id, std::string path, std::vector<std::string> needs = {})
{
    Node n;
    n.id = std::move(id);
    n.type = "write";
    n.needs = std::move(needs);
    n.params = {{"path", std::move(path)}, {"text", "x"}};
    return n;
}

Node hashNode(std::string id, std::string file, std::vector<std::string> needs = {})
{
    Node n;
    n.id = std::move(id);
    n.type = "hash";
    n.needs = std::move(needs);
    n.params = {{"files", nlohmann::json::array({std::move(file)})}};
    return n;
}

std::vector<std::string> rules(const std::vector<LintFinding> &findings)
{
    std::vector<std::string> out;
    for (const LintFinding &f : findings)
        out.push_back(f.rule);
    return out;
}

} // namespace

class TestLint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void overlappingOutputs()
    {
        Workflow w;
        w.nodes = {writeNode("a", "out/x.txt"), writeNode("b", "out/../out/x.txt")};
        const auto found = lintWorkflow(w);
        QCOMPARE(found.size(), std::size_t(1));
        QCOMPARE(found[0].rule, std::string("overlapping-outputs"));
        QCOMPARE(found[0].node, std::string("b"));
        QCOMPARE(found[0].other, std::string("a"));
        QCOMPARE(found[0].subject, std::string("out/x.txt"));
        QCOMPARE(found[0].fix, std::string("add `needs: [a]` to b, or give them different outputs"));
        QCOMPARE(found[0].pointer, std::string("/nodes/1/params/path"));

        // Ordered, even through a node between them: nothing to say.
        w.nodes = {writeNode("a", "out/x.txt"), Node{}, writeNode("b", "out/x.txt", {"mid"})};
        w.nodes[1].id = "mid";
        w.nodes[1].type = "noop";
        w.nodes[1].needs = {"a"};
        QVERIFY(lintWorkflow(w).empty());
    }

    void declaredOutputsAndGlobInputs()
    {
        Workflow w;
        Node compile;
        compile.id = "compile";
        compile.type = "process";
        compile.params = {{"command", "true"}};
        compile.outputs["obj"] = StringOrList(std::string("obj/a.o"));
        Node link;
        link.id = "link";
        link.type = "process";
        link.params = {{"command", "true"}};
        link.inputs["objs"] = StringOrList(std::string("obj/*.o"));
        w.nodes = {compile, link};
        auto found = lintWorkflow(w);
        QCOMPARE(rules(found), std::vector<std::string>{"write-read-race"});
        QCOMPARE(found[0].node, std::string("link"));
        QCOMPARE(found[0].fix, std::string("add `needs: [compile]` to link"));
        QCOMPARE(found[0].pointer, std::string("/nodes/1/inputs/objs"));

        // An input that the glob does not match, and an ordered pair.
        w.nodes[1].inputs["objs"] = StringOrList(std::string("obj/*.so"));
        QVERIFY(lintWorkflow(w).empty());
        w.nodes[1].inputs["objs"] = StringOrList(std::string("obj/*.o"));
        w.nodes[1].needs = {"compile"};
        QVERIFY(lintWorkflow(w).empty());
    }

    void writeReadRace()
    {
        Workflow w;
        w.nodes = {writeNode("gen", "data.txt"), hashNode("sum", "./data.txt")};
        auto found = lintWorkflow(w);
        QCOMPARE(rules(found), std::vector<std::string>{"write-read-race"});
        QCOMPARE(found[0].node, std::string("sum"));
        QCOMPARE(found[0].other, std::string("gen"));
        QCOMPARE(found[0].subject, std::string("data.txt"));
        QVERIFY(found[0].message.find("gen") != std::string::npos);

        // A reference implies the need: ordered.
        w.nodes[1] = hashNode("sum", "${gen.path}");
        w.nodes[1].inputs["data"] = StringOrList(std::string("data.txt"));
        QVERIFY(lintWorkflow(w).empty());
        // Two readers never race.
        w.nodes = {hashNode("a", "data.txt"), hashNode("b", "data.txt")};
        QVERIFY(lintWorkflow(w).empty());
    }

    void fanOutOverwrites()
    {
        Workflow w;
        Node each = writeNode("each", "out/same.txt");
        each.foreach = ForEach{ForEach::Kind::List, {"a", "b"}, {}};
        w.nodes = {each};
        QCOMPARE(rules(lintWorkflow(w)), std::vector<std::string>{"fan-out-overwrites"});

        w.nodes[0].params["path"] = "out/${item}.txt";
        QVERIFY(lintWorkflow(w).empty());
        // A literal fan-out's paths are its items': out/a.txt races with a writer of it.
        w.nodes.push_back(writeNode("other", "out/a.txt"));
        const auto found = lintWorkflow(w);
        QCOMPARE(rules(found), std::vector<std::string>{"overlapping-outputs"});
        QCOMPARE(found[0].node, std::string("other"));
        QCOMPARE(found[0].other, std::string("each"));
        w.nodes[1] = writeNode("other", "out/c.txt");
        QVERIFY(lintWorkflow(w).empty());
    }

    void nonReentrantFanOut()
    {
        OperationRegistry registry = OperationRegistry::builtin();
        OperationType serial = *registry.find("noop");
        serial.name = "serial";
        serial.semantics.reentrant = false;
        registry.add(serial);
        Workflow w;
        Node n;
        n.id = "wide";
        n.type = "serial";
        n.foreach = ForEach{ForEach::Kind::Glob, {}, "src/*.c"};
        w.nodes = {n};
        auto found = lintWorkflow(w, &registry);
        QCOMPARE(rules(found), std::vector<std::string>{"non-reentrant-fan-out"});
        QCOMPARE(found[0].pointer, std::string("/nodes/0/foreach"));
        QCOMPARE(found[0].subject, std::string("serial"));

        w.nodes[0].type = "noop"; // reentrant
        QVERIFY(lintWorkflow(w, &registry).empty());
        w.nodes[0].type = "serial";
        w.nodes[0].foreach = ForEach{ForEach::Kind::List, {"only"}, {}}; // one item: not wide
        QVERIFY(lintWorkflow(w, &registry).empty());
    }

    void poolsAndNeverRuns()
    {
        Workflow w;
        w.settings.pools = {{"gpu", 1}};
        Node big;
        big.id = "big";
        big.type = "noop";
        big.resources = {{"gpu", 2}};
        Node after;
        after.id = "after";
        after.type = "noop";
        after.needs = {"big"};
        Node later;
        later.id = "later";
        later.type = "noop";
        later.needs = {"after"};
        Node free;
        free.id = "free";
        free.type = "noop";
        w.nodes = {big, after, later, free};
        auto found = lintWorkflow(w);
        QCOMPARE(rules(found), (std::vector<std::string>{"pool-too-small", "never-runs", "never-runs"}));
        QCOMPARE(found[0].node, std::string("big"));
        QCOMPARE(found[0].pointer, std::string("/nodes/0/resources/gpu"));
        QVERIFY(found[0].fix.find("settings.pools.gpu to 2") != std::string::npos);
        QCOMPARE(found[1].node, std::string("after"));
        QCOMPARE(found[2].node, std::string("later"));
        QCOMPARE(found[2].subject, std::string("big"));

        w.settings.pools["gpu"] = 2;
        QVERIFY(lintWorkflow(w).empty());
        w.settings.pools.clear(); // an undefined pool can never be had either
        QCOMPARE(lintWorkflow(w).front().rule, std::string("pool-too-small"));
    }

    void locatesInText()
    {
        const std::string text = "{\n  \"weft\": 1,\n  \"nodes\": [\n"
                                 "    {\"id\": \"a\", \"type\": \"noop\"},\n"
                                 "    {\"id\": \"b\", \"type\": \"noop\", \"resources\": {\"gpu\": 3}}\n"
                                 "  ]\n}\n";
        LintFinding f;
        f.pointer = "/nodes/1/resources/gpu";
        std::vector<LintFinding> findings{f};
        locateFindings(text, findings);
        QCOMPARE(findings[0].line, 5);
        QCOMPARE(findings[0].column, 47); // the key "gpu"
        const Diagnostic d = toDiagnostic(findings[0]);
        QCOMPARE(d.severity, Severity::Warning);
        QCOMPARE(d.line, 5);
    }

    void reachabilityMatchesSearch_data()
    {
        QTest::addColumn<int>("nodes");
        QTest::addColumn<int>("seed");
        QTest::newRow("small") << 40 << 1;
        QTest::newRow("more than one chunk") << 300 << 2;
        QTest::newRow("sparse") << 500 << 3;
    }

    void reachabilityMatchesSearch()
    {
        QFETCH(int, nodes);
        QFETCH(int, seed);
        std::mt19937 rng{std::uint32_t(seed)};
        Workflow w;
        for (int i = 0; i < nodes; ++i) {
            Node n;
            n.id = "n" + std::to_string(i);
            n.type = "noop";
            for (int k = 0; k < 2 && i > 0; ++k) {
                const std::string need = "n" + std::to_string(int(rng() % std::uint32_t(i)));
                if (std::find(n.needs.begin(), n.needs.end(), need) == n.needs.end())
                    n.needs.push_back(need);
            }
            w.nodes.push_back(n);
        }
        // Shuffle the file order: the topological order is not the file's.
        std::shuffle(w.nodes.begin(), w.nodes.end(), rng);
        const ConcurrencyGraph graph(w);
        QVERIFY(graph.acyclic());
        std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
        for (int k = 0; k < 4000; ++k)
            pairs.emplace_back(rng() % std::uint32_t(nodes), rng() % std::uint32_t(nodes));
        const std::vector<char> ordered = graph.ordered(pairs);
        for (std::size_t k = 0; k < pairs.size(); ++k) {
            const auto [a, b] = pairs[k];
            const bool expected = a == b || !graph.pathBetween(a, b).empty()
                                  || !graph.pathBetween(b, a).empty();
            QCOMPARE(bool(ordered[k]), expected);
        }
        // mayRunBeside agrees with the pair queries.
        for (std::uint32_t a = 0; a < 5; ++a) {
            const std::vector<char> beside = graph.mayRunBeside(a);
            for (std::uint32_t b = 0; b < std::uint32_t(nodes); ++b) {
                const bool order = a == b || !graph.pathBetween(a, b).empty()
                                   || !graph.pathBetween(b, a).empty();
                QCOMPARE(bool(beside[b]), !order);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestLint)
#include "tst_lint.moc"
