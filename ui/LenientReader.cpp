// SPDX-License-Identifier: Apache-2.0
#include "LenientReader.h"

#include <weft/WorkflowFile.h>

namespace weft::ui {

using json = nlohmann::json;

std::optional<Workflow> readWorkflowLeniently(std::string_view text, std::string *error)
{
    // The strict loader first: whatever it accepts is read exactly as a file would be.
    LoadResult strict = parseWorkflow(text);
    if (strict.ok())
        return std::move(strict.workflow);

    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("nodes")
        || !doc["nodes"].is_array()) {
        if (error)
            *error = strict.diagnostics.empty() ? "not a workflow" : strict.diagnostics.front().message;
        return std::nullopt;
    }
    Workflow workflow;
    if (doc.contains("name") && doc["name"].is_string())
        workflow.name = doc["name"].get<std::string>();
    if (doc.contains("description") && doc["description"].is_string())
        workflow.description = doc["description"].get<std::string>();
    for (const json &n : doc["nodes"]) {
        if (!n.is_object() || !n.contains("id") || !n["id"].is_string())
            continue;
        Node node;
        node.id = n["id"].get<std::string>();
        if (n.contains("type") && n["type"].is_string())
            node.type = n["type"].get<std::string>();
        if (n.contains("label") && n["label"].is_string())
            node.label = n["label"].get<std::string>();
        if (n.contains("needs") && n["needs"].is_array()) {
            for (const json &need : n["needs"]) {
                if (need.is_string())
                    node.needs.push_back(need.get<std::string>());
            }
        }
        if (n.contains("params") && n["params"].is_object())
            node.params = n["params"];
        // Data and fan-out keys (DESIGN.md, "Outputs and references"): kept
        // as written, so a paste of a half-valid workflow loses none of them.
        for (const char *key : {"inputs", "outputs"}) {
            if (!n.contains(key) || !n[key].is_object())
                continue;
            NamedValues &values = std::string_view(key) == "inputs" ? node.inputs : node.outputs;
            for (auto it = n[key].begin(); it != n[key].end(); ++it) {
                if (it->is_string()) {
                    values[it.key()] = StringOrList(it->get<std::string>());
                } else if (it->is_array()) {
                    std::vector<std::string> items;
                    for (const json &item : *it) {
                        if (item.is_string())
                            items.push_back(item.get<std::string>());
                    }
                    values[it.key()] = StringOrList(std::move(items));
                }
            }
        }
        if (n.contains("foreach")) {
            const json &f = n["foreach"];
            ForEach fe;
            if (f.is_array()) {
                fe.kind = ForEach::Kind::List;
                for (const json &item : f) {
                    if (item.is_string())
                        fe.items.push_back(item.get<std::string>());
                }
                node.foreach = fe;
            } else if (f.is_string()) {
                fe.kind = ForEach::Kind::Reference;
                fe.text = f.get<std::string>();
                node.foreach = fe;
            } else if (f.is_object() && f.contains("glob") && f["glob"].is_string()) {
                fe.kind = ForEach::Kind::Glob;
                fe.text = f["glob"].get<std::string>();
                node.foreach = fe;
            }
        }
        if (n.contains("timeout") && n["timeout"].is_number())
            node.timeout = n["timeout"].get<double>();
        if (n.contains("retries") && n["retries"].is_number_integer())
            node.retries = n["retries"].get<int>();
        if (n.contains("resources") && n["resources"].is_object()) {
            for (auto it = n["resources"].begin(); it != n["resources"].end(); ++it) {
                if (it->is_number_integer())
                    node.resources[it.key()] = it->get<std::int64_t>();
            }
        }
        if (n.contains("position") && n["position"].is_array() && n["position"].size() == 2
            && n["position"][0].is_number() && n["position"][1].is_number()) {
            node.position = Position{n["position"][0].get<double>(), n["position"][1].get<double>()};
        }
        workflow.nodes.push_back(std::move(node));
    }
    if (doc.contains("settings") && doc["settings"].is_object()) {
        const json &s = doc["settings"];
        if (s.contains("jobs") && s["jobs"].is_number_integer())
            workflow.settings.jobs = s["jobs"].get<int>();
        if (s.contains("failure") && s["failure"].is_string()) {
            if (auto policy = failurePolicyFromString(s["failure"].get<std::string>()))
                workflow.settings.failure = *policy;
        }
        if (s.contains("pools") && s["pools"].is_object()) {
            for (auto it = s["pools"].begin(); it != s["pools"].end(); ++it) {
                if (it->is_number_integer())
                    workflow.settings.pools[it.key()] = it->get<std::int64_t>();
            }
        }
    }
    return workflow;
}

} // namespace weft::ui
