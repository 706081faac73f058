// SPDX-License-Identifier: Apache-2.0
// The baseline of bench_cli (issue 20): the least a program can do to run a
// .weft DAG of noop nodes. It parses the file with nlohmann::json, builds a
// oneTBB flow graph of one continue_node per node with an edge per need, and
// runs it in an arena of THREADS threads. No Weft code and no Qt, so that
// weft-cli's time over this one is what Weft itself costs: validation,
// scheduling, events, sinks and output.
//
// Usage: raw_tbb_dag FILE THREADS. Prints "N nodes ran; graph run T ms" (T:
// from the roots' try_put to wait_for_all's return) and exits 0; exits 1
// when a node never ran (a cycle), 2 on bad usage or a bad file.

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <unordered_map>
#include <vector>

namespace flow = oneapi::tbb::flow;

namespace {

int run(const char *file, int threads)
{
    // One read, then one parse: what a program that cares would do, and what
    // keeps the baseline from being slowed by parsing a stream char by char.
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot open %s\n", file);
        return 2;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const nlohmann::json document = nlohmann::json::parse(text);

    const nlohmann::json &nodes = document.at("nodes");
    std::unordered_map<std::string, std::size_t> index;
    index.reserve(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (!index.emplace(nodes[i].at("id").get<std::string>(), i).second) {
            std::fprintf(stderr, "duplicate id %s\n", nodes[i].at("id").get<std::string>().c_str());
            return 2;
        }
    }

    // Each node marks its own byte: proof that it ran, without the contention
    // a shared counter would add to the baseline.
    std::vector<unsigned char> ran(nodes.size(), 0);
    oneapi::tbb::task_arena arena(threads);
    int status = 0;
    double graphRunMs = 0;
    arena.execute([&] {
        flow::graph g;
        // A deque: continue_nodes can be neither copied nor moved, and a
        // deque never moves what it holds.
        std::deque<flow::continue_node<flow::continue_msg>> graphNodes;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            graphNodes.emplace_back(g, [&ran, i](const flow::continue_msg &) {
                ran[i] = 1;
                return flow::continue_msg();
            });
        }
        std::vector<std::size_t> roots;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            const auto needs = nodes[i].find("needs");
            if (needs == nodes[i].end() || needs->empty()) {
                roots.push_back(i);
                continue;
            }
            for (const nlohmann::json &need : *needs) {
                const auto from = index.find(need.get<std::string>());
                if (from == index.end()) {
                    std::fprintf(stderr, "unknown need %s\n", need.get<std::string>().c_str());
                    status = 2;
                    return;
                }
                flow::make_edge(graphNodes[from->second], graphNodes[i]);
            }
        }
        // The graph's run alone, apart from reading and building: what a
        // second thread costs oneTBB itself on nodes that do nothing.
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i : roots)
            graphNodes[i].try_put(flow::continue_msg());
        g.wait_for_all();
        graphRunMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    });
    if (status != 0)
        return status;

    std::size_t count = 0;
    for (unsigned char r : ran)
        count += r;
    std::printf("%zu nodes ran; graph run %.2f ms\n", count, graphRunMs);
    return count == nodes.size() ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s FILE THREADS\n", argv[0]);
        return 2;
    }
    const int threads = std::atoi(argv[2]);
    if (threads < 1) {
        std::fprintf(stderr, "THREADS must be 1 or more\n");
        return 2;
    }
    try {
        return run(argv[1], threads);
    } catch (const std::exception &e) {
        // nlohmann::json's parse and type errors: the file is not a DAG of ids.
        std::fprintf(stderr, "%s: %s\n", argv[1], e.what());
        return 2;
    }
}
