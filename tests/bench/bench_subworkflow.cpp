// SPDX-License-Identifier: Apache-2.0
// Subworkflow benchmark (issue 19). Prints figures; asserts nothing about
// time. A workflow that includes one 1,000-node file 100 times (100,000
// inner nodes, each inclusion with its own parameter) against the same
// 100,000 nodes written flat in one file: load (parse and validate), expand
// and validate the whole, against load of the flat file. Goal: <= 2x.
// Measured twice: 100 workflow nodes, and one workflow node that fans out
// over 100 items (the form the issue names).
// Rounds alternate; the best of each is compared.

#include "weft/Subworkflow.h"
#include "weft/Validator.h"
#include "weft/WorkflowFile.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

using namespace weft;
using Json = nlohmann::json;

namespace {

constexpr int kInner = 1000;
constexpr int kIncludes = 100;
constexpr int kRounds = 5;

// Node i of one inclusion: a chain, every tenth a write that uses the parameter.
Json innerNode(int i, const std::string &prefix, const std::string &word)
{
    Json n = {{"id", prefix + "n" + std::to_string(i)}};
    if (i > 0)
        n["needs"] = {prefix + "n" + std::to_string(i - 1)};
    if (i % 10 == 0) {
        n["type"] = "write";
        n["params"] = {{"path", "out/" + word + "/" + std::to_string(i) + ".txt"},
                       {"text", word + " number " + std::to_string(i)}};
    } else {
        n["type"] = "noop";
    }
    return n;
}

void write(const std::string &path, const Json &j)
{
    std::ofstream(path) << j.dump(1);
}

double seconds(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

} // namespace

class BenchSubworkflow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void includedAgainstFlat()
    {
        QTemporaryDir dir;
        const std::string base = dir.path().toStdString();
        Json inner = {{"weft", 1}, {"nodes", Json::array()}};
        for (int i = 0; i < kInner; ++i)
            inner["nodes"].push_back(innerNode(i, "", "${params.word}"));
        write(base + "/inner.weft", inner);
        Json outer = {{"weft", 1}, {"nodes", Json::array()}};
        Json flat = {{"weft", 1}, {"nodes", Json::array()}};
        for (int k = 0; k < kIncludes; ++k) {
            const std::string id = "s" + std::to_string(k);
            const std::string word = "w" + std::to_string(k);
            outer["nodes"].push_back({{"id", id}, {"type", "workflow"},
                                      {"params", {{"file", "inner.weft"}, {"params", {{"word", word}}}}}});
            for (int i = 0; i < kInner; ++i)
                flat["nodes"].push_back(innerNode(i, id + ".", word));
            flat["nodes"].push_back({{"id", id}, {"type", "noop"},
                                     {"needs", {id + ".n" + std::to_string(kInner - 1)}}});
        }
        write(base + "/outer.weft", outer);
        write(base + "/flat.weft", flat);
        Json items = Json::array();
        for (int k = 0; k < kIncludes; ++k)
            items.push_back("w" + std::to_string(k));
        Json fanOut = {{"weft", 1},
                       {"nodes", {{{"id", "s"}, {"type", "workflow"}, {"foreach", items},
                                   {"params", {{"file", "inner.weft"},
                                               {"params", {{"word", "${item}"}}}}}}}}};
        write(base + "/fanout.weft", fanOut);

        std::vector<double> included, fannedOut, flatTimes;
        std::size_t expandedNodes = 0;
        std::size_t fannedOutNodes = 0;
        for (int round = 0; round < kRounds; ++round) {
            auto t0 = std::chrono::steady_clock::now();
            LoadResult loaded = loadWorkflowFile(base + "/outer.weft");
            QVERIFY(loaded.ok());
            std::vector<FileDiagnostic> problems;
            QVERIFY(expandSubworkflows(*loaded.workflow, base + "/outer.weft", problems));
            const Diagnostics found = validateWorkflow(*loaded.workflow);
            QVERIFY(!hasErrors(found));
            included.push_back(seconds(t0));
            expandedNodes = loaded.workflow->nodes.size();

            t0 = std::chrono::steady_clock::now();
            LoadResult each = loadWorkflowFile(base + "/fanout.weft");
            QVERIFY(each.ok());
            problems.clear();
            QVERIFY(expandSubworkflows(*each.workflow, base + "/fanout.weft", problems));
            QVERIFY(!hasErrors(validateWorkflow(*each.workflow)));
            fannedOut.push_back(seconds(t0));
            fannedOutNodes = each.workflow->nodes.size();

            t0 = std::chrono::steady_clock::now();
            LoadResult plain = loadWorkflowFile(base + "/flat.weft");
            QVERIFY(plain.ok());
            flatTimes.push_back(seconds(t0));
        }
        QCOMPARE(expandedNodes, std::size_t(kIncludes * (kInner + 1)));
        const double a = *std::min_element(included.begin(), included.end());
        const double b = *std::min_element(flatTimes.begin(), flatTimes.end());
        std::printf("%d inclusions of a %d-node file (%zu nodes expanded), best of %d: "
                    "load + expand + validate %.0f ms; the same nodes flat, load %.0f ms; "
                    "ratio %.2fx (goal <= 2x)\n",
                    kIncludes, kInner, expandedNodes, kRounds, a * 1e3, b * 1e3, a / b);
        QCOMPARE(fannedOutNodes, std::size_t(kIncludes * (kInner + 1) + 1));
        const double c = *std::min_element(fannedOut.begin(), fannedOut.end());
        std::printf("one workflow node fanning out over %d items of a %d-node file (%zu nodes "
                    "expanded), best of %d: load + expand + validate %.0f ms; the same nodes flat, "
                    "load %.0f ms; ratio %.2fx (goal <= 2x)\n",
                    kIncludes, kInner, fannedOutNodes, kRounds, c * 1e3, b * 1e3, c / b);
        std::fflush(stdout);
    }
};

QTEST_GUILESS_MAIN(BenchSubworkflow)
#include "bench_subworkflow.moc"
