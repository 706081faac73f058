// SPDX-License-Identifier: Apache-2.0
#include "LayeredLayout.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string_view>
#include <unordered_map>

namespace weft::ui {

namespace {

struct Graph
{
    // Adjacency in CSR form over real + dummy nodes; every edge spans one layer.
    std::vector<std::vector<std::size_t>> succ;
    std::vector<std::vector<std::size_t>> pred;
    std::vector<int> layer;
};

std::vector<int> longestPathLayers(std::size_t n,
                                   const std::vector<std::pair<std::size_t, std::size_t>> &edges,
                                   std::vector<std::pair<std::size_t, std::size_t>> &kept)
{
    std::vector<std::vector<std::size_t>> succ(n);
    std::vector<int> indegree(n, 0);
    for (const auto &[from, to] : edges) {
        if (from >= n || to >= n || from == to)
            continue;
        succ[from].push_back(to);
        ++indegree[to];
    }
    std::vector<int> layer(n, 0);
    std::vector<char> done(n, 0);
    std::vector<std::size_t> queue;
    queue.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (indegree[i] == 0)
            queue.push_back(i);
    }
    std::size_t head = 0;
    std::size_t next = 0; // scan position for breaking cycles
    while (true) {
        while (head < queue.size()) {
            const std::size_t v = queue[head++];
            done[v] = 1;
            for (const std::size_t w : succ[v]) {
                layer[w] = std::max(layer[w], layer[v] + 1);
                if (--indegree[w] == 0)
                    queue.push_back(w);
            }
        }
        // What is left sits on cycles: release the first such node and go on,
        // which drops the edges into it that are still unvisited.
        while (next < n && (done[next] || indegree[next] == 0))
            ++next;
        if (next >= n)
            break;
        indegree[next] = 0;
        queue.push_back(next);
    }
    kept.clear();
    for (const auto &[from, to] : edges) {
        if (from < n && to < n && from != to && layer[to] > layer[from])
            kept.emplace_back(from, to);
    }
    return layer;
}

} // namespace

LayoutResult layeredLayout(std::size_t n,
                           const std::vector<std::pair<std::size_t, std::size_t>> &edges,
                           const LayoutOptions &options)
{
    LayoutResult result;
    if (n == 0)
        return result;
    std::vector<std::pair<std::size_t, std::size_t>> forward;
    const std::vector<int> realLayers = longestPathLayers(n, edges, forward);

    // Split long edges with dummies so every edge spans exactly one layer.
    Graph g;
    g.layer = realLayers;
    g.succ.resize(n);
    g.pred.resize(n);
    auto addNode = [&g](int layer) {
        g.layer.push_back(layer);
        g.succ.emplace_back();
        g.pred.emplace_back();
        return g.layer.size() - 1;
    };
    for (const auto &[from, to] : forward) {
        std::size_t prev = from;
        for (int l = g.layer[from] + 1; l < g.layer[to]; ++l) {
            const std::size_t dummy = addNode(l);
            g.succ[prev].push_back(dummy);
            g.pred[dummy].push_back(prev);
            prev = dummy;
        }
        g.succ[prev].push_back(to);
        g.pred[to].push_back(prev);
    }
    const std::size_t total = g.layer.size();
    result.dummyCount = total - n;

    const int layerCount = *std::max_element(g.layer.begin(), g.layer.end()) + 1;
    std::vector<std::vector<std::size_t>> layers(static_cast<std::size_t>(layerCount));
    for (std::size_t v = 0; v < total; ++v)
        layers[std::size_t(g.layer[v])].push_back(v); // input order: stable first guess

    std::vector<double> order(total, 0); // position of a node within its layer
    auto renumber = [&](const std::vector<std::size_t> &layer) {
        for (std::size_t i = 0; i < layer.size(); ++i)
            order[layer[i]] = double(i);
    };
    for (const auto &layer : layers)
        renumber(layer);

    std::vector<double> key(total, 0);
    auto sweep = [&](std::size_t l, bool usePred) {
        auto &layer = layers[l];
        for (const std::size_t v : layer) {
            const auto &adj = usePred ? g.pred[v] : g.succ[v];
            if (adj.empty()) {
                key[v] = order[v]; // keeps its place
                continue;
            }
            double sum = 0;
            for (const std::size_t w : adj)
                sum += order[w];
            key[v] = sum / double(adj.size());
        }
        std::stable_sort(layer.begin(), layer.end(),
                         [&key](std::size_t a, std::size_t b) { return key[a] < key[b]; });
        renumber(layer);
    };
    for (int s = 0; s < options.sweeps; ++s) {
        for (std::size_t l = 1; l < layers.size(); ++l)
            sweep(l, true);
        for (std::size_t l = layers.size() - 1; l-- > 0;)
            sweep(l, false);
    }

    // y coordinates: start packed, then pull each layer towards its
    // neighbours' mean and resolve overlaps with one sweep each way.
    std::vector<double> y(total, 0);
    for (const auto &layer : layers) {
        const double offset = -double(layer.size() - 1) * options.nodeSpacing / 2;
        for (std::size_t i = 0; i < layer.size(); ++i)
            y[layer[i]] = offset + double(i) * options.nodeSpacing;
    }
    std::vector<double> desired;
    auto place = [&](const std::vector<std::size_t> &layer, bool usePred) {
        desired.assign(layer.size(), 0);
        for (std::size_t i = 0; i < layer.size(); ++i) {
            const std::size_t v = layer[i];
            const auto &adj = usePred ? g.pred[v] : g.succ[v];
            if (adj.empty()) {
                desired[i] = y[v];
                continue;
            }
            double sum = 0;
            for (const std::size_t w : adj)
                sum += y[w];
            desired[i] = sum / double(adj.size());
        }
        // Forward pass keeps order and spacing, backward pass balances the push.
        std::vector<double> down(layer.size()), up(layer.size());
        for (std::size_t i = 0; i < layer.size(); ++i)
            down[i] = i == 0 ? desired[i] : std::max(desired[i], down[i - 1] + options.nodeSpacing);
        for (std::size_t i = layer.size(); i-- > 0;) {
            up[i] = i + 1 == layer.size() ? desired[i]
                                          : std::min(desired[i], up[i + 1] - options.nodeSpacing);
        }
        double prev = -1e300;
        for (std::size_t i = 0; i < layer.size(); ++i) {
            double v = (down[i] + up[i]) / 2;
            v = std::max(v, prev + options.nodeSpacing);
            y[layer[i]] = v;
            prev = v;
        }
    };
    for (int p = 0; p < options.coordinatePasses; ++p) {
        for (std::size_t l = 1; l < layers.size(); ++l)
            place(layers[l], true);
        for (std::size_t l = layers.size() - 1; l-- > 0;)
            place(layers[l], false);
    }

    // Dummies take no room: long edges pass between the layers' nodes.
    std::vector<double> layerWidth(layers.size(), 0);
    for (std::size_t v = 0; v < n; ++v) {
        const double width = v < options.nodeWidths.size() ? options.nodeWidths[v]
                                                            : options.nodeWidth;
        double &widest = layerWidth[std::size_t(g.layer[v])];
        widest = std::max(widest, width);
    }
    std::vector<double> layerX(layers.size(), 0);
    for (std::size_t l = 1; l < layers.size(); ++l)
        layerX[l] = layerX[l - 1] + layerWidth[l - 1] + options.layerGap;

    result.positions.resize(n);
    result.layers.assign(realLayers.begin(), realLayers.end());
    double minY = 0;
    for (std::size_t v = 0; v < n; ++v)
        minY = std::min(minY, y[v]);
    for (std::size_t v = 0; v < n; ++v) {
        result.positions[v] = Position{layerX[std::size_t(g.layer[v])],
                                       std::round((y[v] - minY) / 4) * 4};
    }
    return result;
}

LayoutResult layeredLayout(const Workflow &workflow, const LayoutOptions &options)
{
    std::unordered_map<std::string_view, std::size_t> index;
    index.reserve(workflow.nodes.size());
    for (std::size_t i = 0; i < workflow.nodes.size(); ++i)
        index.emplace(workflow.nodes[i].id, i);
    std::vector<std::pair<std::size_t, std::size_t>> edges;
    for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
        for (const std::string &need : workflow.nodes[i].needs) {
            const auto it = index.find(need);
            if (it != index.end())
                edges.emplace_back(it->second, i);
        }
    }
    return layeredLayout(workflow.nodes.size(), edges, options);
}

} // namespace weft::ui
