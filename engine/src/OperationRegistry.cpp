// SPDX-License-Identifier: Apache-2.0
#include "weft/Operation.h"

#include <algorithm>

namespace weft {

std::string_view toString(ExecutionSite site)
{
    switch (site) {
    case ExecutionSite::WorkerThread: return "worker thread";
    case ExecutionSite::ChildProcess: return "child process";
    case ExecutionSite::Timer: return "timer";
    }
    return "unknown";
}

std::string_view toString(ParamKind kind)
{
    switch (kind) {
    case ParamKind::String: return "string";
    case ParamKind::Command: return "command";
    case ParamKind::Number: return "number";
    case ParamKind::Integer: return "integer";
    case ParamKind::Boolean: return "boolean";
    case ParamKind::StringList: return "list of strings";
    case ParamKind::StringMap: return "map of strings";
    case ParamKind::Path: return "path";
    case ParamKind::PathList: return "list of paths";
    }
    return "unknown";
}

const ParamDecl *OperationType::param(std::string_view paramName) const
{
    for (const ParamDecl &p : params) {
        if (p.name == paramName)
            return &p;
    }
    return nullptr;
}

void OperationRegistry::add(OperationType type)
{
    auto it = std::find_if(m_types.begin(), m_types.end(),
                           [&](const OperationType &t) { return t.name == type.name; });
    if (it != m_types.end())
        *it = std::move(type);
    else
        m_types.push_back(std::move(type));
}

const OperationType *OperationRegistry::find(std::string_view name) const
{
    for (const OperationType &t : m_types) {
        if (t.name == name)
            return &t;
    }
    return nullptr;
}

std::vector<std::string> OperationRegistry::names() const
{
    std::vector<std::string> result;
    result.reserve(m_types.size());
    for (const OperationType &t : m_types)
        result.push_back(t.name);
    return result;
}

std::string describe(const Semantics &s)
{
    std::string text(toString(s.site));
    text += s.blocksWorker ? " · blocks a worker" : " · holds no worker";
    if (s.trigger)
        text += " · trigger: waits holding no thread and no job slot";
    text += s.reentrant ? " · reentrant" : " · non-reentrant";
    text += s.cancellable ? " · cancellable" : " · not cancellable";
    if (!s.touches.empty()) {
        text += " · touches: ";
        for (std::size_t i = 0; i < s.touches.size(); ++i) {
            if (i)
                text += ", ";
            text += s.touches[i];
        }
    }
    return text;
}

} // namespace weft
