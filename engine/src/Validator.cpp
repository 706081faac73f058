// SPDX-License-Identifier: Apache-2.0
// Semantic checks of an in-memory workflow. The editor runs these on every
// edit, so everything here is linear in the size of the workflow (hash maps,
// one flat adjacency array) and iterative: a chain of a million nodes must
// neither take long nor overflow the stack.

#include "weft/Validator.h"

#include "NameIndex.h"
#include "ValidatedNeeds.h"

#include "weft/Operation.h"
#include "weft/References.h"
#include "weft/Workflow.h"

#include "format/JsonDocument.h"
#include "format/Suggest.h"
#include "isolation/Isolation.h"

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <functional>

namespace weft {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// Suggestions for unknown needs scan every id; past this many unknown needs
// the rest get no suggestion, which keeps a badly broken file linear.
constexpr int kMaxIdSuggestions = 64;

// The need index recorded for a need implied by a ${NODE.NAME} reference:
// it has no place in Node::needs, and a cycle it closes is reported at the
// reference instead.
constexpr std::uint32_t kImpliedNeed = kNone;

// A long cycle is shown by its ends; the full list is findCycle()'s job.
constexpr std::size_t kMaxCycleShown = 24;

std::string formatNumber(double value)
{
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

std::string_view describeJson(const nlohmann::json &value)
{
    switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "a number";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return "a value";
    }
}

std::string_view expectedFor(ParamKind kind)
{
    switch (kind) {
    case ParamKind::String: return "a string";
    case ParamKind::Command: return "a string (a command line)";
    case ParamKind::Number: return "a number";
    case ParamKind::Integer: return "an integer";
    case ParamKind::Boolean: return "true or false";
    case ParamKind::StringList: return "a list of strings";
    case ParamKind::StringMap: return "an object of strings";
    case ParamKind::Path: return "a string (a path)";
    case ParamKind::PathList: return "a list of paths";
    }
    return "a value";
}

std::string nodePath(std::size_t index)
{
    return "/nodes/" + std::to_string(index);
}

// Node ids -> index (NameIndex.h). Validation is bound by memory latency,
// not arithmetic: a node-based std::unordered_map costs an allocation per id
// and a pointer chase per probe, and the editor runs this on every edit of
// workflows with 100,000 nodes.
class IdTable
{
    auto idOf() const
    {
        return [this](std::uint32_t i) -> std::string_view { return m_workflow.nodes[i].id; };
    }

public:
    explicit IdTable(const Workflow &workflow)
        : m_workflow(workflow)
    {
        const std::size_t n = workflow.nodes.size();
        m_index.reserve(n, idOf());
        m_first.resize(n);
        for (std::uint32_t i = 0; i < n; ++i)
            m_first[i] = m_index.insert(workflow.nodes[i].id, i, idOf());
    }

    // The index of the (first) node with this id, or kNone.
    std::uint32_t find(std::string_view id) const { return m_index.find(id, idOf()); }

    // Starts loading what find(id) reads first.
    void prefetch(std::string_view id) const { m_index.prefetch(id); }

    // The first node that has node i's id: i itself unless the id repeats.
    std::uint32_t first(std::uint32_t i) const { return m_first[i]; }

private:
    static_assert(detail::NameIndex::kNone == kNone);
    const Workflow &m_workflow;
    detail::NameIndex m_index;
    std::vector<std::uint32_t> m_first;
};

// Resolves each node's needs to indices. Repeats are found by index in O(1)
// (the last node that needed each target), so long needs lists stay linear;
// only unknown ids, rare, are compared as text.
class NeedResolver
{
public:
    NeedResolver(const Workflow &workflow, const IdTable &ids)
        : m_workflow(workflow)
        , m_ids(ids)
        , m_lastNeededBy(workflow.nodes.size(), kNone)
    {}

    // visit(j, target, duplicate, self): target is kNone for an unknown id.
    template<typename Visit>
    void resolve(std::uint32_t i, Visit &&visit)
    {
        const Node &node = m_workflow.nodes[i];
        const std::uint32_t self = node.id.empty() ? kNone : m_ids.first(i);
        for (std::size_t j = 0; j < node.needs.size(); ++j) {
            const std::uint32_t target = m_ids.find(node.needs[j]);
            bool duplicate = false;
            if (target != kNone) {
                duplicate = m_lastNeededBy[target] == i;
                m_lastNeededBy[target] = i;
            } else {
                for (std::size_t k = 0; k < j && !duplicate; ++k)
                    duplicate = node.needs[k] == node.needs[j];
            }
            visit(j, target, duplicate, target != kNone && target == self);
        }
    }

    // After resolve(i): true when a reference from node i to `target` adds
    // a need, false when `needs` (or an earlier reference) already has it.
    bool addImplied(std::uint32_t i, std::uint32_t target)
    {
        if (m_lastNeededBy[target] == i)
            return false;
        m_lastNeededBy[target] = i;
        return true;
    }

private:
    const Workflow &m_workflow;
    const IdTable &m_ids;
    std::vector<std::uint32_t> m_lastNeededBy;
};

// The resolved, de-duplicated, non-self needs of every node as one flat array
// (compressed sparse rows), plus for each entry its position in Node::needs so
// a cycle can be reported at the exact need that closes it.
struct NeedGraph
{
    std::vector<std::uint32_t> begin; // per node, into `target`; size n + 1
    std::vector<std::uint32_t> target;
    std::vector<std::uint32_t> needIndex;

    // Every need so far names a node written before the one that needs
    // it: the file's order is then an order to run in, and there is no
    // cycle to look for (most files are written that way).
    bool allEarlier = true;

    void add(std::uint32_t to, std::size_t j)
    {
        // The row being filled is node begin.size() - 1's.
        allEarlier = allEarlier && to + 1 < begin.size();
        target.push_back(to);
        needIndex.push_back(std::uint32_t(j));
    }
};

// Written needs first, then those that references imply, as the validator
// resolves them: the editor asks about cycles through data edges too.
NeedGraph buildNeedGraph(const Workflow &workflow, const IdTable &ids)
{
    NeedGraph graph;
    const std::uint32_t n = std::uint32_t(workflow.nodes.size());
    graph.begin.reserve(n + 1);
    NeedResolver resolver(workflow, ids);
    for (std::uint32_t i = 0; i < n; ++i) {
        graph.begin.push_back(std::uint32_t(graph.target.size()));
        resolver.resolve(i, [&](std::size_t j, std::uint32_t target, bool duplicate, bool self) {
            if (target != kNone && !duplicate && !self)
                graph.add(target, j);
        });
        const Node &node = workflow.nodes[i];
        for (const std::string &id : referencedNodes(node)) {
            const std::uint32_t target = ids.find(id);
            if (target != kNone && id != node.id && resolver.addImplied(i, target))
                graph.add(target, kImpliedNeed);
        }
    }
    graph.begin.push_back(std::uint32_t(graph.target.size()));
    return graph;
}

struct Cycle
{
    std::vector<std::uint32_t> nodes; // dependency order: each needs the one before it
    std::uint32_t closingNode = 0;    // the node whose need closes the cycle
    std::uint32_t closingNeed = 0;    // index into its Node::needs
};

// Depth-first search in execution order (from a node to the nodes that need
// it) with an explicit stack. Every back edge closes exactly one cycle, so
// each is reported once; searching this way round makes the closing edge the
// one written last along the cycle's direction ("a needs c" in a -> b -> c),
// which is where a person reading the file expects it. Stops after the first
// cycle when `firstOnly`.
std::vector<Cycle> findCycles(const NeedGraph &needs, bool firstOnly)
{
    const std::size_t n = needs.begin.size() - 1;

    // Transpose the needs into dependents, keeping where each need is written.
    std::vector<std::uint32_t> begin(n + 1, 0);
    for (std::uint32_t target : needs.target)
        ++begin[target + 1];
    for (std::size_t i = 0; i < n; ++i)
        begin[i + 1] += begin[i];
    std::vector<std::uint32_t> fill(begin.begin(), begin.end() - 1);
    std::vector<std::uint32_t> dependent(needs.target.size());
    std::vector<std::uint32_t> needIndex(needs.target.size());
    for (std::uint32_t node = 0; node < n; ++node) {
        for (std::uint32_t e = needs.begin[node]; e < needs.begin[node + 1]; ++e) {
            const std::uint32_t slot = fill[needs.target[e]]++;
            dependent[slot] = node;
            needIndex[slot] = needs.needIndex[e];
        }
    }

    enum : std::uint8_t { White, Grey, Black };
    std::vector<std::uint8_t> colour(n, White);
    struct Frame
    {
        std::uint32_t node;
        std::uint32_t next; // next entry of `dependent` to follow
    };
    std::vector<Frame> stack;
    std::vector<Cycle> cycles;

    for (std::uint32_t root = 0; root < n; ++root) {
        if (colour[root] != White)
            continue;
        colour[root] = Grey;
        stack.push_back({root, begin[root]});
        while (!stack.empty()) {
            Frame &frame = stack.back();
            if (frame.next == begin[frame.node + 1]) {
                colour[frame.node] = Black;
                stack.pop_back();
                continue;
            }
            const std::uint32_t edge = frame.next++;
            const std::uint32_t next = dependent[edge];
            if (colour[next] == White) {
                colour[next] = Grey;
                stack.push_back({next, begin[next]});
            } else if (colour[next] == Grey) {
                // `next` needs this node and is on the stack: the stack from
                // `next` up to here is the cycle, in dependency order.
                Cycle cycle;
                cycle.closingNode = next;
                cycle.closingNeed = needIndex[edge];
                std::size_t k = stack.size();
                while (stack[k - 1].node != next)
                    --k;
                for (--k; k < stack.size(); ++k)
                    cycle.nodes.push_back(stack[k].node);
                cycles.push_back(std::move(cycle));
                if (firstOnly)
                    return cycles;
            }
        }
    }
    return cycles;
}

std::string describeCycle(const Workflow &workflow, const std::vector<std::uint32_t> &nodes,
                          std::string_view what = "cycle: ")
{
    std::string text(what);
    auto append = [&](std::uint32_t i) {
        text += workflow.nodes[i].id;
        text += " \u2192 ";
    };
    if (nodes.size() <= kMaxCycleShown) {
        for (std::uint32_t i : nodes)
            append(i);
    } else {
        for (std::size_t k = 0; k < kMaxCycleShown / 2; ++k)
            append(nodes[k]);
        text += "\u2026 \u2192 ";
        for (std::size_t k = nodes.size() - kMaxCycleShown / 2; k < nodes.size(); ++k)
            append(nodes[k]);
    }
    text += workflow.nodes[nodes.front()].id;
    if (nodes.size() > kMaxCycleShown)
        text += " (" + std::to_string(nodes.size()) + " nodes)";
    return text;
}

std::atomic<std::uint64_t> g_validations{0};

class Checker
{
public:
    Checker(const Workflow &workflow, const OperationRegistry &registry)
        : m_workflow(workflow)
        , m_registry(registry)
    {}

    // The resolved needs, once run() returned.
    ResolvedNeeds takeNeeds()
    {
        return { std::move(m_graph.begin), std::move(m_graph.target), std::move(m_expands) };
    }

    Diagnostics run()
    {
        g_validations.fetch_add(1, std::memory_order_relaxed);
        checkSettings();
        const IdTable ids(m_workflow);
        NeedResolver resolver(m_workflow, ids);
        resolveTypes();
        m_expands.assign(m_workflow.nodes.size(), 0);
        m_graph.begin.reserve(m_workflow.nodes.size() + 1);
        for (std::uint32_t i = 0; i < m_workflow.nodes.size(); ++i)
            checkNode(i, ids, resolver);
        m_graph.begin.push_back(std::uint32_t(m_graph.target.size()));
        checkCycles();
        return std::move(m_out);
    }

private:
    void add(std::string path, std::string message, const std::string &nodeId = {},
             int textOffset = -1)
    {
        m_out.push_back(
            {Severity::Error, std::move(message), std::move(path), 0, 0, nodeId, textOffset});
    }

    // Every node's operation type up front: a reference asks about the
    // type of a node that may come later in the file. Runs of one type are
    // common, so the previous answer is tried first.
    void resolveTypes()
    {
        m_types.resize(m_workflow.nodes.size(), nullptr);
        const OperationType *last = nullptr;
        for (std::size_t i = 0; i < m_workflow.nodes.size(); ++i) {
            const std::string &name = m_workflow.nodes[i].type;
            if (name.empty())
                continue;
            m_types[i] = last && last->name == name ? last : m_registry.find(name);
            if (m_types[i])
                last = m_types[i];
        }
    }

    void checkSettings()
    {
        const Settings &s = m_workflow.settings;
        if (s.jobs < 0)
            add("/settings/jobs", "\"jobs\" must be 0 (as many as there are cores) or more, found "
                                      + std::to_string(s.jobs));
        for (const auto &[pool, size] : s.pools) {
            if (size < 1)
                add("/settings/pools/" + json::pointerToken(pool),
                    "pool " + inQuotesBounded(pool) + " must have a size of at least 1, found "
                        + std::to_string(size));
        }
    }

    void checkNode(std::uint32_t i, const IdTable &ids, NeedResolver &resolver)
    {
        const Node &node = m_workflow.nodes[i];
        collectReferences(i, ids);
        const std::string path = nodePath(i);
        const std::string &id = node.id;

        if (id.empty()) {
            add(path + "/id", "node has no \"id\"");
        } else if (!isValidNodeId(id)) {
            add(path + "/id", "invalid id " + inQuotesBounded(id)
                                  + ": an id starts with a letter or '_' and continues with "
                                    "letters, digits, '_', '.' or '-'",
                id);
        } else if (ids.first(i) != i) {
            add(path + "/id", "duplicate id " + inQuotesBounded(id) + "; node " + std::to_string(ids.first(i))
                                  + " already uses it",
                id);
        }

        const OperationType *type = m_types[i];
        if (node.type.empty()) {
            add(path + "/type", "node has no \"type\"", id);
        } else if (!type) {
            add(path + "/type", "unknown operation type " + inQuotesBounded(node.type)
                                    + didYouMean(node.type, typeNames()),
                id);
        }

        m_graph.begin.push_back(std::uint32_t(m_graph.target.size()));
        resolver.resolve(i, [&](std::size_t j, std::uint32_t target, bool duplicate, bool self) {
            const std::string &need = node.needs[j];
            auto needPath = [&] { return path + "/needs/" + std::to_string(j); };
            if (duplicate) {
                add(needPath(), inQuotesBounded(need) + " is already listed in \"needs\"", id);
            } else if (self) {
                add(needPath(), "a node cannot need itself", id);
            } else if (target != kNone) {
                m_graph.add(target, j);
            } else {
                std::string message = "needs unknown node " + inQuotesBounded(need);
                if (m_idSuggestions++ < kMaxIdSuggestions)
                    message += didYouMean(need, idNames());
                add(needPath(), std::move(message), id);
            }
        });

        if (node.timeout && !(*node.timeout > 0 && std::isfinite(*node.timeout)))
            add(path + "/timeout", "\"timeout\" must be greater than 0 seconds, found "
                                       + formatNumber(*node.timeout),
                id);
        if (node.retries < 0)
            add(path + "/retries",
                "\"retries\" must be 0 or more, found " + std::to_string(node.retries), id);
        if (node.isolation != Isolation::Thread || !node.memory.empty())
            isolation::check(node, type, [&](std::string key, std::string message) {
                add(path + key, std::move(message), id);
            });

        for (const auto &entry : node.resources) {
            // Named references, not a structured binding: clang 14 (the fuzzer's
            // compiler) cannot capture bindings in a lambda.
            const std::string &pool = entry.first;
            const std::int64_t amount = entry.second;
            auto resourcePath = [&] { return path + "/resources/" + json::pointerToken(pool); };
            const auto it = m_workflow.settings.pools.find(pool);
            if (amount < 1) {
                add(resourcePath(), "amount of pool " + inQuotesBounded(pool) + " must be at least 1, found "
                                      + std::to_string(amount),
                    id);
            } else if (it == m_workflow.settings.pools.end()) {
                std::vector<std::string_view> pools;
                for (const auto &entry : m_workflow.settings.pools)
                    pools.push_back(entry.first);
                add(resourcePath(),
                    "unknown pool " + inQuotesBounded(pool)
                        + (pools.empty() ? std::string(" (settings define no pools)")
                                         : didYouMean(pool, pools)),
                    id);
            } else if (it->second >= 1 && amount > it->second) {
                add(resourcePath(), "asks for " + std::to_string(amount) + " of pool " + inQuotesBounded(pool)
                                      + ", which has only " + std::to_string(it->second),
                    id);
            }
        }

        if (!node.inputs.empty())
            checkNamedPaths(node.inputs, path + "/inputs", "input", id);
        if (!node.outputs.empty())
            checkNamedPaths(node.outputs, path + "/outputs", "output", id);

        if (type)
            checkParams(node, *type, path);

        checkReferences(i, ids, resolver, path);
    }

    // --- References (DESIGN.md, "Outputs and references") ----------------

    // Where a string sits: its JSON path is built only for a diagnostic.
    struct Place
    {
        const Place *parent = nullptr;
        std::string_view key; // a member name, or the path of the root
        std::size_t index = 0;
        bool isIndex = false;
        bool isRoot = false;

        std::string text() const
        {
            if (isRoot)
                return std::string(key);
            std::string out = parent->text() + "/";
            out += isIndex ? std::to_string(index) : json::pointerToken(key);
            return out;
        }
    };

    enum class Site : std::uint8_t { Params, Outputs, Inputs, ForEach };

    // A reference, or the syntax error that ends a string's references,
    // as collectReferences() found it.
    struct FoundReference
    {
        std::string_view text; // the whole string it is in
        ReferenceView ref;
        Site site = Site::Params;
        std::optional<ReferenceError> error; // set: a malformed string, not a reference
    };

    // The place of a string in node i, made only for a message: found again
    // by where its text lies, as the first walk kept no paths.
    struct PlaceOfText
    {
        const Checker &checker;
        std::uint32_t node;
        const std::string &nodeBase;
        const FoundReference &found;

        std::string text() const
        {
            const Node &n = checker.m_workflow.nodes[node];
            const Place root{nullptr, nodeBase, 0, false, true};
            std::string path;
            auto look = [&](std::string_view text, const Place &place) {
                if (path.empty() && text.data() == found.text.data())
                    path = place.text();
            };
            switch (found.site) {
            case Site::Params:
                forEachJsonString(n.params, Place{&root, "params"}, look);
                break;
            case Site::Outputs:
                forEachValueString(n.outputs, Place{&root, "outputs"}, look);
                break;
            case Site::Inputs:
                forEachValueString(n.inputs, Place{&root, "inputs"}, look);
                break;
            case Site::ForEach:
                break;
            }
            return path;
        }
    };

    // Node i's references in its params, outputs and inputs, in the order
    // they are checked and reported. Found before the node's other checks:
    // a reference's look-up reads one slot of the id index, on a large
    // workflow a cache miss each (a third of what references cost the
    // validator), so each slot is asked for here and comes in while the
    // other checks run.
    void collectReferences(std::uint32_t i, const IdTable &ids)
    {
        m_found.clear();
        const Node &node = m_workflow.nodes[i];
        auto visit = [&](std::string_view text, Site site) {
            // What data::needsExpansion() asks, answered on the way.
            if (text.find("${") != std::string_view::npos)
                m_expands[i] |= site == Site::Params
                                    ? ResolvedNeeds::kExpands
                                    : ResolvedNeeds::kExpands | ResolvedNeeds::kExpandsOwnValues;
            // Views into the text: a valid reference costs no allocation.
            ReferenceScanner scanner(text);
            ReferenceView ref;
            while (scanner.next(ref)) {
                if (ref.kind == Reference::Kind::Output)
                    ids.prefetch(ref.node);
                m_found.push_back({text, ref, site, std::nullopt});
            }
            if (const std::optional<ReferenceError> &error = scanner.error())
                m_found.push_back({text, {}, site, error});
        };
        const Place root{nullptr, {}, 0, false, true};
        if (node.params.is_object())
            forEachJsonString(node.params, root,
                              [&](std::string_view text, const Place &) { visit(text, Site::Params); });
        forEachValueString(node.outputs, root,
                           [&](std::string_view text, const Place &) { visit(text, Site::Outputs); });
        forEachValueString(node.inputs, root,
                           [&](std::string_view text, const Place &) { visit(text, Site::Inputs); });
    }

    void checkReferences(std::uint32_t i, const IdTable &ids, NeedResolver &resolver,
                         const std::string &nodeBase)
    {
        const Node &node = m_workflow.nodes[i];
        for (const FoundReference &found : m_found) {
            const PlaceOfText place{*this, i, nodeBase, found};
            if (found.error)
                add(place.text(), found.error->message, node.id, int(found.error->offset));
            else
                checkReference(i, ids, resolver, found.text, found.ref, place, found.site);
        }
        if (node.foreach) {
            const Place root{nullptr, nodeBase, 0, false, true};
            checkForEach(i, ids, resolver, *node.foreach, Place{&root, "foreach"});
        }
    }

    template<typename Visit>
    static void forEachJsonString(const nlohmann::json &value, const Place &place, Visit &&visit)
    {
        if (value.is_string()) {
            const std::string &text = value.get_ref<const std::string &>();
            if (std::memchr(text.data(), '$', text.size()))
                visit(text, place);
        } else if (value.is_object()) {
            for (const auto &member : value.get_ref<const nlohmann::json::object_t &>())
                forEachJsonString(member.second, Place{&place, member.first}, visit);
        } else if (value.is_array()) {
            const auto &items = value.get_ref<const nlohmann::json::array_t &>();
            for (std::size_t k = 0; k < items.size(); ++k)
                forEachJsonString(items[k], Place{&place, {}, k, true}, visit);
        }
    }

    template<typename Visit>
    static void forEachValueString(const NamedValues &values, const Place &base, Visit &&visit)
    {
        for (const auto &entry : values) {
            const Place place{&base, entry.first};
            const StringOrList &value = entry.second;
            for (std::size_t k = 0; k < value.items.size(); ++k) {
                const std::string &text = value.items[k];
                if (!std::memchr(text.data(), '$', text.size()))
                    continue;
                if (value.list)
                    visit(text, Place{&place, {}, k, true});
                else
                    visit(text, place);
            }
        }
    }

    // `place` has text(): a Place, or a PlaceOfText.
    template<typename AnyPlace>
    void checkReference(std::uint32_t i, const IdTable &ids, NeedResolver &resolver,
                        std::string_view text, const ReferenceView &ref, const AnyPlace &place,
                        Site site)
    {
        const Node &node = m_workflow.nodes[i];
        // The reference as written, built only for a message: a valid
        // reference must cost no allocation here.
        const std::string_view written = text.substr(ref.offset, ref.length);
        auto fail = [&](const std::string &why) {
            add(place.text(), std::string(written) + ": " + why, node.id, int(ref.offset));
        };
        switch (ref.kind) {
        case Reference::Kind::Output:
            checkOutputReference(i, ids, resolver, ref, written, place, site);
            return;
        case Reference::Kind::Self:
            if (site != Site::Params) {
                fail("${self.NAME} can be used only in params; outputs and inputs are what it "
                     "refers to");
            } else if (!node.outputs.contains(ref.name) && !node.inputs.contains(ref.name)) {
                std::vector<std::string_view> names;
                for (const auto &entry : node.outputs)
                    names.push_back(entry.first);
                for (const auto &entry : node.inputs)
                    names.push_back(entry.first);
                fail("this node declares no output or input named " + inQuotesBounded(ref.name)
                     + didYouMean(ref.name, names));
            }
            return;
        case Reference::Kind::Item:
        case Reference::Kind::ItemName:
        case Reference::Kind::ItemStem:
        case Reference::Kind::Index:
            if (!node.foreach)
                fail(std::string("only a node with \"foreach\" has ")
                     + (ref.kind == Reference::Kind::Index ? "an index" : "an item"));
            return;
        }
    }

    // ${NODE.NAME}: NODE exists, is not this node, and has NAME: declared
    // in its `outputs`, documented by its type, or possibly reported at run
    // time by a type that reports any name. Each one implies a need.
    template<typename AnyPlace>
    void checkOutputReference(std::uint32_t i, const IdTable &ids, NeedResolver &resolver,
                              const ReferenceView &ref, std::string_view written,
                              const AnyPlace &place, Site site)
    {
        const Node &node = m_workflow.nodes[i];
        auto fail = [&](const std::string &why) {
            add(place.text(), std::string(written) + ": " + why, node.id, int(ref.offset));
        };
        const std::uint32_t target = ids.find(ref.node);
        if (target == kNone) {
            std::string message = "unknown node " + inQuotesBounded(ref.node);
            if (m_idSuggestions++ < kMaxIdSuggestions)
                message += didYouMean(ref.node, idNames());
            fail(message);
            return;
        }
        if (ref.node == node.id) {
            fail(site == Site::ForEach
                     ? std::string("a node cannot fan out over its own output")
                     : "a node refers to its own outputs and inputs as ${self." + std::string(ref.name)
                           + "}");
            return;
        }
        const Node &other = m_workflow.nodes[target];
        const OperationType *type = m_types[target];
        bool known = !type || type->reportsAnyOutput || other.outputs.contains(ref.name);
        for (std::size_t k = 0; !known && k < type->outputs.size(); ++k)
            known = type->outputs[k].name == ref.name;
        if (!known) {
            std::vector<std::string_view> names;
            for (const auto &entry : other.outputs)
                names.push_back(entry.first);
            for (const OutputDecl &decl : type->outputs)
                names.push_back(decl.name);
            std::string message
                = std::string(ref.node) + " has no output named " + inQuotesBounded(ref.name);
            if (names.empty())
                message += " (it declares none and " + other.type + " reports none)";
            else
                message += didYouMean(ref.name, names);
            fail(message);
            // The need is still implied: a typo in a name is no reason to
            // report a cycle through it as well, nor to hide one.
        }
        if (resolver.addImplied(i, target))
            m_graph.add(target, kImpliedNeed);
    }

    void checkForEach(std::uint32_t i, const IdTable &ids, NeedResolver &resolver,
                      const ForEach &foreach, const Place &place)
    {
        const Node &node = m_workflow.nodes[i];
        switch (foreach.kind) {
        case ForEach::Kind::List:
            return; // items are literal text, and an empty list is an empty fan-out
        case ForEach::Kind::Glob:
            if (foreach.text.empty())
                add(place.text() + "/glob", "\"glob\" must not be empty", node.id);
            return;
        case ForEach::Kind::Reference:
            break;
        }
        const std::string_view text = foreach.text;
        const ParsedString parsed = parseReferences(text);
        if (parsed.error) {
            add(place.text(), parsed.error->message, node.id, int(parsed.error->offset));
            return;
        }
        const bool whole = parsed.references.size() == 1 && parsed.references[0].offset == 0
                           && parsed.references[0].length == text.size()
                           && parsed.references[0].kind == Reference::Kind::Output;
        ReferenceView first;
        if (whole) {
            first.kind = parsed.references[0].kind;
            first.node = parsed.references[0].node;
            first.name = parsed.references[0].name;
            first.offset = parsed.references[0].offset;
            first.length = parsed.references[0].length;
        }
        if (!whole) {
            add(place.text(),
                "\"foreach\" must be a list of items, {\"glob\": PATTERN} or exactly one "
                "reference \"${NODE.NAME}\" to another node's output, found "
                    + inQuotesBounded(text),
                node.id);
            return;
        }
        checkOutputReference(i, ids, resolver, first, text, place, Site::ForEach);
    }

    // The place of the first reference in node i to node `target`: where a
    // cycle that this implied need closes is reported.
    std::pair<std::string, int> referencePlace(std::uint32_t i, const std::string &target)
    {
        const Node &node = m_workflow.nodes[i];
        std::pair<std::string, int> found{nodePath(i), -1};
        bool done = false;
        auto look = [&](std::string_view text, const Place &place) {
            if (done)
                return;
            for (const Reference &ref : parseReferences(text).references) {
                if (ref.kind == Reference::Kind::Output && ref.node == target) {
                    found = {place.text(), int(ref.offset)};
                    done = true;
                    return;
                }
            }
        };
        const std::string base = nodePath(i);
        const Place root{nullptr, base, 0, false, true};
        if (node.params.is_object())
            forEachJsonString(node.params, Place{&root, "params"}, look);
        forEachValueString(node.outputs, Place{&root, "outputs"}, look);
        forEachValueString(node.inputs, Place{&root, "inputs"}, look);
        if (node.foreach && node.foreach->kind == ForEach::Kind::Reference)
            look(node.foreach->text, Place{&root, "foreach"});
        return found;
    }

    // Names are what a reference (${node.NAME}) will spell, so they follow
    // the id pattern. A path is never empty: "" would name the workflow's
    // directory, which no node means to produce or read.
    void checkNamedPaths(const NamedValues &values, const std::string &base, std::string_view what,
                         const std::string &id)
    {
        for (const auto &entry : values) {
            const std::string &name = entry.first;
            const StringOrList &value = entry.second;
            const std::string path = base + "/" + json::pointerToken(name);
            if (!isValidNodeId(name)) {
                add(path, "invalid " + std::string(what) + " name " + inQuotesBounded(name)
                              + ": a name starts with a letter or '_' and continues with "
                                "letters, digits, '_', '.' or '-'",
                    id);
            }
            if (value.items.empty()) {
                add(path, std::string(what) + " " + inQuotesBounded(name)
                              + " must name at least one path",
                    id);
            }
            for (std::size_t j = 0; j < value.items.size(); ++j) {
                if (value.items[j].empty())
                    add(value.list ? path + "/" + std::to_string(j) : path,
                        std::string(what) + " " + inQuotesBounded(name)
                            + ": a path must not be empty",
                        id);
            }
        }
    }

    void checkParams(const Node &node, const OperationType &type, const std::string &nodeBase)
    {
        const std::string &id = node.id;
        const std::string path = nodeBase + "/params";
        if (!node.params.is_object()) {
            add(path, "\"params\" must be an object, found " + std::string(describeJson(node.params)),
                id);
            return;
        }
        for (const auto &item : node.params.items()) {
            const std::string &key = item.key();
            const auto &value = item.value();
            const ParamDecl *decl = type.param(key);
            auto keyPath = [&] { return path + "/" + json::pointerToken(key); };
            if (!decl) {
                std::vector<std::string_view> names;
                for (const ParamDecl &p : type.params)
                    names.push_back(p.name);
                std::string message = "unknown parameter " + inQuotesBounded(key) + " for " + type.name;
                if (names.empty())
                    message += " (it takes none)";
                else
                    message += didYouMean(key, names);
                add(keyPath(), std::move(message), id);
                continue;
            }
            checkParam(*decl, value, keyPath, id);
        }
        for (const ParamDecl &decl : type.params) {
            if (decl.required && !node.params.contains(decl.name))
                add(path, type.name + " needs parameter \"" + decl.name + "\" ("
                              + std::string(expectedFor(decl.kind)) + ")",
                    id);
        }
        if (type.check) {
            Diagnostics extra;
            type.check(node.params, extra);
            for (Diagnostic &d : extra) {
                d.path = path + d.path;
                d.nodeId = id;
                m_out.push_back(std::move(d));
            }
        }
    }

    // `path` is a callable: paths are built only for the rare value that is wrong.
    template<typename PathFn>
    void checkParam(const ParamDecl &decl, const nlohmann::json &value, const PathFn &path,
                    const std::string &id)
    {
        auto wrongType = [&] {
            add(path(), "parameter \"" + decl.name + "\" must be "
                          + std::string(expectedFor(decl.kind)) + ", found "
                          + std::string(describeJson(value)),
                id);
        };
        switch (decl.kind) {
        case ParamKind::String:
        case ParamKind::Command:
        case ParamKind::Path:
            if (!value.is_string())
                wrongType();
            return;
        case ParamKind::Boolean:
            if (!value.is_boolean())
                wrongType();
            return;
        case ParamKind::Number:
        case ParamKind::Integer: {
            if (decl.kind == ParamKind::Number ? !value.is_number() : !value.is_number_integer()) {
                wrongType();
                return;
            }
            const double number = value.get<double>();
            if (number < decl.minimum)
                add(path(), "parameter \"" + decl.name + "\" must be at least "
                              + formatNumber(decl.minimum) + ", found " + formatNumber(number),
                    id);
            return;
        }
        case ParamKind::StringList:
        case ParamKind::PathList:
            if (!value.is_array()) {
                wrongType();
                return;
            }
            for (std::size_t k = 0; k < value.size(); ++k) {
                if (!value[k].is_string())
                    add(path() + "/" + std::to_string(k),
                        "item " + std::to_string(k) + " of \"" + decl.name
                            + "\" must be a string, found " + std::string(describeJson(value[k])),
                        id);
            }
            return;
        case ParamKind::StringMap:
            if (!value.is_object()) {
                wrongType();
                return;
            }
            for (const auto &[key, item] : value.items()) {
                if (!item.is_string())
                    add(path() + "/" + json::pointerToken(key),
                        inQuotesBounded(key) + " in \"" + decl.name + "\" must be a string, found "
                            + std::string(describeJson(item)),
                        id);
            }
            return;
        }
    }

    void checkCycles()
    {
        if (m_graph.allEarlier)
            return;
        for (const Cycle &cycle : findCycles(m_graph, false)) {
            const Node &node = m_workflow.nodes[cycle.closingNode];
            if (cycle.closingNeed == kImpliedNeed) {
                // Closed by "closingNode refers to the cycle's last node".
                auto [path, offset] =
                    referencePlace(cycle.closingNode, m_workflow.nodes[cycle.nodes.back()].id);
                add(std::move(path), describeCycle(m_workflow, cycle.nodes, "cycle through data: "),
                    node.id, offset);
                continue;
            }
            add(nodePath(cycle.closingNode) + "/needs/" + std::to_string(cycle.closingNeed),
                describeCycle(m_workflow, cycle.nodes), node.id);
        }
    }

    const std::vector<std::string_view> &typeNames()
    {
        if (m_typeNames.empty()) {
            for (const OperationType &t : m_registry.types())
                m_typeNames.push_back(t.name);
        }
        return m_typeNames;
    }

    const std::vector<std::string_view> &idNames()
    {
        if (m_idNames.empty()) {
            m_idNames.reserve(m_workflow.nodes.size());
            for (const Node &n : m_workflow.nodes)
                m_idNames.push_back(n.id);
        }
        return m_idNames;
    }

    const Workflow &m_workflow;
    const OperationRegistry &m_registry;
    NeedGraph m_graph;
    std::vector<const OperationType *> m_types; // per node; null when unknown
    std::vector<char> m_expands; // per node: ResolvedNeeds::expands
    std::vector<FoundReference> m_found; // the node being checked: collectReferences()
    Diagnostics m_out;
    std::vector<std::string_view> m_typeNames;
    std::vector<std::string_view> m_idNames;
    int m_idSuggestions = 0;
};

} // namespace

std::uint64_t validationCount()
{
    return g_validations.load(std::memory_order_relaxed);
}

Diagnostics validateWorkflow(const Workflow &workflow, const OperationRegistry *registry)
{
    return Checker(workflow, registry ? *registry : OperationRegistry::builtin()).run();
}

Diagnostics validateWorkflow(const Workflow &workflow, const OperationRegistry &registry,
                             ResolvedNeeds &needs)
{
    Checker checker(workflow, registry);
    Diagnostics diagnostics = checker.run();
    needs = checker.takeNeeds();
    return diagnostics;
}

std::vector<std::string> findCycle(const Workflow &workflow)
{
    const NeedGraph graph = buildNeedGraph(workflow, IdTable(workflow));
    std::vector<std::string> result;
    if (graph.allEarlier)
        return result;
    const std::vector<Cycle> cycles = findCycles(graph, true);
    if (cycles.empty())
        return result;
    result.reserve(cycles.front().nodes.size());
    for (std::uint32_t i : cycles.front().nodes)
        result.push_back(workflow.nodes[i].id);
    return result;
}

std::vector<std::string> pathClosedByEdge(const Workflow &workflow, const std::string &from,
                                          const std::string &to)
{
    const IdTable ids(workflow);
    const std::uint32_t fromIndex = ids.find(from);
    const std::uint32_t toIndex = ids.find(to);
    if (fromIndex == kNone || toIndex == kNone)
        return {};
    if (from == to)
        return {to};
    // The new edge closes a cycle when `from` already depends on `to`: search
    // breadth-first along needs from `from`, so the path shown is a shortest one.
    const NeedGraph graph = buildNeedGraph(workflow, ids);
    std::vector<std::uint32_t> parent(workflow.nodes.size(), kNone);
    std::vector<std::uint32_t> queue{fromIndex};
    parent[fromIndex] = fromIndex;
    for (std::size_t head = 0; head < queue.size(); ++head) {
        const std::uint32_t current = queue[head];
        if (current == toIndex) {
            // Walking parents from `to` leads back to `from`: exactly the order
            // "to -> ... -> from" in which each node runs before the next.
            std::vector<std::string> path;
            for (std::uint32_t i = current;; i = parent[i]) {
                path.push_back(workflow.nodes[i].id);
                if (i == fromIndex)
                    break;
            }
            return path;
        }
        for (std::uint32_t e = graph.begin[current]; e < graph.begin[current + 1]; ++e) {
            const std::uint32_t next = graph.target[e];
            if (parent[next] == kNone) {
                parent[next] = current;
                queue.push_back(next);
            }
        }
    }
    return {};
}

} // namespace weft
