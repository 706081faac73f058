// SPDX-License-Identifier: Apache-2.0
#include "weft/Events.h"

#include "weft/References.h"

#include "weft/Workflow.h"

#include <algorithm>

namespace weft {

std::string_view toString(NodeState state)
{
    switch (state) {
    case NodeState::Pending: return "pending";
    case NodeState::Waiting: return "waiting";
    case NodeState::Running: return "running";
    case NodeState::Succeeded: return "succeeded";
    case NodeState::Failed: return "failed";
    case NodeState::Skipped: return "skipped";
    case NodeState::Cancelled: return "cancelled";
    }
    return "unknown";
}

bool isFinal(NodeState state)
{
    return state == NodeState::Succeeded || state == NodeState::Failed
           || state == NodeState::Skipped || state == NodeState::Cancelled;
}

std::string pendingDetail(const Node &node)
{
    constexpr std::size_t kShown = 8; // a join of 1,000 needs stays one readable line
    std::string detail;
    // Needs implied by references count too; most nodes have none to parse.
    const std::vector<std::string> implied = allNeeds(node);
    const std::vector<std::string> &needs = implied.size() == node.needs.size() ? node.needs : implied;
    const std::size_t shown = std::min(needs.size(), kShown);
    for (std::size_t k = 0; k < shown; ++k) {
        if (k > 0)
            detail += ", ";
        detail += needs[k];
    }
    if (shown < needs.size())
        detail += " and " + std::to_string(needs.size() - shown) + " more";
    return detail;
}

std::string_view toString(WaitReason reason)
{
    switch (reason) {
    case WaitReason::None: return "";
    case WaitReason::Needs: return "needs";
    case WaitReason::Pool: return "pool";
    case WaitReason::JobSlot: return "job slot";
    case WaitReason::Exclusive: return "exclusive";
    case WaitReason::Approval: return "approval";
    case WaitReason::Trigger: return "trigger";
    case WaitReason::SlurmQueue: return "slurm queue";
    }
    return "";
}

std::string_view toString(OutputStream stream)
{
    return stream == OutputStream::Stdout ? "stdout" : "stderr";
}

std::string_view toString(RunOutcome outcome)
{
    switch (outcome) {
    case RunOutcome::Succeeded: return "succeeded";
    case RunOutcome::Failed: return "failed";
    case RunOutcome::Cancelled: return "cancelled";
    }
    return "unknown";
}

void appendValue(NamedValues &values, std::string_view name, std::string value)
{
    const auto it = values.find(name);
    if (it == values.end()) {
        values.emplace(std::string(name), StringOrList(std::move(value)));
        return;
    }
    it->second.list = true;
    it->second.items.push_back(std::move(value));
}

} // namespace weft
