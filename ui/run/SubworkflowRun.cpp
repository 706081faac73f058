// SPDX-License-Identifier: Apache-2.0
#include "run/SubworkflowRun.h"

#include <weft/Subworkflow.h>

#include <QDir>
#include <QFileInfo>

#include <unordered_map>

namespace weft::ui {

SubworkflowExpansion expandForRun(std::shared_ptr<const Workflow> workflow, const QString &file)
{
    SubworkflowExpansion result;
    if (!workflow || !hasSubworkflows(*workflow)) {
        result.workflow = std::move(workflow);
        return result;
    }
    // A copy: the document's snapshot is never what changes.
    auto expanded = std::make_shared<Workflow>(*workflow);
    std::vector<FileDiagnostic> problems;
    const std::filesystem::path path(file.toStdString());
    const bool ok = expandSubworkflows(*expanded, path, problems);
    for (const FileDiagnostic &p : problems) {
        if (p.diagnostic.severity == Severity::Error || !ok)
            result.errors << QString::fromStdString(formatDiagnostic(p.diagnostic, p.file));
    }
    if (ok) {
        result.workflow = std::move(expanded);
        result.expanded = true;
    } else if (result.errors.isEmpty()) {
        result.errors << QObject::tr("%1: the workflow nodes could not be expanded")
                             .arg(QFileInfo(file).fileName());
    }
    return result;
}

QString includedFile(const Node &node, const QString &includingFile)
{
    const auto it = node.params.find("file");
    if (it == node.params.end() || !it->is_string())
        return {};
    const QString name = QString::fromStdString(it->get<std::string>());
    if (name.isEmpty())
        return {};
    if (QFileInfo(name).isAbsolute())
        return QDir::cleanPath(name);
    return QDir::cleanPath(QFileInfo(includingFile).absoluteDir().filePath(name));
}

int SubworkflowProgress::Sums::finished() const
{
    int done = 0;
    for (std::size_t s = 0; s < counts.size(); ++s) {
        if (isFinal(NodeState(s)))
            done += counts[s];
    }
    return done;
}

void SubworkflowProgress::reset(const Workflow &workflow)
{
    m_states.clear();
    m_groupsOf.clear();
    m_sums.clear();
    const auto &nodes = workflow.nodes;
    bool any = false;
    for (const Node &n : nodes) {
        if (n.id.find('/') != std::string::npos) {
            any = true;
            break;
        }
    }
    if (!any)
        return; // nothing was expanded: no cost for the usual run
    std::unordered_map<std::string_view, int> index;
    index.reserve(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i)
        index.emplace(nodes[i].id, int(i));
    m_states.assign(nodes.size(), NodeState::Pending);
    m_groupsOf.resize(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        // Innermost first: "a/b/c" is inside "a/b", then "a"; an item of a
        // workflow node's fan-out, "a[2]/b", is inside "a[2]", then "a".
        std::string_view rest = nodes[i].id;
        for (;;) {
            if (!rest.empty() && rest.back() == ']' && rest.rfind('[') != std::string_view::npos
                && rest.rfind('[') > 0) {
                rest = rest.substr(0, rest.rfind('['));
            } else {
                const std::size_t slash = rest.rfind('/');
                if (slash == std::string_view::npos || slash == 0)
                    break;
                rest = rest.substr(0, slash);
            }
            const auto it = index.find(rest);
            if (it == index.end())
                continue;
            m_groupsOf[i].push_back(it->second);
            Sums &sums = m_sums[it->second];
            ++sums.total;
            ++sums.counts[std::size_t(NodeState::Pending)];
        }
    }
}

void SubworkflowProgress::update(int index, NodeState state, std::vector<int> &changed)
{
    if (index < 0 || std::size_t(index) >= m_states.size())
        return;
    NodeState &was = m_states[std::size_t(index)];
    if (was == state)
        return;
    for (int group : m_groupsOf[std::size_t(index)]) {
        Sums &sums = m_sums[group];
        --sums.counts[std::size_t(was)];
        ++sums.counts[std::size_t(state)];
        changed.push_back(group);
    }
    was = state;
}

const SubworkflowProgress::Sums *SubworkflowProgress::sums(int index) const
{
    const auto it = m_sums.find(index);
    return it == m_sums.end() ? nullptr : &it->second;
}

} // namespace weft::ui
