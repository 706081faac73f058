// SPDX-License-Identifier: Apache-2.0
#include "canvas/ConcurrencyLens.h"

#include "Document.h"
#include "canvas/GraphScene.h"
#include "canvas/NodeItem.h"

#include <weft/Concurrency.h>
#include <weft/Operation.h>
#include <weft/Workflow.h>

namespace weft::ui {

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

// Why two nodes that neither needs the other still never overlap: the same
// type that may not run twice at once, or a pool that cannot hold both.
QString apartBy(const Workflow &w, const Node &a, const Node &b)
{
    if (a.type == b.type) {
        if (const OperationType *type = OperationRegistry::builtin().find(a.type);
            type && !type->semantics.reentrant)
            return QObject::tr("Never beside %1: both are “%2”, which may not run twice at once")
                .arg(q(a.id), q(a.type));
    }
    for (const auto &[pool, amount] : a.resources) {
        const auto other = b.resources.find(pool);
        const auto size = w.settings.pools.find(pool);
        if (other != b.resources.end() && size != w.settings.pools.end()
            && amount + other->second > size->second)
            return QObject::tr("Never beside %1: pool “%2” (size %3) cannot hold both (%4 + %5)")
                .arg(q(a.id), q(pool))
                .arg(size->second)
                .arg(amount)
                .arg(other->second);
    }
    return {};
}

} // namespace

ConcurrencyLens::ConcurrencyLens(GraphScene *scene, Document *document, QObject *parent)
    : QObject(parent)
    , m_scene(scene)
    , m_document(document)
{
    scene->setLensReasonProvider([this](const QString &id) { return reasonFor(id); });
    // An edit may add or remove the very edge that orders two nodes.
    connect(document, &Document::contentsChanged, this, [this] {
        if (!m_focus.isEmpty())
            setFocus(m_document->workflow().nodes.empty() || indexOf(m_focus) < 0 ? QString()
                                                                                    : m_focus);
    });
}

ConcurrencyLens::~ConcurrencyLens() = default;

const ConcurrencyGraph &ConcurrencyLens::graph()
{
    std::shared_ptr<const Workflow> snapshot = m_document->snapshot();
    if (!m_graph || snapshot != m_workflow) {
        m_workflow = std::move(snapshot);
        m_graph = std::make_unique<ConcurrencyGraph>(*m_workflow);
    }
    return *m_graph;
}

int ConcurrencyLens::indexOf(const QString &id) const
{
    return int(m_document->indexOf(id.toStdString()));
}

void ConcurrencyLens::setFocus(const QString &id)
{
    m_failing.clear();
    m_whatIf.clear();
    const int focus = id.isEmpty() ? -1 : indexOf(id);
    m_focus = focus < 0 ? QString() : id;
    m_beside.clear();
    m_apart.clear();
    if (focus >= 0) {
        const ConcurrencyGraph &g = graph();
        m_beside = g.mayRunBeside(std::uint32_t(focus));
        m_apart.assign(m_beside.size(), QString());
        const auto &nodes = m_workflow->nodes;
        const Node &f = nodes[std::size_t(focus)];
        for (std::size_t i = 0; i < m_beside.size(); ++i) {
            if (!m_beside[i])
                continue;
            QString why = apartBy(*m_workflow, f, nodes[i]);
            if (!why.isEmpty()) {
                m_beside[i] = 0;
                m_apart[i] = std::move(why);
            }
        }
    }
    apply();
}

void ConcurrencyLens::apply()
{
    const auto &nodes = m_document->workflow().nodes;
    const int focus = m_focus.isEmpty() ? -1 : indexOf(m_focus);
    int changed = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        NodeItem *item = m_scene->nodeItem(q(nodes[i].id));
        if (!item)
            continue;
        NodeItem::Lens lens = NodeItem::Lens::None;
        if (!m_failing.isEmpty() && i < m_whatIf.size())
            lens = m_whatIf[i] == kFailing     ? NodeItem::Lens::Focus
                   : m_whatIf[i] == kDependant ? NodeItem::Lens::Apart
                   : m_whatIf[i] == kBeside    ? NodeItem::Lens::Beside
                                               : NodeItem::Lens::None;
        else if (focus >= 0 && i < m_beside.size())
            lens = int(i) == focus ? NodeItem::Lens::Focus
                   : m_beside[i]  ? NodeItem::Lens::Beside
                                  : NodeItem::Lens::Apart;
        changed += item->setLens(lens, false) ? 1 : 0;
    }
    if (changed > 0) {
        // One repaint of the scene, not one per item (see GraphScene::StateBatch).
        m_scene->update();
        m_scene->overviewChanged(false);
    }
}

QString ConcurrencyLens::reasonFor(const QString &id) const
{
    if (!m_failing.isEmpty()) {
        const int i = indexOf(id);
        if (i < 0 || std::size_t(i) >= m_whatIf.size())
            return {};
        switch (m_whatIf[std::size_t(i)]) {
        case kFailing:
            return tr("What if %1 fails: dimmed nodes are skipped under both failure policies; "
                      "outlined ones run under keep-going and are skipped under stop unless "
                      "they started first")
                .arg(m_failing);
        case kDependant:
            return tr("If %1 fails: skipped under both policies, it needs %1").arg(m_failing);
        case kBeside:
            return tr("If %1 fails: keep-going still runs it; stop skips it unless it started "
                      "before the failure")
                .arg(m_failing);
        default:
            return tr("If %1 fails: unaffected, it finished before %1 started").arg(m_failing);
        }
    }
    if (m_focus.isEmpty() || !m_graph)
        return {};
    const int i = indexOf(id);
    const int focus = indexOf(m_focus);
    if (i < 0 || focus < 0 || std::size_t(i) >= m_beside.size())
        return {};
    if (i == focus)
        return tr("Concurrency lens: outlined nodes may run beside %1, dimmed ones never can")
            .arg(m_focus);
    if (m_beside[std::size_t(i)])
        return tr("May run beside %1: neither needs the other").arg(m_focus);
    if (!m_apart[std::size_t(i)].isEmpty())
        return m_apart[std::size_t(i)];
    std::vector<std::uint32_t> path = m_graph->pathBetween(std::uint32_t(i), std::uint32_t(focus));
    if (path.empty())
        path = m_graph->pathBetween(std::uint32_t(focus), std::uint32_t(i));
    QStringList ids;
    constexpr std::size_t kShown = 8;
    for (std::size_t k = 0; k < path.size(); ++k) {
        if (path.size() > kShown && k == kShown / 2) {
            ids << QStringLiteral("…");
            k = path.size() - kShown / 2;
        }
        ids << q(m_workflow->nodes[path[k]].id);
    }
    return tr("Never beside %1: ordered by needs: %2").arg(m_focus, ids.join(QStringLiteral(" → ")));
}

QStringList ConcurrencyLens::beside() const
{
    QStringList ids;
    if (!m_workflow)
        return ids;
    for (std::size_t i = 0; i < m_beside.size(); ++i)
        if (m_beside[i])
            ids << q(m_workflow->nodes[i].id);
    return ids;
}

ConcurrencyLens::FailurePreview ConcurrencyLens::previewFailure(const QString &id)
{
    const FailurePreview preview = ifFails(id);
    m_focus.clear();
    m_beside.clear();
    m_apart.clear();
    m_failing = indexOf(id) < 0 ? QString() : id;
    m_whatIf.assign(m_failing.isEmpty() ? 0 : m_workflow->nodes.size(), kUnaffected);
    if (!m_failing.isEmpty()) {
        m_whatIf[std::size_t(indexOf(id))] = kFailing;
        for (const QString &d : preview.dependants)
            m_whatIf[std::size_t(indexOf(d))] = kDependant;
        for (const QString &b : preview.independent)
            m_whatIf[std::size_t(indexOf(b))] = kBeside;
    }
    apply();
    return preview;
}

ConcurrencyLens::FailurePreview ConcurrencyLens::ifFails(const QString &id)
{
    FailurePreview preview;
    const int start = indexOf(id);
    if (start < 0)
        return preview;
    const ConcurrencyGraph &g = graph();
    std::vector<char> seen(g.size(), 0);
    std::vector<std::uint32_t> stack{std::uint32_t(start)};
    seen[std::size_t(start)] = 1;
    while (!stack.empty()) {
        const std::uint32_t n = stack.back();
        stack.pop_back();
        for (std::uint32_t s : g.successors(n))
            if (!seen[s]) {
                seen[s] = 1;
                stack.push_back(s);
            }
    }
    const std::vector<char> beside = g.mayRunBeside(std::uint32_t(start));
    for (std::size_t i = 0; i < seen.size(); ++i) {
        if (int(i) == start)
            continue;
        if (seen[i])
            preview.dependants << q(m_workflow->nodes[i].id);
        else if (beside[i])
            preview.independent << q(m_workflow->nodes[i].id);
    }
    return preview;
}

} // namespace weft::ui
