// SPDX-License-Identifier: Apache-2.0
// Loading and saving .weft files (DESIGN.md, "Contract: the .weft file").
//
// The loader reports every problem it can find, not only the first: a syntax
// error ends the parse, but after that the walk over the document checks keys
// and value types everywhere, builds the Workflow with defaults in place of
// wrong values, runs the semantic validator on it and maps the validator's
// JSON paths back to line:column. A value the walk rejected is remembered, so
// the validator's complaint about the default standing in for it is dropped
// rather than reported twice.

#include "weft/WorkflowFile.h"

#include "weft/Operation.h"
#include "weft/Validator.h"

#include "ValidatedNeeds.h"
#include "format/JsonDocument.h"
#include "format/JsonWriter.h"
#include "format/Suggest.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>

namespace weft {

namespace {

using json::Document;
using json::Type;

const std::vector<std::string_view> kTopLevelKeys = {"weft",  "name",  "description", "settings",
                                                     "nodes", "groups"};
const std::vector<std::string_view> kGroupKeys = {"id", "label", "nodes", "collapsed"};
const std::vector<std::string_view> kSettingsKeys = {"jobs", "failure", "pools", "history",
                                                     "launcher", "slurm"};
const std::vector<std::string_view> kNodeKeys = {"id",       "type",      "label",   "needs",
                                                 "foreach",  "params",    "inputs",  "outputs",
                                                 "timeout",  "retries",   "resources", "position",
                                                 "launcher", "slurm", "isolation", "memory"};
const std::vector<std::string_view> kForEachKeys = {"glob"};

std::string inQuotes(std::string_view text)
{
    return inQuotesBounded(text);
}

// A path that is known up front, in the callable form the loader's checks take.
auto fixedPath(const char *path)
{
    return [path] { return std::string(path); };
}

std::string formatNumber(double value)
{
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, end);
}

class Loader
{
public:
    explicit Loader(const OperationRegistry &registry)
        : m_registry(registry)
    {}

    LoadResult load(std::string_view text)
    {
        const bool parsed = m_doc.parse(text);
        for (const json::ParseProblem &problem : m_doc.problems()) {
            const json::TextPosition where = m_doc.position(problem.offset);
            m_out.push_back({Severity::Error, problem.message,
                             problem.index ? pathOf(problem.index) : std::string(), where.line,
                             where.column, {}});
        }
        if (parsed && walk())
            validate();
        std::stable_sort(m_out.begin(), m_out.end(), [](const Diagnostic &a, const Diagnostic &b) {
            return a.line != b.line ? a.line < b.line : a.column < b.column;
        });
        LoadResult result;
        result.diagnostics = std::move(m_out);
        if (!hasErrors(result.diagnostics)) {
            result.workflow = std::move(m_workflow);
            result.resolvedNeeds = std::move(m_needs);
            result.registry = &m_registry;
        }
        return result;
    }

private:
    // Diagnostics about an object member point at its key, the start of the
    // member, wherever they come from: the walk here or the validator.
    void error(std::uint32_t at, std::string path, std::string message, std::string nodeId = {})
    {
        if (at > 0 && m_doc.at(at - 1).has(json::Key))
            --at;
        const json::TextPosition where = m_doc.positionOf(at);
        m_out.push_back({Severity::Error, std::move(message), std::move(path), where.line,
                         where.column, std::move(nodeId)});
    }

    // A wrong value: reported here, and the default that replaces it in the
    // model is not to be reported again by the validator.
    void wrongValue(std::uint32_t at, std::string path, std::string message,
                    const std::string &nodeId = {})
    {
        m_suppressed.insert(path);
        error(at, std::move(path), std::move(message), nodeId);
    }

    // Paths are passed as callables that build them: only the rare wrong value
    // pays for its path, which keeps the walk free of per-member allocations.
    template<typename PathFn>
    void wrongType(std::uint32_t value, const PathFn &path, std::string_view name,
                   std::string_view expected, const std::string &nodeId = {})
    {
        wrongValue(value, path(),
                   inQuotes(name) + " must be " + std::string(expected) + ", found "
                       + std::string(json::describeType(m_doc.at(value).type)),
                   nodeId);
    }

    template<typename PathFn>
    bool expectString(std::uint32_t value, const PathFn &path, std::string_view name,
                      std::string &out, const std::string &nodeId = {})
    {
        if (m_doc.at(value).type != Type::String) {
            wrongType(value, path, name, "a string", nodeId);
            return false;
        }
        out = m_doc.string(value);
        return true;
    }

    template<typename PathFn>
    bool expectInteger(std::uint32_t value, const PathFn &path, std::string_view name,
                       std::int64_t minimum, std::int64_t maximum, std::int64_t &out,
                       const std::string &nodeId = {})
    {
        const json::Value &v = m_doc.at(value);
        if (v.type == Type::Integer && v.integer >= minimum && v.integer <= maximum) {
            out = v.integer;
            return true;
        }
        if (!v.isNumber()) {
            wrongType(value, path, name, "an integer", nodeId);
        } else if (v.type == Type::Double && !v.has(json::BigInteger)) {
            wrongValue(value, path(),
                       inQuotes(name) + " must be an integer, found " + formatNumber(v.number),
                       nodeId);
        } else {
            wrongValue(value, path(), inQuotes(name) + " is out of range", nodeId);
        }
        return false;
    }

    template<typename PathFn>
    void unknownKey(std::uint32_t key, const PathFn &path, std::string_view where,
                    const std::vector<std::string_view> &known, const std::string &nodeId = {})
    {
        const std::string_view name = m_doc.string(key);
        error(key, path(), "unknown " + std::string(where) + "key " + inQuotes(name)
                             + didYouMean(name, known),
              nodeId);
    }

    template<typename Visit>
    void forEachMember(std::uint32_t object, Visit &&visit)
    {
        const std::uint32_t end = m_doc.end(object);
        for (std::uint32_t k = object + 1; k < end; k = m_doc.end(k + 1)) {
            if (!m_doc.at(k).has(json::Duplicate))
                visit(k, m_doc.string(k), k + 1);
        }
    }

    template<typename Visit>
    void forEachElement(std::uint32_t array, Visit &&visit)
    {
        const std::uint32_t end = m_doc.end(array);
        std::size_t i = 0;
        for (std::uint32_t c = array + 1; c < end; c = m_doc.end(c))
            visit(i++, c);
    }

    // False when the document is not a workflow at all, so the semantic
    // checks would only add noise.
    bool walk()
    {
        const json::Value &root = m_doc.at(0);
        if (root.type != Type::Object) {
            error(0, "", "a .weft file must hold a JSON object, found "
                             + std::string(json::describeType(root.type)));
            return false;
        }

        const std::uint32_t version = m_doc.member(0, "weft");
        if (!version) {
            error(0, "", "missing \"weft\": the format version (1)");
        } else if (m_doc.at(version).type == Type::Integer
                   && m_doc.at(version).integer != kFormatVersion) {
            error(version - 1, "/weft",
                  "unsupported format version " + std::to_string(m_doc.at(version).integer)
                      + "; this version of Weft reads version " + std::to_string(kFormatVersion));
            return false; // a newer format's keys cannot be judged by this one's rules
        } else if (m_doc.at(version).type != Type::Integer) {
            wrongType(version, fixedPath("/weft"), "weft", "the integer 1");
        }

        bool sawNodes = false;
        forEachMember(0, [&](std::uint32_t key, std::string_view name, std::uint32_t value) {
            auto path = [&] { return "/" + json::pointerToken(name); };
            if (name == "weft") {
                return;
            } else if (name == "name") {
                expectString(value, path, name, m_workflow.name);
            } else if (name == "description") {
                expectString(value, path, name, m_workflow.description);
            } else if (name == "settings") {
                readSettings(value);
            } else if (name == "nodes") {
                sawNodes = true;
                if (m_doc.at(value).type != Type::Array)
                    wrongType(value, path, name, "an array of nodes");
                else
                    readNodes(value);
            } else if (name == "groups") {
                if (m_doc.at(value).type != Type::Array)
                    wrongType(value, path, name, "an array of groups");
                else
                    m_groups = value;
            } else {
                unknownKey(key, path, "top-level ", kTopLevelKeys);
            }
        });
        if (!sawNodes)
            error(0, "", "missing \"nodes\": the list of nodes (it may be empty)");
        if (m_groups)
            readGroups(m_groups); // after the nodes, whatever the key order: members name them
        return true;
    }

    void readGroups(std::uint32_t array)
    {
        std::unordered_set<std::string> nodeIds;
        for (const Node &node : m_workflow.nodes)
            nodeIds.insert(node.id);
        std::unordered_map<std::string, std::string> groupOf; // node -> group
        std::unordered_set<std::string> groupIds;
        forEachElement(array, [&](std::size_t i, std::uint32_t object) {
            const std::string at = "/groups/" + std::to_string(i);
            if (m_doc.at(object).type != Type::Object) {
                wrongValue(object, at, "a group must be an object, found "
                                           + std::string(json::describeType(m_doc.at(object).type)));
                return;
            }
            Group group;
            std::uint32_t idValue = 0;
            forEachMember(object, [&](std::uint32_t key, std::string_view name, std::uint32_t value) {
                auto path = [&] { return at + "/" + json::pointerToken(name); };
                if (name == "id") {
                    idValue = value;
                    expectString(value, path, name, group.id);
                } else if (name == "label") {
                    expectString(value, path, name, group.label);
                } else if (name == "collapsed") {
                    if (m_doc.at(value).type == Type::Boolean)
                        group.collapsed = m_doc.at(value).boolean;
                    else
                        wrongType(value, path, name, "true or false");
                } else if (name == "nodes") {
                    if (m_doc.at(value).type != Type::Array) {
                        wrongType(value, path, name, "an array of node ids");
                        return;
                    }
                    forEachElement(value, [&](std::size_t j, std::uint32_t member) {
                        const std::string memberPath = path() + "/" + std::to_string(j);
                        if (m_doc.at(member).type != Type::String) {
                            wrongValue(member, memberPath,
                                       "a group member must be a node id (a string), found "
                                           + std::string(json::describeType(m_doc.at(member).type)));
                            return;
                        }
                        std::string id(m_doc.string(member));
                        if (!nodeIds.count(id)) {
                            error(member, memberPath,
                                  "group " + inQuotes(group.id.empty() ? at : group.id)
                                      + " names an unknown node " + inQuotes(id));
                            return;
                        }
                        auto [it, fresh] = groupOf.emplace(id, group.id);
                        if (!fresh) {
                            error(member, memberPath,
                                  "node " + inQuotes(id) + " is in two groups, "
                                      + inQuotes(it->second) + " and "
                                      + inQuotes(group.id) + ": a node is in one group at most",
                                  id);
                            return;
                        }
                        group.nodes.push_back(std::move(id));
                    });
                } else {
                    unknownKey(key, path, "group ", kGroupKeys);
                }
            });
            if (!idValue) {
                error(object, at, "a group needs an \"id\"");
            } else if (!group.id.empty() && !isValidNodeId(group.id)) {
                error(idValue, at + "/id", "group id " + inQuotes(group.id)
                                               + " must match [A-Za-z_][A-Za-z0-9_.-]*");
            } else if (!group.id.empty() && !groupIds.insert(group.id).second) {
                error(idValue, at + "/id", "duplicate group id " + inQuotes(group.id));
            }
            m_workflow.groups.push_back(std::move(group));
        });
    }

    void readSettings(std::uint32_t object)
    {
        if (m_doc.at(object).type != Type::Object) {
            wrongType(object, fixedPath("/settings"), "settings", "an object");
            return;
        }
        Settings &settings = m_workflow.settings;
        forEachMember(object, [&](std::uint32_t key, std::string_view name, std::uint32_t value) {
            auto path = [&] { return "/settings/" + json::pointerToken(name); };
            if (name == "jobs") {
                std::int64_t jobs = 0;
                if (expectInteger(value, path, name, std::numeric_limits<int>::min(),
                                  std::numeric_limits<int>::max(), jobs))
                    settings.jobs = int(jobs);
            } else if (name == "history") {
                std::int64_t keep = 0;
                if (expectInteger(value, path, name, 0, std::numeric_limits<int>::max(), keep))
                    settings.history = int(keep);
            } else if (name == "failure") {
                std::string text;
                if (!expectString(value, path, name, text))
                    return;
                if (const auto policy = failurePolicyFromString(text))
                    settings.failure = *policy;
                else
                    wrongValue(value, path(), "\"failure\" must be \"stop\" or \"keep-going\", found "
                                                + inQuotes(text));
            } else if (name == "pools") {
                if (m_doc.at(value).type != Type::Object) {
                    wrongType(value, path, name, "an object of pool sizes");
                    return;
                }
                forEachMember(value, [&](std::uint32_t, std::string_view pool, std::uint32_t size) {
                    std::int64_t n = 0;
                    auto poolPath = [&] { return path() + "/" + json::pointerToken(pool); };
                    if (expectInteger(size, poolPath, pool, std::numeric_limits<std::int64_t>::min(),
                                      std::numeric_limits<std::int64_t>::max(), n)) {
                        settings.pools.emplace(pool, n);
                    } else {
                        // Keep the pool defined, and large enough, so requests
                        // against it are not reported as a second problem.
                        settings.pools.emplace(pool, std::numeric_limits<std::int64_t>::max());
                    }
                });
            } else if (name == "launcher") {
                readLauncher(value, path, settings.launcher);
            } else if (name == "slurm") {
                readSlurm(value, path, false, settings.slurm);
            } else {
                unknownKey(key, path, "settings ", kSettingsKeys);
            }
        });
    }

    void readNodes(std::uint32_t array)
    {
        m_workflow.nodes.reserve(m_doc.at(array).children.count);
        m_nodeValues.reserve(m_doc.at(array).children.count);
        forEachElement(array, [&](std::size_t i, std::uint32_t value) {
            m_nodeValues.push_back(value);
            m_workflow.nodes.emplace_back();
            const std::string path = "/nodes/" + std::to_string(i);
            if (m_doc.at(value).type != Type::Object) {
                wrongValue(value, path,
                           "a node must be an object, found "
                               + std::string(json::describeType(m_doc.at(value).type)));
                return;
            }
            readNode(value, path, m_workflow.nodes.back());
        });
    }

    void readNode(std::uint32_t object, const std::string &path, Node &node)
    {
        // The id first, so every diagnostic about this node can name it.
        if (const std::uint32_t id = m_doc.member(object, "id")) {
            if (expectString(id, [&] { return path + "/id"; }, "id", node.id)
                && node.id.find_first_of("/[") != std::string::npos)
                wrongValue(id, path + "/id", "'/' and '[' in an id are kept for the nodes of a "
                                             "subworkflow (WORKFLOW/ID, WORKFLOW[N]/ID); found "
                                             + inQuotes(node.id), node.id);
        }
        const std::string &nodeId = node.id;

        forEachMember(object, [&](std::uint32_t key, std::string_view name, std::uint32_t value) {
            auto keyPath = [&] { return path + "/" + json::pointerToken(name); };
            const Type type = m_doc.at(value).type;
            if (name == "id") {
                return;
            } else if (name == "type") {
                expectString(value, keyPath, name, node.type, nodeId);
            } else if (name == "label") {
                expectString(value, keyPath, name, node.label, nodeId);
            } else if (name == "needs") {
                if (type != Type::Array) {
                    wrongType(value, keyPath, name, "an array of node ids", nodeId);
                    return;
                }
                node.needs.reserve(m_doc.at(value).children.count);
                forEachElement(value, [&](std::size_t j, std::uint32_t need) {
                    node.needs.emplace_back();
                    if (m_doc.at(need).type == Type::String)
                        node.needs.back() = m_doc.string(need);
                    else
                        wrongValue(need, keyPath() + "/" + std::to_string(j),
                                   "a need must be a node id (a string), found "
                                       + std::string(json::describeType(m_doc.at(need).type)),
                                   nodeId);
                });
            } else if (name == "foreach") {
                readForEach(value, keyPath, node);
            } else if (name == "params") {
                if (type != Type::Object) {
                    wrongType(value, keyPath, name, "an object", nodeId);
                    return;
                }
                node.params = toJson(value);
            } else if (name == "inputs") {
                readNamedPaths(value, keyPath, name, "an object of input names to paths or globs",
                               node.inputs, nodeId);
            } else if (name == "outputs") {
                readNamedPaths(value, keyPath, name, "an object of output names to paths",
                               node.outputs, nodeId);
            } else if (name == "timeout") {
                if (!m_doc.at(value).isNumber())
                    wrongType(value, keyPath, name, "a number of seconds", nodeId);
                else
                    node.timeout = m_doc.numberValue(value);
            } else if (name == "retries") {
                std::int64_t retries = 0;
                if (expectInteger(value, keyPath, name, std::numeric_limits<int>::min(),
                                  std::numeric_limits<int>::max(), retries, nodeId))
                    node.retries = int(retries);
            } else if (name == "resources") {
                if (type != Type::Object) {
                    wrongType(value, keyPath, name, "an object of pool amounts", nodeId);
                    return;
                }
                forEachMember(value, [&](std::uint32_t, std::string_view pool, std::uint32_t amount) {
                    std::int64_t n = 0;
                    auto amountPath = [&] { return keyPath() + "/" + json::pointerToken(pool); };
                    if (expectInteger(amount, amountPath, pool,
                                      std::numeric_limits<std::int64_t>::min(),
                                      std::numeric_limits<std::int64_t>::max(), n, nodeId))
                        node.resources.emplace(pool, n);
                });
            } else if (name == "isolation") {
                std::string text;
                if (!expectString(value, keyPath, name, text, nodeId))
                    return;
                if (const auto isolation = isolationFromString(text))
                    node.isolation = *isolation;
                else
                    wrongValue(value, keyPath(), "\"isolation\" must be \"thread\" or \"process\", found "
                                                   + inQuotes(text), nodeId);
            } else if (name == "memory") {
                // The size itself is the validator's (Isolation.h); here only its shape.
                if (type == Type::String)
                    node.memory = std::string(m_doc.string(value));
                else if (type == Type::Integer && m_doc.at(value).integer > 0)
                    node.memory = std::to_string(m_doc.at(value).integer);
                else
                    wrongType(value, keyPath, name, "a size: bytes, or a string such as \"512M\"", nodeId);
            } else if (name == "position") {
                const json::Value &v = m_doc.at(value);
                const bool ok = type == Type::Array && v.children.count == 2
                                && m_doc.at(value + 1).isNumber() && m_doc.at(value + 2).isNumber();
                if (!ok) {
                    std::string found(json::describeType(type));
                    if (type == Type::Array)
                        found = "an array of " + std::to_string(v.children.count) + " items";
                    wrongValue(value, keyPath(), "\"position\" must be [x, y] (two numbers), found "
                                                   + found,
                               nodeId);
                    return;
                }
                node.position = Position{m_doc.numberValue(value + 1), m_doc.numberValue(value + 2)};
            } else if (name == "launcher") {
                readLauncher(value, keyPath, node.launcher, nodeId);
            } else if (name == "slurm") {
                readSlurm(value, keyPath, true, node.slurm, nodeId);
            } else {
                unknownKey(key, keyPath, "node ", kNodeKeys, nodeId);
            }
        });
    }

    // Launchers (README "Running on Slurm"): "local" or "slurm".
    template<typename PathFn>
    void readLauncher(std::uint32_t value, const PathFn &path, std::string &out,
                      const std::string &nodeId = {})
    {
        std::string text;
        if (!expectString(value, path, "launcher", text, nodeId))
            return;
        if (text == "local" || text == "slurm")
            out = text;
        else
            wrongValue(value, path(), "\"launcher\" must be \"local\" or \"slurm\", found "
                                          + inQuotes(text) + didYouMean(text, {"local", "slurm"}),
                       nodeId);
    }

    // `slurm`: {"partition", "account"} in settings; {"cpus", "mem", "time",
    // "extra"} on a node. Kept as written; the launcher reads it.
    template<typename PathFn>
    void readSlurm(std::uint32_t value, const PathFn &path, bool onNode, nlohmann::json &out,
                   const std::string &nodeId = {})
    {
        static const std::vector<std::string_view> kSettingsSlurm = {"partition", "account"};
        static const std::vector<std::string_view> kNodeSlurm = {"cpus", "mem", "time", "extra"};
        if (m_doc.at(value).type != Type::Object) {
            wrongType(value, path, "slurm", "an object", nodeId);
            return;
        }
        nlohmann::json result = nlohmann::json::object();
        forEachMember(value, [&](std::uint32_t key, std::string_view name, std::uint32_t member) {
            auto memberPath = [&] { return path() + "/" + json::pointerToken(name); };
            const Type type = m_doc.at(member).type;
            if (!onNode && (name == "partition" || name == "account")) {
                std::string text;
                if (expectString(member, memberPath, name, text, nodeId) && !text.empty())
                    result[std::string(name)] = text;
            } else if (onNode && name == "cpus") {
                std::int64_t cpus = 0;
                if (expectInteger(member, memberPath, name, 1, 1 << 20, cpus, nodeId))
                    result["cpus"] = cpus;
            } else if (onNode && (name == "mem" || name == "time")) {
                // sbatch's own forms: "4G", "500M" / "10", "1:30:00", "2-00:00:00";
                // a number means sbatch's unit (megabytes / minutes).
                if (type == Type::Integer && m_doc.at(member).integer > 0)
                    result[std::string(name)] = std::to_string(m_doc.at(member).integer);
                else if (type == Type::String && !m_doc.string(member).empty())
                    result[std::string(name)] = std::string(m_doc.string(member));
                else
                    wrongValue(member, memberPath(),
                               inQuotes(name) + " must be " + (name == "mem" ? "a size such as \"4G\"" : "a time limit such as \"1:30:00\"")
                                   + " or a positive integer, found "
                                   + (type == Type::String ? std::string("an empty string")
                                                           : std::string(json::describeType(type))),
                               nodeId);
            } else if (onNode && name == "extra") {
                if (type != Type::Array) {
                    wrongType(member, memberPath, name, "an array of sbatch arguments", nodeId);
                    return;
                }
                nlohmann::json extra = nlohmann::json::array();
                forEachElement(member, [&](std::size_t j, std::uint32_t element) {
                    if (m_doc.at(element).type == Type::String)
                        extra.push_back(std::string(m_doc.string(element)));
                    else
                        wrongValue(element, memberPath() + "/" + std::to_string(j),
                                   "an sbatch argument must be a string, found "
                                       + std::string(json::describeType(m_doc.at(element).type)),
                                   nodeId);
                });
                result["extra"] = std::move(extra);
            } else {
                unknownKey(key, memberPath, onNode ? "node slurm " : "settings slurm ",
                           onNode ? kNodeSlurm : kSettingsSlurm, nodeId);
            }
        });
        out = std::move(result);
    }

    // `foreach`: a list of strings, {"glob": PATTERN} or one reference
    // string. Shapes are checked here; what a reference names, and that the
    // string is exactly one reference, by the validator.
    template<typename PathFn>
    void readForEach(std::uint32_t value, const PathFn &path, Node &node)
    {
        const std::string &nodeId = node.id;
        const Type type = m_doc.at(value).type;
        ForEach foreach;
        if (type == Type::String) {
            foreach.kind = ForEach::Kind::Reference;
            foreach.text = m_doc.string(value);
        } else if (type == Type::Array) {
            foreach.kind = ForEach::Kind::List;
            foreach.items.reserve(m_doc.at(value).children.count);
            forEachElement(value, [&](std::size_t j, std::uint32_t item) {
                foreach.items.emplace_back();
                if (m_doc.at(item).type == Type::String)
                    foreach.items.back() = m_doc.string(item);
                else
                    wrongValue(item, path() + "/" + std::to_string(j),
                               "a foreach item must be a string, found "
                                   + std::string(json::describeType(m_doc.at(item).type)),
                               nodeId);
            });
        } else if (type == Type::Object) {
            foreach.kind = ForEach::Kind::Glob;
            bool sawGlob = false;
            forEachMember(value, [&](std::uint32_t key, std::string_view name, std::uint32_t member) {
                auto memberPath = [&] { return path() + "/" + json::pointerToken(name); };
                if (name == "glob") {
                    sawGlob = true;
                    expectString(member, memberPath, name, foreach.text, nodeId);
                } else {
                    unknownKey(key, memberPath, "foreach ", kForEachKeys, nodeId);
                }
            });
            if (!sawGlob)
                wrongValue(value, path(),
                           "\"foreach\" as an object needs \"glob\": a pattern, as in "
                           "{\"glob\": \"src/*.c\"}",
                           nodeId);
        } else {
            wrongType(value, path, "foreach",
                      "a list of items, {\"glob\": PATTERN} or a reference \"${NODE.NAME}\"",
                      nodeId);
            return;
        }
        node.foreach = std::move(foreach);
    }

    // `inputs` and `outputs`: name -> a path or a list of paths. Types are
    // checked here; names, empty lists and empty paths by the validator, so
    // a workflow built in memory gets the same answers.
    template<typename PathFn>
    void readNamedPaths(std::uint32_t object, const PathFn &path, std::string_view key,
                        std::string_view expected, NamedValues &out, const std::string &nodeId)
    {
        if (m_doc.at(object).type != Type::Object) {
            wrongType(object, path, key, expected, nodeId);
            return;
        }
        forEachMember(object, [&](std::uint32_t, std::string_view name, std::uint32_t value) {
            auto valuePath = [&] { return path() + "/" + json::pointerToken(name); };
            const json::Value &v = m_doc.at(value);
            if (v.type == Type::String) {
                out.emplace(std::string(name), StringOrList(std::string(m_doc.string(value))));
            } else if (v.type == Type::Array) {
                std::vector<std::string> items;
                items.reserve(v.children.count);
                forEachElement(value, [&](std::size_t j, std::uint32_t item) {
                    // A wrong item keeps its place (empty, its complaints
                    // suppressed), so the list is not reported empty as well.
                    items.emplace_back();
                    if (m_doc.at(item).type == Type::String)
                        items.back() = m_doc.string(item);
                    else
                        wrongValue(item, valuePath() + "/" + std::to_string(j),
                                   "a path must be a string, found "
                                       + std::string(json::describeType(m_doc.at(item).type)),
                                   nodeId);
                });
                out.emplace(std::string(name), StringOrList(std::move(items)));
            } else {
                wrongType(value, valuePath, name, "a path or a list of paths", nodeId);
            }
        });
    }

    // Parameters are the operation's business: kept as nlohmann::json and
    // checked by the validator against the operation's declarations. Depth is
    // bounded by the parser, so recursion here is too.
    nlohmann::json toJson(std::uint32_t index)
    {
        const json::Value &v = m_doc.at(index);
        switch (v.type) {
        case Type::Null: return nullptr;
        case Type::Boolean: return v.boolean;
        case Type::Integer: return v.integer;
        case Type::Double: return v.number;
        case Type::String: return std::string(m_doc.string(index));
        case Type::Array: {
            nlohmann::json array = nlohmann::json::array();
            auto &items = array.get_ref<nlohmann::json::array_t &>();
            items.reserve(v.children.count);
            forEachElement(index, [&](std::size_t, std::uint32_t item) {
                items.push_back(toJson(item));
            });
            return array;
        }
        case Type::Object: {
            nlohmann::json object = nlohmann::json::object();
            auto &members = object.get_ref<nlohmann::json::object_t &>();
            forEachMember(index, [&](std::uint32_t, std::string_view key, std::uint32_t item) {
                members.emplace(std::string(key), toJson(item));
            });
            return object;
        }
        }
        return nullptr;
    }

    bool isSuppressed(std::string_view path) const
    {
        if (m_suppressed.empty())
            return false;
        for (std::size_t slash = path.size();; --slash) {
            if (slash == path.size() || path[slash] == '/') {
                if (m_suppressed.contains(std::string(path.substr(0, slash))))
                    return true;
            }
            if (slash == 0)
                return false;
        }
    }

    void validate()
    {
        auto needs = std::make_shared<ResolvedNeeds>();
        Diagnostics found = validateWorkflow(m_workflow, m_registry, *needs);
        m_needs = std::move(needs);
        for (Diagnostic &d : found) {
            if (isSuppressed(d.path))
                continue;
            std::uint32_t at = locate(d.path);
            json::TextPosition where = m_doc.positionOf(at);
            if (d.textOffset >= 0) {
                // Inside a string: the column of that very character.
                if (m_doc.at(at).has(json::Key))
                    ++at;
                if (m_doc.at(at).type == Type::String)
                    where = m_doc.position(m_doc.rawOffset(at, std::size_t(d.textOffset)));
            }
            d.line = where.line;
            d.column = where.column;
            m_out.push_back(std::move(d));
        }
    }

    std::uint32_t locate(std::string_view path) const
    {
        // Most paths start at a node: jump to it instead of counting siblings.
        constexpr std::string_view prefix = "/nodes/";
        if (path.starts_with(prefix)) {
            std::size_t index = 0;
            const char *begin = path.data() + prefix.size();
            const char *end = path.data() + path.size();
            const auto [ptr, ec] = std::from_chars(begin, end, index);
            if (ec == std::errc() && index < m_nodeValues.size() && (ptr == end || *ptr == '/'))
                return m_doc.resolve(path, m_nodeValues[index], std::size_t(ptr - path.data()));
        }
        return m_doc.resolve(path);
    }

    // The JSON Pointer of the value or key at a tape index.
    std::string pathOf(std::uint32_t target) const
    {
        std::string path;
        std::uint32_t current = 0;
        while (current != target) {
            const json::Value &v = m_doc.at(current);
            const bool isObject = v.type == Type::Object;
            std::uint32_t next = 0;
            std::size_t i = 0;
            for (std::uint32_t c = current + 1; c < m_doc.end(current); ++i) {
                const std::uint32_t value = isObject ? c + 1 : c;
                if (target >= c && target < m_doc.end(value)) {
                    path += "/";
                    path += isObject ? json::pointerToken(m_doc.string(c)) : std::to_string(i);
                    next = target == c ? target : value;
                    break;
                }
                c = m_doc.end(value);
            }
            if (!next)
                break;
            current = next;
        }
        return path;
    }

    const OperationRegistry &m_registry;
    std::shared_ptr<const ResolvedNeeds> m_needs; // from validate(), for a compile without a second one
    Document m_doc;
    Workflow m_workflow;
    Diagnostics m_out;
    std::unordered_set<std::string> m_suppressed;
    std::vector<std::uint32_t> m_nodeValues; // node i -> its value in the document
    std::uint32_t m_groups = 0;              // the "groups" array, read after the nodes
};

// --- Writing -----------------------------------------------------------------

void appendKey(std::string &out, int indent, std::string_view key)
{
    out += '\n';
    out.append(std::size_t(indent), ' ');
    out += '"';
    out += key; // keys of the format itself never need escaping
    out += "\": ";
}

// A member after the first: the comma, then the key.
void appendNextKey(std::string &out, int indent, std::string_view key)
{
    out += ',';
    appendKey(out, indent, key);
}

// A list of strings on one line: ["a", "b"].
void appendStringList(std::string &out, const std::vector<std::string> &items)
{
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i)
            out += ", ";
        json::appendString(out, items[i]);
    }
    out += ']';
}

// An object laid out one member per line at `indent` + 2; `writeValue`
// writes each member's value.
template<typename Map, typename WriteValue>
void appendMembers(std::string &out, const Map &map, int indent, WriteValue writeValue)
{
    out += '{';
    bool first = true;
    for (const auto &member : map) {
        if (!first)
            out += ',';
        first = false;
        out += '\n';
        out.append(std::size_t(indent + 2), ' ');
        json::appendString(out, member.first);
        out += ": ";
        writeValue(member.second);
    }
    out += '\n';
    out.append(std::size_t(indent), ' ');
    out += '}';
}

void appendStringMap(std::string &out, const std::map<std::string, std::int64_t> &map, int indent)
{
    appendMembers(out, map, indent, [&out](std::int64_t amount) { json::appendInteger(out, amount); });
}

// One member per line, a list on one line, as `needs` is written.
void appendNamedValues(std::string &out, const NamedValues &values, int indent)
{
    appendMembers(out, values, indent, [&out](const auto &value) {
        if (!value.list) {
            json::appendString(out, value.items.empty() ? std::string() : value.items.front());
            return;
        }
        appendStringList(out, value.items);
    });
}

void appendNode(std::string &out, const Node &node)
{
    constexpr int indent = 6;
    out += "    {";
    appendKey(out, indent, "id");
    json::appendString(out, node.id);
    appendNextKey(out, indent, "type");
    json::appendString(out, node.type);
    if (!node.label.empty()) {
        appendNextKey(out, indent, "label");
        json::appendString(out, node.label);
    }
    if (!node.needs.empty()) {
        appendNextKey(out, indent, "needs");
        appendStringList(out, node.needs);
    }
    if (node.foreach) {
        // Right after needs: both say when and how often the node runs.
        appendNextKey(out, indent, "foreach");
        switch (node.foreach->kind) {
        case ForEach::Kind::List:
            appendStringList(out, node.foreach->items);
            break;
        case ForEach::Kind::Glob:
            out += "{\"glob\": ";
            json::appendString(out, node.foreach->text);
            out += '}';
            break;
        case ForEach::Kind::Reference:
            json::appendString(out, node.foreach->text);
            break;
        }
    }
    if (!node.params.is_null() && !(node.params.is_object() && node.params.empty())) {
        appendNextKey(out, indent, "params");
        json::appendValue(out, node.params, indent);
    }
    if (!node.inputs.empty()) {
        appendNextKey(out, indent, "inputs");
        appendNamedValues(out, node.inputs, indent);
    }
    if (!node.outputs.empty()) {
        appendNextKey(out, indent, "outputs");
        appendNamedValues(out, node.outputs, indent);
    }
    if (node.timeout) {
        appendNextKey(out, indent, "timeout");
        json::appendNumber(out, *node.timeout);
    }
    if (node.retries != 0) {
        appendNextKey(out, indent, "retries");
        json::appendInteger(out, node.retries);
    }
    if (!node.resources.empty()) {
        appendNextKey(out, indent, "resources");
        appendStringMap(out, node.resources, indent);
    }
    if (!node.launcher.empty()) {
        appendNextKey(out, indent, "launcher");
        json::appendString(out, node.launcher);
    }
    if (!node.slurm.is_null()) {
        appendNextKey(out, indent, "slurm");
        json::appendValue(out, node.slurm, indent);
    }
    if (node.isolation != Isolation::Thread) {
        appendNextKey(out, indent, "isolation");
        json::appendString(out, toString(node.isolation));
    }
    if (!node.memory.empty()) {
        appendNextKey(out, indent, "memory");
        if (node.memory.size() < 19 && node.memory.find_first_not_of("0123456789") == std::string::npos)
            out += node.memory; // written as a number of bytes: saved as one
        else
            json::appendString(out, node.memory);
    }
    if (node.position) {
        appendNextKey(out, indent, "position");
        out += '[';
        json::appendNumber(out, node.position->x);
        out += ", ";
        json::appendNumber(out, node.position->y);
        out += ']';
    }
    out += "\n    }";
}

std::string systemError(const std::string &what, const std::filesystem::path &path)
{
    return "cannot " + what + " " + path.string() + ": " + std::strerror(errno);
}

bool readWholeFile(const std::filesystem::path &path, std::string &contents, std::string &error)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = systemError("read", path);
        return false;
    }
    struct stat info{};
    if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
        ::close(fd);
        error = "cannot read " + path.string() + ": it is a directory";
        return false;
    }
    // Read to the end rather than trusting st_size (pipes and /proc report 0);
    // one spare byte lets a regular file finish in one read plus the read
    // that returns 0, without growing the buffer.
    contents.assign(info.st_size > 0 ? std::size_t(info.st_size) + 1 : 65536, '\0');
    std::size_t used = 0;
    for (;;) {
        if (used == contents.size())
            contents.resize(contents.size() * 2);
        const ssize_t n = ::read(fd, contents.data() + used, contents.size() - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            error = systemError("read", path);
            ::close(fd);
            return false;
        }
        if (n == 0)
            break;
        used += std::size_t(n);
    }
    contents.resize(used);
    ::close(fd);
    return true;
}

} // namespace

LoadResult parseWorkflow(std::string_view text, const OperationRegistry *registry)
{
    Loader loader(registry ? *registry : OperationRegistry::builtin());
    return loader.load(text);
}

LoadResult loadWorkflowFile(const std::filesystem::path &path, const OperationRegistry *registry)
{
    std::string contents;
    std::string error;
    if (!readWholeFile(path, contents, error)) {
        LoadResult result;
        result.diagnostics.push_back({Severity::Error, error, "", 0, 0, {}});
        return result;
    }
    return parseWorkflow(contents, registry);
}

std::string serializeWorkflow(const Workflow &workflow)
{
    std::string out;
    out.reserve(256 + workflow.nodes.size() * 160);
    out += "{\n  \"weft\": ";
    json::appendInteger(out, kFormatVersion);
    if (!workflow.name.empty()) {
        appendNextKey(out, 2, "name");
        json::appendString(out, workflow.name);
    }
    if (!workflow.description.empty()) {
        appendNextKey(out, 2, "description");
        json::appendString(out, workflow.description);
    }
    const Settings &settings = workflow.settings;
    if (settings != Settings{}) {
        appendNextKey(out, 2, "settings");
        out += '{';
        bool first = true;
        auto separate = [&] {
            if (!first)
                out += ',';
            first = false;
        };
        if (settings.jobs != 0) {
            separate();
            appendKey(out, 4, "jobs");
            json::appendInteger(out, settings.jobs);
        }
        if (settings.failure != FailurePolicy::Stop) {
            separate();
            appendKey(out, 4, "failure");
            json::appendString(out, toString(settings.failure));
        }
        if (!settings.pools.empty()) {
            separate();
            appendKey(out, 4, "pools");
            appendStringMap(out, settings.pools, 4);
        }
        if (settings.history != Settings{}.history) {
            separate();
            appendKey(out, 4, "history");
            json::appendInteger(out, settings.history);
        }
        if (!settings.launcher.empty()) {
            separate();
            appendKey(out, 4, "launcher");
            json::appendString(out, settings.launcher);
        }
        if (!settings.slurm.is_null()) {
            separate();
            appendKey(out, 4, "slurm");
            json::appendValue(out, settings.slurm, 4);
        }
        out += "\n  }";
    }
    appendNextKey(out, 2, "nodes");
    if (workflow.nodes.empty()) {
        out += "[]";
    } else {
        out += "[\n";
        for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
            if (i)
                out += ",\n";
            appendNode(out, workflow.nodes[i]);
        }
        out += "\n  ]";
    }
    if (!workflow.groups.empty()) {
        // After the nodes, one group a line: the editor's, read last.
        appendNextKey(out, 2, "groups");
        out += "[\n";
        for (std::size_t i = 0; i < workflow.groups.size(); ++i) {
            const Group &group = workflow.groups[i];
            out += i ? ",\n    { \"id\": " : "    { \"id\": ";
            json::appendString(out, group.id);
            if (!group.label.empty()) {
                out += ", \"label\": ";
                json::appendString(out, group.label);
            }
            out += ", \"nodes\": [";
            for (std::size_t j = 0; j < group.nodes.size(); ++j) {
                if (j)
                    out += ", ";
                json::appendString(out, group.nodes[j]);
            }
            out += ']';
            if (group.collapsed)
                out += ", \"collapsed\": true";
            out += " }";
        }
        out += "\n  ]";
    }
    out += "\n}\n";
    return out;
}

SaveResult saveWorkflowFile(const Workflow &workflow, const std::filesystem::path &path)
{
    return writeFileAtomically(path, serializeWorkflow(workflow));
}

} // namespace weft
