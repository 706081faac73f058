// SPDX-License-Identifier: Apache-2.0
// The race linter (weft/Lint.h). Every node's file accesses are gathered as
// normalized path patterns (a reference becomes `*`); accesses to one exact
// path are grouped by a hash map, and only glob patterns are matched against
// the others with fnmatch, so a 100,000-node design costs one pass plus the
// pairs that really share a path. Whether a pair may overlap is then asked of
// ConcurrencyGraph in one batch (bitset reachability), never pair by pair.
#include "weft/Lint.h"

#include "weft/Concurrency.h"
#include "weft/Operation.h"
#include "weft/References.h"
#include "weft/Workflow.h"

#include "format/JsonDocument.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fnmatch.h>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace weft {

namespace {

struct Access
{
    std::uint32_t node = 0;
    bool write = false;
    bool glob = false;
    bool perItem = false; // depends on ${item}/${index}: differs between a fan-out's instances
    std::string_view path; // into the workflow, or into Linter::m_owned when rewritten
    // Where in the file, built only for a finding: /nodes/NODE/KEY/NAME[/INDEX].
    const char *key = nullptr;      // "inputs", "outputs", "params"
    const std::string *name = nullptr;
    int index = -1;                 // in a list; -1: the value itself
};

// What ${item}, ${item.name}, ${item.stem} and ${index} stand for in one
// instance of a fan-out over a literal list; null: unknown (a glob or a list
// known only at run time), and they become `*`.
struct Item
{
    std::string item;
    std::size_t index = 0;
};

std::string itemPart(const Reference &ref, const Item *item)
{
    if (!item)
        return "*";
    const std::filesystem::path p(item->item);
    switch (ref.kind) {
    case Reference::Kind::Item:
        return item->item;
    case Reference::Kind::ItemName:
        return p.filename().string();
    case Reference::Kind::ItemStem:
        return p.stem().string();
    case Reference::Kind::Index:
        return std::to_string(item->index);
    default:
        return "*";
    }
}

// A path or glob as written, references turned into `*` (or, for one
// instance of a literal fan-out, into its item), normalized. False when
// nothing useful is left (a bare reference says nothing about the path).
bool isPlain(std::string_view p)
{
    return !p.empty() && p[0] != '.' && p.find("/.") == std::string_view::npos
           && p.find("//") == std::string_view::npos && p.back() != '/';
}

bool pattern(const std::string &text, const Item *item, Access &access,
             std::deque<std::string> &owned)
{
    // The common case, a plain path as written, is used where it lies.
    if (text.find('$') == std::string::npos && isPlain(text)
        && text.find_first_of("*?[") == std::string::npos) {
        access.path = text;
        return true;
    }
    const ParsedString parsed = parseReferences(text);
    std::string out;
    std::size_t from = 0;
    for (const Reference &ref : parsed.references) {
        out += unescapeReferences(std::string_view(text).substr(from, ref.offset - from));
        const bool perItem = ref.kind != Reference::Kind::Output && ref.kind != Reference::Kind::Self;
        const std::string part = perItem ? itemPart(ref, item) : std::string("*");
        if (part == "*")
            access.glob = true;
        out += part;
        if (perItem)
            access.perItem = true;
        from = ref.offset + ref.length;
    }
    out += unescapeReferences(std::string_view(text).substr(std::min(from, text.size())));
    if (out.find_first_of("*?[") != std::string::npos)
        access.glob = true;
    // Most paths are normal already ("out/a.o"); only the others pay for a path object.
    std::string normal = isPlain(out) ? std::move(out)
                               : std::filesystem::path(out).lexically_normal().generic_string();
    while (normal.starts_with("./"))
        normal.erase(0, 2);
    if (normal.empty() || normal == "." || normal.find_first_not_of("*/") == std::string::npos)
        return false;
    access.path = owned.emplace_back(std::move(normal));
    return true;
}

std::string nodePointer(std::size_t i)
{
    return "/nodes/" + std::to_string(i);
}


class Linter
{
public:
    Linter(const Workflow &workflow, const OperationRegistry &registry)
        : m_workflow(workflow), m_registry(registry), m_graph(workflow)
    {}

    std::vector<LintFinding> run()
    {
        m_accesses.reserve(m_workflow.nodes.size() * 2);
        for (std::size_t i = 0; i < m_workflow.nodes.size(); ++i)
            gather(std::uint32_t(i));
        races();
        fanOuts();
        pools();
        std::stable_sort(m_findings.begin(), m_findings.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        std::vector<LintFinding> out;
        out.reserve(m_findings.size());
        for (auto &entry : m_findings)
            out.push_back(std::move(entry.second));
        return out;
    }

private:
    const std::string &id(std::uint32_t i) const { return m_workflow.nodes[i].id; }

    struct Where
    {
        const char *key;
        const std::string *name;
        int index;
    };

    static std::string pointerOf(const Access &a)
    {
        std::string p = nodePointer(a.node) + "/" + a.key + "/" + json::pointerToken(*a.name);
        if (a.index >= 0)
            p += "/" + std::to_string(a.index);
        return p;
    }

    void add(std::uint32_t node, bool write, const std::string &text, Where pointer)
    {
        const Node &n = m_workflow.nodes[node];
        const bool literalFanOut = n.foreach && n.foreach->kind == ForEach::Kind::List
                                   && text.find("${") != std::string::npos;
        if (!literalFanOut) {
            push(node, write, text, nullptr, pointer);
            return;
        }
        // One access per instance: `out/${item}.o` over [a, b] is out/a.o and out/b.o.
        for (std::size_t k = 0; k < n.foreach->items.size(); ++k) {
            const Item item{n.foreach->items[k], k};
            push(node, write, text, &item, pointer);
        }
    }

    void push(std::uint32_t node, bool write, const std::string &text, const Item *item,
              Where pointer)
    {
        Access access;
        access.node = node;
        access.write = write;
        if (!pattern(text, item, access, m_owned))
            return;
        access.key = pointer.key;
        access.name = pointer.name;
        access.index = pointer.index;
        m_accesses.push_back(std::move(access));
    }

    void addValues(std::uint32_t node, bool write, const NamedValues &values, const char *key)
    {
        for (const auto &[name, value] : values) {
            for (std::size_t k = 0; k < value.items.size(); ++k)
                add(node, write, value.items[k], {key, &name, value.list ? int(k) : -1});
        }
    }

    void addParam(std::uint32_t node, bool write, const std::string &name)
    {
        const nlohmann::json &params = m_workflow.nodes[node].params;
        const auto it = params.find(name);
        if (it == params.end())
            return;
        if (it->is_string()) {
            add(node, write, it->get_ref<const std::string &>(), {"params", &name, -1});
        } else if (it->is_array()) {
            for (std::size_t k = 0; k < it->size(); ++k) {
                if ((*it)[k].is_string())
                    add(node, write, (*it)[k].get_ref<const std::string &>(), {"params", &name, int(k)});
            }
        }
    }

    // What a node reads and writes: its declared inputs and outputs, and the
    // paths its operation's parameters name, in the direction its semantics
    // declare ("files (read)", "files (write)").
    void gather(std::uint32_t i)
    {
        const Node &node = m_workflow.nodes[i];
        addValues(i, false, node.inputs, "inputs");
        addValues(i, true, node.outputs, "outputs");
        // Names that outlive the accesses pointing at them (Access::name).
        static const std::string kPath = "path", kFrom = "from", kTo = "to", kFiles = "files";
        if (node.type == "write") {
            addParam(i, true, kPath);
        } else if (node.type == "copy") {
            addParam(i, false, kFrom);
            addParam(i, true, kTo);
        } else if (node.type == "hash") {
            addParam(i, false, kFiles);
        } else if (const OperationType *type = m_registry.find(node.type)) {
            const auto &touches = type->semantics.touches;
            const bool reads = std::find(touches.begin(), touches.end(), "files (read)") != touches.end();
            const bool writes = std::find(touches.begin(), touches.end(), "files (write)") != touches.end();
            if (reads == writes)
                return; // neither, or both: which parameter does what is not declared
            for (const ParamDecl &param : type->params) {
                if (param.kind == ParamKind::Path || param.kind == ParamKind::PathList)
                    addParam(i, writes, param.name);
            }
        }
    }

    static bool overlap(const Access &a, const Access &b)
    {
        if (!a.glob && !b.glob)
            return a.path == b.path;
        const std::string x(a.path);
        const std::string y(b.path);
        return (a.glob && fnmatch(x.c_str(), y.c_str(), 0) == 0)
               || (b.glob && fnmatch(y.c_str(), x.c_str(), 0) == 0);
    }

    void races()
    {
        // Candidate pairs of accesses to one path by two nodes, one of them writing.
        std::vector<std::pair<std::size_t, std::size_t>> candidates;
        std::unordered_set<std::uint64_t> seenNodes;
        auto consider = [&](std::size_t a, std::size_t b) {
            const Access &x = m_accesses[a];
            const Access &y = m_accesses[b];
            if (x.node == y.node || (!x.write && !y.write))
                return;
            const auto key = std::minmax(x.node, y.node);
            if (!seenNodes.insert(std::uint64_t(key.first) << 32 | key.second).second)
                return; // one finding per pair of nodes
            candidates.emplace_back(a, b);
        };
        std::unordered_map<std::string_view, std::vector<std::size_t>> exact;
        exact.reserve(m_accesses.size());
        std::vector<std::size_t> globs;
        for (std::size_t k = 0; k < m_accesses.size(); ++k) {
            if (m_accesses[k].glob)
                globs.push_back(k);
            else
                exact[m_accesses[k].path].push_back(k);
        }
        constexpr std::size_t kPairsPerPath = 4096; // enough to name every writer
        for (const auto &[path, list] : exact) {
            std::size_t pairs = 0;
            for (std::size_t x = 0; x < list.size() && pairs < kPairsPerPath; ++x) {
                if (!m_accesses[list[x]].write)
                    continue;
                for (std::size_t y = 0; y < list.size() && pairs < kPairsPerPath; ++y) {
                    if (y == x || (m_accesses[list[y]].write && y < x))
                        continue;
                    consider(list[x], list[y]);
                    ++pairs;
                }
            }
        }
        for (std::size_t g = 0; g < globs.size(); ++g) {
            const Access &a = m_accesses[globs[g]];
            for (const auto &[path, list] : exact) {
                if (!overlap(a, m_accesses[list.front()]))
                    continue;
                for (std::size_t k : list)
                    consider(globs[g], k);
            }
            for (std::size_t h = g + 1; h < globs.size(); ++h) {
                if (overlap(a, m_accesses[globs[h]]))
                    consider(globs[g], globs[h]);
            }
        }
        std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
        pairs.reserve(candidates.size());
        for (const auto &[a, b] : candidates)
            pairs.emplace_back(m_accesses[a].node, m_accesses[b].node);
        const std::vector<char> ordered = m_graph.ordered(pairs);
        for (std::size_t k = 0; k < candidates.size(); ++k) {
            if (!ordered[k])
                race(m_accesses[candidates[k].first], m_accesses[candidates[k].second]);
        }
    }

    void race(const Access &a, const Access &b)
    {
        LintFinding f;
        if (a.write && b.write) {
            // The fix goes on the later node in the file: it runs after the earlier.
            const Access &first = a.node < b.node ? a : b;
            const Access &second = a.node < b.node ? b : a;
            f.rule = "overlapping-outputs";
            f.node = id(second.node);
            f.other = id(first.node);
            f.subject = std::string(!second.glob ? second.path : first.path);
            f.message = "'" + f.node + "' and '" + f.other + "' may run at the same time and both write "
                        + f.subject;
            f.fix = "add `needs: [" + f.other + "]` to " + f.node + ", or give them different outputs";
            f.pointer = pointerOf(second);
            m_findings.emplace_back(second.node, std::move(f));
            return;
        }
        const Access &writer = a.write ? a : b;
        const Access &reader = a.write ? b : a;
        f.rule = "write-read-race";
        f.node = id(reader.node);
        f.other = id(writer.node);
        f.subject = std::string(reader.glob ? writer.path : reader.path);
        f.message = "'" + f.node + "' reads " + f.subject + ", which '" + f.other
                    + "' writes, and nothing orders them: it may read it before or while it is written";
        f.fix = "add `needs: [" + f.other + "]` to " + f.node;
        f.pointer = pointerOf(reader);
        m_findings.emplace_back(reader.node, std::move(f));
    }

    static std::string itemCount(const ForEach &foreach)
    {
        switch (foreach.kind) {
        case ForEach::Kind::List:
            return std::to_string(foreach.items.size()) + " items";
        case ForEach::Kind::Glob:
            return "the files matching " + foreach.text;
        case ForEach::Kind::Reference:
            return "the list " + foreach.text;
        }
        return {};
    }

    void fanOuts()
    {
        for (std::size_t i = 0; i < m_workflow.nodes.size(); ++i) {
            const Node &node = m_workflow.nodes[i];
            if (!node.foreach)
                continue;
            const ForEach &each = *node.foreach;
            const bool wide = each.kind != ForEach::Kind::List || each.items.size() > 1;
            if (!wide)
                continue;
            const OperationType *type = m_registry.find(node.type);
            if (type && !type->semantics.reentrant) {
                LintFinding f;
                f.rule = "non-reentrant-fan-out";
                f.node = node.id;
                f.subject = node.type;
                f.message = "'" + node.id + "' fans out over " + itemCount(each) + ", but operation '"
                            + node.type + "' is not reentrant: its instances run one at a time";
                f.fix = "use a reentrant operation for " + node.id
                        + ", or handle all items in one node without foreach";
                f.pointer = nodePointer(i) + "/foreach";
                m_findings.emplace_back(std::uint32_t(i), std::move(f));
            }
        }
        // Instances of one fan-out may overlap: a path written without the
        // item in it is written by all of them.
        std::set<std::uint32_t> reported;
        for (const Access &a : m_accesses) {
            const Node &node = m_workflow.nodes[a.node];
            if (!a.write || a.perItem || !node.foreach || reported.contains(a.node))
                continue;
            const ForEach &each = *node.foreach;
            if (each.kind == ForEach::Kind::List && each.items.size() < 2)
                continue;
            reported.insert(a.node);
            LintFinding f;
            f.rule = "fan-out-overwrites";
            f.node = node.id;
            f.subject = std::string(a.path);
            f.message = "the instances of '" + node.id + "' may run at the same time and all write "
                        + f.subject;
            f.fix = "put ${item.stem} or ${index} in the path " + f.subject;
            f.pointer = pointerOf(a);
            m_findings.emplace_back(a.node, std::move(f));
        }
    }

    void pools()
    {
        const std::size_t n = m_workflow.nodes.size();
        std::vector<std::uint32_t> blockedBy(n, UINT32_MAX); // the node that can never start
        std::vector<std::uint32_t> stuck;
        for (std::size_t i = 0; i < n; ++i) {
            const Node &node = m_workflow.nodes[i];
            for (const auto &[pool, amount] : node.resources) {
                const auto it = m_workflow.settings.pools.find(pool);
                if (it != m_workflow.settings.pools.end() && amount <= it->second)
                    continue;
                LintFinding f;
                f.rule = "pool-too-small";
                f.node = node.id;
                f.subject = pool;
                if (it == m_workflow.settings.pools.end()) {
                    f.message = "'" + node.id + "' asks for pool " + pool
                                + ", which the settings do not define: it can never start";
                    f.fix = "add \"" + pool + "\": " + std::to_string(amount) + " to settings.pools";
                } else {
                    f.message = "'" + node.id + "' asks for " + std::to_string(amount) + " of pool " + pool
                                + ", which holds only " + std::to_string(it->second)
                                + ": it can never start";
                    f.fix = "raise settings.pools." + pool + " to " + std::to_string(amount)
                            + ", or lower the request of " + node.id;
                }
                f.pointer = nodePointer(i) + "/resources/" + json::pointerToken(pool);
                m_findings.emplace_back(std::uint32_t(i), std::move(f));
                if (blockedBy[i] == UINT32_MAX) {
                    blockedBy[i] = std::uint32_t(i);
                    stuck.push_back(std::uint32_t(i));
                }
            }
        }
        // Everything after a node that can never start can never run either.
        for (std::size_t k = 0; k < stuck.size(); ++k) {
            const std::uint32_t v = stuck[k];
            for (std::uint32_t s : m_graph.successors(v)) {
                if (blockedBy[s] != UINT32_MAX)
                    continue;
                blockedBy[s] = blockedBy[v];
                stuck.push_back(s);
                const Node &node = m_workflow.nodes[s];
                LintFinding f;
                f.rule = "never-runs";
                f.node = node.id;
                f.other = id(v);
                f.subject = id(blockedBy[v]);
                f.message = "'" + node.id + "' can never run: it needs '" + id(v) + "'"
                            + (v == blockedBy[v] ? std::string() : ", which needs '" + f.subject + "'")
                            + ", and '" + f.subject + "' can never start";
                f.fix = "fix the pool request of " + f.subject;
                f.pointer = nodePointer(s) + (node.needs.empty() ? "" : "/needs");
                m_findings.emplace_back(s, std::move(f));
            }
        }
    }

    const Workflow &m_workflow;
    const OperationRegistry &m_registry;
    ConcurrencyGraph m_graph;
    std::vector<Access> m_accesses;
    std::deque<std::string> m_owned; // rewritten paths; a deque never moves them
    std::vector<std::pair<std::uint32_t, LintFinding>> m_findings; // node index -> finding
};

} // namespace

std::vector<LintFinding> lintWorkflow(const Workflow &workflow, const OperationRegistry *registry)
{
    return Linter(workflow, registry ? *registry : OperationRegistry::builtin()).run();
}

void locateFindings(std::string_view text, std::vector<LintFinding> &findings)
{
    json::Document doc;
    if (!doc.parse(text) || doc.empty())
        return;
    for (LintFinding &f : findings) {
        std::uint32_t at = doc.resolve(f.pointer);
        if (at > 0 && doc.at(at - 1).has(json::Key))
            --at;
        const json::TextPosition where = doc.positionOf(at);
        f.line = where.line;
        f.column = where.column;
    }
}

Diagnostic toDiagnostic(const LintFinding &finding)
{
    Diagnostic d;
    d.severity = Severity::Warning;
    d.message = finding.message + "; " + finding.fix + " [" + finding.rule + "]";
    d.path = finding.pointer;
    d.line = finding.line;
    d.column = finding.column;
    d.nodeId = finding.node;
    return d;
}

} // namespace weft
